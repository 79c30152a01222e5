"""Tasks -> Hugging Face `datasets` in TRL's formats, from oracle trajectories played through the env.

The one oracle replay (`play_oracle`, episode seeds by `episode_seed` in the training pipeline) and
the one message serializer (`trl_message` / `from_trl_message`) live here; the training pipeline's
SFT rows, search normaliser and preference pairs and the tiny model's corpus use them too.

Formats (every row format is documented in docs/data_formats.md):

* ``sft``: one row per task, ``messages`` = the full oracle conversation (system?, user,
  assistant tool calls, tool results, assistant answer, next user turn, ...), ``tools`` = the
  offered OpenAI function schemas as a JSON string. TRL's `SFTTrainer` takes it as is.
* ``steps``: one row per assistant message, ``prompt`` = the conversation before it,
  ``completion`` = ``[that assistant message]`` (TRL prompt-completion, loss on the completion).
* ``preference``: one row per assistant message, ``prompt`` / ``chosen`` (the oracle message) /
  ``rejected`` (a rule-based corruption of it: wrong tool, wrong or missing argument, a call when
  none is needed, an answer when a call is needed) / ``tools``; ``deficiency`` names the
  corruption with the env's deficiency code. A baseline for DPO; the MCTS stage makes better pairs.

Tool-call ``arguments`` are JSON strings and ``tools`` is a JSON string (Arrow would otherwise
merge dict keys across rows and add ``null`` entries to rendered prompts). Messages missing a key
that other messages have get ``None`` there (Arrow's struct union): chat templates treat it as
absent.
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from toolenv.tasks import Task

FORMATS = ("sft", "steps", "preference")


def episode_seed(task: Any, base_seed: int = 0) -> int:
    """The env seed of ``task``'s episode in the training pipeline (fixed per task, so replays are
    byte-identical): the SFT rows, the search's normaliser and its rollouts all use it."""
    return (int(getattr(task, "seed", 0)) * 7919 + int(base_seed)) % (2**31 - 1)


@dataclass
class OracleTrajectory:
    """One finished oracle episode: the last observation, the conversation decoded from it (env
    form: tool-call arguments are objects) and the offered tools, with the actions taken, the env's
    rewards and deficiency codes. ``done`` is False only when ``max_turns`` stopped the play."""

    task: Any
    task_index: int | None
    seed: int | None
    obs: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    actions: list[str] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    deficiencies: list[str] = field(default_factory=list)
    done: bool = False
    success: bool = False

    @property
    def ret(self) -> float:
        return float(sum(self.rewards))

    def trl_messages(self) -> list[dict[str, Any]]:
        """The conversation in TRL's row form (`trl_message`)."""
        return [trl_message(m) for m in self.messages]


def play_oracle(env: Any, task_index: int | None = None, seed: int | None = None,
                max_turns: int | None = None) -> OracleTrajectory:
    """THE oracle replay: reset ``env`` (``ToolUse-v0``) with ``seed`` on task ``task_index`` (None:
    the env draws the task), then step the env's ``expert_action`` until the episode ends or
    ``max_turns`` actions were taken (None: until the env ends it; its ``max_steps`` truncates).

    Episode seeds are the caller's: ``episode_seed(task, base)`` in the training pipeline, the task
    index in `oracle_trajectories`, ``seed * 1_000_003 + i`` in `agents.tiny.tiny_corpus`."""
    from toolenv.observation import decode_observation

    obs, _ = env.reset(seed=seed, options=None if task_index is None else {"task_index": task_index})
    actions: list[str] = []
    rewards: list[float] = []
    deficiencies: list[str] = []
    done = success = False
    while not done and (max_turns is None or len(actions) < max_turns):
        action = env.unwrapped.expert_action()
        if action is None:  # the env has no episode in progress
            break
        obs, reward, terminated, truncated, info = env.step(action)
        actions.append(action)
        rewards.append(float(reward))
        deficiencies.extend(info.get("deficiencies", []))
        done = bool(terminated or truncated)
        success = bool(info.get("success", False)) if done else False
    messages, tools = decode_observation(obs)
    return OracleTrajectory(env.unwrapped.task, task_index, seed, obs, messages, tools, actions, rewards,
                            deficiencies, done, success)


# ---- messages: env form <-> TRL / datasets row form ------------------------------------------

#: the key set of every message in the ``fixed_keys`` row form
FIXED_MESSAGE_KEYS = ("role", "content", "tool_calls", "name", "tool_call_id")


