"""Agreement with the official multi-turn evaluator, in-process: the same synthetic results
(`tests/suites/bfcl_mt_variants.py`: the ground truth as prompt strings / function-calling dicts,
with a call dropped, a wrong argument, an extra call, an extra or a missing turn, one string per
turn, lists of call strings, not a list) for a sample of entries of each of the four multi-turn
categories, scored by the official runner (``_evaluate_single_multi_turn_entry`` +
``multi_turn_checker``, `tests/suites/bfcl_official.py`) and by ours (`score_entries`, default
reading). Verdicts, error types and messages, the score line's fields and their order, the
prompt, the raw and decoded results must be equal. The ``details`` (backend states and result
texts) are compared by ``benchmarks/bfcl_multi_turn_bench.py --details``: they depend on the
backends, not on the scorer.

Skipped, with the reason, when bfcl-eval is not importable (``make setup`` installs it).
"""

from __future__ import annotations

import json

import pytest

from tests.suites.bfcl_mt_variants import VARIANTS, variants
from tests.suites.bfcl_official import official_unavailable
from toolenv.suites import default_data_dir
from toolenv.suites.bfcl.data import MULTI_TURN_CATEGORIES, load_category, question_path
from toolenv.suites.bfcl.multi_turn import json_safe
from toolenv.suites.bfcl.score import score_entries

DATA = default_data_dir()
WHY_NOT = official_unavailable()
pytestmark = [
    pytest.mark.skipif(DATA is None, reason="../shared/bfcl not present"),
    pytest.mark.skipif(WHY_NOT is not None, reason=str(WHY_NOT)),
]
CATS = [c for c in MULTI_TURN_CATEGORIES if DATA and question_path(DATA, c).is_file()]
STEP = 10  # every 10th entry (20 per category); the benchmark compares all 200
MODEL = "toolenv-test"


def _round_trip(line: dict) -> dict:
    return json.loads(json.dumps(json_safe(line), ensure_ascii=False))


@pytest.mark.parametrize("category", CATS)
def test_verdicts_and_lines_agree_with_the_official_runner(category):
    from tests.suites.bfcl_official import OfficialScorer, official_score_file_line

    official = OfficialScorer(category)
    entries = load_category(DATA, category)
    sample = entries[::STEP] + [e for e in entries if e["id"].endswith("_49")]  # miss_func_49: a held-out call early
    records = []
    for e in sample:
        for name, result in variants(e).items():
            records.append((name, {"id": e["id"], "result": result}))
    disagreements = []
    seen_types = set()
    for name, rec in records:
        off = official.score(rec["id"], rec["result"], model_name=MODEL)
        _, failures, _ = score_entries(category, entries, [rec], model_name=MODEL)
        ours = _round_trip(failures[0]) if failures else {"valid": True}
        off = official_score_file_line(off) if not off["valid"] else off
        if ours["valid"] != off["valid"]:
            disagreements.append((rec["id"], name, "verdict", ours.get("error", {}).get("error_type"), off.get("error", {}).get("error_type")))
            continue
        if off["valid"]:
            seen_types.add(None)
            continue
        seen_types.add(off["error"]["error_type"])
        for key in ("error_type", "error_message"):
            if ours["error"][key] != off["error"][key]:
                disagreements.append((rec["id"], name, key, ours["error"][key], off["error"][key]))
        if list(ours) != list(off) or list(ours["error"]) != list(off["error"]):
            disagreements.append((rec["id"], name, "layout", list(ours), list(off)))
        for key in ("id", "model_name", "test_category", "prompt", "model_result", "model_result_raw",
                    "model_result_decoded", "possible_answer", "inference_log"):
            if ours.get(key) != off.get(key):
                disagreements.append((rec["id"], name, key, str(ours.get(key))[:200], str(off.get(key))[:200]))
    assert not disagreements, f"{len(disagreements)} disagreements, first: {disagreements[:5]}"
    assert {None, "multi_turn:inference_error", "multi_turn:force_terminated",
            "multi_turn:empty_turn_model_response"} <= seen_types
    assert seen_types & {"multi_turn:instance_state_mismatch", "multi_turn:execution_response_mismatch"}
    assert len(VARIANTS) == len(variants(entries[0]))
