"""Multi-turn scoring (multi_turn_base), rule for rule with the official checker.

The model's calls and the ground truth's calls run on separate, persistent backend instances.
After every turn whose ground truth is not empty: the turn must have produced at least one
decodable call (``multi_turn:empty_turn_model_response``), every public attribute of every
instance must be equal (``multi_turn:instance_state_mismatch``), and every ground-truth result
of the turn must appear, as a multiset, among all the model's results so far
(``multi_turn:execution_response_mismatch``). A result with a different number of turns fails
with ``multi_turn:force_terminated``.
"""

from __future__ import annotations

import ast
from typing import Any

from toolenv.suites.bfcl.backends.executor import Executor
from toolenv.suites.bfcl.decode import DecodeError, decode_execute_fc, decode_execute_prompting


def is_empty_execute_response(steps: list) -> bool:
    return len(steps) == 0 or (len(steps) == 1 and len(steps[0]) == 0)


def _has_positional(text: str) -> bool:
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return False
    return isinstance(node, ast.Call) and bool(node.args)


def decode_step(item: Any, strings: str = "auto") -> list[str]:
    """One step of a result file -> executable call strings. Raises DecodeError.

    * a list of strings: already-decoded call strings (executed as they are);
    * a list of ``{name: json_args}`` dicts (or one such dict): function-calling output;
    * a string: raw model output, decoded like the official prompt decoder. With
      ``strings="auto"`` (default) a lone call with positional arguments (``sort('a.txt')``,
      which the official decoder would strip to ``sort()``) is taken as an already-decoded call
      string instead; ``strings="raw"`` always decodes, ``strings="calls"`` never does.
    """
    if isinstance(item, str):
        if strings == "calls" or (strings == "auto" and _has_positional(item)):
            return [item.strip()]
        return decode_execute_prompting(item)
    if isinstance(item, dict):
        return decode_execute_fc(item)
    if isinstance(item, list):
        if all(isinstance(x, str) for x in item):
            return [x.strip() for x in item]
        if all(isinstance(x, dict) for x in item):
            return decode_execute_fc(item)
    raise DecodeError(f"cannot decode a step of type {type(item).__name__}")


def decode_turns(result: list, strings: str = "auto") -> list[list[list[str]]]:
    """A multi-turn ``result`` (per turn, per step) -> decoded steps; undecodable or empty steps are dropped."""
    out = []
    for turn in result:
        steps = []
        items = turn if isinstance(turn, list) else [turn]
        for item in items:
            try:
                calls = decode_step(item, strings)
            except Exception:  # noqa: BLE001 - the official runner ignores any undecodable step
                continue
            if len(calls) == 0 or (len(calls) == 1 and len(calls[0]) == 0):  # official emptiness test
                continue
            steps.append(calls)
        out.append(steps)
    return out


def compare_states(model: Executor, truth: Executor) -> tuple[bool, dict[str, Any]]:
    """Official state check: for each class, every public attribute of the truth instance is equal."""
    for cls, gt_inst in truth.instances.items():
        m_inst = model.instances[cls]
        diffs = {}
        for attr, gt_val in vars(gt_inst).items():
            if attr.startswith("_"):
                continue
            m_val = getattr(m_inst, attr, None)
            if m_val != gt_val:
                diffs[attr] = {"model": repr(m_val)[:500], "ground_truth": repr(gt_val)[:500]}
        if diffs:
            return False, {"class": cls, "differences": diffs}
    return True, {}


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
    """Incremental official check: feed one turn at a time (used by the scorer and the episodes)."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self.entry = entry
        self.model = Executor(entry["involved_classes"], entry["initial_config"])
        self.truth = Executor(entry["involved_classes"], entry["initial_config"])
        self.all_model_results: list[str] = []
        self.turn_index = 0

    def run_model_step(self, calls: list[str]) -> list[str]:
        results = self.model.execute(calls)
        self.all_model_results.extend(results)
        return results

    def finish_turn(self, gt_calls: list[str], model_steps: list[list[str]]) -> dict[str, Any]:
        """Execute the ground truth of this turn and check it; ``model_steps`` already ran."""
        t = self.turn_index
        self.turn_index += 1
        gt_results = self.truth.execute(gt_calls)
        if not gt_calls:
            return {"valid": True, "turn": t, "gt_results": gt_results}
        if is_empty_execute_response(model_steps):
            return {"valid": False, "turn": t, "error_type": "multi_turn:empty_turn_model_response", "error_message": f"Model response list is empty for turn {t}", "gt_results": gt_results}
        ok, details = compare_states(self.model, self.truth)
        if not ok:
            return {"valid": False, "turn": t, "error_type": "multi_turn:instance_state_mismatch", "error_message": f"Model instance for {details['class']} does not match the state with ground truth instance.", "details": details, "gt_results": gt_results}
        missing = missing_responses(self.all_model_results, gt_results)
        if missing:
            return {"valid": False, "turn": t, "error_type": "multi_turn:execution_response_mismatch", "error_message": f"Model response execution results so far does not contain all the ground truth response execution results for turn {t}.", "details": {"missing_items": missing}, "gt_results": gt_results}
        return {"valid": True, "turn": t, "gt_results": gt_results}


def check_multi_turn(entry: dict[str, Any], result: Any, strings: str = "auto") -> dict[str, Any]:
    """Score one multi-turn result like the official ``multi_turn_runner`` + ``multi_turn_checker``."""
    gt = entry["ground_truth"]
    if not isinstance(result, list):
        return {"valid": False, "error_type": "multi_turn:inference_error", "error": ["Error during inference phase. Model did not output a list of model responses."]}
    if len(result) != len(gt):
        return {"valid": False, "error_type": "multi_turn:force_terminated", "error": [f"Model was force-terminated during inference phase. The length of the model result turns ({len(result)}) does not match the length of the ground truth turns ({len(gt)})."]}
    decoded = decode_turns(result, strings)
    checker = TurnChecker(entry)
    for gt_turn, steps in zip(gt, decoded):
        for calls in steps:
            checker.run_model_step(calls)
        r = checker.finish_turn(gt_turn, steps)
        if not r["valid"]:
            return {"valid": False, "error_type": r["error_type"], "error": [r["error_message"]], "details": r.get("details", {}), "decoded": decoded}
    return {"valid": True, "error_type": None, "error": [], "decoded": decoded}
