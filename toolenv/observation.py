"""Observation text <-> (messages, tools). The env's observation is ASCII JSON:
``{"tools": [OpenAI function schemas], "messages": [chat messages]}``."""

from __future__ import annotations

import json
from typing import Any


def encode_message(message: dict[str, Any]) -> str:
    """One message as ASCII JSON (the env caches these fragments)."""
    return json.dumps(message, ensure_ascii=True, separators=(", ", ": "))


def build_observation(tools_json: str, message_jsons: list[str]) -> str:
    """Assemble an observation from pre-encoded parts (no re-serialisation of old messages)."""
    return '{"tools": ' + tools_json + ', "messages": [' + ", ".join(message_jsons) + "]}"


def decode_observation(observation: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return ``(messages, tools)`` from an observation string."""
    obj = json.loads(observation)
    return obj["messages"], obj["tools"]
