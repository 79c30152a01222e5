"""Sessions of `toolenv serve`: one isolated ``ToolUse-v0`` env per session id, no HTTP in it.

A session is created by a reset without a session id: its env is ``gym.make("ToolUse-v0",
**env_kwargs)`` -- the same call a local user makes, so the same seed, options and kwargs give the
same observations, rewards and infos. Every operation on a session holds that session's lock
(concurrent steps on one session run one after the other); different sessions run in parallel.

Limits (each refusal is a `RequestError` with an HTTP status and a one-line message):

* ``max_sessions`` live sessions (429 when full, after expiring idle ones);
* ``idle_timeout`` seconds without a request: the session is closed (a later request gets 404);
* ``max_snapshots`` snapshots kept per session (429; ``drop_snapshot`` frees them);
* ``env_kwargs``: only the keys of `ENV_KWARGS`, with checked types; paths (``tool_specs``,
  ``tasks``) only under the server's allowed roots (the bundled specs, the server's own spec and
  task paths, ``--allow-path``); ``num_tasks`` at most ``max_num_tasks``. Anything ``gym.make``
  refuses (a bad reward field, an unknown suite, a spec error) is a 400 with its message.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

#: the ``env_kwargs`` a client may give (those of `toolenv.env.ToolUseEnv`, less ``data_dir`` and
#: ``render_mode``: the server's BFCL data and no rendering on the server)
ENV_KWARGS = ("tool_specs", "tasks", "suite", "num_tasks", "categories", "synth_seed", "seed", "max_steps",
              "reward_config", "expert_style", "spec_limits")
MAX_PATHS = 64
MAX_STEPS_LIMIT = 100_000
DEFAULTS = {"max_sessions": 64, "idle_timeout": 900.0, "max_snapshots": 1024, "max_num_tasks": 4096}


class RequestError(Exception):
    """A request the server refuses: ``status`` (4xx) and a one-line message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _bad(message: str) -> RequestError:
    return RequestError(400, message)


@dataclass
class Session:
    id: str
    env: Any
    last_used: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshots: OrderedDict = field(default_factory=OrderedDict)
    closed: bool = False
    steps: int = 0


def make_env(env_kwargs: dict[str, Any]) -> Any:
    import gymnasium as gym

    import toolenv  # noqa: F401  (registers ToolUse-v0)

    return gym.make("ToolUse-v0", **env_kwargs)


