"""OpenAPI 3.0 / 3.1 and Swagger 2.0 documents as toolkits.

The spec loader (`toolenv.spec.load_toolkits`) hands any document with a top-level ``openapi`` or
``swagger`` key to `load_openapi`; ``toolenv import-openapi FILE --out SPEC.json`` writes the
converted toolkit as a spec file. JSON or YAML (`read_yaml_file`: safe loader, aliases bounded,
duplicate keys refused). The mapping (docs/spec_format.md, "OpenAPI mapping"):

* one tool per operation (``paths`` x get/put/post/patch/delete); its name from ``operationId``
  (sanitised, unique) or verb + path; its description from ``summary`` / ``description``;
* the arguments: path, query, header and cookie parameters plus the request body (a JSON object
  body is merged property by property; any other body is one argument) in one object schema;
  credentials (``securitySchemes`` of type apiKey, ``Authorization``) and protocol headers are left out;
* schemas: local ``$ref`` s inlined (per-operation node budget ``max_schema_nodes``, a document
  budget, depth cap; a recursive ref is cut to ``{"type": "object"}``), OpenAPI dialect to JSON
  Schema (``nullable``, boolean ``exclusiveMinimum``, ``allOf`` merged, ``oneOf`` -> ``anyOf``);
  constraints the simulator cannot honour (patterns it cannot generate, ``not``, formats it does
  not produce, ...) are dropped, which only loosens validation;
* state: paths are grouped into resources (``/pets`` and ``/pets/{petId}``, and any other path
  whose response is the same schema): a resource with a record schema becomes a collection;
  POST on the collection path creates, GET on the item path reads, PUT/PATCH/POST on it update,
  DELETE deletes, GET on a collection path lists (``search`` when it takes a text query); the item
  path parameter is renamed to the record's id field (the name is not on the wire);
* what cannot be simulated (external or broken ``$ref``, a schema that expands past the budget,
  a parameter schema the simulator cannot satisfy, ...) skips that operation with a warning
  naming it; the rest loads. A response schema the simulator cannot produce falls back to the
  default response; a record schema it cannot produce leaves its operations stateless.

Nothing is fetched, evaluated or executed: refs outside the document are refused.
"""

from __future__ import annotations

import copy
import json
import os
import random
import re
import urllib.parse
import warnings
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from toolenv.spec_checks import (SpecLimits, check_document, default_limits, esc, pattern_problem, read_text_file,
                                  value_size, walk_schema)

YAML_SUFFIXES = (".yaml", ".yml")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
SIMULATED_METHODS = ("get", "put", "post", "delete", "patch")
_JSON_TYPES = ("string", "integer", "number", "boolean", "array", "object", "null")
_TYPE_ALIASES = {"file": "string", "int": "integer", "long": "integer", "float": "number", "double": "number",
                 "bool": "boolean", "str": "string", "dict": "object", "list": "array", "date": "string",
                 "datetime": "string", "dateTime": "string", "text": "string"}
#: formats the simulator's value generator produces (others are dropped: they only annotate)
_FORMATS = {"date", "date-time", "email", "uuid", "uri", "ipv4"}
#: request headers that belong to HTTP, not to the API
_PROTOCOL_HEADERS = {"authorization", "proxy-authorization", "accept", "accept-encoding", "accept-charset",
                     "accept-language", "content-type", "content-length", "user-agent", "host", "connection",
                     "cookie", "cache-control", "pragma", "x-requested-with", "origin", "referer"}
_LIST_WRAPPERS = {"data", "items", "results", "records", "values", "list", "content", "entries", "elements",
                  "hits", "rows", "objects", "resources", "collection"}
_ONE_WRAPPERS = {"data", "result", "item", "record", "payload", "value", "resource", "object", "response"}
_TEXT_QUERY = {"q", "query", "search", "keyword", "keywords", "term", "text", "search_term", "searchterm", "filter"}
_ACTION_WORDS = {"login", "logout", "signin", "signout", "signup", "search", "find", "upload", "download", "send",
                 "verify", "validate", "cancel", "activate", "deactivate", "reset", "refresh", "approve", "reject",
                 "execute", "trigger", "sync", "import", "export", "publish", "unpublish",
                 "archive", "unarchive", "restore", "clone", "copy", "move", "merge", "lock", "unlock", "enable",
                 "disable", "subscribe", "unsubscribe", "confirm", "submit", "ping", "calculate", "convert",
                 "translate", "query", "lookup", "check", "render", "preview", "batch", "bulk", "count", "status",
                 "health", "me", "self", "current", "info", "version", "stats", "statistics", "summary", "token",
                 "authorize", "authenticate", "auth", "oauth", "callback", "webhook", "recent", "latest", "random"}
#: schema keywords the importer may drop when the spec checks refuse them (dropping loosens validation)
#: world inference (`toolenv.infer`) runs over at most this many argument subschemas
_INFER_NODES = 20_000
#: the effects an HTTP method may have
_METHOD_ACTIONS = {"get": ("read", "list", "search"), "delete": ("delete",), "patch": ("update",),
                   "put": ("update", "create"), "post": ("create", "update", "delete", "search", "list", "read")}
_LOOSENABLE = {"pattern", "format", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
               "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems", "default", "enum", "const",
               "required", "additionalProperties"}
_WORK_FACTOR = 50  # the document's whole $ref expansion work: this many times max_schema_nodes
#: the tools' schemas of one document, inlined, are at most this many times max_schema_nodes subschemas
#: (the largest of 567 directory documents uses 1.3; a small document of $ref bombs could otherwise
#: make minutes of spec checks)
_DOC_FACTOR = 2
#: response and record schemas are kept to this many nesting levels and (about) this many subschemas:
#: deeper or further parts become unconstrained objects/arrays (the simulator answers them with a
#: generated value)
OUT_DEPTH = 6
OUT_NODES = 1000
#: argument schemas: the same, further out (an agent reads them whole; past this a tool is unwieldy)
IN_DEPTH = 10
IN_NODES = 1000


class OpenAPIWarning(UserWarning):
    """An operation of an OpenAPI document that was skipped (the rest of the document loads)."""


def is_openapi(doc: Any) -> bool:
    """An OpenAPI (``openapi``) or Swagger (``swagger``) document, not a toolkit."""
    return isinstance(doc, dict) and ("openapi" in doc or "swagger" in doc) and "tools" not in doc


# ---- reading ----------------------------------------------------------------------------------

class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int):
        super().__init__(key)
        self.key, self.line = key, line


def _yaml_loader() -> Any:
    import yaml

    base = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader

    class Loader(base):  # type: ignore[misc, valid-type]
        """The safe loader (plain data only), refusing a key repeated in one mapping."""

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                seen: set[tuple[str, str]] = set()
                for k, _ in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                        if (k.tag, k.value) in seen:
                            raise _DuplicateKey(k.value, k.start_mark.line + 1)
                        seen.add((k.tag, k.value))
            return super().construct_mapping(node, deep)

    return Loader


def decode_yaml(text: str, limits: SpecLimits) -> tuple[Any, list[tuple[str, str]]]:
    """One YAML document as plain JSON data; every failure is one problem at pointer ''.

    The safe loader builds no objects but plain data; aliases share nodes, so the document is
    copied into plain JSON data under a node budget (`plain_data`: an alias bomb is refused, not
    expanded) and the depth cap (a recursive alias nests forever)."""
    import yaml

    try:
        raw = yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as e:
        return None, [("", f"duplicate key {e.key[:60]!r} in one mapping (line {e.line})")]
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        return None, [("", f"invalid YAML{where}: {e.problem or e.context or 'parse error'}")]
    except yaml.YAMLError as e:
        return None, [("", f"invalid YAML: {' '.join(str(e).split())[:200]}")]
    except RecursionError:
        return None, [("", f"YAML nested too deeply (the cap is {limits.max_depth} levels, max_depth)")]
    except (ValueError, OverflowError, MemoryError, TypeError) as e:
        return None, [("", f"invalid YAML: {type(e).__name__}: {str(e)[:200]}")]
    return plain_data(raw, limits, len(text))


