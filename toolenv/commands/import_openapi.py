"""`toolenv import-openapi FILE [--out SPEC.json]`: an OpenAPI 3.0/3.1 or Swagger 2.0 document
(JSON or YAML) as a tool spec file.

Prints what became of the document: operations found, turned into tools (with each collection and
the effects on it), skipped with the reason; ``--verbose`` adds every loosened constraint. With
``--out`` the toolkit is written in the spec format (docs/spec_format.md) and read back with the
loader (`toolenv validate`'s checks). ``gym.make("ToolUse-v0", tool_specs=[FILE])`` loads the
document directly; writing it out lets one edit the world (collections, effects) by hand.

Exit codes: 0 written (or, without ``--out``, convertible); 1 nothing convertible, or the written
file does not load; 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from toolenv.cli import UsageError, existing_file, output_file

HELP = "Convert an OpenAPI 3.x / Swagger 2.0 document (JSON or YAML) into a tool spec file."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=existing_file, help="the OpenAPI / Swagger document (.json, .yaml or .yml)")
    p.add_argument("--out", type=output_file, default=None,
                   help="write the toolkit here (e.g. toolenv/tool_specs/NAME.json); default: only the summary")
    p.add_argument("--name", default=None,
                   help="toolkit (domain) name; default: the stem of --out, else of FILE")
    p.add_argument("--prefix", default="",
                   help="prefix every tool name (to load documents whose operationIds clash together)")
    p.add_argument("--verbose", "-v", action="store_true", help="also list loosened constraints per operation")


def run(args: argparse.Namespace) -> int:
    from toolenv.openapi import import_file
    from toolenv.spec import NAME_RE, load_toolkits

    name = args.name or Path(args.out or args.file).stem
    if args.prefix and not NAME_RE.match(args.prefix + "x"):
        raise UsageError(f"--prefix {args.prefix!r} cannot start a tool name (a letter or _, then letters, digits, _ . -)")
    res = import_file(args.file, name=name, prefix=args.prefix)
    for line in res.summary_lines(verbose=args.verbose):
        print(line)
    if res.problems or res.document is None:
        print("nothing written: the document does not load")
        return 1
    if not args.out:
        return 0
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(res.document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    toolkits, problems = load_toolkits([out])
    for pr in problems:
        print(pr)
    if problems:
        print(f"wrote {out}, but it does not load: {len(problems)} problem(s)")
        return 1
    n = sum(len(tk.tools) for tk in toolkits)
    stateful = sum(1 for tk in toolkits for t in tk.tools if t.effect is not None)
    print(f"wrote {out}: {n} tools ({stateful} stateful), {sum(len(tk.collections) for tk in toolkits)} "
          f"collection(s); it loads (toolenv validate {out})")
    return 0
