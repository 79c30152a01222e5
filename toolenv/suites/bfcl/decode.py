"""Decoding model output the way the official BFCL checker does, without ``eval``.

Two styles:

* prompt (Python-call text): ``decode_ast_prompting`` strips backticks, newlines and spaces at
  both ends, wraps the text in ``[...]`` when a bracket is missing, and parses it with
  ``ast.parse(mode="eval")``. Every element must be a call; dotted names keep their dots; only
  keyword arguments are kept. Values follow the official ``resolve_ast_by_type`` rules, including
  its quirks: any unary operator on a constant negates it (``+5`` -> ``-5``), a bare name becomes
  its name as a string, a call without keywords becomes its source text, a call with keywords
  becomes a nested ``{name: {kw: value}}`` dict, a subscript becomes its source text, and simple
  arithmetic (``BinOp``) is evaluated -- here by a small safe evaluator instead of ``eval``;
* function-calling (structured): ``decode_ast_fc`` takes ``[{name: json_arguments_string}]``.

``decode_execute_*`` turn an output into executable call strings (multi-turn), exactly in the
official rendering (``f(a='x', b=1)`` for prompt output, ``f(a='x',b=1)`` for structured output).

Every decoder raises :class:`DecodeError` (a ``ValueError``) on failure, which the checker
reports as ``ast_decoder:decoder_failed``.
"""

from __future__ import annotations

import ast
import json
import math
import operator
import re
from typing import Any

from toolenv.observation import MAX_JSON_NUMBER, int_digits
from toolenv.parse import parse_python

MAX_TEXT_CHARS = 200_000
#: largest integer (in bits, ~1,233 digits) that literal arithmetic reads or computes; an operation
#: whose estimated result is larger (``a**b`` ~ ``b*log2|a|`` bits, ``a*b`` ~ bits(a)+bits(b),
#: ``a<<b`` ~ bits(a)+b) is refused before it is computed
MAX_ARITH_BITS = 4096
#: total size (characters, items, 64-bit words) the arithmetic of one decode may build
ARITH_BUDGET = 100_000
_MAX_SEQ_REPEAT = 10_000
_FORMAT_WIDTH_RE = re.compile(r"%(\([^)]*\))?[^a-zA-Z%]*(\*|\d{4,})")


class DecodeError(ValueError):
    """The output could not be decoded (the official ``ast_decoder:decoder_failed``)."""


class TooLarge:
    """A decoded integer beyond +/-1.8e308 (a double's range). The official decoder keeps such a
    literal as an ``int``; no possible answer can equal it and its text may exceed Python's int-str
    limit, so it is kept as this marker: typed as an integer by the checker, equal to nothing,
    shown as ``<integer of N digits>``."""

    __slots__ = ("digits", "negative")

    def __init__(self, value: int) -> None:
        self.digits = int_digits(value)
        self.negative = value < 0

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<{'negative ' if self.negative else ''}integer of {self.digits} digits>"


def bound_value(v: Any) -> Any:
    """``v`` with integers beyond a double's range replaced by `TooLarge` (containers rebuilt only
    when needed)."""
    t = type(v)
    if t is int:
        return TooLarge(v) if (v > MAX_JSON_NUMBER or v < -MAX_JSON_NUMBER) else v
    if t in (list, tuple, set):
        items = [bound_value(x) for x in v]
        if all(a is b for a, b in zip(items, v)):
            return v
        return t(items)
    if t is dict:
        pairs = [(bound_value(k), bound_value(x)) for k, x in v.items()]
        if all(k2 is k and x2 is x for (k2, x2), (k, x) in zip(pairs, v.items())):
            return v
        return dict(pairs)
    return v


# --------------------------------------------------------------------------- safe arithmetic
_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.BitAnd: operator.and_,
    ast.MatMult: operator.matmul,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert, ast.Not: operator.not_}


def _is_int(v: Any) -> bool:
    return type(v) is int or type(v) is bool


