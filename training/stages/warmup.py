"""Stage: warm-up SFT on the oracle's rows, easy to hard (``sft.curriculum``) -> ``sft/``;
with ``curriculum="random"`` the random-order control -> ``sft-random/``."""

from __future__ import annotations

from pathlib import Path

from training.stages.model_init import model_init


def warmup(run, name: str = "sft", curriculum: str | None = None) -> Path:
    cfg = run.cfg
    path = run.layout.warmup(name)

    def fit(trainer_dir: Path):
        from training.model import lora_config
        from training.sft import train_sft

        model, tok = run.load_trainable(model_init(run))
        ex = run.warmup_examples(tok)
        run.log(f"{name}: {len(ex)} examples, curriculum={curriculum or cfg.sft.curriculum}")
        res = train_sft(model, tok, ex, cfg.sft, trainer_dir, seed=cfg.seed,
                        peft_config=lora_config(cfg.model), report_to=cfg.report_to, order=curriculum)
        return res.pop("model"), tok, res

    info = run.train(path, name, fit)
    if info is not None:
        run.log(f"{name}: {info['steps']} steps, loss {info['train_loss']:.3f}, {info['runtime_s']:.0f}s")
    return path
