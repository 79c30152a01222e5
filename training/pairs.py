"""Stage 6: preference pairs from search trees.

At every expanded node with at least two children: chosen = the child with the highest value Q,
rejected = the child with the lowest, both complete turns that share the node's partial turn as a
prefix. Where no child is right (best Q below ``right_threshold``) and the ground-truth turn (the
env's ``expert_action`` at that point) continues the same prefix, the ground truth is chosen
instead. Pairs need a value gap >= ``min_value_gap`` and different texts.

Row format (TRL conversational preference rows, see docs/data_formats.md / docs/training.md):
``prompt`` (the conversation at the turn start: list of messages), ``chosen`` / ``rejected`` (one
assistant message each, whose content is the complete turn text), ``tools`` (JSON string), plus
provenance columns: ``task_id``, ``category``, ``turn`` (index of the agent turn),
``prefix`` (the shared partial turn), ``diverge_char`` (= len(prefix)), ``depth`` (node depth),
``chosen_value``, ``rejected_value``, ``source`` (``sibling`` | ``ground_truth``),
``chosen_ends_turn`` / ``rejected_ends_turn`` (False only for fragment pairs, below), ``node_id`` /
``chosen_node`` / ``rejected_node`` (the search node and the two children compared; ``chosen_node`` is
None for a ground-truth side: the tree records of ``round-K/pairs/trees.jsonl``, `training.traces`).

``cfg.cut == "fragment"``: both sides end with the step where they diverge (the child's fragment;
the ground truth cut after its next step the same way the search cuts steps), as in the
reference's fragment-level pairs, so the rest of a rejected turn (often correct) is not pushed down.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from toolenv.export import from_trl_message, trl_message
from training.config import PairsConfig
from training.mcts import Node, SearchResult, turn_text


def ground_truth_turn(env: Any, node: Node) -> str | None:
    """The expert's text for the turn that ``node``'s children continue."""
    ctx, _ = node.child_context()
    if ctx.done:
        return None
    env.unwrapped.restore(ctx.snap)
    return env.unwrapped.expert_action()


def cut_after_step(text: str, prefix: str, markers: Sequence[str], fragments: int) -> tuple[str, bool]:
    """``text`` (which starts with ``prefix``) cut after its next step; (cut text, ends the turn)."""
    from training.mcts import split_step

    rest = text[len(prefix):]
    k = split_step(rest, markers, fragments)
    if k is None or k >= len(rest):
        return text, True
    return prefix + rest[:k], False


def pairs_from_tree(result: SearchResult, env: Any, task: Any, cfg: PairsConfig, answer_words: int = 0,
                    markers: Sequence[str] | None = None, fragments: int | None = None) -> list[dict[str, Any]]:
    """Pairs of one tree. ``answer_words`` clips ground-truth text answers like the SFT rows.
    With ``cfg.cut == "fragment"`` both sides end with the diverging step (``markers`` /
    ``fragments``: how the search cut steps, default `MCTSConfig`'s) and ``*_ends_turn`` say whether
    a side ends the turn."""
    from toolenv.observation import decode_observation
    from toolenv.parse import parse_action
    from training.config import MCTSConfig
    from training.data import clip_answer

    fragment_cut = cfg.cut == "fragment"
    if fragment_cut and (markers is None or fragments is None):
        defaults = MCTSConfig()
        markers = defaults.split_markers if markers is None else markers
        fragments = defaults.fragments_per_step if fragments is None else fragments

    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for node in result.nodes:
        if len(node.children) < 2:
            continue
        ctx, prefix = node.child_context()
        ranked = sorted(node.children, key=lambda c: (c.Q, -c.id))
        worst, best = ranked[0], ranked[-1]
        chosen, chosen_v, source = turn_text(best), best.Q, "sibling"
        chosen_ends = rejected_ends = True
        if fragment_cut:
            chosen, chosen_ends = best.turn_prefix, best.ends_turn
        if best.Q < cfg.right_threshold and cfg.ground_truth_when_none_right:
            gt = ground_truth_turn(env, node)
            if gt is not None and answer_words > 0 and parse_action(gt).kind == "answer":
                gt = clip_answer(gt, answer_words)
            if gt is not None and gt.startswith(prefix):
                chosen, chosen_v, source = gt, 1.0, "ground_truth"
                if fragment_cut:
                    chosen, chosen_ends = cut_after_step(gt, prefix, markers, fragments)
        rejected, rejected_v = turn_text(worst), worst.Q
        if fragment_cut:
            rejected, rejected_ends = worst.turn_prefix, worst.ends_turn
        if chosen_v - rejected_v < cfg.min_value_gap or chosen_v <= rejected_v:
            continue
        if not chosen.startswith(prefix) or not rejected.startswith(prefix):
            continue
        if abs(len(chosen) - len(rejected)) < cfg.min_edit_chars and chosen.strip() == rejected.strip():
            continue
        if chosen == rejected:
            continue
        key = (ctx.obs, chosen, rejected)
        if key in seen:
            continue
        seen.add(key)
        messages, tools = decode_observation(ctx.obs)
        rows.append({
            "prompt": messages,
            "chosen": [{"role": "assistant", "content": chosen}],
            "rejected": [{"role": "assistant", "content": rejected}],
            "tools": json.dumps(tools, ensure_ascii=True),
            "task_id": str(task.id),
            "category": task.category,
            "turn": len(ctx.actions),
            "prefix": prefix,
            "diverge_char": len(prefix),
            "depth": node.depth,
            "chosen_value": float(chosen_v),
            "rejected_value": float(rejected_v),
            "source": source,
            "chosen_ends_turn": chosen_ends,
            "rejected_ends_turn": rejected_ends,
            "node_id": node.id,  # the search node whose children the pair compares (round-K/pairs/trees.jsonl)
            "chosen_node": best.id if source == "sibling" else None,
            "rejected_node": worst.id,
        })
    # keep the pairs with the largest gaps (the clearest preferences)
    rows.sort(key=lambda r: -(r["chosen_value"] - r["rejected_value"]))
    return rows[: cfg.max_pairs_per_task]


def validate_pair(row: dict[str, Any]) -> list[str]:
    """Problems with a pair row (empty list = valid)."""
    problems = []
    c, r = row["chosen"][0]["content"], row["rejected"][0]["content"]
    if c == r:
        problems.append("chosen == rejected")
    if not (c.startswith(row["prefix"]) and r.startswith(row["prefix"])):
        problems.append("completions do not share the prefix")
    if not row["chosen_value"] > row["rejected_value"]:
        problems.append("chosen value not above rejected value")
    if not row["prompt"] or row["prompt"][-1]["role"] not in ("user", "tool"):
        problems.append("prompt must end with a user or tool message")
    return problems


def pair_stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts and where in the answer the pairs diverge."""
    from collections import Counter

    if not rows:
        return {"pairs": 0}
    by_source = Counter(r["source"] for r in rows)
    by_cat = Counter(r["category"] for r in rows)
    by_turn = Counter(r["turn"] for r in rows)
    by_depth = Counter(r["depth"] for r in rows)
    chars = sorted(r["diverge_char"] for r in rows)

    def where(r: dict[str, Any]) -> str:
        p = r["prefix"]
        if not p:
            return "turn start"
        if '"arguments"' in p:
            return "arguments"
        if '"name"' in p or "<tool_call>" in p:
            return "tool name"
        return "text"

    return {
        "pairs": len(rows),
        "by_source": dict(by_source),
        "by_category": dict(by_cat),
        "by_turn": {str(k): v for k, v in sorted(by_turn.items())},
        "by_depth": {str(k): v for k, v in sorted(by_depth.items())},
        "diverge_char_median": chars[len(chars) // 2],
        "diverge_where": dict(Counter(where(r) for r in rows)),
        "mean_gap": sum(r["chosen_value"] - r["rejected_value"] for r in rows) / len(rows),
    }


def save_pairs(rows: list[dict[str, Any]], out_dir: str) -> None:
    """Save as a `datasets` dataset (``save_to_disk``); messages in `toolenv.export.trl_message`'s
    fixed-key row form (Arrow merges keys across rows: the key set stays fixed)."""
    from datasets import Dataset

    cols = ["prompt", "chosen", "rejected", "tools", "task_id", "category", "turn", "prefix", "diverge_char",
            "depth", "chosen_value", "rejected_value", "source", "chosen_ends_turn", "rejected_ends_turn",
            "node_id", "chosen_node", "rejected_node"]
    optional = {"chosen_ends_turn": True, "rejected_ends_turn": True, "node_id": None, "chosen_node": None,
                "rejected_node": None}  # columns rows of older runs lack: their defaults
    data = {c: [r.get(c, optional[c]) if c in optional else r[c] for r in rows] for c in cols}
    for c in ("prompt", "chosen", "rejected"):
        data[c] = [[trl_message(m, fixed_keys=True) for m in msgs] for msgs in data[c]]
    Dataset.from_dict(data).save_to_disk(out_dir)


def load_pairs(path: str) -> list[dict[str, Any]]:
    """The rows `save_pairs` saved, messages back in env form (`toolenv.export.from_trl_message`)."""
    from datasets import load_from_disk

    ds = load_from_disk(path)
    rows = []
    for r in ds:
        r = dict(r)
        for c in ("prompt", "chosen", "rejected"):
            r[c] = [from_trl_message(m) for m in r[c]]
        rows.append(r)
    return rows