def _size(v: Any, limit: int) -> int:
    """About how much memory ``v`` takes, in characters / items / 64-bit words (at least 1; shared
    items counted each time); stops counting past ``limit``."""
    t = type(v)
    if t is str or t is bytes:
        return max(1, len(v))
    if t is int:
        return v.bit_length() // 64 + 1
    if t in (list, tuple, set, dict):
        n = 0
        for x in (v.items() if t is dict else v):
            if n > limit:
                break
            n += _size(x, limit - n)
        return max(1, n)
    return 1


class _Arith:
    """Literal arithmetic under a cost bound: every operation is sized before it is computed, and
    what one decode builds in total is limited by `ARITH_BUDGET`."""

    def __init__(self, budget: int = ARITH_BUDGET) -> None:
        self.left = budget

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise DecodeError("arithmetic too large to evaluate")

    def __call__(self, node: ast.AST, depth: int = 0) -> Any:
        if depth > 100:
            raise DecodeError("expression nested too deeply")
        if isinstance(node, ast.Constant):
            v = node.value
            if type(v) is int and v.bit_length() > MAX_ARITH_BITS:
                raise DecodeError("integer too large for arithmetic")
            return v
        if isinstance(node, ast.UnaryOp):
            try:
                return _UNARY[type(node.op)](self(node.operand, depth + 1))
            except (TypeError, ValueError, OverflowError) as e:
                raise DecodeError(f"{type(e).__name__}: {e}") from None
        if isinstance(node, ast.BinOp):
            left = self(node.left, depth + 1)
            right = self(node.right, depth + 1)
            op = type(node.op)
            self._check(op, left, right)
            try:
                out = _BINOPS[op](left, right)
            except Exception as e:  # ZeroDivisionError, TypeError, OverflowError ... -> decode failure like eval
                raise DecodeError(f"{type(e).__name__}: {e}") from None
            if type(out) is int and out.bit_length() > MAX_ARITH_BITS:
                raise DecodeError("arithmetic result too large")
            self.spend(_size(out, self.left + 1))
            return out
        try:
            if isinstance(node, ast.List):
                return [self(e, depth + 1) for e in node.elts]
            if isinstance(node, ast.Tuple):
                return tuple(self(e, depth + 1) for e in node.elts)
            if isinstance(node, ast.Set):
                return {self(e, depth + 1) for e in node.elts}
            if isinstance(node, ast.Dict):
                if any(k is None for k in node.keys):
                    raise DecodeError("dict unpacking in arithmetic")
                return {self(k, depth + 1): self(v, depth + 1) for k, v in zip(node.keys, node.values)}
        except TypeError as e:  # unhashable set member / dict key
            raise DecodeError(f"TypeError: {e}") from None
        if isinstance(node, ast.Name):
            raise DecodeError(f"name '{node.id}' is not defined")
        raise DecodeError(f"unsupported expression {type(node).__name__}")

    def _check(self, op: type, left: Any, right: Any) -> None:
        """Refuse an operation whose result would be too large, before computing it."""
        if op is ast.Pow and _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
            if right > MAX_ARITH_BITS or right * math.log2(abs(left)) > MAX_ARITH_BITS:  # |left| >= 2
                raise DecodeError("arithmetic result too large")
        elif op is ast.Mult:
            if _is_int(left) and _is_int(right):
                if left.bit_length() + right.bit_length() > MAX_ARITH_BITS + 1:
                    raise DecodeError("arithmetic result too large")
                return
            for a, b in ((left, right), (right, left)):
                if _is_int(b) and isinstance(a, (str, bytes, list, tuple)) and b > 0:
                    if b * _size(a, _MAX_SEQ_REPEAT + 1) > _MAX_SEQ_REPEAT:
                        raise DecodeError("sequence repetition too large")
        elif op is ast.LShift and _is_int(left) and _is_int(right) and left:
            if right > 0 and left.bit_length() + right > MAX_ARITH_BITS:
                raise DecodeError("shift too large")
        elif op is ast.Mod and isinstance(left, (str, bytes)):
            text = left if isinstance(left, str) else left.decode("latin-1")
            if _FORMAT_WIDTH_RE.search(text):
                raise DecodeError("format width too large")


