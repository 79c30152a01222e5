"""`toolenv view`: a static browser site of a training run, an evaluation report or a trajectories
JSONL (docs/viewer.md); ``--serve`` serves it on 127.0.0.1."""

from __future__ import annotations

import argparse

from toolenv.cli import existing_path, nonnegative_int, output_dir, positive_int

HELP = "Write a browser view (a static site) of a run directory, an evaluation report or a trajectories JSONL."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", type=existing_path,
                   help="a training run directory, an evaluation report (JSON) or a trajectories JSONL")
    p.add_argument("--out", type=output_dir, default=None,
                   help="site folder (default: PATH/view for a folder, <stem>-view beside a file)")
    p.add_argument("--max-episodes", type=positive_int, default=400,
                   help="episodes shown per stage (round-robin over categories; default 400)")
    p.add_argument("--max-pairs", type=positive_int, default=400, help="pairs shown per round (default 400)")
    p.add_argument("--serve", action="store_true", help="then serve the site on 127.0.0.1 until interrupted")
    p.add_argument("--port", type=nonnegative_int, default=8000,
                   help="port for --serve (0: any free port; default 8000)")


def run(args: argparse.Namespace) -> int:
    from toolenv.view.build import build_view

    index = build_view(args.path, args.out, max_episodes=args.max_episodes, max_pairs=args.max_pairs)
    print(f"view written to {index}")
    if args.serve:
        serve(index.parent, args.port)
    return 0


def serve(folder, port: int) -> None:
    """Serve ``folder`` on 127.0.0.1:``port`` until Ctrl-C (the site also works without a server)."""
    import functools
    import http.server

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        print(f"serving {folder} at http://127.0.0.1:{httpd.server_address[1]}/index.html (Ctrl-C stops)", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
