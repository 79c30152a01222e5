"""`toolenv validate PATH...`"""

from __future__ import annotations

import argparse

HELP = "Validate tool spec files/folders; exit 1 with one line per problem (file#/json/pointer: message)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", help="spec files or folders of *.json specs")


def run(args: argparse.Namespace) -> int:
    from toolenv.spec import load_toolkits

    toolkits, problems = load_toolkits(args.paths)
    for pr in problems:
        print(pr)
    if problems:
        print(f"{len(problems)} problem(s); nothing loaded")
        return 1
    n_tools = sum(len(t.tools) for t in toolkits)
    n_state = sum(1 for t in toolkits for x in t.tools if x.effect is not None)
    print(f"ok: {len(toolkits)} toolkit(s), {n_tools} tools ({n_state} stateful)")
    return 0
