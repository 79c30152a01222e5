"""Natural-language rendering of requests: frames (styles), parameter phrases, values, connectors,
irrelevant context, clarifying questions, follow-ups and expert answers.

Everything is data (lists of patterns) plus a few functions; every random choice takes the
caller's `random.Random`. Rendered text never contains raw parameter identifiers (they are
humanised: ``max_price`` -> "maximum price") nor JSON (objects and lists become English).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Sequence

from toolenv.synth import lang
from toolenv.synth.analysis import Link, ParamInfo, ToolInfo

# ---------------------------------------------------------------------------------------------
# frames: the sentence around a request. {vp}: verb phrase with its parameters (lower case);
# {Vp}: the same, capitalised; {np}: object noun phrase with parameters (info requests only);
# {vping}: gerund form.


@dataclass(frozen=True)
class Frame:
    id: str
    style: str
    text: str

    @property
    def needs_np(self) -> bool:
        return "{np}" in self.text

    @property
    def needs_gerund(self) -> bool:
        return "{vping}" in self.text


_FRAME_TABLE: dict[str, list[str]] = {
    "command": ["{Vp}.", "{Vp}, please.", "I need you to {vp}.", "Go ahead and {vp}.", "{Vp} for me.",
                "Please {vp}.", "Let's {vp}.", "Your task: {vp}.", "{Vp} - thanks.", "Time to {vp}.",
                "Do this for me: {vp}.", "Make sure to {vp}.", "{Vp} right away.", "Get this done: {vp}.",
                "Next up: {vp}."],
    "question": ["Can you {vp}?", "Could you {vp}?", "Would you {vp}?", "Can you help me {vp}?",
                 "Is it possible to {vp}?", "Are you able to {vp}?", "Could you go ahead and {vp}?",
                 "What's {np}?", "What is {np}?", "Do you know {np}?", "Can you tell me {np}?",
                 "Any chance you could {vp}?", "How about you {vp}?", "Would you be able to {vp}?",
                 "Can you please {vp}?", "Could I ask you to {vp}?", "Will you {vp}?", "Do you think you could {vp}?",
                 "Could you tell me {np}?", "Do you have {np}?", "Mind {vping}?"],
    "polite": ["Hi! Could you please {vp}? Thanks!", "Hello, I'd really appreciate it if you could {vp}.",
               "If it's not too much trouble, please {vp}.", "Kindly {vp}.", "Would you mind {vping}?",
               "Good morning! Please {vp}, thank you.", "When you get a chance, could you {vp}? Much appreciated.",
               "Hey there, would you be so kind as to {vp}?", "Please {vp}. Thank you so much!",
               "I'd be grateful if you could {vp}.", "Sorry to bother you, but could you {vp}?",
               "It would be great if you could {vp}.", "May I ask you to {vp}? Thank you.",
               "Please, when you can, {vp}.", "Hi, hope all is well. Could you {vp}?"],
    "want": ["I'd like to {vp}.", "I want to {vp}.", "I need to {vp}.", "Help me {vp}.", "I'm trying to {vp}.",
             "I'm hoping to {vp}.", "I'd love to {vp}.", "I'm looking to {vp}.", "Show me {np}.",
             "I'd like to know {np}.", "I need {np}.", "I'd like you to {vp}.", "I was wondering if you could {vp}.",
             "My plan is to {vp}.", "I want you to {vp}.", "I'm interested in {np}.", "Looking for {np}."],
    "terse": ["{vp}", "{vp} pls", "{vp} asap", "need to {vp}", "{np}?", "quick one: {vp}", "{np}", "{vp} thx",
              "{vp}, thanks", "{vp}!", "can u {vp}", "{np} pls", "{vp} - quick"],
}
FRAMES: list[Frame] = [Frame(f"{style}{i}", style, text) for style, texts in _FRAME_TABLE.items()
                       for i, text in enumerate(texts)]
FRAMES_BY_ID = {f.id: f for f in FRAMES}
STYLES = tuple(_FRAME_TABLE)

# sequences of several clauses rendered as separate sentences (the other frames take the clauses
# joined with an inline connector)
SEQUENCE_FRAMES: list[Frame] = [
    Frame("seq0", "sequence", "{C0}. Then {c1}."),
    Frame("seq1", "sequence", "First, {c0}. Next, {c1}."),
    Frame("seq2", "sequence", "Please do the following: 1) {c0}; 2) {c1}."),
    Frame("seq3", "sequence", "{C0}. After that, {c1}."),
    Frame("seq4", "sequence", "Step one: {c0}. Step two: {c1}."),
    Frame("seq5", "sequence", "I need two things. {C0}. Once that's done, {c1}."),
]
for _f in SEQUENCE_FRAMES:
    FRAMES_BY_ID[_f.id] = _f

SEQ_CONNECTORS = [", then ", " and then ", ", and after that ", " and, once that's done, ", ", and afterwards ",
                  "; then "]
PAR_CONNECTORS = [" and ", ", and also ", " and also ", "; also ", ", plus "]

CONTEXT_PREFIXES = [
    "Quick question.", "Long day at work, sorry if this is brief.", "My manager asked me to sort this out today.",
    "I'm on my phone, so bear with me.", "This is for a friend of mine.", "Hope you're doing well!",
    "I've been meaning to do this for a while.", "Coffee hasn't kicked in yet.", "Ok, next thing on my list.",
    "It's been a hectic morning.", "My sister said you could help.", "Before I forget:", "Small favour to ask.",
    "I'm working from a cafe right now.", "Hi again.", "So, here's the thing.", "Sorry for the late message.",
    "I just got out of a meeting.", "My laptop is acting up, but anyway.", "Thanks for the help earlier.",
    "Hey!", "Good afternoon.", "Hello there.", "I have a small request.", "This one is for work.",
    "Sorry, I'm in a bit of a hurry.", "One more thing.", "Hopefully this is easy.", "I'm sorting out my errands.",
    "Let's try something.",
]
CONTEXT_SUFFIXES = [
    "Thanks!", "Thanks in advance.", "Appreciate it.", "No rush.", "It's kind of urgent.", "Cheers.",
    "That would help a lot.", "Let me know if anything is unclear.", "You're a lifesaver.", "Much obliged.",
    "Thank you!", "Many thanks.", "I owe you one.", "Let me know when it's done.", "That's all for now.",
]

# ---------------------------------------------------------------------------------------------
# parameter phrases per kind. {v}: the rendered value; {n}: the parameter's noun; {s}: its
# secondary noun (bounded quantity, counted unit); {r}: the record an id belongs to.
# A leading "with " marks phrases that merge into one "with A, B and C" list.

PARAM_PATTERNS: dict[str, list[str]] = {
    "origin": ["from {v}", "from {v}", "with {n} {v}"],
    "destination": ["to {v}", "to {v}", "with {n} {v}"],
    "start": ["from {v}", "starting {v}", "starting on {v}", "with {n} {v}"],
    "end": ["until {v}", "through {v}", "ending {v}", "with {n} {v}"],
    "date": ["on {v}", "for {v}", "on {v}", "with {n} {v}"],
    "datetime": ["at {v}", "for {v}", "with {n} {v}"],
    "location": ["in {v}", "for {v}", "in {v}", "with {n} {v}"],
    "max": ["with {s} under {v}", "with a maximum {s} of {v}", "with {s} at most {v}", "with {s} up to {v}"],
    "min": ["with {s} of at least {v}", "with a minimum {s} of {v}", "with {s} from {v} up", "with {s} at least {v}"],
    "limit": ["showing at most {v} results", "limited to {v} results", "(top {v} only)", "with no more than {v} results"],
    "sort": ["sorted by {v}", "ordered by {v}", "with results sorted by {v}"],
    "order": ["in {v} order", "sorted {v}", "with {n} {v}"],
    "unit": ["in {v}", "using {v}", "with {n} {v}"],
    "language": ["in {v}", "with {n} {v}"],
    "email": ["with email {v}", "at {v}", "with {n} {v}", "({n} {v})"],
    "phone": ["at {v}", "with phone number {v}", "with {n} {v}"],
    "query": ['for "{v}"', 'matching "{v}"', 'with the keywords "{v}"', 'about "{v}"'],
    "title": ['titled "{v}"', 'called "{v}"', 'with the {n} "{v}"'],
    "text": ['saying "{v}"', 'with the {n} "{v}"', 'that reads "{v}"', 'with {n} "{v}"'],
    "count": ["for {v} {s}", "for {v} {s}", "with {v} {s}"],
    "person": ["for {v}", "under the name {v}", "in the name of {v}", "with {n} {v}"],
    "name": ["named {v}", 'called "{v}"', "with the name {v}", "with {n} {v}"],
    "measure": ["with a {n} of {v}", "with {n} {v}", "with {n} set to {v}"],
    "amount": ["of {v}", "for {v}", "with {n} {v}"],
    "id": ["for {r} {v}", "with {n} {v}", "for {n} {v}", "({n} {v})"],
    "enum": ["with {n} {v}", "with {n} set to {v}", "using {v} as the {n}", "with {v} as the {n}"],
    "list": ["with {n} {v}", "with {n}: {v}", "including {v}"],
    "object": ["with {n} ({v})", "with {n} {v}"],
    "generic": ["with {n} {v}", "with the {n} set to {v}", "where the {n} is {v}", "using {v} as the {n}",
                "with {n}: {v}"],
}
_QUOTED_KINDS = {"query", "title", "text"}

# references into earlier responses, by link relation; {rec}: record noun, {n}: parameter noun
REF_PATTERNS = {
    "first": ["for the first {rec} it finds", "for the first result", "using the first {rec} from the results",
              "for the top {rec} in that list", "for the first {rec} in the results"],
    "record_create": ["for the new {rec}", "for that {rec}", "using the {n} it returns", "for the {rec} just created"],
    "record": ["for that {rec}", "for the same {rec}", "using the {n} from that", "using that {n}"],
    "value": ["using the {n} from that", "with the {n} it returns", "using the returned {n}"],
}
FOLLOWUP_REF_PATTERNS = {
    "first": ["for the first {rec} you found", "for the first result", "for the first one on that list",
              "for the top {rec}"],
    "record_create": ["for that new {rec}", "for the {rec} you just made", "using that {n}"],
    "record": ["for that {rec}", "for the same {rec}", "using that {n}"],
    "value": ["using that {n}", "with the {n} you got"],
}
FOLLOWUP_OPENERS = [("Thanks! Now ", "."), ("Great. Next, ", "."), ("Perfect. Could you also ", "?"),
                    ("OK, now ", "."), ("Nice, then ", "."), ("Good. Can you ", "?"), ("Alright, please ", "."),
                    ("Thanks. I'd also like to ", ".")]
VARIATION_PATTERNS = ["What about {p}?", "And {p}?", "Now do the same {p}.", "Same thing, but {p}.",
                      "Could you do that again {p}?", "OK. Now the same request {p}, please."]

CLARIFY_PATTERNS = ["What {n} would you like me to use?", "Could you tell me the {n}?", "Sure - what's the {n}?",
                    "I can do that, but I need the {n} first. What is it?", "Which {n} should I use?",
                    "Happy to help. Can you give me the {n}?", "Before I go ahead, what is the {n}?"]
CLARIFY_BY_KIND = {
    "person": ["What name should I use?", "Whose name should it be under?"],
    "date": ["For which date?", "What date should I use?"],
    "location": ["Which {n} do you mean?", "For which {n}?"],
    "email": ["What email address should I use?"],
    "origin": ["Where from?", "What's the {n}?"],
    "destination": ["Where to?", "What's the {n}?"],
}
SUPPLY_PATTERNS = ["The {n} is {v}.", "It's {v}.", "Use {v}.", "Oh, sorry: {p}.", "{v}", "Right, {p}.", "{v}, please.",
                   "Sorry, it's {v}."]

IRRELEVANCE_ANSWERS = ["I'm sorry, but I can't {vp} with the tools available to me.",
                       "Unfortunately none of my tools can {vp}, so I can't help with that.",
                       "I don't have a tool that can {vp}. Is there something else I can do?",
                       "Sorry, that's outside what my tools can do: I can't {vp}."]
GENERIC_IRRELEVANCE_ANSWERS = ["I'm sorry, none of the tools I have can help with that.",
                               "I can't help with that using the tools available to me.",
                               "That's outside what my tools can do, sorry."]
# requests no tool in a typical registry serves; filtered against the offered tools' keywords
OFF_TOPIC_REQUESTS = [
    ("Write a haiku about autumn leaves.", {"poem", "haiku", "write", "poetry"}),
    ("Tell me a joke about penguins.", {"joke", "humor", "penguin"}),
    ("What's the capital of Australia?", {"capital", "geography", "trivia", "country"}),
    ("Can you explain how photosynthesis works?", {"photosynthesis", "science", "explain"}),
    ("Recommend a good science fiction novel.", {"book", "novel", "recommend", "fiction"}),
    ("How many legs does a spider have?", {"spider", "animal", "trivia"}),
    ("What's the square root of 144?", {"math", "calculate", "square", "root", "calculator"}),
    ("Summarize the plot of Hamlet in two sentences.", {"summarize", "summary", "plot", "book"}),
    ("Who painted the Mona Lisa?", {"art", "painting", "trivia", "paint"}),
    ("Give me three tips for sleeping better.", {"sleep", "health", "tip"}),
    ("What does the word 'ephemeral' mean?", {"definition", "dictionary", "word", "define", "meaning"}),
    ("Help me come up with a name for my cat.", {"name", "cat", "pet", "generate"}),
    ("Is a tomato a fruit or a vegetable?", {"tomato", "fruit", "vegetable", "ingredient", "recipe"}),
    ("Write a short motivational quote.", {"quote", "write"}),
    ("Explain the rules of chess briefly.", {"chess", "game", "rule"}),
    ("What year did the first moon landing happen?", {"moon", "history", "year"}),
]
ANSWER_PATTERNS = ["Done. I {past}.", "All set: I {past}.", "I {past}. Let me know if you need anything else.",
                   "Here you go - I {past}.", "Finished: I {past}."]
INFO_ANSWER_PATTERNS = ["Here is {np}.", "I looked up {np}; the details are above.", "Here's what I found for {np}."]

# ---------------------------------------------------------------------------------------------
# values


def fmt_number(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    return str(v)


def render_value(v: Any, schema: dict[str, Any] | None = None, kind: str = "generic", depth: int = 0) -> str:
    """English rendering of a JSON value (lists joined with 'and', objects as 'key: value' pairs)."""
    schema = schema or {}
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        return fmt_number(v)
    if v is None:
        return "none"
    if isinstance(v, list):
        items_schema = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        parts = [render_value(x, items_schema, kind, depth + 1) for x in v]
        if kind in _QUOTED_KINDS or (items_schema.get("type") == "string" and any(" " in p for p in parts) and depth == 0
                                     and any(len(p.split()) > 3 for p in parts)):
            parts = [f'"{p}"' for p in parts]
        if any(isinstance(x, dict) for x in v):
            return "; ".join(f"({p})" for p in parts) if parts else "none"
        return lang.join_list(parts) if parts else "none"
    if isinstance(v, dict):
        props = schema.get("properties", {}) if isinstance(schema.get("properties"), dict) else {}
        parts = []
        for k, x in v.items():
            sub = props.get(k, {}) if isinstance(props.get(k), dict) else {}
            parts.append(f"{lang.humanize(k)}: {render_value(x, sub, 'generic', depth + 1)}")
        return ", ".join(parts) if parts else "nothing in particular"
    return str(v)


def _bool_phrase(p: ParamInfo, value: bool, rng: random.Random) -> str:
    words = [w.lower() for w in lang.words_of(p.name)]
    desc = str(p.schema.get("description", "")).strip().rstrip(".")
    if words and words[0] in ("include", "with", "show", "add") and len(words) > 1:
        x = lang.humanize("_".join(words[1:]))
        return rng.choice([f"including {x}", f"with {x} included", "with " + x]) if value else \
            rng.choice([f"without {x}", f"excluding {x}", f"leaving out {x}"])
    if desc.lower().startswith("whether to ") and 1 < len(desc.split()) <= 10 and "_" not in desc:
        a = lang.lower_first(desc[len("whether to "):])
        return rng.choice([f"and {a}", f"and please {a}"]) if value else rng.choice([f"and don't {a}", f"but do not {a}"])
    n = p.noun if "_" not in p.noun else lang.humanize(p.name)
    return rng.choice([f"with {n} enabled", f"with {n} turned on", f"with {n} set to yes"]) if value else \
        rng.choice([f"with {n} disabled", f"with {n} turned off", f"with {n} set to no"])


def param_phrase(p: ParamInfo, value: Any, rng: random.Random, pattern: str | None = None,
                 standalone: bool = False) -> str:
    """A phrase stating one argument: 'from Paris', 'with a maximum price of 300', 'for 2 guests'.
    ``standalone``: the phrase is said on its own (a follow-up), so no parenthetical patterns."""
    if p.kind == "bool" or isinstance(value, bool):
        return _bool_phrase(p, bool(value), rng)
    v = render_value(value, p.schema, p.kind)
    if p.unit:
        v = f"{v} {p.unit}"
    pats = PARAM_PATTERNS.get(p.kind, PARAM_PATTERNS["generic"])
    if p.kind in ("date", "start", "end", "datetime") and any(w in p.noun.lower() for w in (
            "birth", "deadline", "due", "expir", "created", "updated", "since when")):
        pats = PARAM_PATTERNS["generic"]
    if standalone:
        pats = [x for x in pats if not x.startswith("(")] or pats
    pat = pattern or rng.choice(pats)
    kind = p.kind
    if kind == "generic" and isinstance(value, str) and len(value.split()) > 3:
        v = f'"{v}"'
    s = p.sub
    if kind == "count" and value == 1:
        s = lang.singular(s)
    if kind == "limit" and value == 1:
        pat = pat.replace("results", "result")
    r = p.record or p.noun
    if kind == "id" and "{r}" in pat and not p.record:
        pat = "for {n} {v}"
    return pat.format(v=v, n=p.noun, s=s, r=r)


def join_phrases(phrases: Sequence[str]) -> str:
    """Join argument phrases: plain ones by spaces, 'with ...' ones merged into one list."""
    plain: list[str] = []
    for x in phrases:
        if x.startswith("with "):
            continue
        if plain and x.startswith("where ") and plain[-1].startswith(("where ", "and where ")):
            x = "and " + x
        plain.append(x)
    withs = [x[5:] for x in phrases if x.startswith("with ")]
    out = " ".join(plain)
    if withs:
        w = "with " + lang.join_list(withs)
        out = f"{out}, {w}" if out and len(plain) >= 2 else (f"{out} {w}" if out else w)
    return out


def ref_phrase(group: Sequence[tuple[ParamInfo, Link]], producer_action: str | None, rng: random.Random,
               followup: bool = False) -> str:
    """How a consumer's argument(s) taken from an earlier response are said."""
    p, link = group[0]
    table = FOLLOWUP_REF_PATTERNS if followup else REF_PATTERNS
    rel = link.relation
    if link.strength == 1 and rel != "value":
        # a field of the record other than its id: "the same doctor", "the patient ID from that appointment"
        other = p.record or p.noun
        pats = [f"for the same {other}", f"using the {p.noun} from that {link.record or 'result'}"]
        if rel == "first":
            pats = [f"for the {other} of the first result", f"using the {p.noun} of the first {link.record or 'result'}"]
        return rng.choice(pats)
    if rel == "record" and producer_action == "create":
        rel = "record_create"
    rec = link.record or p.record or p.noun.replace(" ID", "").replace(" id", "")
    nouns = lang.join_list([q.noun for q, _ in group])
    pats = table[rel]
    if len(group) > 1:
        pats = [x for x in pats if "{n}" in x] or pats
    return rng.choice(pats).format(rec=rec, n=nouns)