class SessionStore:
    """One env per session id, with the limits above.

    ``default_env_kwargs`` are used when a new session gives none (the server's ``--tool-specs``,
    ``--env-kwargs``); they are trusted, and their paths join ``allowed_roots``. ``clock`` (seconds,
    monotonic) and ``make_env`` are injectable for tests.
    """

    def __init__(self, *, default_env_kwargs: dict[str, Any] | None = None, allowed_roots: Sequence[str | Path] = (),
                 max_sessions: int = DEFAULTS["max_sessions"], idle_timeout: float = DEFAULTS["idle_timeout"],
                 max_snapshots: int = DEFAULTS["max_snapshots"], max_num_tasks: int = DEFAULTS["max_num_tasks"],
                 clock: Callable[[], float] = time.monotonic, make_env: Callable[[dict[str, Any]], Any] = make_env):
        if max_sessions < 1 or max_snapshots < 1 or max_num_tasks < 1:
            raise ValueError("max_sessions, max_snapshots and max_num_tasks must be >= 1")
        if not idle_timeout > 0:
            raise ValueError("idle_timeout must be > 0 seconds")
        from toolenv.spec import bundled_specs_dir

        self.default_env_kwargs = dict(default_env_kwargs or {})
        self.max_sessions = int(max_sessions)
        self.idle_timeout = float(idle_timeout)
        self.max_snapshots = int(max_snapshots)
        self.max_num_tasks = int(max_num_tasks)
        self._clock = clock
        self._make_env = make_env
        roots = [bundled_specs_dir(), *allowed_roots]
        for key in ("tool_specs", "tasks"):
            v = self.default_env_kwargs.get(key)
            if isinstance(v, (str, Path)):
                roots.append(v)
            elif isinstance(v, (list, tuple)):
                roots.extend(p for p in v if isinstance(p, (str, Path)))
        self.allowed_roots = [Path(r).resolve() for r in roots]
        self._sessions: dict[str, Session] = {}
        self._pending = 0  # sessions being built (their slot is reserved)
        self._lock = threading.Lock()
        self._last_sweep = clock()

    # ---- env_kwargs -----------------------------------------------------------------------------
    def check_env_kwargs(self, kwargs: Any) -> dict[str, Any]:
        """The kwargs a client gave, checked (keys, types, paths, sizes); `RequestError` 400 otherwise."""
        if not isinstance(kwargs, dict):
            raise _bad("env_kwargs must be a JSON object")
        unknown = sorted(k for k in kwargs if k not in ENV_KWARGS)
        if unknown:
            raise _bad(f"unknown env_kwargs key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                       f"allowed: {', '.join(ENV_KWARGS)}")
        out = {k: v for k, v in kwargs.items() if v is not None}
        if "tool_specs" in out:
            specs = out["tool_specs"]
            paths = [specs] if isinstance(specs, str) else specs
            if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
                raise _bad("env_kwargs.tool_specs must be a path or a non-empty list of paths")
            if len(paths) > MAX_PATHS:
                raise _bad(f"env_kwargs.tool_specs names {len(paths)} paths, over the limit of {MAX_PATHS}")
            for p in paths:
                self._check_path(p, "tool_specs")
        if "tasks" in out:
            tasks = out["tasks"]
            if isinstance(tasks, str):
                self._check_path(tasks, "tasks")
            elif not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
                raise _bad("env_kwargs.tasks must be a path or a list of task objects")
        for key in ("suite", "expert_style"):
            if key in out and not isinstance(out[key], str):
                raise _bad(f"env_kwargs.{key} must be a string")
        if "categories" in out and (not isinstance(out["categories"], list)
                                    or not all(isinstance(c, str) for c in out["categories"])):
            raise _bad("env_kwargs.categories must be a list of strings")
        for key in ("reward_config", "spec_limits"):
            if key in out and not isinstance(out[key], dict):
                raise _bad(f"env_kwargs.{key} must be an object")
        for key, lo, hi in (("num_tasks", 1, self.max_num_tasks), ("max_steps", 1, MAX_STEPS_LIMIT),
                            ("seed", 0, 2**63 - 1), ("synth_seed", 0, 2**63 - 1)):
            if key in out:
                v = out[key]
                if type(v) is not int or not lo <= v <= hi:
                    raise _bad(f"env_kwargs.{key} must be an integer in {lo}..{hi}, got {v!r}"[:300])
        return out

    def _check_path(self, text: str, key: str) -> None:
        try:
            p = Path(text).resolve()
        except (OSError, RuntimeError, ValueError) as e:
            raise _bad(f"env_kwargs.{key}: bad path {text!r}: {e}"[:300]) from None
        if not any(p == r or r in p.parents for r in self.allowed_roots):
            raise RequestError(403, f"env_kwargs.{key}: {text!r} is outside the folders this server reads "
                                    "(the bundled specs, its own --tool-specs/--tasks, --allow-path)"[:400])

    # ---- sessions -------------------------------------------------------------------------------
    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def _new_session(self, env_kwargs: Any) -> Session:
        kwargs = self.default_env_kwargs if env_kwargs is None else self.check_env_kwargs(env_kwargs)
        self.expire_idle()
        with self._lock:
            if len(self._sessions) + self._pending >= self.max_sessions:
                raise RequestError(429, f"the server holds {self.max_sessions} sessions, its limit: close one "
                                        "(POST /close) or wait for idle ones to expire")
            self._pending += 1
        try:
            try:
                env = self._make_env(dict(kwargs))
            except (ValueError, TypeError, KeyError, LookupError, OSError) as e:
                raise _bad(f"env_kwargs refused by gym.make: {_one_line(e)}") from None
            except Exception as e:  # gymnasium.error.Error and the like
                if type(e).__module__.startswith("gymnasium"):
                    raise _bad(f"env_kwargs refused by gym.make: {_one_line(e)}") from None
                raise
            s = Session(id=uuid.uuid4().hex, env=env, last_used=self._clock())
            with self._lock:
                self._sessions[s.id] = s
        finally:
            with self._lock:
                self._pending -= 1
        return s

    def _locked(self, session_id: Any) -> Session:
        """The session, its lock acquired (release it with ``_release``); 404 when unknown."""
        if not isinstance(session_id, str):
            raise _bad("session_id must be a string")
        self._maybe_sweep()
        with self._lock:
            s = self._sessions.get(session_id)
        if s is None:
            raise RequestError(404, f"unknown session {session_id[:64]!r}: never started, closed, or expired "
                                    f"after {self.idle_timeout:g} s idle; start one with POST /reset")
        s.lock.acquire()
        if s.closed:
            s.lock.release()
            raise RequestError(404, f"session {session_id!r} was closed or expired")
        s.last_used = self._clock()
        return s

    def _release(self, s: Session) -> None:
        s.last_used = self._clock()
        s.lock.release()

    # ---- operations -----------------------------------------------------------------------------
    def reset(self, session_id: str | None, seed: int | None, options: dict[str, Any] | None,
              env_kwargs: dict[str, Any] | None) -> tuple[str, str, dict[str, Any]]:
        """(session id, observation, info). No session id: a new session (``env_kwargs``, else the
        server's defaults); a session id: that session's env is reset (as ``env.reset`` locally)."""
        if session_id is None:
            s = self._new_session(env_kwargs)
            s.lock.acquire()
            try:
                obs, info = self._reset(s, seed, options)
            except BaseException:
                self._drop(s)
                raise
            finally:
                s.lock.release()
            return s.id, obs, info
        if env_kwargs is not None:
            raise _bad("env_kwargs are fixed when a session starts: omit them to reset this session, or start a "
                       "new session (no session_id)")
        s = self._locked(session_id)
        try:
            obs, info = self._reset(s, seed, options)
        finally:
            self._release(s)
        return s.id, obs, info

    @staticmethod
    def _reset(s: Session, seed: int | None, options: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
        try:
            obs, info = s.env.reset(seed=seed, options=options)
        except (ValueError, TypeError, KeyError, IndexError, OverflowError) as e:
            raise _bad(f"reset refused: {_one_line(e)}") from None
        s.steps = 0
        return obs, info

    def step(self, session_id: str, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        s = self._locked(session_id)
        try:
            try:
                out = s.env.step(action)
            except RuntimeError as e:  # "episode is over; call reset()"
                raise RequestError(409, f"step refused: {_one_line(e)}") from None
            s.steps += 1
            return out
        finally:
            self._release(s)

    def snapshot(self, session_id: str) -> str:
        s = self._locked(session_id)
        try:
            if len(s.snapshots) >= self.max_snapshots:
                raise RequestError(429, f"this session holds {len(s.snapshots)} snapshots, the limit: drop some "
                                        "(POST /snapshot/drop) first")
            try:
                snap = s.env.unwrapped.snapshot()
            except RuntimeError as e:
                raise RequestError(409, f"snapshot refused: {_one_line(e)}") from None
            sid = uuid.uuid4().hex
            s.snapshots[sid] = snap
            return sid
        finally:
            self._release(s)

    def restore(self, session_id: str, snapshot_id: Any) -> None:
        s = self._locked(session_id)
        try:
            snap = s.snapshots.get(snapshot_id) if isinstance(snapshot_id, str) else None
            if snap is None:
                raise RequestError(404, f"unknown snapshot {str(snapshot_id)[:64]!r} in this session (snapshots "
                                        "belong to the session that took them)")
            s.env.unwrapped.restore(snap)
        finally:
            self._release(s)

    def drop_snapshot(self, session_id: str, snapshot_id: Any) -> None:
        s = self._locked(session_id)
        try:
            if not isinstance(snapshot_id, str) or s.snapshots.pop(snapshot_id, None) is None:
                raise RequestError(404, f"unknown snapshot {str(snapshot_id)[:64]!r} in this session")
        finally:
            self._release(s)

    def expert_action(self, session_id: str) -> str | None:
        s = self._locked(session_id)
        try:
            return s.env.unwrapped.expert_action()
        finally:
            self._release(s)

    def close(self, session_id: str) -> None:
        s = self._locked(session_id)
        try:
            self._drop(s)
        finally:
            s.lock.release()

    def _drop(self, s: Session) -> None:
        """Forget ``s`` and close its env (the caller holds ``s.lock`` or owns ``s`` alone)."""
        with self._lock:
            self._sessions.pop(s.id, None)
        s.closed = True
        s.snapshots.clear()
        try:
            s.env.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass

    # ---- expiry ---------------------------------------------------------------------------------
    def _maybe_sweep(self) -> None:
        now = self._clock()
        if now - self._last_sweep >= min(self.idle_timeout / 2, 30.0):
            self.expire_idle()

    def expire_idle(self) -> int:
        """Close the sessions idle for more than ``idle_timeout`` (busy ones are left); their number."""
        now = self._clock()
        self._last_sweep = now
        with self._lock:
            stale = [s for s in self._sessions.values() if now - s.last_used > self.idle_timeout]
        n = 0
        for s in stale:
            if s.lock.acquire(blocking=False):
                try:
                    if not s.closed and self._clock() - s.last_used > self.idle_timeout:
                        self._drop(s)
                        n += 1
                finally:
                    s.lock.release()
        return n

    def close_all(self) -> None:
        with self._lock:
            sessions = list(self._sessions.values())
        for s in sessions:
            with s.lock:
                self._drop(s)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"sessions": len(self._sessions), "max_sessions": self.max_sessions,
                    "idle_timeout_s": self.idle_timeout, "max_snapshots": self.max_snapshots}


def _one_line(e: BaseException) -> str:
    msg = str(e) or type(e).__name__
    if isinstance(e, KeyError) and len(e.args) == 1:
        msg = f"missing key {e.args[0]!r}"
    msg = "; ".join(line.strip() for line in msg.splitlines() if line.strip())
    return msg if len(msg) <= 1000 else msg[:1000] + "..."
