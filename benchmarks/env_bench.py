"""Environment speed and memory: steps/s on single-call tasks, reset, snapshot+restore, live envs, a vector env.

Run: .venv/bin/python benchmarks/env_bench.py [--episodes 5000] [--envs 10000] [--vector-workers 64]
One process (one core) for the speed figures. Targets (issues 2, 18): >= 20,000 steps/s, reset <= 200 us,
snapshot+restore <= 50 us, 1,000 envs <= 1 GB; 10,000 live envs and their RSS; a vector env of 64
async workers (`gym.make_vec(..., vectorization_mode="async")`, Gymnasium's defaults: shared memory,
next-step autoreset) stepping single-call episodes, with its throughput and memory.

"cold" steps/s clears the per-call memos (parsed action texts, argument validation,
stateless/search/record responses, argument matches, state hashes) before every episode: every call
is then new to the process, as a policy's novel arguments are (the seeded initial records of the
task worlds stay cached).
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import time
import tracemalloc

import gymnasium as gym

import toolenv  # noqa: F401


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def loadavg() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def pss_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process in MiB (Linux smaps_rollup; PSS shares pages among their users)."""
    rss = pss = 0.0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) / 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss, pss


def clear_call_memos() -> None:
    from toolenv import parse, sim_episode, simulator

    for name in ("_VALID_CACHE", "_RESPONSE_CACHE", "_STATEFUL_CACHE", "_RESPONSE_TEXT", "_STATE_HASHES"):
        getattr(simulator, name, {}).clear()
    getattr(sim_episode, "_MATCHES", {}).clear()
    getattr(parse, "_PARSED", {}).clear()


