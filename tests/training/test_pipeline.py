"""--smoke end to end through a subprocess, the run-directory layout, and resume."""

from __future__ import annotations

import json
import shutil

from toolenv.suites import default_data_dir
from training.io import is_done, read_done

from .conftest import run_itool


def test_smoke_run_layout(smoke_run):
    run = smoke_run
    for stage in ("data", "model-init", "sft", "round-1/deficiency", "round-1/pairs", "round-1/policy",
                  "eval/sft", "eval/round-1", "eval/baseline"):
        assert is_done(run / stage), stage
    assert (run / "sft" / "config.json").exists() and (run / "sft" / "model.safetensors").exists()
    lines = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert [m["name"] for m in lines] == ["sft", "round-1", "baseline"]
    for m in lines:
        assert "by_category" in m and "deficiencies" in m and 0.0 <= m["success_rate"] <= 1.0
        # the second held-out set (training templates, unseen seeds) is evaluated next to the first
        seen = m["seen_templates"]
        assert sum(b["episodes"] for b in seen["by_category"].values()) == 16
        assert 0.0 <= seen["complex_success_rate"] <= 1.0
        # BFCL suites after every stage when the data is present (skipped with a log line otherwise)
        if default_data_dir() is not None:
            assert m["bfcl"]["bfcl:irrelevance"]["episodes"] == 4
        else:
            assert "bfcl" not in m
    report = (run / "report.md").read_text()
    assert ("BFCL suites" in report) == (default_data_dir() is not None)
    assert "Held-out success by category (%): unseen templates" in report
    assert "Held-out success by category (%): training templates" in report
    # 16 held-out tasks over 8 categories: one task is 50 points of a category, and the report says so
    assert "One task is 50.0 points of a category of 2" in report
    assert (run / "plots" / "success_by_category.png").exists()
    stats = json.loads((run / "round-1" / "pairs" / "mcts_stats.json").read_text())
    assert stats["tasks"] >= 1 and stats["leaf_evaluations"] >= 1


def test_resume_after_interruption(smoke_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(smoke_run, run)
    before = {s: read_done(run / s)["finished_at"] for s in ("data", "sft", "round-1/deficiency", "round-1/pairs")}
    # simulate a kill during round 1's preference stage: its folder is half-written, no marker
    shutil.rmtree(run / "round-1" / "policy")
    (run / "round-1" / "policy.tmp-12345").mkdir()
    (run / "round-1" / "policy.tmp-12345" / "model.safetensors").write_bytes(b"partial")
    shutil.rmtree(run / "eval" / "round-1")
    shutil.rmtree(run / "eval" / "baseline")
    shutil.rmtree(run / "baseline")
    proc = run_itool(run)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    after = {s: read_done(run / s)["finished_at"] for s in before}
    assert after == before  # nothing finished was redone
    assert is_done(run / "round-1" / "policy") and is_done(run / "eval" / "round-1")
    assert not (run / "round-1" / "policy.tmp-12345").exists()
    names = [json.loads(x)["name"] for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert names == ["sft", "round-1", "baseline"]  # no duplicated lines


def test_toolenv_train_command_resumes_a_finished_run(smoke_run, tmp_path):
    """`toolenv train` dispatches to training.itool; on a finished run nothing is retrained."""
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    run = tmp_path / "done"
    shutil.copytree(smoke_run, run)
    before = read_done(run / "sft")["finished_at"]
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.run([sys.executable, "-m", "toolenv.cli", "train", "--config", str(ROOT / "configs" / "tiny.yaml"),
                           "--smoke", "--output-dir", str(run)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert read_done(run / "sft")["finished_at"] == before
    assert (run / "report.md").exists()
