"""Worlds inferred for specs without outputs: collections, response schemas and effects from tool
names, parameter names and descriptions.

A bare OpenAI, MCP or BFCL function list says what a tool takes, never what it returns or which
records it touches. This module reads the conventions real APIs follow --

* verbs of tool names: ``find_doctors``/``search_*`` search, ``list_*`` lists, ``get_X(x_id)``
  reads, ``book_*``/``create_*``/``add_*`` create, ``update_*``/``set_*``/``reschedule_*`` update,
  ``cancel_*``/``delete_*``/``remove_*`` delete;
* id parameters: ``doctor_id`` names a record of *doctors*; a create whose description says
  "returns the appointment_id" creates the *appointments* that ``cancel_appointment(appointment_id)``
  takes;
* the other parameters: what a create takes and a search filters by are record fields
  (``min_rating`` bounds the field ``rating``); "Returns each doctor's name, address and rating"
  adds fields from descriptions --

and writes what it concludes in the project's own spec format (collections, per-tool ``effect``
and ``response``), so the simulator answers with stateful records whose ids chain from one call
to the next, and synthesis gets every category the inferred world supports (multi_step
included). The rules and how much of the bundled hand-written worlds they recover:
docs/spec_format.md, "Inference rules".

Entry points:

* `infer_world(toolkit) -> Toolkit`: the toolkit with a world (pure: the argument is not changed).
  Keeps what the toolkit declares -- its collections, every tool's ``effect`` and ``response`` --
  and infers effects only for tools that have none (tools listed in ``keep_stateless`` stay
  stateless). The result has passed the spec loader's checks; parts the loader would refuse are
  dropped and named in ``result.inferred.notes``. Never raises for a toolkit the loader accepted.
* `world_document(toolkit) -> dict`: a toolkit as a spec document (what `toolenv infer` writes).
* `summary_lines(toolkit) -> list[str]`: collections, id links and effects, for `toolenv validate`.
* `needs_world(toolkit)`: no collections and no effects -- what the loader infers a world for.

No randomness (inference is a pure function of the toolkit), and nothing in a spec is executed.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from toolenv.spec import ID_ACTIONS, Effect, Toolkit, ToolSpec, parse_spec_document

# ---------------------------------------------------------------------------------------------
# vocabulary

_VERBS: dict[str, str] = {}
for _cls, _ws in {
    "search": "search find query lookup browse discover locate explore filter",
    "list": "list enumerate",
    "read": "get fetch retrieve read show view describe display check inspect see load",
    "create": ("create add new make book reserve register schedule place submit post send insert save upload "
               "write buy purchase order apply enroll subscribe borrow rent checkout issue log record file invite "
               "compose publish request pay transfer deposit donate open"),
    "update": ("update edit modify change set reschedule rename move patch mark assign renew extend replace adjust "
               "toggle enable disable turn lock unlock pause resume archive approve reject confirm complete close "
               "reopen upgrade downgrade star pin unpin tag label freeze unfreeze dim brighten mute unmute arm disarm "
               "rebook reassign"),
    "delete": ("delete remove cancel unsubscribe withdraw revoke destroy drop discard erase purge terminate void "
               "return unfollow unlike unregister dismiss clear"),
}.items():
    for _w in _ws.split():
        _VERBS[_w] = _cls

#: verb -> the record a create makes when its object is something else ("borrow_book" makes a loan)
_NOMINAL = {"book": "booking", "reserve": "reservation", "subscribe": "subscription", "apply": "application",
            "borrow": "loan", "rent": "rental", "register": "registration", "enroll": "enrollment",
            "order": "order", "purchase": "purchase", "buy": "purchase", "pay": "payment", "transfer": "transfer",
            "invite": "invitation", "request": "request", "deposit": "deposit", "donate": "donation",
            "schedule": "appointment", "send": "message", "post": "post", "checkout": "order", "log": "entry",
            "save": "saved", "record": "record", "submit": "submission"}
_PREPS_TARGET = ("to", "from", "into", "in", "onto")
_PREPS_FILTER = ("by", "for", "with", "on", "at", "near", "of", "per", "via", "using")
_LEADING = {"all", "new", "my", "the", "a", "an", "current", "existing", "available", "specific", "single",
            "multiple", "nearby", "recent", "latest", "some"}
_TRAILING = {"details", "detail", "info", "information", "data", "list", "status", "profile", "record", "records",
             "entry", "entries", "summary", "overview"}
#: plurals that name information, not a set of records ("get_directions" is not a collection)
_NOT_RECORDS = {"directions", "details", "settings", "statistics", "stats", "instructions", "suggestions",
                "recommendations", "results", "news", "metrics", "analytics", "facts", "hours", "rates", "options",
                "preferences", "permissions", "credentials", "logs", "headers", "contents", "coordinates",
                "conditions", "totals", "rules", "limits"}
_CONTROL = re.compile(r"^(limit|max_results|page|page_size|per_page|offset|cursor|page_token|next_token|sort|sort_by|"
                      r"order|order_by|sort_order|direction|sort_direction|fields|include_\w+|verbose|dry_run|"
                      r"force|confirm|notify\w*|send_\w+|units?|query|q|keywords?|search|search_query|term|text_query|"
                      r"top_k|top_n|n|max_items|format_response|response_format|locale|reason|comment|note|notes|"
                      r"cancellation_reason)$")
_RANGE = re.compile(r"^(since|until|from|to|start_date|end_date|date_from|date_to|from_date|to_date|start|end|after|"
                    r"before|start_time|end_time|begin|min_date|max_date)$")
_ID_SUFFIX = re.compile(r"^(?P<stem>.+?)(?:_id|_uuid|Id|ID|Uuid|UUID)$")
_KEY_SUFFIX = re.compile(r"^(?P<stem>.+?)_(?:number|code|ref|reference|key|no)$")
_ID_MENTION = re.compile(r"\b([a-z][a-z0-9]*(?:_[a-z0-9]+)*)_ids?\b|\b([a-z][a-z0-9]*)Ids?\b")
_FIELD_CLAUSE = re.compile(r"\b(?:returns?|returning|includes?|including|contains?|containing|"
                           r"with (?:its|their|the|each))\s+", re.I)
_CLAUSE_CUT = re.compile(r"(?:[;:(]|\s-\s|\bof (?:one|a|an|the|each)\b|\bfor (?:use|booking|the)\b|\bto (?:use|pass|"
                         r"book|cancel|change)\b|\bthat\b|\bwhich\b|\bso\b|\bneeded\b|\bused\b|\bwhen\b|\bif\b|"
                         r"\bsorted\b|\bordered\b|\bnewest\b|\bmost recent\b|\bmatching\b|\bfrom\b|\bby\b)", re.I)
_DET = re.compile(r"^(?:(?:each|every|the|a|an|its|their|his|her|one|all|any|both|optional(?:ly)?)\s+|"
                  r"[a-z]+'s\s+)+", re.I)
_FIELD_STOP = {"more", "etc", "other", "others", "details", "detail", "information", "info", "data", "list", "results",
               "result", "items", "item", "records", "record", "it", "them", "this", "these", "those", "ids", "id",
               "everything", "all", "so", "on", "also", "ones", "one", "number", "name of", "link", "fields"}


def _words(name: str) -> list[str]:
    from toolenv.synth import lang

    return [w.lower() for w in lang.words_of(name) if w]


def _singular(word: str) -> str:
    from toolenv.synth import lang

    return lang.singular(word)


def _plural(word: str) -> str:
    from toolenv.synth import lang

    return lang.plural(word)


def _key(words: Iterable[str]) -> str:
    """Entity key: snake case, last word singular ("lab", "results" -> "lab_result")."""
    ws = [w for w in words if w]
    if not ws:
        return ""
    return "_".join(ws[:-1] + [_singular(ws[-1])])


def _entity_of_id(param: str) -> str | None:
    """``doctor_id`` / ``doctorId`` / ``doctor_uuid`` -> "doctor"; None for other names."""
    m = _ID_SUFFIX.match(param)
    if not m or not m.group("stem").strip("_"):
        return None
    return _key(_words(m.group("stem")))


def _id_mentions(text: str) -> list[str]:
    out = []
    for m in _ID_MENTION.finditer((text or "")[:_DESC_CHARS]):
        stem = m.group(1) or m.group(2)
        if stem:
            out.append(_key(_words(stem)))
    return out


def _scalar(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    t = schema.get("type")
    ts = set(t) if isinstance(t, list) else {t}
    return bool(ts & {"string", "integer", None}) and not ts & {"array", "object"}


# ---------------------------------------------------------------------------------------------
# one tool's name, read


@dataclass
class _Name:
    verb: str
    cls: str | None  # search | list | read | create | update | delete | None
    noun: list[str]  # object words ("doctors"), modifiers stripped
    target: list[str]  # words after to/from/into ("playlist" of add_track_to_playlist)
    prep: str = ""


def _read_name(name: str, description: str) -> _Name:
    words = _words(name)
    verb, rest = "", words
    for i, w in enumerate(words):
        if w in _VERBS:
            verb, rest = w, words[i + 1:] or words[:i]  # "users.delete": the resource comes first
            break
    else:
        from toolenv.synth import lang

        first = (description or "").strip().split(" ", 1)[0].strip(".,:;").lower()
        base = lang.base_verb(first) or ""
        if base in _VERBS:
            verb = base
    if verb == "look" or (verb in ("lookup", "look") and rest[:1] == ["up"]):
        verb, rest = "lookup", rest[1:] if rest[:1] in (["up"], ["for"]) else rest
    noun, target, prep = list(rest), [], ""
    for j, w in enumerate(rest):
        if w in _PREPS_TARGET and j > 0:
            noun, target, prep = rest[:j], rest[j + 1:], w
            break
        if w in _PREPS_FILTER and j > 0:
            noun = rest[:j]
            break
        if w in _PREPS_TARGET and j == 0:  # "add_to_cart": no object, only a target
            noun, target, prep = [], rest[1:], w
            break
    while len(noun) > 1 and noun[0] in _LEADING:
        noun = noun[1:]
    while len(noun) > 1 and noun[-1] in _TRAILING:
        noun = noun[:-1]
    return _Name(verb=verb, cls=_VERBS.get(verb), noun=noun, target=target, prep=prep)


def _not_records(words: list[str]) -> bool:
    """A noun phrase that names information, not records: "directions", "library hours" (but
    "lab results" are records)."""
    return bool(words) and words[-1] in _NOT_RECORDS and not (words[-1] == "results" and len(words) > 1)


def _is_plural(words: list[str]) -> bool:
    return bool(words) and _singular(words[-1]) != words[-1]


def _candidates(words: list[str]) -> list[str]:
    """Entity keys a noun phrase may name, most specific first: the whole compound, its tails,
    "<head>_item" ("playlist tracks" -> playlist_item), then its heads."""
    if not words:
        return []
    out = [_key(words[i:]) for i in range(len(words))]
    out.append(_key([words[0], "item"]))
    out += [_key(words[:i]) for i in range(len(words) - 1, 0, -1)]
    seen: list[str] = []
    for c in out:
        if c and c not in seen:
            seen.append(c)
    return seen


# ---------------------------------------------------------------------------------------------
# what was inferred


@dataclass
class Inference:
    """Attached to an inferred toolkit as ``toolkit.inferred``."""

    rules: dict[str, str] = field(default_factory=dict)  # tool -> the rule that chose its effect
    notes: list[str] = field(default_factory=list)  # parts dropped because the loader refused them
    declared: bool = False  # the toolkit already declared part of its world (collections or effects)


@dataclass
class _Entity:
    key: str
    id_field: str = ""
    id_schema: dict[str, Any] | None = None
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: bool = False
    collection: str = ""


def needs_world(toolkit: Toolkit) -> bool:
    """True when the toolkit declares no collections and no tool has an effect."""
    return bool(toolkit.tools) and not toolkit.collections and all(t.effect is None for t in toolkit.tools)


def _schema_type(schema: dict[str, Any]) -> str | None:
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    return t


def _guess_field(name: str, entity: str) -> dict[str, Any]:
    """A schema for a record field known only by its name (from a description)."""
    n = name.lower()
    human = n.replace("_", " ")
    desc = f"{human} of the {entity.replace('_', ' ')}"
    if re.match(r"^(is|has|can|accepts|allows|supports)_", n) or n in ("available", "active", "verified", "open",
                                                                       "open_now", "enabled", "public", "paid"):
        return {"type": "boolean", "description": desc}
    if re.search(r"rating|score|stars", n):
        return {"type": "number", "minimum": 0, "maximum": 5, "description": desc}
    if re.search(r"(^|_)(price|fee|cost|amount|total|balance|salary|fare|value|refund)$", n):
        return {"type": "number", "minimum": 0, "description": desc}
    if re.search(r"(^|_)(count|quantity|stock|year|years|age|capacity|seats|minutes|duration|pages|copies)$", n) or \
            n.startswith(("num_", "number_of_", "years_")):
        return {"type": "integer", "minimum": 0, "description": desc}
    if re.search(r"(^|_)(date|birthday|deadline|due)$|_date$|^date_of_", n):
        return {"type": "string", "format": "date", "description": desc}
    if re.search(r"_at$|(^|_)(timestamp|datetime)$", n):
        return {"type": "string", "format": "date-time", "description": desc}
    if "email" in n:
        return {"type": "string", "format": "email", "description": desc}
    if re.search(r"(^|_)(tags|labels|languages|amenities|attendees|ingredients|seats|authors|genres)$", n):
        return {"type": "array", "items": {"type": "string"}, "description": desc}
    return {"type": "string", "description": desc}


_DESC_CHARS = 4000


def _description_fields(text: str) -> list[str]:
    """Record fields a description lists: "Returns each doctor's full name, address and rating",
    "... with their title and author", "Get the record of a book: summary, ISBN and page count"."""
    out: list[str] = []
    # bounded work on any text: real descriptions list their fields early and briefly
    for sentence in re.split(r"(?<=[a-z0-9)])[.!?](?:\s|$)|\n", (text or "")[:_DESC_CHARS])[:20]:
        clauses = [sentence[m.end():m.end() + 400] for _, m in zip(range(4), _FIELD_CLAUSE.finditer(sentence))]
        head, colon, tail = sentence.partition(":")
        if colon and "," in tail:
            clauses.append(tail[:400])
        for clause in clauses:
            clause = _CLAUSE_CUT.split(clause, maxsplit=1)[0]
            for item in re.split(r",|\band\b|\bor\b|/", clause):
                item = _DET.sub("", item.strip().rstrip(".")).strip()
                item = re.sub(r"^(?:the )?(?:number|count) of ", "", item, flags=re.I)
                words = item.split()
                if not 1 <= len(words) <= 3 or not all(re.fullmatch(r"[A-Za-z][A-Za-z-]*", w) for w in words) \
                        or any(_ID_SUFFIX.match(w) for w in words):
                    continue
                name = "_".join(w.lower().replace("-", "_") for w in words)
                if name in _FIELD_STOP or name.endswith(("_id", "_ids")) or len(name) > 40:
                    continue
                if name not in out:
                    out.append(name)
    return out[:12]


def _field_schema(param: dict[str, Any]) -> dict[str, Any]:
    s = copy.deepcopy(param) if isinstance(param, dict) else {}
    s.pop("default", None)
    return s


# ---------------------------------------------------------------------------------------------
# inference


class _Inferrer:
    def __init__(self, toolkit: Toolkit, keep_stateless: Iterable[str]):
        self.tk = toolkit
        self.keep = set(keep_stateless)
        self.names = {t.name: _read_name(t.name, t.description) for t in toolkit.tools}
        self.entities: dict[str, _Entity] = {}
        self.rules: dict[str, str] = {}
        # existing collections are entities too (a partial world, e.g. from OpenAPI)
        self.existing: dict[str, str] = {}  # entity key -> collection name
        for cname, c in toolkit.collections.items():
            k = _key(_words(cname))
            self.existing[k] = cname
            stem = _entity_of_id(c.id_field)
            if stem:
                self.existing.setdefault(stem, cname)

    # ---- entities named anywhere --------------------------------------------------------
    def _known(self) -> set[str]:
        known = set(self.existing)
        for t in self.tk.tools:
            for p, s in t.properties.items():
                e = _entity_of_id(p)
                if e and _scalar(s):
                    known.add(e)
            known.update(_id_mentions(t.description))
        return known

    def _resolve(self, words: list[str], known: set[str], created: set[str] = frozenset()) -> str:
        """The entity a noun phrase names: the whole compound when known, else a part of it that
        records are created for ("favorite recipes" -> favorite, "playlist tracks" ->
        playlist_item), else any known part, else the whole compound (a new entity)."""
        cands = _candidates(words)
        if cands and cands[0] in known:
            return cands[0]
        for c in cands:
            if c in created:
                return c
        for c in cands:
            if c in known:
                return c
        return _key(words)

    def _ids(self, tool: ToolSpec, noun_entity: str, known: set[str]) -> list[tuple[str, str]]:
        """(parameter, entity) of the tool's scalar id parameters."""
        out = []
        for p, s in tool.properties.items():
            if not _scalar(s):
                continue
            e = _entity_of_id(p)
            if e is None and p.lower() in ("id", "uuid", "key") and noun_entity:
                e = noun_entity
            if e is None:
                m = _KEY_SUFFIX.match(p)
                if m and _key(_words(m.group("stem"))) in known:
                    e = _key(_words(m.group("stem")))
            if e:
                out.append((p, e))
        return out

    # ---- one tool's effect ------------------------------------------------------------------
    def _decide(self, tool: ToolSpec, known: set[str], created: set[str] = frozenset()
                ) -> tuple[str, str, str | None, str] | None:
        """(action, entity, id parameter, rule) or None (stateless)."""
        nm = self.names[tool.name]
        noun_entity = self._resolve(nm.noun, known, created) if nm.noun else ""
        ids = self._ids(tool, noun_entity, known)
        id_entities = {e for _, e in ids}
        cls = nm.cls
        if cls in ("delete", "update"):
            if nm.target and nm.noun and len(ids) > 1:
                target = self._resolve(nm.target, known)
                rel = [e for e in (f"{target}_item", f"{target}_{_key(nm.noun)}") if e in known]
                pick = next(((p, e) for p, e in ids if e in rel), None)
                if pick is None:
                    return None  # "remove_track_from_playlist(playlist_id, track_id)": no single record id
            else:
                pick = self._pick(ids, noun_entity)
            if pick is None:
                return None
            return cls, pick[1], pick[0], f"{nm.verb}_* with id parameter {pick[0]}"
        if cls == "read" or (cls is None and ids):
            plural_noun = _is_plural(nm.noun) and not _not_records(nm.noun)
            if ids:
                if noun_entity and noun_entity not in id_entities and noun_entity in known and plural_noun:
                    return "list", noun_entity, None, f"{nm.verb or tool.name} of {nm.noun[-1]} filtered by an id"
                pick = self._pick(ids, noun_entity)
                if pick is None:
                    return None
                rule = f"{nm.verb}_* with id parameter {pick[0]}" if cls else f"unknown verb with id parameter {pick[0]}"
                return "read", pick[1], pick[0], rule
            if cls == "read" and nm.noun:
                if not nm.target and f"{_key(nm.noun)}_item" in known:
                    return "list", f"{_key(nm.noun)}_item", None, f"{nm.verb}_{'_'.join(nm.noun)}: its items"
                if plural_noun:
                    return "list", noun_entity, None, f"{nm.verb}_* of a plural noun without an id"
            return None
        if cls in ("search", "list"):
            if not nm.noun and not nm.target:
                return None
            ent = noun_entity or self._resolve(nm.target, known)
            if _not_records(nm.noun):
                return None
            action = "list" if cls == "list" else "search"
            return action, ent, None, f"{nm.verb}_* names the records"
        if cls == "create":
            own = {p for p, _ in ids}
            mentioned = [e for e in _id_mentions(tool.description)
                         if e in known and not any(_entity_of_id(p) == e for p in own)]
            if mentioned:
                pref = [e for e in mentioned if e == noun_entity or e == _NOMINAL.get(nm.verb)]
                ent = (pref or mentioned)[0]
                return "create", ent, None, f"description returns {ent}_id"
            nominal = _NOMINAL.get(nm.verb)
            if nominal and nominal != "saved":
                for cand in ([f"{_key(nm.noun)}_{nominal}"] if nm.noun else []) + [nominal]:
                    if cand in known:
                        return "create", cand, None, f"{nm.verb} makes a {nominal}"
            if nm.target and nm.prep in ("to", "into", "onto"):
                item = f"{_key(nm.target)}_item"
                if item not in known:
                    target = self._resolve(nm.target, known)
                    item = target if target.endswith("_item") else f"{target}_item"
                return "create", item, None, f"{nm.verb}_*_to_{'_'.join(nm.target)} adds an item"
            if nm.noun and noun_entity not in id_entities:
                return "create", noun_entity, None, f"{nm.verb}_* makes the named record"
            other = [c for c in _candidates(nm.noun) if c in known and c not in id_entities]
            if other:  # "save_favorite_recipe(recipe_id)" makes a favorite
                return "create", other[0], None, f"{nm.verb}_{'_'.join(nm.noun)} makes a {other[0].replace('_', ' ')}"
            if nm.noun:  # the tool takes the id of its object: it makes a record about it
                if nominal == "saved":
                    return "create", f"saved_{noun_entity}", None, "save_X(x_id) makes a saved X"
                ent = f"{noun_entity}_{nominal}" if nominal else f"{noun_entity}_{nm.verb}"
                return "create", ent, None, f"{nm.verb}_X(x_id) makes a {ent.replace('_', ' ')}"
            if nominal and nominal != "saved":
                return "create", nominal, None, f"{nm.verb} makes a {nominal}"
        return None

    @staticmethod
    def _pick(ids: list[tuple[str, str]], noun_entity: str) -> tuple[str, str] | None:
        if not ids:
            return None
        exact = [x for x in ids if x[1] == noun_entity]
        if exact:
            return exact[0]
        if len(ids) == 1:
            return ids[0]
        if noun_entity:
            close = [x for x in ids if noun_entity.endswith(x[1]) or x[1].endswith(noun_entity)]
            if close:
                return close[0]
        return ids[0]

    # ---- everything ------------------------------------------------------------------------
    def run(self) -> tuple[dict[str, Any], Inference]:
        known = self._known()
        # first pass: what creates, searches and lists name become entities too
        for t in self.tk.tools:
            nm = self.names[t.name]
            if t.effect is None and nm.cls in ("create", "search", "list") and nm.noun:
                k = self._resolve(nm.noun, known)
                if k and not _not_records(nm.noun):
                    known.add(k)
        # second pass: the entities creates make (lists prefer them: "list_favorite_recipes")
        created: set[str] = set()
        for t in self.tk.tools:
            if t.effect is None and t.name not in self.keep and self.names[t.name].cls == "create":
                d = self._decide(t, known)
                if d is not None and d[1]:
                    created.add(d[1])
        created |= {k for k, cname in self.existing.items()
                    if any(t.effect and t.effect.collection == cname and t.effect.action == "create"
                           for t in self.tk.tools)}
        decisions: dict[str, tuple[str, str, str | None]] = {}
        for t in self.tk.tools:
            if t.effect is not None or t.name in self.keep:
                continue
            d = self._decide(t, known, created)
            if d is not None and d[1]:
                decisions[t.name] = (d[0], d[1], d[2])
                self.rules[t.name] = d[3]
        # entities acted on by some tool become collections
        for t in self.tk.tools:
            if t.name in decisions:
                action, ent, _ = decisions[t.name]
                e = self.entities.setdefault(ent, _Entity(ent))
                e.created |= action == "create"
        self._fields(decisions)
        return self._document(decisions), Inference(rules=dict(self.rules))

    def _fields(self, decisions: dict[str, tuple[str, str, str | None]]) -> None:
        tools = {t.name: t for t in self.tk.tools}
        # id fields: the most used id parameter that names the entity
        uses: dict[str, dict[str, int]] = {}
        schemas: dict[str, dict[str, Any]] = {}
        for t in self.tk.tools:
            for p, s in t.properties.items():
                ent = _entity_of_id(p)
                if ent is None and p.lower() in ("id", "uuid") and t.name in decisions:
                    ent = decisions[t.name][1]
                if ent in self.entities and _scalar(s):
                    uses.setdefault(ent, {})[p] = uses.get(ent, {}).get(p, 0) + 1
                    schemas.setdefault(f"{ent}/{p}", s)
            for ent in _id_mentions(t.description):
                if ent in self.entities:
                    p = f"{ent}_id"
                    uses.setdefault(ent, {}).setdefault(p, 0)
        for ent, e in self.entities.items():
            if ent in self.existing:
                continue
            named = sorted(uses.get(ent, {}).items(), key=lambda kv: (-kv[1], kv[0] in ("id", "uuid"), kv[0]))
            named = [kv for kv in named if kv[0] not in ("id", "uuid")] or named
            e.id_field = named[0][0] if named else f"{ent}_id"
            src = schemas.get(f"{ent}/{e.id_field}") or {"type": "string"}
            e.id_schema = {k: copy.deepcopy(v) for k, v in src.items()
                           if k in ("type", "pattern", "format", "minLength", "maxLength", "minimum", "maximum")}
            if _schema_type(e.id_schema) not in ("string", "integer"):
                e.id_schema["type"] = "string"
            e.id_schema["description"] = f"unique identifier of the {ent.replace('_', ' ')}"
            e.fields[e.id_field] = e.id_schema
        order = {"create": 0, "search": 1, "list": 1, "read": 2, "update": 3, "delete": 4}
        for name in sorted(decisions, key=lambda n: order[decisions[n][0]]):
            action, ent, id_param = decisions[name]
            e = self.entities[ent]
            if ent in self.existing:
                continue
            t = tools[name]
            resp = t.response or {}
            rprops = resp.get("properties") if isinstance(resp.get("properties"), dict) else {}
            if action in ("search", "list"):
                for p, s in rprops.items():
                    if isinstance(s, dict) and s.get("type") == "array" and isinstance(s.get("items"), dict) \
                            and isinstance(s["items"].get("properties"), dict):
                        rprops = s["items"]["properties"]
                        break
                else:
                    rprops = {}
            if action != "delete":
                for p, s in rprops.items():
                    if isinstance(s, dict) and p not in e.fields:
                        e.fields[p] = _field_schema(s)
            for p, s in t.properties.items():
                if p == id_param or p == e.id_field or _CONTROL.match(p) or not isinstance(s, dict):
                    continue
                if action in ("read", "delete"):
                    continue
                if action in ("search", "list"):
                    if _RANGE.match(p):
                        continue
                    m = re.match(r"^(min|max|minimum|maximum)_(.+)$", p)
                    if m:
                        f = m.group(2)
                        if f not in e.fields and _schema_type(s) in ("integer", "number", "string"):
                            fs = {k: copy.deepcopy(v) for k, v in s.items() if k in ("type", "minimum", "maximum",
                                                                                 "format", "exclusiveMinimum",
                                                                                 "exclusiveMaximum")}
                            fs["description"] = f"{f.replace('_', ' ')} of the {ent.replace('_', ' ')}"
                            e.fields[f] = fs
                        continue
                if action == "update" and p.startswith("new_") and p[4:] in e.fields:
                    continue
                if p not in e.fields:
                    e.fields[p] = _field_schema(s)
            if action in ("search", "list", "read", "create"):
                for f in _description_fields(t.description):
                    if f not in e.fields and f not in t.properties and not f.endswith("_id"):
                        e.fields[f] = _guess_field(f, ent)

    def _document(self, decisions: dict[str, tuple[str, str, str | None]]) -> dict[str, Any]:
        colls: dict[str, Any] = {}
        for cname, c in self.tk.collections.items():
            colls[cname] = _collection_doc(c)
        taken = set(colls)
        for ent, e in self.entities.items():
            if ent in self.existing:
                e.collection = self.existing[ent]
                continue
            name = _plural_key(ent)
            while name in taken:
                name += "_records"
            taken.add(name)
            e.collection = name
            words = [w for w in name.split("_") if w]
            prefix = ("".join(w[0] for w in words) if len(words) > 1 else words[0][:3]).upper() if words else "ID"
            colls[name] = {"id_field": e.id_field, "id_prefix": prefix, "initial": 3 if e.created else 12,
                           "schema": {"type": "object", "properties": e.fields, "required": list(e.fields)}}
        tools = []
        for t in self.tk.tools:
            td: dict[str, Any] = {"name": t.name, "description": t.description,
                                  "parameters": copy.deepcopy(t.parameters)}
            if t.response is not None:
                td["response"] = copy.deepcopy(t.response)
            if t.effect is not None:
                td["effect"] = _effect_doc(t.effect)
            elif t.name in decisions:
                action, ent, id_param = decisions[t.name]
                e = self.entities[ent]
                eff: dict[str, Any] = {"collection": e.collection, "action": action}
                cdoc = colls[e.collection]
                if id_param and id_param != cdoc["id_field"]:
                    eff["id_param"] = id_param
                td["effect"] = eff
                if t.response is None:
                    td["response"] = _response_for(action, e.collection, cdoc, self.names[t.name].verb)
            tools.append(td)
        return {"name": self.tk.name, "description": self.tk.description, "collections": colls, "tools": tools}