def plain_data(raw: Any, limits: SpecLimits, size: int | None = None) -> tuple[Any, list[tuple[str, str]]]:
    """Copy decoded YAML into JSON data (string keys, dates as ISO text), without recursion, under
    a node budget (twice the text's ``size`` plus 10,000, at most ``max_file_bytes``) and the depth cap."""
    size = limits.max_file_bytes if size is None else size
    import datetime

    cap = budget = min(limits.max_file_bytes, 2 * size + 10_000)  # without aliases: at most ~one node a character
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, str, int]] = [(raw, root, 0, "", 1)]
    while stack:
        node, parent, key, ptr, depth = stack.pop()
        budget -= 1
        if budget < 0:
            return None, [("", f"YAML aliases expand to over {cap} nodes; refused (an alias bomb)")]
        if isinstance(node, dict):
            if depth > limits.max_depth:
                return None, [(ptr, f"nested deeper than {limits.max_depth} levels (max_depth; a recursive YAML "
                                    "alias nests forever)")]
            out: dict[str, Any] = {}
            parent[key] = out
            for k, v in node.items():
                if isinstance(k, bool):
                    k = "true" if k else "false"
                elif k is None:
                    k = "null"
                elif isinstance(k, (datetime.date, datetime.datetime)):
                    k = k.isoformat()
                elif not isinstance(k, (str, int, float)):
                    return None, [(ptr, f"a mapping key of type {type(k).__name__} is not JSON")]
                k = str(k)
                out[k] = None
                stack.append((v, out, k, f"{ptr}/{esc(k)}", depth + 1))
        elif isinstance(node, list):
            if depth > limits.max_depth:
                return None, [(ptr, f"nested deeper than {limits.max_depth} levels (max_depth; a recursive YAML "
                                    "alias nests forever)")]
            lst: list[Any] = [None] * len(node)
            parent[key] = lst
            for i in range(len(node) - 1, -1, -1):
                stack.append((node[i], lst, i, f"{ptr}/{i}", depth + 1))
        elif isinstance(node, (datetime.date, datetime.datetime)):
            parent[key] = node.isoformat()
        elif node is None or isinstance(node, (str, bool, int, float)):
            parent[key] = node
        else:
            return None, [(ptr, f"a YAML value of type {type(node).__name__} is not JSON")]
    return root[0], []


def read_yaml_file(path: str | os.PathLike[str], limits: SpecLimits) -> tuple[Any, list[tuple[str, str]]]:
    """Read a YAML spec file as `toolenv.spec_checks.read_spec_file` reads JSON: ``(doc, problems)``."""
    text, probs = read_text_file(path, limits)
    if probs:
        return None, probs
    return decode_yaml(text or "", limits)


def read_document(path: str | os.PathLike[str], limits: SpecLimits | None = None) -> tuple[Any, list[tuple[str, str]]]:
    """A JSON or YAML (by suffix) document, with the loader's checks."""
    from toolenv.spec_checks import read_spec_file

    limits = limits or default_limits()
    if Path(path).suffix.lower() in YAML_SUFFIXES:
        return read_yaml_file(path, limits)
    return read_spec_file(path, limits)


# ---- the report -------------------------------------------------------------------------------

@dataclass
class OperationReport:
    """What became of one operation of the document."""

    method: str
    path: str
    pointer: str
    operation_id: str | None = None
    tool: str | None = None
    action: str | None = None  # effect action; None for a stateless tool
    collection: str | None = None
    skipped: str | None = None  # why it was skipped
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}" + (f" ({self.operation_id})" if self.operation_id else "")


@dataclass
class ImportResult:
    """An imported document: the toolkit (and its spec document), and what became of each operation."""

    name: str
    file: str
    version: str = ""
    title: str = ""
    document: dict[str, Any] | None = None  # the toolkit in the spec format (docs/spec_format.md)
    toolkit: Any = None  # the loaded `toolenv.spec.Toolkit`
    operations: list[OperationReport] = field(default_factory=list)
    problems: list[Any] = field(default_factory=list)  # `SpecProblem`s: the document did not load
    notes: list[str] = field(default_factory=list)

    @property
    def found(self) -> int:
        return len(self.operations)

    @property
    def converted(self) -> list[OperationReport]:
        return [o for o in self.operations if o.tool is not None]

    @property
    def skipped(self) -> list[OperationReport]:
        return [o for o in self.operations if o.skipped is not None]

    def summary_lines(self, verbose: bool = False) -> list[str]:
        lines = [f"{self.file}: {self.title or self.name} (OpenAPI {self.version or '?'}): "
                 f"{self.found} operation(s) found, {len(self.converted)} turned into tools, "
                 f"{len(self.skipped)} skipped"]
        if self.toolkit is not None:
            for c in self.toolkit.collections.values():
                ops = [f"{o.action} {o.tool}" for o in self.converted if o.collection == c.name]
                lines.append(f"  collection {c.name} (id field {c.id_field!r}): " + ", ".join(ops))
            n_less = sum(1 for o in self.converted if o.action is None)
            if n_less:
                lines.append(f"  {n_less} stateless tool(s)")
        for o in self.skipped:
            lines.append(f"  skipped {o.label}: {o.skipped}")
        if verbose:
            for o in self.converted:
                for n in o.notes:
                    lines.append(f"  note {o.label} -> {o.tool}: {n}")
        for n in self.notes:
            lines.append(f"  note: {n}")
        for p in self.problems:
            lines.append(f"  error {p}")
        return lines


# ---- helpers ----------------------------------------------------------------------------------

class _Skip(Exception):
    """This operation (or part) cannot be simulated; the message says why."""


_TAG = re.compile(r"<[^>]{0,400}>")
_MD_LINK = re.compile(r"!?\[([^\]]{0,400})\]\([^)]{0,1000}\)")


def clean_text(text: Any, limit: int = 300) -> str:
    """Plain one-line text from Markdown / HTML descriptions, at most ``limit`` characters."""
    if not isinstance(text, str):
        return ""
    t = _MD_LINK.sub(r"\1", text[:20_000])
    t = _TAG.sub(" ", t)
    t = re.sub(r"[`*_#>|]{1,3}(?=\S)|(?<=\S)[`*_]{1,3}", "", t)
    t = " ".join(t.split())
    if len(t) > limit:
        cut = t[: limit - 3]
        t = (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2:] else cut) + "..."
    return t


def _sentences(text: str, limit: int) -> str:
    out = ""
    for s in re.split(r"(?<=[.!?])\s+", text):
        if out and len(out) + len(s) + 1 > limit:
            break
        out = f"{out} {s}".strip()
    return clean_text(out, limit)


