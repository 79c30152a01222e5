"""What the rounds gain: held-out success by category, in ONE run, for
(a) warm-up SFT continued for the same number of optimizer steps as the rounds used (baseline),
(b) warm-up + MCTS/DPO rounds, and the easy-to-hard vs random-order warm-up.

    python benchmarks/gains.py [--config configs/demo.yaml] [--output-dir runs/gains] [--seed 0]
    python benchmarks/gains.py --run runs/demo      # only read a finished run (no training)

Trains with the config plus `baseline: true` and `random_order_baseline: true` (resumable: rerun
to continue), then prints the table and a JSON line. Record results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COMPLEX = ("parallel", "parallel_multiple", "multi_step")


def table(run: Path) -> dict:
    from training.io import read_jsonl

    ms = {m["name"]: m for m in read_jsonl(run / "metrics.jsonl")}
    if not ms:
        raise SystemExit(f"no evaluations in {run}/metrics.jsonl")
    rounds = sorted((m for m in ms.values() if m["stage"] == "round"), key=lambda m: m["round"])
    final = rounds[-1]["name"] if rounds else None
    cats = sorted({c for m in ms.values() for c in m["by_category"]})
    names = [n for n in ("sft", *[r["name"] for r in rounds], "baseline", "sft-random") if n in ms]
    print(f"{'held-out success %':20s}" + "".join(f"{n:>12s}" for n in names))
    for c in (*cats, "complex", "ALL"):
        row = []
        for n in names:
            m = ms[n]
            v = m["complex_success_rate"] if c == "complex" else m["success_rate"] if c == "ALL" else \
                m["by_category"].get(c, {}).get("success_rate", 0.0)
            row.append(f"{100 * v:12.1f}")
        print(f"{c:20s}" + "".join(row))
    out: dict = {"run": str(run), "evaluations": names}
    if final and "baseline" in ms:
        b, a = ms[final], ms["baseline"]
        def cat(m, c):
            return m["by_category"].get(c, {}).get("success_rate", 0.0)
        out["rounds_minus_baseline"] = {
            "complex": 100 * (b["complex_success_rate"] - a["complex_success_rate"]),
            "simple": 100 * (cat(b, "simple") - cat(a, "simple")),
            "all": 100 * (b["success_rate"] - a["success_rate"]),
            **{c: 100 * (cat(b, c) - cat(a, c)) for c in COMPLEX},
        }
        out["mean_reward"] = {"rounds": b["mean_reward"], "baseline": a["mean_reward"], "sft": ms["sft"]["mean_reward"]}
    if "sft-random" in ms:
        out["easy_to_hard_minus_random"] = {
            "all": 100 * (ms["sft"]["success_rate"] - ms["sft-random"]["success_rate"]),
            "complex": 100 * (ms["sft"]["complex_success_rate"] - ms["sft-random"]["complex_success_rate"]),
            "mean_reward": ms["sft"]["mean_reward"] - ms["sft-random"]["mean_reward"],
        }
    print(json.dumps(out))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="configs/demo.yaml")
    ap.add_argument("--output-dir", default="runs/gains")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--run", default=None, help="only print the table of an existing run directory")
    args = ap.parse_args()
    if args.run:
        table(Path(args.run))
        return 0
    from training.config import load_config
    from training.itool import Run

    over = {"output_dir": args.output_dir, "baseline": True, "random_order_baseline": True}
    if args.seed is not None:
        over["seed"] = args.seed
    cfg = load_config(args.config, overrides=over)
    import torch

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    Run(cfg).run()
    table(Path(cfg.output_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
