"""Deficiency selection (stage 4): failed and high-perplexity tasks, call / no-call split."""

from __future__ import annotations

from training.config import DeficiencyConfig
from training.deficiency import select_deficient


def _records(n: int, failed: set[int]) -> list[dict]:
    return [{"task_index": i, "task_id": f"t{i}", "category": "irrelevance" if i >= 80 else "simple",
             "success": i not in failed, "deficiencies": ["args:value"] if i in failed else []} for i in range(n)]


def _setup():
    # 100 tasks: 0-79 need a call, 80-99 need none (their answers are short: low perplexity)
    nll = {i: 2.0 + i / 100 for i in range(80)}
    nll.update({i: 0.01 + i / 10_000 for i in range(80, 100)})
    failed = set(range(0, 80, 2)) | {81, 83, 85}
    return _records(100, failed), nll, failed


def test_single_ranking_orders_failed_then_perplexity_and_caps():
    recs, nll, failed = _setup()
    cfg = DeficiencyConfig(max_selected=30, split_call_no_call=False)
    selected, summary = select_deficient(recs, nll, cfg, no_call=set(range(80, 100)))
    assert len(selected) == 30
    idx = [s["task_index"] for s in selected]
    # one ranking: the 40 failed call tasks outrank the failed no-call ones and fill the cap
    assert all(i < 80 and i in failed for i in idx)
    assert idx == sorted(idx, key=lambda i: -nll[i])
    assert summary["failed"] == len(failed) and summary["selected"] == 30


def test_split_gives_no_call_tasks_their_share():
    recs, nll, failed = _setup()
    cfg = DeficiencyConfig(max_selected=30, perplexity_top_fraction=0.3)
    selected, summary = select_deficient(recs, nll, cfg, no_call=set(range(80, 100)))
    idx = [s["task_index"] for s in selected]
    no_call = [i for i in idx if i >= 80]
    assert len(selected) == 30
    assert len(no_call) == 6  # 20% of the rollouts -> 20% of the cap
    # inside the no-call group: the failed ones first, then its own top-30% by perplexity
    assert {81, 83, 85} <= set(no_call)
    assert set(no_call) - {81, 83, 85} <= {99, 98, 97, 96, 95, 94}
    assert summary["selected_by_group"] == {"call": 24, "no_call": 6}
    assert all(s["no_call"] == (s["task_index"] >= 80) for s in selected)


def test_split_hands_unused_quota_to_the_other_group():
    recs, nll, _ = _setup()
    # nothing failed among the no-call tasks and no perplexity pick: the call group takes the whole cap
    cfg = DeficiencyConfig(max_selected=30, perplexity_top_fraction=0.0)
    recs = [dict(r, success=True) if r["task_index"] >= 80 else r for r in recs]
    selected, summary = select_deficient(recs, nll, cfg, no_call=set(range(80, 100)))
    assert len(selected) == 30 and all(s["task_index"] < 80 for s in selected)
    assert summary["selected_by_group"] == {"call": 30, "no_call": 0}
