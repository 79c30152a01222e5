"""The simulated world of one episode: argument validation, stateful collections, responses.

Determinism without RNG state: every random draw comes from a `random.Random` seeded with a
stable CRC of (world seed, purpose, tool, arguments[, counter]). The same call with the same
arguments therefore returns the same response anywhere in the episode (and in any process), and
a snapshot only needs the mutable dictionaries, which are copied shallowly (records are never
mutated in place; updates replace them).

State layout: ``base`` holds records that exist independently of the agent (seeded initial
records, and records "discovered" by searches that matched nothing); ``diff`` holds what the
agent changed (created/updated records, and deletions as ``None``). The state hash covers
``diff`` only, so read-only exploration never changes it and replaying the ground truth on a
fresh world reproduces the hash of a correct episode.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import zlib
from functools import lru_cache
from typing import Any, Iterator

from jsonschema import Draft202012Validator

from toolenv.observation import ascii_dumps, fast_dumps
from toolenv.spec import Collection, ToolRegistry, ToolSpec
from toolenv.values import ValueGenerator

#: validators by schema content (its `canonical_json`): a key by ``id()`` alone could hand a
#: schema the validator of a collected one that had the same id (e.g. `_type_ok`'s temporary dicts)
_VALIDATORS: dict[str, Draft202012Validator] = {}
#: id(schema) -> (schema, its content key): the key is computed once per schema object; holding the
#: schema keeps its id from being reused while the entry lives, and the ``is`` check refuses any other
_SCHEMA_KEYS: dict[int, tuple[Any, str]] = {}
# Seeded initial records and stateless responses are pure functions of (registry, seed, ...):
# cache them so replaying a task (the common case in RL) does not regenerate them.
_INITIAL_CACHE: dict[tuple, dict[str, dict[str, Any]]] = {}
_RESPONSE_CACHE: dict[tuple, dict[str, Any]] = {}
#: responses of calls that read or change one record (read, update, delete, create), by (registry,
#: tool, world seed, the arguments as ordered JSON, the record object / the create count): a pure
#: function of those because records are never mutated in place (updates replace them), so the
#: object stands for its content (the entry holds it, so its id is not reused). Replayed tasks
#: (RL rollouts, search) then skip value generation and seeding; a create hit still checks that
#: its id is free in this world.
_STATEFUL_CACHE: dict[tuple, tuple] = {}
_STATEFUL_CACHE_LIMIT = 20_000
#: `World.state_hash` by diff layout: ((collection, ((id, id(record)), ...)), ...) -> (the records, the
#: hash); the entry holds the records, so their ids are not reused while it lives
_STATE_HASHES: dict[tuple, tuple[tuple, str]] = {}
_STATE_HASH_MAX_RECORDS = 64
#: id(response) -> (response, its `ascii_dumps` text), for `response_text`
_RESPONSE_TEXT: dict[int, tuple[Any, str]] = {}
_RESPONSE_TEXT_MAX_CHARS = 32 << 20  # the texts held, in all (cleared beyond)
_response_text_chars = 0
_CACHE_LIMIT = 50_000
#: calls whose canonical arguments are longer than this are not memoised: a noisy or hostile agent's
#: unique 30 KB arguments would otherwise fill the caches (GBs, and a heap the collector must scan)
_CACHE_KEY_MAX = 2048
WORLD_VERSION = 3  # bump when seeded world generation changes (saved task files may go stale)
_TRUE_FLAGS = {"success", "ok", "deleted", "cancelled", "canceled", "confirmed", "available", "sent", "saved",
               "removed", "updated", "added", "created", "scheduled", "booked", "completed", "valid"}
_COUNT_NAMES = {"count", "total", "total_count", "total_results", "num_results", "results_count", "n_results"}
_LIMIT_NAMES = {"limit", "max_results", "page_size", "top_k", "top_n", "num_results", "n"}
_STATUS_BY_ACTION = {
    "create": ("confirmed", "booked", "scheduled", "active", "created", "pending", "success", "sent", "placed", "open"),
    "delete": ("cancelled", "canceled", "deleted", "removed", "refunded", "closed"),
    "update": ("updated", "rescheduled", "confirmed", "active", "success"),
}


def stable_seed(*parts: Any) -> int:
    """A process-independent 32-bit seed from the given parts."""
    return zlib.crc32("|".join(map(str, parts)).encode("utf-8", "surrogatepass"))


#: Sorted, compact, strict ASCII JSON (unrepresentable numbers as their `shown_number` text): equal
#: to ``strict_dumps(obj, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str)``
canonical_json = fast_dumps(sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str)
#: the arguments as JSON in their own key order (a cache key: equal text, equal values and order);
#: raises on what strict JSON cannot carry (such calls are not memoised)
_ordered_json = fast_dumps(fallback=False)
#: `World.state_hash` of a world nobody changed
EMPTY_STATE_HASH = hashlib.blake2b(canonical_json({}).encode(), digest_size=12).hexdigest()


def response_text(response: Any) -> str:
    """A tool response as the tool message's content (`ascii_dumps`), remembered per response object:
    memoised responses are the same object every time they are served, and responses are never
    changed once made, so each is encoded once (the entry holds the object, so its id is not reused)."""
    entry = _RESPONSE_TEXT.get(id(response))
    if entry is not None and entry[0] is response:
        return entry[1]
    global _response_text_chars
    text = ascii_dumps(response)
    if len(text) <= 16_384:
        if len(_RESPONSE_TEXT) >= _STATEFUL_CACHE_LIMIT or _response_text_chars > _RESPONSE_TEXT_MAX_CHARS:
            _RESPONSE_TEXT.clear()
            _response_text_chars = 0
        _RESPONSE_TEXT[id(response)] = (response, text)
        _response_text_chars += len(text)
    return text


def _schema_key(schema: dict[str, Any]) -> str:
    """The schema's content key (computed once per schema object; schemas are not mutated once loaded)."""
    entry = _SCHEMA_KEYS.get(id(schema))
    if entry is not None and entry[0] is schema:
        return entry[1]
    if len(_SCHEMA_KEYS) > _CACHE_LIMIT:
        _SCHEMA_KEYS.clear()
    key = canonical_json(schema)
    _SCHEMA_KEYS[id(schema)] = (schema, key)
    return key


def validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    """The (cached) validator for a schema, keyed by the schema's content (schemas are not mutated
    once loaded: the content key is computed once per schema object)."""
    key = _schema_key(schema)
    v = _VALIDATORS.get(key)
    if v is None:
        if len(_VALIDATORS) > _CACHE_LIMIT:
            _VALIDATORS.clear()
        v = _VALIDATORS[key] = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return v


def error_response(code: int, etype: str, message: str, field: str = "") -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "type": etype, "message": message}
    if field:
        err["field"] = field
    return {"error": err}


_VALID_CACHE: dict[tuple, Any] = {}


def not_found(coll: Collection, rid: Any, field: str) -> dict[str, Any]:
    singular = coll.name[:-1] if coll.name.endswith("s") else coll.name
    return error_response(404, "not_found", f"{singular} {rid!r} not found", f"/{field}")


def argument_error(tool: ToolSpec, arguments: Any, argjson: str | None = None) -> tuple[dict[str, Any], str] | None:
    """Validate arguments; returns (error response, deficiency code) or None when valid (memoised;
    ``argjson`` is `canonical_json(arguments)` when the caller already has it, and then
    ``arguments`` must be plain JSON values: dicts, lists, str, int, float, bool, None, as parsed)."""
    try:
        key = (tool, argjson if argjson is not None else canonical_json(arguments))
    except (TypeError, ValueError):
        return _argument_error(tool, arguments)
    if len(key[1]) > _CACHE_KEY_MAX:
        return _argument_error(tool, arguments)
    hit = _VALID_CACHE.get(key, _VALID_CACHE)
    if hit is _VALID_CACHE:
        if len(_VALID_CACHE) > _CACHE_LIMIT:
            _VALID_CACHE.clear()
        hit = _VALID_CACHE[key] = _argument_error(tool, arguments)
    return hit


