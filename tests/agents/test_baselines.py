"""Oracle and random agents on synthesized tasks from the bundled specs, through `evaluate`."""

from __future__ import annotations

from agents import OracleAgent, RandomAgent, make_agent
from toolenv.evaluation import evaluate, format_report, pass_hat_k

ENV = {"num_tasks": 160, "synth_seed": 3}


def test_oracle_solves_every_synthesized_task_and_random_does_not():
    oracle = evaluate(OracleAgent(), ENV, seed=0)
    assert oracle["episodes"] == 160 and oracle["success_rate"] == 1.0
    assert oracle["deficiencies"] == {}
    assert set(oracle["by_category"]) >= {"simple", "multi_step"}
    rand = evaluate(RandomAgent(seed=0), ENV, seed=0)
    assert rand["success_rate"] < 0.2 and rand["deficiencies"]
    assert "ALL" in format_report(rand)


def test_batched_rollout_matches_sequential():
    a = evaluate(OracleAgent(), ENV, episodes=24, seed=5)
    b = evaluate(OracleAgent(), ENV, episodes=24, seed=5, batch_size=6)
    assert a["by_category"] == b["by_category"] and a["mean_reward"] == b["mean_reward"]


def test_pass_hat_k():
    assert pass_hat_k([[True, True], [True, False]], 1) == 0.75
    assert pass_hat_k([[True, True], [True, False]], 2) == 0.5
    rep = evaluate(RandomAgent(seed=1), ENV, episodes=10, trials=3, seed=0)
    assert rep["episodes"] == 30 and set(rep["pass_hat_k"]) == {"1", "2", "3"}
    assert rep["pass_hat_k"]["3"] <= rep["pass_hat_k"]["1"]


def test_make_agent_specs():
    assert make_agent("oracle").name == "oracle" and make_agent("random").name == "random"
    import pytest

    with pytest.raises(ValueError):
        make_agent("openai:model-without-url")
    with pytest.raises(ValueError):
        make_agent("gpt")


def test_max_tasks_plays_the_first_tasks_once():
    capped = evaluate(OracleAgent(), ENV, seed=0, max_tasks=12, return_episodes=True)
    assert capped["episodes"] == 12
    assert [e["task_index"] for e in capped["episode_records"]] == list(range(12))
    assert evaluate(OracleAgent(), ENV, seed=0, max_tasks=10_000)["episodes"] == 160  # never repeats a task
