"""The interface between the Gymnasium shell (`toolenv.env`) and what runs an episode.

A *suite* supplies tasks and makes an *episode* for one of them. The env owns spaces, seeding,
observation serialisation and `info` bookkeeping; the episode owns the conversation additions,
the simulated world and the scoring. Two families implement it: simulated tool-spec tasks
(`toolenv.sim_episode`) and BFCL suites (`toolenv.suites.bfcl`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from toolenv.parse import ParsedAction
from toolenv.tasks import Task


@dataclass
class StepOutcome:
    """What one agent action did.

    ``messages`` are appended to the conversation after the assistant message the env builds
    from the action (tool results, then possibly the next user turn). ``info`` is merged into the
    step's info dict (``deficiencies``, ``success`` on the last step, suite-specific extras).
    ``tools_changed``: the episode offers other tools from now on (`Episode.tools` is asked again
    and the observation's tool list replaced).
    """

    messages: list[dict[str, Any]]
    reward: float
    terminated: bool
    deficiencies: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    tools_changed: bool = False


class Episode(ABC):
    """One running episode. Must be deterministic given (task, seed)."""

    task: Task

    @abstractmethod
    def tools(self) -> list[dict[str, Any]]:
        """The offered tools in OpenAI function format (`{"type": "function", "function": ...}`)."""

    @abstractmethod
    def step(self, action: ParsedAction, call_ids: list[str]) -> StepOutcome:
        """Apply a parsed action; ``call_ids`` are the ids the env gave the action's calls."""

    @abstractmethod
    def expert_action(self) -> str | None:
        """The ground-truth next action as text, or None once the episode is over."""

    @abstractmethod
    def state_hash(self) -> str:
        """A stable hash of the simulated world (hex string)."""

    @abstractmethod
    def snapshot(self) -> Any:
        """An opaque, cheap copy of everything mutable in the episode."""

    @abstractmethod
    def restore(self, snap: Any) -> None:
        """Return to a snapshot taken from this episode."""


class Suite(ABC):
    """A source of tasks, and a factory of episodes over them."""

    name: str = "suite"

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def task(self, index: int) -> Task: ...

    @abstractmethod
    def episode(self, task: Task, seed: int) -> Episode:
        """Start an episode on ``task``; ``seed`` drives every random choice inside it."""
