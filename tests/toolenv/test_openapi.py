"""OpenAPI 3.0 / 3.1 and Swagger 2.0 import (`toolenv.openapi`, `toolenv import-openapi`).

The project's own documents (tests/data/openapi/, written for these tests) and, when a folder of
them is given (TOOLENV_OPENAPI_DOCS, or ../shared/openapi next to the repository), real public
documents (not committed, by workplace rule) import, load with ``gym.make`` directly, and give
tasks the oracle solves and the random agent does not; the mapping rules (parameters, bodies,
effects, names) are checked on them and on small documents written here; hostile documents ($ref bombs and cycles, YAML alias bombs, deep nesting)
are refused or skipped quickly, with a message, never a hang or a crash.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import gymnasium as gym
import pytest

import toolenv  # noqa: F401  (registers ToolUse-v0)
from toolenv.openapi import OpenAPIWarning, import_file, import_openapi, read_yaml_file, tool_name
from toolenv.spec import SpecError, ToolRegistry, load_registry, load_toolkits
from toolenv.spec_checks import default_limits

DATA = Path(__file__).resolve().parents[1] / "data" / "openapi"
ROOT = Path(__file__).resolve().parents[2]
# the project's own documents (petstore-split-parts.json is not a document: the split one refers to it)
OWN_DOCS = [DATA / n for n in ("petstore-swagger2.yaml", "petstore-oas30.yaml", "petstore-oas31.json",
                               "petstore-split-swagger2.json", "bookshop-oas30.json")]


def _real_dir() -> Path | None:
    given = os.environ.get("TOOLENV_OPENAPI_DOCS")
    if given:
        return Path(given)
    shared = ROOT.parent / "shared" / "openapi"
    return shared if shared.is_dir() else None


REAL_DIR = _real_dir()
REAL_DOCS = sorted(p for p in REAL_DIR.iterdir() if p.suffix in (".json", ".yaml", ".yml")) \
    if REAL_DIR is not None and REAL_DIR.is_dir() else []
NO_REAL = ("real public OpenAPI documents are not committed (workplace rule); "
           "set TOOLENV_OPENAPI_DOCS to a folder of them")


def _imp(doc: dict, name: str = "api"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return import_openapi(doc, f"{name}.json", name)


def _oas(paths: dict, schemas: dict | None = None, **extra) -> dict:
    return {"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": paths,
            "components": {"schemas": schemas or {}, **extra.pop("components", {})}, **extra}


def _json_response(schema: dict) -> dict:
    return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}


# ---- the documents: our own, and real public ones when given ----------------------------------

def test_own_documents_cover_the_versions_and_formats():
    versions = set()
    for p in OWN_DOCS:
        assert p.stat().st_size < 300_000
        versions.add(import_file(p).version[:3])
    assert {"2.0", "3.0", "3.1"} <= versions
    assert any(p.suffix == ".yaml" for p in OWN_DOCS) and any(p.suffix == ".json" for p in OWN_DOCS)
    # a document split over files: what refers to the other file is skipped, with a warning each
    with pytest.warns(OpenAPIWarning, match="points outside the document") as rec:
        reg = ToolRegistry.load(str(DATA / "petstore-split-swagger2.json"))
    assert list(reg.tools) == ["removeReptile"] and len(rec) == 3


@pytest.mark.skipif(not REAL_DOCS, reason=NO_REAL)
def test_the_real_corpus_is_real_and_licensed():
    assert len(REAL_DOCS) >= 10
    licences = (REAL_DIR / "LICENSES.md").read_text()
    versions = set()
    for p in REAL_DOCS:
        assert p.name in licences, f"{p.name} has no entry in LICENSES.md"
        assert p.stat().st_size < 300_000
        res = import_file(p)
        versions.add(res.version[:3])
    assert {"2.0", "3.0", "3.1"} <= versions
    assert any(p.suffix == ".yaml" for p in REAL_DOCS)
    # a real document split over files: what refers to the other files is skipped, with a warning each
    separate = REAL_DIR / "petstore-separate-swagger2.json"
    if separate.exists():
        with pytest.warns(OpenAPIWarning, match="points outside the document") as rec:
            reg = ToolRegistry.load(str(separate))
        assert list(reg.tools) == ["deletePet"] and len(rec) == 3


_DOC_PARAMS = [pytest.param(p, id=f"own-{p.stem}") for p in OWN_DOCS] + (
    [pytest.param(p, id=f"real-{p.stem}") for p in REAL_DOCS] if REAL_DOCS
    else [pytest.param(None, id="real-documents", marks=pytest.mark.skip(reason=NO_REAL))])


@pytest.mark.parametrize("path", _DOC_PARAMS)
def test_document_imports_and_its_tasks_are_solvable(path):
    from agents import OracleAgent, RandomAgent
    from toolenv.evaluation import evaluate

    res = import_file(path)
    assert not res.problems and res.toolkit is not None, res.problems
    assert len(res.converted) + len(res.skipped) == res.found > 0
    # the loader recognises the document by its content: gym.make takes the file as it is
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OpenAPIWarning)
        env = {"tool_specs": [str(path)], "num_tasks": 16, "synth_seed": 0}
        oracle = evaluate(OracleAgent(), env, seed=0)
        rand = evaluate(RandomAgent(seed=0), env, seed=0)
    assert oracle["episodes"] == 16 and oracle["success_rate"] == 1.0, oracle["deficiencies"]
    assert rand["success_rate"] < 0.2


def test_petstore_mapping():
    res = import_file(DATA / "petstore-oas30.yaml")
    tools = {t.name: t for t in res.toolkit.tools}
    eff = {n: (t.effect.action, t.effect.collection) if t.effect else None for n, t in tools.items()}
    assert eff["registerPet"] == ("create", "pets") and eff["lookUpPet"] == ("read", "pets")
    assert eff["replacePet"] == ("update", "pets") and eff["renamePetWithForm"] == ("update", "pets")
    assert eff["releasePet"] == ("delete", "pets") and eff["searchPetsByKind"] == ("search", "pets")
    assert eff["arrangeAdoption"] == ("create", "adoptions") and eff["getKeeperByHandle"] == ("read", "keepers")
    assert eff["signInKeeper"] is None and eff["countAnimals"] is None  # no record semantics
    pets = res.toolkit.collections["pets"]
    assert pets.id_field == "id" and {"name", "kind", "careState"} <= set(pets.schema["properties"])
    # the item path parameter petId is named after the record's id field; the body is merged
    get = tools["lookUpPet"]
    assert get.required == ["id"] and "petId" not in get.properties
    assert {"name", "kind", "careState", "markings"} <= set(tools["registerPet"].properties)
    assert set(tools["registerPet"].required) == {"name", "kind"}
    assert "id" in tools["replacePet"].required  # PUT /pets: the record is named in the body
    # form bodies are merged too
    assert {"id", "name", "careState"} == set(tools["renamePetWithForm"].properties)
    # credentials are not arguments: releasePet's X-Shelter-Key header (an apiKey scheme) is left out
    assert set(tools["releasePet"].properties) == {"id"}
    assert res.toolkit.collections["keepers"].id_field == "handle"
    # a list response (array of Pet) becomes the records of the search result
    assert tools["searchPetsByKind"].response["properties"]["pets"]["type"] == "array"
    # in-memory documents are recognised too
    doc = json.loads((DATA / "bookshop-oas30.json").read_text())
    reg = ToolRegistry.from_documents([(doc, "store.json")])
    books = reg.toolkits["store"].collections
    assert books["books"].id_field == "isbn" and books["shelves"].id_field == "shelfCode" and len(reg.tools) == 9


def test_bookshop_mapping():
    res = import_file(DATA / "bookshop-oas30.json")
    tools = {t.name: t for t in res.toolkit.tools}
    eff = {n: (t.effect.action, t.effect.collection) if t.effect else None for n, t in tools.items()}
    assert eff == {"listBooks": ("list", "books"), "stockBook": ("create", "books"),
                   "searchBooks": ("search", "books"), "getBook": ("read", "books"),
                   "updateBook": ("update", "books"), "sellOrDiscardBook": ("delete", "books"),
                   "createShelf": ("create", "shelves"), "getShelf": ("read", "shelves"),
                   "removeShelf": ("delete", "shelves")}
    # the path parameter {isbn} is the record's id field; the requestBody is merged with it
    assert set(tools["updateBook"].properties) == {"isbn", "priceCents", "condition"}
    assert tools["updateBook"].required == ["isbn"]
    assert set(tools["stockBook"].required) == {"isbn", "title", "author"}


def test_swagger2_body_formdata_and_yaml_load_directly():
    reg = load_registry(str(DATA / "petstore-swagger2.yaml"))
    assert set(reg.tools) == {"listPets", "admitPet", "describePet"}
    doc = {"swagger": "2.0", "info": {"title": "T", "version": "1"}, "paths": {
        "/items": {"post": {"operationId": "addItem", "parameters": [
            {"in": "body", "name": "item", "required": True, "schema": {"$ref": "#/definitions/Item"}},
            {"in": "header", "name": "X-Trace", "type": "string"},
            {"in": "header", "name": "Authorization", "type": "string", "required": True}],
            "responses": {"201": {"description": "ok", "schema": {"$ref": "#/definitions/Item"}}}}},
        "/items/{itemId}": {"get": {"operationId": "getItem", "parameters": [
            {"in": "path", "name": "itemId", "type": "integer", "required": True}],
            "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Item"}}}},
            "post": {"operationId": "upload", "consumes": ["multipart/form-data"], "parameters": [
                {"in": "path", "name": "itemId", "type": "integer", "required": True},
                {"in": "formData", "name": "file", "type": "file"},
                {"in": "formData", "name": "note", "type": "string", "maxLength": 20}],
                "responses": {"200": {"description": "ok"}}}}},
        "definitions": {"Item": {"type": "object", "required": ["name"], "properties": {
            "id": {"type": "integer", "format": "int64", "readOnly": True},
            "name": {"type": "string", "x-nullable": True},
            "price": {"type": "number", "minimum": 0, "exclusiveMinimum": True}}}}}
    res = _imp(doc)
    t = {x.name: x for x in res.toolkit.tools}
    assert set(t["addItem"].properties) == {"name", "price", "X-Trace"}  # readOnly id and Authorization left out
    assert t["addItem"].required == ["name"] and t["addItem"].effect.action == "create"
    assert t["addItem"].properties["name"]["type"] == ["string", "null"]
    assert t["addItem"].properties["price"] == {"type": "number", "exclusiveMinimum": 0}
    assert t["getItem"].effect.action == "read" and t["getItem"].properties["id"]["type"] == "integer"
    assert t["upload"].properties["file"]["type"] == "string" and t["upload"].properties["note"]["maxLength"] == 20
    assert t["upload"].effect.action == "update"  # POST on an item that is also read


def test_oas31_and_composition():
    doc = _oas({"/things": {"get": {"summary": "List things.", "parameters": [
        {"in": "query", "name": "q", "schema": {"type": "string"}}],
        "responses": _json_response({"type": "object", "properties": {
            "data": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
            "total": {"type": "integer"}}})}}},
        {"Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
         "Thing": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "properties": {
             "kind": {"oneOf": [{"const": "a"}, {"const": "b"}]}, "size": {"type": ["integer", "null"]},
             "tags": {"type": "array", "items": {"type": "string"}, "examples": [["x"]]}}}]}})
    doc["openapi"] = "3.1.0"
    res = _imp(doc)
    (t,) = res.toolkit.tools
    assert t.effect.action == "search" and t.name == "get_things"  # no operationId: verb + path
    thing = res.toolkit.collections["things"].schema
    assert set(thing["properties"]) == {"id", "kind", "size", "tags"} and thing["required"] == ["id"]
    assert thing["properties"]["kind"] == {"anyOf": [{"const": "a"}, {"const": "b"}]}
    assert thing["properties"]["size"]["type"] == ["integer", "null"]


def test_tool_names_are_sanitised_and_unique():
    taken: set[str] = set()
    assert tool_name("get pet/by id!", "get", "/x", taken) == "get_pet_by_id"
    assert tool_name("get pet/by id?", "get", "/x", taken) == "get_pet_by_id_2"
    assert tool_name(None, "get", "/pets/{petId}/toys", taken) == "get_pets_by_petId_toys"
    assert tool_name("123", "get", "/x", taken) == "op_123"
    assert tool_name("x" * 100, "get", "/x", taken) == "x" * 64
    assert tool_name("x" * 100, "get", "/x", taken) == "x" * 62 + "_2"
    assert tool_name(None, "get", "/", taken) == "get_root"


def test_cli_import_openapi_writes_a_spec_that_loads(tmp_path):
    out = tmp_path / "specs" / "petstore.json"
    r = subprocess.run([sys.executable, "-m", "toolenv.cli", "import-openapi", str(DATA / "petstore-oas31.json"),
                        "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "9 operation(s) found, 9 turned into tools, 0 skipped" in r.stdout
    assert "collection pets (id field 'id')" in r.stdout and f"wrote {out}" in r.stdout
    written = load_registry(str(out))
    direct = load_registry(str(DATA / "petstore-oas31.json"))
    assert written.toolkits["petstore"].collections.keys() == direct.toolkits["petstore-oas31"].collections.keys()
    for name, t in direct.tools.items():
        w = written.tools[name]
        assert (w.parameters, w.response, w.effect) == (t.parameters, t.response, t.effect)
    env = gym.make("ToolUse-v0", tool_specs=[str(out)], num_tasks=8, synth_seed=1)
    env.reset(seed=0)
    # skipped operations are listed; a document nothing converts from writes nothing
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
                   "      responses: {'200': {description: ok, content: {application/json: {schema: "
                   "{$ref: 'other.yaml#/X'}}}}}\n      parameters: [{$ref: '#/nowhere'}]\n")
    r = subprocess.run([sys.executable, "-m", "toolenv.cli", "import-openapi", str(bad), "--out",
                        str(tmp_path / "b.json")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 1 and "skipped GET /a: broken $ref '#/nowhere'" in r.stdout
    assert not (tmp_path / "b.json").exists()


def test_import_is_deterministic():
    a = import_file(DATA / "bookshop-oas30.json").document
    b = import_file(DATA / "bookshop-oas30.json").document
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# ---- messy documents: one operation skipped, the rest loads -----------------------------------

def test_broken_and_external_refs_skip_their_operation_with_a_warning(tmp_path):
    doc = _oas({
        "/ok": {"get": {"operationId": "ok", "responses": _json_response({"$ref": "#/components/schemas/A"})}},
        "/ext": {"get": {"operationId": "ext", "responses": _json_response({"$ref": "http://x/y.json#/A"})}},
        "/broken": {"get": {"operationId": "broken", "parameters": [{"$ref": "#/components/parameters/Nope"}],
                            "responses": _json_response({"type": "object"})}},
        "/head": {"head": {"operationId": "h", "responses": {"200": {"description": "ok"}}}}},
        {"A": {"type": "object", "properties": {"a": {"type": "string"}}}})
    p = tmp_path / "messy.json"
    p.write_text(json.dumps(doc))
    with pytest.warns(OpenAPIWarning) as rec:
        reg = ToolRegistry.load(str(p))
    assert set(reg.tools) == {"ok"}
    msgs = sorted(str(w.message) for w in rec)
    assert len(msgs) == 3
    assert any("GET /ext (ext) skipped: $ref 'http://x/y.json#/A' points outside the document" in m for m in msgs)
    assert any("GET /broken (broken) skipped: broken $ref '#/components/parameters/Nope'" in m for m in msgs)
    assert any("HEAD /head (h) skipped: HEAD operations are not simulated" in m for m in msgs)


def test_unsimulable_constraints_are_loosened_and_unsimulable_responses_fall_back():
    doc = _oas({"/x": {"get": {"operationId": "getX", "parameters": [
        {"in": "query", "name": "code", "required": True, "schema": {"type": "string", "pattern": "^(a|b)+[^x]{2}$"}},
        {"in": "query", "name": "n", "schema": {"type": "integer", "not": {"const": 3}, "multipleOf": 0.5}},
        {"in": "query", "name": "ip", "schema": {"type": "string", "format": "ipv6"}}],
        "responses": _json_response({"type": "object", "properties": {
            "v": {"type": "string", "minProperties": 2}}})}}})
    res = _imp(doc)
    (t,) = res.toolkit.tools
    assert t.properties["n"] == {"type": "integer"} and "format" not in t.properties["ip"]
    assert any("pattern the simulator cannot generate dropped" in n for n in res.notes)
    reg = ToolRegistry([res.toolkit])
    from toolenv.simulator import World

    assert t.properties["code"] == {"type": "string"} and t.required == ["code"]
    resp, code = World(reg, 0).call("getX", {"code": "abc", "n": 4, "ip": "x"})
    assert code is None and "error" not in resp


def test_recursive_schemas_are_cut_and_ref_bombs_are_skipped_quickly():
    bomb = {f"L{i}": {"type": "object", "properties": {"a": {"$ref": f"#/components/schemas/L{i + 1}"},
                                                       "b": {"$ref": f"#/components/schemas/L{i + 1}"}}}
            for i in range(40)}
    bomb["L40"] = {"type": "string"}
    bomb["Node"] = {"type": "object", "properties": {"name": {"type": "string"},
                                                     "children": {"type": "array",
                                                                  "items": {"$ref": "#/components/schemas/Node"}}}}
    bomb["Loop"] = {"$ref": "#/components/schemas/Loop2"}
    bomb["Loop2"] = {"$ref": "#/components/schemas/Loop"}
    paths = {f"/bomb{i}": {"post": {"operationId": f"bomb{i}", "requestBody": {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/L0"}}}}, "responses": {"204": {"description": "ok"}}}}
        for i in range(300)}
    paths = {"/tree": {"get": {"operationId": "tree", "responses": _json_response({"$ref": "#/components/schemas/Node"})}},
             "/loop": {"get": {"operationId": "loop", "responses": _json_response({"$ref": "#/components/schemas/Loop"})}},
             **paths}
    res = _imp(_oas(paths, bomb))  # (time is measured in benchmarks/, not asserted; this must merely finish)
    # the bomb (2**40 subschemas inlined) is cut to a bounded schema, its far parts unconstrained, until
    # the document's budget of inlined subschemas is spent; the operations after that are skipped
    names = {t.name for t in res.toolkit.tools}
    assert {"tree", "loop", "bomb0"} <= names and 10 < len(names) < 200
    assert len(res.skipped) == 302 - len(names) and "2 x max_schema_nodes" in res.skipped[0].skipped
    assert len(json.dumps(res.toolkit.tools[0].parameters)) < 200_000
    assert any(n.startswith("large argument schema") for n in res.notes)
    # under a smaller max_schema_nodes than the cut, the operations are skipped instead, naming the limit
    small = import_openapi(_oas({"/b": paths["/bomb0"], "/tree": paths["/tree"]}, bomb), "b.json", "b",
                           default_limits().replace(max_schema_nodes=300))
    assert [t.name for t in small.toolkit.tools] == ["tree"] and "max_schema_nodes" in small.skipped[0].skipped
    tree = next(t for t in res.toolkit.tools if t.name == "tree").response
    assert tree["properties"]["children"]["items"] == {"type": "object"}  # Node inside Node: cut


def test_cyclic_parameter_refs_and_malformed_operations():
    doc = _oas({"/a": {"get": {"operationId": "a", "parameters": [{"$ref": "#/components/parameters/P"}],
                               "responses": {}}},
                "/b": {"get": "not an operation", "post": {"operationId": "b", "responses": {}}},
                "/c": {"get": {"operationId": "c", "parameters": [{"in": "query"}]}}},
               components={"parameters": {"P": {"$ref": "#/components/parameters/Q"},
                                          "Q": {"$ref": "#/components/parameters/P"}}})
    res = _imp(doc)
    why = {o.label: o.skipped for o in res.operations}
    assert "cyclic $ref" in why["GET /a (a)"] and why["GET /b"] == "the operation is not an object"
    assert "malformed parameter" in why["GET /c (c)"]
    assert [t.name for t in res.toolkit.tools] == ["b"]


def test_documents_that_cannot_load_name_the_reason(tmp_path):
    def problems(doc):
        return [str(p) for p in _imp(doc).problems]

    assert "unsupported Swagger version '1.2'" in problems({"swagger": "1.2", "paths": {}})[0]
    assert "unsupported OpenAPI version '4.0.0'" in problems({"openapi": "4.0.0", "paths": {}})[0]
    assert "no operations" in problems(_oas({}))[0]
    assert "'paths' must be an object" in problems({"openapi": "3.0.0", "paths": []})[0]
    many = _oas({f"/p{i}": {"get": {"responses": {}}} for i in range(30)})
    p = tmp_path / "many.json"
    p.write_text(json.dumps(many))
    with pytest.raises(SpecError, match="max_tools"):
        load_registry(str(p), limits=default_limits().replace(max_tools=10), cache=False)
    y = tmp_path / "notopenapi.yaml"
    y.write_text("name: x\ntools: []\n")
    with pytest.raises(SpecError, match="a YAML spec file must be an OpenAPI / Swagger document"):
        load_registry(str(y))


# ---- hostile YAML ------------------------------------------------------------------------------

@pytest.mark.parametrize("text,needle", [
    ("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9)),
     "alias bomb"),
    ("a: &a [*a]\n", "recursive YAML alias"),
    ("openapi: 3.0.0\nopenapi: 3.1.0\n", "duplicate key 'openapi' in one mapping (line 2)"),
    ("a: [1, 2\n", "invalid YAML at line"),
    ("a: " + "[" * 2000 + "]" * 2000 + "\n", "YAML"),
    ("a: !!python/object:os.system {}\n", "invalid YAML"),
    ("--- {a: 1}\n--- {b: 2}\n", "invalid YAML"),
])
def test_hostile_yaml_is_refused_quickly(tmp_path, text, needle):
    p = tmp_path / "h.yaml"
    p.write_text(text)
    doc, probs = read_yaml_file(p, default_limits())
    assert doc is None and probs and needle in probs[0][1], probs
    toolkits, problems = load_toolkits([p])
    assert not toolkits and problems and str(p) in str(problems[0])


def test_yaml_values_become_json(tmp_path):
    p = tmp_path / "v.yaml"
    p.write_text("swagger: 2.0\ninfo: {title: t, version: 2020-01-01}\npaths:\n  /a:\n    get:\n"
                 "      responses:\n        200: {description: ok, schema: {type: object, properties: "
                 "{on: {type: boolean}}}}\n")
    doc, probs = read_yaml_file(p, default_limits())
    assert not probs and doc["info"]["version"] == "2020-01-01"
    assert set(doc["paths"]["/a"]["get"]["responses"]) == {"200"}
    res = import_file(p)
    assert res.version == "2.0" and [t.name for t in res.toolkit.tools] == ["get_a"]
