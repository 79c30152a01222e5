"""Shared pieces of the multi-turn backends.

A backend is a plain class whose public methods are the tools of its function doc (same names,
same parameter order, same defaults). Its *public* instance attributes are its state: the
official state check compares them with ``==`` between the model's and the ground truth's
instances, so everything that must not be compared (current directory, random generators, ...)
is kept in attributes starting with ``_``.
"""

from __future__ import annotations

import copy
import random
from typing import Any


class Backend:
    """Base class: ``_load_scenario(config)`` fills the state from ``initial_config[ClassName]``."""

    #: default public state; each key may be overridden by the entry's initial_config
    DEFAULT_STATE: dict[str, Any] = {}
    #: seed of the private random generator (ids), fixed so that runs are deterministic
    SEED: int | None = None

    def __init__(self) -> None:
        self._random = random.Random(self.SEED) if self.SEED is not None else None
        for k, v in self.DEFAULT_STATE.items():
            setattr(self, k, copy.deepcopy(v))

    def _load_scenario(self, scenario: dict[str, Any], long_context: bool = False) -> None:
        for k, v in self.DEFAULT_STATE.items():
            setattr(self, k, copy.deepcopy(scenario[k]) if k in scenario else copy.deepcopy(v))

    def _public_state(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}


def is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def int_keys(d: Any) -> Any:
    """JSON turns integer dict keys into strings; turn them back (ids in initial configs)."""
    if not isinstance(d, dict):
        return d
    out = {}
    for k, v in d.items():
        try:
            out[int(k)] = v
        except (TypeError, ValueError):
            out[k] = v
    return out


_LONG_CONTEXT: dict[str, Any] | None = None


def long_context_data(name: str) -> Any:
    """A deep copy of one constant of the official long-context data (``long_context.json`` beside
    this module: ``WATCH_LIST_EXTENSION``, ``FILE_CONTENT_EXTENSION``, ...), as the official backends
    use it in their long-context mode. Python's ``...`` (stored as ``{"__python__": "Ellipsis"}``)
    comes back as ``Ellipsis``, as in the official data."""
    global _LONG_CONTEXT
    if _LONG_CONTEXT is None:
        import json
        from pathlib import Path

        def revive(d: dict[str, Any]) -> Any:
            return Ellipsis if d == {"__python__": "Ellipsis"} else d

        text = (Path(__file__).with_name("long_context.json")).read_text(encoding="utf-8")
        _LONG_CONTEXT = json.loads(text, object_hook=revive)
    return copy.deepcopy(_LONG_CONTEXT[name])
