"""This env's call steps beside its peers, one process, the same number of calls: the official BFCL
multi-turn backends (``bfcl-eval``) and τ-bench's retail environment (a checkout, never installed).

    .venv/bin/python benchmarks/peer_bench.py [--repeat 5] [--category multi_turn_base] [--json out.json]
                                              [--tau-bench DIR] [--tau-split test]

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

* ``τ-bench retail`` (only with ``--tau-bench DIR`` or ``TOOLENV_TAU_BENCH``: a checkout of
  https://github.com/sierra-research/tau-bench, MIT licence; it is not on PyPI, and nothing of it
  is installed by or committed to this project; without it one line says how to get it and this
  peer is skipped): τ-bench's own ``MockRetailDomainEnv`` (``tau_bench.envs.retail``), imported
  from the checkout in-process. Its heavy dependencies are not needed: ``litellm`` (imported by
  its user simulator module, never called here) is replaced by a stub module when it is absent,
  and the LLM user by a stub whose ``reset`` returns the task's instruction. The call stream is
  the ground-truth ``Action`` list of the split's tasks (``tasks_test.py`` by default), replayed
  in order, cycled until C tool calls were made; every task starts with τ-bench's ``Env.reset``
  (which reloads the retail data from its JSON files, as τ-bench does per task). Timed: each
  ``Env.step(Action)`` (the action appended to the trajectory, an ``EnvInfo``, the tool's
  ``invoke`` on the data dict, the ``EnvResponse``); ``terminate_tools`` is emptied, so
  ``transfer_to_human_agents`` is timed as a tool call, not with the end-of-episode reward that
  τ-bench computes on it (reload + two sha256 hashes of the whole data + replay; its cost is
  measured once and printed beside the table). Three figures: tool calls over the time inside
  ``Env.step`` (``steps only``: the ratio column's reference); the same with each ``Action`` built
  from the call's JSON arguments inside the timed part, as τ-bench's tool-calling agent does
  (``Action(name=..., kwargs=json.loads(arguments))``: closer to this env's steps, which parse the
  action text); and over the wall time including the resets.

The ratios printed are each figure over the official executor's calls/s and over τ-bench's
``Env.step`` calls/s (the issue's target: >= 2x both peers).
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
TAU_ENV = "TOOLENV_TAU_BENCH"
TAU_HINT = ("get a checkout with `git clone https://github.com/sierra-research/tau-bench DIR` (MIT; not on PyPI, "
            f"not installed, not committed here) and pass --tau-bench DIR or set {TAU_ENV}")


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


# ---------------------------------------------------------------------------------- τ-bench retail
def tau_unavailable(tau_dir: str | None) -> str | None:
    if not tau_dir:
        return "no checkout given"
    d = Path(tau_dir)
    if not (d / "tau_bench" / "envs" / "retail" / "env.py").is_file():
        return f"{d} is not a tau-bench checkout (no tau_bench/envs/retail/env.py)"
    for f in ("orders.json", "products.json", "users.json"):
        if not (d / "tau_bench" / "envs" / "retail" / "data" / f).is_file():
            return f"{d} has no tau_bench/envs/retail/data/{f}"
    return None


def make_tau_env(tau_dir: str, split: str) -> tuple[Any, int, bool]:
    """τ-bench's own retail Env from the checkout: (env, ground-truth calls in the split, litellm stubbed)."""
    import types

    root = str(Path(tau_dir).resolve())
    if root not in sys.path:
        sys.path.insert(0, root)
    stubbed = importlib.util.find_spec("litellm") is None
    if stubbed:  # imported by tau_bench.envs.user for its LLM users; never called here
        stub = types.ModuleType("litellm")

        def completion(*_a: Any, **_k: Any) -> Any:
            raise RuntimeError("peer_bench: no LLM in this benchmark")

        stub.completion = completion  # type: ignore[attr-defined]
        sys.modules["litellm"] = stub
    try:
        from tau_bench.envs.retail import MockRetailDomainEnv
        from tau_bench.envs.user import BaseUserSimulationEnv
    finally:
        if stubbed:
            del sys.modules["litellm"]
    import tau_bench

    where = Path(tau_bench.__file__).resolve()
    assert str(where).startswith(root), f"tau_bench imported from {where}, not from {root}"

    class ReplayUser(BaseUserSimulationEnv):  # the LLM user's place: no model, no cost
        def reset(self, instruction: str | None = None) -> str:
            return instruction or ""

        def step(self, content: str) -> str:
            return "###STOP###"

        def get_total_cost(self) -> float:
            return 0.0

    # "human" only to construct without an LLM call (the LLM user's __init__ asks the model); replaced at once
    env = MockRetailDomainEnv(user_strategy="human", task_split=split, task_index=0)
    env.user = ReplayUser()
    return env, sum(len(t.actions) for t in env.tasks), stubbed


