"""BFCL multi-turn: backends, executor safety and determinism, state / response / turn checks, the
official reading of result files (string turns, string steps, the opt-in ``multi_turn_strings`` modes)."""

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
    # official reading: string steps are prompt output (positional arguments dropped: sort('a.txt') -> sort())
    r = check_multi_turn(entry(GT), GT)
    assert r["error_type"] == "multi_turn:execution_response_mismatch" and r["decoded"][2] == [["sort()"]]
    assert check_multi_turn(entry(GT), GT, "auto")["valid"]  # opt-in: a lone positional call runs as it is
    assert check_multi_turn(entry(GT), GT, "calls")["valid"]
    assert not check_multi_turn(entry(GT), GT, "raw")["valid"]
    kw = [GT[0], GT[1], ["sort(file_name='a.txt')"]]
    assert check_multi_turn(entry(GT), kw)["valid"]  # flat list of strings per turn: one step per string
    stepwise = [[["cd(folder='document')"], ["mkdir(dir_name='temp')"]], [["grep(file_name='a.txt',pattern='budget')"]], [["sort(file_name='a.txt')"]]]
    assert check_multi_turn(entry(GT), stepwise, "auto")["valid"]  # lists of call strings: opt-in only
    assert check_multi_turn(entry(GT), stepwise)["error_type"] == "multi_turn:empty_turn_model_response"
    raw = [["[cd(folder='document'), mkdir(dir_name='temp')]"], ["[grep(file_name='a.txt', pattern='budget')]"], ["Sure!", "[sort(file_name='a.txt')]"]]
    assert check_multi_turn(entry(GT), raw)["valid"]  # raw prompt-style steps, chat steps ignored
    fc = [[[{"cd": '{"folder": "document"}'}, {"mkdir": '{"dir_name": "temp"}'}]], [[{"grep": '{"file_name": "a.txt", "pattern": "budget"}'}]], [[{"sort": '{"file_name": "a.txt"}'}]]]
    assert check_multi_turn(entry(GT), fc)["valid"]


def test_string_turns_read_character_by_character_unless_opted_in():
    turns = ["[cd(folder='document'), mkdir(dir_name='temp')]", "[grep(file_name='a.txt', pattern='budget')]", "[sort(file_name='a.txt')]"]
    r = check_multi_turn(entry(GT), turns)  # official: a string is iterated, no character decodes to a call
    assert r["error_type"] == "multi_turn:empty_turn_model_response" and r["decoded"] == [[], [], []]
    assert r["error"]["error_message"] == "Model response list is empty for turn 0"
    for mode in ("auto", "raw", "calls"):
        assert check_multi_turn(entry(GT), turns, mode)["valid"] is (mode != "calls"), mode  # calls: '[...]' is no call string
    with pytest.raises(ValueError, match="multi_turn_strings"):
        check_multi_turn(entry(GT), turns, "whole")


def test_state_mismatch():
    r = check_multi_turn(entry(GT), [["cd(folder='document')"], GT[1], ["sort(file_name='a.txt')"]])  # no mkdir
    assert r["error_type"] == "multi_turn:instance_state_mismatch"
    err = r["error"]
    assert list(err) == ["error_message", "error_type", "details", "execution_result"]
    assert list(err["details"]) == ["differences", "model_instance_state", "ground_truth_instance_state"]
    assert list(err["details"]["differences"]) == ["root"]
    assert err["execution_result"] == [{"model": [['{"current_working_directory": "document"}']],
                                        "ground_truth": ['{"current_working_directory": "document"}', "None"]}]


def test_response_mismatch_and_results_so_far():
    r = check_multi_turn(entry(GT), [GT[0], ["grep(file_name='a.txt', pattern='line')"], ["sort(file_name='a.txt')"]])
    assert r["error_type"] == "multi_turn:execution_response_mismatch"
    assert list(r["error"]["details"]) == ["missing_items", "model_response (including all previous turns)",
                                           "ground_truth_response (only the current turn)"]
    # a result obtained in an earlier turn counts for a later one
    early = [GT[0] + ["sort(file_name='a.txt')"], GT[1], ["ls()"]]
    assert check_multi_turn(entry(GT), early)["valid"]


