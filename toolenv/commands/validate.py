"""`toolenv validate [PATH...]` (no PATH: the bundled specs)

Uses the loader behind ``gym.make("ToolUse-v0", tool_specs=...)``: what it accepts is what the
environment runs; what it refuses, the environment refuses with `toolenv.SpecError` (same lines).
"""

from __future__ import annotations

import argparse

from toolenv.cli import existing_path

HELP = "Validate tool spec files/folders; exit 1 with one line per problem (file#/json/pointer: message)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", type=existing_path,
                   help="spec files or folders of *.json specs (default: the bundled tool_specs/)")
    p.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                   help="change one of the spec limits for this check (e.g. max_depth=64); see docs/spec_format.md. "
                        "gym.make uses the defaults unless toolenv.spec_checks.set_default_limits is called")


def run(args: argparse.Namespace) -> int:
    from toolenv.spec import load_toolkits
    from toolenv.spec_checks import default_limits

    try:
        limits = default_limits().replace(**dict(_pair(x) for x in args.limit))
    except ValueError as e:
        print(f"--limit: {e}")
        return 2
    try:
        toolkits, problems = load_toolkits(args.paths or None, limits=limits)
    except Exception as e:  # noqa: BLE001 - a bug must still give one line, not a traceback
        print(f"{args.paths[0] if args.paths else 'tool_specs'}#: internal error while checking: {type(e).__name__}: {' '.join(str(e).split())[:300]}")
        return 2
    for pr in problems:
        print(pr)
    if problems:
        print(f"{len(problems)} problem(s); nothing loaded")
        return 1
    n_tools = sum(len(t.tools) for t in toolkits)
    n_state = sum(1 for t in toolkits for x in t.tools if x.effect is not None)
    print(f"ok: {len(toolkits)} toolkit(s), {n_tools} tools ({n_state} stateful)")
    _print_inferred(toolkits)
    return 0


def _print_inferred(toolkits) -> None:
    """What the loader inferred for specs without a world (collections, id links, effects)."""
    from toolenv.infer import summary_lines

    for tk in toolkits:
        for line in summary_lines(tk):
            print(line)


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ValueError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value.strip()
