"""The offline tiny model: tokenizer + Qwen2 built from env text, HF round trip, chat template."""

from __future__ import annotations

import hashlib
import json
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

pytest.importorskip("transformers")

from agents.tiny import (  # noqa: E402
    PRESETS,
    TinyModelConfig,
    build_chat_template,
    build_tiny_model,
    compact_signature,
    count_parameters,
    make_model_config,
    render_chat,
    tiny_corpus,
)
from toolenv.parse import parse_action, render_calls  # noqa: E402

TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather", "description": "Get the  current\nweather.",
        "parameters": {"type": "object", "required": ["city"], "properties": {
            "city": {"type": "string", "description": "City name"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
            "days": {"type": "integer", "minimum": 1},
            "date": {"type": "string", "format": "date"},
            "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
            "where": {"type": "object", "required": ["lat"], "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}},
            "note": {"type": ["string", "null"]},
            "anything": {},
        }}}},
    {"name": "ping", "description": "", "parameters": {"type": "object", "properties": {}}},  # plain shape
]

CONVO = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Weather in Lyon and Oslo?"},
    {"role": "assistant", "content": "", "tool_calls": [
        {"id": "call_0", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Lyon"}}},
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}}]},
    {"role": "tool", "tool_call_id": "call_0", "name": "get_weather", "content": "{\"temp\": 18}"},
    {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "{\"temp\": 3}"},
    {"role": "assistant", "content": "Lyon 18, Oslo 3."},
]


@pytest.fixture(scope="module")
def corpus():
    return tiny_corpus(num_tasks=40, seed=0)


@pytest.fixture(scope="module")
def built(tmp_path_factory, corpus):
    out = tmp_path_factory.mktemp("tiny")
    build_tiny_model(out, corpus=corpus, seed=0)
    return out


def test_corpus_comes_from_env_and_is_deterministic(corpus):
    again = tiny_corpus(num_tasks=40, seed=0)
    assert corpus == again and len(corpus) > 40
    joined = "\n".join(corpus)
    assert "<tool_call>" in joined and "<tool_response>" in joined and "# Tools" in joined
    assert any(line.startswith('{"type": "function"') for line in corpus)  # raw JSON schemas too
    assert tiny_corpus(num_tasks=40, seed=1) != corpus


def test_build_offline_and_roundtrip(built, corpus, tmp_path):
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM, AutoTokenizer

    names = {p.name for p in built.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"} <= names
    tok = AutoTokenizer.from_pretrained(built)
    raw = Tokenizer.from_file(str(built / "tokenizer.json"))
    assert type(tok).__name__ == "Qwen2Tokenizer"
    assert len(tok) == 2048
    texts = corpus[:60] + ["héllo wörld 東京 \t\n  x", '<tool_call>\n{"name": "f", "arguments": {}}\n</tool_call><|im_end|>']
    for t in texts:
        ids = tok(t, add_special_tokens=False)["input_ids"]
        assert ids == raw.encode(t).ids
        assert tok.decode(ids, skip_special_tokens=False) == t
    for special in ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"]:
        assert len(tok(special, add_special_tokens=False)["input_ids"]) == 1
    assert tok.eos_token == "<|im_end|>" and tok.pad_token == "<|endoftext|>" and tok.padding_side == "left"
    # <tool_call> tags survive skip_special_tokens (not special), control tokens do not
    ids = tok("<|im_start|>assistant\n<tool_call>x</tool_call><|im_end|>", add_special_tokens=False)["input_ids"]
    assert tok.decode(ids, skip_special_tokens=True) == "assistant\n<tool_call>x</tool_call>"

    model = AutoModelForCausalLM.from_pretrained(built)
    assert model.config.model_type == "qwen2" and model.config.vocab_size == len(tok)
    assert 0.5e6 < count_parameters(model) < 0.8e6  # the `small` preset
    # save_pretrained / from_pretrained again: same tokenizer files' behaviour and same weights
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    tok2 = AutoTokenizer.from_pretrained(tmp_path)
    model2 = AutoModelForCausalLM.from_pretrained(tmp_path)
    for t in texts:
        assert tok2(t)["input_ids"] == tok(t)["input_ids"]
    assert tok2.chat_template == tok.chat_template
    sd1, sd2 = model.state_dict(), model2.state_dict()
    assert all((sd1[k] == sd2[k]).all() for k in sd1)
    meta = json.loads((built / "toolenv_tiny.json").read_text())
    assert meta["corpus_source"] == "given" and meta["config"]["hidden_size"] == 128


def _digest(d):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}


