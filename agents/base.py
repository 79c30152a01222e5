"""The agent interface: observation text in, action text out."""

from __future__ import annotations

from typing import Any, Sequence


class Agent:
    """Base class. ``env`` (optional) is the Gymnasium env the observation came from; only
    privileged agents such as the oracle use it."""

    name: str = "agent"

    def reset(self, seed: int | None = None) -> None:
        """Called at the start of each episode (or batch of episodes)."""

    def act(self, observation: str, env: Any | None = None) -> str:
        raise NotImplementedError

    def act_batch(self, observations: Sequence[str], envs: Sequence[Any] | None = None) -> list[str]:
        """Act on several observations (vector envs). The default loops over `act`."""
        envs = list(envs) if envs is not None else [None] * len(observations)
        return [self.act(o, e) for o, e in zip(observations, envs)]
