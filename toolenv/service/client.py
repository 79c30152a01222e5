"""`RemoteToolEnv`: a session of a `toolenv serve` server as a local ``gym.Env`` (needs httpx, the
``serve`` extra).

Same spaces as ``ToolUse-v0``; ``reset``/``step`` return what ``gym.make("ToolUse-v0",
**env_kwargs)`` returns for the same seeds, options and actions (the info dict as the server sends
it: docs/service.md, "Infos"). The first ``reset`` starts the session; later ones reset it (as
``env.reset`` on one local env), so it works under ``SyncVectorEnv``/``AsyncVectorEnv`` autoreset.
``snapshot()`` returns a snapshot id kept by the server, ``restore(id)`` goes back to it;
``expert_action()`` is the env's. ``close()`` ends the session.
"""

from __future__ import annotations

import socket
import string
from typing import Any

import gymnasium as gym
from gymnasium import spaces


class ServiceError(RuntimeError):
    """The server refused a request: ``status`` and its one-line ``detail``."""

    def __init__(self, status: int, detail: str):
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


class ServiceValueError(ServiceError, ValueError):
    """A 400/403/422 refusal (bad env_kwargs, options, seed or action): what ``gym.make`` or
    ``reset`` would raise as ValueError locally."""


class RemoteToolEnv(gym.Env):
    """``ToolUse-v0`` played on a `toolenv serve` server at ``base_url`` (``http://127.0.0.1:8000``).

    ``env_kwargs`` are the session's ``gym.make`` kwargs (None: the server's defaults); paths in it
    are the server's. ``timeout`` is per request (seconds). ``client``: an ``httpx.Client`` to use
    (with its own base_url); by default each env has its own keep-alive connection.
    """

    metadata = {"render_modes": []}

    def __init__(self, base_url: str = "http://127.0.0.1:8000", env_kwargs: dict[str, Any] | None = None, *,
                 timeout: float = 120.0, client: Any = None):
        import httpx

        from toolenv.env import MAX_OBSERVATION_CHARS, ObservationText
        from toolenv.parse import MAX_ACTION_CHARS

        self.base_url = base_url.rstrip("/")
        self.env_kwargs = None if env_kwargs is None else dict(env_kwargs)
        self.action_space = spaces.Text(max_length=MAX_ACTION_CHARS, charset=string.printable)
        self.observation_space = ObservationText(max_length=MAX_OBSERVATION_CHARS, min_length=2,
                                                 charset=string.printable)
        self._own_client = client is None
        if client is None:
            # TCP_NODELAY: httpx writes a request's headers and body separately; with Nagle's algorithm and
            # the server's delayed ACK, every step would wait ~40 ms for the second write
            transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
            client = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)
        self._http = client
        self.session_id: str | None = None

    # ---- transport ------------------------------------------------------------------------------
    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self._http.post(path, json=body)
        if r.status_code >= 400:
            try:
                detail = r.json().get("detail", r.text)
            except ValueError:
                detail = r.text
            detail = detail if isinstance(detail, str) else str(detail)
            cls = ServiceValueError if r.status_code in (400, 403, 413, 422) else ServiceError
            raise cls(r.status_code, detail)
        return r.json()

    def _session(self) -> str:
        if self.session_id is None:
            raise RuntimeError("call reset() before step()")
        return self.session_id

    # ---- Gymnasium API --------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        body: dict[str, Any] = {"seed": seed, "options": options}
        if self.session_id is None:
            body["env_kwargs"] = self.env_kwargs
        else:
            body["session_id"] = self.session_id
        out = self._post("/reset", body)
        self.session_id = out["session_id"]
        return out["observation"], out["info"]

    def step(self, action: Any) -> tuple[str, float, bool, bool, dict[str, Any]]:
        if not isinstance(action, str):
            action = str(action)
        out = self._post("/step", {"session_id": self._session(), "action": action})
        return out["observation"], float(out["reward"]), bool(out["terminated"]), bool(out["truncated"]), out["info"]

    def close(self) -> None:
        if self.session_id is not None:
            sid, self.session_id = self.session_id, None
            try:
                self._post("/close", {"session_id": sid})
            except Exception:  # noqa: BLE001 - closing is best effort (server gone, session expired)
                pass
        if self._own_client:
            self._http.close()
        super().close()

    # ---- what ToolUseEnv adds -------------------------------------------------------------------
    def snapshot(self) -> str:
        """A snapshot of this session, kept by the server: its id (valid for this session only)."""
        return self._post("/snapshot", {"session_id": self._session()})["snapshot_id"]

    def restore(self, snapshot_id: str) -> None:
        self._post("/restore", {"session_id": self._session(), "snapshot_id": snapshot_id})

    def drop_snapshot(self, snapshot_id: str) -> None:
        """Free a snapshot on the server (each session keeps at most the server's ``--max-snapshots``)."""
        self._post("/snapshot/drop", {"session_id": self._session(), "snapshot_id": snapshot_id})

    def expert_action(self) -> str | None:
        return self._post("/expert_action", {"session_id": self._session()})["action"]
