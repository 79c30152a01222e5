"""Roll an agent through ToolUse-v0 and report success, reward and deficiencies by category."""

from __future__ import annotations

from collections import Counter, defaultdict
from math import comb
from typing import Any

import gymnasium as gym

import toolenv  # noqa: F401  (registers ToolUse-v0)


def rollout(agent: Any, env_kwargs: dict[str, Any], task_indices: list[int], seeds: list[int], batch_size: int = 1,
            progress: bool = False, desc: str = "episodes", trace: bool = False) -> list[dict[str, Any]]:
    """Play one episode per (task index, seed); ``batch_size`` envs step together through
    ``agent.act_batch``. Returns one record per episode: task_id, category, difficulty, success,
    return, steps, deficiencies, messages (the final conversation). With ``trace`` each record also
    has ``trace`` (`EpisodeTrace`: tools offered, first messages, every step's raw action, parsed
    calls, simulated responses, reward, deficiency codes and the expected action; docs/data_formats.md)."""
    from tqdm.auto import tqdm

    from toolenv.view.traces import EpisodeTrace

    n = len(task_indices)
    envs = [gym.make("ToolUse-v0", **env_kwargs) for _ in range(min(batch_size, max(n, 1)))]
    results: list[dict[str, Any] | None] = [None] * n
    bar = tqdm(total=n, desc=desc, disable=not progress, leave=False)
    next_job = 0
    slots: list[dict[str, Any] | None] = [None] * len(envs)

    def start(slot: int) -> None:
        nonlocal next_job
        if next_job >= n:
            slots[slot] = None
            return
        j = next_job
        next_job += 1
        obs, info = envs[slot].reset(seed=seeds[j], options={"task_index": task_indices[j]})
        if hasattr(agent, "reset"):
            agent.reset(seed=seeds[j])
        slots[slot] = {"job": j, "obs": obs, "info": info, "ret": 0.0, "steps": 0, "defs": []}
        if trace:
            slots[slot]["trace"] = EpisodeTrace(envs[slot], obs)

    for s in range(len(envs)):
        start(s)
    while any(slots):
        live = [s for s, st in enumerate(slots) if st is not None]
        actions = agent.act_batch([slots[s]["obs"] for s in live], [envs[s] for s in live])  # type: ignore[index]
        for s, action in zip(live, actions):
            st = slots[s]
            expected = st["trace"].expected() if trace else None
            obs, reward, terminated, truncated, info = envs[s].step(action)
            if trace:
                st["trace"].add(action, obs, reward, info, expected)
            st["obs"], st["ret"], st["steps"] = obs, st["ret"] + reward, st["steps"] + 1
            st["defs"].extend(info["deficiencies"])
            if terminated or truncated:
                env = envs[s].unwrapped
                results[st["job"]] = {
                    "task_id": info["task_id"], "category": info["category"], "difficulty": info["difficulty"],
                    "success": bool(info.get("success", False)), "return": st["ret"], "steps": st["steps"],
                    "deficiencies": st["defs"], "messages": env.messages, "seed": seeds[st["job"]],
                    "task_index": task_indices[st["job"]],
                    **({"bfcl_error_type": info["bfcl_error_type"]} if "bfcl_error_type" in info else {}),
                    **({"trace": st["trace"].record()} if trace else {}),
                }
                bar.update(1)
                start(s)
    bar.close()
    for e in envs:
        e.close()
    return [r for r in results if r is not None]


def pass_hat_k(successes_per_task: list[list[bool]], k: int) -> float:
    """tau-bench's pass^k: mean over tasks of C(c, k) / C(n, k) (chance that k trials all succeed)."""
    vals = [comb(sum(s), k) / comb(len(s), k) for s in successes_per_task if len(s) >= k]
    return sum(vals) / len(vals) if vals else 0.0


