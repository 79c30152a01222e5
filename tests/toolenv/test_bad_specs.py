"""`toolenv validate` accepts exactly what `gym.make("ToolUse-v0", tool_specs=...)` can run.

Every malformed spec of the committed corpus (tests/data/bad_specs, written by
tests/data/make_bad_specs.py) is refused by both, naming the same ``file#/json/pointer``, with
no traceback and within a second; FIFOs, directories named *.json, symlink loops, devices and
oversized files are made at run time. A per-case deadline (SIGALRM for Python-level loops,
faulthandler as a backstop that ends the run for hangs inside C code) makes a hang fail instead of
stalling CI.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

import gymnasium as gym
import pytest

import toolenv
from tests.conftest import REPO
from toolenv.cli import main
from toolenv.spec import SpecError, ToolRegistry, load_registry, load_toolkits
from toolenv.spec_checks import SpecLimits, default_limits, set_default_limits

CORPUS = REPO / "tests" / "data" / "bad_specs"
EXPECTED: dict[str, dict[str, str]] = json.loads((CORPUS / "expected.json").read_text())
CASE_SECONDS = 1.0  # each of validate / gym.make per case
LINE = re.compile(r"^\S.*#(/.*)?: \S")


class _Deadline(Exception):
    pass


@contextlib.contextmanager
def deadline(seconds: float):
    """Fail (not stall) when the block runs too long: SIGALRM interrupts Python-level loops;
    faulthandler ends the process after 20x the budget if C code never returns."""
    use_alarm = hasattr(signal, "setitimer") and os.name == "posix"
    if use_alarm:
        def on_alarm(signum, frame):
            raise _Deadline(f"over {3 * seconds:g}s")

        old = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, 3 * seconds)
    faulthandler.dump_traceback_later(20 * seconds, exit=True, file=sys.__stderr__)
    t0 = time.perf_counter()
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    took = time.perf_counter() - t0
    assert took < seconds, f"took {took:.2f}s (budget {seconds}s)"


@pytest.fixture(scope="module", autouse=True)
def warm():
    """Imports and the value generator's pools are built once, outside the timed blocks."""
    load_toolkits(REPO / "toolenv" / "tool_specs")
    yield


def _check(path: Path, file: Path, pointer: str, message: str, capsys) -> None:
    capsys.readouterr()
    with deadline(CASE_SECONDS):
        rc = main(["validate", str(path)])
    out = capsys.readouterr()
    text = out.out + out.err
    assert rc != 0, text
    assert "Traceback" not in text and not out.err, text
    lines = out.out.splitlines()
    assert lines and lines[-1].endswith("nothing loaded"), text
    for ln in lines[:-1]:
        assert LINE.match(ln), f"not a file#pointer: message line: {ln!r}"
    want = f"{file}#"
    hits = [ln for ln in lines if ln.startswith(want)
            and ln[len(want):].split(": ", 1)[0].startswith(pointer) and message in ln]
    assert hits, f"wanted {want}{pointer}...: ...{message}...; got:\n{text}"

    with deadline(CASE_SECONDS):
        with pytest.raises(SpecError) as ei:
            gym.make("ToolUse-v0", tool_specs=str(path), num_tasks=4)
    assert isinstance(ei.value, toolenv.SpecError)
    probs = ei.value.problems
    assert any(p.file == str(file) and p.pointer.startswith(pointer) and message in p.message for p in probs), \
        f"gym.make raised {ei.value}"
    assert str(ei.value).splitlines() == [str(p) for p in probs]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_case_refused_by_validate_and_gym_make(name, capsys):
    e = EXPECTED[name]
    path = CORPUS / name
    file = path / e["file"] if "file" in e else path
    _check(path, file, e["pointer"], e["message"], capsys)


