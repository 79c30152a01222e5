"""Datasets export: oracle trajectories in TRL formats load with `datasets.load_from_disk` and
tokenize with a chat template; the synth/export commands; train/test splits without leakage."""

from __future__ import annotations

import json

import pytest

from toolenv.export import FORMATS, export_dataset
from toolenv.reward import DEFICIENCY_CODES
from toolenv.spec import load_registry
from toolenv.split import (
    frame_partition,
    leakage_report,
    split_tasks,
    synthesize_seen_template_test,
    synthesize_split,
    task_frame,
)
from toolenv.synth import synthesize
from toolenv.tasks import CATEGORIES, load_tasks


@pytest.fixture(scope="module")
def tasks():
    return synthesize(load_registry(), 24, seed=21)


@pytest.fixture(scope="module")
def exported(tasks, tmp_path_factory):
    from datasets import load_from_disk

    out = {}
    for fmt in FORMATS:
        d = tmp_path_factory.mktemp(fmt)
        export_dataset(tasks, d, fmt=fmt)
        out[fmt] = load_from_disk(str(d))
    return out


@pytest.fixture(scope="module")
def tokenizer(exported):
    from agents.tiny import make_tokenizer, render_chat, train_tokenizer

    lines = [render_chat(r["messages"], json.loads(r["tools"])) for r in exported["sft"]]
    return make_tokenizer(train_tokenizer(lines))


def test_sft_rows_hold_the_full_oracle_trajectory(tasks, exported):
    ds = exported["sft"]
    assert len(ds) == len(tasks)
    assert {"id", "category", "difficulty", "messages", "tools"} <= set(ds.column_names)
    assert {r["category"] for r in ds} == set(CATEGORIES)
    by_id = {t.id: t for t in tasks}
    for row in ds:
        task = by_id[row["id"]]
        msgs = row["messages"]
        assert msgs[0]["role"] == "user" and msgs[-1]["role"] == "assistant" and msgs[-1]["content"]
        calls = [c for m in msgs if m["role"] == "assistant" and m["tool_calls"] for c in m["tool_calls"]]
        assert len(calls) == task.num_calls
        assert sum(m["role"] == "tool" for m in msgs) == task.num_calls  # tool results are in
        assert sum(m["role"] == "user" for m in msgs) == len(task.turns)
        for c in calls:
            assert isinstance(c["function"]["arguments"], str) and isinstance(json.loads(c["function"]["arguments"]), dict)
        tools = json.loads(row["tools"])
        assert [t["function"]["name"] for t in tools] == task.tools


def test_step_and_preference_rows(exported):
    steps, pref = exported["steps"], exported["preference"]
    assert len(steps) == len(pref) > len(exported["sft"])
    for row in steps:
        assert row["prompt"][-1]["role"] in ("user", "tool") and len(row["completion"]) == 1
        assert row["completion"][0]["role"] == "assistant"
    for row in pref:
        assert row["chosen"] != row["rejected"] and row["deficiency"] in DEFICIENCY_CODES
        assert row["chosen"][0]["role"] == row["rejected"][0]["role"] == "assistant"
    assert len({r["deficiency"] for r in pref}) >= 3


def test_every_format_tokenizes_with_the_chat_template(exported, tokenizer):
    row = next(r for r in exported["sft"] if r["category"] == "multi_step")
    enc = tokenizer.apply_chat_template(row["messages"], tools=json.loads(row["tools"]), tokenize=True,
                                        return_dict=True, return_assistant_tokens_mask=True)
    assert len(enc["input_ids"]) > 50 and 0 < sum(enc["assistant_masks"]) < len(enc["input_ids"])
    text = tokenizer.apply_chat_template(row["messages"], tools=json.loads(row["tools"]), tokenize=False)
    assert "<tool_call>" in text and "<tool_response>" in text and "null" not in text.split("# Tools")[0]
    for fmt, keys in (("steps", ("completion",)), ("preference", ("chosen", "rejected"))):
        r = exported[fmt][3]
        tools = json.loads(r["tools"])
        prompt = tokenizer.apply_chat_template(r["prompt"], tools=tools, tokenize=False, add_generation_prompt=True)
        for k in keys:
            full = tokenizer.apply_chat_template(r["prompt"] + r[k], tools=tools, tokenize=False)
            assert full.startswith(prompt) and len(full) > len(prompt)


@pytest.mark.slow
def test_trl_reads_the_rows(exported, tokenizer):
    from trl.data_utils import apply_chat_template, is_conversational

    for fmt in FORMATS:
        row = dict(exported[fmt][0])
        keys = {"sft": ["messages"], "steps": ["prompt", "completion"], "preference": ["prompt", "chosen", "rejected"]}[fmt]
        ex = {k: row[k] for k in keys}
        assert is_conversational(ex)
        out = apply_chat_template(ex, tokenizer, tools=json.loads(row["tools"]))
        assert all(isinstance(v, str) and v for v in out.values())


