"""Action text -> tool calls. JSON via `json`, Python-call lists via `ast`; nothing is evaluated.

Recognised formats (see `parse_action`):

* Hermes / Qwen blocks: ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` (several allowed);
* a JSON object or list of objects: ``{"name": ..., "arguments": {...}}`` (``parameters`` is accepted
  for ``arguments``, OpenAI's ``{"type": "function", "function": {...}}`` too, and ``arguments`` may
  be a JSON string), optionally inside a Markdown code fence;
* a Python-call list: ``[get_forecast(city="Lyon"), convert(x=1)]`` (keyword arguments, literal values).

Text with no call is an answer. Text that looks like a call attempt but does not parse is an error.

Numbers that strict JSON cannot carry (``NaN``, ``Infinity``, ``1e999``, integers beyond ±1.8e308
such as a long hex literal) are replaced in ``Call.arguments`` by the string that stands for them
(``"NaN"``, ``"Infinity"``, ``"<integer of N digits>"``, see `toolenv.observation.shown_number`)
and listed in ``Call.invalid`` (JSON pointer, kind, shown text); episodes reject such a call with an
argument error. Parsed calls are therefore always strict-JSON-safe.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import json
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterator, NamedTuple

from toolenv.observation import MAX_JSON_NUMBER, number_problem, shown_number

_INF = float("inf")
MAX_INVALID_RECORDED = 64  # Call.invalid keeps the first 64 (all are replaced)
MAX_ACTION_CHARS = 32_768
MAX_CALLS = 32
MAX_DEPTH = 32
#: Python-call text with more brackets, commas, colons and ``=`` than this outside string literals is
#: refused before ``ast.parse`` (whose cost grows faster than linearly past ~2,000 nodes); the
#: largest BFCL ground truth has 80
MAX_SYNTAX_ITEMS = 2048
_PY_STRING_RE = re.compile(  # string literals as unrolled loops, the closing quote optional: linear time
    r"'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:''')?"
    r'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:""")?'
    r"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'?"
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"?')

