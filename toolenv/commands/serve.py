"""`toolenv serve`: ``ToolUse-v0`` as an HTTP service, one isolated env per session (JSON in and
out), or through OpenEnv's protocol (``--protocol openenv``). Needs the ``serve`` extra
(``pip install 'toolenv[serve]'``; OpenEnv: the ``openenv`` extra); see docs/service.md."""

from __future__ import annotations

import argparse
import json

from toolenv.cli import UsageError, existing_file, existing_path, positive_int

HELP = "Serve ToolUse-v0 over HTTP (one isolated env per session; --protocol openenv for OpenEnv clients)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    from toolenv.commands.serve_mcp import port_number

    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, loopback)")
    p.add_argument("--port", type=port_number, default=8000,
                   help="port (default 8000; 0: a free one; the URL is printed on stderr)")
    p.add_argument("--protocol", choices=["toolenv", "openenv"], default="toolenv",
                   help="toolenv: /reset /step /snapshot /restore /close (docs/service.md); "
                        "openenv: OpenEnv's /ws, /reset, /step, /state, /schema (the openenv extra)")
    p.add_argument("--tool-specs", nargs="*", type=existing_path, default=None,
                   help="the default sessions' spec files/folders (a session without env_kwargs gets these)")
    p.add_argument("--tasks", type=existing_file, default=None, help="the default sessions' tasks JSONL")
    p.add_argument("--env-kwargs", type=json_object, default=None,
                   help='the default sessions\' gym.make kwargs as a JSON object, e.g. \'{"num_tasks": 64}\' '
                        "(merged under --tool-specs/--tasks); --protocol openenv: every session's")
    p.add_argument("--allow-path", action="append", type=existing_path, default=[],
                   help="a file or folder clients may name in env_kwargs.tool_specs/tasks (repeatable; the "
                        "bundled specs and --tool-specs/--tasks always are)")
    p.add_argument("--max-sessions", type=positive_int, default=64, help="live sessions (then 429)")
    p.add_argument("--idle-timeout", type=positive_float, default=900.0,
                   help="seconds without a request after which a session is closed (default 900)")
    p.add_argument("--max-snapshots", type=positive_int, default=1024, help="snapshots kept per session (then 429)")
    p.add_argument("--max-num-tasks", type=positive_int, default=4096,
                   help="largest env_kwargs.num_tasks a client may ask for (task synthesis runs on the server)")
    p.add_argument("--max-body-bytes", type=positive_int, default=4 << 20, help="request body limit (then 413)")


def json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not JSON: {e}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def run(args: argparse.Namespace) -> int:
    import anyio

    # the serve extra: a missing package is one line naming it (toolenv.cli); imported before any work
    import fastapi  # noqa: F401
    import uvicorn  # noqa: F401

    from toolenv.mcp_server import log
    from toolenv.net import bind
    from toolenv.service.app import create_app, serve
    from toolenv.service.sessions import SessionStore

    env_kwargs = dict(args.env_kwargs or {})
    if args.tool_specs:
        env_kwargs["tool_specs"] = args.tool_specs if len(args.tool_specs) > 1 else args.tool_specs[0]
    if args.tasks:
        env_kwargs["tasks"] = args.tasks
    if args.protocol == "openenv":
        try:  # the openenv extra (its distribution, openenv-core, is not named like its module)
            import openenv.core  # noqa: F401
        except ModuleNotFoundError as e:
            if (e.name or "").split(".")[0] != "openenv":
                raise
            raise UsageError("--protocol openenv needs the openenv extra: pip install 'toolenv[openenv]' "
                             "(no module named 'openenv')") from None

        from toolenv.service.openenv_adapter import ToolUseEnvironment, create_openenv_app

        ToolUseEnvironment(env_kwargs).close()  # a bad --env-kwargs / spec is one line before serving
        app = create_openenv_app(env_kwargs, max_concurrent_envs=args.max_sessions,
                                 session_timeout=args.idle_timeout)
        store = None
    else:
        store = SessionStore(default_env_kwargs=env_kwargs, allowed_roots=args.allow_path,
                             max_sessions=args.max_sessions, idle_timeout=args.idle_timeout,
                             max_snapshots=args.max_snapshots, max_num_tasks=args.max_num_tasks)
        try:  # a bad default (spec error, unknown kwarg) is one line now, not a 400 per session later
            store.reset(None, None, None, None)[0]
        except Exception as e:  # noqa: BLE001
            raise UsageError(f"the default env_kwargs: {getattr(e, 'message', e)}") from None
        store.close_all()
        app = create_app(store, max_body_bytes=args.max_body_bytes)
    try:
        sock = bind(args.host, args.port)
    except OSError as e:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None

    def announce(url: str) -> None:
        log(f"toolenv serve: ToolUse-v0 ({args.protocol} protocol), at most {args.max_sessions} sessions: "
            f"serving at {url}")

    try:
        anyio.run(lambda: serve(app, sock, announce=announce))
    finally:
        if store is not None:
            store.close_all()
        sock.close()
    return 0
