"""The iTool pipeline end to end, resumable: the stages of `training.stages` in order.

    data -> model -> warm-up SFT (easy to hard) -> eval
         -> for each round: deficiencies -> MCTS -> pairs -> preference optimisation -> eval
         [-> continued-SFT baseline with the rounds' optimizer steps -> eval]
         [-> random-order warm-up -> eval]
         -> report.md

    python -m training.itool --config configs/demo.yaml [--output-dir DIR] [--smoke]

Every stage writes into a temp folder renamed into place with a DONE marker (`training.io`);
rerunning the same command skips finished stages, so a killed run resumes where it stopped. Where
each stage writes: `training.layout`. Adding a stage: a module in `training/stages/` and one line
in `pipeline` below (docs/architecture.md shows one).

Several processes (``accelerate launch --num_processes N -m training.itool ...`` or ``torchrun``):
the training stages run data-parallel on all of them; everything else runs on the main process
while the others wait for its DONE markers (`training.distributed`). The generating stages
(rollouts, search, evaluation) scale out on Ray instead: ``--ray-workers N`` (`training.workers`).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from training.config import load_config, save_config
from training.io import is_done
from training.run import Run
from training.stages.baseline import baseline
from training.stages.data import data
from training.stages.deficiency import deficiency
from training.stages.evaluate import evaluate
from training.stages.model_init import model_init
from training.stages.preference import preference
from training.stages.search import search
from training.stages.warmup import warmup


def pipeline(run: Run) -> int:
    """The run, top to bottom."""
    cfg, layout = run.cfg, run.layout
    for old, new in layout.migrate():
        run.log(f"moved {old} to {new} (the run layout before round-K/pairs)")
    if run.main:
        save_config(cfg, layout.config)
        if cfg.ray.num_workers:  # join or start Ray now: a wrong address shows before any training, not after
            where = cfg.ray.address or os.environ.get("RAY_ADDRESS") or "a local Ray"
            run.log(f"Ray: {cfg.ray.num_workers} workers on {where}")
            run.generator()
    data(run)
    if cfg.base_eval:  # the initial policy before any training (a pretrained model zero-shot)
        evaluate(run, "base", model_init(run), "base", 0)
    sft = warmup(run)
    evaluate(run, "sft", sft, "sft", 0)
    policy = sft
    for k in range(1, cfg.rounds + 1):
        if not is_done(layout.round_policy(k)):  # a finished round is not re-entered
            selected = deficiency(run, k, policy)
            pairs = search(run, k, policy, selected)
            preference(run, k, policy, pairs)
        policy = layout.round_policy(k)
        evaluate(run, f"round-{k}", policy, "round", k)
    if cfg.baseline:
        evaluate(run, "baseline", baseline(run, sft), "baseline", cfg.rounds)
    if cfg.random_order_baseline:
        evaluate(run, "sft-random", warmup(run, "sft-random", curriculum="random"), "random_order", 0)
    if run.main:
        from training.report import write_report

        write_report(layout.root)
        run.log(f"done in {run.elapsed():.0f}s; report: {layout.report}")
        from toolenv.view import build_view

        run.log(f"view: {build_view(layout.root, layout.view)}")  # `toolenv view RUN --serve` serves it
    return 0


def build_parser(p: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    p = p or argparse.ArgumentParser(prog="python -m training.itool", description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default="configs/demo.yaml", help="YAML run config (default configs/demo.yaml)")
    p.add_argument("--output-dir", default=None, help="run directory (overrides output_dir in the config)")
    p.add_argument("--smoke", action="store_true", help="tiny budgets: every stage in a few minutes")
    p.add_argument("--rounds", type=int, default=None, help="override the number of rounds")
    p.add_argument("--seed", type=int, default=None, help="override the seed")
    p.add_argument("--ray-workers", type=int, default=None,
                   help="Ray worker actors for rollouts, search and evaluation (ray.num_workers; 0 = none)")
    p.add_argument("--ray-address", default=None,
                   help="Ray cluster to join (ray.address; default $RAY_ADDRESS, else a local Ray)")
    return p


def main_args(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    over: dict[str, Any] = {}
    if args.output_dir:
        over["output_dir"] = args.output_dir
    if args.rounds is not None:
        over["rounds"] = args.rounds
    if args.seed is not None:
        over["seed"] = args.seed
    if args.ray_workers is not None:
        over.setdefault("ray", {})["num_workers"] = args.ray_workers
    if args.ray_address is not None:
        over.setdefault("ray", {})["address"] = args.ray_address
    cfg = load_config(args.config, smoke=args.smoke, overrides=over)
    import torch

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    run = Run(cfg)
    try:
        return pipeline(run)
    finally:
        run.close()


def main(argv: list[str] | None = None) -> int:
    return main_args(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
