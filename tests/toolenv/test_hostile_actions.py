"""Hostile actions: never an exception, never a stall, never non-JSON; a documented code every time.

Regression tests for each case the seeded fuzzer (`benchmarks/fuzz.py`) found on main, plus a small
hypothesis fuzz over the shop env and a mini BFCL suite. Time is only checked loosely (a hang
guard), never tightly.
"""

from __future__ import annotations

import importlib.util
import json
import math
import time
from pathlib import Path

import gymnasium as gym
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import toolenv  # noqa: F401
from tests.conftest import REPO, shop_tasks
from toolenv.observation import number_problem, strict_dumps, to_strict
from toolenv.parse import parse_action
from toolenv.reward import DEFICIENCY_CODES, INTERNAL_ERROR, RewardConfig, values_match
from toolenv.suites.bfcl.backends.executor import Executor
from toolenv.suites.bfcl.backends.math_api import MathAPI
from toolenv.suites.bfcl.checker import check_single
from toolenv.suites.bfcl.decode import DecodeError, TooLarge, decode_ast_prompting
from toolenv.suites.bfcl.suite import deficiency_for

HANG_GUARD_S = 5.0  # loose: the real cost is well under a millisecond


class NonStrictJSON(ValueError):
    pass


def _reject(name: str):
    raise NonStrictJSON(name)


def strict_loads(text: str):
    return json.loads(text, parse_constant=_reject)


def step_ok(env, action):
    """One step that must return, with documented codes and a strict-JSON ASCII observation."""
    obs, r, term, trunc, info = env.step(action)
    assert isinstance(r, float) and math.isfinite(r)
    codes = info["deficiencies"]
    assert INTERNAL_ERROR not in codes, info.get("error")
    assert set(codes) <= set(DEFICIENCY_CODES), codes
    assert obs.isascii()
    strict_loads(obs)
    json.dumps(info, allow_nan=False)  # infos are strict-JSON-safe too
    return obs, r, term, trunc, info


def last_tool_error(obs):
    msgs = strict_loads(obs)["messages"]
    tool = [m for m in msgs if m["role"] == "tool"][-1]
    return strict_loads(tool["content"])["error"]


def chain_env(shop_env):
    shop_env.reset(seed=0, options={"task_id": "chain"})
    return shop_env


# --------------------------------------------------------------------------- simulated suites
def test_4300_digit_integer_literal_is_an_argument_error(shop_env):
    env = chain_env(shop_env)
    big = "9" * 4300
    obs, _, _, _, info = step_ok(env, '{"name": "place_order", "arguments": {"product_id": "P1", "quantity": ' + big + "}}")
    assert info["deficiencies"] == ["args:value"]  # an integer where an integer goes: the value is the problem
    err = last_tool_error(obs)
    assert err["type"] == "invalid_number" and err["field"] == "/quantity" and "4300 digits" in err["message"]
    assert info["calls"][0]["arguments"]["quantity"] == "<integer of 4300 digits>"


def test_hex_literal_beyond_the_int_str_limit_does_not_escape(shop_env):
    env = chain_env(shop_env)
    # 0x + 4000 hex digits is ~4,800 decimal digits: str() of it raises ValueError in Python 3.11
    obs, _, _, _, info = step_ok(env, "[place_order(product_id='P1', quantity=0x" + "f" * 4000 + ")]")
    assert info["deficiencies"] == ["args:value"]
    obs, _, _, _, info = step_ok(env, "[search_products(category=-0x" + "f" * 4000 + ")]")
    assert info["deficiencies"] == ["args:type"]  # a number where a string goes
    assert "negative integer of" in last_tool_error(obs)["message"]


@pytest.mark.parametrize("token,shown", [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity"),
                                         ("1e999", "Infinity"), ("-1e999", "-Infinity")])
