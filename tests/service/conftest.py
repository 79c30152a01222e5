"""A `toolenv serve` app on a loopback port, in a thread of the test process."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("httpx")

#: small task pools: synthesis runs once per process (cached), in the server and the local env alike
KW = {"seed": 0, "num_tasks": 48}


class ServerThread:
    """uvicorn serving ``app`` on 127.0.0.1:<free port> until ``stop()``."""

    def __init__(self, app: Any):
        import uvicorn

        from toolenv.net import bind

        self.app = app
        self.sock = bind("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()
        store = getattr(getattr(self.app, "state", None), "store", None)
        if store is not None:
            store.close_all()


@pytest.fixture
def serve():
    """``serve(**create_app kwargs) -> ServerThread``; every server is stopped at teardown."""
    from toolenv.service.app import create_app

    started: list[ServerThread] = []

    def start(app: Any = None, **kwargs: Any) -> ServerThread:
        s = ServerThread(app if app is not None else create_app(**kwargs))
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


BAD_ACTIONS = ["hello there", "<tool_call>{\"name\": \"no_such_tool\", \"arguments\": {}}</tool_call>",
               "[f(a=1e999)]", "<tool_call>{\"name\": ", "{\"name\": \"x\", \"arguments\": {\"a\": NaN}}", "",
               "x" * 40000]


def actions_for(env: Any, rng: random.Random, p_bad: float = 0.3) -> str:
    """The expert's next action, or (with probability ``p_bad``) a wrong or hostile one."""
    a = env.unwrapped.expert_action()
    if a is None or rng.random() < p_bad:
        return rng.choice(BAD_ACTIONS)
    return a
