"""`toolenv synth`: synthesize tasks from tool specs into a JSONL file the env loads with `tasks=`."""

from __future__ import annotations

import argparse
import sys
import time

HELP = "Synthesize graded tool-use tasks (all categories) from tool specs into a JSONL file."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tool-specs", nargs="*", default=None, help="spec files/folders (default: bundled tool_specs/)")
    p.add_argument("--num", type=int, required=True, help="number of tasks")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--categories", default=None,
                   help="comma-separated categories (default: every category the specs support)")
    p.add_argument("--out", required=True, help="output JSONL")
    p.add_argument("--test-num", type=int, default=0,
                   help="also write a held-out test set of this size (other seed, held-out templates)")
    p.add_argument("--test-out", default=None, help="test JSONL (default: OUT with .test before the suffix)")
    p.add_argument("--test-fraction", type=float, default=0.25, help="share of templates held out for test")
    p.add_argument("--no-progress", action="store_true")


def _summary(tasks, label: str) -> str:
    from collections import Counter

    from toolenv.synth import difficulty_stats

    counts = Counter(t.category for t in tasks)
    st = difficulty_stats(tasks)
    lines = [f"{label}: {len(tasks)} tasks, {len({t.meta.get('template') for t in tasks})} distinct templates",
             f"  {'category':18s} {'n':>6s} {'difficulty mean':>16s} {'min':>6s} {'max':>6s}"]
    for c in sorted(counts):
        s = st[c]
        lines.append(f"  {c:18s} {counts[c]:6d} {s['mean']:16.2f} {s['min']:6.2f} {s['max']:6.2f}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from toolenv.spec import SpecError, load_registry
    from toolenv.synth import Infeasible, synthesize
    from toolenv.tasks import save_tasks

    specs = args.tool_specs if args.tool_specs else None
    try:
        registry = load_registry(specs)
    except SpecError as e:
        print(e, file=sys.stderr)
        return 1
    cats = [c.strip() for c in args.categories.split(",") if c.strip()] if args.categories else None
    if args.num < 0 or args.test_num < 0:
        print("--num and --test-num must be >= 0", file=sys.stderr)
        return 2
    progress = not args.no_progress and (args.num + args.test_num) >= 2000
    t0 = time.perf_counter()
    try:
        if args.test_num:
            from toolenv.split import leakage_report, synthesize_split

            train, test = synthesize_split(registry, args.num, args.test_num, seed=args.seed, categories=cats,
                                           test_fraction=args.test_fraction, progress=progress)
        else:
            train, test = synthesize(registry, args.num, args.seed, categories=cats, progress=progress), []
    except Infeasible as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    dt = time.perf_counter() - t0
    n = save_tasks(train, args.out)
    print(_summary(train, f"wrote {args.out}"))
    if test:
        out = Path(args.out)
        test_out = args.test_out or str(out.with_name(out.stem + ".test" + (out.suffix or ".jsonl")))
        save_tasks(test, test_out)
        print(_summary(test, f"wrote {test_out}"))
        rep = leakage_report(train, test)
        print(f"leakage: shared frames {len(rep['shared_frames'])}, shared world seeds {rep['shared_world_seeds']}, "
              f"shared user texts {rep['shared_user_texts']}, identical ground truths {rep['shared_ground_truths']}")
    print(f"{n + len(test)} tasks in {dt:.2f}s ({(n + len(test)) / max(dt, 1e-9):.0f}/s)")
    return 0
