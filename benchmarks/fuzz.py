"""Hostile-action fuzzer: every action string must get a result, a documented deficiency code, a
strict-JSON observation, in bounded time.

Run: .venv/bin/python benchmarks/fuzz.py [--actions 100000] [--seed 0] [--bfcl-dir DIR]

Targets: one env per bundled tool-spec domain (``toolenv/tool_specs/*.json``, synthesized tasks) and one per
BFCL category whose data is in ``--bfcl-dir`` (default ``/work/shared/bfcl`` when it exists); the
actions are dealt out round-robin. Each action is drawn from a seeded generator of hostile kinds
(huge / negative / non-finite numbers, hex literals, deep nesting, giant strings, unicode and lone
surrogates, broken JSON and ``<tool_call>`` tags, wrong types, many calls in one action, BFCL
Python-call syntax with hostile arithmetic, mutated expert actions, ...), aimed at the tools the
env offers (names and parameters read from the observation). Every fifth step plays the expert's
action instead, so hostile actions also land in later turns and changed worlds.

Counted per step: an exception out of ``env.step`` (raised; the env is then reset), the code
``env:internal_error``, codes outside ``toolenv.DEFICIENCY_CODES``, observations that are not
strict JSON (``NaN``/``Infinity`` or unparseable) or not ASCII, infos that are not strict JSON,
and the time of ``env.step``: wall, thread CPU, the garbage collector's share of the slowest step,
and the slowest step once collector pauses are taken out. After setup the targets' static data
(BFCL entries, synthesized tasks) is ``gc.freeze()``-d, as a long-running trainer would do;
``--no-gc-freeze`` measures without (a full collection of that heap then lands in some step).
``--step-timeout S`` probes every step in a forked child first and skips the ones that run longer
(for measuring code that stalls). Prints a table and one JSON line (``{"fuzz": ...}``); exit
status 1 when anything was stalled, raised, internal, undocumented or non-JSON.
The action stream is a pure function of ``--seed``; the timings are not.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import select
import signal
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import toolenv  # noqa: E402,F401
from toolenv.reward import DEFICIENCY_CODES  # noqa: E402

INTERNAL_ERROR = "env:internal_error"

DEFAULT_BFCL = Path("/work/shared/bfcl")
Gen = Callable[[random.Random, "Ctx"], str]


class _NonJSON(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonJSON(name)


def strict_loads(text: str) -> Any:
    """``json.loads`` that rejects NaN / Infinity / -Infinity."""
    return json.loads(text, parse_constant=_reject_constant)


# --------------------------------------------------------------------------- what the env offers
class Ctx:
    """The offered tools of the current episode and its expert action (from the observation)."""

    def __init__(self, obs: str, expert: str | None, bfcl: bool):
        try:
            tools = json.loads(obs)["tools"]
        except (ValueError, KeyError, TypeError):
            tools = []
        self.tools: list[tuple[str, dict[str, Any]]] = []
        for t in tools:
            fn = t.get("function", t) if isinstance(t, dict) else {}
            name = fn.get("name")
            props = (fn.get("parameters") or {}).get("properties") or {}
            if isinstance(name, str):
                self.tools.append((name, props if isinstance(props, dict) else {}))
        if not self.tools:
            self.tools = [("get_weather", {"city": {"type": "string"}})]
        self.expert = expert or ""
        self.bfcl = bfcl

    def tool(self, rng: random.Random) -> tuple[str, dict[str, Any]]:
        return rng.choice(self.tools)

    def param(self, rng: random.Random, props: dict[str, Any], numeric: bool = False) -> str:
        names = list(props)
        if numeric:
            nums = [k for k, s in props.items() if isinstance(s, dict) and s.get("type") in ("integer", "number", "float")]
            names = nums or names
        return rng.choice(names) if names else rng.choice(["x", "amount", "id", ""])


# --------------------------------------------------------------------------- hostile values
def huge_int_text(rng: random.Random) -> str:
    n = rng.choice([309, 310, 400, 1000, 4000, 4299, 4300, 4301, 5000])
    return ("-" if rng.random() < 0.3 else "") + str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def radix_int_text(rng: random.Random) -> str:
    prefix, digits, n = rng.choice([("0x", "0123456789abcdef", 4000), ("0x", "f", 300), ("0o", "01234567", 6000),
                                    ("0b", "01", 20000), ("0x", "0123456789ABCDEF", 257)])
    return ("-" if rng.random() < 0.3 else "") + prefix + "1" + "".join(rng.choice(digits) for _ in range(n))


NON_FINITE_JSON = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1E400", "-0.0", "5e-324",
                   "1.7976931348623157e308", "1.7976931348623159e308", "123456789012345678901234567890"]
NON_FINITE_PY = ["1e999", "-1e999", "float('nan')", "float('inf')", "1e308*10", "10.0**400", "-(1e999)", "1e999-1e999",
                 "5e-324", "-0.0", "2**1023*2", "2**1024", "-2**1024", "1.7976931348623157e308"]
HOSTILE_ARITH = [
    "((2**1000)**1000)**1000", "(9**9999)**9999", "9**9999999", "2**4096", "2**4097", "10**400", "-(10**400)",
    "1<<10**9", "1<<4000", "(1<<4000)*(1<<4000)", "'x'*10**9", "[1]*10**8", "['x'*9999]*9999", "'x'*9999+'y'*9999",
    "'%0999999d' % 1", "'%(k)0999999d' % {'k': 1}", "'%*d' % (10**9, 1)", "1/0", "1//0", "1%0", "10.0**400", "(-8)**0.5",
    "~0x" + "f" * 300, "{[1]: 2}", "{1, 2} | {3}", "{[1]}", "2**-10**9", "0**-1", "(2**4000)/(3)", "(2**4000)//(2**3990)",
    "1+" * 300 + "1", "(" * 150 + "1" + ")" * 150, "-" * 200 + "1", "not 1", "[1,2]@[3]", "b'%999999d' % (1,)",
    "2**2**2**2**2", "(10**300)*(10**300)", "1e308+1e308", "10**308/1e-308", "[2**1024, 2**1023]", "(2**1024,)",
    "{'k': 10**400}", "abs(-1)+1", "x+1", "__import__('os')", "().__class__", "lambda: 1", "[i for i in range(10**9)]",
]
UNICODE = ["\u00e9t\u00e9", "\u6771\u4eac", "\U0001f600\U0001f4a9", "\u202eevil\u202c", "e\u0301\u0301\u0301", "\u200b\u200d\ufeff",
           "\x00\x01\x1f\x7f", "\ud800", "\udcff\udfff", "\\ud800", "\\u0000", "\u2028\u2029", "\ufffd", "\U0010ffff",
           "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", "\"'\\", "</tool_call>", "<tool_call>", "```", "{{}}", "%s%n%x"]


def json_value(rng: random.Random, depth: int = 0) -> str:
    """A JSON-ish value text (sometimes not valid JSON) with hostile leaves."""
    r = rng.random()
    if depth < 3 and r < 0.15:
        return "[" + ", ".join(json_value(rng, depth + 1) for _ in range(rng.randint(0, 4))) + "]"
    if depth < 3 and r < 0.3:
        return "{" + ", ".join(f"{json.dumps(rng.choice(UNICODE + ['a', 'b', '$ref', '$one_of', '']))}: {json_value(rng, depth + 1)}"
                               for _ in range(rng.randint(0, 3))) + "}"
    if r < 0.5:
        return rng.choice(NON_FINITE_JSON)
    if r < 0.6:
        return huge_int_text(rng)
    if r < 0.75:
        return json.dumps(rng.choice(UNICODE) * rng.randint(1, 50), ensure_ascii=rng.random() < 0.5)
    if r < 0.85:
        return rng.choice(["true", "false", "null", "0", "-1", "1.5", "2147483648", "-9223372036854775809", '""', "{}", "[]"])
    return str(rng.randint(-10**18, 10**18))


def py_value(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        return rng.choice(HOSTILE_ARITH)
    if r < 0.6:
        return rng.choice(NON_FINITE_PY)
    if r < 0.7:
        return radix_int_text(rng)
    if r < 0.8:
        return huge_int_text(rng)[:4300]
    if r < 0.9:
        return repr(rng.choice(UNICODE) * rng.randint(1, 30))
    return rng.choice(["None", "True", "[]", "{}", "()", "...", "x", "x[0]", "f()", "g(a=1)", "1j", "b'x'", "{1: 2}", "[[[[[]]]]]"])


# --------------------------------------------------------------------------- action kinds
def _call_json(name: Any, args_text: str) -> str:
    return '{"name": ' + (json.dumps(name) if not isinstance(name, str) or not name.startswith("RAW:") else name[4:]) \
        + ', "arguments": ' + args_text + "}"


def k_number_json(rng: random.Random, c: Ctx) -> str:
    name, props = c.tool(rng)
    p = c.param(rng, props, numeric=True)
    val = rng.choice(NON_FINITE_JSON + [huge_int_text(rng)])
    others = ", ".join(f"{json.dumps(k)}: {json_value(rng)}" for k in rng.sample(list(props), min(len(props), rng.randint(0, 2))) if k != p)
    body = "{" + f"{json.dumps(p)}: {val}" + (", " + others if others else "") + "}"
    call = _call_json(name, body)
    return rng.choice([call, f"<tool_call>\n{call}\n</tool_call>", f"[{call}]", f"```json\n{call}\n```"])


def k_number_python(rng: random.Random, c: Ctx) -> str:
    name, props = c.tool(rng)
    args = ", ".join(f"{c.param(rng, props, numeric=rng.random() < 0.7)}={py_value(rng)}" for _ in range(rng.randint(1, 3)))
    return f"[{name}({args})]" if rng.random() < 0.8 else f"{name}({args})"


def k_arith_bfcl(rng: random.Random, c: Ctx) -> str:
    name, props = c.tool(rng)
    calls = []
    for _ in range(rng.randint(1, 3)):
        n2, p2 = c.tool(rng) if rng.random() < 0.3 else (name, props)
        args = ", ".join(f"{c.param(rng, p2, numeric=True)}={rng.choice(HOSTILE_ARITH)}" for _ in range(rng.randint(1, 3)))
        calls.append(f"{n2}({args})")
    return "[" + ", ".join(calls) + "]"


def k_deep(rng: random.Random, c: Ctx) -> str:
    name, props = c.tool(rng)
    p = c.param(rng, props)
    n = rng.choice([31, 32, 33, 100, 1000, 5000, 16000])
    shape = rng.random()
    if shape < 0.3:
        val = "[" * n + "1" + "]" * n
    elif shape < 0.5:
        val = '{"a": ' * n + "1" + "}" * n
    elif shape < 0.6:
        val = "[" * n  # unbalanced
    elif shape < 0.8:
        inner = "[" * n + "]" * n
        return _call_json(name, json.dumps(json.dumps({p: None})[:-2] + " " + inner + "}"))  # arguments as a JSON string
    else:
        return f"[{name}({p}=" + "[" * min(n, 3000) + "]" * min(n, 3000) + ")]"
    return _call_json(name, "{" + json.dumps(p) + ": " + val + "}")


def k_giant_string(rng: random.Random, c: Ctx) -> str:
    name, props = c.tool(rng)
    p = c.param(rng, props)
    n = rng.choice([1000, 10_000, 30_000, 32_700, 32_768, 40_000, 200_000])
    unit = rng.choice(["x", "\\n", "\\u0000", "\u00e9", "\U0001f600", "\\\\", "\\ud800", " ", "a b "])
    s = unit * (n // max(1, len(unit)))
    if rng.random() < 0.5:
        return _call_json(name, "{" + json.dumps(p) + ': "' + s + '"}')[: n + 100]
    if rng.random() < 0.5:
        return f"[{name}({p}='" + s.replace("'", "") + "')]"
    return s  # plain text answer


def k_unicode(rng: random.Random, c: Ctx) -> str:
    name, props = c.tool(rng)
    p = c.param(rng, props)
    u = rng.choice(UNICODE)
    forms = [
        _call_json(rng.choice([name, name + u, u, name.upper()]), "{" + json.dumps(p + (u if rng.random() < 0.3 else "")) + ": " + json.dumps(u * 3, ensure_ascii=False) + "}"),
        f"[{name}({p}={u!r})]", f"<tool_call>{u}</tool_call>", u * rng.randint(1, 100), f"{name}\u200b({p}=1)",
        "<tool_call>" + json.dumps({"name": name, "arguments": {p: u}}, ensure_ascii=False) + "</tool_call>" + u,
    ]
    return rng.choice(forms)


def k_broken(rng: random.Random, c: Ctx) -> str:
    name, props = c.tool(rng)
    p = c.param(rng, props)
    good = json.dumps({"name": name, "arguments": {p: 1}})
    cut = good[: rng.randint(0, len(good))]
    forms = [
        "<tool_call>" + cut, cut + "</tool_call>", "<tool_call><tool_call>" + good + "</tool_call></tool_call>",
        "</tool_call>" + good + "<tool_call>", "<tool_call></tool_call>", "<tool_call>\n\n</tool_call>", "<tool_call>",
        "<tool_call>" + good.replace('"', "'") + "</tool_call>", "{" + good[1:-1] + ",}", "[" + good + ",]",
        "```json\n" + good, good + "```", "<tool_call>```" + good + "```</tool_call>", "<TOOL_CALL>" + good + "</TOOL_CALL>",
        "<tool_call>" + good + "</tool_call" * rng.randint(1, 3), "<tool_call " + good + ">", "<<tool_call>>" + good,
        f"[{name}({p}=1", f"[{name}({p}=1))]", f"{name}(**{{'{p}': 1}})", f"[{name}(1, 2)]", f"[{name}({p}=1, {p}=2)]",
        f"[{name}.__class__({p}=1)]", f"[{name}({p}=lambda: 1)]", "[" * 200, "{" * 500, '{"name":', "[]", "[{}]", "{}",
        "<tool_call>" * 2000, "</tool_call>" * 2000, good * rng.randint(2, 40), "\x00" + good, good + "\x00",
    ]
    return rng.choice(forms)


def k_wrong_types(rng: random.Random, c: Ctx) -> str:
    name, props = c.tool(rng)
    p = c.param(rng, props)
    forms = [
        _call_json(name, rng.choice(["[]", "[1, 2]", '"x"', "1", "null", "true", '"{\\"a\\": 1}"', '"[1]"', '""', '"{"',
                                     '"NaN"', '"' + '[' * 100 + '"'])),
        _call_json("RAW:" + rng.choice(["1", "null", "[]", "{}", '""', "true", "NaN", huge_int_text(rng)]), "{}"),
        json.dumps({"function": {"name": name, "arguments": json.dumps({p: [1, {"a": None}]})}, "type": "function"}),
        json.dumps({"function": "x", "name": name}), json.dumps({"name": name, "parameters": {p: {"$ref": "c0/results/0/id"}}}),
        json.dumps({"name": name, "arguments": {p: {"$one_of": [1, 2]}, "$any": True}}),
        json.dumps({"name": name, "arguments": {p: rng.choice([[], {}, None, True, 0, "", [[]], {"": ""}])}}),
        json.dumps([{"name": name, "arguments": {}}, 1, "x"]), json.dumps([name, {p: 1}]), json.dumps({name: {p: 1}}),
    ]
    return rng.choice(forms)


def k_many_calls(rng: random.Random, c: Ctx) -> str:
    n = rng.choice([2, 5, 16, 31, 32, 33, 100, 500])
    style = rng.random()
    calls = []
    for _ in range(n):
        name, props = c.tool(rng)
        p = c.param(rng, props)
        calls.append((name, p))
    if style < 0.4:
        return "\n".join("<tool_call>" + json.dumps({"name": a, "arguments": {b: rng.randint(-5, 5)}}) + "</tool_call>" for a, b in calls)
    if style < 0.7:
        return json.dumps([{"name": a, "arguments": {b: "x"}} for a, b in calls])
    return "[" + ", ".join(f"{a}({b}={rng.choice(['1', repr('x'), py_value(rng)])})" for a, b in calls) + "]"


def k_mutated_expert(rng: random.Random, c: Ctx) -> str:
    s = c.expert or "[]"
    ops = rng.randint(1, 4)
    for _ in range(ops):
        r = rng.random()
        i = rng.randint(0, len(s))
        if r < 0.25:
            s = s[:i] + rng.choice(["9" * 400, "1e999", "NaN", "0x" + "f" * 1200, "[", "}", "\"", "'", "\\", "<tool_call>"]) + s[i:]
        elif r < 0.45:
            s = s[:i]
        elif r < 0.6:
            s = s * rng.randint(2, 50)
        elif r < 0.8:
            digits = [j for j, ch in enumerate(s) if ch.isdigit()]
            if digits:
                j = rng.choice(digits)
                s = s[:j] + rng.choice(["9" * 4300, "1e999", "-1e999", "(9**9999)**9999", "2**1024"]) + s[j + 1:]
        else:
            s = s[:i] + rng.choice(UNICODE) + s[i:]
    return s


def k_multi_turn_backend(rng: random.Random, c: Ctx) -> str:
    """BFCL backend calls with hostile arguments (also valid names in other targets: unknown tools)."""
    return rng.choice([
        "[logarithm(value=10, base=2, precision=10**9)]", "[logarithm(value=1e308, base=1e-308, precision=1000000)]",
        "[square_root(number=2, precision=99999999)]", "[round_number(number=10**300, decimal_places=-10**9)]",
        "[round_number(number=1.5, decimal_places=10**18)]", "[power(base=10, exponent=10**9)]",
        "[mean(numbers=[1e308, 1e308, 1e308])]", "[standard_deviation(numbers=[1e308, -1e308])]",
        "[add(a=0x" + "f" * 3000 + ", b=1)]", "[multiply(a=10**300, b=10**300)]", "[sum_values(numbers=[10**300]*100)]",
        "[echo(content='x'*9999, file_name='a.txt')]", "[cd(folder='" + "../" * 2000 + "')]",
        "[mkdir(dir_name='" + "a" * 20000 + "')]", "[tail(file_name='a.txt', lines=-10**18)]",
        "[fill_fuel_tank(fuelAmount=1e999)]", "[set_navigation(destination=float('nan'))]",
        "[place_order(order_type='Buy', symbol='AAPL', price=1e308, amount=10**300)]",
        "[compute_exchange_rate(base_currency='USD', target_currency='EUR', value=-1e999)]",
        "[add(a=1, b=2)]" * 300, "[" + ", ".join(["ls()"] * 300) + "]", "[ls(a=True)]" + "\n" * 5000,
    ])


def k_wide(rng: random.Random, c: Ctx) -> str:
    """Wide rather than deep: long arrays, many keys, many keyword arguments (up to the action limit)."""
    name, props = c.tool(rng)
    p = c.param(rng, props)
    n = rng.choice([100, 1000, 2047, 2049, 5000, 16000])
    item = rng.choice(["1", '"x"', "null", "1e999", "[]", "{}", '{"a": 1}', "-0"])
    r = rng.random()
    if r < 0.35:
        return _call_json(name, "{" + json.dumps(p) + ": [" + ", ".join([item] * n) + "]}")[:32_768]
    if r < 0.55:
        return _call_json(name, "{" + ", ".join(f'"k{i}": {item}' for i in range(n)) + "}")[:32_768]
    if r < 0.8:
        py_item = {"null": "None", "1e999": "1e999", "{}": "{}", "[]": "[]"}.get(item, "1")
        return (f"[{name}({p}=[" + ", ".join([py_item] * n) + "])]")[:32_768]
    return ("[" + ", ".join(f"{name}(k{i}=1)" for i in range(n)) + "]")[:32_768]


def k_text(rng: random.Random, c: Ctx) -> str:
    return rng.choice(["", " ", "\n", "ok", "I cannot help.", "None of the functions apply.", "NaN", "Infinity",
                       "[]", "[{}]", "null", "0", "1e999", "{" + "}" * 3, rng.choice(UNICODE) * 5])


KINDS: dict[str, tuple[float, Gen]] = {
    "number_json": (3, k_number_json), "number_python": (3, k_number_python), "arith_bfcl": (3, k_arith_bfcl),
    "deep": (1.5, k_deep), "giant_string": (1, k_giant_string), "unicode": (1.5, k_unicode), "broken": (2, k_broken),
    "wrong_types": (1.5, k_wrong_types), "many_calls": (1, k_many_calls), "mutated_expert": (2, k_mutated_expert),
    "backend": (1, k_multi_turn_backend), "wide": (1, k_wide), "text": (0.5, k_text),
}


def hostile_action(rng: random.Random, ctx: Ctx) -> tuple[str, Any]:
    names = list(KINDS)
    kind = rng.choices(names, weights=[KINDS[k][0] for k in names])[0]
    action: Any = KINDS[kind][1](rng, ctx)
    if rng.random() < 0.01:  # not text at all: bytes (some invalid UTF-8)
        action = action.encode("utf-8", "surrogatepass")[: rng.randint(0, 200)] + b"\xff\xfe"
    return kind, action


# --------------------------------------------------------------------------- targets and the run
def make_targets(bfcl_dir: Path | None, num_tasks: int, only: list[str] | None) -> list[tuple[str, Any]]:
    targets: list[tuple[str, Any]] = []
    for spec in sorted((REPO / "toolenv" / "tool_specs").glob("*.json")):
        name = f"sim:{spec.stem}"
        if only and name not in only:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            targets.append((name, gym.make("ToolUse-v0", tool_specs=str(spec), num_tasks=num_tasks, synth_seed=0)))
    if bfcl_dir is not None and bfcl_dir.is_dir():
        from toolenv.suites.bfcl.data import CATEGORIES, question_path

        for cat in CATEGORIES:
            name = f"bfcl:{cat}"
            if (only and name not in only) or not question_path(bfcl_dir, cat).exists():
                continue
            targets.append((name, gym.make("ToolUse-v0", suite=name, data_dir=str(bfcl_dir))))
    return targets


def finishes_within(env: Any, action: Any, timeout: float) -> bool:
    """Probe ``env.step(action)`` in a forked child: does it return (or raise) within ``timeout``
    seconds? The parent's env is untouched. Used by ``--step-timeout`` to skip actions that would
    stall the run (a big-int power in C cannot be interrupted in-process)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            env.step(action)
        except BaseException:  # noqa: BLE001 - only the time matters here
            pass
        os.write(w, b"1")
        os._exit(0)
    os.close(w)
    ready, _, _ = select.select([r], [], [], timeout)
    os.close(r)
    if not ready:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return bool(ready)


