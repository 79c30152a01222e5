"""The difficulty score of a task (documented in docs/synthesis.md).

    difficulty = CATEGORY_BASE[category]
               + 1.0  * (calls - 1)            # ground-truth calls beyond the first, all turns
               + 1.0  * (depth - 1)            # dependency depth: longest chain of $ref links
               + 0.25 * distractors            # offered tools that are not called
               + 0.15 * arguments              # arguments given across all calls (refs included)
               + 0.5  * nesting                # deepest object/array nesting inside an argument
               + 0.1  * optional_arguments     # optional arguments the request mentions
               + 0.75 * (turns - 1)            # extra user turns

rounded to 2 decimals. ``calls`` and ``depth`` are at least 1 in the formula (a no-call task
scores as a one-call task). Simple single-argument tasks score about 0.2-0.5; a four-call chain
with distractors about 6-8.
"""

from __future__ import annotations

from typing import Any, Iterable

from toolenv.tasks import Task

CATEGORY_BASE = {
    "simple": 0.0,
    "multiple": 0.25,
    "parallel": 0.5,
    "parallel_multiple": 0.75,
    "multi_step": 1.0,
    "irrelevance": 0.75,
    "missing_argument": 1.0,
    "multi_turn": 1.0,
}
W_CALLS = 1.0
W_DEPTH = 1.0
W_DISTRACTORS = 0.25
W_ARGS = 0.15
W_NESTING = 0.5
W_OPTIONAL = 0.1
W_TURNS = 0.75


def nesting(value: Any) -> int:
    """0 for a scalar, 1 for a flat list/object, +1 per level below."""
    if isinstance(value, dict):
        if "$ref" in value or "$one_of" in value or "$any" in value:
            return 0
        return 1 + max((nesting(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((nesting(v) for v in value), default=0)
    return 0


def _refs(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        if "$ref" in value and isinstance(value["$ref"], str):
            yield value["$ref"].split("/", 1)[0]
        else:
            for v in value.values():
                yield from _refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _refs(v)


def dependency_depth(task: Task) -> int:
    depth: dict[str, int] = {}
    best = 0
    for turn in task.turns:
        for step in turn.steps:
            for c in step:
                d = 1 + max((depth.get(lbl, 0) for lbl in _refs(c.arguments)), default=0)
                if c.label:
                    depth[c.label] = d
                best = max(best, d)
    return best


def difficulty_features(task: Task, optional_args: int = 0) -> dict[str, float]:
    calls = [c for t in task.turns for c in t.calls]
    called = {c.name for c in calls}
    return {
        "calls": float(len(calls)),
        "depth": float(dependency_depth(task)),
        "distractors": float(len([t for t in task.tools if t not in called])),
        "arguments": float(sum(len(c.arguments) for c in calls)),
        "nesting": float(max((nesting(v) for c in calls for v in c.arguments.values()), default=0)),
        "optional_arguments": float(optional_args),
        "turns": float(len(task.turns)),
    }


def score(task: Task, optional_args: int | None = None) -> float:
    """The difficulty of ``task``; ``optional_args`` defaults to ``task.meta['optional_args']`` (or 0)."""
    if optional_args is None:
        optional_args = int(task.meta.get("optional_args", 0))
    f = difficulty_features(task, optional_args)
    d = (CATEGORY_BASE.get(task.category, 0.5)
         + W_CALLS * (max(f["calls"], 1) - 1)
         + W_DEPTH * (max(f["depth"], 1) - 1)
         + W_DISTRACTORS * f["distractors"]
         + W_ARGS * f["arguments"]
         + W_NESTING * f["nesting"]
         + W_OPTIONAL * f["optional_arguments"]
         + W_TURNS * (f["turns"] - 1))
    return round(d, 2)


def stats(tasks: Iterable[Task]) -> dict[str, dict[str, float]]:
    """Per category: count, mean, min, max, p50 of difficulty (plus an ``all`` row)."""
    by: dict[str, list[float]] = {}
    for t in tasks:
        by.setdefault(t.category, []).append(t.difficulty)
        by.setdefault("all", []).append(t.difficulty)
    out = {}
    for k, v in by.items():
        v = sorted(v)
        out[k] = {"count": len(v), "mean": round(sum(v) / len(v), 3), "min": v[0], "p50": v[len(v) // 2], "max": v[-1]}
    return out
