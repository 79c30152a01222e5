"""Realistic, schema-valid values, picked by JSON-Schema constraints and property-name semantics.

Faker is slow per call (~60 µs for a city), so each semantic kind gets a pool of values drawn
once per process from a Faker seeded with a fixed seed; episodes then pick from the pools with
their own seeded `random.Random`. The same seed therefore gives the same values in every process.
"""

from __future__ import annotations

import random
import re
import string
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Callable

POOL_SIZE = 256
POOL_SEED = 20261125
BASE_DATE = date(2026, 12, 1)  # "today" of the simulated world: fixed, so episodes are reproducible

_pools: dict[str, list[Any]] = {}
_faker = None


def _fk():
    global _faker
    if _faker is None:
        from faker import Faker

        _faker = Faker("en_US")
    return _faker


def _ascii(s: str) -> str:
    return s.encode("ascii", "ignore").decode() or "x"


_POOL_MAKERS: dict[str, Callable[[Any], Any]] = {
    "city": lambda f: f.city(),
    "country": lambda f: f.country(),
    "country_code": lambda f: f.country_code(),
    "state": lambda f: f.state(),
    "street": lambda f: f.street_address(),
    "address": lambda f: f.address().replace("\n", ", "),
    "postcode": lambda f: f.postcode(),
    "first_name": lambda f: f.first_name(),
    "last_name": lambda f: f.last_name(),
    "name": lambda f: f.name(),
    "company": lambda f: f.company(),
    "email": lambda f: f.email(),
    "phone": lambda f: f.numerify("+1-###-###-####"),
    "url": lambda f: f.url(),
    "username": lambda f: f.user_name(),
    "word": lambda f: f.word(),
    "title": lambda f: f.catch_phrase(),
    "sentence": lambda f: f.sentence(nb_words=8),
    "paragraph": lambda f: f.paragraph(nb_sentences=2),
    "job": lambda f: f.job(),
    "color": lambda f: f.color_name(),
    "currency": lambda f: f.currency_code(),
    "iban": lambda f: f.iban(),
    "product": lambda f: f"{f.color_name()} {f.word().capitalize()} {f.random_element(['Lamp', 'Chair', 'Headphones', 'Backpack', 'Watch', 'Kettle', 'Jacket', 'Speaker', 'Notebook', 'Bottle'])}",
    "airline": lambda f: f.random_element(["Air France", "Lufthansa", "Delta", "United", "KLM", "Iberia", "Emirates", "Qantas", "ANA", "SAS"]),
    "airport": lambda f: f.random_element(["CDG", "LHR", "JFK", "SFO", "FRA", "AMS", "MAD", "NRT", "SYD", "LAX", "ORD", "DXB", "LYS", "OSL", "LIM"]),
    "artist": lambda f: f.name(),
    "song": lambda f: f"{f.word().capitalize()} {f.word().capitalize()}",
    "ingredient": lambda f: f.random_element(["tomato", "garlic", "onion", "basil", "chicken", "rice", "lentils", "spinach", "salmon", "mushroom", "tofu", "lemon"]),
    "cuisine": lambda f: f.random_element(["italian", "mexican", "japanese", "indian", "french", "thai", "greek", "spanish"]),
    "specialty": lambda f: f.random_element(["cardiology", "dermatology", "pediatrics", "neurology", "orthopedics", "general practice"]),
    "hotel": lambda f: f"{f.last_name()} {f.random_element(['Hotel', 'Inn', 'Suites', 'Resort', 'Lodge'])}",
    "uuid": lambda f: f.uuid4(),
    "label": lambda f: f"{f.word().capitalize()} {f.random_element(['Plan', 'Mix', 'Corner', 'Routine', 'Collection', 'Spot', 'List', 'Selection', 'Studio', 'House'])}",
}


def pool(kind: str) -> list[Any]:
    """The process-wide pool of values for a semantic kind (deterministic)."""
    p = _pools.get(kind)
    if p is None:
        f = _fk()
        f.seed_instance(POOL_SEED + sum(map(ord, kind)))
        maker = _POOL_MAKERS[kind]
        vals: list[Any] = []
        seen: set[Any] = set()
        for _ in range(POOL_SIZE * 4):
            v = maker(f)
            if isinstance(v, str):
                v = _ascii(v)
            if v not in seen:
                seen.add(v)
                vals.append(v)
            if len(vals) >= POOL_SIZE:
                break
        p = _pools[kind] = vals
    return p


