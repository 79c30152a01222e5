"""Safety checks for tool spec files: what `toolenv validate` refuses is exactly what `gym.make` refuses.

The spec loader (`toolenv.spec`) calls these before and while parsing a file, so a spec that passes
can be run by the simulator without crashing or hanging:

* `read_spec_file` — only regular files are opened (``stat`` first, never a FIFO or a device),
  size-capped, strict UTF-8, JSON with integer-digit, finite-number and duplicate-key checks;
* `check_document` — nesting depth, string/array/object sizes (iterative: never a RecursionError);
* `check_schema_limits` — per schema: ``minLength`` / ``minItems`` caps, ``pattern`` checks
  (length, repeat counts, catastrophic backtracking: a static check plus a time-bounded probe),
  unsupported ``$dynamicRef`` / embedded ``$id``;
* `resolve_refs` — ``$ref`` s are resolved inside their schema (``referencing``) and inlined;
  remote refs are refused, cycles and expansion bombs are reported;
* `check_generated` — the value the simulator would generate is bounded in size, and a few
  samples from the project's own `ValueGenerator` must validate (jsonschema, with formats)
  within a time bound, else the schema is unsatisfiable for the simulator.

Every problem is a ``(pointer, message)`` pair (the file is added by the caller). Limits are the
fields of `SpecLimits`; see docs/spec_format.md ("Limits").
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import stat
import time
from dataclasses import dataclass, fields
from typing import Any, Callable, Iterator

try:  # Python >= 3.11
    from re import _constants as _sre_c, _parser as _sre_p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre_c  # type: ignore[no-redef]
    import sre_parse as _sre_p  # type: ignore[no-redef]

Problem = tuple[str, str]  # (JSON pointer, message)


@dataclass(frozen=True)
class SpecLimits:
    """Caps applied to every spec file (all configurable; defaults fit the bundled specs many times over)."""

    max_file_bytes: int = 4_000_000  # size of one spec file
    max_depth: int = 48  # JSON nesting depth of a file (and of a schema after $ref inlining)
    max_int_digits: int = 20  # digits of an integer; also |number| < 10**max_int_digits
    max_string_chars: int = 100_000  # any JSON string in a file (descriptions, enum values, ...)
    max_array_len: int = 10_000  # any JSON array in a file (enum, required, tool lists, ...)
    max_object_keys: int = 2_000  # any JSON object in a file (e.g. the properties of a schema)
    max_tools: int = 2_000  # tools loaded together (all files of one load)
    max_min_length: int = 10_000  # a schema's minLength
    max_min_items: int = 1_000  # a schema's minItems / minContains
    max_schema_nodes: int = 20_000  # subschemas of one schema after $ref inlining
    max_value_size: int = 200_000  # estimated size (strings' characters + nodes) of one generated value
    max_pattern_chars: int = 1_000  # length of a `pattern` / `patternProperties` key
    max_pattern_repeat: int = 1_000  # an explicit {n,m} count inside a pattern
    pattern_time_s: float = 0.02  # one probe of a pattern against an adversarial string
    samples: int = 3  # values generated (and validated) per schema
    sample_time_s: float = 1.0  # generating + validating those samples, per schema

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def replace(self, **changes: Any) -> "SpecLimits":
        """A copy with some limits changed (unknown names raise ValueError)."""
        bad = sorted(set(changes) - set(self.field_names()))
        if bad:
            raise ValueError(f"unknown spec limit(s) {bad}; known: {self.field_names()}")
        kw = {f: getattr(self, f) for f in self.field_names()}
        for k, v in changes.items():
            kw[k] = type(kw[k])(v)
        return SpecLimits(**kw)


_DEFAULT_LIMITS = SpecLimits()


def default_limits() -> SpecLimits:
    """The limits used when a loader is given none (``gym.make`` and ``toolenv validate``)."""
    return _DEFAULT_LIMITS


def set_default_limits(limits: SpecLimits) -> SpecLimits:
    """Change the process-wide default limits; returns the previous ones."""
    global _DEFAULT_LIMITS
    if not isinstance(limits, SpecLimits):
        raise TypeError("limits must be a SpecLimits")
    old, _DEFAULT_LIMITS = _DEFAULT_LIMITS, limits
    return old


def esc(part: Any) -> str:
    """One JSON-pointer token."""
    return str(part).replace("~", "~0").replace("/", "~1")


# ---- reading ----------------------------------------------------------------------------------

class _BadNumber(str):
    """A JSON number the loader refuses (kept as text so the walk can name its pointer)."""

    reason = ""


class _DupKeys(dict):
    """A JSON object that repeated a key."""

    dup = ""


def _json_hooks(limits: SpecLimits) -> dict[str, Callable[..., Any]]:
    big = 10 ** limits.max_int_digits

    def bad(text: str, reason: str) -> _BadNumber:
        b = _BadNumber(text[:40] + ("..." if len(text) > 40 else ""))
        b.reason = reason
        return b

    def parse_int(s: str) -> Any:
        digits = len(s) - (s[0] == "-")
        if digits > limits.max_int_digits:
            return bad(s, f"integer with {digits} digits is over the cap of {limits.max_int_digits} (max_int_digits)")
        return int(s)

    def parse_float(s: str) -> Any:
        if len(s) > 400:
            return bad(s, f"number literal of {len(s)} characters is too long")
        f = float(s)
        if not math.isfinite(f):
            return bad(s, "number overflows to infinity")
        if abs(f) >= big:
            return bad(s, f"number {s} is too large: |x| must be < 1e{limits.max_int_digits} (max_int_digits)")
        return f

    def parse_constant(s: str) -> Any:
        return bad(s, f"{s} is not valid JSON (numbers must be finite)")

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        d = dict(items)
        if len(d) != len(items):
            seen: set[str] = set()
            dd = _DupKeys(d)
            dd.dup = next(k for k, _ in items if k in seen or seen.add(k))  # type: ignore[func-returns-value]
            return dd
        return d

    return {"parse_int": parse_int, "parse_float": parse_float, "parse_constant": parse_constant,
            "object_pairs_hook": pairs}


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def read_text_file(path: str | os.PathLike[str], limits: SpecLimits) -> tuple[str | None, list[Problem]]:
    """The UTF-8 text of a regular file of at most ``max_file_bytes``: ``(text, [])`` or
    ``(None, [("", message)])``.

    Never opens anything but a regular file for reading (a FIFO would block forever, a device
    might never end); `stat` is checked before opening and `fstat` after (O_NONBLOCK open)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None, [("", "no such file")]
    except OSError as e:
        return None, [("", f"cannot read: {e.strerror or e}")]
    if not stat.S_ISREG(st.st_mode):
        return None, [("", f"is {_kind(st.st_mode)}, not a spec file; not opened")]
    if st.st_size > limits.max_file_bytes:
        return None, [("", f"file is {st.st_size} bytes, over the cap of {limits.max_file_bytes} (max_file_bytes)")]
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        return None, [("", f"cannot read: {e.strerror or e}")]
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, [("", f"is {_kind(st.st_mode)}, not a spec file; not opened")]
        chunks, n = [], 0
        while n <= limits.max_file_bytes:
            b = os.read(fd, 1 << 20)
            if not b:
                break
            chunks.append(b)
            n += len(b)
        data = b"".join(chunks)
    except OSError as e:
        return None, [("", f"cannot read: {e.strerror or e}")]
    finally:
        os.close(fd)
    if len(data) > limits.max_file_bytes:
        return None, [("", f"file is over the cap of {limits.max_file_bytes} bytes (max_file_bytes)")]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as e:
        return None, [("", f"not UTF-8 text: byte 0x{data[e.start]:02x} at offset {e.start} ({e.reason})")]


