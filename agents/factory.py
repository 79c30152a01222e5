"""Build an agent from a command-line spec: ``oracle``, ``random``, ``hf:PATH``, ``openai:MODEL@BASE_URL``."""

from __future__ import annotations

from typing import Any

from agents.base import Agent


def make_agent(spec: str, seed: int = 0, **options: Any) -> Agent:
    """``options`` go to the agent's constructor (e.g. ``temperature`` for hf agents)."""
    if spec == "oracle":
        from agents.oracle import OracleAgent

        return OracleAgent()
    if spec == "random":
        from agents.random_agent import RandomAgent

        return RandomAgent(seed=seed)
    if spec.startswith("hf:"):
        from agents.hf import HFAgent

        return HFAgent.from_pretrained(spec[3:], seed=seed, **options)
    if spec.startswith("openai:"):
        from agents.chat_api import ChatAPIAgent

        model, sep, base_url = spec[len("openai:"):].partition("@")
        if not sep or not model or not base_url:
            raise ValueError("use openai:MODEL@BASE_URL, e.g. openai:qwen2.5-7b@http://127.0.0.1:8000/v1")
        return ChatAPIAgent(model=model, base_url=base_url, **options)
    raise ValueError(f"unknown agent {spec!r}; use oracle, random, hf:PATH or openai:MODEL@BASE_URL")