def _arith(node: ast.AST, depth: int = 0, arith: _Arith | None = None) -> Any:
    """Evaluate a literal arithmetic expression the way Python's ``eval`` would, or raise.

    Supports constants, containers of them, unary and binary operators, under a cost bound
    (`MAX_ARITH_BITS`, `ARITH_BUDGET`): an expression over the bound raises `DecodeError` in
    microseconds instead of being computed. Names, calls, attributes and everything else raise
    (the official ``eval`` would raise ``NameError`` for names; builtins such as ``abs(-1) + 1``
    are the one documented divergence). Integers beyond a double's range come back as `TooLarge`.
    """
    return bound_value((arith or _Arith())(node, depth))


# --------------------------------------------------------------------------- official AST rules
def _call_name(func: ast.AST) -> str:
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def _resolve_call(elem: ast.Call, arith: _Arith) -> dict[str, dict[Any, Any]]:
    args: dict[Any, Any] = {}
    for kw in elem.keywords:  # positional arguments are dropped, as officially
        args[kw.arg] = _resolve_value(kw.value, arith)  # ``**x`` gives a None key, as officially
    return {_call_name(elem.func): args}


def _resolve_value(value: ast.AST | None, arith: _Arith) -> Any:
    if isinstance(value, ast.Constant):
        return "..." if value.value is Ellipsis else bound_value(value.value)
    if isinstance(value, ast.UnaryOp):
        operand = value.operand
        if not isinstance(operand, ast.Constant):
            raise DecodeError(f"unsupported unary operand {type(operand).__name__}")
        try:
            return bound_value(-operand.value)  # the official decoder negates for every unary operator
        except TypeError as e:
            raise DecodeError(str(e)) from None
    if isinstance(value, ast.List):
        return [_resolve_value(v, arith) for v in value.elts]
    if isinstance(value, ast.Dict):
        out = {}
        for k, v in zip(value.keys, value.values):
            key = _resolve_value(k, arith)
            try:
                out[key] = _resolve_value(v, arith)
            except TypeError as e:  # unhashable key
                raise DecodeError(str(e)) from None
        return out
    if isinstance(value, ast.BinOp):
        return _arith(value, 0, arith)
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, ast.Call):
        if not value.keywords:
            return ast.unparse(value)
        return _resolve_call(value, arith)
    if isinstance(value, ast.Tuple):
        return tuple(_resolve_value(v, arith) for v in value.elts)
    if isinstance(value, ast.Subscript):
        return ast.unparse(value.value) + "[" + ast.unparse(value.slice) + "]"
    raise DecodeError(f"Unsupported AST type: {type(value)}")


def _parse_call_list(text: str) -> list[dict[str, dict[Any, Any]]]:
    cleaned = text.strip().strip("'")
    try:
        body = parse_python(cleaned).body  # ast.parse, refusing text over MAX_SYNTAX_ITEMS
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        raise DecodeError(f"{type(e).__name__}: {e}") from None
    arith = _Arith()  # one cost budget for the whole output
    if isinstance(body, ast.Call):
        return [_resolve_call(body, arith)]
    elts = getattr(body, "elts", None)
    if elts is None:
        raise DecodeError(f"'{type(body).__name__}' object has no attribute 'elts'")
    out = []
    for elem in elts:
        if not isinstance(elem, ast.Call):
            raise DecodeError("an element is not a function call")
        out.append(_resolve_call(elem, arith))
    return out


def _wrap(result: str) -> str:
    result = result.strip("`\n ")
    if not result.startswith("["):
        result = "[" + result
    if not result.endswith("]"):
        result = result + "]"
    return result


