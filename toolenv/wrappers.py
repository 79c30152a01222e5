"""Robustness wrappers for ToolUse-v0: fault injection and schema perturbation (ToolSandbox-style).

Both are `gymnasium.Wrapper`s, seeded, and log what they did in ``info``:

* `FaultInjection`: tool calls fail at configurable rates with a timeout (504), a rate limit
  (429 with ``retry_after``), a server error (500/502/503) or a malformed payload (a truncated
  body). A faulted call is not executed and does not count as done, so a robust agent retries
  it (or reports the outage); the env scores the faulted call with ``exec:fault`` and no argument
  credit. Decisions are a pure function of (episode seed, call index, call), so snapshot/restore
  and replays stay deterministic. Calls after ``fault_free_after`` calls in an episode never fail,
  so every task stays solvable. ``info["faults"]`` lists the faults injected by the step.
* `SchemaPerturbation`: what the agent sees differs from the specs: tools renamed, parameters
  renamed and shuffled, descriptions dropped or cut short, extra distractor tools. The env maps
  the agent's calls back to canonical names before scoring (``to_canonical``) and shows the
  expert's calls under the perturbed names (``from_canonical``). The perturbation of a tool set
  is a pure function of (seed, tool names). ``info["perturbation"]`` describes it on reset.

They rely on two hooks of `ToolUseEnv`: ``set_call_interceptor(fn)`` and ``set_tool_view(view)``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import re
from dataclasses import asdict, dataclass
from typing import Any

import gymnasium as gym

FAULT_KINDS = ("timeout", "rate_limit", "server_error", "malformed")


def _stable(*parts: Any) -> int:
    return int.from_bytes(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


# ---------------------------------------------------------------------------------------------
# fault injection


@dataclass
class FaultConfig:
    """Per-call probabilities of each fault (their sum must be <= 1)."""

    timeout: float = 0.05
    rate_limit: float = 0.05
    server_error: float = 0.05
    malformed: float = 0.05
    fault_free_after: int = 8  # calls after this many calls in an episode never fail
    tools: tuple[str, ...] | None = None  # only these tools fail (default: all)

    def __post_init__(self) -> None:
        rates = [self.timeout, self.rate_limit, self.server_error, self.malformed]
        if any(r < 0 for r in rates) or sum(rates) > 1.0 + 1e-9:
            raise ValueError("fault rates must be >= 0 and sum to at most 1")

    @property
    def total(self) -> float:
        return self.timeout + self.rate_limit + self.server_error + self.malformed


def fault_response(kind: str, name: str, arguments: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The tool message content of an injected fault."""
    if kind == "timeout":
        secs = rng.choice([10, 15, 30, 60])
        return {"error": {"code": 504, "type": "timeout", "retryable": True,
                          "message": f"{name} did not answer within {secs} s; the request may be retried"}}
    if kind == "rate_limit":
        after = rng.choice([1, 2, 5, 10, 30])
        return {"error": {"code": 429, "type": "rate_limited", "retryable": True, "retry_after": after,
                          "message": f"too many requests to {name}; retry after {after} s"}}
    if kind == "server_error":
        code = rng.choice([500, 502, 503])
        text = {500: "internal server error", 502: "bad gateway", 503: "service unavailable"}[code]
        return {"error": {"code": code, "type": "server_error", "retryable": True, "message": f"{name}: {text}"}}
    # malformed: the upstream answered with a body that is not valid JSON (cut off mid-way)
    body = json.dumps({"status": "ok", "tool": name, **{k: v for k, v in list(arguments.items())[:2]}})
    cut = max(5, int(len(body) * rng.uniform(0.3, 0.8)))
    return {"error": {"code": 502, "type": "malformed_response", "retryable": True,
                      "message": "the upstream response could not be parsed", "body": body[:cut]}}


