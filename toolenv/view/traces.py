"""Episode traces: what `toolenv.view` shows of an episode, recorded step by step.

`EpisodeTrace` follows one episode of `toolenv.evaluation.rollout` (``trace=True``) and gives the
``trace`` entry of its record::

    {"tools":        [offered tools, OpenAI function schemas],
     "prompt":       [the messages before the first action: system, user],
     "steps": [{"action":       the agent's raw text (clipped to MAX_TEXT characters),
                "calls":        the parsed calls [{"name", "arguments"}] (info["calls"]),
                "responses":    the messages the env added after it (tool results, the next user turn),
                "reward":       the step's reward,
                "deficiencies": the step's deficiency codes ([] = the step was right),
                "expected":     the ground-truth next action before the step (env.expert_action())}],
     "ground_truth": [the task's turns: {"user", "steps": [[{"label", "name", "arguments"}]], "answer"}]}

A trajectories file (``toolenv eval --trajectories``, ``eval/NAME/episodes.jsonl`` of a training run)
holds one episode per line: the rollout record without ``messages`` (the trace rebuilds the
conversation), plus ``set`` (which task set: ``test``, ``test_seen``, ``bfcl:...``) and, in a run,
``stage``. `cap_episodes` bounds a file: at most N episodes, taken round-robin over categories.
Only the standard library and `toolenv.observation` are imported here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Sequence

#: longest text kept of one action, expected action or message content (characters)
MAX_TEXT = 4000


def clip(text: Any, n: int = MAX_TEXT) -> Any:
    """``text`` cut to ``n`` characters with a marker saying how much was cut (None stays None)."""
    if text is None:
        return None
    text = text if isinstance(text, str) else str(text)
    return text if len(text) <= n else text[:n] + f" [... {len(text) - n} more characters]"


def clip_message(m: dict[str, Any], n: int = MAX_TEXT) -> dict[str, Any]:
    out = dict(m)
    if isinstance(out.get("content"), str):
        out["content"] = clip(out["content"], n)
    return out


def ground_truth(task: Any) -> list[dict[str, Any]]:
    """The task's turns as plain data ([] when the task has none)."""
    try:
        return [t.to_dict() for t in task.turns]
    except Exception:  # noqa: BLE001 - a suite's task without turns shows no ground truth
        return []


class EpisodeTrace:
    """The step-by-step record of one episode in ``env`` (started at observation ``obs``)."""

    def __init__(self, env: Any, obs: str):
        from toolenv.observation import decode_observation

        messages, tools = decode_observation(obs)
        self.env = env
        self.tools = tools
        self.prompt = [clip_message(m) for m in messages]
        self.n_messages = len(messages)
        self.steps: list[dict[str, Any]] = []
        self.ground_truth = ground_truth(getattr(env.unwrapped, "task", None))

    def expected(self) -> str | None:
        """The ground-truth next action (call before stepping)."""
        try:
            return clip(self.env.unwrapped.expert_action())
        except Exception:  # noqa: BLE001 - a suite without an expert shows none
            return None

    def add(self, action: Any, obs: str, reward: float, info: dict[str, Any], expected: str | None) -> None:
        from toolenv.observation import decode_observation

        messages, _ = decode_observation(obs)
        new = messages[self.n_messages + 1:] if len(messages) > self.n_messages else []
        self.n_messages = len(messages)
        step = {"action": clip(action), "calls": list(info.get("calls", [])),
                "responses": [clip_message(m) for m in new], "reward": float(reward),
                "deficiencies": list(info.get("deficiencies", [])), "expected": expected}
        if info.get("parse_error"):
            step["parse_error"] = clip(info["parse_error"], 400)
        self.steps.append(step)

    def record(self) -> dict[str, Any]:
        return {"tools": self.tools, "prompt": self.prompt, "steps": self.steps, "ground_truth": self.ground_truth}


# ------------------------------------------------------------------ trajectories files
def cap_episodes(records: Sequence[dict[str, Any]], cap: int | None) -> list[dict[str, Any]]:
    """At most ``cap`` records (None = all), taken round-robin over categories in their order, then
    returned in their original order (deterministic)."""
    if cap is None or len(records) <= cap:
        return list(records)
    by_cat: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        by_cat[str(r.get("category"))].append(i)
    keep: list[int] = []
    queues = [list(v) for v in by_cat.values()]
    while len(keep) < cap and any(queues):
        for q in queues:
            if q and len(keep) < cap:
                keep.append(q.pop(0))
    return [records[i] for i in sorted(keep)]


def episode_row(record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A rollout record as a trajectories line (``messages`` dropped when the trace is there)."""
    row = {k: v for k, v in record.items() if not (k == "messages" and "trace" in record)}
    row.update(extra)
    return row


def dumps(obj: Any) -> str:
    """One JSON line: ASCII, keys sorted (byte-identical for the same run), anything odd as a string."""
    return json.dumps(obj, ensure_ascii=True, sort_keys=True, default=str)


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(dumps(r) + "\n")
            n += 1
    tmp.replace(path)
    return n


def write_trajectories(path: str | Path, records: Sequence[dict[str, Any]], cap: int | None = None,
                       **extra: Any) -> int:
    """Write rollout records (with their traces) as a trajectories JSONL; returns the lines written."""
    return write_jsonl(path, (episode_row(r, **extra) for r in cap_episodes(records, cap)))


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line))
    return out
