"""BFCL multi-turn rewards through `toolenv.reward.step_reward`: the recorded default rewards, and
``reward_config`` changing them (needs ../shared/bfcl; single-turn cases: tests/toolenv/test_reward.py)."""

from __future__ import annotations

import gymnasium as gym
import pytest

import toolenv  # noqa: F401
from toolenv.parse import MAX_CALLS, parse_action
from toolenv.suites import default_data_dir, load_suite
from toolenv.suites.bfcl.data import question_path

DATA = default_data_dir()
pytestmark = pytest.mark.skipif(DATA is None or not question_path(DATA, "multi_turn_base").is_file(),
                                reason="../shared/bfcl (multi_turn_base) not present")

# computed by the code before the refactoring (1/turns per passing turn, hard-coded); exact floats
RECORDED = {0: [0.0, 0.25, 0.0, 0.25, 0.0, 0.25, 0.0, 0.25], 3: [0.0, 0.5, 0.0, 0.5]}


def oracle(env, index):
    env.reset(seed=0, options={"task_index": index})
    rewards = []
    while True:
        _, r, term, trunc, info = env.step(env.unwrapped.expert_action())
        rewards.append(r)
        if term or trunc:
            return rewards, info


def test_default_multi_turn_rewards_equal_the_recorded_ones():
    env = gym.make("ToolUse-v0", suite="bfcl:multi_turn_base", data_dir=DATA)
    for index, expected in RECORDED.items():
        rewards, info = oracle(env, index)
        assert rewards == expected and info["success"]


def test_success_bonus_scales_the_multi_turn_return():
    env = gym.make("ToolUse-v0", suite="bfcl:multi_turn_base", data_dir=DATA, reward_config={"success_bonus": 3.0})
    rewards, info = oracle(env, 3)
    assert rewards == [0.0, 1.5, 0.0, 1.5] and info["success"]


def first_turn_with_calls(env):
    for i in range(len(env.unwrapped.suite)):
        env.reset(seed=0, options={"task_index": i})
        if env.unwrapped.task.meta["ground_truth"][0]:
            return i
    raise AssertionError("no entry whose first turn has calls")


@pytest.mark.parametrize("config,expected", [(None, 0.0), ({"missing_call_penalty": -0.5}, -0.5)])
def test_missing_call_penalty_on_a_turn_without_calls(config, expected):
    env = gym.make("ToolUse-v0", suite="bfcl:multi_turn_base", data_dir=DATA, reward_config=config)
    first_turn_with_calls(env)
    _, r, _, _, info = env.step("I have completed your request.")
    assert info["deficiencies"] == ["calls:missing"] and r == expected


@pytest.mark.parametrize("config,expected", [(None, 0.0), ({"unparseable_penalty": -0.75}, -0.75)])
def test_unparseable_penalty_on_too_many_calls(config, expected):
    env = gym.make("ToolUse-v0", suite="bfcl:multi_turn_base", data_dir=DATA, reward_config=config)
    env.reset(seed=0, options={"task_index": 0})
    _, r, term, _, info = env.step("[" + ", ".join(["ls()"] * (MAX_CALLS + 1)) + "]")
    assert info["deficiencies"] == ["format:unparseable"] and r == expected and not term


def test_extra_call_penalty_on_a_force_terminated_turn():
    suite = load_suite("bfcl:multi_turn_base", DATA, max_steps_per_turn=2, reward_config={"extra_call_penalty": -0.4})
    ep = suite.episode(suite.task(0), seed=0)
    outs = [ep.step(parse_action("[ls()]"), ["c0"]) for _ in range(2)]
    assert [o.reward for o in outs] == [0.0, -0.4]
    assert outs[-1].terminated and "calls:extra" in outs[-1].deficiencies
    assert outs[-1].info["bfcl_error_type"] == "multi_turn:force_terminated"
