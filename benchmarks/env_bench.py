"""Environment speed and memory: steps/s on single-call tasks, reset, snapshot+restore, 1,000 live envs.

Run: .venv/bin/python benchmarks/env_bench.py [--episodes 5000]
One process (one core). Targets (issue 2): >= 20,000 steps/s, reset <= 200 us,
snapshot+restore <= 50 us, 1,000 envs <= 1 GB.
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=5000)
    ap.add_argument("--num-tasks", type=int, default=256)
    ap.add_argument("--envs", type=int, default=1000)
    args = ap.parse_args()

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

    # memory of live envs
    gc.collect()
    before = rss_mb()
    tracemalloc.start()
    envs = []
    for k in range(args.envs):
        e = gym.make("ToolUse-v0", **kwargs)
        e.reset(seed=k)
        e.step(actions[e.unwrapped.suite.tasks.index(e.unwrapped.task)][0])
        envs.append(e)
    cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = rss_mb()
    print(f"{args.envs} live envs (each reset + one call): python heap {cur / 2**20:.1f} MiB, "
          f"RSS +{after - before:.1f} MiB (tasks and specs are shared between envs)")


if __name__ == "__main__":
    main()
