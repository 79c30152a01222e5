"""One preference round in several variants, from a finished warm-up, on a larger held-out set.

    python benchmarks/round_variants.py --run runs/gains --out runs/variants --eval-tasks 480 \\
        --variant "as-configured" \\
        --variant "lr2e-5: preference.learning_rate=2e-5" \\
        --variant "ipo: preference.loss_type=ipo preference.beta=0.5" \\
        --variant "cool: mcts.temperature=0.7"

For each variant a run directory ``<out>/<name>`` gets the finished stages of ``--run`` that the
variant does not change (data, model, warm-up SFT; also round 1's deficiency selection unless a
``deficiency.*`` key is overridden, and its pairs unless a ``deficiency.*``, ``mcts.*`` or
``pairs.*`` key is), then `training.itool` runs one round and its continued-SFT baseline (same
optimizer steps). Every policy — warm-up, each variant's round and baseline — is then evaluated on
``--eval-tasks`` held-out tasks (unseen templates and seeds, synthesized with the run's seed; the
run's training set must come out byte-identical, so nothing leaks), because the run's own held-out
set is usually too small to separate variants (one task of 20 is 5 points). Prints a table and
writes ``<out>/summary.json``. Resumable: rerun to continue.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROUND_SECTIONS = {"deficiency", "mcts", "pairs", "preference", "eval"}  # what a variant may change


def parse_variant(text: str) -> tuple[str, dict[str, Any]]:
    """``"name: a.b=1 c.d=x"`` -> ("name", {"a": {"b": 1}, "c": {"d": "x"}}) (values parsed as YAML)."""
    import yaml

    name, _, rest = text.partition(":")
    name = name.strip()
    if not name or not all(ch.isalnum() or ch in "-_." for ch in name):
        raise SystemExit(f"variant name {name!r}: use letters, digits, '-', '_', '.'")
    over: dict[str, Any] = {}
    for item in rest.split():
        key, eq, val = item.partition("=")
        if not eq or not key:
            raise SystemExit(f"variant {name!r}: {item!r} is not key=value")
        d = over
        parts = key.split(".")
        for p in parts[:-1]:
            d = d.setdefault(p, {})
        d[parts[-1]] = yaml.safe_load(val)
    fixed = sorted(set(over) - ROUND_SECTIONS)
    if fixed:
        raise SystemExit(f"variant {name!r}: {fixed} would change the warm-up it reuses; a variant may only set "
                         f"{sorted(ROUND_SECTIONS)} keys")
    return name, over


def reused_stages(over: dict[str, Any]) -> list[str]:
    """The finished stages of the source run a variant with these overrides can keep (paths
    relative to a run directory)."""
    from training.layout import RunLayout

    rel = RunLayout("")
    keep = [rel.data, rel.model_init, rel.warmup(), rel.eval("sft")]
    if "deficiency" not in over:
        keep.append(rel.deficiency(1))
        if not {"mcts", "pairs"} & set(over):
            keep.append(rel.pairs(1))
    return [str(p) for p in keep]


def prepare(src: Path, dst: Path, over: dict[str, Any]) -> Path:
    """The variant's run directory and config (finished stages copied once; config rewritten)."""
    from training.config import _merge, load_config, save_config
    from training.io import is_done
    from training.layout import RunLayout

    for stage in reused_stages(over):
        if is_done(src / stage) and not (dst / stage).exists():
            shutil.copytree(src / stage, dst / stage)
    fixed = {"output_dir": str(dst), "rounds": 1, "baseline": True, "random_order_baseline": False,
             "eval": {"bfcl_suites": []}}
    cfg = load_config(RunLayout(src).config, overrides=_merge(fixed, over))
    path = dst / "variant.yaml"
    save_config(cfg, path)
    return path


def held_out(src: Path, n: int, out: Path) -> Path:
    """``n`` held-out tasks from the run's own split (its training side checked byte-identical)."""
    from dataclasses import replace

    from toolenv.tasks import save_tasks
    from training.config import load_config
    from training.data import synthesize_tasks
    from training.layout import RunLayout

    path = out / f"held_out_{n}.jsonl"
    if path.exists():
        return path
    cfg = load_config(RunLayout(src).config)
    train, test = synthesize_tasks(replace(cfg.data, num_test=n), cfg.seed)
    with tempfile.TemporaryDirectory() as tmp:
        save_tasks(train, Path(tmp) / "train.jsonl")
        if not filecmp.cmp(Path(tmp) / "train.jsonl", RunLayout(src).train_tasks, shallow=False):
            raise SystemExit(f"re-synthesizing {src}'s split with {n} held-out tasks changes its training set; "
                             "use --eval-tasks equal to data.num_test or the run's own code version")
    out.mkdir(parents=True, exist_ok=True)
    save_tasks(test, path)
    return path


