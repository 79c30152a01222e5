"""BFCL suites: every entry of a category becomes a task; episodes score with the official rules.

Single-turn (``simple_python``, ``multiple``, ``parallel``, ``parallel_multiple``, ``irrelevance``,
``live_*``): the episode ends after the agent's first action. The action text is decoded with the
official prompt-style decoder (``[f(a=1)]``); if that fails and the env's parser found calls
(JSON / ``<tool_call>`` formats), those calls are scored as function-calling output
(``[{name: json_args}]``). Reward ``success_bonus`` (1.0) on success, else the penalty of the
verdict's deficiency (0.0 by default); ``info["success"]`` and ``info["bfcl_error_type"]``
(official error string, None on success).

Multi-turn (``multi_turn_base``, ``multi_turn_miss_func``, ``multi_turn_miss_param``,
``multi_turn_long_context``): within a turn, an action with calls executes them on the entry's
backends (one tool message per call, ``tool_call_id`` in order); an action without calls ends the
turn, which is then checked (state and response, official rules), and the next user turn arrives.
Each turn that passes pays ``success_bonus/len(turns)`` when it ends, so the return is the
fraction of turns passed (by default); ``info["success"]`` (all turns pass, i.e. the official
verdict) and ``info["bfcl_error_type"]`` come on the last step. The ``max_steps_per_turn``-th call
step of a turn (21: the official inference stops a turn once its step count exceeds 20) ends the
turn: on the last turn it is checked as usual, before it the episode ends as
``multi_turn:force_terminated`` (the official result then lacks turns). miss_func: the held-out
functions are not offered until their turn, whose user message is the official one (by default the
prompt-style message that lists the docs); ``tools()`` gives the tools offered so far.

Rewards come from `toolenv.reward.step_reward`, with the step's deficiency codes as the penalised
codes. `BFCL_REWARD_DEFAULTS` is `RewardConfig` with every penalty 0.0 (the official, binary
verdict); ``reward_config`` may change only the fields of `reward_fields` (category), others raise.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from toolenv.episode import Episode, StepOutcome, Suite
from toolenv.observation import strict_dumps
from toolenv.parse import MAX_CALLS, Call, ParsedAction
from toolenv.reward import PENALTY_FIELDS, RewardConfig, resolve_reward_config, step_reward
from toolenv.suites.bfcl.checker import check_single
from toolenv.suites.bfcl.data import all_functions, call_to_keywords, is_multi_turn, load_category
from toolenv.suites.bfcl.decode import DecodeError, decode_ast_prompting, decode_execute_prompting, to_execution_list
from toolenv.suites.bfcl.multi_turn import ERR_FORCE_TERMINATED, TurnChecker, force_terminated_message
from toolenv.tasks import GTCall, Task, Turn

#: the official inference's ``MAXIMUM_STEP_LIMIT``: a turn is stopped once its step count exceeds it
OFFICIAL_STEP_LIMIT = 20
#: the call step of a turn that stops it (the official inference executes 21 steps, then quits)
MAX_STEPS_PER_TURN = OFFICIAL_STEP_LIMIT + 1
#: the reward config of a BFCL suite when ``reward_config`` is None: every penalty 0.0, so a step
#: pays ``success_bonus`` (x 1/turns per passing multi-turn turn) or nothing, the official verdict
BFCL_REWARD_DEFAULTS = RewardConfig(**{f: 0.0 for f in PENALTY_FIELDS})
END_TURN_TEXT = "I have completed your request."
NO_CALL_TEXT = "None of the available functions can be used for this request."
#: the expert's answer in a multi_turn_miss_param turn with no ground truth (not scored: official)
MISSING_PARAM_TEXT = "I need more information to do this: please give me the missing details."
#: the official user message of a miss_func turn that brings the held-out functions (FC models; prompt
#: models get the docs, as a Python list, on the line before it)
ADDED_FUNCTIONS_TEXT = "I have updated some more functions you can choose from. What about now?"
HOLDOUT_STYLES = ("prompting", "fc")

_DEFICIENCY = {
    "ast_decoder:decoder_failed": "format:unparseable",
    "ast_decoder:decoder_wrong_output_format": "format:unparseable",
    "simple_function_checker:wrong_func_name": "call:wrong_tool",
    "simple_function_checker:missing_required": "args:missing_required",
    "simple_function_checker:missing_optional": "args:missing_required",
    "simple_function_checker:unexpected_param": "args:unexpected",
    "simple_function_checker:unclear": "args:value",
    "type_error:simple": "args:type",
    "type_error:nested": "args:type",
    "value_error:string": "args:value",
    "value_error:list/tuple": "args:value",
    "value_error:dict_key": "args:value",
    "value_error:dict_value": "args:value",
    "value_error:list_dict_count": "args:value",
    "value_error:others": "args:value",
    "dict_checker:unclear": "args:value",
    "list_dict_checker:unclear": "args:value",
    "irrelevance_error:decoder_success": "relevance:call_when_none_needed",
    "relevance_error:decoder_failed": "relevance:no_call_when_needed",
    "multi_turn:empty_turn_model_response": "calls:missing",
    "multi_turn:instance_state_mismatch": "state:mismatch",
    "multi_turn:execution_response_mismatch": "response:mismatch",
    "multi_turn:force_terminated": "calls:extra",
    "multi_turn:inference_error": "format:unparseable",
    # defined by the official checker but not applied by its runner (bfcl-eval 2026.3.23)
    "multi_turn:irrelevance_error:decoder_success": "relevance:call_when_none_needed",
    "multi_turn:method_invoke_order_mismatch": "order:dependency",
}


def deficiency_for(error_type: str | None, error: Any = None, n_decoded: int | None = None, n_expected: int | None = None, attempted_call: bool = True) -> list[str]:
    """Our deficiency codes for an official BFCL error type."""
    if error_type is None:
        return []
    if error_type.endswith(":wrong_count"):
        if not n_decoded:
            return ["relevance:no_call_when_needed"]
        return ["calls:missing" if n_expected is not None and n_decoded < n_expected else "calls:extra"]
    if error_type == "ast_decoder:decoder_failed" and not attempted_call:
        return ["relevance:no_call_when_needed"]
    if error_type == "parallel_function_checker_no_order:cannot_find_match":
        for item in error or []:
            if isinstance(item, dict):
                for sub in item.values():
                    if isinstance(sub, dict) and sub.get("sub_error_type") in _DEFICIENCY:
                        return [_DEFICIENCY[sub["sub_error_type"]]]
        return ["args:value"]
    return [_DEFICIENCY.get(error_type, "args:value")]


def reward_fields(category: str) -> tuple[str, ...]:
    """The `RewardConfig` fields a BFCL category's reward uses: ``success_bonus`` and the penalties of
    the deficiency codes its verdicts can produce (`toolenv.reward.PENALTY_FIELD`)."""
    if is_multi_turn(category):  # too many calls in one action, force-terminated turn, empty turn
        return ("success_bonus", "unparseable_penalty", "extra_call_penalty", "missing_call_penalty")
    if "irrelevance" in category:  # the only failure: a decodable call
        return ("success_bonus", "irrelevant_call_penalty")
    if "relevance" in category:  # the only failure: no decodable call
        return ("success_bonus", "missing_call_penalty")
    return ("success_bonus", "unparseable_penalty", "invalid_args_penalty", "extra_call_penalty",
            "missing_call_penalty")


def bfcl_reward_config(category: str, reward_config: RewardConfig | dict[str, Any] | None = None) -> RewardConfig:
    """The reward config of suite ``bfcl:<category>``: `BFCL_REWARD_DEFAULTS` with ``reward_config``'s
    fields (see `toolenv.reward.resolve_reward_config`); a field outside `reward_fields` raises ValueError."""
    return resolve_reward_config(reward_config, suite=f"bfcl:{category}", defaults=BFCL_REWARD_DEFAULTS,
                                 applicable=reward_fields(category))


# --------------------------------------------------------------------------- tools
_TYPE = {"dict": "object", "float": "number", "tuple": "array", "integer": "integer", "string": "string", "boolean": "boolean", "array": "array", "object": "object", "number": "number"}


def _schema(s: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    t = s.get("type")
    if t in _TYPE:
        out["type"] = _TYPE[t]
    for k, v in s.items():
        if k in ("type", "optional"):
            continue
        if k == "properties" and isinstance(v, dict):
            out[k] = {p: _schema(ps) if isinstance(ps, dict) else ps for p, ps in v.items()}
        elif k in ("items", "additionalProperties") and isinstance(v, dict):
            out[k] = _schema(v)
        else:
            out[k] = v
    return out


def to_openai_tool(doc: dict[str, Any]) -> dict[str, Any]:
    params = _schema(doc.get("parameters", {"type": "dict", "properties": {}}))
    params["type"] = "object"
    return {"type": "function", "function": {"name": doc["name"], "description": doc.get("description", ""), "parameters": params}}


# --------------------------------------------------------------------------- tasks
class BfclTask(Task):
    """A Task whose opening messages are the entry's first-turn messages, verbatim."""

    @property
    def messages(self) -> list[dict[str, Any]]:  # type: ignore[override]
        return copy.deepcopy((self.meta.get("turn_messages") or self.meta["question"])[0])


