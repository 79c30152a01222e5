"""The policy as the trainer uses it: the same backend as evaluation (`agents.hf.HFAgent`).

One generation path: evaluation, the deficiency rollouts, the search's expansions and leaf
rollouts all render prompts with ``HFAgent.render_prompt`` (so a
template without tool support gets the same inlined tools everywhere) and generate with
``HFAgent``'s batched decoding. This class only adapts that backend to the search's calls:
``generate`` returns texts, ``sample_continuations`` returns :class:`Sample` s (per-token
log-probabilities and where each token's text ends, for the priors of fragment nodes). The
deficiency stage's perplexity is `training.deficiency.ground_truth_nll` on the SFT rows' tokens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Sequence


@dataclass
class Sample:
    text: str
    token_logprobs: list[float]
    token_ends: list[int]  # character offset in ``text`` where each generated token ends
    finished: bool  # ended with an end-of-turn token (the turn is complete)


class Policy:
    """A causal LM + tokenizer behind one :class:`agents.hf.HFAgent` (``self.agent``)."""

    def __init__(self, model: Any, tokenizer: Any, prefix_cache: bool = True):
        from agents.hf import HFAgent

        tokenizer.padding_side = "left"
        model.eval()
        self.agent = HFAgent(model, tokenizer, do_sample=False, prefix_cache=prefix_cache)
        self.model = model
        self.tok = tokenizer

    @property
    def device(self) -> Any:
        return self.agent.device

    # ------------------------------------------------------------------ rendering
    def render(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | str | None) -> str:
        if isinstance(tools, str):
            tools = json.loads(tools)
        return self.agent.render_messages(messages, tools or None, add_generation_prompt=True)

    def render_observation(self, observation: str) -> str:
        """The prompt of an observation, exactly as evaluation renders it."""
        return self.agent.render_prompt(observation)

    # ------------------------------------------------------------------ generation
    def clear_cache(self) -> None:
        """Forget the stored prefix cache: a search that starts clean repeats its numerics exactly."""
        self.agent.clear_cache()

    def generate(self, prompts: Sequence[str], max_new_tokens: int, temperature: float = 0.0, seed: int = 0,
                 batch_size: int = 32) -> list[str]:
        """Greedy (temperature 0) or sampled completions of rendered prompts, batched."""
        out: list[str] = []
        for i in range(0, len(prompts), batch_size):
            chunk = list(prompts[i:i + batch_size])
            res = self.agent.generate(chunk, max_new_tokens=max_new_tokens, do_sample=bool(temperature and temperature > 0),
                                      temperature=temperature or 1.0, seed=int(seed + i) & 0x7FFFFFFF)
            out.extend(res.texts)
        return out

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
        """k continuations of ``prompt_text + prefix``: the prefix is encoded once (its KV cache
        reused from the previous call up to the common prefix) and the k siblings decode together.
        ``batched=False`` decodes each sibling on its own from a fresh prefill, and with
        ``use_cache=False`` without a KV cache at all (the baselines of ``benchmarks/mcts_bench.py``)."""
        if batched:
            conts = self.agent.sample_continuations(prompt_text, prefix, k=k, max_new_tokens=max_new_tokens,
                                                    temperature=temperature, seed=seed, stop_fn=stop_fn)
            return [Sample(c.text, c.logprobs, c.token_ends, c.eos) for c in conts]
        out = []
        for i in range(k):
            s = (seed * 1000 + i) & 0x7FFFFFFF
            if use_cache:
                self.agent.clear_cache()
                c = self.agent.sample_continuations(prompt_text, prefix, k=1, max_new_tokens=max_new_tokens,
                                                    temperature=temperature, seed=s, stop_fn=stop_fn)[0]
                out.append(Sample(c.text, c.logprobs, c.token_ends, c.eos))
            else:
                r = self.agent.generate([prompt_text + prefix], max_new_tokens=max_new_tokens, do_sample=True,
                                        temperature=temperature, seed=s, use_cache=False, return_logprobs=True)
                ends = self.agent.token_ends(r.token_ids[0])
                out.append(Sample(r.texts[0], (r.logprobs or [[]])[0], ends, r.finished[0]))
        return out