def _pointer_parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def _subschema(schema: Any, parts: list[str]) -> dict[str, Any]:
    """The schema that applies at a path of the arguments ({} when it cannot be told)."""
    for part in parts:
        if not isinstance(schema, dict):
            return {}
        props = schema.get("properties")
        if isinstance(props, dict) and part in props:
            schema = props[part]
        elif isinstance(schema.get("items"), dict) and part.isdigit():
            schema = schema["items"]
        elif isinstance(schema.get("additionalProperties"), dict):
            schema = schema["additionalProperties"]
        else:
            return {}
    return schema if isinstance(schema, dict) else {}


def _admits_number(schema: dict[str, Any], kind: str) -> bool:
    """Does the schema at a value's place accept a number of this kind (ignoring its value)?"""
    t = schema.get("type")
    if t is None:
        alts = [s for k in ("anyOf", "oneOf") for s in schema.get(k) or () if isinstance(s, dict)]
        return not alts or any(_admits_number(s, kind) for s in alts)
    types = set(t) if isinstance(t, list) else {t}
    return "number" in types or (kind == "huge_int" and "integer" in types)


def number_error(tool: ToolSpec, invalid: Any, arguments: Any = None) -> tuple[dict[str, Any], str] | None:
    """The argument error for a call whose arguments held unrepresentable numbers (``Call.invalid``:
    NaN, ±Infinity, integers beyond ±1.8e308): ``args:value`` where the schema takes a number there
    (right type, a value that cannot be represented), ``args:type`` otherwise. None when there is
    none, or when an unexpected top-level argument should be reported first (`argument_error`)."""
    if not invalid:
        return None
    props = tool.properties
    given = arguments if isinstance(arguments, dict) else {}
    if any(k not in props for k in given):
        return None
    b = invalid[0]
    sub = _subschema(tool.parameters, _pointer_parts(b.pointer))
    code = "args:value" if _admits_number(sub, b.kind) else "args:type"
    msg = (f"invalid value at {b.pointer}: {b.shown} is not a representable JSON number "
           "(NaN, Infinity and numbers beyond +/-1.8e308 are not accepted)")
    return error_response(400, "invalid_number", msg, b.pointer), code


def _argument_error(tool: ToolSpec, arguments: Any) -> tuple[dict[str, Any], str] | None:
    if not isinstance(arguments, dict):
        return error_response(400, "invalid_arguments", "arguments must be a JSON object"), "args:type"
    props = tool.properties
    for k in arguments:
        if k not in props:
            return (error_response(400, "unexpected_argument", f"unexpected argument {k!r} for {tool.name}", f"/{k}"),
                    "args:unexpected")
    v = validator_for(tool.parameters)
    err = next(iter(v.iter_errors(arguments)), None)
    if err is None:
        return None
    path = "".join(f"/{p}" for p in err.absolute_path)
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else ""
        return (error_response(400, "missing_argument", f"missing required argument {missing!r}", path + f"/{missing}"),
                "args:missing_required")
    code = "args:type" if err.validator == "type" else "args:value"
    return error_response(400, "invalid_argument", f"invalid value at {path or '/'}: {err.message}", path or "/"), code


def _type_ok(value: Any, schema: dict[str, Any]) -> bool:
    """Can ``value`` stand where ``schema`` is expected? (enum, type, pattern, bounds; cheap)."""
    if "enum" in schema and value not in schema["enum"]:
        return False
    t = schema.get("type")
    if t is None:
        return True
    if isinstance(t, list):
        return any(_type_ok(value, s) for s in _split_types(schema, t))
    if t == "string":
        if not isinstance(value, str):
            return False
        pat = schema.get("pattern")
        return pat is None or _pattern(pat).search(value) is not None
    if t in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, int if t == "integer" else (int, float)):
            return False
        return schema.get("minimum", value) <= value <= schema.get("maximum", value)
    if t == "boolean":
        return isinstance(value, bool)
    if t in ("array", "object"):
        return isinstance(value, list if t == "array" else dict) and validator_for(schema).is_valid(value)
    return t == "null" and value is None


