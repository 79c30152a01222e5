"""How much of the hand-written worlds the inference recovers (`toolenv.infer`).

    .venv/bin/python benchmarks/infer_bench.py [--tool-specs DIR] [--per-category 5] [--json out.json]

Each bundled domain (toolenv/tool_specs/*.json) is stripped to a bare function list -- every
tool's name, description and parameters; its ``response``, ``effect`` and the toolkit's
``collections`` removed -- and loaded as a user's bare spec is (the world is inferred). Then,
against the hand-written domain:

* collections: a hand-written collection is recovered when an inferred one has the same
  ``id_field`` (else the same name); extra = inferred collections matching none;
* effects: tools whose inferred effect has the hand-written action on the matching collection
  (both stateless counts); "kind" also counts ``list`` for ``search`` and back;
* id links: the state-backed links synthesis chains along (`toolenv.infer.id_links`:
  producer -> consumer.parameter), recovered and extra;
* record fields: the hand-written record fields (of recovered collections) that the inferred
  record schema also has (by name);
* categories: the task categories synthesis supports for the bare spec without inference, with
  it, and for the hand-written domain; oracle: the oracle's success over ``--per-category``
  synthesized tasks per supported category of the inferred spec (must be 100%).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolenv.infer import id_links  # noqa: E402
from toolenv.spec import ToolRegistry, bundled_specs_dir  # noqa: E402
from toolenv.synth import Synthesizer, synthesize  # noqa: E402


def bare(doc: dict) -> list[dict]:
    return [{"name": t["name"], "description": t["description"], "parameters": t["parameters"]} for t in doc["tools"]]


def _kind(action: str | None) -> str | None:
    return "query" if action in ("list", "search") else action


def compare(hand_tk, inf_tk) -> dict:
    hand_c, inf_c = hand_tk.collections, inf_tk.collections
    match: dict[str, str] = {}  # inferred collection -> hand-written collection
    for hn, hc in hand_c.items():
        cand = [n for n, c in inf_c.items() if c.id_field == hc.id_field and n not in match] or \
               [n for n in inf_c if n == hn and n not in match]
        if cand:
            match[cand[0]] = hn
    tools_h = {t.name: t for t in hand_tk.tools}
    exact = kind = 0
    misses = []
    for t in inf_tk.tools:
        h = tools_h[t.name].effect
        hi = (h.action, h.collection) if h else (None, None)
        ii = (t.effect.action, match.get(t.effect.collection, "?" + t.effect.collection)) if t.effect else (None, None)
        if hi == ii:
            exact += 1
        if (_kind(hi[0]), hi[1]) == (_kind(ii[0]), ii[1]):
            kind += 1
        else:
            misses.append(f"{t.name}: {hi[0] or 'none'} {hi[1] or ''} vs {ii[0] or 'none'} {ii[1] or ''}".rstrip())
    fields = sum(len(hand_c[h].schema["properties"]) for h in match.values())
    fields_rec = sum(len(set(hand_c[h].schema["properties"]) & set(inf_c[i].schema["properties"]))
                     for i, h in match.items())
    lh, li = set(id_links(hand_tk)), set(id_links(inf_tk))
    return {"tools": len(tools_h), "collections": len(hand_c), "collections_recovered": len(match),
            "collections_extra": len(inf_c) - len(match), "effects_exact": exact, "effects_kind": kind,
            "links": len(lh), "links_recovered": len(lh & li), "links_extra": len(li - lh), "fields": fields,
            "fields_recovered": fields_rec, "effect_misses": misses}


def oracle_success(spec_file: Path, per_category: int, seed: int = 0) -> tuple[int, int]:
    """Episodes the oracle solves over tasks synthesized from the bare spec (world inferred)."""
    import gymnasium as gym

    import toolenv  # noqa: F401
    from toolenv.spec import load_registry

    registry = load_registry(spec_file)
    cats = Synthesizer(registry).categories()
    tasks = synthesize(registry, per_category * len(cats), seed=seed, categories=cats)
    env = gym.make("ToolUse-v0", tool_specs=str(spec_file), tasks=[t.to_dict() for t in tasks])
    ok = 0
    for i in range(len(tasks)):
        env.reset(options={"task_index": i})
        while True:
            _, _, term, trunc, info = env.step(env.unwrapped.expert_action() or "done")
            if term or trunc:
                ok += bool(info.get("success"))
                break
    env.close()
    return ok, len(tasks)


def names_only(tools: list[dict]) -> list[dict]:
    """The ablation: every description replaced by the tool's name in words ("book flight.")."""
    return [{**t, "description": t["name"].replace("_", " ") + "."} for t in tools]


