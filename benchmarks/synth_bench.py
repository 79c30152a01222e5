"""Task-synthesis benchmark: tasks/s per category (one core) and diversity per 1,000 tasks.

    .venv/bin/python benchmarks/synth_bench.py [--num 2000] [--tool-specs DIR] [--json out.json]

Speed: for each category, a fresh `Synthesizer` (the registry analysis is done once per registry
and excluded; worlds and value pools are built inside the timing, "cold") generates ``--num``
tasks with one seed, then another ``--num`` with another seed on the same synthesizer ("warm":
the per-seed worlds are new, the process-wide value pools are not). The process is pinned to one
CPU when the OS allows it.

Diversity, over 1,000 tasks of the default category mix (seed 0): distinct templates (frame +
connector + context ids), distinct frames, distinct word 3-grams in the user messages and their
share of all 3-grams, distinct user messages, distinct tools called.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolenv.spec import load_registry  # noqa: E402
from toolenv.synth import Synthesizer, difficulty_stats  # noqa: E402
from toolenv.tasks import CATEGORIES  # noqa: E402

_WORD = re.compile(r"[A-Za-z0-9']+|[^\sA-Za-z0-9]")


def diversity(tasks) -> dict[str, float]:
    grams: Counter[tuple[str, ...]] = Counter()
    users = []
    for t in tasks:
        for turn in t.turns:
            words = _WORD.findall(turn.user.lower())
            grams.update(zip(words, words[1:], words[2:]))
            users.append(turn.user)
    total = sum(grams.values()) or 1
    return {
        "tasks": len(tasks),
        "distinct_templates": len({t.meta.get("template") for t in tasks}),
        "distinct_frames": len({t.meta.get("frame") for t in tasks}),
        "distinct_3grams": len(grams),
        "distinct_3gram_share": round(len(grams) / total, 3),
        "distinct_user_messages": len(set(users)),
        "distinct_tools_called": len({c.name for t in tasks for tr in t.turns for c in tr.calls}),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--num", type=int, default=2000, help="tasks per category and run")
    ap.add_argument("--tool-specs", default=None)
    ap.add_argument("--categories", default=",".join(CATEGORIES))
    ap.add_argument("--json", default=None, help="write the figures here")
    args = ap.parse_args()
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        pinned = True
    except (AttributeError, OSError):
        pinned = False
    reg = load_registry(args.tool_specs)
    t0 = time.perf_counter()
    Synthesizer(reg)
    analysis_ms = (time.perf_counter() - t0) * 1000
    print(f"registry: {len(reg.tools)} tools, {len(reg.toolkits)} domains; analysis {analysis_ms:.0f} ms; "
          f"one core pinned: {pinned}")
    speed = {}
    print(f"{'category':18s} {'cold tasks/s':>13s} {'warm tasks/s':>13s} {'mean difficulty':>16s}")
    for cat in [c.strip() for c in args.categories.split(",") if c.strip()]:
        s = Synthesizer(reg)
        t0 = time.perf_counter()
        tasks = s.generate(args.num, 1, [cat])
        cold = args.num / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        s.generate(args.num, 2, [cat])
        warm = args.num / (time.perf_counter() - t0)
        mean = sum(t.difficulty for t in tasks) / len(tasks)
        speed[cat] = {"cold_tasks_per_s": round(cold), "warm_tasks_per_s": round(warm), "mean_difficulty": round(mean, 2)}
        print(f"{cat:18s} {cold:13.0f} {warm:13.0f} {mean:16.2f}")
    mix = Synthesizer(reg).generate(1000, 0)
    div = diversity(mix)
    print("diversity per 1,000 tasks (all categories):")
    for k, v in div.items():
        print(f"  {k:24s} {v}")
    stats = difficulty_stats(mix)
    print("difficulty by category (same 1,000 tasks):")
    for c, st in sorted(stats.items()):
        print(f"  {c:18s} n={st['count']:4d} mean={st['mean']:.2f} min={st['min']:.2f} p50={st['p50']:.2f} max={st['max']:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"speed": speed, "diversity": div, "difficulty": stats,
                                               "analysis_ms": round(analysis_ms, 1), "pinned": pinned}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