def test_synth_and_export_commands(tmp_path):
    from datasets import load_from_disk

    from toolenv.cli import main

    out = tmp_path / "tasks.jsonl"
    assert main(["synth", "--num", "16", "--seed", "3", "--out", str(out), "--test-num", "8", "--no-progress"]) == 0
    again = tmp_path / "again.jsonl"
    assert main(["synth", "--num", "16", "--seed", "3", "--out", str(again), "--test-num", "8", "--no-progress"]) == 0
    assert out.read_bytes() == again.read_bytes()
    header, *lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert header["toolenv_tasks"]["tool_specs"]["bundled"] is True  # the header line: where the tools are
    assert len(lines) == 16 and all({"id", "category", "difficulty", "messages"} <= set(x) for x in lines)
    test_file = tmp_path / "tasks.test.jsonl"
    assert len(load_tasks(test_file)) == 8
    assert main(["synth", "--num", "4", "--out", str(tmp_path / "x.jsonl"), "--categories", "bogus"]) == 2
    ds_dir = tmp_path / "ds"
    assert main(["export", "--tasks", str(out), "--format", "sft", "--out", str(ds_dir), "--no-progress"]) == 0
    assert len(load_from_disk(str(ds_dir))) == 16


def test_env_loads_synthesized_file(tmp_path):
    import gymnasium as gym

    import toolenv  # noqa: F401
    from toolenv.tasks import save_tasks

    path = tmp_path / "t.jsonl"
    save_tasks(synthesize(load_registry(), 8, seed=4), path)
    env = gym.make("ToolUse-v0", tasks=str(path))
    obs, info = env.reset(seed=0, options={"task_index": 0})
    assert info["task_id"] == load_tasks(path)[0].id


def test_frame_partition_is_stratified_and_disjoint():
    from toolenv.synth.queries import FRAMES

    train, test = frame_partition(0.25)
    assert not set(train) & set(test)
    styles = {f.style for f in FRAMES}
    by_id = {f.id: f for f in FRAMES}
    for side in (train, test):
        assert styles <= {by_id[i].style for i in side if i in by_id}
        assert any(i in by_id and not by_id[i].needs_np for i in side)
    assert frame_partition(0.25) == (train, test)


def test_synthesize_split_has_no_leakage():
    reg = load_registry()
    train, test = synthesize_split(reg, 80, 40, seed=2)
    rep = leakage_report(train, test)
    assert rep["shared_frames"] == [] and rep["shared_world_seeds"] == 0 and rep["shared_user_texts"] == 0
    assert rep["shared_synth_seeds"] == []
    assert {t.category for t in test} == set(CATEGORIES)
    _, test_frames = frame_partition()
    assert all(task_frame(t) in test_frames for t in test)


def test_seen_template_test_set_shares_templates_but_no_seeds_texts_or_answers():
    reg = load_registry()
    train, test = synthesize_split(reg, 80, 40, seed=2)
    seen = synthesize_seen_template_test(reg, 40, train, seed=2)
    assert len(seen) >= 30 and {t.category for t in seen} == set(CATEGORIES)
    train_frames, _ = frame_partition()
    assert all(task_frame(t) in train_frames for t in seen)  # the training templates ...
    rep = leakage_report(train, seen)
    assert rep["shared_frames"]  # ... really shared
    assert rep["shared_world_seeds"] == 0
    train_inputs = {(t.turns[0].user, tuple(sorted(t.tools))) for t in train}
    assert all((t.turns[0].user, tuple(sorted(t.tools))) not in train_inputs for t in seen)
    called = [t for t in seen if t.category != "irrelevance"]
    assert sum(t.turns[0].user in {x.turns[0].user for x in train} for t in called) == 0
    assert {t.seed for t in seen}.isdisjoint({t.seed for t in test})
    assert all(t.meta["split"] == "test_seen_templates" for t in seen)
    # a "held-out" task that copies a training task is dropped
    again = synthesize_seen_template_test(reg, 40, train + seen, seed=2)
    assert again == []


def test_split_tasks_drops_what_would_leak(tasks):
    more = tasks + synthesize(load_registry(), 40, seed=22)
    train, test, dropped = split_tasks(more)
    assert train and test and len(train) + len(test) + dropped == len(more)
    rep = leakage_report(train, test)
    assert rep["shared_frames"] == [] and rep["shared_world_seeds"] == 0


# ---- the one oracle replay and the one message serializer ----------------------------------

def _env(tasks, **kw):
    import gymnasium as gym

    import toolenv  # noqa: F401

    return gym.make("ToolUse-v0", **{"tasks": list(tasks), **kw})


def _multi_call_trajectory(tasks):
    from toolenv.export import play_oracle

    env = _env(tasks, max_steps=64)
    for i, t in enumerate(tasks):
        if t.num_calls >= 2:
            return play_oracle(env, i, seed=i)
    pytest.skip("no task with two calls")


