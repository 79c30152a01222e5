"""Task synthesis: every category produced and oracle-solvable through the env, random far lower,
references resolve, no-call categories scored right both ways, determinism, phrasing hygiene."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections import Counter

import gymnasium as gym
import pytest

import toolenv  # noqa: F401
from agents import OracleAgent
from agents.random_agent import RandomAgent
from tests.conftest import REPO
from toolenv.simulator import World
from toolenv.sim_episode import concrete_arguments
from toolenv.spec import load_registry
from toolenv.synth import Infeasible, Synthesizer, difficulty_stats, synthesize
from toolenv.synth.difficulty import dependency_depth
from toolenv.tasks import CATEGORIES, Task

N_PER_CATEGORY = 16


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def tasks(registry) -> dict[str, list[Task]]:
    out = {}
    for i, cat in enumerate(CATEGORIES):
        out[cat] = synthesize(registry, N_PER_CATEGORY, seed=100 + i, categories=[cat])
    return out


def run_agent(tasks: list[Task], agent, max_steps: int = 12, specs=None) -> list[dict]:
    env = gym.make("ToolUse-v0", tool_specs=specs, tasks=tasks, max_steps=max_steps)
    infos = []
    for i in range(len(tasks)):
        obs, info = env.reset(seed=i, options={"task_index": i})
        while True:
            obs, r, term, trunc, info = env.step(agent.act(obs, env))
            if term or trunc:
                break
        infos.append(info)
    env.close()
    return infos


@pytest.mark.parametrize("category", CATEGORIES)
def test_category_is_produced_and_oracle_solves_all(tasks, category):
    ts = tasks[category]
    assert len(ts) == N_PER_CATEGORY and all(t.category == category for t in ts)
    infos = run_agent(ts, OracleAgent())
    failed = [(t.id, i["deficiencies"]) for t, i in zip(ts, infos) if not i.get("success")]
    assert not failed, failed


def test_random_agent_is_far_below_the_oracle(tasks):
    rates = {}
    for cat, ts in tasks.items():
        infos = run_agent(ts, RandomAgent(seed=3))
        rates[cat] = sum(bool(i.get("success")) for i in infos) / len(infos)
    assert all(rates[c] <= 0.2 for c in CATEGORIES if c != "irrelevance"), rates
    assert rates["irrelevance"] < 0.8, rates
    assert sum(rates.values()) / len(rates) < 0.2, rates


def test_category_shapes(tasks):
    for t in tasks["simple"]:
        assert len(t.tools) == 1 and t.num_calls == 1
    for t in tasks["multiple"]:
        assert len(t.tools) >= 2 and t.num_calls == 1
    for t in tasks["parallel"]:
        (step,) = t.turns[0].steps
        assert len(step) >= 2 and len({c.name for c in step}) == 1
    for t in tasks["parallel_multiple"]:
        (step,) = t.turns[0].steps
        assert len(step) >= 2 and len({c.name for c in step}) >= 2
    for t in tasks["multi_step"]:
        assert 2 <= len(t.turns[0].steps) <= 4 and dependency_depth(t) >= 2
    for t in tasks["irrelevance"]:
        assert len(t.turns) == 1 and t.turns[0].steps == [] and t.turns[0].answer
        if t.meta.get("query_tool"):
            qdom = load_registry().tools[t.meta["query_tool"]].domain
            assert all(load_registry().tools[n].domain != qdom for n in t.tools)
    for t in tasks["missing_argument"]:
        t1, t2 = t.turns
        assert t1.steps == [] and t1.answer.endswith("?") and t2.steps and t.meta["missing"] in t2.calls[0].arguments
    for t in tasks["multi_turn"]:
        assert len(t.turns) == 2 and all(tr.steps for tr in t.turns)


def _refs(value):
    if isinstance(value, dict):
        if "$ref" in value:
            yield value["$ref"]
        else:
            for v in value.values():
                yield from _refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _refs(v)


def test_references_point_backwards_and_resolve_in_a_fresh_world(registry, tasks):
    n_refs = 0
    for t in tasks["multi_step"] + tasks["multi_turn"]:
        world = World(registry, t.seed)
        results = {}
        for turn in t.turns:
            for step in turn.steps:
                for c in step:
                    for r in _refs(c.arguments):
                        assert r.split("/", 1)[0] in results, (t.id, r)
                        n_refs += 1
                    args = concrete_arguments(c.arguments, results)
                    resp, code = world.call(c.name, args)
                    assert code is None and "error" not in resp, (t.id, c.name, resp)
                    results[c.label] = resp
    assert n_refs >= len(tasks["multi_step"])


def test_labels_are_unique_per_task(tasks):
    for ts in tasks.values():
        for t in ts:
            labels = [c.label for tr in t.turns for c in tr.calls]
            assert len(labels) == len(set(labels))


def _episode(env, task_index, actions):
    env.reset(seed=0, options={"task_index": task_index})
    info = {}
    for a in actions:
        if a is None:
            a = env.unwrapped.expert_action()
        obs, r, term, trunc, info = env.step(a)
        if term or trunc:
            break
    return info


def test_irrelevance_scored_right_both_ways(tasks):
    ts = tasks["irrelevance"][:6]
    env = gym.make("ToolUse-v0", tasks=ts)
    for i, t in enumerate(ts):
        assert _episode(env, i, ["Sorry, I can't help with that."])["success"] is True
        name = t.tools[0]
        info = _episode(env, i, [json.dumps({"name": name, "arguments": {}}), "Done."])
        assert info["success"] is False


def test_missing_argument_scored_right_both_ways(tasks):
    ts = tasks["missing_argument"][:6]
    env = gym.make("ToolUse-v0", tasks=ts)
    for i, t in enumerate(ts):
        # asking first, then calling with the supplied value: success
        assert _episode(env, i, ["Which value should I use?", None, None])["success"] is True
        # calling right away with the (not yet given) value: a call when none was needed
        call = t.turns[1].calls[0]
        env.reset(seed=0, options={"task_index": i})
        obs, r, term, trunc, info = env.step(json.dumps({"name": call.name, "arguments": call.arguments}))
        assert "relevance:call_when_none_needed" in info["deficiencies"]
        while not (term or trunc):
            obs, r, term, trunc, info = env.step(env.unwrapped.expert_action() or "ok")
        assert info["success"] is False


def test_determinism_in_process_and_across_processes(registry):
    a = [t.to_dict() for t in synthesize(registry, 40, seed=7)]
    b = [t.to_dict() for t in synthesize(registry, 40, seed=7)]
    assert a == b
    c = [t.to_dict() for t in synthesize(registry, 40, seed=8)]
    assert a != c
    digest = hashlib.sha256(json.dumps(a, sort_keys=True).encode()).hexdigest()
    code = ("import json,hashlib;from toolenv.spec import load_registry;from toolenv.synth import synthesize;"
            "a=[t.to_dict() for t in synthesize(load_registry(),40,seed=7)];"
            "print(hashlib.sha256(json.dumps(a,sort_keys=True).encode()).hexdigest())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         env={"PYTHONHASHSEED": "123", "PATH": ""}, check=True)
    assert out.stdout.strip() == digest


def test_tasks_are_reproducible_one_by_one(registry):
    s = Synthesizer(registry)
    full = s.generate(24, seed=5)
    for i in (0, 7, 23):
        assert s.task(full[i].category, i, 5).to_dict() == full[i].to_dict()


def test_queries_never_leak_raw_parameter_names_or_json(registry, tasks):
    for ts in tasks.values():
        for t in ts:
            names = {p for n in t.tools for p in registry.tools[n].properties if "_" in p or re.search(r"[a-z][A-Z]", p)}
            for turn in t.turns:
                for text in (turn.user, turn.answer):
                    for p in names:
                        assert not re.search(rf"\b{re.escape(p)}\b", text), (t.id, p, text)
                    assert "{" not in text and "}" not in text and "$ref" not in text, (t.id, text)
                    assert "[" not in text, (t.id, text)


def test_every_category_round_robin_by_default_and_difficulty_stats(registry):
    ts = synthesize(registry, 80, seed=11)
    counts = Counter(t.category for t in ts)
    assert set(counts) == set(CATEGORIES) and set(counts.values()) == {10}
    st = difficulty_stats(ts)
    assert st["multi_step"]["mean"] > st["simple"]["mean"]
    assert st["parallel"]["mean"] > st["simple"]["mean"]
    assert all(t.difficulty >= 0 for t in ts) and max(t.difficulty for t in ts) > 3
    assert all({"template", "frame"} <= set(t.meta) for t in ts)


def test_any_spec_gets_single_call_and_two_step_tasks(shop_dir):
    reg = load_registry(shop_dir)
    ts = synthesize(reg, 16, seed=0, categories=["simple", "multi_step"])
    assert {t.category for t in ts} == {"simple", "multi_step"}
    infos = run_agent(ts, OracleAgent(), specs=shop_dir)
    assert all(i["success"] for i in infos)


def test_single_bare_tool_supports_what_it_can_and_refuses_the_rest(tmp_path):
    tool = {"name": "get_forecast", "description": "Get the weather forecast for a city.",
            "parameters": {"type": "dict", "properties": {"city": {"type": "string", "description": "City name"},
                                                          "days": {"type": "integer", "minimum": 1, "maximum": 7}},
                           "required": ["city"]}}
    (tmp_path / "weather.json").write_text(json.dumps([tool]))
    reg = load_registry(tmp_path)
    s = Synthesizer(reg)
    cats = s.categories()
    assert {"simple", "parallel", "missing_argument", "multi_turn"} <= set(cats)
    assert "multi_step" not in cats and "multiple" not in cats
    with pytest.raises(Infeasible, match="multi_step"):
        synthesize(reg, 4, seed=0, categories=["multi_step"])
    ts = synthesize(reg, 12, seed=0)
    infos = run_agent(ts, OracleAgent(), specs=tmp_path)
    assert all(i["success"] for i in infos)
    assert any("forecast" in t.turns[0].user for t in ts)


def test_unknown_category_is_rejected(registry):
    with pytest.raises(ValueError, match="unknown category"):
        synthesize(registry, 2, seed=0, categories=["nope"])


def test_categories_a_generator_cannot_build_are_refused_up_front(tmp_path):
    """Every argument optional: multi_turn (nothing to vary, no id link) and parallel_multiple (the
    two tools do the same thing) are infeasible, so the env synthesizes the others instead of failing."""
    import json

    import gymnasium as gym

    import toolenv  # noqa: F401
    from toolenv.spec import load_registry
    from toolenv.synth.categories import Synthesizer

    tools = [{"type": "function", "function": {"name": n, "description": d, "parameters": {
        "type": "object", "properties": {"page": {"type": "integer", "description": "Page number."}}}}}
        for n, d in (("list_news", "List the latest news."), ("list_news_xml", "List the latest news."))]
    spec = tmp_path / "news.json"
    spec.write_text(json.dumps(tools))
    syn = Synthesizer(load_registry(spec, cache=False))
    assert "several values" in syn.feasible("multi_turn")
    assert "different actions" in syn.feasible("parallel_multiple")
    env = gym.make("ToolUse-v0", tool_specs=str(spec), num_tasks=16, seed=0)
    cats = {env.unwrapped.suite.task(i).category for i in range(len(env.unwrapped.suite))}
    assert cats and not cats & {"multi_turn", "parallel_multiple"}
