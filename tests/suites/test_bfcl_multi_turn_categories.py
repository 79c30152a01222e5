"""The four BFCL multi-turn categories: the oracle through gym.make / agents.oracle on every entry,
miss_func's held-out tools and messages, long-context backends, the last-turn step limit, the
official score-file layout of multi-turn lines and ``toolenv bfcl-score`` on each category."""

from __future__ import annotations

import json

import pytest

from toolenv.parse import parse_action
from toolenv.suites import default_data_dir, load_suite
from toolenv.suites.bfcl.data import MULTI_TURN_CATEGORIES, load_category, question_path

DATA = default_data_dir()
CATS = [c for c in MULTI_TURN_CATEGORIES if DATA and question_path(DATA, c).is_file()]
pytestmark = pytest.mark.skipif(not CATS, reason="../shared/bfcl (multi-turn categories) not present")


@pytest.fixture(scope="module")
def suites():
    return {c: load_suite(f"bfcl:{c}", DATA) for c in CATS}


def test_every_multi_turn_category_is_a_suite_and_a_score_category():
    from toolenv.suites import available_suites
    from toolenv.suites.bfcl.data import CATEGORIES

    for c in ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context"):
        assert c in CATEGORIES and f"bfcl:{c}" in available_suites()


@pytest.mark.parametrize("category", CATS)
def test_oracle_agent_solves_every_entry_through_gym(category):
    gym = pytest.importorskip("gymnasium")
    pytest.importorskip("toolenv.env")
    from agents.oracle import OracleAgent

    agent = OracleAgent()
    env = gym.make("ToolUse-v0", suite=f"bfcl:{category}", data_dir=DATA)
    n = len(env.unwrapped.suite)
    assert n == 200
    failed = []
    for i in range(n):
        obs, _ = env.reset(seed=i, options={"task_index": i})
        total = 0.0
        while True:
            obs, reward, terminated, truncated, info = env.step(agent.act(obs, env))
            total += reward
            if terminated or truncated:
                break
        if not (terminated and info["success"] and total == pytest.approx(1.0)):
            failed.append((env.unwrapped.task.id, info.get("bfcl_error_type")))
    assert not failed, failed[:5]


def test_miss_func_withholds_functions_until_their_turn(suites):
    if "multi_turn_miss_func" not in suites:
        pytest.skip("multi_turn_miss_func not present")
    suite = suites["multi_turn_miss_func"]
    task = suite.task(0)  # sort is held out until turn 3; turn 2 (which asks to sort) has no ground truth
    assert "sort" not in task.tools and [d["name"] for d in task.meta["missed_function"]["3"]] == ["sort"]
    assert task.meta["question"][3] == [] and task.meta["ground_truth"][2] == []
    ep = suite.episode(task, 0)
    assert "sort" not in {t["function"]["name"] for t in ep.tools()}
    for _ in range(5):  # turns 0, 1: ground truth + end of turn; turn 2: the expert says it cannot
        a = ep.expert_action()
        out = ep.step(parse_action(a), ["c0", "c1", "c2"])
    assert a.startswith("None of the available functions") and out.info["bfcl_turn_valid"]
    msg = out.messages[-1]  # the default: the function-calling model's message, the docs joining the tools
    assert msg == {"role": "user", "content": "I have updated some more functions you can choose from. What about now?"}
    assert out.tools_changed and [t["function"]["name"] for t in out.info["bfcl_added_tools"]] == ["sort"]
    assert ep.tools()[-1]["function"]["name"] == "sort"  # appended, as the official FC tools are
    # a held-out function called before its turn still executes (officially), flagged as not offered
    ep = suite.episode(task, 0)
    out = ep.step(parse_action("[sort(file_name='final_report.pdf')]"), ["c0"])
    assert "call:unknown_tool" in out.deficiencies and not out.info["bfcl_results"][0].startswith("Error")
    prompting = load_suite("bfcl:multi_turn_miss_func", DATA, holdout_style="prompting")
    (msg,) = prompting.task(0).meta["turn_messages"][3]  # the official prompt-style message lists the docs
    assert msg["content"].startswith("[{'name': 'sort'")
    assert msg["content"].endswith("\nI have updated some more functions you can choose from. What about now?")


def test_miss_param_turn_without_ground_truth_is_not_checked(suites):
    if "multi_turn_miss_param" not in suites:
        pytest.skip("multi_turn_miss_param not present")
    suite = suites["multi_turn_miss_param"]
    task = suite.task(0)
    assert task.meta["ground_truth"][3] == []
    ep = suite.episode(task, 0)
    for _ in range(6):  # turns 0..2
        ep.step(parse_action(ep.expert_action()), ["c0", "c1", "c2"])
    assert ep.expert_action().startswith("I need more information")
    out = ep.step(parse_action("[ls()]"), ["c0"])  # a call in the ask-for-the-parameter turn: not checked
    out = ep.step(parse_action("Which file?"), [])
    assert out.info["bfcl_turn"] == 3 and out.info["bfcl_turn_valid"]


