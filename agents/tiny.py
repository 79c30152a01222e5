"""The offline default model: a byte-level BPE tokenizer trained on env text and a tiny Qwen2 model.

Nothing is downloaded. ``build_tiny_model(out_dir)`` plays the oracle through ``ToolUse-v0`` to
synthesize a corpus (tool schemas, requests, calls, responses rendered with the chat template),
trains a tokenizer with ``tokenizers``, creates a randomly initialised Qwen2 (or Llama) causal LM
from a :class:`TinyModelConfig` and saves both in standard Hugging Face format, so
``AutoTokenizer.from_pretrained(out_dir)`` / ``AutoModelForCausalLM.from_pretrained(out_dir)``
load them. Everything is deterministic for a seed: the saved files are byte-identical.

The chat template is Qwen/Hermes style (``<|im_start|>role ... <|im_end|>``): tools go in the
system prompt (a compact one-line signature per tool by default, see :func:`compact_signature`),
assistant ``tool_calls`` render as ``<tool_call>`` JSON blocks exactly as
``toolenv.parse.render_calls(calls, "hermes")`` writes them, ``tool`` messages as
``<tool_response>`` blocks in a user turn, and the assistant's output is wrapped in
``{% generation %}`` markers (``return_assistant_tokens_mask``, TRL ``assistant_only_loss``).

Heavy libraries (torch, transformers, tokenizers) are imported inside functions.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

__all__ = [
    "TinyModelConfig",
    "PRESETS",
    "SPECIAL_TOKENS",
    "build_chat_template",
    "compact_signature",
    "render_tools_compact",
    "train_tokenizer",
    "make_tokenizer",
    "tiny_corpus",
    "build_tiny_model",
    "template_call_format",
    "render_chat",
    "count_parameters",
    "make_model_config",
]

# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------

PAD_TOKEN = "<|endoftext|>"
BOS_TOKEN = "<|im_start|>"
EOS_TOKEN = "<|im_end|>"
#: Control tokens (``special=True``: dropped by ``decode(skip_special_tokens=True)``).
CONTROL_TOKENS = [PAD_TOKEN, BOS_TOKEN, EOS_TOKEN]
#: Tool markup tokens (single tokens, but ``special=False``: kept by ``decode``, as in Qwen2.5).
TOOL_TOKENS = ["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"]
SPECIAL_TOKENS = CONTROL_TOKENS + TOOL_TOKENS

#: Qwen2's pre-tokenizer split regex (``transformers.models.qwen2.tokenization_qwen2``).
QWEN_PRETOKENIZE_REGEX = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
#: "words": letters never carry the preceding space or quote, so a value copied from the request
#: into a JSON call (``in Lyon`` -> ``"Lyon"``) keeps the same tokens. Costs ~1.3x tokens on prose.
WORDS_PRETOKENIZE_REGEX = r"""\p{L}+|\p{N}|[^\s\p{L}\p{N}]+|[ ]+|\s+"""

DEFAULT_SYSTEM = ""
#: How tools are rendered in the system prompt (see :func:`build_chat_template`).
TOOL_FORMATS = ("compact", "brief", "json")


@dataclass(frozen=True)
class TinyModelConfig:
    """Sizes and text format of the tiny model. ``small`` (the default) is 0.66M parameters and
    learns fastest on a CPU; ``base`` is 3.7M (see ``/work/shared/docs/stack-notes.md``)."""

    architecture: str = "qwen2"  # "qwen2" | "llama"
    vocab_size: int = 2048  # target size of the tokenizer (byte alphabet + merges + special tokens)
    hidden_size: int = 128
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    intermediate_size: int = 384
    max_position_embeddings: int = 4096
    rope_theta: float = 10000.0
    tie_word_embeddings: bool = True
    initializer_range: float = 0.02
    # text format
    tool_format: str = "compact"  # "compact" (one signature line per tool) | "brief" (same, first sentence
    # of the description only: ~40% shorter prompts) | "json" (Qwen2.5 style)
    call_format: str = "hermes"  # how assistant calls are rendered: "hermes" | "json" | "python"
    pretokenizer: str = "qwen"  # "qwen" (Qwen2Tokenizer-compatible) | "words" (see WORDS_PRETOKENIZE_REGEX)
    min_frequency: int = 2
    # corpus when none is given: oracle episodes played through the env
    corpus_tasks: int = 400

    def __post_init__(self) -> None:
        checks = [
            (self.architecture in ("qwen2", "llama"), "architecture must be qwen2 or llama"),
            (self.tool_format in TOOL_FORMATS, "tool_format must be compact, brief or json"),
            (self.call_format in ("hermes", "json", "python"), "call_format must be hermes, json or python"),
            (self.pretokenizer in ("qwen", "words"), "pretokenizer must be qwen or words"),
            # transformers forces Qwen2Tokenizer (Qwen's split regex) on every qwen2 model directory
            (self.pretokenizer == "qwen" or self.architecture == "llama",
             "pretokenizer='words' needs architecture='llama' (AutoTokenizer forces Qwen's regex on qwen2 models)"),
            (self.vocab_size >= 256 + len(SPECIAL_TOKENS) + 16, "vocab_size too small for a byte-level BPE"),
            (self.hidden_size % self.num_attention_heads == 0, "hidden_size must be divisible by num_attention_heads"),
            (self.num_attention_heads % self.num_key_value_heads == 0, "num_attention_heads must be a multiple of num_key_value_heads"),
            (min(self.num_hidden_layers, self.intermediate_size, self.max_position_embeddings) > 0, "sizes must be positive"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ValueError(f"TinyModelConfig: {msg}")

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> "TinyModelConfig":
        """``small`` (hidden 128, 2 layers, ~0.66M params) or ``base`` (hidden 256, 4 layers, ~3.7M)."""
        if name not in PRESETS:
            raise ValueError(f"unknown tiny-model size {name!r}; use one of {sorted(PRESETS)}")
        return replace(PRESETS[name], **overrides)

    @classmethod
    def small(cls, **overrides: Any) -> "TinyModelConfig":
        return cls.preset("small", **overrides)

    @classmethod
    def base(cls, **overrides: Any) -> "TinyModelConfig":
        return cls.preset("base", **overrides)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TinyModelConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


PRESETS: dict[str, TinyModelConfig] = {
    "small": TinyModelConfig(),
    "base": TinyModelConfig(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, intermediate_size=768),
}

# --------------------------------------------------------------------------------------------
# Compact tool rendering (Python reference; the chat template does the same in Jinja)
# --------------------------------------------------------------------------------------------


def _fn(tool: dict[str, Any]) -> dict[str, Any]:
    return tool["function"] if isinstance(tool.get("function"), dict) else tool


def _json(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


def _type_str(s: Any) -> str:
    """Compact type of a JSON schema: ``string``, ``string(date)``, ``a|b`` (enum), ``integer[]``,
    ``{x: number, y?: number}``, ``string|null``, ``any``."""
    if not isinstance(s, dict):
        return "any"
    if "enum" in s and isinstance(s["enum"], list):
        return "|".join(v if isinstance(v, str) else _json(v) for v in s["enum"])
    t = s.get("type")
    if isinstance(t, list):
        return "|".join(str(x) for x in t)
    if t == "array":
        items = s.get("items")
        if isinstance(items, dict):
            inner = _type_str(items)
            return (f"({inner})" if "|" in inner else inner) + "[]"
        return "array"
    if isinstance(s.get("properties"), dict) and s["properties"]:
        return "{" + _params_str(s) + "}"
    if isinstance(t, str):
        return t + (f"({s['format']})" if isinstance(s.get("format"), str) else "")
    for key in ("anyOf", "oneOf"):
        if isinstance(s.get(key), list) and s[key]:
            return "|".join(_type_str(x) for x in s[key])
    return "any"


def _params_str(s: dict[str, Any]) -> str:
    req = s.get("required") if isinstance(s.get("required"), list) else []
    parts = []
    for name, p in (s.get("properties") or {}).items():
        part = f"{name}{'' if name in req else '?'}: {_type_str(p)}"
        if isinstance(p, dict) and "default" in p:
            part += "=" + _json(p["default"])
        parts.append(part)
    return ", ".join(parts)


def first_sentence(text: str) -> str:
    """The text up to its first ``". "`` (whitespace collapsed), ending with a period."""
    head = " ".join(str(text).split()).split(". ")[0]
    return head if head.endswith(".") else head + "."


def compact_signature(tool: dict[str, Any], brief: bool = False) -> str:
    """One line per tool: ``get_weather(city: string, unit?: celsius|fahrenheit="celsius") - Get ...``.

    ``?`` marks an optional parameter; enums are ``a|b``; ``string(date)`` keeps the format;
    arrays are ``T[]``; nested objects ``{k: T, ...}``; ``=v`` is the default (JSON). ``brief``
    keeps only the first sentence of the description.
    """
    f = _fn(tool)
    params = f.get("parameters") if isinstance(f.get("parameters"), dict) else {}
    line = f"{f.get('name', '')}({_params_str(params)})"
    desc = f.get("description")
    if desc:
        line += " - " + (first_sentence(desc) if brief else " ".join(str(desc).split()))
    return line


def render_tools_compact(tools: Sequence[dict[str, Any]], brief: bool = False) -> str:
    return "\n".join("- " + compact_signature(t, brief) for t in tools)


# --------------------------------------------------------------------------------------------
# Chat template
# --------------------------------------------------------------------------------------------

_CALL_INSTRUCTIONS = {
    "hermes": 'Call tools as <tool_call>{"name": ..., "arguments": {...}}</tool_call>; otherwise answer in text.',
    "json": 'Call tools as a JSON object {"name": ..., "arguments": {...}} (a list for several); otherwise answer in text.',
    "python": "Call tools as a Python list [name(arg=value, ...)]; otherwise answer in text.",
}

# Jinja macros mirroring _type_str / _params_str / compact_signature. `s['items']` (not s.items,
# which Jinja resolves to dict.items).
_JINJA_MACROS = r"""
{%- macro t_type(s) -%}
{%- if s is not mapping -%}any
{%- elif s.enum is defined and s.enum is iterable and s.enum is not string -%}
{%- for v in s.enum -%}{{ v if v is string else v | tojson }}{{ '|' if not loop.last }}{%- endfor -%}
{%- elif s.type is defined and s.type is iterable and s.type is not string -%}
{%- for x in s.type -%}{{ x }}{{ '|' if not loop.last }}{%- endfor -%}
{%- elif s.type is defined and s.type == 'array' -%}
{%- if s['items'] is defined and s['items'] is mapping -%}
{%- set inner = t_type(s['items']) -%}{{ ('(' + inner + ')') if '|' in inner else inner }}[]
{%- else -%}array{%- endif -%}
{%- elif s.properties is defined and s.properties is mapping and s.properties | length > 0 -%}
{{ '{' }}{{ t_params(s) }}{{ '}' }}
{%- elif s.type is defined and s.type is string -%}
{{ s.type }}{%- if s.format is defined and s.format is string -%}({{ s.format }}){%- endif -%}
{%- elif s.anyOf is defined and s.anyOf is iterable and s.anyOf | length > 0 -%}
{%- for x in s.anyOf -%}{{ t_type(x) }}{{ '|' if not loop.last }}{%- endfor -%}
{%- elif s.oneOf is defined and s.oneOf is iterable and s.oneOf | length > 0 -%}
{%- for x in s.oneOf -%}{{ t_type(x) }}{{ '|' if not loop.last }}{%- endfor -%}
{%- else -%}any{%- endif -%}
{%- endmacro -%}
{%- macro t_params(s) -%}
{%- set req = s.required if (s.required is defined and s.required is iterable and s.required is not string) else [] -%}
{%- if s.properties is defined and s.properties is mapping -%}
{%- for name, p in s.properties.items() -%}
{{ name }}{{ '' if name in req else '?' }}: {{ t_type(p) }}
{%- if p is mapping and p.default is defined -%}={{ p.default | tojson }}{%- endif -%}
{{ ', ' if not loop.last }}
{%- endfor -%}
{%- endif -%}
{%- endmacro -%}
{%- macro t_tool(tool, brief=false) -%}
{%- set f = tool.function if (tool.function is defined and tool.function is mapping) else tool -%}
- {{ f.name }}({{ t_params(f.parameters) if (f.parameters is defined and f.parameters is mapping) else '' }})
{%- if f.description is defined and f.description -%}
{%- set desc = f.description.split() | join(' ') -%}
{%- if brief -%}{%- set head = desc.split('. ')[0] -%}{%- set desc = head + ('' if head.endswith('.') else '.') -%}{%- endif -%}
{{ ' - ' + desc }}
{%- endif -%}
{%- endmacro -%}
{%- macro t_args(a) -%}{{ a if a is string else a | tojson }}{%- endmacro -%}
{%- macro t_pyargs(a) -%}
{%- if a is mapping -%}
{%- for k, v in a.items() -%}{{ k }}={{ v | tojson }}{{ ', ' if not loop.last }}{%- endfor -%}
{%- else -%}{{ raise_exception('call_format=python needs dict arguments, not JSON strings') }}{%- endif -%}
{%- endmacro -%}
"""


def build_chat_template(tool_format: str = "compact", call_format: str = "hermes") -> str:
    """The Jinja chat template (Qwen/Hermes layout) for a tool rendering and a call format."""
    if tool_format not in TOOL_FORMATS:
        raise ValueError("tool_format must be compact, brief or json")
    if call_format not in _CALL_INSTRUCTIONS:
        raise ValueError("call_format must be hermes, json or python")
    if tool_format in ("compact", "brief"):
        brief = "true" if tool_format == "brief" else "false"
        tools_block = "{%- for tool in tools %}{{ t_tool(tool, " + brief + ") + '\\n' }}{%- endfor %}"
    else:
        tools_block = "{%- for tool in tools %}{{ tool | tojson + '\\n' }}{%- endfor %}"
    instruction = json.dumps(_CALL_INSTRUCTIONS[call_format])  # a JSON string is a Jinja string literal
    if call_format == "hermes":
        calls = (
            "{%- for tc in message.tool_calls -%}"
            "{%- set f = tc.function if (tc.function is defined and tc.function is mapping) else tc -%}"
            "{{ '\\n' if (not loop.first or message.content) }}<tool_call>\n"
            '{"name": {{ f.name | tojson }}, "arguments": {{ t_args(f.arguments) }}}\n</tool_call>'
            "{%- endfor -%}"
        )
    elif call_format == "json":
        calls = (
            "{{ '[' if message.tool_calls | length > 1 }}"
            "{%- for tc in message.tool_calls -%}"
            "{%- set f = tc.function if (tc.function is defined and tc.function is mapping) else tc -%}"
            '{"name": {{ f.name | tojson }}, "arguments": {{ t_args(f.arguments) }}}{{ ", " if not loop.last }}'
            "{%- endfor -%}"
            "{{ ']' if message.tool_calls | length > 1 }}"
        )
    else:
        calls = (
            "["
            "{%- for tc in message.tool_calls -%}"
            "{%- set f = tc.function if (tc.function is defined and tc.function is mapping) else tc -%}"
            "{{ f.name }}({{ t_pyargs(f.arguments) }}){{ ', ' if not loop.last }}"
            "{%- endfor -%}]"
        )
    header = f"{{#- toolenv chat template: call_format={call_format} tool_format={tool_format} -#}}"
    return (
        header
        + _JINJA_MACROS
        + "{%- if tools %}"
        "{{- '<|im_start|>system\\n' }}"
        "{%- if messages and messages[0].role == 'system' and messages[0].content %}{{- messages[0].content + '\\n\\n' }}{%- endif %}"
        "{{- '# Tools\\n' }}" + tools_block + "{{- " + instruction + " + '<|im_end|>\\n' }}"
        "{%- elif messages and messages[0].role == 'system' %}"
        "{{- '<|im_start|>system\\n' + (messages[0].content or '') + '<|im_end|>\\n' }}"
        "{%- endif %}"
        "{%- for message in messages %}"
        "{%- if message.role == 'system' and loop.first %}"
        "{%- elif message.role == 'user' or message.role == 'system' %}"
        "{{- '<|im_start|>' + message.role + '\\n' + (message.content or '') + '<|im_end|>\\n' }}"
        "{%- elif message.role == 'assistant' %}"
        "{{- '<|im_start|>assistant\\n' }}"
        "{%- generation -%}"
        "{%- if message.tool_calls is defined and message.tool_calls -%}"
        + ("{{- message.content or '' }}" if call_format == "hermes" else "")
        + calls
        + "{%- else -%}{{- message.content or '' }}{%- endif -%}"
        "{{- '<|im_end|>' }}"
        "{%- endgeneration -%}"
        "{{- '\\n' }}"
        "{%- elif message.role == 'tool' %}"
        "{%- if loop.first or messages[loop.index0 - 1].role != 'tool' %}{{- '<|im_start|>user' }}{%- endif %}"
        "{{- '\\n<tool_response>\\n' }}"
        "{{- message.content if message.content is string else message.content | tojson }}"
        "{{- '\\n</tool_response>' }}"
        "{%- if loop.last or messages[loop.index0 + 1].role != 'tool' %}{{- '<|im_end|>\\n' }}{%- endif %}"
        "{%- endif %}"
        "{%- endfor %}"
        "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
    )


def template_call_format(chat_template: str | None) -> str | None:
    """The call format a chat template renders calls in: ``hermes`` / ``json`` / ``python``
    (from the toolenv header, else ``hermes`` when it mentions ``<tool_call>``), or None."""
    if not chat_template:
        return None
    head = chat_template[:200]
    for fmt in ("hermes", "json", "python"):
        if f"call_format={fmt}" in head:
            return fmt
    if "<tool_call>" in chat_template:
        return "hermes"
    return None


def render_chat(
    messages: Sequence[dict[str, Any]],
    tools: Sequence[dict[str, Any]] | None = None,
    chat_template: str | None = None,
    add_generation_prompt: bool = False,
) -> str:
    """Render messages with a chat template without a tokenizer (same Jinja environment as
    ``transformers``' ``apply_chat_template``)."""
    from transformers.utils.chat_template_utils import render_jinja_template

    rendered, _ = render_jinja_template(
        conversations=[list(messages)],
        tools=list(tools) if tools else None,
        chat_template=chat_template or build_chat_template(),
        add_generation_prompt=add_generation_prompt,
    )
    return rendered[0]


# --------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------


def _pipeline(tok: Any, pretokenizer: str) -> None:
    from tokenizers import Regex, decoders, normalizers, pre_tokenizers

    regex = QWEN_PRETOKENIZE_REGEX if pretokenizer == "qwen" else WORDS_PRETOKENIZE_REGEX
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(regex), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()


def train_tokenizer(corpus: Iterable[str], config: TinyModelConfig | None = None) -> Any:
    """Train a byte-level BPE ``tokenizers.Tokenizer`` on ``corpus`` (Qwen2's pipeline by default).

    Control tokens get ids 0-2 (special); the tool markup tokens 3-6 (not special). The result has
    exactly ``config.vocab_size`` entries when the corpus is rich enough.
    """
    from tokenizers import AddedToken, Tokenizer, models, pre_tokenizers, trainers

    config = config or TinyModelConfig()
    tok = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False))
    _pipeline(tok, config.pretokenizer)
    trainer = trainers.BpeTrainer(
        vocab_size=config.vocab_size,
        min_frequency=config.min_frequency,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # Special-token strings inside corpus text must not be learned as merges: split them out.
    lines = [line for line in corpus if line]
    tok.train_from_iterator(_strip_specials(lines), trainer=trainer, length=len(lines))
    # Re-declare the tool tokens as non-special added tokens (same ids).
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in CONTROL_TOKENS])
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in TOOL_TOKENS])
    return tok