# ---------------------------------------------------------------------------------------------
# clauses and frames

# interchangeable leading verbs (the tool's own verb is kept half of the time)
VERB_VARIANTS = {
    "get": ["look up", "check", "pull up", "fetch", "find"],
    "search for": ["look for", "find", "search for"],
    "find": ["look for", "search for"],
    "list": ["show", "list"],
    "show": ["display", "list"],
    "create": ["set up", "make", "add"],
    "book": ["reserve", "book"],
    "reserve": ["book"],
    "delete": ["remove", "get rid of"],
    "remove": ["delete", "take off"],
    "cancel": ["call off", "cancel"],
    "update": ["change", "modify", "edit"],
    "change": ["update", "modify"],
    "calculate": ["work out", "compute"],
    "estimate": ["work out", "calculate"],
    "send": ["send"],
    "add": ["put", "add"],
    "register": ["sign up", "enroll"],
    "submit": ["send in", "file"],
}


def vary_verb(info: ToolInfo, rng: random.Random, p: float = 0.5) -> str:
    """The tool's verb phrase, with its leading verb swapped for a synonym with probability ``p``."""
    alts = VERB_VARIANTS.get(info.verb)
    if not alts or rng.random() >= p or not info.vp.startswith(info.verb + " "):
        return info.vp
    return rng.choice(alts) + info.vp[len(info.verb):]


