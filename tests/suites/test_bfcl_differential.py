"""The multi-turn backends behave exactly like the official ones (``bfcl-eval``): the same result
text and the same public state after every one of >= 10,000 seeded calls over all 8 backends,
from every initial config of the four multi-turn categories (`bfcl_differential`)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bfcl_differential as diff  # noqa: E402

WHY = diff.official_available()
DATA = diff._data_dir()
pytestmark = [
    pytest.mark.skipif(WHY is not None, reason=WHY or ""),
    pytest.mark.skipif(DATA is None, reason="no BFCL data folder (../shared/bfcl or TOOLENV_BFCL_DATA)"),
]

BACKENDS = sorted(diff.OFFICIAL_MODULE)


def _report(diffs: list[diff.Difference], k: int = 8) -> str:
    return "\n".join(d.short() for d in diffs[:k]) + (f"\n... {len(diffs) - k} more" if len(diffs) > k else "")


@pytest.mark.parametrize("backend", BACKENDS)
def test_backend_matches_the_official_one(backend):
    made, diffs, per_cls = diff.run(DATA, [backend], calls=1300, seed=11)
    assert not diffs, f"{len(diffs)} sequences of {backend} differ from the official backend:\n{_report(diffs)}"
    assert per_cls[backend] >= 1300


def test_ten_thousand_calls_over_all_backends_and_categories():
    made, diffs, per_cls = diff.run(DATA, None, calls=10_400, seed=0)
    assert not diffs, f"{len(diffs)} sequences differ:\n{_report(diffs)}"
    assert sum(per_cls.values()) >= 10_000 and set(per_cls) == set(BACKENDS)
    cats = {s.source.split("/")[0] for s in diff.scenarios(DATA)}
    assert cats == set(diff.CATEGORIES)  # initial configs of all four categories are in the draw


def test_the_harness_sees_a_difference():
    """A backend changed on purpose is caught (the comparison can fail)."""
    from toolenv.suites.bfcl.backends import CLASSES

    cls = CLASSES["TicketAPI"]
    orig = cls.get_ticket
    cls.get_ticket = lambda self, ticket_id: {"error": "changed"}
    try:
        _, diffs, _ = diff.run(DATA, ["TicketAPI"], calls=600, seed=3)
    finally:
        cls.get_ticket = orig
    assert any(d.function == "get_ticket" and d.kind == "output" for d in diffs)


def test_installed_official_package_is_the_pinned_one():
    from importlib.metadata import version

    assert importlib.util.find_spec("bfcl_eval") is not None
    assert version("bfcl-eval") == "2026.3.23"