def test_corpus_is_committed_and_matches_its_generator(tmp_path):
    assert len(EXPECTED) >= 100
    on_disk = {p.name for p in CORPUS.iterdir()} - {"expected.json"}
    assert on_disk == set(EXPECTED)
    sys.path.insert(0, str(REPO / "tests" / "data"))
    try:
        import make_bad_specs
    finally:
        sys.path.remove(str(REPO / "tests" / "data"))
    assert make_bad_specs.write(tmp_path / "regen") == EXPECTED
    for name in EXPECTED:
        a, b = CORPUS / name, tmp_path / "regen" / name
        pairs = [(a, b)] if a.is_file() else [(a / f.name, f) for f in sorted(b.iterdir())]
        for x, y in pairs:
            assert x.read_bytes() == y.read_bytes(), f"{x} differs from the generator: rerun make_bad_specs.py"


# ---- cases that cannot be committed -------------------------------------------------------------

def _fifo_in_folder(tmp):
    (tmp / "ok.json").write_text(json.dumps({"name": "fine", "description": "Fine."}))
    os.mkfifo(tmp / "pipe.json")
    return tmp, tmp / "pipe.json", "", "FIFO"


def _fifo_direct(tmp):
    os.mkfifo(tmp / "pipe.json")
    return tmp / "pipe.json", tmp / "pipe.json", "", "FIFO"


def _dir_named_json_in_folder(tmp):
    (tmp / "ok.json").write_text(json.dumps({"name": "fine", "description": "Fine."}))
    (tmp / "x.json").mkdir()
    return tmp, tmp / "x.json", "", "is a directory"


def _dir_named_json_direct(tmp):
    (tmp / "x.json").mkdir()
    return tmp / "x.json", tmp / "x.json", "", "no *.json spec files"


def _symlink_loop(tmp):
    (tmp / "loop.json").symlink_to(tmp / "loop.json")
    return tmp, tmp / "loop.json", "", "cannot read"


def _symlink_to_device(tmp):
    (tmp / "dev.json").symlink_to("/dev/zero")
    return tmp / "dev.json", tmp / "dev.json", "", "character device"


def _dangling_symlink(tmp):
    (tmp / "gone.json").symlink_to(tmp / "missing.json")
    return tmp, tmp / "gone.json", "", "no such file"


def _oversized_file(tmp):
    with open(tmp / "big.json", "wb") as f:  # sparse: nothing is written
        f.truncate(default_limits().max_file_bytes + 1)
    return tmp / "big.json", tmp / "big.json", "", "max_file_bytes"


def _unreadable_file(tmp):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    f = tmp / "secret.json"
    f.write_text("{}")
    f.chmod(0)
    return f, f, "", "cannot read"


RUNTIME = [_fifo_in_folder, _fifo_direct, _dir_named_json_in_folder, _dir_named_json_direct, _symlink_loop,
           _symlink_to_device, _dangling_symlink, _oversized_file, _unreadable_file]


@pytest.mark.skipif(os.name != "posix", reason="FIFOs, symlinks and devices")
@pytest.mark.parametrize("make", RUNTIME, ids=[f.__name__.strip("_") for f in RUNTIME])
def test_special_files_are_refused_without_opening(make, tmp_path, capsys):
    path, file, pointer, message = make(tmp_path)
    _check(path, file, pointer, message, capsys)


def test_duplicate_domain_across_folders_names_both_files(tmp_path):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "weather.json").write_text(json.dumps({"name": f"tool_{d}", "description": "A tool."}))
    _, problems = load_toolkits([tmp_path / "a", tmp_path / "b"])
    [p] = problems
    assert p.file == str(tmp_path / "b" / "weather.json") and str(tmp_path / "a" / "weather.json") in p.message
    assert "duplicate domain" in p.message


# ---- what is accepted runs ----------------------------------------------------------------------