def test_deterministic_for_a_seed(tmp_path, corpus):
    cfg = TinyModelConfig(vocab_size=512)
    a = build_tiny_model(tmp_path / "a", corpus=corpus[:30], config=cfg, seed=3)
    b = build_tiny_model(tmp_path / "b", corpus=corpus[:30], config=cfg, seed=3)
    c = build_tiny_model(tmp_path / "c", corpus=corpus[:30], config=cfg, seed=4)
    da, db, dc = _digest(a), _digest(b), _digest(c)
    assert da == db
    assert da["model.safetensors"] != dc["model.safetensors"] and da["tokenizer.json"] == dc["tokenizer.json"]


def test_presets():
    import torch
    from transformers import AutoModelForCausalLM

    assert TinyModelConfig() == PRESETS["small"] == TinyModelConfig.small()
    sizes = {}
    for name in ("small", "base"):
        cfg = TinyModelConfig.preset(name)
        with torch.device("meta"):
            m = AutoModelForCausalLM.from_config(make_model_config(cfg, 2048, 0, 2))
        sizes[name] = count_parameters(m)
    assert 0.6e6 < sizes["small"] < 0.72e6 and 3.5e6 < sizes["base"] < 3.9e6
    with pytest.raises(ValueError):
        TinyModelConfig.preset("huge")
    with pytest.raises(ValueError):
        TinyModelConfig(call_format="xml")
    with pytest.raises(ValueError, match="llama"):
        TinyModelConfig(pretokenizer="words")


def test_chat_template_tools_calls_tool_messages(built):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(built)
    text = tok.apply_chat_template(CONVO, tools=TOOLS, tokenize=False)
    sig = compact_signature(TOOLS[0])
    assert sig == (
        'get_weather(city: string, unit?: celsius|fahrenheit="celsius", days?: integer, date?: string(date), '
        "tags?: (a|b)[], where?: {lat: number, lon?: number}, note?: string|null, anything?: any) - Get the current weather."
    )
    assert text.startswith("<|im_start|>system\nBe brief.\n\n# Tools\n- " + sig + "\n- ping()\n")
    calls = [{"name": "get_weather", "arguments": {"city": "Lyon"}}, {"name": "get_weather", "arguments": {"city": "Oslo"}}]
    assert "<|im_start|>assistant\n" + render_calls(calls, "hermes") + "<|im_end|>\n" in text
    assert '<|im_start|>user\n<tool_response>\n{"temp": 18}\n</tool_response>\n<tool_response>\n{"temp": 3}\n</tool_response><|im_end|>\n' in text
    assert text.endswith("<|im_start|>assistant\nLyon 18, Oslo 3.<|im_end|>\n")
    gen = tok.apply_chat_template(CONVO[:2], tools=TOOLS, tokenize=False, add_generation_prompt=True)
    assert gen.endswith("<|im_start|>user\nWeather in Lyon and Oslo?<|im_end|>\n<|im_start|>assistant\n")
    plain = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False)
    assert plain == "<|im_start|>user\nhi<|im_end|>\n"

    # assistant mask (TRL assistant_only_loss): exactly the assistant outputs incl. <|im_end|>
    enc = tok.apply_chat_template(CONVO, tools=TOOLS, return_dict=True, return_assistant_tokens_mask=True)
    ids, mask = enc["input_ids"], enc["assistant_masks"]
    masked = tok.decode([i for i, m in zip(ids, mask) if m], skip_special_tokens=False)
    assert masked == render_calls(calls, "hermes") + "<|im_end|>" + "Lyon 18, Oslo 3.<|im_end|>"


