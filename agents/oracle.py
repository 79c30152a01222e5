"""`OracleAgent`: plays the env's ground truth (`env.unwrapped.expert_action()`)."""

from __future__ import annotations

from typing import Any

from agents.base import Agent


class OracleAgent(Agent):
    """Privileged agent: needs the env. Used for SFT data and as the upper bound in evaluation."""

    name = "oracle"

    def act(self, observation: str, env: Any | None = None) -> str:
        if env is None:
            raise ValueError("OracleAgent needs the env: act(observation, env)")
        action = env.unwrapped.expert_action()
        return action if action is not None else "Done."