def measure(folder: str, per_category: int, strip=bare) -> list[dict]:
    rows = []
    for f in sorted(Path(folder).glob("*.json")):
        doc = json.loads(f.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or "collections" not in doc:
            continue
        hand = ToolRegistry.from_documents([(doc, str(f))])
        label = f"{f.stem}.json"
        tools = strip(doc)
        t1 = time.perf_counter()
        plain = ToolRegistry.from_documents([(tools, label)], infer_world=False)
        t2 = time.perf_counter()
        inferred = ToolRegistry.from_documents([(tools, label)])
        dt = (time.perf_counter() - t2) - (t2 - t1)  # what inference adds to loading the spec
        row = compare(next(iter(hand.toolkits.values())), next(iter(inferred.toolkits.values())))
        row["domain"] = f.stem
        row["infer_ms"] = round(dt * 1000, 1)
        row["categories_bare"] = len(Synthesizer(plain).categories())
        row["categories_inferred"] = len(Synthesizer(inferred).categories())
        row["categories_hand"] = len(Synthesizer(hand).categories())
        row["multi_step"] = "multi_step" in Synthesizer(inferred).categories()
        if per_category:
            with tempfile.TemporaryDirectory() as tmp:
                spec = Path(tmp) / label
                spec.write_text(json.dumps(tools), encoding="utf-8")
                row["oracle_ok"], row["oracle_n"] = oracle_success(spec, per_category)
        rows.append(row)
    return rows


_TOTALS = ("tools", "collections", "collections_recovered", "collections_extra", "effects_exact", "effects_kind",
           "links", "links_recovered", "links_extra", "fields", "fields_recovered", "oracle_ok", "oracle_n")


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.0f}%" if b else "-"


def total_line(rows: list[dict], label: str, oracle: bool) -> str:
    tot = {k: sum(r.get(k, 0) for r in rows) for k in _TOTALS}
    line = (f"| **{label}** | {tot['tools']} | {tot['collections_recovered']}/{tot['collections']} = "
            f"{_pct(tot['collections_recovered'], tot['collections'])} ({tot['collections_extra']}) | "
            f"{_pct(tot['effects_exact'], tot['tools'])} / {_pct(tot['effects_kind'], tot['tools'])} | "
            f"{tot['links_recovered']}/{tot['links']} = {_pct(tot['links_recovered'], tot['links'])} "
            f"({tot['links_extra']}) | {_pct(tot['fields_recovered'], tot['fields'])} | "
            f"multi_step in {sum(r['multi_step'] for r in rows)}/{len(rows)} |")
    if oracle:
        line += f" {_pct(tot['oracle_ok'], tot['oracle_n'])} |"
    return line


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tool-specs", default=str(bundled_specs_dir()), help="folder of hand-written toolkits")
    ap.add_argument("--per-category", type=int, default=5, help="oracle tasks per category (0: skip the oracle)")
    ap.add_argument("--json", default=None, help="also write the figures here")
    ap.add_argument("--misses", action="store_true", help="list the tools whose effect differs")
    ap.add_argument("--names-only", action="store_true",
                    help="also measure with every description replaced by the tool's name (no description evidence)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    rows = measure(args.tool_specs, args.per_category)
    oracle = bool(args.per_category)
    head = ("| domain | tools | collections recovered (extra) | effects exact / kind | id links recovered (extra) "
            "| record fields recovered | categories bare / inferred / hand |" + (" oracle |" if oracle else ""))
    print(head)
    print("|" + "|".join("---" for _ in range(head.count("|") - 1)) + "|")
    for r in rows:
        line = (f"| {r['domain']} | {r['tools']} | {r['collections_recovered']}/{r['collections']} "
                f"({r['collections_extra']}) | {r['effects_exact']}/{r['tools']} / {r['effects_kind']}/{r['tools']} | "
                f"{r['links_recovered']}/{r['links']} ({r['links_extra']}) | {r['fields_recovered']}/{r['fields']} | "
                f"{r['categories_bare']} / "
                f"{r['categories_inferred']} / {r['categories_hand']} |")
        if oracle:
            line += f" {r['oracle_ok']}/{r['oracle_n']} |"
        print(line)
    print(total_line(rows, "all", oracle))
    ablation = []
    if args.names_only:
        ablation = measure(args.tool_specs, args.per_category, strip=lambda d: names_only(bare(d)))
        print(total_line(ablation, "all, names only", oracle))
    print(f"({len(rows)} domains in {time.perf_counter() - t0:.1f}s; inference {sum(r['infer_ms'] for r in rows):.0f} ms "
          "in all: what it adds to loading the specs, its spec checks included)")
    if args.misses:
        for label, rs in (("", rows), ("names only: ", ablation)):
            for r in rs:
                for m in r["effect_misses"]:
                    print(f"  {label}{r['domain']}: {m}")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "names_only": ablation}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
