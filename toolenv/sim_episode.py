"""Episodes over simulated tool specs: ground-truth matching, rewards, deficiencies, expert actions."""

from __future__ import annotations

import random
import warnings
from typing import Any, Callable, Sequence

from toolenv.episode import Episode, StepOutcome, Suite
from toolenv.observation import ascii_dumps
from toolenv.parse import Call, ParsedAction, render_calls
from toolenv.reward import ArgMatch, CallFacts, RewardConfig, match_arguments, step_total
from toolenv.simulator import (WORLD_VERSION, World, argument_error, canonical_json, error_response, number_error,
                               response_text, stable_seed)
from toolenv.spec import ToolRegistry
from toolenv.tasks import GTCall, Task

CallInterceptor = Callable[[str, dict, int, random.Random], "dict | str | None"]
DEFAULT_ANSWER = "I have completed your request."
_MEMO_LIMIT = 50_000
#: `match_arguments` results for ground-truth calls without ``$ref`` (a pure function of the call's
#: canonical arguments then), by (id(gt call), id(reward config), canonical arguments); the entry
#: holds both objects, so their ids are not reused while it lives
_MATCHES: dict[tuple[int, int, str], tuple[GTCall, RewardConfig, ArgMatch]] = {}
#: id(gt call) -> (gt call, whether its arguments hold a ``$ref``)
_HAS_REF: dict[int, tuple[GTCall, bool]] = {}
#: `CallFacts` are immutable: one object per (executed ok, expected tool, argument credit)
_FACTS: dict[tuple[bool, bool, float], CallFacts] = {}


def _has_ref(v: Any) -> bool:
    if isinstance(v, dict):
        return "$ref" in v or any(_has_ref(x) for x in v.values())
    if isinstance(v, list):
        return any(_has_ref(x) for x in v)
    return False


def _executed_facts(executed_ok: bool, expected: bool, arg_credit: float) -> CallFacts:
    key = (executed_ok, expected, arg_credit)
    f = _FACTS.get(key)
    if f is None:
        if len(_FACTS) > 1024:
            _FACTS.clear()
        f = _FACTS[key] = CallFacts(executed_ok=executed_ok, expected_tool=expected, arg_credit=arg_credit)
    return f


def resolve_ref(ref: str, results: dict[str, Any]) -> Any:
    """``"c0/results/0/id"`` -> the value at JSON pointer ``/results/0/id`` of call ``c0``'s response."""
    label, _, pointer = ref.partition("/")
    if label not in results:
        raise LookupError(f"call {label!r} has not been made yet")
    node = results[label]
    if pointer:
        for part in pointer.split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list):
                try:
                    node = node[int(part)]
                except (ValueError, IndexError):
                    raise LookupError(f"{ref}: no element {part!r}") from None
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                raise LookupError(f"{ref}: no key {part!r}")
    return node


def concrete_arguments(arguments: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    """Ground-truth constraints -> one concrete argument dict (refs resolved, first allowed value)."""

    def conv(v: Any) -> Any:
        if isinstance(v, dict) and len(v) == 1:
            (k, x), = v.items()
            if k == "$ref":
                return resolve_ref(x, results)
            if k == "$one_of":
                return conv(x[0])
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items() if not _is_any(x)}
        if isinstance(v, list):
            return [conv(x) for x in v]
        return v

    return {k: conv(v) for k, v in arguments.items() if not _is_any(v)}


def _is_any(v: Any) -> bool:
    return isinstance(v, dict) and v.get("$any") is True and len(v) == 1