def read_spec_file(path: str | os.PathLike[str], limits: SpecLimits) -> tuple[Any, list[Problem]]:
    """Decode one JSON spec file (`read_text_file`, then `decode_json`). Returns ``(document, [])``
    or ``(None, [("", message)])``."""
    text, problems = read_text_file(path, limits)
    if text is None:
        return None, problems
    return decode_json(text, limits)


def decode_json(text: str, limits: SpecLimits) -> tuple[Any, list[Problem]]:
    """`json.loads` with the loader's hooks; every failure is one problem at pointer ''."""
    try:
        return json.loads(text, **_json_hooks(limits)), []
    except json.JSONDecodeError as e:
        return None, [("", f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}")]
    except RecursionError:
        return None, [("", f"JSON nested too deeply (the cap is {limits.max_depth} levels, max_depth)")]
    except (ValueError, OverflowError, MemoryError) as e:  # int-parsing limits and the like
        return None, [("", f"invalid JSON: {type(e).__name__}: {str(e)[:200]}")]


# ---- the whole document -----------------------------------------------------------------------

def check_document(doc: Any, limits: SpecLimits) -> list[Problem]:
    """Depth and size caps over a decoded document, without recursion. Stops at the first problem
    of each kind (a 10,000-deep document gives one line, not 10,000)."""
    problems: list[Problem] = []
    big = 10 ** limits.max_int_digits
    seen_kinds: set[str] = set()

    def add(kind: str, ptr: str, msg: str) -> None:
        if kind not in seen_kinds:
            seen_kinds.add(kind)
            problems.append((ptr, msg))

    stack: list[tuple[Any, str, int]] = [(doc, "", 1)]
    while stack:
        node, ptr, depth = stack.pop()
        if isinstance(node, _BadNumber):
            add("number:" + ptr, ptr, node.reason)
            continue
        if isinstance(node, str):
            if len(node) > limits.max_string_chars:
                add("string", ptr, f"string of {len(node)} characters is over the cap of {limits.max_string_chars} "
                                   "(max_string_chars)")
            continue
        if isinstance(node, bool) or node is None:
            continue
        if isinstance(node, int):
            if abs(node) >= big:
                add("int", ptr, f"integer is too large: |x| must be < 10**{limits.max_int_digits} (max_int_digits)")
            continue
        if isinstance(node, float):
            if not math.isfinite(node) or abs(node) >= big:
                add("float", ptr, f"number {node!r} is not finite or too large (max_int_digits)")
            continue
        if not isinstance(node, (dict, list)):
            add("type", ptr, f"unexpected value of type {type(node).__name__}")
            continue
        if depth > limits.max_depth:
            add("depth", ptr, f"nested deeper than {limits.max_depth} levels (max_depth)")
            continue
        if isinstance(node, dict):
            if isinstance(node, _DupKeys):
                add("dup:" + ptr, f"{ptr}/{esc(node.dup)}", f"duplicate key {node.dup!r} in this object")
            if len(node) > limits.max_object_keys:
                add("keys", ptr, f"object with {len(node)} keys is over the cap of {limits.max_object_keys} "
                                 "(max_object_keys)")
                continue
            for k, v in reversed(list(node.items())):
                if len(k) > limits.max_string_chars:
                    add("string", f"{ptr}/{esc(k[:40])}", "key is over the string cap (max_string_chars)")
                    continue
                stack.append((v, f"{ptr}/{esc(k)}", depth + 1))
        else:
            if len(node) > limits.max_array_len:
                add("array", ptr, f"array of {len(node)} items is over the cap of {limits.max_array_len} "
                                  "(max_array_len)")
                continue
            for i in range(len(node) - 1, -1, -1):
                stack.append((node[i], f"{ptr}/{i}", depth + 1))
    return problems


# ---- schema walking ---------------------------------------------------------------------------

_MAP_KW = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_ONE_KW = ("additionalProperties", "additionalItems", "not", "if", "then", "else", "contains", "propertyNames",
           "unevaluatedItems", "unevaluatedProperties", "contentSchema")
_LIST_KW = ("allOf", "anyOf", "oneOf", "prefixItems")
_ANNOTATIONS = frozenset({"description", "title", "default", "examples", "$comment", "deprecated", "readOnly",
                          "writeOnly"})


def subschemas(schema: Any, ptr: str) -> Iterator[tuple[Any, str]]:
    """Direct subschemas of a schema node (by keyword, so a property named "$ref" is not a ref)."""
    if not isinstance(schema, dict):
        return
    for k in _MAP_KW:
        v = schema.get(k)
        if isinstance(v, dict):
            for kk, vv in v.items():
                yield vv, f"{ptr}/{esc(k)}/{esc(kk)}"
    for k in _ONE_KW:
        if k in schema and isinstance(schema[k], (dict, bool)):
            yield schema[k], f"{ptr}/{k}"
    items = schema.get("items")
    if isinstance(items, (dict, bool)):
        yield items, f"{ptr}/items"
    elif isinstance(items, list):
        for i, s in enumerate(items):
            yield s, f"{ptr}/items/{i}"
    for k in _LIST_KW:
        v = schema.get(k)
        if isinstance(v, list):
            for i, s in enumerate(v):
                yield s, f"{ptr}/{k}/{i}"


def walk_schema(schema: Any, ptr: str) -> Iterator[tuple[dict[str, Any], str, int]]:
    """Every schema object under ``schema`` (iterative), with pointer and depth (root = 0)."""
    stack = [(schema, ptr, 0)]
    while stack:
        node, p, d = stack.pop()
        if not isinstance(node, dict):
            continue
        yield node, p, d
        stack.extend((s, sp, d + 1) for s, sp in reversed(list(subschemas(node, p))))


def check_schema_limits(schema: Any, ptr: str, limits: SpecLimits) -> list[Problem]:
    """Caps and pattern checks on one (already metaschema-valid) schema, before anything uses it."""
    problems: list[Problem] = []
    for node, p, depth in walk_schema(schema, ptr):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            problems.append((f"{p}/$ref",
                             f"remote $ref {ref!r} refused: only local refs ('#/$defs/Name') are resolved"))
        if depth and "$id" in node:
            problems.append((f"{p}/$id", "embedded '$id' resources are not supported; use '$defs' and '#/...' refs"))
        for kw in ("$dynamicRef", "$recursiveRef"):
            if kw in node:
                problems.append((f"{p}/{kw}", f"'{kw}' is not supported; use a local '$ref'"))
        for kw, cap, name in (("minLength", limits.max_min_length, "max_min_length"),
                              ("minItems", limits.max_min_items, "max_min_items"),
                              ("minContains", limits.max_min_items, "max_min_items")):
            v = node.get(kw)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v > cap:
                problems.append((f"{p}/{kw}", f"{kw} {v:g} is over the cap of {cap} ({name})"))
        pat = node.get("pattern")
        if isinstance(pat, str):
            msg = pattern_problem(pat, limits)
            if msg:
                problems.append((f"{p}/pattern", msg))
        pp = node.get("patternProperties")
        if isinstance(pp, dict):
            for k in pp:
                msg = pattern_problem(k, limits)
                if msg:
                    problems.append((f"{p}/patternProperties/{esc(k)}", msg))
    return problems


# ---- patterns ---------------------------------------------------------------------------------

_ALPHABET = "".join(chr(i) for i in range(128)) + "\u00e9\u00df\u00a0\u0663\u4e2d"
_ALL = frozenset(_ALPHABET)
_REPEATS = {_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT, *([_sre_c.POSSESSIVE_REPEAT] if hasattr(_sre_c, "POSSESSIVE_REPEAT")
                                                     else [])}
_MAXREPEAT = _sre_c.MAXREPEAT


def _cat(cat: Any, ch: str) -> bool:
    name = str(cat)
    if "DIGIT" in name:
        r = ch.isdecimal() if "UNI" in name else ch in "0123456789"
    elif "SPACE" in name:
        r = ch.isspace()
    elif "WORD" in name:
        r = ch.isalnum() or ch == "_"
    elif "LINEBREAK" in name:
        r = ch == "\n"
    else:
        r = True
    return (not r) if "NOT" in name else r


def _atom_chars(op: Any, av: Any) -> frozenset[str] | None:
    """Characters of the probe alphabet a one-character node matches (None: not a single character)."""
    if op == _sre_c.LITERAL:
        return frozenset(c for c in _ALPHABET if ord(c) == av)
    if op == _sre_c.NOT_LITERAL:
        return frozenset(c for c in _ALPHABET if ord(c) != av)
    if op == _sre_c.ANY:
        return frozenset(c for c in _ALPHABET if c != "\n")
    if op == _sre_c.IN:
        neg = any(o == _sre_c.NEGATE for o, _ in av)
        out = set()
        for c in _ALPHABET:
            hit = False
            for o, a in av:
                if (o == _sre_c.LITERAL and ord(c) == a) or (o == _sre_c.RANGE and a[0] <= ord(c) <= a[1]) \
                        or (o == _sre_c.CATEGORY and _cat(a, c)):
                    hit = True
                    break
            if hit != neg:
                out.add(c)
        return frozenset(out)
    return None


def _items(av: Any) -> list[Any]:
    return list(av.data if hasattr(av, "data") else av)


_EMPTY: frozenset[str] = frozenset()


class _Info:
    """What a regex node can match: the empty string?, its first characters, all its characters."""

    __slots__ = ("nullable", "first", "chars")

    def __init__(self, nullable: bool, first: frozenset[str], chars: frozenset[str]):
        self.nullable, self.first, self.chars = nullable, first, chars

    def then(self, nxt: "_Info") -> "_Info":
        return _Info(self.nullable and nxt.nullable, self.first | nxt.first if self.nullable else self.first,
                     self.chars | nxt.chars)


_NULL_INFO = _Info(True, _EMPTY, _EMPTY)


class _Regex:
    """Static analysis of a parsed pattern (`re._parser`), memoised per node."""

    def __init__(self, limits: SpecLimits):
        self.limits = limits
        self.memo: dict[tuple[int, int], _Info] = {}

    @staticmethod
    def body(op: Any, av: Any) -> list[Any] | None:
        if op in _REPEATS:
            return _items(av[2])
        if op == _sre_c.SUBPATTERN:
            return _items(av[-1])
        if op == getattr(_sre_c, "ATOMIC_GROUP", None):
            return _items(av)
        return None

    def node(self, op: Any, av: Any) -> _Info:
        key = (int(op), id(av))  # ops matter: LITERAL 44 and NOT_LITERAL 44 share the int
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        cs = _atom_chars(op, av)
        if cs is not None:
            info = _Info(False, cs, cs)
        elif op in _REPEATS:
            i = self.seq(_items(av[2]))
            info = _Info(av[0] == 0 or i.nullable, i.first, i.chars)
        elif op == _sre_c.BRANCH:
            infos = [self.seq(_items(b)) for b in av[1]]
            info = _Info(any(i.nullable for i in infos), _EMPTY.union(*(i.first for i in infos)),
                         _EMPTY.union(*(i.chars for i in infos)))
        elif self.body(op, av) is not None:
            info = self.seq(self.body(op, av) or [])
        elif op in (_sre_c.AT, _sre_c.ASSERT, _sre_c.ASSERT_NOT):
            info = _NULL_INFO
        else:  # group references, conditionals: assume anything
            info = _Info(True, _ALL, _ALL)
        self.memo[key] = info
        return info

    def seq(self, seq: list[Any]) -> _Info:
        return self.suffixes(seq)[0]

    def suffixes(self, seq: list[Any]) -> list[_Info]:
        """``out[i]``: what ``seq[i:]`` matches (``out[len(seq)]`` is the empty sequence)."""
        out = [_NULL_INFO] * (len(seq) + 1)
        for i in range(len(seq) - 1, -1, -1):
            out[i] = self.node(*seq[i]).then(out[i + 1])
        return out

    def ambiguous(self, seq: list[Any], follow: frozenset[str]) -> bool:
        """Inside a repetition: can a variable repeat in ``seq`` take characters that what follows
        it (``follow`` after ``seq``: the next iteration) could also start with? Then a failing
        input can be split in exponentially many ways."""
        suf = self.suffixes(seq)
        for i, (op, av) in enumerate(seq):
            nxt = suf[i + 1]
            f = nxt.first | follow if nxt.nullable else nxt.first
            if op in _REPEATS:
                body = _items(av[2])
                if av[1] > av[0] and self.seq(body).chars & f:
                    return True
                if self.ambiguous(body, f | self.seq(body).first):
                    return True
            elif op == _sre_c.BRANCH:
                alts = [_items(b) for b in av[1]]
                infos = [self.seq(b) for b in alts]
                if sum(i.nullable for i in infos) >= 2:  # '(a|a)*' parses to 'a(?:|)'
                    return True
                if any(i.nullable for i in infos) and any(i.chars & f for i in infos if not i.nullable):
                    return True  # an optional part ('(a|aa)+' parses to 'a(?:|a)') that what follows can take
                if any(infos[x].first & infos[y].first for x in range(len(infos)) for y in range(x + 1, len(infos))):
                    return True  # alternatives that start alike
                if any(self.ambiguous(b, f) for b in alts):
                    return True
            elif self.body(op, av) is not None:
                if self.ambiguous(self.body(op, av) or [], f):
                    return True
        return False

    def problem(self, seq: list[Any]) -> str | None:
        """Why the pattern can backtrack catastrophically (conservative), or None."""
        stack = [seq]
        cap = self.limits.max_pattern_repeat
        while stack:
            s = stack.pop()
            chain, prev = 0, _EMPTY
            for op, av in s:
                if op in _REPEATS:
                    lo, hi, body = av[0], av[1], _items(av[2])
                    if lo > cap or (hi != _MAXREPEAT and hi > cap):
                        return f"repeat count {{{lo},{'' if hi == _MAXREPEAT else hi}}} is over the cap of {cap} " \
                               "(max_pattern_repeat)"
                    if hi == _MAXREPEAT or hi > 4:
                        bi = self.seq(body)
                        if self.ambiguous(body, bi.first):
                            return "nested quantifiers or alternatives can backtrack catastrophically (e.g. '(a+)+', " \
                                   "'(\\w+\\s?)*', '(a|aa)+'); make each repetition end unambiguously"
                    if hi == _MAXREPEAT:  # adjacent overlapping unbounded repeats: '\d*\d*\d*'
                        cs = self.seq(body).chars
                        chain = chain + 1 if chain and prev & cs else 1
                        prev = cs
                        if chain >= 3:
                            return "three or more adjacent overlapping unbounded repeats backtrack polynomially " \
                                   "(e.g. '\\d*\\d*\\d*')"
                    elif not self.node(op, av).nullable:
                        chain = 0
                    stack.append(body)
                    continue
                if not self.node(op, av).nullable:
                    chain = 0
                if op == _sre_c.BRANCH:
                    stack.extend(_items(b) for b in av[1])
                elif op in (_sre_c.ASSERT, _sre_c.ASSERT_NOT):
                    stack.append(_items(av[1]))
                elif self.body(op, av) is not None:
                    stack.append(self.body(op, av) or [])
        return None


def _pick(cs: frozenset[str]) -> str:
    for c in "a0A _-.x":
        if c in cs:
            return c
    printable = sorted(c for c in cs if c.isprintable())
    return printable[0] if printable else (min(cs) if cs else "")


def _sample(seq: list[Any], budget: list[int]) -> str:
    """One short string the parsed sequence (roughly) matches; used to build probe strings."""
    out = []
    for op, av in seq:
        if budget[0] <= 0:
            break
        budget[0] -= 1
        cs = _atom_chars(op, av)
        if cs is not None:
            out.append(_pick(cs))
        elif op in _REPEATS:
            out.append(_sample(_items(av[2]), budget) * min(max(av[0], 1), 8))
        elif op == _sre_c.SUBPATTERN:
            out.append(_sample(_items(av[-1]), budget))
        elif op == _sre_c.BRANCH:
            out.append(_sample(_items(av[1][0]), budget))
    return "".join(out)


def _probes(seq: list[Any], out: list[tuple[str, str]], prefix: str = "") -> list[tuple[str, str]]:
    """(prefix, pump) pairs: for every repeat, a string reaching it and a sample of its body."""
    for i, (op, av) in enumerate(seq):
        if len(out) >= 24:
            break
        pre = prefix + _sample(seq[:i], [200])
        if op in _REPEATS:
            pump = _sample(_items(av[2]), [200])
            if pump:
                out.append((pre, pump))
            _probes(_items(av[2]), out, pre)
        elif op == _sre_c.SUBPATTERN:
            _probes(_items(av[-1]), out, pre)
        elif op == _sre_c.BRANCH:
            for b in av[1]:
                _probes(_items(b), out, pre)
    return out[:24]


def pattern_problem(pattern: str, limits: SpecLimits) -> str | None:
    """Why a `pattern` is refused, or None: length cap, compiles, the static
    catastrophic-backtracking check, then time-bounded probes against adversarial strings
    (a prefix reaching each repeat, its body pumped 1..40 times, then a character that fails)."""
    if len(pattern) > limits.max_pattern_chars:
        return f"pattern of {len(pattern)} characters is over the cap of {limits.max_pattern_chars} (max_pattern_chars)"
    try:
        parsed = _sre_p.parse(pattern)
        rx = re.compile(pattern)
    except (re.error, OverflowError, RecursionError, ValueError) as e:
        return f"invalid regular expression: {e}"
    seq = _items(parsed)
    try:
        msg = _Regex(limits).problem(seq)
        probes = _probes(seq, [])
    except RecursionError:
        return "regular expression nested too deeply"
    if msg:
        return f"{msg} ({pattern!r})"
    for prefix, pump in probes:
        for tail in ("\x00", "!"):
            for n in range(1, 41):
                s = prefix + pump * n + tail
                t0 = time.perf_counter()
                rx.search(s)
                if time.perf_counter() - t0 > limits.pattern_time_s:
                    t0 = time.perf_counter()  # measure again: a loaded machine can stall once
                    rx.search(s)
                    if time.perf_counter() - t0 > limits.pattern_time_s:
                        return f"matching takes over {limits.pattern_time_s:g}s on a {len(s)}-character string " \
                               f"(catastrophic backtracking; pattern_time_s) ({pattern!r})"
    return None


# ---- $ref -------------------------------------------------------------------------------------

_ROOT_URI = "urn:toolenv:spec-schema"


class _RefError(Exception):
    def __init__(self, ptr: str, msg: str):
        super().__init__(msg)
        self.ptr, self.msg = ptr, msg


def has_refs(schema: Any) -> bool:
    return any("$ref" in n for n, _, _ in walk_schema(schema, ""))


def resolve_refs(schema: Any, ptr: str, limits: SpecLimits) -> tuple[Any, dict[int, str], list[Problem]]:
    """Inline every ``$ref`` of ``schema`` (refs are resolved against this schema: ``#/$defs/X``).

    Returns ``(schema without refs, {id(node): pointer of its source}, problems)``. Only local
    refs (starting with ``#``) are followed; recursive (cyclic) refs cannot be inlined and are
    refused, as are expansions over ``max_schema_nodes`` nodes or ``max_depth`` levels."""
    from referencing import Registry
    from referencing.exceptions import Unresolvable
    from referencing.jsonschema import DRAFT202012

    ptrs: dict[int, str] = {}
    if not has_refs(schema):
        for node, p, _ in walk_schema(schema, ptr):
            ptrs[id(node)] = p
        return schema, ptrs, []
    where = {id(n): p for n, p, _ in walk_schema(schema, ptr)}
    resolver = Registry().with_resource(_ROOT_URI, DRAFT202012.create_resource(schema)).resolver(base_uri=_ROOT_URI)
    count = [0]

    def expand(node: Any, p: str, chain: tuple[str, ...], depth: int, origin: str) -> Any:
        """``chain``: pointers of the ref targets being expanded (a cycle revisits one);
        ``origin``: the outermost ``$ref`` being expanded (where size problems are reported)."""
        count[0] += 1
        if count[0] > limits.max_schema_nodes:
            raise _RefError(origin or p, f"expanding this $ref makes over {limits.max_schema_nodes} subschemas "
                                         "(max_schema_nodes)")
        if depth > limits.max_depth:
            raise _RefError(origin or p, f"expanding this $ref nests deeper than {limits.max_depth} levels (max_depth)")
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            ref = node["$ref"]
            rp = f"{p}/$ref"
            if not isinstance(ref, str):
                raise _RefError(rp, "$ref must be a string")
            if not ref.startswith("#"):
                raise _RefError(rp, f"remote $ref {ref!r} refused: only local refs ('#/$defs/Name') are resolved")
            try:
                target = resolver.lookup(ref).contents
            except Unresolvable as e:
                raise _RefError(rp, f"unresolvable $ref {ref!r}: {type(e).__name__}") from None
            except Exception as e:  # noqa: BLE001 - malformed pointers etc. are the spec's problem
                raise _RefError(rp, f"unresolvable $ref {ref!r}: {type(e).__name__}") from None
            if not isinstance(target, (dict, bool)):
                raise _RefError(rp, f"$ref {ref!r} points at a {type(target).__name__}, not a schema")
            tp = where.get(id(target), f"{ptr}{ref[1:]}")
            if tp in chain:
                loop = " -> ".join(f"#{c}" for c in (*chain[chain.index(tp):], tp))
                raise _RefError(rp, f"cyclic $ref {ref!r} ({loop}): recursive schemas are not supported")
            sub = expand(target, tp, chain + (tp,), depth + 1, origin or rp)
            rest = {k: v for k, v in node.items() if k not in ("$ref", "$defs", "definitions")}
            if not rest:
                return sub
            rest = expand(rest, p, chain, depth, origin)
            if sub is True or sub == {}:
                return rest
            if sub is False:
                return False
            if set(rest) <= _ANNOTATIONS or not set(rest) & set(sub):
                out = {**sub, **rest}
            else:
                out = {**rest, "allOf": [sub, *rest.get("allOf", [])]}
            ptrs.setdefault(id(out), p)
            return out
        out: dict[str, Any] = {}
        for k, v in node.items():
            if k in ("$defs", "definitions"):
                continue
            kp = f"{p}/{esc(k)}"
            if k in _MAP_KW and isinstance(v, dict):
                out[k] = {kk: expand(vv, f"{kp}/{esc(kk)}", chain, depth + 1, origin) for kk, vv in v.items()}
            elif (k in _ONE_KW or k == "items") and isinstance(v, (dict, bool)):
                out[k] = expand(v, kp, chain, depth + 1, origin)
            elif (k in _LIST_KW or k == "items") and isinstance(v, list):
                out[k] = [expand(s, f"{kp}/{i}", chain, depth + 1, origin) for i, s in enumerate(v)]
            else:
                out[k] = v
        ptrs[id(out)] = p
        return out

    try:
        return expand(schema, ptr, (ptr,), 0, ""), ptrs, []
    except _RefError as e:
        return None, ptrs, [(e.ptr, e.msg)]
    except RecursionError:
        return None, ptrs, [(ptr, "$ref expansion nested too deeply (max_depth)")]


# ---- what the simulator generates -------------------------------------------------------------

def value_size(schema: Any, limits: SpecLimits, memo: dict[int, int] | None = None) -> int:
    """Upper estimate of the size of a value `ValueGenerator` makes for ``schema`` (ref-free;
    docs/spec_format.md: nested ``minItems`` multiply; ``max_value_size``). ``memo`` (by node id)
    shares the work across calls on one schema."""
    memo = {} if memo is None else memo
    if not isinstance(schema, dict):
        return 1
    key = id(schema)
    if key in memo:
        return memo[key]
    cap = limits.max_value_size * 10
    memo[key] = cap  # a cycle (ref-free schemas have none) counts as too large
    n = 1
    if "const" in schema or schema.get("enum"):
        n = 64
    elif schema.get("anyOf") or schema.get("oneOf"):
        n = max(value_size(s, limits, memo) for s in (schema.get("anyOf") or schema.get("oneOf")))
    else:
        props = schema.get("properties")
        if isinstance(props, dict):
            n += sum(value_size(s, limits, memo) for s in props.values())
        items = schema.get("items")
        if schema.get("type") == "array" or items is not None:
            k = int(schema.get("minItems", 1) or 0) + 4
            if isinstance(items, list):
                n += sum(value_size(s, limits, memo) for s in items)
            else:
                n += k * value_size(items if isinstance(items, dict) else {}, limits, memo)
        n += max(int(schema.get("minLength", 0) or 0), 64)
    memo[key] = n = min(n, cap)
    return n


def _largest(schema: Any, ptr: str, ptrs: dict[int, str], limits: SpecLimits, memo: dict[int, int]) -> str:
    """Pointer of the innermost node whose generated value is over the cap."""
    node, p = schema, ptr
    while True:
        best = None
        for sub, sp in subschemas(node, p):
            if isinstance(sub, dict) and value_size(sub, limits, memo) > limits.max_value_size:
                best = (sub, ptrs.get(id(sub), sp))
                break
        if best is None:
            return f"{p}/minItems" if "minItems" in node else p
        node, p = best


def _locate(schema: Any, path: Any, ptr: str, ptrs: dict[int, str]) -> str:
    """Source pointer of the schema node at ``path`` (a jsonschema schema path) in a ref-free schema."""
    node, p, rest = schema, ptr, []
    for part in path:
        if rest or not isinstance(node, (dict, list)):
            rest.append(part)
            continue
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            rest.append(part)
            continue
        p = ptrs.get(id(node), f"{p}/{esc(part)}")
    return p + "".join(f"/{esc(x)}" for x in rest)


def _false_property(schema: Any, spath: list[Any], value: Any, ipath: list[Any]) -> list[str]:
    """jsonschema reports a ``false`` property schema without its name: find it."""
    node, inst = schema, value
    try:
        for part in spath:
            node = node[part]
        for part in ipath:
            inst = inst[part]
    except (KeyError, IndexError, TypeError):
        return []
    if isinstance(node, dict) and isinstance(inst, dict):
        return [k for k, sub in node.items() if sub is False and k in inst][:1]
    return []


def check_generated(schema: Any, ptr: str, ptrs: dict[int, str], limits: SpecLimits, *,
                    record: bool = False, response: bool = False) -> list[Problem]:
    """The simulator must be able to produce values this (ref-free) schema accepts: a size cap,
    then ``limits.samples`` values from `ValueGenerator` validated with jsonschema (formats on).
    ``record``: a collection's record schema (every property filled); ``response``: a response
    schema (built property by property, as `toolenv.simulator` answers)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    from toolenv.values import ValueGenerator

    memo: dict[int, int] = {}
    if value_size(schema, limits, memo) > limits.max_value_size:
        return [(_largest(schema, ptr, ptrs, limits, memo),
                 f"values generated for this schema would be over {limits.max_value_size} elements "
                 "(minItems/minLength multiply; max_value_size)")]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    t0 = time.perf_counter()
    for i in range(max(1, limits.samples)):
        gen = ValueGenerator(random.Random(1_000_003 * i + 17))
        try:
            props = schema.get("properties") if isinstance(schema, dict) else None
            if response and isinstance(props, dict) and props:
                # as the simulator answers: every property, generated one by one, in an object
                value = {p: gen.value(s if isinstance(s, dict) else {}, p, depth=1) for p, s in props.items()}
            elif i == 0 and isinstance(props, dict) and (record or schema.get("type") == "object"):
                value = gen.object(schema, fill_optional=1.0)
            else:
                value = gen.value(schema if isinstance(schema, dict) else {}, "", 0)
            err = best_match(validator.iter_errors(value))
        except RecursionError:
            return [(ptr, "the simulator's value generator recursed too deeply on this schema")]
        except Exception as e:  # noqa: BLE001 - the generator or validator failing is the spec's problem
            return [(ptr, f"the simulator cannot generate a value for this schema: {type(e).__name__}: {str(e)[:120]}")]
        if err is not None:
            where = "".join(f"/{esc(x)}" for x in err.absolute_path) or "/"
            spath = list(err.absolute_schema_path)
            if err.validator is None and spath and spath[-1] == "properties":
                spath += _false_property(schema, spath, value, list(err.absolute_path))
            return [(_locate(schema, spath, ptr, ptrs),
                     f"unsatisfiable for the simulator: its generated value at {where} fails: {err.message[:160]}")]
        if time.perf_counter() - t0 > limits.sample_time_s:
            return [(ptr, f"generating and validating values takes over {limits.sample_time_s:g}s (sample_time_s)")]
    return []
