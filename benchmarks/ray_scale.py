"""Scale-out of the generating stages on Ray workers (`training.workers`), side by side in one run:
deficiency-style rollouts (episodes/s) and the search (expansions/s) in this process and on 1, 2, ...
Ray workers, each with one torch thread, on a finished run's warm-up policy.

    .venv/bin/python benchmarks/ray_scale.py --run runs/tiny-smoke [--workers 1 2] [--episodes 48] [--trees 4]

The run needs a finished warm-up (``sft/DONE``); the trees are searched from the training tasks of
round 1's selection when the run has one, else from the first training tasks. Worker start-up and
the first load of the policy are excluded (one warm-up unit per worker before timing), so the
figures are steady-state throughput; start-up is printed separately.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def measure(cfg, lay, n_workers: int, episodes: int, trees: int) -> dict:
    from training.data import env_kwargs
    from training.workers import LocalGenerator, RayGenerator

    t0 = time.perf_counter()
    gen = RayGenerator(cfg) if n_workers else LocalGenerator(cfg)
    kw = dict(env_kwargs(lay.train_tasks, cfg.data.tool_specs), max_steps=cfg.mcts.max_turns)
    bs = cfg.deficiency.batch_size
    # warm-up: one unit per worker (actor start, imports, the policy loaded)
    gen.rollouts(lay.warmup(), kw, list(range(max(1, n_workers))), list(range(max(1, n_workers))), batch_size=1,
                 max_new_tokens=cfg.deficiency.max_new_tokens)
    startup = time.perf_counter() - t0

    from toolenv.tasks import load_tasks

    n_train = len(load_tasks(lay.train_tasks))
    idx = [i % n_train for i in range(episodes)]
    t0 = time.perf_counter()
    recs = gen.rollouts(lay.warmup(), kw, idx, [1000 + i for i in idx], batch_size=bs,
                        max_new_tokens=cfg.deficiency.max_new_tokens)
    roll_s = time.perf_counter() - t0
    steps = sum(r["steps"] for r in recs)

    sel_path = lay.deficiency(1) / "selected.json"
    selected = json.loads(sel_path.read_text()) if sel_path.exists() else []
    selected = (selected or [{"task_index": i} for i in range(trees)])
    selected = [selected[i % len(selected)] for i in range(trees)]
    t0 = time.perf_counter()
    out = gen.search(lay.warmup(), dict(env_kwargs(lay.train_tasks, cfg.data.tool_specs), seed=cfg.seed), selected, "bench")
    search_s = time.perf_counter() - t0
    expansions = sum(t["stats"]["expansions"] for t in out)
    gen.close()
    return {"workers": n_workers, "startup_s": startup, "episodes": len(recs), "agent_steps": steps,
            "rollout_s": roll_s, "episodes_per_s": len(recs) / roll_s, "trees": len(out), "expansions": expansions,
            "search_s": search_s, "expansions_per_s": expansions / search_s}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", required=True, help="a run directory with a finished warm-up (sft/DONE)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="Ray worker counts to measure")
    ap.add_argument("--no-local", action="store_true", help="skip the in-process reference")
    ap.add_argument("--episodes", type=int, default=48, help="rollout episodes per measurement")
    ap.add_argument("--trees", type=int, default=4, help="search trees per measurement")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import ray
    except ImportError:
        print("Ray is not installed: pip install -e '.[train,ray]'")
        return 0
    from training.config import load_config
    from training.io import is_done
    from training.layout import RunLayout

    lay = RunLayout(args.run)
    if not is_done(lay.warmup()):
        raise SystemExit(f"{args.run}: no finished warm-up (sft/DONE); run the pipeline first")
    rows = []
    for n in ([] if args.no_local else [0]) + args.workers:
        cfg = load_config(lay.config, overrides={"gen_threads": 1, "ray": {"num_workers": n, "worker_threads": 1}})
        rows.append(measure(cfg, lay, n, args.episodes, args.trees))
        if ray.is_initialized():
            ray.shutdown()
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    print(f"run {args.run}; cpus {os.cpu_count()}; load average {' '.join(load)}")
    print("| where | start-up s | episodes/s | speed-up | expansions/s | speed-up |")
    print("|---|---|---|---|---|---|")
    ref = rows[0]
    for r in rows:
        where = "this process" if r["workers"] == 0 else f"{r['workers']} Ray worker{'s' if r['workers'] > 1 else ''}"
        print(f"| {where} | {r['startup_s']:.1f} | {r['episodes_per_s']:.2f} | "
              f"{r['episodes_per_s'] / ref['episodes_per_s']:.2f}x | {r['expansions_per_s']:.2f} | "
              f"{r['expansions_per_s'] / ref['expansions_per_s']:.2f}x |")
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