def _types(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    t = schema.get("type")
    return [t] if isinstance(t, str) else [x for x in t if isinstance(x, str)] if isinstance(t, list) else []


def _main_type(schema: Any) -> str | None:
    return next((t for t in _types(schema) if t != "null"), None)


def _fits(value: Any, types: list[str]) -> bool:
    if not types:
        return True
    for t in types:
        if t == "null" and value is None:
            return True
        if t == "boolean" and isinstance(value, bool):
            return True
        if t == "integer" and isinstance(value, int) and not isinstance(value, bool):
            return True
        if t == "integer" and isinstance(value, float) and value.is_integer():
            return True
        if t == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return True
        if t == "string" and isinstance(value, str):
            return True
        if t == "array" and isinstance(value, list):
            return True
        if t == "object" and isinstance(value, dict):
            return True
    return False


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def merge_schemas(parts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """``allOf`` as one schema: properties united, required united, types and enums intersected,
    bounds tightened; any other keyword: the later part wins (never mutates the parts)."""
    out: dict[str, Any] = {}
    for p in parts:
        if not isinstance(p, dict):
            continue
        for k, v in p.items():
            if k not in out:
                out[k] = v
            elif k == "properties" and isinstance(v, dict) and isinstance(out[k], dict):
                out[k] = {**out[k], **v}
            elif k == "required" and isinstance(v, list) and isinstance(out[k], list):
                out[k] = list(dict.fromkeys(out[k] + v))
            elif k == "type":
                a, b = _types(out), _types(p)
                both = [t for t in a if t in b or (t == "integer" and "number" in b)]
                both += [t for t in b if t == "integer" and "number" in a and t not in both]
                if both:
                    out[k] = both[0] if len(both) == 1 else both
                else:
                    del out[k]
            elif k == "enum" and isinstance(v, list) and isinstance(out[k], list):
                both = [x for x in out[k] if x in v]
                if both:
                    out[k] = both
                else:
                    del out[k]
            elif k == "description":
                continue
            elif k in ("minimum", "minLength", "minItems", "exclusiveMinimum") and _is_num(v) and _is_num(out[k]):
                out[k] = max(out[k], v)
            elif k in ("maximum", "maxLength", "maxItems", "exclusiveMaximum") and _is_num(v) and _is_num(out[k]):
                out[k] = min(out[k], v)
            else:
                out[k] = v
    if isinstance(out.get("required"), list):
        props = out.get("properties") if isinstance(out.get("properties"), dict) else {}
        req = [r for r in out["required"] if r in props]
        if req:
            out["required"] = req
        else:
            del out["required"]
    return out


def _ref_noun(ref: str) -> str:
    """The record noun of a component name: ``V3.DeparturesResponse`` -> ``departures``."""
    name = re.split(r"[.:/]", ref)[-1] or ref
    stripped = re.sub(r"(Response|Result|Results|Model|Dto|DTO|Object|Entity|Schema|Payload|Output|Info|Details?)$",
                      "", name)
    return _snake(stripped or name)


def _snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    s = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_").lower()
    return s or "items"


def _words(seg: str) -> list[str]:
    return [w.lower() for w in re.split(r"[_\-\s.]+|(?<=[a-z0-9])(?=[A-Z])", seg) if w]


def _is_param_seg(seg: str) -> bool:
    return "{" in seg and "}" in seg


_EXT = r"\.(json|xml|yaml|yml|html|htm|txt|csv|rss|atom|jsonp)"


def _param_of_seg(seg: str) -> str | None:
    """The parameter a path segment is (``{id}``, ``{id}.json``), or None."""
    m = re.fullmatch(r"\{([^{}]+)\}(" + _EXT + ")?", seg)
    return m.group(1) if m else None


def _static(seg: str) -> str:
    """A static path segment without a format extension (``box_office.json`` -> ``box_office``)."""
    return re.sub(_EXT + "$", "", seg)


def _is_action_seg(seg: str) -> bool:
    from toolenv.synth import lang

    words = _words(seg)
    if not words:
        return True
    if len(words) == 1:
        return words[0] in _ACTION_WORDS
    return words[0] in _ACTION_WORDS or lang.base_verb(words[0]) is not None


_TOOL_NAME_OK = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")


def tool_name(operation_id: Any, method: str, path: str, taken: set[str], prefix: str = "") -> str:
    """A valid, unique tool name: the sanitised ``operationId``, else verb + path."""
    base = ""
    if isinstance(operation_id, str):
        base = re.sub(r"[^A-Za-z0-9_.\-]+", "_", operation_id).strip("_.-")
    if not base:
        parts = [method.lower()]
        for seg in path.split("/"):
            if not seg:
                continue
            p = _param_of_seg(seg)
            parts.append(f"by_{p}" if p else seg)
        base = re.sub(r"[^A-Za-z0-9_.\-]+", "_", "_".join(parts if len(parts) > 1 else parts + ["root"])).strip("_.-")
    base = re.sub(r"_{2,}", "_", prefix + base)
    if not re.match(r"[A-Za-z_]", base):
        base = "op_" + base
    base = base[:64]
    name, i = base, 2
    while name in taken or not _TOOL_NAME_OK.match(name):
        suffix = f"_{i}"
        name = base[: 64 - len(suffix)] + suffix
        i += 1
    taken.add(name)
    return name


# ---- $ref resolution and the schema dialect ----------------------------------------------------

class _Schemas:
    """Local ``$ref`` lookup and OpenAPI-schema -> JSON-Schema conversion for one document.

    `convert` inlines refs with a per-call node budget (``max_schema_nodes``) and a document-wide
    work budget; expansions that hit no recursion are cached (by target and direction), so a
    ``$ref`` bomb is detected from its cached size instead of being expanded again."""

    def __init__(self, doc: dict[str, Any], limits: SpecLimits, v30: bool):
        self.doc = doc
        self.limits = limits
        self.v30 = v30
        self.cache: dict[tuple[str, str], tuple[Any, int]] = {}
        self.work = 0
        self.work_cap = _WORK_FACTOR * limits.max_schema_nodes
        self.expanded = 0  # subschemas of every converted schema, inlined
        self.max_depth = max(4, (limits.max_depth - 10) // 2)
        self.notes: Counter[str] = Counter()
        self._pattern_ok: dict[str, bool] = {}
        self._count = 0
        self._cut = False
        self._depth_cap = IN_DEPTH
        self._use_cache = True

    # -- refs --
    def lookup(self, ref: Any) -> tuple[Any, str]:
        if not isinstance(ref, str):
            raise _Skip("a $ref that is not a string")
        if not ref.startswith("#"):
            raise _Skip(f"$ref {ref[:120]!r} points outside the document (external refs are not followed)")
        frag = urllib.parse.unquote(ref[1:])
        if frag and not frag.startswith("/"):
            raise _Skip(f"$ref {ref[:120]!r}: anchors are not supported")
        node: Any = self.doc
        for part in frag.split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise _Skip(f"broken $ref {ref[:120]!r}: nothing at that pointer")
        return node, frag

    def deref(self, obj: Any, what: str) -> Any:
        """Follow the ``$ref`` chain of a non-schema object (parameter, response, body, path item)."""
        seen: set[str] = set()
        while isinstance(obj, dict) and "$ref" in obj:
            target, ptr = self.lookup(obj["$ref"])
            if ptr in seen or len(seen) > 32:
                raise _Skip(f"cyclic $ref {obj['$ref'][:120]!r} in a {what}")
            seen.add(ptr)
            obj = target
        return obj

    def ref_name(self, schema: Any) -> str | None:
        """The component name a schema refers to (following a chain of plain refs), or None."""
        name = None
        for _ in range(16):
            if not (isinstance(schema, dict) and "$ref" in schema):
                break
            try:
                schema, ptr = self.lookup(schema["$ref"])
            except _Skip:
                return name
            name = ptr.rsplit("/", 1)[-1]
            if isinstance(schema, dict) and len(schema.get("allOf") or ()) == 1 and "properties" not in schema:
                schema = schema["allOf"][0]
        return name

    def _follow(self, node: Any) -> Any:
        """``node`` with its chain of ``$ref``s followed (at most 16); raises `_Skip` on a bad ref."""
        for _ in range(16):
            if not (isinstance(node, dict) and "$ref" in node):
                break
            node, _ = self.lookup(node["$ref"])
        return node

    def shape_ref(self, schema: Any, key: str | None, is_list: bool) -> str | None:
        """The component name of the record inside a response / body schema."""
        try:
            node = self._follow(schema)
            if key is not None and isinstance(node, dict) and isinstance(node.get("properties"), dict):
                node = self._follow(node["properties"].get(key))
        except _Skip:
            return None
        if is_list:
            return self.ref_name(node.get("items")) if isinstance(node, dict) else None
        return self.ref_name(schema) if key is None else self.ref_name(self._prop_raw(schema, key))

    def _prop_raw(self, schema: Any, key: str) -> Any:
        try:
            node = self._follow(schema)
        except _Skip:
            return None
        return (node.get("properties") or {}).get(key) if isinstance(node, dict) else None

    def flag(self, schema: Any, key: str) -> bool:
        """``readOnly`` / ``writeOnly`` on a property schema (or on the schema its ref names)."""
        for _ in range(16):
            if not isinstance(schema, dict):
                return False
            if schema.get(key) is True:
                return True
            if "$ref" not in schema:
                return False
            try:
                schema, _ = self.lookup(schema["$ref"])
            except _Skip:
                return False
        return False

    # -- conversion --
    def convert(self, schema: Any, mode: str) -> Any:
        """JSON Schema (2020-12, no refs) for an OpenAPI schema; ``mode``: "in" (arguments: readOnly
        properties left out) or "out" (responses and records: writeOnly left out). Returns
        ``False`` for a schema that accepts nothing; raises `_Skip`."""
        cap_total = _DOC_FACTOR * self.limits.max_schema_nodes
        if self.expanded > cap_total:
            raise _Skip(f"the document's schemas, inlined, are over {cap_total} subschemas ({_DOC_FACTOR} x "
                        "max_schema_nodes): the operations after this point are skipped")
        caps = (IN_DEPTH, 7, 5, 3, 1) if mode == "in" else (OUT_DEPTH, 4, 2, 1)
        out: Any = False
        for cap in caps:
            self._count, self._cut, self._depth_cap, self._use_cache = 0, False, cap, cap == caps[0]
            out = self._conv(schema, mode, (), 0)
            if out is False or value_size(out, self.limits) <= self.limits.max_value_size // 2:
                break
            self.notes[f"{'argument' if mode == 'in' else 'response'} schema whose generated values would be too "
                       f"large (max_value_size) with {cap} levels: cut shallower"] += 1
        self.expanded += self._count
        return out

    def _spend(self, n: int, real: bool = True) -> None:
        self._count += n
        if real:
            self.work += n
            if self.work > self.work_cap:
                raise _Skip(f"the document's $ref expansion is over its budget ({self.work_cap} subschemas; "
                            "max_schema_nodes x {_WORK_FACTOR})".replace("{_WORK_FACTOR}", str(_WORK_FACTOR)))
        if self._count > self.limits.max_schema_nodes:
            raise _Skip(f"its schemas expand to over {self.limits.max_schema_nodes} subschemas after inlining "
                        "$refs (max_schema_nodes)")

    def _conv(self, node: Any, mode: str, stack: tuple[str, ...], depth: int) -> Any:
        self._spend(1)
        if node is True or node is None:
            return {}
        if node is False:
            return False
        if not isinstance(node, dict):
            raise _Skip(f"a schema is a {type(node).__name__}, not an object")
        if depth > self.max_depth:
            self.notes["schema nested deeper than the depth cap: the rest left unconstrained"] += 1
            return {}
        if depth > 0 and (depth > self._depth_cap or self._count > (IN_NODES if mode == "in" else OUT_NODES)):
            return self._stub(node, mode)
        if "$dynamicRef" in node or "$recursiveRef" in node:
            raise _Skip("$dynamicRef / $recursiveRef are not supported")
        if "$ref" in node:
            return self._conv_ref(node, mode, stack, depth)
        return self._conv_plain(node, mode, stack, depth)

    def _stub(self, node: dict[str, Any], mode: str) -> dict[str, Any]:
        """A part past `OUT_DEPTH` / `OUT_NODES` (`IN_DEPTH` / `IN_NODES` for arguments): its type only
        (not cached: it depends on where the schema is used)."""
        self._cut = True
        if mode == "out":
            self.notes[f"large response schema: parts nested deeper than {OUT_DEPTH} levels (or past "
                       f"{OUT_NODES} subschemas) left unconstrained"] += 1
        else:
            self.notes[f"large argument schema: parts nested deeper than {IN_DEPTH} levels (or past "
                       f"{IN_NODES} subschemas) left unconstrained"] += 1
        target = node
        try:
            if "$ref" in node:
                target = self.deref(node, "schema")
        except _Skip:
            return {}
        t = _main_type(target) if isinstance(target, dict) else None
        if t is None and isinstance(target, dict):
            t = "object" if "properties" in target else "array" if "items" in target else None
        return {"type": t} if t in _JSON_TYPES and t != "null" else {}

    def _conv_ref(self, node: dict[str, Any], mode: str, stack: tuple[str, ...], depth: int) -> Any:
        target, ptr = self.lookup(node["$ref"])
        if ptr in stack:  # recursion: cut here
            self._cut = True
            self.notes["recursive $ref cut (the inner occurrence is an unconstrained object)"] += 1
            t = _main_type(target) if isinstance(target, dict) else None
            if t is None and isinstance(target, dict) and "properties" in target:
                t = "object"
            out: dict[str, Any] = {"type": t} if t in ("object", "array") else {}
            d = clean_text(target.get("description"), 200) if isinstance(target, dict) else ""
            if d:
                out["description"] = d
            return out
        key = (ptr, mode)
        hit = self.cache.get(key) if self._use_cache else None
        if hit is not None and self._count + hit[1] > (IN_NODES if mode == "in" else OUT_NODES):
            hit = None  # past the cut: expand it again, so that the cut applies
        if hit is not None:
            sub, size = hit
            self._spend(size, real=False)
        else:
            outer_cut, self._cut = self._cut, False
            n0 = self._count
            sub = self._conv(target, mode, stack + (ptr,), depth)
            if not self._cut and self._use_cache:
                self.cache[key] = (sub, self._count - n0)
            self._cut = self._cut or outer_cut
        rest = {k: v for k, v in node.items() if k != "$ref"}
        if not rest or sub is False:
            return sub
        if self.v30:  # OpenAPI 3.0 / Swagger: siblings of a $ref are ignored, but for its description
            rest = {k: v for k, v in rest.items() if k in ("description", "title")}
        extra = self._conv_plain(rest, mode, stack, depth)
        if extra is False:
            return False
        if set(extra) <= {"description"}:
            return {**sub, **extra} if extra else sub
        # 3.1: siblings constrain the target too (allOf); listed first for the description, last to win
        return merge_schemas([extra, sub, extra])

    def _conv_plain(self, node: dict[str, Any], mode: str, stack: tuple[str, ...], depth: int) -> Any:
        out: dict[str, Any] = {}
        nullable = node.get("nullable") is True or node.get("x-nullable") is True
        t = node.get("type")
        raw_types = [t] if isinstance(t, str) else [x for x in t if isinstance(x, str)] if isinstance(t, list) else []
        types: list[str] = []
        for x in raw_types:
            x = _TYPE_ALIASES.get(x, x)
            if x in _JSON_TYPES and x not in types:
                types.append(x)
            elif x not in _JSON_TYPES:
                self.notes[f"unknown type {str(x)[:40]!r} dropped"] += 1
        if nullable and types and "null" not in types:
            types.append("null")
        if types:
            out["type"] = types[0] if len(types) == 1 else types
        desc = node.get("description") if isinstance(node.get("description"), str) else node.get("title")
        d = clean_text(desc, 300)
        if d:
            out["description"] = d
        props = node.get("properties")
        if isinstance(props, dict):
            op: dict[str, Any] = {}
            for k, v in props.items():
                if mode == "in" and self.flag(v, "readOnly") or mode == "out" and self.flag(v, "writeOnly"):
                    continue
                sub = self._conv(v, mode, stack, depth + 1)
                if sub is not False:
                    op[k] = sub
            out["properties"] = op
            req = node.get("required")
            if isinstance(req, list):
                r = [x for x in dict.fromkeys(x for x in req if isinstance(x, str)) if x in op]
                if r:
                    out["required"] = r
        ap = node.get("additionalProperties")
        if isinstance(ap, bool):
            out["additionalProperties"] = ap
        elif isinstance(ap, dict):
            sub = self._conv(ap, mode, stack, depth + 1)
            out["additionalProperties"] = sub if sub is not False else False
        items = node.get("items")
        if isinstance(items, list):  # draft-4 tuple form: the first item's schema
            items = items[0] if items else None
        if isinstance(items, (dict, bool)):
            sub = self._conv(items, mode, stack, depth + 1)
            if sub is not False:
                out["items"] = sub
            else:
                out["maxItems"] = 0
        if "type" not in out:
            if "properties" in out or "additionalProperties" in out:
                out["type"] = "object"
            elif "items" in out:
                out["type"] = "array"
        types = _types(out)
        enum = node.get("enum")
        if isinstance(enum, list):
            vals, seen = [], set()
            for v in enum:
                k = json.dumps(v, sort_keys=True, default=str)
                if _fits(v, types) and k not in seen and (v is not None or not types or "null" in types):
                    seen.add(k)
                    vals.append(v)
            if vals:
                out["enum"] = vals
            elif enum:
                self.notes["enum whose values do not match its type dropped"] += 1
        if "const" in node and _fits(node["const"], types):
            out["const"] = node["const"]
        for kw in ("minLength", "maxLength", "minItems", "maxItems"):
            if _is_count(node.get(kw)):
                out[kw] = node[kw]
        for lo, hi in (("minLength", "maxLength"), ("minItems", "maxItems")):
            if lo in out and hi in out and out[lo] > out[hi]:
                del out[lo], out[hi]
        if node.get("uniqueItems") is True:
            out["uniqueItems"] = True
        for kw in ("minimum", "maximum"):
            if _is_num(node.get(kw)):
                out[kw] = node[kw]
        for ex, kw in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            v = node.get(ex)
            if v is True and kw in out:
                out[ex] = out.pop(kw)
            elif _is_num(v):
                out[ex] = v
        lo = out.get("minimum", out.get("exclusiveMinimum"))
        hi = out.get("maximum", out.get("exclusiveMaximum"))
        if lo is not None and hi is not None and lo > hi:
            for kw in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                out.pop(kw, None)
            self.notes["minimum > maximum: bounds dropped"] += 1
        mult = node.get("multipleOf")
        if isinstance(mult, int) and not isinstance(mult, bool) and mult > 0 and _main_type(out) == "integer":
            out["multipleOf"] = mult
        elif mult is not None:
            self.notes["multipleOf dropped"] += 1
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt in _FORMATS and _main_type(out) in (None, "string"):
            out["format"] = fmt
        pat = node.get("pattern")
        if isinstance(pat, str) and "format" not in out and _main_type(out) in (None, "string") and "enum" not in out:
            if self.pattern_ok(pat):
                out["pattern"] = pat
            else:
                self.notes["pattern the simulator cannot generate dropped"] += 1
        if "default" in node and self._default_ok(node["default"], out):
            out["default"] = node["default"]
        for kw in ("not", "if", "then", "else", "patternProperties", "dependencies", "dependentSchemas",
                   "dependentRequired", "propertyNames", "unevaluatedProperties", "unevaluatedItems", "contains",
                   "minProperties", "maxProperties", "prefixItems"):
            if kw in node:
                self.notes[f"{kw!r} dropped (not simulated)"] += 1
        all_of = node.get("allOf")
        if isinstance(all_of, list) and all_of:
            parts = []
            for s in all_of:
                sub = self._conv(s, mode, stack, depth)
                if sub is False:
                    return False
                parts.append(sub)
            d0 = out.pop("description", None)
            out = merge_schemas([*parts, out])
            if d0:
                out["description"] = d0
        alts = node.get("anyOf") if isinstance(node.get("anyOf"), list) else node.get("oneOf")
        if isinstance(alts, list) and alts:
            branches = []
            for s in alts:
                sub = self._conv(s, mode, stack, depth + 1)
                if sub is not False:
                    branches.append(sub)
            if not branches:
                return False
            structural = {k: v for k, v in out.items() if k != "description"}
            if structural:
                # constraint-only branches (e.g. anyOf of `required` lists) are dropped; otherwise the
                # object's own keywords go into every branch (the generator picks one branch)
                if all(set(b) <= {"required", "description", "title"} for b in branches):
                    branches = []
                else:
                    branches = [merge_schemas([structural, b]) for b in branches]
            if len(branches) == 1:
                out = {**branches[0], **({"description": out["description"]} if "description" in out else {})}
            elif branches:
                out = {"anyOf": branches, **({"description": out["description"]} if "description" in out else {})}
        return out

    def _default_ok(self, value: Any, schema: dict[str, Any]) -> bool:
        from jsonschema import Draft202012Validator

        try:
            return Draft202012Validator(schema).is_valid(value)
        except Exception:  # noqa: BLE001 - an odd schema: no default
            return False

    def pattern_ok(self, pattern: str) -> bool:
        """Safe (`pattern_problem`) and generable: the simulator's generator must produce matches."""
        ok = self._pattern_ok.get(pattern)
        if ok is None:
            ok = False
            if pattern_problem(pattern, self.limits) is None:
                from toolenv.values import ValueGenerator

                try:
                    rx = re.compile(pattern)
                    ok = all(rx.search(ValueGenerator(random.Random(i)).from_pattern(pattern)) for i in range(4))
                except (re.error, RecursionError, ValueError):
                    ok = False
            self._pattern_ok[pattern] = ok
        return ok


# ---- operations -------------------------------------------------------------------------------

@dataclass
class _Op:
    report: OperationReport
    method: str
    path: str
    raw: dict[str, Any]
    props: dict[str, Any]
    required: list[str]
    origin: dict[str, str]  # argument -> "path" | "query" | "header" | "cookie" | "body"
    response: dict[str, Any] | None  # converted response schema (before it is shaped into an object)
    resp_kind: str | None  # "list" | "one" | None
    resp_record: dict[str, Any] | None
    resp_key: str | None  # wrapper property holding the record / list
    resp_ref: str | None
    body_record: dict[str, Any] | None  # a flattened object body
    body_ref: str | None
    item: bool  # the path ends with a parameter
    id_seg: str | None  # that parameter's name
    cpath: str  # the collection path: the path less its last parameter
    description: str = ""
    tool: str = ""
    action: str | None = None
    collection: str | None = None
    id_param: str | None = None


class _Importer:
    def __init__(self, doc: dict[str, Any], file: str, name: str, limits: SpecLimits, prefix: str = ""):
        self.doc = doc
        self.file = file
        self.name = name
        self.limits = limits
        self.prefix = prefix
        self.result = ImportResult(name=name, file=file)
        self.collections: dict[str, dict[str, Any]] = {}
        self.v2 = False

    # -- entry --
    def run(self) -> ImportResult:
        from toolenv.spec import SpecProblem

        res = self.result
        doc = self.doc
        # the caps, but for long strings: descriptions and examples are cut or dropped by the
        # conversion, and every converted tool is checked with the caps as they are
        raw_limits = self.limits.replace(max_string_chars=max(self.limits.max_string_chars, self.limits.max_file_bytes))
        for ptr, msg in check_document(doc, raw_limits):
            res.problems.append(SpecProblem(self.file, ptr, msg))
        if res.problems:
            return res
        if "swagger" in doc:
            v = str(doc.get("swagger"))
            if not re.fullmatch(r"2(\.0)?(\.\d+)?", v):
                res.problems.append(SpecProblem(self.file, "/swagger", f"unsupported Swagger version {v[:20]!r} "
                                                                        "(2.0, or OpenAPI 3.0 / 3.1)"))
                return res
            v30, self.v2 = True, True
        else:
            v = str(doc.get("openapi"))
            if not re.fullmatch(r"3\.[01](\.\d+)?(-rc\d+)?", v):
                res.problems.append(SpecProblem(self.file, "/openapi", f"unsupported OpenAPI version {v[:20]!r} "
                                                                        "(3.0, 3.1, or Swagger 2.0)"))
                return res
            v30, self.v2 = v.startswith("3.0"), False
        res.version = v
        info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
        res.title = clean_text(info.get("title"), 120)
        paths = doc.get("paths")
        if isinstance(doc.get("webhooks"), dict) and doc["webhooks"]:
            res.notes.append(f"{len(doc['webhooks'])} webhook(s) ignored: the API calls them, an agent does not")
        if paths is not None and not isinstance(paths, dict):
            res.problems.append(SpecProblem(self.file, "/paths", "'paths' must be an object"))
            return res
        n_ops = sum(1 for item in (paths or {}).values() if isinstance(item, dict)
                    for m in SIMULATED_METHODS if m in item)
        if n_ops > self.limits.max_tools:
            res.problems.append(SpecProblem(self.file, "/paths", f"{n_ops} operations: more than {self.limits.max_tools} "
                                                                  "tools (max_tools)"))
            return res
        self.schemas = _Schemas(doc, self.limits, v30)
        self.secrets = self._credentials()
        ops = self._operations(paths or {})
        if not res.operations:
            res.problems.append(SpecProblem(self.file, "/paths", "no operations: nothing to turn into tools"))
            return res
        self._resources(ops)
        self._build(ops)
        if not res.converted:
            reasons = "; ".join(f"{o.label}: {o.skipped}" for o in res.skipped[:3])
            res.problems.append(SpecProblem(self.file, "/paths", f"none of the {res.found} operation(s) could be "
                                                                  f"turned into a tool ({reasons})"))
        for note, n in sorted(self.schemas.notes.items()):
            res.notes.append(f"{note}" + (f" (x{n})" if n > 1 else ""))
        return res

    def _credentials(self) -> set[tuple[str, str]]:
        """(name, location) of apiKey security schemes: credentials, not arguments."""
        out: set[tuple[str, str]] = set()
        doc = self.doc
        schemes = doc.get("securityDefinitions") if self.v2 else (doc.get("components") or {}).get("securitySchemes") \
            if isinstance(doc.get("components"), dict) else None
        if isinstance(schemes, dict):
            for s in schemes.values():
                try:
                    s = self.schemas.deref(s, "security scheme")
                except _Skip:
                    continue
                if isinstance(s, dict) and s.get("type") == "apiKey" and isinstance(s.get("name"), str):
                    out.add((s["name"].lower(), str(s.get("in", "")).lower()))
        return out

    # -- operations --
    def _operations(self, paths: dict[str, Any]) -> list[_Op]:
        ops: list[_Op] = []
        for path, item in paths.items():
            if not isinstance(path, str) or not path.startswith("/"):
                continue
            pptr = f"/paths/{esc(path)}"
            try:
                item = self.schemas.deref(item, "path item")
            except _Skip as e:
                self.result.operations.append(OperationReport("*", path, pptr, skipped=str(e)))
                continue
            if not isinstance(item, dict):
                continue
            for method in METHODS:
                if method not in item:
                    continue
                raw = item[method]
                rep = OperationReport(method, path, f"{pptr}/{method}",
                                      operation_id=raw.get("operationId") if isinstance(raw, dict) and
                                      isinstance(raw.get("operationId"), str) else None)
                self.result.operations.append(rep)
                if method not in SIMULATED_METHODS:
                    rep.skipped = f"{method.upper()} operations are not simulated"
                    continue
                if not isinstance(raw, dict):
                    rep.skipped = "the operation is not an object"
                    continue
                try:
                    ops.append(self._operation(rep, method, path, item, raw))
                except _Skip as e:
                    rep.skipped = str(e)
                except RecursionError:
                    rep.skipped = "nested too deeply to convert"
        return ops

    def _operation(self, rep: OperationReport, method: str, path: str, item: dict[str, Any],
                   raw: dict[str, Any]) -> _Op:
        sc = self.schemas
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for plist in (item.get("parameters"), raw.get("parameters")):
            if plist is None:
                continue
            if not isinstance(plist, list):
                raise _Skip("'parameters' is not a list")
            for p in plist:
                p = sc.deref(p, "parameter")
                if not isinstance(p, dict):
                    raise _Skip("a parameter is not an object")
                name, loc = p.get("name"), p.get("in")
                if not isinstance(name, str) or not name or loc not in ("path", "query", "header", "cookie", "body",
                                                                       "formData"):
                    raise _Skip(f"malformed parameter (name {str(name)[:40]!r}, in {str(loc)[:20]!r})")
                merged[(name, loc)] = p
        for seg in path.split("/"):
            for pname in re.findall(r"\{([^{}]+)\}", seg):
                if (pname, "path") not in merged:
                    merged[(pname, "path")] = {"name": pname, "in": "path", "required": True, "type": "string"}
                    rep.notes.append(f"path parameter {pname!r} is not declared: a string")
        props: dict[str, Any] = {}
        required: list[str] = []
        origin: dict[str, str] = {}
        body: tuple[Any, bool, str] | None = None  # (raw schema, required, argument name when not flattened)
        for (name, loc), p in merged.items():
            if loc == "body":
                body = (p.get("schema"), p.get("required") is True, name)
                continue
            if loc in ("header", "cookie") and name.lower() in _PROTOCOL_HEADERS:
                rep.notes.append(f"{loc} {name!r} left out (protocol)")
                continue
            if (name.lower(), loc) in self.secrets:
                rep.notes.append(f"credential {loc} parameter {name!r} left out")
                continue
            schema = self._param_schema(p)
            if schema is False:
                raise _Skip(f"parameter {name!r} accepts no value")
            d = clean_text(p.get("description"), 300)
            if d:
                schema = {**schema, "description": d}
            key = name if name not in props else f"{loc}_{name}"
            if key in props:
                raise _Skip(f"two parameters named {name!r}")
            props[key] = schema
            origin[key] = "body" if loc == "formData" else loc
            if loc == "path" or p.get("required") is True:
                required.append(key)
        if not self.v2 and raw.get("requestBody") is not None:
            rb = sc.deref(raw["requestBody"], "request body")
            if not isinstance(rb, dict):
                raise _Skip("the request body is not an object")
            media = self._media(rb.get("content"))
            if media is not None:
                mtype, m = media
                schema = m.get("schema") if isinstance(m, dict) else None
                if schema is None and "json" not in mtype:
                    schema = {"type": "string", "description": f"the request body ({mtype})"}
                if schema is not None:
                    body = (schema, rb.get("required") is True, "body")
        body_record = body_ref = None
        if body is not None and body[0] is not None:
            bschema = sc.convert(body[0], "in")
            if bschema is False:
                raise _Skip("the request body accepts no value")
            bprops = bschema.get("properties") if isinstance(bschema, dict) else None
            flat = (isinstance(bprops, dict) and bprops and _main_type(bschema) in (None, "object")
                    and "anyOf" not in bschema and not set(bprops) & set(props))
            if flat:
                for k, v in bprops.items():
                    props[k] = v
                    origin[k] = "body"
                if body[1]:
                    required += [r for r in bschema.get("required", []) if r in bprops]
                body_record = bschema
                body_ref = sc.ref_name(body[0])
            else:
                bname = body[2] if body[2] not in props else "request_body"
                if bname in props:
                    raise _Skip("the request body's argument name is taken")
                d = clean_text(bschema.get("description"), 300) or "the request body"
                props[bname] = {**bschema, "description": d}
                origin[bname] = "body"
                if body[1]:
                    required.append(bname)
        elif body is not None:
            raise _Skip("a body parameter without a schema")
        response, kind, record, key, rref = self._response(raw)
        segs = [s for s in path.split("/") if s]
        last = segs[-1] if segs else ""
        id_seg = _param_of_seg(last) if segs else None
        # an item path whose GET answers a list (``/repositories/{owner}``) lists, filtered by that parameter
        coll_seg = next((_static(x) for x in reversed(segs[:-1]) if not _is_param_seg(x)), "")
        item_op = (id_seg is not None and id_seg in props and not (method == "get" and kind == "list")
                   and isinstance(props[id_seg], dict) and "enum" not in props[id_seg]  # an enumerated value selects
                   and _main_type(props[id_seg]) in (None, "string", "integer")
                   and not (coll_seg and _is_action_seg(coll_seg)))  # /search/{term} is no record
        cpath = "/" + "/".join(segs[:-1]) if item_op else path
        summary = clean_text(raw.get("summary"), 200)
        desc = clean_text(raw.get("description"), 2000)
        if summary and desc and not desc.lower().startswith(summary.lower().rstrip(".")):
            text = f"{summary.rstrip('.')}. {_sentences(desc, 400 - len(summary))}"
        else:
            text = summary or _sentences(desc, 400)
        text = text or f"{method.upper()} {path}"
        return _Op(report=rep, method=method, path=path, raw=raw, props=props, required=list(dict.fromkeys(required)),
                   origin=origin, response=response, resp_kind=kind, resp_record=record, resp_key=key,
                   resp_ref=rref, body_record=body_record, body_ref=body_ref, item=item_op,
                   id_seg=id_seg if item_op else None, cpath=cpath, description=text)

    def _param_schema(self, p: dict[str, Any]) -> Any:
        sc = self.schemas
        if "schema" in p:
            return sc.convert(p["schema"], "in")
        if "content" in p and not self.v2:
            media = self._media(p.get("content"))
            if media is not None and isinstance(media[1], dict) and "schema" in media[1]:
                return sc.convert(media[1]["schema"], "in")
            return {"type": "string"}
        like = {k: v for k, v in p.items() if k not in ("name", "in", "required", "description", "collectionFormat",
                                                        "allowEmptyValue", "style", "explode", "allowReserved",
                                                        "example", "examples", "deprecated")}
        if not like:
            return {"type": "string"}
        return sc.convert(like, "in")

    @staticmethod
    def _media(content: Any) -> tuple[str, Any] | None:
        if not isinstance(content, dict) or not content:
            return None
        keys = [k for k in content if isinstance(k, str)]
        for test in (lambda k: k.split(";")[0].strip() == "application/json", lambda k: "json" in k,
                     lambda k: k.startswith("application/x-www-form-urlencoded"),
                     lambda k: k.startswith("multipart/form-data"), lambda k: k == "*/*", lambda k: True):
            for k in keys:
                if test(k):
                    return k, content[k]
        return None

    def _response(self, raw: dict[str, Any]) -> tuple[Any, str | None, Any, str | None, str | None]:
        """(converted success response schema or None, "list"/"one"/None, record schema, wrapper key, ref name)."""
        sc = self.schemas
        responses = raw.get("responses")
        if not isinstance(responses, dict):
            return None, None, None, None, None
        codes = [str(c) for c in responses]
        pick = next((c for c in ("200", "201", "2XX", "2xx", "202", "203", "206") if c in codes), None)
        pick = pick or next((c for c in codes if re.fullmatch(r"2\d\d", c) and c != "204"), None)
        if pick is None:
            return None, None, None, None, None
        r = sc.deref(responses[pick] if pick in responses else responses[int(pick)], "response")
        if not isinstance(r, dict):
            return None, None, None, None, None
        if self.v2:
            rs = r.get("schema")
        else:
            media = self._media(r.get("content"))
            rs = media[1].get("schema") if media is not None and isinstance(media[1], dict) else None
        if rs is None:
            return None, None, None, None, None
        conv = sc.convert(rs, "out")
        if conv is False or not isinstance(conv, dict):
            return None, None, None, None, None
        kind, record, key = _record_shape(conv)
        rref = sc.shape_ref(rs, key, kind == "list") if kind else None
        return conv, kind, record, key, rref

    # -- resources ------------------------------------------------------------------------
    def _resources(self, ops: list[_Op]) -> None:
        """Group operations into collections and give each its effect."""
        from toolenv.synth import lang

        groups: dict[str, list[_Op]] = {}
        for o in ops:
            groups.setdefault(o.cpath, []).append(o)
        # each group's record: (schema candidates, ref name)
        info: dict[str, tuple[list[dict[str, Any]], str | None]] = {}
        for cpath, g in groups.items():
            cands: list[tuple[int, dict[str, Any], str | None]] = []
            for o in g:
                if o.item and o.method == "get" and o.resp_kind == "one":
                    cands.append((0, o.resp_record, o.resp_ref))
                elif not o.item and o.method == "get" and o.resp_kind == "list":
                    cands.append((1, o.resp_record, o.resp_ref))
                elif o.method in ("put", "patch", "post") and o.resp_kind == "one" and (o.item or o.method == "post"):
                    cands.append((2, o.resp_record, o.resp_ref))
                if o.method in ("post", "put", "patch") and o.body_record is not None:
                    cands.append((3, o.body_record, o.body_ref))
            cands.sort(key=lambda c: c[0])
            ref = next((c[2] for c in cands if c[2]), None)
            info[cpath] = ([c[1] for c in cands if isinstance(c[1], dict)], ref)
        # the home group of each record ref: the one with item operations, else the shortest path
        home: dict[str, str] = {}
        for cpath in sorted(groups, key=lambda c: (not any(o.item for o in groups[c]), len(c), c)):
            ref = info[cpath][1]
            if ref and ref not in home:
                home[ref] = cpath
        merged: dict[str, list[str]] = {}
        for cpath in groups:
            ref = info[cpath][1]
            h = home.get(ref, cpath) if ref else cpath
            merged.setdefault(h, []).append(cpath)
        used_names: set[str] = set()
        for h, members in merged.items():
            ops_h = [o for c in members for o in groups[c]]
            cands = [s for c in [h] + [m for m in members if m != h] for s in info[c][0]]
            has_item = any(o.item and o.method != "post" for o in ops_h)  # a POST on an item alone is an action
            has_list = any(o.method == "get" and not o.item and o.resp_kind == "list" for o in ops_h)
            last = next((_static(s) for s in reversed(h.split("/")) if s and not _is_param_seg(s)), "")
            creates = [o for o in ops_h if o.method == "post" and not o.item and o.cpath == h and last
                       and not _is_action_seg(last) and (o.resp_kind == "one" or o.body_record is not None)]
            if not (has_item or has_list or (creates and len(ops_h) > 1)):
                continue
            record = self._record(cands, ops_h)
            if record is None:
                continue
            ref = info[h][1]
            base = _ref_noun(ref) if ref and (not last or _is_action_seg(last)) else _snake(last) if last else "items"
            cname = lang.plural(base.replace("_", " ")).replace(" ", "_")
            if cname in used_names:
                i = 2
                while f"{cname}_{i}" in used_names:
                    i += 1
                cname = f"{cname}_{i}"
            id_field, record = self._id_field(record, cname, [o for o in ops_h if o.item and o.cpath == h])
            if id_field is None:
                continue
            used_names.add(cname)
            self.collections[cname] = {"id_field": id_field, "schema": record, "initial": 10}
            self._group_ops = ops_h
            for o in ops_h:
                self._effect(o, cname, id_field, home_cpath=h)

    def _record(self, cands: list[dict[str, Any]], ops_h: list[_Op]) -> dict[str, Any] | None:
        objs = [c for c in cands if isinstance(c.get("properties"), dict) and c["properties"]]
        if not objs:
            ids = [o for o in ops_h if o.item]
            if not ids:
                return None
            return {"type": "object", "properties": {}}
        props: dict[str, Any] = {}
        for c in objs:
            for k, v in c["properties"].items():
                props.setdefault(k, v)
        props.pop("error", None)  # see `_without_error`
        rec: dict[str, Any] = {"type": "object", "properties": props}
        req = [r for r in objs[0].get("required", []) if r in props]
        if req:
            rec["required"] = req
        if "description" in objs[0]:
            rec["description"] = objs[0]["description"]
        return rec

    def _id_field(self, record: dict[str, Any], cname: str, item_ops: list[_Op]) -> tuple[str | None, dict[str, Any]]:
        from toolenv.synth import lang

        props = record["properties"]
        segs = Counter(o.id_seg for o in item_ops if o.id_seg)
        seg = segs.most_common(1)[0][0] if segs else None
        single = lang.singular(cname.replace("_", " ")).replace(" ", "_")
        cands = ([seg] if seg else []) + ["id", f"{single}_id", f"{single}Id", "uuid", "key", "slug", "code"]
        if seg:
            cands += [re.sub(r"(?i)^" + re.escape(single) + r"_?", "", seg) or "id"]
        for c in cands:
            s = props.get(c)
            if isinstance(s, dict) and _main_type(s) in ("string", "integer"):
                return c, {**record, "properties": {**props, c: _id_schema(s)}}
        new = seg or "id"
        if new in props:
            return None, record
        id_s: dict[str, Any] = {"type": "string"}
        if seg:
            for o in item_ops:
                s = o.props.get(seg)
                if isinstance(s, dict) and _main_type(s) in ("string", "integer"):
                    id_s = _id_schema(s)
                    break
        return new, {**record, "properties": {**props, new: {**id_s, "description": f"unique identifier of the "
                                                              f"{single.replace('_', ' ')}"}}}

    def _effect(self, o: _Op, cname: str, id_field: str, home_cpath: str) -> None:
        rec_schema = self.collections[cname]["schema"]
        m = o.method
        action = None
        if o.item:
            seg = o.id_seg or ""
            if o.cpath != home_cpath and seg != id_field:
                return
            if seg != id_field and seg in rec_schema["properties"]:
                return  # looked up by another field than the id: stateless
            if m == "post" and not any(x.item and x.method != "post" and x.cpath == o.cpath for x in self._group_ops):
                return
            action = {"get": "read", "put": "update", "patch": "update", "post": "update", "delete": "delete"}[m]
            if seg != id_field:
                if id_field in o.props and o.origin.get(id_field) == "body":
                    del o.props[id_field]
                    o.required = [r for r in o.required if r != id_field]
                    o.report.notes.append(f"body field {id_field!r} left out: the path's {seg!r} names the record")
                if id_field in o.props:
                    return
                o.props = {(id_field if k == seg else k): v for k, v in o.props.items()}
                o.required = [id_field if r == seg else r for r in o.required]
                o.origin[id_field] = o.origin.pop(seg, "path")
                o.report.notes.append(f"path parameter {seg!r} is named {id_field!r} (the record's id field)")
            d = o.props[id_field].get("description") if isinstance(o.props[id_field], dict) else None
            o.props[id_field] = {**_id_schema(rec_schema["properties"][id_field]), **({"description": d} if d else {})}
        elif m == "get" and o.resp_kind == "list":
            words = set(_words(_static(o.path.rsplit("/", 1)[-1])))
            text = any(p.lower() in _TEXT_QUERY for p in o.props)
            action = "search" if text or words & {"search", "find", "lookup", "query"} else "list"
        elif m == "post" and o.cpath == home_cpath and (o.resp_kind == "one" or o.body_record is not None):
            last = _static(o.path.rstrip("/").rsplit("/", 1)[-1])
            if _is_action_seg(last):
                return
            action = "create"
        elif m in ("put", "patch", "delete") and id_field in o.props:
            action = "update" if m != "delete" else "delete"
            if id_field not in o.required:
                o.required.append(id_field)
            d = o.props[id_field].get("description") if isinstance(o.props[id_field], dict) else None
            o.props[id_field] = {**_id_schema(rec_schema["properties"][id_field]), **({"description": d} if d else {})}
        if action is None:
            return
        o.action, o.collection = action, cname
        if action in ("read", "update", "delete"):
            o.id_param = id_field

    # -- tools ----------------------------------------------------------------------------
    def _build(self, ops: list[_Op]) -> None:
        from toolenv.spec import Effect, Toolkit

        res = self.result
        taken: set[str] = set()
        for o in ops:
            o.tool = tool_name(o.raw.get("operationId"), o.method, o.path, taken, self.prefix)
        # collections first: a record schema the simulator cannot produce leaves its tools stateless
        colls: dict[str, Any] = {}
        for cname, c in list(self.collections.items()):
            c = self.collections[cname] = copy.deepcopy(c)
            doc = {"name": self.name, "collections": {cname: c}, "tools": []}
            tks, why = self._check(doc, f"/collections/{esc(cname)}")
            if tks is None or cname not in tks[0].collections:
                del self.collections[cname]
                res.notes.append(f"resource {cname!r} left stateless: {why}")
                for o in ops:
                    if o.collection == cname:
                        o.action = o.collection = o.id_param = None
                continue
            colls[cname] = tks[0].collections[cname]
        tools = []
        for o in ops:
            params: dict[str, Any] = {"type": "object", "properties": o.props}
            if o.required:
                params["required"] = o.required
            t: dict[str, Any] = {"name": o.tool, "description": o.description, "parameters": params}
            resp = self._tool_response(o)
            if resp is not None:
                t["response"] = resp
            t = copy.deepcopy(t)  # dropping a keyword below must not touch other tools' (shared) schemas
            doc = {"name": self.name, "tools": [t]}
            tks, why = self._check(doc, "/tools/0/parameters", response="/tools/0/response")
            if tks is None and "response" in t and why.startswith("/tools/0/response"):
                del t["response"]
                o.report.notes.append(f"response schema not simulable ({why.split(': ', 1)[-1]}); default response")
                tks, why = self._check(doc, "/tools/0/parameters")
            if tks is None or not tks[0].tools:
                o.report.skipped = why.split(": ", 1)[-1] if why else "refused by the spec checks"
                continue
            spec = tks[0].tools[0]
            if o.action is not None and o.collection in colls:
                if o.action in ("read", "update", "delete") and o.id_param not in spec.properties:
                    o.action = o.collection = None
                else:
                    spec = replace(spec, effect=Effect(o.collection, o.action, None if o.id_param == colls[
                        o.collection].id_field else o.id_param))
            spec = replace(spec, pointer=o.report.pointer, source=self.file)
            tools.append(spec)
            o.report.tool, o.report.action, o.report.collection = o.tool, o.action, o.collection
        used = {t.effect.collection for t in tools if t.effect is not None}
        colls = {k: v for k, v in colls.items() if k in used}
        if not tools:
            return
        info = self.doc.get("info") if isinstance(self.doc.get("info"), dict) else {}
        desc = clean_text(info.get("title"), 120)
        more = _sentences(clean_text(info.get("description"), 2000), 300)
        desc = f"{desc}: {more}" if desc and more else desc or more or f"imported from {Path(self.file).name}"
        tk = Toolkit(name=self.name, description=desc, tools=tools, collections=colls, source=self.file)
        tk = self._infer(tk, ops)
        res.toolkit = tk
        res.document = toolkit_document(tk)

    def _infer(self, tk: Any, ops: list[_Op]) -> Any:
        """Operations without a response schema and without an effect: their world inferred from names
        and descriptions (`toolenv.infer.infer_world`), the rest kept as converted."""
        if not any(t.effect is None and t.response is None for t in tk.tools):
            return tk
        try:
            from toolenv.infer import infer_world
        except ImportError:  # pragma: no cover - the module ships with toolenv
            return tk
        keep = [t.name for t in tk.tools if t.effect is None and t.response is not None]
        size = sum(1 for t in tk.tools if t.name not in keep and t.effect is None
                   for _ in walk_schema(t.parameters, ""))
        if size > _INFER_NODES:
            self.result.notes.append(f"no world inferred for the operations without a response schema: their "
                                     f"arguments are {size} subschemas (over {_INFER_NODES})")
            return tk
        out = infer_world(tk, keep_stateless=keep, limits=self.limits)
        by_name = {o.tool: o for o in ops}
        before = {t.name: t for t in tk.tools}
        # an inferred collection is dropped when the simulator cannot make its ids (integers or strings),
        # or when an argument named like its id field takes another type (synthesis would fill it with ids)
        odd = set()
        for n, c in out.collections.items():
            idt = _main_type(c.schema.get("properties", {}).get(c.id_field))
            if n in tk.collections:
                continue
            if idt not in ("string", "integer") or any(
                    _types(t.properties.get(c.id_field)) and not _fits("x" if idt == "string" else 1,
                                                                      _types(t.properties[c.id_field]))
                    for t in tk.tools):
                odd.add(n)
        tools = []
        for t in out.tools:
            o = by_name.get(t.name)
            if o is not None and t.effect is not None and o.action is None:
                if t.effect.action not in _METHOD_ACTIONS[o.method] or t.effect.collection in odd:
                    # HTTP semantics win (a GET changes nothing), and ids must be ones the simulator makes
                    tools.append(before[t.name])
                    continue
                o.report.action, o.report.collection = t.effect.action, t.effect.collection
                o.report.notes.append(f"no response schema: effect {t.effect.action} on {t.effect.collection!r} "
                                      "inferred from its name and description (toolenv.infer)")
            tools.append(t)
        used = {t.effect.collection for t in tools if t.effect is not None}
        out = replace(out, tools=tools, collections={k: v for k, v in out.collections.items() if k in used})
        info = getattr(out, "inferred", None)
        if info is not None and hasattr(info, "rules"):
            info.rules = {n: r for n, r in info.rules.items() if by_name.get(n) and by_name[n].report.action}
            if not info.rules:
                out.inferred = None
        return out

    def _tool_response(self, o: _Op) -> dict[str, Any] | None:
        r = o.response
        if not isinstance(r, dict) or not r:
            # the default answer echoes the arguments: one named "error" would read as a failure
            return {"type": "object", "properties": {"status": {"type": "string", "enum": ["success"]}}} \
                if "error" in o.props else None
        t = _main_type(r)
        if isinstance(r.get("properties"), dict) and r["properties"] and t in (None, "object") and "anyOf" not in r:
            return _with_id(_without_error(r, o.report), o, self.collections)
        if t == "array" or (o.resp_kind == "list" and o.resp_key is None):
            key = o.collection or "items"
            return _with_id({"type": "object", "properties": {key: r}}, o, self.collections)
        return {"type": "object", "properties": {"result": r}}

    def _check(self, doc: dict[str, Any], ptr: str, response: str | None = None) -> tuple[Any, str]:
        """Parse a one-piece toolkit document with the loader's checks, dropping refused keywords
        (`_LOOSENABLE`) in place until it passes. Returns (toolkits or None, the last problem)."""
        from toolenv.spec import parse_spec_document

        why = ""
        for _ in range(16):
            try:
                tks, probs = parse_spec_document(doc, self.file, self.name, self.limits)
            except RecursionError:
                return None, f"{ptr}: nested too deeply to check"
            if not probs:
                return tks, ""
            p = probs[0]
            why = f"{p.pointer}: {p.message}"
            if not (p.pointer.startswith(ptr) or (response and p.pointer.startswith(response))):
                return None, why
            if "(max_value_size)" in p.message or "(max_schema_nodes)" in p.message or not _loosen(doc, p.pointer):
                return None, why
        return None, why


def toolkit_document(tk: Any) -> dict[str, Any]:
    """A loaded toolkit as a spec document (docs/spec_format.md): loading it gives the same toolkit.
    `toolenv.infer.world_document`, marked ``infer_world: false``: the import already decided which
    tools are stateless (`_Importer._infer`), so no second inference on load."""
    from toolenv.infer import world_document

    doc = world_document(tk)
    return {"name": doc.pop("name"), "description": doc.pop("description"), "infer_world": False, **doc}


def _id_schema(s: dict[str, Any]) -> dict[str, Any]:
    """An id field's schema the simulator's generated ids satisfy: its type (and uuid format)."""
    t = _main_type(s) or "string"
    t = "integer" if t == "number" else t  # generated ids are integers or strings
    out: dict[str, Any] = {"type": t}
    if t == "string" and s.get("format") == "uuid":
        out["format"] = "uuid"
    if isinstance(s.get("description"), str):
        out["description"] = s["description"]
    return out


def _with_id(resp: dict[str, Any], o: _Op, collections: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A stateful tool's response, its record's id field loosened like the collection's."""
    if o.collection is None or o.collection not in collections:
        return resp
    idf = collections[o.collection]["id_field"]
    rec_id = collections[o.collection]["schema"]["properties"].get(idf)

    def fix(obj: dict[str, Any]) -> dict[str, Any]:
        props = obj.get("properties")
        if isinstance(props, dict) and isinstance(props.get(idf), dict):
            return {**obj, "properties": {**props, idf: {**(rec_id or _id_schema(props[idf])),
                                                         **({"description": props[idf]["description"]}
                                                            if "description" in props[idf] else {})}}}
        return obj

    props = resp.get("properties") or {}
    out = fix(resp)
    for k, v in props.items():
        if isinstance(v, dict) and _main_type(v) == "array" and isinstance(v.get("items"), dict):
            out = {**out, "properties": {**out["properties"], k: {**v, "items": fix(v["items"])}}}
        elif isinstance(v, dict) and k in _ONE_WRAPPERS:
            out = {**out, "properties": {**out["properties"], k: fix(v)}}
    return out


def _without_error(resp: dict[str, Any], report: OperationReport) -> dict[str, Any]:
    """A success response never holds a top-level ``error``: the simulator's error answers are
    ``{"error": {...}}``, and a response with that key reads as a failure (e.g. Google's Operation)."""
    props = resp.get("properties")
    if not isinstance(props, dict) or "error" not in props:
        return resp
    report.notes.append("response property 'error' left out (a success must not look like an error answer)")
    out = {**resp, "properties": {k: v for k, v in props.items() if k != "error"}}
    if isinstance(resp.get("required"), list):
        out["required"] = [r for r in resp["required"] if r != "error"]
        if not out["required"]:
            del out["required"]
    return out


def _record_shape(conv: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None, str | None]:
    """("list" | "one" | None, the record schema, the wrapper property) of a converted response."""
    t = _main_type(conv)
    if t == "array" and isinstance(conv.get("items"), dict):
        it = conv["items"]
        if _main_type(it) in (None, "object") and isinstance(it.get("properties"), dict):
            return "list", it, None
        return None, None, None
    props = conv.get("properties")
    if t not in (None, "object") or not isinstance(props, dict) or not props:
        return None, None, None
    arrays = [(k, v) for k, v in props.items() if isinstance(v, dict) and _main_type(v) == "array"
              and isinstance(v.get("items"), dict) and isinstance(v["items"].get("properties"), dict)
              and _main_type(v["items"]) in (None, "object")]
    for k, v in arrays:
        if k.lower() in _LIST_WRAPPERS or (len(arrays) == 1 and len(props) <= 5 and not _has_id(props)):
            return "list", v["items"], k
    if not _has_id(props) and len(props) <= 3:
        for k, v in props.items():
            if k.lower() in _ONE_WRAPPERS and isinstance(v, dict) and isinstance(v.get("properties"), dict):
                return "one", v, k
    return "one", conv, None


def _has_id(props: dict[str, Any]) -> bool:
    return any(re.search(r"(^|_)(id|uuid)$|Id$|ID$", k) for k in props)


def _loosen(doc: Any, pointer: str) -> bool:
    """Delete the last `_LOOSENABLE` keyword on ``pointer`` (in place); False when there is none."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    nodes: list[Any] = [doc]
    for part in parts:
        cur = nodes[-1]
        if isinstance(cur, dict) and part in cur:
            nodes.append(cur[part])
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            nodes.append(cur[int(part)])
        else:
            break
    for i in range(min(len(nodes), len(parts)) - 1, -1, -1):
        part = parts[i]
        parent = nodes[i]
        # a keyword, not a property of that name: the parent of a keyword is a schema, whose own
        # parent key is not "properties"
        if part in _LOOSENABLE and isinstance(parent, dict) and part in parent and (i == 0 or parts[i - 1] != "properties"):
            del parent[part]
            return True
    return False


# ---- entry points -----------------------------------------------------------------------------

def import_openapi(doc: Any, file: str, name: str, limits: SpecLimits | None = None, prefix: str = "") -> ImportResult:
    """Convert a decoded OpenAPI / Swagger document; never raises for the document's content."""
    from toolenv.spec import SpecProblem

    limits = limits or default_limits()
    imp = _Importer(doc, file, name, limits, prefix)
    try:
        return imp.run()
    except RecursionError:
        imp.result.problems.append(SpecProblem(file, "", "nested too deeply to convert"))
        return imp.result


def load_openapi(doc: Any, file: str, name: str, limits: SpecLimits | None = None) -> tuple[list[Any], list[Any]]:
    """The loader's hook: ``(toolkits, problems)``; each skipped operation is one `OpenAPIWarning`."""
    res = import_openapi(doc, file, name, limits)
    for o in res.skipped:
        warnings.warn(f"{file}: {o.label} skipped: {o.skipped}", OpenAPIWarning, stacklevel=3)
    if res.problems:
        return [], res.problems
    return [res.toolkit], []


def import_file(path: str | os.PathLike[str], name: str | None = None, limits: SpecLimits | None = None,
                prefix: str = "") -> ImportResult:
    """Read (JSON or YAML) and convert one OpenAPI / Swagger file."""
    from toolenv.spec import SpecProblem

    limits = limits or default_limits()
    name = name or Path(path).stem
    doc, probs = read_document(path, limits)
    if probs:
        return ImportResult(name=name, file=str(path), problems=[SpecProblem(str(path), p, m) for p, m in probs])
    if not is_openapi(doc):
        return ImportResult(name=name, file=str(path), problems=[SpecProblem(
            str(path), "", "not an OpenAPI / Swagger document (no top-level 'openapi' or 'swagger' key)")])
    return import_openapi(doc, str(path), name, limits, prefix)
