"""HFAgent on the offline tiny model, playing ToolUse-v0 (single and batched)."""

from __future__ import annotations

import json
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import gymnasium as gym  # noqa: E402

import toolenv  # noqa: E402,F401
from agents.hf import Continuation, HFAgent  # noqa: E402
from agents.tiny import TinyModelConfig, build_tiny_model, tiny_corpus  # noqa: E402
from toolenv.observation import decode_observation  # noqa: E402
from toolenv.parse import parse_action  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny_hf")
    build_tiny_model(out, corpus=tiny_corpus(num_tasks=40, seed=0), config=TinyModelConfig(vocab_size=1024), seed=0)
    return out


@pytest.fixture(scope="module")
def agent(model_dir):
    return HFAgent.from_pretrained(str(model_dir), max_new_tokens=12)


def play(agent, seeds, batch=False):
    """Play one episode per seed (all at once when batch); return [(success, reward, actions)]."""
    envs = [gym.make("ToolUse-v0", seed=0) for _ in seeds]
    obs = [e.reset(seed=s)[0] for e, s in zip(envs, seeds)]
    live = list(range(len(envs)))
    results = [[False, 0.0, []] for _ in envs]
    agent.reset(seed=0)
    while live:
        if batch:
            acts = agent.act_batch([obs[i] for i in live], [envs[i] for i in live])
        else:
            acts = [agent.act(obs[i], envs[i]) for i in live]
        still = []
        for i, a in zip(live, acts):
            assert isinstance(a, str)
            results[i][2].append(a)
            obs[i], r, term, trunc, info = envs[i].step(a)
            results[i][1] += r
            if term or trunc:
                results[i][0] = bool(info.get("success"))
            else:
                still.append(i)
        live = still
    return results


class ForceText:
    """A logits processor that forces, per row, a given token sequence then end-of-turn."""

    def __init__(self, eos_id):
        self.eos_id = eos_id
        self.targets = []
        self.start = None

    def set(self, targets):
        self.targets, self.start = targets, None

    def __call__(self, input_ids, scores):
        if self.start is None:
            self.start = input_ids.shape[1]
        step = input_ids.shape[1] - self.start
        out = torch.full_like(scores, float("-inf"))
        for row in range(scores.shape[0]):
            target = self.targets[row]
            out[row, target[step] if step < len(target) else self.eos_id] = 0.0
        return out


class OracleTextHFAgent(HFAgent):
    """Generates the oracle's text through HFAgent's own path (template, generate, decode)."""

    def act_batch(self, observations, envs=None):
        texts = [e.unwrapped.expert_action() for e in envs]
        self._forcer.set([self.tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts])
        return super().act_batch(observations, envs)


def test_plays_full_episodes_single_and_batched(agent):
    seeds = list(range(4))
    single = play(agent, seeds)
    batched = play(agent, seeds, batch=True)
    for (_, _, acts_s), (_, _, acts_b) in zip(single, batched):
        assert acts_s and all(parse_action(a).kind in ("calls", "answer", "error") for a in acts_s)
        assert acts_s == acts_b  # greedy: left padding does not change the outputs


def test_untrained_scores_low_and_oracle_text_scores_full(model_dir, agent):
    seeds = list(range(8))
    untrained = play(agent, seeds, batch=True)
    forced = OracleTextHFAgent.from_pretrained(str(model_dir), max_new_tokens=2048)
    forced._forcer = ForceText(forced.tokenizer.convert_tokens_to_ids("<|im_end|>"))
    forced.logits_processor = [forced._forcer]
    oracle = play(forced, seeds, batch=True)
    assert sum(s for s, _, _ in untrained) <= 2  # an empty answer can pass an irrelevance task
    assert all(s for s, _, _ in oracle), [a for s, _, a in oracle if not s]
    assert sum(r for _, r, _ in oracle) > sum(r for _, r, _ in untrained) + len(seeds)
    # the forced text came back verbatim, <tool_call> tags included
    assert any("<tool_call>" in a for _, _, acts in oracle for a in acts)