def vector_bench(kwargs: dict, actions_by_id: dict, workers: int, seconds: float) -> None:
    """Single-call episodes on every worker of an async vector env: call, answer, (autoreset)."""
    import numpy as np

    t0 = time.perf_counter()
    venv = gym.make_vec("ToolUse-v0", num_envs=workers, vectorization_mode="async", **kwargs)
    obs, info = venv.reset(seed=0)
    build = time.perf_counter() - t0
    phase = np.zeros(workers, dtype=np.int64)  # 0: call next, 1: answer next, 2: autoreset step next
    tasks = list(info["task_id"])
    steps = episode_steps = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        acts = [actions_by_id[tasks[i]][0] if phase[i] == 0 else actions_by_id[tasks[i]][1] if phase[i] == 1 else ""
                for i in range(workers)]
        obs, rew, term, trunc, info = venv.step(acts)
        steps += workers
        episode_steps += int(np.sum(phase < 2))
        done = np.logical_or(term, trunc)
        for i in range(workers):
            if phase[i] == 2:
                phase[i] = 0
                tasks[i] = info["task_id"][i]
            elif done[i]:
                phase[i] = 2
            else:
                phase[i] = 1
    dt = time.perf_counter() - t0
    parent_rss, parent_pss = pss_mb(os.getpid())
    mem = [pss_mb(p.pid) for p in venv.processes]
    print(f"vector env, {workers} async workers (gym.make_vec, shared memory, next-step autoreset): built in "
          f"{build:.1f} s; {steps / dt:,.0f} env steps/s incl. autoreset steps, {episode_steps / dt:,.0f} call+answer "
          f"steps/s ({steps // workers} vector steps in {dt:.1f} s); workers RSS {sum(r for r, _ in mem):,.0f} MiB "
          f"(PSS {sum(p for _, p in mem):,.0f} MiB), parent RSS {parent_rss:,.0f} MiB")
    venv.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=5000)
    ap.add_argument("--num-tasks", type=int, default=256)
    ap.add_argument("--envs", type=int, default=10000, help="live envs held in one process (0: skip)")
    ap.add_argument("--vector-workers", type=int, default=64, help="async vector env workers (0: skip)")
    ap.add_argument("--vector-seconds", type=float, default=20.0)
    args = ap.parse_args()
    print(f"load average {loadavg()}; {os.cpu_count()} CPUs")

    kwargs = {"num_tasks": args.num_tasks, "categories": ["simple", "multiple"], "synth_seed": 0}
    t0 = time.perf_counter()
    env = gym.make("ToolUse-v0", **kwargs)
    print(f"gym.make incl. spec loading + synthesis of {args.num_tasks} tasks: {time.perf_counter() - t0:.2f} s")
    u = env.unwrapped
    n_tasks = len(u.suite)
    # the oracle's actions per task, computed once so the loop measures the env only
    actions = []
    for i in range(n_tasks):
        u.reset(seed=i, options={"task_index": i})
        call = u.expert_action()
        u.step(call)
        actions.append((call, u.expert_action()))

    def run(e, n: int) -> tuple[float, int]:
        steps = 0
        e.reset(seed=0)  # seed once, as a training loop does; later resets draw from the env's RNG
        t = time.perf_counter()
        for k in range(n):
            i = k % n_tasks
            e.reset(options={"task_index": i})
            for a in actions[i]:
                e.step(a)
                steps += 1
        return time.perf_counter() - t, steps

    run(u, 200)  # warm caches
    dt, steps = run(u, args.episodes)
    print(f"steps/s (unwrapped, reset included): {steps / dt:,.0f}   episodes/s: {args.episodes / dt:,.0f}")
    dt_w, steps_w = run(env, args.episodes)
    print(f"steps/s (gym.make wrappers, reset included): {steps_w / dt_w:,.0f}")

    def run_cold(e, n: int) -> tuple[float, int]:
        steps, total = 0, 0.0
        e.reset(seed=0)
        for k in range(n):
            i = k % n_tasks
            clear_call_memos()
            t = time.perf_counter()
            e.reset(options={"task_index": i})
            for a in actions[i]:
                e.step(a)
                steps += 1
            total += time.perf_counter() - t
        return total, steps

    dt_c, steps_c = run_cold(env, max(500, args.episodes // 5))
    print(f"cold steps/s (gym.make wrappers, reset included, per-call memos cleared each episode): {steps_c / dt_c:,.0f}")
    run(u, 2 * n_tasks)  # warm the memos again for what follows
    t = time.perf_counter()
    for k in range(2000):
        u.reset(seed=k)
    print(f"reset with a new seed each time (new numpy Generator): {(time.perf_counter() - t) / 2000 * 1e6:.1f} us")

    # reset alone
    n = args.episodes
    t = time.perf_counter()
    for k in range(n):
        u.reset(options={"task_index": k % n_tasks})
    reset_us = (time.perf_counter() - t) / n * 1e6
    # step alone (call step of a single-call task)
    total = 0.0
    for k in range(n):
        i = k % n_tasks
        u.reset(options={"task_index": i})
        t = time.perf_counter()
        u.step(actions[i][0])
        total += time.perf_counter() - t
    step_us = total / n * 1e6
    print(f"reset: {reset_us:.1f} us   call step: {step_us:.1f} us")

    # snapshot + restore after one call step (multi-step task: world has records)
    chain_env = gym.make("ToolUse-v0", num_tasks=64, categories=["multi_step"], synth_seed=0).unwrapped
    chain_env.reset(seed=0, options={"task_index": 0})
    chain_env.step(chain_env.expert_action())
    m = 20000
    t = time.perf_counter()
    for _ in range(m):
        s = chain_env.snapshot()
        chain_env.restore(s)
    sr_us = (time.perf_counter() - t) / m * 1e6
    print(f"snapshot+restore (after a search step of a multi-step task): {sr_us:.1f} us")

    # the vector env first (its workers fork this process: keep them small)
    if args.vector_workers:
        by_id = {u.suite.tasks[i].id: actions[i] for i in range(n_tasks)}
        vector_bench(kwargs, by_id, args.vector_workers, args.vector_seconds)

    # memory of live envs
    if args.envs:
        gc.collect()
        before = rss_mb()
        tracemalloc.start()
        envs = []
        t = time.perf_counter()
        index = {id(task): i for i, task in enumerate(u.suite.tasks)}
        for k in range(args.envs):
            e = gym.make("ToolUse-v0", **kwargs)
            e.reset(seed=k)
            e.step(actions[index[id(e.unwrapped.task)]][0])
            envs.append(e)
        built = time.perf_counter() - t
        cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        after = rss_mb()
        print(f"{args.envs} live envs (each gym.make + reset + one call, {built:.1f} s): python heap {cur / 2**20:.1f} MiB, "
              f"RSS +{after - before:.1f} MiB = {(after - before) * 1024 / args.envs:.1f} KiB per env "
              f"(tasks and specs are shared between envs); process RSS {after:,.0f} MiB")
    print(f"load average {loadavg()}")


if __name__ == "__main__":
    main()
