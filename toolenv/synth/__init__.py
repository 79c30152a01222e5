"""Task synthesis from tool specs: every category, dependency chains, difficulty.

    from toolenv.spec import load_registry
    from toolenv.synth import synthesize
    tasks = synthesize(load_registry(), num=100, seed=0, categories=["simple", "multi_step"])

Deterministic for a seed (all randomness from `random.Random` seeded by strings; no global
state, no salted `hash()`). See docs/synthesis.md.
"""

from __future__ import annotations

import weakref
from typing import Any, Sequence

from toolenv.synth.categories import Infeasible, Synthesizer
from toolenv.synth.difficulty import score as difficulty, stats as difficulty_stats
from toolenv.tasks import CATEGORIES, Task

__all__ = ["synthesize", "Synthesizer", "Infeasible", "difficulty", "difficulty_stats", "CATEGORIES", "synthesizer_for"]

_CACHE: "weakref.WeakKeyDictionary[Any, Synthesizer]" = weakref.WeakKeyDictionary()


def synthesizer_for(registry: Any) -> Synthesizer:
    """The (cached) default synthesizer of a registry; the analysis runs once per registry."""
    try:
        s = _CACHE.get(registry)
    except TypeError:  # not weak-referenceable
        return Synthesizer(registry)
    if s is None:
        s = _CACHE[registry] = Synthesizer(registry)
    return s


def synthesize(registry: Any, num: int, seed: int, categories: Sequence[str] | None = None,
               progress: bool = False) -> list[Task]:
    """``num`` tasks from ``registry``; categories round-robin (default: every feasible category).

    Raises `Infeasible` (a ValueError) when a requested category cannot be built from the specs.
    """
    from toolenv.simulator import WORLD_VERSION

    tasks = synthesizer_for(registry).generate(num, seed, categories, progress=progress)
    for t in tasks:
        t.meta["world_version"] = WORLD_VERSION
    return tasks