def decode_ast_prompting(result: Any) -> list[dict[str, dict[Any, Any]]]:
    """Prompt-style output -> ``[{func: {param: value}}]`` (official ``default_decode_ast_prompting``)."""
    if not isinstance(result, str):
        raise DecodeError(f"expected text, got {type(result).__name__}")
    if len(result) > MAX_TEXT_CHARS:
        raise DecodeError("output too long")
    try:
        return _parse_call_list(_wrap(result))
    except RecursionError:
        raise DecodeError("output nested too deeply") from None


def decode_ast_fc(result: Any) -> list[dict[str, Any]]:
    """Structured output ``[{name: json_string}]`` -> ``[{name: params}]`` (official FC decoding)."""
    if isinstance(result, (str, bytes)) or not hasattr(result, "__iter__"):
        raise DecodeError(f"expected a list of {{name: arguments}} objects, got {type(result).__name__}")
    out = []
    for item in result:
        if not isinstance(item, dict):
            raise DecodeError(f"'{type(item).__name__}' object has no attribute 'keys'")
        if not item:
            raise DecodeError("list index out of range")
        name = next(iter(item))
        raw = item[name]
        if not isinstance(raw, (str, bytes, bytearray)):
            raise DecodeError(f"the JSON object must be str, bytes or bytearray, not {type(raw).__name__}")
        try:
            params = json.loads(raw)
        except (ValueError, RecursionError) as e:
            raise DecodeError(str(e)) from None
        out.append({name: params})
    return out


def decode_ast(result: Any) -> list[dict[str, Any]]:
    """Decode either style: text is prompt style, a list is function-calling style."""
    if isinstance(result, str):
        return decode_ast_prompting(result)
    return decode_ast_fc(result)


def is_function_calling_format_output(decoded: Any) -> bool:
    """Official shape check: a list of single-key dicts whose value is a dict."""
    if type(decoded) is not list:
        return False
    for item in decoded:
        if type(item) is not dict or len(item) != 1:
            return False
        if type(next(iter(item.values()))) is not dict:
            return False
    return True


def is_empty_output(decoded: Any) -> bool:
    """Official relevance patch: ``[]``, ``[{}]`` and anything not call-shaped count as no call."""
    if not is_function_calling_format_output(decoded):
        return True
    if len(decoded) == 0:
        return True
    return len(decoded) == 1 and len(decoded[0]) == 0


# --------------------------------------------------------------------------- execution strings
def _nested(value: Any) -> str:
    if isinstance(value, dict):
        if all(isinstance(v, dict) for v in value.values()):
            name = next(iter(value)) if value else None
            if name is None:  # official code raises IndexError on {} -> decoding fails
                raise DecodeError("list index out of range")
            args = value[name]
            return f"{name}(" + ", ".join(f"{k}={_nested(v)}" for k, v in args.items()) + ")"
        return "{" + ", ".join(f"'{k}': {_nested(v)}" for k, v in value.items()) + "}"
    return repr(value)


def to_execution_list(decoded: list[dict[str, dict[Any, Any]]]) -> list[str]:
    """Decoded prompt output -> call strings (official ``decoded_output_to_execution_list``)."""
    out = []
    for call in decoded:
        for name, args in call.items():
            out.append(f"{name}(" + ", ".join(f"{k}={_nested(v)}" for k, v in args.items()) + ")")
    return out


def decode_execute_prompting(result: str) -> list[str]:
    """Prompt-style step output -> executable call strings."""
    return to_execution_list(decode_ast_prompting(result))


def decode_execute_fc(result: Any) -> list[str]:
    """Structured step output (``[{name: json_args}]`` or a dict) -> call strings (official rendering)."""
    if isinstance(result, dict):
        result = [result]
    out = []
    try:
        for call in result:
            for name, value in call.items():
                if isinstance(value, str):
                    value = json.loads(value)
                out.append(f"{name}(" + ",".join(f"{k}={v!r}" for k, v in value.items()) + ")")
    except (ValueError, TypeError, AttributeError, RecursionError) as e:
        raise DecodeError(str(e)) from None
    return out
