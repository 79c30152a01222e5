"""benchmarks/round_variants.py and benchmarks/gains.py --run through a subprocess, on the smoke run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("trl")

from training.io import read_done  # noqa: E402

from .conftest import ROOT  # noqa: E402


def _py(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_round_variants_reuses_what_a_variant_keeps_and_compares_on_more_tasks(smoke_run, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(smoke_run, src)
    out = tmp_path / "variants"
    proc = _py("benchmarks/round_variants.py", "--run", str(src), "--out", str(out), "--eval-tasks", "24",
               "--variant", "slow: preference.learning_rate=1e-6",
               "--variant", "cool: mcts.temperature=0.7 mcts.seed=5")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    res = summary["results"]
    assert list(res) == ["warm-up", "slow", "slow baseline", "cool", "cool baseline"]
    for name in ("slow", "cool"):
        assert res[name]["steps"] == res[f"{name} baseline"]["steps"] > 0
    for r in res.values():
        assert 0.0 <= r["success_rate"] <= 1.0 and 0.0 <= r["complex_success_rate"] <= 1.0
    # 24 held-out tasks, not the run's 16
    rep = json.loads((out / "slow" / "round-1" / "policy" / "held_out_24.json").read_text())
    assert rep["episodes"] == 24
    # a preference-only variant keeps the source's pairs; a search variant searches again
    src_pairs = read_done(src / "round-1" / "pairs")["finished_at"]
    assert read_done(out / "slow" / "round-1" / "pairs")["finished_at"] == src_pairs
    assert read_done(out / "cool" / "round-1" / "deficiency") == read_done(src / "round-1" / "deficiency")
    assert (out / "cool" / "round-1" / "pairs" / "DONE").stat().st_mtime > (src / "round-1" / "pairs" / "DONE").stat().st_mtime
    cfg = (out / "cool" / "variant.yaml").read_text()
    assert "temperature: 0.7" in cfg and "rounds: 1" in cfg


def test_round_variants_rejects_a_bad_variant(smoke_run, tmp_path):
    proc = _py("benchmarks/round_variants.py", "--run", str(smoke_run), "--out", str(tmp_path / "v"),
               "--variant", "x: preference.learning_rate")
    assert proc.returncode != 0 and "not key=value" in proc.stderr
    proc = _py("benchmarks/round_variants.py", "--run", str(smoke_run), "--out", str(tmp_path / "v"),
               "--variant", "y: sft.max_steps=5")
    assert proc.returncode != 0 and "would change the warm-up" in proc.stderr


def test_gains_reads_a_finished_run(smoke_run):
    proc = _py("benchmarks/gains.py", "--run", str(smoke_run))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "held-out" in proc.stdout and "baseline" in proc.stdout
    last = json.loads(proc.stdout.strip().splitlines()[-1])
    assert last["run"] == str(smoke_run) and "rounds_minus_baseline" in json.dumps(last)


def test_token_budget_reports_the_cut(smoke_run):
    proc = _py("benchmarks/token_budget.py", "--model", str(smoke_run / "sft"), "--tasks", "40")
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    rows = res["sft_rows"]
    every = rows["every domain tool, compact lines, full answers"]["mean"]
    demo = rows["task's tools, brief lines, 8-word answers (demo)"]["mean"]
    assert rows["every domain tool, JSON schemas, full answers"]["mean"] > every > demo > 0
    prompts = res["search_prompts"]
    assert prompts["every domain tool, compact lines"] > prompts["task's tools, brief lines (demo)"] > 0


def test_sft_step_bench_runs_every_variant(smoke_run):
    proc = _py("benchmarks/sft_step_bench.py", "--model", str(smoke_run / "sft"), "--batch", "2", "--length", "32",
               "--labels", "8", "--steps", "1", "--freeze", "1", "--threads", "1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(proc.stdout.strip().splitlines()[-1])["results"]
    assert list(res) == ["model's own loss (all positions)", "label positions only", "label positions only + freeze_layers 1"]
    assert all(r["s_per_step"] > 0 and r["tokens_per_s"] > 0 for r in res.values())


def test_completion_loss_equals_the_models_loss(smoke_run):
    import torch

    from training.model import freeze_bottom, load_model
    from training.sft import completion_loss

    model = load_model(smoke_run / "sft")
    ids = torch.randint(5, 200, (2, 24))
    labels = ids.clone()
    labels[:, :16] = -100
    full = model(input_ids=ids, labels=labels).loss
    assert torch.allclose(completion_loss(model, ids, None, labels), full, atol=1e-5)
    n_all = sum(p.numel() for p in model.parameters())
    left = freeze_bottom(model, 1)
    assert 0 < left < n_all and not model.get_input_embeddings().weight.requires_grad
    with pytest.raises(ValueError, match="freeze"):
        freeze_bottom(load_model(smoke_run / "sft"), 99)


def test_ray_scale_measures_the_workers_side_by_side(smoke_run):
    pytest.importorskip("ray")
    proc = _py("benchmarks/ray_scale.py", "--run", str(smoke_run), "--workers", "1", "--episodes", "2", "--trees", "1")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [r["workers"] for r in rows] == [0, 1]
    # the same work in both places: the same episodes, agent steps and search expansions
    assert rows[0]["episodes"] == rows[1]["episodes"] == 2
    assert rows[0]["agent_steps"] == rows[1]["agent_steps"] and rows[0]["expansions"] == rows[1]["expansions"] > 0
    assert "| 1 Ray worker |" in proc.stdout