class SimSuite(Suite):
    """Tasks over a `ToolRegistry`, played in a simulated `World`."""

    name = "sim"

    def __init__(self, registry: ToolRegistry, tasks: Sequence[Task], reward: RewardConfig | None = None,
                 expert_style: str = "hermes"):
        missing = sorted({n for t in tasks for n in t.tools if n not in registry.tools})
        if missing:
            raise ValueError(f"tasks offer tools that are not in the loaded specs: {missing[:10]}")
        if not tasks:
            raise ValueError("no tasks")
        stale = sum(1 for t in tasks if t.meta.get("world_version", WORLD_VERSION) != WORLD_VERSION)
        if stale:
            warnings.warn(f"{stale} task(s) were synthesized for world version != {WORLD_VERSION}; ids in their "
                          "requests may not exist any more: re-synthesize them", stacklevel=3)
        self.registry = registry
        self.tasks = list(tasks)
        self.reward = reward or RewardConfig()
        self.expert_style = expert_style
        self._tools_cache: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        self._offered: dict[tuple[str, ...], frozenset[str]] = {}
        self._replay_hash: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.tasks)

    def task(self, index: int) -> Task:
        return self.tasks[index]

    def offered_tools(self, task: Task) -> list[dict[str, Any]]:
        key = tuple(task.tools)
        tools = self._tools_cache.get(key)
        if tools is None:
            tools = self._tools_cache[key] = [self.registry.tools[n].openai() for n in task.tools]
        return tools

    def episode(self, task: Task, seed: int) -> "SimEpisode":
        return SimEpisode(self, task, seed)

    def offered_names(self, task: Task) -> frozenset[str]:
        key = tuple(task.tools)
        names = self._offered.get(key)
        if names is None:
            names = self._offered[key] = frozenset(key)
        return names

    def replay_hash(self, task: Task) -> str:
        """State hash after replaying the ground truth on a fresh world (cached per task)."""
        key = f"{task.id}|{task.seed}"
        if key not in self._replay_hash:
            world = World(self.registry, task.seed)
            results: dict[str, Any] = {}
            for turn in task.turns:
                for c in turn.calls:
                    results[c.label] = world.call(c.name, concrete_arguments(c.arguments, results))[0]
            self._replay_hash[key] = world.state_hash()
        return self._replay_hash[key]