def test_non_finite_numbers_are_rejected_not_echoed(shop_env, token, shown):
    env = chain_env(shop_env)
    obs, _, _, _, info = step_ok(env, '{"name": "search_products", "arguments": {"category": "toys", "max_price": ' + token + "}}")
    assert info["deficiencies"] == ["args:value"]  # max_price is a number: right type, unrepresentable value
    err = last_tool_error(obs)
    assert err["code"] == 400 and err["field"] == "/max_price" and shown in err["message"]
    call = [m for m in strict_loads(obs)["messages"] if m.get("tool_calls")][-1]["tool_calls"][0]
    assert call["function"]["arguments"]["max_price"] == shown  # shown as a string, not as a bare NaN
    # in a string parameter the same value is a type error; nested values are found too
    env.reset(seed=0, options={"task_id": "single"})
    _, _, _, _, info = step_ok(env, '<tool_call>{"name": "get_weather", "arguments": {"city": ' + token + "}}</tool_call>")
    assert info["deficiencies"] == ["args:type"]
    env.reset(seed=0, options={"task_id": "single"})
    _, _, _, _, info = step_ok(env, '{"name": "get_weather", "arguments": {"city": "Lyon", "unit": [1, {"a": ' + token + "}]}}")
    assert set(info["deficiencies"]) <= {"args:type", "args:value"} and info["deficiencies"]


def test_unexpected_argument_is_reported_before_its_bad_number(shop_env):
    env = chain_env(shop_env)
    _, _, _, _, info = step_ok(env, '{"name": "search_products", "arguments": {"category": "toys", "bogus": NaN}}')
    assert info["deficiencies"] == ["args:unexpected"]
    _, _, _, _, info = step_ok(env, '{"name": "search_products", "arguments": {"max_price": NaN, "bogus": 1}}')
    assert info["deficiencies"] == ["args:unexpected"]


def test_parser_replaces_and_records_unrepresentable_numbers():
    pa = parse_action('{"name": "f", "arguments": {"a": NaN, "b": [1, 1e999], "c/d": {"e": -Infinity}, "ok": 1.5}}')
    c = pa.calls[0]
    assert c.arguments == {"a": "NaN", "b": [1, "Infinity"], "c/d": {"e": "-Infinity"}, "ok": 1.5}
    assert [(b.pointer, b.kind) for b in c.invalid] == [("/a", "nan"), ("/b/1", "inf"), ("/c~1d/e", "-inf")]
    pa = parse_action("[f(a=1.5, b=2**3)]")  # arithmetic is not a literal: unparseable, not computed
    assert pa.kind == "error"
    pa = parse_action("[f(a=0x" + "f" * 300 + ", b=0x" + "f" * 200 + ")]")  # 1,200 bits > a double; 800 bits fits
    assert [b.pointer for b in pa.calls[0].invalid] == ["/a"] and isinstance(pa.calls[0].arguments["b"], int)


def test_deep_json_inside_an_arguments_string_is_unparseable_not_an_error(shop_env):
    env = chain_env(shop_env)
    inner = "[" * 900 + "]" * 900
    action = json.dumps({"name": "search_products", "arguments": '{"category": ' + inner + "}"})
    _, _, term, _, info = step_ok(env, action)
    assert info["deficiencies"] == ["format:unparseable"] and term


def test_huge_numbers_compare_without_overflow():
    cfg = RewardConfig()
    assert values_match(10**400, 10**400, cfg) and not values_match(10**400, 10**400 + 1, cfg)
    assert not values_match(10**400, 1.0, cfg) and not values_match(1.0, 10**400, cfg)
    assert not values_match(float("nan"), float("nan"), cfg)
    assert values_match(float("inf"), float("inf"), cfg) and not values_match(10**400, float("inf"), cfg)