def _strip_specials(lines: Iterable[str]) -> Iterable[str]:
    for line in lines:
        for t in SPECIAL_TOKENS:
            if t in line:
                line = line.replace(t, "\n")
        yield line


def make_tokenizer(tok: Any, config: TinyModelConfig | None = None, chat_template: str | None = None) -> Any:
    """Wrap a trained ``tokenizers.Tokenizer`` as a transformers fast tokenizer with the special
    tokens and the chat template set."""
    from transformers import PreTrainedTokenizerFast

    config = config or TinyModelConfig()
    hf = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=None,
        eos_token=EOS_TOKEN,
        pad_token=PAD_TOKEN,
        unk_token=None,
        additional_special_tokens=[BOS_TOKEN],
        model_max_length=config.max_position_embeddings,
        padding_side="left",
        clean_up_tokenization_spaces=False,
        add_prefix_space=False,
    )
    hf.chat_template = chat_template or build_chat_template(config.tool_format, config.call_format)
    return hf


# --------------------------------------------------------------------------------------------
# Corpus from the env
# --------------------------------------------------------------------------------------------


def tiny_corpus(
    tool_specs: Any = None,
    num_tasks: int = 400,
    seed: int = 0,
    chat_template: str | None = None,
    tasks: Any = None,
) -> list[str]:
    """Text for the tokenizer, synthesized by the env: plays ``num_tasks`` oracle episodes of
    ``ToolUse-v0`` (``tool_specs``: as for ``gym.make``; None = the bundled specs) and returns, per
    episode, the finished conversation rendered with the chat template, then the offered tool
    schemas as JSON (so both renderings are covered). Deterministic for a seed."""
    import gymnasium as gym

    import toolenv  # noqa: F401  (registers ToolUse-v0)
    from toolenv.export import play_oracle

    template = chat_template or build_chat_template()
    kwargs: dict[str, Any] = {"seed": seed}
    if tool_specs is not None:
        kwargs["tool_specs"] = tool_specs
    if tasks is not None:
        kwargs["tasks"] = tasks
    env = gym.make("ToolUse-v0", **kwargs)
    out: list[str] = []
    seen_tools: set[str] = set()
    try:
        for i in range(num_tasks):
            tr = play_oracle(env, None, seed=seed * 1_000_003 + i, max_turns=64)  # the env draws the task
            out.append(render_chat(tr.messages, tr.tools, template))
            for t in tr.tools:
                s = json.dumps(t, ensure_ascii=False)
                if s not in seen_tools:
                    seen_tools.add(s)
                    out.append(s)
    finally:
        env.close()
    return out


