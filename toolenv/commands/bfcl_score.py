"""`toolenv bfcl-score`: score a BFCL result file like the official checker."""

from __future__ import annotations

import argparse
import sys

from toolenv.cli import UsageError, existing_dir, existing_file, output_file

HELP = "Score a BFCL result file (official AST / multi-turn rules) into an official-layout score file."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--category", required=True, help="BFCL category, e.g. simple_python, parallel, multi_turn_base, multi_turn_miss_func")
    parser.add_argument("--data-dir", type=existing_dir, default=None, help="BFCL data directory (default: $TOOLENV_BFCL_DATA, else ../shared/bfcl next to the checkout)")
    parser.add_argument("--result", type=existing_file, required=True, help="result file: one JSON object per line with 'id' and 'result'")
    parser.add_argument("--out", type=output_file, required=True, help="score file to write (first line: accuracy, correct_count, total_count)")
    parser.add_argument("--model-name", default="toolenv", help="model name recorded in failing-entry lines")
    parser.add_argument("--underscore-to-dot", action="store_true", help="expect dotted function names with '.' replaced by '_' (OpenAI-style FC models)")
    parser.add_argument(
        "--multi-turn-strings",
        choices=("official", "auto", "raw", "calls"),
        default="official",
        help="how multi-turn results are read. official (default): exactly as the official runner (a turn given "
             "as one string is read character by character and yields no call; string steps are raw prompt "
             "output; a step that is a list of call strings does not decode). auto: a one-string turn is one "
             "step, a list of call strings is a decoded step, and a lone call string with positional "
             "arguments is executed as it is; raw: as auto but string steps are always decoded; calls: as "
             "auto but string steps are taken as decoded call strings",
    )
    parser.add_argument("--strict", action="store_true", help="fail (exit 1) when the result file misses entries of the category")


def run(args: argparse.Namespace) -> int:
    from toolenv.suites import resolve_data_dir
    from toolenv.suites.bfcl.data import CATEGORIES
    from toolenv.suites.bfcl.score import score_file

    if args.category not in CATEGORIES:
        raise UsageError(f"--category: unknown BFCL category {args.category!r}; available: {', '.join(CATEGORIES)}")
    try:
        data_dir = resolve_data_dir(args.data_dir, required=True, option="--data-dir")
    except FileNotFoundError as e:
        raise UsageError(str(e)) from None
    # a missing data file or a bad result line raises FileNotFoundError/ValueError: one line, exit 2 (toolenv.cli)
    summary, failures, missing = score_file(
        args.category,
        data_dir,
        args.result,
        args.out,
        model_name=args.model_name,
        underscore_to_dot=args.underscore_to_dot,
        multi_turn_strings=args.multi_turn_strings,
    )
    print(f"{args.category}: accuracy {summary['accuracy']:.4f} ({summary['correct_count']}/{summary['total_count']}) -> {args.out}")
    if missing:
        print(f"warning: {len(missing)} entries of {args.category} have no result (first: {missing[0]})", file=sys.stderr)
        if args.strict:
            return 1
    return 0
