"""Observation text <-> (messages, tools). The env's observation is ASCII JSON:
``{"tools": [OpenAI function schemas], "messages": [chat messages]}``.

Observations are *strict* JSON (RFC 8259): no ``NaN``/``Infinity`` and no integer a double cannot
hold. The number rules live here because they are encoding rules: `number_problem` says what is
wrong with a number, `shown_number` is the string that stands for it, `to_strict` rewrites any
value into strict-JSON-safe form, and `strict_dumps` / `encode_message` never emit anything else.
"""

from __future__ import annotations

import json
import math
import sys
from json.encoder import encode_basestring as _encode_str
from json.encoder import encode_basestring_ascii as _encode_ascii
from typing import Any

try:
    from _json import make_encoder as _c_make_encoder
except ImportError:  # pragma: no cover
    _c_make_encoder = None

#: the largest magnitude a JSON number may have here: what an IEEE double holds (~1.8e308)
MAX_JSON_NUMBER = int(sys.float_info.max)
MAX_STRICT_DEPTH = 64
_LOG10_2 = math.log10(2)


def number_problem(v: Any) -> str | None:
    """``"nan"``, ``"inf"``, ``"-inf"`` or ``"huge_int"`` for a number that strict JSON cannot carry
    (or that cannot be compared as a double); None otherwise (also for non-numbers and bools)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, float):
        if v != v:
            return "nan"
        if v == math.inf or v == -math.inf:
            return "inf" if v > 0 else "-inf"
        return None
    if isinstance(v, int):
        return "huge_int" if (v > MAX_JSON_NUMBER or v < -MAX_JSON_NUMBER) else None
    return None


def int_digits(v: int) -> int:
    """How many decimal digits ``v`` has, without converting it to text (no int-str limit); exact up
    to ~40,000 digits, beyond that possibly one too many (the exact check would cost milliseconds)."""
    v = abs(v)
    if v < 10:
        return 1
    bits = v.bit_length()
    d = int(bits * _LOG10_2) + 1  # an upper bound, exact or one too many
    return d - 1 if bits <= 135_000 and v < 10 ** (d - 1) else d


def shown_number(v: Any, problem: str) -> str:
    """The string that stands for an unrepresentable number: ``NaN``, ``Infinity``, ``-Infinity``,
    ``<integer of N digits>`` / ``<negative integer of N digits>``."""
    if problem == "nan":
        return "NaN"
    if problem == "inf":
        return "Infinity"
    if problem == "-inf":
        return "-Infinity"
    sign = "negative " if v < 0 else ""
    return f"<{sign}integer of {int_digits(v)} digits>"


def to_strict(obj: Any, depth: int = 0) -> Any:
    """A strict-JSON-safe copy of ``obj`` (the same object when nothing had to change): numbers
    JSON cannot carry become `shown_number` strings, tuples lists, non-string keys strings, other
    objects their (truncated) ``repr``; containers deeper than `MAX_STRICT_DEPTH` a marker string."""
    t = type(obj)
    if t is str or obj is None or t is bool:
        return obj
    if t is int or t is float or isinstance(obj, (int, float)):
        p = number_problem(obj)
        return obj if p is None else shown_number(obj, p)
    if depth > MAX_STRICT_DEPTH:
        return "<nested too deeply>"
    if t is dict or isinstance(obj, dict):
        out = {}
        changed = t is not dict
        for k, v in obj.items():
            sk = k if type(k) is str else _key(k)
            sv = to_strict(v, depth + 1)
            changed = changed or sk is not k or sv is not v
            out[sk] = sv
        return out if changed else obj
    if t is list or isinstance(obj, (list, tuple)):
        items = [to_strict(v, depth + 1) for v in obj]
        if t is list and all(a is b for a, b in zip(items, obj)):
            return obj
        return items
    if isinstance(obj, str):
        return str(obj)
    try:
        r = repr(obj)
    except Exception:  # noqa: BLE001 - a repr that fails (int-str limit, custom objects) still gets a name
        r = f"<{type(obj).__name__}>"
    return r if len(r) <= 200 else r[:200] + "..."


def _key(k: Any) -> str:
    if isinstance(k, str):
        return str(k)
    if k is None or isinstance(k, bool):
        return json.dumps(k)
    if isinstance(k, (int, float)) and number_problem(k) is None:
        return json.dumps(k)  # what json.dumps itself does with number keys
    v = to_strict(k)
    return v if isinstance(v, str) else json.dumps(v)


def strict_dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps(obj, allow_nan=False, **kwargs)``; anything strict JSON cannot carry is first
    rewritten by `to_strict` (only when needed: the common case costs one ``json.dumps``)."""
    try:
        return json.dumps(obj, allow_nan=False, **kwargs)
    except (ValueError, TypeError, RecursionError):
        return json.dumps(to_strict(obj), allow_nan=False, **kwargs)


def _no_default(o: Any) -> Any:
    raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


def fast_dumps(*, ensure_ascii: bool = True, separators: tuple[str, str] = (", ", ": "), sort_keys: bool = False,
               default: Any = None, fallback: bool = True) -> Any:
    """A ``dumps(obj) -> str`` equal to ``strict_dumps(obj, ensure_ascii=..., separators=...,
    sort_keys=..., default=...)`` byte for byte, for the env's hot paths.

    ``json.dumps`` builds a `json.JSONEncoder` and then a C encoder (``c_make_encoder``) on every
    call; this builds the C encoder once. Same encoder, same string escaping, same ``float.__repr__``,
    same refusal of NaN/Infinity, so the same bytes. The one difference is circular-reference
    detection (off here: a cycle ends in RecursionError instead of ValueError); either error takes
    `strict_dumps`' path, which rewrites the value with `to_strict` (depth-capped). Where the
    interpreter has no C encoder this is `strict_dumps` itself. ``fallback=False``: a value strict
    JSON cannot carry raises (ValueError, TypeError or RecursionError) instead."""
    kwargs = {"ensure_ascii": ensure_ascii, "separators": separators, "sort_keys": sort_keys}
    if default is not None:
        kwargs["default"] = default
    if _c_make_encoder is None:  # pragma: no cover - CPython always has it
        if not fallback:
            return lambda obj: json.dumps(obj, allow_nan=False, **kwargs)
        return lambda obj: strict_dumps(obj, **kwargs)
    item_sep, key_sep = separators
    encode = _c_make_encoder(None, default if default is not None else _no_default,
                             _encode_ascii if ensure_ascii else _encode_str, None, key_sep, item_sep, sort_keys,
                             False, False)
    join = "".join
    if not fallback:
        return lambda obj: join(encode(obj, 0))

    def dumps(obj: Any) -> str:
        try:
            return join(encode(obj, 0))
        except (ValueError, TypeError, RecursionError):
            return strict_dumps(obj, **kwargs)

    return dumps


#: strict ASCII JSON with json.dumps' default separators: messages and tool responses (`encode_message`)
ascii_dumps = fast_dumps()


def encode_message(message: dict[str, Any]) -> str:
    """One message as strict ASCII JSON (the env caches these fragments)."""
    return ascii_dumps(message)


def build_observation(tools_json: str, message_jsons: list[str]) -> str:
    """Assemble an observation from pre-encoded parts (no re-serialisation of old messages)."""
    return '{"tools": ' + tools_json + ', "messages": [' + ", ".join(message_jsons) + "]}"


def decode_observation(observation: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return ``(messages, tools)`` from an observation string."""
    obj = json.loads(observation)
    return obj["messages"], obj["tools"]
