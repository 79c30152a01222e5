"""Action text -> tool calls. JSON via `json`, Python-call lists via `ast`; nothing is evaluated.

Recognised formats (see `parse_action`):

* Hermes / Qwen blocks: ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` (several allowed);
* a JSON object or list of objects: ``{"name": ..., "arguments": {...}}`` (``parameters`` is accepted
  for ``arguments``, OpenAI's ``{"type": "function", "function": {...}}`` too, and ``arguments`` may
  be a JSON string), optionally inside a Markdown code fence;
* a Python-call list: ``[get_forecast(city="Lyon"), convert(x=1)]`` (keyword arguments, literal values).

Text with no call is an answer. Text that looks like a call attempt but does not parse is an error.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_ACTION_CHARS = 32_768
MAX_CALLS = 32
MAX_DEPTH = 32

_TOOL_CALL_RE = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.S)
_FENCE_RE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```$", re.S)
_PY_CALL_START = re.compile(r"^\[?\s*[A-Za-z_][\w.]*\s*\(")


@dataclass
class Call:
    """A parsed tool call."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

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
    if depth > MAX_DEPTH:
        return False
    if isinstance(obj, dict):
        return all(_depth_ok(v, depth + 1) for v in obj.values())
    if isinstance(obj, list):
        return all(_depth_ok(v, depth + 1) for v in obj)
    return True


def _call_from_obj(obj: Any) -> Call:
    if not isinstance(obj, dict):
        raise ParseError(f"a call must be a JSON object, got {type(obj).__name__}")
    if "function" in obj and isinstance(obj["function"], dict):  # OpenAI tool_call shape
        obj = obj["function"]
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        raise ParseError("call has no string 'name'")
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError as e:
            raise ParseError(f"arguments of {name!r} are not valid JSON: {e}") from None
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise ParseError(f"arguments of {name!r} must be an object")
    return Call(name=name, arguments=args)


def _calls_from_json(text: str) -> list[Call]:
    try:
        obj = json.loads(text)
    except RecursionError:
        raise ParseError("JSON nested too deeply") from None
    except ValueError as e:
        raise ParseError(f"invalid JSON: {e}") from None
    if not _depth_ok(obj):
        raise ParseError("JSON nested too deeply")
    items = obj if isinstance(obj, list) else [obj]
    return [_call_from_obj(o) for o in items]


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


def _calls_from_python(text: str) -> list[Call]:
    src = text.strip()
    if not src.startswith("["):
        src = "[" + src + "]"
    try:
        tree = ast.parse(src, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        raise ParseError(f"invalid Python call list: {type(e).__name__}") from None
    body = tree.body
    elts = body.elts if isinstance(body, (ast.List, ast.Tuple)) else [body]
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
    return calls


def _strip_fence(text: str) -> str:
    m = _FENCE_RE.match(text)
    return m.group(1).strip() if m else text


def parse_action(text: Any) -> ParsedAction:
    """Parse an agent action. Never raises: bad input yields ``kind="error"``."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return ParsedAction("error", error=f"action must be text, got {type(text).__name__}")
    if len(text) > MAX_ACTION_CHARS:
        return ParsedAction("error", text=text[:200], error=f"action longer than {MAX_ACTION_CHARS} characters")
    try:
        parsed = _parse(text)
    except ParseError as e:
        parsed = ParsedAction("error", text=text, error=str(e))
    except (RecursionError, MemoryError):
        parsed = ParsedAction("error", text=text, error="action nested too deeply")
    parsed.raw = text
    return parsed


def _parse(text: str) -> ParsedAction:
    if "<tool_call>" in text:
        blocks = _TOOL_CALL_RE.findall(text)
        calls: list[Call] = []
        for b in blocks:
            b = _strip_fence(b.strip())
            if not b:
                raise ParseError("empty <tool_call> block")
            calls.extend(_calls_from_json(b))
        outside = _TOOL_CALL_RE.sub("", text).strip()
        return _finish(calls, outside, "hermes")
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
