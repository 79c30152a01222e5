"""Fault injection and schema perturbation wrappers: seeded, logged in info, scored by the env,
and the oracle still solves the tasks through them."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

import toolenv  # noqa: F401
from toolenv.observation import decode_observation
from toolenv.spec import load_registry
from toolenv.synth import synthesize
from toolenv.wrappers import FAULT_KINDS, FaultConfig, FaultInjection, PerturbationConfig, SchemaPerturbation


@pytest.fixture(scope="module")
def tasks():
    # one call per action, so "the last tool message failed" tells a quitter when to give up
    return synthesize(load_registry(), 40, seed=31,
                      categories=["simple", "multiple", "multi_step", "missing_argument", "multi_turn"])


@pytest.fixture(scope="module")
def all_tasks():
    return synthesize(load_registry(), 40, seed=32)


def oracle(env, n):
    out = []
    for i in range(n):
        obs, info = env.reset(seed=i, options={"task_index": i})
        infos, total = [info], 0.0
        while True:
            obs, r, term, trunc, info = env.step(env.unwrapped.expert_action())
            infos.append(info)
            total += r
            if term or trunc:
                break
        out.append({"success": info["success"], "return": total, "infos": infos, "obs": obs})
    return out


def test_faults_keep_tasks_solvable_are_logged_and_cost_reward(tasks):
    plain = oracle(gym.make("ToolUse-v0", tasks=tasks, max_steps=40), len(tasks))
    env = FaultInjection(gym.make("ToolUse-v0", tasks=tasks, max_steps=40), rates=0.4, seed=1)
    faulty = oracle(env, len(tasks))
    assert all(r["success"] for r in faulty)
    faults = [f for r in faulty for i in r["infos"] for f in i.get("faults", [])]
    assert len(faults) >= 10 and {f["kind"] for f in faults} == set(FAULT_KINDS)
    assert all(f["call_index"] <= env.config.fault_free_after for f in faults)
    n_exec_fault = sum(i["deficiencies"].count("exec:fault") for r in faulty for i in r["infos"])
    assert n_exec_fault == len(faults)
    assert len(plain) == len(faulty) and all(r["success"] for r in plain)
    # the faulted tool messages say what happened
    msgs, _ = decode_observation(next(r for r in faulty if any(i.get("faults") for i in r["infos"]))["obs"])
    errors = [json.loads(m["content"]).get("error", {}) for m in msgs if m["role"] == "tool"]
    assert any(e.get("code") in (429, 500, 502, 503, 504) and e.get("retryable") for e in errors)


def test_reward_prefers_retrying_over_giving_up(tasks):
    """The oracle retries a faulted call; an agent that gives up at the first fault fails."""

    def play(give_up):
        env = FaultInjection(gym.make("ToolUse-v0", tasks=tasks, max_steps=40), rates=0.4, seed=1)
        out = []
        for i in range(len(tasks)):
            obs, info = env.reset(seed=i, options={"task_index": i})
            total, faulted_step, clean_step = 0.0, [], []
            while True:
                msgs, _ = decode_observation(obs)
                hit = msgs[-1]["role"] == "tool" and "retryable" in msgs[-1]["content"]
                action = "The service is failing right now, please try again later." if (give_up and hit) \
                    else env.unwrapped.expert_action()
                obs, r, term, trunc, info = env.step(action)
                if info["calls"]:
                    (faulted_step if info["faults"] else clean_step).append(r)
                total += r
                if term or trunc:
                    break
            out.append((info["success"], total, faulted_step, clean_step))
        return out

    robust, quitter = play(False), play(True)
    hit = [k for k, q in enumerate(quitter) if q[2]]
    assert hit and all(robust[k][0] for k in hit) and not any(quitter[k][0] for k in hit)
    assert sum(robust[k][1] for k in hit) > sum(quitter[k][1] for k in hit)
    faulted = [r for x in robust for r in x[2]]
    clean = [r for x in robust for r in x[3]]
    assert max(faulted) < min(clean)


def test_fault_injection_is_seeded(tasks):
    def trace(seed):
        env = FaultInjection(gym.make("ToolUse-v0", tasks=tasks, max_steps=40), rates=0.5, seed=seed)
        return [[i.get("faults") for i in r["infos"]] for r in oracle(env, 12)]

    assert trace(1) == trace(1)
    assert trace(1) != trace(2)
    env = FaultInjection(gym.make("ToolUse-v0", tasks=tasks), rates=0.0)
    assert not any(i.get("faults") for r in oracle(env, 6) for i in r["infos"])


def test_fault_rate_limit_payload_and_config():
    from toolenv.wrappers import fault_response
    import random

    r = fault_response("rate_limit", "get_x", {"a": 1}, random.Random(0))
    assert r["error"]["code"] == 429 and r["error"]["retry_after"] > 0
    m = fault_response("malformed", "get_x", {"city": "Lyon"}, random.Random(0))
    with pytest.raises(ValueError):
        json.loads(m["error"]["body"])
    with pytest.raises(ValueError):
        FaultConfig(timeout=0.6, rate_limit=0.6)
    only = FaultConfig(timeout=1.0, rate_limit=0, server_error=0, malformed=0, tools=("get_weather",))
    assert only.total == 1.0


def test_snapshot_restore_replays_the_same_faults(tasks):
    env = FaultInjection(gym.make("ToolUse-v0", tasks=tasks, max_steps=40), rates=0.5, seed=3)
    base = env.unwrapped
    env.reset(seed=0, options={"task_index": 2})
    snap = base.snapshot()
    runs = []
    for _ in range(2):
        base.restore(snap)
        seq = []
        while True:
            obs, r, term, trunc, info = env.step(base.expert_action())
            seq.append((obs, r, info["faults"], info["deficiencies"]))
            if term or trunc:
                break
        runs.append(seq)
    assert runs[0] == runs[1]


def test_schema_perturbation_oracle_still_solves_everything(all_tasks):
    cfg = PerturbationConfig(rename_tools=True, rename_params=True, shuffle_params=True, descriptions="drop",
                             param_descriptions="terse", extra_distractors=2)
    env = SchemaPerturbation(gym.make("ToolUse-v0", tasks=all_tasks, max_steps=20), cfg, seed=4)
    res = oracle(env, len(all_tasks))
    assert all(r["success"] for r in res), [t.id for t, r in zip(all_tasks, res) if not r["success"]]


def test_schema_perturbation_changes_what_the_agent_sees(all_tasks):
    task = next(t for t in all_tasks if t.category == "multi_step")
    i = all_tasks.index(task)
    cfg = PerturbationConfig(rename_tools=True, rename_params=True, descriptions="drop", extra_distractors=2)
    env = SchemaPerturbation(gym.make("ToolUse-v0", tasks=all_tasks), cfg, seed=4)
    obs, info = env.reset(seed=0, options={"task_index": i})
    _, tools = decode_observation(obs)
    shown = [t["function"]["name"] for t in tools]
    pert = info["perturbation"]
    assert set(pert["tools"]) == set(task.tools) and len(shown) == len(task.tools) + 2
    assert not set(shown) & set(task.tools)  # every tool renamed
    assert all("description" not in t["function"] for t in tools)
    canon_params = {p for n in task.tools for p in load_registry().tools[n].properties}
    shown_params = {p for t in tools for p in t["function"]["parameters"]["properties"]}
    assert not (canon_params & shown_params) or canon_params != shown_params
    # the expert speaks the perturbed names, the env scores canonical ones
    action = env.unwrapped.expert_action()
    assert any(a in action for a in pert["tools"].values())
    obs, r, term, trunc, info = env.step(action)
    assert info["deficiencies"] == []
    msgs, _ = decode_observation(obs)  # tool results speak the perturbed names too
    assert msgs[-1]["role"] == "tool" and msgs[-1]["name"] in pert["tools"].values()
    # calling a hidden canonical name is a call to a tool that is not offered
    env.reset(seed=0, options={"task_index": i})
    first = task.turns[0].steps[0][0]
    args = {k: v for k, v in first.arguments.items() if not isinstance(v, dict)}
    obs, r, term, trunc, info = env.step(json.dumps({"name": first.name, "arguments": args}))
    assert "call:unknown_tool" in info["deficiencies"]


def test_schema_perturbation_is_deterministic(all_tasks):
    def shown(seed):
        env = SchemaPerturbation(gym.make("ToolUse-v0", tasks=all_tasks), {"extra_distractors": 3}, seed=seed)
        return [env.reset(seed=0, options={"task_index": i})[0] for i in range(8)]

    assert shown(5) == shown(5)
    assert shown(5) != shown(6)
