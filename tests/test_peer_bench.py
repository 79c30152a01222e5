"""Smoke runs of the speed benchmarks of issue 18 through a subprocess (tiny sizes; no figure is checked:
speed lives in benchmarks/ only): `benchmarks/peer_bench.py` with and without the peers (BFCL installed or
not; τ-bench is never fetched here: only its absence is exercised),
`benchmarks/env_bench.py` (live envs, the async vector env) and `benchmarks/synth_bench.py`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _py(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TOOLENV_TAU_BENCH"}  # no τ-bench checkout in tests
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)

NO_BFCL = "import runpy, sys; sys.modules['bfcl_eval'] = None; sys.argv = ['peer_bench.py', {}]; " \
          "runpy.run_path('benchmarks/peer_bench.py', run_name='__main__')"
TAU_HOW = "git clone https://github.com/sierra-research/tau-bench DIR"


def test_peer_bench_without_the_peer_says_what_to_install_and_exits_0():
    code = ("import runpy, sys; sys.modules['bfcl_eval'] = None; sys.argv = ['peer_bench.py']; "
            "runpy.run_path('benchmarks/peer_bench.py', run_name='__main__')")
    proc = _py("-c", code)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "not available" in proc.stdout and "pip install --no-deps 'bfcl-eval==2026.3.23'" in proc.stdout


def test_peer_bench_without_tau_bench_says_how_to_get_it_and_exits_0(tmp_path):
    # no --tau-bench, no TOOLENV_TAU_BENCH: one line on how to get the checkout, that peer skipped, exit 0
    proc = _py("-c", NO_BFCL.format(""))
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = [x for x in proc.stdout.splitlines() if "tau-bench" in x]
    assert len(line) == 1 and "skipping the tau-bench retail peer (no checkout given)" in line[0], proc.stdout
    assert TAU_HOW in line[0] and "--tau-bench DIR" in line[0] and "TOOLENV_TAU_BENCH" in line[0]
    assert "tau_bench" not in proc.stderr
    # a folder that is not a checkout: said so, skipped, exit 0 (nothing fetched)
    proc = _py("-c", NO_BFCL.format(repr("--tau-bench") + ", " + repr(str(tmp_path))))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"{tmp_path} is not a tau-bench checkout" in proc.stdout and TAU_HOW in proc.stdout


def test_peer_bench_times_both_sides(tmp_path):
    pytest.importorskip("bfcl_eval")
    out = tmp_path / "peer.json"
    proc = _py("benchmarks/peer_bench.py", "--entries", "6", "--repeat", "1", "--json", str(out))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    if "not available" in proc.stdout:
        pytest.skip(proc.stdout.strip())
    fig = json.loads(out.read_text())
    assert fig["calls"] > 0
    for k in ("executor", "direct", "sim_steps", "sim_calls", "bfcl_env_calls"):
        assert fig[k] > 0, k
    assert "vs executor" in proc.stdout and "load average" in proc.stdout
    assert "skipping the tau-bench retail peer" in proc.stdout and TAU_HOW in proc.stdout


def test_env_bench_runs_every_part():
    proc = _py("benchmarks/env_bench.py", "--episodes", "300", "--envs", "40", "--vector-workers", "2",
               "--vector-seconds", "0.5")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    for what in ("steps/s (unwrapped", "cold steps/s", "snapshot+restore", "vector env, 2 async workers",
                 "40 live envs", "load average"):
        assert what in proc.stdout, what


def test_synth_bench_runs(tmp_path):
    out = tmp_path / "synth.json"
    proc = _py("benchmarks/synth_bench.py", "--num", "40", "--categories", "simple,multi_step", "--json", str(out))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    speed = json.loads(out.read_text())["speed"]
    assert set(speed) == {"simple", "multi_step"} and all(v["warm_tasks_per_s"] > 0 for v in speed.values())
