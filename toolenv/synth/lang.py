"""Small English helpers for query rendering: verb forms, humanised names, noun phrases, lists.

No NLP dependency: rules plus short irregular tables, enough for tool and parameter descriptions.
"""

from __future__ import annotations

import re

# verbs that open tool descriptions, base form; third-person forms are derived by `base_verb`
VERBS = {
    "get", "fetch", "retrieve", "return", "find", "search", "look", "list", "show", "display", "create", "add",
    "make", "book", "reserve", "cancel", "delete", "remove", "update", "modify", "change", "edit", "set", "send",
    "post", "convert", "calculate", "compute", "translate", "check", "verify", "validate", "schedule", "register",
    "subscribe", "unsubscribe", "play", "pause", "stop", "start", "open", "close", "transfer", "pay", "order",
    "buy", "purchase", "track", "rate", "review", "reply", "forward", "archive", "mark", "upload", "download",
    "share", "invite", "accept", "decline", "reject", "approve", "estimate", "predict", "generate", "provide",
    "query", "lookup", "read", "write", "save", "load", "count", "summarize", "summarise", "plan", "route",
    "locate", "geocode", "reschedule", "refund", "deposit", "withdraw", "like", "follow", "unfollow", "queue",
    "skip", "shuffle", "resume", "block", "unblock", "apply", "redeem", "notify", "assign", "move", "rename",
    "copy", "enable", "disable", "turn", "request", "submit", "confirm", "modify", "clear", "reset", "log",
    "record", "measure", "analyze", "analyse", "compare", "recommend", "suggest", "detect", "identify", "tell",
    "give", "obtain", "renew", "extend", "rebook", "issue", "freeze", "unfreeze", "top", "fill", "refill",
    "switch", "lock", "unlock", "recalculate", "place", "withdraw", "dim", "brighten", "mute", "unmute", "arm",
    "disarm", "print", "scan", "sign", "attach", "invite", "join", "leave", "pin", "unpin", "star", "tag",
    "label", "sort", "filter", "merge", "split", "sync", "backup", "restore", "install", "uninstall", "launch",
    "run", "execute", "trigger", "report", "flag", "ban", "kick", "mention", "greet", "welcome", "ping",
}
# verbs whose object is information the user wants to see ("get the weather" -> "what's the weather")
INFO_VERBS = {"get", "fetch", "retrieve", "return", "show", "display", "provide", "look", "lookup", "obtain",
              "give", "tell", "check", "read", "find", "query"}
_NORMALISE_VERB = {"return": "get", "retrieve": "get", "provide": "get", "obtain": "get", "lookup": "look up",
                   "give": "get", "display": "show", "query": "look up", "fetch": "get", "read": "get"}
IRREGULAR_PAST = {
    "get": "got", "find": "found", "make": "made", "send": "sent", "set": "set", "pay": "paid", "buy": "bought",
    "read": "read", "write": "wrote", "show": "showed", "give": "gave", "tell": "told", "put": "put", "run": "ran",
    "begin": "began", "take": "took", "look": "looked", "forward": "forwarded", "cancel": "cancelled",
    "top": "topped", "stop": "stopped", "plan": "planned", "log": "logged", "shop": "shopped", "freeze": "froze",
    "pull": "pulled", "sign": "signed", "work": "worked", "call": "called", "take": "took", "file": "filed",
    "put": "put", "make": "made",
    "unfreeze": "unfroze", "issue": "issued", "queue": "queued",
}
_ABBREV = {
    "max": "maximum", "min": "minimum", "num": "number", "qty": "quantity", "id": "ID", "ids": "IDs",
    "dob": "date of birth", "addr": "address", "desc": "description", "msg": "message", "amt": "amount",
    "dest": "destination", "src": "source", "dept": "department", "lat": "latitude", "lon": "longitude",
    "lng": "longitude", "tz": "time zone", "url": "URL", "uri": "URI", "iata": "IATA", "iban": "IBAN",
    "sku": "SKU", "api": "API", "pct": "percent", "temp": "temperature", "info": "information", "no": "number",
    "cnt": "count", "ts": "timestamp", "dt": "date", "img": "image", "pwd": "password", "acct": "account",
    "q": "query", "k": "k", "n": "number",
}
_ACRONYMS = {"ID", "IDs", "URL", "URI", "IATA", "IBAN", "SKU", "API", "ISO", "USD", "EUR", "PIN", "SMS", "VAT", "ZIP",
             "UTC", "GPS", "PDF", "CVV", "HTTP", "JSON", "IP"}


def base_verb(word: str) -> str | None:
    """'Returns' -> 'return', 'searches' -> 'search', 'Get' -> 'get'; None if not a known verb."""
    w = word.lower()
    if w in VERBS:
        return w
    cands = []
    if w.endswith("ies"):
        cands.append(w[:-3] + "y")
    if w.endswith("es"):
        cands.append(w[:-2])
    if w.endswith("s"):
        cands.append(w[:-1])
    for c in cands:
        if c in VERBS:
            return c
    return None


def normal_verb(verb: str) -> str:
    return _NORMALISE_VERB.get(verb, verb)