def test_search_bounds_at_the_edge_of_the_double_range_stay_finite(shop_env):
    env = chain_env(shop_env)
    for args in ({"category": "garden", "max_price": 1.7e308}, {"category": "garden", "max_price": -1.7e308},
                 {"category": "garden", "max_price": 5e-324}, {"category": "books", "max_price": 10**308}):
        env.reset(seed=1, options={"task_id": "chain"})
        obs, _, _, _, info = step_ok(env, json.dumps({"name": "search_products", "arguments": args}))
        assert INTERNAL_ERROR not in info["deficiencies"]


def test_strict_encoding_helpers():
    assert [number_problem(v) for v in (float("nan"), float("inf"), -math.inf, 10**309, -(10**309), 1e308, True, "x")] \
        == ["nan", "inf", "-inf", "huge_int", "huge_int", None, None, None]
    v = {"a": (1, float("nan")), 2: [10**5000], "ok": "x"}
    assert to_strict(v) == {"a": [1, "NaN"], "2": ["<integer of 5001 digits>"], "ok": "x"}
    same = {"a": [1, 2.5, "x", None, True]}
    assert to_strict(same) is same
    strict_loads(strict_dumps({"x": float("-inf"), "y": TooLarge(-(10**400))}))


# --------------------------------------------------------------------------- BFCL
ENTRY = {"id": "e0", "question": [[{"role": "user", "content": "Area of a triangle, base 10, height 5."}]],
         "function": [{"name": "area", "description": "Triangle area.", "parameters": {"type": "dict", "properties": {
             "base": {"type": "integer", "description": "b"}, "height": {"type": "float", "description": "h"},
             "unit": {"type": "string", "description": "u"}}, "required": ["base", "height"]}}]}
ANSWER = {"id": "e0", "ground_truth": [{"area": {"base": [10], "height": [5.0], "unit": ["units", ""]}}]}


@pytest.fixture()
def bfcl_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("bfcl")
    (tmp_path / "possible_answer").mkdir()
    (tmp_path / "BFCL_v4_simple_python.json").write_text(json.dumps(ENTRY) + "\n")
    (tmp_path / "possible_answer" / "BFCL_v4_simple_python.json").write_text(json.dumps(ANSWER) + "\n")
    return tmp_path


def bfcl_code(text: str) -> tuple[str | None, list[str]]:
    entry = {**ENTRY, "ground_truth": ANSWER["ground_truth"]}
    r = check_single(entry, ANSWER["ground_truth"], text, "simple_python")
    n = len(r["decoded"]) if isinstance(r["decoded"], list) else 0
    return r["error_type"], deficiency_for(r["error_type"], r["error"], n, 1)


@pytest.mark.parametrize("expr", ["((2**1000)**1000)**1000", "(9**9999)**9999", "9**9999999", "1<<10**9", "'x'*10**9",
                                  "['x'*9999]*9999", "'%0999999d' % 1", "(1<<4000)*(1<<4000)"])
def test_bfcl_hostile_arithmetic_is_refused_fast(expr):
    t0 = time.perf_counter()
    with pytest.raises(DecodeError):
        decode_ast_prompting(f"[area(base={expr}, height=5.0)]")
    assert bfcl_code(f"[area(base={expr}, height=5.0)]") == ("ast_decoder:decoder_failed", ["format:unparseable"])
    assert time.perf_counter() - t0 < HANG_GUARD_S


def test_bfcl_numbers_beyond_a_double_are_value_or_type_errors():
    assert decode_ast_prompting("[f(a=2**1000, b=2**4000//2**3990)]")[0]["f"] == {"a": 2**1000, "b": 1024}  # within bounds: exact
    dec = decode_ast_prompting("[f(a=10**400, b=0x" + "f" * 4000 + ")]")[0]["f"]
    assert isinstance(dec["a"], TooLarge) and repr(dec["b"]) == "<integer of 4817 digits>"
    assert bfcl_code("[area(base=10**400, height=5.0)]") == ("value_error:others", ["args:value"])
    assert bfcl_code("[area(base=10, height=10**400)]") == ("value_error:others", ["args:value"])
    assert bfcl_code("[area(base=10, height=5.0, unit=0x" + "f" * 4000 + ")]") == ("type_error:simple", ["args:type"])
    assert bfcl_code("[area(base=10, height=1e999)]") == ("value_error:others", ["args:value"])
    assert bfcl_code("[area(base=10, height=5.0)]") == (None, [])