def test_prompt_rendering(agent):
    env = gym.make("ToolUse-v0", seed=0)
    obs, _ = env.reset(seed=5)
    messages, tools = decode_observation(obs)
    p = agent.render_prompt(obs)
    assert p.endswith("<|im_start|>assistant\n") and "# Tools\n- " + tools[0]["function"]["name"] + "(" in p
    assert agent.call_format == "hermes" and agent.native_tools
    env.step(env.unwrapped.expert_action())
    obs2 = env.unwrapped._observation()
    p2 = agent.render_prompt(obs2)
    assert "<tool_response>" in p2 and p2.startswith(p[: len(p) - len("<|im_start|>assistant\n")])


def test_generate_logprobs_and_sampling_seed(agent):
    p = agent.render_prompt(json.dumps({"tools": [], "messages": [{"role": "user", "content": "hi"}]}))
    g = agent.generate([p, p + "<tool_call>"], return_logprobs=True, max_new_tokens=8)
    assert len(g.texts) == 2 and all(len(lp) == len(ids) for lp, ids in zip(g.logprobs, g.token_ids))
    assert all(x <= 0 for lp in g.logprobs for x in lp)
    s1 = agent.generate([p] * 3, do_sample=True, temperature=1.5, seed=7, max_new_tokens=8).texts
    s2 = agent.generate([p] * 3, do_sample=True, temperature=1.5, seed=7, max_new_tokens=8).texts
    assert s1 == s2 and len(set(s1)) > 1
    # per-episode seeding: same reset seed -> same sampled actions
    a = HFAgent(agent.model, agent.tokenizer, do_sample=True, temperature=1.5, max_new_tokens=8)
    a.reset(seed=3)
    first = [a.act(json.dumps({"tools": [], "messages": [{"role": "user", "content": "hi"}]})) for _ in range(2)]
    a.reset(seed=3)
    assert first == [a.act(json.dumps({"tools": [], "messages": [{"role": "user", "content": "hi"}]})) for _ in range(2)]


def test_sample_continuations(agent):
    env = gym.make("ToolUse-v0", seed=0)
    obs, _ = env.reset(seed=1)
    prompt = agent.render_prompt(obs)
    prefix = '<tool_call>\n{"name": "'
    c1 = agent.sample_continuations(prompt, prefix, k=5, max_new_tokens=10, temperature=1.0, seed=11)
    assert len(c1) == 5 and all(isinstance(c, Continuation) for c in c1)
    text, lps = c1[0]
    assert isinstance(text, str) and len(lps) == len(c1[0].token_ids) <= 10
    # reproducible, and the same with and without the stored prefix cache
    c2 = agent.sample_continuations(prompt, prefix, k=5, max_new_tokens=10, temperature=1.0, seed=11)
    nocache = HFAgent(agent.model, agent.tokenizer, prefix_cache=False)
    c3 = nocache.sample_continuations(prompt, prefix, k=5, max_new_tokens=10, temperature=1.0, seed=11)
    assert [c.text for c in c1] == [c.text for c in c2] == [c.text for c in c3]
    for a, b in zip(c1, c3):
        assert a.logprobs == pytest.approx(b.logprobs, abs=1e-4)
    # a different prefix reuses the prompt part of the cache and still matches a fresh run
    c4 = agent.sample_continuations(prompt, "Sure", k=2, max_new_tokens=6, seed=2)
    c5 = nocache.sample_continuations(prompt, "Sure", k=2, max_new_tokens=6, seed=2)
    assert [c.text for c in c4] == [c.text for c in c5]
    # greedy continuation == model.generate greedy, with the same log-probs
    g = agent.generate([prompt + prefix], return_logprobs=True, max_new_tokens=10)
    c = agent.sample_continuations(prompt, prefix, k=1, max_new_tokens=10, temperature=0)[0]
    assert c.text == g.texts[0] and c.logprobs == pytest.approx(g.logprobs[0], abs=1e-4)