_TOOL_CALL_RE = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.S)
_FENCE_RE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```$", re.S)
_PY_CALL_START = re.compile(r"^\[?\s*[A-Za-z_][\w.]*\s*\(")


class BadNumber(NamedTuple):
    """A number in a call's arguments that strict JSON cannot carry (see `number_problem`)."""

    pointer: str  # JSON pointer of the value inside the arguments, e.g. "/amount" or "/items/0/qty"
    kind: str  # "nan" | "inf" | "-inf" | "huge_int"
    shown: str  # the string that replaced it in Call.arguments


@dataclass
class Call:
    """A parsed tool call. ``invalid`` lists unrepresentable numbers (all are replaced in
    ``arguments``; the first `MAX_INVALID_RECORDED` are listed)."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    invalid: list[BadNumber] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments}


@dataclass
class ParsedAction:
    """The result of parsing one action.

    ``kind`` is ``"calls"`` (``calls`` non-empty), ``"answer"`` (plain text, ``text``) or
    ``"error"`` (a call attempt that could not be parsed; ``error`` says why).
    """

    kind: str
    calls: list[Call] = field(default_factory=list)
    text: str = ""
    error: str | None = None
    format: str | None = None  # "hermes" | "json" | "python" | None
    raw: str = ""  # the action text as received (set by parse_action)


class ParseError(ValueError):
    pass


def _depth_ok(obj: Any, depth: int = 0) -> bool:
    """Is every value at most `MAX_DEPTH` levels down (``obj`` itself at ``depth``)? Iterative."""
    if type(obj) is not dict and type(obj) is not list:
        return depth <= MAX_DEPTH
    stack = [(obj, depth)]
    while stack:
        o, d = stack.pop()
        if d > MAX_DEPTH:
            return False
        items = o.values() if type(o) is dict else o
        if items and d + 1 > MAX_DEPTH:
            return False
        for v in items:
            if type(v) is dict or type(v) is list:
                stack.append((v, d + 1))
    return True


#: text in which an unrepresentable number could be written (NaN / Infinity, an exponent of 3+ digits,
#: 200+ digits in a row): only then are a call's arguments walked (`_strict_value`)
_NUMBER_HINT_RE = re.compile(r"NaN|Infinity|[eE][+-]?[0-9_]{3}|[0-9a-fA-F_]{200}")
_EXPONENT_RE = re.compile(r"[eE][+-]?[0-9_]{3}")
_DIGIT_RUN_RE = re.compile(r"[0-9a-fA-F_]{200}")


def _number_hint(text: str) -> bool:
    """``_NUMBER_HINT_RE.search(text) is not None``, alternative by alternative (2-3x faster: the
    literals by substring search, the 200-digit run only in text that long)."""
    return ("NaN" in text or "Infinity" in text or _EXPONENT_RE.search(text) is not None
            or (len(text) >= 200 and _DIGIT_RUN_RE.search(text) is not None))


def _nesting_possible(text: str) -> bool:
    """Could the JSON in ``text`` be nested deeper than `MAX_DEPTH`? (cheap: counts brackets)"""
    return text.count("[") + text.count("{") > MAX_DEPTH


def _checked(call: Call, hint: bool) -> Call:
    """Replace and record unrepresentable numbers in the arguments when the text hinted at any."""
    if hint:
        found: list[BadNumber] = []
        call.arguments = _strict_value(call.arguments, "", found)
        call.invalid = found
    return call


def _call_from_obj(obj: Any, hint: bool = True) -> Call:
    if not isinstance(obj, dict):
        raise ParseError(f"a call must be a JSON object, got {type(obj).__name__}")
    if "function" in obj and isinstance(obj["function"], dict):  # OpenAI tool_call shape
        obj = obj["function"]
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        raise ParseError("call has no string 'name'")
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):  # a JSON string: checked on its own (escapes hide it in the outer text)
        text = args
        try:
            args = json.loads(text) if text.strip() else {}
        except (ValueError, RecursionError) as e:
            raise ParseError(f"arguments of {name!r} are not valid JSON: {type(e).__name__}") from None
        if isinstance(args, dict) and _nesting_possible(text) and not _depth_ok(args, 1):
            raise ParseError("JSON nested too deeply")
        hint = _number_hint(text)
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise ParseError(f"arguments of {name!r} must be an object")
    return _checked(Call(name=name, arguments=args), hint)


def _calls_from_json(text: str) -> list[Call]:
    try:
        obj = json.loads(text)
    except RecursionError:
        raise ParseError("JSON nested too deeply") from None
    except ValueError as e:
        raise ParseError(f"invalid JSON: {e}") from None
    if _nesting_possible(text) and not _depth_ok(obj):
        raise ParseError("JSON nested too deeply")
    items = obj if isinstance(obj, list) else [obj]
    if len(items) > MAX_CALLS:
        raise ParseError(f"more than {MAX_CALLS} calls in one action")
    hint = _number_hint(text)
    return [_call_from_obj(o, hint) for o in items]


def _literal(node: ast.AST, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise ParseError("value nested too deeply")
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (str, int, float, bool)) or node.value is None:
            return node.value
        raise ParseError(f"unsupported constant {type(node.value).__name__}")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _literal(node.operand, depth + 1)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ParseError("unary sign on a non-number")
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e, depth + 1) for e in node.elts]
    if isinstance(node, ast.Dict):
        out = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                raise ParseError("dict unpacking is not a value")
            key = _literal(k, depth + 1)
            if not isinstance(key, str):
                raise ParseError("dict keys must be strings")
            out[key] = _literal(v, depth + 1)
        return out
    if isinstance(node, ast.Name) and node.id in ("true", "false", "null"):
        return {"true": True, "false": False, "null": None}[node.id]
    raise ParseError(f"unsupported value: {type(node).__name__}")


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return _dotted(node.value) + "." + node.attr
    raise ParseError("call target must be a name")


def syntax_items(src: str) -> int:
    """Brackets, commas, colons and ``=`` outside string literals: a cheap bound on the AST size."""
    n = sum(src.count(c) for c in ",([{=:")
    if n <= MAX_SYNTAX_ITEMS or ("'" not in src and '"' not in src):
        return n  # strings included: already under the limit (the common case costs a few str.count)
    bare = _PY_STRING_RE.sub("", src)
    return sum(bare.count(c) for c in ",([{=:")


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (restored as it was, also on errors)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_python(src: str) -> ast.AST:
    """``ast.parse(src, mode="eval")``, refusing text over `MAX_SYNTAX_ITEMS` (ValueError), with the
    cyclic garbage collector paused: an AST has no cycles, and collections triggered by its
    thousands of fresh nodes would scan the caller's whole heap (several times the parse itself)."""
    if syntax_items(src) > MAX_SYNTAX_ITEMS:
        raise ValueError(f"more than {MAX_SYNTAX_ITEMS} brackets, commas, colons or '=' outside strings")
    with gc_paused(), warnings.catch_warnings():  # e.g. "invalid decimal literal": the text is data, not code
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(src, mode="eval")


def _calls_from_python(text: str) -> list[Call]:
    src = text.strip()
    if not src.startswith("["):
        src = "[" + src + "]"
    try:
        tree = parse_python(src)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        raise ParseError(f"invalid Python call list: {type(e).__name__}") from None
    body = tree.body
    elts = body.elts if isinstance(body, (ast.List, ast.Tuple)) else [body]
    if len(elts) > MAX_CALLS:
        raise ParseError(f"more than {MAX_CALLS} calls in one action")
    calls = []
    for el in elts:
        if not isinstance(el, ast.Call):
            raise ParseError("each list element must be a function call")
        if el.args:
            raise ParseError(f"positional arguments in call to {_dotted(el.func)!r}; use keywords")
        args = {}
        for kw in el.keywords:
            if kw.arg is None:
                raise ParseError("**kwargs is not allowed")
            args[kw.arg] = _literal(kw.value)
        calls.append(Call(name=_dotted(el.func), arguments=args))
    hint = _number_hint(src)
    return [_checked(c, hint) for c in calls]


def _strip_fence(text: str) -> str:
    if not text.startswith("```"):  # what `_FENCE_RE` needs to match at all
        return text
    m = _FENCE_RE.match(text)
    return m.group(1).strip() if m else text


