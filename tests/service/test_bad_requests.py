"""Bad requests get a 4xx with a one-line ``detail``, never a 500 and never a dead server."""

from __future__ import annotations

import json
import random

import httpx
import pytest

from tests.service.conftest import KW


@pytest.fixture
def api(serve):
    server = serve(default_env_kwargs=KW, max_sessions=4, max_snapshots=2, max_body_bytes=1 << 20,
                   max_num_tasks=500)
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c
    # after everything: the server still answers and plays an episode
    server.app.state.store.close_all()
    with httpx.Client(base_url=server.url, timeout=60) as c:
        assert c.get("/").json()["status"] == "ok"
        r = c.post("/reset", json={"seed": 0}).json()
        assert c.post("/step", json={"session_id": r["session_id"], "action": "hi"}).status_code == 200


def check(r: httpx.Response, status: int, *words: str) -> dict:
    assert r.status_code == status, (r.status_code, r.text[:500])
    body = r.json()
    assert isinstance(body["detail"], str) and "\n" not in body["detail"] and body["detail"]
    for w in words:
        assert w in body["detail"], body["detail"]
    return body


def test_malformed_bodies(api):
    h = {"content-type": "application/json"}
    check(api.post("/reset", content=b"{not json", headers=h), 422, "JSON")
    check(api.post("/step", content=b"[1, 2]", headers=h), 422)
    check(api.post("/step", content=b"\xff\xfe\x00garbage", headers=h), 422)
    check(api.post("/step", content=b"[" * 100_000 + b"]" * 100_000, headers=h), 400, "parsing")
    check(api.post("/step", json={"session_id": "x"}), 422, "action")
    check(api.post("/step", json={"session_id": "x", "action": 5}), 422, "action")
    check(api.post("/step", json={"session_id": "x", "action": "a", "extra": 1}), 422, "extra")
    check(api.post("/reset", json={"seed": -1}), 422, "seed")
    check(api.post("/reset", json={"seed": "3"}), 422, "seed")
    check(api.post("/reset", json={"seed": 2**70}), 422, "seed")
    check(api.post("/reset", json={"options": [1]}), 422, "options")
    check(api.post("/restore", json={"session_id": "x"}), 422, "snapshot_id")
    assert api.get("/step").status_code == 405
    assert api.post("/nowhere", json={}).status_code == 404


def test_body_limits(api):
    r = api.post("/reset", json={"seed": 0})
    sid = r.json()["session_id"]
    check(api.post("/step", json={"session_id": sid, "action": "x" * (2 << 20)}), 413, "limit")
    # streamed without a Content-Length: counted as it arrives
    chunks = (b"x" * 65536 for _ in range(40))
    check(api.post("/step", content=chunks, headers={"content-type": "application/json"}), 413, "limit")
    # an action over the env's 32,768 characters but inside the body limit: the env's own answer
    out = api.post("/step", json={"session_id": sid, "action": "y" * 100_000}).json()
    assert out["info"]["deficiencies"] == ["format:unparseable"]


