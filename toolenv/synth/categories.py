"""Task generators, one per category, over a precomputed registry analysis.

`Synthesizer(registry)` analyses the registry once (intents, parameter kinds, links); then
`Synthesizer.task(category, index, seed)` builds one task from a `random.Random` seeded by
``(seed, index, category, attempt)`` only, so tasks are reproducible one by one and a run is
deterministic for its seed. Calls whose outcome matters (chains, follow-ups) are executed once in
a simulated `World` with the task's world seed to check that every call succeeds and every
``$ref`` resolves; a failed draw is retried with the next attempt number.
"""

from __future__ import annotations

import json

import random
from dataclasses import dataclass, field
from typing import Any, Sequence

from toolenv.simulator import World, argument_error, stable_seed
from toolenv.synth import queries as Q
from toolenv.synth.analysis import Link, ParamInfo, ToolInfo, analyse
from toolenv.synth.difficulty import score
from toolenv.tasks import CATEGORIES, GTCall, Task, Turn
from toolenv.values import ValueGenerator

WORLD_POOL = 4  # distinct simulated worlds per synthesis seed (their initial records are generated once, cached)
MAX_ATTEMPTS = 12
P_OPTIONAL = 0.35
MAX_OPTIONAL = 3


class Infeasible(ValueError):
    """The registry cannot produce this category (e.g. no links for multi_step)."""


@dataclass
class _Call:
    tool: str
    args: dict[str, Any]
    refs: dict[str, tuple[str, Link]] = field(default_factory=dict)
    label: str = ""
    optional: int = 0

    def gt(self) -> GTCall:
        a = dict(self.args)
        for p, (label, link) in self.refs.items():
            a[p] = {"$ref": f"{label}/{link.path}"}
        return GTCall(name=self.tool, arguments=a, label=self.label)


def resolve_ref(ref: str, responses: dict[str, Any]) -> Any:
    """Resolve ``label/json/pointer`` against responses by label; raises KeyError/IndexError."""
    label, _, path = ref.partition("/")
    cur = responses[label]
    for part in path.split("/") if path else []:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, list):
            cur = cur[int(part)]
        elif isinstance(cur, dict):
            cur = cur[part]
        else:
            raise KeyError(part)
    return cur


def _has_error(resp: Any) -> bool:
    return isinstance(resp, dict) and "error" in resp


_PAIRS = [("min_", "max_"), ("start", "end"), ("check_in", "check_out"), ("checkin", "checkout"),
          ("departure_date", "return_date"), ("from_date", "to_date"), ("date_from", "date_to"), ("since", "until")]


def _order_pairs(args: dict[str, Any]) -> None:
    """Keep ranges sensible: min <= max, start <= end."""
    keys = list(args)
    for a, b in _PAIRS:
        for k in keys:
            if a in k:
                k2 = k.replace(a, b)
                if k2 != k and k2 in args:
                    x, y = args[k], args[k2]
                    try:
                        if type(x) is type(y) and x > y:
                            args[k], args[k2] = y, x
                    except TypeError:
                        pass


