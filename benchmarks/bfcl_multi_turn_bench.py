"""BFCL multi-turn scoring speed, ours vs the official evaluator, side by side in one process.

For each multi-turn category, the same results are scored by both: the official runner's
per-entry function (``_evaluate_single_multi_turn_entry``: decoding + ``multi_turn_checker``, with
the official ``gpt-4o-2024-11-20`` prompt handler / ``-FC`` handler; see
``tests/suites/bfcl_official.py``) and ours (``toolenv.suites.bfcl.score.score_entries``). Both
start from loaded entries and results (no file reading or writing is timed). Result sets:

* ``truth``: the ground truth as the result (one raw step per ground-truth call string);
* ``corrupt``: the ground truth as one prompt-style step per turn, with the last call of the first
  turn dropped (every entry fails: state or response mismatch, failure details built).

The official executor caches backend instances in its module globals by model name and entry id;
they are cleared before every official entry (inside the timed loop, as part of its cost: without
it a second run would reuse the first run's instances). One core; each figure is the best of
``--repeat`` runs in process CPU time. Verdicts are compared entry by entry and the disagreements
counted; ``--details`` also compares whole score lines (after the official JSON conversion) and
counts differing fields.

    .venv/bin/python benchmarks/bfcl_multi_turn_bench.py [--data-dir DIR] [--repeat 3] [--details]

Without bfcl-eval it says what to install and exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.suites.bfcl_official import official_unavailable  # noqa: E402
from toolenv.suites import default_data_dir  # noqa: E402
from toolenv.suites.bfcl.data import MULTI_TURN_CATEGORIES, load_category, question_path  # noqa: E402
from toolenv.suites.bfcl.multi_turn import json_safe  # noqa: E402
from toolenv.suites.bfcl.score import score_entries  # noqa: E402

MODEL = "bench-model"


def result_sets(entries: list[dict]) -> dict[str, list[dict]]:
    from tests.suites.bfcl_mt_variants import variants

    out: dict[str, list[dict]] = {"truth": [], "corrupt": []}
    for e in entries:
        v = variants(e)
        out["truth"].append({"id": e["id"], "result": v["gt_strings"]})
        out["corrupt"].append({"id": e["id"], "result": v["drop_call"]})
    return out


def time_official(official, records: list[dict], prompts: dict[str, dict], repeat: int) -> tuple[float, list[dict]]:
    best, lines = float("inf"), []
    for _ in range(repeat):
        t0 = time.process_time()
        lines = [official.score(r["id"], r["result"], model_name=MODEL, prompt=prompts[r["id"]]) for r in records]
        best = min(best, time.process_time() - t0)
    return best, lines


def time_ours(category: str, entries: list[dict], records: list[dict], repeat: int) -> tuple[float, dict, list[dict]]:
    best, summary, failures = float("inf"), {}, []
    for _ in range(repeat):
        t0 = time.process_time()
        summary, failures, _ = score_entries(category, entries, records, model_name=MODEL)
        best = min(best, time.process_time() - t0)
    return best, summary, failures


def compare(ours_failures: list[dict], official_lines: list[dict], details: bool) -> tuple[int, Counter]:
    from tests.suites.bfcl_official import official_score_file_line

    ours = {f["id"]: f for f in ours_failures}
    verdicts, fields = 0, Counter()
    for line, rid in ((x, x.get("id")) for x in official_lines):
        if line["valid"]:
            verdicts += rid in ours
            continue
        mine = ours.get(rid)
        if mine is None or mine["error"]["error_type"] != line["error"]["error_type"]:
            verdicts += 1
            continue
        if details:
            a = json.loads(json.dumps(json_safe(mine), ensure_ascii=False))
            b = official_score_file_line(line)
            b["inference_log"] = ""
            for k in set(a) | set(b):
                if a.get(k) != b.get(k):
                    fields[k if k != "error" else f"error.{next((x for x in b['error'] if a['error'].get(x) != b['error'].get(x)), '?')}"] += 1
            if list(a) != list(b):
                fields["(field order)"] += 1
    return verdicts, fields


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=default_data_dir())
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--categories", default=",".join(MULTI_TURN_CATEGORIES))
    ap.add_argument("--details", action="store_true", help="also compare whole score lines field by field")
    args = ap.parse_args()
    why = official_unavailable()
    if why is not None:
        print(f"skipped: {why}")
        return 0
    if not args.data_dir:
        print("skipped: no BFCL data folder (set TOOLENV_BFCL_DATA or pass --data-dir)")
        return 0
    from tests.suites.bfcl_official import OfficialScorer

    cats = [c for c in args.categories.split(",") if c and question_path(args.data_dir, c).is_file()]
    print(f"{'category':26} {'results':8} {'n':>4} {'official/s':>10} {'ours/s':>9} {'ratio':>6} {'acc':>6} {'verdict diffs':>13}")
    tot_off = tot_ours = 0.0
    tot_n = 0
    all_fields: Counter = Counter()
    for c in cats:
        entries = load_category(args.data_dir, c)
        official = OfficialScorer(c)
        prompts = {e["id"]: official.prompt_entry(e["id"]) for e in entries}
        for name, records in result_sets(entries).items():
            t_off, lines = time_official(official, records, prompts, args.repeat)
            t_ours, summary, failures = time_ours(c, entries, records, args.repeat)
            diffs, fields = compare(failures, lines, args.details)
            all_fields.update(fields)
            n = len(records)
            tot_off, tot_ours, tot_n = tot_off + t_off, tot_ours + t_ours, tot_n + n
            print(f"{c:26} {name:8} {n:4d} {n / t_off:10.0f} {n / t_ours:9.0f} {t_off / t_ours:5.2f}x "
                  f"{summary['accuracy']:6.3f} {diffs:13d}")
    print(f"{'ALL':26} {'':8} {tot_n:4d} {tot_n / tot_off:10.0f} {tot_n / tot_ours:9.0f} {tot_off / tot_ours:5.2f}x")
    if args.details:
        print("differing score-line fields (failing entries):", dict(all_fields) or "none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
