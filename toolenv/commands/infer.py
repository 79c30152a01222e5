"""`toolenv infer SPEC [--out FILE]`: write the world inferred for a spec without outputs.

The loader infers a world (collections, effects, response schemas) for every spec that declares
none (`toolenv.infer`); this command writes it in the project's own toolkit format, to read and
edit. The written file declares its world, so loading it uses it as written (nothing is inferred
again): use it *instead of* the bare spec (both in one folder would name every tool twice).
"""

from __future__ import annotations

import argparse
import json
import sys

from toolenv.cli import UsageError, existing_file, output_file

HELP = "Infer collections, effects and response schemas for a spec without outputs; write them as a toolkit file."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", type=existing_file, help="a spec file without a world (bare OpenAI/MCP/BFCL tools)")
    p.add_argument("--out", type=output_file, default=None,
                   help="write the toolkit JSON here (default: print it); check it with `toolenv validate FILE`")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from toolenv.infer import summary_lines, world_document
    from toolenv.spec import load_toolkits

    toolkits, problems = load_toolkits([args.spec])
    for pr in problems:
        print(pr)
    if problems:
        print(f"{len(problems)} problem(s); nothing inferred")
        return 1
    inferred = [tk for tk in toolkits if tk.inferred is not None]
    if not inferred:
        names = ", ".join(tk.name for tk in toolkits) or "no toolkit"
        raise UsageError(f"{args.spec} declares its world ({names}: collections or effects, or \"infer_world\": "
                         "false); nothing to infer")
    if len(toolkits) != 1:  # a spec file holds one tool, one list or one toolkit: one toolkit
        raise UsageError(f"{args.spec}: expected one toolkit, got {len(toolkits)}")
    tk = inferred[0]
    text = json.dumps(world_document(tk), indent=2, ensure_ascii=False) + "\n"
    for line in summary_lines(tk):
        print(line, file=sys.stderr if args.out is None else sys.stdout)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {out} ({len(tk.collections)} collections, {sum(1 for t in tk.tools if t.effect)} stateful tools "
          f"of {len(tk.tools)}); check it with `toolenv validate {out}`")
    return 0
