"""Differential testing of the multi-turn backends against the official ones (``bfcl-eval``).

Both implementations are driven with the same seeded call sequences: every function of the
backend's function doc, with valid arguments (values drawn from the scenario: names, ids, paths,
numbers found in the initial config, the doc's enums) and invalid ones (wrong types, missing or
unknown arguments, empty, negative, huge, None), starting from every ``initial_config`` of the
four multi-turn categories (``long_context=True`` for the long-context one). After every call the
result string (as the official executor turns a result into text) and the public state (every
attribute not starting with ``_``, objects by their public attributes, ``parent`` back-links
left out) must be equal.

    python -m tests.suites.bfcl_differential [--backend NAME] [--calls N] [--seed S] [--show K]

prints the differences per backend and function (needs ``pip install --no-deps
bfcl-eval==2026.3.23 mpmath`` and the BFCL data beside the checkout or in ``TOOLENV_BFCL_DATA``).
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

OFFICIAL_PACKAGE = "bfcl_eval.eval_checker.multi_turn_eval.func_source_code"
OFFICIAL_MODULE = {
    "GorillaFileSystem": "gorilla_file_system",
    "MathAPI": "math_api",
    "MessageAPI": "message_api",
    "TwitterAPI": "posting_api",
    "TicketAPI": "ticket_api",
    "TradingBot": "trading_bot",
    "TravelAPI": "travel_booking",
    "VehicleControlAPI": "vehicle_control",
}
CATEGORIES = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")


def official_available() -> str | None:
    """None when the official backends import, else why not."""
    try:
        for mod in OFFICIAL_MODULE.values():
            importlib.import_module(f"{OFFICIAL_PACKAGE}.{mod}")
    except Exception as e:  # noqa: BLE001 - any failure means: skip with the reason
        return f"the official backends do not import ({type(e).__name__}: {e}); pip install --no-deps bfcl-eval==2026.3.23 mpmath"
    return None


def official_class(name: str) -> type:
    return getattr(importlib.import_module(f"{OFFICIAL_PACKAGE}.{OFFICIAL_MODULE[name]}"), name)


def our_class(name: str) -> type:
    from toolenv.suites.bfcl.backends import CLASSES

    return CLASSES[name]


# ---------------------------------------------------------------------------------- data
def load_docs(data_dir: Path) -> dict[str, list[dict[str, Any]]]:
    from toolenv.suites.bfcl.backends import DOC_FILES

    out = {}
    for cls, fname in DOC_FILES.items():
        lines = (data_dir / "multi_turn_func_doc" / fname).read_text().splitlines()
        out[cls] = [json.loads(x) for x in lines if x.strip()]
    return out


@dataclass(frozen=True)
class Scenario:
    cls: str
    config_json: str  # the class's initial config, JSON (hashable; a fresh copy per use)
    long_context: bool
    source: str  # "category/entry id" of its first occurrence

    @property
    def config(self) -> dict[str, Any]:
        return json.loads(self.config_json)


def scenarios(data_dir: Path) -> list[Scenario]:
    """Every distinct (class, initial config, long-context flag) of the four categories."""
    seen: dict[tuple[str, str, bool], Scenario] = {}
    for cat in CATEGORIES:
        path = data_dir / f"BFCL_v4_{cat}.json"
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            e = json.loads(line)
            for cls in e["involved_classes"]:
                cfg = json.dumps(e["initial_config"].get(cls, {}), sort_keys=True)
                key = (cls, cfg, cat == "multi_turn_long_context")
                if key not in seen:
                    seen[key] = Scenario(cls, cfg, key[2], f"{cat}/{e['id']}")
    return list(seen.values())


# ---------------------------------------------------------------------------------- values
def harvest(x: Any, out: dict[str, set]) -> None:
    """Strings, ints and floats found anywhere in a config (keys included)."""
    if isinstance(x, dict):
        for k, v in x.items():
            harvest(k, out)
            harvest(v, out)
    elif isinstance(x, list):
        for v in x:
            harvest(v, out)
    elif isinstance(x, bool):
        pass
    elif isinstance(x, int):
        out["int"].add(x)
    elif isinstance(x, float):
        out["float"].add(x)
    elif isinstance(x, str):
        out["str"].add(x)
        if x.isdigit():
            out["int"].add(int(x))


GENERIC_STR = ["", " ", "test", "file.txt", "document", "..", ".", "/", "a/b", "USD", "EUR", "NYC", "SFO", "LAX",
               "2024-12-25", "economy", "business", "first", "user", "admin", "password", "hello world", "*", "null",
               "AAPL", "GOOG", "NVDA", "Open", "Closed", "in progress", "high", "low", "°C", "Alice", "bob", "unknown"]
GENERIC_NUM = [0, 1, 2, 3, 5, 10, 100, -1, 1.5, 0.5, 99.99, 1e9, -3.2]


#: extra argument values per backend, drawn as often as the config's own: valid values the configs
#: lack (names, sectors, dates, order types), so that successful calls are exercised too
HINTS: dict[str, dict[str, list]] = {
    "TradingBot": {"str": ["Technology", "Automobile", "technology", "Apple", "Nvidia", "Zeta Corp", "Quasar Ltd.",
                           "Gorilla", "Buy", "Sell", "buy", "2024-09-01", "2024-09-02", "2024-08-31", "2024-9-1",
                           "AAPL", "GOOG", "TSLA", "MSFT", "NVDA", "ZETA", "ALPH", "OMEG"] * 2},
    "TicketAPI": {"str": ["Open", "Closed", "Resolved", "open", "In Progress"], "int": [1, 2, 3, 4, 5]},
    "TravelAPI": {"str": ["SFO", "LAX", "JFK", "RMS", "CRH", "LHR", "CDG", "PVG", "2024-11-15", "2024-12-24", "2024-13-01",
                          "economy", "business", "first", "RMB", "GBP", "JPY", "Rivermist", "London", "1990-01-01",
                          "2015-06-30", "US1234567", "booking_901", "1234567812345678"] * 2},
    "VehicleControlAPI": {"str": ["START", "STOP", "engage", "release", "on", "off", "auto", "fuel", "battery", "doors",
                                  "climate", "headlights", "parkingBrake", "brakePedal", "engine", "fahrenheit", "cool",
                                  "Rivermist", "Stonebrook", "Silverpine", "San Francisco", "83214", "74532", "94016",
                                  "62947", "08540", "driver", "passenger", "rear_left", "rear_right"] * 2,
                          "float": [1.0, 1, 0.7, 65.0, 30.0, 120.0]},
}

HINTS["MathAPI"] = {"str": ["m", "km", "cm", "mm", "um", "nm", "in", "ft", "yd", "miles", "kg", "lb", "celsius",
                             "fahrenheit", "2", " 8 ", "1e3", "inf", "-inf", "nan", "1/3", "2.5L"] * 2,
                     "int": [2, 4, 8, 16, 0, -2, 7, 20, 50, 300, 2000], "float": [0.25, 2.0, 1e-300, 1e308, -0.0, 1.0000000001]}


def _too_costly_math(name: str, kw: dict[str, Any]) -> bool:
    """MathAPI calls the official code would run for minutes (or out of memory) on: skipped."""
    def as_int(v: Any) -> int | None:
        try:
            return int(v)
        except Exception:  # noqa: BLE001
            return None
    if name == "logarithm":
        from toolenv.suites.bfcl.backends.math_api import MAX_LOG_DIGITS
        return (as_int(kw.get("precision")) or 0) > MAX_LOG_DIGITS
    if name == "square_root":
        from toolenv.suites.bfcl.backends.math_api import MAX_SQRT_DIGITS
        p = kw.get("precision")
        return isinstance(p, int) and p > MAX_SQRT_DIGITS
    if name == "power":
        b, e = kw.get("base"), kw.get("exponent")
        return isinstance(b, int) and isinstance(e, int) and e > 0 and (abs(b).bit_length() - 1) * e > 1 << 22
    if name == "round_number":
        n, d = kw.get("number"), kw.get("decimal_places", 0)
        return isinstance(n, int) and type(d) is int and d < -100_000
    return False


#: per backend: calls skipped (not made on either side) because the official code cannot finish them
TOO_COSTLY: dict[str, Any] = {"MathAPI": _too_costly_math}

#: per backend: argument values by parameter name, from the official instance's state just before
#: each call (tokens and ids that only exist at run time); about 3 in 4 such arguments take one
STATE_HINTS: dict[str, Any] = {
    "TravelAPI": lambda inst: {"access_token": [inst.access_token], "card_id": list(inst.credit_card_list),
                               "booking_id": list(inst.booking_record), "first_name": [inst.user_first_name],
                               "last_name": [inst.user_last_name], "travel_from": ["SFO", "LAX", "JFK", "RMS", "LHR"],
                               "travel_to": ["LAX", "JFK", "SFO", "RMS", "CDG", "BOS", "PEK"],
                               "travel_class": ["economy", "business", "first"],
                               "travel_date": ["2024-11-15", "2024-12-24", "2024-02-30", "2025-01-01"],
                               "base_currency": ["USD", "EUR", "RMB", "JPY"], "target_currency": ["USD", "GBP", "INR", "MXN"],
                               "date_of_birth": ["1990-01-01", "2010-05-05", "1985-13-01"],
                               "passport_number": ["US1234567", "UK7654321"]},
    "VehicleControlAPI": lambda inst: {"mode": ["engage", "release", "on", "off", "auto", "cool"], "unit": ["fahrenheit"],
                                       "option": ["fuel", "battery", "doors", "climate", "headlights", "parkingBrake",
                                                  "brakePedal", "engine"], "ignitionMode": ["START", "STOP"],
                                       "cityA": ["83214", "94016", "62947"], "cityB": ["74532", "83214", "47329", "08540"],
                                       "city": ["Rivermist", "Maplecrest", "Sunset Valley", "Willowbend"]},
}
#: per backend: calls made (and compared) at the start of about half the sequences, to reach the
#: states that random calls rarely do (e.g. a running engine); not counted in the calls made
PRELUDES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "VehicleControlAPI": [("lockDoors", {"unlock": False, "door": ["driver", "passenger", "rear_left", "rear_right"]}),
                          ("pressBrakePedal", {"pedalPosition": 1.0}), ("startEngine", {"ignitionMode": "START"})],
    "TravelAPI": [("authenticate_travel", {"client_id": "c", "client_secret": "s", "refresh_token": "r",
                                           "grant_type": "read_write", "user_first_name": "Michael",
                                           "user_last_name": "Thompson"})],
}


def value_for(schema: dict[str, Any], pool: dict[str, list], rng: random.Random, valid: bool) -> Any:
    """A value for one parameter: of its type (``valid``) or of another type / out of range."""
    t = schema.get("type", "string")
    if not valid:
        return rng.choice([None, "", -1, 0, 1e12, [], {}, True, "not-a-number", -999999, [1, "a"],
                           {"x": 1}, 3.7, "💥" * 3, "x" * 300])
    if "enum" in schema and rng.random() < 0.8:
        return rng.choice(schema["enum"])
    if t == "string":
        src = pool["str"] if pool["str"] and rng.random() < 0.75 else GENERIC_STR
        return rng.choice(src)
    if t == "integer":
        src = pool["int"] if pool["int"] and rng.random() < 0.6 else [n for n in GENERIC_NUM if isinstance(n, int)]
        return int(rng.choice(src))
    if t in ("float", "number"):
        src = (pool["float"] + pool["int"]) if (pool["float"] or pool["int"]) and rng.random() < 0.6 else GENERIC_NUM
        return rng.choice(src)
    if t == "boolean":
        return rng.random() < 0.5
    if t in ("array", "list", "tuple"):
        items = schema.get("items", {"type": "string"})
        return [value_for(items, pool, rng, True) for _ in range(rng.randint(0, 3))]
    if t in ("dict", "object"):
        props = schema.get("properties") or {}
        return {k: value_for(v, pool, rng, True) for k, v in props.items() if rng.random() < 0.8}
    return rng.choice(GENERIC_STR)


def arguments(doc: dict[str, Any], pool: dict[str, list], rng: random.Random) -> dict[str, Any]:
    params = doc.get("parameters", {})
    props = params.get("properties") or {}
    required = set(params.get("required") or [])
    mode = rng.random()
    args = {}
    for name, schema in props.items():
        if name not in required and rng.random() < 0.4:
            continue  # optional left out
        args[name] = value_for(schema, pool, rng, valid=mode >= 0.15 or rng.random() < 0.5)
    if mode < 0.05 and args:  # a required argument missing
        args.pop(rng.choice(sorted(args)))
    elif mode < 0.08:  # an unknown argument
        args["unexpected_arg"] = rng.choice([1, "x"])
    return args


# ---------------------------------------------------------------------------------- running
def result_text(fn: Any, kwargs: dict[str, Any]) -> str:
    """Call and turn the result into text like the official executor."""
    try:
        r = fn(**copy.deepcopy(kwargs))
        if type(r) is str:
            return r
        if type(r) is dict:
            try:
                return json.dumps(r)
            except Exception:  # noqa: BLE001 - as the official executor
                return str(r)
        return str(r)
    except Exception as e:  # noqa: BLE001 - every failure is an output
        return f"Error during execution: {e}"


def canon(x: Any, depth: int = 0) -> Any:
    """Comparable view of state: objects by their public attributes (``parent`` back-links left out)."""
    if depth > 60:
        return "<deep>"
    if isinstance(x, dict):
        return {repr(k) if not isinstance(k, str) else k: canon(v, depth + 1) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [canon(v, depth + 1) for v in x]
    if isinstance(x, set):
        return sorted(repr(v) for v in x)
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    if hasattr(x, "__dict__"):
        return {"__class__": type(x).__name__,
                **{k: canon(v, depth + 1) for k, v in vars(x).items() if not k.startswith("_") and k != "parent"}}
    return repr(x)


def public_state(inst: Any) -> dict[str, Any]:
    return {k: canon(v) for k, v in vars(inst).items() if not k.startswith("_")}


def make(cls: type, sc: Scenario, stateless: bool) -> Any:
    inst = cls()
    if not stateless:
        inst._load_scenario(sc.config, long_context=sc.long_context)
    return inst


@dataclass
class Difference:
    cls: str
    function: str
    kwargs: dict[str, Any]
    kind: str  # "output" | "state" | "init"
    ours: Any
    official: Any
    source: str
    history: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def short(self, width: int = 300) -> str:
        def clip(v: Any) -> str:
            s = v if isinstance(v, str) else json.dumps(v, default=str)
            return s if len(s) <= width else s[:width] + "..."

        return (f"[{self.cls}.{self.function}] {self.kind} differs ({self.source}; after {len(self.history)} calls)\n"
                f"  args:     {json.dumps(self.kwargs, default=str)}\n  ours:     {clip(self.ours)}\n"
                f"  official: {clip(self.official)}")


def state_diff(a: dict[str, Any], b: dict[str, Any]) -> tuple[Any, Any]:
    keys = sorted(set(a) | set(b))
    da = {k: a.get(k, "<missing>") for k in keys if a.get(k, "<missing>") != b.get(k, "<missing>")}
    db = {k: b.get(k, "<missing>") for k in keys if a.get(k, "<missing>") != b.get(k, "<missing>")}
    return da, db


def run(data_dir: Path, backends: list[str] | None = None, calls: int = 10_000, seed: int = 0,
        sequence_length: int = 12) -> tuple[int, list[Difference], Counter]:
    """Drive both implementations with ``calls`` seeded calls spread over the backends' scenarios.
    Returns (calls made, differences — the first per scenario sequence, calls per backend).
    Our backends share the long-context constants process-wide meanwhile, as the official ones do
    (`official_shared_state`)."""
    from toolenv.suites.bfcl.backends.base import official_shared_state

    with official_shared_state():
        return _run(data_dir, backends, calls, seed, sequence_length)


def _run(data_dir: Path, backends: list[str] | None, calls: int, seed: int,
         sequence_length: int) -> tuple[int, list[Difference], Counter]:
    from toolenv.suites.bfcl.backends import STATELESS

    docs = load_docs(data_dir)
    scs = [s for s in scenarios(data_dir) if backends is None or s.cls in backends]
    by_cls: dict[str, list[Scenario]] = defaultdict(list)
    for s in scs:
        by_cls[s.cls].append(s)
    classes = sorted(by_cls)
    rng = random.Random(seed)
    made = 0
    per_cls: Counter = Counter()
    diffs: list[Difference] = []
    while made < calls and classes:
        cls = classes[made // sequence_length % len(classes)]
        sc = rng.choice(by_cls[cls])
        stateless = cls in STATELESS
        try:
            ours = make(our_class(cls), sc, stateless)
        except Exception as e:  # noqa: BLE001
            ours = e
        official = make(official_class(cls), sc, stateless)
        if isinstance(ours, Exception):
            diffs.append(Difference(cls, "_load_scenario", {}, "init", repr(ours), "ok", sc.source))
            made += sequence_length
            continue
        so, sf = public_state(ours), public_state(official)
        if so != sf:
            a, b = state_diff(so, sf)
            diffs.append(Difference(cls, "_load_scenario", {"long_context": sc.long_context}, "init", a, b, sc.source))
            made += sequence_length
            continue
        pool: dict[str, set] = {"str": set(), "int": set(), "float": set()}
        harvest(sc.config, pool)
        pool_l = {k: sorted(v, key=repr) for k, v in pool.items()}
        for kind, extra in HINTS.get(cls, {}).items():
            pool_l[kind] = pool_l[kind] + extra
        history: list[tuple[str, dict[str, Any]]] = []
        hint_rng = random.Random(f"{seed}/{made}")  # apart from rng: other backends' sequences unchanged
        prelude = list(PRELUDES.get(cls, [])) if hint_rng.random() < 0.5 else []
        drawn = 0
        while prelude or drawn < sequence_length:
            if prelude:
                name, kwargs = prelude.pop(0)
            else:
                doc = rng.choice(docs[cls])
                name = doc["name"]
                kwargs = arguments(doc, pool_l, rng)
                if cls in TOO_COSTLY and TOO_COSTLY[cls](name, kwargs):
                    continue
                drawn += 1
                made += 1
                per_cls[cls] += 1
                if cls in STATE_HINTS:
                    hints = STATE_HINTS[cls](official)
                    for k in kwargs:
                        if hints.get(k) and hint_rng.random() < 0.75:
                            kwargs[k] = hint_rng.choice(hints[k])
            out_o = result_text(getattr(ours, name), kwargs)
            out_f = result_text(getattr(official, name), kwargs)
            if out_o != out_f:
                diffs.append(Difference(cls, name, kwargs, "output", out_o, out_f, sc.source, list(history)))
                break
            so, sf = public_state(ours), public_state(official)
            if so != sf:
                a, b = state_diff(so, sf)
                diffs.append(Difference(cls, name, kwargs, "state", a, b, sc.source, list(history)))
                break
            history.append((name, kwargs))
    return made, diffs, per_cls


def _data_dir() -> Path | None:
    from toolenv.suites import resolve_data_dir

    found = resolve_data_dir(None, required=False)
    return None if found is None else Path(found)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", action="append", default=None, help="class name (repeatable; default all 8)")
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show", type=int, default=5, help="differences printed per backend.function")
    args = ap.parse_args(argv)
    why = official_available()
    if why:
        print(why)
        return 0
    data_dir = _data_dir()
    if data_dir is None:
        print("no BFCL data folder (set TOOLENV_BFCL_DATA)")
        return 0
    made, diffs, per_cls = run(data_dir, args.backend, args.calls, args.seed)
    by_fn: dict[str, list[Difference]] = defaultdict(list)
    for d in diffs:
        by_fn[f"{d.cls}.{d.function} ({d.kind})"].append(d)
    for key in sorted(by_fn):
        print(f"== {key}: {len(by_fn[key])}")
        for d in by_fn[key][: args.show]:
            print(d.short())
    print(f"{made} calls ({dict(per_cls)}); {len(diffs)} sequences ended by a difference")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
