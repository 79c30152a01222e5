"""One module per env subcommand (base dependencies); the commands that need the train extra are
registered by the agents and training packages (see `toolenv.cli`)."""
