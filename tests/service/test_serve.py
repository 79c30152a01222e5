"""`toolenv serve`: remote episodes equal local ones, sessions are isolated, snapshots branch,
the client works under SyncVectorEnv, and idle sessions expire."""

from __future__ import annotations

import random
import threading

import gymnasium as gym
import numpy as np
import pytest

import toolenv  # noqa: F401
from tests.service.conftest import KW, actions_for
from toolenv.service.client import RemoteToolEnv, ServiceError, ServiceValueError
from toolenv.service.sessions import RequestError, SessionStore


def play(env, actions_env, seed, options=None, rng_seed=0, max_len=40):
    """One episode of ``env`` whose actions come from ``actions_env`` (a local env in lockstep):
    every (obs, reward, terminated, truncated, info)."""
    rng = random.Random(rng_seed)
    out = [env.reset(seed=seed, options=options)]
    if actions_env is not env:
        actions_env.reset(seed=seed, options=options)
    for _ in range(max_len):
        a = actions_for(actions_env, rng)
        step = env.step(a)
        if actions_env is not env:
            actions_env.step(a)
        out.append(step)
        if step[2] or step[3]:
            break
    return out


def test_remote_episodes_equal_local(serve):
    server = serve()
    local = gym.make("ToolUse-v0", **KW)
    remote = RemoteToolEnv(server.url, KW)
    try:
        codes = set()
        for seed in range(6):
            opts = {"task_index": seed * 7} if seed % 2 else None
            mirror = gym.make("ToolUse-v0", **KW)
            expected = play(local, local, seed, opts, rng_seed=seed)
            got = play(remote, mirror, seed, opts, rng_seed=seed)
            assert got == expected  # observations, rewards, flags and the full info dicts
            codes.update(c for step in got[1:] for c in step[4]["deficiencies"])
        assert len(codes) >= 2, codes  # deficiency codes travel
        # reset(seed=None) continues the session's RNG, as one local env does
        assert remote.reset() == local.reset()
    finally:
        remote.close()


def test_snapshot_restore_branches_like_local(serve):
    server = serve()
    local = gym.make("ToolUse-v0", **KW)
    remote = RemoteToolEnv(server.url, KW)
    try:
        for seed in (1, 4):
            assert remote.reset(seed=seed, options={"task_index": 11}) == local.reset(seed=seed,
                                                                                   options={"task_index": 11})
            first = local.unwrapped.expert_action()
            assert remote.step(first) == local.step(first)
            snap_l, snap_r = local.unwrapped.snapshot(), remote.unwrapped.snapshot()
            branches = []
            for action in ("<tool_call>{\"name\": \"no_such_tool\", \"arguments\": {}}</tool_call>", None):
                local.unwrapped.restore(snap_l)
                remote.unwrapped.restore(snap_r)
                a = action or local.unwrapped.expert_action() or "done"
                assert remote.unwrapped.expert_action() == local.unwrapped.expert_action()
                got, want = remote.step(a), local.step(a)
                assert got == want
                branches.append(got)
            assert branches[0] != branches[1]
            remote.drop_snapshot(snap_r)
            with pytest.raises(ServiceError) as e:
                remote.restore(snap_r)
            assert e.value.status == 404
    finally:
        remote.close()


def test_concurrent_sessions_stay_isolated(serve):
    server = serve()
    n = 6
    expected = []
    for i in range(n):  # local references, one env each
        env = gym.make("ToolUse-v0", **KW)
        expected.append(play(env, env, seed=100 + i, options={"task_index": 3 * i}, rng_seed=i))
    results: list = [None] * n
    errors: list = []
    barrier = threading.Barrier(n)

    def worker(i: int) -> None:
        try:
            remote = RemoteToolEnv(server.url, KW)
            mirror = gym.make("ToolUse-v0", **KW)
            barrier.wait(timeout=60)  # start together: steps of different sessions interleave
            results[i] = play(remote, mirror, seed=100 + i, options={"task_index": 3 * i}, rng_seed=i)
            remote.close()
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    for i in range(n):
        assert results[i] == expected[i], f"session {i} differs from its local episode"
    assert server.app.state.store.stats()["sessions"] == 0


