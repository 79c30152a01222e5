"""The `Task` type: what the user asks, which tools are offered, and the verifiable ground truth.

A task is a list of user turns. Each turn holds ordered *steps*; a step is a group of calls that
may be made in any order (a parallel group). A turn with no steps expects a text answer without
any call (irrelevance, or asking the user for a missing value). The env plays the next turn's
user message once the agent answers the current one.

Ground-truth argument values are JSON values, or one of these constraint objects:

* ``{"$ref": "c0/results/0/flight_id"}`` -- the value found at that JSON pointer inside the
  response of the ground-truth call labelled ``c0`` (resolved when the episode runs);
* ``{"$one_of": [v1, v2, ...]}`` -- any of the listed values is right;
* ``{"$any": true}`` -- the argument may be given with any value, or omitted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

CATEGORIES = (
    "simple",
    "multiple",
    "parallel",
    "parallel_multiple",
    "multi_step",
    "irrelevance",
    "missing_argument",
    "multi_turn",
)


@dataclass
class GTCall:
    """One ground-truth call: a label (for references), the tool name and argument constraints."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "name": self.name, "arguments": self.arguments}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "GTCall":
        return cls(name=d["name"], arguments=dict(d.get("arguments", {})), label=d.get("label", ""))


@dataclass
class Turn:
    """A user message and the steps that answer it (empty: answer without a call)."""

    user: str
    steps: list[list[GTCall]] = field(default_factory=list)
    answer: str = ""  # the expert's final text for this turn (a summary, or a clarifying question)

    def to_dict(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "steps": [[c.to_dict() for c in step] for step in self.steps],
            "answer": self.answer,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Turn":
        return cls(
            user=d["user"],
            steps=[[GTCall.from_dict(c) for c in step] for step in d.get("steps", [])],
            answer=d.get("answer", ""),
        )

    @property
    def calls(self) -> list[GTCall]:
        return [c for step in self.steps for c in step]


@dataclass
class Task:
    """A verifiable tool-use task. ``tools`` names the offered tools, in presentation order."""

    id: str
    category: str
    tools: list[str]
    turns: list[Turn]
    system: str | None = None
    difficulty: float = 0.0
    seed: int = 0  # seeds the simulated world (initial records), so references resolve the same way
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The opening messages: optional system prompt and the first user turn."""
        msgs: list[dict[str, Any]] = []
        if self.system:
            msgs.append({"role": "system", "content": self.system})
        msgs.append({"role": "user", "content": self.turns[0].user})
        return msgs

    @property
    def num_calls(self) -> int:
        return sum(len(t.calls) for t in self.turns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "difficulty": self.difficulty,
            "messages": self.messages,
            "tools": list(self.tools),
            "turns": [t.to_dict() for t in self.turns],
            "system": self.system,
            "seed": self.seed,
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Task":
        missing = [k for k in ("id", "category", "tools", "turns") if k not in d]
        if missing:
            raise ValueError(f"task is missing field(s) {missing}")
        return cls(
            id=str(d["id"]),
            category=d["category"],
            tools=list(d["tools"]),
            turns=[Turn.from_dict(t) for t in d["turns"]],
            system=d.get("system"),
            difficulty=float(d.get("difficulty", 0.0)),
            seed=int(d.get("seed", 0)),
            meta=dict(d.get("meta", {})),
        )


def save_tasks(tasks: Iterable[Task], path: str | Path) -> int:
    """Write tasks as JSON lines (atomically); returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as f:
        for t in tasks:
            f.write(json.dumps(t.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    tmp.replace(path)
    return n


def iter_tasks(path: str | Path) -> Iterator[Task]:
    """Read tasks from a JSONL file; a bad line raises ValueError naming file and line."""
    path = Path(path)
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield Task.from_dict(json.loads(line))
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{path}:{lineno}: invalid task: {e}") from e


def load_tasks(path: str | Path) -> list[Task]:
    return list(iter_tasks(path))
