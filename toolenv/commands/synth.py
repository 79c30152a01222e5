"""`toolenv synth`: synthesize tasks from tool specs into a JSONL file the env loads with `tasks=`."""

from __future__ import annotations

import argparse
import time

from toolenv.cli import UsageError, check_categories, existing_path, nonnegative_int, open_fraction, output_file, positive_int, seed

HELP = "Synthesize graded tool-use tasks (all categories) from tool specs into a JSONL file."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tool-specs", nargs="*", type=existing_path, default=None,
                   help="spec files/folders (default: bundled tool_specs/)")
    p.add_argument("--num", type=positive_int, required=True, help="number of tasks")
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--categories", default=None,
                   help="comma-separated categories (default: every category the specs support)")
    p.add_argument("--out", type=output_file, required=True, help="output JSONL")
    p.add_argument("--test-num", type=nonnegative_int, default=0,
                   help="also write a held-out test set of this size (other seed, held-out templates); 0 = none")
    p.add_argument("--test-out", type=output_file, default=None,
                   help="test JSONL (default: OUT with .test before the suffix)")
    p.add_argument("--test-fraction", type=open_fraction, default=0.25,
                   help="share of templates held out for test, between 0 and 1")
    p.add_argument("--embed-specs", action="store_true",
                   help="store the spec documents in the task file's header (default: their paths and a fingerprint)")
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

    from toolenv.spec import load_registry
    from toolenv.synth import synthesize
    from toolenv.tasks import ToolSource, save_tasks

    cats = check_categories(args.categories)
    if args.test_out and not args.test_num:
        raise UsageError("--test-out needs --test-num")
    if args.test_out and Path(args.test_out).resolve() == Path(args.out).resolve():
        raise UsageError("--test-out must differ from --out")
    specs = args.tool_specs if args.tool_specs else None
    registry = load_registry(specs)  # a SpecError is a user error: one line, exit 2 (toolenv.cli)
    # the header of the task files: where the tools are (or the documents), and their fingerprint, so that
    # export / eval / the env / training find them without --tool-specs
    source = ToolSource.from_registry(registry, specs, embed=args.embed_specs)
    progress = not args.no_progress and (args.num + args.test_num) >= 2000
    t0 = time.perf_counter()
    # Infeasible (categories these specs cannot support) is a ValueError: one line, exit 2 (toolenv.cli)
    if args.test_num:
        from toolenv.split import leakage_report, synthesize_split

        train, test = synthesize_split(registry, args.num, args.test_num, seed=args.seed, categories=cats,
                                       test_fraction=args.test_fraction, progress=progress)
    else:
        train, test = synthesize(registry, args.num, args.seed, categories=cats, progress=progress), []
    dt = time.perf_counter() - t0
    n = save_tasks(train, args.out, tool_source=source)
    print(_summary(train, f"wrote {args.out}"))
    if test:
        out = Path(args.out)
        test_out = args.test_out or str(out.with_name(out.stem + ".test" + (out.suffix or ".jsonl")))
        save_tasks(test, test_out, tool_source=source)
        print(_summary(test, f"wrote {test_out}"))
        rep = leakage_report(train, test)
        print(f"leakage: shared frames {len(rep['shared_frames'])}, shared world seeds {rep['shared_world_seeds']}, "
              f"shared user texts {rep['shared_user_texts']}, identical ground truths {rep['shared_ground_truths']}")
    print(f"{n + len(test)} tasks in {dt:.2f}s ({(n + len(test)) / max(dt, 1e-9):.0f}/s)")
    return 0