def _plural_key(ent: str) -> str:
    parts = ent.split("_")
    return "_".join(parts[:-1] + [_plural(parts[-1])])


_PAST = {"cancel": "cancelled", "delete": "deleted", "remove": "removed", "withdraw": "withdrawn",
         "unsubscribe": "unsubscribed", "revoke": "revoked", "return": "returned", "void": "voided",
         "terminate": "terminated", "discard": "discarded", "drop": "dropped", "erase": "erased", "purge": "purged",
         "destroy": "destroyed", "unregister": "unregistered", "dismiss": "dismissed", "clear": "cleared",
         "unfollow": "unfollowed", "unlike": "unliked"}


def _response_for(action: str, collection: str, cdoc: dict[str, Any], verb: str) -> dict[str, Any]:
    props = cdoc["schema"]["properties"]
    id_field = cdoc["id_field"]
    if action in ("search", "list"):
        return {"type": "object", "properties": {
            collection: {"type": "array", "description": f"the matching {collection.replace('_', ' ')}",
                         "items": {"type": "object", "properties": copy.deepcopy(props), "required": list(props)}},
            "count": {"type": "integer", "minimum": 0, "description": "number of records returned"}},
            "required": [collection, "count"]}
    if action == "delete":
        return {"type": "object", "properties": {
            id_field: copy.deepcopy(props[id_field]),
            "status": {"type": "string", "enum": [_PAST.get(verb, "deleted")], "description": "outcome"}},
            "required": [id_field, "status"]}
    return {"type": "object", "properties": copy.deepcopy(props), "required": [id_field]}


