"""`toolenv serve` as a subprocess (the command line), and a smoke run of the load benchmark."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.service.conftest import KW

REPO = Path(__file__).resolve().parents[2]


def test_cli_serves_an_episode():
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from serve_bench import start_server
    finally:
        sys.path.pop(0)
    from toolenv.service.client import RemoteToolEnv

    proc, url = start_server(["--max-sessions", "2", "--env-kwargs", json.dumps(KW)])
    try:
        env = RemoteToolEnv(url)  # the server's default env_kwargs
        obs, info = env.reset(seed=0, options={"task_index": 0})
        assert json.loads(obs)["messages"] and info["step"] == 0
        done = False
        while not done:
            _, reward, t, tr, info = env.step(env.expert_action() or "Done.")
            done = t or tr
        assert info["success"] is True
        env.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.parametrize("args, words", [
    (["--env-kwargs", "[1]"], "must be a JSON object"),
    (["--env-kwargs", '{"nope": 1}'], "unexpected keyword"),
    (["--idle-timeout", "0"], "must be > 0"),
    (["--port", "70000"], "0..65535"),
])
def test_cli_usage_errors_are_one_line(args, words):
    r = subprocess.run([sys.executable, "-m", "toolenv.cli", "serve", "--port", "0", *args], cwd=REPO,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("toolenv serve: error:") and words in lines[0], r.stderr


def test_bench_smoke():
    r = subprocess.run([sys.executable, "benchmarks/serve_bench.py", "--clients", "1,2", "--max-steps", "30",
                        "--max-seconds", "20", "--json", "--env-kwargs", json.dumps(KW)],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert [row["clients"] for row in rows] == [1, 2]
    assert all(0 < row["steps"] <= 30 and row["steps_per_s"] > 0 and row["p99_ms"] > 0 for row in rows)
