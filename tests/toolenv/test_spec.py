"""Spec loading: every accepted shape, and malformed specs reported by file and JSON pointer."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, SHOP
from toolenv.spec import SpecError, ToolRegistry, load_toolkits, normalise_schema

P = {"type": "object", "properties": {"city": {"type": "string", "description": "the city"}}, "required": ["city"]}


def _tool(**kw):
    t = {"name": "get_weather", "description": "Weather.", "parameters": copy.deepcopy(P)}
    t.update(kw)
    return t


def test_all_tool_shapes_load(tmp_path):
    (tmp_path / "plain.json").write_text(json.dumps(_tool(name="get_forecast")))
    (tmp_path / "openai.json").write_text(json.dumps([{"type": "function", "function": {
        "name": "convert", "description": "Convert.", "parameters": P}, "returns": {"type": "object"}}]))
    (tmp_path / "mcp.json").write_text(json.dumps({"name": "lookup", "description": "Look up.", "inputSchema": P,
                                                   "outputSchema": {"type": "object", "properties": {"x": {"type": "integer"}}}}))
    (tmp_path / "bfcl.json").write_text(json.dumps({"name": "calc.area", "description": "Area.", "parameters": {
        "type": "dict", "properties": {"base": {"type": "float"}, "dims": {"type": "tuple", "items": {"type": "integer"}},
                                       "extra": {"type": "any"}}, "required": ["base"]}}))
    (tmp_path / "kit.json").write_text(json.dumps(SHOP))
    reg = ToolRegistry.load(tmp_path)
    assert {"get_forecast", "get_weather", "convert", "lookup", "calc.area", "place_order"} <= set(reg.tools)
    area = reg.tools["calc.area"].parameters
    assert area["type"] == "object" and area["properties"]["base"]["type"] == "number"
    assert area["properties"]["dims"]["type"] == "array" and "type" not in area["properties"]["extra"]
    assert reg.tools["lookup"].response["properties"]["x"]["type"] == "integer"
    assert reg.tools["convert"].response == {"type": "object"}
    assert reg.tools["place_order"].effect.action == "create"
    assert reg.toolkit_of("place_order").name == "shop"
    assert reg.tools["convert"].openai()["function"]["name"] == "convert"


def test_normalise_nested_bfcl_types():
    s = normalise_schema({"type": "dict", "properties": {"a": {"type": "array", "items": {"type": "dict", "properties": {
        "b": {"type": "float"}}}}}})
    assert s["properties"]["a"]["items"]["type"] == "object"
    assert s["properties"]["a"]["items"]["properties"]["b"]["type"] == "number"


def _kit(mutate):
    doc = copy.deepcopy(SHOP)
    mutate(doc)
    return doc


def _set(path, value):
    def f(doc):
        node = doc
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = value
    return f


def _del(path):
    def f(doc):
        node = doc
        for p in path[:-1]:
            node = node[p]
        del node[path[-1]]
    return f


MALFORMED = [
    # (document or raw text, expected pointer, expected message part)
    ("{not json", "", "invalid JSON at line 1"),
    ("", "", "invalid JSON"),
    (42, "", "expected a tool, a list of tools or a toolkit"),
    ("\"just a string\"", "", "expected a tool"),
    ([1], "/0", "a tool must be an object"),
    ({"description": "x", "parameters": P}, "/name", "missing tool name"),
    (_tool(name="bad name!"), "/name", "invalid tool name"),
    (_tool(name="x" * 80), "/name", "invalid tool name"),
    (_tool(description=""), "/description", "has no description"),
    (_tool(description=None), "/description", "has no description"),
    (_tool(parameters={"type": "array"}), "/parameters/type", "must be 'object'"),
    (_tool(parameters={"type": "object", "properties": {"a": {"type": "strin"}}}), "/parameters/properties/a/type",
     "invalid JSON Schema"),
    (_tool(parameters={"type": "object", "properties": {"a": {"type": "string"}}, "required": ["date"]}),
     "/parameters/required/0", "'date' is not a property"),
    (_tool(parameters={"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"type": "string"}},
                                                          "required": ["c"]}}}),
     "/parameters/properties/a/required/0", "'c' is not a property"),
    (_tool(parameters={"type": "object", "properties": {"u": {"type": "string", "enum": ["a", 3]}}}),
     "/parameters/properties/u/enum/1", "is not of type 'string'"),
    (_tool(parameters={"type": "object", "properties": {"n": {"type": "integer", "default": "x"}}}),
     "/parameters/properties/n/default", "does not match"),
    (_tool(parameters={"type": "object", "properties": {"n": {"type": "integer", "minimum": "0"}}}),
     "/parameters/properties/n/minimum", "invalid JSON Schema"),
    (_tool(parameters="params"), "/parameters", "schema must be an object"),
    (_tool(inputSchema=P), "", "either 'parameters' or 'inputSchema'"),
    (_tool(response={"type": "nope"}), "/response/type", "invalid JSON Schema"),
    (_tool(response={"type": "object"}, returns={"type": "object"}), "", "give one response schema"),
    (_tool(effect={"collection": "x", "action": "create"}), "/effect", "effects need a toolkit"),
    ({"type": "function", "function": "nope"}, "/function", "must be an object"),
    ({"name": "kit", "tools": {"a": 1}}, "/tools", "must be a list of tools"),
    ({"name": "", "tools": []}, "/name", "toolkit name must be a non-empty string"),
    (_kit(_set(["tools", 1, "effect", "collection"], "baskets")), "/tools/1/effect/collection", "'baskets' is not declared"),
    (_kit(_set(["tools", 1, "effect", "action"], "explode")), "/tools/1/effect/action", "unknown action 'explode'"),
    (_kit(_set(["tools", 1, "effect"], "create")), "/tools/1/effect", "effect must be an object"),
    (_kit(_del(["tools", 2, "parameters", "properties", "order_id"])), "/tools/2/effect/collection",
     "needs the id parameter 'order_id'"),
    (_kit(_set(["tools", 2, "effect", "id_param"], "oid")), "/tools/2/effect/id_param", "needs the id parameter 'oid'"),
    (_kit(_set(["collections", "orders", "id_field"], "ref")), "/collections/orders/id_field", "'ref' is not a property"),
    (_kit(_set(["collections", "orders", "initial"], -1)), "/collections/orders/initial", "must be an integer in [0, 200]"),
    (_kit(_set(["collections", "orders", "initial"], 5000)), "/collections/orders/initial", "must be an integer"),
    (_kit(_del(["collections", "orders", "schema"])), "/collections/orders/schema", "missing record schema"),
    (_kit(_set(["collections", "orders", "schema", "type"], "array")), "/collections/orders/schema/type",
     "must be 'object'"),
    (_kit(_set(["collections", "orders", "generate_on_search"], "yes")), "/collections/orders/generate_on_search",
     "must be true or false"),
    (_kit(_set(["collections"], [])), "/collections", "collections must be an object"),
    (_kit(_set(["collections", "orders"], 3)), "/collections/orders", "a collection must be an object"),
    (_kit(lambda d: d["tools"].append(copy.deepcopy(d["tools"][0]))), "/tools/5/name", "duplicate tool name"),
]


@pytest.mark.parametrize("doc,pointer,message", MALFORMED, ids=[f"case{i}" for i in range(len(MALFORMED))])
def test_malformed_spec_names_file_and_pointer(tmp_path, doc, pointer, message):
    f = tmp_path / "bad.json"
    f.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    _, problems = load_toolkits(f)
    assert problems, "expected a problem"
    hit = [p for p in problems if p.pointer == pointer and message in p.message]
    assert hit, f"wanted {pointer!r}: {message!r}; got {[str(p) for p in problems]}"
    assert str(hit[0]).startswith(f"{f}#{pointer}: ")
    with pytest.raises(SpecError):
        ToolRegistry.load(f)


def test_duplicate_across_files_and_nothing_half_loaded(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(_tool()))
    (tmp_path / "b.json").write_text(json.dumps(_tool()))
    with pytest.raises(SpecError) as e:
        ToolRegistry.load(tmp_path)
    assert "duplicate tool name 'get_weather'" in str(e.value)


def test_missing_path_and_empty_folder(tmp_path):
    _, problems = load_toolkits([tmp_path / "nope.json", tmp_path])
    msgs = [p.message for p in problems]
    assert "no such file or folder" in msgs and any("no *.json" in m for m in msgs)


def test_bundled_specs_are_valid_and_rich():
    toolkits, problems = load_toolkits(REPO / "toolenv" / "tool_specs")
    assert problems == []
    tools = [t for tk in toolkits for t in tk.tools]
    assert len(toolkits) >= 8 and len(tools) >= 60
    assert all(t.response for t in tools), "every bundled tool has a response schema"
    assert sum(1 for tk in toolkits if tk.collections) >= 8


def test_validate_cli_exit_codes(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "toolenv.cli", "validate", str(REPO / "toolenv" / "tool_specs")],
                        capture_output=True, text=True, cwd=REPO)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = tmp_path / "travel.json"
    doc = _tool(parameters={"type": "object", "properties": {"a": {"type": "string"}}, "required": ["date"]})
    bad.write_text(json.dumps({"name": "travel", "tools": [_tool(name="t0"), _tool(name="t1"), _tool(name="t2"), doc]}))
    res = subprocess.run([sys.executable, "-m", "toolenv.cli", "validate", str(bad)], capture_output=True, text=True,
                         cwd=REPO)
    assert res.returncode == 1
    assert f"{bad}#/tools/3/parameters/required/0: 'date' is not a property" in res.stdout
