"""Where everything of a training run lives: the one owner of the run directory's paths.

    <run>/
      config.yaml                 the resolved config the run was started with
      data/                       train.jsonl, test.jsonl, [test_seen.jsonl], sft_rows.jsonl, stats.json
      model-init/                 the initial policy (built tiny model or converted pretrained model)
      sft/                        warm-up SFT policy + train_log.json
      round-K/deficiency/         selected.json, summary.json, episodes.jsonl (rollouts step by step)
      round-K/pairs/              the round's preference dataset + mcts_stats.json + trees.jsonl (search trees)
      round-K/policy/             the round's policy + train_log.json
      baseline/                   continued-SFT baseline policy + train_log.json
      sft-random/                 random-order warm-up policy + train_log.json
      eval/NAME/                  report.json of one evaluation (NAME: base, sft, round-K, baseline, sft-random)
                                  + episodes.jsonl (its episodes step by step, capped)
      metrics.jsonl               one line per finished evaluation
      report.md, plots/           the run's report
      view/                       the run's browser view (`toolenv view`, rebuilt at the end of a run)
      tensorboard/STAGE/          trainer logs when ``report_to: tensorboard``

Every folder above except ``plots``, ``view`` and ``tensorboard`` is a *stage*: written whole
into a temp folder and marked with a DONE file (`training.io.StageDir`). The pipeline
(`training.itool`), the report (`training.report`) and the benchmarks build paths only through
`RunLayout`.

Runs written before round-K/pairs existed kept a round's pairs in ``pairs/round-K``;
`RunLayout.migrate` moves such finished stages to their place so those runs resume.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# The evaluation names of the pipeline's stages, in report order (rounds are "round-K").
EVAL_ORDER = {"base": -1, "sft": 0, "round": 1, "baseline": 2, "random_order": 3}


@dataclass(frozen=True)
class RunLayout:
    root: Path

    def __init__(self, root: str | Path):
        object.__setattr__(self, "root", Path(root))

    # ---------------------------------------------------------------- whole run
    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics.jsonl"

    @property
    def report(self) -> Path:
        return self.root / "report.md"

    @property
    def plots(self) -> Path:
        return self.root / "plots"

    @property
    def view(self) -> Path:
        """The browser view of the run (`toolenv.view`; index.html inside)."""
        return self.root / "view"

    def tensorboard(self, stage: str) -> Path:
        return self.root / "tensorboard" / stage

    def stage(self, name: str) -> Path:
        """The folder of a stage by its relative name (``"data"``, ``"round-1/pairs"``, or a new
        stage's own name): what a stage added without a property of its own writes."""
        if not name or Path(name).is_absolute() or ".." in Path(name).parts:
            raise ValueError(f"a stage name is a relative path inside the run, got {name!r}")
        return self.root / name

    # ---------------------------------------------------------------- data
    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def train_tasks(self) -> Path:
        return self.data / "train.jsonl"

    @property
    def test_tasks(self) -> Path:
        return self.data / "test.jsonl"

    @property
    def test_seen_tasks(self) -> Path:
        return self.data / "test_seen.jsonl"

    @property
    def sft_rows(self) -> Path:
        return self.data / "sft_rows.jsonl"

    def tasks(self, split: str) -> Path:
        """``train``, ``test`` or ``test_seen``."""
        paths = {"train": self.train_tasks, "test": self.test_tasks, "test_seen": self.test_seen_tasks}
        if split not in paths:
            raise ValueError(f"unknown task split {split!r}; expected one of {sorted(paths)}")
        return paths[split]

    # ---------------------------------------------------------------- policies
    @property
    def model_init(self) -> Path:
        return self.root / "model-init"

    def warmup(self, name: str = "sft") -> Path:
        """A warm-up SFT policy: ``sft`` (the configured curriculum) or ``sft-random``."""
        return self.root / name

    @property
    def baseline(self) -> Path:
        return self.root / "baseline"

    # ---------------------------------------------------------------- rounds
    def round(self, k: int) -> Path:
        return self.root / f"round-{k}"

    def deficiency(self, k: int) -> Path:
        return self.round(k) / "deficiency"

    def pairs(self, k: int) -> Path:
        return self.round(k) / "pairs"

    def deficiency_episodes(self, k: int) -> Path:
        """The round's deficiency rollouts step by step (`training.traces`)."""
        return self.deficiency(k) / "episodes.jsonl"

    def trees(self, k: int) -> Path:
        """The round's search trees node by node (`training.traces`)."""
        return self.pairs(k) / "trees.jsonl"

    def round_policy(self, k: int) -> Path:
        return self.round(k) / "policy"

    def rounds(self) -> list[int]:
        """The rounds with a folder in the run (1, 2, ... without gaps)."""
        out = []
        while self.round(len(out) + 1).exists():
            out.append(len(out) + 1)
        return out

    # ---------------------------------------------------------------- evaluations
    @property
    def eval_root(self) -> Path:
        return self.root / "eval"

    def eval(self, name: str) -> Path:
        return self.eval_root / name

    def eval_episodes(self, name: str) -> Path:
        """One evaluation's episodes step by step (`training.traces`)."""
        return self.eval(name) / "episodes.jsonl"

    # ---------------------------------------------------------------- older runs
    def migrate(self) -> list[tuple[Path, Path]]:
        """Move finished stages of the layout before ``round-K/pairs`` (``pairs/round-K``) to their
        place; returns the moves made. Unfinished ones are left for the stage to redo."""
        from training.io import is_done

        moves = []
        old_root = self.root / "pairs"
        if not old_root.is_dir():
            return moves
        for old in sorted(old_root.glob("round-*")):
            suffix = old.name[len("round-"):]
            if not suffix.isdigit() or not is_done(old):
                continue
            new = self.pairs(int(suffix))
            if new.exists():
                continue
            new.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, new)
            moves.append((old, new))
        if not any(old_root.iterdir()):
            old_root.rmdir()
        return moves