def _fallback_corpus() -> list[str]:
    """A small hand-made corpus, used only when the env cannot be imported."""
    tools = [
        {"type": "function", "function": {"name": "get_weather", "description": "Get the current weather for a city.",
         "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"},
                        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"}},
                        "required": ["city"]}}},
        {"type": "function", "function": {"name": "search_flights", "description": "Search flights between two airports on a date.",
         "parameters": {"type": "object", "properties": {"origin": {"type": "string"}, "destination": {"type": "string"},
                        "date": {"type": "string", "format": "date"}, "max_results": {"type": "integer"}},
                        "required": ["origin", "destination", "date"]}}},
    ]
    cities = ["Lyon", "Paris", "Berlin", "Tokyo", "Lima", "Oslo", "Cairo", "Quito", "Seoul", "Austin"]
    out = []
    template = build_chat_template()
    for i, c in enumerate(cities * 8):
        d = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}"
        msgs = [
            {"role": "user", "content": f"What's the weather in {c}? Also find flights from {c} to {cities[(i + 3) % 10]} on {d}."},
            {"role": "assistant", "content": "", "tool_calls": [
                {"id": f"call_{i}_0", "type": "function", "function": {"name": "get_weather", "arguments": {"city": c}}},
                {"id": f"call_{i}_1", "type": "function", "function": {"name": "search_flights", "arguments": {"origin": c, "destination": cities[(i + 3) % 10], "date": d}}}]},
            {"role": "tool", "tool_call_id": f"call_{i}_0", "name": "get_weather", "content": json.dumps({"temperature": 10 + i % 20, "unit": "celsius"})},
            {"role": "tool", "tool_call_id": f"call_{i}_1", "name": "search_flights", "content": json.dumps({"count": 1, "flights": [{"flight_id": f"FL{1000 + i}", "price": 99.5 + i}]})},
            {"role": "assistant", "content": f"It is {10 + i % 20} degrees in {c}; flight FL{1000 + i} costs {99.5 + i} EUR."},
        ]
        out.append(render_chat(msgs, tools, template))
    out.extend(json.dumps(t) for t in tools)
    return out


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------


