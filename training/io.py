"""Run-directory helpers: atomic writes, completion markers, metrics lines.

A stage writes into ``<stage>.tmp-<pid>/`` and renames it to ``<stage>/`` only when complete, then
writes ``<stage>/DONE`` (JSON with what it produced). A stage is finished iff its DONE marker exists;
a leftover temp folder from a killed run is deleted on the next run, so no half-written
checkpoint is ever loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

MARKER = "DONE"


def atomic_write_text(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def append_jsonl(path: str | Path, obj: Any) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(obj, sort_keys=True, default=str) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            continue  # a torn last line from a kill
    return out


def is_done(stage_dir: str | Path) -> bool:
    return (Path(stage_dir) / MARKER).exists()


def read_done(stage_dir: str | Path) -> dict[str, Any]:
    return json.loads((Path(stage_dir) / MARKER).read_text(encoding="utf-8"))


class StageDir:
    """Context manager: yields a temp folder; on success renames it into place and marks it done.

        with StageDir(run / "sft") as tmp:
            trainer.save_model(tmp)
            stage.info["steps"] = 120
    """

    def __init__(self, final: str | Path):
        self.final = Path(final)
        self.tmp = self.final.with_name(f"{self.final.name}.tmp-{os.getpid()}")
        self.info: dict[str, Any] = {}

    def __enter__(self) -> Path:
        clean_partial(self.final)
        if self.final.exists():  # present but unmarked: an interrupted older layout
            shutil.rmtree(self.final)
        self.tmp.mkdir(parents=True)
        self._t0 = time.time()
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return False
        self.info.setdefault("seconds", round(time.time() - self._t0, 2))
        self.info.setdefault("finished_at", time.strftime("%Y-%m-%dT%H:%M:%S"))
        atomic_write_json(self.tmp / MARKER, self.info)
        os.replace(self.tmp, self.final)
        return False


def clean_partial(final: str | Path) -> None:
    """Delete temp folders of a stage left by killed runs, and an unmarked final folder."""
    final = Path(final)
    parent = final.parent
    if parent.exists():
        for p in parent.glob(f"{final.name}.tmp-*"):
            shutil.rmtree(p, ignore_errors=True)
    if final.exists() and not is_done(final):
        shutil.rmtree(final, ignore_errors=True)