def trl_message(m: dict[str, Any], fixed_keys: bool = False) -> dict[str, Any]:
    """An env message in TRL's conversational row form: ``content`` a string, tool-call
    ``arguments`` JSON strings; tool messages carry ``tool_call_id`` and ``name``.

    ``fixed_keys``: every message has exactly `FIXED_MESSAGE_KEYS` (None where absent) and tool calls
    only ``type`` / ``function`` (no ids), so Arrow builds one struct type for any mix of messages
    (the form of the preference pairs' datasets, `training.pairs`). `from_trl_message` inverts both."""
    role = m["role"]
    out: dict[str, Any] = {"role": role, "content": m.get("content") or ""}
    if role == "assistant" and m.get("tool_calls"):
        calls = []
        for i, c in enumerate(m["tool_calls"]):
            f = c.get("function", c)
            args = f.get("arguments", {})
            call = {"id": c.get("id", f"call_{i}"), "type": "function",
                    "function": {"name": f["name"],
                                 "arguments": args if isinstance(args, str) else
                                 json.dumps(args, ensure_ascii=False, sort_keys=False)}}
            if fixed_keys:
                del call["id"]
            calls.append(call)
        out["tool_calls"] = calls
    if role == "tool":
        out["tool_call_id"] = m.get("tool_call_id", "")
        out["name"] = m.get("name", "")
        if not isinstance(out["content"], str):
            out["content"] = json.dumps(out["content"], ensure_ascii=False)
    if fixed_keys:
        out.setdefault("name", m.get("name"))
        out.setdefault("tool_call_id", m.get("tool_call_id"))
        return {k: out.get(k) for k in FIXED_MESSAGE_KEYS}
    return out


def from_trl_message(m: dict[str, Any]) -> dict[str, Any]:
    """A row-form message (`trl_message`, either form) back in env form: tool-call arguments parsed
    back to objects, keys that are None or empty dropped."""
    out: dict[str, Any] = {"role": m["role"], "content": m.get("content") or ""}
    if m.get("tool_calls"):
        calls = []
        for c in m["tool_calls"]:
            args = c["function"]["arguments"]
            call = {"id": c["id"]} if c.get("id") else {}
            call.update({"type": "function", "function": {
                "name": c["function"]["name"], "arguments": json.loads(args) if isinstance(args, str) else args}})
            calls.append(call)
        out["tool_calls"] = calls
    if m.get("name"):
        out["name"] = m["name"]
    if m.get("tool_call_id"):
        out["tool_call_id"] = m["tool_call_id"]
    return out


def oracle_trajectories(tasks: Sequence[Task], tool_specs: Any = None, expert_style: str = "hermes",
                        max_steps: int = 64, progress: bool = False) -> Iterator[dict[str, Any]]:
    """Play the oracle (`play_oracle`, episode seed = the task index) through ToolUse-v0 on every
    task; yields ``{"task", "messages", "tools", "success", "reward"}`` with messages in TRL form."""
    import gymnasium as gym

    import toolenv  # noqa: F401  (registers ToolUse-v0)

    kwargs: dict[str, Any] = {"tasks": list(tasks), "max_steps": max_steps, "expert_style": expert_style}
    if tool_specs is not None:
        kwargs["tool_specs"] = tool_specs
    env = gym.make("ToolUse-v0", **kwargs)
    it: Iterable[int] = range(len(tasks))
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(it, desc="oracle", unit="task", mininterval=0.5)
    try:
        for i in it:
            tr = play_oracle(env, i, seed=i)
            yield {"task": tasks[i], "messages": tr.trl_messages(), "tools": tr.tools,
                   "success": tr.success, "reward": tr.ret}
    finally:
        env.close()


def _base(task: Task) -> dict[str, Any]:
    return {"id": task.id, "category": task.category, "difficulty": float(task.difficulty),
            "template": str(task.meta.get("template", "")), "split": str(task.meta.get("split", ""))}