GOOD = {
    "name": "addresses",
    "description": "Edge cases that must load and run.",
    "collections": {"places": {"id_field": "place_id", "initial": 3, "schema": {
        "type": "object", "$defs": {"Code": {"type": "string", "pattern": "^[A-Z]{3}$"}},
        "properties": {"place_id": {"type": "string"}, "city": {"type": "string"}, "code": {"$ref": "#/$defs/Code"}},
        "required": ["place_id", "city", "code"]}}},
    "tools": [
        {"name": "find_place", "description": "Find places by city.",
         "parameters": {"type": "object", "$defs": {"City": {"type": "string", "description": "a city"}},
                        "properties": {"city": {"$ref": "#/$defs/City", "description": "where"}},
                        "required": ["city"]},
         "response": {"type": "object", "$defs": {"Place": {"type": "object", "properties": {
             "place_id": {"type": "string"}, "code": {"type": "string", "pattern": "^[A-Z]{3}$"}}}},
             "properties": {"results": {"type": "array", "items": {"$ref": "#/$defs/Place"}},
                            "count": {"type": "integer"}}, "required": ["results", "count"]},
         "effect": {"collection": "places", "action": "search"}},
        {"name": "get_place", "description": "Read a place.",
         "parameters": {"type": "object", "properties": {"place_id": {"type": "string", "description": "the place"}},
                        "required": ["place_id"]},
         "response": {"type": "object", "properties": {"place_id": {"type": "string"}, "city": {"type": "string"},
                                                       "code": {"type": "string", "pattern": "^[A-Z]{3}$"}}},
         "effect": {"collection": "places", "action": "read"}},
    ],
}


def test_accepted_edge_specs_run_and_refs_are_inlined(tmp_path, capsys):
    f = tmp_path / "addresses.json"
    f.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode())  # a UTF-8 BOM is accepted
    assert main(["validate", str(f)]) == 0, capsys.readouterr().out
    reg = ToolRegistry.load(f)
    params = reg.tools["find_place"].parameters
    assert "$ref" not in json.dumps(params) and "$defs" not in params
    assert params["properties"]["city"] == {"type": "string", "description": "where"}
    assert reg.tools["find_place"].response["properties"]["results"]["items"]["properties"]["code"]["pattern"]
    env = gym.make("ToolUse-v0", tool_specs=str(f), num_tasks=8)
    from jsonschema import Draft202012Validator

    for i in range(4):
        env.reset(seed=i)
        ep = env.unwrapped._episode
        action = ep.expert_action() or "done"
        _, _, _, _, info = env.step(action)
        for name, tool in reg.tools.items():
            resp, _ = ep.world.call(name, {"city": "Lyon"} if name == "find_place" else {"place_id": "nope"})
            if "error" not in resp:
                assert not list(Draft202012Validator(tool.response).iter_errors(resp)), resp
    env.close()


def test_bundled_specs_validate_clean_and_load(capsys):
    assert main(["validate", str(REPO / "toolenv" / "tool_specs")]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    assert len(load_registry(REPO / "toolenv" / "tool_specs", cache=False)) >= 60


# ---- limits -------------------------------------------------------------------------------------

def test_limits_are_configurable(tmp_path, capsys):
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"name": "t", "description": "T.", "parameters": {"type": "object", "properties": {
        "s": {"type": "string", "minLength": 50}}, "required": ["s"]}}))
    assert load_toolkits(f)[1] == []
    _, problems = load_toolkits(f, limits=SpecLimits(max_min_length=20))
    assert [p.pointer for p in problems] == ["/parameters/properties/s/minLength"]
    assert main(["validate", "--limit", "max_min_length=20", str(f)]) == 1
    assert "max_min_length" in capsys.readouterr().out
    assert main(["validate", "--limit", "no_such_limit=1", str(f)]) == 2
    assert "unknown spec limit" in capsys.readouterr().out
    with pytest.raises(ValueError):
        SpecLimits().replace(bogus=1)
    old = set_default_limits(SpecLimits(max_min_length=20))
    try:
        with pytest.raises(SpecError):
            gym.make("ToolUse-v0", tool_specs=str(f), num_tasks=4)
    finally:
        set_default_limits(old)
    assert load_registry(f, cache=False).tools["t"]


