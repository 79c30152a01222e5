"""MCTS: reproducible for a seed; every leaf value is the env's score of the same text; pairs valid."""

from __future__ import annotations

import pytest

from toolenv.tasks import load_tasks
from training.config import MCTSConfig, PairsConfig
from training.data import make_env
from training.mcts import MCTS, split_step
from training.model import load_model, load_tokenizer
from training.pairs import pairs_from_tree, validate_pair
from training.policy import Policy
from training.rollout import episode_seed, expert_cursor, replay, start


@pytest.fixture(scope="module")
def setup(smoke_run):
    path = smoke_run / "sft"
    model = load_model(path)
    model.eval()
    policy = Policy(model, load_tokenizer(path))
    tasks_path = smoke_run / "data" / "train.jsonl"
    return policy, tasks_path, load_tasks(tasks_path)


def _search(policy, tasks_path, tasks, ti, seed=0):
    env = make_env(tasks_path)
    cfg = MCTSConfig(iterations=3, num_children=3, max_new_tokens=10, max_depth=3, max_turns=3,
                     rollout_max_new_tokens=24, temperature=1.5, seed=seed)
    s = episode_seed(tasks[ti])
    norm = expert_cursor(env, ti, s).ret
    res = MCTS(policy, env, cfg).search(start(env, ti, s), norm, task_key=str(ti))
    return env, res, s


def _tree(res):
    return [(n.id, n.parent.id if n.parent else None, n.fragment, n.N, round(n.W, 9), n.value) for n in res.nodes]


def test_split_step():
    assert split_step('a, b, c', [", "], 2) == 6
    assert split_step('f(x=1', ["(", "="], 2) == 4
    assert split_step('abc', [", "], 1) is None


def test_reproducible_for_a_seed(setup):
    policy, tasks_path, tasks = setup
    _, a, _ = _search(policy, tasks_path, tasks, 0, seed=7)
    _, b, _ = _search(policy, tasks_path, tasks, 0, seed=7)
    assert _tree(a) == _tree(b)
    assert len(a.nodes) > 1


def test_leaf_values_are_env_scores(setup):
    policy, tasks_path, tasks = setup
    for ti in (0, 3):
        env, res, s = _search(policy, tasks_path, tasks, ti)
        leaves = [n for n in res.nodes if n.leaf is not None]
        assert leaves
        fresh = make_env(tasks_path)
        for n in leaves:
            rep = replay(fresh, ti, s, n.leaf.actions)
            assert rep.ret == pytest.approx(n.leaf.ret, abs=1e-12)
            assert n.value == pytest.approx(rep.ret / res.norm, abs=1e-12)
            assert rep.success == n.leaf.success
            # the path's text is a prefix of the completed turn
            k = len(n.ctx.actions)
            assert n.leaf.actions[k].startswith(n.turn_prefix)


def test_pairs_are_valid(setup):
    policy, tasks_path, tasks = setup
    total = 0
    for ti in range(min(4, len(tasks))):
        env, res, _ = _search(policy, tasks_path, tasks, ti)
        rows = pairs_from_tree(res, env, tasks[ti], PairsConfig(min_value_gap=0.0, max_pairs_per_task=10))
        for r in rows:
            assert validate_pair(r) == [], r
            assert r["chosen"][0]["content"] != r["rejected"][0]["content"]
            assert r["chosen_value"] > r["rejected_value"]
        total += len(rows)
    assert total > 0


def test_fragment_pairs_end_with_the_diverging_step(setup):
    policy, tasks_path, tasks = setup
    markers, fragments = MCTSConfig().split_markers, MCTSConfig().fragments_per_step
    total = partial = 0
    for ti in range(min(4, len(tasks))):
        env, res, _ = _search(policy, tasks_path, tasks, ti)
        cfg = PairsConfig(min_value_gap=0.0, max_pairs_per_task=10, cut="fragment")
        turns = {(r["turn"], r["prefix"]): r for r in pairs_from_tree(res, env, tasks[ti], PairsConfig(
            min_value_gap=0.0, max_pairs_per_task=10))}
        for r in pairs_from_tree(res, env, tasks[ti], cfg, markers=markers, fragments=fragments):
            assert validate_pair(r) == [], r
            for side in ("chosen", "rejected"):
                rest = r[side][0]["content"][len(r["prefix"]):]
                if r[f"{side}_ends_turn"]:
                    continue
                partial += 1
                # a partial side is at most one step: it ends at its `fragments`-th marker, or
                # where the expansion's token budget ran out before any
                assert rest and split_step(rest, markers, fragments) in (None, len(rest)), (side, rest)
            whole = turns.get((r["turn"], r["prefix"]))
            if whole is not None:  # the fragment is a prefix of the same pair's complete turn
                assert whole["chosen"][0]["content"].startswith(r["chosen"][0]["content"])
                assert whole["rejected"][0]["content"].startswith(r["rejected"][0]["content"])
            total += 1
    assert total > 0 and partial > 0
