"""Driving `training.mcts` over a round's deficient tasks: one tree per task, its pairs, and the
merging of several processes' shares.

With N processes (``accelerate launch`` / ``torchrun``) task j goes to process j mod N. Each
process writes its trees to ``<round>/pairs.parts/rank-R.json`` tagged with a fingerprint of what
the search depends on (policy checkpoint, tasks, search config), so a stale part file of an
earlier attempt never matches; the main process gathers them in task order. Every tree depends
only on its task and seed, so the merged pairs equal a one-process run's.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Sequence

from training.distributed import rank, wait_until, world_size
from training.io import atomic_write_json, is_done, read_done, read_json


def search_trees(policy: Any, env: Any, tasks: Sequence[Any], selected: Sequence[dict[str, Any]], cfg: Any,
                 key_prefix: str, progress: bool = True) -> list[dict[str, Any]]:
    """One tree per selected task: ``{"rows": its preference pairs, "stats": its search
    statistics}``, in the order of ``selected``. ``cfg`` is the run config (``mcts``, ``pairs``,
    ``seed``, ``data.answer_words``)."""
    from tqdm.auto import tqdm

    from training.mcts import MCTS
    from training.pairs import pairs_from_tree
    from training.rollout import episode_seed, expert_cursor, start

    mcfg = cfg.mcts
    out = []
    for s in tqdm(selected, desc=f"MCTS {key_prefix}", leave=False, disable=not progress):
        ti = s["task_index"]
        task = tasks[ti]
        seed = episode_seed(task, cfg.seed)
        norm = expert_cursor(env, ti, seed).ret
        root = start(env, ti, seed)
        res = MCTS(policy, env, mcfg).search(root, norm, task_key=f"{key_prefix}:{task.id}")
        rows = pairs_from_tree(res, env, task, cfg.pairs, cfg.data.answer_words,
                               markers=mcfg.split_markers, fragments=mcfg.fragments_per_step)
        out.append({"rows": rows, "stats": {
            "task_id": task.id, "category": task.category, "pairs": len(rows), "root_value": res.root.Q,
            "best_leaf": max((n.value for n in res.nodes if n.value is not None), default=None),
            **res.stats}})
    return out


def my_share(n: int) -> list[int]:
    """The indices of ``n`` tasks this process searches (j mod world size == rank)."""
    return list(range(rank(), n, world_size()))


def gather(mine: dict[int, dict[str, Any]], parts_dir: Path, key: str, is_main: bool) -> dict[int, dict[str, Any]] | None:
    """Merge the processes' trees by task index. Every process writes its share to ``parts_dir``;
    the main process waits for the others' (matching ``key``) and returns all of them; the others
    return None. One process: ``mine`` as it is."""
    if world_size() == 1:
        return dict(mine)
    atomic_write_json(parts_dir / f"rank-{rank()}.json", {"key": key, "parts": {str(j): r for j, r in mine.items()}})
    if not is_main:
        return None
    merged = dict(mine)
    for r in range(1, world_size()):
        path = parts_dir / f"rank-{r}.json"
        wait_until(lambda: path.exists() and read_json(path).get("key") == key, str(path))
        merged.update({int(j): v for j, v in read_json(path)["parts"].items()})
    return merged


def fingerprint(policy_in: Path, selected: Sequence[dict[str, Any]], mcts_cfg: Any) -> str:
    """What a process's share of a round's search depends on (stale part files never match)."""
    done = read_done(policy_in).get("finished_at", "") if is_done(policy_in) else ""
    blob = json.dumps([str(policy_in), done, [s["task_index"] for s in selected], repr(mcts_cfg)])
    return hashlib.blake2b(blob.encode(), digest_size=12).hexdigest()


def search_stats(parts: dict[int, dict[str, Any]], seconds: float, right_threshold: float) -> dict[str, Any]:
    """The round's ``mcts_stats.json``: totals over the trees (in task order) and each tree's stats."""
    from training.pairs import pair_stats

    rows = [row for j in sorted(parts) for row in parts[j]["rows"]]
    per_task = [parts[j]["stats"] for j in sorted(parts)]
    expansions = sum(p["expansions"] for p in per_task)
    return {
        "tasks": len(per_task),
        "processes": world_size(),
        "pairs": pair_stats(rows),
        "nodes": sum(p["nodes"] for p in per_task),
        "expansions": expansions,
        "leaf_evaluations": sum(p["leaf_evaluations"] for p in per_task),
        "seconds": round(seconds, 2),
        "expansions_per_second": expansions / max(seconds, 1e-9),
        "solved_by_search": sum(1 for p in per_task if (p["best_leaf"] or 0) >= right_threshold),
        "per_task": per_task,
    }
