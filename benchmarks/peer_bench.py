"""This env's call steps beside the official BFCL multi-turn backends (``bfcl-eval``): one process, the same calls.

    .venv/bin/python benchmarks/peer_bench.py [--repeat 5] [--category multi_turn_base] [--json out.json]

Needs ``bfcl-eval==2026.3.23`` (``make setup`` installs it ``--no-deps``; or ``pip install -e '.[bench]'``,
see docs/benchmarks.md). Without it the script says what to install and exits 0. The BFCL entries
and their ground truth are read from the data folder inside the ``bfcl_eval`` package, so nothing
else is needed.

Timed, interleaved in each of ``--repeat`` rounds (best round kept, wall clock, one process):

* ``official executor``: ``bfcl_eval``'s ``execute_multi_turn_func_call`` over every ground-truth
  turn of the category's entries, as the official evaluation executes a model's calls: the call
  strings are prefixed with instance names and ``eval``'d against the official backend classes,
  whose instances are built per entry from its ``initial_config`` (cached across the entry's
  turns in the executor's globals, cleared after each round). C calls.
* ``official backends, direct``: the same C calls as bound-method calls with pre-decoded
  arguments on freshly loaded official instances: no text, no ``eval``, no result string. Only
  the backends' own cost: a floor for any loop built on them, not an environment step.
* ``this env, bundled specs``: ``ToolUse-v0`` on single-call tasks of the bundled specs (``simple``
  + ``multiple``, 256 tasks), the oracle's actions precomputed, episodes of reset + call step +
  answer step until C call steps were made. ``steps/s`` counts every ``env.step`` over the wall
  time *including* resets (the figure of ``env_bench.py``); ``call steps/s`` counts the call
  steps over the time spent inside them (parse, validate, execute, match, score, observation).
* ``this env, bfcl:<category>``: ``ToolUse-v0`` on the same BFCL entries through this project's
  port of the backends, the oracle's recorded actions replayed (resets, answer turns and the
  official scoring at each turn's end included): calls per wall second.

The ratios printed are this env's figures over the official executor's calls/s.
"""

from __future__ import annotations

import argparse
import ast
import copy
import gc
import importlib
import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

INSTALL_HINT = ("pip install --no-deps 'bfcl-eval==2026.3.23' 'mpmath>=1.1,<1.4'   "
                "(what `make setup` does; docs/benchmarks.md, 'Side by side with the peers')")
MODEL = "peer-bench"


def bfcl_data_dir() -> Path | None:
    spec = importlib.util.find_spec("bfcl_eval")
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(list(spec.submodule_search_locations)[0]) / "data"
    return d if d.is_dir() else None


def peer_unavailable() -> str | None:
    if importlib.util.find_spec("bfcl_eval") is None:
        return "bfcl_eval is not installed"
    try:
        importlib.import_module("bfcl_eval.eval_checker.multi_turn_eval.multi_turn_utils")
        from bfcl_eval.constants.executable_backend_config import CLASS_FILE_PATH_MAPPING

        for mod in CLASS_FILE_PATH_MAPPING.values():
            if mod.rsplit(".", 1)[1] in ("memory_kv", "memory_vector", "memory_rec_sum", "web_search"):
                continue  # not multi-turn backends
            importlib.import_module(mod)
    except Exception as e:  # noqa: BLE001 - any failure: say why and what to install
        return f"the official backends do not import ({type(e).__name__}: {e})"
    if bfcl_data_dir() is None:
        return "the bfcl_eval package has no data folder"
    return None


def load_entries(data_dir: Path, category: str) -> list[dict[str, Any]]:
    def rows(p: Path) -> list[dict[str, Any]]:
        return [json.loads(x) for x in p.read_text().splitlines() if x.strip()]

    truth = {r["id"]: r["ground_truth"] for r in rows(data_dir / "possible_answer" / f"BFCL_v4_{category}.json")}
    out = []
    for e in rows(data_dir / f"BFCL_v4_{category}.json"):
        e["ground_truth"] = truth[e["id"]]
        out.append(e)
    return out


