"""Run integrity: DONE markers list size and hash of what each stage wrote; a changed, truncated,
missing or unreadable file is named and its stage redone; corrupt JSON and non-finite checkpoints
are errors naming the file; empty configs and unknown keys are refused."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from training import io as run_io
from training.config import config_from_dict, load_config
from training.io import CorruptFileError, StageDir, clean_partial, is_done, read_done, read_json

ROOT = Path(__file__).resolve().parents[2]


def stage(d: Path, tag: str = "v1") -> str:
    """A stage as `training.itool` writes one: skipped when done, else written whole."""
    if is_done(d):
        return "skipped"
    with StageDir(d) as tmp:
        (tmp / "report.json").write_text(json.dumps({"success_rate": 0.5, "tag": tag}))
        (tmp / "weights").mkdir()
        (tmp / "weights" / "model.bin").write_bytes(bytes(range(256)) * 64)
    return "ran"


@pytest.fixture(autouse=True)
def fresh_process_state():
    """Each test starts like a new process (no file verified yet, nothing reported)."""
    run_io._VERIFIED.clear()
    run_io._WARNED.clear()
    yield
    run_io._VERIFIED.clear()
    run_io._WARNED.clear()


def test_done_marker_records_size_and_blake2b(tmp_path):
    d = tmp_path / "run" / "eval" / "sft"
    assert stage(d) == "ran" and stage(d) == "skipped"
    files = read_done(d)["files"]
    assert set(files) == {"report.json", "weights/model.bin"}
    for rel, meta in files.items():
        data = (d / rel).read_bytes()
        assert meta == {"size": len(data), "blake2b": hashlib.blake2b(data, digest_size=16).hexdigest()}


def _truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[:-7])


def _same_size_change(p: Path) -> None:
    data = bytearray(p.read_bytes())
    data[10] ^= 0xFF
    p.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, rel, says", [
    (_truncate, "report.json", "truncated"),
    (_truncate, "weights/model.bin", "truncated"),
    (_same_size_change, "weights/model.bin", "changed since the stage finished"),
    (lambda p: p.unlink(), "weights/model.bin", "missing"),
    (lambda p: p.write_bytes(p.read_bytes() + b"x"), "report.json", "grown"),
])
def test_damaged_file_is_named_and_its_stage_redone(tmp_path, capsys, damage, rel, says):
    d = tmp_path / "sft"
    stage(d)
    damage(d / rel)
    assert not is_done(d)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(d / rel) in err[0] and says in err[0] and "redoing the stage" in err[0], err
    assert stage(d, "v2") == "ran"  # the resumed run redoes it
    assert is_done(d) and read_json(d / "report.json")["tag"] == "v2"
    assert capsys.readouterr().err == ""


def test_change_keeping_size_and_mtime_is_caught_on_resume(tmp_path, capsys):
    d = tmp_path / "model-init"
    stage(d)
    p = d / "weights" / "model.bin"
    st = p.stat()
    _same_size_change(p)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))  # bit rot: the stat is unchanged
    run_io._VERIFIED.clear()  # a new process resuming the run hashes every file once
    assert not is_done(d)
    assert str(p) in capsys.readouterr().err


def test_unreadable_file_is_named(tmp_path, capsys, monkeypatch):
    d = tmp_path / "sft"
    stage(d)
    run_io._VERIFIED.clear()
    bad = d / "weights" / "model.bin"
    real = run_io.file_digest

    def digest(path):
        if Path(path) == bad:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(run_io, "file_digest", digest)
    assert not is_done(d)
    err = capsys.readouterr().err
    assert f"{bad}: unreadable (Permission denied)" in err


def test_files_are_hashed_once_per_process(tmp_path, monkeypatch):
    d = tmp_path / "sft"
    stage(d)  # hashes while writing; the new stage counts as verified
    calls = []
    real = run_io.file_digest
    monkeypatch.setattr(run_io, "file_digest", lambda p: calls.append(p) or real(p))
    assert is_done(d) and is_done(d) and calls == []
    run_io._VERIFIED.clear()
    assert is_done(d) and is_done(d) and len(calls) == 2  # a resumed run: once per file


def test_truncated_done_marker_is_named_and_redone(tmp_path, capsys):
    d = tmp_path / "data"
    stage(d)
    _truncate(d / "DONE")
    with pytest.raises(CorruptFileError, match=f"{d / 'DONE'}: truncated or invalid JSON"):
        read_done(d)
    assert not is_done(d)
    assert f"{d / 'DONE'}: unreadable stage marker" in capsys.readouterr().err
    assert stage(d) == "ran" and is_done(d)


def test_marker_without_file_list_is_trusted(tmp_path):
    d = tmp_path / "old"
    d.mkdir()
    (d / "DONE").write_text(json.dumps({"finished_at": "2026-01-01T00:00:00"}))
    assert is_done(d)


def test_read_json_names_a_truncated_file(tmp_path):
    p = tmp_path / "eval" / "report.json"
    p.parent.mkdir()
    p.write_text('{"success_rate": 0.5, "by_cat')
    with pytest.raises(CorruptFileError) as e:
        read_json(p)
    assert str(e.value).startswith(f"{p}: truncated or invalid JSON") and e.value.path == p
    p.write_bytes(b"\xff\xfe{}")
    with pytest.raises(CorruptFileError, match="not UTF-8"):
        read_json(p)


def test_clean_partial_keeps_temp_folders_of_running_processes(tmp_path):
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    live_pid, dead_pid = os.getppid(), int(done.stdout)
    folders = {
        "live": f"{live_pid} {run_io._process_start(live_pid)}",  # another run writing this stage now
        "reused_pid": f"{live_pid} 1",  # that pid, but not the process that wrote the folder
        "dead": f"{dead_pid} {run_io._process_start(dead_pid)}",
        "no_owner": None,  # a killed run from before owner files
    }
    for i, (name, owner) in enumerate(folders.items()):
        p = tmp_path / f"sft.tmp-{i}"
        p.mkdir()
        (p / "model.safetensors").write_bytes(b"partial")
        if owner is not None:
            (p / run_io.OWNER).write_text(owner)
    clean_partial(tmp_path / "sft")
    assert sorted(p.name for p in tmp_path.glob("sft.tmp-*")) == ["sft.tmp-0"]


def test_stage_temp_folder_names_its_owner_and_the_stage_does_not_list_it(tmp_path):
    with StageDir(tmp_path / "sft") as tmp:
        assert (tmp / run_io.OWNER).read_text().split()[0] == str(os.getpid())
        (tmp / "a.txt").write_text("a")
    assert not (tmp_path / "sft" / run_io.OWNER).exists()
    assert list(read_done(tmp_path / "sft")["files"]) == ["a.txt"]


# ---- checkpoints ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory) -> Path:
    from transformers import Qwen2Config, Qwen2ForCausalLM

    cfg = Qwen2Config(vocab_size=32, hidden_size=8, intermediate_size=16, num_hidden_layers=1, num_attention_heads=2,
                      num_key_value_heads=1, max_position_embeddings=32, tie_word_embeddings=True)
    out = tmp_path_factory.mktemp("ckpt") / "policy"
    Qwen2ForCausalLM(cfg).save_pretrained(out)
    return out


def _overwrite_weights(folder: Path, dst: Path, fill: bytes) -> Path:
    import shutil

    shutil.copytree(folder, dst)
    p = dst / "model.safetensors"
    data = bytearray(p.read_bytes())
    header = 8 + int.from_bytes(data[:8], "little")  # safetensors: length, JSON header, tensor bytes
    data[header:] = (fill * len(data))[: len(data) - header]
    p.write_bytes(bytes(data))
    return p


def test_load_model_refuses_non_finite_weights(tiny_checkpoint, tmp_path):
    from training.model import load_model

    model = load_model(tiny_checkpoint)
    assert sum(p.numel() for p in model.parameters()) > 0
    p = _overwrite_weights(tiny_checkpoint, tmp_path / "policy", b"\xff")  # every float32 is NaN
    with pytest.raises(CorruptFileError, match="non-finite") as e:
        load_model(tmp_path / "policy")
    assert e.value.path == p and str(e.value).startswith(f"{p}: ")


def test_overwritten_checkpoint_in_a_stage_is_named_before_loading(tiny_checkpoint, tmp_path, capsys):
    import shutil

    d = tmp_path / "round-1" / "policy"
    with StageDir(d) as tmp:
        shutil.copytree(tiny_checkpoint, tmp, dirs_exist_ok=True)
    run_io._VERIFIED.clear()
    p = d / "model.safetensors"
    data = bytearray(p.read_bytes())
    data[-64:] = os.urandom(64)  # random bytes over the last weights: same size
    p.write_bytes(bytes(data))
    assert not is_done(d)
    assert f"{p}: changed since the stage finished" in capsys.readouterr().err


# ---- configs -------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "\n# only a comment\n", "{}\n"])
def test_empty_config_is_refused(tmp_path, text):
    p = tmp_path / "run.yaml"
    p.write_text(text)
    with pytest.raises(ValueError, match=f"{p}: empty config file"):
        load_config(p)


@pytest.mark.parametrize("text, key", [
    ("output_dir: runs/x\nroundz: 2\n", "roundz"),
    ("output_dir: runs/x\nsft:\n  learning_rat: 0.1\n", "learning_rat"),
])
def test_unknown_config_key_is_refused_naming_it(tmp_path, text, key):
    p = tmp_path / "run.yaml"
    p.write_text(text)
    with pytest.raises(ValueError, match=f"{p}: unknown (config )?key.*'{key}'"):
        load_config(p)
    with pytest.raises(ValueError, match=key):
        config_from_dict(__import__("yaml").safe_load(text))


def test_invalid_yaml_names_the_file(tmp_path):
    p = tmp_path / "run.yaml"
    p.write_text("output_dir: [runs/x,\n")
    with pytest.raises(ValueError, match=f"{p}: invalid YAML"):
        load_config(p)


def test_config_from_dict_still_accepts_a_plain_mapping():
    assert config_from_dict({}).rounds >= 0  # programmatic configs keep their defaults
