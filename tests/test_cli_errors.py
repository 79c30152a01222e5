"""Bad `toolenv` invocations: exit code 2, one line on stderr naming the problem, no traceback
(``--debug`` shows it). In-process through `toolenv.cli.main`, plus a few real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from toolenv.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "empty.yaml").write_text("")
    (tmp_path / "comments.yaml").write_text("# nothing here\n")
    (tmp_path / "unknown.yaml").write_text(f"output_dir: {tmp_path / 'run'}\nroundz: 2\n")
    (tmp_path / "unknown_section_key.yaml").write_text(f"output_dir: {tmp_path / 'run'}\nsft:\n  learning_rat: 0.1\n")
    (tmp_path / "bad.yaml").write_text("output_dir: [x,\n")
    (tmp_path / "bad.jsonl").write_text('{"id": "x"\n')
    (tmp_path / "result.jsonl").write_text("not json\n")
    (tmp_path / "notspec.json").write_text("{}")
    (tmp_path / "afile").write_text("x")
    (tmp_path / "dir").mkdir()
    return {k: str(tmp_path / v) for k, v in {
        "tmp": "", "empty": "empty.yaml", "comments": "comments.yaml", "unknown": "unknown.yaml",
        "unknown_section_key": "unknown_section_key.yaml", "badyaml": "bad.yaml", "badjsonl": "bad.jsonl",
        "result": "result.jsonl", "notspec": "notspec.json", "afile": "afile", "dir": "dir", "run": "run",
    }.items()} | {"data": str(REPO.parent / "shared" / "bfcl")}


# (argv with {placeholders} from `files`, a fragment the error line must contain)
BAD = [
    # eval: counts, files, agents, suites, categories, combinations
    ("eval --episodes 0", "--episodes: must be >= 1"),
    ("eval --episodes -5", "--episodes: must be >= 1"),
    ("eval --batch-size 0", "--batch-size: must be >= 1"),
    ("eval --trials 0", "--trials: must be >= 1"),
    ("eval --num-tasks 0", "--num-tasks: must be >= 1"),
    ("eval --max-steps 0", "--max-steps: must be >= 1"),
    ("eval --episodes abc", "expected an integer"),
    ("eval --seed -1", "--seed: must be >= 0"),
    ("eval --agent nosuch", "unknown agent 'nosuch'"),
    ("eval --agent hf:/nonexistent/model", "no model folder /nonexistent/model"),
    ("eval --agent openai:gpt", "openai:MODEL@BASE_URL"),
    ("eval --agent-option novalue", "expected KEY=VALUE"),
    ("eval --tasks {tmp}/missing.jsonl", "no such file"),
    ("eval --tasks {dir}", "not a file"),
    ("eval --tasks {badjsonl}", "bad.jsonl:1"),
    ("eval --tool-specs {tmp}/nospecs", "no such file or folder"),
    ("eval --tool-specs {notspec}", "notspec.json"),
    ("eval --suite nosuch", "unknown suite 'nosuch'"),
    ("eval --suite bfcl:nosuch", "unknown suite 'bfcl:nosuch'"),
    ("eval --suite bfcl:simple_python --tasks {badjsonl}", "drop --tasks"),
    ("eval --data-dir {dir}", "no --suite given"),
    ("eval --suite bfcl:simple_python --data-dir {tmp}/nodata", "no such folder"),
    ("eval --categories nosuch", "unknown category nosuch"),
    ("eval --out {afile}/report.json", "afile is not a folder"),
    ("eval --bogus-flag", "unrecognized arguments: --bogus-flag"),
    # synth
    ("synth --num 0 --out {tmp}/t.jsonl", "--num: must be >= 1"),
    ("synth --num -3 --out {tmp}/t.jsonl", "--num: must be >= 1"),
    ("synth --num 4 --test-num -1 --out {tmp}/t.jsonl", "--test-num: must be >= 0"),
    ("synth --num 4 --test-num 2 --test-fraction 1.5 --out {tmp}/t.jsonl", "between 0 and 1"),
    ("synth --num 4 --categories bogus --out {tmp}/t.jsonl", "unknown category bogus"),
    ("synth --num 4 --tool-specs {tmp}/nospecs --out {tmp}/t.jsonl", "no such file or folder"),
    ("synth --num 4 --out {dir}", "is a folder"),
    ("synth --num 4 --test-out {tmp}/x.jsonl --out {tmp}/t.jsonl", "--test-out needs --test-num"),
    ("synth --out {tmp}/t.jsonl", "required: --num"),
    # export
    ("export --tasks {tmp}/missing.jsonl --out {tmp}/ds", "no such file"),
    ("export --tasks {badjsonl} --out {tmp}/ds", "bad.jsonl:1"),
    ("export --tasks {badjsonl} --out {afile}", "afile is a file"),
    ("export --tasks {badjsonl} --format bogus --out {tmp}/ds", "invalid choice: 'bogus'"),
    # bfcl-score
    ("bfcl-score --category simple_python --result {tmp}/missing.jsonl --out {tmp}/s.json", "no such file"),
    ("bfcl-score --category nosuch --result {result} --out {tmp}/s.json", "unknown BFCL category 'nosuch'"),
    ("bfcl-score --category simple_python --data-dir {data} --result {result} --out {tmp}/s.json", "result.jsonl"),
    ("bfcl-score --category simple_python --data-dir {tmp}/nodata --result {result} --out {tmp}/s.json", "no such folder"),
    ("bfcl-score --category simple_python", "required: --result, --out"),
    # tiny-model
    ("tiny-model --out {tmp}/m --corpus-tasks 0", "--corpus-tasks: must be >= 1"),
    ("tiny-model --out {tmp}/m --vocab-size 0", "--vocab-size: must be >= 1"),
    ("tiny-model --out {tmp}/m --tool-specs {tmp}/nospecs", "no such file or folder"),
    ("tiny-model --out {afile}", "afile is a file"),
    ("tiny-model --out {tmp}/m --size huge", "invalid choice: 'huge'"),
    # train (always with --output-dir: a config that got through would otherwise run in runs/demo)
    ("train --config {tmp}/missing.yaml --output-dir {run}", "no such file"),
    ("train --config {dir} --output-dir {run}", "not a file"),
    ("train --config {empty} --output-dir {run}", "empty.yaml: empty config file"),
    ("train --config {comments} --output-dir {run}", "comments.yaml: empty config file"),
    ("train --config {unknown} --output-dir {run}", "unknown.yaml: unknown config key(s): ['roundz']"),
    ("train --config {unknown_section_key} --output-dir {run}", "'learning_rat'"),
    ("train --config {badyaml} --output-dir {run}", "bad.yaml: invalid YAML"),
    ("train --config configs/tiny.yaml --rounds -1 --output-dir {run}", "--rounds: must be >= 0"),
    ("train --config configs/tiny.yaml --output-dir {afile}", "afile is a file"),
    # validate (its own module reports spec problems; a missing path is checked centrally)
    ("validate {tmp}/nospecs", "no such file or folder"),
    # the command itself
    ("nosuchcommand", "invalid choice: 'nosuchcommand'"),
    ("", "no command given"),
]


@pytest.mark.parametrize("line, fragment", BAD, ids=[b[0].split(" {")[0][:60] or "(none)" for b in BAD])
def test_bad_invocation_is_one_line_and_exit_2(line, fragment, files, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    if "{data}" in line and not Path(files["data"]).is_dir():
        pytest.skip("the BFCL data (../shared/bfcl) is not beside this checkout")
    argv = [w.format(**files) for w in line.split()]
    rc = main(argv)
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert rc == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("toolenv") and ": error: " in lines[0], lines[0]
    assert fragment in lines[0], lines[0]
    assert not Path(files["run"]).exists()  # nothing started


def test_enough_bad_invocations_across_commands():
    commands = {b[0].split()[0] for b in BAD if b[0]}
    assert len(BAD) >= 30
    assert {"eval", "synth", "export", "bfcl-score", "tiny-model", "train", "validate"} <= commands


def test_debug_shows_the_traceback(files, monkeypatch):
    monkeypatch.chdir(REPO)
    with pytest.raises(ValueError, match="empty config file"):
        main(["--debug", "train", "--config", files["empty"], "--output-dir", files["run"]])
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        main(["eval", "--tasks", files["badjsonl"], "--debug"])


def test_a_real_bug_keeps_its_traceback(monkeypatch):
    import toolenv.commands.synth as synth

    def broken(args):
        raise TypeError("a bug")

    monkeypatch.setattr(synth, "run", broken)
    with pytest.raises(TypeError, match="a bug"):
        main(["synth", "--num", "1", "--out", os.devnull + ".jsonl"])


def test_good_invocations_still_work(tmp_path, capsys):
    assert main(["--help"]) == 0 and main(["eval", "--help"]) == 0
    out = tmp_path / "r" / "report.json"
    assert main(["eval", "--num-tasks", "4", "--episodes", "2", "--no-progress", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["episodes"] == 2
    assert main(["synth", "--num", "3", "--out", str(tmp_path / "t.jsonl"), "--no-progress"]) == 0
    assert main(["validate", str(REPO / "toolenv" / "tool_specs")]) == 0
    capsys.readouterr()


def _cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("TOOLENV_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "toolenv.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120)


@pytest.mark.parametrize("args, fragment", [
    (["eval", "--episodes", "0"], "--episodes: must be >= 1"),
    (["validate", "/nonexistent/specs"], "no such file or folder: /nonexistent/specs"),
    (["train", "--config", "{empty}", "--output-dir", "{run}"], "empty config file"),
])
def test_subprocess_exit_code_and_one_line(args, fragment, files):
    proc = _cli(*[a.format(**files) for a in args])
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and fragment in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_subprocess_debug_prints_the_traceback(files):
    proc = _cli("--debug", "train", "--config", files["empty"], "--output-dir", files["run"])
    assert proc.returncode == 1 and "Traceback" in proc.stderr and "empty config file" in proc.stderr


# ---- command registry, missing optional dependencies, BFCL data folder ---------------------------
def test_registered_commands_are_the_checkout_table():
    import tomllib

    from toolenv import cli

    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert meta["entry-points"][cli.ENTRY_POINT_GROUP] == cli.CHECKOUT_COMMANDS
    assert set(cli.COMMANDS) | set(cli.CHECKOUT_COMMANDS) <= set(cli.commands())
    for target in cli.commands().values():  # each loads (module level: no heavy import) and has the protocol
        cmd = cli.load_command(target)
        assert cmd.HELP and callable(cmd.add_arguments) and callable(cmd.run), target
    extras = meta["optional-dependencies"]
    for module, extra in cli.EXTRA_OF_MODULE.items():
        assert any(req.split("=")[0].split(">")[0].strip() == module for req in extras[extra]), (module, extra)


def test_a_missing_optional_dependency_is_one_line(monkeypatch, capsys, tmp_path):
    import toolenv.commands.synth as synth

    def needs_torch(args):
        raise ModuleNotFoundError("No module named 'torch'", name="torch")

    monkeypatch.setattr(synth, "run", needs_torch)
    argv = ["synth", "--num", "1", "--out", str(tmp_path / "t.jsonl")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err == "toolenv synth: error: needs the train extra: pip install 'toolenv[train]' (no module named 'torch')"
    with pytest.raises(ModuleNotFoundError):
        main(["--debug", *argv])

    def a_bug(args):
        raise ModuleNotFoundError("No module named 'toolenv.nosuch'", name="toolenv.nosuch")

    monkeypatch.setattr(synth, "run", a_bug)
    with pytest.raises(ModuleNotFoundError):
        main(argv)


def test_bfcl_data_folder_from_the_variable(monkeypatch, capsys, tmp_path, files):
    from toolenv.suites import BFCL_DATA_ENV, load_suite, resolve_data_dir

    monkeypatch.setenv(BFCL_DATA_ENV, str(tmp_path / "nodata"))
    argv = ["bfcl-score", "--category", "simple_python", "--result", files["result"], "--out", str(tmp_path / "s")]
    for line in (argv, ["eval", "--suite", "bfcl:simple_python"]):
        assert main(line) == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and f"set {BFCL_DATA_ENV}=FOLDER ({BFCL_DATA_ENV}=" in err, err
    with pytest.raises(FileNotFoundError, match=BFCL_DATA_ENV):
        load_suite("bfcl:simple_python")
    assert resolve_data_dir() is None and resolve_data_dir("given") == "given"
    monkeypatch.setenv(BFCL_DATA_ENV, str(tmp_path))
    assert resolve_data_dir() == str(tmp_path) and resolve_data_dir(required=True) == str(tmp_path)
    monkeypatch.delenv(BFCL_DATA_ENV)
    checkout = REPO.parent / "shared" / "bfcl"
    assert resolve_data_dir() == (str(checkout.resolve()) if checkout.is_dir() else None)


def test_validate_without_paths_checks_the_bundled_specs(capsys):
    assert main(["validate"]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
