"""Tokens are the budget: tokens per SFT row and per search prompt, by task category, for the ways
a row can be written — every tool of the domains offered vs the task's own tools (the relevant
ones plus 0-3 distractors, what `toolenv.synth` offers), full JSON schemas vs compact vs brief tool
lines, full vs clipped final answers.

    python benchmarks/token_budget.py [--model models/smollm2-135m] [--tasks 400] [--seed 0]

Tokenizer only (no model forward), a few seconds. Prints a table and a JSON line; record results
in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SPECS = ["toolenv/tool_specs/weather.json", "toolenv/tool_specs/movies.json"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="models/smollm2-135m", help="a checkpoint whose tokenizer counts the tokens")
    ap.add_argument("--tasks", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    root = Path(__file__).resolve().parents[1]
    from agents.tiny import build_chat_template
    from toolenv.observation import decode_observation
    from toolenv.spec import load_registry
    from toolenv.tasks import save_tasks
    from training.config import DataConfig
    from training.data import make_env, oracle_rows, synthesize_tasks
    from training.model import load_tokenizer
    from training.rollout import episode_seed, start

    specs = [str(root / s) for s in SPECS]
    train, _ = synthesize_tasks(DataConfig(tool_specs=specs, num_train=args.tasks, num_test=8), args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="token_budget_"))
    save_tasks(train, tmp / "train.jsonl")
    env = make_env(tmp / "train.jsonl", specs, seed=args.seed)
    all_tools = [t.openai() for t in load_registry(specs).tools.values()]
    full_rows = oracle_rows(env, train, args.seed, answer_words=0)
    short_rows = oracle_rows(env, train, args.seed, answer_words=8)
    prompts = [decode_observation(start(env, i, episode_seed(t, args.seed)).obs) for i, t in enumerate(train)]
    env.close()
    tok = load_tokenizer(args.model)

    def count(rows, tool_format, every_tool):
        tok.chat_template = build_chat_template(tool_format, "hermes")
        by: dict[str, list[int]] = defaultdict(list)
        for r in rows:
            tools = all_tools if every_tool else json.loads(r["tools"])
            by[r["category"]].append(len(tok.apply_chat_template(r["messages"], tools=tools, tokenize=True)["input_ids"]))
        return by

    def count_prompts(tool_format, every_tool):
        tok.chat_template = build_chat_template(tool_format, "hermes")
        by: dict[str, list[int]] = defaultdict(list)
        for t, (messages, tools) in zip(train, prompts):
            text = tok.apply_chat_template(messages, tools=all_tools if every_tool else tools, tokenize=False,
                                           add_generation_prompt=True)
            by[t.category].append(len(tok(text, add_special_tokens=False)["input_ids"]))
        return by

    variants = {
        "every domain tool, JSON schemas, full answers": (full_rows, "json", True),
        "every domain tool, compact lines, full answers": (full_rows, "compact", True),
        "task's tools, compact lines, full answers": (full_rows, "compact", False),
        "task's tools, brief lines, full answers": (full_rows, "brief", False),
        "task's tools, brief lines, 8-word answers (demo)": (short_rows, "brief", False),
    }
    cats = sorted({t.category for t in train})
    result = {}
    print(f"{len(train)} training tasks of {', '.join(SPECS)}; tokenizer of {args.model}")
    print(f"{'SFT row tokens (mean)':50s}" + "".join(f"{c[:10]:>11s}" for c in cats) + f"{'all':>8s}{'median':>8s}")
    for name, (rows, fmt, every) in variants.items():
        by = count(rows, fmt, every)
        allv = [x for v in by.values() for x in v]
        result[name] = {"mean": statistics.mean(allv), "median": statistics.median(allv),
                        "by_category": {c: statistics.mean(by[c]) for c in cats}}
        print(f"{name:50s}" + "".join(f"{statistics.mean(by[c]):11.0f}" for c in cats)
              + f"{statistics.mean(allv):8.0f}{statistics.median(allv):8.0f}")
    print(f"\n{'search prompt tokens (first turn, mean)':50s}" + "".join(f"{c[:10]:>11s}" for c in cats) + f"{'all':>8s}")
    prompt_res = {}
    for name, fmt, every in (("every domain tool, compact lines", "compact", True),
                             ("task's tools, brief lines (demo)", "brief", False)):
        by = count_prompts(fmt, every)
        allv = [x for v in by.values() for x in v]
        prompt_res[name] = statistics.mean(allv)
        print(f"{name:50s}" + "".join(f"{statistics.mean(by[c]):11.0f}" for c in cats) + f"{statistics.mean(allv):8.0f}")
    print(json.dumps({"tasks": len(train), "sft_rows": result, "search_prompts": prompt_res}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