def make_model_config(config: TinyModelConfig, vocab_size: int, pad_id: int, eos_id: int) -> Any:
    common = dict(
        vocab_size=vocab_size,
        hidden_size=config.hidden_size,
        num_hidden_layers=config.num_hidden_layers,
        num_attention_heads=config.num_attention_heads,
        num_key_value_heads=config.num_key_value_heads,
        intermediate_size=config.intermediate_size,
        max_position_embeddings=config.max_position_embeddings,
        tie_word_embeddings=config.tie_word_embeddings,
        initializer_range=config.initializer_range,
        rope_parameters={"rope_type": "default", "rope_theta": config.rope_theta},
        bos_token_id=None,
        eos_token_id=eos_id,
        pad_token_id=pad_id,
        use_cache=True,
    )
    if config.architecture == "qwen2":
        from transformers import Qwen2Config

        return Qwen2Config(**common)
    from transformers import LlamaConfig

    return LlamaConfig(**common)


def count_parameters(model: Any) -> int:
    """Unique parameters (tied embeddings counted once)."""
    seen, n = set(), 0
    for p in model.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            n += p.numel()
    return n


@contextlib.contextmanager
def quiet_progress() -> Iterator[None]:
    """transformers' progress bars off meanwhile (restored as they were)."""
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if bars:
            hf_logging.enable_progress_bar()