class FaultInjection(gym.Wrapper):
    """Inject API faults into tool calls. ``rates``: a `FaultConfig`, a dict of its fields, or a
    single float split evenly over the four kinds. ``seed`` shifts every decision (the same env
    seed with another wrapper seed gives other faults)."""

    def __init__(self, env: gym.Env, rates: FaultConfig | dict[str, Any] | float | None = None, seed: int = 0):
        super().__init__(env)
        if rates is None:
            cfg = FaultConfig()
        elif isinstance(rates, FaultConfig):
            cfg = rates
        elif isinstance(rates, (int, float)):
            cfg = FaultConfig(**{k: float(rates) / 4 for k in FAULT_KINDS})
        else:
            cfg = FaultConfig(**rates)
        self.config = cfg
        self.seed = int(seed)
        self._shift = (_stable("fault-shift", self.seed) % 10**9) / 10**9
        self._injected: list[dict[str, Any]] = []
        if not hasattr(env.unwrapped, "set_call_interceptor"):
            raise TypeError("FaultInjection needs a ToolUse env (set_call_interceptor)")
        env.unwrapped.set_call_interceptor(self._intercept)

    def _intercept(self, name: str, arguments: dict[str, Any], call_index: int, rng: random.Random) -> dict | None:
        cfg = self.config
        if call_index > cfg.fault_free_after or cfg.total <= 0:
            return None
        if cfg.tools is not None and name not in cfg.tools:
            return None
        u = (rng.random() + self._shift) % 1.0
        acc = 0.0
        for kind in FAULT_KINDS:
            acc += getattr(cfg, kind)
            if u < acc:
                resp = fault_response(kind, name, arguments if isinstance(arguments, dict) else {}, rng)
                self._injected.append({"kind": kind, "tool": name, "call_index": call_index,
                                       "code": resp["error"]["code"]})
                return resp
        return None

    def reset(self, **kwargs: Any):
        self._injected = []
        obs, info = self.env.reset(**kwargs)
        info["faults"] = []
        info["fault_config"] = asdict(self.config)
        return obs, info

    def step(self, action: Any):
        self._injected = []
        obs, reward, terminated, truncated, info = self.env.step(action)
        info["faults"] = list(self._injected)
        return obs, reward, terminated, truncated, info

    def close(self) -> None:
        try:
            self.env.unwrapped.set_call_interceptor(None)
        finally:
            super().close()


# ---------------------------------------------------------------------------------------------
# schema perturbation

_VERB_SYNONYMS = {"get": ["fetch", "retrieve", "lookup", "read"], "list": ["enumerate", "browse", "all"],
                  "search": ["find", "query", "lookup"], "create": ["new", "add", "make"], "delete": ["remove", "drop"],
                  "cancel": ["void", "abort"], "update": ["modify", "edit", "patch"], "set": ["configure", "put"],
                  "send": ["post", "dispatch"], "book": ["reserve"], "add": ["insert", "append"], "remove": ["delete"],
                  "find": ["search", "locate"], "calculate": ["compute"], "convert": ["transform"]}


def _words(name: str) -> list[str]:
    return [w.lower() for w in re.split(r"[_\-.\s]+|(?<=[a-z0-9])(?=[A-Z])", name) if w]


def _camel(words: list[str]) -> str:
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:]) if words else "x"


def alias_tool_name(name: str, seed: int) -> str:
    """A different but meaningful name for a tool (synonym verb, reordered words, other casing)."""
    words = _words(name) or ["tool"]
    r = random.Random(_stable("tool-alias", seed, name))
    style = r.randrange(5)
    if words[0] in _VERB_SYNONYMS and r.random() < 0.7:
        words = [r.choice(_VERB_SYNONYMS[words[0]])] + words[1:]
    if style == 0:
        out = _camel(words)
    elif style == 1:
        out = "".join(w[:1].upper() + w[1:] for w in words)
    elif style == 2:
        out = "_".join(words[1:] + words[:1]) if len(words) > 1 else words[0] + "_op"
    elif style == 3:
        out = "api_" + "_".join(words)
    else:
        out = "-".join(words)
    out = re.sub(r"[^A-Za-z0-9_.\-]", "", out)[:64] or "tool"
    if not re.match(r"[A-Za-z_]", out):
        out = "t_" + out
    return out if out != name else out + "_v2"


