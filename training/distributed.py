"""Several processes (``accelerate launch`` / ``torchrun``): which process does what.

The training stages (warm-up SFT, preference optimisation, the continued-SFT baseline) are TRL
trainers: every process runs them and the trainers split each batch across the processes (DDP;
gloo on CPUs, NCCL on GPUs). The search is dealt out (task j to process j mod N) and merged by the
main process from per-process part files. Everything else — data, model building, rollouts,
evaluation, the report — runs on the main process only; the other processes wait for that
stage's DONE marker in the run directory (polling the file system, so a long stage never hits a
collective-communication timeout). Apart from the search's part files only the main process
writes to the run directory.

The launchers set ``RANK`` / ``WORLD_SIZE`` (``LOCAL_RANK`` too); without them this is one process.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

from training.io import is_done


def world_size() -> int:
    """Number of processes of this run (1 without a launcher)."""
    return max(1, int(os.environ.get("WORLD_SIZE", "1")))


def rank() -> int:
    """Global rank of this process (0 without a launcher)."""
    return int(os.environ.get("RANK", "0"))


def is_main() -> bool:
    return rank() == 0


def wait_for_stage(stage_dir: str | Path, poll_s: float = 1.0, timeout_s: float | None = None) -> None:
    """Block until the main process has marked ``stage_dir`` done. Raises TimeoutError after
    ``timeout_s`` (None: wait as long as the launcher keeps this process alive; torchrun and
    accelerate stop the other processes when one fails)."""
    wait_until(lambda: is_done(stage_dir), f"stage {stage_dir}", poll_s, timeout_s)


def wait_until(ready: Callable[[], bool], what: str, poll_s: float = 1.0, timeout_s: float | None = None) -> None:
    """Poll ``ready()`` until it is true; TimeoutError naming ``what`` after ``timeout_s``."""
    t0 = time.time()
    while not ready():
        if timeout_s is not None and time.time() - t0 > timeout_s:
            raise TimeoutError(f"rank {rank()}: {what} not ready after {timeout_s:.0f}s")
        time.sleep(poll_s)
