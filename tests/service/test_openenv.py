"""OpenEnv's own clients drive ToolUse-v0 (``toolenv serve --protocol openenv``): the same
observations, rewards and deficiency infos as ``gym.make``."""

from __future__ import annotations

import random

import gymnasium as gym
import pytest

import toolenv  # noqa: F401
from tests.service.conftest import KW, actions_for

pytest.importorskip("openenv.core")

from openenv.core import GenericEnvClient  # noqa: E402

from toolenv.service.openenv_adapter import ToolUseAction, ToolUseEnvClient, create_openenv_app  # noqa: E402


@pytest.fixture
def url(serve):
    return serve(create_openenv_app(KW, max_concurrent_envs=4)).url


def test_typed_client_plays_episodes_like_local(url):
    local = gym.make("ToolUse-v0", **KW)
    codes = set()
    with ToolUseEnvClient(base_url=url).sync() as env:
        for seed in range(4):
            rng = random.Random(seed)
            opts = {"task_index": 5 * seed}
            res = env.reset(seed=seed, options=opts)
            obs, info = local.reset(seed=seed, options=opts)
            assert (res.observation.text, res.observation.info, res.done) == (obs, info, False)
            while not res.done:
                action = actions_for(local, rng)
                res = env.step(ToolUseAction(text=action))
                want = local.step(action)
                o = res.observation
                assert (o.text, res.reward, o.terminated, o.truncated, o.info) == want
                assert res.done == (want[2] or want[3])
                codes.update(o.info["deficiencies"])
            assert "success" in res.observation.info
            state = env.state()
            assert state.task_id == info["task_id"] and state.done
    assert codes  # the deficiency codes arrive intact


def test_generic_client_with_plain_dicts(url):
    local = gym.make("ToolUse-v0", **KW)
    with GenericEnvClient(base_url=url).sync() as env:
        res = env.reset(seed=7, options={"task_index": 1})
        obs, _ = local.reset(seed=7, options={"task_index": 1})
        assert res.observation["text"] == obs
        action = "<tool_call>{\"name\": \"no_such_tool\", \"arguments\": {}}</tool_call>"
        res = env.step({"text": action})
        want = local.step(action)
        assert res.reward == want[1] and res.observation["info"] == want[4]
        assert "call:unknown_tool" in res.observation["info"]["deficiencies"]
        with pytest.raises(RuntimeError, match="Server error"):  # a malformed action: an error, the session lives
            env.step({"txt": "typo"})
        res = env.step({"text": "thanks"})
        assert res.reward == local.step("thanks")[1]


def test_sessions_are_isolated(url):
    with ToolUseEnvClient(base_url=url).sync() as a, ToolUseEnvClient(base_url=url).sync() as b:
        ra = a.reset(seed=1, options={"task_index": 2})
        rb = b.reset(seed=1, options={"task_index": 9})
        assert ra.observation.text != rb.observation.text
        a.step(ToolUseAction(text="<tool_call>{\"name\": \"no_such_tool\", \"arguments\": {}}</tool_call>"))
        assert b.state().step_count == 0 and a.state().step_count == 1
