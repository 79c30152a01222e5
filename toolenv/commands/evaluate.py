"""`toolenv eval`: roll an agent through the env and report success by category."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from toolenv.cli import (UsageError, check_categories, existing_dir, existing_file, existing_path, key_value, output_file,
                         positive_int, seed)

HELP = "Evaluate an agent (oracle, random, hf:PATH, openai:MODEL@URL) on synthesized tasks, a task file or a suite."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--agent", default="oracle", help="oracle | random | hf:PATH | openai:MODEL@BASE_URL")
    p.add_argument("--tool-specs", nargs="*", type=existing_path, default=None,
                   help="spec files/folders (default: the specs a --tasks file records, else bundled tool_specs/)")
    p.add_argument("--tasks", type=existing_file, default=None,
                   help="tasks JSONL (default: synthesize from the specs); a file from `toolenv synth` brings its tools")
    p.add_argument("--suite", default=None, help="e.g. bfcl:simple_python")
    p.add_argument("--data-dir", type=existing_dir, default=None,
                   help="suite data folder (BFCL: default $TOOLENV_BFCL_DATA, else ../shared/bfcl next to the checkout)")
    p.add_argument("--categories", default=None, help="comma-separated categories to keep")
    p.add_argument("--num-tasks", type=positive_int, default=256, help="tasks to synthesize when no --tasks")
    p.add_argument("--episodes", type=positive_int, default=None, help="episodes (default: every task once)")
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--batch-size", type=positive_int, default=1, help="envs stepped together (agent.act_batch)")
    p.add_argument("--trials", type=positive_int, default=1, help="k trials per task; reports pass^k")
    p.add_argument("--max-steps", type=positive_int, default=None, help="actions per episode (default: from the task size)")
    p.add_argument("--agent-option", action="append", type=key_value, default=[], metavar="KEY=VALUE",
                   help="agent constructor option (JSON value), e.g. temperature=0.7")
    p.add_argument("--out", type=output_file, default=None, help="write the JSON report here")
    p.add_argument("--trajectories", type=output_file, default=None, metavar="FILE",
                   help="also write every episode step by step to this JSONL (raw actions, parsed calls, responses, "
                        "rewards, deficiency codes, ground truth; `toolenv view FILE` shows it)")
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


def check_args(args: argparse.Namespace) -> None:
    """What argparse cannot check: the agent spec, the suite name, combinations (before any heavy import)."""
    check_agent(args.agent)
    check_categories(args.categories)
    if args.suite:
        from toolenv.suites import available_suites, resolve_data_dir

        if args.suite not in available_suites():
            raise UsageError(f"--suite: unknown suite {args.suite!r}; available: {', '.join(available_suites())}")
        given = [o for o, v in (("--tasks", args.tasks), ("--tool-specs", args.tool_specs),
                                ("--categories", args.categories)) if v]
        if given:
            raise UsageError(f"--suite brings its own tasks and tools; drop {', '.join(given)}")
        try:
            args.data_dir = resolve_data_dir(args.data_dir, required=True, option="--data-dir")
        except FileNotFoundError as e:
            raise UsageError(f"--suite {args.suite}: {e}") from None
    elif args.data_dir:
        raise UsageError("--data-dir is the data folder of a --suite; no --suite given")
    if args.tasks and not args.suite:
        from toolenv.tasks import read_tool_source, task_registry

        source = read_tool_source(args.tasks)
        if source is not None:  # the tools the file records, or --tool-specs checked against them
            try:
                task_registry(source, args.tool_specs or None, task_file=args.tasks, option="--tool-specs")
            except ValueError as e:
                raise UsageError(str(e)) from None


def check_agent(spec: str) -> None:
    kind, sep, rest = spec.partition(":")
    if spec in ("oracle", "random"):
        return
    if kind == "hf" and sep:
        path = Path(rest).expanduser()
        looks_local = rest.startswith((".", "/", "~")) or rest.count("/") > 1 or not rest
        if looks_local and not path.is_dir():
            raise UsageError(f"--agent {spec}: no model folder {rest or '(empty)'}")
        return
    if kind == "openai" and sep:
        model, at, url = rest.partition("@")
        if not (model and at and url):
            raise UsageError(f"--agent {spec}: use openai:MODEL@BASE_URL, e.g. openai:qwen2.5-7b@http://127.0.0.1:8000/v1")
        return
    raise UsageError(f"--agent: unknown agent {spec!r}; use oracle, random, hf:PATH or openai:MODEL@BASE_URL")


def run(args: argparse.Namespace) -> int:
    check_args(args)
    # the agents package (oracle and random need only the base dependencies; hf: needs the train extra,
    # imported by make_agent: a missing one is reported in one line by toolenv.cli)
    from agents.factory import make_agent
    from toolenv.evaluation import evaluate, format_report

    options = {}
    for item in args.agent_option:
        key, _, value = item.partition("=")
        try:
            options[key] = json.loads(value)
        except ValueError:
            options[key] = value
    try:
        agent = make_agent(args.agent, seed=args.seed, **options)
    except TypeError as e:  # an --agent-option the agent does not take
        if not options:
            raise
        raise UsageError(f"--agent-option: {e}") from None
    traced = bool(args.trajectories)
    report = evaluate(agent, env_kwargs_from_args(args), episodes=args.episodes, seed=args.seed,
                      batch_size=args.batch_size, trials=args.trials, progress=not args.no_progress,
                      return_episodes=traced, trace=traced)
    print(format_report(report))
    if traced:
        import os

        from toolenv.view.traces import write_trajectories

        n = write_trajectories(args.trajectories, report.pop("episode_records"), set=args.suite or "tasks",
                               stage=report["agent"])
        if args.out:  # the report names its trajectories, so `toolenv view REPORT` finds them
            report["trajectories"] = os.path.relpath(Path(args.trajectories).absolute(),
                                                     Path(args.out).absolute().parent)
        print(f"{n} trajectories written to {args.trajectories}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
        print(f"report written to {args.out}")
    return 0