def test_prefix_cache_invalidated_when_weights_change(model_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(model_dir)
    tok = AutoTokenizer.from_pretrained(model_dir)
    a = HFAgent(model, tok)
    prompt = "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
    before = a.sample_continuations(prompt, "", k=1, max_new_tokens=4, temperature=0)[0]
    with torch.no_grad():
        model.model.layers[0].mlp.down_proj.weight.mul_(50.0)  # an in-place update, like an optimizer step
    after = a.sample_continuations(prompt, "", k=1, max_new_tokens=4, temperature=0)[0]
    fresh = HFAgent(model, tok, prefix_cache=False).sample_continuations(prompt, "", k=1, max_new_tokens=4, temperature=0)[0]
    assert after.logprobs == pytest.approx(fresh.logprobs, abs=1e-5) and after.logprobs != pytest.approx(before.logprobs, abs=1e-5)


def test_template_without_tool_support_gets_tools_inline(model_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    tok.chat_template = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    a = HFAgent(AutoModelForCausalLM.from_pretrained(model_dir), tok, call_format="python")
    assert not a.native_tools and a.call_format == "python"
    tools = [{"type": "function", "function": {"name": "f", "description": "F.", "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}}}]
    msgs = [{"role": "user", "content": "go"},
            {"role": "assistant", "content": "", "tool_calls": [{"id": "call_0", "type": "function", "function": {"name": "f", "arguments": {"x": 1}}}]},
            {"role": "tool", "tool_call_id": "call_0", "name": "f", "content": "{\"ok\": true}"}]
    p = a.render_prompt(json.dumps({"tools": tools, "messages": msgs}))
    assert p.startswith("<|im_start|>system\n# Tools\n- f(x: integer) - F.\nCall tools as a Python list")
    assert "<|im_start|>assistant\n[f(x=1)]<|im_end|>" in p
    assert '<|im_start|>user\n<tool_response>\n{"ok": true}\n</tool_response><|im_end|>' in p


def test_peft_adapter_loading(model_dir, tmp_path):
    peft = pytest.importorskip("peft")
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(model_dir)
    lora = peft.get_peft_model(base, peft.LoraConfig(r=2, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    lora.save_pretrained(tmp_path / "adapter")
    a = HFAgent.from_pretrained(str(model_dir), adapter=str(tmp_path / "adapter"), max_new_tokens=4)
    assert type(a.model).__name__.startswith("Peft")
    out = a.act(json.dumps({"tools": [], "messages": [{"role": "user", "content": "hi"}]}))
    assert isinstance(out, str)
    merged = HFAgent.from_pretrained(str(model_dir), adapter=str(tmp_path / "adapter"), merge_adapter=True, max_new_tokens=4)
    assert merged.act(json.dumps({"tools": [], "messages": [{"role": "user", "content": "hi"}]})) == out


def test_gen_batch_size_groups_by_length_and_keeps_order(model_dir):
    a = HFAgent.from_pretrained(str(model_dir), max_new_tokens=4, gen_batch_size=2)
    obs = []
    for i in range(5):
        env = gym.make("ToolUse-v0", seed=0)
        o, _ = env.reset(seed=i)
        obs.append(o)
    prompts = [a.render_prompt(o) for o in obs]
    chunks = []

    def fake_generate(ps, **kw):  # record the chunks; answer each prompt with its own index
        chunks.append([prompts.index(p) for p in ps])
        from agents.hf import GenerationResult

        return GenerationResult(texts=[f"#{prompts.index(p)}" for p in ps], token_ids=[[] for _ in ps],
                                finished=[True] * len(ps))

    a.generate = fake_generate
    assert a.act_batch(obs) == [f"#{i}" for i in range(5)]
    assert [len(c) for c in chunks] == [2, 2, 1]
    lengths = [len(prompts[i]) for c in chunks for i in c]
    assert lengths == sorted(lengths)
    with pytest.raises(ValueError, match="gen_batch_size"):
        HFAgent.from_pretrained(str(model_dir), gen_batch_size=0)
