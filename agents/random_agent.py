"""`RandomAgent`: a random offered tool with schema-valid random arguments (a lower baseline)."""

from __future__ import annotations

import random
from typing import Any

from agents.base import Agent
from toolenv.observation import decode_observation
from toolenv.parse import render_calls
from toolenv.values import ValueGenerator


class RandomAgent(Agent):
    """Calls a random offered tool with random valid arguments; answers with text with
    probability ``answer_prob`` (and always once a tool result came back ``max_calls`` times)."""

    name = "random"

    def __init__(self, seed: int = 0, answer_prob: float = 0.3, max_calls: int = 3):
        self.rng = random.Random(seed)
        self.answer_prob = answer_prob
        self.max_calls = max_calls

    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self.rng = random.Random(seed)

    def act(self, observation: str, env: Any | None = None) -> str:
        messages, tools = decode_observation(observation)
        since_user = 0
        for m in reversed(messages):
            if m["role"] == "user":
                break
            since_user += m["role"] == "assistant"
        if not tools or since_user >= self.max_calls or self.rng.random() < self.answer_prob:
            return "Here is what I found."
        fn = self.rng.choice(tools)["function"]
        params = fn.get("parameters") or {"type": "object", "properties": {}}
        args = ValueGenerator(self.rng).object(params, fill_optional=0.3)
        return render_calls([{"name": fn["name"], "arguments": args}], "hermes")
