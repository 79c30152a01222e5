"""Worlds inferred for specs without outputs (toolenv/infer.py): bare OpenAI, BFCL and MCP specs
get collections, effects and responses, so every category (multi_step included) is synthesized
and the oracle solves it; what is inferred is shown by `validate` and written by `infer`."""

from __future__ import annotations

import copy
import dataclasses
import json
import subprocess
import sys
from collections import Counter

import gymnasium as gym
import pytest

import toolenv  # noqa: F401
from tests.conftest import REPO, SHOP
from toolenv import infer
from toolenv.cli import main
from toolenv.simulator import World
from toolenv.spec import ToolRegistry, load_registry, load_toolkits
from toolenv.synth import Synthesizer, synthesize
from toolenv.synth.categories import resolve_ref
from toolenv.tasks import CATEGORIES, load_tasks

WILD = REPO / "tests" / "data" / "wild"
CLINIC = WILD / "clinic_openai.json"
LIBRARY = WILD / "library_bfcl.json"
NOTES = WILD / "notes_mcp.json"


def _kit(path):
    [tk] = load_registry(path).toolkits.values()
    return tk


def _effects(tk) -> dict:
    return {t.name: (t.effect.action, t.effect.collection) if t.effect else None for t in tk.tools}


# ---- what is inferred ---------------------------------------------------------------------------

def test_clinic_bare_openai_spec_gets_collections_effects_and_id_links():
    tk = _kit(CLINIC)
    assert tk.inferred is not None and not tk.inferred.notes
    assert _effects(tk) == {"find_doctors": ("search", "doctors"), "book_appointment": ("create", "appointments"),
                            "cancel_appointment": ("delete", "appointments"), "get_lab_results": ("list", "lab_results")}
    doctors, appts = tk.collections["doctors"], tk.collections["appointments"]
    assert doctors.id_field == "doctor_id" and appts.id_field == "appointment_id"
    # search filters and the description's "Returns each doctor's ... full name, clinic name" are record fields
    assert {"specialty", "city", "rating", "full_name", "clinic_name"} <= set(doctors.schema["properties"])
    assert doctors.schema["properties"]["rating"]["maximum"] == 5  # from min_rating's bounds
    assert {"doctor_id", "patient_name", "date", "time"} <= set(appts.schema["properties"])  # what the create takes
    assert "reason" not in appts.schema["properties"]  # a delete's argument is not a record field
    assert appts.initial > 0 and doctors.initial > appts.initial
    links = infer.id_links(tk)
    assert ("find_doctors", "book_appointment", "doctor_id") in links
    assert ("book_appointment", "cancel_appointment", "appointment_id") in links
    # a response schema for every stateful tool; the list lives under the collection's name
    find = next(t for t in tk.tools if t.name == "find_doctors")
    assert find.response["properties"]["doctors"]["items"]["properties"]["doctor_id"]["type"] == "string"
    # without inference the same file has no world: multi_step is what it was missing
    plain = load_registry(CLINIC, infer_world=False)
    assert not next(iter(plain.toolkits.values())).collections
    assert Synthesizer(plain).feasible("multi_step") is not None
    assert Synthesizer(load_registry(CLINIC)).categories() == list(CATEGORIES)


def test_library_bfcl_function_list_gets_a_lending_world():
    tk = _kit(LIBRARY)
    assert _effects(tk) == {
        "search_books": ("search", "books"), "get_book_details": ("read", "books"),
        "register_member": ("create", "members"), "borrow_book": ("create", "loans"),
        "renew_loan": ("update", "loans"), "return_book": ("delete", "loans"),
        "list_member_loans": ("list", "loans"), "get_library_hours": None}
    loans = tk.collections["loans"].schema["properties"]
    assert {"loan_id", "book_id", "member_id", "due_date"} <= set(loans)  # refs to books/members; "Returns ... due date"
    books = tk.collections["books"].schema["properties"]
    assert books["available_copies"]["type"] == "integer" and "publication_year" in books
    links = infer.id_links(tk)
    for link in [("search_books", "borrow_book", "book_id"), ("register_member", "borrow_book", "member_id"),
                 ("borrow_book", "return_book", "loan_id"), ("borrow_book", "renew_loan", "loan_id")]:
        assert link in links
    reg = load_registry(LIBRARY)
    assert reg.tools["borrow_book"].parameters["type"] == "object"  # BFCL's "dict", normalised


