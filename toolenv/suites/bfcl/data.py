"""Reading the BFCL data directory (``BFCL_v4_<category>.json`` + ``possible_answer/``)."""

from __future__ import annotations

import ast
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from toolenv.suites.bfcl.backends import DOC_FILES

SINGLE_TURN_CATEGORIES = (
    "simple_python",
    "multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
    "live_irrelevance",
    "live_relevance",
)
MULTI_TURN_CATEGORIES = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")
CATEGORIES = SINGLE_TURN_CATEGORIES + MULTI_TURN_CATEGORIES
VERSION_PREFIX = "BFCL_v4"


def is_multi_turn(category: str) -> bool:
    return category.startswith("multi_turn")


def is_long_context(entry_id: str) -> bool:
    """The official rule (by entry id): backends load their long-context scenario for ``long_context``
    (and ``composite``) entries."""
    category = str(entry_id).rsplit("_", 1)[0]
    return "long_context" in category or "composite" in category


def has_answers(category: str) -> bool:
    return "relevance" not in category  # irrelevance / live_irrelevance / live_relevance have none


def question_path(data_dir: str | Path, category: str) -> Path:
    return Path(data_dir) / f"{VERSION_PREFIX}_{category}.json"


def answer_path(data_dir: str | Path, category: str) -> Path:
    return Path(data_dir) / "possible_answer" / f"{VERSION_PREFIX}_{category}.json"


def check_category(category: str) -> None:
    if category not in CATEGORIES:
        raise ValueError(f"unknown BFCL category {category!r}; available: {', '.join(CATEGORIES)}")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """One JSON value per line (blank lines skipped); a bad line raises ValueError naming it."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    try:  # fast path: one C-level parse of the whole file
        return json.loads("[" + ",".join(line for line in lines if line.strip()) + "]")
    except ValueError:
        pass
    out = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError as e:
            raise ValueError(f"{path}:{lineno}: invalid JSON: {e}") from None
    return out


def load_category(data_dir: str | Path, category: str) -> list[dict[str, Any]]:
    """Entries of a category, each with ``ground_truth`` attached (None where none exists).

    Multi-turn entries get ``function`` (the docs offered from the first turn) and, for
    ``multi_turn_miss_func``, ``missed_function`` as ``{turn: [docs]}`` (see `multi_turn_functions`).
    Raises FileNotFoundError naming the missing file.
    """
    check_category(category)
    qp = question_path(data_dir, category)
    if not qp.is_file():
        raise FileNotFoundError(f"BFCL data for category {category!r} not found: {qp} (data dir {data_dir})")
    entries = read_jsonl(qp)
    if is_multi_turn(category):  # before the ground truth is attached: the official key order of ``prompt``
        for e in entries:
            e["function"] = multi_turn_functions(data_dir, e)
    if has_answers(category):
        ap = answer_path(data_dir, category)
        if not ap.is_file():
            raise FileNotFoundError(f"BFCL possible answers for category {category!r} not found: {ap}")
        answers = {a["id"]: a["ground_truth"] for a in read_jsonl(ap)}
        for e in entries:
            if e["id"] not in answers:
                raise ValueError(f"{ap}: no possible answer for entry {e['id']!r}")
            e["ground_truth"] = answers[e["id"]]
    else:
        for e in entries:
            e["ground_truth"] = None
    return entries


@lru_cache(maxsize=16)
def _class_docs(data_dir: str, class_name: str) -> tuple[dict[str, Any], ...]:
    path = Path(data_dir) / "multi_turn_func_doc" / DOC_FILES[class_name]
    if not path.is_file():
        raise FileNotFoundError(f"BFCL multi-turn function docs not found: {path}")
    return tuple(read_jsonl(path))


def multi_turn_functions(data_dir: str | Path, entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The function docs offered from the first turn of a multi-turn entry, as the official loader
    builds them: the docs of ``involved_classes`` in that order, less the held-out functions.

    ``missed_function`` (``{"turn": [names]}``, miss_func) is rewritten in place to ``{"turn": [docs]}``:
    for each name, the first doc of that name is moved there. ``excluded_function`` is left alone:
    the official evaluator (bfcl-eval 2026.3.23) does not read it, so those functions are offered.
    """
    docs: list[dict[str, Any]] = []
    for cls in entry.get("involved_classes", []):
        docs.extend(json.loads(json.dumps(d)) for d in _class_docs(str(data_dir), cls))
    missed = entry.get("missed_function")
    if isinstance(missed, dict):
        for turn, names in list(missed.items()):
            moved = []
            for name in names:
                if isinstance(name, dict):  # already rewritten (an entry loaded twice)
                    moved.append(name)
                    continue
                i = next((i for i, d in enumerate(docs) if d["name"] == name), None)
                if i is not None:
                    moved.append(docs.pop(i))
            missed[turn] = moved
    return docs


def all_functions(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Every doc of a multi-turn entry: the offered ones and the held-out ones."""
    out = list(entry.get("function", []))
    for docs in (entry.get("missed_function") or {}).values():
        out.extend(d for d in docs if isinstance(d, dict))
    return out


# --------------------------------------------------------------------------- call strings
def call_to_keywords(call: str, functions: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """Parse a ground-truth call string (literal arguments, positional allowed) into (name, kwargs).

    Positional arguments are bound to the doc's parameters in order. Raises ValueError.
    """
    node = ast.parse(call.strip(), mode="eval").body
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise ValueError(f"not a simple call: {call!r}")
    name = node.func.id
    doc = next((f for f in functions if f["name"] == name), None)
    params = list(doc["parameters"].get("properties", {})) if doc else []
    kwargs: dict[str, Any] = {}
    for i, a in enumerate(node.args):
        if i >= len(params):
            raise ValueError(f"too many positional arguments in {call!r}")
        kwargs[params[i]] = ast.literal_eval(a)
    for kw in node.keywords:
        if kw.arg is None:
            raise ValueError(f"**kwargs in {call!r}")
        kwargs[kw.arg] = ast.literal_eval(kw.value)
    return name, kwargs