_TYPE_SPLITS: dict[int, tuple[dict[str, Any], tuple[dict[str, Any], ...]]] = {}


def _split_types(schema: dict[str, Any], types: list[Any]) -> tuple[dict[str, Any], ...]:
    """``{**schema, "type": x}`` for each x of a list ``type``, made once per schema object (so the
    validators of `_type_ok` see lasting schemas, not a new temporary dict per call)."""
    entry = _TYPE_SPLITS.get(id(schema))
    if entry is None or entry[0] is not schema:
        if len(_TYPE_SPLITS) > _CACHE_LIMIT:
            _TYPE_SPLITS.clear()
        entry = _TYPE_SPLITS[id(schema)] = (schema, tuple({**schema, "type": x} for x in types))
    return entry[1]


@lru_cache(maxsize=1024)
def _pattern(p: str) -> re.Pattern[str]:
    return re.compile(p)


def _remember(key: tuple, value: tuple) -> None:
    if len(_STATEFUL_CACHE) >= _STATEFUL_CACHE_LIMIT:
        _STATEFUL_CACHE.clear()
    _STATEFUL_CACHE[key] = value


class World:
    """The per-episode simulated world over a registry. Cheap to snapshot."""

    __slots__ = ("registry", "seed", "base", "diff", "create_counts", "_hash")

    def __init__(self, registry: ToolRegistry, seed: int):
        self.registry = registry
        self.seed = int(seed)
        self.base: dict[str, dict[str, dict[str, Any]]] = {}
        self.diff: dict[str, dict[str, dict[str, Any] | None]] = {}
        self.create_counts: dict[tuple[str, str], int] = {}  # (collection, arguments) -> creates so far
        self._hash: str | None = EMPTY_STATE_HASH

    # ---- snapshot -------------------------------------------------------------------------
    def snapshot(self) -> tuple:
        return ({c: m.copy() for c, m in self.base.items()}, {c: m.copy() for c, m in self.diff.items()},
                self.create_counts.copy(), self._hash)

    def restore(self, snap: tuple) -> None:
        base, diff, counts, h = snap
        self.base = {c: m.copy() for c, m in base.items()}
        self.diff = {c: m.copy() for c, m in diff.items()}
        self.create_counts = counts.copy()
        self._hash = h

    def state_hash(self) -> str:
        """Hash of what the agent changed (created, updated, deleted records); remembered per diff
        layout in `_STATE_HASHES` for small diffs (records are never changed in place, so the same
        record objects under the same ids and collections hash the same)."""
        if self._hash is None:
            diff = self.diff
            size = sum(len(m) for m in diff.values())
            key = tuple((c, tuple((rid, id(rec)) for rid, rec in m.items())) for c, m in diff.items() if m) \
                if size <= _STATE_HASH_MAX_RECORDS else None
            hit = _STATE_HASHES.get(key) if key is not None else None
            if hit is not None:
                self._hash = hit[1]
                return hit[1]
            payload = canonical_json({c: m for c, m in sorted(diff.items()) if m})
            self._hash = hashlib.blake2b(payload.encode(), digest_size=12).hexdigest()
            if key is not None:
                if len(_STATE_HASHES) >= _STATEFUL_CACHE_LIMIT:
                    _STATE_HASHES.clear()
                _STATE_HASHES[key] = (tuple(self._diff_records()), self._hash)
        return self._hash

    def _diff_records(self) -> Iterator[Any]:
        """The records of the (non-empty) collections of the diff, in the order of `state_hash`'s key."""
        for m in self.diff.values():
            if m:
                yield from m.values()

    # ---- records --------------------------------------------------------------------------
    def _collection(self, tool: ToolSpec) -> Collection:
        return self.registry.toolkit_of(tool.name).collections[tool.effect.collection]  # type: ignore[union-attr]

    def _base(self, coll: Collection) -> dict[str, dict[str, Any]]:
        recs = self.base.get(coll.name)
        if recs is None:
            key = (self.registry, coll.name, self.seed)
            cached = _INITIAL_CACHE.get(key)
            if cached is not None:
                recs = self.base[coll.name] = cached.copy()
                return recs
            rng = random.Random(stable_seed(self.seed, "init", coll.name))
            gen = ValueGenerator(rng)
            recs = self.base[coll.name] = {}
            for i in range(coll.initial):
                rec = gen.object(coll.schema, fill_optional=1.0)
                rid = self._new_id(coll, rng, recs)
                rec[coll.id_field] = rid
                recs[rid] = rec
            if len(_INITIAL_CACHE) > _CACHE_LIMIT:
                _INITIAL_CACHE.clear()
            _INITIAL_CACHE[key] = recs.copy()
        return recs

    def _new_id(self, coll: Collection, rng: random.Random, taken: dict[str, Any], tries: list[int] | None = None) -> Any:
        """A fresh id for ``coll`` drawn from ``rng``; ``tries`` (if given) gets the number of draws."""
        id_schema = coll.schema["properties"].get(coll.id_field, {})
        for attempt in range(100):
            if id_schema.get("type") == "integer":
                rid: Any = rng.randint(1000, 999999)
            elif id_schema.get("format") == "uuid" or id_schema.get("pattern"):
                rid = ValueGenerator(rng).string(id_schema, coll.id_field)
            else:
                rid = f"{coll.id_prefix}{rng.randint(100000, 999999)}"
            if rid not in taken and rid not in self.base.get(coll.name, ()) and rid not in self.diff.get(coll.name, ()):
                if tries is not None:
                    tries.append(attempt + 1)
                return rid
        raise RuntimeError(f"could not generate a unique id for {coll.name}")

    def get(self, coll: Collection, rid: Any) -> dict[str, Any] | None:
        d = self.diff.get(coll.name)
        if d is not None and rid in d:
            return d[rid]
        return self._base(coll).get(rid)

    def records(self, coll: Collection) -> list[dict[str, Any]]:
        """Live records of a collection, in a stable order."""
        merged = dict(self._base(coll))
        d = self.diff.get(coll.name)
        if d:
            for rid, rec in d.items():
                if rec is None:
                    merged.pop(rid, None)
                else:
                    merged[rid] = rec
        return list(merged.values())

    def _put(self, coll: Collection, rid: Any, rec: dict[str, Any] | None) -> None:
        self.diff.setdefault(coll.name, {})[rid] = rec
        self._hash = None

    # ---- calls ----------------------------------------------------------------------------
    def call(self, tool_name: str, arguments: Any) -> tuple[dict[str, Any], str | None]:
        """Execute a call. Returns (response, deficiency code or None). Never raises on bad input."""
        tool = self.registry.tools.get(tool_name)
        if tool is None:
            return error_response(404, "unknown_tool", f"no tool named {tool_name!r}"), "call:unknown_tool"
        bad = argument_error(tool, arguments)
        if bad is not None:
            return bad
        return self.execute(tool, arguments)

    def execute(self, tool: ToolSpec, args: dict[str, Any], argjson: str | None = None) -> tuple[dict[str, Any], str | None]:
        """Execute a call whose arguments are already valid."""
        if argjson is None:
            argjson = canonical_json(args)
        eff = tool.effect
        if eff is None:
            key = (tool, self.seed, argjson, None)
            resp = _RESPONSE_CACHE.get(key)
            if resp is None:
                rng = random.Random(stable_seed(self.seed, "call", tool.name, argjson))
                resp = self._respond(tool, args, rng, None, None, None)
                if len(argjson) <= _CACHE_KEY_MAX:
                    if len(_RESPONSE_CACHE) > _CACHE_LIMIT:
                        _RESPONSE_CACHE.clear()
                    _RESPONSE_CACHE[key] = resp
            return resp, None
        coll = self._collection(tool)
        action = eff.action
        if action in ("create", "update"):
            missing = self._dangling_reference(tool, coll, args)
            if missing is not None:
                return missing, "exec:not_found"
        if action == "create":
            # ids depend on the create's own arguments (and how often they were used), not on the
            # global order of creates, so a parallel group gives the same world in any order
            n = self.create_counts.get((coll.name, argjson), 0)
            self.create_counts[(coll.name, argjson)] = n + 1
            ckey = self._memo_key(tool, args, argjson, "create", n)
            if ckey is not None:
                hit = _STATEFUL_CACHE.get(ckey)
                if hit is not None:
                    rec, rid, resp = hit
                    # the cached record's id was the first draw: it is this world's id too if free here
                    if rid not in self.base.get(coll.name, ()) and rid not in self.diff.get(coll.name, ()):
                        self._put(coll, rid, rec)
                        return resp, None
            rng = random.Random(stable_seed(self.seed, "create", coll.name, n, argjson))
            rec = ValueGenerator(rng).object(coll.schema, fill_optional=1.0)
            for k, v in args.items():
                if k in coll.schema["properties"] and k != coll.id_field:
                    rec[k] = v
            status = coll.schema["properties"].get("status", {})
            if "status" in rec and "status" not in args and status.get("enum"):
                rec["status"] = next((e for e in _STATUS_BY_ACTION["create"] if e in status["enum"]), rec["status"])
            tries: list[int] = []
            rid = self._new_id(coll, rng, {}, tries)
            rec[coll.id_field] = rid
            self._put(coll, rid, rec)
            resp = self._respond(tool, args, rng, rec, None, action)
            if ckey is not None and tries == [1]:
                _remember(ckey, (rec, rid, resp))
            return resp, None
        if action in ("read", "update", "delete"):
            id_param = eff.id_param or coll.id_field
            rid = args.get(id_param)
            old = self.get(coll, rid)
            if old is None:
                return not_found(coll, rid, id_param), "exec:not_found"
            ckey = self._memo_key(tool, args, argjson, action, id(old))
            if ckey is not None:
                hit = _STATEFUL_CACHE.get(ckey)
                if hit is not None and hit[0] is old:
                    if action == "update":
                        self._put(coll, rid, hit[1])
                    elif action == "delete":
                        self._put(coll, rid, None)
                    return hit[2], None
            rng = random.Random(stable_seed(self.seed, action, tool.name, argjson, canonical_json(old)))
            rec = old
            if action == "update":
                rec = {**rec, **{k: v for k, v in args.items() if k in coll.schema["properties"] and k != coll.id_field}}
                self._put(coll, rid, rec)
            elif action == "delete":
                self._put(coll, rid, None)
            resp = self._respond(tool, args, rng, rec, None, action)
            if ckey is not None:
                _remember(ckey, (old, rec, resp))
            return resp, None
        # list / search: on a pristine collection the result is a pure function of the call
        base = self._base(coll)
        pristine = not self.diff.get(coll.name) and len(base) == coll.initial
        key = (tool, self.seed, argjson)
        if pristine and key in _RESPONSE_CACHE:
            resp, discovered = _RESPONSE_CACHE[key]
            for rec in discovered:
                base[rec[coll.id_field]] = rec
            return resp, None
        before = set(base) if pristine else None
        rng = random.Random(stable_seed(self.seed, action, tool.name, argjson))
        found = self._search(coll, args, substring=(action == "search"), rng=rng)
        resp = self._respond(tool, args, rng, None, found, action)
        if before is not None and len(argjson) <= _CACHE_KEY_MAX:
            if len(_RESPONSE_CACHE) > _CACHE_LIMIT:
                _RESPONSE_CACHE.clear()
            _RESPONSE_CACHE[key] = (resp, [r for rid, r in base.items() if rid not in before])
        return resp, None

    def _memo_key(self, tool: ToolSpec, args: dict[str, Any], argjson: str, action: str, which: int) -> tuple | None:
        """The `_STATEFUL_CACHE` key of a call (None: not memoised, e.g. long or non-JSON arguments)."""
        if len(argjson) > _CACHE_KEY_MAX:
            return None
        try:
            return (self.registry, tool, self.seed, _ordered_json(args), action, which)
        except (ValueError, TypeError, RecursionError):
            return None

    def _dangling_reference(self, tool: ToolSpec, own: Collection, args: dict[str, Any]) -> dict[str, Any] | None:
        """A create/update whose argument names another collection's id must point at a live record."""
        for other in self.registry.toolkit_of(tool.name).collections.values():
            if other.name != own.name and other.id_field in args and other.id_field != own.id_field:
                rid = args[other.id_field]
                if self.get(other, rid) is None:
                    return not_found(other, rid, other.id_field)
        return None

    def _search(self, coll: Collection, args: dict[str, Any], substring: bool, rng: random.Random) -> list[dict[str, Any]]:
        props = coll.schema["properties"]
        eq: dict[str, Any] = {}
        lo: dict[str, Any] = {}
        hi: dict[str, Any] = {}
        text: list[str] = []
        limit = None
        for k, v in args.items():
            if k in _LIMIT_NAMES and isinstance(v, int) and k not in props:
                limit = v
            elif k in props:
                eq[k] = v
            elif k.startswith("min_") and k[4:] in props:
                lo[k[4:]] = v
            elif k.startswith("max_") and k[4:] in props:
                hi[k[4:]] = v
            elif k in ("query", "q", "keyword", "keywords", "search", "text", "term") and isinstance(v, str):
                text.append(v.lower())

        def match(rec: dict[str, Any]) -> bool:
            for k, v in eq.items():
                rv = rec.get(k)
                if isinstance(v, str) and isinstance(rv, str):
                    a, b = v.lower(), rv.lower()
                    if a != b and not (substring and (a in b)):
                        return False
                elif isinstance(v, list) and not isinstance(rv, list):
                    if rv not in v:
                        return False
                elif rv != v:
                    return False
            for k, v in lo.items():
                rv = rec.get(k)
                if not isinstance(rv, (int, float)) or isinstance(v, bool) or not isinstance(v, (int, float)) or rv < v:
                    if not (isinstance(rv, str) and isinstance(v, str) and rv >= v):
                        return False
            for k, v in hi.items():
                rv = rec.get(k)
                if not isinstance(rv, (int, float)) or isinstance(v, bool) or not isinstance(v, (int, float)) or rv > v:
                    if not (isinstance(rv, str) and isinstance(v, str) and rv <= v):
                        return False
            if text:
                blob = " ".join(str(x) for x in rec.values() if isinstance(x, str)).lower()
                if not all(t in blob for t in text):
                    return False
            return True

        found = [r for r in self.records(coll) if match(r)]
        if not found and coll.generate_on_search:
            found = self._discover(coll, eq, lo, hi, text, rng)
        if limit is not None and limit >= 0:
            found = found[:limit]
        return found

    def _discover(self, coll: Collection, eq: dict[str, Any], lo: dict[str, Any], hi: dict[str, Any], text: list[str],
                  rng: random.Random) -> list[dict[str, Any]]:
        """Create 1-3 records that satisfy the filters (they existed; the search found them)."""
        gen = ValueGenerator(rng)
        props = coll.schema["properties"]
        base = self._base(coll)
        out = []
        for _ in range(rng.randint(1, 3)):
            rec = gen.object(coll.schema, fill_optional=1.0)
            for k, v in eq.items():
                if isinstance(v, list):
                    v = rng.choice(v) if v else None
                if v is not None and _type_ok(v, props[k]):
                    rec[k] = v
            for k in set(lo) | set(hi):
                a, b = lo.get(k), hi.get(k)
                if isinstance(a, (int, float)) or isinstance(b, (int, float)):
                    a = a if isinstance(a, (int, float)) and not isinstance(a, bool) else (b or 0) * 0.5
                    b = b if isinstance(b, (int, float)) and not isinstance(b, bool) else a * 1.5 + 1
                    sub = props[k]
                    try:
                        a = max(float(a), float(sub.get("minimum", a)))
                        b = min(float(b), float(sub.get("maximum", b)))
                    except (OverflowError, TypeError, ValueError):
                        continue
                    if not (b >= a and math.isfinite(a) and math.isfinite(b)):  # also NaN: no record fits
                        continue
                    if sub.get("type") == "integer":
                        rec[k] = rng.randint(int(-(-a // 1)), max(int(-(-a // 1)), int(b)))
                    else:
                        rec[k] = round(rng.uniform(float(a), float(b)), 2)
                        rec[k] = min(max(rec[k], float(a)), float(b))
                elif isinstance(a, str) or isinstance(b, str):
                    rec[k] = a if isinstance(a, str) else b
            if text:
                for k in ("name", "title", "description", "summary"):
                    if k in props and props[k].get("type") == "string" and k not in eq:
                        rec[k] = " ".join(t.title() for t in text) + ("" if k in ("name", "title") else f" {rec.get(k, '')}")
                        break
            rid = self._new_id(coll, rng, base)
            rec[coll.id_field] = rid
            base[rid] = rec
            out.append(rec)
        return out

    # ---- responses ------------------------------------------------------------------------
    def _respond(self, tool: ToolSpec, args: dict[str, Any], rng: random.Random, record: dict[str, Any] | None,
                 records: list[dict[str, Any]] | None, action: str | None) -> dict[str, Any]:
        schema = tool.response
        if not schema or not schema.get("properties"):
            if records is not None:
                return {"results": records, "count": len(records)}
            if record is not None:
                return {"status": "deleted", **{k: v for k, v in args.items()}} if action == "delete" else dict(record)
            return {"status": "success", **args}
        gen = ValueGenerator(rng)
        out: dict[str, Any] = {}
        list_done = False
        for p, sub in schema["properties"].items():
            sub = sub if isinstance(sub, dict) else {}
            t = sub.get("type")
            if records is not None and not list_done and t == "array" and isinstance(sub.get("items"), dict) \
                    and sub["items"].get("type", "object") == "object" and "properties" in sub["items"]:
                out[p] = [self._project(r, sub["items"], gen) for r in records]
                list_done = True
            elif records is not None and p in _COUNT_NAMES and t in ("integer", "number"):
                out[p] = len(records)
            elif record is not None and p in record and _type_ok(record[p], sub):
                out[p] = record[p]
            elif p in args and _type_ok(args[p], sub):
                out[p] = args[p]
            elif record is not None and t == "object" and "properties" in sub:
                out[p] = self._project(record, sub, gen)
            elif t == "boolean" and p.lower() in _TRUE_FLAGS:
                out[p] = True
            elif p.lower() == "status" and action in _STATUS_BY_ACTION and sub.get("enum"):
                out[p] = next((e for pref in _STATUS_BY_ACTION[action] for e in sub["enum"] if e == pref), gen.value(sub, p))
            elif p.lower() == "status" and t == "string" and "enum" not in sub and action in _STATUS_BY_ACTION:
                out[p] = _STATUS_BY_ACTION[action][0]
            else:
                out[p] = gen.value(sub, p, depth=1)
        return out

    def _project(self, rec: dict[str, Any], schema: dict[str, Any], gen: ValueGenerator) -> dict[str, Any]:
        out = {}
        for p, sub in schema.get("properties", {}).items():
            sub = sub if isinstance(sub, dict) else {}
            if p in rec and _type_ok(rec[p], sub):
                out[p] = rec[p]
            else:
                out[p] = gen.value(sub, p, depth=2)
        return out
