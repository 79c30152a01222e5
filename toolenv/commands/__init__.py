"""One module per `toolenv` subcommand (see `toolenv.cli`)."""
