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
    if cfg.pretrained:  # converted once from its installed package (kept across runs)
        from agents.pretrained import prepare_pretrained

        prepare_pretrained(cfg.pretrained, cfg.model_name_or_path or f"models/{cfg.pretrained}")
    if cfg.model_name_or_path:
        src = Path(cfg.model_name_or_path)
        if not src.is_dir():
            raise FileNotFoundError(f"model.model_name_or_path {src} is not a local directory")
        shutil.copytree(src, out, dirs_exist_ok=True, copy_function=_link_or_copy)
        return out
    return build_tiny(out, corpus, cfg, seed, tool_specs)


def _link_or_copy(src: str, dst: str) -> None:
    """Hard-link a checkpoint file (stages never write into a finished folder), else copy it."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def freeze_bottom(model: Any, n_layers: int) -> int:
    """Freeze the input embeddings (a tied output head with them) and the bottom ``n_layers``
    decoder layers; returns the number of parameters left trainable. 0 = leave every weight."""
    if n_layers <= 0:
        return sum(p.numel() for p in model.parameters() if p.requires_grad)
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    decoder = base.get_decoder() if hasattr(base, "get_decoder") else None
    layers = getattr(decoder, "layers", None)
    if layers is None:
        raise ValueError(f"model.freeze_layers: {type(base).__name__} has no decoder layers to freeze")
    if n_layers >= len(layers):
        raise ValueError(f"model.freeze_layers={n_layers} would freeze all {len(layers)} decoder layers")
    base.get_input_embeddings().weight.requires_grad_(False)
    for layer in layers[:n_layers]:
        for p in layer.parameters():
            p.requires_grad_(False)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def load_model(path: str | Path, cfg: ModelConfig | None = None):
    import torch
    from transformers import AutoModelForCausalLM

    dtype = getattr(torch, (cfg.torch_dtype if cfg else "float32"))
    model = AutoModelForCausalLM.from_pretrained(str(path), dtype=dtype)
    check_finite(model, path)
    if torch.cuda.is_available():  # rollouts, search and evaluation run where the trainers train
        model = model.to(f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}")
    return model


def check_finite(model: Any, path: str | Path) -> None:
    """Refuse weights with NaN or inf (a checkpoint overwritten or damaged on disk loads without an
    error otherwise): `training.io.CorruptFileError` naming the checkpoint file."""
    import torch

    from training.io import CorruptFileError

    bad = [name for name, p in model.named_parameters() if p.is_floating_point() and not bool(torch.isfinite(p).all())]
    if bad:
        folder = Path(path)
        files = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin"))
        where = files[0] if len(files) == 1 else folder
        raise CorruptFileError(where, f"non-finite (NaN/inf) weights in {len(bad)} tensor(s), first {bad[0]}; the "
                               "checkpoint is damaged: delete its stage folder to train it again")


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
