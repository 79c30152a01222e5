"""`HFAgent`: any ``transformers`` causal LM + tokenizer as a ToolUse-v0 agent.

The observation is rendered with the tokenizer's chat template and ``tools=`` (tool results as
``tool`` role messages), the model generates, and the raw text is the action (special tokens
dropped, ``<tool_call>`` tags kept). Greedy or sampled (temperature, top_p, top_k, seed) through
``GenerationConfig``; batched with left padding and the KV cache; optional per-token
log-probabilities. For tree search, :meth:`HFAgent.sample_continuations` samples ``k``
continuations of one prompt + partial assistant prefix from a shared-prefix KV cache.

torch/transformers are imported lazily (inside functions), so ``import agents`` stays light.
"""

from __future__ import annotations

import copy
import json
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from agents.base import Agent

__all__ = ["HFAgent", "GenerationResult", "Continuation"]

_CALL_FORMATS = ("auto", "hermes", "json", "python")
_KEEP_TOKENS = ("<tool_call>", "</tool_call>")


@dataclass
class GenerationResult:
    """Output of :meth:`HFAgent.generate`, one entry per prompt (times ``num_return_sequences``).

    ``logprobs[i][t]`` is log p(token t | prompt, tokens < t) under the model's own distribution
    (temperature 1, no top-p), for the generated tokens up to and including the end-of-turn token.
    """

    texts: list[str]
    token_ids: list[list[int]]
    finished: list[bool]  # stopped on an end-of-turn token (vs. ran out of max_new_tokens)
    logprobs: list[list[float]] | None = None
    prompt_tokens: list[int] = field(default_factory=list)


@dataclass
class Continuation:
    """One sampled continuation. Unpacks as ``text, logprobs = continuation``."""

    text: str
    logprobs: list[float]
    token_ids: list[int]
    finished: bool  # stopped on an end-of-turn token or a stop condition (vs. ran out of tokens)
    eos: bool = False  # stopped on an end-of-turn token: the turn is complete
    token_ends: list[int] = field(default_factory=list)  # offset in ``text`` where each token ends

    def __iter__(self) -> Iterator[Any]:
        return iter((self.text, self.logprobs))

    @property
    def sum_logprob(self) -> float:
        return float(sum(self.logprobs))


