"""Multi-turn scoring (the four ``multi_turn_*`` categories), rule for rule with the official runner
(``multi_turn_runner``) and checker (``multi_turn_checker``) of bfcl-eval 2026.3.23.

Decoding (the runner): a result that is not a list fails with ``multi_turn:inference_error``; one
whose number of turns differs from the ground truth's with ``multi_turn:force_terminated``. Each
turn is iterated step by step and each step decoded; a step that does not decode, or decodes to
nothing, is dropped. A turn given as one string is iterated like any Python string -- character by
character -- so it yields no call (the official behaviour; `decode_turns` ``strings``).

Checking: the model's calls and the ground truth's calls run on separate, persistent backend
instances (long-context scenarios for ``long_context`` entries). After every turn whose ground
truth is not empty: the turn must have produced at least one decoded step
(``multi_turn:empty_turn_model_response``), every public attribute of every instance must be equal
(``multi_turn:instance_state_mismatch``), and every ground-truth result of the turn must appear,
as a multiset, among all the model's results so far (``multi_turn:execution_response_mismatch``).
A turn whose ground truth is empty (the miss_func / miss_param turns where the model should not
act) is not checked at all: calls made there only show in later state checks.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from toolenv.suites.bfcl.backends.executor import Executor
from toolenv.suites.bfcl.data import is_long_context
from toolenv.suites.bfcl.decode import DecodeError, decode_execute_fc, decode_execute_prompting

#: ``multi_turn_strings`` modes: ``official`` (default) reads a result exactly like the official
#: runner; the others are opt-in readings of result files that the official runner would not decode
STRING_MODES = ("official", "auto", "raw", "calls")

ERR_INFERENCE = "multi_turn:inference_error"
ERR_FORCE_TERMINATED = "multi_turn:force_terminated"
ERR_EMPTY_TURN = "multi_turn:empty_turn_model_response"
ERR_STATE = "multi_turn:instance_state_mismatch"
ERR_RESPONSE = "multi_turn:execution_response_mismatch"


def inference_error_message() -> str:
    return "Error during inference phase. Model did not output a list of model responses."


def force_terminated_message(n_result: int, n_truth: int) -> str:
    return (f"Model was force-terminated during inference phase. The length of the model result turns ({n_result}) "
            f"does not match the length of the ground truth turns ({n_truth}).")


def is_empty_execute_response(steps: list) -> bool:
    return len(steps) == 0 or (len(steps) == 1 and len(steps[0]) == 0)


# --------------------------------------------------------------------------- decoding
def _has_positional(text: str) -> bool:
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return False
    return isinstance(node, ast.Call) and bool(node.args)


def decode_step(item: Any, strings: str = "official") -> list[str]:
    """One step of a result file -> executable call strings. Raises DecodeError.

    * a string: raw prompt-style model output, decoded like the official prompt decoder
      (positional arguments dropped). ``strings="auto"``: a lone call with positional arguments
      (``sort('a.txt')``) is executed as it is; ``"calls"``: every string is an already-decoded
      call string; ``"official"``/``"raw"``: always decoded;
    * a list of ``{name: json_args}`` dicts (or one such dict): function-calling output;
    * a list of strings: already-decoded call strings (``auto``/``raw``/``calls``); with
      ``official`` it does not decode (neither official handler reads such a step).
    """
    if isinstance(item, str):
        if strings == "calls" or (strings == "auto" and _has_positional(item)):
            return [item.strip()]
        return decode_execute_prompting(item)
    if isinstance(item, dict):
        return decode_execute_fc(item)
    if isinstance(item, list):
        if item and all(isinstance(x, str) for x in item):
            if strings == "official":
                raise DecodeError("a list of call strings is not an official step format")
            return [x.strip() for x in item]
        return decode_execute_fc(item)
    raise DecodeError(f"cannot decode a step of type {type(item).__name__}")


def turn_steps(turn: Any, strings: str = "official") -> list[Any]:
    """The steps of one result turn, as the official runner iterates them: a list's items, a
    string's characters, a dict's keys (``official``); the opt-in modes take a string or a dict as
    one step. Anything else (a number, None) has no steps (the official runner would crash)."""
    if isinstance(turn, list):
        return turn
    if strings == "official":
        if isinstance(turn, (str, dict)):
            return list(turn)
        return []
    return [turn]


def decode_turns(result: list, strings: str = "official") -> list[list[list[str]]]:
    """A multi-turn ``result`` (per turn, per step) -> decoded steps; undecodable or empty steps are dropped."""
    if strings not in STRING_MODES:
        raise ValueError(f"multi_turn_strings must be one of {', '.join(STRING_MODES)}, not {strings!r}")
    out = []
    for turn in result:
        steps = []
        for item in turn_steps(turn, strings):
            try:
                calls = decode_step(item, strings)
            except Exception:  # noqa: BLE001 - the official runner ignores any undecodable step
                continue
            if len(calls) == 0 or (len(calls) == 1 and len(calls[0]) == 0):  # official emptiness test
                continue
            steps.append(calls)
        out.append(steps)
    return out


# --------------------------------------------------------------------------- checks
def public_attributes(inst: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(inst).items() if not k.startswith("_")}


def compare_states(model: Executor, truth: Executor) -> dict[str, Any] | None:
    """Official state check: for each class (in ``involved_classes`` order), every public attribute
    of the truth instance must equal the model instance's. None when equal, else the official
    error (message, type, details with the differences and both instances' public attributes)."""
    for cls, gt_inst in truth.instances.items():
        m_inst = model.instances[cls]
        differences = {}
        for attr, gt_val in vars(gt_inst).items():
            if attr.startswith("_"):
                continue
            m_val = getattr(m_inst, attr, None)
            if m_val != gt_val:
                differences[attr] = {"model": m_val, "ground_truth": gt_val}
        if differences:
            return {
                "error_message": f"Model instance for {cls} does not match the state with ground truth instance.",
                "error_type": ERR_STATE,
                "details": {
                    "differences": differences,
                    "model_instance_state": public_attributes(m_inst),
                    "ground_truth_instance_state": public_attributes(gt_inst),
                },
            }
    return None


def missing_responses(model_results: list[str], gt_results: list[str]) -> list[str]:
    """Ground-truth results not found (as a multiset) among the model's results."""
    pool = list(model_results)
    missing = []
    for r in gt_results:
        try:
            pool.remove(r)
        except ValueError:
            missing.append(r)
    return missing


class TurnChecker:
    """Incremental official check: feed one turn at a time (used by the scorer and the episodes).

    ``finish_turn`` returns ``{"valid", "turn", "gt_results"}`` plus, on failure, ``error``: the
    official checker's error object (``error_message``, ``error_type``, ``details`` and, for a
    state mismatch, ``execution_result``), as the score file carries it.
    """

    def __init__(self, entry: dict[str, Any], long_context: bool | None = None) -> None:
        self.entry = entry
        if long_context is None:
            long_context = is_long_context(entry.get("id", ""))
        self.long_context = long_context
        self.model = Executor(entry["involved_classes"], entry["initial_config"], long_context=long_context)
        self.truth = Executor(entry["involved_classes"], entry["initial_config"], long_context=long_context)
        self.all_model_results: list[str] = []
        self.execution_results: list[dict[str, Any]] = []  # per turn: {"model": [[...] per step], "ground_truth": [...]}
        self._turn_model: list[list[str]] = []
        self.turn_index = 0

    def run_model_step(self, calls: list[str]) -> list[str]:
        results = self.model.execute(calls)
        self.all_model_results.extend(results)
        self._turn_model.append(results)
        return results

    def finish_turn(self, gt_calls: list[str], model_steps: list[list[str]]) -> dict[str, Any]:
        """Execute the ground truth of this turn and check it; ``model_steps`` already ran."""
        t = self.turn_index
        self.turn_index += 1
        gt_results = self.truth.execute(gt_calls)
        self.execution_results.append({"model": self._turn_model, "ground_truth": gt_results})
        self._turn_model = []
        if not gt_calls:
            return {"valid": True, "turn": t, "gt_results": gt_results}
        if is_empty_execute_response(model_steps):
            err = {"error_message": f"Model response list is empty for turn {t}", "error_type": ERR_EMPTY_TURN,
                   "details": {"execution_result": list(self.execution_results)}}
            return {"valid": False, "turn": t, "error": err, "gt_results": gt_results}
        err = compare_states(self.model, self.truth)
        if err is not None:
            err["execution_result"] = list(self.execution_results)
            return {"valid": False, "turn": t, "error": err, "gt_results": gt_results}
        missing = missing_responses(self.all_model_results, gt_results)
        if missing:
            err = {
                "error_message": f"Model response execution results so far does not contain all the ground truth response execution results for turn {t}.",
                "error_type": ERR_RESPONSE,
                "details": {
                    "missing_items": missing,
                    "model_response (including all previous turns)": list(self.all_model_results),
                    "ground_truth_response (only the current turn)": gt_results,
                },
            }
            return {"valid": False, "turn": t, "error": err, "gt_results": gt_results}
        return {"valid": True, "turn": t, "gt_results": gt_results}


def check_multi_turn(entry: dict[str, Any], result: Any, strings: str = "official") -> dict[str, Any]:
    """Score one multi-turn result like the official ``multi_turn_runner`` + ``multi_turn_checker``.

    Returns ``{"valid", "error_type", "error", "decoded"}``: ``error`` is the official error object
    (``{"error_message", "error_type", ...}``; for ``inference_error`` / ``force_terminated`` the
    message is a one-item list, as officially), ``decoded`` the decoded steps (None when the
    result was not decoded). ``strings``: see `decode_step` / `turn_steps` (``official`` default).
    """
    gt = entry["ground_truth"]
    if not isinstance(result, list):
        return {"valid": False, "error_type": ERR_INFERENCE, "decoded": None,
                "error": {"error_message": [inference_error_message()], "error_type": ERR_INFERENCE}}
    if len(result) != len(gt):
        return {"valid": False, "error_type": ERR_FORCE_TERMINATED, "decoded": None,
                "error": {"error_message": [force_terminated_message(len(result), len(gt))], "error_type": ERR_FORCE_TERMINATED}}
    decoded = decode_turns(result, strings)
    checker = TurnChecker(entry)
    for gt_turn, steps in zip(gt, decoded):
        for calls in steps:
            checker.run_model_step(calls)
        r = checker.finish_turn(gt_turn, steps)
        if not r["valid"]:
            return {"valid": False, "error_type": r["error"]["error_type"], "error": r["error"], "decoded": decoded,
                    "turn": r["turn"]}
    return {"valid": True, "error_type": None, "error": None, "decoded": decoded}


# --------------------------------------------------------------------------- score-file values
def json_safe(value: Any) -> Any:
    """The official score writer's value conversion: dicts and lists recursively, any other value
    kept when ``json.dumps`` accepts it, else replaced by ``str(value)``."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    if value is None or type(value) in (str, int, float, bool):
        return value
    try:
        json.dumps(value, ensure_ascii=False)
        return value
    except (TypeError, ValueError):
        return str(value)
