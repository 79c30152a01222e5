"""Tasks -> Hugging Face `datasets` in TRL's formats, from oracle trajectories played through the env.

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
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from toolenv.tasks import Task

FORMATS = ("sft", "steps", "preference")


def trl_message(m: dict[str, Any]) -> dict[str, Any]:
    """An env message in TRL's conversational form (arguments as JSON strings, content a string)."""
    role = m["role"]
    out: dict[str, Any] = {"role": role, "content": m.get("content") or ""}
    if role == "assistant" and m.get("tool_calls"):
        calls = []
        for i, c in enumerate(m["tool_calls"]):
            f = c.get("function", c)
            args = f.get("arguments", {})
            calls.append({"id": c.get("id", f"call_{i}"), "type": "function",
                          "function": {"name": f["name"],
                                       "arguments": args if isinstance(args, str) else
                                       json.dumps(args, ensure_ascii=False, sort_keys=False)}})
        out["tool_calls"] = calls
    if role == "tool":
        out["tool_call_id"] = m.get("tool_call_id", "")
        out["name"] = m.get("name", "")
        if not isinstance(out["content"], str):
            out["content"] = json.dumps(out["content"], ensure_ascii=False)
    return out


def oracle_trajectories(tasks: Sequence[Task], tool_specs: Any = None, expert_style: str = "hermes",
                        max_steps: int = 64, progress: bool = False) -> Iterator[dict[str, Any]]:
    """Play the oracle through ToolUse-v0 on every task; yields ``{"task", "messages", "tools",
    "success", "reward"}`` with messages in TRL form."""
    import gymnasium as gym

    import toolenv  # noqa: F401  (registers ToolUse-v0)
    from toolenv.observation import decode_observation

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
            obs, info = env.reset(seed=i, options={"task_index": i})
            total = 0.0
            while True:
                action = env.unwrapped.expert_action()
                obs, r, term, trunc, info = env.step(action if action is not None else "Done.")
                total += r
                if term or trunc:
                    break
            messages, tools = decode_observation(obs)
            yield {"task": tasks[i], "messages": [trl_message(m) for m in messages], "tools": tools,
                   "success": bool(info.get("success")), "reward": total}
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
