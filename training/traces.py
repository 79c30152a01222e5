"""What a run writes for `toolenv view` to show: episodes step by step and search trees node by
node, bounded in size (formats: docs/data_formats.md, "Traces").

- ``eval/NAME/episodes.jsonl``: an evaluation's episodes (`write_eval_episodes`), at most
  ``eval.trace_max_episodes`` per task set (held-out, seen templates, each BFCL suite).
- ``round-K/deficiency/episodes.jsonl``: the round's deficiency rollouts on training tasks
  (`write_deficiency_episodes`), at most ``deficiency.trace_max_episodes``; ``selected`` marks the
  tasks passed to the search.
- ``round-K/pairs/trees.jsonl``: one search tree per line (`tree_record`, written by
  `write_trees`), at most ``mcts.trace_max_trees``; each pair row of the round's dataset names the
  node that produced it (``node_id``, `training.pairs`).

Every line is ASCII JSON with sorted keys and no timings: the same seed writes the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from toolenv.view.traces import (cap_episodes, clip, clip_message, episode_row, ground_truth, write_jsonl,
                                  write_trajectories)


# ------------------------------------------------------------------ episodes
def pop_episodes(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Take the episode records out of an evaluation report (they are not part of report.json)."""
    return report.pop("episode_records", None) or []


def write_eval_episodes(path: Path, episodes: dict[str, list[dict[str, Any]]], cap: int, stage: str) -> int:
    """``episodes``: task set -> rollout records with traces. Returns the lines written."""
    rows: list[dict[str, Any]] = []
    for name, recs in episodes.items():
        rows += [episode_row(r, set=name, stage=stage) for r in cap_episodes([r for r in recs if "trace" in r], cap)]
    return write_jsonl(path, rows) if rows else 0


def write_deficiency_episodes(path: Path, records: Sequence[dict[str, Any]], selected: Sequence[dict[str, Any]],
                              cap: int, k: int) -> int:
    """The deficiency rollouts of round ``k``; the selected tasks always come first under the cap."""
    chosen = {s["task_index"] for s in selected}
    recs = [dict(r, selected=r["task_index"] in chosen) for r in records if "trace" in r]
    first = [r for r in recs if r["selected"]]
    rest = [r for r in recs if not r["selected"]]
    keep = {id(r) for r in first[:cap] + cap_episodes(rest, max(0, cap - len(first)))}
    kept = [r for r in recs if id(r) in keep]
    if not kept:
        return 0
    return write_trajectories(path, kept, None, set="train", stage=f"round-{k}/deficiency", round=k)


# ------------------------------------------------------------------ search trees
def _leaf(cur: Any) -> dict[str, Any] | None:
    if cur is None:
        return None
    return {"actions": [clip(a) for a in cur.actions], "rewards": [float(r) for r in cur.rewards],
            "deficiencies": list(cur.deficiencies), "success": bool(cur.success), "return": float(cur.ret)}


def tree_record(result: Any, task: Any, task_index: int, seed: int, rows: Sequence[dict[str, Any]],
                selected: dict[str, Any] | None = None) -> dict[str, Any]:
    """One search tree (`training.mcts.SearchResult`) as plain data: every node with its fragment,
    visit count N, mean value Q, prior, env value and the episode its simulation completed (the
    leaf replay), and the pairs taken from it (by node id)."""
    from toolenv.observation import decode_observation

    nodes = []
    for n in result.nodes:
        d: dict[str, Any] = {
            "id": n.id, "parent": None if n.parent is None else n.parent.id, "depth": n.depth,
            "turn": len(n.ctx.actions), "fragment": clip(n.fragment),
            "prefix": clip(n.turn_prefix[: len(n.turn_prefix) - len(n.fragment)]),
            "prior": float(n.prior), "N": int(n.N), "Q": float(n.Q),
            "value": None if n.value is None else float(n.value),
            "ends_turn": bool(n.ends_turn), "terminal": bool(n.terminal), "expanded": bool(n.expanded),
            "children": [c.id for c in n.children], "leaf": _leaf(n.leaf),
        }
        if n.ends_turn and n.next_ctx is not None:  # the env's verdict on the finished turn
            d["turn_reward"] = float(n.next_ctx.rewards[-1]) if n.next_ctx.rewards else None
            d["turn_deficiencies"] = list(n.next_ctx.deficiencies[len(n.ctx.deficiencies):])
        nodes.append(d)
    messages, _ = decode_observation(result.root.ctx.obs)
    pairs = [{"node": r.get("node_id"), "chosen_node": r.get("chosen_node"), "rejected_node": r.get("rejected_node"),
              "source": r["source"], "chosen_value": float(r["chosen_value"]),
              "rejected_value": float(r["rejected_value"]), "turn": r["turn"],
              "chosen": clip(r["chosen"][0]["content"]), "rejected": clip(r["rejected"][0]["content"])} for r in rows]
    stats = {k: v for k, v in result.stats.items() if "seconds" not in k}
    return {
        "task_id": str(task.id), "category": task.category, "task_index": int(task_index), "seed": int(seed),
        "norm": float(result.norm), "stats": stats, "tools": list(task.tools),
        "prompt": [clip_message(m) for m in messages], "ground_truth": ground_truth(task),
        "selected": dict(selected or {}), "nodes": nodes, "pairs": pairs,
    }


def write_trees(path: Path, trees: Sequence[dict[str, Any] | None], cap: int, k: int) -> int:
    """The round's trees (task order), the first ``cap`` of them."""
    kept = [dict(t, round=k) for t in trees if t][:cap]
    return write_jsonl(path, kept) if kept else 0
