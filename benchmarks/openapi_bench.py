"""OpenAPI import benchmark: how many real API documents load as they are, and what the loaded ones give.

    .venv/bin/python benchmarks/openapi_bench.py DIR [--sample 100] [--seed 0] [--tasks 24] [--json out.json]

For every OpenAPI / Swagger document under DIR (``*.json``, ``*.yaml``, ``*.yml``, recursively;
``--sample N`` draws N of them with ``--seed``): import it (`toolenv.openapi.import_file`: operations
found, turned into tools, skipped), load it the way ``gym.make("ToolUse-v0", tool_specs=[FILE])``
does, synthesize ``--tasks`` tasks and play them with the oracle and the random agent.

A document *loads* when the loader accepts it (at least one operation became a tool). Printed:
one line per document, then the load rate, the share of operations turned into tools, the oracle's
and the random agent's success (mean over loaded documents; the oracle's minimum too), and the
import time. A document that raises (a bug) or runs past ``--timeout`` seconds counts as not loaded
and is listed.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class _Timeout(Exception):
    pass


def _alarm(_sig, _frm):  # noqa: ANN001
    raise _Timeout()


def bench_one(path: Path, tasks: int, timeout: int) -> dict:
    from agents import OracleAgent, RandomAgent
    from toolenv.evaluation import evaluate
    from toolenv.openapi import import_file

    row: dict = {"file": str(path), "bytes": path.stat().st_size}
    old = signal.signal(signal.SIGALRM, _alarm) if timeout else None
    if timeout:
        signal.alarm(timeout)
    try:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = import_file(path)
        row.update(version=res.version, found=res.found, tools=len(res.converted), skipped=len(res.skipped),
                   stateful=sum(1 for o in res.converted if o.action), collections=len(res.toolkit.collections)
                   if res.toolkit is not None else 0, import_s=round(time.perf_counter() - t0, 3),
                   loaded=not res.problems, problem=str(res.problems[0]) if res.problems else "",
                   skip_reasons=[o.skipped for o in res.skipped][:5])
        if res.problems or tasks <= 0:
            return row
        env = {"tool_specs": [str(path)], "num_tasks": tasks, "synth_seed": 0}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            oracle = evaluate(OracleAgent(), env, seed=0)
            rand = evaluate(RandomAgent(seed=0), env, seed=0)
        row.update(oracle=oracle["success_rate"], random=rand["success_rate"], episodes=oracle["episodes"],
                   categories=sorted(oracle["by_category"]), eval_s=round(time.perf_counter() - t0, 2),
                   oracle_deficiencies=oracle["deficiencies"])
    except _Timeout:
        row.update(loaded=False, problem=f"timed out after {timeout}s")
    except Exception as e:  # noqa: BLE001 - a crash is a finding, reported per document
        row.update(loaded=False, problem=f"crash: {type(e).__name__}: {str(e)[:300]}")
    finally:
        if timeout:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="a folder of OpenAPI / Swagger documents (searched recursively)")
    ap.add_argument("--sample", type=int, default=0, help="draw this many documents (0: all)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the sample")
    ap.add_argument("--tasks", type=int, default=24, help="tasks synthesized per loaded document (0: import only)")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per document")
    ap.add_argument("--json", default=None, help="write every row and the totals here")
    args = ap.parse_args()
    files = sorted(p for p in Path(args.dir).rglob("*") if p.suffix.lower() in (".json", ".yaml", ".yml")
                   and p.is_file())
    if args.sample and args.sample < len(files):
        files = sorted(random.Random(args.seed).sample(files, args.sample))
    if not files:
        print(f"no *.json / *.yaml documents under {args.dir}")
        return 2
    rows = []
    for i, f in enumerate(files, 1):
        row = bench_one(f, args.tasks, args.timeout)
        rows.append(row)
        tail = (f"oracle {row['oracle']:.2f} random {row['random']:.2f}" if "oracle" in row else row.get("problem", ""))
        print(f"[{i}/{len(files)}] {f.relative_to(args.dir)}: {row.get('version', '?')} "
              f"{row.get('tools', 0)}/{row.get('found', 0)} ops -> tools ({row.get('stateful', 0)} stateful, "
              f"{row.get('collections', 0)} collections) {'loaded' if row.get('loaded') else 'NOT LOADED'} "
              f"{tail}"[:400], flush=True)
    loaded = [r for r in rows if r.get("loaded")]
    played = [r for r in loaded if "oracle" in r]
    found = sum(r.get("found", 0) for r in rows)
    tools = sum(r.get("tools", 0) for r in rows)
    totals = {
        "documents": len(rows), "loaded": len(loaded), "load_rate": round(len(loaded) / len(rows), 4),
        "operations_found": found, "operations_to_tools": tools,
        "operation_rate": round(tools / found, 4) if found else 0.0,
        "oracle_success_mean": round(sum(r["oracle"] for r in played) / len(played), 4) if played else None,
        "oracle_success_min": min((r["oracle"] for r in played), default=None),
        "documents_oracle_below_1": [r["file"] for r in played if r["oracle"] < 1.0],
        "random_success_mean": round(sum(r["random"] for r in played) / len(played), 4) if played else None,
        "import_s_median": sorted(r.get("import_s", 0) for r in rows)[len(rows) // 2],
        "import_s_max": max(r.get("import_s", 0) for r in rows),
        "not_loaded": {r["file"]: r.get("problem", "") for r in rows if not r.get("loaded")},
    }
    print()
    print(f"documents: {totals['documents']}, loaded as they are: {totals['loaded']} ({100 * totals['load_rate']:.1f}%)")
    print(f"operations: {found} found, {tools} turned into tools ({100 * totals['operation_rate']:.1f}%)")
    if played:
        print(f"oracle success: mean {totals['oracle_success_mean']:.4f}, min {totals['oracle_success_min']:.4f} "
              f"over {len(played)} documents x {args.tasks} tasks; random agent: mean {totals['random_success_mean']:.4f}")
    print(f"import time: median {totals['import_s_median']:.2f}s, max {totals['import_s_max']:.2f}s")
    for f, why in totals["not_loaded"].items():
        print(f"  not loaded: {f}: {why}"[:300])
    for f in totals["documents_oracle_below_1"]:
        print(f"  oracle below 1.0: {f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"totals": totals, "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