@dataclass
class Clause:
    """One request clause: a verb phrase plus argument phrases (and its noun form when available)."""

    vp: str
    np: str | None
    info_request: bool

    @property
    def text(self) -> str:
        return self.vp


def make_clause(info: ToolInfo, args: dict[str, Any], rng: random.Random, *, omit: Sequence[str] = (),
                refs: dict[str, tuple[str, Link]] | None = None, producer_actions: dict[str, str | None] | None = None,
                followup: bool = False, vary: dict[str, list[Any]] | None = None) -> Clause:
    """Render one tool request. ``refs``: param -> (producer label, link); ``vary``: param -> several
    values (a parallel request over those values, rendered as one list)."""
    refs = refs or {}
    vary = vary or {}
    phrases: list[str] = []
    ordered = [p for p in info.params if p.required] + [p for p in info.params if not p.required]
    if len(ordered) > 2 and rng.random() < 0.3:
        head, tail = ordered[:1], ordered[1:]
        rng.shuffle(tail)
        ordered = head + tail
    kinds = [p.kind for p in ordered]
    for a, b in (("start", "end"), ("origin", "destination")):
        if a in kinds and b in kinds and kinds.index(b) < kinds.index(a):
            i, j = kinds.index(a), kinds.index(b)
            ordered[i], ordered[j] = ordered[j], ordered[i]
            kinds[i], kinds[j] = kinds[j], kinds[i]
    ref_groups: dict[str, list[tuple[ParamInfo, Link]]] = {}
    for p in ordered:
        if p.name in omit:
            continue
        if p.name in refs:
            label, link = refs[p.name]
            ref_groups.setdefault(label, []).append((p, link))
            continue
        if p.name in vary:
            vals = vary[p.name]
            if p.kind == "bool":
                phrases.append(lang.join_list([_bool_phrase(p, bool(x), rng) for x in vals]))
                continue
            pats = [x for x in PARAM_PATTERNS.get(p.kind, PARAM_PATTERNS["generic"]) if not x.startswith("using")]
            pat = rng.choice(pats or PARAM_PATTERNS["generic"])
            rendered = [render_value(x, p.schema, p.kind) for x in vals]
            if p.unit:
                rendered = [f"{r} {p.unit}" for r in rendered]
            if p.kind in _QUOTED_KINDS or any(len(r.split()) > 3 for r in rendered):
                joined_v = lang.join_list([f'"{r}"' for r in rendered])
                pat = pat.replace('"{v}"', "{v}")
            else:
                joined_v = lang.join_list(rendered)
            r = lang.plural(p.record) if p.record else p.noun
            n = lang.plural(p.noun) if len(vals) > 1 and p.kind != "list" else p.noun
            pat = pat.replace("with the {n} set to", "with {n}").replace("where the {n} is", "with {n}")
            phrases.append(pat.format(v=joined_v, n=n, s=p.sub, r=r))
            continue
        if p.name not in args:
            continue
        phrases.append(param_phrase(p, args[p.name], rng))
    for label, group in ref_groups.items():
        act = (producer_actions or {}).get(label)
        phrases.insert(0, ref_phrase(group, act, rng, followup=followup))
    tail = join_phrases(phrases)
    vp = f"{vary_verb(info, rng)} {tail}".strip()
    np_ = f"{info.np} {tail}".strip() if info.np else None
    return Clause(vp=vp, np=np_, info_request=info.np is not None)


