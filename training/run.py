"""What every stage of a training run shares: the config, the layout, what is loaded once, and the
one stage ceremony.

A stage is a function in `training.stages` taking a `Run`. It writes its folder through one of

- `Run.produce(path, write)` — the main process writes ``path`` (``write(tmp)`` fills a temp
  folder that is renamed into place and marked DONE); a finished stage is skipped; the other
  processes of a multi-process run wait for the DONE marker (or go on, ``others="skip"``).
- `Run.train(path, name, fit)` — a training stage: every process runs ``fit`` (a TRL trainer
  splits the batches); the main process saves the returned policy and its ``train_log.json``.

so resuming, waiting and integrity (`training.io`) are the same for every stage.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable

from training.config import ITOOLConfig
from training.distributed import is_main, rank, wait_for_stage, world_size
from training.io import StageDir, atomic_write_json, is_done
from training.layout import RunLayout


class Run:
    """One training run: ``cfg``, its `RunLayout` and what its stages load once."""

    def __init__(self, cfg: ITOOLConfig):
        self.cfg = cfg
        self.layout = RunLayout(cfg.output_dir)
        self.layout.root.mkdir(parents=True, exist_ok=True)
        self.t0 = time.time()
        self.main = is_main()  # only the main process writes the run directory
        self._train_tasks: list[Any] | None = None
        self._examples: list[dict[str, Any]] | None = None
        self._rows: list[dict[str, Any]] | None = None
        self._generator: Any = None

    def elapsed(self) -> float:
        return time.time() - self.t0

    def log(self, msg: str) -> None:
        if self.main:  # one log for a multi-process run
            print(f"[itool {time.strftime('%H:%M:%S')}] {msg}", flush=True)

    # ------------------------------------------------------------------ the stage ceremony
    def produce(self, path: Path, write: Callable[[Path], dict[str, Any] | None], *, others: str = "wait") -> bool:
        """Write the main-process stage ``path`` with ``write(tmp)`` unless it is done (a dict
        ``write`` returns goes into the DONE marker). The other processes wait for the marker
        (``others="wait"``) or return at once (``"skip"``: a stage nothing downstream reads).
        Returns whether this call wrote the stage."""
        if is_done(path):
            return False
        if not self.main:
            if others == "wait":
                wait_for_stage(path)
            return False
        stage = StageDir(path)
        with stage as tmp:
            stage.info.update(write(tmp) or {})
        return True

    def train(self, path: Path, name: str,
              fit: Callable[[Path], tuple[Any, Any, dict[str, Any]]]) -> dict[str, Any] | None:
        """A training stage on every process: ``fit(trainer_dir)`` returns ``(model, tokenizer,
        log)``; the main process saves the policy and ``train_log.json`` (``log`` plus
        ``world_size``). Returns the log, or None when the stage was already done."""
        if is_done(path):
            return None
        if self._generator is not None:  # the in-process policy replica of the generating stages
            self._generator.release()
        from training.model import save_policy

        with (StageDir(path) if self.main else _Scratch(path)) as tmp, \
                tensorboard_dir(self.layout, name, self.cfg.report_to):
            model, tok, info = fit(tmp / "trainer")
            shutil.rmtree(tmp / "trainer", ignore_errors=True)
            info = {**info, "world_size": world_size()}
            if self.main:
                save_policy(model, tok, tmp)
                atomic_write_json(tmp / "train_log.json", info)
        return info

    # ------------------------------------------------------------------ loaded once per run
    def generator(self) -> Any:
        """Where the generating stages play their units (`training.workers`): this process, or the
        run's Ray workers (started on first use, kept until `close`)."""
        if self._generator is None:
            from training.workers import generator

            self._generator = generator(self.cfg)
        return self._generator

    def close(self) -> None:
        """Stop the run's Ray workers, if any."""
        if self._generator is not None:
            self._generator.close()
            self._generator = None

    def env_kwargs(self, split: str) -> dict[str, Any]:
        """``gym.make`` arguments for a task split of the run (``train``, ``test``, ``test_seen``)."""
        from training.data import env_kwargs

        return env_kwargs(self.layout.tasks(split), self.cfg.data.tool_specs)

    def train_task_list(self) -> list[Any]:
        if self._train_tasks is None:
            from toolenv.tasks import load_tasks

            self._train_tasks = load_tasks(self.layout.train_tasks)
        return self._train_tasks

    def rows(self) -> list[dict[str, Any]]:
        """The oracle's SFT rows (read once per run object)."""
        if self._rows is None:
            from training.data import load_rows

            self._rows = load_rows(self.layout.sft_rows)
        return self._rows

    def load(self, path: Path) -> tuple[Any, Any]:
        from training.model import load_model, load_tokenizer

        return load_model(path, self.cfg.model), load_tokenizer(path)

    def load_trainable(self, path: Path) -> tuple[Any, Any]:
        """A checkpoint for a training stage: ``model.freeze_layers`` applied."""
        from training.model import freeze_bottom

        model, tok = self.load(path)
        freeze_bottom(model, self.cfg.model.freeze_layers)
        return model, tok

    def examples(self, tokenizer: Any) -> list[dict[str, Any]]:
        """The SFT rows tokenized (once per run object; every policy shares the tokenizer)."""
        if self._examples is None:
            from training.sft import tokenize_rows

            self._examples = tokenize_rows(self.rows(), tokenizer, self.cfg.sft.max_length)
        return self._examples

    def warmup_examples(self, tokenizer: Any) -> list[dict[str, Any]]:
        """The warm-up's examples: no-call rows repeated ``sft.no_call_repeat`` times."""
        ex = self.examples(tokenizer)
        k = self.cfg.sft.no_call_repeat
        if k <= 1:
            return ex
        tasks = self.train_task_list()
        extra = [e for e in ex if tasks[e["row"]].num_calls == 0]
        return ex + extra * (k - 1)


