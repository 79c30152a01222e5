"""The simulated world as an MCP server (`toolenv serve-mcp`; needs the ``mcp`` extra).

Any MCP client (Claude Desktop, an agent framework, the ``mcp`` SDK's `Client`) lists the tools of
the specs with their JSON schemas and calls them; each call is one step of a `ToolUseEnv`
episode, so it is validated and answered by the seeded, stateful simulator (what a call created
can be read back in the same session) and scored against a task like any agent action.

Pieces:

* `WorldSessions` -- no MCP in it: one env per session key, MCP calls -> env steps -> (response,
  is_error), and the trajectory log (one JSON line per call, with the step's deficiency codes).
* `build_server` -- the MCP low-level `Server` over a `WorldSessions`: ``tools/list``,
  ``tools/call``, and (with a task) a ``task`` prompt holding the task's request.
* `serve_stdio` / `serve_http` -- the transports (stdio; Streamable HTTP on a loopback port).

Sessions. On stdio the process serves one client: one session. Over HTTP a session is the MCP
session of the initialize handshake (``Mcp-Session-Id``): the server advertises only the
handshake protocol versions, so clients that could speak the session-less 2026-07-28 protocol
fall back to sessions; a session-less ``tools/call`` is refused with a message saying so.

Task. With ``task_index`` (tasks synthesized from the specs with the seed, as `toolenv eval`
does, or read from a task file) the session plays that task: the listed tools are the task's
offered tools and the deficiency codes are judged against its ground truth (wrong tool, wrong
value, missing ids, ...). Without one the session is a *sandbox*: every tool of the specs, a world
seeded by the seed, and deficiency codes only for the call itself (invalid arguments, unknown
tool, records not found).
"""

from __future__ import annotations

import json
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from toolenv.tasks import Task, Turn

#: sandbox sessions have no ground truth: these task-relative codes say nothing about the call
_SANDBOX_IGNORED = frozenset({"relevance:call_when_none_needed", "calls:extra", "calls:repeated"})
SANDBOX_ID = "sandbox"
DEFAULT_MAX_SESSIONS = 256


@dataclass
class CallOutcome:
    """What one MCP tool call did: the tool message text, its decoded JSON, whether it is an error,
    and the log record."""

    text: str
    structured: Any
    is_error: bool
    record: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Session:
    label: str
    env: Any
    calls: int = 0
    done: bool = False


