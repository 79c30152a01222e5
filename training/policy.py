"""The policy as the trainer uses it: render, generate (batched, KV cache), sample sibling
continuations from one shared prefix, and score texts (log-probs, perplexity).

Kept small and explicit so the MCTS reads top to bottom. Heavy imports stay inside functions.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Callable, Sequence


@dataclass
class Sample:
    text: str
    token_logprobs: list[float]
    token_ends: list[int]  # character offset in ``text`` where each generated token ends
    finished: bool  # ended with EOS (the turn is complete)


class Policy:
    """A causal LM + tokenizer with a chat template that supports ``tools=``."""

    def __init__(self, model: Any, tokenizer: Any):
        import torch

        self.torch = torch
        self.model = model
        self.tok = tokenizer
        if self.tok.pad_token_id is None:
            self.tok.pad_token = self.tok.eos_token
        self.eos_id = self.tok.eos_token_id
        stop = {self.eos_id}
        gen_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
        if isinstance(gen_eos, int):
            stop.add(gen_eos)
        elif isinstance(gen_eos, (list, tuple)):
            stop.update(gen_eos)
        self.stop_ids = {i for i in stop if i is not None}

    @classmethod
    def load(cls, path: str) -> "Policy":
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from training.model import load_tokenizer

        tok = load_tokenizer(path)
        model = AutoModelForCausalLM.from_pretrained(path)
        model.eval()
        return cls(model, tok)

    # ------------------------------------------------------------------ rendering
    def render(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | str | None) -> str:
        if isinstance(tools, str):
            tools = json.loads(tools)
        return self.tok.apply_chat_template(messages, tools=tools or None, add_generation_prompt=True, tokenize=False)

    def render_observation(self, observation: str) -> str:
        obj = json.loads(observation)
        return self.render(obj["messages"], obj["tools"])

    def assistant_text(self, messages: list[dict[str, Any]], tools: Any, assistant: dict[str, Any]) -> str:
        """The exact text the template renders for ``assistant`` after ``messages`` (no EOS)."""
        if isinstance(tools, str):
            tools = json.loads(tools)
        before = self.tok.apply_chat_template(messages, tools=tools or None, add_generation_prompt=True, tokenize=False)
        full = self.tok.apply_chat_template(messages + [assistant], tools=tools or None, tokenize=False)
        if not full.startswith(before):
            raise ValueError("chat template does not render the prompt as a prefix of the full conversation")
        text = full[len(before):]
        eos = self.tok.eos_token or ""
        cut = text.find(eos) if eos else -1
        return (text[:cut] if cut >= 0 else text).rstrip("\n")

    # ------------------------------------------------------------------ generation
    def _encode_left_padded(self, texts: Sequence[str]):
        torch = self.torch
        ids = [self.tok(t, add_special_tokens=False)["input_ids"] for t in texts]
        n = max(len(x) for x in ids)
        pad = self.tok.pad_token_id
        input_ids = torch.full((len(ids), n), pad, dtype=torch.long)
        attn = torch.zeros((len(ids), n), dtype=torch.long)
        for i, x in enumerate(ids):
            input_ids[i, n - len(x):] = torch.tensor(x, dtype=torch.long)
            attn[i, n - len(x):] = 1
        return input_ids.to(self.device), attn.to(self.device)

    @property
    def device(self) -> Any:
        """Where the model's weights are (inputs are put there; CPU for models without a device)."""
        return getattr(self.model, "device", None) or self.torch.device("cpu")

    def generate(
        self,
        prompts: Sequence[str],
        max_new_tokens: int,
        temperature: float = 0.0,
        seed: int = 0,
        batch_size: int = 32,
    ) -> list[str]:
        """Greedy (temperature 0) or sampled completions, batched with left padding and KV cache."""
        out: list[str] = []
        for i in range(0, len(prompts), batch_size):
            chunk = list(prompts[i:i + batch_size])
            out.extend(s.text for s in self._decode_batch(chunk, max_new_tokens, temperature, seed + i))
        return out

    def _decode_batch(
        self,
        texts: Sequence[str],
        max_new_tokens: int,
        temperature: float,
        seed: int,
        stop_fn: Callable[[str], bool] | None = None,
        expand: int = 1,
        use_cache: bool = True,
    ) -> list[Sample]:
        """Decode from ``texts`` (each repeated ``expand`` times, sharing one prefix forward)."""
        torch = self.torch
        model = self.model
        input_ids, attn = self._encode_left_padded(texts)
        gen = torch.Generator(device=input_ids.device).manual_seed(int(seed) & 0x7FFFFFFF)
        with torch.no_grad():
            pos = (attn.cumsum(-1) - 1).clamp(min=0)
            if use_cache:
                out = model(input_ids=input_ids, attention_mask=attn, position_ids=pos, use_cache=True)
                cache = out.cache
                logits = out.logits[:, -1, :]
                if expand > 1:  # siblings share the prefix: compute it once, copy the cache
                    cache.batch_repeat_interleave(expand)
                    logits = logits.repeat_interleave(expand, dim=0)
                    attn = attn.repeat_interleave(expand, dim=0)
                    pos = pos.repeat_interleave(expand, dim=0)
                    input_ids = input_ids.repeat_interleave(expand, dim=0)
            else:
                if expand > 1:
                    attn = attn.repeat_interleave(expand, dim=0)
                    pos = pos.repeat_interleave(expand, dim=0)
                    input_ids = input_ids.repeat_interleave(expand, dim=0)
                logits = model(input_ids=input_ids, attention_mask=attn, position_ids=pos).logits[:, -1, :]
            b = input_ids.shape[0]
            toks: list[list[int]] = [[] for _ in range(b)]
            lps: list[list[float]] = [[] for _ in range(b)]
            done = [False] * b
            finished = [False] * b
            texts_so_far = [""] * b
            ends: list[list[int]] = [[] for _ in range(b)]
            next_pos = pos[:, -1:] + 1
            for _step in range(max_new_tokens):
                logp = torch.log_softmax(logits.float(), dim=-1)
                if temperature and temperature > 0:
                    probs = torch.softmax(logits.float() / temperature, dim=-1)
                    nxt = torch.multinomial(probs, 1, generator=gen).squeeze(1)
                else:
                    nxt = logits.argmax(-1)
                chosen_lp = logp.gather(1, nxt[:, None]).squeeze(1)
                for j in range(b):
                    if done[j]:
                        continue
                    t = int(nxt[j])
                    if t in self.stop_ids:
                        done[j] = True
                        finished[j] = True
                        continue
                    toks[j].append(t)
                    lps[j].append(float(chosen_lp[j]))
                    piece = self._piece(t)
                    texts_so_far[j] += piece
                    ends[j].append(len(texts_so_far[j]))
                    if stop_fn is not None and stop_fn(texts_so_far[j]):
                        done[j] = True
                if all(done):
                    break
                feed = torch.where(torch.tensor(done, device=nxt.device), torch.full_like(nxt, self.tok.pad_token_id), nxt)
                attn = torch.cat([attn, torch.ones((b, 1), dtype=attn.dtype, device=attn.device)], dim=1)
                if use_cache:
                    out = model(
                        input_ids=feed[:, None], attention_mask=attn, position_ids=next_pos,
                        cache=cache, use_cache=True,
                    )
                    cache = out.cache
                    logits = out.logits[:, -1, :]
                else:
                    input_ids = torch.cat([input_ids, feed[:, None]], dim=1)
                    pos = torch.cat([pos, next_pos], dim=1)
                    logits = model(input_ids=input_ids, attention_mask=attn, position_ids=pos).logits[:, -1, :]
                next_pos = next_pos + 1
        samples = []
        for j in range(b):
            text = self.tok.decode(toks[j], skip_special_tokens=False) if toks[j] else ""
            tok_ends = [min(e, len(text)) for e in ends[j]]
            samples.append(Sample(text=text, token_logprobs=lps[j], token_ends=tok_ends, finished=finished[j]))
        return samples

    def _piece(self, token_id: int) -> str:
        """Text of one token (cached; exact for ASCII byte-level BPE tokens)."""
        cache = self.__dict__.setdefault("_pieces", {})
        s = cache.get(token_id)
        if s is None:
            s = cache[token_id] = self.tok.decode([token_id], skip_special_tokens=False)
        return s

    def sample_continuations(
        self,
        prompt_text: str,
        prefix: str,
        k: int,
        max_new_tokens: int,
        temperature: float,
        seed: int,
        stop_fn: Callable[[str], bool] | None = None,
        batched: bool = True,
        use_cache: bool = True,
    ) -> list[Sample]:
        """k continuations of ``prompt_text + prefix``. With ``batched`` the prefix is encoded once
        and the k siblings decode together (one cache copy each); otherwise each sibling is decoded
        on its own from scratch (the baseline of ``benchmarks/mcts_bench.py``)."""
        text = prompt_text + prefix
        if batched:
            return self._decode_batch([text], max_new_tokens, temperature, seed, stop_fn=stop_fn, expand=k, use_cache=use_cache)
        out = []
        for i in range(k):
            out.extend(self._decode_batch([text], max_new_tokens, temperature, seed * 1000 + i, stop_fn=stop_fn, use_cache=use_cache))
        return out

    # ------------------------------------------------------------------ scoring
    def completion_nll(self, prompts: Sequence[str], completions: Sequence[str], batch_size: int = 32) -> list[float]:
        """Mean token NLL of each completion (plus EOS) given its prompt; exp() is the perplexity."""
        torch = self.torch
        res: list[float] = []
        eos = self.tok.eos_token or ""
        for i in range(0, len(prompts), batch_size):
            rows = []
            for p, c in zip(prompts[i:i + batch_size], completions[i:i + batch_size]):
                pi = self.tok(p, add_special_tokens=False)["input_ids"]
                ci = self.tok(p + c + eos, add_special_tokens=False)["input_ids"]
                # completion tokens = where the joint encoding departs from the prompt's
                n = 0
                while n < min(len(pi), len(ci)) and pi[n] == ci[n]:
                    n += 1
                rows.append((ci, n))
            L = max(len(r[0]) for r in rows)
            ids = torch.full((len(rows), L), self.tok.pad_token_id, dtype=torch.long)
            labels = torch.full((len(rows), L), -100, dtype=torch.long)
            attn = torch.zeros((len(rows), L), dtype=torch.long)
            for j, (ci, n) in enumerate(rows):
                ids[j, :len(ci)] = torch.tensor(ci)
                attn[j, :len(ci)] = 1
                labels[j, n:len(ci)] = torch.tensor(ci[n:])
            ids, labels, attn = ids.to(self.device), labels.to(self.device), attn.to(self.device)
            with torch.no_grad():
                logits = self.model(input_ids=ids, attention_mask=attn).logits[:, :-1].float()
            tgt = labels[:, 1:]
            lp = torch.log_softmax(logits, -1).gather(2, tgt.clamp(min=0)[..., None]).squeeze(-1)
            mask = (tgt != -100).float()
            nll = -(lp * mask).sum(1) / mask.sum(1).clamp(min=1)
            res.extend(float(x) for x in nll)
        return res