def alias_param_name(name: str, seed: int) -> str:
    words = _words(name) or ["arg"]
    r = random.Random(_stable("param-alias", seed, name))
    style = r.randrange(3)
    if style == 0:
        out = _camel(words)
    elif style == 1:
        out = "p_" + "_".join(words)
    else:
        out = "".join(w[:1].upper() + w[1:] for w in words)
    return out if out != name else out + "_"


def _terse(desc: str) -> str:
    first = re.split(r"(?<=[.!?])\s|[;(]", desc.strip(), maxsplit=1)[0].rstrip(".")
    words = first.split()
    return " ".join(words[:6])


@dataclass
class PerturbationConfig:
    rename_tools: bool = True
    rename_params: bool = False
    shuffle_params: bool = True
    descriptions: str = "terse"  # "keep" | "terse" | "drop"
    param_descriptions: str = "keep"  # "keep" | "terse" | "drop"
    extra_distractors: int = 2  # tools from the registry that the task does not offer, shown as decoys

    def __post_init__(self) -> None:
        for f in ("descriptions", "param_descriptions"):
            if getattr(self, f) not in ("keep", "terse", "drop"):
                raise ValueError(f"{f} must be keep, terse or drop")
        if self.extra_distractors < 0:
            raise ValueError("extra_distractors must be >= 0")