class WorldSessions:
    """Seeded, stateful simulations, one per session key, for MCP calls.

    ``env_kwargs`` are those of ``ToolUseEnv`` (``tool_specs``, ``tasks``, ``num_tasks``, ...);
    the suite (registry, tasks) is built once and shared, each session gets its own env and world.
    ``task_index`` picks the task (None: a sandbox offering every tool); ``seed`` seeds the
    synthesis (when the tasks are synthesized), the sandbox world and every session's episode.
    ``log`` is a JSONL path: one line per call, appended and flushed as it happens.
    """

    def __init__(self, env_kwargs: dict[str, Any], *, task_index: int | None = None, seed: int = 0,
                 log: str | Path | None = None, max_calls: int = 1000, max_sessions: int = DEFAULT_MAX_SESSIONS):
        from toolenv.env import ToolUseEnv
        from toolenv.sim_episode import SimSuite

        if max_calls < 1 or max_sessions < 1:
            raise ValueError("max_calls and max_sessions must be >= 1")
        kwargs = dict(env_kwargs)
        kwargs.setdefault("synth_seed", seed)
        suite = ToolUseEnv(**kwargs).suite
        if not isinstance(suite, SimSuite):
            raise ValueError("serve-mcp serves simulated tool specs, not a benchmark suite")
        self.seed = int(seed)
        self.max_calls = int(max_calls)
        self.max_sessions = int(max_sessions)
        if task_index is None:
            tools = list(suite.registry.tools)
            self.task: Task | None = None
            sandbox = Task(id=SANDBOX_ID, category=SANDBOX_ID, tools=tools, seed=self.seed,
                           turns=[Turn(user="Use the simulated tools.")])
            self._suite = SimSuite(suite.registry, [sandbox], suite.reward, suite.expert_style)
            self._index = 0
        else:
            if not 0 <= task_index < len(suite):
                raise ValueError(f"task index {task_index} is out of range: there are {len(suite)} tasks "
                                 f"(0..{len(suite) - 1})")
            self.task = suite.task(task_index)
            self._suite = suite
            self._index = task_index
        self.registry = suite.registry
        self.tools: list[dict[str, Any]] = self._suite.offered_tools(self._suite.task(self._index))
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._dropped: OrderedDict[str, str] = OrderedDict()  # key -> label of sessions dropped for room
        self._labels = 0
        self._log_path = Path(log) if log is not None else None
        self._log = None
        if self._log_path is not None:
            self._log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self._log_path.open("a", encoding="utf-8")

    # ---- sessions ----------------------------------------------------------------------------
    def session(self, key: str) -> _Session:
        """The session of ``key``, started on first use (the least recently used one is dropped
        beyond ``max_sessions``)."""
        s = self._sessions.get(key)
        if s is not None:
            self._sessions.move_to_end(key)
            return s
        from toolenv.env import ToolUseEnv

        # max_steps: a session ends by its call budget, not by the task's step limit
        env = ToolUseEnv(suite=self._suite, max_steps=self.max_calls)
        env.reset(seed=self.seed, options={"task_index": self._index})
        self._labels += 1
        s = self._sessions[key] = _Session(label=f"s{self._labels}", env=env)
        while len(self._sessions) > self.max_sessions:
            old_key, old = self._sessions.popitem(last=False)
            old.env.close()
            self._dropped[old_key] = old.label
            while len(self._dropped) > 64 * self.max_sessions:
                self._dropped.popitem(last=False)
        return s

    def __len__(self) -> int:
        return len(self._sessions)

    # ---- calls ---------------------------------------------------------------------------------
    def call(self, key: str, name: str, arguments: Any) -> CallOutcome:
        """One tool call in session ``key``: an env step (validated, executed, scored), logged."""
        from toolenv.observation import decode_observation
        from toolenv.parse import MAX_ACTION_CHARS, parse_action, render_calls

        if key in self._dropped and key not in self._sessions:  # never a fresh world behind the client's back
            body = {"error": {"code": 410, "type": "session_dropped",
                              "message": f"this session's world was dropped to make room (more than "
                                         f"{self.max_sessions} sessions); start a new session"}}
            self._write({"session": self._dropped[key], "call": None, "task_id": self._task_id, "name": name,
                         "arguments": arguments, "response": body, "is_error": True, "deficiencies": [],
                         "reward": None, "stepped": False})
            return CallOutcome(json.dumps(body), body, True)
        s = self.session(key)
        record: dict[str, Any] = {"session": s.label, "call": s.calls + 1, "task_id": self._task_id,
                                  "name": name, "arguments": arguments}
        if not isinstance(arguments, dict):
            return self._refuse(s, record, 400, "invalid_arguments", "arguments must be a JSON object")
        if s.done:
            return self._refuse(s, record, 409, "session_over",
                                f"this session's episode is over (after {s.calls} calls); start a new session")
        action = render_calls([{"name": name, "arguments": arguments}], "hermes")
        if len(action) > MAX_ACTION_CHARS:
            return self._refuse(s, record, 413, "too_large",
                                f"the call is {len(action)} characters, over the limit of {MAX_ACTION_CHARS}")
        parsed = parse_action(action)
        if parsed.kind != "calls" or len(parsed.calls) != 1 or parsed.calls[0].name != name:
            return self._refuse(s, record, 400, "invalid_call", parsed.error or "the call could not be read")
        call_id = f"call_{s.calls}"  # the env numbers calls from 0; each step here holds one
        obs, reward, terminated, truncated, info = s.env.step(action)
        s.calls += 1
        s.done = terminated or truncated
        messages, _ = decode_observation(obs)
        answer = next((m for m in reversed(messages) if m.get("role") == "tool" and m.get("tool_call_id") == call_id),
                      None)
        text = answer["content"] if answer is not None else json.dumps(
            {"error": {"code": 500, "type": "no_response", "message": str(info.get("error") or "no tool response")}})
        structured = _decode(text)
        is_error = _is_error(structured)
        defs = list(info.get("deficiencies", []))
        if self.task is None:
            defs = [d for d in defs if d not in _SANDBOX_IGNORED]
        record.update({"response": structured if structured is not None else text, "is_error": is_error,
                       "deficiencies": defs, "reward": None if self.task is None else float(reward),
                       "state_hash": info.get("state_hash")})
        if self.task is not None:
            record["category"] = self.task.category
        if s.done:
            record["episode_over"] = True
        self._write(record)
        return CallOutcome(text, structured, is_error, record)

    @property
    def _task_id(self) -> str | None:
        return self.task.id if self.task is not None else None

    def _refuse(self, s: _Session, record: dict[str, Any], code: int, etype: str, message: str) -> CallOutcome:
        """A call that is not stepped (the env never sees it): an error result, logged."""
        body = {"error": {"code": code, "type": etype, "message": message}}
        record.update({"response": body, "is_error": True, "deficiencies": [], "reward": None, "stepped": False})
        self._write(record)
        return CallOutcome(json.dumps(body), body, True, record)

    def _write(self, record: dict[str, Any]) -> None:
        if self._log is None:
            return
        from toolenv.observation import strict_dumps

        self._log.write(strict_dumps(record, ensure_ascii=False) + "\n")
        self._log.flush()

    def close(self) -> None:
        for s in self._sessions.values():
            s.env.close()
        self._sessions.clear()
        if self._log is not None:
            self._log.close()
            self._log = None

    # ---- what the server tells clients ------------------------------------------------------
    def instructions(self, specs: str) -> str:
        head = (f"Simulated tools from {specs}: a seeded (seed {self.seed}), stateful simulation; what a call "
                "creates can be read back in the same session. Invalid arguments get an error naming the field.")
        if self.task is None:
            return head + " Sandbox: no task; every tool of the specs is offered."
        return head + f" Task {self.task.id} ({self.task.category}): {self.task.turns[0].user}"