def _user_text(msgs: list[dict[str, Any]]) -> str:
    return "\n\n".join(str(m.get("content", "")) for m in msgs if m.get("role") == "user")


def _system_text(msgs: list[dict[str, Any]]) -> str | None:
    s = "\n\n".join(str(m.get("content", "")) for m in msgs if m.get("role") == "system")
    return s or None


def _first_value(value: Any, doc: dict[str, Any]) -> Any:
    """A concrete value from a possible answer: dict params hold, per key, a list of allowed values."""
    t = doc.get("type")
    if t == "dict" and isinstance(value, dict):
        return _first_of_dict(value)
    if t in ("array", "tuple") and doc.get("items", {}).get("type") == "dict" and isinstance(value, list):
        return [_first_of_dict(v) if isinstance(v, dict) else v for v in value]
    return value


def _first_of_dict(d: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, allowed in d.items():
        if not isinstance(allowed, list):
            out[k] = allowed
            continue
        if not allowed or allowed[0] == "":
            continue
        out[k] = allowed[0]
    return out


def expert_single_text(entry: dict[str, Any], category: str) -> str:
    """The first allowed value of each ground-truth parameter as ``[f(a=1), ...]``; no-call text for irrelevance."""
    if "irrelevance" in category:
        return NO_CALL_TEXT
    gt = entry.get("ground_truth")
    if not gt:  # relevance: any decodable call passes
        docs = entry.get("function") or [{"name": "noop"}]
        return f"[{docs[0]['name']}()]"
    docs = {d["name"]: d for d in entry.get("function", [])}
    parts = []
    for call in gt:
        name, params = next(iter(call.items()))
        required = set(docs.get(name, {}).get("parameters", {}).get("required", []))
        properties = docs.get(name, {}).get("parameters", {}).get("properties", {})
        args = []
        for p, allowed in params.items():
            values = [v for v in allowed if v != ""]
            if not values or (allowed[0] == "" and p not in required) or ("" in allowed and p not in properties):
                continue  # optional, or not in the doc (giving it would be an unexpected parameter)
            args.append(f"{p}={_first_value(values[0], docs.get(name, {}).get('parameters', {}).get('properties', {}).get(p, {}))!r}")
        parts.append(f"{name}(" + ", ".join(args) + ")")
    return "[" + ", ".join(parts) + "]"


def _single_task(entry: dict[str, Any], category: str) -> BfclTask:
    q0 = entry["question"][0]
    steps: list[list[GTCall]] = []
    if entry.get("ground_truth"):
        calls = [GTCall(name=n, arguments={p: {"$one_of": list(a)} for p, a in params.items()}, label=f"c{i}")
                 for i, (n, params) in enumerate(next(iter(c.items())) for c in entry["ground_truth"])]
        steps = [calls] if "parallel" in category else [[c] for c in calls]
    answer = NO_CALL_TEXT if "irrelevance" in category else ""
    return BfclTask(
        id=entry["id"],
        category=category,
        tools=[d["name"] for d in entry.get("function", [])],
        turns=[Turn(user=_user_text(q0), steps=steps, answer=answer)],
        system=_system_text(q0),
        meta={"question": entry["question"], "functions": entry.get("function", []), "possible_answer": entry.get("ground_truth")},
    )


def holdout_messages(docs: list[dict[str, Any]], style: str = "fc") -> list[dict[str, Any]]:
    """The official user message of a miss_func turn that brings ``docs``: prompt models get the docs
    (``str`` of the list, as the official template formats it) then `ADDED_FUNCTIONS_TEXT`; FC models
    get `ADDED_FUNCTIONS_TEXT` alone, the docs being added to their tools."""
    if style == "fc":
        return [{"role": "user", "content": ADDED_FUNCTIONS_TEXT}]
    return [{"role": "user", "content": f"{docs}\n{ADDED_FUNCTIONS_TEXT}"}]


def _no_call_text(category: str) -> str:
    return MISSING_PARAM_TEXT if category == "multi_turn_miss_param" else NO_CALL_TEXT


def _multi_task(entry: dict[str, Any], category: str, holdout_style: str = "fc") -> BfclTask:
    functions = entry["function"]
    missed: dict[str, list[dict[str, Any]]] = entry.get("missed_function") or {}
    every_doc = all_functions(entry)  # positional ground-truth arguments of held-out functions too
    kw_turns: list[list[str]] = []
    turns: list[Turn] = []
    turn_messages: list[list[dict[str, Any]]] = []
    for t, (msgs, gt_turn) in enumerate(zip(entry["question"], entry["ground_truth"])):
        if str(t) in missed:
            msgs = holdout_messages(missed[str(t)], holdout_style)
        turn_messages.append(msgs)
        kws = []
        steps = []
        for i, call in enumerate(gt_turn):
            name, kwargs = call_to_keywords(call, every_doc)
            kws.append(to_execution_list([{name: kwargs}])[0])
            steps.append([GTCall(name=name, arguments=kwargs, label=f"t{t}c{i}")])
        kw_turns.append(kws)
        turns.append(Turn(user=_user_text(msgs), steps=steps, answer=END_TURN_TEXT if gt_turn else _no_call_text(category)))
    return BfclTask(
        id=entry["id"],
        category=category,
        tools=[d["name"] for d in functions],
        turns=turns,
        system=_system_text(entry["question"][0]),
        meta={
            "question": entry["question"],
            "turn_messages": turn_messages,
            "functions": functions,
            "missed_function": missed,
            "holdout_style": holdout_style,
            "initial_config": entry["initial_config"],
            "involved_classes": entry["involved_classes"],
            "excluded_function": entry.get("excluded_function", []),
            "ground_truth": entry["ground_truth"],
            "ground_truth_keywords": kw_turns,
        },
    )


class BfclSuite(Suite):
    """All entries of one BFCL category, in file order."""

    def __init__(self, category: str, data_dir: str, max_steps_per_turn: int = MAX_STEPS_PER_TURN,
                 reward_config: RewardConfig | dict[str, Any] | None = None, holdout_style: str = "fc",
                 **_: Any) -> None:
        if holdout_style not in HOLDOUT_STYLES:
            raise ValueError(f"holdout_style must be one of {', '.join(HOLDOUT_STYLES)}, not {holdout_style!r}")
        self.holdout_style = holdout_style
        self.category = category
        self.name = f"bfcl:{category}"
        self.reward = bfcl_reward_config(category, reward_config)
        self.data_dir = str(data_dir)
        self.max_steps_per_turn = max_steps_per_turn
        self.entries = load_category(data_dir, category)
        self._tasks: list[BfclTask | None] = [None] * len(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def task(self, index: int) -> Task:
        t = self._tasks[index]
        if t is None:
            e = self.entries[index]
            t = self._tasks[index] = (_multi_task(e, self.category, self.holdout_style) if is_multi_turn(self.category)
                                      else _single_task(e, self.category))
        return t

    def episode(self, task: Task, seed: int) -> Episode:
        if is_multi_turn(self.category):
            return MultiTurnEpisode(task, self.max_steps_per_turn, self.reward)
        return SingleTurnEpisode(task, self.reward)

    def expert_text(self, index: int) -> str:
        """The oracle's single-turn answer for entry ``index`` (used by the benchmark and tests)."""
        return expert_single_text(self.entries[index], self.category)


def _entry_of(task: Task) -> dict[str, Any]:
    return {"id": task.id, "function": task.meta["functions"], "ground_truth": task.meta.get("possible_answer")}


def _raw(action: ParsedAction) -> str:
    return getattr(action, "raw", "") or action.text or ""


_NON_FINITE = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


def fc_arguments_json(call: Call) -> str:
    """A parsed call's arguments as the JSON string a function-calling model would have sent. The
    env's parser replaced NaN/Infinity by strings (`toolenv.parse`); they are put back here, so the
    official decoder (``json.loads``) sees the float it would have seen."""
    args = call.arguments
    invalid = [b for b in getattr(call, "invalid", ()) if b.kind in _NON_FINITE]
    if invalid:
        args = copy.deepcopy(args)
        for b in invalid:
            parts = [p.replace("~1", "/").replace("~0", "~") for p in b.pointer.split("/")[1:]]
            node: Any = args
            try:
                for p in parts[:-1]:
                    node = node[int(p)] if isinstance(node, list) else node[p]
                if isinstance(node, list):
                    node[int(parts[-1])] = _NON_FINITE[b.kind]
                else:
                    node[parts[-1]] = _NON_FINITE[b.kind]
            except (KeyError, IndexError, ValueError, TypeError):
                continue
    return json.dumps(args)


# --------------------------------------------------------------------------- single turn
class SingleTurnEpisode(Episode):
    def __init__(self, task: Task, reward: RewardConfig | None = None) -> None:
        self.task = task
        self.reward = reward or BFCL_REWARD_DEFAULTS
        self._entry = _entry_of(task)
        self._done = False
        self._verdict: dict[str, Any] | None = None

    def tools(self) -> list[dict[str, Any]]:
        return [to_openai_tool(d) for d in self.task.meta["functions"]]

    def score(self, action: ParsedAction) -> dict[str, Any]:
        """Official verdict for an action (prompt-style text first, then the env's parsed calls as FC output)."""
        raw = _raw(action)
        category = self.task.category
        try:
            decoded: Any = decode_ast_prompting(raw)
            result: Any = raw
        except Exception as e:  # noqa: BLE001
            decoded, result = e, raw
            if action.kind == "calls" and action.calls:
                result = [{c.name: fc_arguments_json(c)} for c in action.calls]
                return check_single(self._entry, self._entry["ground_truth"], result, category)
        return check_single(self._entry, self._entry["ground_truth"], result, category, decoded=decoded)

    def step(self, action: ParsedAction, call_ids: list[str]) -> StepOutcome:
        if self._done:
            return StepOutcome([], 0.0, True, [], {"success": bool(self._verdict and self._verdict["valid"])})
        r = self.score(action)
        self._done = True
        self._verdict = r
        decoded = r.get("decoded")
        n_dec = len(decoded) if isinstance(decoded, list) else 0
        gt = self._entry["ground_truth"] or []
        defs = deficiency_for(r["error_type"], r["error"], n_dec, len(gt), attempted_call=action.kind != "answer")
        info = {
            "success": bool(r["valid"]),
            "bfcl_error_type": r["error_type"],
            "bfcl_error": r["error"] if not r["valid"] else [],
            "bfcl_decoded": json.loads(strict_dumps(decoded, default=repr)) if decoded is not None else None,
        }
        reward = step_reward(self.reward, penalised=defs, success=1.0 if r["valid"] else 0.0).total
        return StepOutcome([], reward, True, defs, info)

    def expert_action(self) -> str | None:
        if self._done:
            return None
        return expert_single_text(self._entry, self.task.category)

    def state_hash(self) -> str:
        return hashlib.sha256(f"{self.task.id}|{self._done}|{self._verdict and self._verdict['valid']}".encode()).hexdigest()

    def snapshot(self) -> Any:
        return (self._done, copy.deepcopy(self._verdict))

    def restore(self, snap: Any) -> None:
        self._done, verdict = snap
        self._verdict = copy.deepcopy(verdict)


# --------------------------------------------------------------------------- multi turn
def _fc_strings(action: ParsedAction) -> list[str]:
    return [f"{c.name}(" + ",".join(f"{k}={v!r}" for k, v in c.arguments.items()) + ")" for c in action.calls]


def decode_multi_turn_action(action: ParsedAction) -> list[str]:
    """Executable call strings of one action: official prompt decoding, else the env's parsed calls."""
    try:
        calls = decode_execute_prompting(_raw(action))
    except (DecodeError, Exception):  # noqa: BLE001
        calls = _fc_strings(action) if action.kind == "calls" else []
    if len(calls) == 1 and not calls[0]:
        return []
    return calls


class MultiTurnEpisode(Episode):
    def __init__(self, task: Task, max_steps_per_turn: int = MAX_STEPS_PER_TURN, reward: RewardConfig | None = None) -> None:
        self.task = task
        self.max_steps_per_turn = max_steps_per_turn
        self.reward = reward or BFCL_REWARD_DEFAULTS
        meta = task.meta
        self._entry = {"id": task.id, "initial_config": meta["initial_config"], "involved_classes": meta["involved_classes"]}
        self._gt: list[list[str]] = meta["ground_truth"]
        self._gt_kw: list[list[str]] = meta["ground_truth_keywords"]
        self._missed: dict[str, list[dict[str, Any]]] = meta.get("missed_function") or {}
        self._turn_messages: list[list[dict[str, Any]]] = meta.get("turn_messages") or meta["question"]
        self._checker = TurnChecker(self._entry)
        self._turn = 0
        self._turn_steps: list[list[str]] = []
        self._turn_verdicts: list[dict[str, Any]] = []
        self._first_error: dict[str, Any] | None = None
        self._done = False

    def offered_docs(self) -> list[dict[str, Any]]:
        """The function docs offered at the current turn: the first turn's, plus the held-out ones
        whose turn has come (appended in turn order, as the official FC inference does)."""
        docs = list(self.task.meta["functions"])
        for t in sorted(int(k) for k in self._missed):
            if t <= self._turn:
                docs.extend(self._missed[str(t)])
        return docs

    def tools(self) -> list[dict[str, Any]]:
        return [to_openai_tool(d) for d in self.offered_docs()]

    def _final_info(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        err = self._first_error
        info = {
            "success": err is None,
            "bfcl_error_type": None if err is None else err["error_type"],
            "bfcl_error": [] if err is None else _messages(err),
            "bfcl_turns_passed": sum(1 for v in self._turn_verdicts if v["valid"]),
        }
        if extra:
            info.update(extra)
        return info

    def _end_turn(self) -> tuple[list[dict[str, Any]], float, bool, list[str], dict[str, Any]]:
        """Check the current turn; (next user messages, reward, terminated, deficiencies, info)."""
        t = self._turn
        n_turns = len(self._gt)
        verdict = self._checker.finish_turn(self._gt[t], self._turn_steps)
        self._turn_verdicts.append(verdict)
        self._turn += 1
        self._turn_steps = []
        error = verdict.get("error")
        defs = [] if verdict["valid"] else deficiency_for(error["error_type"])
        if error is not None and self._first_error is None:
            self._first_error = error
        reward = step_reward(self.reward, penalised=defs, success=(1.0 / n_turns) if verdict["valid"] else 0.0).total
        info: dict[str, Any] = {"bfcl_turn": t, "bfcl_turn_valid": verdict["valid"],
                                "bfcl_turn_error_type": None if error is None else error["error_type"]}
        if self._turn >= n_turns:
            self._done = True
            return [], reward, True, defs, info
        msgs = copy.deepcopy(self._turn_messages[self._turn])
        added = self._missed.get(str(self._turn))
        if added:
            info["bfcl_added_tools"] = [to_openai_tool(d) for d in added]
        return msgs, reward, False, defs, info

    def step(self, action: ParsedAction, call_ids: list[str]) -> StepOutcome:
        if self._done:
            return StepOutcome([], 0.0, True, [], self._final_info())
        n_turns = len(self._gt)
        calls = decode_multi_turn_action(action)
        if len(calls) > MAX_CALLS:  # not executed (the env's parser refuses such an action as well)
            info = {"bfcl_turn": self._turn, "parse_error": f"more than {MAX_CALLS} calls in one action"}
            defs = ["format:unparseable"]
            return StepOutcome([], step_reward(self.reward, penalised=defs).total, False, defs, info)
        if not calls:  # a text answer (or an empty / undecodable one) ends the turn
            msgs, reward, done, defs, info = self._end_turn()
            return StepOutcome(msgs, reward, done, defs, self._final_info(info) if done else info,
                               tools_changed="bfcl_added_tools" in info)
        offered = {d["name"] for d in self.offered_docs()}
        results = self._checker.run_model_step(calls)
        self._turn_steps.append(calls)
        ids = list(call_ids) if len(call_ids) == len(calls) else [f"call_t{self._turn}_s{len(self._turn_steps)}_{i}" for i in range(len(calls))]
        msgs = [{"role": "tool", "tool_call_id": cid, "name": c.split("(", 1)[0], "content": r} for cid, c, r in zip(ids, calls, results)]
        defs = []
        if any(c.split("(", 1)[0].strip() not in offered for c in calls):  # executed all the same, as officially
            defs.append("call:unknown_tool")
        if any(r.startswith("Error during execution") or r.startswith('{"error"') for r in results):
            defs.append("exec:error")
        info: dict[str, Any] = {"bfcl_turn": self._turn, "bfcl_calls": calls, "bfcl_results": results}
        if len(self._turn_steps) < self.max_steps_per_turn:
            return StepOutcome(msgs, step_reward(self.reward, penalised=defs).total, False, defs, info)
        # the official inference stops here: the turn ends; before the last turn the entry is force-terminated
        defs.append("calls:extra")
        info["bfcl_force_quit"] = True
        if self._turn == n_turns - 1:
            _, reward, _, turn_defs, turn_info = self._end_turn()
            info.update(turn_info)
            defs.extend(d for d in turn_defs if d not in defs)
            reward += step_reward(self.reward, penalised=["calls:extra"]).total
            return StepOutcome(msgs, reward, True, defs, self._final_info(info))
        self._done = True
        self._first_error = {"error_message": [force_terminated_message(self._turn + 1, n_turns)], "error_type": ERR_FORCE_TERMINATED}
        return StepOutcome(msgs, step_reward(self.reward, penalised=defs).total, True, defs, self._final_info(info))

    def expert_action(self) -> str | None:
        if self._done:
            return None
        kws = self._gt_kw[self._turn]
        # the turn's ground truth in one action, or in actions of at most MAX_CALLS calls (the env's limit)
        chunks = [kws[i:i + MAX_CALLS] for i in range(0, len(kws), MAX_CALLS)]
        if len(self._turn_steps) < len(chunks):
            return "[" + ", ".join(chunks[len(self._turn_steps)]) + "]"
        return self.task.turns[self._turn].answer or END_TURN_TEXT

    def state_hash(self) -> str:
        return hashlib.sha256(f"{self._turn}|{len(self._turn_steps)}|{self._checker.model.state_hash()}".encode()).hexdigest()

    def snapshot(self) -> Any:
        c = self._checker
        return copy.deepcopy((c.model.instances, c.truth.instances, c.all_model_results, c.execution_results, c._turn_model,
                              c.turn_index, self._turn, self._turn_steps, self._turn_verdicts, self._first_error, self._done))

    def restore(self, snap: Any) -> None:
        (m, t, results, exec_results, turn_model, ti, turn, steps, verdicts, err, done) = copy.deepcopy(snap)
        c = self._checker
        c.model.instances, c.truth.instances = m, t
        c.model._index()
        c.truth._index()
        c.all_model_results, c.execution_results, c._turn_model, c.turn_index = results, exec_results, turn_model, ti
        self._turn, self._turn_steps, self._turn_verdicts, self._first_error, self._done = turn, steps, verdicts, err, done


def _messages(error: dict[str, Any]) -> list[str]:
    msg = error.get("error_message", "")
    return list(msg) if isinstance(msg, list) else [msg]
