"""The SFT rows, the search's normaliser (`expert_cursor`) and the preference pairs' storage go
through `toolenv.export`'s one oracle replay (`play_oracle`) and one message serializer."""

from __future__ import annotations

import json

import pytest

from toolenv.export import episode_seed, play_oracle
from toolenv.spec import load_registry
from toolenv.synth import synthesize
from toolenv.tasks import save_tasks
from training.data import make_env, oracle_rows
from training.rollout import EXPERT_MAX_TURNS, expert_cursor


@pytest.fixture(scope="module")
def tasks_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("oracle") / "tasks.jsonl"
    save_tasks(synthesize(load_registry(), 12, seed=33), path)
    return path


@pytest.fixture(scope="module")
def tasks(tasks_path):
    from toolenv.tasks import load_tasks

    return load_tasks(tasks_path)


@pytest.mark.parametrize("seed", [0, 4])
def test_sft_rows_hold_the_play_oracle_trajectory(tasks_path, tasks, seed):
    env = make_env(tasks_path)
    rows = oracle_rows(env, tasks, seed)
    assert len(rows) == len(tasks)
    for i, (task, row) in enumerate(zip(tasks, rows)):
        tr = play_oracle(env, i, episode_seed(task, seed), max_turns=EXPERT_MAX_TURNS)
        assert tr.task.id == task.id == row["task_id"]
        assert row["messages"] == tr.messages and json.loads(row["tools"]) == tr.tools
        assert (row["oracle_return"], row["oracle_success"]) == (tr.ret, tr.success)
        cur = expert_cursor(env, i, episode_seed(task, seed))
        assert (cur.obs, cur.actions, cur.rewards, cur.deficiencies, cur.done, cur.success) == \
            (tr.obs, tr.actions, tr.rewards, tr.deficiencies, tr.done, tr.success)
        assert cur.ret == row["oracle_return"]
        env.unwrapped.restore(cur.snap)  # the cursor's snapshot is the episode's end
        assert env.unwrapped.expert_action() is None


def test_clipped_rows_differ_only_in_text_answers(tasks_path, tasks):
    env = make_env(tasks_path)
    full, short = oracle_rows(env, tasks, 1), oracle_rows(env, tasks, 1, answer_words=3)
    clipped = 0
    for a, b in zip(full, short):
        assert len(a["messages"]) == len(b["messages"])
        for ma, mb in zip(a["messages"], b["messages"]):
            if ma != mb:
                assert ma["role"] == "assistant" and not ma.get("tool_calls") and len(mb["content"].split()) <= 3
                clipped += 1
    assert clipped


def test_pairs_save_load_round_trip(tasks_path, tasks, tmp_path):
    from datasets import load_from_disk

    from toolenv.export import FIXED_MESSAGE_KEYS
    from training.pairs import load_pairs, save_pairs

    env = make_env(tasks_path)
    msgs = next(tr.messages for tr in (play_oracle(env, i, episode_seed(t)) for i, t in enumerate(tasks))
                if sum(m["role"] == "tool" for m in tr.messages) >= 2)
    msgs[1] = {**msgs[1], "content": "Zoë"}  # non-ASCII text survives
    cut = max(j for j, m in enumerate(msgs) if m["role"] == "tool") + 1
    row = {"prompt": msgs[:cut], "chosen": [{"role": "assistant", "content": "yes"}],
           "rejected": [{"role": "assistant", "content": "<tool_call>no"}], "tools": "[]", "task_id": "t",
           "category": "c", "turn": 1, "prefix": "", "diverge_char": 0, "depth": 1, "chosen_value": 1.0,
           "rejected_value": 0.0, "source": "sibling"}
    save_pairs([row, {**row, "prompt": msgs[:1], "chosen_ends_turn": False}], str(tmp_path / "p"))
    raw = load_from_disk(str(tmp_path / "p"))
    for m in raw[0]["prompt"] + raw[0]["chosen"]:
        assert tuple(m) == FIXED_MESSAGE_KEYS
        for c in m["tool_calls"] or []:
            assert isinstance(c["function"]["arguments"], str) and "id" not in c
    loaded = load_pairs(str(tmp_path / "p"))
    no_ids = [{**m, "tool_calls": [{k: v for k, v in c.items() if k != "id"} for c in m["tool_calls"]]}
              if m.get("tool_calls") else m for m in row["prompt"]]
    assert loaded[0]["prompt"] == no_ids
    assert loaded[0]["chosen"] == row["chosen"] and loaded[0]["rejected"] == row["rejected"]
    assert loaded[1]["prompt"] == msgs[:1]
    assert (loaded[0]["chosen_ends_turn"], loaded[1]["chosen_ends_turn"]) == (True, False)