def test_mcp_tool_list_gets_crud_on_camel_case_ids():
    tk = _kit(NOTES)
    assert _effects(tk) == {"create_note": ("create", "notes"), "search_notes": ("search", "notes"),
                            "get_note": ("read", "notes"), "update_note": ("update", "notes"),
                            "delete_note": ("delete", "notes")}
    assert tk.collections["notes"].id_field == "noteId"
    # the simulator keeps the state: a created note is read back, updated, deleted, then not found
    w = World(load_registry(NOTES), seed=3)
    made, err = w.call("create_note", {"title": "Groceries", "content": "eggs, milk"})
    assert err is None and made["title"] == "Groceries"
    nid = made["noteId"]
    assert w.call("update_note", {"noteId": nid, "title": "Shopping"})[1] is None
    assert w.call("get_note", {"noteId": nid})[0]["title"] == "Shopping"
    assert w.call("delete_note", {"noteId": nid})[0]["status"] == "deleted"
    gone, code = w.call("get_note", {"noteId": nid})
    assert code == "exec:not_found" and gone["error"]["code"] == 404


def test_a_lone_stateless_tool_stays_stateless():
    tool = {"name": "get_forecast", "description": "Get the weather forecast for a city.",
            "parameters": {"type": "dict", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                           "required": ["city"]}}
    [tk] = ToolRegistry.from_documents([([tool], "weather.json")]).toolkits.values()
    assert tk.inferred is not None and not tk.collections and tk.tools[0].effect is None
    assert tk.tools[0].response is None  # the simulator's echo answer, as before
    assert "collections: none" in "\n".join(infer.summary_lines(tk))


@pytest.mark.parametrize("name,params,expect", [
    ("get_user", {"user_id": {"type": "string"}}, ("read", "users")),
    ("getUser", {"userId": {"type": "string"}}, ("read", "users")),
    ("users.delete", {"id": {"type": "integer"}}, ("delete", "users")),
    ("list_orders", {"status": {"type": "string"}}, ("list", "orders")),
    ("find_hotels", {"city": {"type": "string"}}, ("search", "hotels")),
    ("reschedule_meeting", {"meeting_id": {"type": "string"}, "new_time": {"type": "string"}}, ("update", "meetings")),
    ("get_directions", {"origin": {"type": "string"}}, None),
    ("convert_currency", {"amount": {"type": "number"}}, None),
])
def test_name_rules(name, params, expect):
    doc = [{"name": name, "description": "A tool.", "parameters": {"type": "object", "properties": params}}]
    [tk] = ToolRegistry.from_documents([(doc, "x.json")]).toolkits.values()
    assert _effects(tk)[name] == expect


def test_description_fields():
    f = infer._description_fields
    assert f("Returns each doctor's doctor_id, full name, clinic name, address and rating; pass the doctor_id on.") \
        == ["full_name", "clinic_name", "address", "rating"]
    assert f("Get the catalogue record of a book: summary, ISBN and page count.") == ["summary", "isbn", "page_count"]
    assert f("Delete a note permanently.") == []


def test_inference_is_deterministic_across_processes():
    code = ("import json; from toolenv.spec import load_registry; from toolenv.infer import world_document;"
            f"print(json.dumps([world_document(t) for t in load_registry({str(LIBRARY)!r}).toolkits.values()]))")
    outs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                           env={"PYTHONHASHSEED": s, "PATH": "/usr/bin"}, check=True).stdout for s in ("1", "2")]
    assert outs[0] == outs[1] and json.loads(outs[0])[0]["collections"]["loans"]


# ---- clinic end to end: synth, oracle, chains -----------------------------------------------------

@pytest.fixture(scope="module")
def clinic_tasks(tmp_path_factory):
    out = tmp_path_factory.mktemp("clinic") / "tasks.jsonl"
    assert main(["synth", "--tool-specs", str(CLINIC), "--num", "64", "--seed", "0", "--out", str(out)]) == 0
    return out


def test_clinic_synth_yields_all_8_categories_and_the_oracle_solves_each(clinic_tasks, tmp_path):
    tasks = load_tasks(clinic_tasks)
    assert Counter(t.category for t in tasks) == {c: 8 for c in CATEGORIES}
    report = tmp_path / "report.json"
    assert main(["eval", "--agent", "oracle", "--tool-specs", str(CLINIC), "--tasks", str(clinic_tasks),
                 "--no-progress", "--out", str(report)]) == 0
    by_cat = json.loads(report.read_text())["by_category"]
    assert set(by_cat) == set(CATEGORIES)
    assert all(b["success_rate"] == 1.0 and b["episodes"] == 8 for b in by_cat.values()), by_cat


