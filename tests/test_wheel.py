"""The built wheel works on its own: built offline from a copy of the sources, installed (``--no-deps``)
into a fresh venv that sees the project venv's packages for the dependencies but not the checkout, its
``toolenv`` script validates the bundled specs (package data) and runs ``eval --agent oracle``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = ["pyproject.toml", "README.md", "toolenv", "agents", "training"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "TOOLENV_", "VIRTUAL_ENV"))}
    return env | {"HF_HUB_OFFLINE": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{cmd}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_wheel_installs_and_runs_without_the_checkout(tmp_path):
    # build from a copy: the checkout's build/ and *.egg-info stay untouched (and stale files stay out)
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(REPO / name, src / name)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
          "-w", dist, src], cwd=tmp_path)
    (wheel,) = dist.glob("toolenv-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    specs = sorted(n for n in names if n.startswith("toolenv/tool_specs/") and n.endswith(".json"))
    assert len(specs) == len(list((REPO / "toolenv" / "tool_specs").glob("*.json"))) >= 10, specs
    assert "toolenv/cli.py" in names and "agents/commands.py" in names and "training/cli.py" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "[toolenv.commands]" in zipfile.ZipFile(wheel).read(entry_points).decode()

    # a fresh venv: the wheel installed, the dependencies visible through a .pth line naming the project
    # venv's site-packages (a .pth line does not run the .pth files there, so not its editable finder)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", py, "install", "--no-deps", "--no-index", "-q", wheel], cwd=tmp_path)
    site = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp_path).stdout.strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zz_project_deps.pth").write_text("".join(f"{d}\n" for d in sorted(deps)))

    work = tmp_path / "work"  # cwd: neither the checkout nor the build copy
    work.mkdir()
    where = json.loads(_run([py, "-c", "import json, toolenv, agents, training, toolenv.cli as c; "
                                       "print(json.dumps([toolenv.__file__, agents.__file__, training.__file__, "
                                       "sorted(c.commands())]))"], cwd=work).stdout)
    for f in where[:3]:
        assert Path(f).resolve().is_relative_to(site.resolve()), where
    assert {"validate", "eval", "train", "tiny-model", "pretrained-model"} <= set(where[3])  # entry points

    toolenv = env_dir / "bin" / "toolenv"
    out = _run([toolenv, "validate"], cwd=work).stdout
    assert out.startswith(f"ok: {len(specs)} toolkit(s)"), out
    _run([toolenv, "eval", "--agent", "oracle", "--num-tasks", "20", "--episodes", "20", "--seed", "0",
          "--no-progress", "--out", "report.json"], cwd=work)
    report = json.loads((work / "report.json").read_text())
    assert report["episodes"] == 20 and report["success_rate"] == 1.0, report
    assert "tiny-model" in _run([toolenv, "--help"], cwd=work).stdout