def test_bfcl_episodes_answer_hostile_actions(bfcl_dir):
    env = gym.make("ToolUse-v0", suite="bfcl:simple_python", data_dir=str(bfcl_dir))
    cases = {
        "[area(base=((2**1000)**1000)**1000, height=5.0)]": "format:unparseable",
        "[area(base=(9**9999)**9999, height=5.0)]": "format:unparseable",
        "[area(base=0x" + "f" * 4000 + ", height=5.0)]": "args:value",
        '{"name": "area", "arguments": {"base": 10, "height": NaN}}': "args:value",
        '<tool_call>{"name": "area", "arguments": {"base": 10, "height": Infinity}}</tool_call>': "args:value",
        "[area(base=10, height=5.0)]": None,
    }
    for action, code in cases.items():
        env.reset(seed=0)
        t0 = time.perf_counter()
        obs, r, term, _, info = step_ok(env, action)
        assert time.perf_counter() - t0 < HANG_GUARD_S
        assert term and info["deficiencies"] == ([code] if code else [])
        assert info["success"] is (code is None)


def test_bfcl_executor_results_never_escape():
    ex = Executor(["MathAPI"], {})
    out = ex.execute_one("add(a=0x" + "f" * 4000 + ", b=1)")
    assert out.startswith('{"error"')
    assert json.loads(ex.execute_one("multiply(a=10**300, b=10**300)"))["result"] == 10**600
    assert ex.execute_one("add(a=(9**9999)**9999, b=1)").startswith("Error during execution")


def test_bfcl_math_precision_is_bounded():
    """Precisions the official backend would spend minutes or all memory on are refused quickly
    (logarithm: an error result; an inexact square root: an exception, i.e. an execution error)."""
    m = MathAPI()
    assert "too large" in m.logarithm(10, 2, 10**9)["error"]
    assert "result" in m.logarithm(10, 2, 50)
    with pytest.raises(Exception):
        m.square_root(2, 99_999_999)
    assert m.square_root(4, 99_999_999)["result"] == 2  # an exact root is still returned
    assert m.round_number(10**300, -10**9) == {"result": 0} and m.round_number(1.25, 10**18) == {"result": 1.25}


def test_bfcl_state_hash_survives_a_directory_copied_into_itself():
    ex = Executor(["GorillaFileSystem"], {"GorillaFileSystem": {"root": {"w": {"type": "directory", "contents": {
        "d": {"type": "directory", "contents": {"f.txt": {"type": "file", "content": "x"}}}}}}}})
    before = ex.state_hash()
    ex.execute_one("cp(source='d', destination='d')")  # officially nests d inside itself (a cycle)
    after = ex.state_hash()
    assert after != before and after == ex.state_hash()


# --------------------------------------------------------------------------- fuzzing and determinism
_num = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "-0.0", "5e-324", "9" * 400, "-" + "9" * 4300,
                        "1.7976931348623157e308", "0x" + "f" * 1000, "-0b" + "1" * 5000, "2**1024", "(9**9999)**9999"])
