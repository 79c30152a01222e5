"""Stage: DPO-family preference optimisation of the round's input policy on its pairs ->
``round-K/policy/`` (+ train_log.json with the pair count)."""

from __future__ import annotations

from pathlib import Path


def preference(run, k: int, policy_in: Path, pairs_dir: Path) -> Path:
    cfg = run.cfg
    path = run.layout.round_policy(k)

    def fit(trainer_dir: Path):
        from training.dpo import train_preference
        from training.model import lora_config
        from training.pairs import load_pairs

        rows = load_pairs(str(pairs_dir)) if (pairs_dir / "dataset_info.json").exists() else []
        model, tok = run.load_trainable(policy_in)
        run.log(f"round {k}: preference optimisation ({cfg.preference.loss_type}) on {len(rows)} pairs")
        res = train_preference(model, tok, rows, cfg.preference, trainer_dir, seed=cfg.seed + k,
                               peft_config=lora_config(cfg.model), report_to=cfg.report_to)
        return res.pop("model"), tok, {**res, "pairs": len(rows)}

    info = run.train(path, f"round-{k}", fit)
    if info is not None:
        run.log(f"round {k}: {info['steps']} preference steps")
    return path
