"""Synthetic multi-turn results for comparing our scorer with the official one: the ground truth in
the formats a model produces (prompt-style strings, function-calling dicts) and corrupted variants.

``variants(entry)`` -> ``{name: result}``; every result is in a format the official runner reads
(or, for ``string_turns`` / ``call_string_lists`` / ``not_a_list``, one it reads in its own way).
"""

from __future__ import annotations

import json
from typing import Any

from toolenv.suites.bfcl.data import all_functions, call_to_keywords
from toolenv.suites.bfcl.decode import to_execution_list

VARIANTS = ("gt_strings", "gt_prompt", "gt_fc", "gt_chatty", "gt_fc_dict", "drop_call", "wrong_arg", "extra_turn",
            "missing_turn", "string_turns", "call_string_lists", "not_a_list", "extra_call")


def keyword_turns(entry: dict[str, Any]) -> list[list[tuple[str, dict[str, Any]]]]:
    docs = all_functions(entry)
    return [[call_to_keywords(c, docs) for c in turn] for turn in entry["ground_truth"]]


def _prompt(calls: list[tuple[str, dict[str, Any]]]) -> str:
    return "[" + ", ".join(to_execution_list([{n: kw}])[0] for n, kw in calls) + "]"


def _fc(calls: list[tuple[str, dict[str, Any]]]) -> list[dict[str, str]]:
    return [{n: json.dumps(kw)} for n, kw in calls]


def _wrong(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "_x"
    if isinstance(value, list):
        return value + ["x"]
    if isinstance(value, dict):
        return {**value, "x": 1}
    return "x"


def variants(entry: dict[str, Any]) -> dict[str, Any]:
    kt = keyword_turns(entry)
    gt = entry["ground_truth"]
    first = next((i for i, t in enumerate(kt) if t), 0)
    out: dict[str, Any] = {
        "gt_strings": gt,  # one raw step per ground-truth call string (positional arguments: dropped officially)
        "gt_prompt": [[_prompt(t)] if t else ["I cannot do that."] for t in kt],
        "gt_fc": [[_fc(t)] if t else [] for t in kt],
        "gt_chatty": [["Sure.", _prompt(t), "Done."] if t else ["Which one?"] for t in kt],
        "gt_fc_dict": [[{n: json.dumps(kw)} for n, kw in t] for t in kt],  # each step one dict
        "extra_turn": [[_prompt(t)] if t else [] for t in kt] + [["[ls()]"]],
        "missing_turn": [[_prompt(t)] if t else [] for t in kt][:-1],
        "string_turns": [_prompt(t) if t else "" for t in kt],  # one string per turn
        "call_string_lists": [[[to_execution_list([{n: kw}])[0] for n, kw in t]] if t else [] for t in kt],
        "not_a_list": "[ls()]",
    }
    dropped = [list(t) for t in kt]
    if dropped[first]:
        dropped[first] = dropped[first][:-1]
    out["drop_call"] = [[_prompt(t)] if t else [] for t in dropped]
    wrong = [list(t) for t in kt]
    if wrong[first]:
        name, kw = wrong[first][-1]
        if kw:
            k = next(iter(kw))
            wrong[first][-1] = (name, {**kw, k: _wrong(kw[k])})
        else:
            wrong[first][-1] = (name, {"unexpected": 1})
    out["wrong_arg"] = [[_fc(t)] if t else [] for t in wrong]
    extra = [list(t) for t in kt]
    extra[first] = extra[first] + [extra[first][0]] if extra[first] else extra[first]
    out["extra_call"] = [[_prompt(t)] if t else [] for t in extra]
    return out