def pick_frame(rng: random.Random, clause: Clause | None, *, allowed: Sequence[str] | None = None,
               multi: bool = False, frames: Sequence[Frame] | None = None) -> Frame:
    """Choose a frame usable for this clause (np frames only for information requests).
    ``frames``: the candidate list (default: every frame, or those in ``allowed``)."""
    pool = list(frames) if frames is not None else (FRAMES if allowed is None else
                                                     [f for f in FRAMES if f.id in set(allowed)])
    if not pool:
        pool = FRAMES
    if multi or clause is None or clause.np is None:
        vp_pool = [f for f in pool if not f.needs_np] if frames is None else None
        if vp_pool is None:
            for _ in range(12):
                f = rng.choice(pool)
                if not f.needs_np:
                    return f
            vp_pool = [f for f in pool if not f.needs_np]
        return rng.choice(vp_pool or [f for f in FRAMES if not f.needs_np])
    return rng.choice(pool)


def apply_frame(frame: Frame, vp: str, np_: str | None = None) -> str:
    vp = vp.strip()
    text = frame.text
    if frame.needs_np:
        return text.replace("{np}", np_ or vp)
    if frame.needs_gerund:
        return text.replace("{vping}", lang.gerund(vp))
    return text.replace("{Vp}", lang.cap(vp)).replace("{vp}", vp)


