"""Scoring a BFCL result file into the official score-file layout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from toolenv.suites.bfcl.checker import check_single
from toolenv.suites.bfcl.data import is_multi_turn, load_category, read_jsonl
from toolenv.suites.bfcl.multi_turn import check_multi_turn


def score_entries(
    category: str,
    entries: list[dict[str, Any]],
    results: Iterable[dict[str, Any]],
    model_name: str = "toolenv",
    underscore_to_dot: bool = False,
    multi_turn_strings: str = "auto",
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """Score result records (``{"id", "result"}``) against loaded entries.

    Returns (summary line, failing-entry lines, ids of entries with no result). Entries without a
    result are left out of the totals (the official tool requires complete files); ids that are
    not in the category raise ValueError.
    """
    by_id = {e["id"]: e for e in entries}
    seen: set[str] = set()
    failures: list[dict[str, Any]] = []
    correct = total = 0
    multi = is_multi_turn(category)
    for rec in results:
        rid = rec.get("id")
        if rid not in by_id:
            raise ValueError(f"result id {rid!r} is not an entry of category {category!r}")
        if rid in seen:
            raise ValueError(f"duplicate result for id {rid!r}")
        seen.add(rid)
        entry = by_id[rid]
        raw = rec.get("result")
        total += 1
        if multi:
            r = check_multi_turn(entry, raw, multi_turn_strings)
        else:
            r = check_single(entry, entry["ground_truth"], raw, category, underscore_to_dot)
        if r["valid"]:
            correct += 1
            continue
        line = {
            "id": rid,
            "model_name": model_name,
            "test_category": category,
            "valid": False,
            "error": r["error"],
            "error_type": r["error_type"],
            "model_result_raw": raw,
            "model_result_decoded": r.get("decoded"),
            "possible_answer": entry["ground_truth"],
        }
        if "details" in r:
            line["details"] = r["details"]
        failures.append(line)
    summary = {"accuracy": correct / total if total else 0.0, "correct_count": correct, "total_count": total}
    missing = [e["id"] for e in entries if e["id"] not in seen]
    return summary, failures, missing


def score_file(category: str, data_dir: str | Path, result_path: str | Path, out_path: str | Path | None = None, **kwargs: Any) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """Load a category and a result file, score, and optionally write the score file."""
    entries = load_category(data_dir, category)
    results = read_jsonl(Path(result_path))
    summary, failures, missing = score_entries(category, entries, results, **kwargs)
    if out_path is not None:
        write_score_file(out_path, summary, failures)
    return summary, failures, missing


def write_score_file(path: str | Path, summary: dict[str, Any], failures: list[dict[str, Any]]) -> None:
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(json.dumps(summary) + "\n")
        for line in failures:
            f.write(json.dumps(line, default=repr) + "\n")
    tmp.replace(path)
