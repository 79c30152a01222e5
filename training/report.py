"""What a run reports: ``metrics.jsonl`` (one line per finished evaluation) and ``report.md`` with
PNG plots (success by category per evaluation, deficiency counts per round, MCTS statistics).
Reads only the run directory through `training.layout.RunLayout` (works on a partial run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from training.io import atomic_write_text, is_done, read_done, read_json, read_jsonl
from training.layout import EVAL_ORDER, RunLayout


def eval_reports(layout: RunLayout) -> list[dict[str, Any]]:
    """The finished evaluations' reports in pipeline order (base, warm-up, rounds, baselines)."""
    reps = []
    if layout.eval_root.exists():
        for d in layout.eval_root.iterdir():
            if is_done(d):
                r = read_json(d / "report.json")
                r["_t"] = read_done(d).get("finished_at", "")
                reps.append(r)
    reps.sort(key=lambda r: (EVAL_ORDER.get(r["stage"], 9), r["round"], r["_t"]))
    return reps


def _summary(rep: dict[str, Any]) -> dict[str, Any]:
    return {
        "success_rate": rep["success_rate"], "mean_reward": rep["mean_reward"],
        "complex_success_rate": rep["complex"]["success_rate"],
        "by_category": {c: {"success_rate": b["success_rate"], "mean_reward": b["mean_reward"],
                            "episodes": b["episodes"]} for c, b in rep["by_category"].items()},
        "deficiencies": rep["deficiencies"],
    }


def write_metrics(layout: RunLayout) -> None:
    """metrics.jsonl: one line per finished evaluation (rebuilt, so resumes never duplicate)."""
    lines = []
    for rep in eval_reports(layout):
        line = {"name": rep["name"], "stage": rep["stage"], "round": rep["round"], **_summary(rep)}
        if "seen_templates" in rep:
            line["seen_templates"] = _summary(rep["seen_templates"])
        if rep.get("bfcl"):
            line["bfcl"] = rep["bfcl"]
        lines.append(json.dumps(line, sort_keys=True))
    atomic_write_text(layout.metrics, "".join(x + "\n" for x in lines))


