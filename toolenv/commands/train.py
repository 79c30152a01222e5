"""`toolenv train`: the iterative reinforced fine-tuning pipeline (training.itool)."""

from __future__ import annotations

import argparse

HELP = "Run the iTool pipeline: warm-up SFT, deficiency selection, MCTS pairs, DPO rounds, evaluation."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default="configs/demo.yaml", help="YAML run config (default configs/demo.yaml)")
    parser.add_argument("--output-dir", default=None, help="run directory (overrides output_dir in the config)")
    parser.add_argument("--smoke", action="store_true", help="tiny budgets: every stage in a few minutes")
    parser.add_argument("--rounds", type=int, default=None, help="override the number of rounds")
    parser.add_argument("--seed", type=int, default=None, help="override the seed")


def run(args: argparse.Namespace) -> int:
    from training.itool import main_args  # heavy imports only when the command runs

    return main_args(args)
