"""`toolenv export`: tasks -> a Hugging Face dataset (TRL conversational formats) of oracle trajectories."""

from __future__ import annotations

import argparse
import sys

from toolenv.cli import existing_file, existing_path, output_dir, output_file, seed

HELP = "Export tasks as a Hugging Face dataset of oracle trajectories (sft, steps or preference rows)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tasks", type=existing_file, required=True, help="tasks JSONL (from `toolenv synth`)")
    p.add_argument("--tool-specs", nargs="*", type=existing_path, default=None,
                   help="spec files/folders (default: the specs the task file records, else bundled tool_specs/); "
                        "must match the task file's fingerprint")
    p.add_argument("--format", default="sft", choices=["sft", "steps", "preference"],
                   help="sft: messages+tools per task; steps: prompt/completion per assistant turn; "
                        "preference: prompt/chosen/rejected/tools")
    p.add_argument("--out", type=output_dir, required=True, help="output folder (datasets.save_to_disk)")
    p.add_argument("--expert-style", default="hermes", choices=["hermes", "json", "python"],
                   help="call format of the oracle actions (the exported tool_calls are structured either way)")
    p.add_argument("--seed", type=seed, default=0, help="seed of the rule-based rejections (preference)")
    p.add_argument("--jsonl", type=output_file, default=None, help="also write the rows as JSON lines here")
    p.add_argument("--no-progress", action="store_true")


def run(args: argparse.Namespace) -> int:
    import json
    from collections import Counter
    from pathlib import Path

    from toolenv.cli import UsageError
    from toolenv.export import build_rows, save_dataset, to_dataset
    from toolenv.tasks import load_tasks, task_registry

    # a bad task or spec file raises ValueError/OSError: one line, exit 2 (toolenv.cli)
    tasks = load_tasks(args.tasks)
    specs = None
    if args.tool_specs:
        specs = args.tool_specs if len(args.tool_specs) > 1 else args.tool_specs[0]
    try:  # the tools the task file records (or --tool-specs, checked against them)
        registry = task_registry(tasks.tool_source, specs, task_file=args.tasks, option="--tool-specs")
    except ValueError as e:
        if tasks.tool_source is None:
            raise  # a bad spec file: reported as before
        raise UsageError(str(e)) from None
    rows = build_rows(tasks, args.format, registry, args.expert_style, args.seed,
                      progress=not args.no_progress and len(tasks) >= 500)
    if not rows:
        print("toolenv export: error: no rows (the oracle solved no task; do the tool specs match the tasks?)", file=sys.stderr)
        return 1
    ds = to_dataset(rows)
    save_dataset(ds, args.out, progress=not args.no_progress and len(rows) >= 5000)
    if args.jsonl:
        Path(args.jsonl).parent.mkdir(parents=True, exist_ok=True)
        with open(args.jsonl, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    solved = len({r["id"] for r in rows})
    cats = Counter(r["category"] for r in rows)
    print(f"wrote {len(rows)} {args.format} rows from {solved}/{len(tasks)} tasks to {args.out}")
    print("  " + ", ".join(f"{c}: {n}" for c, n in sorted(cats.items())))
    print(f"  columns: {', '.join(ds.column_names)}")
    if solved < len(tasks):
        print(f"warning: {len(tasks) - solved} task(s) not solved by the oracle were skipped", file=sys.stderr)
    return 0
