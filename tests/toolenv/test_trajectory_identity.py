"""Byte-identical trajectories and tasks for fixed seeds, against a fixture made before the speed work.

`tests/data/trajectory_digests.json` was written by `tests/data/make_trajectory_digests.py` from
the code before the step path and synthesis were optimised (issue 18): ~400 seeded episodes over
the bundled specs in every synthesis category (oracle, restyled and hostile actions, snapshots and
restores, fault-injection and schema-perturbation wrappers), synthesized tasks per category, and,
when the BFCL data is found, BFCL single- and multi-turn episodes. Any change to an observation
string, a reward, a flag, an info (key order included), an expert action or a task fails here.
A deliberate behaviour change regenerates the fixture (and says so in its commit).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "data" / "trajectory_digests.json"


def _generator():
    spec = importlib.util.spec_from_file_location("make_trajectory_digests", REPO / "tests" / "data" / "make_trajectory_digests.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


EXPECTED = json.loads(FIXTURE.read_text())


def _diff(expected: list[str], got: list[str]) -> list[int]:
    return [i for i, (a, b) in enumerate(zip(expected, got)) if a != b] + \
        ([-1] if len(expected) != len(got) else [])


def test_fixture_covers_a_few_hundred_episodes():
    assert sum(len(v) for v in EXPECTED["sim"].values()) >= 300
    from toolenv.tasks import CATEGORIES

    assert set(CATEGORIES) <= set(EXPECTED["sim"]) and set(CATEGORIES) <= set(EXPECTED["tasks"])


def test_simulated_trajectories_are_byte_identical():
    got = _generator().sim_digests()
    bad = {k: _diff(v, got[k]) for k, v in EXPECTED["sim"].items() if _diff(v, got.get(k, []))}
    assert not bad, f"episodes whose trajectory changed (category: episode indices): {bad}"


def test_synthesized_tasks_are_identical():
    got = _generator().task_digests()
    bad = [k for k, v in EXPECTED["tasks"].items() if got.get(k) != v]
    assert not bad, f"synthesized tasks changed in: {bad}"


def test_bfcl_trajectories_are_byte_identical():
    from toolenv.suites import default_data_dir

    data_dir = default_data_dir()
    if data_dir is None or "bfcl" not in EXPECTED:
        pytest.skip("no BFCL data folder (TOOLENV_BFCL_DATA or ../shared/bfcl)")
    got = _generator().bfcl_digests(data_dir)
    bad = {k: _diff(v, got[k]) for k, v in EXPECTED["bfcl"].items() if _diff(v, got.get(k, []))}
    assert not bad, f"BFCL episodes whose trajectory changed: {bad}"


def test_simulated_trajectories_are_byte_identical_with_warm_caches():
    """The same episodes again in this process: every memoised response (validation, initial
    records, stateless / search / record responses) is now a cache hit, and nothing may change."""
    gen = _generator()
    gen.sim_digests()
    got = gen.sim_digests()
    bad = {k: _diff(v, got[k]) for k, v in EXPECTED["sim"].items() if _diff(v, got.get(k, []))}
    assert not bad, f"episodes whose trajectory changed on a second pass (category: episode indices): {bad}"