_DOUBLING = {"submit", "admit", "commit", "permit", "transfer", "refer", "prefer", "occur", "regret", "unpin", "unplug",
             "equip", "control", "patrol", "omit", "emit", "forget", "begin", "upset", "kidnap", "handicap"}


def _double_final(verb: str) -> bool:
    v = verb
    if v in _DOUBLING:
        return True
    return (len(v) <= 4 and len(v) >= 3 and v[-1] not in "aeiouwxy" and v[-2] in "aeiou"
            and v[-3] not in "aeiou")


def gerund(verb_phrase: str) -> str:
    """'book a seat' -> 'booking a seat'."""
    head, _, rest = verb_phrase.partition(" ")
    v = head
    if v.endswith("ie"):
        g = v[:-2] + "ying"
    elif v.endswith("e") and not v.endswith(("ee", "ye", "oe")) and v not in ("be",):
        g = v[:-1] + "ing"
    elif _double_final(v):
        g = v + v[-1] + "ing"
    else:
        g = v + "ing"
    return g + (" " + rest if rest else "")


def past(verb_phrase: str) -> str:
    """'book a seat' -> 'booked a seat'; 'look up x' -> 'looked up x'."""
    head, _, rest = verb_phrase.partition(" ")
    v = head
    if v in IRREGULAR_PAST:
        p = IRREGULAR_PAST[v]
    elif v.endswith("e"):
        p = v + "d"
    elif v.endswith("y") and len(v) > 1 and v[-2] not in "aeiou":
        p = v[:-1] + "ied"
    elif _double_final(v):
        p = v + v[-1] + "ed"
    else:
        p = v + "ed"
    return p + (" " + rest if rest else "")


_SPLIT_RE = re.compile(r"[_\-\s.]+|(?<=[a-z0-9])(?=[A-Z])")


def words_of(name: str) -> list[str]:
    return [w for w in _SPLIT_RE.split(name) if w]


def humanize(name: str) -> str:
    """'max_price' -> 'maximum price'; 'checkInDate' -> 'check in date'; 'flight_id' -> 'flight ID'."""
    out = []
    for w in words_of(name):
        lw = w.lower()
        if lw in _ABBREV:
            out.append(_ABBREV[lw])
        elif w.upper() in _ACRONYMS:
            out.append(w.upper())
        else:
            out.append(lw)
    return " ".join(out) or name


def plural(noun: str) -> str:
    """Pluralise the last word of a noun phrase."""
    if not noun:
        return noun
    head, sep, last = noun.rpartition(" ")
    lw = last.lower()
    if lw.endswith("s") and not lw.endswith("ss"):
        p = last
    elif lw in _ACRONYMS or last.isupper():
        p = last + "s"
    elif lw.endswith(("ss", "sh", "ch", "x", "z")):
        p = last + "es"
    elif lw.endswith("y") and len(lw) > 1 and lw[-2] not in "aeiou":
        p = last[:-1] + "ies"
    elif lw == "person":
        p = "people"
    elif lw == "child":
        p = "children"
    else:
        p = last + "s"
    return head + sep + p


_IES_WORDS = {"movies", "cookies", "calories", "species", "series", "zombies", "selfies", "ties", "pies", "lies",
              "rookies", "hippies", "smoothies", "brownies", "genies", "goalies", "aunties", "newbies"}


def singular(noun: str) -> str:
    head, sep, last = noun.rpartition(" ")
    lw = last.lower()
    if lw in ("series", "species"):
        s = last
    elif lw in _IES_WORDS:
        s = last[:-1]
    elif lw.endswith("ies") and len(lw) > 4:
        s = last[:-3] + "y"
    elif lw.endswith(("sses", "shes", "ches", "xes")):
        s = last[:-2]
    elif lw.endswith("s") and not lw.endswith(("ss", "us", "is")):
        s = last[:-1]
    elif lw == "people":
        s = "person"
    else:
        s = last
    return head + sep + s


def article(noun: str) -> str:
    """'a' or 'an' for a noun phrase."""
    w = noun.strip().split(" ", 1)[0] if noun.strip() else ""
    if not w:
        return "a"
    if w.isupper() and len(w) > 1:  # acronym: "an IBAN", "a URL"
        return "an" if w[0] in "AEFHILMNORSX" else "a"
    lw = w.lower()
    if lw.startswith(("uni", "use", "usu", "one", "eu")):
        return "a"
    if lw.startswith(("hour", "honest", "honou")):
        return "an"
    return "an" if lw[0] in "aeiou" else "a"


def join_list(items: list[str], conj: str = "and") -> str:
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        return f"{items[0]} {conj} {items[1]}"
    return ", ".join(items[:-1]) + f", {conj} " + items[-1]


def cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def lower_first(s: str) -> str:
    """Lower-case the first letter unless the first word is an acronym or a proper-looking token."""
    if not s:
        return s
    first = s.split(" ", 1)[0]
    if len(first) > 1 and (first.isupper() or any(c.isupper() for c in first[1:])):
        return s
    return s[:1].lower() + s[1:]
