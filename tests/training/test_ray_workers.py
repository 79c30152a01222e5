"""The generating stages on Ray workers (`training.workers`): a local Ray cluster (``ray.init`` with
2 CPUs, loopback), the smoke pipeline with 2 workers equal to the in-process run, and a worker
killed in the middle of a search replaced with no tree lost or doubled."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from .conftest import run_itool

ray = pytest.importorskip("ray")


def _read(path: Path) -> dict:
    return json.loads(path.read_text())


def _no_time(d):
    """A stats record without its wall-clock fields."""
    if isinstance(d, dict):
        return {k: _no_time(v) for k, v in d.items() if "second" not in k and "time" not in k}
    if isinstance(d, list):
        return [_no_time(x) for x in d]
    return d


def test_chunks_cover_in_order():
    from training.workers import chunks

    assert [list(r) for r in chunks(7, 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert chunks(0, 4) == [] and [list(r) for r in chunks(2, 0)] == [[0], [1]]


def test_pipeline_on_two_ray_workers_matches_one_process(smoke_run, tmp_path):
    from training.pairs import load_pairs

    out = tmp_path / "ray2"
    proc = run_itool(out, "--ray-workers", "2")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "on 2 Ray workers" in proc.stdout

    # the same selection, trees, pairs, evaluations and metrics as the in-process run
    for f in ("round-1/deficiency/selected.json", "round-1/deficiency/summary.json"):
        assert _read(out / f) == _read(smoke_run / f), f
    pa, pb = load_pairs(str(smoke_run / "round-1" / "pairs")), load_pairs(str(out / "round-1" / "pairs"))
    assert len(pa) > 0 and pa == pb
    sa, sb = _read(smoke_run / "round-1/pairs/mcts_stats.json"), _read(out / "round-1/pairs/mcts_stats.json")
    assert sa["workers"] == 0 and sb["workers"] == 2 and sb["workers_replaced"] == 0
    assert _no_time(sa["per_task"]) == _no_time(sb["per_task"]) and sa["tasks"] == sb["tasks"] >= 1
    for name in ("sft", "round-1", "baseline"):
        ra, rb = _read(smoke_run / "eval" / name / "report.json"), _read(out / "eval" / name / "report.json")
        ra.pop("policy"), rb.pop("policy")
        assert ra == rb, name
    assert (out / "metrics.jsonl").read_text() == (smoke_run / "metrics.jsonl").read_text()


@pytest.fixture()
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_killed_worker_is_replaced_and_its_tree_redone(smoke_run, local_ray):
    """Kill a worker while it holds a unit of the search: a fresh actor redoes it; the merged pairs
    equal the in-process run's (nothing lost, nothing doubled). The checkpoint and the task file go
    through the object store here (as on a cluster without shared storage)."""
    from training.config import load_config
    from training.data import env_kwargs
    from training.layout import RunLayout
    from training.pairs import load_pairs, save_pairs
    from training.workers import RayGenerator

    lay = RunLayout(smoke_run)
    cfg = load_config(lay.config, overrides={"ray": {"num_workers": 2, "checkpoint": "object_store"}})
    selected = _read(lay.deficiency(1) / "selected.json")
    assert selected, "the smoke run selected no task"
    gen = RayGenerator(cfg)
    assert gen.by_store and gen.workers == 2
    victim = gen.actors[0]
    killed = threading.Event()

    def kill_when_busy():
        t0 = time.time()
        while time.time() - t0 < 300:
            if any(w == 0 for w, _ in list(gen.running.values())):
                ray.kill(victim)
                killed.set()
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_when_busy, daemon=True)
    killer.start()
    try:
        # every selected task twice: more units than workers, and duplicates must come back twice
        trees = gen.search(lay.warmup(), dict(env_kwargs(lay.train_tasks, cfg.data.tool_specs), seed=cfg.seed),
                           selected + selected, key_prefix="1")
    finally:
        killer.join(timeout=5)
        gen.close()
    assert killed.is_set() and gen.replaced >= 1
    assert len(trees) == 2 * len(selected)
    n = len(selected)
    assert [t["stats"]["task_id"] for t in trees[:n]] == [t["stats"]["task_id"] for t in trees[n:]]
    rows = [r for t in trees[:n] for r in t["rows"]]
    assert rows == [r for t in trees[n:] for r in t["rows"]]
    want = load_pairs(str(lay.pairs(1)))
    assert len(want) > 0
    save_pairs(rows, str(smoke_run.parent / "ray-fault-pairs"))
    assert load_pairs(str(smoke_run.parent / "ray-fault-pairs")) == want
