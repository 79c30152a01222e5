"""Stage: evaluate a policy -> ``eval/NAME/report.json`` (held-out tasks, the held-out set on
training templates when the run has one, and the BFCL suites where ``eval.bfcl_stages`` asks),
with its episodes step by step in ``episodes.jsonl`` (`training.traces`), then rebuild
``metrics.jsonl``. Only the main process evaluates; nothing downstream waits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.io import atomic_write_json, is_done, read_json

SEEN_KEYS = ("episodes", "success_rate", "mean_reward", "complex", "by_category", "deficiencies")


def evaluate(run, name: str, policy_dir: Path, stage: str, rnd: int) -> dict[str, Any]:
    cfg = run.cfg
    path = run.layout.eval(name)
    if is_done(path):
        return read_json(path / "report.json")
    rep: dict[str, Any] = {}

    def write(tmp: Path) -> None:
        from training.evaluate import evaluate_policy

        gen = run.generator()
        run.log(f"eval {name}: held-out tasks{gen.where}")
        from training.traces import pop_episodes, write_eval_episodes

        trace = cfg.eval.trace_max_episodes > 0  # episodes step by step for `toolenv view`
        rep.update(evaluate_policy(gen, policy_dir, run.env_kwargs("test"), cfg.eval, seed=cfg.seed + 17, trace=trace))
        episodes = {"test": pop_episodes(rep)}
        if run.layout.test_seen_tasks.exists():  # second held-out set: training templates, new values/worlds
            seen = evaluate_policy(gen, policy_dir, run.env_kwargs("test_seen"), cfg.eval, seed=cfg.seed + 19,
                                   trace=trace)
            episodes["test_seen"] = pop_episodes(seen)
            rep["seen_templates"] = {k: seen[k] for k in SEEN_KEYS if k in seen}
        if cfg.eval.bfcl_suites and bfcl_here(cfg, stage, rnd):  # real external data, official scoring
            from training.evaluate import bfcl_data_dir, evaluate_bfcl

            data_dir = bfcl_data_dir(cfg.eval)
            if data_dir is None:
                run.log(f"eval {name}: BFCL data not found; skipping {cfg.eval.bfcl_suites}")
            else:
                rep["bfcl"] = evaluate_bfcl(gen, policy_dir, cfg.eval, data_dir, seed=cfg.seed + 23, trace=trace)
                episodes.update((suite, pop_episodes(b)) for suite, b in rep["bfcl"].items())
        rep.update(stage=stage, round=rnd, name=name, policy=str(policy_dir))
        atomic_write_json(tmp / "report.json", rep)
        write_eval_episodes(tmp / run.layout.eval_episodes(name).name, episodes, cfg.eval.trace_max_episodes, name)

    if not run.produce(path, write, others="skip"):
        return {}
    run.log(f"eval {name}: {summary_line(rep)}")
    from training.report import write_metrics

    write_metrics(run.layout)
    return rep


def bfcl_here(cfg: Any, stage: str, rnd: int) -> bool:
    """Whether this evaluation also runs the BFCL suites (``eval.bfcl_stages``)."""
    want = set(cfg.eval.bfcl_stages)
    if stage == "round" and "last_round" in want:
        return rnd == cfg.rounds
    return stage in want


def summary_line(rep: dict[str, Any]) -> str:
    line = (f"success {rep['success_rate']:.3f} (complex {rep['complex']['success_rate']:.3f}), "
            f"reward {rep['mean_reward']:.3f}")
    if "seen_templates" in rep:
        st = rep["seen_templates"]
        line += f"; seen templates: success {st['success_rate']:.3f} (complex {st['complex']['success_rate']:.3f})"
    for suite, b in rep.get("bfcl", {}).items():
        if "success_rate" in b:
            line += f"; {suite} {b['success_rate']:.3f}"
    return line
