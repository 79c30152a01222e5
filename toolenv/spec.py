"""Tool specs: reading OpenAI, plain, MCP and BFCL tool shapes and toolkits; validation.

Everything is validated before anything is loaded: `ToolRegistry.load` either returns a
complete registry or raises `SpecError` listing every problem as ``file#/json/pointer: message``.
`toolenv validate` and ``gym.make("ToolUse-v0", tool_specs=...)`` share this loader, and the safety
checks of `toolenv.spec_checks` (caps in `SpecLimits`, local ``$ref`` inlining, pattern and
satisfiability checks) run inside it, so a spec either loads and runs or is refused with a
pointer -- never a library exception or a hang. See docs/spec_format.md for the format.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from toolenv.spec_checks import (SpecLimits, check_document, check_generated, check_schema_limits, default_limits,
                                 read_spec_file, resolve_refs)

ACTIONS = ("create", "read", "update", "delete", "list", "search", "none")
ID_ACTIONS = ("read", "update", "delete")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")
_BFCL_TYPES = {"dict": "object", "float": "number", "tuple": "array", "double": "number", "int": "integer",
               "str": "string", "bool": "boolean", "list": "array", "long": "integer"}
_PY_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list, "object": dict,
             "null": type(None)}


@dataclass(frozen=True)
class SpecProblem:
    file: str
    pointer: str
    message: str

    def __post_init__(self) -> None:  # one line per problem, whatever a library message holds
        msg = " ".join(str(self.message).split())
        object.__setattr__(self, "message", msg if len(msg) <= 400 else msg[:397] + "...")

    def __str__(self) -> str:
        return f"{self.file}#{self.pointer}: {self.message}"


class SpecError(ValueError):
    """Raised with every problem found; ``problems`` holds them."""

    def __init__(self, problems: Sequence[SpecProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Effect:
    collection: str
    action: str
    id_param: str | None = None


@dataclass(frozen=True)
class Collection:
    name: str
    schema: dict[str, Any]
    id_field: str = "id"
    id_prefix: str = ""
    initial: int = 10
    generate_on_search: bool = True


@dataclass(frozen=True, eq=False)
class ToolSpec:
    """One tool, normalised: ``parameters`` and ``response`` are standard JSON Schema."""

    name: str
    description: str
    parameters: dict[str, Any]
    response: dict[str, Any] | None = None
    effect: Effect | None = None
    domain: str = ""
    source: str = ""
    pointer: str = ""  # JSON pointer of the tool inside its source file

    @property
    def properties(self) -> dict[str, Any]:
        return self.parameters.get("properties", {})

    @property
    def required(self) -> list[str]:
        return list(self.parameters.get("required", []))

    def openai(self) -> dict[str, Any]:
        """The tool in OpenAI function format."""
        return {"type": "function", "function": {"name": self.name, "description": self.description,
                                                 "parameters": self.parameters}}


@dataclass
class Toolkit:
    name: str
    description: str
    tools: list[ToolSpec]
    collections: dict[str, Collection] = field(default_factory=dict)
    source: str = ""
    declared: bool = False  # named by the file's "name" (a toolkit file), not by the file stem
    inferred: Any = None  # a `toolenv.infer.Inference` when the loader inferred the world (bare specs)


def normalise_schema(schema: Any) -> Any:
    """BFCL dialect -> JSON Schema (``dict``→object, ``float``→number, ``tuple``→array, ``any``→no type)."""
    if isinstance(schema, list):
        return [normalise_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for k, v in schema.items():
        if k == "type":
            if isinstance(v, str):
                if v == "any":
                    continue
                out[k] = _BFCL_TYPES.get(v, v)
            elif isinstance(v, list):
                # a non-string entry is left for the schema check to report with its pointer
                out[k] = [_BFCL_TYPES.get(t, t) if isinstance(t, str) else t for t in v if t != "any"] or None
                if out[k] is None:
                    del out[k]
            else:
                out[k] = v
        elif k == "properties" and isinstance(v, dict):
            out[k] = {pk: normalise_schema(pv) for pk, pv in v.items()}
        elif k in ("items", "additionalProperties", "not", "if", "then", "else", "contains") and isinstance(v, (dict, list)):
            out[k] = normalise_schema(v)
        elif k in ("anyOf", "oneOf", "allOf", "prefixItems") and isinstance(v, list):
            out[k] = [normalise_schema(s) for s in v]
        elif k in ("$defs", "definitions", "patternProperties", "dependentSchemas") and isinstance(v, dict):
            out[k] = {pk: normalise_schema(pv) for pk, pv in v.items()}
        elif k in ("propertyNames", "unevaluatedItems", "unevaluatedProperties") and isinstance(v, dict):
            out[k] = normalise_schema(v)
        else:
            out[k] = v
    return out


class _Checker:
    """Collects problems for one file."""

    def __init__(self, file: str, limits: SpecLimits | None = None):
        self.file = file
        self.limits = limits or default_limits()
        self.problems: list[SpecProblem] = []

    def add(self, pointer: str, message: str) -> None:
        self.problems.append(SpecProblem(self.file, pointer, message))

    def schema(self, schema: Any, pointer: str, *, object_required: bool = False, record: bool = False,
               response: bool = False) -> Any:
        """Check one schema; returns it with local ``$ref`` s inlined, or None when it has problems.

        Order matters: the metaschema, then caps and patterns (before anything validates a value
        with them), then refs, then the structural rules, then what the simulator generates."""
        if not isinstance(schema, dict):
            self.add(pointer, f"schema must be an object, got {type(schema).__name__}")
            return None
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as e:
            sub = "".join(f"/{_esc(p)}" for p in e.absolute_path)
            self.add(pointer + sub, f"invalid JSON Schema: {e.message}")
            return None
        except RecursionError:
            self.add(pointer, "schema nested too deeply")
            return None
        before = len(self.problems)
        for ptr, msg in check_schema_limits(schema, pointer, self.limits):
            self.add(ptr, msg)
        if len(self.problems) > before:
            return None
        resolved, ptrs, probs = resolve_refs(schema, pointer, self.limits)
        for ptr, msg in probs:
            self.add(ptr, msg)
        if resolved is None:
            return None
        if object_required and isinstance(resolved, dict) and resolved.get("type", "object") != "object":
            self.add(pointer + "/type", f"must be 'object', got {resolved.get('type')!r}")
        if response and isinstance(resolved, dict) and not resolved.get("properties") and "type" in resolved:
            t = resolved["type"]
            if "object" not in (t if isinstance(t, list) else [t]):
                self.add(pointer + "/type", f"a response schema without 'properties' must allow an object (the "
                                            f"simulator then answers with a status object), got {t!r}")
        self._walk(schema, pointer)
        if len(self.problems) > before:
            return None
        for ptr, msg in check_generated(resolved, pointer, ptrs, self.limits, record=record, response=response):
            self.add(ptr, msg)
        return resolved if len(self.problems) == before else None

    def _walk(self, schema: Any, pointer: str) -> None:
        if not isinstance(schema, dict):
            return
        props = schema.get("properties")
        req = schema.get("required")
        if isinstance(req, list) and isinstance(props, dict):
            for i, r in enumerate(req):
                if r not in props:
                    self.add(f"{pointer}/required/{i}", f"{r!r} is not a property")
        elif isinstance(req, list) and req and props is None and schema.get("type") == "object":
            self.add(f"{pointer}/required", "required names properties but the schema has no 'properties'")
        t = schema.get("type")
        if "enum" in schema and isinstance(t, str) and t in _PY_TYPES:
            for i, v in enumerate(schema["enum"]):
                if not _is_type(v, t):
                    self.add(f"{pointer}/enum/{i}", f"{v!r} is not of type {t!r}")
        if "default" in schema:
            try:
                errs = list(Draft202012Validator(schema).iter_errors(schema["default"]))
            except Exception:  # noqa: BLE001 - any validator failure is reported, never raised
                errs = []
            if errs:
                self.add(f"{pointer}/default", f"default {schema['default']!r} does not match: {errs[0].message}")
        if isinstance(props, dict):
            for k, v in props.items():
                self._walk(v, f"{pointer}/properties/{_esc(k)}")
        if isinstance(schema.get("items"), dict):
            self._walk(schema["items"], f"{pointer}/items")


def _esc(part: Any) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _is_type(v: Any, t: str) -> bool:
    if t in ("integer", "number") and isinstance(v, bool):
        return False
    if t == "integer":
        return isinstance(v, int) or (isinstance(v, float) and v.is_integer())
    return isinstance(v, _PY_TYPES[t])


def _parse_tool(raw: Any, pointer: str, chk: _Checker, domain: str, collections: dict[str, Collection] | None) -> ToolSpec | None:
    if not isinstance(raw, dict):
        chk.add(pointer, f"a tool must be an object, got {type(raw).__name__}")
        return None
    extra: dict[str, Any] = {}
    ptr = pointer
    if raw.get("type") == "function" and "function" in raw:
        if not isinstance(raw["function"], dict):
            chk.add(pointer + "/function", "must be an object")
            return None
        extra = {k: v for k, v in raw.items() if k not in ("type", "function")}
        raw, ptr = {**raw["function"], **{k: v for k, v in extra.items() if k not in raw["function"]}}, pointer + "/function"
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        chk.add(ptr + "/name", "missing tool name")
        return None
    if not NAME_RE.match(name):
        chk.add(ptr + "/name", f"invalid tool name {name!r} (letters, digits, _ . -, at most 64)")
    desc = raw.get("description")
    if not isinstance(desc, str) or not desc.strip():
        chk.add(ptr + "/description", f"tool {name!r} has no description")
        desc = ""
    if "parameters" in raw and "inputSchema" in raw:
        chk.add(ptr, "give either 'parameters' or 'inputSchema', not both")
    pkey = "inputSchema" if "inputSchema" in raw else "parameters"
    params = raw.get(pkey, {"type": "object", "properties": {}})
    params = normalise_schema(params)
    if isinstance(params, dict) and "$ref" not in params:
        params = dict(params)
        params.setdefault("type", "object")
        params.setdefault("properties", {})
    params = chk.schema(params, f"{ptr}/{pkey}", object_required=True)
    if isinstance(params, dict) and not isinstance(params.get("properties"), dict):
        params = {**params, "properties": {}}
    rkeys = [k for k in ("response", "returns", "outputSchema") if k in raw]
    response = None
    if len(rkeys) > 1:
        chk.add(ptr, f"give one response schema, got {rkeys}")
    if rkeys:
        response = chk.schema(normalise_schema(raw[rkeys[0]]), f"{ptr}/{rkeys[0]}", response=True)
    effect = None
    if "effect" in raw:
        effect = _parse_effect(raw["effect"], f"{ptr}/effect", chk, params if params is not None else {}, collections)
    if params is None:
        return None
    return ToolSpec(name=name, description=desc.strip(), parameters=params, response=response, effect=effect,
                    domain=domain, source=chk.file, pointer=ptr)


def _parse_effect(raw: Any, ptr: str, chk: _Checker, params: dict[str, Any],
                  collections: dict[str, Collection] | None) -> Effect | None:
    if not isinstance(raw, dict):
        chk.add(ptr, "effect must be an object {collection, action}")
        return None
    action = raw.get("action")
    if action not in ACTIONS:
        chk.add(ptr + "/action", f"unknown action {action!r}; one of {list(ACTIONS)}")
        return None
    if action == "none":
        return None
    coll_name = raw.get("collection")
    if collections is None:
        chk.add(ptr, "effects need a toolkit file with 'collections'")
        return None
    if not isinstance(coll_name, str) or coll_name not in collections:
        chk.add(ptr + "/collection", f"collection {coll_name!r} is not declared (declared: {sorted(collections)})")
        return None
    id_param = raw.get("id_param")
    if id_param is not None and not isinstance(id_param, str):
        chk.add(ptr + "/id_param", "must be a string")
        return None
    if action in ID_ACTIONS:
        want = id_param or collections[coll_name].id_field
        if want not in params.get("properties", {}):
            chk.add(ptr + ("/id_param" if id_param else "/collection"),
                    f"{action} needs the id parameter {want!r} in the tool's parameters")
    return Effect(collection=coll_name, action=action, id_param=id_param)


def _parse_collections(raw: Any, ptr: str, chk: _Checker) -> dict[str, Collection]:
    out: dict[str, Collection] = {}
    if not isinstance(raw, dict):
        chk.add(ptr, "collections must be an object mapping names to definitions")
        return out
    for cname, c in raw.items():
        cp = f"{ptr}/{_esc(cname)}"
        if not isinstance(c, dict):
            chk.add(cp, "a collection must be an object")
            continue
        schema = normalise_schema(c.get("schema"))
        if schema is None:
            chk.add(cp + "/schema", "missing record schema")
            continue
        schema = chk.schema(schema, cp + "/schema", object_required=True, record=True)
        if schema is None:
            continue
        if not isinstance(schema.get("properties"), dict):
            schema = {**schema, "properties": {}}
        id_field = c.get("id_field", "id")
        if not isinstance(id_field, str) or id_field not in schema["properties"]:
            chk.add(cp + "/id_field", f"{id_field!r} is not a property of the record schema")
            continue
        initial = c.get("initial", 10)
        if not isinstance(initial, int) or isinstance(initial, bool) or not 0 <= initial <= 200:
            chk.add(cp + "/initial", f"must be an integer in [0, 200], got {initial!r}")
            continue
        prefix = c.get("id_prefix", "".join(w[:1] for w in re.split(r"[_\W]+", cname) if w).upper() or "ID")
        if not isinstance(prefix, str):
            chk.add(cp + "/id_prefix", "must be a string")
            continue
        gos = c.get("generate_on_search", True)
        if not isinstance(gos, bool):
            chk.add(cp + "/generate_on_search", "must be true or false")
            continue
        out[cname] = Collection(name=cname, schema=schema, id_field=id_field, id_prefix=prefix, initial=initial,
                                generate_on_search=gos)
    return out


def parse_spec_document(doc: Any, file: str, default_domain: str,
                        limits: SpecLimits | None = None) -> tuple[list[Toolkit], list[SpecProblem]]:
    """Parse one decoded JSON document (tool, list of tools, or toolkit)."""
    chk = _Checker(file, limits)
    for ptr, msg in check_document(doc, chk.limits):
        chk.add(ptr, msg)
    if chk.problems:  # never walk a document over the caps (depth, sizes, numbers)
        return [], chk.problems
    toolkits: list[Toolkit] = []
    if isinstance(doc, dict) and "tools" in doc:
        name = doc.get("name", default_domain)
        if not isinstance(name, str) or not name:
            chk.add("/name", "toolkit name must be a non-empty string")
            name = default_domain
        colls = _parse_collections(doc["collections"], "/collections", chk) if "collections" in doc else {}
        if not isinstance(doc["tools"], list):
            chk.add("/tools", "must be a list of tools")
            return [], chk.problems
        tools = [_parse_tool(t, f"/tools/{i}", chk, name, colls) for i, t in enumerate(doc["tools"])]
        toolkits.append(Toolkit(name=name, description=str(doc.get("description", "")),
                                tools=[t for t in tools if t], collections=colls, source=file, declared=True))
    elif isinstance(doc, list):
        tools = [_parse_tool(t, f"/{i}", chk, default_domain, None) for i, t in enumerate(doc)]
        toolkits.append(Toolkit(name=default_domain, description="", tools=[t for t in tools if t], source=file))
    elif isinstance(doc, dict):
        tool = _parse_tool(doc, "", chk, default_domain, None)
        toolkits.append(Toolkit(name=default_domain, description="", tools=[tool] if tool else [], source=file))
    else:
        chk.add("", f"expected a tool, a list of tools or a toolkit, got {type(doc).__name__}")
    return toolkits, chk.problems


def _spec_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[SpecProblem]]:
    """Files named by ``paths`` (folders: their ``*.json`` entries, not recursive). Nothing is
    opened here; entries that are not regular files are refused when read (`read_spec_file`)."""
    files: list[Path] = []
    problems: list[SpecProblem] = []
    for p in paths:
        p = Path(p)
        try:
            st = os.stat(p)
        except FileNotFoundError:
            problems.append(SpecProblem(str(p), "", "no such file or folder"))
            continue
        except OSError as e:
            problems.append(SpecProblem(str(p), "", f"cannot read: {e.strerror or e}"))
            continue
        if stat.S_ISDIR(st.st_mode):
            try:
                with os.scandir(p) as it:
                    found = sorted(p / e.name for e in it if e.name.endswith(".json") and not e.name.startswith("."))
            except OSError as e:
                problems.append(SpecProblem(str(p), "", f"cannot list this folder: {e.strerror or e}"))
                continue
            if not found:
                problems.append(SpecProblem(str(p), "", "no *.json spec files in this folder"))
            files.extend(found)
        else:
            files.append(p)
    return files, problems


def _content_fields(items: list[tuple[str, Any]]) -> dict[str, Any]:
    """`dataclasses.asdict` factory for `ToolRegistry.fingerprint`: a dataclass's fields less where
    it was read from (``source`` file, JSON ``pointer``)."""
    return {k: v for k, v in items if k not in ("source", "pointer")}


class ToolRegistry:
    """All tools loaded together, by name, with their toolkits."""

    def __init__(self, toolkits: Sequence[Toolkit]):
        self.toolkits: dict[str, Toolkit] = {}
        self.tools: dict[str, ToolSpec] = {}
        self._toolkit_of: dict[str, Toolkit] = {}
        for tk in toolkits:
            if tk.name in self.toolkits:  # same domain from several files: merge
                base = self.toolkits[tk.name]
                base.tools.extend(tk.tools)
                base.collections.update(tk.collections)
                tk = base
            else:
                self.toolkits[tk.name] = tk
            for t in tk.tools:
                self.tools[t.name] = t
                self._toolkit_of[t.name] = tk

    def toolkit_of(self, tool_name: str) -> Toolkit:
        return self._toolkit_of[tool_name]

    def fingerprint(self) -> str:
        """A hash of the registry's content (toolkits, tools, collections, in order; not the files
        they came from), computed once: a cache key for what is derived from it (an ``id()`` can be
        reused after garbage collection)."""
        fp = self.__dict__.get("_fingerprint")
        if fp is None:
            blob = json.dumps([dataclasses.asdict(tk, dict_factory=_content_fields) for tk in self.toolkits.values()],
                              ensure_ascii=True, default=str)
            fp = self._fingerprint = hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()
        return fp

    def __len__(self) -> int:
        return len(self.tools)

    def __contains__(self, name: object) -> bool:
        return name in self.tools

    @classmethod
    def load(cls, paths: str | Path | Sequence[str | Path] | None = None, *,
             limits: SpecLimits | None = None, infer_world: bool = True) -> "ToolRegistry":
        toolkits, problems = load_toolkits(paths, limits=limits, infer_world=infer_world)
        if problems:
            raise SpecError(problems)
        return cls(toolkits)

    @classmethod
    def from_documents(cls, docs: Sequence[tuple[Any, str]], *, limits: SpecLimits | None = None,
                       infer_world: bool = True) -> "ToolRegistry":
        """Build from already-decoded documents: ``[(doc, name), ...]`` (name = file label / domain)."""
        limits = limits or default_limits()
        toolkits: list[Toolkit] = []
        problems: list[SpecProblem] = []
        n_tools = 0
        for doc, label in docs:
            first = check_document(doc, limits)  # before deepcopy, which recurses
            if first:
                problems += [SpecProblem(label, p, m) for p, m in first]
                continue
            if _is_openapi(doc):
                tks, probs = _openapi_toolkits(doc, label, Path(label).stem, limits)
                toolkits += tks
                problems += probs
                continue
            n_tools, over = _count_tools(doc, label, n_tools, limits)
            if over:
                problems.append(over)
                break
            tks, probs = parse_spec_document(copy.deepcopy(doc), label, Path(label).stem, limits)
            if infer_world and not probs:
                tks = _with_inferred_worlds(tks, doc, limits)
            toolkits += tks
            problems += probs
        problems += _duplicate_names(toolkits)
        if problems:
            raise SpecError(problems)
        return cls(toolkits)


def _count_tools(doc: Any, file: str, total: int, limits: SpecLimits) -> tuple[int, SpecProblem | None]:
    """Running count of tools; a problem at the first tool over ``limits.max_tools``."""
    if isinstance(doc, dict) and isinstance(doc.get("tools"), list):
        n, fmt = len(doc["tools"]), "/tools/{}"
    elif isinstance(doc, list):
        n, fmt = len(doc), "/{}"
    else:
        n, fmt = 1, ""
    if total + n > limits.max_tools:
        idx = max(0, limits.max_tools - total)
        return total + n, SpecProblem(file, fmt.format(idx) if fmt else "",
                                      f"more than {limits.max_tools} tools loaded together (max_tools)")
    return total + n, None


def _duplicate_names(toolkits: Sequence[Toolkit]) -> list[SpecProblem]:
    seen: dict[str, str] = {}
    problems = []
    kits: dict[str, Toolkit] = {}
    for tk in toolkits:
        if tk.name in kits and kits[tk.name].source != tk.source:
            other = kits[tk.name]
            what = "toolkit name" if tk.declared else "domain (the file name; bare tools take it as their toolkit)"
            problems.append(SpecProblem(tk.source, "/name" if tk.declared else "",
                                        f"duplicate {what} {tk.name!r}: also in {other.source} "
                                        "(one would silently replace the other; rename one)"))
        kits.setdefault(tk.name, tk)
    for tk in toolkits:
        for t in tk.tools:
            if t.name in seen:
                problems.append(SpecProblem(t.source, f"{t.pointer}/name",
                                            f"duplicate tool name {t.name!r} (also in {seen[t.name]})"))
            else:
                seen[t.name] = tk.source
    return problems


def load_toolkits(paths: str | Path | Sequence[str | Path] | None = None, *,
                  limits: SpecLimits | None = None, infer_world: bool = True) -> tuple[list[Toolkit], list[SpecProblem]]:
    """Read and validate spec files; returns the toolkits and every problem found (never raises
    for a spec's content: every problem is a `SpecProblem`). A file without a world (no
    collections, no effects) gets one inferred (`toolenv.infer`) unless ``infer_world`` is False
    or the file opts out (docs/spec_format.md, "Inference rules")."""
    limits = limits or default_limits()
    if paths is None:
        paths = [bundled_specs_dir()]
    elif isinstance(paths, (str, Path)):
        paths = [paths]
    files, problems = _spec_files(paths)
    toolkits: list[Toolkit] = []
    n_tools, over = 0, False
    for f in files:
        if f.suffix.lower() in (".yaml", ".yml"):  # YAML: OpenAPI / Swagger documents (toolenv.openapi)
            from toolenv.openapi import read_yaml_file

            doc, probs = read_yaml_file(f, limits)
        else:
            doc, probs = read_spec_file(f, limits)
        if probs:
            problems += [SpecProblem(str(f), p, m) for p, m in probs]
            continue
        if over:
            continue
        if _is_openapi(doc) or f.suffix.lower() in (".yaml", ".yml"):
            tks, sprobs = _openapi_toolkits(doc, str(f), f.stem, limits)
            n_tools += sum(len(tk.tools) for tk in tks)
            if n_tools > limits.max_tools:
                problems.append(SpecProblem(str(f), "/paths", f"more than {limits.max_tools} tools loaded together "
                                                              "(max_tools)"))
                over = True
                continue
            toolkits += tks
            problems += sprobs
            continue
        n_tools, too_many = _count_tools(doc, str(f), n_tools, limits)
        if too_many:
            problems.append(too_many)
            over = True
            continue
        try:
            tks, sprobs = parse_spec_document(doc, str(f), f.stem, limits)
            if infer_world and not sprobs:
                tks = _with_inferred_worlds(tks, doc, limits)
        except RecursionError:
            tks, sprobs = [], [SpecProblem(str(f), "", f"nested too deeply to check (max_depth {limits.max_depth})")]
        toolkits += tks
        problems += sprobs
    problems += _duplicate_names(toolkits)
    return toolkits, problems


def _is_openapi(doc: Any) -> bool:
    return isinstance(doc, dict) and ("openapi" in doc or "swagger" in doc) and "tools" not in doc


def _openapi_toolkits(doc: Any, file: str, name: str, limits: SpecLimits) -> tuple[list[Toolkit], list[SpecProblem]]:
    """An OpenAPI / Swagger document converted to a toolkit (`toolenv.openapi`; skipped operations
    are warnings); anything else read from YAML is refused."""
    if not _is_openapi(doc):
        return [], [SpecProblem(file, "", "a YAML spec file must be an OpenAPI / Swagger document (top-level "
                                          "'openapi' or 'swagger'); tool specs are JSON")]
    from toolenv.openapi import load_openapi

    return load_openapi(doc, file, name, limits)


def _with_inferred_worlds(toolkits: list[Toolkit], doc: Any, limits: SpecLimits) -> list[Toolkit]:
    """Toolkits of one clean document, those without a world given an inferred one (`toolenv.infer`)."""
    if not any(tk.tools and not tk.collections and all(t.effect is None for t in tk.tools) for tk in toolkits):
        return toolkits
    from toolenv.infer import apply_to_document

    return apply_to_document(toolkits, doc, limits)


def bundled_specs_dir() -> Path:
    """The `toolenv/tool_specs/` folder shipped with the package (package data)."""
    path = Path(__file__).resolve().parent / "tool_specs"
    if not path.is_dir():
        raise FileNotFoundError(f"bundled tool specs not found at {path}; pass tool_specs=PATH")
    return path


#: (resolved paths, limits) -> (stamps of the spec files read, registry)
_REGISTRY_CACHE: dict[tuple[Any, ...], tuple[tuple[tuple[str, int, int], ...], ToolRegistry]] = {}


def _spec_stamps(paths: Sequence[str]) -> tuple[tuple[str, int, int], ...] | None:
    """(file, mtime_ns, size) of every spec file the paths name (folders: their ``*.json``, as
    `_spec_files` picks them), sorted; None when one cannot be listed or stat'ed (the loader then
    reports it, and nothing is cached). One ``stat`` per file: cheap beside a load."""
    stamps = []
    try:
        for p in paths:
            st = os.stat(p)
            if stat.S_ISDIR(st.st_mode):
                with os.scandir(p) as it:
                    for e in it:
                        if e.name.endswith(".json") and not e.name.startswith("."):
                            es = e.stat()
                            stamps.append((e.path, es.st_mtime_ns, es.st_size))
            else:
                stamps.append((p, st.st_mtime_ns, st.st_size))
    except OSError:
        return None
    stamps.sort()
    return tuple(stamps)


def load_registry(paths: str | Path | Sequence[str | Path] | None = None, *, cache: bool = True,
                  limits: SpecLimits | None = None, infer_world: bool = True) -> ToolRegistry:
    """Load (and cache per resolved path set and limits) a validated registry. Raises `SpecError`
    (each problem names the file and JSON pointer); the same loader as `toolenv validate`. A cached
    registry is reused only while its spec files are unchanged (same list, mtime and size): an
    edited, added or removed spec file is read again. ``infer_world=False``: files without a world
    stay stateless (no inferred collections or effects; docs/spec_format.md, "Inference rules")."""
    limits = limits or default_limits()
    if paths is None:
        paths = [bundled_specs_dir()]
    elif isinstance(paths, (str, Path)):
        paths = [paths]
    resolved = [str(Path(p).resolve()) for p in paths]
    key = (*resolved, limits) if infer_world else (*resolved, limits, "no-infer")
    stamps = _spec_stamps(resolved) if cache else None
    hit = _REGISTRY_CACHE.get(key) if stamps is not None else None
    if hit is not None and hit[0] == stamps:
        return hit[1]
    reg = ToolRegistry.load(paths, limits=limits, infer_world=infer_world)
    if stamps is not None:
        _REGISTRY_CACHE[key] = (stamps, reg)
    return reg
