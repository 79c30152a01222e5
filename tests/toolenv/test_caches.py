"""Process caches: validators keyed by schema content, spec files re-read when edited, task pools
keyed by registry content (never by ``id()``, which a new object can reuse after collection)."""

from __future__ import annotations

import copy
import json
import os

import gymnasium as gym
import pytest

import toolenv  # noqa: F401  (registers ToolUse-v0)
import toolenv.env as env_mod
import toolenv.simulator as sim
from tests.conftest import SHOP
from toolenv.spec import ToolRegistry, load_registry

P = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def _tool(name: str, description: str = "Weather.") -> dict:
    return {"name": name, "description": description, "parameters": copy.deepcopy(P)}


@pytest.fixture
def fresh_validators(monkeypatch):
    monkeypatch.setattr(sim, "_VALIDATORS", {})
    monkeypatch.setattr(sim, "_SCHEMA_KEYS", {}, raising=False)
    monkeypatch.setattr(sim, "_TYPE_SPLITS", {}, raising=False)


def test_validators_with_a_reused_id_are_not_shared(monkeypatch, fresh_validators):
    # every object gets the same "id": what a collected schema's successor can get
    monkeypatch.setattr(sim, "id", lambda obj: 12345, raising=False)
    arr = {"type": "array", "items": {"type": "integer"}}
    obj = {"type": "object"}
    assert sim.validator_for(arr).is_valid([1])
    assert not sim.validator_for(obj).is_valid([1])
    assert sim.validator_for(obj).is_valid({})
    assert sim.validator_for(arr) is not sim.validator_for(obj)


def test_validators_are_shared_by_equal_schemas(fresh_validators):
    a = {"type": "object", "properties": {"x": {"type": "integer"}}}
    b = copy.deepcopy(a)
    assert sim.validator_for(a) is sim.validator_for(b)
    assert len(sim._VALIDATORS) == 1


def test_list_typed_schema_checks_do_not_pile_up_validators(fresh_validators):
    # `_type_ok` splits a list "type" into one schema per type; before, each call's temporary dicts
    # got a validator of their own (keyed by id, kept alive by the validator): one more per call
    s = {"type": ["array", "object"], "items": {"type": "integer"}, "properties": {"a": {"type": "string"}}}
    for _ in range(50):
        assert sim._type_ok({"a": "x"}, s)
        assert sim._type_ok([1, 2], s)
        assert not sim._type_ok(["x"], s)
        assert not sim._type_ok({"a": 1}, s)
    assert len(sim._VALIDATORS) == 2
    assert len(sim._SCHEMA_KEYS) == 2


def _bump(path, seconds: int = 10) -> None:
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 10**9))


def test_edited_spec_file_is_read_again(tmp_path):
    f = tmp_path / "weather.json"
    f.write_text(json.dumps([_tool("get_weather")]))
    reg = load_registry(tmp_path)
    assert load_registry(tmp_path) is reg  # unchanged: the cached registry
    assert load_registry(f) is load_registry(f)
    f.write_text(json.dumps([_tool("get_weather", "Weather now."), _tool("get_forecast")]))
    _bump(f)
    reg2 = load_registry(tmp_path)
    assert reg2 is not reg
    assert reg2.tools["get_weather"].description == "Weather now."
    assert "get_forecast" in reg2 and "get_forecast" not in reg
    assert load_registry(tmp_path) is reg2
    assert "get_forecast" in load_registry(f)


def test_same_size_edit_with_new_mtime_is_read_again(tmp_path):
    f = tmp_path / "weather.json"
    f.write_text(json.dumps([_tool("get_weather", "Weather A.")]))
    reg = load_registry(tmp_path)
    f.write_text(json.dumps([_tool("get_weather", "Weather B.")]))  # same size
    _bump(f)
    assert load_registry(tmp_path).tools["get_weather"].description == "Weather B."
    assert reg.tools["get_weather"].description == "Weather A."


def test_added_and_removed_spec_files_in_a_folder_are_seen(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([_tool("tool_a")]))
    assert set(load_registry(tmp_path).tools) == {"tool_a"}
    (tmp_path / "b.json").write_text(json.dumps([_tool("tool_b")]))
    assert set(load_registry(tmp_path).tools) == {"tool_a", "tool_b"}
    (tmp_path / "a.json").unlink()
    assert set(load_registry(tmp_path).tools) == {"tool_b"}


def test_gym_make_sees_an_edited_spec(tmp_path):
    f = tmp_path / "weather.json"
    f.write_text(json.dumps([_tool("get_weather")]))
    tasks = [{"id": "t0", "category": "simple", "tools": ["get_weather"], "seed": 1,
              "turns": [{"user": "Weather in Lyon?", "answer": "Mild.", "steps": [[
                  {"label": "c0", "name": "get_weather", "arguments": {"city": "Lyon"}}]]}]}]
    e1 = gym.make("ToolUse-v0", tool_specs=tmp_path, tasks=tasks).unwrapped
    f.write_text(json.dumps([_tool("get_weather", "Current weather for a city.")]))
    _bump(f)
    e2 = gym.make("ToolUse-v0", tool_specs=tmp_path, tasks=tasks).unwrapped
    assert e1.suite.registry.tools["get_weather"].description == "Weather."
    assert e2.suite.registry.tools["get_weather"].description == "Current weather for a city."


def test_registry_fingerprint_is_by_content(tmp_path):
    (tmp_path / "shop.json").write_text(json.dumps(SHOP))
    a, b = ToolRegistry.load(tmp_path), ToolRegistry.load(tmp_path)
    assert a is not b and a.fingerprint() == b.fingerprint()
    edited = copy.deepcopy(SHOP)
    edited["tools"][0]["description"] += " (edited)"
    (tmp_path / "shop.json").write_text(json.dumps(edited))
    assert ToolRegistry.load(tmp_path).fingerprint() != a.fingerprint()


def _shop_dir(tmp_path, name: str, tool_suffix: str = ""):
    d = tmp_path / name
    d.mkdir()
    shop = copy.deepcopy(SHOP)
    for t in shop["tools"]:
        t["name"] += tool_suffix
    (d / "shop.json").write_text(json.dumps(shop))
    return d


def _same_pool(a, b) -> bool:
    return len(a.suite.tasks) == len(b.suite.tasks) and all(x is y for x, y in zip(a.suite.tasks, b.suite.tasks))


def test_task_pool_is_keyed_by_registry_content(tmp_path, monkeypatch):
    monkeypatch.setattr(env_mod, "_TASK_POOL_CACHE", {})
    kw = {"num_tasks": 8, "synth_seed": 0, "categories": ["simple"]}
    d1, d2 = _shop_dir(tmp_path, "one"), _shop_dir(tmp_path, "two")  # same content, two registries
    e1 = gym.make("ToolUse-v0", tool_specs=d1, **kw).unwrapped
    e2 = gym.make("ToolUse-v0", tool_specs=d2, **kw).unwrapped
    assert e1.suite.registry is not e2.suite.registry
    assert _same_pool(e1, e2)  # one pool for one content
    # a registry of other content that got a collected registry's id must not get that pool
    monkeypatch.setattr(env_mod, "id", lambda obj: 777, raising=False)
    d3 = _shop_dir(tmp_path, "three", tool_suffix="_v2")
    e3 = gym.make("ToolUse-v0", tool_specs=d3, **kw).unwrapped
    assert not _same_pool(e3, e1)
    used = {name for t in e3.suite.tasks for name in t.tools}
    assert used and used <= set(e3.suite.registry.tools)
    assert len(env_mod._TASK_POOL_CACHE) == 2
