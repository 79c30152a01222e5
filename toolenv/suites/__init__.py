"""Suites of ready-made tasks: ``load_suite("bfcl:<category>", data_dir=...)``.

The env calls :func:`load_suite` for ``gym.make("ToolUse-v0", suite=...)``. BFCL data defaults to
``../shared/bfcl`` next to the repository root when that directory exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolenv.episode import Suite

REPO_ROOT = Path(__file__).resolve().parents[2]


def default_data_dir() -> str | None:
    """``<repo root>/../shared/bfcl`` if it exists, else None."""
    d = (REPO_ROOT / ".." / "shared" / "bfcl").resolve()
    return str(d) if d.is_dir() else None


def available_suites() -> list[str]:
    from toolenv.suites.bfcl.data import CATEGORIES

    return [f"bfcl:{c}" for c in CATEGORIES]


def load_suite(name: str, data_dir: str | None = None, **kwargs: Any) -> Suite:
    """Build a suite by name (``bfcl:<category>``).

    Unknown names raise ValueError listing the available ones; a category whose data file is
    missing raises FileNotFoundError naming it.
    """
    names = available_suites()
    if not isinstance(name, str) or name not in names:
        raise ValueError(f"unknown suite {name!r}; available: {', '.join(names)}")
    category = name.split(":", 1)[1]
    if data_dir is None:
        data_dir = default_data_dir()
        if data_dir is None:
            raise FileNotFoundError(f"suite {name!r} needs data_dir (no ../shared/bfcl next to {REPO_ROOT})")
    from toolenv.suites.bfcl.suite import BfclSuite

    return BfclSuite(category, data_dir, **kwargs)


__all__ = ["available_suites", "default_data_dir", "load_suite"]
