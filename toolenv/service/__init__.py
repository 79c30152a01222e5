"""`ToolUse-v0` as a service (`toolenv serve`; the ``serve`` extra): see docs/service.md.

* `toolenv.service.sessions` -- no HTTP in it: one isolated env per session id (``gym.make`` with
  the session's ``env_kwargs``), per-session locks, server-side snapshots, the live-session cap
  and idle expiry, and the checks on what a client may ask for.
* `toolenv.service.app` -- the HTTP API over a `SessionStore` (FastAPI): ``POST /reset``,
  ``/step``, ``/snapshot``, ``/restore``, ``/close``, ``/expert_action``, ``GET /``.
* `toolenv.service.client` -- `RemoteToolEnv`, a ``gym.Env`` that plays a session of a server
  (same spaces, observations, rewards and infos as ``gym.make("ToolUse-v0", ...)``).
* `toolenv.service.openenv_adapter` -- the env offered through OpenEnv (``openenv-core``; the
  ``openenv`` extra): its ``Environment`` server and an ``EnvClient``.

Nothing here is imported by ``import toolenv``; the modules import FastAPI / httpx / OpenEnv
lazily or at their own import, so ``import toolenv.service`` needs no extra.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RemoteToolEnv", "ServiceError", "SessionStore", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "RemoteToolEnv":
        from toolenv.service.client import RemoteToolEnv

        return RemoteToolEnv
    if name == "ServiceError":
        from toolenv.service.client import ServiceError

        return ServiceError
    if name == "SessionStore":
        from toolenv.service.sessions import SessionStore

        return SessionStore
    if name == "create_app":
        from toolenv.service.app import create_app

        return create_app
    raise AttributeError(f"module 'toolenv.service' has no attribute {name!r}")
