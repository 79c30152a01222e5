"""``ToolUse-v0`` through OpenEnv (``openenv-core``, the ``openenv`` extra): the protocol TRL's
OpenEnv integration and OpenEnv's own clients speak. See docs/service.md, "OpenEnv".

OpenEnv's pieces, implemented against ``openenv-core==0.3.0``:

* models -- `ToolUseAction` (``text``: the assistant's message), `ToolUseObservation` (``text``:
  the env's observation JSON, ``info``: the step info with the deficiency codes, ``terminated``,
  ``truncated``; OpenEnv's ``reward`` and ``done`` = terminated or truncated), `ToolUseState`;
* `ToolUseEnvironment` -- an ``openenv.core.env_server.Environment`` wrapping
  ``gym.make("ToolUse-v0", **env_kwargs)``; ``reset(seed=..., options=...)`` and ``step`` return
  exactly what the Gymnasium env returns (the info as `toolenv.observation.to_strict` leaves it);
  concurrent sessions are safe (each gets its own env);
* `create_openenv_app` -- OpenEnv's FastAPI app (``create_fastapi_app``): ``/ws`` (one env per
  WebSocket session: what ``EnvClient`` uses), ``/reset``, ``/step`` (OpenEnv's stateless HTTP
  routes: a fresh env per request), ``/state``, ``/schema``, ``/health``, ``/metadata``;
* `ToolUseEnvClient` -- an ``openenv.core.EnvClient`` for these models (async; ``.sync()`` for the
  synchronous wrapper). OpenEnv's ``GenericEnvClient`` works as well, with plain dicts.

``toolenv serve --protocol openenv`` serves it.
"""

from __future__ import annotations

import functools
from typing import Any, Optional

from openenv.core.client_types import StepResult
from openenv.core.env_client import EnvClient
from openenv.core.env_server.http_server import create_fastapi_app
from openenv.core.env_server.interfaces import Environment
from openenv.core.env_server.types import Action, ConcurrencyConfig, EnvironmentMetadata, Observation, State
from pydantic import Field

from toolenv.observation import to_strict


class ToolUseAction(Action):
    """One assistant message: tool calls (``<tool_call>{...}</tool_call>``, a JSON object/list or a
    Python-call list) or the answer to the user (text without a call)."""

    text: str = Field(..., description="the assistant's raw text, as ToolUse-v0's env.step(action)")


class ToolUseObservation(Observation):
    """What ``ToolUse-v0`` returns; ``done`` is ``terminated or truncated``."""

    text: str = Field(..., description='the observation: strict JSON {"tools": [...], "messages": [...]}')
    info: dict[str, Any] = Field(default_factory=dict,
                                 description="the step info: deficiencies, calls, state_hash, task_id, category, "
                                             "difficulty, step, and success on the last step")
    terminated: bool = False
    truncated: bool = False


class ToolUseState(State):
    task_id: Optional[str] = None
    category: Optional[str] = None
    state_hash: Optional[str] = None
    done: bool = False


class ToolUseEnvironment(Environment[ToolUseAction, ToolUseObservation, ToolUseState]):
    """``gym.make("ToolUse-v0", **env_kwargs)`` as an OpenEnv environment."""

    SUPPORTS_CONCURRENT_SESSIONS = True  # nothing mutable is shared between envs

    def __init__(self, env_kwargs: dict[str, Any] | None = None):
        super().__init__()
        from toolenv.service.sessions import make_env

        self._env = make_env(dict(env_kwargs or {}))
        self._state = ToolUseState()
        self._info: dict[str, Any] = {}

    def reset(self, seed: Optional[int] = None, episode_id: Optional[str] = None,
              options: Optional[dict[str, Any]] = None, **kwargs: Any) -> ToolUseObservation:
        obs, info = self._env.reset(seed=seed, options=options)
        self._info = info
        self._state = ToolUseState(episode_id=episode_id or info.get("task_id"), step_count=0,
                                   task_id=info.get("task_id"), category=info.get("category"),
                                   state_hash=info.get("state_hash"))
        return ToolUseObservation(text=obs, info=to_strict(info), reward=None, done=False)

    def step(self, action: ToolUseAction, timeout_s: Optional[float] = None, **kwargs: Any) -> ToolUseObservation:
        obs, reward, terminated, truncated, info = self._env.step(action.text)
        done = bool(terminated or truncated)
        self._state.step_count += 1
        self._state.state_hash = info.get("state_hash")
        self._state.done = done
        return ToolUseObservation(text=obs, info=to_strict(info), reward=float(reward), done=done,
                                  terminated=bool(terminated), truncated=bool(truncated))

    @property
    def state(self) -> ToolUseState:
        return self._state

    def get_metadata(self) -> EnvironmentMetadata:
        from toolenv import __version__

        return EnvironmentMetadata(name="ToolUse-v0", version=__version__,
                                   description="toolenv: simulated APIs from JSON tool specs; rewards and "
                                               "deficiency codes in observation.info")

    def close(self) -> None:
        self._env.close()


def create_openenv_app(env_kwargs: dict[str, Any] | None = None, *, max_concurrent_envs: int = 64,
                       session_timeout: float | None = 900.0) -> Any:
    """OpenEnv's FastAPI app over `ToolUseEnvironment` (one env per WebSocket session, at most
    ``max_concurrent_envs``; sessions idle for ``session_timeout`` seconds are closed)."""
    factory = functools.partial(ToolUseEnvironment, dict(env_kwargs or {}))
    app = create_fastapi_app(factory, ToolUseAction, ToolUseObservation,
                             concurrency_config=ConcurrencyConfig(max_concurrent_envs=max_concurrent_envs,
                                                                  session_timeout=session_timeout))
    return QuietDisconnect(app)


class QuietDisconnect:
    """ASGI wrapper: a WebSocket client that leaves first is normal. (openenv-core 0.3.0's ``/ws``
    handler then calls ``websocket.close()`` on the gone socket and lets the resulting
    ``WebSocketDisconnect`` escape, which uvicorn would log as an application error.)"""

    def __init__(self, app: Any):
        self.app = app
        self.state = app.state

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception as e:
            if scope.get("type") == "websocket" and type(e).__name__ in ("WebSocketDisconnect", "ClientDisconnected"):
                return
            raise


class ToolUseEnvClient(EnvClient[ToolUseAction, ToolUseObservation, ToolUseState]):
    """OpenEnv client of a ``toolenv serve --protocol openenv`` server::

        with ToolUseEnvClient(base_url="http://127.0.0.1:8000").sync() as env:
            result = env.reset(seed=0, options={"task_index": 3})
            result = env.step(ToolUseAction(text='<tool_call>{"name": ..., "arguments": {...}}</tool_call>'))
            result.reward, result.done, result.observation.info["deficiencies"]
    """

    def _step_payload(self, action: ToolUseAction) -> dict[str, Any]:
        return action.model_dump()

    def _parse_result(self, payload: dict[str, Any]) -> StepResult[ToolUseObservation]:
        obs = ToolUseObservation(**payload.get("observation", {}), reward=payload.get("reward"),
                                 done=payload.get("done", False))
        return StepResult(observation=obs, reward=payload.get("reward"), done=payload.get("done", False))

    def _parse_state(self, payload: dict[str, Any]) -> ToolUseState:
        return ToolUseState(**payload)
