"""The reward as pure functions (`toolenv.reward.step_reward`), the rewards of fixed seeded episodes
(recorded before the reward moved out of `SimEpisode`), and `reward_config` resolution per suite."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

import toolenv  # noqa: F401
from tests.conftest import shop_tasks
from toolenv.reward import (PENALTY_FIELD, REWARD_FIELDS, CallFacts, RewardConfig, RewardParts, call_credit,
                            penalty_for, resolve_reward_config, step_reward)
from toolenv.wrappers import FaultInjection

CFG = RewardConfig()
RIGHT = CallFacts(expected_tool=True, arg_credit=1.0)


# ---------------------------------------------------------------------------- pure functions
def test_call_credit_of_hand_made_calls():
    assert call_credit(RIGHT, CFG) == pytest.approx(0.1 + 0.2 + 0.5 + 0.2)
    # the expected tool, half the arguments right, executed
    assert call_credit(CallFacts(expected_tool=True, arg_credit=0.5), CFG) == pytest.approx(0.1 + 0.2 + 0.25 + 0.2)
    # rejected by the schema: no exec credit
    assert call_credit(CallFacts(schema_ok=False, expected_tool=True, arg_credit=0.5), CFG) == pytest.approx(0.55)
    # an offered tool the task does not need now, executed; one that failed to execute
    assert call_credit(CallFacts(), CFG) == pytest.approx(0.1 + 0.2)
    assert call_credit(CallFacts(executed_ok=False), CFG) == pytest.approx(0.1)
    assert call_credit(CallFacts(offered=False), CFG) == pytest.approx(0.1)  # unknown tool: format only
    assert call_credit(CallFacts(fault=True, expected_tool=True, arg_credit=1.0), CFG) == 0.0


def test_penalty_for_names_the_config_field():
    cfg = RewardConfig(unparseable_penalty=-0.9, unknown_tool_penalty=-0.8, invalid_args_penalty=-0.7,
                       extra_call_penalty=-0.6, repeated_call_penalty=-0.5, order_penalty=-0.4,
                       irrelevant_call_penalty=-0.3, missing_call_penalty=-0.2)
    assert penalty_for("format:unparseable", cfg) == -0.9
    assert penalty_for("call:unknown_tool", cfg) == -0.8
    assert penalty_for("args:type", cfg) == penalty_for("args:value", cfg) == -0.7
    assert penalty_for("call:wrong_tool", cfg) == penalty_for("calls:extra", cfg) == -0.6
    assert penalty_for("calls:repeated", cfg) == -0.5
    assert penalty_for("order:dependency", cfg) == -0.4
    assert penalty_for("relevance:call_when_none_needed", cfg) == -0.3
    assert penalty_for("calls:missing", cfg) == penalty_for("relevance:no_call_when_needed", cfg) == -0.2
    assert penalty_for("state:mismatch", cfg) == penalty_for("exec:fault", cfg) == 0.0
    assert set(PENALTY_FIELD.values()) <= set(REWARD_FIELDS)


@pytest.mark.parametrize("name,kwargs,expected", [
    ("correct call", {"calls": [RIGHT]}, 1.0),
    ("wrong argument value", {"calls": [CallFacts(expected_tool=True, arg_credit=0.5)]}, 0.75),
    ("arguments rejected", {"calls": [CallFacts(schema_ok=False, expected_tool=True, arg_credit=0.5)],
                            "penalised": ["args:type"]}, 0.35),
    ("wrong tool", {"calls": [CallFacts()], "penalised": ["call:wrong_tool"]}, 0.1),
    ("unknown tool", {"calls": [CallFacts(offered=False)], "penalised": ["call:unknown_tool"]}, -0.2),
    ("repeated call", {"calls": [CallFacts()], "penalised": ["calls:repeated"]}, 0.2),
    ("out of order", {"calls": [RIGHT], "penalised": ["order:dependency"]}, 0.9),
    ("call when none needed", {"calls": [CallFacts()], "penalised": ["relevance:call_when_none_needed"]}, -0.2),
    ("mean over calls", {"calls": [RIGHT, CallFacts(offered=False)], "penalised": ["call:unknown_tool"]}, 0.25),
    ("faulted call", {"calls": [CallFacts(fault=True)]}, 0.0),
    ("right answer", {"answered": True}, 0.2),
    ("right last answer of a solved task", {"answered": True, "success": 1.0}, 1.2),
    ("answer with calls missing", {"penalised": ["calls:missing"]}, -0.5),
    ("unparseable", {"penalised": ["format:unparseable"]}, -0.5),
    ("a passing turn of four", {"success": 0.25}, 0.25),
])
def test_step_reward_of_hand_made_steps(name, kwargs, expected):
    assert step_reward(CFG, **kwargs).total == pytest.approx(expected), name


def test_step_reward_parts_and_weights():
    parts = step_reward(CFG, calls=[RIGHT, CallFacts(offered=False)], penalised=["call:unknown_tool"], success=1.0)
    assert isinstance(parts, RewardParts)
    assert parts.credit == pytest.approx(0.55) and parts.penalty == pytest.approx(-0.3) and parts.bonus == 1.0
    assert parts.total == pytest.approx(1.25)
    cfg = RewardConfig(format_weight=0.0, tool_weight=0.0, args_weight=1.0, exec_weight=0.0, answer_weight=0.5,
                       success_bonus=3.0, repeated_call_penalty=-1.0)
    assert step_reward(cfg, calls=[CallFacts(expected_tool=True, arg_credit=0.25)]).total == pytest.approx(0.25)
    assert step_reward(cfg, calls=[CallFacts()], penalised=["calls:repeated"]).total == pytest.approx(-1.0)
    assert step_reward(cfg, answered=True, success=1.0).total == pytest.approx(3.5)
    assert step_reward(cfg).total == 0.0


# ---------------------------------------------------------------------------- recorded episodes
TWOSTEP = {"id": "twostep", "category": "multi_step", "tools": ["get_weather", "search_products"], "seed": 9,
           "turns": [{"user": "Weather in Oslo, then toys, then Rome.", "steps": [
               [{"label": "c0", "name": "get_weather", "arguments": {"city": "Oslo"}}],
               [{"label": "c1", "name": "search_products", "arguments": {"category": "toys"}}],
               [{"label": "c2", "name": "get_weather", "arguments": {"city": "Rome", "unit": "celsius"}}]],
               "answer": "Done."}]}
SCRIPTS = {  # None: the expert action
    "chain_oracle": ("chain", [None] * 4),
    "chain_wrong_tool_then_oracle": ("chain", ['[get_order(order_id="O1")]', None, None, None, None]),
    "single_wrong_value": ("single", ['[get_weather(city="Paris")]', "ok"]),
    "single_unparseable": ("single", ['<tool_call>{"name": ']),
    "parallel_mixed": ("parallel", ['[get_weather(city="Paris"), nope(a=1)]', '[get_weather(city="Paris")]',
                                    '[get_weather(city="Oslo", unit="kelvin")]', '[get_weather(city="Oslo")]', "Here you go."]),
    "irrelevant_call": ("irrelevant", ['[get_weather(city="Lyon")]', "I cannot do that."]),
    "missing_flow": ("missing", ["Which city?", "[get_weather(city=5)]", '[get_weather(city="Rome")]', "Done."]),
    "twostep_out_of_order": ("twostep", ['[search_products(category="toys")]', '[get_weather(city="Oslo")]',
                                         '[get_weather(city="Rome", unit="celsius")]', "Done."]),
}
CONFIGS = {
    "default": None,
    "lenient": {"strict_success": False},
    "custom": {"format_weight": 0.3, "tool_weight": 0.15, "args_weight": 0.35, "exec_weight": 0.05,
               "answer_weight": 0.7, "success_bonus": 2.5, "unparseable_penalty": -0.9, "unknown_tool_penalty": -0.45,
               "invalid_args_penalty": -0.33, "extra_call_penalty": -0.27, "repeated_call_penalty": -0.13,
               "order_penalty": -0.21, "irrelevant_call_penalty": -0.77, "missing_call_penalty": -0.61},
}
# computed by the code before the refactoring (reward arithmetic inside SimEpisode._step_calls);
# exact floats, compared with ==
RECORDED = {
    "default/chain_oracle": [1.0, 1.0, 1.0, 1.2],
    "default/chain_wrong_tool_then_oracle": [0.30000000000000004, 1.0, 1.0, 1.0, 0.2],
    "default/single_wrong_value": [0.5, -0.5],
    "default/single_unparseable": [-0.5],
    "default/parallel_mixed": [0.25000000000000006, 0.5, 0.35000000000000003, 1.0, 0.2],
    "default/irrelevant_call": [-0.19999999999999996, 0.2],
    "default/missing_flow": [0.2, 0.10000000000000003, 1.0, 0.2],
    "default/twostep_out_of_order": [0.9, 1.0, 1.0, 0.2],
    "lenient/chain_oracle": [1.0, 1.0, 1.0, 1.2],
    "lenient/chain_wrong_tool_then_oracle": [0.30000000000000004, 1.0, 1.0, 1.0, 1.2],
    "lenient/single_wrong_value": [0.5, -0.5],
    "lenient/single_unparseable": [-0.5],
    "lenient/parallel_mixed": [0.25000000000000006, 0.5, 0.35000000000000003, 1.0, 1.2],
    "lenient/irrelevant_call": [-0.19999999999999996, 0.2],
    "lenient/missing_flow": [0.2, 0.10000000000000003, 1.0, 1.2],
    "lenient/twostep_out_of_order": [0.9, 1.0, 1.0, 1.2],
    "custom/chain_oracle": [0.85, 0.85, 0.85, 3.2],
    "custom/chain_wrong_tool_then_oracle": [0.44999999999999996, 0.85, 0.85, 0.85, 0.7],
    "custom/single_wrong_value": [0.5, -0.61],
    "custom/single_unparseable": [-0.9],
    "custom/parallel_mixed": [0.12499999999999994, 0.5, 0.295, 0.85, 0.7],
    "custom/irrelevant_call": [-0.42000000000000004, 0.7],
    "custom/missing_flow": [0.7, 0.11999999999999994, 0.85, 0.7],
    "custom/twostep_out_of_order": [0.64, 0.85, 0.85, 0.7],
}
RECORDED_DEFICIENCIES = {
    "chain_oracle": [[], [], [], []],
    "chain_wrong_tool_then_oracle": [["exec:not_found", "args:value"], [], [], [], []],
    "single_wrong_value": [["args:value"], ["calls:missing"]],
    "single_unparseable": [["format:unparseable"]],
    "parallel_mixed": [["call:unknown_tool"], ["args:value"], ["args:value"], [], []],
    "irrelevant_call": [["relevance:call_when_none_needed"], []],
    "missing_flow": [[], ["args:type"], [], []],
    "twostep_out_of_order": [["order:dependency"], [], [], []],
}


def play(env, task_id, actions):
    env.reset(seed=0, options={"task_id": task_id})
    rewards, defs = [], []
    for a in actions:
        _, r, term, trunc, info = env.step(env.unwrapped.expert_action() if a is None else a)
        rewards.append(r)
        defs.append(info["deficiencies"])
        if term or trunc:
            break
    return rewards, defs


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_rewards_equal_the_recorded_ones(shop_dir, config):
    env = gym.make("ToolUse-v0", tool_specs=shop_dir, tasks=shop_tasks() + [TWOSTEP], reward_config=CONFIGS[config])
    for name, (task_id, actions) in SCRIPTS.items():
        rewards, defs = play(env, task_id, actions)
        assert rewards == RECORDED[f"{config}/{name}"], name  # exact, not approx
        assert defs == RECORDED_DEFICIENCIES[name], name


def test_faulted_calls_earn_nothing(shop_dir):
    env = FaultInjection(gym.make("ToolUse-v0", tool_specs=shop_dir, tasks=shop_tasks()), rates=1.0)
    assert play(env, "single", [None, None]) == ([0.0, 0.0], [["exec:fault"], ["exec:fault"]])


# ---------------------------------------------------------------------------- reward_config per suite
def test_reward_config_unknown_field_is_refused_at_make(shop_dir):
    with pytest.raises(ValueError, match=r"unknown reward_config field\(s\) 'sucess_bonus'.*success_bonus"):
        gym.make("ToolUse-v0", tool_specs=shop_dir, tasks=shop_tasks(), reward_config={"sucess_bonus": 2.0})
    with pytest.raises(TypeError, match="reward_config must be"):
        gym.make("ToolUse-v0", tool_specs=shop_dir, tasks=shop_tasks(), reward_config=[("success_bonus", 2.0)])
    with pytest.raises(ValueError, match="success_bonus must be >= 0"):
        gym.make("ToolUse-v0", tool_specs=shop_dir, tasks=shop_tasks(), reward_config={"success_bonus": -1.0})


def test_reward_config_changes_simulated_rewards(shop_dir):
    env = gym.make("ToolUse-v0", tool_specs=shop_dir, tasks=shop_tasks(),
                   reward_config=RewardConfig(unparseable_penalty=-2.0))
    assert play(env, "single", ['<tool_call>{"name": '])[0] == [-2.0]


def test_reward_config_with_a_suite_object_is_refused(shop_dir):
    suite = gym.make("ToolUse-v0", tool_specs=shop_dir, tasks=shop_tasks()).unwrapped.suite
    with pytest.raises(ValueError, match="reward_config cannot be applied to a Suite object"):
        gym.make("ToolUse-v0", suite=suite, reward_config={"success_bonus": 2.0})
    gym.make("ToolUse-v0", suite=suite)  # without one: fine


def test_resolve_reward_config_rules():
    base = RewardConfig(unparseable_penalty=0.0)
    used = ("success_bonus", "unparseable_penalty")
    assert resolve_reward_config(None, suite="s", defaults=base, applicable=used) is base
    got = resolve_reward_config({"success_bonus": 2.0}, suite="s", defaults=base, applicable=used)
    assert got.success_bonus == 2.0 and got.unparseable_penalty == 0.0  # a dict overrides the suite's defaults
    obj = RewardConfig(success_bonus=2.0)
    assert resolve_reward_config(obj, suite="s", defaults=base, applicable=used) is obj  # an object as it is
    with pytest.raises(ValueError, match=r"format_weight do not apply to suite 's'.*uses only success_bonus, unparseable_penalty"):
        resolve_reward_config({"format_weight": 0.5}, suite="s", defaults=base, applicable=used)
    with pytest.raises(ValueError, match="format_weight do not apply"):
        resolve_reward_config(RewardConfig(format_weight=0.5), suite="s", defaults=base, applicable=used)


# BFCL suites, on a two-entry data folder made here (no ../shared/bfcl needed)
FUNC = {"name": "calc_area", "description": "Area of a rectangle.", "parameters": {"type": "dict", "properties": {
    "width": {"type": "integer", "description": "width"}, "height": {"type": "integer", "description": "height"}},
    "required": ["width", "height"]}}


@pytest.fixture()
def bfcl_dir(tmp_path):
    q = {"id": "simple_python_0", "question": [[{"role": "user", "content": "Area of a 3 by 4 rectangle?"}]], "function": [FUNC]}
    (tmp_path / "BFCL_v4_simple_python.json").write_text(json.dumps(q) + "\n")
    (tmp_path / "possible_answer").mkdir()
    (tmp_path / "possible_answer" / "BFCL_v4_simple_python.json").write_text(
        json.dumps({"id": "simple_python_0", "ground_truth": [{"calc_area": {"width": [3], "height": [4]}}]}) + "\n")
    irr = {"id": "irrelevance_0", "question": [[{"role": "user", "content": "Tell me a joke."}]], "function": [FUNC]}
    (tmp_path / "BFCL_v4_irrelevance.json").write_text(json.dumps(irr) + "\n")
    return str(tmp_path)


def one_step(env, action):
    env.reset(seed=0, options={"task_index": 0})
    _, r, term, _, info = env.step(action)
    assert term
    return r, info["deficiencies"]


@pytest.mark.parametrize("action,code,field", [
    ("[calc_area(width=3", "format:unparseable", "unparseable_penalty"),
    ("[calc_area(width=3, height=5)]", "args:value", "invalid_args_penalty"),
    ("[calc_volume(width=3, height=4)]", "call:wrong_tool", "extra_call_penalty"),
    ("[calc_area(width=3, height=4), calc_area(width=3, height=4)]", "calls:extra", "extra_call_penalty"),
    ("I don't know.", "relevance:no_call_when_needed", "missing_call_penalty"),
])
def test_reward_config_changes_a_bfcl_single_turn_reward(bfcl_dir, action, code, field):
    default = gym.make("ToolUse-v0", suite="bfcl:simple_python", data_dir=bfcl_dir)
    assert one_step(default, action) == (0.0, [code])  # the official verdict: fail = 0.0
    assert one_step(default, "[calc_area(width=3, height=4)]") == (1.0, [])
    shaped = gym.make("ToolUse-v0", suite="bfcl:simple_python", data_dir=bfcl_dir,
                      reward_config={field: -0.25, "success_bonus": 2.0})
    assert one_step(shaped, action) == (-0.25, [code])
    assert one_step(shaped, "[calc_area(width=3, height=4)]") == (2.0, [])


def test_reward_config_changes_the_bfcl_irrelevance_reward(bfcl_dir):
    env = gym.make("ToolUse-v0", suite="bfcl:irrelevance", data_dir=bfcl_dir, reward_config={"irrelevant_call_penalty": -1.0})
    assert one_step(env, "[calc_area(width=3, height=4)]") == (-1.0, ["relevance:call_when_none_needed"])
    assert one_step(env, "None of the functions fit.") == (1.0, [])


@pytest.mark.parametrize("suite,config,bad", [
    ("bfcl:simple_python", {"format_weight": 0.5}, "format_weight"),
    ("bfcl:simple_python", {"strict_success": False}, "strict_success"),
    ("bfcl:simple_python", {"irrelevant_call_penalty": -1.0}, "irrelevant_call_penalty"),
    ("bfcl:irrelevance", {"invalid_args_penalty": -1.0}, "invalid_args_penalty"),
    ("bfcl:multi_turn_base", {"rel_tol": 0.1}, "rel_tol"),
    ("bfcl:multi_turn_base", RewardConfig(order_penalty=-1.0), "order_penalty"),
])
def test_a_reward_field_a_bfcl_suite_cannot_use_is_refused_at_make(tmp_path, suite, config, bad):
    with pytest.raises(ValueError, match=rf"{bad} do not apply to suite '{suite}'.*uses only success_bonus"):
        gym.make("ToolUse-v0", suite=suite, data_dir=str(tmp_path), reward_config=config)
    with pytest.raises(ValueError, match="unknown reward_config field"):
        gym.make("ToolUse-v0", suite=suite, data_dir=str(tmp_path), reward_config={"bonus": 1.0})