# name pattern -> semantic kind (first match wins); applied to the lower-cased property name
_NAME_KINDS: list[tuple[re.Pattern[str], str]] = [(re.compile(p), k) for p, k in [
    (r"e-?mail", "email"),
    (r"phone|mobile|tel$", "phone"),
    (r"url|website|link|homepage", "url"),
    (r"first_?name|given_name", "first_name"),
    (r"last_?name|surname|family_name", "last_name"),
    (r"user_?name|handle|login", "username"),
    (r"airline|carrier", "airline"),
    (r"airport|iata", "airport"),
    (r"country_code", "country_code"),
    (r"country|nationality", "country"),
    (r"(^|_)state$|province|region", "state"),
    (r"origin|destination|city|town|location|from_city|to_city|place", "city"),
    (r"zip|postal|postcode", "postcode"),
    (r"street", "street"),
    (r"address", "address"),
    (r"currency", "currency"),
    (r"iban|account_number", "iban"),
    (r"company|employer|organi[sz]ation|merchant|vendor", "company"),
    (r"hotel", "hotel"),
    (r"artist|author|composer|singer|band", "artist"),
    (r"song|track_?name|album", "song"),
    (r"ingredient", "ingredient"),
    (r"cuisine", "cuisine"),
    (r"specialt", "specialty"),
    (r"product_?name|item_?name", "product"),
    (r"job|occupation|position", "job"),
    (r"colou?r", "color"),
    (r"(^|_)(name|full_name|passenger|patient_name|guest|contact|recipient_name|customer_name|doctor_name|organizer)$|_name$", "name"),
    (r"title|subject|headline|summary", "title"),
    (r"description|notes?$|message|body|text|content|comment|reason|bio", "sentence"),
    (r"query|keyword|search|term", "word"),
]]

_NUM_HINTS: list[tuple[re.Pattern[str], tuple[float, float, int]]] = [
    (re.compile(p), r) for p, r in [
        (r"price|cost|amount|fare|total|balance|fee|budget|salary", (5.0, 2000.0, 2)),
        (r"rating|stars|score", (1.0, 5.0, 1)),
        (r"lat(itude)?$", (-60.0, 70.0, 4)),
        (r"lon(gitude)?$|lng$", (-170.0, 170.0, 4)),
        (r"temp|(^|_)(high|low|feels_like|dew_point)$", (-10.0, 38.0, 1)),
        (r"percent|humidity|probability|chance", (0.0, 100.0, 0)),
        (r"quantity|count|guests|passengers|seats|nights|people|adults|servings", (1, 6, 0)),
        (r"year", (1970, 2026, 0)),
        (r"duration|minutes", (5, 240, 0)),
        (r"distance|km|miles", (0.5, 900.0, 1)),
        (r"age", (1, 95, 0)),
        (r"calories", (80, 1200, 0)),
        (r"limit|max_results|page_size|top_k|^n$", (1, 10, 0)),
    ]]

_ID_RE = re.compile(r"(^|_)(id|uuid|code|number|ref|reference)$")


@lru_cache(maxsize=4096)
def name_kind(name: str) -> str | None:
    """The semantic kind a property name suggests, or None."""
    n = name.lower()
    for pat, kind in _NAME_KINDS:
        if pat.search(n):
            return kind
    return None


def _schema_type(schema: dict[str, Any]) -> str | None:
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if t is None:
        if "properties" in schema:
            return "object"
        if "items" in schema:
            return "array"
        if "enum" in schema and schema["enum"]:
            return None
        for key in ("anyOf", "oneOf"):
            if key in schema and schema[key]:
                return None
    return t


_PERSONISH = re.compile(r"person|passenger|patient|customer|contact|user|guest|owner|full name|first and last|"
                        r"recipient|sender|employee|doctor|author|attendee|traveller|traveler")


@lru_cache(maxsize=4096)
def _num_hint(n: str, integer: bool) -> tuple[float, float, int]:
    for pat, (a, b, d) in _NUM_HINTS:
        if pat.search(n):
            return float(a), float(b), d
    return 0.0, (50.0 if integer else 100.0), 2


@lru_cache(maxsize=8192)
def _string_kind(n: str, fmt: str | None, has_pattern: bool) -> str:
    """How to generate a string property: a format keyword, 'pattern', 'id', or a pool kind."""
    if fmt in (None, "date") and re.search(r"birth|(^|_)dob$", n):
        return "birth-date"
    if fmt == "date" or (fmt is None and re.search(r"(^|_)(date|day|check_in|check_out|birthday|dob|deadline)$|_date$|^date_", n)):
        return "date"
    if fmt == "date-time" or re.search(r"(_at|timestamp|datetime|start_time|end_time)$", n):
        return "date-time"
    if fmt == "time" or re.search(r"(^|_)time$", n):
        return "time"
    if fmt == "email":
        return "email"
    if fmt in ("uri", "url", "iri"):
        return "url"
    if fmt == "uuid":
        return "uuid"
    if fmt == "ipv4":
        return "ipv4"
    if has_pattern:
        return "pattern"
    if _ID_RE.search(n):
        return "id"
    return name_kind(n) or "word"