def _decode(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _is_error(obj: Any) -> bool:
    """The simulator's error shape: ``{"error": {"code": 4xx/5xx, "type", "message", ...}}``."""
    if not isinstance(obj, dict) or set(obj) != {"error"} or not isinstance(obj["error"], dict):
        return False
    err = obj["error"]
    return isinstance(err.get("code"), int) and isinstance(err.get("message"), str)


# ---- the MCP server ------------------------------------------------------------------------------
STDIO_SESSION = "stdio"


def build_server(world: WorldSessions, *, transport: str = "stdio", specs: str = "the bundled specs",
                 name: str = "toolenv") -> Any:
    """An MCP low-level `Server` over ``world``. ``transport`` ``"stdio"``: one session for the
    process; ``"http"``: one per MCP session (``Mcp-Session-Id``), handshake protocol versions only."""
    import mcp_types as types
    from mcp.server.lowlevel import Server
    from mcp.shared.exceptions import MCPError
    from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

    if transport not in ("stdio", "http"):
        raise ValueError(f"transport must be 'stdio' or 'http', got {transport!r}")
    tools = [types.Tool(name=t["function"]["name"], description=t["function"].get("description") or None,
                        input_schema=t["function"]["parameters"]) for t in world.tools]

    def session_key(ctx: Any) -> str | None:
        if transport == "stdio":
            return STDIO_SESSION
        request = getattr(ctx, "request", None)
        headers = getattr(request, "headers", None)
        return headers.get("mcp-session-id") if headers is not None else None

    async def list_tools(ctx: Any, params: Any) -> Any:
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: Any, params: Any) -> Any:
        key = session_key(ctx)
        if key is None:
            raise MCPError(code=types.INVALID_REQUEST,
                           message="toolenv keeps a simulated world per MCP session: connect with the initialize "
                                   "handshake (a protocol version up to 2025-11-25), which opens a session")
        out = world.call(key, params.name, params.arguments if params.arguments is not None else {})
        return types.CallToolResult(content=[types.TextContent(type="text", text=out.text)],
                                    structured_content=out.structured if isinstance(out.structured, dict) else None,
                                    is_error=out.is_error)

    kwargs: dict[str, Any] = {"on_list_tools": list_tools, "on_call_tool": call_tool}
    if world.task is not None:
        task = world.task
        prompt = types.Prompt(name="task", description=f"the user's request of task {task.id} ({task.category})")

        async def list_prompts(ctx: Any, params: Any) -> Any:
            return types.ListPromptsResult(prompts=[prompt])

        async def get_prompt(ctx: Any, params: Any) -> Any:
            if params.name != "task":
                raise MCPError(code=types.INVALID_PARAMS, message=f"no prompt named {params.name!r} (there is 'task')")
            msgs = []
            if task.system:
                msgs.append(types.PromptMessage(role="user", content=types.TextContent(type="text", text=task.system)))
            msgs.append(types.PromptMessage(role="user", content=types.TextContent(type="text", text=task.turns[0].user)))
            return types.GetPromptResult(description=prompt.description, messages=msgs)

        kwargs.update(on_list_prompts=list_prompts, on_get_prompt=get_prompt)
    from toolenv import __version__

    server = Server(name, version=__version__, instructions=world.instructions(specs), **kwargs)
    if transport == "http":
        async def discover(ctx: Any, params: Any) -> Any:
            # sessions hold the worlds: advertise the handshake versions only, so that a client able to
            # speak the session-less 2026-07-28 protocol opens a session instead
            return types.DiscoverResult(supported_versions=list(HANDSHAKE_PROTOCOL_VERSIONS),
                                        capabilities=server.get_capabilities(),
                                        instructions=server.instructions)

        server.add_request_handler("server/discover", types.RequestParams, discover)
    return server


async def serve_stdio(server: Any) -> None:
    """Serve over this process's stdin/stdout until stdin closes."""
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


async def serve_http(server: Any, sock: Any, host: str, *, announce: Any = None) -> None:
    """Serve Streamable HTTP at ``/mcp`` on the bound socket ``sock`` until interrupted.
    ``announce(url)`` is called once the socket is serving."""
    import uvicorn

    app = server.streamable_http_app(host=host)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    userver = uvicorn.Server(config)
    port = sock.getsockname()[1]
    url = f"http://{_url_host(host)}:{port}/mcp"
    if announce is not None:
        announce(url)
    await userver.serve(sockets=[sock])


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def specs_label(tool_specs: Sequence[str] | None, tasks: str | None) -> str:
    if tool_specs:
        return ", ".join(str(p) for p in tool_specs)
    if tasks:
        return f"the specs recorded in {tasks}"
    return "the bundled specs"


def log(msg: str) -> None:
    """A line on stderr (stdout carries the stdio transport)."""
    print(msg, file=sys.stderr, flush=True)
