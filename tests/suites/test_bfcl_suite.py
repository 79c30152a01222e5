"""BFCL suites: the ground truth scores 100% (through the scorer and through the episodes), suite
loading errors, episode mechanics, the bfcl-score command, and the gym.make integration."""

from __future__ import annotations

import json

import pytest

from toolenv.parse import parse_action
from toolenv.suites import available_suites, default_data_dir, load_suite
from toolenv.suites.bfcl.data import CATEGORIES, is_multi_turn, question_path
from toolenv.suites.bfcl.score import score_file

DATA = default_data_dir()
pytestmark = pytest.mark.skipif(DATA is None, reason="../shared/bfcl not present")

SHIPPED = [c for c in CATEGORIES if DATA and question_path(DATA, c).is_file()]
# Entries whose ground truth cannot pass the official checker: a required parameter's list of
# allowed values is empty, so no output (the ground truth included) passes. See docs/bfcl.md.
UNPLAYABLE = {"live_simple_106-63-0", "live_simple_112-68-0"}


def play(ep):
    """Play the expert to the end; returns (last info, per-turn action texts, total reward). The
    per-turn texts are a prompt-style model's multi-turn result (the turn-ending text included)."""
    per_turn, steps, total = [], [], 0.0
    while True:
        a = ep.expert_action()
        pa = parse_action(a)
        out = ep.step(pa, [f"call_{i}" for i in range(len(pa.calls))])
        total += out.reward
        steps.append(a)
        if "bfcl_turn_valid" in out.info:
            per_turn.append(steps)
            steps = []
        if out.terminated:
            return out, per_turn, total


@pytest.fixture(scope="module")
def suites():
    return {c: load_suite(f"bfcl:{c}", DATA) for c in SHIPPED}


@pytest.mark.parametrize("category", SHIPPED)
def test_oracle_scores_100_percent(category, suites, tmp_path):
    suite = suites[category]
    results, failed = [], []
    for i in range(len(suite)):
        task = suite.task(i)
        out, per_turn, total = play(suite.episode(task, seed=i))
        if not out.info["success"]:
            failed.append(task.id)
        else:
            assert out.info["bfcl_error_type"] is None and out.deficiencies == []
            assert total == pytest.approx(1.0)
        results.append({"id": task.id, "result": per_turn if is_multi_turn(category) else suite.expert_text(i)})
    assert set(failed) <= UNPLAYABLE, failed
    res = tmp_path / "result.json"
    res.write_text("".join(json.dumps(r) + "\n" for r in results))
    summary, failures, missing = score_file(category, DATA, res, tmp_path / "score.json")
    assert {f["id"] for f in failures} == set(failed) and not missing
    assert summary["total_count"] == len(suite)
    first = json.loads((tmp_path / "score.json").read_text().splitlines()[0])
    assert set(first) == {"accuracy", "correct_count", "total_count"}


MULTI = [c for c in SHIPPED if is_multi_turn(c)]
# ground-truth calls with positional arguments (sort('final_report.pdf')): the official prompt decoder
# drops them, so the ground truth given as a result fails these entries officially (24 per category)
POSITIONAL_GT_FAILURES = 24


@pytest.mark.parametrize("category", MULTI)
def test_ground_truth_call_strings_as_results(category, tmp_path):
    from toolenv.suites.bfcl.data import load_category

    entries = load_category(DATA, category)
    res = tmp_path / "gt.json"
    res.write_text("".join(json.dumps({"id": e["id"], "result": e["ground_truth"]}) + "\n" for e in entries))
    summary, failures, _ = score_file(category, DATA, res, None, multi_turn_strings="auto")
    assert summary["accuracy"] == 1.0, failures[:2]
    summary, failures, _ = score_file(category, DATA, res, None)  # official reading
    assert summary["correct_count"] == len(entries) - POSITIONAL_GT_FAILURES
    assert all("()" in str(f["model_result_decoded"]) for f in failures)


def test_load_suite_errors(tmp_path):
    with pytest.raises(ValueError, match="bfcl:simple_python"):
        load_suite("bfcl:nope", DATA)
    with pytest.raises(ValueError):
        load_suite("other", DATA)
    with pytest.raises(FileNotFoundError, match="live_multiple"):
        load_suite("bfcl:live_multiple", str(tmp_path))
    assert "bfcl:multi_turn_base" in available_suites()


