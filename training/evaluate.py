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


def evaluate_policy(gen: Any, policy_dir: Any, env_kwargs: dict[str, Any], cfg: EvalConfig, seed: int = 0,
                    trace: bool = False) -> dict[str, Any]:
    """The report of `toolenv.evaluation.evaluate` for the policy at ``policy_dir`` (greedy) on
    ``cfg.max_tasks`` episodes (every task when None), played by ``gen`` (`training.workers`: this
    process or Ray workers). With ``trace`` the report keeps the episode records with their step
    traces under ``episode_records``."""
    return _evaluate(gen, policy_dir, env_kwargs, cfg, seed, cfg.max_tasks, None, trace)


def _evaluate(gen: Any, policy_dir: Any, env_kwargs: dict[str, Any], cfg: EvalConfig, seed: int,
              episodes: int | None, max_tasks: int | None, trace: bool) -> dict[str, Any]:
    from toolenv.evaluation import plan, summarize

    kw = dict(env_kwargs, max_steps=cfg.max_turns)
    indices, seeds = plan(kw, episodes=episodes, seed=seed, max_tasks=max_tasks)
    eps = gen.rollouts(policy_dir, kw, indices, seeds, batch_size=cfg.batch_size, max_new_tokens=cfg.max_new_tokens,
                       gen_batch_size=cfg.gen_batch_size, trace=trace, desc="eval")
    report = summarize(eps)
    report.update(agent="hf", seed=seed)
    if trace:
        report["episode_records"] = eps
    return add_aggregates(report)


def bfcl_data_dir(cfg: EvalConfig) -> str | None:
    """The BFCL data folder to use (``cfg.bfcl_data_dir``, else ``$TOOLENV_BFCL_DATA``, else the checkout's
    ``../shared/bfcl``: `toolenv.suites.resolve_data_dir`), or None when it is absent (the BFCL evaluation
    is then skipped)."""
    from pathlib import Path

    from toolenv.suites import resolve_data_dir

    d = resolve_data_dir(cfg.bfcl_data_dir)
    return d if d and Path(d).is_dir() else None


def evaluate_bfcl(gen: Any, policy_dir: Any, cfg: EvalConfig, data_dir: str, seed: int = 0,
                  trace: bool = False) -> dict[str, Any]:
    """{suite: {episodes, success_rate, mean_reward, deficiencies}} for ``cfg.bfcl_suites`` (the first
    ``bfcl_max_tasks`` entries of each, once); a suite whose data file is missing from ``data_dir`` is
    reported as ``{"skipped": reason}``. With ``trace`` each suite also keeps ``episode_records``."""
    out: dict[str, Any] = {}
    for name in cfg.bfcl_suites or []:
        try:
            rep = _evaluate(gen, policy_dir, {"suite": name, "data_dir": data_dir}, cfg, seed, None,
                            cfg.bfcl_max_tasks, trace)
        except FileNotFoundError as e:
            out[name] = {"skipped": str(e)}
            continue
        out[name] = {k: rep[k] for k in ("episodes", "success_rate", "mean_reward", "deficiencies", "episode_records")
                     if k in rep}
    return out


def rollout_records(gen: Any, policy_dir: Any, env_kwargs: dict[str, Any], task_indices: list[int], seed: int,
                    batch_size: int, max_new_tokens: int, max_turns: int,
                    gen_batch_size: int | None = None, trace: bool = False) -> list[dict[str, Any]]:
    """One greedy episode per task index (seeds ``seed + i``); records with success, return and deficiency codes
    (and their step traces with ``trace``)."""
    seeds = [seed + i for i in range(len(task_indices))]
    return gen.rollouts(policy_dir, dict(env_kwargs, max_steps=max_turns), task_indices, seeds, batch_size=batch_size,
                        max_new_tokens=max_new_tokens, gen_batch_size=gen_batch_size, trace=trace,
                        desc="deficiency rollouts")
