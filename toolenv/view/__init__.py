"""`toolenv view`: a static browser site of a training run, an evaluation report or a trajectories
JSONL (docs/viewer.md). `build_view(path)` writes ``<path>/view/index.html`` (works from file://,
no network). Only the standard library is imported; nothing of `training` or `agents`."""

from __future__ import annotations

from typing import Any

__all__ = ["build_view"]


def __getattr__(name: str) -> Any:  # build_view is imported on first use (evaluation imports .traces)
    if name == "build_view":
        from toolenv.view.build import build_view

        return build_view
    raise AttributeError(name)
