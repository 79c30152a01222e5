"""Stage 2: the policy model. Build the offline tiny model (`agents.tiny`) or load any local
Hugging Face model directory; optional LoRA through PEFT (merged into the weights after each
stage, so every stage checkpoint is a plain HF model directory)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Iterable

from training.config import ModelConfig


def load_tokenizer(path: str | Path):
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    cfg = Path(path) / "tokenizer_config.json"
    if cfg.exists():
        try:
            if json.loads(cfg.read_text()).get("tokenizer_class") == "PreTrainedTokenizerFast":
                return PreTrainedTokenizerFast.from_pretrained(str(path))
        except ValueError:
            pass
    return AutoTokenizer.from_pretrained(str(path))


def build_tiny(out_dir: str | Path, corpus: Iterable[str] | None, cfg: ModelConfig, seed: int, tool_specs: Any) -> Path:
    """Build the tiny offline model with `agents.tiny` (tokenizer trained on ``corpus``)."""
    from agents.tiny import TinyModelConfig, build_tiny_model

    out = Path(out_dir)
    config = TinyModelConfig.preset(cfg.tiny_preset, **(cfg.tiny_overrides or {}))
    res = build_tiny_model(str(out), corpus=list(corpus) if corpus is not None else None, config=config, seed=seed,
                           tool_specs=tool_specs)
    return Path(res) if isinstance(res, (str, Path)) else out


def prepare_model_dir(cfg: ModelConfig, out_dir: str | Path, corpus: Iterable[str] | None, seed: int, tool_specs: Any) -> Path:
    """The initial policy directory: a copy of ``model_name_or_path`` or a freshly built tiny model."""
    out = Path(out_dir)
    if cfg.model_name_or_path:
        src = Path(cfg.model_name_or_path)
        if not src.is_dir():
            raise FileNotFoundError(f"model.model_name_or_path {src} is not a local directory")
        shutil.copytree(src, out, dirs_exist_ok=True)
        return out
    return build_tiny(out, corpus, cfg, seed, tool_specs)


def load_model(path: str | Path, cfg: ModelConfig | None = None):
    import torch
    from transformers import AutoModelForCausalLM

    dtype = getattr(torch, (cfg.torch_dtype if cfg else "float32"))
    model = AutoModelForCausalLM.from_pretrained(str(path), dtype=dtype)
    if torch.cuda.is_available():  # rollouts, search and evaluation run where the trainers train
        model = model.to(f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}")
    return model


def lora_config(cfg: ModelConfig):
    if not cfg.use_peft:
        return None
    from peft import LoraConfig

    return LoraConfig(
        r=cfg.lora_r,
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        target_modules=cfg.lora_target_modules or "all-linear",
        task_type="CAUSAL_LM",
    )


def save_policy(model: Any, tokenizer: Any, out_dir: str | Path) -> None:
    """Save a plain HF model directory (LoRA adapters merged first)."""
    try:
        from peft import PeftModel

        if isinstance(model, PeftModel):
            model = model.merge_and_unload()
    except ImportError:
        pass
    model.save_pretrained(str(out_dir))
    tokenizer.save_pretrained(str(out_dir))


def count_parameters(model: Any) -> int:
    return sum(p.numel() for p in model.parameters())