class SimEpisode(Episode):
    """One episode of a simulated task. All mutable state is captured by `snapshot`."""

    def __init__(self, suite: SimSuite, task: Task, seed: int):
        self.suite = suite
        self.task = task
        self.seed = int(seed)
        self.cfg = suite.reward
        self.world = World(suite.registry, task.seed)
        self.offered = suite.offered_names(task)
        self.interceptor: CallInterceptor | None = None
        self.turn = 0
        self.pending: list[list[GTCall]] = [list(s) for s in task.turns[0].steps]
        self.results: dict[str, Any] = {}
        self.history: tuple[str, ...] = ()
        self.violations: tuple[str, ...] = ()
        self.calls_in_turn = 0
        self.n_calls = 0
        self.finished = False

    # ---- Episode interface --------------------------------------------------------------
    def tools(self) -> list[dict[str, Any]]:
        return self.suite.offered_tools(self.task)

    def state_hash(self) -> str:
        return self.world.state_hash()

    def snapshot(self) -> tuple:
        return (self.world.snapshot(), self.turn, [s.copy() for s in self.pending], self.results.copy(), self.history,
                self.violations, self.calls_in_turn, self.n_calls, self.finished)

    def restore(self, snap: tuple) -> None:
        world, self.turn, pending, results, self.history, self.violations, self.calls_in_turn, self.n_calls, \
            self.finished = snap
        self.world.restore(world)
        self.pending = [s.copy() for s in pending]
        self.results = results.copy()

    def expert_action(self) -> str | None:
        if self.finished:
            return None
        if self.pending:
            try:
                calls = [{"name": c.name, "arguments": concrete_arguments(c.arguments, self.results)}
                         for c in self.pending[0]]
                return render_calls(calls, self.suite.expert_style)
            except LookupError:
                pass  # a prerequisite call was never made (an earlier turn failed): just answer
        return self.task.turns[self.turn].answer or DEFAULT_ANSWER

    # ---- stepping ------------------------------------------------------------------------
    def step(self, action: ParsedAction, call_ids: list[str]) -> StepOutcome:
        if self.finished:
            return StepOutcome([], 0.0, True, ["calls:extra"], {"success": False})
        if action.kind == "error":
            self._violate("format:unparseable")
            return self._finish([], ["format:unparseable"], {"parse_error": action.error},
                                penalised=["format:unparseable"])
        if action.kind == "calls":
            return self._step_calls(action, call_ids)
        return self._step_answer()

    def _violate(self, code: str) -> None:
        self.violations = self.violations + (code,)

    def _step_answer(self) -> StepOutcome:
        defs: list[str] = []
        missing = bool(self.pending)
        if missing:
            defs.append("calls:missing")
            if self.calls_in_turn == 0:
                defs.append("relevance:no_call_when_needed")
            for d in defs:
                self._violate(d)
        penalised = ["calls:missing"] if missing else []
        self.turn += 1
        self.calls_in_turn = 0
        if self.turn < len(self.task.turns):
            nxt = self.task.turns[self.turn]
            self.pending = [list(s) for s in nxt.steps]
            reward = step_total(self.cfg, penalised=penalised, answered=not missing)
            return StepOutcome([{"role": "user", "content": nxt.user}], reward, False, defs)
        self.pending = []
        return self._finish([], defs, {}, penalised=penalised, answered=not missing)

    def _finish(self, messages: list[dict[str, Any]], defs: list[str], info: dict[str, Any], *,
                penalised: Sequence[str] = (), answered: bool = False) -> StepOutcome:
        self.finished = True
        success = self.turn >= len(self.task.turns) and not self.pending
        blocking = ("calls:missing", "relevance:call_when_none_needed", "relevance:no_call_when_needed",
                    "format:unparseable")
        if self.violations and (any(v in blocking for v in self.violations) or self.cfg.strict_success):
            success = False
        if success:
            if self.suite.replay_hash(self.task) != self.world.state_hash():
                success = False
                defs = defs + ["state:mismatch"]
        reward = step_total(self.cfg, penalised=penalised, answered=answered, success=float(success))
        return StepOutcome(messages, reward, True, defs, {**info, "success": success})

    def _find(self, name: str, args: dict[str, Any], argjson: str | None = None) -> tuple[GTCall | None, int, ArgMatch | None]:
        """The pending ground-truth call this call answers: an exact match in any pending step,
        else the best partial match in the earliest step that calls the same tool."""
        best: tuple[GTCall, int, ArgMatch] | None = None
        for si, step in enumerate(self.pending):
            for gt in step:
                if gt.name != name:
                    continue
                m = self._match(args, gt, argjson)
                if m.exact:
                    return gt, si, m
                if best is None or (si == best[1] and m.credit > best[2].credit):
                    best = (gt, si, m)
        return best if best is not None else (None, -1, None)

    def _match(self, args: dict[str, Any], gt: GTCall, argjson: str | None) -> ArgMatch:
        """`match_arguments` (memoised for ground-truth calls without ``$ref``: parsed arguments are
        plain JSON values, which their canonical JSON stands for)."""
        entry = _HAS_REF.get(id(gt))
        if entry is None or entry[0] is not gt:
            if len(_HAS_REF) > _MEMO_LIMIT:
                _HAS_REF.clear()
            entry = _HAS_REF[id(gt)] = (gt, _has_ref(gt.arguments))
        if entry[1] or argjson is None:
            return match_arguments(args, gt.arguments, self.cfg, self._resolver)
        key = (id(gt), id(self.cfg), argjson)
        hit = _MATCHES.get(key)
        if hit is not None and hit[0] is gt and hit[1] is self.cfg:
            return hit[2]
        m = match_arguments(args, gt.arguments, self.cfg, self._resolver)
        if len(argjson) <= 2048:
            if len(_MATCHES) > _MEMO_LIMIT:
                _MATCHES.clear()
            _MATCHES[key] = (gt, self.cfg, m)
        return m

    def _resolver(self, ref: str) -> Any:
        return resolve_ref(ref, self.results)

    def _step_calls(self, action: ParsedAction, call_ids: list[str]) -> StepOutcome:
        """Run each call (`_run_call`), then score the step with `step_total` (`step_reward`'s total)."""
        defs: list[str] = []
        penalised: list[str] = []
        if not self.task.turns[self.turn].steps:
            defs.append("relevance:call_when_none_needed")
            self._violate("relevance:call_when_none_needed")
            penalised.append("relevance:call_when_none_needed")
        facts: list[CallFacts] = []
        messages: list[dict[str, Any]] = []
        for call, cid in zip(action.calls, call_ids):
            response, fact, call_defs, call_penalised = self._run_call(call)
            facts.append(fact)
            defs.extend(call_defs)
            penalised.extend(call_penalised)
            content = (response if isinstance(response, str)  # an interceptor's reply may be any object: encoded afresh
                       else ascii_dumps(response) if fact.fault else response_text(response))
            messages.append({"role": "tool", "tool_call_id": cid, "name": call.name, "content": content})
        reward = step_total(self.cfg, calls=facts, penalised=penalised)
        return StepOutcome(messages, reward, False, defs)

    def _run_call(self, call: Call) -> tuple[Any, CallFacts, list[str], list[str]]:
        """One call: find the ground-truth call it answers, validate and execute it, and update the
        episode. Returns (response, its `CallFacts`, its deficiency codes, the penalised ones)."""
        name, args = call.name, call.arguments
        self.n_calls += 1
        self.calls_in_turn += 1
        argjson = canonical_json(args)
        key = name + argjson
        repeated = key in self.history
        self.history = self.history + (key,)
        tool = self.suite.registry.tools.get(name) if name in self.offered else None
        if tool is None:
            self._violate("call:unknown_tool")
            response = error_response(404, "unknown_tool", f"no tool named {name!r} is available")
            return response, CallFacts(offered=False), ["call:unknown_tool"], ["call:unknown_tool"]
        faulty = None
        if self.interceptor is not None:
            rng = random.Random(stable_seed(self.seed, "fault", self.n_calls, key))
            faulty = self.interceptor(name, args, self.n_calls, rng)
        if faulty is not None:  # the API failed: no credit, the agent should retry or report
            return faulty, CallFacts(fault=True), ["exec:fault"], []
        gt, si, m = self._find(name, args, argjson)
        expected = gt is not None and m is not None
        arg_credit = m.credit if m is not None else 0.0
        bad = number_error(tool, getattr(call, "invalid", ()), args) or argument_error(tool, args, argjson)
        if bad is not None:
            response, code = bad
            self._violate(code)
            return response, CallFacts(schema_ok=False, expected_tool=expected, arg_credit=arg_credit), [code], [code]
        response, exec_def = self.world.execute(tool, args, argjson)
        fact = _executed_facts(exec_def is None, expected, arg_credit)
        defs = [exec_def] if exec_def else []
        if expected and m.exact:  # completes a ground-truth call
            self.pending[si].remove(gt)
            if not self.pending[si]:
                del self.pending[si]
            self.results[gt.label] = response
            if si == 0:
                return response, fact, defs, []
            self._violate("order:dependency")
            return response, fact, defs + ["order:dependency"], ["order:dependency"]
        if expected:  # the expected tool, some arguments wrong: less credit, no penalty
            wrong = m.deficiencies()
            for x in wrong:
                self._violate(x)
            return response, fact, defs + wrong, []
        code = "calls:repeated" if repeated else "call:wrong_tool" if self.pending else "calls:extra"
        if code == "calls:extra" and not self.task.turns[self.turn].steps:
            return response, fact, defs, []  # already penalised as relevance:call_when_none_needed
        self._violate(code)
        return response, fact, defs + [code], [code]
