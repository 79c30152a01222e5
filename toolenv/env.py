"""`ToolUseEnv`: the Gymnasium shell around a suite of tool-use tasks."""

from __future__ import annotations

import string
from collections.abc import Sequence as _SequenceABC
from pathlib import Path
from typing import Any, Sequence

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector.utils import shared_memory as _shm

from toolenv.episode import Episode, StepOutcome, Suite
from toolenv.observation import build_observation, encode_message
from toolenv.parse import MAX_ACTION_CHARS, ParsedAction, parse_action, render_calls
from toolenv.reward import INTERNAL_ERROR, RewardConfig, resolve_reward_config
from toolenv.tasks import Task, load_tasks

MAX_OBSERVATION_CHARS = 1 << 20
MAX_STORED_CONTENT = 4096
#: synthesized task pools by (registry content fingerprint, num_tasks, synth_seed, categories)
_TASK_POOL_CACHE: dict[tuple, list[Task]] = {}


#: one copy of a Text space's character tables per charset: Gymnasium builds a frozenset, a tuple and
#: a dict of numpy ints per space (~15 KiB), which made up ~40% of an idle env's memory
_CHARSET_TABLES: dict[str, tuple] = {}


def _shared_charset(space: spaces.Text) -> spaces.Text:
    """Point ``space`` at the process-wide copy of its (read-only) character tables."""
    try:
        parts = (space._char_set, space._char_list, space._char_index, space._char_str)
    except AttributeError:  # another Gymnasium layout: keep the space's own tables
        return space
    shared = _CHARSET_TABLES.setdefault(space._char_str, parts)
    if shared[1] == parts[1]:  # same characters in the same order
        space._char_set, space._char_list, space._char_index, space._char_str = shared
    return space


class ObservationText(spaces.Text):
    """`spaces.Text` that also travels through `AsyncVectorEnv`'s shared memory.

    Gymnasium's own shared-memory path for `Text` hands back the strings read once when the vector
    env is built (all ``'0'`` characters) and fails on long strings, so
    ``gym.make_vec(..., vectorization_mode="async")`` with its default ``shared_memory=True`` would
    return garbage. For this subclass the buffer holds each env's observation as UTF-8 bytes plus
    its length, and the vector env's observations are a live view that decodes them on access
    (``copy=True``, Gymnasium's default, hands out a plain tuple of str, as `SyncVectorEnv` does).
    Everything else (sampling, ``contains``, batching) is `spaces.Text`'s.
    """


class SharedTextBatch(_SequenceABC):
    """The observations of an `AsyncVectorEnv` with shared memory: element ``i`` decodes env ``i``'s
    current observation from the buffer. ``copy.deepcopy`` (what the vector env does with
    ``copy=True``) gives a tuple of str."""

    def __init__(self, lengths: Any, data: Any, n: int, capacity: int):
        self._lengths, self._data, self._n, self._capacity = lengths, data, n, capacity

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(self._n)))
        i = range(self._n)[i]  # negative indices, IndexError
        start = i * self._capacity
        raw = memoryview(self._data.get_obj()).cast("B")[start:start + int(self._lengths[i])]
        return bytes(raw).decode("utf-8")

    def __deepcopy__(self, memo: dict) -> tuple[str, ...]:
        return tuple(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (tuple, list, SharedTextBatch)) and tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SharedTextBatch({tuple(self)!r})"


@_shm.create_shared_memory.register(ObservationText)
def _create_text_shared_memory(space: ObservationText, n: int = 1, ctx: Any = None) -> tuple[Any, Any]:
    import multiprocessing

    ctx = ctx or multiprocessing
    return ctx.Array("q", n), ctx.Array("B", n * space.max_length)  # lengths, UTF-8 bytes


@_shm.read_from_shared_memory.register(ObservationText)
def _read_text_from_shared_memory(space: ObservationText, shared_memory: tuple[Any, Any], n: int = 1) -> SharedTextBatch:
    lengths, data = shared_memory
    return SharedTextBatch(lengths, data, n, space.max_length)


