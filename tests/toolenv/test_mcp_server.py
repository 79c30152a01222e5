"""`toolenv serve-mcp`: the simulated world behind the MCP SDK's own client, over stdio (the server a
subprocess, `python -m toolenv.cli serve-mcp`) and over loopback HTTP (a subprocess on a free port):
tools listed with their schemas, calls validated and answered by the simulator, state kept within a
session (create then read), bad arguments as tool errors (isError), sessions isolated, every call
logged with the env's deficiency codes. Every wait is bounded (anyio.fail_after, process timeouts)."""

from __future__ import annotations

import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytest.importorskip("mcp")

import anyio  # noqa: E402
from mcp import Client, StdioServerParameters  # noqa: E402
from mcp.shared.exceptions import MCPError  # noqa: E402

from tests.toolenv.test_task_tools import NOTES, write_spec  # noqa: E402
from toolenv.cli import main  # noqa: E402
from toolenv.mcp_server import WorldSessions  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 60  # seconds for any one conversation with a server (start included)


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("TOOLENV_DEBUG", None)
    return env


def _server_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "toolenv.cli", "serve-mcp", *args]


@pytest.fixture
def spec(tmp_path) -> Path:
    return write_spec(tmp_path / "notes.json")


def _structured(result):
    assert result.structured_content is not None, result
    assert json.loads(result.content[0].text) == result.structured_content
    return result.structured_content


# ---- stdio -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["auto", "legacy"])  # auto: the 2026-07-28 protocol; legacy: the handshake
def test_stdio_list_call_state_and_errors(spec, tmp_path, mode):
    log = tmp_path / "traj.jsonl"
    params = StdioServerParameters(command=sys.executable, cwd=str(REPO), env=_env(),
                                   args=_server_cmd("--tool-specs", str(spec), "--seed", "7", "--log", str(log))[1:])

    async def conversation():
        with anyio.fail_after(TIMEOUT):
            async with Client(params, mode=mode) as c:
                assert (c.protocol_version == "2026-07-28") == (mode == "auto")
                listed = {t.name: t for t in (await c.list_tools()).tools}
                assert sorted(listed) == ["create_note", "delete_note", "get_note", "search_notes"]
                assert listed["create_note"].input_schema == NOTES["tools"][0]["parameters"]
                assert listed["get_note"].description == "Get a note by id."
                made = _structured(await c.call_tool("create_note", {"title": "Groceries", "body": "milk, eggs"}))
                assert made["title"] == "Groceries" and made["note_id"].startswith("NT")
                read = await c.call_tool("get_note", {"note_id": made["note_id"]})
                assert not read.is_error and _structured(read)["body"] == "milk, eggs"  # state persists
                gone = await c.call_tool("delete_note", {"note_id": made["note_id"]})
                assert not gone.is_error
                missing = await c.call_tool("get_note", {"note_id": made["note_id"]})
                assert missing.is_error and _structured(missing)["error"]["code"] == 404
                bad = await c.call_tool("get_note", {"note_id": 12})
                assert bad.is_error
                err = _structured(bad)["error"]
                assert err["code"] == 400 and err["field"] == "/note_id" and "not of type 'string'" in err["message"]
                nothing = await c.call_tool("create_note", {"title": "no body"})
                assert nothing.is_error and "body" in _structured(nothing)["error"]["message"]
                unknown = await c.call_tool("send_email", {})
                assert unknown.is_error and _structured(unknown)["error"]["type"] == "unknown_tool"
                return made["note_id"]

    note_id = anyio.run(conversation)
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert [x["call"] for x in lines] == [1, 2, 3, 4, 5, 6, 7] and {x["session"] for x in lines} == {"s1"}
    assert [x["name"] for x in lines][:3] == ["create_note", "get_note", "delete_note"]
    assert lines[1]["arguments"] == {"note_id": note_id} and lines[1]["response"]["note_id"] == note_id
    assert [x["deficiencies"] for x in lines] == [[], [], [], ["exec:not_found"], ["args:type"],
                                                   ["args:missing_required"], ["call:unknown_tool"]]
    assert [x["is_error"] for x in lines] == [False, False, False, True, True, True, True]
    assert lines[0]["task_id"] is None and lines[0]["reward"] is None  # the sandbox: no task