def test_clinic_multi_step_second_call_uses_an_id_the_first_returned(clinic_tasks):
    reg = load_registry(CLINIC)
    chains = [t for t in load_tasks(clinic_tasks) if t.category == "multi_step"]
    assert chains
    for task in chains:
        steps = [s[0] for s in task.turns[0].steps]
        first, second = steps[0], steps[1]
        refs = {p: v["$ref"] for p, v in second.arguments.items() if isinstance(v, dict) and "$ref" in v}
        assert refs and all(r.startswith(first.label + "/") for r in refs.values()), second.arguments
        w = World(reg, task.seed)
        resp1, err = w.call(first.name, first.arguments)
        assert err is None
        (param, ref), = refs.items()
        value = resolve_ref(ref, {first.label: resp1})
        coll = {c.id_field: c for c in reg.toolkit_of(second.name).collections.values()}[param]
        assert w.get(coll, value) is not None  # an id of a live record, taken from the first response
        args = {**second.arguments, param: value}
        resp2, err = w.call(second.name, args)
        assert err is None and "error" not in resp2
        if second.name == "cancel_appointment":
            assert resp2["appointment_id"] == value and w.get(coll, value) is None
        if second.name == "book_appointment":
            assert resp2["doctor_id"] == value
    pairs = {(t.turns[0].steps[i][0].name, t.turns[0].steps[i + 1][0].name)
             for t in chains for i in range(len(t.turns[0].steps) - 1)}
    assert {("find_doctors", "book_appointment"), ("book_appointment", "cancel_appointment")} <= pairs
    assert any(len(t.turns[0].steps) >= 3 for t in chains)  # find -> book -> cancel


def test_second_shape_bfcl_library_runs_every_category_with_the_oracle():
    reg = load_registry(LIBRARY)
    tasks = synthesize(reg, 32, seed=1)
    assert {t.category for t in tasks} == set(CATEGORIES)
    env = gym.make("ToolUse-v0", tool_specs=str(LIBRARY), tasks=[t.to_dict() for t in tasks])
    for i, t in enumerate(tasks):
        env.reset(options={"task_index": i})
        while True:
            _, _, term, trunc, info = env.step(env.unwrapped.expert_action() or "done")
            if term or trunc:
                break
        assert info["success"], (t.category, t.turns[0].user)
    env.close()
    chains = [t for t in tasks if t.category == "multi_step"]
    assert any(isinstance(v, dict) and "$ref" in v for t in chains for s in t.turns[0].steps[1:]
               for v in s[0].arguments.values())


# ---- the commands ----------------------------------------------------------------------------------

