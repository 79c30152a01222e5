"""Several processes (`torchrun` / `accelerate launch`): the training stages run data-parallel, the
rest on the main process, and data-parallel SFT equals one process with the same global batch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from training.io import is_done

from .conftest import ROOT

torch = pytest.importorskip("torch")
if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)


def _config(tmp: Path, name: str, per_device: int, threads: int = 1) -> Path:
    cfg = yaml.safe_load((ROOT / "configs" / "tiny.yaml").read_text())
    cfg["threads"] = cfg["gen_threads"] = threads
    smoke = cfg["smoke"]
    # no length grouping: it shuffles per-device batches, so the order would depend on the batch split
    smoke["sft"].update(per_device_train_batch_size=per_device, group_by_length=0, logging_steps=1)
    smoke["eval"]["bfcl_suites"] = []
    smoke["output_dir"] = str(tmp / name)
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _run(cmd: list[str]) -> None:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def _log(run: Path, stage: str) -> dict:
    return json.loads((run / stage / "train_log.json").read_text())


def test_two_processes_match_one_and_finish_every_stage(tmp_path):
    from safetensors.torch import load_file

    one = _config(tmp_path, "one", per_device=8)
    two = _config(tmp_path, "two", per_device=4)
    _run([sys.executable, "-m", "training.itool", "--config", str(one), "--smoke"])
    _run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
          "-m", "training.itool", "--config", str(two), "--smoke"])
    a, b = tmp_path / "one", tmp_path / "two"

    # the whole pipeline ran with 2 processes; only the main one wrote the run directory
    for stage in ("data", "model-init", "sft", "eval/sft", "round-1/deficiency", "round-1/pairs",
                  "round-1/policy", "eval/round-1", "baseline", "eval/baseline"):
        assert is_done(b / stage), stage
    assert not list(b.rglob("*-scratch")) and not list(b.rglob("*.tmp-*"))
    names = [json.loads(x)["name"] for x in (b / "metrics.jsonl").read_text().splitlines()]
    assert names == ["sft", "round-1", "baseline"]
    for stage in ("sft", "round-1/policy", "baseline"):
        assert _log(b, stage)["world_size"] == 2, stage
    assert _log(b, "baseline")["steps"] == _log(b, "round-1/policy")["steps"] > 0

    # data-parallel SFT (2 x 4 per device) = one process with batch 8: same global order and loss
    la, lb = _log(a, "sft"), _log(b, "sft")
    assert la["world_size"] == 1 and la["steps"] == lb["steps"] == 6
    assert [h["loss"] for h in la["log_history"]] == pytest.approx([h["loss"] for h in lb["log_history"]], rel=1e-4)
    wa, wb = load_file(str(a / "sft" / "model.safetensors")), load_file(str(b / "sft" / "model.safetensors"))
    w0 = load_file(str(a / "model-init" / "model.safetensors"))
    moved = max(float((wa[k] - w0[k]).abs().max()) for k in wa)
    diff = max(float((wa[k] - wb[k]).abs().max()) for k in wa)
    assert moved > 1e-3 and diff < moved / 50

    # under 2 processes the search runs on the main one (Ray deals it out, not the launcher): from one
    # process's policy and selection it gives the same pairs and tree statistics as that process did
    three = tmp_path / "three"
    for stage in ("data", "model-init", "sft", "eval/sft", "round-1/deficiency"):
        shutil.copytree(a / stage, three / stage)
    cfg3 = yaml.safe_load(one.read_text())
    cfg3["smoke"]["output_dir"] = str(three)
    (tmp_path / "three.yaml").write_text(yaml.safe_dump(cfg3))
    _run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
          "-m", "training.itool", "--config", str(tmp_path / "three.yaml"), "--smoke"])
    from training.pairs import load_pairs

    pa, p3 = load_pairs(str(a / "round-1" / "pairs")), load_pairs(str(three / "round-1" / "pairs"))
    assert len(pa) > 0 and pa == p3
    sa = json.loads((a / "round-1" / "pairs" / "mcts_stats.json").read_text())
    s3 = json.loads((three / "round-1" / "pairs" / "mcts_stats.json").read_text())
    assert s3["workers"] == sa["workers"] == 0 and sa["tasks"] == s3["tasks"] >= 2

    def trees(s):
        return [{k: v for k, v in t.items() if "second" not in k and "time" not in k} for t in s["per_task"]]

    assert trees(sa) == trees(s3)
    assert is_done(three / "round-1" / "policy") and is_done(three / "eval" / "baseline")
