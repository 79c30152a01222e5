"""Random text, bytes, deep JSON and huge strings as actions never raise; determinism across processes."""

from __future__ import annotations

import json
import subprocess
import sys

import gymnasium as gym
from hypothesis import HealthCheck, given, settings, strategies as st

import toolenv  # noqa: F401
from tests.conftest import REPO, shop_tasks

_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
_json = st.recursive(_json_leaf, lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.text(max_size=8), c,
                                                                                               max_size=4)), max_leaves=30)
ACTIONS = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=200),
    _json.map(json.dumps),
    st.builds(lambda name, args: json.dumps({"name": name, "arguments": args}),
              st.sampled_from(["get_weather", "place_order", "search_products", "x"]), _json),
    st.builds(lambda n: "<tool_call>" + "[" * n + "</tool_call>", st.integers(0, 3000)),
    st.builds(lambda n: '{"name": "get_weather", "arguments": ' + '{"a": ' * n + "1" + "}" * n + "}", st.integers(0, 2000)),
    st.builds(lambda n: "[get_weather(city=" + "[" * n + "]" * n + ")]", st.integers(0, 1500)),
    st.builds(lambda n: "x" * n, st.sampled_from([0, 1, 40_000, 200_000])),
    st.builds(lambda s: f"[get_weather(city={s!r})]", st.text(max_size=50)),
    st.sampled_from([None, 3, 4.5, [], {}, "[]", "[{}]", "<tool_call>", "</tool_call>", "\x00\udcff"]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(actions=st.lists(ACTIONS, min_size=1, max_size=4), seed=st.integers(0, 100))
def test_fuzzed_actions_never_raise(shop_env, actions, seed):
    obs, info = shop_env.reset(seed=seed)
    for a in actions:
        obs, r, term, trunc, info = shop_env.step(a)
        assert isinstance(r, float) and isinstance(info["deficiencies"], list)
        assert shop_env.observation_space.contains(obs)
        json.loads(obs)
        if term or trunc:
            assert "success" in info
            break


SCRIPT = """
import json, sys, gymnasium as gym, toolenv
sys.path.insert(0, {repo!r})
from tests.conftest import shop_tasks
env = gym.make("ToolUse-v0", tool_specs={specs!r}, tasks=shop_tasks())
trace = []
for seed in range(8):
    obs, info = env.reset(seed=seed)
    trace.append(obs)
    while True:
        obs, r, term, trunc, info = env.step(env.unwrapped.expert_action())
        trace.append(json.dumps([obs, r, info], sort_keys=True))
        if term or trunc:
            break
print(json.dumps(trace))
"""


def test_byte_identical_episodes_across_processes(shop_dir):
    outs = []
    for hashseed in ("1", "2"):
        res = subprocess.run([sys.executable, "-c", SCRIPT.format(repo=str(REPO), specs=str(shop_dir))],
                             capture_output=True, text=True, cwd=REPO, env={"PYTHONHASHSEED": hashseed, "PATH": "/usr/bin"})
        assert res.returncode == 0, res.stderr[-2000:]
        outs.append(res.stdout)
    assert outs[0] == outs[1] and len(json.loads(outs[0])) > 8