#: recent parses by action text (parsing is a pure function of the text; RL groups and search replay
#: the same texts): answers, and calls whose arguments are flat (scalar values only) with no
#: unrepresentable number, as (kind, text, format, ((name, arguments), ...)). The arguments held here
#: are private copies; a hit hands out new `Call` objects with new copies (`_from_memo`)
_PARSED: dict[str, tuple[str, str, str | None, tuple[tuple[str, dict[str, Any]], ...]]] = {}
_PARSED_LIMIT = 10_000
_PARSED_MAX_CHARS = 2048
_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})


def _remember_parse(text: str, parsed: ParsedAction) -> None:
    """Keep ``parsed`` in `_PARSED` when a copy of it can be handed out by `_from_memo`."""
    if parsed.kind == "calls":
        for c in parsed.calls:
            if c.invalid or type(c.arguments) is not dict \
                    or not all(type(v) in _SCALAR_TYPES for v in c.arguments.values()):
                return
    elif parsed.kind != "answer":
        return
    if len(_PARSED) >= _PARSED_LIMIT:
        _PARSED.clear()
    _PARSED[text] = (parsed.kind, parsed.text, parsed.format, tuple((c.name, dict(c.arguments)) for c in parsed.calls))


def _from_memo(text: str, entry: tuple) -> ParsedAction:
    """A new `ParsedAction` equal to what `_parse` gave for ``text`` (flat arguments: a shallow copy
    is a full copy)."""
    kind, shown, fmt, calls = entry
    return ParsedAction(kind, calls=[Call(name, dict(args)) for name, args in calls], text=shown, format=fmt, raw=text)


