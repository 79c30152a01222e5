"""The speed-ups of issue 18 compute exactly what they replace.

* `toolenv.observation.fast_dumps` (a C encoder built once) gives ``json.dumps``' bytes;
* `toolenv.parse._number_hint` and the ``<tool_call>`` scan by ``str.find`` agree with the regexes;
* `toolenv.reward.step_total` is ``step_reward(...).total`` to the bit;
* a remembered parse (`toolenv.parse._PARSED`) equals a fresh one and shares no mutable object;
* a remembered state hash (`toolenv.simulator._STATE_HASHES`) equals the one computed from the diff.

Whole trajectories are pinned by `test_trajectory_identity.py`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolenv.observation import ascii_dumps, fast_dumps, strict_dumps
from toolenv.parse import _NUMBER_HINT_RE, _TOOL_CALL_RE, _number_hint, parse_action
from toolenv.reward import CallFacts, RewardConfig, step_reward, step_total
from toolenv.simulator import canonical_json

REPO = Path(__file__).resolve().parents[2]

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**400), max_value=10**400),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                    st.sampled_from(["\ud800", "é", "☃", "\x00", '"', "\\", "1e999"]))
keys = st.one_of(st.text(max_size=6), st.integers(-3, 3), st.booleans(), st.none(), st.floats(allow_nan=True))
values = st.recursive(scalars, lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(keys, c, max_size=4),
                                                   st.tuples(c, c)), max_leaves=20)


@settings(max_examples=600, deadline=None)
@given(values)
def test_fast_dumps_equals_strict_dumps(v):
    assert ascii_dumps(v) == strict_dumps(v, ensure_ascii=True, separators=(", ", ": "))
    assert canonical_json(v) == strict_dumps(v, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str)
    raw = fast_dumps(fallback=False)
    try:
        expected = json.dumps(v, ensure_ascii=True, allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        with pytest.raises((ValueError, TypeError, RecursionError)):
            raw(v)
    else:
        assert raw(v) == expected


def test_fast_dumps_deep_and_circular_values_fall_back_like_strict_dumps():
    deep: list = []
    cur = deep
    for _ in range(5000):
        cur.append([])
        cur = cur[0]
    loop: dict = {"a": 1}
    loop["self"] = loop
    for v in (deep, loop, {"x": object()}, {(1, 2): 3}, {"n": 10**5000}):
        assert ascii_dumps(v) == strict_dumps(v, ensure_ascii=True, separators=(", ", ": "))
        assert canonical_json(v) == strict_dumps(v, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str)


@settings(max_examples=800, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789abcdefEe+-_NaIfinty x{}\"")), max_size=400))
def test_number_hint_equals_its_regex(text):
    assert _number_hint(text) == (_NUMBER_HINT_RE.search(text) is not None)


def test_number_hint_long_digit_runs():
    for n in (199, 200, 201, 500):
        for c in "0aF_":
            t = "x" + c * n + "y"
            assert _number_hint(t) == (_NUMBER_HINT_RE.search(t) is not None)


def _regex_parse(text: str):
    """The ``<tool_call>`` branch of `toolenv.parse._parse` as it was: findall + sub."""
    from toolenv.parse import ParseError, _calls_from_json, _finish, _strip_fence

    try:
        calls = []
        for blk in _TOOL_CALL_RE.findall(text):
            blk = _strip_fence(blk.strip())
            if not blk:
                raise ParseError("empty <tool_call> block")
            calls.extend(_calls_from_json(blk))
        p = _finish(calls, _TOOL_CALL_RE.sub("", text).strip(), "hermes")
    except ParseError as e:
        return ("error", str(e))
    return (p.kind, [c.to_dict() for c in p.calls], p.text, p.format)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(["<tool_call>", "</tool_call>", "\n", " ", "x", "{}", "<tool_", "call>", "</tool",
                                 '{"name": "f", "arguments": {}}', "a\nb", "```json\n", "\n```", "[", "]"]),
                max_size=12))
def test_tool_call_scan_equals_the_regex(parts):
    text = "".join(parts)
    if "<tool_call>" not in text:
        return
    p = parse_action(text)
    got = ("error", p.error) if p.kind == "error" else (p.kind, [c.to_dict() for c in p.calls], p.text, p.format)
    assert got == _regex_parse(text)


@pytest.mark.parametrize("calls,penalised,answered,success", [
    ([], [], True, 0.0), ([], ["calls:missing"], False, 0.0), ([], [], True, 1.0),
    ([CallFacts(expected_tool=True, arg_credit=1 / 3)], ["order:dependency", "unknown:code"], False, 0.0),
    ([CallFacts(offered=False), CallFacts(fault=True), CallFacts(schema_ok=False, arg_credit=0.7)],
     ["call:unknown_tool", "args:type"], False, 0.5),
])
def test_step_total_is_step_reward_total(calls, penalised, answered, success):
    zero = {f: -0.0 for f in ("format_weight", "tool_weight", "args_weight", "exec_weight")}
    for cfg in (RewardConfig(), RewardConfig(args_weight=0.3, extra_call_penalty=-0.0, success_bonus=0.7),
                RewardConfig(**zero), RewardConfig(format_weight=1, exec_weight=2)):
        a = step_reward(cfg, calls=calls, penalised=penalised, answered=answered, success=success).total
        b = step_total(cfg, calls=calls, penalised=penalised, answered=answered, success=success)
        assert a == b and math.copysign(1, a) == math.copysign(1, b)


# ---------------------------------------------------------------------------------- validators


# ---------------------------------------------------------------------------------- remembered parses
_ACTIONS = [
    '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Lyon", "days": 3, "metric": true, "x": null}}'
    '\n</tool_call>',
    'Let me check.\n<tool_call>{"name": "f", "arguments": {"a": 1.5}}</tool_call>\n'
    '<tool_call>{"name": "g", "arguments": {}}</tool_call>',
    '{"name": "f", "arguments": {"q": "\\u00e9t\\u00e9"}}', '[f(a=1, b="x"), g()]', "The answer is 42.",
    '<tool_call>{"name": "f", "arguments": {"a": [1, 2], "b": {"c": 1}}}</tool_call>',  # nested: not remembered
    '{"name": "f", "arguments": {"a": NaN, "b": 1e999}}',  # unrepresentable numbers: not remembered
    '<tool_call>{"name": "f", "arguments": "{\\"a\\": 1}"}</tool_call>', "<tool_call></tool_call>", "[oops(",
]


def _fields(p):
    return (p.kind, p.text, p.format, p.error, p.raw, [(c.name, c.arguments, c.invalid) for c in p.calls])


@pytest.mark.parametrize("text", _ACTIONS)
def test_remembered_parse_equals_a_fresh_one(text):
    from toolenv import parse

    parse._PARSED.pop(text, None)
    fresh = parse._parse_uncached(text)
    first, second = parse_action(text), parse_action(text)
    assert _fields(first) == _fields(fresh) == _fields(second)
    for c in first.calls:  # what the caller holds is its own: changing it changes no later parse
        c.arguments["injected"] = True
        c.name = "changed"
    first.text = "changed"
    third = parse_action(text)
    assert _fields(third) == _fields(fresh)
    assert all(a.arguments is not b.arguments for a, b in zip(second.calls, third.calls))
    if text in parse._PARSED:
        assert first.kind in ("calls", "answer")
        assert all(type(v) in parse._SCALAR_TYPES for c in first.calls for v in c.arguments.values())


def test_remembered_parses_are_bounded(monkeypatch):
    from toolenv import parse

    monkeypatch.setattr(parse, "_PARSED_LIMIT", 5)
    parse._PARSED.clear()
    for i in range(12):
        parse_action(f"answer number {i}")
        assert len(parse._PARSED) <= 5
    assert parse_action("x" * (parse._PARSED_MAX_CHARS + 1)).kind == "answer"
    assert ("x" * (parse._PARSED_MAX_CHARS + 1)) not in parse._PARSED


# ---------------------------------------------------------------------------------- remembered state hashes
def _diff_hash(world) -> str:
    import hashlib

    payload = canonical_json({c: m for c, m in sorted(world.diff.items()) if m})
    return hashlib.blake2b(payload.encode(), digest_size=12).hexdigest()


def test_remembered_state_hash_equals_the_computed_one():
    from toolenv import simulator
    from toolenv.simulator import World

    reg = _registry()
    tk = next(tk for tk in reg.toolkits.values() if tk.collections)
    coll = next(iter(tk.collections.values()))
    simulator._STATE_HASHES.clear()
    hashes = []
    for seed in (1, 2):
        for rounds in range(2):  # the second round hits the memo
            w = World(reg, seed)
            recs = list(w._base(coll).items())[:3]
            (rid0, rec0), (rid1, rec1) = recs[0], recs[1]
            w._put(coll, rid0, {**rec0, "changed": rounds})  # a new object each time: a new key
            assert w.state_hash() == _diff_hash(w)
            w._put(coll, rid1, None)
            assert w.state_hash() == _diff_hash(w)
            w._put(coll, rid1, rec1)
            assert w.state_hash() == _diff_hash(w)
            w._put(coll, rid0, rec0)
            w._put(coll, "new-id", rec1)  # the same record under another id: another hash
            assert w.state_hash() == _diff_hash(w)
            hashes.append(w.state_hash())
    assert simulator._STATE_HASHES and all(isinstance(v[0], tuple) for v in simulator._STATE_HASHES.values())
    assert hashes[0] == hashes[1] and hashes[2] == hashes[3]


def _registry():
    from toolenv.spec import load_registry

    return load_registry(None)
