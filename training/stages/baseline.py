"""Stage: the continued-SFT control -> ``baseline/``: the warm-up policy trained on the SFT rows
for as many optimizer steps as the rounds' preference updates made, at the preference stage's
learning rate and schedule (random order)."""

from __future__ import annotations

from pathlib import Path

from training.io import read_json


def preference_steps(run) -> int:
    """Optimizer steps of the finished rounds' preference updates."""
    total = 0
    for k in range(1, run.cfg.rounds + 1):
        p = run.layout.round_policy(k) / "train_log.json"
        if p.exists():
            total += int(read_json(p)["steps"])
    return total


def baseline(run, sft_dir: Path) -> Path:
    cfg = run.cfg
    path = run.layout.baseline

    def fit(trainer_dir: Path):
        from training.config import SFTStageConfig
        from training.model import lora_config
        from training.sft import train_sft

        steps = preference_steps(run)
        model, tok = run.load_trainable(sft_dir)
        run.log(f"baseline: continuing SFT for {steps} steps (the rounds' optimizer steps)")
        if steps <= 0:  # the rounds made no update: the baseline is the warm-up policy itself
            return model, tok, {"steps": 0}
        # same optimizer steps AND the same learning rate / schedule as the preference stage
        base_cfg = SFTStageConfig(**{**cfg.sft.__dict__, "lr_scheduler_type": cfg.preference.lr_scheduler_type,
                                     "warmup_ratio": 0.0})
        res = train_sft(model, tok, run.warmup_examples(tok), base_cfg, trainer_dir, seed=cfg.seed + 99,
                        max_steps=steps, peft_config=lora_config(cfg.model), order="random",
                        lr=cfg.preference.learning_rate, report_to=cfg.report_to)
        return res.pop("model"), tok, res

    run.train(path, "baseline", fit)
    return path
