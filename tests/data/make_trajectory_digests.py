"""Writes `tests/data/trajectory_digests.json`: digests of seeded env trajectories and synthesized tasks.

    .venv/bin/python tests/data/make_trajectory_digests.py            # (re)write the fixture
    .venv/bin/python tests/data/make_trajectory_digests.py --check    # compare, exit 1 on a difference

The fixture pins the env's output byte for byte, so speed work on the step path (JSON encoding,
validation, response generation, synthesis) cannot change a trajectory unnoticed
(`tests/toolenv/test_trajectory_identity.py` replays it). Recorded:

* ``sim``: per synthesis category, `EPISODES_PER_CATEGORY` episodes over the bundled specs through
  ``gym.make`` (its wrappers included). Each step's action is drawn from a ``random.Random`` seeded
  by (category, episode): the oracle (hermes, JSON and Python-call styles) most of the time, else a
  hostile or wrong action (wrong / extra / missing / non-ASCII / non-finite / huge / float
  arguments, unknown and wrong tools, repeats, broken JSON, early answers, deep nesting), and now
  and then a snapshot, two steps and a restore. A few episodes run under the `FaultInjection` and
  `SchemaPerturbation` wrappers. The digest of an episode is a BLAKE2b over the exact reset and
  step observation strings, ``repr`` of each reward, terminated / truncated, the ``json.dumps`` of
  each info (key order included) and the expert's action at each step.
* ``tasks``: per category, a digest of ``Task.to_dict`` of `TASKS_PER_CATEGORY` tasks synthesized
  with one seed, and of a 200-task default mix.
* ``bfcl`` (only when the BFCL data folder is found; the test skips this part otherwise): a few
  episodes of single- and multi-turn BFCL suites with oracle and mutated actions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "trajectory_digests.json"
EPISODES_PER_CATEGORY = 48
WRAPPED_EPISODES = 16
TASKS_PER_CATEGORY = 48
SYNTH_SEED = 5
NUM_TASKS = 48
BFCL_CATEGORIES = ("simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance", "live_simple",
                   "multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param")
BFCL_EPISODES = 6


def _digest_update(h: Any, *parts: Any) -> None:
    for p in parts:
        b = p.encode("utf-8", "surrogatepass") if isinstance(p, str) else repr(p).encode()
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)


def _info_text(info: dict[str, Any]) -> str:
    return json.dumps(info, ensure_ascii=True)


def _mutate_value(v: Any, rng: random.Random) -> Any:
    if isinstance(v, bool):
        return not v
    if isinstance(v, int):
        return v + rng.choice([1, -7, 1000])
    if isinstance(v, float):
        return v * 1.5 + 0.1
    if isinstance(v, str):
        return rng.choice([v + " x", v.upper(), "", "Zürich ☃ \u00e9t\u00e9", 42])
    if isinstance(v, list):
        return v[:-1] if v else ["x"]
    if isinstance(v, dict):
        return {}
    return "?"


def _hostile(rng: random.Random, expert: str | None, calls: list[dict[str, Any]], tools: list[str],
             last: str | None) -> str:
    """One wrong or hostile action (the expert's calls mutated, or something else)."""
    kind = rng.randrange(16)
    c = dict(calls[0]) if calls else {"name": tools[0] if tools else "nothing", "arguments": {}}
    args = dict(c.get("arguments") or {})
    if kind == 0 and args:  # a wrong value
        k = rng.choice(sorted(args))
        args[k] = _mutate_value(args[k], rng)
    elif kind == 1:  # an unexpected argument
        args["bogus_arg"] = rng.choice([1, "x", None, [1, 2], {"a": 0.1 + 0.2}])
    elif kind == 2 and args:  # a missing argument
        args.pop(rng.choice(sorted(args)))
    elif kind == 3:
        c["name"] = "no_such_tool_" + str(rng.randrange(100))
    elif kind == 4 and tools:  # another offered tool (maybe right, mostly wrong)
        c["name"] = rng.choice(tools)
        args = {}
    elif kind == 5 and last is not None:
        return last  # a repeat
    elif kind == 6:
        return rng.choice(['<tool_call>{"name": "x", "arguments": </tool_call>', "[f(a=1, ", '{"name": 5}',
                           "<tool_call></tool_call>", '```json\n{"name": "a", "arguments": [1]}\n```'])
    elif kind == 7:
        return rng.choice(["Done.", "I cannot help with that.", "", "   ", "Voilà — c'est fait ✓"])
    elif kind == 8 and args:  # non-finite and huge numbers (text, so json.loads sees them)
        k = rng.choice(sorted(args))
        bad = rng.choice(["NaN", "Infinity", "-Infinity", "1e999", "1" + "0" * 320, "-0.0", "1e-320", "3.0000000000000004"])
        args[k] = "@@NUM@@"
        text = json.dumps({"name": c["name"], "arguments": args})
        return "<tool_call>" + text.replace('"@@NUM@@"', bad) + "</tool_call>"
    elif kind == 9 and args:  # floats whose repr matters
        k = rng.choice(sorted(args))
        args[k] = rng.choice([0.1 + 0.2, 1e16, 1.5e-7, 123456789.123456789, -0.0, 2**53 + 1, 10**20])
    elif kind == 10:  # deep nesting
        deep: Any = 1
        for _ in range(rng.choice([5, 40])):
            deep = [deep]
        args["deep"] = deep
    elif kind == 11 and calls:  # the expert in the Python-call style, with a wrong value
        from toolenv.parse import render_calls

        a2 = dict(calls[0].get("arguments") or {})
        if a2:
            k = rng.choice(sorted(a2))
            a2[k] = _mutate_value(a2[k], rng)
        return render_calls([{"name": calls[0]["name"], "arguments": a2}], "python")
    elif kind == 12:  # two calls in one action: the expert's and a wrong one
        return (expert or "") + '\n<tool_call>{"name": "' + c["name"] + '", "arguments": {"q": "\\u0000\\ud800"}}</tool_call>'
    elif kind == 13:  # arguments as a JSON string, OpenAI shape
        return json.dumps({"type": "function", "function": {"name": c["name"], "arguments": json.dumps(args)}})
    elif kind == 14:
        return "<tool_call>" + json.dumps([{"name": c["name"], "parameters": args}] * rng.choice([1, 2, 33])) + "</tool_call>"
    else:
        return rng.choice(["[]", "{}", "[{}]", "null", "<tool_call>null</tool_call>"])
    return "<tool_call>" + json.dumps({"name": c["name"], "arguments": args}, ensure_ascii=rng.random() < 0.5) + "</tool_call>"


def _restyle(expert: str, rng: random.Random) -> str:
    from toolenv.parse import parse_action, render_calls

    p = parse_action(expert)
    if p.kind != "calls":
        return expert
    return render_calls([c.to_dict() for c in p.calls], rng.choice(["hermes", "json", "python"]))


def play_episode(env: Any, seed: int, rng: random.Random, hostile_rate: float, max_actions: int = 40,
                 task_index: int | None = None) -> str:
    """Play one seeded episode; the hex digest of everything it produced."""
    from toolenv.parse import parse_action

    h = hashlib.blake2b(digest_size=16)
    u = env.unwrapped
    options = {"task_index": task_index} if task_index is not None else None
    obs, info = env.reset(seed=seed, options=options)
    _digest_update(h, "reset", obs, _info_text(info))
    tools = list(getattr(u.task, "tools", []) or [])
    last = None
    done = False
    n = 0
    snap = None
    while not done and n < max_actions:
        expert = u.expert_action()
        _digest_update(h, "expert", expert)
        if snap is None and rng.random() < 0.08:
            snap = u.snapshot()
            _digest_update(h, "snapshot", u._observation() if hasattr(u, "_observation") else "")
            for _ in range(2):
                a = _hostile(rng, expert, [], tools, last)
                o, r, te, tr, inf = env.step(a)
                _digest_update(h, "branch", o, r, te, tr, _info_text(inf))
                if te or tr:
                    break
            u.restore(snap)
            expert = u.expert_action()
            _digest_update(h, "restored", expert)
        if expert is not None and rng.random() >= hostile_rate:
            action = _restyle(expert, rng) if rng.random() < 0.3 else expert
        else:
            p = parse_action(expert) if expert is not None else None
            calls = [c.to_dict() for c in p.calls] if p is not None and p.kind == "calls" else []
            action = _hostile(rng, expert, calls, tools, last)
        obs, reward, terminated, truncated, info = env.step(action)
        _digest_update(h, "step", action, obs, reward, terminated, truncated, _info_text(info))
        last = action
        done = terminated or truncated
        n += 1
    _digest_update(h, "end", n)
    return h.hexdigest()


def sim_digests() -> dict[str, Any]:
    import gymnasium as gym

    import toolenv  # noqa: F401
    from toolenv.tasks import CATEGORIES
    from toolenv.wrappers import FaultInjection, SchemaPerturbation

    out: dict[str, Any] = {}
    for ci, cat in enumerate(CATEGORIES):
        env = gym.make("ToolUse-v0", num_tasks=NUM_TASKS, categories=[cat], synth_seed=SYNTH_SEED)
        digs = []
        for ep in range(EPISODES_PER_CATEGORY):
            rng = random.Random(f"traj|{cat}|{ep}")
            rate = (0.0, 0.15, 0.4, 0.8)[ep % 4]
            digs.append(play_episode(env, 1000 * ci + ep, rng, rate))
        env.close()
        out[cat] = digs
    wrapped = []
    for k in range(WRAPPED_EPISODES):
        cat = CATEGORIES[k % len(CATEGORIES)]
        base = gym.make("ToolUse-v0", num_tasks=NUM_TASKS, categories=[cat], synth_seed=SYNTH_SEED)
        env = FaultInjection(base, 0.4, seed=k) if k % 2 == 0 else SchemaPerturbation(base, seed=k)
        wrapped.append(play_episode(env, 77 + k, random.Random(f"wrapped|{k}"), 0.25))
        env.close()
    out["wrapped"] = wrapped
    return out


def task_digests() -> dict[str, str]:
    from toolenv.spec import load_registry
    from toolenv.synth import synthesize
    from toolenv.tasks import CATEGORIES

    reg = load_registry()
    out = {}
    for cat in CATEGORIES:
        tasks = synthesize(reg, TASKS_PER_CATEGORY, 3, categories=[cat])
        out[cat] = hashlib.blake2b(json.dumps([t.to_dict() for t in tasks], ensure_ascii=True).encode(),
                                   digest_size=16).hexdigest()
    mix = synthesize(reg, 200, 9)
    out["mix"] = hashlib.blake2b(json.dumps([t.to_dict() for t in mix], ensure_ascii=True).encode(),
                                 digest_size=16).hexdigest()
    return out


def bfcl_digests(data_dir: str) -> dict[str, list[str]]:
    import gymnasium as gym

    import toolenv  # noqa: F401

    out = {}
    for cat in BFCL_CATEGORIES:
        env = gym.make("ToolUse-v0", suite=f"bfcl:{cat}", data_dir=data_dir)
        n = len(env.unwrapped.suite)
        digs = []
        for ep in range(BFCL_EPISODES):
            rng = random.Random(f"bfcl|{cat}|{ep}")
            digs.append(play_episode(env, 500 + ep, rng, (0.0, 0.3)[ep % 2], max_actions=30,
                                     task_index=(ep * 7919) % n))
        env.close()
        out[cat] = digs
    return out


def build(include_bfcl: bool = True) -> dict[str, Any]:
    from toolenv.suites import default_data_dir

    doc: dict[str, Any] = {"sim": sim_digests(), "tasks": task_digests()}
    data_dir = default_data_dir() if include_bfcl else None
    if data_dir is not None:
        doc["bfcl"] = bfcl_digests(data_dir)
    return doc


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the committed fixture instead of writing it")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    doc = build()
    if args.check:
        old = json.loads(Path(args.out).read_text())
        bad = []
        for part, keys in old.items():
            for key, want in keys.items():
                got = doc.get(part, {}).get(key)
                if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
                    bad += [(part, key, i) for i, (w, g) in enumerate(zip(want, got)) if w != g]
                elif got != want:
                    bad.append((part, key, None))
        print(f"{len(bad)} differences" + (f": {bad[:20]}" if bad else ""))
        return 1 if bad else 0
    Path(args.out).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(f"wrote {args.out}: " + ", ".join(f"{k}: {sum(len(v) if isinstance(v, list) else 1 for v in d.values())}"
                                          for k, d in doc.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
