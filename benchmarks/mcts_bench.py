"""MCTS expansion throughput: prefix KV cache + batched siblings vs regenerating every branch
from scratch. Same model, same tree (the expansion requests of a real search), one run.

    python benchmarks/mcts_bench.py [--model DIR] [--tasks N] [--k 3] [--max-new-tokens 24] [--threads 1]

Without --model it builds the offline tiny model (untrained: the speed, not the text, matters).
Prints one table and a JSON line; record the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="model directory (default: build the tiny model)")
    ap.add_argument("--tasks", type=int, default=4, help="search trees to record")
    ap.add_argument("--iterations", type=int, default=4)
    ap.add_argument("--k", type=int, default=3, help="siblings per expansion")
    ap.add_argument("--max-new-tokens", type=int, default=24)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from toolenv.spec import load_registry
    from toolenv.synth import synthesize
    from toolenv.tasks import save_tasks
    from training.config import MCTSConfig
    from training.data import make_env
    from training.mcts import MCTS
    from training.model import load_model, load_tokenizer
    from training.policy import Policy
    from training.rollout import episode_seed, expert_cursor, start

    tmp = Path(tempfile.mkdtemp(prefix="mcts_bench_"))
    tasks = synthesize(load_registry(None), args.tasks, seed=args.seed,
                       categories=["simple", "multiple", "parallel", "multi_step"])
    save_tasks(tasks, tmp / "tasks.jsonl")
    path = args.model
    if path is None:
        from agents.tiny import build_tiny_model

        path = str(build_tiny_model(tmp / "model", seed=args.seed))
    model = load_model(path)
    model.eval()
    policy = Policy(model, load_tokenizer(path))
    env = make_env(tmp / "tasks.jsonl")

    # 1. record the tree: every expansion request of a real search
    requests: list[tuple[str, str]] = []
    real = policy.sample_continuations

    def recording(prompt, prefix, k, max_new_tokens, temperature, seed, stop_fn=None, **kw):
        requests.append((prompt, prefix))
        return real(prompt, prefix, k, max_new_tokens, temperature, seed, stop_fn=stop_fn, **kw)

    policy.sample_continuations = recording  # type: ignore[method-assign]
    cfg = MCTSConfig(iterations=args.iterations, num_children=args.k, max_new_tokens=args.max_new_tokens,
                     max_depth=4, max_turns=3, rollout_max_new_tokens=32, seed=args.seed)
    for i, t in enumerate(tasks):
        s = episode_seed(t, args.seed)
        MCTS(policy, env, cfg).search(start(env, i, s), expert_cursor(env, i, s).ret, task_key=str(i))
    policy.sample_continuations = real  # type: ignore[method-assign]

    # 2. replay the same expansions three ways (no stop: every sibling decodes max_new_tokens)
    modes = {
        "prefix cache + batched siblings": dict(batched=True, use_cache=True),
        "KV cache, one sibling at a time": dict(batched=False, use_cache=True),
        "from scratch (no cache, one at a time)": dict(batched=False, use_cache=False),
    }
    res = {}
    for name, kw in modes.items():
        t0 = time.perf_counter()
        toks = 0
        for j, (prompt, prefix) in enumerate(requests):
            out = policy.sample_continuations(prompt, prefix, args.k, args.max_new_tokens, 1.2, seed=j, **kw)
            toks += sum(len(o.token_logprobs) for o in out)
        dt = time.perf_counter() - t0
        res[name] = {"seconds": round(dt, 3), "expansions_per_s": len(requests) / dt, "tokens_per_s": toks / dt}
    base = res["from scratch (no cache, one at a time)"]["expansions_per_s"]
    print(f"{len(requests)} expansions of {args.k} siblings x {args.max_new_tokens} tokens "
          f"(recorded from {len(tasks)} trees), {args.threads} thread(s)")
    print(f"{'mode':42s} {'exp/s':>8s} {'tok/s':>8s} {'speed-up':>9s}")
    for name, r in res.items():
        print(f"{name:42s} {r['expansions_per_s']:8.2f} {r['tokens_per_s']:8.0f} {r['expansions_per_s'] / base:8.1f}x")
    print(json.dumps({"expansions": len(requests), "k": args.k, "max_new_tokens": args.max_new_tokens,
                      "threads": args.threads, "results": res,
                      "speedup": res["prefix cache + batched siblings"]["expansions_per_s"] / base}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
