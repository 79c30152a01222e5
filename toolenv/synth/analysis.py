"""What synthesis needs to know about each tool, computed once per registry.

* `ToolInfo`: the tool's intent as an English verb phrase (from its description, else its name),
  the object noun phrase for question frames, and one `ParamInfo` per parameter (an English noun
  and a semantic *kind* that picks how the parameter is phrased in a request).
* Links: which tool's response can feed which other tool's parameter (``search_flights`` ->
  ``book_flight.flight_id``; ``book_flight`` -> ``get_booking.booking_id``), derived from effects,
  collections and response schemas. Multi-step and multi-turn tasks walk these links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from toolenv.synth import lang

# ---------------------------------------------------------------------------------------------
# parameters


@dataclass
class ParamInfo:
    name: str
    schema: dict[str, Any]
    required: bool
    noun: str  # English noun phrase ("departure date"); never the raw identifier
    kind: str  # how the value is phrased: see queries.PARAM_PATTERNS
    sub: str = ""  # secondary noun: the bounded quantity of min_/max_ ("price"), a count's unit ("guests")
    askable: bool = True  # can be the missing value of a missing_argument task
    record: str = ""  # for id parameters: the record noun ("booking")
    unit: str = ""  # unit word appended to values ("minutes" for duration_minutes)


_KIND_RULES: list[tuple[re.Pattern[str], str]] = [(re.compile(p), k) for p, k in [
    (r"^(limit|max_results|page_size|top_k|top_n|num_results|n|max_items|count)$", "limit"),
    (r"^(sort|sort_by|order_by|sortby|orderby|sort_key)$", "sort"),
    (r"^(order|sort_order|direction|sort_direction)$", "order"),
    (r"^(unit|units|scale|temperature_unit|unit_system|temp_unit)$", "unit"),
    (r"^(lang|language|target_language|source_language|locale)$", "language"),
    (r"(^|_)(check_?in|start|start_date|from_date|date_from|since|begin|departure_date|depart_date|start_time|starts_at|pickup_date)$", "start"),
    (r"(^|_)(check_?out|end|end_date|to_date|date_to|until|return_date|end_time|ends_at|dropoff_date)$", "end"),
    (r"^(origin|source|src|departure|depart|from|from_city|origin_city|departure_city|departure_airport|origin_airport|from_airport|from_currency|source_currency|base_currency|base|from_location|start_location|from_unit|source_lang|source_language)$", "origin"),
    (r"^(destination|dest|to|arrival|to_city|destination_city|arrival_city|arrival_airport|destination_airport|to_airport|to_currency|target_currency|quote_currency|target|to_location|end_location|to_unit|target_lang|target_language|recipient|recipients|to_email)$", "destination"),
    (r"^(max|maximum)_|_max$|^(max|maximum)[A-Z]", "max"),
    (r"^(min|minimum)_|_min$|^(min|minimum)[A-Z]", "min"),
    (r"e-?mail", "email"),
    (r"phone|mobile", "phone"),
    (r"(^|_)(query|q|keywords?|search|term|search_term|search_query|text_query)$", "query"),
    (r"(^|_)(title|subject|headline)$", "title"),
    (r"(^|_)(message|text|body|content|note|notes|comment|description|reason|bio|review|instructions|caption)$", "text"),
    (r"(^|_)(quantity|qty|guests|passengers|adults|children|people|seats|nights|servings|party_size|num_\w+|\w+_count|number_of_\w+|days|hours|weeks|months|tickets|rooms)$", "count"),
    (r"^(full_name|passenger_name|passenger|guest_name|customer_name|patient_name|contact_name|holder_name|attendee|organizer|owner|recipient_name|traveler_name|traveller_name|driver_name)$", "person"),
    (r"^name$", "name"),
    (r"(^|_)(city|town|location|place|country|region|area|address|near|where|destination_city|venue|state|neighborhood|zip|postal_code|postcode)$", "location"),
    (r"(^|_)(amount|value|sum)$", "amount"),
    (r"(^|_)(id|uuid|code|number|ref|reference)$|Id$|ID$", "id"),
    (r"(^|_)(date|day|birthday|dob|deadline|due_date|due)$|_date$|^date_|_on$", "date"),
    (r"(^|_)(time|datetime|timestamp|at)$|_at$|_time$", "datetime"),
]]

_DESC_CUT = re.compile(r"\s*(\(|\[|,|;|:| - | — |\be\.g\.|\bi\.e\.|\bsuch as\b|\bfor example\b|\bexample\b|\bdefaults?\b|\bif\b|\bwhen\b|\bused\b|\bbeing\b|\bto be\b|\bthat\b|\bwhich\b|\bwhere\b|\bin (ISO|YYYY|the format)\b|\bas\b|\bin (percent|°\w*|degrees?|minutes|hours|days|seconds|km|kilometers|kilometres|miles|meters|metres|cents|euros|dollars|usd|eur|celsius|fahrenheit)\b)", re.I)
_DESC_LEAD = re.compile(r"^(the|a|an|optional|required|optionally|an optional|the optional)\s+", re.I)
_LEADING_VERB_ING = re.compile(r"^(specifies|specify|indicates|represents|contains|holds)\s+", re.I)


def _desc_noun(desc: str) -> str | None:
    """A short noun phrase from a parameter description, or None when it is not usable."""
    if not desc:
        return None
    d = desc.strip().split(". ")[0].strip().rstrip(".")
    d = _LEADING_VERB_ING.sub("", d)
    d = _DESC_CUT.split(d, maxsplit=1)[0].strip()
    for _ in range(2):
        d = _DESC_LEAD.sub("", d)
    d = re.sub(r"\s+(to|for|of|in|on|by|with)\s*$", "", d)
    m = re.search(r"\s+to\s+(\w+)", d)
    if m and lang.base_verb(m.group(1)) in lang.VERBS:
        d = d[:m.start()]
    words = d.split()
    if not 1 <= len(words) <= 5:
        return None
    if lang.base_verb(words[0]) in lang.VERBS and words[0].lower() not in ("return", "search", "order", "rate", "review",
                                                                         "record", "plan", "route", "request", "share",
                                                                         "issue", "transfer", "pay", "play", "count",
                                                                         "log", "estimate", "like", "query", "schedule"):
        return None
    if words[0].lower() in ("whether", "if", "true", "false", "set", "flag", "how", "what", "which", "who", "number",
                            "only", "one", "comma", "list", "array", "id", "identifier", "unique"):
        return None
    if any(w.lower() in ("is", "are", "was", "were", "works", "lives", "has", "have", "will", "can", "should", "must",
                         "does", "do", "be") for w in words[1:]):
        return None
    if any(c in d for c in "{}[]<>=\"'`_/\\|*#"):
        return None
    return lang.lower_first(d)


def param_kind(name: str, schema: dict[str, Any]) -> str:
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if t == "boolean":
        return "bool"
    n = name if re.search(r"[a-z][A-Z]", name) else name.lower()
    nl = "_".join(lang.words_of(name)).lower()
    for pat, kind in _KIND_RULES:
        if pat.search(nl) or pat.search(n):
            if kind in ("limit", "amount") and t not in ("integer", "number"):
                continue
            if kind == "count" and t != "integer":
                continue
            if kind in ("max", "min") and t not in ("integer", "number", "string"):
                continue
            if kind in ("start", "end", "date", "datetime") and t not in (None, "string"):
                continue
            return kind
    fmt = schema.get("format")
    if fmt == "date":
        return "date"
    if fmt == "date-time":
        return "datetime"
    if fmt == "email":
        return "email"
    if t == "array":
        return "list"
    if t == "object":
        return "object"
    if schema.get("enum"):
        return "enum"
    return "generic"


def make_param(name: str, schema: dict[str, Any], required: bool, id_records: dict[str, str]) -> ParamInfo:
    schema = schema if isinstance(schema, dict) else {}
    kind = param_kind(name, schema)
    human = lang.humanize(name)
    noun = _desc_noun(str(schema.get("description", ""))) or human
    if noun.lower() in ("id", "identifier", "unique identifier", "unique id", "the id", "code", "value", "name", "number",
                        "string", "text", "input", "parameter", "type", "amount", "list", "object"):
        if len(human.split()) > 1 or kind in ("amount",):
            noun = human
    if "_" in noun:
        noun = human
    unit = ""
    m = re.search(r"_(minutes|hours|days|seconds|weeks|months|km|miles|meters|percent|kg|grams)$", name)
    if m and kind not in ("count",) and schema.get("type") in ("integer", "number"):
        unit = m.group(1)
        name_core = name[:m.start()]
        noun = lang.humanize(name_core) if "_" in noun or noun.lower().endswith(unit) or len(noun.split()) > 3 else noun
    else:
        name_core = name
    sub = ""
    if kind in ("max", "min"):
        words = lang.words_of(name_core)
        rest = [w for w in words if w.lower() not in ("max", "min", "maximum", "minimum")]
        sub = lang.humanize("_".join(rest)) if rest else "value"
    elif kind == "count":
        words = [w for w in lang.words_of(name) if w.lower() not in ("num", "number", "of", "count", "qty", "target",
                                                                     "new", "total")]
        sub = lang.humanize("_".join(words)) if words else "items"
        if name.lower() in ("quantity", "qty"):
            sub = "items"
        if not sub.endswith("s") and sub not in ("people", "children"):
            sub = lang.plural(sub)
    record = ""
    if kind == "id" or name in id_records:
        kind = "id"
        record = id_records.get(name) or lang.humanize(re.sub(r"(_?(id|Id|ID|uuid|code|number|ref|reference))$", "", name)) or ""
    t = schema.get("type")
    askable = (t in ("string", "integer", "number", "array") or t is None) and kind not in ("bool", "limit", "sort",
                                                                                           "order", "unit", "enum") \
        and not schema.get("enum") and "const" not in schema and "default" not in schema
    if kind == "id":
        noun = human
    if kind == "generic" and unit:
        kind = "measure"
    return ParamInfo(name=name, schema=schema, required=required, noun=noun, kind=kind, sub=sub, askable=askable,
                     record=record, unit=unit)


# ---------------------------------------------------------------------------------------------
# intent (verb phrase) of a tool

_PREFIX = re.compile(r"^(use this (tool|function|endpoint|api|method) to|this (tool|function|endpoint|api|method) (will |can )?|"
                     r"(it )?(allows|lets|enables) (you|users?|the user|the caller|clients?) to|used to|helps? (you )?(to )?|"
                     r"(an? )?(api|endpoint|tool|function|method) (that|which|to|for) |call this to|tool to|function to|"
                     r"endpoint to|api to|method to)\s*", re.I)
_DETS = (r"(?:a|an|the given|given|the specified|specified|one or more|one|some|its|their|two|multiple|several|any|"
         r"the provided|provided|a given|an optional|optional|the requested|requested|the chosen|selected|"
         r"the selected|a particular|particular|certain|a specific|specific|the specific|arbitrary|each|every|"
         r"zero or more|filters|criteria|parameters|id|ids|identifier|unique|the id|the identifier|the input|"
         r"input|up to)")
_TRIM = re.compile(
    r"(?:\s+(?:for|from|in|with|between|at|within|using|via|near|across|under|around|over|based on|"
    r"according to)\s+" + _DETS + r"\b"
    r"|\s+on\s+(?:the given|given|a given|a date|a day|two|one or more)\b"
    r"|\s+(?:to|for)\s+(?:one|a single|multiple)\b"
    r"|\s+by\b|\s*\(|\s*,|\s*;|\s*:|\s+-\s+|\s+—\s+|\s+whose\b|\s+that\b|\s+which\b|\s+when\b|\s+if\b"
    r"|\s+and\s+(?:return|returns|get|gets|optionally|provide|provides)\b"
    r"|\s+(?:optionally|returning|including|sorted|filtered|with optional|identified|specified|e\.g\.)\b).*$",
    re.I | re.S)
_PRONOUNS = [(re.compile(r"\b(the )?(user|customer) (has|had)\b", re.I), "I have"),
             (re.compile(r"\b(the )?(user|customer) (is|was)\b", re.I), "I am"),
             (re.compile(r"\b(the|a) (user|customer|caller|patient)'s\b", re.I), "my"),
             (re.compile(r"\b(user|customer)'s\b", re.I), "my"),
             (re.compile(r"\bthe user\b", re.I), "me")]


@dataclass
class ToolInfo:
    name: str
    domain: str
    verb: str  # normalised base verb ("get", "search for", "book")
    vp: str  # verb phrase without parameters ("get the current weather")
    np: str | None  # object noun phrase for "What is ..." frames ("the current weather"), or None
    params: list[ParamInfo]
    action: str | None = None  # effect action
    collection: str | None = None
    record: str = ""  # record noun of the effect's collection ("booking")
    keywords: frozenset[str] = field(default_factory=frozenset)

    @property
    def required(self) -> list[ParamInfo]:
        return [p for p in self.params if p.required]

    @property
    def optional(self) -> list[ParamInfo]:
        return [p for p in self.params if not p.required]

    def param(self, name: str) -> ParamInfo:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


def _name_vp(name: str) -> str:
    words = [w.lower() for w in lang.words_of(name)]
    if not words:
        return "run " + name
    verb = lang.base_verb(words[0])
    rest = " ".join(lang.humanize(w) for w in words[1:])
    if verb:
        verb = lang.normal_verb(verb)
        if not rest:
            return verb
        if verb in ("search", "look"):
            verb = "search for" if verb == "search" else "look up"
        det = "" if rest.endswith("s") and not rest.endswith("ss") else ("the " if verb in lang.INFO_VERBS or verb in (
            "get", "look up", "cancel", "delete", "update", "remove", "change") else lang.article(rest) + " ")
        return f"{verb} {det}{rest}"
    return "get the " + " ".join(lang.humanize(w) for w in words)


def _user_voice(text: str) -> str:
    for pat, rep in _PRONOUNS:
        text = pat.sub(rep, text)
    return text


def intent_of(name: str, description: str) -> tuple[str, str]:
    """Return (normalised verb, verb phrase) for a tool."""
    d = (description or "").strip()
    d = re.split(r"(?<=[a-z0-9)\]])[.!?](\s|$)|\n", d, maxsplit=1)[0].strip()
    d = _PREFIX.sub("", d).strip()
    d = d.replace("(s)", "s").replace("`", "").replace('"', "")
    words = d.split()
    vp = ""
    v = lang.base_verb(words[0].strip(",:")) if words else None
    if v and len(words) > 1 and words[1].lower() in ("how", "what", "which", "whether", "if", "when", "who", "where"):
        v = None
        words = []
    if v:
        rest = " ".join(words[1:])
        rest = _TRIM.sub("", " " + rest).strip() if rest else ""
        if v == "look" and rest.lower().startswith("up "):
            v, rest = "look up", rest[3:]
        elif v == "look" and rest.lower().startswith("for "):
            v, rest = "look for", rest[4:]
        elif v == "search" and rest.lower().startswith("for "):
            rest = rest[4:]
        v = lang.normal_verb(v)
        if v == "search" and not re.match(r"^(the|a|an|my|your|all|our)\b", rest, re.I):
            v = "search for"
        if v == "turn" and rest.lower().startswith(("on ", "off ")):
            v, rest = "turn " + rest.split()[0].lower(), " ".join(rest.split()[1:])
        rest = _user_voice(lang.lower_first(rest))
        if rest and len(rest.split()) <= 14:
            vp = f"{v} {rest}"
    elif words and not lang.base_verb(lang.words_of(name)[0] if lang.words_of(name) else ""):
        np_ = _TRIM.sub("", " " + d).strip()
        if np_ and len(np_.split()) <= 8 and not any(c in np_ for c in "{}[]=_"):
            np_ = _user_voice(lang.lower_first(np_))
            det = "" if re.match(r"^(the|a|an|your|my|all)\b", np_, re.I) else "the "
            vp = f"get {det}{np_}"
    if not vp or any(c in vp for c in "{}[]=_<>|"):
        vp = _name_vp(name)
    vp = re.sub(r"\s+", " ", vp).strip()
    verb = vp.split(" ", 1)[0]
    if vp.startswith(("look up", "search for", "look for", "turn on", "turn off", "set up")):
        verb = " ".join(vp.split()[:2])
    return verb, vp


def info_np(verb: str, vp: str) -> str | None:
    """The object of an information-seeking verb phrase: 'get the current weather' -> 'the current weather'."""
    if verb not in ("get", "show", "look up", "check"):
        return None
    obj = vp[len(verb):].strip()
    if not obj or len(obj.split()) > 8:
        return None
    if obj.startswith(("the ", "a ", "an ")):
        obj = "the " + obj.split(" ", 1)[1] if not obj.startswith("the ") else obj
    elif obj.startswith(("my ", "your ", "all ", "whether ", "if ", "how ", "what ", "which ")):
        return None if not obj.startswith(("my ", "your ", "all ")) else obj
    else:
        obj = "the " + obj
    return obj


_STOP = {"a", "an", "the", "of", "for", "to", "in", "on", "by", "and", "or", "with", "get", "set", "list", "search",
         "find", "create", "update", "delete", "show", "your", "my", "from", "at", "is", "it", "this", "that"}


def keywords_of(name: str, description: str) -> frozenset[str]:
    ws = [w.lower() for w in lang.words_of(name)] + re.findall(r"[a-z]+", description.lower())
    return frozenset(lang.singular(w) for w in ws if len(w) > 2 and w not in _STOP)


# ---------------------------------------------------------------------------------------------
# links between tools


@dataclass(frozen=True)
class Link:
    """``producer``'s response feeds ``consumer``'s parameter ``param`` via ``path`` (below the label).

    ``relation``: "first" (first record of a list/search result), "record" (the record a
    create/read/update returned) or "value" (a plain response field of a stateless tool).
    """

    producer: str
    consumer: str
    param: str
    path: str
    relation: str
    record: str  # record noun ("flight")
    strength: int  # 2: state-backed id link, 1: plain value link


def _type_of(s: dict[str, Any]) -> str | None:
    t = s.get("type") if isinstance(s, dict) else None
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    return t


def _compatible(src: dict[str, Any], dst: dict[str, Any]) -> bool:
    ts, td = _type_of(src), _type_of(dst)
    if td is not None and ts is not None and ts != td and not (ts == "integer" and td == "number"):
        return False
    if dst.get("enum"):
        return bool(src.get("enum")) and set(map(str, src["enum"])) <= set(map(str, dst["enum"]))
    for key in ("format", "pattern"):
        if key in dst and dst.get(key) != src.get(key):
            return False
    if "minimum" in dst or "maximum" in dst or "minLength" in dst or "maxLength" in dst:
        return False
    return td in ("string", "integer", "number", None)


def _first_list_prop(response: dict[str, Any] | None) -> tuple[str, dict[str, Any]] | None:
    if not response or not response.get("properties"):
        return ("results", {})  # the simulator's default list response
    for p, sub in response["properties"].items():
        if isinstance(sub, dict) and sub.get("type") == "array" and isinstance(sub.get("items"), dict) \
                and sub["items"].get("type", "object") == "object" and "properties" in sub["items"]:
            return p, sub["items"]
    return None


def _record_noun(coll_name: str) -> str:
    return lang.singular(lang.humanize(coll_name))


def _id_like(name: str) -> bool:
    return bool(re.search(r"(^|_)(id|uuid|ref|reference|code|number)$|Id$|ID$", name))


def compute_links(registry: Any, infos: dict[str, ToolInfo]) -> dict[str, list[Link]]:
    """producer name -> links to consumers."""
    out: dict[str, list[Link]] = {n: [] for n in registry.tools}
    # index consumers by parameter name
    by_param: dict[str, list[tuple[Any, str]]] = {}
    for t in registry.tools.values():
        for p, sub in t.properties.items():
            by_param.setdefault(p, []).append((t, p))
    for prod in registry.tools.values():
        tk = registry.toolkit_of(prod.name)
        eff = prod.effect
        coll = tk.collections.get(eff.collection) if eff else None
        # what the producer's response offers: field name -> (path, schema, relation, record noun)
        offers: dict[str, tuple[str, dict[str, Any], str, str]] = {}
        if eff and coll is not None and eff.action in ("search", "list"):
            if not coll.generate_on_search and coll.initial == 0:
                continue
            lp = _first_list_prop(prod.response)
            if lp is None:
                continue
            prop, items = lp
            fields = items.get("properties") if items else coll.schema.get("properties", {})
            for f, fs in (fields or {}).items():
                rec_s = coll.schema["properties"].get(f)
                if rec_s is None:
                    continue  # generated per response, not a record field: not stable
                offers[f] = (f"{prop}/0/{f}", rec_s, "first", _record_noun(coll.name))
        elif eff and coll is not None and eff.action in ("create", "read", "update"):
            resp = prod.response
            props = (resp or {}).get("properties") or {}
            if not props:  # default response: the record itself
                for f, fs in coll.schema["properties"].items():
                    offers[f] = (f, fs, "record", _record_noun(coll.name))
            else:
                for f, fs in props.items():
                    if f in coll.schema["properties"]:
                        offers[f] = (f, coll.schema["properties"][f], "record", _record_noun(coll.name))
                    elif isinstance(fs, dict) and fs.get("type") == "object" and "properties" in fs:
                        for g in fs["properties"]:
                            if g in coll.schema["properties"] and g not in offers:
                                offers[g] = (f"{f}/{g}", coll.schema["properties"][g], "record", _record_noun(coll.name))
        elif eff is None and prod.response and prod.response.get("properties"):
            req = set(prod.response.get("required", []))
            for f, fs in prod.response["properties"].items():
                if f in req and isinstance(fs, dict):
                    offers[f] = (f, fs, "value", "")
        for f, (path, fs, relation, rec_noun) in offers.items():
            for cons, p in by_param.get(f, []):
                if cons.name == prod.name:
                    continue
                ce = cons.effect
                ctk = registry.toolkit_of(cons.name)
                # an id parameter of a stateful consumer must come from the same collection's state
                if ce and ce.action in ("read", "update", "delete"):
                    cc = ctk.collections[ce.collection]
                    id_param = ce.id_param or cc.id_field
                    if p == id_param:
                        if not (eff and coll is not None and ctk is tk and eff.collection == ce.collection and relation != "value"):
                            continue
                        out[prod.name].append(Link(prod.name, cons.name, p, path, relation, rec_noun or _record_noun(cc.name), 2))
                        continue
                if p not in cons.required:
                    continue
                if relation == "value":
                    if not _id_like(p) or not _compatible(fs, cons.properties[p]):
                        continue
                    # a stateless value can't name a stateful record
                    owner = _id_owner(ctk, p)
                    if owner is not None:
                        continue
                    out[prod.name].append(Link(prod.name, cons.name, p, path, relation, rec_noun, 1))
                    continue
                if not _compatible(fs, cons.properties[p]):
                    continue
                strength = 2 if (coll is not None and f == coll.id_field) else 1
                if strength == 1 and not _id_like(p):
                    continue
                out[prod.name].append(Link(prod.name, cons.name, p, path, relation, rec_noun, strength))
    return out


def _id_owner(toolkit: Any, field_name: str) -> str | None:
    for c in toolkit.collections.values():
        if c.id_field == field_name:
            return c.name
    return None


def analyse(registry: Any) -> tuple[dict[str, ToolInfo], dict[str, list[Link]]]:
    infos: dict[str, ToolInfo] = {}
    for name, t in registry.tools.items():
        tk = registry.toolkit_of(name)
        id_records = {c.id_field: _record_noun(c.name) for c in tk.collections.values()}
        req = set(t.required)
        params = [make_param(p, s, p in req, id_records) for p, s in t.properties.items()]
        verb, vp = intent_of(name, t.description)
        eff = t.effect
        coll = tk.collections.get(eff.collection) if eff else None
        info = ToolInfo(name=name, domain=t.domain, verb=verb, vp=vp, np=info_np(verb, vp), params=params,
                        action=eff.action if eff else None, collection=eff.collection if eff else None,
                        record=_record_noun(coll.name) if coll else "",
                        keywords=keywords_of(name, t.description))
        if eff and coll is not None and eff.action in ("read", "update", "delete"):
            idp = eff.id_param or coll.id_field
            for p in params:
                if p.name == idp:
                    p.kind, p.record = "id", info.record
        infos[name] = info
    return infos, compute_links(registry, infos)
