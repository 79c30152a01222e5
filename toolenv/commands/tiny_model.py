"""`toolenv tiny-model`: build the offline tiny model (tokenizer + Qwen2) in Hugging Face format."""

from __future__ import annotations

import argparse

from toolenv.cli import existing_path, output_dir, positive_int, seed

HELP = "Build the offline tiny model (BPE tokenizer trained on env text + a small Qwen2) into a directory."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=output_dir, required=True, help="output directory (created)")
    parser.add_argument("--tool-specs", type=existing_path, default=None, help="tool spec file or folder for the corpus (default: bundled specs)")
    parser.add_argument("--size", choices=["small", "base"], default="small", help="small: ~0.66M params (default); base: ~3.7M")
    parser.add_argument("--seed", type=seed, default=0, help="seed for the corpus and the weights (default 0)")
    parser.add_argument("--corpus-tasks", type=positive_int, default=None, help="oracle episodes rendered for the tokenizer corpus")
    parser.add_argument("--vocab-size", type=positive_int, default=None, help="tokenizer vocabulary size (default 2048)")
    parser.add_argument("--call-format", choices=["hermes", "json", "python"], default=None, help="call format of the chat template")
    parser.add_argument("--tool-format", choices=["compact", "brief", "json"], default=None, help="tool rendering in the system prompt")
    parser.add_argument("--pretokenizer", choices=["qwen", "words"], default=None, help="BPE pre-tokenizer (default qwen)")


def run(args: argparse.Namespace) -> int:
    import json
    import os
    import time

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from agents.tiny import TinyModelConfig, build_tiny_model

    overrides = {
        k: v
        for k, v in {
            "corpus_tasks": args.corpus_tasks,
            "vocab_size": args.vocab_size,
            "call_format": args.call_format,
            "tool_format": args.tool_format,
            "pretokenizer": args.pretokenizer,
        }.items()
        if v is not None
    }
    config = TinyModelConfig.preset(args.size, **overrides)  # ValueError (e.g. vocabulary too small): exit 2
    t0 = time.perf_counter()
    out = build_tiny_model(args.out, config=config, seed=args.seed, tool_specs=args.tool_specs)
    meta = json.loads((out / "toolenv_tiny.json").read_text(encoding="utf-8"))
    print(
        f"tiny model ({args.size}, {meta['parameters']:,} parameters, vocab {meta['vocab_size']}, "
        f"corpus {meta['corpus_lines']} texts from {meta['corpus_source']}) written to {out} "
        f"in {time.perf_counter() - t0:.1f}s"
    )
    return 0