def parse_action(text: Any) -> ParsedAction:
    """Parse an agent action. Never raises: bad input yields ``kind="error"``. Texts seen recently
    are answered from `_PARSED` (a new, equal `ParsedAction`)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return ParsedAction("error", error=f"action must be text, got {type(text).__name__}")
    if len(text) > MAX_ACTION_CHARS:
        return ParsedAction("error", text=text[:200], error=f"action longer than {MAX_ACTION_CHARS} characters")
    entry = _PARSED.get(text) if len(text) <= _PARSED_MAX_CHARS else None
    if entry is not None:
        return _from_memo(text, entry)
    parsed = _parse_uncached(text)
    if len(text) <= _PARSED_MAX_CHARS:
        _remember_parse(text, parsed)
    return parsed


def _parse_uncached(text: str) -> ParsedAction:
    """`parse_action` of a str within the length limit, without `_PARSED`.

    The cyclic garbage collector is paused meanwhile: parsing builds only acyclic values, and a
    collection triggered by a wide action's thousands of fresh objects would scan the caller's
    whole heap (tens of milliseconds in a large process) for nothing."""
    enabled = gc.isenabled()  # `gc_paused`, inline (this is the env's hot path)
    gc.disable()
    try:
        parsed = _parse(text)
    except ParseError as e:
        parsed = ParsedAction("error", text=text, error=str(e))
    except (RecursionError, MemoryError):
        parsed = ParsedAction("error", text=text, error="action nested too deeply")
    finally:
        if enabled:
            gc.enable()
    parsed.raw = text
    return parsed


def _parse(text: str) -> ParsedAction:
    if "<tool_call>" in text:
        # the blocks of `_TOOL_CALL_RE` found with str.find (the regex's lazy scan costs ~2 us an action):
        # from each "<tool_call>" to the next "</tool_call>", or to the end (both are stripped, so the
        # regex's "$" before a final newline makes no difference); `rest` is what re.sub("") leaves
        calls: list[Call] = []
        rest: list[str] = []
        end = 0
        while True:
            start = text.find("<tool_call>", end)
            if start < 0:
                break
            rest.append(text[end:start])
            body = start + 11
            close = text.find("</tool_call>", body)
            block, end = (text[body:], len(text)) if close < 0 else (text[body:close], close + 12)
            b = _strip_fence(block.strip())
            if not b:
                raise ParseError("empty <tool_call> block")
            calls.extend(_calls_from_json(b))
        rest.append(text[end:])
        return _finish(calls, "".join(rest).strip(), "hermes")
    stripped = _strip_fence(text.strip())
    if stripped.startswith("{"):
        return _finish(_calls_from_json(stripped), "", "json")
    if stripped.startswith("["):
        try:
            calls = _calls_from_json(stripped)
            return _finish(calls, "", "json")
        except ParseError as json_err:
            if stripped in ("[]", "[{}]"):
                return ParsedAction("answer", text="", format="json")
            if _PY_CALL_START.match(stripped):
                return _finish(_calls_from_python(stripped), "", "python")
            raise json_err
    if _PY_CALL_START.match(stripped) and stripped.endswith(")") and "\n" not in stripped:
        return _finish(_calls_from_python(stripped), "", "python")
    return ParsedAction("answer", text=text.strip())


def _esc(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _strict_value(v: Any, pointer: str, found: list[BadNumber]) -> Any:
    """``v`` with unrepresentable numbers replaced (the same object when there are none)."""
    t = type(v)
    if t is dict:
        out = None
        for k, x in v.items():
            tx = type(x)
            if tx is str or tx is bool or x is None or (tx is int and -MAX_JSON_NUMBER <= x <= MAX_JSON_NUMBER) \
                    or (tx is float and -_INF < x < _INF):
                continue  # the common scalars, inline (no call per value)
            y = _strict_value(x, pointer + "/" + _esc(k), found)
            if y is not x:
                if out is None:
                    out = dict(v)
                out[k] = y
        return v if out is None else out
    if t is list:
        items = None
        for i, x in enumerate(v):
            tx = type(x)
            if tx is str or tx is bool or x is None or (tx is int and -MAX_JSON_NUMBER <= x <= MAX_JSON_NUMBER) \
                    or (tx is float and -_INF < x < _INF):
                continue
            y = _strict_value(x, f"{pointer}/{i}", found)
            if y is not x:
                if items is None:
                    items = list(v)
                items[i] = y
        return v if items is None else items
    problem = number_problem(v)
    if problem is None:
        return v
    shown = shown_number(v, problem)
    if len(found) < MAX_INVALID_RECORDED:
        found.append(BadNumber(pointer or "/", problem, shown))
    return shown


def _finish(calls: list[Call], text: str, fmt: str) -> ParsedAction:
    if len(calls) > MAX_CALLS:
        raise ParseError(f"more than {MAX_CALLS} calls in one action")
    if not calls:
        return ParsedAction("answer", text=text, format=fmt)
    return ParsedAction("calls", calls=calls, text=text, format=fmt)


def render_calls(calls: list[dict[str, Any]] | list[Call], style: str = "hermes") -> str:
    """Render calls as action text in one of the recognised formats (inverse of parse_action)."""
    items = [c.to_dict() if isinstance(c, Call) else c for c in calls]
    if style == "hermes":
        return "\n".join(
            "<tool_call>\n" + json.dumps({"name": c["name"], "arguments": c["arguments"]}, ensure_ascii=False) + "\n</tool_call>"
            for c in items
        )
    if style == "json":
        if len(items) == 1:
            return json.dumps({"name": items[0]["name"], "arguments": items[0]["arguments"]}, ensure_ascii=False)
        return json.dumps([{"name": c["name"], "arguments": c["arguments"]} for c in items], ensure_ascii=False)
    if style == "python":
        def py(v: Any) -> str:
            if isinstance(v, bool):
                return "True" if v else "False"
            if v is None:
                return "None"
            if isinstance(v, str):
                return repr(v)
            if isinstance(v, list):
                return "[" + ", ".join(py(x) for x in v) + "]"
            if isinstance(v, dict):
                return "{" + ", ".join(f"{k!r}: {py(x)}" for k, x in v.items()) + "}"
            return repr(v)

        return "[" + ", ".join(
            f"{c['name']}(" + ", ".join(f"{k}={py(v)}" for k, v in c["arguments"].items()) + ")" for c in items
        ) + "]"
    raise ValueError(f"unknown call style {style!r}; use hermes, json or python")