class HFAgent(Agent):
    """A transformers causal LM as an agent.

    Args:
        model, tokenizer: objects (see :meth:`from_pretrained` for a path).
        call_format: ``auto`` (read from the chat template: ``hermes`` for Qwen/Hermes-style
            templates and the tiny model), ``hermes``, ``json`` or ``python``. When the template has
            no native tool support, tools are written into the system prompt and past calls into
            assistant text in this format (tool results become ``<tool_response>`` user turns).
        max_new_tokens, do_sample, temperature, top_p, top_k: generation defaults.
        seed: base seed for sampling; ``reset(seed)`` re-seeds per episode. Every generate call
            derives its own seed, so a run is reproducible.
        max_prompt_tokens: left-truncate longer prompts (default: model context - max_new_tokens).
        use_cache: KV cache during generation (default True).
        prefix_cache: keep the last prompt's KV cache for :meth:`sample_continuations` (reused
            when the next prompt shares a prefix; invalidated when the weights change).
        logits_processor: optional list of ``transformers`` logits processors (constrained decoding).
        gen_batch_size: ``act_batch`` decodes at most this many prompts together, grouped by length
            (late turns of multi-turn episodes are long; one left-padded batch of mixed lengths
            pays for the longest in every row). None = all at once.
    """

    name = "hf"

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        call_format: str = "auto",
        max_new_tokens: int = 384,
        do_sample: bool = False,
        temperature: float = 1.0,
        top_p: float = 1.0,
        top_k: int = 0,
        seed: int | None = None,
        max_prompt_tokens: int | None = None,
        use_cache: bool = True,
        prefix_cache: bool = True,
        logits_processor: Sequence[Any] | None = None,
        name: str | None = None,
        gen_batch_size: int | None = None,
    ) -> None:
        if call_format not in _CALL_FORMATS:
            raise ValueError(f"call_format must be one of {_CALL_FORMATS}, got {call_format!r}")
        self.model = model
        self.tokenizer = tokenizer
        if getattr(tokenizer, "pad_token_id", None) is None:
            tokenizer.pad_token = tokenizer.eos_token
        template = getattr(tokenizer, "chat_template", None)
        if isinstance(template, dict):  # several named templates
            template = template.get("tool_use") or template.get("default") or next(iter(template.values()), None)
        self._template: str | None = template
        from agents.tiny import template_call_format

        detected = template_call_format(template)
        self.call_format = (detected or "hermes") if call_format == "auto" else call_format
        self.native_tools = bool(template) and "tools" in template and "tool_calls" in template
        self.max_new_tokens = int(max_new_tokens)
        self.do_sample = bool(do_sample)
        self.temperature = float(temperature)
        self.top_p = float(top_p)
        self.top_k = int(top_k)
        self.seed = seed
        self.use_cache = bool(use_cache)
        self.prefix_cache = bool(prefix_cache)
        self.logits_processor = list(logits_processor) if logits_processor else []
        if gen_batch_size is not None and int(gen_batch_size) < 1:
            raise ValueError(f"gen_batch_size must be >= 1, got {gen_batch_size}")
        self.gen_batch_size = int(gen_batch_size) if gen_batch_size else None
        if name:
            self.name = name
        ctx = getattr(getattr(model, "config", None), "max_position_embeddings", None) or 4096
        self.max_prompt_tokens = int(max_prompt_tokens or max(16, ctx - self.max_new_tokens))
        self._episode_seed = seed
        self._calls = 0
        self._pcache: tuple[tuple[int, ...], Any, Any, int] | None = None
        self._eos_ids = self._find_eos_ids()
        self._drop_ids = self._find_drop_ids()
        self._warned_truncate = False

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_pretrained(
        cls,
        path: str,
        device_map: Any = None,
        torch_dtype: Any = None,
        adapter: str | None = None,
        *,
        device: Any = None,
        tokenizer_path: str | None = None,
        merge_adapter: bool = False,
        **kwargs: Any,
    ) -> "HFAgent":
        """Load a local model directory (no hub access is attempted when ``HF_HUB_OFFLINE=1``).

        ``device_map``/``torch_dtype`` go to ``from_pretrained`` (``"auto"``, ``"bfloat16"``,
        ``torch.float16``...); ``device`` moves the model when no ``device_map`` is given;
        ``adapter``: a PEFT adapter directory (``merge_adapter=True`` merges it). Other keyword
        arguments are :class:`HFAgent` options (``max_new_tokens``, ``do_sample``...).
        """
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(tokenizer_path or path)
        tokenizer.padding_side = "left"
        load_kwargs: dict[str, Any] = {}
        if device_map is not None:
            load_kwargs["device_map"] = device_map
        if torch_dtype is not None:
            if isinstance(torch_dtype, str) and torch_dtype != "auto":
                torch_dtype = getattr(torch, torch_dtype)
            load_kwargs["dtype"] = torch_dtype
        model = AutoModelForCausalLM.from_pretrained(path, **load_kwargs)
        if adapter:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, adapter)
            if merge_adapter:
                model = model.merge_and_unload()
        if device is not None and device_map is None:
            model = model.to(device)
        model.eval()
        return cls(model, tokenizer, **kwargs)

    # ------------------------------------------------------------------ Agent API
    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self._episode_seed = seed
            self._calls = 0

    def act(self, observation: str, env: Any | None = None) -> str:
        return self.act_batch([observation], None if env is None else [env])[0]

    def act_batch(self, observations: Sequence[str], envs: Sequence[Any] | None = None) -> list[str]:
        prompts = [self.render_prompt(o) for o in observations]
        n = self.gen_batch_size
        if not n or len(prompts) <= n:
            return self.generate(prompts).texts
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))  # similar lengths together
        out: list[str] = [""] * len(prompts)
        for j in range(0, len(order), n):
            chunk = order[j:j + n]
            for i, text in zip(chunk, self.generate([prompts[i] for i in chunk]).texts):
                out[i] = text
        return out

    # ------------------------------------------------------------------ prompts
    def render_prompt(self, observation: str) -> str:
        """The chat-template text of an observation, up to and including the generation prompt."""
        from toolenv.observation import decode_observation

        messages, tools = decode_observation(observation)
        return self.render_messages(messages, tools, add_generation_prompt=True)

    def render_messages(
        self, messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]] | None = None, add_generation_prompt: bool = True
    ) -> str:
        msgs = [dict(m) for m in messages]
        if not self.native_tools:
            msgs = self._inline_tools(msgs, tools or [])
            tools = None
        return self.tokenizer.apply_chat_template(
            msgs, tools=list(tools) if tools else None, add_generation_prompt=add_generation_prompt, tokenize=False
        )

    def _inline_tools(self, msgs: list[dict[str, Any]], tools: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """For templates without tool support: tools in the system prompt, calls as text."""
        from agents.tiny import _CALL_INSTRUCTIONS, render_tools_compact
        from toolenv.parse import render_calls

        out: list[dict[str, Any]] = []
        if tools:
            sys_text = "# Tools\n" + render_tools_compact(tools) + "\n" + _CALL_INSTRUCTIONS[self.call_format]
            if msgs and msgs[0].get("role") == "system":
                sys_text = (msgs[0].get("content") or "") + "\n\n" + sys_text
                msgs = msgs[1:]
            out.append({"role": "system", "content": sys_text})
        for m in msgs:
            role = m.get("role")
            if role == "assistant" and m.get("tool_calls"):
                calls = []
                for tc in m["tool_calls"]:
                    f = tc.get("function", tc)
                    args = f.get("arguments", {})
                    if isinstance(args, str):
                        try:
                            args = json.loads(args)
                        except ValueError:
                            args = {}
                    calls.append({"name": f.get("name", ""), "arguments": args})
                text = render_calls(calls, self.call_format)
                content = m.get("content") or ""
                if content and self.call_format == "hermes":  # other formats cannot carry text beside calls
                    text = content + "\n" + text
                out.append({"role": "assistant", "content": text})
            elif role == "tool":
                block = "<tool_response>\n" + str(m.get("content", "")) + "\n</tool_response>"
                if out and out[-1].get("role") == "user" and out[-1].get("_tool"):
                    out[-1]["content"] += "\n" + block
                else:
                    out.append({"role": "user", "content": block, "_tool": True})
            else:
                out.append({"role": role, "content": m.get("content") or ""})
        for m in out:
            m.pop("_tool", None)
        return out

    # ------------------------------------------------------------------ tokens
    def _find_eos_ids(self) -> list[int]:
        ids: list[int] = []
        gc = getattr(self.model, "generation_config", None)
        for src in (getattr(gc, "eos_token_id", None), getattr(self.tokenizer, "eos_token_id", None)):
            if isinstance(src, int):
                ids.append(src)
            elif isinstance(src, (list, tuple)):
                ids.extend(int(x) for x in src)
        vocab = self.tokenizer.get_vocab()
        for t in ("<|im_end|>", "<|eot_id|>", "<|endoftext|>", "<|end|>"):
            if t in vocab:
                ids.append(vocab[t])
        return sorted(set(ids))

    def _find_drop_ids(self) -> set[int]:
        keep = {self.tokenizer.convert_tokens_to_ids(t) for t in _KEEP_TOKENS if t in self.tokenizer.get_vocab()}
        return {i for i in self.tokenizer.all_special_ids if i not in keep} | (set(self._eos_ids) - keep)

    def _decode(self, ids: Sequence[int]) -> str:
        ids = [int(i) for i in ids if int(i) not in self._drop_ids]
        return self.tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)

    def _encode(self, text: str) -> list[int]:
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(ids) > self.max_prompt_tokens:
            if not self._warned_truncate:
                warnings.warn(f"prompt of {len(ids)} tokens left-truncated to {self.max_prompt_tokens}", stacklevel=3)
                self._warned_truncate = True
            ids = ids[-self.max_prompt_tokens :]
        return list(ids)

    @property
    def device(self) -> Any:
        dev = getattr(self.model, "device", None)
        if dev is None:
            dev = next(self.model.parameters()).device
        return dev

    def _next_seed(self) -> int:
        base = 0 if self._episode_seed is None else int(self._episode_seed)
        s = (base * 1_000_003 + self._calls * 7919 + 12345) % (2**31 - 1)
        self._calls += 1
        return s

    # ------------------------------------------------------------------ generation
    def generate(
        self,
        prompts: Sequence[str] | str,
        *,
        max_new_tokens: int | None = None,
        do_sample: bool | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        seed: int | None = None,
        num_return_sequences: int = 1,
        return_logprobs: bool = False,
        use_cache: bool | None = None,
        min_new_tokens: int | None = None,
    ) -> GenerationResult:
        """Generate from rendered prompt texts (batched, left padding) with ``model.generate``.

        ``seed`` (sampling only) defaults to a per-call seed derived from the agent's seed;
        ``min_new_tokens`` suppresses end-of-turn tokens until that length (benchmarks)."""
        import torch
        from transformers import GenerationConfig, LogitsProcessorList

        if isinstance(prompts, str):
            prompts = [prompts]
        do_sample = self.do_sample if do_sample is None else do_sample
        temperature = self.temperature if temperature is None else temperature
        if do_sample and temperature <= 0:
            do_sample = False
        encoded = [self._encode(p) for p in prompts]
        width = max(len(e) for e in encoded)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.tensor([[pad] * (width - len(e)) + e for e in encoded], dtype=torch.long)
        attention = torch.tensor([[0] * (width - len(e)) + [1] * len(e) for e in encoded], dtype=torch.long)
        gcfg = GenerationConfig(
            max_new_tokens=int(max_new_tokens or self.max_new_tokens),
            min_new_tokens=int(min_new_tokens) if min_new_tokens else None,
            do_sample=bool(do_sample),
            temperature=float(temperature) if do_sample else None,
            top_p=float(self.top_p if top_p is None else top_p) if do_sample else None,
            top_k=int(self.top_k if top_k is None else top_k) if do_sample else None,
            num_return_sequences=int(num_return_sequences),
            eos_token_id=self._eos_ids,
            pad_token_id=pad,
            use_cache=self.use_cache if use_cache is None else bool(use_cache),
            return_dict_in_generate=True,
            output_logits=bool(return_logprobs),
        )
        dev = self.device
        kwargs: dict[str, Any] = dict(input_ids=input_ids.to(dev), attention_mask=attention.to(dev), generation_config=gcfg)
        if self.logits_processor:
            kwargs["logits_processor"] = LogitsProcessorList(self.logits_processor)
        with torch.no_grad():
            if do_sample:
                s = self._next_seed() if seed is None else int(seed)
                devices = [dev] if getattr(dev, "type", "cpu") == "cuda" else []
                with torch.random.fork_rng(devices=devices):
                    torch.manual_seed(s)
                    out = self.model.generate(**kwargs)
            else:
                out = self.model.generate(**kwargs)
        seqs = out.sequences[:, width:].tolist()
        logps = None
        if return_logprobs:
            steps = torch.stack([lg.float() for lg in out.logits], dim=1)  # (B, T, V)
            lp = torch.log_softmax(steps, dim=-1)
            gen = out.sequences[:, width : width + steps.shape[1]].to(lp.device)
            logps_all = lp.gather(-1, gen.unsqueeze(-1)).squeeze(-1).tolist()
        texts, ids_out, finished, lp_out = [], [], [], []
        eos = set(self._eos_ids)
        for i, row in enumerate(seqs):
            cut, done = len(row), False
            for j, t in enumerate(row):
                if t in eos:
                    cut, done = j + 1, True
                    break
            toks = row[:cut]
            ids_out.append(toks)
            finished.append(done)
            texts.append(self._decode(toks))
            if return_logprobs:
                lp_out.append([float(x) for x in logps_all[i][:cut]])
        if return_logprobs:
            logps = lp_out
        return GenerationResult(
            texts=texts,
            token_ids=ids_out,
            finished=finished,
            logprobs=logps,
            prompt_tokens=[len(e) for e in encoded for _ in range(num_return_sequences)],
        )

    # ------------------------------------------------------------------ tree-search sampling
    def _weights_version(self) -> int:
        return sum(p._version for p in self.model.parameters())

    def clear_cache(self) -> None:
        """Forget the stored prefix KV cache."""
        self._pcache = None

    def _prefill(self, ids: list[int]) -> tuple[Any, Any]:
        """KV cache for ``ids`` (batch 1) and the next-token logits; reuses the stored cache of
        the previous prompt up to the common prefix."""
        import torch

        version = self._weights_version()
        start, cache = 0, None
        if self.prefix_cache and self._pcache is not None and self._pcache[3] == version:
            old_ids, old_cache, old_logits, _ = self._pcache
            common = 0
            for a, b in zip(old_ids, ids):
                if a != b:
                    break
                common += 1
            if common == len(ids) == len(old_ids):
                return copy.deepcopy(old_cache), old_logits
            start = min(common, len(ids) - 1)
            if start > 0:
                cache = copy.deepcopy(old_cache)
                cache.crop(start - len(old_ids))  # negative: tokens to remove
            else:
                start = 0
        dev = self.device
        x = torch.tensor([ids[start:]], dtype=torch.long, device=dev)
        out = self.model(input_ids=x, cache=cache, use_cache=True, logits_to_keep=1)
        logits = out.logits[:, -1, :].float()
        cache = out.cache if getattr(out, "cache", None) is not None else out.past_key_values
        if self.prefix_cache:
            self._pcache = (tuple(ids), copy.deepcopy(cache), logits, version)
        return cache, logits

    def sample_continuations(
        self,
        prompt_text: str,
        prefix: str = "",
        k: int = 4,
        max_new_tokens: int | None = None,
        temperature: float = 1.0,
        seed: int | None = None,
        top_p: float = 1.0,
        top_k: int = 0,
        stop: Sequence[str] | None = None,
        stop_fn: Callable[[str], bool] | None = None,
    ) -> list[Continuation]:
        """Sample ``k`` continuations of ``prompt_text + prefix`` (e.g. :meth:`render_prompt` plus
        a partial assistant message) in one batch.

        The prompt is encoded once and run forward once (reusing the previous call's KV cache up
        to the common prefix); the cache is then expanded to ``k`` rows. ``temperature <= 0`` is
        greedy. Returns one :class:`Continuation` per sample: the generated text (without the
        prefix; special tokens other than ``<tool_call>`` tags dropped) and per-token
        log-probabilities under the model (temperature 1). Rows stop at an end-of-turn token, at
        ``max_new_tokens``, when the text ends with one of ``stop``, or when ``stop_fn(text so far)``
        is true (the tree search stops a sibling once it holds a whole step). ``eos`` says the row
        ended with an end-of-turn token; ``token_ends`` where each token's text ends.
        """
        import torch

        k = int(k)
        if k < 1:
            return []
        max_new = int(max_new_tokens or self.max_new_tokens)
        ids = self._encode(prompt_text + prefix)
        if not ids:
            raise ValueError("empty prompt")
        with torch.no_grad():
            cache, logits = self._prefill(ids)
            if k > 1:
                cache.batch_repeat_interleave(k)
            logits = logits.expand(k, -1)
            gen = torch.Generator(device=self.device)
            gen.manual_seed(self._next_seed() if seed is None else int(seed))
            eos = torch.tensor(self._eos_ids or [-1], device=self.device)
            tokens: list[list[int]] = [[] for _ in range(k)]
            lps: list[list[float]] = [[] for _ in range(k)]
            finished = [False] * k
            ended = [False] * k
            active = list(range(k))  # original row index of each live cache row
            for step in range(max_new):
                logp = torch.log_softmax(logits, dim=-1)
                if temperature <= 0:
                    nxt = logp.argmax(dim=-1)
                elif temperature == 1.0 and not (0.0 < top_p < 1.0) and not top_k:
                    nxt = torch.multinomial(logp.exp(), 1, generator=gen).squeeze(-1)
                else:
                    nxt = _sample(logits / float(temperature), top_p, top_k, gen)
                chosen = logp.gather(-1, nxt.unsqueeze(-1)).squeeze(-1)
                is_eos = torch.isin(nxt, eos)
                nxt_l, ch_l, eos_l = nxt.tolist(), chosen.tolist(), is_eos.tolist()
                keep_rows = []
                for r, row in enumerate(active):
                    tokens[row].append(nxt_l[r])
                    lps[row].append(float(ch_l[r]))
                    done = ended[row] = bool(eos_l[r])
                    if not done and stop:
                        tail = self._decode(tokens[row][-16:])
                        done = any(tail.endswith(s) for s in stop)
                    if not done and stop_fn is not None:
                        done = bool(stop_fn(self._decode(tokens[row])))
                    if done:
                        finished[row] = True
                    else:
                        keep_rows.append(r)
                if not keep_rows or step == max_new - 1:
                    break
                if len(keep_rows) < len(active):
                    sel = torch.tensor(keep_rows, device=self.device)
                    cache.batch_select_indices(sel)
                    nxt = nxt[sel]
                    active = [active[r] for r in keep_rows]
                out = self.model(input_ids=nxt.unsqueeze(-1), cache=cache, use_cache=True)
                cache = out.cache if getattr(out, "cache", None) is not None else out.past_key_values
                logits = out.logits[:, -1, :].float()
        return [
            Continuation(text=self._decode(tokens[i]), logprobs=lps[i], token_ids=tokens[i], finished=finished[i],
                         eos=ended[i], token_ends=self.token_ends(tokens[i]))
            for i in range(k)
        ]

    def token_ends(self, ids: Sequence[int]) -> list[int]:
        """Length of the decoded text after each token (end-of-turn tokens decode to nothing)."""
        return [len(self._decode(ids[: i + 1])) for i in range(len(ids))]

    def score(self, prompt_text: str, continuations: Sequence[str]) -> list[list[float]]:
        """Per-token log-probabilities of given continuation texts after ``prompt_text`` (batched,
        one forward pass); e.g. priors of expert actions. Each list covers the continuation's tokens."""
        import torch

        p_ids = self._encode(prompt_text)
        rows = []
        for c in continuations:
            full = self.tokenizer(prompt_text + c, add_special_tokens=False)["input_ids"]
            # tokens of the continuation = the suffix beyond the prompt's tokens (BPE may merge
            # across the boundary; take the longest common prefix with the prompt's ids)
            n = 0
            while n < min(len(full), len(p_ids)) and full[n] == p_ids[n]:
                n += 1
            rows.append((full, max(1, n)))
        width = max(len(f) for f, _ in rows)
        pad = self.tokenizer.pad_token_id
        x = torch.tensor([[pad] * (width - len(f)) + f for f, _ in rows], dtype=torch.long, device=self.device)
        mask = torch.tensor([[0] * (width - len(f)) + [1] * len(f) for f, _ in rows], dtype=torch.long, device=self.device)
        with torch.no_grad():
            out = self.model(input_ids=x, attention_mask=mask, use_cache=False)
            lp = torch.log_softmax(out.logits.float(), dim=-1)
        result = []
        for i, (f, n) in enumerate(rows):
            off = width - len(f)
            vals = [float(lp[i, off + t - 1, f[t]]) for t in range(n, len(f))]
            result.append(vals)
        return result


def _sample(logits: Any, top_p: float, top_k: int, gen: Any) -> Any:
    import torch

    if top_k and top_k > 0 and top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1, None]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if 0.0 < top_p < 1.0:
        sorted_logits, idx = torch.sort(logits, descending=True, dim=-1)
        probs = torch.softmax(sorted_logits, dim=-1)
        cum = probs.cumsum(dim=-1)
        remove = cum - probs > top_p  # keep the smallest set whose mass reaches top_p
        sorted_logits = sorted_logits.masked_fill(remove, float("-inf"))
        logits = torch.full_like(logits, float("-inf")).scatter(-1, idx, sorted_logits)
    probs = torch.softmax(logits, dim=-1)
    return torch.multinomial(probs, 1, generator=gen).squeeze(-1)