def apply_sequence(frame: Frame, clauses: Sequence[str], rng: random.Random) -> str:
    """Render 2+ clauses with a sequence frame; extra clauses continue the pattern."""
    c = list(clauses)
    text = frame.text
    if frame.id == "seq2":
        return "Please do the following: " + "; ".join(f"{i + 1}) {x}" for i, x in enumerate(c)) + "."
    if frame.id == "seq4":
        words = ["one", "two", "three", "four", "five"]
        return " ".join(f"Step {words[i]}: {x}." for i, x in enumerate(c))
    if frame.id == "seq1":
        mids = ["Next", "Then", "After that"]
        parts = [f"First, {c[0]}."] + [f"{mids[(i - 1) % 3] if i < len(c) - 1 else 'Finally'}, {x}." for i, x in
                                       enumerate(c) if i > 0]
        if len(c) == 2:
            parts[-1] = f"Next, {c[1]}."
        return " ".join(parts)
    first = text.split("{C0}")[0] if "{C0}" in text else ""
    joiner = "Then" if frame.id == "seq0" else ("After that," if frame.id == "seq3" else "Once that's done,")
    out = first + lang.cap(c[0]) + "."
    for x in c[1:]:
        out += f" {joiner} {x}."
        joiner = rng.choice(["Then", "After that,", "Next,"])
    return out


