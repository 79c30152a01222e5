"""Shared fixtures: one `--smoke` run of the whole pipeline (through a subprocess), reused by the
stage tests (its tasks, its warm-up checkpoint)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytest.importorskip("trl")


def run_itool(out: Path, *extra: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "training.itool", "--config", str(ROOT / "configs" / "tiny.yaml"), "--smoke",
           "--output-dir", str(out), *extra]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("itool") / "smoke"
    proc = run_itool(out)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out
