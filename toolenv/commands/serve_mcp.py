"""`toolenv serve-mcp`: the seeded, stateful simulation of the tool specs as an MCP server (stdio or
Streamable HTTP), one world per MCP session, every call logged with its deficiency codes.
Needs the ``mcp`` extra (``pip install 'toolenv[mcp]'``); see docs/mcp.md."""

from __future__ import annotations

import argparse

from toolenv.cli import UsageError, check_categories, existing_file, existing_path, nonnegative_int, output_file, \
    positive_int, seed

HELP = "Serve the simulated tools as an MCP server (stdio or HTTP), one seeded stateful world per session."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tool-specs", nargs="*", type=existing_path, default=None,
                   help="spec files/folders (default: the specs a --tasks file records, else bundled tool_specs/)")
    p.add_argument("--seed", type=seed, default=0,
                   help="seeds the simulated world, the episodes and the task synthesis (default 0)")
    p.add_argument("--task-index", type=nonnegative_int, default=None,
                   help="play this task: its tools are offered and every call is judged against its ground truth "
                        "(tasks: --tasks, else --num-tasks synthesized with --seed, as `toolenv eval` does); "
                        "default: task 0 with --tasks, else a sandbox offering every tool")
    p.add_argument("--tasks", type=existing_file, default=None, help="tasks JSONL (from `toolenv synth`)")
    p.add_argument("--num-tasks", type=positive_int, default=None,
                   help="tasks to synthesize for --task-index (default 256, as `toolenv eval`)")
    p.add_argument("--categories", default=None, help="comma-separated categories of the synthesized tasks")
    p.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    p.add_argument("--host", default=None, help="HTTP: address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=port_number, default=None,
                   help="HTTP: port (default 8000; 0: a free one; the URL is printed on stderr)")
    p.add_argument("--log", type=output_file, default=None,
                   help="append one JSON line per call here (session, call, arguments, response, deficiencies)")
    p.add_argument("--max-calls", type=positive_int, default=1000, help="calls per session")


def port_number(text: str) -> int:
    value = nonnegative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be a TCP port, 0..65535, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    import anyio

    # the mcp extra: a missing package is one line naming it (toolenv.cli); imported before any work
    import mcp.server.lowlevel  # noqa: F401

    from toolenv.mcp_server import WorldSessions, build_server, log, serve_http, serve_stdio, specs_label
    from toolenv.net import bind

    cats = check_categories(args.categories)
    if args.transport == "stdio" and (args.host is not None or args.port is not None):
        raise UsageError("--host and --port are for --transport http")
    host = "127.0.0.1" if args.host is None else args.host
    port = 8000 if args.port is None else args.port
    if args.tasks and (args.num_tasks is not None or cats):
        raise UsageError("--num-tasks and --categories choose synthesized tasks; drop them with --tasks")
    kw: dict = {}
    if args.tool_specs:
        kw["tool_specs"] = args.tool_specs if len(args.tool_specs) > 1 else args.tool_specs[0]
    task_index = args.task_index
    if args.tasks:
        from toolenv.tasks import read_tool_source, task_registry

        source = read_tool_source(args.tasks)
        if source is not None:  # the file's tools, or --tool-specs checked against them (one line naming both)
            try:
                task_registry(source, args.tool_specs or None, task_file=args.tasks, option="--tool-specs")
            except ValueError as e:
                raise UsageError(str(e)) from None
        kw["tasks"] = args.tasks
        task_index = 0 if task_index is None else task_index
    elif task_index is not None:
        kw.update(num_tasks=args.num_tasks or 256, categories=cats)
    elif cats or args.num_tasks is not None:
        raise UsageError("--num-tasks and --categories choose the task of --task-index; no --task-index given")
    sock = None
    if args.transport == "http":
        try:
            sock = bind(host, port)
        except OSError as e:
            raise UsageError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    world = WorldSessions(kw, task_index=task_index, seed=args.seed, log=args.log, max_calls=args.max_calls)
    try:
        server = build_server(world, transport=args.transport, specs=specs_label(args.tool_specs, args.tasks))
        what = f"task {world.task.id} ({world.task.category})" if world.task is not None else "sandbox"
        if args.transport == "stdio":
            log(f"toolenv serve-mcp: {len(world.tools)} tools, {what}, seed {args.seed}: serving MCP on stdio")
            anyio.run(serve_stdio, server)
        else:
            def announce(url: str) -> None:
                log(f"toolenv serve-mcp: {len(world.tools)} tools, {what}, seed {args.seed}: serving MCP at {url}")

            anyio.run(lambda: serve_http(server, sock, host, announce=announce))
    finally:
        world.close()
        if sock is not None:
            sock.close()
    return 0