class threads:
    """Temporarily set torch's intra-op threads (generation vs training)."""

    def __init__(self, n: int | None):
        self.n = n

    def __enter__(self):
        import torch

        self.old = torch.get_num_threads()
        if self.n:
            torch.set_num_threads(self.n)

    def __exit__(self, *exc):
        import torch

        torch.set_num_threads(self.old)
        return False


class tensorboard_dir:
    """Point transformers' TensorBoard callback at ``<run>/tensorboard/<stage>`` while a trainer is
    built (it reads ``TENSORBOARD_LOGGING_DIR``; the trainers' own output folders are deleted)."""

    def __init__(self, layout: RunLayout | Path, stage: str, report_to: str):
        layout = layout if isinstance(layout, RunLayout) else RunLayout(layout)
        self.path = layout.tensorboard(stage) if report_to == "tensorboard" else None

    def __enter__(self):
        self.old = os.environ.get("TENSORBOARD_LOGGING_DIR")
        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)
            os.environ["TENSORBOARD_LOGGING_DIR"] = str(self.path)

    def __exit__(self, *exc):
        if self.path is not None:
            if self.old is None:
                os.environ.pop("TENSORBOARD_LOGGING_DIR", None)
            else:
                os.environ["TENSORBOARD_LOGGING_DIR"] = self.old
        return False


class _Scratch:
    """A non-main process's stage folder (see `Run.train`): private, deleted on exit, and the exit
    waits until the main process has marked the real stage done, so every process leaves a stage
    together and the next one loads the same checkpoint."""

    def __init__(self, final: Path):
        self.final = Path(final)
        self.path = self.final.with_name(f"{self.final.name}.rank{rank()}-scratch")

    def __enter__(self) -> Path:
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True)
        return self.path

    def __exit__(self, exc_type, exc, tb) -> bool:
        shutil.rmtree(self.path, ignore_errors=True)
        if exc_type is None:
            wait_for_stage(self.final)
        return False
