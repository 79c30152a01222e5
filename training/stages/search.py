"""Stage: a search tree per deficient task (`training.mcts`, driven by `training.search`) and the
preference pairs it yields -> ``round-K/pairs/`` (the dataset + mcts_stats.json). With several
processes the tasks are dealt out and merged in task order (same pairs as one process)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from training.io import StageDir, atomic_write_json, is_done
from training.distributed import wait_for_stage, world_size


def search(run, k: int, policy_in: Path, selected: list[dict[str, Any]]) -> Path:
    from training import search as driver

    cfg = run.cfg
    path, parts_dir = run.layout.pairs(k), run.layout.pairs_parts(k)
    if is_done(path):
        return path
    run.log(f"round {k}: MCTS on {len(selected)} deficient tasks"
            + (f" over {world_size()} processes" if world_size() > 1 else ""))
    t0 = time.time()
    mine = driver.my_share(len(selected))
    trees = _search(run, k, policy_in, [selected[j] for j in mine])
    parts = driver.gather(dict(zip(mine, trees)), parts_dir, driver.fingerprint(policy_in, selected, cfg.mcts), run.main)
    if parts is None:  # another process's share: the main process writes the stage
        wait_for_stage(path)
        return path
    from training.pairs import save_pairs

    rows = [row for j in sorted(parts) for row in parts[j]["rows"]]
    with StageDir(path) as tmp:
        if rows:
            save_pairs(rows, str(tmp))
        stats = driver.search_stats(parts, time.time() - t0, cfg.pairs.right_threshold)
        atomic_write_json(tmp / "mcts_stats.json", stats)
    shutil.rmtree(parts_dir, ignore_errors=True)
    run.log(f"round {k}: {len(rows)} pairs from {stats['tasks']} trees in {stats['seconds']:.0f}s "
            f"({stats['expansions']} expansions, {stats['leaf_evaluations']} leaves)")
    return path


def _search(run, k: int, policy_in: Path, selected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from training.data import make_env
    from training.policy import Policy
    from training.run import threads
    from training.search import search_trees

    model, tok = run.load(policy_in)
    model.eval()
    env = make_env(run.layout.train_tasks, run.cfg.data.tool_specs, seed=run.cfg.seed)
    try:
        with threads(run.cfg.gen_threads):
            return search_trees(Policy(model, tok), env, run.train_task_list(), selected, run.cfg,
                                key_prefix=str(k), progress=run.main)
    finally:
        env.close()