def test_concurrent_steps_on_one_session_are_serialized(serve):
    server = serve()
    first = RemoteToolEnv(server.url, {**KW, "max_steps": 1000})
    first.reset(seed=0, options={"task_index": 2})
    action = "<tool_call>{\"name\": \"no_such_tool\", \"arguments\": {}}</tool_call>"  # never ends the episode
    steps: list = []
    lock = threading.Lock()

    def worker() -> None:
        c = RemoteToolEnv(server.url)  # another connection, the same session
        c.session_id = first.session_id
        for _ in range(10):
            _, _, terminated, _, info = c.step(action)
            assert not terminated
            with lock:
                steps.append(info["step"])
        c._http.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(steps) == list(range(1, 41))  # each step saw the one before it, none was lost
    first.close()


def _same_infos(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], dict):
            _same_infos(a[k], b[k])
        else:
            assert [x for x in np.asarray(a[k], dtype=object)] == [x for x in np.asarray(b[k], dtype=object)], k


def test_client_in_sync_vector_env(serve):
    server = serve()
    n = 3
    remote = gym.vector.SyncVectorEnv([lambda: RemoteToolEnv(server.url, KW) for _ in range(n)])
    local = gym.vector.SyncVectorEnv([lambda: gym.make("ToolUse-v0", **KW) for _ in range(n)])
    try:
        assert remote.single_observation_space == local.single_observation_space
        ro, ri = remote.reset(seed=5)
        lo, li = local.reset(seed=5)
        assert ro == lo
        _same_infos(ri, li)
        rng = random.Random(0)
        ended = 0
        for _ in range(25):  # past the first episode ends: Gymnasium's autoreset goes through /reset
            actions = [actions_for(e, rng, p_bad=0.2) for e in local.envs]
            ro, rr, rt, rtr, ri = remote.step(actions)
            lo, lr, lt, ltr, li = local.step(actions)
            assert ro == lo
            assert np.array_equal(rr, lr) and np.array_equal(rt, lt) and np.array_equal(rtr, ltr)
            _same_infos(ri, li)
            ended += int(np.sum(lt | ltr))
        assert ended >= 1
    finally:
        remote.close()
        local.close()


def test_errors_in_the_client_are_python_errors(serve):
    server = serve()
    env = RemoteToolEnv(server.url, {"num_tasks": 10**9})
    with pytest.raises(ServiceValueError, match="num_tasks"):
        env.reset(seed=0)
    env = RemoteToolEnv(server.url, {**KW, "reward_config": {"no_such_weight": 1.0}})
    with pytest.raises(ValueError, match="no_such_weight"):  # what gym.make raises locally
        env.reset()
    env = RemoteToolEnv(server.url, KW)
    with pytest.raises(RuntimeError, match="reset"):
        env.step("hello")
    env.reset(seed=0, options={"task_index": 0})
    done = False
    while not done:
        _, _, t, tr, _ = env.step(env.expert_action() or "done")
        done = t or tr
    with pytest.raises(ServiceError) as e:
        env.step("again")
    assert e.value.status == 409 and "call reset()" in e.value.detail
    env.close()


# ---- the session store without HTTP ---------------------------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_idle_sessions_expire_and_the_cap_holds():
    clock = FakeClock()
    store = SessionStore(default_env_kwargs=KW, max_sessions=2, idle_timeout=60.0, clock=clock)
    a, _, _ = store.reset(None, 0, None, None)
    b, _, _ = store.reset(None, 1, None, None)
    with pytest.raises(RequestError) as e:
        store.reset(None, 2, None, None)
    assert e.value.status == 429
    clock.now += 30
    store.step(a, "hello")  # a is used, b is not
    clock.now += 45  # b idle 75 s, a 45 s
    c, _, _ = store.reset(None, 2, None, None)  # room made by expiring b
    with pytest.raises(RequestError) as e:
        store.step(b, "hello")
    assert e.value.status == 404 and "expired" in e.value.message
    store.step(a, "hi")
    assert len(store) == 2
    clock.now += 61
    assert store.expire_idle() == 2
    assert len(store) == 0
    del c


def test_snapshot_cap_and_scope():
    store = SessionStore(default_env_kwargs=KW, max_snapshots=2)
    a, _, _ = store.reset(None, 0, None, None)
    b, _, _ = store.reset(None, 0, None, None)
    s1 = store.snapshot(a)
    store.snapshot(a)
    with pytest.raises(RequestError) as e:
        store.snapshot(a)
    assert e.value.status == 429
    with pytest.raises(RequestError) as e:  # a snapshot belongs to its session
        store.restore(b, s1)
    assert e.value.status == 404
    store.drop_snapshot(a, s1)
    store.snapshot(a)
    store.close_all()
