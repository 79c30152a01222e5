"""Task files carry their tools: `toolenv synth` writes a header line recording where the tools came
from (paths, the bundled specs, or the documents themselves) and their fingerprint, so `toolenv
export`, `toolenv eval --tasks`, ``gym.make(tasks=...)`` and the trainer's envs need no repeated
``--tool-specs``; given ``--tool-specs`` that do not match is a one-line error naming both; files
without the header load as before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import gymnasium as gym
import pytest

import toolenv  # noqa: F401  (registers ToolUse-v0)
from toolenv.cli import main
from toolenv.tasks import HEADER_KEY, ToolSource, load_tasks, read_tool_source, save_tasks, task_registry

NOTES = {
    "name": "notes",
    "description": "A note-taking service.",
    "collections": {"notes": {"id_field": "note_id", "id_prefix": "NT", "initial": 5, "schema": {
        "type": "object", "required": ["note_id", "title", "body"], "properties": {
            # not in alphabetical order: the header must keep the order of properties
            "title": {"type": "string", "description": "title of the note"},
            "note_id": {"type": "string", "description": "note id"},
            "body": {"type": "string", "description": "text of the note"},
            "pinned": {"type": "boolean", "description": "whether the note is pinned"}}}}},
    "tools": [
        {"name": "create_note", "description": "Create a note.", "effect": {"collection": "notes", "action": "create"},
         "parameters": {"type": "object", "required": ["title", "body"], "properties": {
             "title": {"type": "string", "description": "title"}, "body": {"type": "string", "description": "text"},
             "pinned": {"type": "boolean", "description": "pin it"}}}},
        {"name": "get_note", "description": "Get a note by id.", "effect": {"collection": "notes", "action": "read"},
         "parameters": {"type": "object", "required": ["note_id"], "properties": {
             "note_id": {"type": "string", "description": "note id"}}}},
        {"name": "delete_note", "description": "Delete a note.", "effect": {"collection": "notes", "action": "delete"},
         "parameters": {"type": "object", "required": ["note_id"], "properties": {
             "note_id": {"type": "string", "description": "note id"}}}},
        {"name": "search_notes", "description": "Search notes by text.",
         "effect": {"collection": "notes", "action": "search"},
         "parameters": {"type": "object", "required": ["query"], "properties": {
             "query": {"type": "string", "description": "words to find"}}}},
    ],
}


def write_spec(path: Path, spec: dict = NOTES) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec))
    return path


def changed_spec(path: Path) -> Path:
    spec = json.loads(json.dumps(NOTES))
    spec["tools"][1]["description"] = "Fetch one note."
    return write_spec(path, spec)


def synth(tmp_path: Path, spec: Path, out: Path, *extra: str, capsys=None) -> None:
    assert main(["synth", "--tool-specs", str(spec), "--num", "10", "--seed", "3", "--out", str(out),
                 "--no-progress", *extra]) == 0
    if capsys is not None:
        capsys.readouterr()


def err_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err, err
    return err


@pytest.fixture
def made(tmp_path, capsys):
    spec = write_spec(tmp_path / "specs" / "notes.json")
    tasks = tmp_path / "data" / "tasks.jsonl"
    synth(tmp_path, spec, tasks, capsys=capsys)
    return spec, tasks


def test_synth_writes_the_header_and_the_tasks_still_load(made):
    spec, tasks = made
    first = json.loads(tasks.read_text().splitlines()[0])
    rec = first[HEADER_KEY]["tool_specs"]
    assert first[HEADER_KEY]["version"] == 1
    assert rec["paths"] == [str(spec.resolve())] and rec["relative"] == ["../specs/notes.json"]
    assert rec["fingerprint"] == task_registry(None, str(spec)).fingerprint()
    assert sorted(rec["tools"]) == ["create_note", "delete_note", "get_note", "search_notes"]
    loaded = load_tasks(tasks)
    assert len(loaded) == 10 and all(t.tools for t in loaded)  # the header is not a task
    assert loaded.tool_source.fingerprint == rec["fingerprint"]


def test_export_and_eval_need_no_tool_specs(made, tmp_path, capsys):
    _, tasks = made
    # the tools are not the bundled ones: before the header, both needed --tool-specs
    assert main(["export", "--tasks", str(tasks), "--out", str(tmp_path / "ds"), "--no-progress",
                 "--jsonl", str(tmp_path / "rows.jsonl")]) == 0
    rows = [json.loads(x) for x in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert len(rows) == 10 and {t["function"]["name"] for r in rows for t in json.loads(r["tools"])} <= {
        "create_note", "get_note", "delete_note", "search_notes"}
    report = tmp_path / "report.json"
    assert main(["eval", "--tasks", str(tasks), "--no-progress", "--out", str(report)]) == 0
    assert json.loads(report.read_text())["success_rate"] == 1.0
    # the same specs given explicitly (same content, another path) are accepted
    copy = write_spec(tmp_path / "elsewhere" / "notes.json")
    assert main(["eval", "--tasks", str(tasks), "--tool-specs", str(copy), "--episodes", "2", "--no-progress"]) == 0
    capsys.readouterr()


def test_mismatching_tool_specs_are_one_line_naming_both(made, tmp_path, capsys):
    spec, tasks = made
    other = changed_spec(tmp_path / "other" / "notes.json")
    for argv in (["eval", "--tasks", str(tasks), "--tool-specs", str(other), "--no-progress"],
                 ["export", "--tasks", str(tasks), "--tool-specs", str(other), "--out", str(tmp_path / "ds")]):
        assert main(argv) == 2
        err = err_line(capsys)
        assert err.startswith(f"toolenv {argv[0]}: error: --tool-specs {other}"), err
        assert str(spec.resolve()) in err and "changed: get_note" in err
    bundled = str(Path(toolenv.__file__).parent / "tool_specs")
    assert main(["eval", "--tasks", str(tasks), "--tool-specs", bundled]) == 2
    assert "not recorded" in err_line(capsys)  # the bundled tools are other tools
    with pytest.raises(ValueError, match="do not match the tools"):
        gym.make("ToolUse-v0", tasks=str(tasks), tool_specs=str(other))


def test_the_env_and_the_trainer_find_the_tools(made, tmp_path):
    _, tasks = made
    env = gym.make("ToolUse-v0", tasks=str(tasks))
    obs, _ = env.reset(seed=0, options={"task_index": 0})
    assert {t["function"]["name"] for t in json.loads(obs)["tools"]} <= {"create_note", "get_note", "delete_note",
                                                                          "search_notes"}
    from training.data import env_kwargs, make_env

    assert make_env(tasks).unwrapped.suite.registry.fingerprint() == env.unwrapped.suite.registry.fingerprint()
    assert "tool_specs" not in env_kwargs(tasks)
    # a trainer that loads the user's file and saves it into its run folder keeps the header
    copy = tmp_path / "run" / "data" / "train.jsonl"
    save_tasks(load_tasks(tasks), copy)
    assert read_tool_source(copy).fingerprint == read_tool_source(tasks).fingerprint
    gym.make("ToolUse-v0", tasks=str(copy)).reset(seed=0)


def test_changed_moved_and_missing_specs(made, tmp_path, capsys):
    spec, tasks = made
    # the project folder moved: the recorded absolute path is gone, the relative one is found
    moved = tmp_path / "moved"
    shutil.copytree(tmp_path / "specs", moved / "specs")
    shutil.copytree(tmp_path / "data", moved / "data")
    shutil.rmtree(tmp_path / "specs")
    assert main(["eval", "--tasks", str(moved / "data" / "tasks.jsonl"), "--episodes", "1", "--no-progress"]) == 0
    capsys.readouterr()
    # nowhere: one line saying where it looked and what to pass
    assert main(["eval", "--tasks", str(tasks)]) == 2
    err = err_line(capsys)
    assert f"the tool specs at {spec.resolve()}, which is not there" in err and "--tool-specs" in err
    # edited since: the fingerprint catches it and names the tool
    changed_spec(moved / "specs" / "notes.json")
    assert main(["export", "--tasks", str(moved / "data" / "tasks.jsonl"), "--out", str(tmp_path / "ds")]) == 2
    err = err_line(capsys)
    assert "do not match the recorded fingerprint" in err and "changed: get_note" in err


def test_embedded_specs_travel_with_the_file(tmp_path, capsys):
    spec = write_spec(tmp_path / "specs" / "notes.json")
    tasks = tmp_path / "tasks.jsonl"
    synth(tmp_path, spec, tasks, "--embed-specs", capsys=capsys)
    rec = read_tool_source(tasks)
    assert rec.documents and rec.documents[0]["label"] == "notes.json" and not rec.paths
    # key order survives the file: the fingerprint (which sees the order of properties) matches
    assert list(rec.documents[0]["doc"]["collections"]["notes"]["schema"]["properties"]) == [
        "title", "note_id", "body", "pinned"]
    shutil.rmtree(tmp_path / "specs")
    assert main(["eval", "--tasks", str(tasks), "--episodes", "3", "--no-progress"]) == 0
    capsys.readouterr()
    # a hand-edited document no longer matches its fingerprint
    lines = tasks.read_text().splitlines()
    head = json.loads(lines[0])
    head[HEADER_KEY]["tool_specs"]["documents"][0]["doc"]["tools"][0]["description"] = "Make a note."
    tasks.write_text("\n".join([json.dumps(head), *lines[1:]]) + "\n")
    with pytest.raises(ValueError, match="embedded in the file do not match the recorded fingerprint.*create_note"):
        gym.make("ToolUse-v0", tasks=str(tasks))


def test_bundled_specs_are_recorded_as_bundled(tmp_path, capsys):
    out = tmp_path / "t.jsonl"
    assert main(["synth", "--num", "4", "--seed", "1", "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    rec = read_tool_source(out)
    assert rec.bundled and not rec.paths and rec.describe() == "the bundled specs"
    gym.make("ToolUse-v0", tasks=str(out)).reset(seed=0)


def test_old_task_files_load_as_before(made, tmp_path, capsys):
    spec, tasks = made
    old = tmp_path / "old.jsonl"
    old.write_text("".join(line + "\n" for line in tasks.read_text().splitlines()[1:]))  # no header
    loaded = load_tasks(old)
    assert len(loaded) == 10 and loaded.tool_source is None and read_tool_source(old) is None
    # the caller's specs, as before (and no fingerprint to check them against)
    env = gym.make("ToolUse-v0", tasks=str(old), tool_specs=str(spec))
    env.reset(seed=0)
    assert main(["eval", "--tasks", str(old), "--tool-specs", str(spec), "--episodes", "2", "--no-progress"]) == 0
    capsys.readouterr()
    # without specs: the bundled ones, as before, which lack these tools
    with pytest.raises(ValueError, match="not in the loaded specs"):
        gym.make("ToolUse-v0", tasks=str(old))
    save_tasks(loaded, tmp_path / "again.jsonl")  # no source: still no header
    assert (tmp_path / "again.jsonl").read_text().splitlines()[0].startswith('{"category"')


def test_bad_headers_are_clear(made, tmp_path):
    _, tasks = made
    lines = tasks.read_text().splitlines()
    misplaced = tmp_path / "misplaced.jsonl"
    misplaced.write_text("\n".join([lines[1], lines[0], *lines[2:]]) + "\n")
    with pytest.raises(ValueError, match=r"misplaced.jsonl:2: .*only allowed on the first line"):
        load_tasks(misplaced)
    newer = tmp_path / "newer.jsonl"
    newer.write_text(json.dumps({HEADER_KEY: {"version": 99, "tool_specs": {}}}) + "\n" + lines[1] + "\n")
    with pytest.raises(ValueError, match="newer.jsonl:1: task file header version 99 is newer"):
        load_tasks(newer)
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({HEADER_KEY: {"version": 1, "tool_specs": {"fingerprint": "x"}}}) + "\n")
    with pytest.raises(ValueError, match="names no paths, documents nor the bundled specs"):
        load_tasks(empty)


def test_tool_source_round_trip(tmp_path):
    spec = write_spec(tmp_path / "notes.json")
    reg = task_registry(None, str(spec))
    src = ToolSource.from_registry(reg, str(spec))
    back = ToolSource.from_dict(json.loads(json.dumps(src.to_dict(tmp_path / "t.jsonl"))), "x")
    assert back.paths == [str(spec.resolve())] and back.relative == ["notes.json"] and back.fingerprint == reg.fingerprint()
    assert task_registry(back, None, task_file=tmp_path / "t.jsonl") is reg  # the cached registry
