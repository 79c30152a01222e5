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


_SHARED_LONG_CONTEXT: dict[str, Any] = {}
_SHARING = [False]


def shared_long_context_data(name: str) -> Any:
    """One constant of the official long-context data for a backend to insert or return.

    Officially the backends insert or return their module-level constants themselves, so a change
    made through one instance (a long-context card's balance, the weather's ``outsideTemperature``)
    is seen by every later instance of the process: an entry's result can depend on the entries
    scored before it. That is reproduced inside `official_shared_state` (the scorer and
    the differential tests): one object per constant, process-wide. Elsewhere (the env's episodes)
    each call gets its own copy, so a seed gives the same episode whatever ran before."""
    if not _SHARING[0]:
        return long_context_data(name)
    if name not in _SHARED_LONG_CONTEXT:
        _SHARED_LONG_CONTEXT[name] = long_context_data(name)
    return _SHARED_LONG_CONTEXT[name]


def sharing_official_state() -> bool:
    """Whether backends share objects process-wide as the official ones do (`official_shared_state`)."""
    return _SHARING[0]


class official_shared_state:
    """Context manager: objects the official backends share across instances for the life of the
    process (the long-context constants, see `shared_long_context_data`; TwitterAPI's default
    ``tags``/``mentions`` lists) are shared here too. Used by the scorer and the differential tests;
    outside it every episode has its own, so results never depend on what ran before. Nests; the
    shared objects persist across uses, as officially they persist for the life of the process."""

    def __enter__(self) -> None:
        self._old = _SHARING[0]
        _SHARING[0] = True

    def __exit__(self, *exc: Any) -> bool:
        _SHARING[0] = self._old
        return False
