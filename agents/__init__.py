"""Agents that act in ToolUse-v0. Heavy ones (HFAgent, ChatAPIAgent) are imported lazily."""

from __future__ import annotations

from typing import Any

from agents.base import Agent
from agents.factory import make_agent
from agents.oracle import OracleAgent
from agents.random_agent import RandomAgent

_LAZY = {"HFAgent": "agents.hf", "GenerationResult": "agents.hf", "Continuation": "agents.hf",
         "ChatAPIAgent": "agents.chat_api", "ChatAPIError": "agents.chat_api", "build_tiny_model": "agents.tiny",
         "TinyModelConfig": "agents.tiny"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'agents' has no attribute {name!r}")


__all__ = ["Agent", "ChatAPIAgent", "ChatAPIError", "Continuation", "GenerationResult", "HFAgent", "OracleAgent", "RandomAgent", "TinyModelConfig", "build_tiny_model",
           "make_agent"]