def test_long_context_entries_run_on_long_context_backends(monkeypatch):
    import toolenv.suites.bfcl.multi_turn as mt
    from toolenv.suites.bfcl.data import is_long_context

    if "multi_turn_long_context" not in CATS:
        pytest.skip("multi_turn_long_context not present")
    assert is_long_context("multi_turn_long_context_3") and not is_long_context("multi_turn_base_3")
    flags = []
    original = mt.Executor
    monkeypatch.setattr(mt, "Executor", lambda c, cfg, long_context=False: flags.append(long_context) or original(c, cfg, long_context))
    e = load_category(DATA, "multi_turn_long_context")[0]
    mt.TurnChecker(e)
    mt.TurnChecker({**e, "id": "multi_turn_base_0"})
    assert flags == [True, True, False, False]


def test_step_limit_on_the_last_turn_scores_the_turn(suites):
    suite = suites["multi_turn_base"]
    task = suite.task(0)
    ep = suite.episode(task, 0)
    while ep._turn < len(task.turns) - 1:
        ep.step(parse_action(ep.expert_action()), ["c0", "c1", "c2", "c3"])
    outs = [ep.step(parse_action(ep.expert_action() if i == 0 else "[ls()]"), ["c"] * 8) for i in range(21)]
    last = outs[-1]
    assert last.terminated and last.info["bfcl_force_quit"] and "calls:extra" in last.deficiencies
    assert last.info["bfcl_turn_valid"] and last.info["success"]  # officially the result has every turn


def _score_lines(path):
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("category", CATS)
def test_bfcl_score_command_writes_the_official_multi_turn_layout(category, tmp_path):
    from toolenv.cli import main

    entries = load_category(DATA, category)[:6]
    rows = []
    for i, e in enumerate(entries):
        gt = e["ground_truth"]
        if i == 0:
            result = "not a list"
        elif i == 1:
            result = gt + [[]]
        elif i == 2:
            result = ["[" + ", ".join(t) + "]" for t in gt]  # one string per turn: read character by character
        elif i == 3:
            result = [[] for _ in gt]
        else:
            result = [["[ls(a=True)]"] if t else [] for t in gt]
        rows.append({"id": e["id"], "result": result, **({"inference_log": ["x"]} if i == 4 else {})})
    res = tmp_path / "r.json"
    res.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "s.json"
    assert main(["bfcl-score", "--category", category, "--data-dir", DATA, "--result", str(res), "--out", str(out),
                 "--model-name", "m"]) == 0
    lines = _score_lines(out)
    assert list(lines[0]) == ["accuracy", "correct_count", "total_count"] and lines[0]["total_count"] == 6
    by_id = {x["id"]: x for x in lines[1:]}
    head = ["id", "model_name", "test_category", "valid", "error", "prompt"]
    first = by_id[entries[0]["id"]]
    assert list(first) == head + ["model_result", "possible_answer", "inference_log"]
    assert first["error"] == {"error_message": ["Error during inference phase. Model did not output a list of model responses."],
                              "error_type": "multi_turn:inference_error"}
    assert "function" not in first["prompt"] and first["prompt"]["id"] == entries[0]["id"] and first["inference_log"] == ""
    assert by_id[entries[1]["id"]]["error"]["error_type"] == "multi_turn:force_terminated"
    third = by_id[entries[2]["id"]]
    assert list(third) == head + ["model_result_raw", "model_result_decoded", "possible_answer", "inference_log"]
    assert third["error"]["error_type"] == "multi_turn:empty_turn_model_response"
    assert third["model_result_decoded"] == [[] for _ in entries[2]["ground_truth"]]
    assert list(third["error"]) == ["error_message", "error_type", "details"]
    assert by_id[entries[4]["id"]]["inference_log"] == ["x"]
    if category == "multi_turn_miss_func":
        missed = first["prompt"]["missed_function"]
        assert all(isinstance(d, dict) and "parameters" in d for docs in missed.values() for d in docs)
    # the opt-in reading decodes a one-string turn as one step
    out2 = tmp_path / "s2.json"
    assert main(["bfcl-score", "--category", category, "--data-dir", DATA, "--result", str(res), "--out", str(out2),
                 "--multi-turn-strings", "auto"]) == 0
    third = {x["id"]: x for x in _score_lines(out2)[1:]}.get(entries[2]["id"])
    assert third is None or third["error"]["error_type"] != "multi_turn:empty_turn_model_response"


def test_miss_func_tools_reach_the_observation_at_their_turn():
    """The env's observation offers a withheld function from its turn on (FC style, the default)."""
    import json

    import gymnasium as gym

    import toolenv  # noqa: F401
    from toolenv.suites import load_suite

    suite = load_suite("bfcl:multi_turn_miss_func", data_dir=DATA)
    idx = next(i for i in range(len(suite)) if suite.entries[i].get("missed_function"))
    entry = suite.entries[idx]
    names = [d["name"] if isinstance(d, dict) else d for d in next(iter(entry["missed_function"].values()))]
    env = gym.make("ToolUse-v0", suite="bfcl:multi_turn_miss_func", data_dir=DATA)
    obs, _ = env.reset(seed=0, options={"task_index": idx})
    offered = lambda o: {t["function"]["name"] for t in json.loads(o)["tools"]}  # noqa: E731
    assert not set(names) & offered(obs)
    seen_turn, added = 0, False
    while True:
        action = env.unwrapped.expert_action()
        if action is None:
            break
        obs, _, term, trunc, info = env.step(action)
        if "bfcl_added_tools" in info:
            added = True
            assert set(names) <= offered(obs)
        if term or trunc:
            break
    assert added and info["success"]
