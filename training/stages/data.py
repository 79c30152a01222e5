"""Stage: synthesize the run's tasks (train / held-out / held-out on training templates) and the
oracle's SFT rows -> ``data/``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from training.io import atomic_write_json


def data(run) -> None:
    cfg = run.cfg

    def write(tmp: Path) -> dict:
        from toolenv.tasks import save_tasks
        from training.data import make_env, oracle_rows, save_rows, synthesize_seen_test, synthesize_tasks

        run.log("data: synthesizing tasks")
        train, test = synthesize_tasks(cfg.data, cfg.seed)
        save_tasks(train, tmp / "train.jsonl")
        save_tasks(test, tmp / "test.jsonl")
        seen = synthesize_seen_test(cfg.data, cfg.seed, train)
        if seen:
            save_tasks(seen, tmp / "test_seen.jsonl")
        env = make_env(tmp / "train.jsonl", cfg.data.tool_specs, seed=cfg.seed)
        rows = oracle_rows(env, train, cfg.seed, cfg.data.answer_words)
        env.close()
        save_rows(rows, tmp / "sft_rows.jsonl")
        stats = {
            "train": len(train), "test": len(test),
            "train_by_category": dict(Counter(t.category for t in train)),
            "test_by_category": dict(Counter(t.category for t in test)),
            "test_seen": len(seen),
            "oracle_success": sum(r["oracle_success"] for r in rows) / max(1, len(rows)),
        }
        atomic_write_json(tmp / "stats.json", stats)
        run.log(f"data: {len(train)} train / {len(test)} test tasks")
        return stats

    run.produce(run.layout.data, write)