def test_episode_seed_is_one_rule():
    from types import SimpleNamespace

    from toolenv.export import episode_seed
    from training.rollout import episode_seed as rollout_episode_seed

    assert rollout_episode_seed is episode_seed
    assert episode_seed(SimpleNamespace(seed=3), 5) == 3 * 7919 + 5
    assert episode_seed(SimpleNamespace(seed=2**40), 0) == (2**40 * 7919) % (2**31 - 1)
    assert episode_seed(SimpleNamespace(), 9) == 9


def test_play_oracle_plays_the_expert_to_the_end(tasks):
    from toolenv.export import play_oracle
    from toolenv.observation import decode_observation

    env = _env(tasks, max_steps=64)
    for i in range(6):
        tr = play_oracle(env, i, seed=100 + i)
        assert tr.done and tr.success and tr.task.id == tasks[i].id and tr.task_index == i
        assert (tr.messages, tr.tools) == decode_observation(tr.obs)
        assert tr.ret == pytest.approx(sum(tr.rewards)) and len(tr.rewards) == len(tr.actions)
        # by hand: the same actions, rewards and conversation
        obs, _ = env.reset(seed=100 + i, options={"task_index": i})
        for a, r in zip(tr.actions, tr.rewards):
            assert env.unwrapped.expert_action() == a
            obs, reward, *_ = env.step(a)
            assert reward == r
        assert obs == tr.obs
        assert play_oracle(env, i, seed=100 + i).obs == tr.obs  # deterministic
    cut = play_oracle(env, 0, seed=100, max_turns=1)
    assert len(cut.actions) == 1 and not cut.done and not cut.success


def test_trl_message_round_trip_with_tool_calls_and_responses(tasks):
    from toolenv.export import FIXED_MESSAGE_KEYS, from_trl_message, trl_message

    msgs = _multi_call_trajectory(tasks).messages
    assert any(m["role"] == "tool" for m in msgs) and any(m.get("tool_calls") for m in msgs)
    msgs = msgs + [{"role": "assistant", "content": "", "tool_calls": [
        {"id": "call_9", "type": "function", "function": {"name": "f", "arguments": {"city": "Zoë", "n": [1, {"x": None}]}}}]},
        {"role": "tool", "tool_call_id": "call_9", "name": "f", "content": "{\"temp\": \"20°\"}"}]
    for m in msgs:
        row = trl_message(m)
        assert isinstance(row["content"], str)
        for c in row.get("tool_calls", []):
            assert isinstance(c["function"]["arguments"], str) and c["id"].startswith("call_")
        if m["role"] == "tool":
            assert (row["tool_call_id"], row["name"]) == (m["tool_call_id"], m["name"])
        assert from_trl_message(row) == m
        assert from_trl_message(json.loads(json.dumps(row))) == m
        fixed = trl_message(m, fixed_keys=True)
        assert tuple(fixed) == FIXED_MESSAGE_KEYS
        assert all(set(c) == {"type", "function"} for c in fixed["tool_calls"] or [])
        no_ids = {**m, "tool_calls": [{k: v for k, v in c.items() if k != "id"} for c in m["tool_calls"]]} \
            if m.get("tool_calls") else m
        assert from_trl_message(fixed) == no_ids
    assert trl_message(msgs[-2])["tool_calls"][0]["function"]["arguments"] == '{"city": "Zoë", "n": [1, {"x": null}]}'


def test_export_rows_are_play_oracle_trajectories(tasks, exported):
    from toolenv.export import oracle_trajectories, play_oracle

    env = _env(tasks, max_steps=64, expert_style="hermes")
    trajs = list(oracle_trajectories(tasks))
    for i, tr in enumerate(trajs):
        played = play_oracle(env, i, seed=i)
        assert tr["messages"] == played.trl_messages() and tr["tools"] == played.tools
        assert (tr["success"], tr["reward"]) == (played.success, played.ret)
    drop_none = lambda m: {k: v for k, v in m.items() if v is not None}  # noqa: E731 (Arrow's key union)
    for row in exported["sft"]:
        i = next(k for k, t in enumerate(tasks) if t.id == row["id"])
        assert [drop_none(m) for m in row["messages"]] == trajs[i]["messages"]


def test_tiny_corpus_renders_play_oracle_trajectories():
    import gymnasium as gym

    from agents.tiny import build_chat_template, render_chat, tiny_corpus
    from toolenv.export import play_oracle

    corpus = tiny_corpus(num_tasks=4, seed=2)
    env = gym.make("ToolUse-v0", seed=2)
    template = build_chat_template()
    chats = [render_chat(tr.messages, tr.tools, template)
             for tr in (play_oracle(env, None, seed=2 * 1_000_003 + i, max_turns=64) for i in range(4))]
    assert [line for line in corpus if not line.startswith("{")] == chats
