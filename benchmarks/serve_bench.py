"""Load test of `toolenv serve` on loopback: steps/s and latency with 1 and several concurrent clients.

Starts `toolenv serve` as a subprocess on 127.0.0.1 (a free port), then for each client count runs
clients (threads, one `RemoteToolEnv` session each) that play episodes with the expert's actions
until ``--max-steps`` steps in all or ``--max-seconds``, whichever first. Prints one line per
client count: steps, steps/s, p50 and p99 step latency (ms). Loopback only; bounded in count and time.

    python benchmarks/serve_bench.py --clients 1,4 --max-steps 2000 --max-seconds 20
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def start_server(extra: list[str]) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, "-m", "toolenv.cli", "serve", "--host", "127.0.0.1", "--port", "0", *extra]
    proc = subprocess.Popen(cmd, cwd=REPO, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 120
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"serving at (http://\S+)", line)
        if m:
            threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep the pipe drained
            return proc, m.group(1)
    proc.kill()
    raise RuntimeError("toolenv serve did not start")


def run_clients(url: str, n: int, env_kwargs: dict, max_steps: int, max_seconds: float) -> dict:
    from toolenv.service.client import RemoteToolEnv

    latencies: list[float] = []
    lock = threading.Lock()
    budget = [max_steps]
    stop_at = time.monotonic() + max_seconds
    errors: list[BaseException] = []

    def take() -> bool:
        with lock:
            if budget[0] <= 0 or time.monotonic() >= stop_at:
                return False
            budget[0] -= 1
            return True

    def client(i: int) -> None:
        env = RemoteToolEnv(url, env_kwargs)
        try:
            episode = 0
            env.reset(seed=1000 * i)
            while take():
                action = env.expert_action() or "Done."
                t0 = time.perf_counter()
                _, _, terminated, truncated, _ = env.step(action)
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                if terminated or truncated:
                    episode += 1
                    env.reset(seed=1000 * i + episode)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
        finally:
            env.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise errors[0]
    lat = sorted(latencies)

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")

    return {"clients": n, "steps": len(lat), "seconds": round(wall, 2), "steps_per_s": round(len(lat) / wall, 1),
            "p50_ms": round(pct(0.50), 2), "p99_ms": round(pct(0.99), 2)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", default="1,4", help="comma-separated concurrent client counts")
    p.add_argument("--max-steps", type=int, default=2000, help="steps per client count, all clients together")
    p.add_argument("--max-seconds", type=float, default=20.0, help="time limit per client count")
    p.add_argument("--env-kwargs", default='{"seed": 0}', help="the sessions' gym.make kwargs (JSON)")
    p.add_argument("--json", action="store_true", help="print JSON lines")
    args = p.parse_args(argv)
    counts = [int(c) for c in args.clients.split(",") if c.strip()]
    if not counts or min(counts) < 1 or args.max_steps < 1 or args.max_seconds <= 0:
        p.error("--clients, --max-steps and --max-seconds must be positive")
    env_kwargs = json.loads(args.env_kwargs)
    proc, url = start_server(["--max-sessions", str(max(counts) + 4)])
    try:
        from toolenv.service.client import RemoteToolEnv

        warm = RemoteToolEnv(url, env_kwargs)  # the server builds its task pool once, outside the timing
        warm.reset(seed=0)
        warm.close()
        try:
            load = Path("/proc/loadavg").read_text().split()[:3]
        except OSError:
            load = ["?"] * 3
        print(f"# toolenv serve at {url}; env_kwargs {json.dumps(env_kwargs)}; cpus {os.cpu_count()}; "
              f"loadavg before {' '.join(load)}")
        for n in counts:
            r = run_clients(url, n, env_kwargs, args.max_steps, args.max_seconds)
            if args.json:
                print(json.dumps(r))
            else:
                print(f"clients {r['clients']:>3}  steps {r['steps']:>6}  {r['seconds']:>6.2f} s  "
                      f"{r['steps_per_s']:>8.1f} steps/s  p50 {r['p50_ms']:>7.2f} ms  p99 {r['p99_ms']:>7.2f} ms")
            sys.stdout.flush()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