def _collection_doc(c: Any) -> dict[str, Any]:
    return {"id_field": c.id_field, "id_prefix": c.id_prefix, "initial": c.initial,
            "generate_on_search": c.generate_on_search, "schema": copy.deepcopy(c.schema)}


def _effect_doc(eff: Any) -> dict[str, Any]:
    d = {"collection": eff.collection, "action": eff.action}
    if eff.id_param:
        d["id_param"] = eff.id_param
    return d


def world_document(toolkit: Toolkit) -> dict[str, Any]:
    """The toolkit as a spec document in the project's format (``toolenv infer`` writes it): loading
    it gives the same tools, collections, effects and responses."""
    tools = []
    for t in toolkit.tools:
        td: dict[str, Any] = {"name": t.name, "description": t.description, "parameters": copy.deepcopy(t.parameters)}
        if t.response is not None:
            td["response"] = copy.deepcopy(t.response)
        if t.effect is not None:
            td["effect"] = _effect_doc(t.effect)
        tools.append(td)
    doc: dict[str, Any] = {"name": toolkit.name, "description": toolkit.description}
    if toolkit.collections:
        doc["collections"] = {n: _collection_doc(c) for n, c in toolkit.collections.items()}
    doc["tools"] = tools
    return doc


# ---------------------------------------------------------------------------------------------
# checked application


