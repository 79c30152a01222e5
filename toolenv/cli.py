"""`toolenv` command line: one subcommand per command module, imported lazily.

A command module (or any object) defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. The env's own commands are the modules of `toolenv.commands` (`COMMANDS`); they
need only the base dependencies. Commands that need the ``train`` extra live in the packages that
implement them and are registered in the ``toolenv.commands`` entry-point group of their
distribution (``name = "module"`` or ``"module:object"``; this project's pyproject.toml registers
``tiny-model``, ``pretrained-model`` from `agents.commands` and ``train`` from `training.cli`). Run
from a source checkout, whose install metadata may be missing or stale, the CLI also takes them from
`CHECKOUT_COMMANDS`, the same table.

Errors: a user error (a bad argument, a missing or unreadable file, an invalid config, spec or task
file, a corrupt run directory) prints one line on stderr, ``toolenv <command>: error: ...``, and
exits with code 2. Commands validate their arguments with the ``type=`` helpers below (counts >= 1,
existing files and folders, writable outputs) or raise `UsageError`; `ValueError` and `OSError`
escaping a command are reported the same way. So is a missing optional dependency (a
`ModuleNotFoundError` for a package of an extra, or for the `agents`/`training` packages): one line
naming the extra to install. Anything else is a bug and keeps its traceback;
``toolenv --debug <command> ...`` (or ``TOOLENV_DEBUG=1``) shows the traceback of every error.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys
from pathlib import Path
from typing import Any

# The env's commands (`toolenv.commands.*`): base dependencies only, but for `export`'s dataset output
# (`datasets`, train extra) and `eval`'s agents (the `agents` package; model agents: train extra).
COMMANDS: dict[str, str] = {
    "validate": "toolenv.commands.validate",
    "eval": "toolenv.commands.evaluate",
    "synth": "toolenv.commands.synth",
    "export": "toolenv.commands.export",
    "bfcl-score": "toolenv.commands.bfcl_score",
    "import-openapi": "toolenv.commands.import_openapi",
    "infer": "toolenv.commands.infer",
    "serve-mcp": "toolenv.commands.serve_mcp",  # needs the mcp extra
    "view": "toolenv.commands.view",
    "serve": "toolenv.commands.serve",  # needs the serve extra (--protocol openenv: the openenv extra)
}

# Commands added by other packages: this entry-point group, as registered in pyproject.toml ...
ENTRY_POINT_GROUP = "toolenv.commands"
# ... and, when toolenv is imported from a source checkout (install metadata absent or stale), this table.
CHECKOUT_COMMANDS: dict[str, str] = {
    "tiny-model": "agents.commands:TinyModel",
    "pretrained-model": "agents.commands:PretrainedModel",
    "train": "training.cli",
}

# Import names of optional dependencies -> the extra that installs them (pyproject.toml).
EXTRA_OF_MODULE: dict[str, str] = {
    **dict.fromkeys(["torch", "transformers", "tokenizers", "trl", "accelerate", "datasets", "peft", "matplotlib",
                     "gguf"], "train"),
    "tensorboard": "tensorboard",
    "mcp": "mcp",
    **dict.fromkeys(["fastapi", "uvicorn", "httpx"], "serve"),
}
# Packages of this project that an installation may lack.
PROJECT_PACKAGES = ("agents", "training")

EXIT_USAGE = 2


class UsageError(Exception):
    """A user error: `main` prints ``toolenv <command>: error: <message>`` and exits with 2."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (no usage block): raised as `UsageError`."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


# ---- argument types (``type=`` of add_argument): ArgumentTypeError messages name the problem ----
def positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def nonnegative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


seed = nonnegative_int  # numpy and Gymnasium refuse negative seeds


def open_fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {text}")
    return value


def existing_path(text: str) -> str:
    if not Path(text).exists():
        raise argparse.ArgumentTypeError(f"no such file or folder: {text}")
    return text


def existing_file(text: str) -> str:
    p = Path(text)
    if not p.exists():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    if not p.is_file():
        raise argparse.ArgumentTypeError(f"not a file: {text}")
    if not os.access(p, os.R_OK):
        raise argparse.ArgumentTypeError(f"cannot read {text}")
    return text


def existing_dir(text: str) -> str:
    p = Path(text)
    if not p.exists():
        raise argparse.ArgumentTypeError(f"no such folder: {text}")
    if not p.is_dir():
        raise argparse.ArgumentTypeError(f"not a folder: {text}")
    return text


def output_file(text: str) -> str:
    """A file to write: not a folder, and its nearest existing parent is a writable folder."""
    p = Path(text)
    if p.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, expected a file path")
    _check_parent(p, text)
    return text


def output_dir(text: str) -> str:
    """A folder to create or fill: not an existing file, and creatable."""
    p = Path(text)
    if p.exists() and not p.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, expected a folder")
    if not p.exists():
        _check_parent(p, text)
    return text


def key_value(text: str) -> str:
    key, sep, _ = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return text


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _check_parent(p: Path, text: str) -> None:
    for parent in p.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise argparse.ArgumentTypeError(f"cannot create {text}: {parent} is not a folder")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise argparse.ArgumentTypeError(f"cannot create {text}: {parent} is not writable")
            return