def test_same_seed_same_world(spec):
    """Sessions (of one server or of two) with the same seed start from the same world; another seed,
    another world; what one session does is not seen by the other."""
    one, two, other = (WorldSessions({"tool_specs": str(spec)}, seed=s) for s in (1, 1, 2))
    first = one.call("a", "search_notes", {"query": "a"}).structured
    assert first["results"] and first == two.call("x", "search_notes", {"query": "a"}).structured
    assert first != other.call("a", "search_notes", {"query": "a"}).structured
    gone = first["results"][0]["note_id"]
    assert not one.call("a", "delete_note", {"note_id": gone}).is_error
    assert one.call("a", "get_note", {"note_id": gone}).is_error
    assert not one.call("b", "get_note", {"note_id": gone}).is_error  # session b: its own world


# ---- HTTP ------------------------------------------------------------------------------------------
class HttpServer:
    """`toolenv serve-mcp --transport http --port 0` in a subprocess; ``url`` from its first line."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen(_server_cmd("--transport", "http", "--port", "0", *args), cwd=str(REPO),
                                     env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.err: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()
        self.url = self._wait_url()

    def _drain(self) -> None:
        for line in self.proc.stderr:  # type: ignore[union-attr]
            self.err.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def _wait_url(self) -> str:
        while True:
            try:
                line = self.lines.get(timeout=TIMEOUT)
            except queue.Empty:
                self.close()
                raise AssertionError(f"no URL from the server in {TIMEOUT}s: {''.join(self.err)}") from None
            if line is None:
                self.close()
                raise AssertionError(f"the server exited: {''.join(self.err)}")
            m = re.search(r"serving MCP at (http://127\.0\.0\.1:\d+/mcp)", line)
            if m:
                return m.group(1)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def task_file(tmp_path, spec, capsys):
    out = tmp_path / "tasks.jsonl"
    assert main(["synth", "--tool-specs", str(spec), "--num", "12", "--seed", "5", "--out", str(out),
                 "--categories", "multi_step", "--no-progress"]) == 0
    capsys.readouterr()
    return out


def test_http_sessions_are_isolated_and_calls_are_judged_against_the_task(task_file, tmp_path):
    from toolenv.sim_episode import concrete_arguments
    from toolenv.tasks import load_tasks

    task = load_tasks(task_file)[3]  # search_notes, then get_note of the first result, then delete_note
    assert [s[0].name for s in task.turns[0].steps] == ["search_notes", "get_note", "delete_note"]
    log = tmp_path / "traj.jsonl"
    # the task file records its tools: no --tool-specs
    server = HttpServer("--tasks", str(task_file), "--task-index", "3", "--seed", "4", "--log", str(log))
    first, second = task.turns[0].steps[0][0], task.turns[0].steps[1][0]

    async def conversation():
        with anyio.fail_after(TIMEOUT):
            async with Client(server.url) as a, Client(server.url) as b:
                assert a.protocol_version <= "2025-11-25"  # a session, not the session-less protocol
                assert sorted(t.name for t in (await a.list_tools()).tools) == sorted(task.tools)
                prompt = await a.get_prompt("task")
                assert prompt.messages[-1].content.text == task.turns[0].user
                made = _structured(await a.call_tool("create_note", {"title": "mine", "body": "only in a"}))
                seen = await a.call_tool("get_note", {"note_id": made["note_id"]})
                assert not seen.is_error
                other = await b.call_tool("get_note", {"note_id": made["note_id"]})  # another session, another world
                assert other.is_error and _structured(other)["error"]["code"] == 404
                # b plays the task's chain: the first call, then the second with the id the first returned
                r1 = _structured(await b.call_tool(first.name, concrete_arguments(first.arguments, {})))
                r2 = await b.call_tool(second.name, concrete_arguments(second.arguments, {first.label: r1}))
                assert not r2.is_error
            async with Client(server.url, mode="2026-07-28") as sessionless:  # no session: told why, in words
                with pytest.raises(MCPError, match="per MCP session"):
                    await sessionless.call_tool("get_note", {"note_id": "NT1"})

    try:
        anyio.run(conversation)
    finally:
        server.close()
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    by_session = {}
    for x in lines:
        by_session.setdefault(x["session"], []).append(x)
    assert sorted(by_session) == ["s1", "s2"] and {x["task_id"] for x in lines} == {task.id}
    a_log, b_log = (by_session[s] for s in ("s1", "s2"))
    assert [x["call"] for x in a_log] == [1, 2] and [x["call"] for x in b_log] == [1, 2, 3]
    # judged against the task (the env's step info): creating a note is not what it asks for, reading a
    # note before searching is out of order; the task's own chain is right
    assert a_log[0]["deficiencies"] == ["call:wrong_tool"]
    assert "exec:not_found" in b_log[0]["deficiencies"] and b_log[0]["is_error"]
    assert b_log[1]["deficiencies"] == [] and b_log[2]["deficiencies"] == []
    assert b_log[1]["reward"] > a_log[0]["reward"] and b_log[2]["reward"] > a_log[0]["reward"]
    assert b_log[0]["category"] == "multi_step"


# ---- the sessions behind the server, and the command's errors --------------------------------------
def test_world_sessions_refuse_what_they_cannot_step(spec, tmp_path):
    w = WorldSessions({"tool_specs": str(spec)}, seed=0, max_calls=2, max_sessions=2, log=tmp_path / "l.jsonl")
    assert w.call("a", "get_note", ["not", "an", "object"]).is_error  # refused, not stepped
    huge = w.call("a", "create_note", {"title": "x", "body": "y" * 40_000})
    assert huge.is_error and huge.structured["error"]["type"] == "too_large"
    assert not w.call("a", "search_notes", {"query": "a"}).is_error
    assert not w.call("a", "search_notes", {"query": "b"}).is_error
    over = w.call("a", "search_notes", {"query": "c"})  # the session's call budget is spent
    assert over.is_error and over.structured["error"]["type"] == "session_over"
    w.call("b", "search_notes", {"query": "a"})
    w.call("c", "search_notes", {"query": "a"})
    assert len(w) == 2  # the least recently used session was dropped ...
    dropped = w.call("a", "search_notes", {"query": "a"})  # ... and says so, rather than start a fresh world
    assert dropped.is_error and dropped.structured["error"]["type"] == "session_dropped" and len(w) == 2
    w.close()
    lines = [json.loads(x) for x in (tmp_path / "l.jsonl").read_text().splitlines()]
    assert [x.get("stepped", True) for x in lines] == [False, False, True, True, False, True, True, False]
    assert lines[3]["episode_over"] is True
    with pytest.raises(ValueError, match="task index 99 is out of range: there are 4 tasks"):
        WorldSessions({"tool_specs": str(spec), "num_tasks": 4}, task_index=99)


def test_command_errors_are_one_line(spec, tmp_path, capsys, monkeypatch, task_file):
    def run(*argv: str) -> str:
        assert main(["serve-mcp", *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err, err
        return err

    assert "--host and --port are for --transport http" in run("--tool-specs", str(spec), "--port", "9")
    assert "task index 50 is out of range" in run("--tool-specs", str(spec), "--task-index", "50",
                                                  "--num-tasks", "3")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**NOTES, "description": "changed"}))
    assert f"--tool-specs {other} (fingerprint" in run("--tasks", str(task_file), "--tool-specs", str(other))
    assert "must be a TCP port, 0..65535" in run("--transport", "http", "--port", "70000")
    with socket.socket() as taken:  # a port in use: refused before serving (a subprocess: never a hang)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(_server_cmd("--tool-specs", str(spec), "--transport", "http", "--port", str(port)),
                              cwd=str(REPO), env=_env(), capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 2 and proc.stderr.strip() == (
        f"toolenv serve-mcp: error: cannot listen on 127.0.0.1:{port}: Address already in use")
    # the mcp package missing (as when it is not installed): one line naming the extra
    class NoMcp:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] == "mcp":
                raise ModuleNotFoundError("No module named 'mcp'", name="mcp")

    for name in [m for m in sys.modules if m == "mcp" or m.startswith("mcp.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [NoMcp(), *sys.meta_path])
    assert run("--tool-specs", str(spec)) == ("toolenv serve-mcp: error: needs the mcp extra: "
                                               "pip install 'toolenv[mcp]' (no module named 'mcp')")