def build_tiny_model(
    out_dir: str | os.PathLike,
    corpus: Iterable[str] | None = None,
    config: TinyModelConfig | str | None = None,
    seed: int = 0,
    tool_specs: Any = None,
) -> Path:
    """Train the tokenizer, create the model, save both (HF format) in ``out_dir``; return the path.

    ``corpus``: text lines for the tokenizer; None = :func:`tiny_corpus` over ``tool_specs`` (the
    bundled specs when None). ``config``: a :class:`TinyModelConfig` or a preset name. Files:
    ``config.json``, ``generation_config.json``, ``model.safetensors``, ``tokenizer.json``,
    ``tokenizer_config.json``, ``chat_template.jinja``, ``toolenv_tiny.json`` (our config + corpus
    stats). Byte-identical for the same inputs and seed.
    """
    import torch
    from transformers import AutoModelForCausalLM, GenerationConfig

    if isinstance(config, str):
        config = TinyModelConfig.preset(config)
    config = config or TinyModelConfig()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    template = build_chat_template(config.tool_format, config.call_format)

    corpus_source = "given"
    if corpus is None:
        try:
            lines = tiny_corpus(tool_specs=tool_specs, num_tasks=config.corpus_tasks, seed=seed, chat_template=template)
            corpus_source = "env"
        except Exception as e:  # env not importable or not registered yet
            if tool_specs is not None:
                raise
            lines = _fallback_corpus()
            corpus_source = f"fallback ({type(e).__name__})"
    else:
        lines = [str(x) for x in corpus]

    tok = train_tokenizer(lines, config)
    hf_tok = make_tokenizer(tok, config, template)
    pad_id = hf_tok.convert_tokens_to_ids(PAD_TOKEN)
    eos_id = hf_tok.convert_tokens_to_ids(EOS_TOKEN)
    vocab = len(hf_tok)

    mcfg = make_model_config(config, vocab, pad_id, eos_id)
    gen_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(mcfg, dtype=torch.float32)
    finally:
        torch.random.set_rng_state(gen_state)
    model.generation_config = GenerationConfig(
        eos_token_id=[eos_id, pad_id], pad_token_id=pad_id, do_sample=False, max_new_tokens=128
    )
    with quiet_progress():
        model.save_pretrained(out)
    hf_tok.save_pretrained(out)
    _fix_tokenizer_config(out, config)
    _verify_reload(out, tok, lines[:64])
    meta = {
        "toolenv_tiny": 1,
        "config": config.to_dict(),
        "seed": seed,
        "parameters": count_parameters(model),
        "vocab_size": vocab,
        "corpus_lines": len(lines),
        "corpus_chars": sum(len(x) for x in lines),
        "corpus_source": corpus_source,
    }
    (out / "toolenv_tiny.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out


def _fix_tokenizer_config(out: Path, config: TinyModelConfig) -> None:
    """Pin the tokenizer class so ``AutoTokenizer`` reproduces our pipeline: ``Qwen2Tokenizer``
    (which rebuilds Qwen's pre-tokenizer, identical to ours) on a Qwen2 model (transformers forces
    that class on qwen2 anyway), otherwise the plain fast tokenizer (``TokenizersBackend``), which
    reads ``tokenizer.json`` as-is."""
    path = out / "tokenizer_config.json"
    cfg = json.loads(path.read_text(encoding="utf-8"))
    qwen = config.pretokenizer == "qwen" and config.architecture == "qwen2"
    cfg["tokenizer_class"] = "Qwen2Tokenizer" if qwen else "PreTrainedTokenizerFast"
    cfg["padding_side"] = "left"
    cfg["clean_up_tokenization_spaces"] = False
    path.write_text(json.dumps(cfg, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def _verify_reload(out: Path, tok: Any, lines: Sequence[str]) -> None:
    """``AutoTokenizer.from_pretrained(out)`` must encode exactly like the trained tokenizer."""
    from transformers import AutoTokenizer

    loaded = AutoTokenizer.from_pretrained(out)
    probes = list(lines) + ["".join(SPECIAL_TOKENS), "Ünïcode 東京 ça  \t\n x"]
    for text in probes:
        if loaded(text, add_special_tokens=False)["input_ids"] != tok.encode(text).ids:
            raise RuntimeError(f"{type(loaded).__name__} loaded from {out} encodes {text[:60]!r} differently from the trained tokenizer")