def test_validate_explains_what_it_inferred(capsys):
    assert main(["validate", str(CLINIC)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: 1 toolkit(s), 4 tools (4 stateful)")
    assert "clinic_openai: world inferred" in out
    assert "collections: doctors (id doctor_id" in out
    assert "find_doctors -> book_appointment.doctor_id" in out
    assert "book_appointment -> cancel_appointment.appointment_id" in out
    assert "effects: find_doctors search doctors; book_appointment create appointments" in out
    assert main(["validate", str(REPO / "toolenv" / "tool_specs" / "clinic.json")]) == 0
    assert "inferred" not in capsys.readouterr().out  # a declared world is reported as before


def test_infer_command_writes_a_toolkit_that_validates_and_loads_the_same_world(tmp_path, capsys):
    out = tmp_path / "clinic_openai.world.json"
    assert main(["infer", str(CLINIC), "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    doc = json.loads(out.read_text())
    assert doc["name"] == "clinic_openai" and set(doc["collections"]) == {"doctors", "appointments", "lab_results"}
    assert doc["tools"][1]["effect"] == {"collection": "appointments", "action": "create"}
    assert main(["validate", str(out)]) == 0
    assert "inferred" not in capsys.readouterr().out  # the written world is declared: used as written
    written, auto = _kit(out), _kit(CLINIC)
    assert written.inferred is None
    assert written.collections == auto.collections
    for a, b in zip(written.tools, auto.tools):
        assert (a.name, a.parameters, a.response, a.effect) == (b.name, b.parameters, b.response, b.effect)
    # an edit to the written file is what runs
    doc["collections"]["doctors"]["initial"] = 2
    out.write_text(json.dumps(doc))
    assert _kit(out).collections["doctors"].initial == 2
    # stdout without --out; a spec with a world is refused in one line
    assert main(["infer", str(LIBRARY)]) == 0
    assert json.loads(capsys.readouterr().out)["collections"]["loans"]["id_field"] == "loan_id"
    assert main(["infer", str(REPO / "toolenv" / "tool_specs" / "clinic.json")]) == 2
    assert "nothing to infer" in capsys.readouterr().err


# ---- opting out; declared worlds; the contract for other importers ---------------------------------

def test_opt_outs(tmp_path):
    tools = json.loads(CLINIC.read_text())
    f = tmp_path / "kit.json"
    f.write_text(json.dumps({"name": "kit", "description": "no world please", "infer_world": False, "tools": tools}))
    assert not _kit(f).collections and _kit(f).inferred is None
    tools2 = copy.deepcopy(tools)
    tools2[3]["function"]["effect"] = {"action": "none"}  # keep get_lab_results stateless
    g = tmp_path / "clinic2.json"
    g.write_text(json.dumps(tools2))
    eff = _effects(_kit(g))
    assert eff["get_lab_results"] is None and eff["book_appointment"] == ("create", "appointments")
    [tk] = load_toolkits(CLINIC, infer_world=False)[0]
    assert tk.inferred is None and all(t.effect is None for t in tk.tools)


def test_declared_worlds_are_left_alone():
    reg = load_registry()
    assert all(tk.inferred is None for tk in reg.toolkits.values())
    [tk] = ToolRegistry.from_documents([(SHOP, "shop.json")]).toolkits.values()
    assert tk.inferred is None and tk.tools[-1].effect is None  # get_weather stays stateless


def test_infer_world_keeps_a_partial_world_and_adds_to_it():
    """What an importer (e.g. OpenAPI) relies on: declared collections, effects and responses stay;
    tools without an effect get one, on a declared collection when their ids name it."""
    [shop] = ToolRegistry.from_documents([(SHOP, "shop.json")]).toolkits.values()
    extra = [{"name": "update_order", "description": "Change the quantity of an order.",
              "parameters": {"type": "object", "properties": {"order_id": {"type": "string"},
                                                               "quantity": {"type": "integer", "minimum": 1}},
                             "required": ["order_id", "quantity"]}},
             {"name": "list_reviews", "description": "List reviews of products.",
              "parameters": {"type": "object", "properties": {"product_id": {"type": "string"}}}}]
    [more] = ToolRegistry.from_documents([(extra, "more.json")], infer_world=False).toolkits.values()
    kit = dataclasses.replace(shop, tools=shop.tools + more.tools)
    before = copy.deepcopy(world := infer.world_document(kit))
    out = infer.infer_world(kit)
    assert infer.world_document(kit) == before == world  # the argument is not changed
    eff = _effects(out)
    assert eff["update_order"] == ("update", "orders") and eff["list_reviews"] == ("list", "reviews")
    assert eff["place_order"] == ("create", "orders") and eff["get_weather"] is None
    assert out.collections["orders"] == shop.collections["orders"]
    assert next(t for t in out.tools if t.name == "get_order").response == shop.tools[2].response
    assert out.collections["reviews"].schema["properties"]["product_id"]["type"] == "string"
    assert out.tools[-1].source == "more.json" and out.tools[-1].pointer == "/1"  # problems still name the file
    w = World(ToolRegistry([out]), seed=0)
    oid = w.call("place_order", {"product_id": w.records(out.collections["products"])[0]["product_id"],
                                 "quantity": 1})[0]["order_id"]
    assert w.call("update_order", {"order_id": oid, "quantity": 4})[1] is None
    assert w.call("get_order", {"order_id": oid})[0]["quantity"] == 4


def test_refused_or_failing_inference_never_breaks_a_valid_spec(monkeypatch):
    real = infer._response_for

    def bad(action, *a):
        r = real(action, *a)
        if action == "delete":
            r["properties"]["status"] = {"type": "string", "enum": []}  # the loader refuses an empty enum
        return r

    monkeypatch.setattr(infer, "_response_for", bad)
    tk = infer.infer_world(next(iter(load_registry(CLINIC, infer_world=False).toolkits.values())))
    cancel = next(t for t in tk.tools if t.name == "cancel_appointment")
    assert cancel.effect is not None and cancel.response is None  # the refused response dropped, the effect kept
    assert any("cancel_appointment: inferred response dropped" in n for n in tk.inferred.notes)

    def boom(self):
        raise RuntimeError("bug")

    monkeypatch.setattr(infer._Inferrer, "run", boom)
    [tk] = ToolRegistry.from_documents([(json.loads(CLINIC.read_text()), "c.json")]).toolkits.values()
    assert not tk.collections and "inference failed" in tk.inferred.notes[0]


def test_hostile_descriptions_and_names_are_cheap():
    import time

    long = "Returns the doctor's " * 4500  # every trigger word again: work must stay bounded
    doc = [{"name": "find_doctors", "description": long,
            "parameters": {"type": "object", "properties": {"x" * 5000 + "_id": {"type": "string"},
                                                            "city": {"type": "string"}}}},
           {"name": "book_doctor", "description": "Book. " + "with their a, b, " * 3000 + " " * 40000,
            "parameters": {"type": "object", "properties": {"doctor_id": {"type": "string"}}}}]
    t0 = time.perf_counter()
    [tk] = ToolRegistry.from_documents([(doc, "hostile.json")]).toolkits.values()
    assert time.perf_counter() - t0 < 30.0  # a hang guard only (before the bound: 196 s); the cost is measured in benchmarks/
    assert tk.inferred is not None and not tk.inferred.notes