def test_in_memory_documents_get_the_same_checks():
    deep: dict = {"type": "string"}
    for _ in range(2000):
        deep = {"type": "object", "properties": {"a": deep}}
    doc = {"name": "t", "description": "T.", "parameters": {"type": "object", "properties": {"a": deep}}}
    with pytest.raises(SpecError) as ei:
        ToolRegistry.from_documents([(doc, "mem.json")])
    assert "nested deeper than" in str(ei.value)
    with pytest.raises(SpecError) as ei:
        ToolRegistry.from_documents([({"name": "t", "description": "T.", "parameters": {
            "type": "object", "properties": {"n": {"type": "integer", "maximum": 10 ** 5000}}}}, "mem.json")])
    assert "mem.json#/parameters/properties/n/maximum" in str(ei.value)


def test_validate_reports_an_internal_error_in_one_line(monkeypatch, capsys, tmp_path):
    import toolenv.spec

    (tmp_path / "x.json").write_text("{}")

    def boom(*a, **k):
        raise RuntimeError("bug\nwith lines")

    monkeypatch.setattr(toolenv.spec, "load_toolkits", boom)
    assert main(["validate", str(tmp_path / "x.json")]) == 2
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "internal error" in out and "Traceback" not in out


_HOSTILE_VALUES = [None, True, -1, 0, 10 ** 30, 1e308, "", "x" * 300, "(a+)+$", [], {}, [{}], {"$ref": "#/nope"},
                   {"$ref": "http://example.com/s.json"}, {"type": "nonsense"}, {"minLength": 10 ** 9}]


def _mutate(doc, rng):
    """One seeded mutation: replace, delete or duplicate a node somewhere in the document."""
    import copy

    doc = copy.deepcopy(doc)
    paths = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + [k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + [i])

    walk(doc, [])
    path = rng.choice(paths[1:])
    parent = doc
    for p in path[:-1]:
        parent = parent[p]
    key = path[-1]
    op = rng.randrange(3)
    if op == 0:
        parent[key] = copy.deepcopy(rng.choice(_HOSTILE_VALUES))
    elif op == 1:
        del parent[key]
    else:
        parent[key] = [parent[key], parent[key]] if rng.random() < 0.5 else {"x": parent[key]}
    return doc


def test_seeded_spec_mutations_are_refused_cleanly_or_run(tmp_path):
    """Seeded fuzz over the bundled specs: every mutated spec either raises SpecError naming its
    file, or runs (gym.make, reset, the oracle's steps) — no library internal leaks, nothing hangs."""
    import random

    import gymnasium as gym

    from toolenv.spec import bundled_specs_dir
    from toolenv.synth import Infeasible

    rng = random.Random(0)
    files = sorted(bundled_specs_dir().glob("*.json"))
    refused = ran = 0
    for i in range(40):
        f = files[i % len(files)]
        doc = _mutate(json.loads(f.read_text(encoding="utf-8")), rng)
        path = tmp_path / f"m{i}" / f.name
        path.parent.mkdir()
        path.write_text(json.dumps(doc), encoding="utf-8")
        try:
            ToolRegistry.from_documents([(doc, str(path))])
        except SpecError as e:
            assert f.name in str(e)
            refused += 1
            continue
        try:
            env = gym.make("ToolUse-v0", tool_specs=[str(path)], seed=i, num_tasks=16)
        except Infeasible:  # a valid spec from which some category cannot be synthesized: a clear error
            continue
        env.reset(seed=i)
        for _ in range(6):
            a = env.unwrapped.expert_action()
            if a is None:
                break
            _, _, term, trunc, _ = env.step(a)
            if term or trunc:
                break
        env.close()
        ran += 1
    assert refused > 0 and ran > 0


def test_gym_make_takes_spec_limits(tmp_path):
    import gymnasium as gym

    from toolenv.spec import bundled_specs_dir

    spec = bundled_specs_dir() / "weather.json"
    env = gym.make("ToolUse-v0", tool_specs=[str(spec)], num_tasks=8, spec_limits={"max_tools": 100})
    env.reset(seed=0)
    env.close()
    with pytest.raises(SpecError, match="weather.json"):
        gym.make("ToolUse-v0", tool_specs=[str(spec)], num_tasks=8, spec_limits={"max_tools": 1})
