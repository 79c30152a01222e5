"""Stage 1: tasks and SFT rows.

Train and held-out task sets are synthesized from the tool specs (all categories) by
`toolenv.synth`, split by `toolenv.split`, and saved as JSONL in the run directory.
SFT rows are the oracle's trajectories played through the env by `toolenv.export.play_oracle`
(episode seed `toolenv.export.episode_seed`), one per task whether the oracle succeeded or not:
``messages`` in the env's form (tool-call ``arguments`` are objects, as chat templates take them;
`toolenv export` writes them as JSON strings instead, see `toolenv.export.trl_message`), ``tools``
a JSON string, plus ``difficulty`` / ``category`` / ``task_id`` columns for the curriculum and
``oracle_return`` / ``oracle_success``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from training.config import DataConfig


def make_env(tasks_path: str | Path, tool_specs: Any = None, seed: int = 0, max_steps: int = 12) -> Any:
    import gymnasium as gym

    import toolenv  # noqa: F401

    kwargs: dict[str, Any] = {"tasks": str(tasks_path), "seed": seed, "max_steps": max_steps}
    if tool_specs:
        kwargs["tool_specs"] = tool_specs
    return gym.make("ToolUse-v0", **kwargs)


def env_kwargs(tasks_path: str | Path, tool_specs: Any = None, max_steps: int = 12) -> dict[str, Any]:
    kw: dict[str, Any] = {"tasks": str(tasks_path), "max_steps": max_steps}
    if tool_specs:
        kw["tool_specs"] = tool_specs
    return kw


def synthesize_tasks(cfg: DataConfig, seed: int) -> tuple[list[Any], list[Any]]:
    """(train, test) task lists, held out by template and by seed (`toolenv.split`)."""
    from toolenv.tasks import load_tasks

    if cfg.train_tasks and cfg.test_tasks:
        return load_tasks(cfg.train_tasks), load_tasks(cfg.test_tasks)
    from toolenv.spec import load_registry
    from toolenv.split import synthesize_split

    # held out by sentence template AND by seed (values, simulated worlds): see toolenv/split.py
    return synthesize_split(load_registry(cfg.tool_specs), cfg.num_train, cfg.num_test, seed=seed,
                            categories=cfg.categories)


def synthesize_seen_test(cfg: DataConfig, seed: int, train: Sequence[Any]) -> list[Any]:
    """The second held-out set: training templates, new seed (empty when ``num_test_seen`` is 0)."""
    if cfg.num_test_seen <= 0:
        return []
    from toolenv.spec import load_registry
    from toolenv.split import synthesize_seen_template_test

    return synthesize_seen_template_test(load_registry(cfg.tool_specs), cfg.num_test_seen, train, seed=seed,
                                         categories=cfg.categories)


def clip_answer(text: str, words: int) -> str:
    """The first ``words`` words of an answer (ending with a period)."""
    parts = text.split()
    if words <= 0 or len(parts) <= words:
        return text
    return " ".join(parts[:words]).rstrip(",;:") + "."


def oracle_rows(env: Any, tasks: Sequence[Any], seed: int = 0, answer_words: int = 0) -> list[dict[str, Any]]:
    """One row per task: the oracle's finished conversation (`play_oracle`, the same episode as
    `training.rollout.expert_cursor`) and the tools (text answers clipped to ``answer_words`` words
    when > 0)."""
    from toolenv.export import episode_seed, play_oracle
    from training.rollout import EXPERT_MAX_TURNS

    rows = []
    for i, task in enumerate(tasks):
        tr = play_oracle(env, i, episode_seed(task, seed), max_turns=EXPERT_MAX_TURNS)
        messages = tr.messages
        if answer_words > 0:
            for m in messages:
                if m["role"] == "assistant" and not m.get("tool_calls") and m.get("content"):
                    m["content"] = clip_answer(m["content"], answer_words)
        rows.append({
            "messages": messages,
            "tools": json.dumps(tr.tools, ensure_ascii=True),
            "difficulty": float(task.difficulty),
            "category": task.category,
            "task_id": str(task.id),
            "oracle_return": tr.ret,
            "oracle_success": tr.success,
        })
    return rows


def save_rows(rows: list[dict[str, Any]], path: str | Path) -> None:
    from training.io import atomic_write_text

    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=True) + "\n" for r in rows))


def load_rows(path: str | Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def corpus_lines(env_tasks_path: str | Path, tool_specs: Any, num_tasks: int, seed: int) -> list[str]:
    """Tokenizer corpus: oracle conversations of training tasks rendered with the tiny template."""
    from agents.tiny import tiny_corpus

    return tiny_corpus(tool_specs=tool_specs, num_tasks=num_tasks, seed=seed, tasks=str(env_tasks_path))
