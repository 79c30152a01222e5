"""`toolenv eval`: roll an agent through the env and report success by category."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HELP = "Evaluate an agent (oracle, random, hf:PATH, openai:MODEL@URL) on synthesized tasks, a task file or a suite."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--agent", default="oracle", help="oracle | random | hf:PATH | openai:MODEL@BASE_URL")
    p.add_argument("--tool-specs", nargs="*", default=None, help="spec files/folders (default: bundled tool_specs/)")
    p.add_argument("--tasks", default=None, help="tasks JSONL (default: synthesize from the specs)")
    p.add_argument("--suite", default=None, help="e.g. bfcl:simple_python")
    p.add_argument("--data-dir", default=None, help="suite data folder (BFCL: default ../shared/bfcl)")
    p.add_argument("--categories", default=None, help="comma-separated categories to keep")
    p.add_argument("--num-tasks", type=int, default=256, help="tasks to synthesize when no --tasks")
    p.add_argument("--episodes", type=int, default=None, help="episodes (default: every task once)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=1, help="envs stepped together (agent.act_batch)")
    p.add_argument("--trials", type=int, default=1, help="k trials per task; reports pass^k")
    p.add_argument("--max-steps", type=int, default=None, help="actions per episode (default: from the task size)")
    p.add_argument("--agent-option", action="append", default=[], metavar="KEY=VALUE",
                   help="agent constructor option (JSON value), e.g. temperature=0.7")
    p.add_argument("--out", default=None, help="write the JSON report here")
    p.add_argument("--no-progress", action="store_true")


def env_kwargs_from_args(args: argparse.Namespace) -> dict:
    kw: dict = {"max_steps": args.max_steps} if args.max_steps else {}
    if args.suite:
        kw["suite"] = args.suite
        if args.data_dir:
            kw["data_dir"] = args.data_dir
    else:
        if args.tool_specs:
            kw["tool_specs"] = args.tool_specs if len(args.tool_specs) > 1 else args.tool_specs[0]
        if args.tasks:
            kw["tasks"] = args.tasks
        else:
            kw["num_tasks"] = args.num_tasks
            kw["synth_seed"] = args.seed
        if args.categories:
            kw["categories"] = [c.strip() for c in args.categories.split(",") if c.strip()]
    return kw


def run(args: argparse.Namespace) -> int:
    from agents.factory import make_agent
    from toolenv.evaluation import evaluate, format_report

    options = {}
    for item in args.agent_option:
        key, _, value = item.partition("=")
        try:
            options[key] = json.loads(value)
        except ValueError:
            options[key] = value
    agent = make_agent(args.agent, seed=args.seed, **options)
    report = evaluate(agent, env_kwargs_from_args(args), episodes=args.episodes, seed=args.seed,
                      batch_size=args.batch_size, trials=args.trials, progress=not args.no_progress)
    print(format_report(report))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
        print(f"report written to {args.out}")
    return 0