def test_single_turn_episode_failure_and_fc_style(suites):
    suite = suites["simple_python"]
    task = suite.task(0)  # calculate_triangle_area(base=10, height=5)
    assert task.messages[0]["role"] == "user" and task.tools == ["calculate_triangle_area"]
    ep = suite.episode(task, 0)
    assert ep.tools()[0]["function"]["parameters"]["type"] == "object"
    out = ep.step(parse_action("[calculate_triangle_area(base=10, height='5')]"), ["c0"])
    assert out.terminated and out.reward == 0.0 and out.info["success"] is False
    assert out.info["bfcl_error_type"] == "type_error:simple" and out.deficiencies == ["args:type"]
    ep = suite.episode(task, 0)
    snap = ep.snapshot()
    out = ep.step(parse_action('{"name": "calculate_triangle_area", "arguments": {"base": 10, "height": 5}}'), ["c0"])
    assert out.info["success"] and out.reward == 1.0
    ep.restore(snap)
    out = ep.step(parse_action("The area is 25."), [])
    assert out.info["bfcl_error_type"] == "ast_decoder:decoder_failed" and out.deficiencies == ["relevance:no_call_when_needed"]
    irr = suites["irrelevance"]
    ep = irr.episode(irr.task(0), 0)
    out = ep.step(parse_action("[determine_body_mass_index(weight=1.0, height=2.0)]"), ["c0"])
    assert out.info["bfcl_error_type"] == "irrelevance_error:decoder_success"
    assert out.deficiencies == ["relevance:call_when_none_needed"]


def test_multi_turn_episode_mechanics(suites):
    suite = suites["multi_turn_base"]
    task = suite.task(0)
    ep = suite.episode(task, 0)
    out = ep.step(parse_action("[cd(folder='document'), mkdir(dir_name='temp')]"), ["a", "b"])
    assert [m["tool_call_id"] for m in out.messages] == ["a", "b"] and not out.terminated
    assert out.messages[0]["content"] == '{"current_working_directory": "document"}'
    snap, h = ep.snapshot(), ep.state_hash()
    out = ep.step(parse_action("Done."), [])  # mv missing -> state mismatch, next user turn arrives
    assert out.deficiencies == ["state:mismatch"] and out.reward == 0.0
    assert out.messages[-1]["role"] == "user" and "grep" in out.messages[-1]["content"]
    ep.restore(snap)
    assert ep.state_hash() == h
    out = ep.step(parse_action("[mv(source='final_report.pdf', destination='temp')]"), ["c"])
    out = ep.step(parse_action("Done."), [])
    assert out.deficiencies == [] and out.reward == pytest.approx(0.25)
    ep2 = suite.episode(task, 0)
    outs = [ep2.step(parse_action("[ls()]"), ["x"]) for _ in range(21)]  # official: a turn stops after 21 steps
    assert not outs[19].terminated and outs[20].terminated and outs[20].info["bfcl_force_quit"]
    assert outs[20].info["bfcl_error_type"] == "multi_turn:force_terminated"
    assert outs[20].info["bfcl_error"] == ["Model was force-terminated during inference phase. The length of the model "
                                           "result turns (1) does not match the length of the ground truth turns (4)."]


def test_bfcl_score_command(tmp_path, suites):
    from toolenv.cli import main

    res = tmp_path / "r.json"
    suite = suites["parallel"]
    lines = [{"id": suite.task(i).id, "result": suite.expert_text(i)} for i in range(len(suite))]
    lines[0]["result"] = "[spotify.play(artist='Taylor Swift', duration=20)]"
    res.write_text("".join(json.dumps(x) + "\n" for x in lines))
    out = tmp_path / "s.json"
    assert main(["bfcl-score", "--category", "parallel", "--data-dir", DATA, "--result", str(res), "--out", str(out)]) == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows[0] == {"accuracy": 199 / 200, "correct_count": 199, "total_count": 200}
    assert rows[1]["id"] == "parallel_0" and rows[1]["error_type"] == "parallel_function_checker_no_order:wrong_count"


def test_gym_make_plays_an_oracle_episode():
    gym = pytest.importorskip("gymnasium")
    pytest.importorskip("toolenv.env")
    env = gym.make("ToolUse-v0", suite="bfcl:simple_python", data_dir=DATA)
    env.reset(seed=0, options={"task_index": 5})
    _, reward, terminated, truncated, info = env.step(env.unwrapped.expert_action())
    assert terminated and not truncated and reward == 1.0 and info["success"] and info["bfcl_error_type"] is None
    env = gym.make("ToolUse-v0", suite="bfcl:multi_turn_base", data_dir=DATA)
    env.reset(seed=0, options={"task_index": 0})
    total = 0.0
    while True:
        _, reward, terminated, truncated, info = env.step(env.unwrapped.expert_action())
        total += reward
        if terminated or truncated:
            break
    assert terminated and info["success"] and total == pytest.approx(1.0)