def _check(doc: dict[str, Any], declared: set[str], toolkit: Toolkit, limits: Any,
           notes: list[str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]] | None:
    """Run the loader's checks over what was inferred: the collections, and each distinct inferred
    response once (the parameters were checked when the toolkit was loaded). Refused parts are
    removed from ``doc`` (named in ``notes``) and the rest checked again. Returns the checked
    collections and responses (by canonical JSON), or None when a problem is outside them."""
    for _ in range(4):
        keys: list[str] = []
        reps = []
        for td in doc["tools"]:
            if td["name"] in declared or "response" not in td:
                continue
            k = json.dumps(td["response"], sort_keys=True)
            if k not in keys:
                keys.append(k)
                reps.append({"name": f"response_{len(reps)}", "description": "inferred response",
                             "response": td["response"]})
        check = {"name": toolkit.name, "collections": doc["collections"], "tools": reps}
        tks, problems = parse_spec_document(copy.deepcopy(check), toolkit.source or toolkit.name, toolkit.name, limits)
        if not problems and tks:
            return tks[0].collections, {k: t.response for k, t in zip(keys, tks[0].tools)}
        for pr in problems:
            parts = [x.replace("~1", "/").replace("~0", "~") for x in pr.pointer.split("/")[1:]]
            if parts[:1] == ["collections"] and len(parts) > 1 and parts[1] in doc["collections"]:
                del doc["collections"][parts[1]]
                notes.append(f"collection {parts[1]!r} dropped: {pr.message}")
                for td in doc["tools"]:
                    if (td.get("effect") or {}).get("collection") == parts[1]:
                        td.pop("effect", None)
                        if td["name"] not in declared:
                            td.pop("response", None)
            elif parts[:1] == ["tools"] and len(parts) > 2 and parts[1].isdigit() and int(parts[1]) < len(keys) \
                    and parts[2] == "response":
                k = keys[int(parts[1])]
                for td in doc["tools"]:
                    if td["name"] not in declared and "response" in td and json.dumps(td["response"], sort_keys=True) == k:
                        del td["response"]
                        notes.append(f"{td['name']}: inferred response dropped: {pr.message}")
            else:
                return None
    return None