_PAIRS = (("low", "high"), ("min", "max"), ("minimum", "maximum"), ("start", "end"), ("check_in", "check_out"),
          ("departure", "arrival"), ("from", "to"), ("sunrise", "sunset"), ("opens", "closes"))


def _order_pairs(obj: dict[str, Any], props: dict[str, Any]) -> None:
    """Swap generated values of paired fields (low/high, start_*/end_*, check_in/check_out...)
    when they came out in the wrong order, if both schemas allow the swap."""
    if len(obj) < 2:
        return
    for a, b in _PAIRS:
        for ka in [k for k in obj if k == a or k.startswith(a + "_") or k.endswith("_" + a)]:
            kb = ka.replace(a, b, 1) if ka.startswith(a) else ka[: len(ka) - len(a)] + b
            if kb not in obj or ka == kb:
                continue
            va, vb = obj[ka], obj[kb]
            comparable = (isinstance(va, str) and isinstance(vb, str)) or (
                isinstance(va, (int, float)) and isinstance(vb, (int, float)) and not isinstance(va, bool))
            if comparable and va > vb and _same_constraints(props.get(ka, {}), props.get(kb, {})):
                obj[ka], obj[kb] = vb, va


def _same_constraints(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Both schemas accept the same values (descriptions aside), so swapping values is safe."""
    return {k: v for k, v in a.items() if k != "description"} == {k: v for k, v in b.items() if k != "description"}


class ValueGenerator:
    """Schema-valid realistic values; all randomness comes from ``rng``."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def value(self, schema: dict[str, Any] | None, name: str = "", depth: int = 0) -> Any:
        schema = schema or {}
        rng = self.rng
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return rng.choice(schema["enum"])
        for key in ("anyOf", "oneOf"):
            if schema.get(key):
                sub = rng.choice(schema[key])
                return self.value(sub if isinstance(sub, dict) else {}, name, depth)
        t = _schema_type(schema)
        if t == "object":
            return self.object(schema, depth)
        if t == "array":
            return self.array(schema, name, depth)
        if t == "boolean":
            return rng.random() < 0.5
        if t == "integer":
            return int(self.number(schema, name, integer=True))
        if t == "number":
            return self.number(schema, name, integer=False)
        if t == "null":
            return None
        return self.string(schema, name)

    def object(self, schema: dict[str, Any], depth: int = 0, fill_optional: float = 0.7) -> dict[str, Any]:
        props = schema.get("properties", {})
        req = set(schema.get("required", []))
        out: dict[str, Any] = {}
        if depth > 6:
            return {k: self.value(props[k], k, depth + 1) for k in props if k in req}
        for k, sub in props.items():
            if k in req or self.rng.random() < fill_optional:
                out[k] = self.value(sub if isinstance(sub, dict) else {}, k, depth + 1)
        _order_pairs(out, props)
        return out

    def array(self, schema: dict[str, Any], name: str = "", depth: int = 0) -> list[Any]:
        lo = int(schema.get("minItems", 1 if depth == 0 else 1))
        hi = int(schema.get("maxItems", max(lo, 3)))
        hi = max(lo, min(hi, lo + 4))
        n = self.rng.randint(lo, hi)
        items = schema.get("items", {"type": "string"})
        if isinstance(items, list):  # tuple-style
            return [self.value(s, name, depth + 1) for s in items]
        singular = name[:-1] if name.endswith("s") else name
        vals = [self.value(items, singular, depth + 1) for _ in range(n)]
        if vals and all(isinstance(v, dict) for v in vals):
            for key in ("date", "datetime", "timestamp", "time", "start_time", "departure_time"):
                if all(isinstance(v.get(key), str) for v in vals):
                    vals.sort(key=lambda v: v[key])  # a forecast or a timetable reads in order
                    break
        if schema.get("uniqueItems"):
            uniq: list[Any] = []
            for v in vals:
                if v not in uniq:
                    uniq.append(v)
            vals = uniq
        return vals

    def number(self, schema: dict[str, Any], name: str = "", integer: bool = False) -> float | int:
        lo, hi, digits = _num_hint(name.lower(), integer)
        if "minimum" in schema:
            lo = max(lo, float(schema["minimum"])) if lo < float(schema.get("maximum", 1e18)) else float(schema["minimum"])
        if "exclusiveMinimum" in schema:
            lo = max(lo, float(schema["exclusiveMinimum"]) + (1 if integer else 0.01))
        if "maximum" in schema:
            hi = min(hi, float(schema["maximum"])) if hi > lo else float(schema["maximum"])
        if "exclusiveMaximum" in schema:
            hi = min(hi, float(schema["exclusiveMaximum"]) - (1 if integer else 0.01))
        if hi < lo:
            lo, hi = float(schema.get("minimum", lo)), float(schema.get("maximum", lo + 10))
            if hi < lo:
                hi = lo
        if integer:
            import math

            a, b = math.ceil(lo), math.floor(hi)
            v: float | int = self.rng.randint(a, b) if b >= a else a
            mult = schema.get("multipleOf")
            if isinstance(mult, int) and mult > 0:
                v = max(a, (int(v) // mult) * mult)
            return int(v)
        v = round(self.rng.uniform(lo, hi), digits)
        v = min(max(v, lo), hi)
        return float(v) if digits else float(round(v))

    def date(self, days_ahead: int | None = None) -> date:
        d = self.rng.randint(-20, 120) if days_ahead is None else days_ahead
        return BASE_DATE + timedelta(days=d)

    def string(self, schema: dict[str, Any], name: str = "") -> str:
        rng = self.rng
        n = name.lower()
        kind = _string_kind(n, schema.get("format"), "pattern" in schema)
        if kind == "name" and n in ("name", "display_name", "title_name") and not _PERSONISH.search(
                str(schema.get("description", "")).lower()):
            kind = "label"
        if kind == "date":
            s = self.date().isoformat()
        elif kind == "birth-date":
            s = date(rng.randint(1950, 2006), rng.randint(1, 12), rng.randint(1, 28)).isoformat()
        elif kind == "date-time":
            dt = datetime.combine(self.date(), datetime.min.time(), tzinfo=timezone.utc) + timedelta(minutes=15 * rng.randint(28, 80))
            s = dt.isoformat().replace("+00:00", "Z")
        elif kind == "time":
            s = f"{rng.randint(7, 20):02d}:{rng.choice([0, 15, 30, 45]):02d}"
        elif kind == "ipv4":
            s = ".".join(str(rng.randint(1, 254)) for _ in range(4))
        elif kind == "pattern":
            s = self.from_pattern(schema["pattern"])
        elif kind == "id":
            prefix = "".join(w[:1] for w in n.split("_")[:-1]).upper() or "ID"
            s = f"{prefix}{rng.randint(10000, 99999)}"
        else:
            s = rng.choice(pool(kind))
        lo = int(schema.get("minLength", 0))
        hi = schema.get("maxLength")
        if hi is not None and len(s) > int(hi):
            s = s[: int(hi)]
        if len(s) < lo:
            s = s + "".join(rng.choice(string.ascii_lowercase) for _ in range(lo - len(s)))
        return s

    def from_pattern(self, pattern: str) -> str:
        """A string for simple patterns (anchors, classes, literal chars, {n}/{a,b}/+/?); fallback word."""
        rng = self.rng
        p = pattern.strip("^$")
        out = []
        i = 0
        classes = {"\\d": string.digits, "\\w": string.ascii_letters + string.digits, "[A-Z]": string.ascii_uppercase,
                   "[a-z]": string.ascii_lowercase, "[0-9]": string.digits, "[A-Za-z]": string.ascii_letters,
                   "[A-Z0-9]": string.ascii_uppercase + string.digits, "[a-z0-9]": string.ascii_lowercase + string.digits}
        try:
            while i < len(p):
                chars = None
                for tok, cs in classes.items():
                    if p.startswith(tok, i):
                        chars, i = cs, i + len(tok)
                        break
                if chars is None:
                    c = p[i]
                    if c == "\\" and i + 1 < len(p):
                        chars, i = p[i + 1], i + 2
                    elif c in "[](){}*+?|.":
                        raise ValueError(pattern)
                    else:
                        chars, i = c, i + 1
                lo = hi = 1
                if i < len(p) and p[i] == "{":
                    j = p.index("}", i)
                    parts = p[i + 1:j].split(",")
                    lo = int(parts[0])
                    hi = int(parts[1]) if len(parts) > 1 and parts[1] else lo
                    i = j + 1
                elif i < len(p) and p[i] in "+*?":
                    lo, hi = {"+": (1, 3), "*": (0, 3), "?": (0, 1)}[p[i]]
                    i += 1
                out.append("".join(rng.choice(chars) for _ in range(rng.randint(lo, hi))))
            return "".join(out)
        except (ValueError, IndexError):
            return rng.choice(pool("word"))
