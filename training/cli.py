"""`toolenv train`: the iterative reinforced fine-tuning pipeline (`training.itool`; the same run as
``python -m training.itool``). A `toolenv.cli` command module, registered in pyproject.toml's
``toolenv.commands`` entry-point group; torch and the rest of the ``train`` extra are imported in `run`."""

from __future__ import annotations

import argparse

from toolenv.cli import existing_file, nonnegative_int, output_dir, seed

HELP = "Run the iTool pipeline: warm-up SFT, deficiency selection, MCTS pairs, DPO rounds, evaluation."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=existing_file, default="configs/demo.yaml", help="YAML run config (default configs/demo.yaml)")
    parser.add_argument("--output-dir", type=output_dir, default=None, help="run directory (overrides output_dir in the config)")
    parser.add_argument("--smoke", action="store_true", help="tiny budgets: every stage in a few minutes")
    parser.add_argument("--rounds", type=nonnegative_int, default=None, help="override the number of rounds")
    parser.add_argument("--seed", type=seed, default=None, help="override the seed")
    parser.add_argument("--ray-workers", type=nonnegative_int, default=None,
                        help="Ray worker actors for rollouts, search and evaluation (ray.num_workers; 0 = none)")
    parser.add_argument("--ray-address", default=None,
                        help="Ray cluster to join (ray.address; default $RAY_ADDRESS, else a local Ray)")


def run(args: argparse.Namespace) -> int:
    from training.itool import main_args  # heavy imports only when the command runs

    # a bad config (empty, unknown key, bad value, invalid YAML) or a corrupt run file raises
    # ValueError naming it, before any training: one line, exit 2 (toolenv.cli)
    return main_args(args)
