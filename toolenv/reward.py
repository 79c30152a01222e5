"""Reward weights, the deficiency taxonomy, the reward as pure functions, and argument matching.

The reward of a step is `step_reward` (no env state: plain facts in, `RewardParts` out); every
suite calls it. Simulated episodes describe each call as `CallFacts` (offered? faulted? schema ok?
executed? the expected tool? argument credit) and name the step's penalised deficiency codes; BFCL
suites pass their verdict's deficiency codes and the share of the success earned. Which
`RewardConfig` fields a suite uses, and its defaults: `resolve_reward_config`, docs/env.md.

Deficiency codes (one per mistake; an `info["deficiencies"]` list is empty when a step was right):

| code | meaning | closest BFCL error type |
|---|---|---|
| `format:unparseable` | looked like a call but could not be parsed | `ast_decoder:decoder_failed` |
| `call:unknown_tool` | called a tool that is not offered | `simple_function_checker:wrong_func_name` |
| `call:wrong_tool` | called an offered tool the task does not need now | `simple_function_checker:wrong_func_name` |
| `args:missing_required` | a required / expected argument is absent | `simple_function_checker:missing_required` / `missing_optional` |
| `args:unexpected` | an argument the schema or ground truth does not have | `simple_function_checker:unexpected_param` |
| `args:type` | an argument of the wrong JSON type | `type_error:simple` |
| `args:value` | right name and type, wrong value | `value_error:string` / `value_error:others` ... |
| `calls:missing` | the turn ended before every expected call was made | `parallel_function_checker_no_order:wrong_count` |
| `calls:extra` | a call beyond the expected ones | `simple_function_checker:wrong_count` |
| `calls:repeated` | the same expected call made again | `simple_function_checker:wrong_count` |
| `order:dependency` | a call made before the call it depends on | (multi-turn state / response check) |
| `relevance:call_when_none_needed` | called although no call was needed (or a value had to be asked for) | `irrelevance_error:decoder_success` |
| `relevance:no_call_when_needed` | answered without calling although a call was needed | `relevance_error:decoder_failed` |
| `exec:not_found` | the call referenced a record that does not exist | (execution error) |
| `exec:fault` | the call hit an injected fault (timeout, 429, 5xx) — not the agent's mistake by itself | - |
| `exec:error` | a BFCL multi-turn call returned an error from its backend | (execution error) |
| `answer:missing` | the episode was truncated before the final answer | - |
| `state:mismatch` | the final world differs from replaying the ground truth | `multi_turn:instance_state_mismatch` |
| `response:mismatch` | a BFCL multi-turn turn's ground-truth results are missing from the model's results | `multi_turn:execution_response_mismatch` |
| `env:internal_error` | last resort: the suite raised on this action (a bug); the episode ends with reward -1 | - |

Numbers. An argument number that strict JSON cannot carry or a double cannot compare — ``NaN``,
``Infinity``/``-Infinity`` (also ``1e999``), an integer beyond ±1.8e308 (e.g. a long hex literal)
— is an argument error, never an exception: the call is rejected with an HTTP-400
``invalid_number`` error naming the field, as ``args:value`` where the schema takes a number there
and ``args:type`` otherwise; the observation shows the value as ``"NaN"``, ``"Infinity"`` or
``"<integer of N digits>"`` (see `toolenv.parse`). BFCL suites follow the official error types
instead (e.g. ``inf`` for a float parameter is ``value_error:others`` -> ``args:value``; literal
arithmetic over the cost bound of `toolenv.suites.bfcl.decode` fails to decode ->
``format:unparseable``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable

DEFICIENCY_CODES = (
    "format:unparseable", "call:unknown_tool", "call:wrong_tool", "args:missing_required", "args:unexpected",
    "args:type", "args:value", "calls:missing", "calls:extra", "calls:repeated", "order:dependency",
    "relevance:call_when_none_needed", "relevance:no_call_when_needed", "exec:not_found", "exec:fault",
    "exec:error", "answer:missing", "state:mismatch", "response:mismatch", "env:internal_error",
)
#: the last-resort code (an exception inside a suite); a hostile action must never produce it
INTERNAL_ERROR = "env:internal_error"

BFCL_ERROR_FOR = {
    "format:unparseable": "ast_decoder:decoder_failed",
    "call:unknown_tool": "simple_function_checker:wrong_func_name",
    "call:wrong_tool": "simple_function_checker:wrong_func_name",
    "args:missing_required": "simple_function_checker:missing_required",
    "args:unexpected": "simple_function_checker:unexpected_param",
    "args:type": "type_error:simple",
    "args:value": "value_error:others",
    "calls:missing": "parallel_function_checker_no_order:wrong_count",
    "calls:extra": "simple_function_checker:wrong_count",
    "calls:repeated": "simple_function_checker:wrong_count",
    "relevance:call_when_none_needed": "irrelevance_error:decoder_success",
    "relevance:no_call_when_needed": "relevance_error:decoder_failed",
    "state:mismatch": "multi_turn:instance_state_mismatch",
    "response:mismatch": "multi_turn:execution_response_mismatch",
}


@dataclass
class RewardConfig:
    """Reward weights. A call's step credit is
    ``format_weight + tool_weight*[right tool] + args_weight*arg_credit + exec_weight*[executed]``,
    averaged over the action's calls, plus penalties; the terminal step adds ``success_bonus`` on
    success. ``arg_credit`` = matched expected arguments / (expected + unexpected arguments)."""

    format_weight: float = field(default=0.1, metadata={"help": "credit for a parseable call"})
    tool_weight: float = field(default=0.2, metadata={"help": "credit for calling an expected tool"})
    args_weight: float = field(default=0.5, metadata={"help": "credit for argument match (per-argument share)"})
    exec_weight: float = field(default=0.2, metadata={"help": "credit for a call that executed without error"})
    answer_weight: float = field(default=0.2, metadata={"help": "credit for a right final answer (text, no call)"})
    success_bonus: float = field(default=1.0, metadata={"help": "added on the terminal step when the task succeeded"})
    unparseable_penalty: float = field(default=-0.5, metadata={"help": "an action that looked like a call but did not parse"})
    unknown_tool_penalty: float = field(default=-0.3, metadata={"help": "per call of a tool that is not offered"})
    invalid_args_penalty: float = field(default=-0.2, metadata={"help": "per call rejected by the schema"})
    extra_call_penalty: float = field(default=-0.2, metadata={"help": "per call that is not expected (wrong or extra)"})
    repeated_call_penalty: float = field(default=-0.1, metadata={"help": "per repetition of a finished call"})
    order_penalty: float = field(default=-0.1, metadata={"help": "per call made before the call it depends on"})
    irrelevant_call_penalty: float = field(default=-0.5, metadata={"help": "calling when the answer needed no call"})
    missing_call_penalty: float = field(default=-0.5, metadata={"help": "answering while expected calls are missing"})
    rel_tol: float = field(default=1e-3, metadata={"help": "relative tolerance for numbers"})
    abs_tol: float = field(default=1e-6, metadata={"help": "absolute tolerance for numbers"})
    strict_success: bool = field(default=True, metadata={"help": "success also requires no wrong, extra, invalid or out-of-order call"})

    def __post_init__(self) -> None:
        for name in ("format_weight", "tool_weight", "args_weight", "exec_weight", "answer_weight", "success_bonus",
                     "rel_tol", "abs_tol"):
            if getattr(self, name) < 0:
                raise ValueError(f"RewardConfig.{name} must be >= 0")


#: every `RewardConfig` field, in declaration order
REWARD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(RewardConfig))

#: the `RewardConfig` penalty a penalised deficiency code costs (codes not listed cost nothing)
PENALTY_FIELD: dict[str, str] = {
    "format:unparseable": "unparseable_penalty",
    "call:unknown_tool": "unknown_tool_penalty",
    "call:wrong_tool": "extra_call_penalty",
    "calls:extra": "extra_call_penalty",
    "calls:repeated": "repeated_call_penalty",
    "order:dependency": "order_penalty",
    "args:missing_required": "invalid_args_penalty",
    "args:unexpected": "invalid_args_penalty",
    "args:type": "invalid_args_penalty",
    "args:value": "invalid_args_penalty",
    "relevance:call_when_none_needed": "irrelevant_call_penalty",
    "relevance:no_call_when_needed": "missing_call_penalty",
    "calls:missing": "missing_call_penalty",
}
#: the penalty fields, in declaration order
PENALTY_FIELDS: tuple[str, ...] = tuple(f for f in REWARD_FIELDS if f in set(PENALTY_FIELD.values()))


@dataclass(frozen=True)
class CallFacts:
    """One call of an action, as far as its credit goes (plain values, no env state)."""

    offered: bool = True         # False: a tool that is not offered (`call:unknown_tool`)
    fault: bool = False          # an injected fault answered instead of the tool (`exec:fault`)
    schema_ok: bool = True       # False: the arguments were rejected before execution
    executed_ok: bool = True     # it executed without an execution error (e.g. `exec:not_found`)
    expected_tool: bool = False  # a pending ground-truth call has this tool
    arg_credit: float = 0.0      # that ground-truth call's `ArgMatch.credit` (1.0 when exact), else 0.0


@dataclass(frozen=True)
class RewardParts:
    """A step's reward: ``total = credit + penalty + bonus``."""

    credit: float = 0.0   # mean call credit of the action, or `answer_weight` for a right answer
    penalty: float = 0.0  # the sum of the penalties of the step's penalised codes
    bonus: float = 0.0    # `success_bonus` x the share of the task's success earned on this step

    @property
    def total(self) -> float:
        return self.credit + self.penalty + self.bonus