def infer_world(toolkit: Toolkit, *, keep_stateless: Iterable[str] = (), limits: Any = None) -> Toolkit:
    """A copy of ``toolkit`` with inferred collections, effects and response schemas (see the module
    docstring for the contract). ``result.inferred`` is an `Inference`; tools keep their ``source``
    and ``pointer`` (problems still name the user's file)."""

    def unchanged(notes: list[str]) -> Toolkit:
        out = dataclasses.replace(toolkit, tools=list(toolkit.tools), collections=dict(toolkit.collections))
        out.inferred = Inference(notes=notes)
        return out

    try:
        doc, info = _Inferrer(toolkit, keep_stateless).run()
    except Exception as e:  # noqa: BLE001 - a bug in inference must not make a valid spec unloadable
        return unchanged([f"inference failed ({type(e).__name__}: {e}); the spec runs without a world"])
    declared = {t.name for t in toolkit.tools if t.response is not None}
    checked = _check(doc, declared, toolkit, limits, info.notes)
    if checked is None:
        return unchanged(info.notes + ["the inferred world was refused by the loader; the spec runs without a world"])
    collections, responses = checked
    tools = []
    for t, td in zip(toolkit.tools, doc["tools"]):
        eff = td.get("effect")
        effect = t.effect
        if effect is None and eff and eff["collection"] in collections:
            effect = Effect(collection=eff["collection"], action=eff["action"], id_param=eff.get("id_param"))
            if effect.action in ID_ACTIONS and (effect.id_param or collections[effect.collection].id_field) \
                    not in t.properties:  # never: ids are parameters by construction
                info.notes.append(f"{t.name}: inferred effect dropped (no id parameter)")
                effect = None
        response = t.response
        if response is None and effect is not None and "response" in td:
            response = responses[json.dumps(td["response"], sort_keys=True)]
        tools.append(dataclasses.replace(t, effect=effect, response=response))
    info.rules = {n: r for n, r in info.rules.items() if any(t.name == n and t.effect for t in tools)}
    info.declared = not needs_world(toolkit)
    return dataclasses.replace(toolkit, tools=tools, collections=collections, inferred=info)