class Synthesizer:
    """Generates tasks of every category from one registry."""

    def __init__(self, registry: Any, *, frames: Sequence[str] | None = None, p_context: float = 0.15,
                 verify: bool = True):
        self.registry = registry
        self.infos, self.links = analyse(registry)
        self.names = sorted(registry.tools)
        self.frames = set(frames) if frames is not None else None
        self._frame_list = [f for f in Q.FRAMES if self.frames is None or f.id in self.frames]
        if not self._frame_list or all(f.needs_np for f in self._frame_list):
            raise ValueError("frames must include at least one verb-phrase frame (see toolenv.synth.queries.FRAMES)")
        self.p_context = p_context
        self.verify = verify
        self.domains: dict[str, list[str]] = {}
        for n in self.names:
            self.domains.setdefault(self.infos[n].domain, []).append(n)
        self._worlds: dict[int, World] = {}
        self._ids: dict[tuple[int, str, str], list[Any]] = {}
        # id parameters -> (toolkit, collection) whose records they name
        self._id_params: dict[str, dict[str, Any]] = {}
        for n in self.names:
            tk = registry.toolkit_of(n)
            t = registry.tools[n]
            m: dict[str, Any] = {}
            by_field = {c.id_field: c for c in tk.collections.values()}
            for p in t.properties:
                if p in by_field:
                    m[p] = by_field[p]
            if t.effect and t.effect.action in ("read", "update", "delete"):
                coll = tk.collections[t.effect.collection]
                m[t.effect.id_param or coll.id_field] = coll
            self._id_params[n] = m
        # tools callable on their own (every id argument can name an existing record)
        self.single = [n for n in self.names if self._standalone(n)]
        self.varyable = {n: [p.name for p in self.infos[n].required if self._can_vary(n, p)] for n in self.single}
        self.varyable = {n: v for n, v in self.varyable.items() if v}
        self.askable = {n: [p.name for p in self.infos[n].required if p.askable] for n in self.single}
        self.askable = {n: v for n, v in self.askable.items() if v}
        self.varyable_names = sorted(self.varyable)
        self.askable_names = sorted(self.askable)
        self.chain_starts = [n for n in self.names if self.links[n] and (n in self.single)]

    # ---- feasibility ------------------------------------------------------------------------
    def _standalone(self, name: str) -> bool:
        for p, coll in self._id_params[name].items():
            if coll.initial == 0 and p in self.registry.tools[name].required:
                return False
        return True

    def _can_vary(self, name: str, p: ParamInfo) -> bool:
        t = p.schema.get("type")
        if p.kind in ("bool", "limit", "sort", "order") or t in ("object", "array", "boolean"):
            return False
        if p.schema.get("enum") is not None and len(p.schema["enum"]) < 2:
            return False
        return "const" not in p.schema

    def feasible(self, category: str) -> str | None:
        """None when the category can be produced, else why not."""
        if not self.names:
            return "no tools"
        if category in ("simple", "multiple", "multi_turn") and not self.single:
            return "no tool can be called on its own"
        if category == "multi_turn" and not (self.varyable or self.chain_starts):
            return ("no tool has a required parameter that can take several values, and no tool's response "
                    "feeds another tool's parameter")
        if category == "multiple" and len(self.names) < 2:
            return "needs at least 2 tools"
        if category == "parallel" and not self.varyable:
            return "no tool has a required parameter that can take several values"
        if category == "parallel_multiple" and len({self.infos[n].vp for n in self.single}) < 2:
            return "needs at least 2 tools callable on their own, with different actions"
        if category == "multi_step" and not self.chain_starts:
            return "no tool's response feeds another tool's parameter (add effects/collections or id fields)"
        if category == "missing_argument" and not self.askable:
            return "no tool has a required free-valued parameter"
        if category == "irrelevance" and len(self.domains) < 2 and not self._generic_offtopic_ok():
            return "needs tools from at least 2 domains"
        if category not in CATEGORIES:
            return f"unknown category {category!r}; one of {list(CATEGORIES)}"
        return None

    def _generic_offtopic_ok(self) -> bool:
        kws = frozenset().union(*(self.infos[n].keywords for n in self.names))
        return any(not (k & kws) for _, k in Q.OFF_TOPIC_REQUESTS)

    # ---- worlds and values ------------------------------------------------------------------
    def _world(self, world_seed: int) -> World:
        w = self._worlds.get(world_seed)
        if w is None:
            if len(self._worlds) >= 4 * WORLD_POOL:  # bounded cache: forget the oldest worlds
                for k in list(self._worlds)[:WORLD_POOL]:
                    del self._worlds[k]
                self._ids = {k: v for k, v in self._ids.items() if k[0] in self._worlds}
            w = self._worlds[world_seed] = World(self.registry, world_seed)
        return w

    def _existing_ids(self, world_seed: int, coll: Any, tool: str) -> list[Any]:
        key = (world_seed, self.registry.toolkit_of(tool).name, coll.name)
        ids = self._ids.get(key)
        if ids is None:
            recs = self._world(world_seed).records(coll)
            ids = self._ids[key] = [r[coll.id_field] for r in recs]
        return ids

    def _args(self, rng: random.Random, gen: ValueGenerator, name: str, world_seed: int, *,
              skip: Sequence[str] = (), p_optional: float = P_OPTIONAL) -> tuple[dict[str, Any], int]:
        info = self.infos[name]
        args: dict[str, Any] = {}
        n_opt = 0
        idp = self._id_params[name]
        for p in info.params:
            if p.name in skip:
                continue
            if not p.required:
                if n_opt >= MAX_OPTIONAL or rng.random() >= p_optional:
                    continue
            if p.name in idp:
                ids = self._existing_ids(world_seed, idp[p.name], name)
                if not ids:
                    if p.required:
                        raise Infeasible(f"no record for {p.name}")
                    continue
                args[p.name] = rng.choice(ids)
            else:
                args[p.name] = gen.value(p.schema, p.name)
            if not p.required:
                n_opt += 1
        _order_pairs(args)
        self._distinct_ends(info, args, gen)
        return args, n_opt

    @staticmethod
    def _distinct_ends(info: ToolInfo, args: dict[str, Any], gen: ValueGenerator) -> None:
        """'from X to X' reads wrong: re-draw the destination when it equals the origin."""
        o = next((p for p in info.params if p.kind == "origin" and p.name in args), None)
        d = next((p for p in info.params if p.kind == "destination" and p.name in args), None)
        if o is None or d is None:
            return
        for _ in range(6):
            if args[d.name] != args[o.name]:
                return
            args[d.name] = gen.value(d.schema, d.name)

    # ---- rendering --------------------------------------------------------------------------
    def _frame(self, rng: random.Random, clause: Q.Clause | None, multi: bool = False) -> Q.Frame:
        return Q.pick_frame(rng, clause, multi=multi, frames=self._frame_list)

    def _render_single(self, rng: random.Random, clause: Q.Clause) -> tuple[str, str]:
        f = self._frame(rng, clause)
        text = Q.apply_frame(f, clause.vp, clause.np)
        text, tag = Q.add_context(text, rng, self.p_context, self.p_context * 0.8)
        return text, f.id + tag

    def _render_multi(self, rng: random.Random, clauses: Sequence[Q.Clause], sequential: bool) -> tuple[str, str]:
        seq_frames = [f for f in Q.SEQUENCE_FRAMES if self.frames is None or f.id in self.frames]
        if sequential and seq_frames and rng.random() < 0.35:
            f = rng.choice(seq_frames)
            text = Q.apply_sequence(f, [c.vp for c in clauses], rng)
            tmpl = f.id
        else:
            conns = Q.SEQ_CONNECTORS if sequential else Q.PAR_CONNECTORS
            ci = rng.randrange(len(conns))
            vp = clauses[0].vp
            for c in clauses[1:]:
                vp += conns[ci] + c.vp
            f = self._frame(rng, None, multi=True)
            text = Q.apply_frame(f, vp)
            tmpl = f"{f.id}/{'s' if sequential else 'p'}{ci}"
        text, tag = Q.add_context(text, rng, self.p_context, self.p_context * 0.8)
        return text, tmpl + tag

    # ---- verification -----------------------------------------------------------------------
    def _valid(self, calls: Sequence[_Call]) -> bool:
        """Schema-check the arguments of calls without references (cheap; used for independent calls),
        and make sure a parallel group commutes: updates/deletes must target distinct records."""
        touched: set[tuple[str, Any]] = set()
        for c in calls:
            spec = self.registry.tools[c.tool]
            if spec.effect is not None and spec.effect.action in ("update", "delete"):
                coll = self.registry.toolkit_of(c.tool).collections[spec.effect.collection]
                key = (coll.name, json.dumps(c.args.get(spec.effect.id_param or coll.id_field), sort_keys=True))
                if key in touched:
                    return False
                touched.add(key)
        if not self.verify:
            return True
        return all(argument_error(self.registry.tools[c.tool], c.args) is None for c in calls)

    def _run(self, world_seed: int, turns: Sequence[Sequence[Sequence[_Call]]]) -> bool:
        """Execute the ground truth; True when every call succeeds and every reference resolves."""
        if not self.verify:
            return True
        base = self._world(world_seed)
        w = World(self.registry, world_seed)
        w.restore(base.snapshot())
        responses: dict[str, Any] = {}
        for steps in turns:
            for step in steps:
                for c in step:
                    args = dict(c.args)
                    for p, (label, link) in c.refs.items():
                        try:
                            args[p] = resolve_ref(f"{label}/{link.path}", responses)
                        except (KeyError, IndexError, ValueError, TypeError):
                            return False
                    resp, _ = w.call(c.tool, args)
                    if _has_error(resp):
                        return False
                    responses[c.label] = resp
        return True

    # ---- task assembly ----------------------------------------------------------------------
    def _offer(self, rng: random.Random, used: Sequence[str], k: int, same_domain_share: float = 0.5) -> list[str]:
        """The offered tools: ``used`` plus ``k`` distractors, from the same domain(s) (never one with
        the same intent) or from other domains, in a random order."""
        used_set = set(used)
        tools = sorted(used_set)
        if k > 0:
            infos = self.infos
            used_vps = {infos[n].vp for n in used_set}
            doms = {infos[n].domain for n in used_set}
            same = [n for d in sorted(doms) for n in self.domains.get(d, ()) if n not in used_set
                    and infos[n].vp not in used_vps]
            n_other = len(self.names) - sum(len(self.domains.get(d, ())) for d in doms)
            picked: set[str] = set()
            for _ in range(k):
                if same and (n_other <= len(picked) or rng.random() < same_domain_share):
                    x = same.pop(rng.randrange(len(same)))
                else:
                    x = None
                    for _ in range(64):  # rejection sampling over all names (k is small)
                        y = self.names[rng.randrange(len(self.names))]
                        if infos[y].domain not in doms and y not in picked:
                            x = y
                            break
                    if x is None:
                        break
                picked.add(x)
                tools.append(x)
        rng.shuffle(tools)
        return tools

    def _task(self, category: str, index: int, seed: int, world_seed: int, tools: list[str], turns: list[Turn],
              template: str, frame: str, optional: int, extra: dict[str, Any] | None = None) -> Task:
        meta = {"template": template, "frame": frame.split("+")[0].split("/")[0], "synth_seed": seed, "index": index,
                "optional_args": optional}
        if extra:
            meta.update(extra)
        t = Task(id=f"s{seed}-{index:06d}-{category}", category=category, tools=tools, turns=turns, seed=world_seed,
                 meta=meta)
        t.difficulty = score(t, optional)
        return t

    def task(self, category: str, index: int, seed: int) -> Task:
        why = self.feasible(category)
        if why:
            raise Infeasible(f"cannot synthesize {category!r} tasks from these specs: {why}")
        world_seed = stable_seed(seed, "world", index % WORLD_POOL)
        fn = getattr(self, "_gen_" + category)
        last: Exception | None = None
        for attempt in range(MAX_ATTEMPTS):
            rng = random.Random(f"{seed}:{index}:{category}:{attempt}")
            try:
                t = fn(rng, index, seed, world_seed)
            except Infeasible as e:
                last = e
                continue
            if t is not None:
                return t
        raise Infeasible(f"could not synthesize a {category!r} task at index {index}: {last or 'verification failed'}")

    # ---- categories -------------------------------------------------------------------------
    def _one_call(self, rng: random.Random, world_seed: int, pool: Sequence[str]) -> tuple[_Call, Q.Clause]:
        name = rng.choice(pool)
        gen = ValueGenerator(rng)
        args, n_opt = self._args(rng, gen, name, world_seed)
        clause = Q.make_clause(self.infos[name], args, rng)
        return _Call(name, args, label="c0", optional=n_opt), clause

    def _gen_simple(self, rng, index, seed, world_seed, distractors: int = 0, category: str = "simple"):
        call, clause = self._one_call(rng, world_seed, self.single)
        if not self._valid([call]):
            return None
        text, tmpl = self._render_single(rng, clause)
        tools = self._offer(rng, [call.tool], distractors) if distractors else [call.tool]
        turn = Turn(user=text, steps=[[call.gt()]], answer=Q.expert_answer([clause], rng))
        return self._task(category, index, seed, world_seed, tools, [turn], tmpl, tmpl, call.optional)

    def _gen_multiple(self, rng, index, seed, world_seed):
        k = rng.randint(1, min(4, len(self.names) - 1))
        return self._gen_simple(rng, index, seed, world_seed, distractors=k, category="multiple")

    def _gen_parallel(self, rng, index, seed, world_seed):
        name = rng.choice(self.varyable_names)
        info = self.infos[name]
        gen = ValueGenerator(rng)
        pname = rng.choice(self.varyable[name])
        p = info.param(pname)
        n = rng.randint(2, 4)
        base, n_opt = self._args(rng, gen, name, world_seed)
        values: list[Any] = [base[pname]]
        idp = self._id_params[name]
        for _ in range(n * 6):
            if len(values) >= n:
                break
            if pname in idp:
                v = rng.choice(self._existing_ids(world_seed, idp[pname], name))
            else:
                v = gen.value(p.schema, p.name)
            if v not in values:
                values.append(v)
        if len(values) < 2:
            return None
        calls = []
        for i, v in enumerate(values):
            a = dict(base)
            a[pname] = v
            _order_pairs(a)
            if a.get(pname) != v:
                return None
            calls.append(_Call(name, a, label=f"c{i}", optional=n_opt))
        if not self._valid(calls):
            return None
        clause = Q.make_clause(info, base, rng, vary={pname: values})
        clause.np = None  # "what's the weather in A, B and C" reads fine, but keep frames simple
        text, tmpl = self._render_single(rng, clause)
        tools = self._offer(rng, [name], rng.randint(0, 3))
        turn = Turn(user=text, steps=[[c.gt() for c in calls]], answer=Q.expert_answer([clause], rng))
        return self._task("parallel", index, seed, world_seed, tools, [turn], tmpl, tmpl, n_opt * len(calls))

    def _gen_parallel_multiple(self, rng, index, seed, world_seed):
        k = rng.randint(2, min(3, len(self.single)))
        names = rng.sample(self.single, k)
        if len({self.infos[n].vp for n in names}) < k:
            return None
        gen = ValueGenerator(rng)
        calls: list[_Call] = []
        clauses: list[Q.Clause] = []
        optional = 0
        for name in names:
            args, n_opt = self._args(rng, gen, name, world_seed)
            info = self.infos[name]
            if name in self.varyable and rng.random() < 0.3:
                pname = rng.choice(self.varyable[name])
                p = info.param(pname)
                idp = self._id_params[name]
                v2 = rng.choice(self._existing_ids(world_seed, idp[pname], name)) if pname in idp else gen.value(p.schema, pname)
                if v2 != args[pname]:
                    for v in (args[pname], v2):
                        a = dict(args)
                        a[pname] = v
                        calls.append(_Call(name, a, label=f"c{len(calls)}", optional=n_opt))
                        optional += n_opt
                    clauses.append(Q.make_clause(info, args, rng, vary={pname: [args[pname], v2]}))
                    continue
            calls.append(_Call(name, args, label=f"c{len(calls)}", optional=n_opt))
            optional += n_opt
            clauses.append(Q.make_clause(info, args, rng))
        if not self._valid(calls):
            return None
        text, tmpl = self._render_multi(rng, clauses, sequential=False)
        tools = self._offer(rng, names, rng.randint(0, 2))
        turn = Turn(user=text, steps=[[c.gt() for c in calls]], answer=Q.expert_answer(clauses, rng))
        return self._task("parallel_multiple", index, seed, world_seed, tools, [turn], tmpl, tmpl, optional)

    def _chain(self, rng: random.Random, world_seed: int, length: int, start: str | None = None,
               label0: int = 0) -> list[_Call] | None:
        gen = ValueGenerator(rng)
        name = start or rng.choice(self.chain_starts)
        args, n_opt = self._args(rng, gen, name, world_seed)
        calls = [_Call(name, args, label=f"c{label0}", optional=n_opt)]
        used = {name}
        dead: set[int] = set()
        while len(calls) < length:
            cands: list[tuple[int, str, float]] = []
            for j, c in enumerate(calls):
                if j in dead:
                    continue
                seen: set[str] = set()
                for link in self.links[c.tool]:
                    if link.consumer in used or link.consumer in seen:
                        continue
                    seen.add(link.consumer)
                    w = (3.0 if j == len(calls) - 1 else 1.0) * (2.0 if link.strength == 2 else 1.0)
                    cands.append((j, link.consumer, w))
            if not cands:
                break
            total = sum(w for _, _, w in cands)
            x = rng.random() * total
            for j, cons, w in cands:
                x -= w
                if x <= 0:
                    break
            prod = calls[j]
            refs = {l.param: (prod.label, l) for l in self.links[prod.tool] if l.consumer == cons}
            try:
                cargs, c_opt = self._args(rng, gen, cons, world_seed, skip=list(refs))
            except Infeasible:
                used.add(cons)
                continue
            calls.append(_Call(cons, cargs, refs, label=f"c{label0 + len(calls)}", optional=c_opt))
            used.add(cons)
            act = self.infos[cons].action
            if act == "delete":
                dead.add(j)
                dead.add(len(calls) - 1)
        return calls if len(calls) >= 2 else None

    def _producer_actions(self, calls: Sequence[_Call]) -> dict[str, str | None]:
        return {c.label: self.infos[c.tool].action for c in calls}

    def _gen_multi_step(self, rng, index, seed, world_seed):
        length = rng.choice([2, 2, 3, 3, 4])
        calls = self._chain(rng, world_seed, length)
        if calls is None or not self._run(world_seed, [[[c] for c in calls]]):
            return None
        acts = self._producer_actions(calls)
        clauses = [Q.make_clause(self.infos[c.tool], c.args, rng, refs=c.refs, producer_actions=acts) for c in calls]
        text, tmpl = self._render_multi(rng, clauses, sequential=True)
        names = [c.tool for c in calls]
        tools = self._offer(rng, names, rng.randint(0, 2))
        turn = Turn(user=text, steps=[[c.gt()] for c in calls], answer=Q.expert_answer(clauses, rng))
        return self._task("multi_step", index, seed, world_seed, tools, [turn], tmpl, tmpl,
                          sum(c.optional for c in calls), {"chain": names})

    def _gen_irrelevance(self, rng, index, seed, world_seed):
        k = rng.randint(1, 4)
        if len(self.domains) >= 2 and rng.random() < 0.8:
            qname = rng.choice(self.names)
            qinfo = self.infos[qname]
            pool = [n for n in self.names if self.infos[n].domain != qinfo.domain and
                    self._unrelated(qinfo, self.infos[n])]
            if not pool:
                return None
            tools = rng.sample(pool, min(k, len(pool)))
            gen = ValueGenerator(rng)
            try:
                args, _ = self._args(rng, gen, qname, world_seed) if qname in self.single else ({}, 0)
            except Infeasible:
                args = {}
            if not args and self.infos[qname].required:
                # no existing record to name: state the request without its arguments
                args = {}
            clause = Q.make_clause(qinfo, args, rng)
            text, tmpl = self._render_single(rng, clause)
            answer = rng.choice(Q.IRRELEVANCE_ANSWERS).format(vp=qinfo.vp)
            extra = {"query_tool": qname}
        else:
            tools = rng.sample(self.names, min(k, len(self.names)))
            kws = frozenset().union(*(self.infos[n].keywords for n in tools))
            reqs = [(i, r) for i, (r, kw) in enumerate(Q.OFF_TOPIC_REQUESTS) if not (kw & kws)
                    and (self.frames is None or f"offtopic{i}" in self.frames)]
            if not reqs:
                return None
            i, text = rng.choice(reqs)
            text, tag = Q.add_context(text, rng, self.p_context, self.p_context * 0.8)
            tmpl = f"offtopic{i}{tag}"
            answer = rng.choice(Q.GENERIC_IRRELEVANCE_ANSWERS)
            extra = {"query_tool": None}
        rng.shuffle(tools)
        turn = Turn(user=text, steps=[], answer=answer)
        return self._task("irrelevance", index, seed, world_seed, tools, [turn], tmpl, tmpl, 0, extra)

    @staticmethod
    def _unrelated(a: ToolInfo, b: ToolInfo) -> bool:
        if a.vp == b.vp or (a.record and a.record == b.record):
            return False
        inter = len(a.keywords & b.keywords)
        union = len(a.keywords | b.keywords) or 1
        return inter / union < 0.2

    def _gen_missing_argument(self, rng, index, seed, world_seed):
        name = rng.choice(self.askable_names)
        info = self.infos[name]
        gen = ValueGenerator(rng)
        args, n_opt = self._args(rng, gen, name, world_seed)
        miss = rng.choice(self.askable[name])
        p = info.param(miss)
        call = _Call(name, args, label="c0", optional=n_opt)
        if not self._valid([call]):
            return None
        clause1 = Q.make_clause(info, args, rng, omit=[miss])
        text, tmpl = self._render_single(rng, clause1)
        t1 = Turn(user=text, steps=[], answer=Q.clarify_question(p, rng))
        full = Q.make_clause(info, args, rng)
        t2 = Turn(user=Q.supply_value(p, args[miss], rng), steps=[[call.gt()]], answer=Q.expert_answer([full], rng))
        tools = self._offer(rng, [name], rng.randint(0, 2))
        return self._task("missing_argument", index, seed, world_seed, tools, [t1, t2], tmpl, tmpl, n_opt,
                          {"missing": miss})

    def _gen_multi_turn(self, rng, index, seed, world_seed):
        gen = ValueGenerator(rng)
        use_link = self.chain_starts and rng.random() < 0.75
        if use_link:
            calls = self._chain(rng, world_seed, 2)
            if calls is None:
                return None
            first, second = calls
            if not self._run(world_seed, [[[first]], [[second]]]):
                return None
            acts = self._producer_actions(calls)
            c1 = Q.make_clause(self.infos[first.tool], first.args, rng)
            c2 = Q.make_clause(self.infos[second.tool], second.args, rng, refs=second.refs, producer_actions=acts,
                               followup=True)
            oi = rng.randrange(len(Q.FOLLOWUP_OPENERS))
            opener, end = Q.FOLLOWUP_OPENERS[oi]
            follow = opener + c2.vp + end
            kind = f"ref{oi}"
        else:
            if not self.varyable:
                return None
            name = rng.choice(self.varyable_names)
            info = self.infos[name]
            args, n_opt = self._args(rng, gen, name, world_seed)
            pname = rng.choice(self.varyable[name])
            p = info.param(pname)
            idp = self._id_params[name]
            v2 = rng.choice(self._existing_ids(world_seed, idp[pname], name)) if pname in idp else gen.value(p.schema, pname)
            if v2 == args[pname]:
                return None
            a2 = dict(args)
            a2[pname] = v2
            _order_pairs(a2)
            first = _Call(name, args, label="c0", optional=n_opt)
            second = _Call(name, a2, label="c1", optional=n_opt)
            if not self._run(world_seed, [[[first]], [[second]]]):
                return None
            c1 = Q.make_clause(info, args, rng)
            c2 = Q.make_clause(info, a2, rng)
            vi = rng.randrange(len(Q.VARIATION_PATTERNS))
            follow = Q.VARIATION_PATTERNS[vi].format(p=Q.param_phrase(p, v2, rng, standalone=True))
            kind = f"var{vi}"
        text, tmpl = self._render_single(rng, c1)
        t1 = Turn(user=text, steps=[[first.gt()]], answer=Q.expert_answer([c1], rng))
        t2 = Turn(user=follow, steps=[[second.gt()]], answer=Q.expert_answer([c2], rng))
        tools = self._offer(rng, sorted({first.tool, second.tool}), rng.randint(0, 2))
        return self._task("multi_turn", index, seed, world_seed, tools, [t1, t2], f"{tmpl}|{kind}", tmpl,
                          first.optional + second.optional)

    # ---- batches ----------------------------------------------------------------------------
    def categories(self, categories: Sequence[str] | None = None) -> list[str]:
        if categories is None:
            return [c for c in CATEGORIES if self.feasible(c) is None]
        cats = list(categories)
        for c in cats:
            why = self.feasible(c)
            if why:
                raise Infeasible(f"cannot synthesize {c!r} tasks from these specs: {why}")
        return cats

    def generate(self, num: int, seed: int, categories: Sequence[str] | None = None, progress: bool = False,
                 start: int = 0) -> list[Task]:
        cats = self.categories(categories)
        if not cats:
            raise Infeasible("these specs support no task category")
        rng = random.Random(f"{seed}:order")
        order = list(cats)
        rng.shuffle(order)
        it = range(start, start + num)
        if progress:
            try:
                from tqdm import tqdm

                it = tqdm(it, desc="synth", unit="task", mininterval=0.5)
            except ImportError:  # pragma: no cover
                pass
        return [self.task(order[i % len(order)], i, seed) for i in it]