def test_empty_turn_force_terminated_and_empty_ground_truth_turn():
    last = ["sort(file_name='a.txt')"]
    r = check_multi_turn(entry(GT), [GT[0], [], last])
    assert r["error_type"] == "multi_turn:empty_turn_model_response"
    assert list(r["error"]) == ["error_message", "error_type", "details"] and len(r["error"]["details"]["execution_result"]) == 2
    assert check_multi_turn(entry(GT), [GT[0], ["not a call at all"], last])["error_type"] == "multi_turn:empty_turn_model_response"
    r = check_multi_turn(entry(GT), [GT[0], GT[1]])
    assert r["error_type"] == "multi_turn:force_terminated" and r["decoded"] is None
    assert r["error"] == {"error_message": ["Model was force-terminated during inference phase. The length of the model result turns (2) "
                                            "does not match the length of the ground truth turns (3)."], "error_type": "multi_turn:force_terminated"}
    gt = [GT[0], []]
    assert check_multi_turn(entry(gt), [GT[0], []])["valid"]  # answering without a call is right
    assert check_multi_turn(entry(gt), [GT[0], ["[ls()]"]])["valid"]  # and a call there is not checked (official)
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
    assert "67410" in ex.execute_one("send_message(receiver_id='USR002', message='hi')")  # the id the ground truth uses


def test_every_backend_class_documented_and_public_methods_match_docs(mt_entries):
    import json
    from pathlib import Path

    from toolenv.suites.bfcl.backends import DOC_FILES

    for cls_name, cls in CLASSES.items():
        docs = [json.loads(l) for l in (Path(DATA) / "multi_turn_func_doc" / DOC_FILES[cls_name]).read_text().splitlines() if l.strip()]
        public = {n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))}
        assert {d["name"] for d in docs} <= public, cls_name
        for d in docs:  # the doc's parameter names (in the official signature's order, which may differ from the doc's)
            import inspect

            params = list(inspect.signature(getattr(cls, d["name"])).parameters)[1:]
            assert set(params) == set(d["parameters"]["properties"]), (cls_name, d["name"])


def test_long_context_constants_are_shared_only_where_the_official_evaluator_shares_them():
    """Officially a long-context card's balance changed by one entry is seen by later ones; the
    scorer reproduces that, the env's episodes each get their own copy (same seed, same episode)."""
    from toolenv.suites.bfcl.backends.base import official_shared_state, shared_long_context_data

    a, b = shared_long_context_data("CREDIT_CARD_EXTENSION"), shared_long_context_data("CREDIT_CARD_EXTENSION")
    assert a == b and a is not b
    with official_shared_state():
        c, d = shared_long_context_data("CREDIT_CARD_EXTENSION"), shared_long_context_data("CREDIT_CARD_EXTENSION")
    assert c is d  # (its content may differ from a fresh copy: earlier scoring in this process may have changed it)
    assert shared_long_context_data("CREDIT_CARD_EXTENSION") is not c  # off again after the block


def test_twitter_default_lists_are_per_instance_outside_the_official_sharing():
    from toolenv.suites.bfcl.backends import TwitterAPI
    from toolenv.suites.bfcl.backends.base import official_shared_state

    def posted_then_mentioned(share: bool):
        a, b = TwitterAPI(), TwitterAPI()
        for inst in (a, b):
            inst._load_scenario({"username": "u", "password": "p", "authenticated": True})
        with official_shared_state() if share else _nothing():
            ta = a.post_tweet("hello")
            a.mention(ta["id"], ["@x"])
            tb = b.post_tweet("other")
        return tb["mentions"]

    from toolenv.suites.bfcl.backends import posting_api

    assert posted_then_mentioned(False) == []  # b's tweet has its own default list
    saved = list(posting_api._DEFAULT_MENTIONS)
    try:
        assert "@x" in posted_then_mentioned(True)  # the official process-wide default list
    finally:  # leave the process-wide list as it was (the differential tests compare it with the official one)
        posting_api._DEFAULT_MENTIONS[:] = saved


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False
