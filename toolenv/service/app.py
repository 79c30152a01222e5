"""The HTTP API of `toolenv serve` (FastAPI; the ``serve`` extra). See docs/service.md.

Every route takes and returns JSON. Routes that touch a session are plain (sync) functions, so
FastAPI runs them in its thread pool: a slow ``gym.make`` or step never blocks the event loop, and
the `SessionStore` lock of each session serializes what is done to it.

Responses carry the env's values as they are: ``observation`` (the env's strict-JSON text),
``reward`` (float), ``terminated``/``truncated`` (bool) and ``info``, written with
`toolenv.observation.strict_dumps` -- the info dict itself when it is strict JSON (always so for
simulated suites: lists, dicts, str, int, float, bool, None), else `toolenv.observation.to_strict`
of it (tuples as lists, non-finite numbers as ``"NaN"``/``"Infinity"`` strings, other objects as
their repr; only BFCL's decoded-call info can hold such values).

Errors: ``{"detail": "one line"}`` with 400 (bad value), 403 (a path outside the allowed roots),
404 (unknown session or snapshot), 409 (step after the episode ended), 413 (body over the limit),
422 (malformed JSON or a field of the wrong type; ``errors`` lists them), 429 (session or snapshot
cap); 500 only for a bug, and the server keeps serving.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from toolenv.observation import strict_dumps
from toolenv.service.sessions import RequestError, SessionStore

DEFAULT_MAX_BODY_BYTES = 4 << 20  # an action is scored up to 32,768 characters; inline tasks need more
DRAIN_BYTES = 64 << 20  # a refused body up to this size is read to its end before the 413
SESSION_ID = Field(..., max_length=128, description="the id /reset returned")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResetBody(_Body):
    session_id: StrictStr | None = Field(None, max_length=128,
                                         description="reset this session; omitted: start a new session")
    seed: StrictInt | None = Field(None, ge=0, le=2**63 - 1, description="as env.reset(seed=...)")
    options: dict[str, Any] | None = Field(None, description='as env.reset(options=...): {"task_index": i} or '
                                                             '{"task_id": "..."}')
    env_kwargs: dict[str, Any] | None = Field(None, description='a new session\'s gym.make("ToolUse-v0", **env_kwargs); '
                                                                "omitted: the server's defaults")


class StepBody(_Body):
    session_id: StrictStr = SESSION_ID
    action: StrictStr = Field(..., description="the assistant's raw text, as env.step(action)")


class SessionBody(_Body):
    session_id: StrictStr = SESSION_ID


class SnapshotBody(_Body):
    session_id: StrictStr = SESSION_ID
    snapshot_id: StrictStr = Field(..., max_length=128, description="the id /snapshot returned")


def _json(obj: Any, status: int = 200) -> Response:
    return Response(content=strict_dumps(obj), status_code=status, media_type="application/json")


def _error(status: int, message: str, **extra: Any) -> Response:
    return _json({"detail": message, **extra}, status)


def create_app(store: SessionStore | None = None, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
               **store_kwargs: Any) -> Any:
    """The ASGI app: the routes over ``store`` (a new `SessionStore(**store_kwargs)` when None),
    behind a request-body cap of ``max_body_bytes`` (413 beyond). ``app.state.store`` is the store
    (``app.state.store.close_all()`` closes every session)."""
    from toolenv import ENV_ID, __version__

    store = store if store is not None else SessionStore(**store_kwargs)
    api = FastAPI(title="toolenv: ToolUse-v0 as a service", version=__version__,
                  description="One isolated ToolUse-v0 env per session; docs/service.md.")
    api.state.store = store

    @api.exception_handler(RequestError)
    async def _request_error(request: Request, e: RequestError) -> Response:
        return _error(e.status, e.message)

    @api.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, e: RequestValidationError) -> Response:
        errors = [{"loc": [str(x) for x in err.get("loc", ())], "msg": str(err.get("msg", "")),
                   "type": str(err.get("type", ""))} for err in e.errors()][:20]
        summary = "; ".join(f"{'.'.join(err['loc']) or 'body'}: {err['msg']}" for err in errors[:5])
        return _error(422, f"invalid request: {summary}"[:1000], errors=errors)

    @api.exception_handler(Exception)
    async def _internal(request: Request, e: Exception) -> Response:  # a bug: the server answers and goes on
        return _error(500, f"internal error: {type(e).__name__}: {e}"[:1000])

    @api.get("/")
    def health() -> Response:
        return _json({"status": "ok", "service": "toolenv", "env_id": ENV_ID, "version": __version__,
                      **store.stats()})

    @api.post("/reset")
    def reset(body: ResetBody) -> Response:
        sid, obs, info = store.reset(body.session_id, body.seed, body.options, body.env_kwargs)
        return _json({"session_id": sid, "observation": obs, "info": info})

    @api.post("/step")
    def step(body: StepBody) -> Response:
        obs, reward, terminated, truncated, info = store.step(body.session_id, body.action)
        return _json({"observation": obs, "reward": float(reward), "terminated": bool(terminated),
                      "truncated": bool(truncated), "info": info})

    @api.post("/snapshot")
    def snapshot(body: SessionBody) -> Response:
        return _json({"session_id": body.session_id, "snapshot_id": store.snapshot(body.session_id)})

    @api.post("/restore")
    def restore(body: SnapshotBody) -> Response:
        store.restore(body.session_id, body.snapshot_id)
        return _json({"session_id": body.session_id, "snapshot_id": body.snapshot_id})

    @api.post("/snapshot/drop")
    def drop_snapshot(body: SnapshotBody) -> Response:
        store.drop_snapshot(body.session_id, body.snapshot_id)
        return _json({"session_id": body.session_id, "dropped": body.snapshot_id})

    @api.post("/expert_action")
    def expert_action(body: SessionBody) -> Response:
        return _json({"session_id": body.session_id, "action": store.expert_action(body.session_id)})

    @api.post("/close")
    def close(body: SessionBody) -> Response:
        store.close(body.session_id)
        return _json({"session_id": body.session_id, "closed": True})

    app = BodyLimit(api, max_body_bytes)
    app.state = api.state  # type: ignore[attr-defined]
    return app


class BodyLimit:
    """ASGI middleware: an HTTP request body over ``max_bytes`` gets 413 before the app sees it
    (by ``Content-Length`` or while it streams in); otherwise the body is handed on whole."""

    def __init__(self, app: Any, max_bytes: int):
        if max_bytes < 1:
            raise ValueError("max_body_bytes must be >= 1")
        self.app = app
        self.max_bytes = int(max_bytes)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or ()).get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_bytes
            except ValueError:
                await self._refuse(send, 400, "bad Content-Length header")
                return
            if too_big:
                await self._drain(receive, int(length))
                await self._refuse(send, 413, self._message(int(length)))
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                if message.get("more_body", False):
                    await self._drain(receive, DRAIN_BYTES)
                await self._refuse(send, 413, self._message(size, at_least=True))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _drain(receive: Any, expected: int) -> None:
        """Read and drop the rest of a refused body (up to `DRAIN_BYTES`), so that the client,
        still sending, reads the 413 instead of a reset connection; beyond that the connection is closed."""
        if expected > DRAIN_BYTES:
            return
        seen = 0
        while seen <= DRAIN_BYTES:
            message = await receive()
            if message["type"] != "http.request":
                return
            seen += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    def _message(self, size: int, at_least: bool = False) -> str:
        return (f"request body of {'at least ' if at_least else ''}{size} bytes is over the limit of "
                f"{self.max_bytes} bytes (toolenv serve --max-body-bytes)")

    @staticmethod
    async def _refuse(send: Any, status: int, message: str) -> None:
        body = strict_dumps({"detail": message}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


async def serve(app: Any, sock: Any, *, announce: Any = None, log_level: str = "warning") -> None:
    """Serve ``app`` on the bound socket ``sock`` until interrupted; ``announce(url)`` once serving."""
    import uvicorn

    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    host, port = sock.getsockname()[:2]
    if announce is not None:
        announce(f"http://{f'[{host}]' if ':' in host else host}:{port}")
    await server.serve(sockets=[sock])