def _plots(layout: RunLayout, metrics: list[dict[str, Any]], rounds: list[dict[str, Any]]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = []
    layout.plots.mkdir(exist_ok=True)
    if metrics:
        cats = sorted({c for m in metrics for c in m["by_category"]})
        fig, ax = plt.subplots(figsize=(10, 4))
        w = 0.8 / len(metrics)
        for j, m in enumerate(metrics):
            xs = [i + j * w for i in range(len(cats))]
            ax.bar(xs, [100 * m["by_category"].get(c, {}).get("success_rate", 0) for c in cats], w, label=m["name"])
        ax.set_xticks([i + 0.4 - w / 2 for i in range(len(cats))], cats, rotation=20, fontsize=8)
        ax.set_ylabel("held-out success %")
        ax.legend(fontsize=8)
        ax.set_title("Success by category per evaluation")
        fig.tight_layout()
        fig.savefig(layout.plots / "success_by_category.png", dpi=90)
        plt.close(fig)
        out.append("plots/success_by_category.png")
    if rounds:
        codes = sorted({c for r in rounds for c in r["deficiency"].get("deficiency_counts", {})})
        if codes:
            fig, ax = plt.subplots(figsize=(10, 4))
            w = 0.8 / len(rounds)
            for j, r in enumerate(rounds):
                xs = [i + j * w for i in range(len(codes))]
                ax.bar(xs, [r["deficiency"]["deficiency_counts"].get(c, 0) for c in codes], w, label=f"round {r['round']}")
            ax.set_xticks([i + 0.4 - w / 2 for i in range(len(codes))], codes, rotation=30, fontsize=7, ha="right")
            ax.set_ylabel("count in training rollouts")
            ax.legend(fontsize=8)
            ax.set_title("Deficiency codes per round (policy rollouts on training tasks)")
            fig.tight_layout()
            fig.savefig(layout.plots / "deficiencies.png", dpi=90)
            plt.close(fig)
            out.append("plots/deficiencies.png")
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
        ks = [r["round"] for r in rounds]
        axes[0].bar([str(k) for k in ks], [r["mcts"].get("pairs", {}).get("pairs", 0) for r in rounds], label="pairs")
        axes[0].set_title("pairs per round")
        axes[0].set_xlabel("round")
        where = sorted({w for r in rounds for w in r["mcts"].get("pairs", {}).get("diverge_where", {})})
        bottom = [0] * len(rounds)
        for wname in where:
            vals = [r["mcts"].get("pairs", {}).get("diverge_where", {}).get(wname, 0) for r in rounds]
            axes[1].bar([str(k) for k in ks], vals, bottom=bottom, label=wname)
            bottom = [b + v for b, v in zip(bottom, vals)]
        axes[1].set_title("where pairs diverge")
        axes[1].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(layout.plots / "mcts.png", dpi=90)
        plt.close(fig)
        out.append("plots/mcts.png")
    return out


def _success_table(metrics: list[dict[str, Any]], title: str) -> list[str]:
    if not metrics:
        return []
    cats = sorted({c for m in metrics for c in m["by_category"]})
    L = [f"## {title}", "",
         "| evaluation | " + " | ".join(cats) + " | complex | all | mean reward |",
         "|---" * (len(cats) + 4) + "|"]
    for m in metrics:
        L.append(f"| {m['name']} | " + " | ".join(
            f"{100 * m['by_category'].get(c, {}).get('success_rate', 0):.1f}" for c in cats)
            + f" | {100 * m['complex_success_rate']:.1f} | {100 * m['success_rate']:.1f} | {m['mean_reward']:.3f} |")
    L.append("")
    L += _noise_note(metrics[-1])
    return L


def _noise_note(m: dict[str, Any]) -> list[str]:
    """How big a difference this evaluation can resolve: one task in points, and the binomial
    standard error of a category's rate at 10% success."""
    ns = [b.get("episodes", 0) for b in m["by_category"].values() if b.get("episodes")]
    if not ns:
        return []
    n = min(ns)
    se = 100 * (0.1 * 0.9 / n) ** 0.5
    span = f"{n}" if n == max(ns) else f"{n}-{max(ns)}"
    return [f"Episodes per category: {span}. One task is {100 / n:.1f} points of a category of {n}; "
            f"at 10% success its standard error is {se:.1f} points, so category differences under ~{2 * se:.0f} "
            f"points are within noise (`benchmarks/round_variants.py --eval-tasks N` evaluates on more tasks).", ""]


def write_report(run: str | Path) -> Path:
    layout = RunLayout(run)
    metrics = read_jsonl(layout.metrics)
    rounds = []
    for k in layout.rounds():
        r: dict[str, Any] = {"round": k, "deficiency": {}, "mcts": {}, "train": {}}
        if is_done(layout.deficiency(k)):
            r["deficiency"] = read_json(layout.deficiency(k) / "summary.json")
        if is_done(layout.pairs(k)):
            r["mcts"] = read_json(layout.pairs(k) / "mcts_stats.json")
        if is_done(layout.round_policy(k)):
            r["train"] = read_json(layout.round_policy(k) / "train_log.json")
        rounds.append(r)
    plots = _plots(layout, metrics, rounds)
    L = ["# iTool run report", "", f"Run directory: `{layout.root}`", ""]
    L += _success_table(metrics, "Held-out success by category (%): unseen templates and seeds")
    seen = [dict(m["seen_templates"], name=m["name"]) for m in metrics if "seen_templates" in m]
    L += _success_table(seen, "Held-out success by category (%): training templates, unseen seeds "
                              "(new values and worlds)")
    if metrics:
        L.append("complex = parallel, parallel_multiple and multi_step together.")
        L.append("")
    suites = sorted({s for m in metrics for s, b in m.get("bfcl", {}).items() if "success_rate" in b})
    if suites:
        L += ["## BFCL suites (accuracy %, official-checker scoring)", "",
              "| evaluation | " + " | ".join(suites) + " |", "|---" * (len(suites) + 1) + "|"]
        for m in metrics:
            b = m.get("bfcl", {})
            L.append(f"| {m['name']} | " + " | ".join(
                f"{100 * b[s]['success_rate']:.1f}" if "success_rate" in b.get(s, {}) else "-" for s in suites) + " |")
        L.append("")
    for r in rounds:
        L += [f"## Round {r['round']}", ""]
        d = r["deficiency"]
        if d:
            L.append(f"- deficiency rollouts: {d['rolled_out']} training tasks, success {100 * d['success_rate']:.1f}%, "
                     f"{d['failed']} failed, {d['high_perplexity']} in the top perplexity fraction, {d['selected']} selected "
                     f"({d['selected_by_category']})")
            L.append(f"- deficiency codes: {d['deficiency_counts']}")
        m = r["mcts"]
        if m:
            ps = m.get("pairs", {})
            L.append(f"- MCTS: {m['tasks']} trees, {m['nodes']} nodes, {m['expansions']} expansions, "
                     f"{m['leaf_evaluations']} env-scored leaves, {m['seconds']}s "
                     f"({m['expansions_per_second']:.2f} expansions/s); search found a right answer on "
                     f"{m['solved_by_search']} tasks")
            L.append(f"- pairs: {ps.get('pairs', 0)} (by source {ps.get('by_source', {})}; diverge at "
                     f"{ps.get('diverge_where', {})}; by turn {ps.get('by_turn', {})}; mean value gap "
                     f"{ps.get('mean_gap', 0):.2f})")
        t = r["train"]
        if t:
            loss = t.get("train_loss")
            L.append(f"- preference optimisation: {t.get('steps')} steps on {t.get('pairs')} pairs, "
                     f"train loss {loss if loss is None else round(loss, 4)}")
        L.append("")
    for p in plots:
        L += [f"![{Path(p).stem}]({p})", ""]
    atomic_write_text(layout.report, "\n".join(L) + "\n")
    return layout.report
