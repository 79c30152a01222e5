"""Suites of ready-made tasks: ``load_suite("bfcl:<category>", data_dir=...)`` (`available_suites`:
the BFCL single-turn categories and ``multi_turn_{base,miss_func,miss_param,long_context}``).

The env calls :func:`load_suite` for ``gym.make("ToolUse-v0", suite=...)``. Where the BFCL data is
comes from :func:`resolve_data_dir`, the one place that decides it: a folder given explicitly
(``data_dir=``, ``--data-dir``, ``eval.bfcl_data_dir``), else ``$TOOLENV_BFCL_DATA``, else
``../shared/bfcl`` beside the repository root of a source checkout.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from toolenv.episode import Suite

REPO_ROOT = Path(__file__).resolve().parents[2]
BFCL_DATA_ENV = "TOOLENV_BFCL_DATA"


def _checkout_data_dir() -> Path | None:
    """``<repo root>/../shared/bfcl`` when this package runs from a source checkout (not an installed wheel)."""
    if not (REPO_ROOT / "pyproject.toml").is_file():
        return None
    return (REPO_ROOT / ".." / "shared" / "bfcl").resolve()


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None, *, required: bool = False,
                     option: str = "data_dir") -> str | None:
    """The BFCL data folder: ``data_dir`` when given (returned as is), else ``$TOOLENV_BFCL_DATA``, else
    ``../shared/bfcl`` beside the checkout, the last two only when they are folders.

    None when nothing is found, or with ``required`` a FileNotFoundError naming ``option`` (the caller's
    way to pass the folder) and the variable.
    """
    if data_dir is not None and str(data_dir):
        return str(data_dir)
    env = os.environ.get(BFCL_DATA_ENV, "")
    if env:
        if Path(env).is_dir():
            return env
        why = f"{BFCL_DATA_ENV}={env} is not a folder"
    else:
        checkout = _checkout_data_dir()
        if checkout is not None and checkout.is_dir():
            return str(checkout)
        why = f"{BFCL_DATA_ENV} is not set" + (f" and {checkout} does not exist" if checkout else "")
    if required:
        raise FileNotFoundError(f"no BFCL data folder: pass {option} or set {BFCL_DATA_ENV}=FOLDER ({why})")
    return None


def default_data_dir() -> str | None:
    """``$TOOLENV_BFCL_DATA`` or the checkout's ``../shared/bfcl`` if it is a folder, else None
    (`resolve_data_dir` without an explicit folder)."""
    return resolve_data_dir()


def available_suites() -> list[str]:
    from toolenv.suites.bfcl.data import CATEGORIES

    return [f"bfcl:{c}" for c in CATEGORIES]


def load_suite(name: str, data_dir: str | None = None, **kwargs: Any) -> Suite:
    """Build a suite by name (``bfcl:<category>``); ``data_dir`` None: see `resolve_data_dir`.

    Unknown names raise ValueError listing the available ones; a category whose data file is
    missing, or no data folder at all, raises FileNotFoundError naming it.
    """
    names = available_suites()
    if not isinstance(name, str) or name not in names:
        raise ValueError(f"unknown suite {name!r}; available: {', '.join(names)}")
    category = name.split(":", 1)[1]
    try:
        data_dir = resolve_data_dir(data_dir, required=True)
    except FileNotFoundError as e:
        raise FileNotFoundError(f"suite {name!r}: {e}") from None
    from toolenv.suites.bfcl.suite import BfclSuite

    return BfclSuite(category, data_dir, **kwargs)


__all__ = ["BFCL_DATA_ENV", "available_suites", "default_data_dir", "load_suite", "resolve_data_dir"]