def call_credit(call: CallFacts, cfg: RewardConfig) -> float:
    """``format_weight + tool_weight*[expected tool] + args_weight*arg_credit + exec_weight*[executed]``
    for an offered, executed call; an unknown tool earns `format_weight` only, a faulted call nothing,
    a call rejected by the schema no `exec_weight`."""
    if call.fault:
        return 0.0
    if not call.offered:
        return cfg.format_weight
    if not call.schema_ok:
        return cfg.format_weight + cfg.tool_weight * call.expected_tool + cfg.args_weight * call.arg_credit
    credit = cfg.format_weight + cfg.exec_weight * call.executed_ok
    if call.expected_tool:
        credit += cfg.tool_weight + cfg.args_weight * call.arg_credit
    return credit


def penalty_for(code: str, cfg: RewardConfig) -> float:
    """The penalty of one penalised deficiency code (`PENALTY_FIELD`); 0.0 for a code without one."""
    name = PENALTY_FIELD.get(code)
    return getattr(cfg, name) if name is not None else 0.0


def step_reward(cfg: RewardConfig, *, calls: Sequence[CallFacts] = (), penalised: Iterable[str] = (),
                answered: bool = False, success: float = 0.0) -> RewardParts:
    """The reward of one step, from plain facts.

    ``calls``: the action's calls (credit: their mean `call_credit`); without calls, ``answered``
    (a right answer to the turn) earns `answer_weight`. ``penalised``: the step's penalised
    deficiency codes, in order (each costs `penalty_for`). ``success``: the share of the task's
    success earned on this step (1.0 on the terminal step of a successful episode; BFCL
    multi-turn: 1/turns for each turn that passes), paid as ``success_bonus * success``.
    """
    return RewardParts(*_step_parts(cfg, calls, penalised, answered, success))


