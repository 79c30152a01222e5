"""BFCL multi-turn: backends, executor safety and determinism, state / response / turn checks."""

from __future__ import annotations

import pytest

from toolenv.suites import default_data_dir
from toolenv.suites.bfcl.backends import CLASSES
from toolenv.suites.bfcl.backends.executor import Executor
from toolenv.suites.bfcl.data import load_category
from toolenv.suites.bfcl.multi_turn import check_multi_turn

DATA = default_data_dir()
pytestmark = pytest.mark.skipif(DATA is None, reason="../shared/bfcl not present")

FS_CONFIG = {"GorillaFileSystem": {"root": {"workspace": {"type": "directory", "contents": {
    "document": {"type": "directory", "contents": {
        "a.txt": {"type": "file", "content": "b line\na line\nbudget analysis"},
        "b.txt": {"type": "file", "content": "other"}}},
    "archive": {"type": "directory", "contents": {}}}}}}}


def entry(gt):
    return {"id": "t", "initial_config": FS_CONFIG, "involved_classes": ["GorillaFileSystem"], "ground_truth": gt}


GT = [["cd(folder='document')", "mkdir(dir_name='temp')"], ["grep(file_name='a.txt', pattern='budget')"], ["sort('a.txt')"]]


@pytest.fixture(scope="module")
def mt_entries():
    return load_category(DATA, "multi_turn_base")


def test_ground_truth_replays_and_flat_or_stepwise_results_pass():
    assert check_multi_turn(entry(GT), GT)["valid"]  # flat list of call strings per turn
    stepwise = [[["cd(folder='document')"], ["mkdir(dir_name='temp')"]], [["grep(file_name='a.txt',pattern='budget')"]], [["sort(file_name='a.txt')"]]]
    assert check_multi_turn(entry(GT), stepwise)["valid"]
    raw = [["[cd(folder='document'), mkdir(dir_name='temp')]"], ["[grep(file_name='a.txt', pattern='budget')]"], ["Sure!", "[sort(file_name='a.txt')]"]]
    assert check_multi_turn(entry(GT), raw)["valid"]  # raw prompt-style steps, chat steps ignored
    fc = [[[{"cd": '{"folder": "document"}'}, {"mkdir": '{"dir_name": "temp"}'}]], [[{"grep": '{"file_name": "a.txt", "pattern": "budget"}'}]], [[{"sort": '{"file_name": "a.txt"}'}]]]
    assert check_multi_turn(entry(GT), fc)["valid"]


def test_state_mismatch():
    r = check_multi_turn(entry(GT), [["cd(folder='document')"], GT[1], GT[2]])  # no mkdir
    assert r["error_type"] == "multi_turn:instance_state_mismatch"


def test_response_mismatch_and_results_so_far():
    r = check_multi_turn(entry(GT), [GT[0], ["grep(file_name='a.txt', pattern='line')"], GT[2]])
    assert r["error_type"] == "multi_turn:execution_response_mismatch"
    # a result obtained in an earlier turn counts for a later one
    early = [GT[0] + ["sort(file_name='a.txt')"], GT[1], ["ls()"]]
    assert check_multi_turn(entry(GT), early)["valid"]


def test_empty_turn_force_terminated_and_empty_ground_truth_turn():
    assert check_multi_turn(entry(GT), [GT[0], [], GT[2]])["error_type"] == "multi_turn:empty_turn_model_response"
    assert check_multi_turn(entry(GT), [GT[0], ["not a call at all"], GT[2]])["error_type"] == "multi_turn:empty_turn_model_response"
    assert check_multi_turn(entry(GT), [GT[0], GT[1]])["error_type"] == "multi_turn:force_terminated"
    gt = [GT[0], []]
    assert check_multi_turn(entry(gt), [GT[0], []])["valid"]  # answering without a call is right
    assert check_multi_turn(entry(gt), "oops")["error_type"] == "multi_turn:inference_error"


def test_executor_never_evaluates():
    ex = Executor(["GorillaFileSystem", "MathAPI"], FS_CONFIG)
    out = ex.execute([
        "__import__('os').system('echo pwned')",
        "exit()",
        "ls(a=open('/etc/passwd').read())",
        "nope(x=1)",
        "cd()",
        "cd(folder=document)",
        "add(a=1, b=2)",
        "add(1, 2)",
        "mean(numbers=[1, 2, 3])",
    ])
    assert out[0] == "Error during execution: name '__import__' is not defined"
    assert out[1] == "Error during execution: Function call exit is not allowed."
    assert out[2].startswith("Error during execution: name 'open' is not defined")
    assert out[3] == "Error during execution: name 'nope' is not defined"
    assert out[4] == "Error during execution: GorillaFileSystem.cd() missing 1 required positional argument: 'folder'"
    assert out[5] == "Error during execution: name 'document' is not defined"
    assert out[6] == out[7] == '{"result": 3}'
    assert out[8] == '{"result": 2.0}'


def test_backends_deterministic(mt_entries):
    for e in mt_entries[::10]:
        runs = []
        for _ in range(2):
            ex = Executor(e["involved_classes"], e["initial_config"])
            results = [ex.execute(t) for t in e["ground_truth"]]
            runs.append((results, ex.state_hash()))
        assert runs[0] == runs[1], e["id"]


def test_generated_ids_match_ground_truth_references(mt_entries):
    by_id = {e["id"]: e for e in mt_entries}
    ex = Executor(["TravelAPI"], by_id["multi_turn_base_174"]["initial_config"])
    out = [ex.execute(t) for t in by_id["multi_turn_base_174"]["ground_truth"][:3]]
    assert '"booking_id": "3426812"' in out[0][2]
    assert '"insurance_id": "498276044"' in out[1][0]
    ex = Executor(["MessageAPI"], {"MessageAPI": {"current_user": "USR001"}})
    assert '"message_id": 67410' in ex.execute_one("send_message(receiver_id='USR002', message='hi')")


def test_every_backend_class_documented_and_public_methods_match_docs(mt_entries):
    import json
    from pathlib import Path

    from toolenv.suites.bfcl.backends import DOC_FILES

    for cls_name, cls in CLASSES.items():
        docs = [json.loads(l) for l in (Path(DATA) / "multi_turn_func_doc" / DOC_FILES[cls_name]).read_text().splitlines() if l.strip()]
        public = {n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))}
        assert {d["name"] for d in docs} <= public, cls_name
        for d in docs:  # same parameter names, in doc order
            import inspect

            params = list(inspect.signature(getattr(cls, d["name"])).parameters)[1:]
            assert params == list(d["parameters"]["properties"]), (cls_name, d["name"])
