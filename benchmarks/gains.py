"""What the rounds gain: held-out success by category, in ONE run, for
(a) warm-up SFT continued for the same number of optimizer steps as the rounds used (baseline),
(b) warm-up + MCTS/DPO rounds, and the easy-to-hard vs random-order warm-up.

    python benchmarks/gains.py [--config configs/gains.yaml] [--output-dir runs/gains] [--seed 0]
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


def _print_table(ms: dict, names: list[str], title: str) -> None:
    cats = sorted({c for m in ms.values() for c in m["by_category"]})
    print(f"\n{title}")
    print(f"{'success %':20s}" + "".join(f"{n:>12s}" for n in names))
    for c in (*cats, "complex", "ALL"):
        row = []
        for n in names:
            m = ms[n]
            v = m["complex_success_rate"] if c == "complex" else m["success_rate"] if c == "ALL" else \
                m["by_category"].get(c, {}).get("success_rate", 0.0)
            row.append(f"{100 * v:12.1f}")
        print(f"{c:20s}" + "".join(row))


def _deltas(b: dict, a: dict) -> dict:
    def cat(m, c):
        return m["by_category"].get(c, {}).get("success_rate", 0.0)

    return {
        "complex": round(100 * (b["complex_success_rate"] - a["complex_success_rate"]), 2),
        "simple": round(100 * (cat(b, "simple") - cat(a, "simple")), 2),
        "all": round(100 * (b["success_rate"] - a["success_rate"]), 2),
        **{c: round(100 * (cat(b, c) - cat(a, c)), 2) for c in COMPLEX},
    }


def table(run: Path) -> dict:
    """Print the held-out tables of a run (both held-out sets when present) and return the deltas."""
    from training.io import read_jsonl
    from training.layout import RunLayout

    metrics = RunLayout(run).metrics
    ms = {m["name"]: m for m in read_jsonl(metrics)}
    if not ms:
        raise SystemExit(f"no evaluations in {metrics}")
    rounds = sorted((m for m in ms.values() if m["stage"] == "round"), key=lambda m: m["round"])
    final = rounds[-1]["name"] if rounds else None
    names = [n for n in ("base", "sft", *[r["name"] for r in rounds], "baseline", "sft-random") if n in ms]
    sets = {"unseen_templates": ms}
    seen = {n: m["seen_templates"] for n, m in ms.items() if "seen_templates" in m}
    if seen and all(n in seen for n in names):
        sets["seen_templates"] = seen
    titles = {"unseen_templates": "held-out: unseen templates + unseen seeds",
              "seen_templates": "held-out: training templates + unseen seeds (new values and worlds)"}
    out: dict = {"run": str(run), "evaluations": names}
    for key, mset in sets.items():
        _print_table(mset, names, titles[key])
        res: dict = {}
        if final and "baseline" in mset:
            res["rounds_minus_baseline"] = _deltas(mset[final], mset["baseline"])
            res["rounds_minus_sft"] = _deltas(mset[final], mset["sft"])
            res["mean_reward"] = {"rounds": mset[final]["mean_reward"], "baseline": mset["baseline"]["mean_reward"],
                                  "sft": mset["sft"]["mean_reward"]}
        if "sft-random" in mset:
            res["easy_to_hard_minus_random"] = _deltas(mset["sft"], mset["sft-random"])
        out[key] = res
    print(json.dumps(out))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="configs/gains.yaml")
    ap.add_argument("--output-dir", default="runs/gains")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--run", default=None, help="only print the table of an existing run directory")
    ap.add_argument("--no-random-order", action="store_true",
                    help="skip the random-order warm-up (a second full SFT run) to halve the time")
    args = ap.parse_args()
    if args.run:
        table(Path(args.run))
        return 0
    from training.config import load_config
    from training.itool import pipeline
    from training.run import Run

    over = {"output_dir": args.output_dir, "baseline": True, "random_order_baseline": not args.no_random_order}
    if args.seed is not None:
        over["seed"] = args.seed
    cfg = load_config(args.config, overrides=over)
    import torch

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    pipeline(Run(cfg))
    table(Path(cfg.output_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