def _keep_stateless(doc: Any) -> set[str]:
    """Tools whose raw spec says ``"effect": {"action": "none"}``: they stay stateless."""
    raws = doc.get("tools") if isinstance(doc, dict) and isinstance(doc.get("tools"), list) else (
        doc if isinstance(doc, list) else [doc])
    out = set()
    for raw in raws:
        if isinstance(raw, dict) and isinstance(raw.get("function"), dict):
            raw = {**raw, **raw["function"]}
        if isinstance(raw, dict) and isinstance(raw.get("effect"), dict) and raw["effect"].get("action") == "none":
            if isinstance(raw.get("name"), str):
                out.add(raw["name"])
    return out


def opted_out(doc: Any) -> bool:
    """A toolkit document with ``"infer_world": false`` keeps its bare tools stateless."""
    return isinstance(doc, dict) and "tools" in doc and doc.get("infer_world") is False


def apply_to_document(toolkits: list[Toolkit], doc: Any, limits: Any = None) -> list[Toolkit]:
    """The loader's hook: toolkits parsed from ``doc`` that `needs_world`, inferred (unless the
    document opts out)."""
    if opted_out(doc):
        return toolkits
    keep = None
    out = []
    for tk in toolkits:
        if needs_world(tk):
            if keep is None:
                keep = _keep_stateless(doc)
            tk = infer_world(tk, keep_stateless=keep, limits=limits)
        out.append(tk)
    return out


