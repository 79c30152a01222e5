"""Build the static site of `toolenv view`: ``index.html``, ``app.js``, ``style.css`` (hand-written,
in ``toolenv/view/static/``) and ``data.js`` (``window.TOOLENV_VIEW = {...}``: everything the
pages show, gathered here). No network, no CDN: the site works from ``file://``.

Sources (`load_source`):

- a training run directory (``config.yaml``, ``eval/``, ``round-K/``: `training.layout.RunLayout`):
  evaluations, deficiency rollouts, search trees, pair datasets, train logs, the config;
- an evaluation report (``report.json`` of ``toolenv eval --out`` or ``eval/NAME/``) with its
  trajectories (the report's ``trajectories`` entry, or ``episodes.jsonl`` beside it);
- a trajectories JSONL (``toolenv eval --trajectories``, ``eval/NAME/episodes.jsonl``).

The data is bounded: at most ``max_episodes`` episodes per stage (round-robin over categories),
``max_pairs`` pairs per round. Every text reaches the page as data and is shown as text (the
pages never build HTML from it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from toolenv.view.traces import cap_episodes, clip, clip_message, read_jsonl

STATIC = Path(__file__).resolve().parent / "static"
#: the order of evaluation stages on the pages (rounds are "round-K"); the same as training.layout.EVAL_ORDER
STAGE_ORDER = {"base": -1, "sft": 0, "round": 1, "baseline": 2, "random_order": 3}
#: trainers' logs of a run: (page label, folder relative to the run)
TRAIN_LOGS = (("warm-up (sft)", "sft"), ("baseline", "baseline"), ("random-order warm-up", "sft-random"))


def default_out(path: str | Path) -> Path:
    """Where the view of ``path`` goes: ``DIR/view`` for a folder, ``<parent>/<stem>-view`` for a file."""
    p = Path(path)
    return p / "view" if p.is_dir() else p.with_name(p.stem + "-view")


def build_view(path: str | Path, out: str | Path | None = None, *, max_episodes: int = 400,
               max_pairs: int = 400) -> Path:
    """Write the site of ``path`` (a run directory, an evaluation report or a trajectories JSONL) into
    ``out`` (default `default_out`); returns the path of its ``index.html``."""
    data = load_source(path, max_episodes=max_episodes, max_pairs=max_pairs)
    out = Path(out) if out is not None else default_out(path)
    # the report's plots, linked from wherever the site is written
    data["plots"] = [Path(os.path.relpath(p, out.absolute())).as_posix() for p in data["plots"]]
    return write_site(data, out)


def write_site(data: dict[str, Any], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("index.html", "app.js", "style.css", "favicon.svg"):
        shutil.copyfile(STATIC / name, out / name)
    blob = json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"), default=str)
    blob = blob.replace("<", "\\u003c").replace(">", "\\u003e")  # inert even if inlined in HTML
    tmp = out / "data.js.tmp"
    tmp.write_text(f"window.TOOLENV_VIEW = {blob};\n", encoding="ascii")
    tmp.replace(out / "data.js")
    return out / "index.html"


# ------------------------------------------------------------------ reading the sources
def load_source(path: str | Path, *, max_episodes: int = 400, max_pairs: int = 400) -> dict[str, Any]:
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such file or folder: {p}")
    if p.is_dir():
        if (p / "report.json").is_file() and not (p / "eval").is_dir():
            return _from_report(p / "report.json", max_episodes)
        if not any((p / x).exists() for x in ("config.yaml", "eval", "metrics.jsonl", "round-1")):
            raise ValueError(f"{p} is not a run directory (no config.yaml, eval/, metrics.jsonl or round-1/)")
        return _from_run(p, max_episodes, max_pairs)
    if p.suffix == ".jsonl":
        return _from_trajectories(p, max_episodes)
    return _from_report(p, max_episodes)


def _empty(kind: str, source: Path, title: str) -> dict[str, Any]:
    return {"kind": kind, "source": str(source), "title": title, "config": None, "evals": [], "rounds": [],
            "train_logs": [], "episodes": [], "tools": {}, "trees": [], "pairs": [], "plots": [], "notes": []}


def _eval_summary(rep: dict[str, Any], name: str) -> dict[str, Any]:
    keep = ("name", "stage", "round", "episodes", "success_rate", "mean_reward", "mean_steps", "complex",
            "by_category", "deficiencies", "pass_hat_k", "agent")
    out = {k: rep[k] for k in keep if k in rep}
    out.setdefault("name", name)
    if "seen_templates" in rep:
        out["seen_templates"] = {k: v for k, v in rep["seen_templates"].items()
                                 if k in ("episodes", "success_rate", "mean_reward", "by_category", "deficiencies")}
    if rep.get("bfcl"):
        out["bfcl"] = {s: {k: v for k, v in b.items() if k != "episode_records"} for s, b in rep["bfcl"].items()}
    return out


def _episodes(data: dict[str, Any], rows: list[dict[str, Any]], stage: str, max_episodes: int) -> None:
    """Add trajectory rows of one stage (capped), tools deduplicated into ``data["tools"]``."""
    rows = cap_episodes(rows, max_episodes)
    for r in rows:
        tr = r.get("trace") or {}
        keys = []
        for t in tr.get("tools", []):
            blob = json.dumps(t, sort_keys=True, default=str)
            key = hashlib.blake2b(blob.encode(), digest_size=6).hexdigest()
            data["tools"].setdefault(key, t)
            keys.append(key)
        st = r.get("stage") or stage
        ep = {k: r.get(k) for k in ("task_id", "category", "difficulty", "success", "return", "steps", "deficiencies",
                                    "seed", "task_index", "round", "selected", "bfcl_error_type")}
        ep.update(stage=st, set=r.get("set") or "test", id=f"{st}|{r.get('set') or 'test'}|{len(data['episodes'])}",
                  trace={"tools": keys, "prompt": tr.get("prompt", []), "steps": tr.get("steps", []),
                         "ground_truth": tr.get("ground_truth", [])})
        if not tr and r.get("messages"):  # a record without a trace: its final conversation
            ep["trace"]["prompt"] = [clip_message(m) for m in r["messages"]]
        data["episodes"].append(ep)


def _from_trajectories(path: Path, max_episodes: int, data: dict[str, Any] | None = None,
                       stage: str | None = None) -> dict[str, Any]:
    data = data or _empty("trajectories", path, f"Trajectories {path.name}")
    rows = read_jsonl(path)
    by_stage: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_stage.setdefault(r.get("stage") or stage or path.stem, []).append(r)
    for st, rs in by_stage.items():
        _episodes(data, rs, st, max_episodes)
    if data["kind"] == "trajectories":  # a bare file: its success by category, computed from the rows
        from toolenv.evaluation import summarize

        for st, rs in by_stage.items():
            rep = summarize([dict(r, deficiencies=r.get("deficiencies") or [], success=bool(r.get("success")),
                                  steps=r.get("steps") or 0, **{"return": r.get("return") or 0.0}) for r in rs])
            data["evals"].append(_eval_summary(dict(rep, name=st, stage=st, round=0), st))
    return data


def _from_report(path: Path, max_episodes: int) -> dict[str, Any]:
    try:
        rep = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise ValueError(f"{path}: not a JSON evaluation report ({e})") from None
    if not isinstance(rep, dict) or "by_category" not in rep:
        raise ValueError(f"{path}: not an evaluation report (no by_category)")
    name = rep.get("name") or (path.parent.name if path.name == "report.json" else path.stem)
    data = _empty("report", path, f"Evaluation {name}")
    data["evals"].append(_eval_summary(rep, name))
    if rep.get("episode_records"):
        _episodes(data, rep["episode_records"], name, max_episodes)
    traj = rep.get("trajectories")
    candidates = ([path.parent / traj] if isinstance(traj, str) else []) + [path.parent / "episodes.jsonl"]
    for c in candidates:
        if c.is_file():
            _from_trajectories(c, max_episodes, data, stage=name)
            break
    else:
        if not data["episodes"]:
            data["notes"].append("No trajectories next to this report: `toolenv eval --trajectories FILE` writes them.")
    return data


def _read_json(p: Path) -> Any:
    return json.loads(p.read_text(encoding="utf-8"))


def _from_run(root: Path, max_episodes: int, max_pairs: int) -> dict[str, Any]:
    from training.layout import RunLayout  # the run directory's one owner of paths (stdlib only)

    layout = RunLayout(root)
    data = _empty("run", root, f"Run {root.name}")
    if layout.config.is_file():
        data["config"] = layout.config.read_text(encoding="utf-8")
    # evaluations, in pipeline order
    reps = []
    if layout.eval_root.is_dir():
        for d in sorted(layout.eval_root.iterdir()):
            if (d / "report.json").is_file() and (d / "DONE").exists():
                reps.append(_read_json(d / "report.json"))
    reps.sort(key=lambda r: (STAGE_ORDER.get(r.get("stage"), 9), r.get("round", 0), r.get("name", "")))
    for rep in reps:
        data["evals"].append(_eval_summary(rep, rep.get("name", "?")))
        ep_path = layout.eval_episodes(rep["name"])
        if ep_path.is_file():
            _from_trajectories(ep_path, max_episodes, data, stage=rep["name"])
    # rounds: deficiency rollouts, trees, pairs, the preference trainer's log
    for k in layout.rounds():
        r: dict[str, Any] = {"round": k}
        if (layout.deficiency(k) / "summary.json").is_file():
            r["deficiency"] = _read_json(layout.deficiency(k) / "summary.json")
        if layout.deficiency_episodes(k).is_file():
            _from_trajectories(layout.deficiency_episodes(k), max_episodes, data, stage=f"round-{k}/deficiency")
        if (layout.pairs(k) / "mcts_stats.json").is_file():
            stats = _read_json(layout.pairs(k) / "mcts_stats.json")
            r["mcts"] = {key: v for key, v in stats.items() if key != "per_task"}
        if layout.trees(k).is_file():
            for t in read_jsonl(layout.trees(k)):
                t["id"] = f"{k}|{t['task_id']}"
                t["round"] = k
                data["trees"].append(t)
        if (layout.pairs(k) / "dataset_info.json").is_file():
            _pairs(data, layout.pairs(k), k, max_pairs)
        log = layout.round_policy(k) / "train_log.json"
        if log.is_file():
            data["train_logs"].append(_train_log(f"round {k} preference", _read_json(log)))
        data["rounds"].append(r)
    for label, rel in TRAIN_LOGS:
        log = layout.stage(rel) / "train_log.json"
        if log.is_file():
            data["train_logs"].append(_train_log(label, _read_json(log)))
    data["train_logs"].sort(key=lambda t: (t["label"] != "warm-up (sft)", t["label"]))
    if layout.plots.is_dir():
        data["plots"] = [str(p.absolute()) for p in sorted(layout.plots.glob("*.png"))]
    return data


def _train_log(label: str, log: dict[str, Any]) -> dict[str, Any]:
    hist = [{k: h[k] for k in ("step", "loss", "epoch", "learning_rate") if k in h}
            for h in log.get("log_history", []) if "loss" in h]
    return {"label": label, "steps": log.get("steps"), "train_loss": log.get("train_loss"),
            "runtime_s": log.get("runtime_s"), "pairs": log.get("pairs"), "history": hist}


def _pairs(data: dict[str, Any], path: Path, k: int, max_pairs: int) -> None:
    try:
        from training.pairs import load_pairs

        rows = load_pairs(str(path))
    except ImportError as e:  # the datasets package (train extra) reads the pair dataset
        data["notes"].append(f"round {k}: pairs not shown ({e.name} is not installed)")
        return
    for i, r in enumerate(rows[:max_pairs]):
        data["pairs"].append({
            "id": f"{k}|{i}", "round": k, "index": i, "task_id": r.get("task_id"), "category": r.get("category"),
            "source": r.get("source"), "turn": r.get("turn"), "depth": r.get("depth"), "prefix": clip(r.get("prefix")),
            "chosen": clip(r["chosen"][0]["content"]), "rejected": clip(r["rejected"][0]["content"]),
            "chosen_value": r.get("chosen_value"), "rejected_value": r.get("rejected_value"),
            "node_id": r.get("node_id"), "chosen_node": r.get("chosen_node"), "rejected_node": r.get("rejected_node"),
            "prompt": [clip_message(m, 1500) for m in r.get("prompt", [])],
        })
    if len(rows) > max_pairs:
        data["notes"].append(f"round {k}: the first {max_pairs} of {len(rows)} pairs are shown")
