"""Stage 8: evaluation of a policy on held-out tasks, by category, with `toolenv.evaluation`
(the code behind `toolenv eval`) and `agents.HFAgent` (greedy, batched)."""

from __future__ import annotations

from typing import Any

from training.config import COMPLEX_CATEGORIES, EvalConfig


def make_agent(model: Any, tokenizer: Any, max_new_tokens: int, gen_batch_size: int | None = None) -> Any:
    from agents.hf import HFAgent

    tokenizer.padding_side = "left"
    model.eval()
    return HFAgent(model, tokenizer, max_new_tokens=max_new_tokens, do_sample=False, prefix_cache=False,
                   gen_batch_size=gen_batch_size)


def add_aggregates(report: dict[str, Any]) -> dict[str, Any]:
    """Add success over the complex categories (parallel, parallel_multiple, multi_step)."""
    cats = report.get("by_category", {})
    n = sum(cats[c]["episodes"] for c in COMPLEX_CATEGORIES if c in cats)
    s = sum(cats[c]["success_rate"] * cats[c]["episodes"] for c in COMPLEX_CATEGORIES if c in cats)
    report["complex"] = {"episodes": n, "success_rate": s / n if n else 0.0}
    return report


def evaluate_policy(model: Any, tokenizer: Any, env_kwargs: dict[str, Any], cfg: EvalConfig, seed: int = 0,
                    progress: bool = True) -> dict[str, Any]:
    from toolenv.evaluation import evaluate

    agent = make_agent(model, tokenizer, cfg.max_new_tokens, cfg.gen_batch_size)
    report = evaluate(agent, dict(env_kwargs, max_steps=cfg.max_turns), episodes=cfg.max_tasks, seed=seed,
                      batch_size=cfg.batch_size, progress=progress)
    return add_aggregates(report)


def bfcl_data_dir(cfg: EvalConfig) -> str | None:
    """The BFCL data folder to use (``cfg.bfcl_data_dir``, else ``$TOOLENV_BFCL_DATA``, else the checkout's
    ``../shared/bfcl``: `toolenv.suites.resolve_data_dir`), or None when it is absent (the BFCL evaluation
    is then skipped)."""
    from pathlib import Path

    from toolenv.suites import resolve_data_dir

    d = resolve_data_dir(cfg.bfcl_data_dir)
    return d if d and Path(d).is_dir() else None


def evaluate_bfcl(model: Any, tokenizer: Any, cfg: EvalConfig, data_dir: str, seed: int = 0,
                  progress: bool = True) -> dict[str, Any]:
    """{suite: {episodes, success_rate, mean_reward, deficiencies}} for ``cfg.bfcl_suites`` (the first
    ``bfcl_max_tasks`` entries of each, once); a suite whose data file is missing from ``data_dir`` is
    reported as ``{"skipped": reason}``."""
    from toolenv.evaluation import evaluate

    out: dict[str, Any] = {}
    agent = make_agent(model, tokenizer, cfg.max_new_tokens, cfg.gen_batch_size)
    for name in cfg.bfcl_suites or []:
        try:
            rep = evaluate(agent, {"suite": name, "data_dir": data_dir, "max_steps": cfg.max_turns},
                           max_tasks=cfg.bfcl_max_tasks, seed=seed, batch_size=cfg.batch_size, progress=progress)
        except FileNotFoundError as e:
            out[name] = {"skipped": str(e)}
            continue
        out[name] = {k: rep[k] for k in ("episodes", "success_rate", "mean_reward", "deficiencies") if k in rep}
    return out


def rollout_records(model: Any, tokenizer: Any, env_kwargs: dict[str, Any], task_indices: list[int], seed: int,
                    batch_size: int, max_new_tokens: int, max_turns: int, progress: bool = True,
                    gen_batch_size: int | None = None) -> list[dict[str, Any]]:
    """One greedy episode per task index; records with success, return and deficiency codes."""
    from toolenv.evaluation import rollout

    agent = make_agent(model, tokenizer, max_new_tokens, gen_batch_size)
    seeds = [seed + i for i in range(len(task_indices))]
    return rollout(agent, dict(env_kwargs, max_steps=max_turns), task_indices, seeds, batch_size=batch_size,
                   progress=progress, desc="deficiency rollouts")