class Stats:
    def __init__(self) -> None:
        self.actions = self.raised = self.internal = self.undocumented = self.non_json = self.non_ascii = 0
        self.non_json_info = self.stalled = 0
        self.total_s = 0.0
        self.slowest_ms = 0.0
        self.slowest_cpu_ms = 0.0
        self.slowest_gc_ms = 0.0  # garbage-collector time inside the slowest step
        self.slowest_ex_gc_ms = 0.0  # slowest step once the collector's pauses are taken out
        self.slowest: tuple[str, str, str] = ("", "", "")
        self.examples: dict[str, str] = {}
        self.slowest_action: tuple[Any, Any] | None = None

    def row(self) -> dict[str, Any]:
        return {"actions": self.actions, "stalled": self.stalled, "raised": self.raised, "internal_errors": self.internal,
                "undocumented_codes": self.undocumented, "non_json_observations": self.non_json,
                "non_ascii_observations": self.non_ascii, "non_json_infos": self.non_json_info,
                "slowest_step_ms": round(self.slowest_ms, 2), "slowest_step_cpu_ms": round(self.slowest_cpu_ms, 2),
                "slowest_step_gc_ms": round(self.slowest_gc_ms, 2), "slowest_step_ex_gc_ms": round(self.slowest_ex_gc_ms, 2),
                "mean_step_ms": round(1000 * self.total_s / max(1, self.actions), 3)}


