"""The env side works without its consumers: in a subprocess whose imports of `training` and `agents`
(or of the ``train`` extra: torch, transformers, datasets, ...) fail as if they were not installed,
``gym.make`` / reset / step and the env's commands run through `toolenv.cli.main`; the commands that
need what is missing are still listed and fail in one line naming what to install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# A `sys.meta_path` finder placed first: importing a blocked top-level package raises ModuleNotFoundError
# (name = the package), as when it is not installed. Then SCRIPT runs; it prints one JSON line of results.
PRELUDE = """
import sys

class _Blocked:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in BLOCKED:
            raise ModuleNotFoundError(f"No module named {top!r} (blocked by the test)", name=top)
        return None

sys.meta_path.insert(0, _Blocked())
"""


def _run(blocked: list[str], script: str, tmp_path: Path) -> dict:
    code = f"BLOCKED = {blocked!r}\nREPO = {str(REPO)!r}\n" + PRELUDE + textwrap.dedent(script) + textwrap.dedent("""
        out["loaded_blocked"] = sorted({m.partition(".")[0] for m in sys.modules} & set(BLOCKED))
        print("RESULT " + json.dumps(out))
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    for var in ("TOOLENV_DEBUG", "TOOLENV_BFCL_DATA"):
        env.pop(var, None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def test_env_and_env_commands_without_training_and_agents(tmp_path):
    out = _run(["training", "agents"], """
        import contextlib, io, json, os
        import gymnasium as gym
        import toolenv
        from toolenv.cli import main

        out = {}
        env = gym.make("ToolUse-v0", num_tasks=4, synth_seed=0)
        obs, info = env.reset(seed=0)
        done, steps = False, 0
        while not done:
            obs, r, term, trunc, info = env.step(env.unwrapped.expert_action())
            done, steps = term or trunc, steps + 1
        out["success"], out["steps"] = bool(info["success"]), steps

        def cli(*argv):
            o, e = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
                rc = main(list(argv))
            return rc, o.getvalue(), e.getvalue()

        out["validate"] = cli("validate")[:2]
        out["synth"] = cli("synth", "--num", "6", "--seed", "0", "--out", "t.jsonl", "--no-progress")[0]
        out["export"] = cli("export", "--tasks", "t.jsonl", "--out", "ds", "--no-progress")[0]
        out["export_files"] = os.path.isdir("ds")
        out["bfcl_help"] = cli("bfcl-score", "--help")[:2]
        out["help"] = cli("--help")[:2]
        out["train"] = cli("train", "--config", "x.yaml")
        out["tiny"] = cli("tiny-model", "--out", "m")
        out["eval"] = cli("eval", "--episodes", "1", "--num-tasks", "1")
    """, tmp_path)
    assert out["loaded_blocked"] == []
    assert out["success"] and out["steps"] >= 1
    assert out["validate"][0] == 0 and out["validate"][1].startswith("ok: 13 toolkit(s)")
    assert out["synth"] == 0 and out["export"] == 0 and out["export_files"]
    assert out["bfcl_help"][0] == 0 and "--category" in out["bfcl_help"][1]
    rc, text = out["help"]
    assert rc == 0
    for name in ("validate", "eval", "synth", "export", "bfcl-score", "tiny-model", "pretrained-model", "train"):
        assert f"    {name}" in text, (name, text)
    assert "train (unavailable: needs the 'training' package, which is not installed)" in " ".join(text.split())
    for key, package in (("train", "training"), ("tiny", "agents"), ("eval", "agents")):
        rc, stdout, stderr = out[key]
        lines = [x for x in stderr.splitlines() if x.strip()]
        assert rc == 2 and len(lines) == 1, (key, stderr)
        assert lines[0].startswith("toolenv ") and f"error: needs the {package!r} package" in lines[0], lines[0]


def test_oracle_and_random_eval_without_the_train_extra(tmp_path):
    heavy = ["torch", "transformers", "tokenizers", "trl", "accelerate", "datasets", "peft", "matplotlib", "gguf",
             "tensorboard"]
    (tmp_path / "model").mkdir()
    out = _run(heavy, """
        import contextlib, io, json
        from toolenv.cli import main

        out = {}

        def cli(*argv):
            o, e = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
                rc = main(list(argv))
            return rc, o.getvalue(), e.getvalue()

        common = ("--num-tasks", "8", "--seed", "0", "--no-progress")
        out["oracle"] = cli("eval", "--agent", "oracle", *common, "--out", "oracle.json")[0]
        out["oracle_success"] = json.load(open("oracle.json"))["success_rate"]
        out["random"] = cli("eval", "--agent", "random", *common)[0]
        out["help"] = cli("--help")[:2]
        out["hf"] = cli("eval", "--agent", "hf:./model", *common)
        out["train"] = cli("train", "--config", REPO + "/configs/tiny.yaml", "--output-dir", "run")
        cli("synth", "--num", "2", "--out", "t.jsonl", "--no-progress")
        out["export"] = cli("export", "--tasks", "t.jsonl", "--out", "ds", "--no-progress")
    """, tmp_path)
    assert out["loaded_blocked"] == []
    assert out["oracle"] == 0 and out["oracle_success"] == 1.0
    assert out["random"] == 0
    assert out["help"][0] == 0 and "    train" in out["help"][1] and "unavailable" not in out["help"][1]
    for key in ("hf", "train", "export"):
        rc, stdout, stderr = out[key]
        lines = [x for x in stderr.splitlines() if x.strip()]
        assert rc == 2 and len(lines) == 1, (key, stderr)
        assert "error: needs the train extra: pip install 'toolenv[train]'" in lines[0], lines[0]
