"""Stage: the initial policy -> ``model-init/`` (a tiny model built from the training tasks'
text, or ``model.model_name_or_path`` / ``model.pretrained`` prepared for training)."""

from __future__ import annotations

from pathlib import Path


def model_init(run) -> Path:
    cfg = run.cfg
    path = run.layout.model_init

    def write(tmp: Path) -> None:
        from training.data import corpus_lines
        from training.model import prepare_model_dir

        run.log("model: building the initial policy")
        corpus = None
        if not cfg.model.model_name_or_path:
            corpus = corpus_lines(run.layout.train_tasks, cfg.data.tool_specs, min(800, cfg.data.num_train), cfg.seed)
        prepare_model_dir(cfg.model, tmp, corpus, cfg.seed, cfg.data.tool_specs)

    run.produce(path, write)
    return path