def run(n_actions: int, seed: int, targets: list[tuple[str, Any]], expert_every: int = 5,
        max_episode_steps: int = 8, step_timeout: float | None = None,
        progress: int = 0) -> tuple[Stats, dict[str, Stats]]:
    rng = random.Random(seed)
    documented = set(DEFICIENCY_CODES)
    gc_clock = {"start": 0.0, "total": 0.0}

    def on_gc(phase: str, _info: dict) -> None:
        if phase == "start":
            gc_clock["start"] = time.perf_counter()
        else:
            gc_clock["total"] += time.perf_counter() - gc_clock["start"]

    gc.callbacks.append(on_gc)
    total = Stats()
    per = {name: Stats() for name, _ in targets}
    state: dict[str, Any] = {}

    def reset(name: str, env: Any) -> None:
        obs, _ = env.reset(seed=rng.randrange(2**31))
        state[name] = [obs, 0]

    for name, env in targets:
        reset(name, env)
    for i in range(n_actions):
        if progress and i and i % progress == 0:
            print(f"[fuzz] {i} actions, {total.row()}", file=sys.stderr, flush=True)
        name, env = targets[i % len(targets)]
        obs, steps = state[name]
        expert = env.unwrapped.expert_action()
        if expert is not None and rng.random() < 1 / expert_every:
            kind, action = "expert", expert
        else:
            kind, action = hostile_action(rng, Ctx(obs, expert, name.startswith("bfcl")))
        st = per[name]
        if step_timeout is not None and not finishes_within(env, action, step_timeout):
            for s in (st, total):
                s.actions += 1
                s.stalled += 1
                s.examples.setdefault("stalled", f"{name} {kind}: > {step_timeout:g} s <- {repr(action)[:200]}")
            continue  # skipped: the env never saw it
        g0 = gc_clock["total"]
        t0 = time.perf_counter()
        c0 = time.thread_time()
        try:
            obs, reward, term, trunc, info = env.step(action)
            err = None
        except Exception as e:  # noqa: BLE001 - the very thing being counted
            err = f"{type(e).__name__}: {str(e)[:200]}"
        cpu = time.thread_time() - c0
        dt = time.perf_counter() - t0
        gc_dt = gc_clock["total"] - g0
        for s in (st, total):
            s.slowest_ex_gc_ms = max(s.slowest_ex_gc_ms, (dt - gc_dt) * 1000)
            s.actions += 1
            s.total_s += dt
            s.slowest_cpu_ms = max(s.slowest_cpu_ms, cpu * 1000)
            if dt * 1000 > s.slowest_ms:
                s.slowest_ms = dt * 1000
                s.slowest_gc_ms = gc_dt * 1000
                s.slowest = (name, kind, repr(action)[:160])
                s.slowest_action = (env, action)
        if err is not None:
            for s in (st, total):
                s.raised += 1
                s.examples.setdefault("raised", f"{name} {kind}: {err} <- {repr(action)[:200]}")
            reset(name, env)
            continue
        codes = info.get("deficiencies", [])
        bad: list[str] = []
        if INTERNAL_ERROR in codes:
            bad.append("internal")
        if any(code not in documented for code in codes):
            bad.append("undocumented")
        try:
            strict_loads(obs)
        except ValueError:
            bad.append("non_json")
        if not obs.isascii():
            bad.append("non_ascii")
        try:
            json.dumps(info, allow_nan=False)
        except (TypeError, ValueError):
            bad.append("non_json_info")
        for b in bad:
            for s in (st, total):
                attr = {"internal": "internal", "undocumented": "undocumented", "non_json": "non_json",
                        "non_ascii": "non_ascii", "non_json_info": "non_json_info"}[b]
                setattr(s, attr, getattr(s, attr) + 1)
                s.examples.setdefault(b, f"{name} {kind}: {codes} {info.get('error', '')} <- {repr(action)[:200]}")
        steps += 1
        if term or trunc or steps >= max_episode_steps:
            reset(name, env)
        else:
            state[name] = [obs, steps]
    gc.callbacks.remove(on_gc)
    return total, per


