"""`toolenv view` without a browser: the episode traces `rollout` records, the trajectories files and
their caps, `toolenv eval --trajectories`, the search-tree records, and the site's data (hostile text
stays data). The pages in a real browser: tests/test_view_browser.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolenv.cli import main as cli_main
from toolenv.evaluation import evaluate, rollout
from toolenv.view.traces import MAX_TEXT, cap_episodes, clip, read_jsonl, write_trajectories

ENV = {"num_tasks": 16, "synth_seed": 0}


def _oracle():
    from agents.factory import make_agent

    return make_agent("oracle", seed=0)


def load_data(index: Path) -> dict:
    text = (index.parent / "data.js").read_text(encoding="ascii")
    prefix = "window.TOOLENV_VIEW = "
    assert text.startswith(prefix) and text.rstrip().endswith(";")
    return json.loads(text[len(prefix):].rstrip().rstrip(";"))


def test_rollout_trace_records_every_step():
    recs = rollout(_oracle(), ENV, list(range(8)), list(range(8)), batch_size=3, trace=True)
    for r in recs:
        tr = r["trace"]
        assert len(tr["steps"]) == r["steps"]
        assert tr["tools"] and all(t["type"] == "function" for t in tr["tools"])
        assert tr["prompt"] and tr["prompt"][-1]["role"] == "user"
        assert tr["ground_truth"] and "steps" in tr["ground_truth"][0]
        codes = []
        for s in tr["steps"]:
            assert s["action"] == s["expected"]  # the oracle plays the ground truth
            assert isinstance(s["reward"], float)
            codes += s["deficiencies"]
            if s["calls"]:  # every call was answered by a tool message
                assert [m["role"] for m in s["responses"]][: len(s["calls"])] == ["tool"] * len(s["calls"])
        assert codes == r["deficiencies"] and r["success"]
        json.dumps(r)  # plain data
    # off by default: the records are what they were
    assert "trace" not in rollout(_oracle(), ENV, [0], [0])[0]


def test_trajectories_are_deterministic_and_capped(tmp_path):
    cats = set()

    def write(path):
        rep = evaluate(_oracle(), ENV, seed=3, return_episodes=True, trace=True, batch_size=4)
        cats.update(r["category"] for r in rep["episode_records"])
        return write_trajectories(path, rep["episode_records"], cap=10, set="tasks", stage="oracle")

    assert write(tmp_path / "a.jsonl") == 10
    write(tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    rows = read_jsonl(tmp_path / "a.jsonl")
    assert all("messages" not in r and r["stage"] == "oracle" and r["set"] == "tasks" for r in rows)
    assert {r["category"] for r in rows} == cats and len(cats) < 10  # the cap takes every category first


def test_cap_round_robin_over_categories_keeps_order():
    recs = [{"category": c, "i": i} for i, c in enumerate("aaaaabbbc")]
    kept = cap_episodes(recs, 4)
    assert [r["i"] for r in kept] == [0, 1, 5, 8]
    assert cap_episodes(recs, None) == recs and cap_episodes(recs, 100) == recs
    assert clip("x" * (MAX_TEXT + 5)).endswith("[... 5 more characters]") and clip(None) is None


def test_eval_trajectories_and_view_of_report_and_file(tmp_path, capsys):
    out, traj = tmp_path / "ev" / "report.json", tmp_path / "ev" / "traj.jsonl"
    assert cli_main(["eval", "--agent", "random", "--num-tasks", "12", "--seed", "1", "--out", str(out),
                     "--trajectories", str(traj), "--no-progress"]) == 0
    report = json.loads(out.read_text())
    assert report["trajectories"] == "traj.jsonl" and "episode_records" not in report
    assert len(read_jsonl(traj)) == 12
    assert cli_main(["view", str(out)]) == 0
    data = load_data(tmp_path / "ev" / "report-view" / "index.html")
    assert data["kind"] == "report" and len(data["episodes"]) == 12 and data["evals"][0]["by_category"]
    assert cli_main(["view", str(traj), "--out", str(tmp_path / "site"), "--max-episodes", "5"]) == 0
    data = load_data(tmp_path / "site" / "index.html")
    assert data["kind"] == "trajectories" and len(data["episodes"]) == 5
    assert {f.name for f in (tmp_path / "site").iterdir()} == {"index.html", "app.js", "style.css", "favicon.svg",
                                                              "data.js"}
    assert "view written to" in capsys.readouterr().out
    assert cli_main(["view", str(tmp_path / "nowhere")]) == 2  # a user error, one line


def test_hostile_text_stays_data(tmp_path):
    evil = '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">'
    row = {"task_id": evil, "category": "simple", "success": False, "return": -1.0, "steps": 1,
           "deficiencies": ["format:unparseable"], "stage": evil, "set": "tasks",
           "trace": {"tools": [], "prompt": [{"role": "user", "content": evil}],
                     "steps": [{"action": evil, "calls": [], "responses": [], "reward": -1.0,
                                "deficiencies": ["format:unparseable"], "expected": None}], "ground_truth": []}}
    (tmp_path / "t.jsonl").write_text(json.dumps(row) + "\n")
    from toolenv.view import build_view

    index = build_view(tmp_path / "t.jsonl")
    blob = (index.parent / "data.js").read_text()
    assert "<" not in blob and ">" not in blob  # inert even if someone inlines it in HTML
    assert load_data(index)["episodes"][0]["trace"]["steps"][0]["action"] == evil
    # the pages build every text node with textContent / createTextNode, never HTML from data
    js = (index.parent / "app.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in js, sink


def test_tree_record_and_pair_node_ids(tmp_path):
    """A hand-built search tree: the record keeps every node, and each pair names its node."""
    pytest.importorskip("datasets")
    import gymnasium as gym

    from training.config import PairsConfig
    from training.mcts import Node, SearchResult
    from training.pairs import load_pairs, pairs_from_tree, save_pairs
    from training.rollout import start, step
    from training.traces import tree_record, write_trees

    env = gym.make("ToolUse-v0", **ENV)
    task = env.unwrapped.suite.task(0)
    root_ctx = start(env, 0, 5)
    env.unwrapped.restore(root_ctx.snap)
    gt = env.unwrapped.expert_action()
    root = Node(id=0, parent=None, depth=0, ctx=root_ctx, turn_prefix="", expanded=True, N=2, W=0.5)
    good = Node(id=1, parent=root, depth=1, ctx=root_ctx, turn_prefix=gt, fragment=gt, prior=0.6, ends_turn=True,
                N=1, W=1.0)
    bad = Node(id=2, parent=root, depth=1, ctx=root_ctx, turn_prefix="nope", fragment="nope", prior=0.4,
               ends_turn=True, N=1, W=-0.5)
    for n in (good, bad):
        n.next_ctx = step(env, root_ctx, n.turn_prefix)
        n.leaf, n.value = n.next_ctx, n.W
    root.children = [good, bad]
    res = SearchResult(root=root, nodes=[root, good, bad], norm=1.0, stats={"nodes": 3, "seconds": 0.1})
    rows = pairs_from_tree(res, env, task, PairsConfig(min_value_gap=0.1))
    assert [(r["node_id"], r["chosen_node"], r["rejected_node"]) for r in rows] == [(0, 1, 2)]
    save_pairs(rows, str(tmp_path / "pairs"))
    assert load_pairs(str(tmp_path / "pairs"))[0]["node_id"] == 0
    rec = tree_record(res, task, 0, 5, rows, {"task_index": 0, "failed": True})
    assert [n["id"] for n in rec["nodes"]] == [0, 1, 2] and rec["nodes"][0]["children"] == [1, 2]
    assert rec["nodes"][2]["turn_deficiencies"] and rec["nodes"][1]["leaf"]["actions"] == [gt]
    assert rec["pairs"][0]["node"] == 0 and "seconds" not in rec["stats"]
    assert write_trees(tmp_path / "trees.jsonl", [rec, rec, None], cap=1, k=2) == 1
    assert read_jsonl(tmp_path / "trees.jsonl")[0]["round"] == 2
    json.dumps(rec)
    env.close()