def check_categories(text: str | None, option: str = "--categories") -> list[str] | None:
    """Comma-separated task categories -> list; unknown names are a `UsageError`."""
    if not text:
        return None
    from toolenv.tasks import CATEGORIES

    cats = [c.strip() for c in text.split(",") if c.strip()]
    bad = [c for c in cats if c not in CATEGORIES]
    if bad or not cats:
        raise UsageError(f"{option}: unknown categor{'y' if len(bad) == 1 else 'ies'} {', '.join(bad) or repr(text)}; "
                         f"known: {', '.join(CATEGORIES)}")
    return cats


# ---- parser and entry point --------------------------------------------------------------------
def commands() -> dict[str, str]:
    """Every command: name -> ``"module"`` or ``"module:object"`` (the env's, then the registered ones)."""
    return dict(_commands())


@functools.lru_cache(maxsize=1)
def _commands() -> tuple[tuple[str, str], ...]:
    from importlib import metadata

    table = dict(COMMANDS)
    if _from_checkout():
        table.update((k, v) for k, v in CHECKOUT_COMMANDS.items() if k not in table)
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        table.setdefault(ep.name, ep.value)  # a plugin cannot replace an env command
    return tuple(table.items())


def _from_checkout() -> bool:
    """Whether this package is imported from a source checkout (pyproject.toml beside it), where install
    metadata may be missing or stale (a leftover toolenv.egg-info in the working directory shadows it)."""
    return (Path(__file__).resolve().parents[1] / "pyproject.toml").is_file()


def load_command(target: str) -> Any:
    """The command object of ``"module"`` or ``"module:object"``."""
    modpath, _, attr = target.partition(":")
    obj: Any = importlib.import_module(modpath.strip())
    for part in filter(None, attr.strip().split(".")):
        obj = getattr(obj, part)
    return obj


def missing_dependency(e: ModuleNotFoundError) -> str | None:
    """A one-line message when ``e`` is an optional dependency or project package that is not installed."""
    if e.name in EXTRA_OF_MODULE:
        extra = EXTRA_OF_MODULE[e.name]
        return f"needs the {extra} extra: pip install 'toolenv[{extra}]' (no module named {e.name!r})"
    if e.name in PROJECT_PACKAGES:
        return f"needs the {e.name!r} package, which is not installed"
    return None


def _command_in(argv: list[str]) -> str | None:
    """The subcommand named on the line (the first word that is not a global option)."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in commands() else None
    return None


def build_parser(argv: list[str]) -> tuple[argparse.ArgumentParser, dict[str, object]]:
    """The parser, with the command named in ``argv`` loaded (all of them when none is: ``--help``).

    A registered command whose module cannot be imported for lack of an optional dependency is listed
    as unavailable; naming it raises the ModuleNotFoundError, which `main` reports in one line. (So a command
    module imports its heavy dependencies in ``run``, not at module level nor in ``add_arguments``.)
    """
    parser = ArgumentParser(prog="toolenv", description="Tool-use environment, synthesis, evaluation and training.")
    parser.add_argument("--debug", action="store_true", help="show the traceback of any error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    modules: dict[str, object] = {}
    wanted = _command_in(argv)
    for name, target in commands().items():
        if wanted is not None and name != wanted:
            sub.add_parser(name)
            continue
        try:
            mod = load_command(target)
        except ModuleNotFoundError as e:
            why = missing_dependency(e)
            if why is None or name == wanted:
                raise  # main reports a missing dependency in one line
            sub.add_parser(name, help=f"(unavailable: {why})")
            continue
        help_ = getattr(mod, "HELP", "")
        p = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback of any error")
        mod.add_arguments(p)
        modules[name] = mod
    return parser, modules


def _one_line(e: BaseException) -> str:
    if isinstance(e, OSError) and e.filename is not None and e.strerror:
        msg = f"{e.strerror}: {e.filename}" + (f" -> {e.filename2}" if e.filename2 else "")
    else:
        msg = str(e) or type(e).__name__
    return "; ".join(line.strip() for line in msg.splitlines() if line.strip())


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = os.environ.get("TOOLENV_DEBUG", "") not in ("", "0") or "--debug" in argv
    prog = "toolenv" + (f" {_command_in(argv)}" if _command_in(argv) else "")
    running = False
    try:
        parser, modules = build_parser(argv)
        args, extra = parser.parse_known_args(argv)
        if extra:
            where = f"toolenv {args.command}" if args.command else "toolenv"
            raise UsageError(f"unrecognized arguments: {' '.join(extra)} (see `{where} --help`)")
        if not args.command:
            parser.print_help()
            raise UsageError("no command given (see `toolenv --help`)")
        running = True
        return int(modules[args.command].run(args) or 0)
    except SystemExit as e:  # --help, or a command that exits by itself
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except ModuleNotFoundError as e:  # an optional dependency or project package that is not installed
        why = missing_dependency(e)
        if why is None or debug:
            raise
        print(f"{prog}: error: {why}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except UsageError as e:
        if debug and running:
            raise
        print(f"{prog}: error: {_one_line(e)}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, OSError) as e:
        # bad input met while running: a config, spec, task or run file, a model directory
        if debug:
            raise
        print(f"{prog}: error: {_one_line(e)} (--debug shows the traceback)", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # python -m toolenv.cli: run the importable module's main, so that the
    from toolenv.cli import main as _main  # commands' UsageError is the class caught there

    sys.exit(_main())
