"""Scoring a BFCL result file into the official score-file layout.

First line ``{"accuracy", "correct_count", "total_count"}``, then one line per failing entry.
Single-turn lines: ``id, model_name, test_category, valid, error, error_type, model_result_raw,
model_result_decoded, possible_answer``. Multi-turn lines, as the official ``multi_turn_runner``
writes them: ``id, model_name, test_category, valid, error`` (the checker's error object:
``error_message, error_type, details`` and, for a state mismatch, ``execution_result``),
``prompt`` (the entry without its function docs), ``model_result_raw, model_result_decoded`` (or
``model_result`` for ``inference_error`` / ``force_terminated``), ``possible_answer``,
``inference_log`` (the result record's, else ``""``); values the JSON encoder refuses are written
as ``str(value)`` and non-ASCII text as is, like the official writer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from toolenv.suites.bfcl.checker import check_single
from toolenv.suites.bfcl.data import is_multi_turn, load_category, read_jsonl
from toolenv.suites.bfcl.backends.base import official_shared_state
from toolenv.suites.bfcl.multi_turn import check_multi_turn, json_safe


def score_entries(
    category: str,
    entries: list[dict[str, Any]],
    results: Iterable[dict[str, Any]],
    model_name: str = "toolenv",
    underscore_to_dot: bool = False,
    multi_turn_strings: str = "official",
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
            with official_shared_state():  # as the official runner: one process, shared constants
                r = check_multi_turn(entry, raw, multi_turn_strings)
            if r["valid"]:
                correct += 1
            else:
                failures.append(multi_turn_line(entry, rec, r, category, model_name))
            continue
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
        failures.append(line)
    summary = {"accuracy": correct / total if total else 0.0, "correct_count": correct, "total_count": total}
    missing = [e["id"] for e in entries if e["id"] not in seen]
    return summary, failures, missing


def official_prompt(entry: dict[str, Any]) -> dict[str, Any]:
    """The ``prompt`` of a multi-turn score line: the entry as the official loader gives it (held-out
    functions as docs), without its ``function`` docs (and without the attached ground truth)."""
    return {k: v for k, v in entry.items() if k not in ("function", "ground_truth")}


def multi_turn_line(entry: dict[str, Any], rec: dict[str, Any], r: dict[str, Any], category: str, model_name: str) -> dict[str, Any]:
    """A failing multi-turn entry's score line, fields in the official order."""
    line: dict[str, Any] = {
        "id": rec.get("id"),
        "model_name": model_name,
        "test_category": category,
        "valid": False,
        "error": r["error"],
        "prompt": official_prompt(entry),
    }
    if r.get("decoded") is None:  # inference_error / force_terminated: the raw result as "model_result"
        line["model_result"] = rec.get("result")
    else:
        line["model_result_raw"] = rec.get("result")
        line["model_result_decoded"] = r["decoded"]
    line["possible_answer"] = entry["ground_truth"]
    line["inference_log"] = rec.get("inference_log", "")
    return line


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
            if is_multi_turn(str(line.get("test_category", ""))):
                f.write(json.dumps(json_safe(line), ensure_ascii=False) + "\n")
            else:
                f.write(json.dumps(line, default=repr) + "\n")
    tmp.replace(path)
