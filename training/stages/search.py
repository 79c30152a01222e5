"""Stage: a search tree per deficient task (`training.mcts`, driven by `training.search`) and the
preference pairs it yields -> ``round-K/pairs/`` (the dataset + mcts_stats.json + trees.jsonl). The trees are
played by the run's generator (`training.workers`: one tree per unit, in this process or on Ray
workers) and merged in task order, so the pairs are the same with any number of workers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from training.io import atomic_write_json


def search(run, k: int, policy_in: Path, selected: list[dict[str, Any]]) -> Path:
    cfg = run.cfg
    path = run.layout.pairs(k)

    def write(tmp: Path) -> None:  # on the main process (its Ray workers when it has them); the others wait
        from training import search as driver
        from training.pairs import save_pairs
        from training.traces import write_trees

        gen = run.generator()
        run.log(f"round {k}: MCTS on {len(selected)} deficient tasks{gen.where}")
        t0 = time.time()
        trees = gen.search(policy_in, dict(run.env_kwargs("train"), seed=cfg.seed), selected, key_prefix=str(k))
        rows = [row for t in trees for row in t["rows"]]
        if rows:
            save_pairs(rows, str(tmp))
        stats = driver.search_stats(trees, time.time() - t0, cfg.pairs.right_threshold, workers=gen.workers,
                                    replaced=gen.replaced)
        atomic_write_json(tmp / "mcts_stats.json", stats)
        # the trees node by node, for `toolenv view`
        write_trees(tmp / run.layout.trees(k).name, [t.get("tree") for t in trees], cfg.mcts.trace_max_trees, k)
        run.log(f"round {k}: {len(rows)} pairs from {stats['tasks']} trees in {stats['seconds']:.0f}s "
                f"({stats['expansions']} expansions, {stats['leaf_evaluations']} leaves)")

    run.produce(path, write)
    return path