def step_total(cfg: RewardConfig, *, calls: Sequence[CallFacts] = (), penalised: Iterable[str] = (),
               answered: bool = False, success: float = 0.0) -> float:
    """``step_reward(cfg, ...).total`` without building the `RewardParts` (the env's hot path)."""
    credit, penalty, bonus = _step_parts(cfg, calls, penalised, answered, success)
    return credit + penalty + bonus


def _step_parts(cfg: RewardConfig, calls: Sequence[CallFacts], penalised: Iterable[str], answered: bool,
                success: float) -> tuple[float, float, float]:
    """(credit, penalty, bonus) of `step_reward`: the one place the step formula lives."""
    penalty = 0.0
    for code in penalised:
        penalty += penalty_for(code, cfg)
    if len(calls) == 1:  # sum() of one value: 0 + it, over 1 (the same float, without the generator)
        credit = (0.0 + call_credit(calls[0], cfg)) / 1
    elif calls:
        credit = sum(call_credit(c, cfg) for c in calls) / len(calls)
    else:
        credit = cfg.answer_weight if answered else 0.0
    bonus = cfg.success_bonus * success if success else 0.0
    return credit, penalty, bonus


def resolve_reward_config(given: RewardConfig | Mapping[str, Any] | None, *, suite: str,
                          defaults: RewardConfig | None = None, applicable: Iterable[str] | None = None) -> RewardConfig:
    """The `RewardConfig` a suite runs with (``gym.make(..., reward_config=given)``).

    ``None``: the suite's ``defaults`` (default `RewardConfig()`). A mapping: its keys replace
    those fields of the defaults; a key that is not a field, or a field the suite's reward does not
    use (not in ``applicable``; default: all), raises ValueError naming it. A `RewardConfig`: taken
    as it is; a field the suite does not use must keep its `RewardConfig()` (or suite) default,
    else ValueError. Anything else raises TypeError.
    """
    base = defaults if defaults is not None else RewardConfig()
    used = set(REWARD_FIELDS if applicable is None else applicable)
    unused_note = (f"suite {suite!r} uses only {', '.join(f for f in REWARD_FIELDS if f in used) or 'none'} "
                   "(see docs/env.md, Rewards)")
    if given is None:
        return base
    if isinstance(given, RewardConfig):
        plain = RewardConfig()
        bad = [f for f in REWARD_FIELDS if f not in used
               and getattr(given, f) != getattr(plain, f) and getattr(given, f) != getattr(base, f)]
        if bad:
            raise ValueError(f"reward_config field(s) {', '.join(bad)} do not apply to {unused_note}")
        return given
    if not isinstance(given, Mapping):
        raise TypeError(f"reward_config must be a RewardConfig, a dict of its fields or None, not {type(given).__name__}")
    unknown = [k for k in given if k not in REWARD_FIELDS]
    if unknown:
        raise ValueError(f"unknown reward_config field(s) {', '.join(map(repr, unknown))}; "
                         f"RewardConfig fields: {', '.join(REWARD_FIELDS)}")
    bad = [k for k in given if k not in used]
    if bad:
        raise ValueError(f"reward_config field(s) {', '.join(bad)} do not apply to {unused_note}")
    return replace(base, **dict(given))