# ---------------------------------------------------------------------------------- the peer
def run_official_executor(entries: list[dict[str, Any]], long_context: bool) -> tuple[float, int]:
    from bfcl_eval.eval_checker.multi_turn_eval import multi_turn_utils as mtu

    g = vars(mtu)
    calls = 0
    t0 = time.perf_counter()
    for e in entries:
        for turn in e["ground_truth"]:
            mtu.execute_multi_turn_func_call(turn, e["initial_config"], e["involved_classes"], MODEL, e["id"],
                                             long_context=long_context)
            calls += len(turn)
    dt = time.perf_counter() - t0
    for k in [k for k in g if k.startswith(MODEL.replace("-", "_")) and k.endswith("_instance")]:
        del g[k]
    return dt, calls


def _literal(node: ast.AST) -> Any:
    return ast.literal_eval(node)


def decode_direct(entries: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[tuple[str, str, list, dict]]]]:
    """Per entry: [(class name, method, args, kwargs)] for every ground-truth call (decoded once)."""
    from bfcl_eval.constants.executable_backend_config import CLASS_FILE_PATH_MAPPING

    methods: dict[str, set[str]] = {}
    for cls in {c for e in entries for c in e["involved_classes"]}:
        klass = getattr(importlib.import_module(CLASS_FILE_PATH_MAPPING[cls]), cls)
        methods[cls] = {m for m in dir(klass) if not m.startswith("_") and callable(getattr(klass, m))}
    out = []
    for e in entries:
        calls = []
        for turn in e["ground_truth"]:
            for s in turn:
                node = ast.parse(s, mode="eval").body
                assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name), s
                name = node.func.id
                cls = next(c for c in e["involved_classes"] if name in methods[c])
                calls.append((cls, name, [_literal(a) for a in node.args],
                              {k.arg: _literal(k.value) for k in node.keywords}))
        out.append((e, calls))
    return out


def run_official_direct(decoded: list, long_context: bool) -> tuple[float, int]:
    from bfcl_eval.constants.executable_backend_config import CLASS_FILE_PATH_MAPPING, STATELESS_CLASSES

    classes = {c: getattr(importlib.import_module(CLASS_FILE_PATH_MAPPING[c]), c)
               for c in {c for e, _ in decoded for c in e["involved_classes"]}}
    calls = 0
    t0 = time.perf_counter()
    for e, todo in decoded:
        inst = {}
        for c in e["involved_classes"]:
            inst[c] = classes[c]()
            if c not in STATELESS_CLASSES:
                inst[c]._load_scenario(copy.deepcopy(e["initial_config"].get(c, {})), long_context=long_context)
        for c, name, args, kwargs in todo:
            try:
                getattr(inst[c], name)(*args, **kwargs)
            except Exception:  # noqa: BLE001 - as the executor: an error is a result
                pass
            calls += 1
    return time.perf_counter() - t0, calls


# ---------------------------------------------------------------------------------- this env
def make_sim_env() -> tuple[Any, list[tuple[str, str]]]:
    import gymnasium as gym

    import toolenv  # noqa: F401

    env = gym.make("ToolUse-v0", num_tasks=256, categories=["simple", "multiple"], synth_seed=0)
    u = env.unwrapped
    actions = []
    for i in range(len(u.suite)):
        u.reset(seed=i, options={"task_index": i})
        call = u.expert_action()
        u.step(call)
        actions.append((call, u.expert_action()))
    return env, actions


def run_sim(env: Any, actions: list[tuple[str, str]], calls: int) -> tuple[float, float, int, int]:
    """(wall time, time inside call steps, steps, call steps) for ``calls`` single-call episodes."""
    env.reset(seed=0)
    step = env.step
    reset = env.reset
    n = len(actions)
    in_calls = 0.0
    clock = time.perf_counter
    t0 = clock()
    for k in range(calls):
        call, answer = actions[k % n]
        reset(options={"task_index": k % n})
        t = clock()
        step(call)
        in_calls += clock() - t
        step(answer)
    return clock() - t0, in_calls, 2 * calls, calls


def make_bfcl_env(data_dir: Path, category: str) -> tuple[Any, list[list[str]], int]:
    """The env on ``bfcl:<category>`` and the oracle's actions per entry, recorded once."""
    import gymnasium as gym

    import toolenv  # noqa: F401

    env = gym.make("ToolUse-v0", suite=f"bfcl:{category}", data_dir=str(data_dir))
    u = env.unwrapped
    episodes, calls = [], 0
    for i in range(len(u.suite)):
        u.reset(seed=i, options={"task_index": i})
        acts, done = [], False
        while not done:
            a = u.expert_action()
            if a is None:
                break
            _, _, te, tr, info = u.step(a)
            calls += len(info.get("calls", []))
            acts.append(a)
            done = te or tr
        episodes.append(acts)
    return env, episodes, calls