def summarize(episodes: list[dict[str, Any]], trials: int = 1) -> dict[str, Any]:
    """The report: totals, per category, deficiency counts, and pass^k for k <= trials."""

    def block(eps: list[dict[str, Any]]) -> dict[str, Any]:
        n = len(eps)
        return {"episodes": n, "success_rate": sum(e["success"] for e in eps) / n if n else 0.0,
                "mean_reward": sum(e["return"] for e in eps) / n if n else 0.0,
                "mean_steps": sum(e["steps"] for e in eps) / n if n else 0.0}

    by_cat: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in episodes:
        by_cat[e["category"]].append(e)
    report = block(episodes)
    report["by_category"] = {c: block(v) for c, v in sorted(by_cat.items())}
    report["deficiencies"] = dict(Counter(d for e in episodes for d in e["deficiencies"]).most_common())
    if trials > 1:
        per_task: dict[tuple[str, int], list[bool]] = defaultdict(list)
        for e in episodes:
            per_task[(e["task_id"], e["task_index"])].append(e["success"])
        report["trials"] = trials
        report["pass_hat_k"] = {str(k): pass_hat_k(list(per_task.values()), k) for k in range(1, trials + 1)}
    return report


def plan(env_kwargs: dict[str, Any] | None = None, episodes: int | None = None, seed: int = 0, trials: int = 1,
         max_tasks: int | None = None) -> tuple[list[int], list[int]]:
    """The (task index, seed) of every episode `evaluate` plays, in order (see `evaluate`)."""
    probe = gym.make("ToolUse-v0", **dict(env_kwargs or {}))
    n_tasks = len(probe.unwrapped.suite)
    probe.close()
    if max_tasks is not None:
        n_tasks = min(n_tasks, max_tasks)
    n = n_tasks if episodes is None else episodes
    indices, seeds = [], []
    for t in range(trials):
        for i in range(n):
            indices.append(i % n_tasks)
            seeds.append(seed + i + t * 1_000_003)
    return indices, seeds


def evaluate(agent: Any, env_kwargs: dict[str, Any] | None = None, episodes: int | None = None, seed: int = 0,
             batch_size: int = 1, trials: int = 1, progress: bool = False,
             return_episodes: bool = False, max_tasks: int | None = None, trace: bool = False) -> dict[str, Any]:
    """Evaluate ``agent``. Without ``episodes`` every task of the suite is played once (per trial),
    or only the first ``max_tasks`` of them; with ``episodes``, task ``i % len(suite)`` is played for
    episode ``i``. Trial ``t`` of an episode uses seed ``seed + i + t * 1_000_003`` so sampling
    agents see different seeds per trial. ``trace``: the episode records (``return_episodes``) carry
    their step-by-step `rollout` trace."""
    env_kwargs = dict(env_kwargs or {})
    indices, seeds = plan(env_kwargs, episodes, seed, trials, max_tasks)
    eps = rollout(agent, env_kwargs, indices, seeds, batch_size=batch_size, progress=progress, trace=trace)
    report = summarize(eps, trials)
    report["agent"] = getattr(agent, "name", type(agent).__name__)
    report["seed"] = seed
    if return_episodes:
        report["episode_records"] = eps
    return report


def format_report(report: dict[str, Any]) -> str:
    """A plain-text table of the report."""
    rows = [("category", "episodes", "success", "reward", "steps")]
    for c, b in report["by_category"].items():
        rows.append((c, str(b["episodes"]), f"{b['success_rate']:.3f}", f"{b['mean_reward']:.3f}", f"{b['mean_steps']:.2f}"))
    rows.append(("ALL", str(report["episodes"]), f"{report['success_rate']:.3f}", f"{report['mean_reward']:.3f}",
                 f"{report['mean_steps']:.2f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(x.ljust(w) if i == 0 else x.rjust(w) for i, (x, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    if report.get("deficiencies"):
        lines.append("deficiencies: " + ", ".join(f"{k}={v}" for k, v in report["deficiencies"].items()))
    if report.get("pass_hat_k"):
        lines.append("pass^k: " + ", ".join(f"k={k}: {v:.3f}" for k, v in report["pass_hat_k"].items()))
    return "\n".join(lines)
