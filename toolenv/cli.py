"""`toolenv` command line: one subcommand per module in `toolenv.commands`, imported lazily.

Each command module defines ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: dict[str, str] = {
    "validate": "toolenv.commands.validate",
    "eval": "toolenv.commands.evaluate",
    "synth": "toolenv.commands.synth",
    "export": "toolenv.commands.export",
    "bfcl-score": "toolenv.commands.bfcl_score",
    "tiny-model": "toolenv.commands.tiny_model",
    "pretrained-model": "toolenv.commands.pretrained_model",
    "train": "toolenv.commands.train",
}


def build_parser(argv: list[str]) -> tuple[argparse.ArgumentParser, dict[str, object]]:
    parser = argparse.ArgumentParser(prog="toolenv", description="Tool-use environment, synthesis, evaluation and training.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules: dict[str, object] = {}
    wanted = argv[0] if argv and argv[0] in COMMANDS else None
    for name, modpath in COMMANDS.items():
        if wanted is not None and name != wanted:
            sub.add_parser(name)
            continue
        try:
            mod = importlib.import_module(modpath)
        except ModuleNotFoundError as e:
            if e.name and e.name.startswith("toolenv.commands"):
                continue  # command not built yet
            raise
        p = sub.add_parser(name, help=getattr(mod, "HELP", ""), description=getattr(mod, "HELP", ""))
        mod.add_arguments(p)
        modules[name] = mod
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, modules = build_parser(argv)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    return int(modules[args.command].run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