def test_sessions_and_snapshots(api):
    check(api.post("/step", json={"session_id": "nope", "action": "a"}), 404, "unknown session")
    check(api.post("/close", json={"session_id": "nope"}), 404)
    a = api.post("/reset", json={"seed": 0, "options": {"task_index": 0}}).json()["session_id"]
    b = api.post("/reset", json={"seed": 0}).json()["session_id"]
    check(api.post("/reset", json={"session_id": a, "env_kwargs": KW}), 400, "fixed")
    check(api.post("/reset", json={"session_id": a, "options": {"task_id": "nope"}}), 400, "no task with id")
    check(api.post("/reset", json={"session_id": a, "options": {"task_index": "x"}}), 400)
    snap = api.post("/snapshot", json={"session_id": a}).json()["snapshot_id"]
    api.post("/snapshot", json={"session_id": a})
    check(api.post("/snapshot", json={"session_id": a}), 429, "limit")
    check(api.post("/restore", json={"session_id": b, "snapshot_id": snap}), 404, "unknown snapshot")
    assert api.post("/restore", json={"session_id": a, "snapshot_id": snap}).status_code == 200
    api.post("/reset", json={"seed": 1})
    api.post("/reset", json={"seed": 2})
    check(api.post("/reset", json={"seed": 3}), 429, "limit")  # max_sessions=4
    for sid in (a, b):
        assert api.post("/close", json={"session_id": sid}).json()["closed"]
    check(api.post("/step", json={"session_id": a, "action": "a"}), 404)
    # play a's replacement to the end: a step after it is a 409
    c = api.post("/reset", json={"seed": 0, "options": {"task_index": 0}}).json()["session_id"]
    while True:
        act = api.post("/expert_action", json={"session_id": c}).json()["action"] or "done"
        out = api.post("/step", json={"session_id": c, "action": act}).json()
        if out["terminated"] or out["truncated"]:
            break
    check(api.post("/step", json={"session_id": c, "action": "more"}), 409, "call reset()")
    assert api.post("/expert_action", json={"session_id": c}).json()["action"] is None


@pytest.mark.parametrize("kwargs, status, word", [
    ({"nope": 1}, 400, "unknown env_kwargs key"),
    ({"render_mode": "human"}, 400, "unknown env_kwargs key"),
    ({"data_dir": "/"}, 400, "unknown env_kwargs key"),
    ({"num_tasks": 10**6}, 400, "num_tasks"),
    ({"num_tasks": "many"}, 400, "num_tasks"),
    ({"max_steps": 0}, 400, "max_steps"),
    ({"reward_config": {"nope": 1}}, 400, "nope"),
    ({"reward_config": [1]}, 400, "reward_config"),
    ({"suite": "nope:x"}, 400, "refused by gym.make"),
    ({"seed": -1}, 400, "seed"),
    ({"categories": ["nope"]}, 400, ""),
    ({"tool_specs": "/etc/passwd"}, 403, "outside"),
    ({"tool_specs": ["../../../../etc"]}, 403, "outside"),
    ({"tool_specs": 5}, 400, "tool_specs"),
    ({"tasks": "/etc/hosts"}, 403, "outside"),
    ({"tasks": [1, 2]}, 400, "tasks"),
    ({"tasks": [{"id": "x"}]}, 400, "refused by gym.make"),
    ({"spec_limits": {"nope": 1}}, 400, "nope"),
])
def test_bad_env_kwargs(api, kwargs, status, word):
    check(api.post("/reset", json={"seed": 0, "env_kwargs": kwargs}), status, word)


def test_allowed_paths_work(api):
    from toolenv.spec import bundled_specs_dir

    spec = str(bundled_specs_dir() / "weather.json")
    out = api.post("/reset", json={"seed": 0, "env_kwargs": {"tool_specs": spec, "num_tasks": 8}})
    assert out.status_code == 200, out.text
    assert "weather" in out.json()["observation"]


def test_garbage_never_crashes(api):
    rng = random.Random(0)
    routes = ["/reset", "/step", "/snapshot", "/restore", "/close", "/expert_action", "/snapshot/drop"]
    atoms = [None, True, -1, 0, 2**64, 1.5, float("inf"), "", "x" * 300, [], {}, [1, {"a": None}], {"task_index": -5},
             {"task_id": 3}, {"tool_specs": []}, {"suite": "bfcl:nope"}]
    keys = ["session_id", "seed", "options", "env_kwargs", "action", "snapshot_id", "junk"]
    for i in range(300):
        body = {rng.choice(keys): rng.choice(atoms) for _ in range(rng.randint(0, 4))}
        raw = json.dumps(body) if i % 5 else json.dumps(body)[: rng.randint(0, 20)]
        r = api.post(rng.choice(routes), content=raw.encode(), headers={"content-type": "application/json"})
        assert 400 <= r.status_code < 500 or r.status_code == 200, (body, r.status_code, r.text[:300])
        if r.status_code >= 400:
            assert isinstance(r.json()["detail"], str)
