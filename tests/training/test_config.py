from __future__ import annotations

import pytest

from training.config import EvalConfig, ITOOLConfig, MCTSConfig, ModelConfig, PreferenceConfig, load_config

from .conftest import ROOT


def test_demo_config_loads_and_smoke_overrides():
    cfg = load_config(ROOT / "configs" / "tiny.yaml")
    smoke = load_config(ROOT / "configs" / "tiny.yaml", smoke=True)
    assert isinstance(cfg, ITOOLConfig)
    assert smoke.data.num_train < cfg.data.num_train
    assert smoke.sft.learning_rate == cfg.sft.learning_rate  # untouched keys survive the merge
    assert smoke.output_dir != cfg.output_dir


def test_unknown_keys_are_errors(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("sft: {learning_rat: 1.0}\n")
    with pytest.raises(ValueError, match="learning_rat"):
        load_config(p)
    p.write_text("roundz: 2\n")
    with pytest.raises(ValueError, match="roundz"):
        load_config(p)


def test_validation():
    with pytest.raises(ValueError):
        MCTSConfig(num_children=1)
    with pytest.raises(ValueError):
        PreferenceConfig(loss_type="kto")
    assert PreferenceConfig(loss_type="simpo").loss_type == "simpo"
    from training.config import PairsConfig

    with pytest.raises(ValueError, match="pairs.cut"):
        PairsConfig(cut="sentence")
    with pytest.raises(ValueError, match="fragment needs"):
        ITOOLConfig(pairs=PairsConfig(cut="fragment"), preference=PreferenceConfig(loss_type="simpo"))


def test_overrides(tmp_path):
    cfg = load_config(ROOT / "configs" / "tiny.yaml", overrides={"rounds": 3, "mcts": {"iterations": 9}})
    assert cfg.rounds == 3 and cfg.mcts.iterations == 9


def test_tiny_overrides_are_validated():
    from training.config import ModelConfig

    assert ModelConfig(tiny_overrides={"tool_format": "brief"}).tiny_overrides == {"tool_format": "brief"}
    with pytest.raises(ValueError, match="unknown TinyModelConfig fields"):
        ModelConfig(tiny_overrides={"hidden": 64})
    with pytest.raises(ValueError, match="tool_format"):
        ModelConfig(tiny_overrides={"tool_format": "nope"})


def test_gains_config_loads_with_its_tokenizer_overrides():
    cfg = load_config(ROOT / "configs" / "gains-tiny.yaml")
    assert cfg.model.tiny_overrides == {"tool_format": "brief", "architecture": "llama", "pretokenizer": "words"}
    assert cfg.data.num_test_seen > 0 and cfg.baseline


@pytest.mark.parametrize("name", ["demo.yaml", "gains.yaml"])
def test_pretrained_configs_name_the_offline_model(name):
    cfg = load_config(ROOT / "configs" / name)
    assert cfg.model.pretrained == "smollm2-135m"
    assert cfg.model.model_name_or_path == "models/smollm2-135m"  # where `make pretrained` converts it
    assert cfg.baseline and 0 < cfg.model.freeze_layers < 30
    assert cfg.data.num_test >= (480 if name == "gains.yaml" else 48)
    assert "sft" in cfg.eval.bfcl_stages and "last_round" in cfg.eval.bfcl_stages


def test_model_and_eval_fields_are_validated():
    with pytest.raises(ValueError, match="unknown model"):
        ModelConfig(pretrained="gpt-5")
    with pytest.raises(ValueError, match="freeze_layers"):
        ModelConfig(freeze_layers=-1)
    with pytest.raises(ValueError, match="bfcl_stages"):
        EvalConfig(bfcl_stages=["warmup"])


def test_float_fields_accept_yaml_exponents_and_reject_words(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("preference:\n  learning_rate: 1e-4\nsft:\n  learning_rate: 2e-3\n")
    cfg = load_config(good)
    assert cfg.preference.learning_rate == 1e-4 and isinstance(cfg.preference.learning_rate, float)
    assert cfg.sft.learning_rate == 2e-3
    bad = tmp_path / "bad.yaml"
    bad.write_text("preference:\n  learning_rate: fast\n")
    with pytest.raises(ValueError, match="preference.learning_rate: expected a number"):
        load_config(bad)


def test_no_call_rows_are_repeated_in_the_warm_up_only(tmp_path):
    from types import SimpleNamespace

    from training.config import SFTStageConfig
    from training.run import Run

    with pytest.raises(ValueError, match="no_call_repeat"):
        SFTStageConfig(no_call_repeat=0)
    cfg = ITOOLConfig(output_dir=str(tmp_path / "run"), sft=SFTStageConfig(no_call_repeat=3))
    run = Run(cfg)
    run._examples = [{"row": i, "input_ids": [i], "labels": [i], "difficulty": 0.0} for i in range(4)]
    run._train_tasks = [SimpleNamespace(num_calls=n) for n in (1, 0, 2, 0)]
    rows = [e["row"] for e in run.warmup_examples(None)]
    assert sorted(rows) == [0, 1, 1, 1, 2, 3, 3, 3]
    assert [e["row"] for e in run.examples(None)] == [0, 1, 2, 3]  # deficiency selection sees each task once
