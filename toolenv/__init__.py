"""toolenv: a Gymnasium environment that simulates real APIs from JSON-schema tool specs.

``import toolenv`` registers ``ToolUse-v0`` (the only place it is registered). Heavy libraries
(torch, transformers) are never imported here.
"""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

from toolenv.parse import ParsedAction, parse_action, render_calls
from toolenv.reward import DEFICIENCY_CODES, RewardConfig
from toolenv.tasks import CATEGORIES, GTCall, Task, Turn, load_tasks, save_tasks

__version__ = "0.1.0"
ENV_ID = "ToolUse-v0"

if ENV_ID not in registry:
    register(id=ENV_ID, entry_point="toolenv.env:ToolUseEnv", disable_env_checker=False)

__all__ = ["CATEGORIES", "DEFICIENCY_CODES", "ENV_ID", "GTCall", "ParsedAction", "RewardConfig", "SpecError", "Task",
           "Turn", "load_tasks", "parse_action", "render_calls", "save_tasks"]


def __getattr__(name: str):  # lazy: `toolenv.SpecError` without importing jsonschema at `import toolenv`
    if name == "SpecError":
        from toolenv.spec import SpecError

        return SpecError
    raise AttributeError(f"module 'toolenv' has no attribute {name!r}")