_WS = re.compile(r"\s+")


def normalise_text(s: str) -> str:
    """Case- and whitespace-insensitive form, without trailing punctuation."""
    return _WS.sub(" ", s.strip().lower()).strip(" .!?,;")


def values_match(given: Any, expected: Any, cfg: RewardConfig, resolve: Callable[[str], Any] | None = None) -> bool:
    """Does a given argument value satisfy an expected value or constraint?"""
    if isinstance(expected, dict) and len(expected) == 1:
        (k, v), = expected.items()
        if k == "$any":
            return True
        if k == "$one_of":
            return any(values_match(given, e, cfg, resolve) for e in v)
        if k == "$ref":
            if resolve is None:
                return False
            try:
                target = resolve(v)
            except LookupError:
                return False
            return values_match(given, target, cfg, None)
    if isinstance(expected, bool) or isinstance(given, bool):
        return given is expected or (isinstance(given, bool) and isinstance(expected, bool) and given == expected)
    if isinstance(expected, (int, float)) and isinstance(given, (int, float)):
        return numbers_close(given, expected, cfg)
    if isinstance(expected, str) and isinstance(given, str):
        return given == expected or normalise_text(given) == normalise_text(expected)
    if isinstance(expected, list) and isinstance(given, list):
        return len(given) == len(expected) and all(values_match(g, e, cfg, resolve) for g, e in zip(given, expected))
    if isinstance(expected, dict) and isinstance(given, dict):
        keys = {k for k, v in expected.items() if not (isinstance(v, dict) and v.get("$any") is True)}
        if not keys <= set(given) or not set(given) <= set(expected):
            return False
        return all(values_match(given[k], expected[k], cfg, resolve) for k in given)
    return False


def numbers_close(given: float, expected: float, cfg: RewardConfig) -> bool:
    """Equal within tolerance; never raises: NaN equals nothing, infinities only themselves, and
    integers too large for a double are compared exactly."""
    try:
        return math.isclose(given, expected, rel_tol=cfg.rel_tol, abs_tol=cfg.abs_tol)
    except OverflowError:  # an int beyond the double range: exact comparison (ints or int vs float)
        try:
            return given == expected
        except Exception:  # noqa: BLE001
            return False


@dataclass
class ArgMatch:
    credit: float
    missing: list[str]
    unexpected: list[str]
    wrong: list[str]
    wrong_type: list[str]

    @property
    def exact(self) -> bool:
        return not (self.missing or self.unexpected or self.wrong or self.wrong_type)

    def deficiencies(self) -> list[str]:
        out = []
        if self.missing:
            out.append("args:missing_required")
        if self.unexpected:
            out.append("args:unexpected")
        if self.wrong_type:
            out.append("args:type")
        if self.wrong:
            out.append("args:value")
        return out


def _type_family(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return type(v).__name__


def match_arguments(given: dict[str, Any], expected: dict[str, Any], cfg: RewardConfig,
                    resolve: Callable[[str], Any] | None = None) -> ArgMatch:
    """Compare a call's arguments with ground-truth constraints, per argument."""
    missing, wrong, wrong_type = [], [], []
    matched = 0
    counted = 0
    for k, exp in expected.items():
        is_any = isinstance(exp, dict) and exp.get("$any") is True
        if k not in given:
            if not is_any:
                missing.append(k)
                counted += 1
            continue
        counted += 1
        if values_match(given[k], exp, cfg, resolve):
            matched += 1
        else:
            plain = exp if not isinstance(exp, dict) or not any(x.startswith("$") for x in exp) else None
            if plain is not None and _type_family(plain) != _type_family(given[k]):
                wrong_type.append(k)
            else:
                wrong.append(k)
    unexpected = [k for k in given if k not in expected]
    denom = counted + len(unexpected)
    credit = matched / denom if denom else 1.0
    return ArgMatch(credit, missing, unexpected, wrong, wrong_type)