def run_bfcl_env(env: Any, episodes: list[list[str]]) -> tuple[float, int]:
    env.reset(seed=0)
    steps = 0
    t0 = time.perf_counter()
    for i, acts in enumerate(episodes):
        env.reset(options={"task_index": i})
        for a in acts:
            env.step(a)
            steps += 1
    return time.perf_counter() - t0, steps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--category", default="multi_turn_base",
                    choices=["multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context"])
    ap.add_argument("--repeat", type=int, default=5, help="interleaved rounds; the best of each is kept")
    ap.add_argument("--entries", type=int, default=0, help="only the first N entries (0: all)")
    ap.add_argument("--no-bfcl-env", action="store_true", help="skip this env's bfcl:<category> row")
    ap.add_argument("--json", default=None, help="write the figures here")
    args = ap.parse_args()

    why = peer_unavailable()
    if why is not None:
        print(f"peer_bench: the peer is not available: {why}.\nInstall it with: {INSTALL_HINT}")
        return 0
    data_dir = bfcl_data_dir()
    assert data_dir is not None
    entries = load_entries(data_dir, args.category)
    if args.entries:
        entries = entries[: args.entries]
    long_context = args.category == "multi_turn_long_context"
    from importlib.metadata import version

    print(f"peer: bfcl-eval {version('bfcl-eval')}, {args.category}, {len(entries)} entries; "
          f"load average {' '.join(open('/proc/loadavg').read().split()[:3])}; "
          f"{os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    decoded = decode_direct(entries)
    env, actions = make_sim_env()
    benv = episodes = None
    if not args.no_bfcl_env:
        benv, episodes, _ = make_bfcl_env(data_dir, args.category)

    # warm-up (imports, caches, value pools), then interleaved timed rounds
    _, n_calls = run_official_executor(entries, long_context)
    run_official_direct(decoded, long_context)
    run_sim(env, actions, min(n_calls, 2000))
    if benv is not None:
        run_bfcl_env(benv, episodes)
    best: dict[str, float] = {}
    gc.collect()
    for _ in range(args.repeat):
        dt, c = run_official_executor(entries, long_context)
        best["executor"] = max(best.get("executor", 0.0), c / dt)
        dt, c = run_official_direct(decoded, long_context)
        best["direct"] = max(best.get("direct", 0.0), c / dt)
        wall, inside, steps, calls = run_sim(env, actions, n_calls)
        best["sim_steps"] = max(best.get("sim_steps", 0.0), steps / wall)
        best["sim_calls"] = max(best.get("sim_calls", 0.0), calls / inside)
        if benv is not None:
            dt, steps = run_bfcl_env(benv, episodes)
            best["bfcl_env_calls"] = max(best.get("bfcl_env_calls", 0.0), n_calls / dt)
            best["bfcl_env_steps"] = max(best.get("bfcl_env_steps", 0.0), steps / dt)
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    ex = best["executor"]
    rows = [
        ("official executor (execute_multi_turn_func_call)", f"{ex:,.0f} calls/s", "1.00x"),
        ("official backends, direct method calls", f"{best['direct']:,.0f} calls/s", f"{best['direct'] / ex:.2f}x"),
        ("this env, bundled specs: steps/s, resets included", f"{best['sim_steps']:,.0f} steps/s",
         f"{best['sim_steps'] / ex:.2f}x"),
        ("this env, bundled specs: call steps only", f"{best['sim_calls']:,.0f} calls/s", f"{best['sim_calls'] / ex:.2f}x"),
    ]
    if benv is not None:
        rows.append((f"this env, bfcl:{args.category} (our port), episodes", f"{best['bfcl_env_calls']:,.0f} calls/s",
                     f"{best['bfcl_env_calls'] / ex:.2f}x"))
    print(f"\n{n_calls} calls per round, best of {args.repeat} interleaved rounds; load average after: {load}")
    w = max(len(r[0]) for r in rows)
    print(f"{'':{w}s}  {'speed':>16s}  {'vs executor':>11s}")
    for name, speed, ratio in rows:
        print(f"{name:{w}s}  {speed:>16s}  {ratio:>11s}")
    if args.json:
        Path(args.json).write_text(json.dumps({"category": args.category, "calls": n_calls, "repeat": args.repeat,
                                               "load_average": load, **{k: round(v) for k, v in best.items()}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
