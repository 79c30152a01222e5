"""TRL trainers on the smoke run's model: loss logged, weights changed."""

from __future__ import annotations

import pytest
import torch

from training.config import PreferenceConfig, SFTStageConfig
from training.data import load_rows
from training.dpo import train_preference
from training.model import load_model, load_tokenizer
from training.sft import curriculum_order, tokenize_rows, train_sft


def _weights(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _changed(before, model):
    after = model.state_dict()
    return any(not torch.equal(before[k], after[k]) for k in before)


def test_sft_logs_loss_and_changes_weights(smoke_run, tmp_path):
    path = smoke_run / "model-init"
    model, tok = load_model(path), load_tokenizer(path)
    rows = load_rows(smoke_run / "data" / "sft_rows.jsonl")[:16]
    ex = tokenize_rows(rows, tok, 384)
    # labels only on assistant tokens
    assert all(any(l != -100 for l in e["labels"]) and any(l == -100 for l in e["labels"]) for e in ex)
    before = _weights(model)
    cfg = SFTStageConfig(num_stages=2, max_steps=3, per_device_train_batch_size=4, logging_steps=1)
    res = train_sft(model, tok, ex, cfg, tmp_path / "sft", seed=0)
    assert res["steps"] == 3
    assert res["log_history"] and all("loss" in h for h in res["log_history"])
    assert _changed(before, res["model"])


def test_fast_loss_matches_trl_loss(smoke_run, tmp_path):
    path = smoke_run / "model-init"
    tok = load_tokenizer(path)
    ex = tokenize_rows(load_rows(smoke_run / "data" / "sft_rows.jsonl")[:8], tok, 384)
    losses = []
    for fast in (True, False):
        model = load_model(path)
        cfg = SFTStageConfig(num_stages=1, max_steps=2, per_device_train_batch_size=4, logging_steps=1, fast_loss=fast)
        res = train_sft(model, tok, ex, cfg, tmp_path / f"sft{fast}", seed=0)
        losses.append([h["loss"] for h in res["log_history"]])
    assert losses[0] == __import__("pytest").approx(losses[1], rel=1e-3)


def test_curriculum_is_easy_to_hard():
    ex = [{"input_ids": [i], "labels": [i], "difficulty": float(d), "row": i} for i, d in enumerate([5, 1, 3, 0, 4, 2])]
    seq, sizes = curriculum_order(ex, SFTStageConfig(num_stages=3, epochs_per_stage=1.0), seed=0)
    diffs = [e["difficulty"] for e in seq]
    assert sizes == [2, 2, 2]
    assert max(diffs[:2]) <= min(diffs[2:4]) and max(diffs[2:4]) <= min(diffs[4:])
    seq_r, _ = curriculum_order(ex, SFTStageConfig(num_stages=3, curriculum="random"), seed=0)
    assert sorted(e["row"] for e in seq_r) == sorted(e["row"] for e in seq)


def test_a_short_budget_still_climbs_every_stage():
    ex = [{"input_ids": [i], "labels": [i], "difficulty": float(i % 30), "row": i} for i in range(30)]
    cfg = SFTStageConfig(num_stages=3, epochs_per_stage=1.0, final_mixed_epochs=1.0, group_by_length=0)
    full, sizes = curriculum_order(ex, cfg, seed=0)
    assert sizes == [10, 10, 10, 30] and len(full) == 60
    seq, sizes = curriculum_order(ex, cfg, seed=0, budget=12)
    assert sizes == [2, 2, 2, 6] and len(seq) == 12  # each stage keeps its share, in order
    diffs = [e["difficulty"] for e in seq]
    assert max(diffs[0:2]) < 10 and 10 <= min(diffs[2:4]) <= max(diffs[2:4]) < 20 and min(diffs[4:6]) >= 20
    assert curriculum_order(ex, cfg, seed=0, budget=600)[1] == [10, 10, 10, 30]  # a budget past the end: unchanged


def _pairs(smoke_run):
    """Preference rows in the pipeline's format: ground-truth first turn vs a corrupted one."""
    import json

    rows = []
    for r in load_rows(smoke_run / "data" / "sft_rows.jsonl")[:6]:
        msgs = r["messages"]
        k = next(i for i, m in enumerate(msgs) if m["role"] == "assistant")
        calls = msgs[k].get("tool_calls")
        good = msgs[k]["content"] or ""
        if calls:
            good = "\n".join('<tool_call>\n' + json.dumps({"name": c["function"]["name"], "arguments": c["function"]["arguments"]}) + "\n</tool_call>" for c in calls)
        rows.append({"prompt": msgs[:k], "chosen": [{"role": "assistant", "content": good}],
                     "rejected": [{"role": "assistant", "content": good[: len(good) // 2] + " oops"}],
                     "tools": r["tools"]})
    return rows


def test_preference_losses_log_and_change_weights(smoke_run, tmp_path):
    rows = _pairs(smoke_run)
    assert rows
    path = smoke_run / "sft"
    for loss in ("sigmoid", "ipo", "simpo"):
        model, tok = load_model(path), load_tokenizer(path)
        before = _weights(model)
        cfg = PreferenceConfig(loss_type=loss, max_steps=2, per_device_train_batch_size=2, logging_steps=1,
                               learning_rate=1e-3)
        res = train_preference(model, tok, rows, cfg, tmp_path / loss, seed=0)
        assert res["steps"] == 2, loss
        assert res["log_history"] and "loss" in res["log_history"][0], loss
        assert _changed(before, res["model"]), loss


def test_lora_stage_saves_a_merged_plain_checkpoint(smoke_run, tmp_path):
    from training.config import ModelConfig
    from training.model import lora_config, save_policy

    path = smoke_run / "model-init"
    model, tok = load_model(path), load_tokenizer(path)
    ex = tokenize_rows(load_rows(smoke_run / "data" / "sft_rows.jsonl")[:8], tok, 384)
    cfg = SFTStageConfig(num_stages=1, max_steps=2, per_device_train_batch_size=4, logging_steps=1)
    peft = lora_config(ModelConfig(use_peft=True, lora_r=4))
    res = train_sft(model, tok, ex, cfg, tmp_path / "lora", seed=0, peft_config=peft)
    assert res["steps"] == 2 and res["log_history"]
    save_policy(res["model"], tok, tmp_path / "merged")
    merged = load_model(tmp_path / "merged")
    assert not any("lora" in k for k in merged.state_dict())
    assert _changed(_weights(load_model(path)), merged)


def test_tensorboard_logging_lands_in_the_run_directory(smoke_run, tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from training.run import tensorboard_dir

    path = smoke_run / "model-init"
    model, tok = load_model(path), load_tokenizer(path)
    ex = tokenize_rows(load_rows(smoke_run / "data" / "sft_rows.jsonl")[:8], tok, 384)
    cfg = SFTStageConfig(num_stages=1, max_steps=2, per_device_train_batch_size=4, logging_steps=1)
    with tensorboard_dir(tmp_path, "sft", "tensorboard"):
        train_sft(model, tok, ex, cfg, tmp_path / "trainer", seed=0, report_to="tensorboard")
    events = list((tmp_path / "tensorboard" / "sft").rglob("events.out.tfevents.*"))
    assert events, "no TensorBoard event file in <run>/tensorboard/sft"
    acc = EventAccumulator(str(events[0].parent))
    acc.Reload()
    assert "train/loss" in acc.Tags()["scalars"]
    assert len(acc.Scalars("train/loss")) == 2


def test_tensorboard_without_the_package_is_a_clear_config_error(monkeypatch):
    import importlib.util

    from training.config import ITOOLConfig

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tensorboard" else real(name, *a))
    with pytest.raises(ValueError, match=r"pip install -e '\.\[tensorboard\]'"):
        ITOOLConfig(report_to="tensorboard")


def test_fragment_pairs_train_without_an_end_of_turn_on_partial_sides(smoke_run, tmp_path):
    from training.dpo import tokenize_fragment_pairs

    path = smoke_run / "sft"
    tok = load_tokenizer(path)
    rows = []
    for r in _pairs(smoke_run)[:4]:
        r = dict(r, prefix="", chosen_ends_turn=True, rejected_ends_turn=False)
        # make the rejected side a partial turn: the prefix plus a few characters
        r["rejected"] = [{"role": "assistant", "content": r["prefix"] + r["rejected"][0]["content"][len(r["prefix"]):][:5]}]
        rows.append(r)
    enc = tokenize_fragment_pairs(rows, tok)
    eos = tok.convert_tokens_to_ids(tok.eos_token)
    assert all(ids[-1] == eos for ids in enc["chosen_ids"])
    assert all(eos not in ids for ids in enc["rejected_ids"])
    model = load_model(path)
    before = _weights(model)
    cfg = PreferenceConfig(max_steps=2, per_device_train_batch_size=2, logging_steps=1, learning_rate=1e-3,
                           sft_weight=1.0)
    res = train_preference(model, tok, rows, cfg, tmp_path / "frag", seed=0)
    assert res["steps"] == 2 and res["log_history"] and "loss" in res["log_history"][0]
    assert _changed(before, res["model"])