def evaluate(policy: Path, tasks: Path, src_cfg: Any, cache: Path) -> dict[str, Any]:
    from training.data import env_kwargs
    from training.evaluate import evaluate_policy
    from training.workers import generator

    if cache.exists():
        return json.loads(cache.read_text())
    with generator(src_cfg) as gen:
        rep = evaluate_policy(gen, policy, env_kwargs(tasks, src_cfg.data.tool_specs), src_cfg.eval,
                              seed=src_cfg.seed + 17)
    keep = {k: rep[k] for k in ("episodes", "success_rate", "mean_reward", "by_category", "complex")}
    cache.write_text(json.dumps(keep, indent=1, sort_keys=True))
    return keep


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", required=True, help="a run directory with a finished warm-up (sft/DONE)")
    ap.add_argument("--out", required=True, help="folder for the variants' run directories")
    ap.add_argument("--variant", action="append", default=[],
                    help='"name: key=value key=value" (dotted config keys); repeatable; default: the run\'s config')
    ap.add_argument("--eval-tasks", type=int, default=480, help="held-out tasks for the comparison")
    args = ap.parse_args(argv)

    import torch

    from training.config import load_config
    from training.io import is_done
    from training.layout import RunLayout

    src, out = Path(args.run), Path(args.out)
    if not is_done(RunLayout(src).warmup()):
        raise SystemExit(f"{src}: no finished warm-up (sft/DONE)")
    src_cfg = load_config(RunLayout(src).config)
    if src_cfg.threads:
        torch.set_num_threads(src_cfg.threads)
    variants = [parse_variant(v) for v in (args.variant or ["as-configured"])]
    tasks = held_out(src, args.eval_tasks, out)

    for name, over in variants:
        dst = out / name
        dst.mkdir(parents=True, exist_ok=True)
        cfg_path = prepare(src, dst, over)
        print(f"[variants] {name}: one round + baseline in {dst}", flush=True)
        proc = subprocess.run([sys.executable, "-m", "training.itool", "--config", str(cfg_path)], cwd=ROOT)
        if proc.returncode != 0:
            raise SystemExit(f"variant {name}: training.itool exited with {proc.returncode}")

    rows: list[tuple[str, Path, int | None]] = [("warm-up", RunLayout(src).warmup(), None)]
    for name, _ in variants:
        run = RunLayout(out / name)
        for label, stage in ((name, run.round_policy(1)), (f"{name} baseline", run.baseline)):
            log = json.loads((stage / "train_log.json").read_text())
            rows.append((label, stage, int(log.get("steps", 0))))
    results = {}
    for label, policy, steps in rows:
        rep = evaluate(policy, tasks, src_cfg, policy / f"held_out_{args.eval_tasks}.json")
        results[label] = {"steps": steps, "success_rate": rep["success_rate"], "mean_reward": rep["mean_reward"],
                          "complex_success_rate": rep["complex"]["success_rate"],
                          "by_category": {c: b["success_rate"] for c, b in rep["by_category"].items()}}
    cats = sorted({c for r in results.values() for c in r["by_category"]})
    print(f"\nheld-out success % ({args.eval_tasks} tasks, unseen templates and seeds)")
    print(f"{'policy':32s}{'steps':>6s}" + "".join(f"{c[:9]:>10s}" for c in cats) + f"{'complex':>9s}{'all':>7s}")
    for label, r in results.items():
        print(f"{label[:32]:32s}{'' if r['steps'] is None else r['steps']:>6}"
              + "".join(f"{100 * r['by_category'].get(c, 0.0):10.1f}" for c in cats)
              + f"{100 * r['complex_success_rate']:9.1f}{100 * r['success_rate']:7.1f}")
    summary = {"run": str(src), "eval_tasks": args.eval_tasks, "variants": dict(variants), "results": results}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))  # results in table order
    print(json.dumps({k: {"all": round(100 * v["success_rate"], 2), "complex": round(100 * v["complex_success_rate"], 2)}
                      for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