def add_context(text: str, rng: random.Random, p_prefix: float = 0.15, p_suffix: float = 0.12) -> tuple[str, str]:
    """Optionally wrap a request in irrelevant context; returns (text, tag for the template id)."""
    tag = ""
    if rng.random() < p_prefix:
        i = rng.randrange(len(CONTEXT_PREFIXES))
        text = CONTEXT_PREFIXES[i] + " " + (lang.cap(text) if text[:1].islower() else text)
        tag += f"+pre{i}"
    if rng.random() < p_suffix:
        i = rng.randrange(len(CONTEXT_SUFFIXES))
        low = text.lower()
        if ("thank" in low or "appreciat" in low) and ("thank" in CONTEXT_SUFFIXES[i].lower()
                                                       or "appreciat" in CONTEXT_SUFFIXES[i].lower()):
            return text, tag
        if text[-1:] not in ".?!":
            text += "."
        text += " " + CONTEXT_SUFFIXES[i]
        tag += f"+suf{i}"
    return text, tag


def past_clause(vp: str) -> str:
    return lang.past(vp)


def expert_answer(clauses: Sequence[Clause], rng: random.Random) -> str:
    """The expert's closing message after the calls of a turn."""
    if len(clauses) == 1 and clauses[0].np and rng.random() < 0.5:
        return rng.choice(INFO_ANSWER_PATTERNS).format(np=clauses[0].np)
    done = lang.join_list([past_clause(c.vp) for c in clauses])
    return rng.choice(ANSWER_PATTERNS).format(past=done)


def clarify_question(p: ParamInfo, rng: random.Random) -> str:
    pats = CLARIFY_PATTERNS + CLARIFY_BY_KIND.get(p.kind, [])
    return rng.choice(pats).format(n=p.noun)


def supply_value(p: ParamInfo, value: Any, rng: random.Random) -> str:
    v = render_value(value, p.schema, p.kind)
    pat = rng.choice(SUPPLY_PATTERNS)
    if "{p}" in pat:
        return pat.format(p=param_phrase(p, value, rng, standalone=True))
    if "{n}" in pat:
        return pat.format(n=p.noun, v=v)
    return lang.cap(pat.format(v=v))
