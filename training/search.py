"""Driving `training.mcts` over a round's deficient tasks: one tree per task, its pairs, and the
round's search statistics. Every tree depends only on its task, seed, policy and config, so the
trees can be played anywhere (`training.workers` deals them to Ray workers) and merged in task
order.
"""

from __future__ import annotations

from typing import Any, Sequence


def search_trees(policy: Any, env: Any, tasks: Sequence[Any], selected: Sequence[dict[str, Any]], cfg: Any,
                 key_prefix: str, progress: bool = True) -> list[dict[str, Any]]:
    """One tree per selected task: ``{"rows": its preference pairs, "stats": its search
    statistics, "tree": its nodes (`training.traces.tree_record`)}``, in the order of ``selected``.
    ``cfg`` is the run config (``mcts``, ``pairs``, ``seed``, ``data.answer_words``)."""
    from tqdm.auto import tqdm

    from training.mcts import MCTS
    from training.pairs import pairs_from_tree
    from training.rollout import episode_seed, expert_cursor, start
    from training.traces import tree_record

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
            **res.stats}, "tree": tree_record(res, task, ti, seed, rows, s)})
    return out


def search_stats(trees: Sequence[dict[str, Any]], seconds: float, right_threshold: float, workers: int = 0,
                 replaced: int = 0) -> dict[str, Any]:
    """The round's ``mcts_stats.json``: totals over the trees (in task order) and each tree's stats;
    ``workers``: the Ray workers that searched (0: this process), ``replaced``: workers that died and
    were replaced (their trees redone)."""
    from training.pairs import pair_stats

    rows = [row for t in trees for row in t["rows"]]
    per_task = [t["stats"] for t in trees]
    expansions = sum(p["expansions"] for p in per_task)
    return {
        "tasks": len(per_task),
        "workers": workers,
        "workers_replaced": replaced,
        "pairs": pair_stats(rows),
        "nodes": sum(p["nodes"] for p in per_task),
        "expansions": expansions,
        "leaf_evaluations": sum(p["leaf_evaluations"] for p in per_task),
        "seconds": round(seconds, 2),
        "expansions_per_second": expansions / max(seconds, 1e-9),
        "solved_by_search": sum(1 for p in per_task if (p["best_leaf"] or 0) >= right_threshold),
        "per_task": per_task,
    }