_name = st.sampled_from(["get_weather", "search_products", "place_order", "get_order", "cancel_order", "nope"])
_param = st.sampled_from(["city", "unit", "category", "max_price", "quantity", "product_id", "order_id", "x"])
HOSTILE = st.one_of(
    st.builds(lambda n, p, v: '{"name": "%s", "arguments": {"%s": %s}}' % (n, p, v), _name, _param, _num),
    st.builds(lambda n, p, v: "[%s(%s=%s)]" % (n, p, v), _name, _param, _num),
    st.builds(lambda n, p, v, k: "<tool_call>" + '{"name": "%s", "arguments": {"%s": [%s]}}' % (n, p, v) * k, _name,
              _param, _num, st.integers(1, 3)),
    st.builds(lambda n, p, d: '{"name": "%s", "arguments": {"%s": %s}}' % (n, p, "[" * d + "]" * d), _name, _param,
              st.integers(0, 3000)),
    st.builds(lambda n, s: json.dumps({"name": n, "arguments": {"city": s}}, ensure_ascii=False), _name, st.text(max_size=40)),
    st.text(max_size=60),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(actions=st.lists(HOSTILE, min_size=1, max_size=4), task=st.integers(0, 4), seed=st.integers(0, 50))
def test_fuzzed_hostile_actions(shop_env, actions, task, seed):
    shop_env.reset(seed=seed, options={"task_index": task})
    for a in actions:
        _, _, term, trunc, info = step_ok(shop_env, a)
        if term or trunc:
            assert "success" in info
            break


_leaf = st.one_of(st.none(), st.booleans(), st.floats(), st.integers(), st.text(max_size=5),
                  st.integers(min_value=10**308, max_value=10**4000), st.integers(max_value=-(10**309), min_value=-(10**4000)))
_values = st.recursive(_leaf, lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.text(max_size=4), c, max_size=3)),
                       max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(args=st.dictionaries(st.text(max_size=6), _values, max_size=4), style=st.sampled_from(["json", "string", "hermes"]))
def test_parsed_arguments_are_always_strict_json(args, style):
    body = json.dumps(args)  # writes NaN / Infinity tokens and long integers
    if style == "json":
        text = '{"name": "f", "arguments": ' + body + "}"
    elif style == "string":
        text = json.dumps({"name": "f", "arguments": body})
    else:
        text = '<tool_call>{"name": "f", "arguments": ' + body + "}</tool_call>"
    pa = parse_action(text)
    assert pa.kind == "calls", pa.error
    c = pa.calls[0]
    strict_loads(json.dumps(c.arguments, allow_nan=False))
    assert bool(c.invalid) == (to_strict(args) != args or any(v != v for v in _floats(args)))


def _floats(v):
    if isinstance(v, float):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from _floats(x)
    elif isinstance(v, list):
        for x in v:
            yield from _floats(x)


def _load_fuzzer():
    spec = importlib.util.spec_from_file_location("toolenv_fuzz_bench", REPO / "benchmarks" / "fuzz.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_benchmark_fuzzer_small_run(shop_dir, bfcl_dir):
    fuzz = _load_fuzzer()
    targets = [("sim:shop", gym.make("ToolUse-v0", tool_specs=shop_dir, tasks=shop_tasks())),
               ("bfcl:simple_python", gym.make("ToolUse-v0", suite="bfcl:simple_python", data_dir=str(bfcl_dir)))]
    total, _ = fuzz.run(300, seed=7, targets=targets)
    row = total.row()
    assert row["actions"] == 300
    assert (row["raised"], row["internal_errors"], row["undocumented_codes"], row["non_json_observations"],
            row["non_ascii_observations"], row["non_json_infos"]) == (0, 0, 0, 0, 0, 0), total.examples


def test_same_seed_same_hostile_stream_and_byte_identical_episodes(shop_dir):
    fuzz = _load_fuzzer()
    import random

    def play() -> list[str]:
        env = gym.make("ToolUse-v0", tool_specs=shop_dir, tasks=shop_tasks())
        rng = random.Random(3)
        obs, _ = env.reset(seed=11)
        trace = [obs]
        for _ in range(60):
            kind, a = fuzz.hostile_action(rng, fuzz.Ctx(obs, env.unwrapped.expert_action(), False))
            obs, r, term, trunc, info = env.step(a)
            trace.append(json.dumps([kind, obs, r, term, trunc, info], sort_keys=True, allow_nan=False))
            if term or trunc:
                obs, _ = env.reset(seed=len(trace))
                trace.append(obs)
        return trace

    assert play() == play()