# ---------------------------------------------------------------------------------------------
# summaries


def id_links(toolkit: Toolkit) -> list[tuple[str, str, str]]:
    """(producer, consumer, parameter) of the state-backed id links synthesis chains along."""
    from toolenv.spec import ToolRegistry
    from toolenv.synth.analysis import compute_links

    reg = ToolRegistry([dataclasses.replace(toolkit, tools=list(toolkit.tools),
                                            collections=dict(toolkit.collections))])
    links = compute_links(reg, {})
    return sorted({(l.producer, l.consumer, l.param) for ls in links.values() for l in ls if l.strength == 2})


def summary_lines(toolkit: Toolkit) -> list[str]:
    """What was inferred for one toolkit, in a few lines (``toolenv validate``)."""
    info = toolkit.inferred
    if info is None:
        return []
    src = toolkit.source or toolkit.name
    n = len(toolkit.tools)
    what = "declares none" if not info.declared else f"declares part of it; {len(info.rules)} of {n} tools inferred"
    lines = [f"{toolkit.name}: world inferred from tool names and descriptions ({src} {what}; "
             f"`toolenv infer {src} --out FILE` writes it out to edit)"]
    if toolkit.collections:
        cs = ", ".join(f"{n} (id {c.id_field}, {len(c.schema.get('properties', {}))} fields, {c.initial} seeded)"
                       for n, c in toolkit.collections.items())
        lines.append(f"  collections: {cs}")
        links = id_links(toolkit)
        lines.append("  id links: " + ("; ".join(f"{p} -> {c}.{a}" for p, c, a in links) if links else "none"))
    else:
        lines.append("  collections: none (no tool reads like a record operation)")
    effs = [f"{t.name} {t.effect.action} {t.effect.collection}" for t in toolkit.tools if t.effect]
    stateless = [t.name for t in toolkit.tools if not t.effect]
    lines.append("  effects: " + ("; ".join(effs) if effs else "none"))
    if stateless:
        lines.append("  stateless: " + ", ".join(stateless))
    for n in info.notes:
        lines.append(f"  note: {n}")
    return lines