class ToolView:
    """The mapping between canonical tools and what the agent sees (see `ToolUseEnv.set_tool_view`)."""

    def __init__(self, config: PerturbationConfig, seed: int, registry: Any | None = None):
        self.config = config
        self.seed = int(seed)
        self.registry = registry
        self.tool_alias: dict[str, str] = {}
        self.tool_canon: dict[str, str] = {}
        self.param_alias: dict[str, dict[str, str]] = {}
        self.param_canon: dict[str, dict[str, str]] = {}

    def _alias(self, name: str) -> str:
        if not self.config.rename_tools:
            return name
        a = self.tool_alias.get(name)
        if a is None:
            a = alias_tool_name(name, self.seed)
            k = 2
            while a in self.tool_canon and self.tool_canon[a] != name:
                a = f"{alias_tool_name(name, self.seed)}{k}"
                k += 1
            self.tool_alias[name] = a
            self.tool_canon[a] = name
        return a

    def _params(self, tool: str, params: dict[str, Any]) -> dict[str, Any]:
        cfg = self.config
        params = copy.deepcopy(params) if params else {"type": "object", "properties": {}}
        props = params.get("properties", {})
        names = list(props)
        if cfg.shuffle_params:
            random.Random(_stable("shuffle", self.seed, tool)).shuffle(names)
        amap = self.param_alias.setdefault(tool, {})
        cmap = self.param_canon.setdefault(tool, {})
        new_props = {}
        for p in names:
            s = props[p]
            if isinstance(s, dict) and "description" in s and cfg.param_descriptions != "keep":
                s = dict(s)
                if cfg.param_descriptions == "drop":
                    del s["description"]
                else:
                    s["description"] = _terse(s["description"])
            a = p
            if cfg.rename_params:
                a = amap.get(p) or alias_param_name(p, self.seed)
                while a in cmap and cmap[a] != p:
                    a += "_"
                amap[p] = a
                cmap[a] = p
            new_props[a] = s
        params["properties"] = new_props
        if "required" in params:
            params["required"] = [amap.get(r, r) if cfg.rename_params else r for r in params["required"]]
        return params

    def _show(self, tool: dict[str, Any]) -> dict[str, Any]:
        fn = tool.get("function", tool)
        name = fn["name"]
        out: dict[str, Any] = {"name": self._alias(name)}
        desc = fn.get("description", "")
        if self.config.descriptions == "keep":
            out["description"] = desc
        elif self.config.descriptions == "terse":
            out["description"] = _terse(desc)
        out["parameters"] = self._params(name, fn.get("parameters") or {})
        return {"type": "function", "function": out}

    def decoys(self, names: list[str]) -> list[str]:
        """The registry tools shown as decoys next to ``names`` (a pure function of seed and names)."""
        k = self.config.extra_distractors
        if not k or self.registry is None:
            return []
        taken = set(names)
        pool = sorted(n for n in self.registry.tools if n not in taken)
        return random.Random(_stable("decoys", self.seed, *names)).sample(pool, min(k, len(pool)))

    def tools(self, openai_tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
        names = [t.get("function", t)["name"] for t in openai_tools]
        shown = [self._show(t) for t in openai_tools]
        decoys = self.decoys(names)
        if decoys:
            shown += [self._show(self.registry.tools[d].openai()) for d in decoys]
            random.Random(_stable("order", self.seed, *names)).shuffle(shown)
        return shown

    def describe(self, names: list[str]) -> dict[str, Any]:
        """What the agent sees for a task offering ``names`` (for ``info``)."""
        return {"tools": {n: self._alias(n) for n in names}, "decoys": [self._alias(d) for d in self.decoys(names)],
                "params": {n: dict(self.param_alias.get(n, {})) for n in names} if self.config.rename_params else {},
                **asdict(self.config)}

    _UNKNOWN = "__not_offered"

    def to_canonical(self, name: str, arguments: Any) -> tuple[str, Any]:
        """Agent call -> canonical call. A canonical name hidden behind an alias is not offered."""
        if self.config.rename_tools:
            if name in self.tool_canon:
                canon = self.tool_canon[name]
            elif name in self.tool_alias:
                canon = name + self._UNKNOWN
            else:
                canon = name
        else:
            canon = name
        if isinstance(arguments, dict) and self.config.rename_params and canon in self.param_canon:
            cmap, amap = self.param_canon[canon], self.param_alias.get(canon, {})
            arguments = {cmap[k] if k in cmap else (k + self._UNKNOWN if k in amap else k): v
                         for k, v in arguments.items()}
        return canon, arguments

    def from_canonical(self, name: str, arguments: Any) -> tuple[str, Any]:
        """Canonical call -> what the agent sees (expert actions, the conversation)."""
        if name.endswith(self._UNKNOWN):
            name = name[: -len(self._UNKNOWN)]
            return name, arguments
        alias = self.tool_alias.get(name, name) if self.config.rename_tools else name
        if isinstance(arguments, dict) and self.config.rename_params:
            amap = self.param_alias.get(name, {})
            arguments = {(k[: -len(self._UNKNOWN)] if k.endswith(self._UNKNOWN) else amap.get(k, k)): v
                         for k, v in arguments.items()}
        return alias, arguments


class SchemaPerturbation(gym.Wrapper):
    """Perturb the offered tool schemas (names, parameters, descriptions, decoys) for robustness."""

    def __init__(self, env: gym.Env, config: PerturbationConfig | dict[str, Any] | None = None, seed: int = 0):
        super().__init__(env)
        cfg = config if isinstance(config, PerturbationConfig) else PerturbationConfig(**(config or {}))
        base = env.unwrapped
        if not hasattr(base, "set_tool_view"):
            raise TypeError("SchemaPerturbation needs a ToolUse env (set_tool_view)")
        registry = getattr(getattr(base, "suite", None), "registry", None)
        self.view = ToolView(cfg, seed, registry)
        base.set_tool_view(self.view)

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        task = getattr(self.env.unwrapped, "task", None)
        info["perturbation"] = self.view.describe(list(task.tools)) if task is not None else dict(asdict(self.view.config))
        return obs, info

    def close(self) -> None:
        try:
            self.env.unwrapped.set_tool_view(None)
        finally:
            super().close()
