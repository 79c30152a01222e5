"""The run layout and the one stage ceremony (`training.layout`, `training.run`)."""

from __future__ import annotations

import json

import pytest

from training.config import ITOOLConfig
from training.io import StageDir, is_done, read_done
from training.layout import RunLayout
from training.run import Run


def _finished(path, name="x.json", text="{}"):
    with StageDir(path) as tmp:
        (tmp / name).write_text(text)


def test_layout_nests_a_round_in_one_folder(tmp_path):
    lay = RunLayout(tmp_path)
    assert lay.deficiency(2).parent == lay.pairs(2).parent == lay.round_policy(2).parent == tmp_path / "round-2"
    assert lay.tasks("test_seen") == tmp_path / "data" / "test_seen.jsonl"
    with pytest.raises(ValueError, match="unknown task split 'dev'"):
        lay.tasks("dev")
    for k in (1, 2):
        lay.round(k).mkdir(parents=True)
    lay.round(4).mkdir()  # a gap ends the list
    assert lay.rounds() == [1, 2]


def test_migrate_moves_finished_pairs_of_the_old_layout(tmp_path):
    lay = RunLayout(tmp_path)
    _finished(tmp_path / "pairs" / "round-1", "mcts_stats.json", '{"tasks": 3}')
    (tmp_path / "pairs" / "round-2").mkdir(parents=True)  # unfinished: left for the stage to redo
    moves = lay.migrate()
    assert moves == [(tmp_path / "pairs" / "round-1", lay.pairs(1))]
    assert is_done(lay.pairs(1)) and json.loads((lay.pairs(1) / "mcts_stats.json").read_text()) == {"tasks": 3}
    assert not lay.pairs(2).exists() and (tmp_path / "pairs" / "round-2").exists()
    assert lay.migrate() == []  # idempotent
    (tmp_path / "pairs" / "round-2").rmdir()
    lay.migrate()
    assert not (tmp_path / "pairs").exists()  # the emptied old folder goes too


def test_produce_writes_once_and_records_the_returned_info(tmp_path):
    run = Run(ITOOLConfig(output_dir=str(tmp_path / "run")))
    calls = []

    def write(tmp):
        calls.append(tmp)
        (tmp / "out.txt").write_text("hello")
        return {"rows": 7}

    path = run.layout.root / "extra"
    assert run.produce(path, write) is True
    assert run.produce(path, write) is False  # finished: skipped
    assert len(calls) == 1 and (path / "out.txt").read_text() == "hello"
    assert read_done(path)["rows"] == 7


def test_produce_on_another_process_waits_or_skips(tmp_path, monkeypatch):
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    run = Run(ITOOLConfig(output_dir=str(tmp_path / "run")))
    assert not run.main
    path = run.layout.root / "evalish"
    never = lambda tmp: pytest.fail("only the main process writes a stage")  # noqa: E731
    assert run.produce(path, never, others="skip") is False  # returns at once, nothing written
    assert not path.exists()
    waited = []
    monkeypatch.setattr("training.run.wait_for_stage", lambda p: waited.append(p))
    assert run.produce(path, never) is False
    assert waited == [path]


def test_a_new_stage_needs_only_its_module(tmp_path):
    """The worked example of docs/architecture.md: a stage with its own folder name, written once."""
    run = Run(ITOOLConfig(output_dir=str(tmp_path / "run")))
    path = run.layout.stage("row-stats")
    assert path == tmp_path / "run" / "row-stats"
    for bad in ("", "/etc", "../outside"):
        with pytest.raises(ValueError, match="relative path inside the run"):
            run.layout.stage(bad)
    assert run.produce(path, lambda tmp: (tmp / "stats.json").write_text('{"rows": 0}') and None)
    assert is_done(path) and not run.produce(path, lambda tmp: pytest.fail("redone"))
