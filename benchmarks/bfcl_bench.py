"""BFCL scoring speed: entries scored per second, per category and overall, loading included.

For each shipped category, a result file is written with the oracle's answers (single-turn:
Python-call text; multi-turn: the ground-truth call strings per turn) plus, for single-turn, a
variant where every second answer is wrong (so failing paths are timed too). Each timed run
loads the category's question and answer files and the result file from disk and scores every
entry (``toolenv.suites.bfcl.score.score_file``), like ``toolenv bfcl-score``. One core; the
figure is the best of ``--repeat`` runs in process CPU time (robust to other load on the box).

    .venv/bin/python benchmarks/bfcl_bench.py [--data-dir DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolenv.suites import default_data_dir  # noqa: E402
from toolenv.suites.bfcl.data import CATEGORIES, is_multi_turn, load_category, question_path  # noqa: E402
from toolenv.suites.bfcl.score import score_file  # noqa: E402
from toolenv.suites.bfcl.suite import expert_single_text  # noqa: E402


def result_lines(category: str, entries: list[dict], wrong_every: int = 0) -> list[dict]:
    out = []
    for i, e in enumerate(entries):
        if is_multi_turn(category):
            out.append({"id": e["id"], "result": e["ground_truth"]})
            continue
        text = expert_single_text(e, category)
        if wrong_every and i % wrong_every == 1:
            text = text.replace("=", "= 1 +", 1) if "=" in text else "[wrong_tool(x=1)]"
        out.append({"id": e["id"], "result": text})
    return out


def bench(category: str, data_dir: str, repeat: int, tmp: Path, wrong_every: int = 0) -> tuple[int, float, float]:
    entries = load_category(data_dir, category)
    res = tmp / f"{category}_{wrong_every}.json"
    res.write_text("".join(json.dumps(r) + "\n" for r in result_lines(category, entries, wrong_every)))
    times, acc = [], 0.0
    for _ in range(repeat):
        t0 = time.process_time()  # CPU time of this process: one core, robust to other load
        # the results are already-decoded call strings: read them as such (the official default
        # would decode each string as prompt output and drop positional arguments)
        summary, _, _ = score_file(category, data_dir, res, None, multi_turn_strings="auto")
        times.append(time.process_time() - t0)
        acc = summary["accuracy"]
    return len(entries), min(times), acc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=default_data_dir())
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not args.data_dir:
        print("no BFCL data dir (pass --data-dir)", file=sys.stderr)
        return 2
    shipped = [c for c in CATEGORIES if question_path(args.data_dir, c).is_file()]
    print(f"{'category':<20} {'entries':>7} {'variant':>9} {'accuracy':>8} {'seconds':>8} {'entries/s':>10}")
    single_n = single_t = 0.0
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for cat in shipped:
            variants = [0] if is_multi_turn(cat) else [0, 2]
            for w in variants:
                n, t, acc = bench(cat, args.data_dir, args.repeat, tmp, w)
                label = "oracle" if w == 0 else "half-bad"
                print(f"{cat:<20} {n:>7} {label:>9} {acc:>8.3f} {t:>8.4f} {n / t:>10.0f}")
                if not is_multi_turn(cat):
                    single_n += n
                    single_t += t
    if single_t:
        print(f"{'single-turn overall':<20} {int(single_n):>7} {'both':>9} {'':>8} {single_t:>8.4f} {single_n / single_t:>10.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
