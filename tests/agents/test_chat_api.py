"""ChatAPIAgent against a real HTTP server on 127.0.0.1 that speaks the chat-completions protocol."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agents.chat_api import ChatAPIAgent, ChatAPIError, response_to_action, to_api_messages
from toolenv.parse import parse_action

KEY = "sk-test-SECRET-1234567890"

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]


def obs(messages):
    return json.dumps({"tools": TOOLS, "messages": messages}, ensure_ascii=True)


def completion(message, usage=True):
    body = {"id": "chatcmpl-1", "object": "chat.completion", "model": "m", "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}
    if usage:
        body["usage"] = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    return body


def tool_call_msg(name, args, cid="call_abc"):
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": cid, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}],
    }


class Server:
    """A scripted OpenAI-compatible server: each request pops the next (status, body, headers, delay)."""

    def __init__(self):
        self.script: list[tuple[int, object, dict, float]] = []
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # keep test output quiet
                pass

            def do_POST(self):  # noqa: N802
                n = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(n))
                with outer.lock:
                    outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    item = outer.script.pop(0) if outer.script else (500, {"error": {"message": "script empty"}}, {}, 0)
                status, payload, headers, delay = item
                if delay:
                    time.sleep(delay)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def add(self, status, payload, headers=None, delay=0.0):
        self.script.append((status, payload, headers or {}, delay))

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def agent_factory(server, monkeypatch):
    monkeypatch.setenv("TOOLENV_TEST_KEY", KEY)
    sleeps: list[float] = []

    def make(**kw):
        kw.setdefault("api_key_env", "TOOLENV_TEST_KEY")
        kw.setdefault("timeout", 5.0)
        kw.setdefault("backoff", 0.01)
        a = ChatAPIAgent("test-model", server.url, sleep=lambda s: sleeps.append(s), **kw)
        a.sleeps = sleeps
        return a

    return make


def test_tool_calls_map_to_hermes_and_request_is_openai_shaped(server, agent_factory):
    server.add(200, completion(tool_call_msg("get_weather", {"city": "Lyon"})))
    agent = agent_factory(temperature=0.0, max_tokens=64)
    action = agent.act(obs([{"role": "user", "content": "Weather in Lyon?"}]))
    p = parse_action(action)
    assert p.kind == "calls" and p.format == "hermes"
    assert [c.to_dict() for c in p.calls] == [{"name": "get_weather", "arguments": {"city": "Lyon"}}]
    req = server.requests[0]
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["Authorization"] == "Bearer " + KEY
    body = req["body"]
    assert body["model"] == "test-model" and body["tools"] == TOOLS
    assert body["messages"] == [{"role": "user", "content": "Weather in Lyon?"}]
    assert body["temperature"] == 0.0 and body["max_tokens"] == 64
    assert agent.usage["prompt_tokens"] == 10


def test_history_with_tool_messages_and_string_arguments(server, agent_factory):
    server.add(200, completion({"role": "assistant", "content": "It is 18 degrees in Lyon."}))
    history = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Lyon?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "call_0", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Lyon"}}}]},
        {"role": "tool", "tool_call_id": "call_0", "name": "get_weather", "content": "{\"temperature\": 18}"},
    ]
    action = agent_factory().act(obs(history))
    assert action == "It is 18 degrees in Lyon." and parse_action(action).kind == "answer"
    msgs = server.requests[0]["body"]["messages"]
    assert msgs[2]["tool_calls"][0]["function"]["arguments"] == '{"city": "Lyon"}'  # JSON string
    assert msgs[2]["tool_calls"][0]["id"] == "call_0" and msgs[2]["content"] is None
    assert msgs[3] == {"role": "tool", "tool_call_id": "call_0", "content": "{\"temperature\": 18}"}


def test_429_then_success_retries_with_retry_after(server, agent_factory):
    server.add(429, {"error": {"message": "rate limited"}}, {"Retry-After": "0.02"})
    server.add(503, {"error": {"message": "overloaded"}})
    server.add(200, completion(tool_call_msg("get_weather", {"city": "Oslo"})))
    agent = agent_factory()
    action = agent.act(obs([{"role": "user", "content": "Oslo?"}]))
    assert parse_action(action).calls[0].arguments == {"city": "Oslo"}
    assert len(server.requests) == 3 and agent.usage["retries"] == 2
    assert agent.sleeps[0] == pytest.approx(0.02)  # Retry-After honoured
    assert 0.02 <= agent.sleeps[1] <= 0.025  # backoff 0.01 * 2**1 (+ jitter <= 25%)


def test_401_is_a_clear_error_without_the_key(server, agent_factory):
    server.add(401, {"error": {"message": f"Incorrect API key provided: {KEY}", "type": "invalid_request_error"}})
    agent = agent_factory()
    with pytest.raises(ChatAPIError) as ei:
        agent.act(obs([{"role": "user", "content": "hi"}]))
    msg = str(ei.value)
    assert ei.value.status == 401 and "authentication failed" in msg and "TOOLENV_TEST_KEY" in msg
    assert KEY not in msg and KEY not in repr(agent) and KEY not in repr(vars(agent))
    assert len(server.requests) == 1  # no retry on auth errors


@pytest.mark.parametrize("status,words", [(403, "permission denied"), (404, "not found"), (400, "HTTP 400")])
def test_client_errors_do_not_retry(server, agent_factory, status, words):
    server.add(status, {"error": {"message": "nope"}})
    with pytest.raises(ChatAPIError) as ei:
        agent_factory().act(obs([{"role": "user", "content": "hi"}]))
    assert ei.value.status == status and words in str(ei.value) and "nope" in str(ei.value)
    assert len(server.requests) == 1


def test_persistent_5xx_gives_up(server, agent_factory):
    for _ in range(3):
        server.add(500, {"error": {"message": "boom"}})
    agent = agent_factory(max_retries=2)
    with pytest.raises(ChatAPIError) as ei:
        agent.act(obs([{"role": "user", "content": "hi"}]))
    assert ei.value.status == 500 and "gave up after 3 attempts" in str(ei.value)
    assert len(server.requests) == 3


def test_timeout_is_retried(server, agent_factory):
    server.add(200, completion({"role": "assistant", "content": "late"}), delay=0.6)
    server.add(200, completion({"role": "assistant", "content": "on time"}))
    agent = agent_factory(timeout=0.2)
    assert agent.act(obs([{"role": "user", "content": "hi"}])) == "on time"
    assert agent.usage["retries"] == 1


def test_no_key_means_no_auth_header(server, agent_factory, monkeypatch):
    monkeypatch.delenv("TOOLENV_TEST_KEY")
    server.add(200, completion({"role": "assistant", "content": "ok"}))
    assert agent_factory().act(obs([{"role": "user", "content": "hi"}])) == "ok"
    assert "Authorization" not in server.requests[0]["headers"]


def test_act_batch_parallel_requests(server, agent_factory):
    for city in ["A", "B", "C", "D"]:
        server.add(200, completion(tool_call_msg("get_weather", {"city": "X"})))
    acts = agent_factory(max_concurrency=4).act_batch([obs([{"role": "user", "content": c}]) for c in "ABCD"])
    assert len(acts) == 4 and all(parse_action(a).kind == "calls" for a in acts)
    assert len(server.requests) == 4


def test_response_mapping_edge_cases():
    two = {"content": "Let me check.", "tool_calls": [
        {"id": "1", "type": "function", "function": {"name": "f", "arguments": "{\"a\": 1}"}},
        {"id": "2", "type": "function", "function": {"name": "g", "arguments": ""}}]}
    p = parse_action(response_to_action(two))
    assert p.kind == "calls" and [c.to_dict() for c in p.calls] == [{"name": "f", "arguments": {"a": 1}}, {"name": "g", "arguments": {}}]
    assert p.text == "Let me check."
    assert parse_action(response_to_action(two, "python")).format == "python"  # text dropped: not parseable beside calls
    assert parse_action(response_to_action(two, "json")).format == "json"
    broken = {"content": None, "tool_calls": [{"function": {"name": "f", "arguments": "{not json"}}]}
    assert parse_action(response_to_action(broken)).kind == "error"  # the model's mistake is kept
    assert response_to_action({"content": None}) == ""
    legacy = {"content": None, "function_call": {"name": "f", "arguments": "{}"}}
    assert parse_action(response_to_action(legacy)).calls[0].name == "f"
    # messages without call ids get stable ones, and tool results pair with them
    msgs = to_api_messages([
        {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "f", "arguments": {}}}]},
        {"role": "tool", "content": {"ok": True}},
    ])
    assert msgs[1]["tool_call_id"] == msgs[0]["tool_calls"][0]["id"] == "call_0"
    assert msgs[1]["content"] == '{"ok": true}'