def tau_reward_ms(env: Any) -> float:
    """τ-bench's end-of-episode scoring as it runs on a terminating tool (``calculate_reward``), ms, one task."""
    i = max(range(len(env.tasks)), key=lambda j: len(env.tasks[j].actions))
    env.reset(task_index=i)
    for a in env.tasks[i].actions:
        env.step(a)
    t = time.perf_counter()
    env.calculate_reward()
    return (time.perf_counter() - t) * 1000


def tau_tool_calls(env: Any) -> list[list[tuple[str, str]]]:
    """Per task: its ground-truth actions as a model's tool calls, (name, JSON arguments), encoded once."""
    return [[(a.name, json.dumps(a.kwargs)) for a in t.actions] for t in env.tasks]


def run_tau(env: Any, calls: int,
            tool_calls: list[list[tuple[str, str]]] | None = None) -> tuple[float, float, int, int]:
    """(wall time, time inside the timed part, tool calls, resets): the split's ground-truth actions replayed
    in order, cycled, τ-bench's ``Env.reset`` at every task's start, until ``calls`` tool calls were made.
    Timed: ``Env.step(Action)`` on the tasks' own Action objects; with ``tool_calls``, the Action built from
    the call's JSON arguments first, as τ-bench's tool-calling agent does (``json.loads`` + ``Action(...)``)."""
    from tau_bench.types import Action

    env.terminate_tools = []  # a tool step, not the end-of-episode reward (timed apart: tau_reward_ms)
    tasks = env.tasks
    n = len(tasks)
    reset = env.reset
    step = env.step
    clock = time.perf_counter
    inside = 0.0
    k = i = 0
    t0 = clock()
    while k < calls:
        ti = i % n
        i += 1
        todo = tasks[ti].actions if tool_calls is None else tool_calls[ti]
        if not todo:
            continue
        reset(task_index=ti)
        if tool_calls is None:
            for a in todo:
                if k >= calls:
                    break
                t = clock()
                step(a)
                inside += clock() - t
                k += 1
        else:
            loads = json.loads
            for name, arguments in todo:
                if k >= calls:
                    break
                t = clock()
                step(Action(name=name, kwargs=loads(arguments)))
                inside += clock() - t
                k += 1
    return clock() - t0, inside, k, i


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
    ap.add_argument("--tau-bench", default=os.environ.get(TAU_ENV) or None, metavar="DIR",
                    help=f"a tau-bench checkout (default: ${TAU_ENV}); without it that peer is skipped")
    ap.add_argument("--tau-split", default="test", choices=["test", "train", "dev"],
                    help="the retail tasks whose ground-truth actions are replayed")
    ap.add_argument("--json", default=None, help="write the figures here")
    args = ap.parse_args()

    why = peer_unavailable()
    if why is not None:
        print(f"peer_bench: the peer is not available: {why}.\nInstall it with: {INSTALL_HINT}")
    why_tau = tau_unavailable(args.tau_bench)
    if why_tau is not None:
        print(f"peer_bench: skipping the tau-bench retail peer ({why_tau}): {TAU_HINT}.")
    if why is not None and why_tau is not None:
        return 0
    bfcl = why is None
    tenv = None
    if why_tau is None:
        tenv, tau_total, stubbed = make_tau_env(args.tau_bench, args.tau_split)
        if tau_total == 0:
            print(f"peer_bench: the tau-bench {args.tau_split} tasks have no actions; skipping that peer.")
            tenv = None
            if not bfcl:
                return 0
    load0 = " ".join(open("/proc/loadavg").read().split()[:3])
    head = []
    entries: list[dict[str, Any]] = []
    decoded: list = []
    long_context = args.category == "multi_turn_long_context"
    data_dir = None
    if bfcl:
        from importlib.metadata import version

        data_dir = bfcl_data_dir()
        assert data_dir is not None
        entries = load_entries(data_dir, args.category)
        if args.entries:
            entries = entries[: args.entries]
        head.append(f"bfcl-eval {version('bfcl-eval')}, {args.category}, {len(entries)} entries")
        decoded = decode_direct(entries)
    if tenv is not None:
        import tau_bench

        n_tasks = len(tenv.tasks)
        head.append(f"tau-bench retail from {Path(tau_bench.__file__).resolve().parents[1]}, {args.tau_split} split, "
                    f"{n_tasks} tasks, {tau_total} ground-truth calls"
                    + (" (litellm stubbed: not installed, never called)" if stubbed else ""))
    print(f"peers: {'; '.join(head)}\nload average {load0}; {os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    env, actions = make_sim_env()
    benv = episodes = None
    if bfcl and not args.no_bfcl_env:
        assert data_dir is not None
        benv, episodes, _ = make_bfcl_env(data_dir, args.category)

    # warm-up (imports, caches, value pools), then interleaved timed rounds
    if bfcl:
        _, n_calls = run_official_executor(entries, long_context)
        run_official_direct(decoded, long_context)
    else:
        n_calls = tau_total
    reward_ms = None
    if tenv is not None:
        reward_ms = tau_reward_ms(tenv)
        tau_json = tau_tool_calls(tenv)
        run_tau(tenv, min(n_calls, 2000))
        run_tau(tenv, min(n_calls, 2000), tau_json)
    run_sim(env, actions, min(n_calls, 2000))
    if benv is not None:
        run_bfcl_env(benv, episodes)
    best: dict[str, float] = {}
    tau_resets = 0

    def keep(k: str, v: float) -> None:
        best[k] = max(best.get(k, 0.0), v)

    gc.collect()
    for _ in range(args.repeat):
        if bfcl:
            dt, c = run_official_executor(entries, long_context)
            keep("executor", c / dt)
            dt, c = run_official_direct(decoded, long_context)
            keep("direct", c / dt)
        if tenv is not None:
            wall, inside, calls, tau_resets = run_tau(tenv, n_calls)
            assert calls == n_calls
            keep("tau_steps", calls / inside)
            keep("tau_wall", calls / wall)
            _, inside, calls, _ = run_tau(tenv, n_calls, tau_json)
            keep("tau_json_steps", calls / inside)
        wall, inside, steps, calls = run_sim(env, actions, n_calls)
        keep("sim_steps", steps / wall)
        keep("sim_calls", calls / inside)
        if benv is not None:
            dt, steps = run_bfcl_env(benv, episodes)
            keep("bfcl_env_calls", n_calls / dt)
            keep("bfcl_env_steps", steps / dt)
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    ex = best.get("executor")
    tau = best.get("tau_steps")

    def ratio(v: float, ref: float | None) -> str:
        return f"{v / ref:.2f}x" if ref else "-"

    rows: list[tuple[str, float, str]] = []
    if bfcl:
        rows += [("official executor (execute_multi_turn_func_call)", best["executor"], "calls/s"),
                 ("official backends, direct method calls", best["direct"], "calls/s")]
    if tenv is not None:
        rows += [("tau-bench retail: Env.step on tool actions, steps only", best["tau_steps"], "calls/s"),
                 ("tau-bench retail: Action from JSON args + Env.step", best["tau_json_steps"], "calls/s"),
                 ("tau-bench retail: Env.reset per task + Env.step, wall", best["tau_wall"], "calls/s")]
    rows += [("this env, bundled specs: steps/s, resets included", best["sim_steps"], "steps/s"),
             ("this env, bundled specs: call steps only", best["sim_calls"], "calls/s")]
    if benv is not None:
        rows.append((f"this env, bfcl:{args.category} (our port), episodes", best["bfcl_env_calls"], "calls/s"))
    print(f"\n{n_calls} calls per round, best of {args.repeat} interleaved rounds; load average before: {load0}, "
          f"after: {load}")
    w = max(len(r[0]) for r in rows)
    print(f"{'':{w}s}  {'speed':>16s}  {'vs executor':>11s}  {'vs tau-bench step':>17s}")
    for name, v, unit in rows:
        print(f"{name:{w}s}  {f'{v:,.0f} {unit}':>16s}  {ratio(v, ex):>11s}  {ratio(v, tau):>17s}")
    if tenv is not None:
        print(f"tau-bench: {n_calls} calls = {tau_resets} task replays ({args.tau_split} split, cycled), one Env.reset "
              f"each; not in the rows: its end-of-episode reward (calculate_reward, run by Env.step on a "
              f"terminating tool) takes {reward_ms:,.0f} ms per task")
    def vs_peers(v: float) -> str:
        refs = [("the official executor", ex), ("tau-bench's Env.step", tau)]
        return ", ".join(f"{ratio(v, r)} {name}" for name, r in refs if r)

    print(f"this env vs the peers: call steps alone {vs_peers(best['sim_calls'])}; "
          f"steps/s with resets and answer steps {vs_peers(best['sim_steps'])}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "category": args.category if bfcl else None, "calls": n_calls, "repeat": args.repeat,
            "load_average_before": load0, "load_average": load,
            "tau_bench": None if tenv is None else {"split": args.tau_split, "task_replays": tau_resets,
                                                    "reward_ms": round(reward_ms or 0.0, 1)},
            **{k: round(v) for k, v in best.items()}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