@_shm.write_to_shared_memory.register(ObservationText)
def _write_text_to_shared_memory(space: ObservationText, index: int, value: str, shared_memory: tuple[Any, Any]) -> None:
    lengths, data = shared_memory
    raw = str(value).encode("utf-8")
    if len(raw) > space.max_length:
        raise ValueError(f"observation of {len(raw)} bytes does not fit the shared-memory buffer of {space.max_length}; "
                         'pass vector_kwargs={"shared_memory": False}')
    start = index * space.max_length
    np.frombuffer(data.get_obj(), dtype=np.uint8)[start:start + len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    lengths[index] = len(raw)


class ToolUseEnv(gym.Env):
    """A conversation with simulated tools: the agent reads the chat so far and writes the next
    assistant message as raw text; the env parses it, executes the tool calls against a seeded,
    stateful simulation of the APIs described by JSON-schema tool specs, and scores every step
    against the task's ground truth.

    ## Description
    Each episode is one task (synthesized from the specs, loaded from JSONL, or taken from a
    suite such as BFCL). Tool calls are validated with jsonschema; valid calls get realistic,
    seeded, consistent responses (what was created can be read back, what was deleted is gone);
    invalid ones get an HTTP-400-like error object naming the field. Text without a call is the
    agent's answer to the user: it ends the turn, and the env plays the next user turn if any.

    ## Action Space
    `Text(max_length=32768, charset=string.printable)`: the assistant's raw text. Recognised call
    formats: `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` blocks, a JSON object or
    list of `{"name", "arguments"}` objects, or a Python-call list `[f(a=1), g(b="x")]` (parsed
    with `ast`, never evaluated). Non-ASCII text is accepted (the space check is only advisory).

    ## Observation Space
    `Text(max_length=2**20, charset=string.printable)`: ASCII JSON
    `{"tools": [OpenAI function schemas], "messages": [chat messages]}`. Messages follow the
    OpenAI/TRL format: `system`, `user`, `assistant` (with `tool_calls`), `tool` (with
    `tool_call_id`, `name` and JSON `content`). Decode with `toolenv.observation.decode_observation`.
    The space is `ObservationText`, a `Text` subclass whose `AsyncVectorEnv` shared-memory path
    works, so `gym.make_vec(..., vectorization_mode="async")` needs no extra arguments.

    ## Rewards
    One pure function, `toolenv.reward.step_reward`, for every suite; weights in
    `toolenv.reward.RewardConfig`. Simulated tasks (every field applies): per step, credit for a
    parseable call, the right tool, each right argument (strings normalised, numbers with
    tolerance, allowed-value lists, references to earlier responses) and a successful execution;
    penalties for unknown tools, invalid arguments, extra, repeated or out-of-order calls, calling
    when no call was needed and answering while calls are missing; `success_bonus` on the terminal
    step when the task succeeded. BFCL suites: `success_bonus` on success (multi-turn:
    `success_bonus/turns` per passing turn) plus the penalty of the verdict's deficiency; their
    penalties default to 0.0 (the official binary score) and only `success_bonus` and the
    category's penalties may be set (`toolenv.suites.bfcl.suite.reward_fields`: single-turn
    `unparseable_penalty`, `invalid_args_penalty`, `extra_call_penalty`, `missing_call_penalty`;
    irrelevance `irrelevant_call_penalty`; live_relevance `missing_call_penalty`; multi-turn
    `unparseable_penalty`, `extra_call_penalty`, `missing_call_penalty`). An unknown field, or one a
    suite does not use, raises ValueError at `gym.make`. `info["deficiencies"]` names every mistake
    of the step (codes in `toolenv.reward`).

    ## Episode End
    Terminated when the agent answers the last user turn (or writes an unparseable call attempt,
    or a single-turn suite entry is answered). Truncated after `max_steps` actions. The last
    step's info carries `success`.

    ## Arguments
    - `tool_specs`: folder, file or list of them, or a loaded `ToolRegistry` (default: the tools a
      task file records in its header, else the bundled `tool_specs/`).
    - `tasks`: a JSONL path or a list of `Task`/dicts; default: synthesize `num_tasks` tasks
      (`categories` to restrict, `synth_seed` to vary) from the specs. A file written by
      `toolenv synth` records its tools (paths or documents, and a fingerprint): they are used when
      `tool_specs` is not given, and `tool_specs` that do not match them raise ValueError.
    - `suite`: e.g. `"bfcl:simple_python"` (with `data_dir`) instead of specs/tasks.
    - `seed`: seed used by the first `reset()` that passes none.
    - `max_steps` (default: max(12, 4 x turns + 2 x ground-truth calls) per task), `reward_config`
      (a dict: those fields replace the suite's defaults; a `RewardConfig`: used as it is; see
      Rewards for the fields each suite uses), `expert_style` (hermes|json|python),
      `render_mode` (`"ansi"` or `"human"`).
    - `spec_limits`: `toolenv.spec_checks.SpecLimits` (or a dict of its fields) — the caps the spec
      loader enforces (the same as `toolenv validate --limit NAME=VALUE`); default: the documented ones.
    - `reset(options={"task_index": i})` or `{"task_id": "..."}` picks a task; otherwise drawn
      from `self.np_random`.

    ## Version History
    - v0: initial release.
    """

    metadata = {"render_modes": ["ansi", "human"], "render_fps": 1}

    def __init__(self, tool_specs: str | Path | Sequence[str | Path] | None = None,
                 tasks: str | Path | Sequence[Task | dict[str, Any]] | None = None, suite: str | Suite | None = None,
                 data_dir: str | Path | None = None, seed: int | None = None, num_tasks: int = 256,
                 categories: Sequence[str] | None = None, synth_seed: int | None = None, max_steps: int | None = None,
                 reward_config: RewardConfig | dict[str, Any] | None = None, expert_style: str = "hermes",
                 render_mode: str | None = None, spec_limits: Any = None):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        if max_steps is not None and max_steps < 1:
            raise ValueError("max_steps must be >= 1")
        self.render_mode = render_mode
        self.max_steps = max_steps
        if isinstance(spec_limits, dict):
            from toolenv.spec_checks import SpecLimits

            spec_limits = SpecLimits(**spec_limits)
        self.suite = self._make_suite(tool_specs, tasks, suite, data_dir, num_tasks, categories,
                                      seed if synth_seed is None else synth_seed, reward_config, expert_style,
                                      spec_limits)
        self.action_space = _shared_charset(spaces.Text(max_length=MAX_ACTION_CHARS, charset=string.printable))
        self.observation_space = _shared_charset(ObservationText(max_length=MAX_OBSERVATION_CHARS, min_length=2,
                                                                 charset=string.printable))
        self._default_seed = seed
        self._episode: Episode | None = None
        self._tool_view: Any | None = None
        self._interceptor: Any | None = None
        self._tools_json_cache: dict[tuple[str, ...], str] = {}
        #: id(task) -> (task, its encoded opening messages, its default step limit): tasks are data
        #: that the env does not change; the entry holds the task, so its id is not reused
        self._task_cache: dict[int, tuple[Task, tuple[str, ...], int]] = {}
        self._msgs: list[str] = []
        self._tools_json = "[]"
        self._steps = 0
        self._n_calls = 0
        self._done = False

    # ---- construction -------------------------------------------------------------------
    @staticmethod
    def _make_suite(tool_specs, tasks, suite, data_dir, num_tasks, categories, synth_seed, reward_config,
                    expert_style, spec_limits=None) -> Suite:
        if isinstance(suite, Suite):
            if reward_config is not None:
                raise ValueError(f"reward_config cannot be applied to a Suite object ({suite.name!r}): build the "
                                 "suite with its reward config, or pass suite by name")
            return suite
        if suite is not None:
            from toolenv.suites import load_suite

            return load_suite(suite, data_dir=data_dir, reward_config=reward_config)
        from toolenv.sim_episode import SimSuite
        from toolenv.spec import ToolRegistry, load_registry

        reward_config = resolve_reward_config(reward_config, suite="sim")  # every field applies

        if tasks is not None:  # a task file may record its tools (toolenv.tasks.ToolSource): use or check them
            from toolenv.tasks import task_registry

            loaded = load_tasks(tasks) if isinstance(tasks, (str, Path)) else tasks
            registry = task_registry(getattr(loaded, "tool_source", None), tool_specs, limits=spec_limits,
                                     task_file=tasks if isinstance(tasks, (str, Path)) else getattr(tasks, "path", None))
        elif isinstance(tool_specs, ToolRegistry):
            registry = tool_specs
        else:
            registry = load_registry(tool_specs, limits=spec_limits)
        if tasks is None:
            key = (registry.fingerprint(), num_tasks, int(synth_seed or 0), tuple(categories or ()))
            pool = _TASK_POOL_CACHE.get(key)
            if pool is None:
                from toolenv.synth import synthesize

                pool = _TASK_POOL_CACHE[key] = synthesize(registry, num_tasks, int(synth_seed or 0),
                                                          categories=list(categories) if categories else None)
            task_list = pool
        else:
            task_list = [t if isinstance(t, Task) else Task.from_dict(t) for t in loaded]
        if categories and tasks is not None:
            task_list = [t for t in task_list if t.category in set(categories)]
        return SimSuite(registry, task_list, reward_config, expert_style)

    # ---- hooks used by wrappers ---------------------------------------------------------
    def set_call_interceptor(self, fn: Any | None) -> None:
        """``fn(name, arguments, call_index, rng) -> dict | str | None``: a dict (or raw body text)
        replaces the tool's response; the call is not executed, does not count as done and earns no
        credit (`exec:fault`). Simulated suites only."""
        self._interceptor = fn
        if self._episode is not None and hasattr(self._episode, "interceptor"):
            self._episode.interceptor = fn

    def set_tool_view(self, view: Any | None) -> None:
        """An object with ``tools(openai_tools) -> list``, ``to_canonical(name, args) -> (name, args)``
        and ``from_canonical(name, args) -> (name, args)``: what the agent sees vs. what is scored."""
        self._tool_view = view
        self._tools_json_cache.clear()

    # ---- Gymnasium API ------------------------------------------------------------------
    @property
    def task(self) -> Task | None:
        return self._episode.task if self._episode is not None else None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        if seed is None and self._default_seed is not None:
            seed, self._default_seed = self._default_seed, None
        super().reset(seed=seed)
        options = options or {}
        if "task_index" in options:
            index = int(options["task_index"]) % len(self.suite)
        elif "task_id" in options:
            index = next((i for i in range(len(self.suite)) if self.suite.task(i).id == options["task_id"]), None)
            if index is None:
                raise ValueError(f"no task with id {options['task_id']!r}")
        else:
            index = int(self.np_random.integers(len(self.suite)))
        episode_seed = int(self.np_random.integers(2**31 - 1))
        task = self.suite.task(index)
        self._episode = ep = self.suite.episode(task, episode_seed)
        if self._interceptor is not None and hasattr(ep, "interceptor"):
            ep.interceptor = self._interceptor
        key = tuple(task.tools)
        tj = self._tools_json_cache.get(key)
        if tj is None:
            tools = ep.tools()
            if self._tool_view is not None:
                tools = self._tool_view.tools(tools)
            tj = self._tools_json_cache[key] = encode_message(tools)  # type: ignore[arg-type]
        self._tools_json = tj
        entry = self._task_cache.get(id(task))
        if entry is None or entry[0] is not task:
            if len(self._task_cache) >= 1024:  # a suite may hand out fresh Task objects: stay small
                self._task_cache.clear()
            entry = self._task_cache[id(task)] = (task, tuple(encode_message(m) for m in task.messages),
                                                  max(12, 4 * len(task.turns) + 2 * task.num_calls))
        self._msgs = list(entry[1])
        self._steps = 0
        self._n_calls = 0
        self._done = False
        self._limit = self.max_steps or entry[2]
        return self._observation(), self._info([], [])

    def step(self, action: Any) -> tuple[str, float, bool, bool, dict[str, Any]]:
        if self._episode is None:
            raise RuntimeError("call reset() before step()")
        if self._done:
            raise RuntimeError("episode is over; call reset()")
        parsed = parse_action(action)
        if self._tool_view is not None and parsed.kind == "calls":
            for c in parsed.calls:
                c.name, c.arguments = self._tool_view.to_canonical(c.name, c.arguments)
        n0 = self._n_calls
        call_ids = [f"call_{n0 + i}" for i in range(len(parsed.calls))] if parsed.calls else []
        self._n_calls = n0 + len(call_ids)
        msgs = self._msgs
        msgs.append(encode_message(self._assistant_message(parsed, call_ids)))
        try:
            out = self._episode.step(parsed, call_ids)
        except Exception as e:  # noqa: BLE001 - a suite bug must not crash a training run
            out = StepOutcome([], -1.0, True, [INTERNAL_ERROR], {"success": False, "error": f"{type(e).__name__}: {e}"})
        self._steps += 1
        messages = out.messages
        if self._tool_view is not None:  # tool results must not reveal the canonical names
            messages = [{**m, "name": self._tool_view.from_canonical(m["name"], {})[0]} if m.get("role") == "tool"
                        and "name" in m else m for m in messages]
        msgs += [encode_message(m) for m in messages]
        if out.tools_changed:  # e.g. BFCL miss_func: withheld functions offered from their turn on
            tools = self._episode.tools()
            if self._tool_view is not None:
                tools = self._tool_view.tools(tools)
            self._tools_json = encode_message(tools)  # type: ignore[arg-type]
        terminated = out.terminated
        truncated = not terminated and self._steps >= self._limit
        deficiencies = list(out.deficiencies)
        info = self._info(deficiencies, [c.to_dict() for c in parsed.calls])
        info.update(out.info)
        if truncated:
            deficiencies.append("answer:missing")
            info["success"] = False
        self._done = terminated or truncated
        obs = self._observation()
        if self.render_mode == "human":
            self.render()
        return obs, float(out.reward), terminated, truncated, info

    def _assistant_message(self, parsed: ParsedAction, call_ids: list[str]) -> dict[str, Any]:
        if parsed.kind == "calls":
            calls = parsed.calls
            if self._tool_view is not None:
                shown = [self._tool_view.from_canonical(c.name, c.arguments) for c in calls]
            else:
                shown = [(c.name, c.arguments) for c in calls]
            return {"role": "assistant", "content": parsed.text[:MAX_STORED_CONTENT],
                    "tool_calls": [{"id": cid, "type": "function", "function": {"name": n, "arguments": a}}
                                   for cid, (n, a) in zip(call_ids, shown)]}
        text = parsed.text if parsed.kind == "answer" else (parsed.raw or str(parsed.text))
        if len(text) > MAX_STORED_CONTENT:
            text = text[:MAX_STORED_CONTENT] + " [truncated]"
        return {"role": "assistant", "content": text}

    def _observation(self) -> str:
        obs = build_observation(self._tools_json, self._msgs)
        while len(obs) > MAX_OBSERVATION_CHARS and len(self._msgs) > 2:
            # drop the oldest tool result's content rather than emit an observation outside the space
            self._msgs.pop(1)
            obs = build_observation(self._tools_json, self._msgs)
        return obs

    def _info(self, deficiencies: list[str], calls: list[dict[str, Any]]) -> dict[str, Any]:
        ep = self._episode
        task = ep.task  # type: ignore[union-attr]
        return {"deficiencies": deficiencies, "calls": calls, "state_hash": ep.state_hash(),  # type: ignore[union-attr]
                "task_id": task.id, "category": task.category, "difficulty": task.difficulty, "step": self._steps}

    # ---- extras used by agents and trainers ---------------------------------------------
    def expert_action(self) -> str | None:
        """The ground-truth next action as text (None when the episode is over)."""
        if self._episode is None or self._done:
            return None
        text = self._episode.expert_action()
        if text is None or self._tool_view is None:
            return text
        parsed = parse_action(text)
        if parsed.kind != "calls":
            return text
        calls = [dict(zip(("name", "arguments"), self._tool_view.from_canonical(c.name, c.arguments))) for c in parsed.calls]
        return render_calls(calls, parsed.format or "hermes")

    def snapshot(self) -> tuple:
        """Everything mutable: conversation, simulated world, counters and the RNG state."""
        if self._episode is None:
            raise RuntimeError("call reset() before snapshot()")
        return (self._episode, self._episode.snapshot(), list(self._msgs), self._steps, self._n_calls, self._done,
                self._tools_json, self._limit, self.np_random.bit_generator.state)

    def restore(self, snap: tuple) -> None:
        """Return to a snapshot taken from this env (any episode of it)."""
        ep, ep_snap, msgs, self._steps, self._n_calls, self._done, self._tools_json, self._limit, rng_state = snap
        ep.restore(ep_snap)
        self._episode = ep
        self._msgs = list(msgs)
        self.np_random.bit_generator.state = rng_state

    @property
    def messages(self) -> list[dict[str, Any]]:
        from toolenv.observation import decode_observation

        return decode_observation(self._observation())[0]

    def render(self) -> str | None:
        if self.render_mode is None:
            return None
        lines = []
        for m in self.messages:
            content = m.get("content") or ""
            if m.get("tool_calls"):
                content = (content + " " if content else "") + render_calls(
                    [{"name": c["function"]["name"], "arguments": c["function"]["arguments"]} for c in m["tool_calls"]], "python")
            lines.append(f"[{m['role']}] {content}")
        text = "\n".join(lines)
        if self.render_mode == "human":
            print(text)
            return None
        return text
