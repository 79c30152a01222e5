"""`AsyncVectorEnv` over ToolUse-v0: with Gymnasium's defaults (shared memory) and without, the
observations equal `SyncVectorEnv`'s for the same seeds and actions."""

from __future__ import annotations

import copy
import string

import gymnasium as gym
import pytest

import toolenv  # noqa: F401 - registers ToolUse-v0
from tests.conftest import shop_tasks
from toolenv.env import MAX_OBSERVATION_CHARS, ObservationText, SharedTextBatch

ACTIONS = [
    ['<tool_call>{"name": "search_products", "arguments": {"category": "books"}}</tool_call>'] * 3,
    ["I am not sure."] * 3,
    ["Done."] * 3,
    ['[get_order(order_id="O1")]'] * 3,
]


def trajectory(mode: str, shop_dir, vector_kwargs: dict | None = None, seed: int = 3) -> list:
    kw = {} if vector_kwargs is None else {"vector_kwargs": vector_kwargs}
    venv = gym.make_vec("ToolUse-v0", num_envs=3, vectorization_mode=mode, tool_specs=str(shop_dir),
                        tasks=shop_tasks(), **kw)
    try:
        obs, _ = venv.reset(seed=seed)
        out = [tuple(obs)]
        for actions in ACTIONS:  # runs past episode ends: autoreset observations must match too
            obs, rew, term, trunc, _ = venv.step(actions)
            out.append((tuple(obs), tuple(float(r) for r in rew), tuple(term), tuple(trunc)))
        return out
    finally:
        venv.close()


def test_async_with_gymnasium_defaults_equals_sync(shop_dir):
    sync = trajectory("sync", shop_dir)
    assert all(o.startswith('{"tools"') for o in sync[0])
    assert trajectory("async", shop_dir) == sync  # default: shared_memory=True, copy=True


def test_async_shared_memory_in_spawned_workers(shop_dir):
    # a fresh interpreter (Python 3.14's default start method is forkserver) registers the space's
    # shared-memory functions when it unpickles the observation space
    assert trajectory("async", shop_dir, {"context": "spawn"}) == trajectory("sync", shop_dir)


def test_async_without_shared_memory_equals_sync(shop_dir):
    assert trajectory("async", shop_dir, {"shared_memory": False}) == trajectory("sync", shop_dir)


def test_async_shared_memory_without_copy_is_a_live_view(shop_dir):
    sync = trajectory("sync", shop_dir, seed=5)
    venv = gym.make_vec("ToolUse-v0", num_envs=3, vectorization_mode="async", vector_kwargs={"copy": False},
                        tool_specs=str(shop_dir), tasks=shop_tasks())
    try:
        obs, _ = venv.reset(seed=5)
        assert isinstance(obs, SharedTextBatch) and len(obs) == 3
        assert obs == sync[0] and obs[-1] == sync[0][-1] and obs[:2] == sync[0][:2]
        first = copy.deepcopy(obs)
        assert isinstance(first, tuple) and all(isinstance(o, str) for o in first)
        venv.step(ACTIONS[0])
        assert tuple(obs) == sync[1][0]  # the same object now shows the new observations
        assert first == sync[0]
    finally:
        venv.close()


def test_observation_space_is_still_a_text_space(shop_dir):
    env = gym.make("ToolUse-v0", tool_specs=str(shop_dir), tasks=shop_tasks())
    space = env.observation_space
    assert isinstance(space, ObservationText) and isinstance(space, gym.spaces.Text)
    assert space == gym.spaces.Text(MAX_OBSERVATION_CHARS, min_length=2, charset=string.printable)
    obs, _ = env.reset(seed=0)
    assert space.contains(obs)


def test_too_long_observation_names_the_fix():
    from multiprocessing import get_context

    from gymnasium.vector.utils import create_shared_memory, read_from_shared_memory, write_to_shared_memory

    space = ObservationText(8, charset=string.printable)
    mem = create_shared_memory(space, n=2, ctx=get_context())
    write_to_shared_memory(space, 1, "héllo", mem)  # UTF-8 is kept
    assert tuple(read_from_shared_memory(space, mem, n=2)) == ("", "héllo")
    with pytest.raises(ValueError, match='shared_memory": False'):
        write_to_shared_memory(space, 0, "x" * 9, mem)