def test_jinja_compact_matches_python_on_bundled_specs():
    from toolenv.spec import load_registry

    tools = [t.openai() for t in load_registry(None).tools.values()]
    assert len(tools) >= 60
    text = render_chat([{"role": "user", "content": "x"}], tools, build_chat_template())
    lines = [line[2:] for line in text.split("\n") if line.startswith("- ")]
    assert lines == [compact_signature(t) for t in tools]


def test_brief_tool_format_keeps_the_first_sentence_and_matches_python():
    from toolenv.spec import load_registry

    tools = [t.openai() for t in load_registry(None).tools.values()]
    full = render_chat([{"role": "user", "content": "x"}], tools, build_chat_template("compact"))
    brief = render_chat([{"role": "user", "content": "x"}], tools, build_chat_template("brief"))
    lines = [line[2:] for line in brief.split("\n") if line.startswith("- ")]
    assert lines == [compact_signature(t, brief=True) for t in tools]
    assert len(brief) < 0.8 * len(full)
    for line, tool in zip(lines, tools):
        desc = " ".join(tool["function"]["description"].split())
        head = line.split(") - ", 1)[1]
        assert head.endswith(".") and ". " not in head  # exactly one sentence
        assert desc.startswith(head[:-1])  # a prefix of the real description
    with pytest.raises(ValueError, match="tool_format"):
        TinyModelConfig(tool_format="verbose")


@pytest.mark.parametrize("fmt", ["hermes", "json", "python"])
def test_call_formats_render_parseable_calls(fmt):
    tpl = build_chat_template(call_format=fmt)
    msgs = [{"role": "user", "content": "x"}, {"role": "assistant", "content": "checking", "tool_calls": [
        {"type": "function", "function": {"name": "f", "arguments": {"a": 1, "s": "q\"x", "b": True, "n": None, "l": [1.5]}}},
        {"type": "function", "function": {"name": "g", "arguments": {}}}]}]
    text = render_chat(msgs, None, tpl)
    body = text.split("<|im_start|>assistant\n")[1].split("<|im_end|>")[0]
    p = parse_action(body)
    assert p.kind == "calls" and p.format == fmt
    assert [c.to_dict() for c in p.calls] == [{"name": "f", "arguments": {"a": 1, "s": "q\"x", "b": True, "n": None, "l": [1.5]}}, {"name": "g", "arguments": {}}]
    assert f"call_format={fmt}" in tpl


def test_cli_tiny_model(tmp_path):
    from toolenv.cli import main

    rc = main(["tiny-model", "--out", str(tmp_path / "m"), "--size", "small", "--seed", "1", "--corpus-tasks", "20", "--vocab-size", "600"])
    assert rc == 0
    meta = json.loads((tmp_path / "m" / "toolenv_tiny.json").read_text())
    assert meta["seed"] == 1 and meta["corpus_source"] == "env" and meta["vocab_size"] == 600


@pytest.mark.parametrize("overrides", [{"pretokenizer": "words", "architecture": "llama"}, {"architecture": "llama"}])
def test_other_pipelines_roundtrip(tmp_path, corpus, overrides):
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM, AutoTokenizer

    cfg = TinyModelConfig(vocab_size=512, num_hidden_layers=1, **overrides)
    out = build_tiny_model(tmp_path, corpus=corpus[:30], config=cfg)
    tok = AutoTokenizer.from_pretrained(out)
    raw = Tokenizer.from_file(str(out / "tokenizer.json"))
    for t in corpus[:10] + ["in Lyon -> \"Lyon\"  x\n\n y"]:
        assert tok(t, add_special_tokens=False)["input_ids"] == raw.encode(t).ids
    if overrides.get("pretokenizer") == "words":
        assert type(tok).__name__ == "TokenizersBackend"  # reads tokenizer.json as-is
        a = tok(" Paris", add_special_tokens=False)["input_ids"]
        b = tok('"Paris', add_special_tokens=False)["input_ids"]
        assert a[1:] == b[1:]  # a copied value keeps its tokens after a space or a quote
    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.config.model_type == cfg.architecture