def sft_rows(trajs: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for tr in trajs:
        if not tr["success"]:
            continue
        yield {**_base(tr["task"]), "messages": tr["messages"], "tools": json.dumps(tr["tools"], ensure_ascii=False),
               "num_calls": int(tr["task"].num_calls)}


def step_rows(trajs: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for tr in trajs:
        if not tr["success"]:
            continue
        msgs = tr["messages"]
        tools = json.dumps(tr["tools"], ensure_ascii=False)
        k = 0
        for i, m in enumerate(msgs):
            if m["role"] != "assistant":
                continue
            yield {**_base(tr["task"]), "step": k, "kind": "call" if m.get("tool_calls") else "answer",
                   "prompt": msgs[:i], "completion": [m], "tools": tools}
            k += 1


# ---- preference pairs (rule-based rejections) -----------------------------------------------

def _corrupt_value(v: Any, rng: random.Random) -> Any:
    if isinstance(v, bool):
        return not v
    if isinstance(v, int):
        return v + rng.choice([1, 2, 5, 10, -1])
    if isinstance(v, float):
        return round(v * rng.choice([0.5, 1.5, 2.0]) + 1.0, 2)
    if isinstance(v, str):
        if len(v) > 3 and rng.random() < 0.5:
            return v[: max(1, len(v) // 2)]
        return v + rng.choice(["x", "1", " extra"])
    if isinstance(v, list):
        return v[:-1] if len(v) > 1 else v + v
    if isinstance(v, dict):
        return {k: _corrupt_value(x, rng) for k, x in v.items()}
    return "wrong"


def _reject(chosen: dict[str, Any], tools: list[dict[str, Any]], rng: random.Random) -> tuple[dict[str, Any], str]:
    """A plausible wrong version of an assistant message and the deficiency it shows."""
    from toolenv.values import ValueGenerator

    names = [t["function"]["name"] for t in tools]
    if not chosen.get("tool_calls"):
        if not tools:
            return {"role": "assistant", "content": "I will call a tool for that."}, "format:unparseable"
        fn = rng.choice(tools)["function"]
        args = ValueGenerator(rng).object(fn.get("parameters") or {"type": "object", "properties": {}}, fill_optional=0.3)
        return ({"role": "assistant", "content": "", "tool_calls": [
            {"id": "call_0", "type": "function", "function": {"name": fn["name"], "arguments": json.dumps(args)}}]},
                "relevance:call_when_none_needed")
    rej = copy.deepcopy(chosen)
    calls = rej["tool_calls"]
    c = rng.choice(calls)["function"]
    args = json.loads(c["arguments"])
    params = next((t["function"].get("parameters", {}) for t in tools if t["function"]["name"] == c["name"]), {})
    required = [p for p in params.get("required", []) if p in args]
    options = ["answer"]
    if len(names) > 1:
        options.append("tool")
    if args:
        options += ["value", "value"]
    if required:
        options.append("missing")
    kind = rng.choice(options)
    if kind == "answer":
        return {"role": "assistant", "content": "I'm sorry, I can't help with that."}, "relevance:no_call_when_needed"
    if kind == "tool":
        c["name"] = rng.choice([n for n in names if n != c["name"]])
        return rej, "call:wrong_tool"
    if kind == "missing":
        del args[rng.choice(required)]
        c["arguments"] = json.dumps(args)
        return rej, "args:missing_required"
    k = rng.choice(sorted(args))
    new = _corrupt_value(args[k], rng)
    if new == args[k]:
        new = "unknown"
    args[k] = new
    c["arguments"] = json.dumps(args)
    return rej, "args:value"


def preference_rows(trajs: Iterable[dict[str, Any]], seed: int = 0) -> Iterator[dict[str, Any]]:
    for row in step_rows(trajs):
        rng = random.Random(f"{seed}:{row['id']}:{row['step']}")
        tools = json.loads(row["tools"])
        rejected, code = _reject(row["completion"][0], tools, rng)
        yield {**{k: row[k] for k in ("id", "category", "difficulty", "template", "split", "step", "kind")},
               "prompt": row["prompt"], "chosen": row["completion"], "rejected": [rejected], "tools": row["tools"],
               "deficiency": code}


# ---- datasets ------------------------------------------------------------------------------

def build_rows(tasks: Sequence[Task], fmt: str = "sft", tool_specs: Any = None, expert_style: str = "hermes",
               seed: int = 0, progress: bool = False) -> list[dict[str, Any]]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {list(FORMATS)}")
    trajs = oracle_trajectories(tasks, tool_specs, expert_style, progress=progress)
    if fmt == "sft":
        return list(sft_rows(trajs))
    if fmt == "steps":
        return list(step_rows(trajs))
    return list(preference_rows(trajs, seed))


def to_dataset(rows: list[dict[str, Any]]) -> Any:
    """A `datasets.Dataset` from rows (imported lazily)."""
    from datasets import Dataset

    return Dataset.from_list(rows)


def save_dataset(ds: Any, out_dir: str | Path, progress: bool = False) -> None:
    """``ds.save_to_disk(out_dir)``, quietly unless ``progress``."""
    from datasets.utils import logging as ds_logging

    was = ds_logging.is_progress_bar_enabled()
    if not progress:
        ds_logging.disable_progress_bar()
    try:
        ds.save_to_disk(str(out_dir))
    finally:
        if was:
            ds_logging.enable_progress_bar()


def export_dataset(tasks: Sequence[Task], out_dir: str | Path, fmt: str = "sft", tool_specs: Any = None,
                   expert_style: str = "hermes", seed: int = 0, progress: bool = False) -> Any:
    """Build the rows, save them with ``Dataset.save_to_disk(out_dir)`` and return the dataset."""
    rows = build_rows(tasks, fmt, tool_specs, expert_style, seed, progress)
    if not rows:
        raise ValueError("no rows: no task was solved by the oracle (do the tool specs match the tasks?)")
    ds = to_dataset(rows)
    save_dataset(ds, out_dir, progress)
    return ds