def replay_ms(env: Any, action: Any, tries: int = 3) -> float:
    """The fastest of ``tries`` replays of ``action`` as the first step of a fresh episode: tells
    one-time costs (a value pool built on first use, a collector pause, preemption) from the
    action's own cost."""
    best = float("inf")
    for i in range(tries):
        env.reset(seed=i)
        t0 = time.perf_counter()
        try:
            env.step(action)
        except Exception:  # noqa: BLE001
            pass
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--actions", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bfcl-dir", default=str(DEFAULT_BFCL) if DEFAULT_BFCL.is_dir() else "")
    ap.add_argument("--num-tasks", type=int, default=64, help="synthesized tasks per bundled domain")
    ap.add_argument("--targets", nargs="*", help="only these (sim:<domain>, bfcl:<category>)")
    ap.add_argument("--per-target", action="store_true", help="also print one row per target")
    ap.add_argument("--progress", type=int, default=0, help="print a progress line to stderr every N actions")
    ap.add_argument("--no-gc-freeze", action="store_true",
                    help="do not gc.freeze() the targets' static data after setup (then a full collection of it, "
                         "tens of ms, can land in any step)")
    ap.add_argument("--step-timeout", type=float, default=None,
                    help="probe each step in a forked child first and skip (count as stalled) any that runs longer "
                         "than this many seconds; for measuring code that can stall (slow: one fork per step)")
    args = ap.parse_args()

    t0 = time.perf_counter()
    targets = make_targets(Path(args.bfcl_dir) if args.bfcl_dir else None, args.num_tasks, args.targets)
    if not targets:
        sys.exit("no targets")
    if not args.no_gc_freeze:  # as a long-running trainer would: static data out of the collector's scans
        gc.collect()
        gc.freeze()
    setup_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    total, per = run(args.actions, args.seed, targets, step_timeout=args.step_timeout, progress=args.progress)
    run_s = time.perf_counter() - t0

    cols = ["actions", "stalled", "raised", "internal_errors", "undocumented_codes", "non_json_observations",
            "non_ascii_observations", "non_json_infos", "slowest_step_ms", "slowest_step_cpu_ms", "slowest_step_gc_ms",
            "slowest_step_ex_gc_ms", "mean_step_ms"]
    rows = [("all", total)] + ([(n, s) for n, s in per.items()] if args.per_target else [])
    w = max(len(n) for n, _ in rows)
    print(f"{'target':<{w}} | " + " | ".join(cols))
    print("-" * (w + 1) + "|" + "|".join("-" * (len(c) + 2) for c in cols))
    for n, s in rows:
        r = s.row()
        print(f"{n:<{w}} | " + " | ".join(f"{r[c]:>{len(c)}}" for c in cols))
    print(f"\n{len(targets)} targets ({', '.join(n for n, _ in targets)}); setup {setup_s:.1f} s, run {run_s:.1f} s, "
          f"seed {args.seed}, gc.freeze after setup: {not args.no_gc_freeze}")
    replayed = replay_ms(*total.slowest_action) if total.slowest_action else 0.0
    print(f"slowest step: {total.slowest[0]} {total.slowest[1]} {total.slowest[2]}; replayed as the first step of "
          f"a fresh episode: {replayed:.2f} ms (best of 3)")
    for k, v in total.examples.items():
        print(f"first {k}: {v}")
    out: dict[str, Any] = {**total.row(), "seed": args.seed, "targets": len(targets), "run_s": round(run_s, 1),
                           "gc_freeze": not args.no_gc_freeze,
                           "slowest": {"target": total.slowest[0], "kind": total.slowest[1],
                                       "replayed_ms": round(replayed, 2)}}
    if args.per_target:
        out["per_target"] = {n: s.row() for n, s in per.items()}
    print(json.dumps({"fuzz": out}, sort_keys=True))
    ok = not (total.stalled or total.raised or total.internal or total.non_json or total.undocumented)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
