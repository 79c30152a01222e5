"""`ChatAPIAgent`: an OpenAI-compatible chat-completions endpoint as a ToolUse-v0 agent.

Works with vLLM, llama.cpp server, TGI, SGLang, Ollama's ``/v1`` and hosted APIs. The observation's
tools are sent in the native ``tools`` field, its messages as chat messages (assistant
``tool_calls`` with JSON-string ``arguments``; tool results as ``tool`` messages with
``tool_call_id``). The reply's ``tool_calls`` become Hermes ``<tool_call>`` blocks (the env's action
format); a reply without calls is the text answer.

Standard library only (``urllib``). Retries with exponential backoff (honouring ``Retry-After``) on
429, 408, 5xx, timeouts and connection errors; 401/403/404 and other client errors raise
:class:`ChatAPIError` at once with a clear message. The API key is read from an environment
variable at request time (``OPENAI_API_KEY`` by default); it is never stored on the agent, logged,
or included in an exception (server error text is scrubbed of it).
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

from agents.base import Agent

__all__ = ["ChatAPIAgent", "ChatAPIError", "to_api_messages", "response_to_action"]

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})


class ChatAPIError(RuntimeError):
    """An HTTP or protocol failure. ``status`` is the HTTP status (None for network errors)."""

    def __init__(self, message: str, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


# ------------------------------------------------------------------------------ conversion


def _wrap_tool(tool: dict[str, Any]) -> dict[str, Any]:
    if tool.get("type") == "function" and isinstance(tool.get("function"), dict):
        f = tool["function"]
    else:
        f = tool
    out = {"name": f.get("name", ""), "description": f.get("description", "")}
    out["parameters"] = f.get("parameters") or {"type": "object", "properties": {}}
    return {"type": "function", "function": out}


def to_api_messages(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Observation messages -> chat-completions messages (arguments as JSON strings, tool
    results as ``tool`` messages with ``tool_call_id``; calls without ids get ``call_<n>``)."""
    out: list[dict[str, Any]] = []
    pending: list[str] = []  # ids of calls not yet answered, for tool messages without an id
    n = 0
    for m in messages:
        role = m.get("role")
        if role == "assistant":
            msg: dict[str, Any] = {"role": "assistant"}
            calls = []
            for tc in m.get("tool_calls") or []:
                f = tc.get("function", tc)
                args = f.get("arguments", {})
                if not isinstance(args, str):
                    args = json.dumps(args, ensure_ascii=False)
                cid = tc.get("id") or f"call_{n}"
                n += 1
                calls.append({"id": cid, "type": "function", "function": {"name": f.get("name", ""), "arguments": args}})
                pending.append(cid)
            content = m.get("content")
            if calls:
                msg["content"] = content or None
                msg["tool_calls"] = calls
            else:
                msg["content"] = content or ""
            out.append(msg)
        elif role == "tool":
            cid = m.get("tool_call_id") or (pending[0] if pending else f"call_{n}")
            if cid in pending:
                pending.remove(cid)
            content = m.get("content", "")
            if not isinstance(content, str):
                content = json.dumps(content, ensure_ascii=False)
            out.append({"role": "tool", "tool_call_id": cid, "content": content})
        else:
            out.append({"role": role, "content": m.get("content") or ""})
    return out


def response_to_action(message: dict[str, Any], call_format: str = "hermes") -> str:
    """An assistant message from the API -> action text. Calls become ``<tool_call>`` blocks
    (or JSON / Python calls); arguments that are not valid JSON are kept verbatim, so the env
    reports the model's mistake instead of this agent hiding it."""
    from toolenv.parse import render_calls

    content = message.get("content")
    if isinstance(content, list):  # content parts
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    content = (content or "").strip()
    raw_calls = list(message.get("tool_calls") or [])
    if not raw_calls and isinstance(message.get("function_call"), dict):  # legacy field
        raw_calls = [{"function": message["function_call"]}]
    if not raw_calls:
        return content
    parsed: list[dict[str, Any]] = []
    broken: list[str] = []
    for tc in raw_calls:
        f = tc.get("function", tc) if isinstance(tc, dict) else {}
        name = f.get("name", "")
        args = f.get("arguments", {})
        if isinstance(args, str):
            try:
                args = json.loads(args) if args.strip() else {}
            except ValueError:
                broken.append('<tool_call>\n{"name": ' + json.dumps(name) + ', "arguments": ' + args + "}\n</tool_call>")
                continue
        parsed.append({"name": name, "arguments": args})
    text = render_calls(parsed, call_format) if parsed else ""
    if broken:
        text = "\n".join([x for x in [text] if x] + broken)
    if call_format != "hermes":  # only Hermes blocks can share the message with text
        return text
    return (content + "\n" + text) if content else text


# ------------------------------------------------------------------------------ agent


class ChatAPIAgent(Agent):
    """An OpenAI-compatible chat-completions endpoint as an agent.

    Args:
        model: model name sent to the server.
        base_url: e.g. ``http://127.0.0.1:8000/v1`` (``/chat/completions`` is appended).
        api_key_env: name of the environment variable holding the key; unset or empty = no
            ``Authorization`` header (local servers).
        timeout: seconds per request. max_retries: retries after the first attempt.
        backoff, max_backoff: delays ``backoff * 2**attempt`` (+ up to 25% jitter), capped; a
            ``Retry-After`` header (seconds) is honoured up to ``max_backoff``.
        temperature, top_p, max_tokens, seed, tool_choice, parallel_tool_calls: request fields
            (None = not sent). extra_body: more fields merged into the request.
        call_format: how returned calls are written as actions (``hermes``, ``json``, ``python``).
        max_concurrency: parallel requests in ``act_batch``.
    """

    name = "chat_api"

    def __init__(
        self,
        model: str,
        base_url: str = "https://api.openai.com/v1",
        *,
        api_key_env: str = "OPENAI_API_KEY",
        timeout: float = 60.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        temperature: float | None = None,
        top_p: float | None = None,
        max_tokens: int | None = None,
        seed: int | None = None,
        tool_choice: Any = None,
        parallel_tool_calls: bool | None = None,
        extra_body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        call_format: str = "hermes",
        max_concurrency: int = 8,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if call_format not in ("hermes", "json", "python"):
            raise ValueError("call_format must be hermes, json or python")
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url if self.base_url.endswith("/chat/completions") else self.base_url + "/chat/completions"
        self.api_key_env = api_key_env
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.temperature = temperature
        self.top_p = top_p
        self.max_tokens = max_tokens
        self.seed = seed
        self.tool_choice = tool_choice
        self.parallel_tool_calls = parallel_tool_calls
        self.extra_body = dict(extra_body or {})
        self.headers = dict(headers or {})
        self.call_format = call_format
        self.max_concurrency = max(1, int(max_concurrency))
        self._sleep = sleep
        self._episode_seed = seed
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0, "requests": 0, "retries": 0}

    def __repr__(self) -> str:
        return f"ChatAPIAgent(model={self.model!r}, base_url={self.base_url!r}, api_key_env={self.api_key_env!r})"

    # ------------------------------------------------------------------ Agent API
    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self._episode_seed = seed

    def act(self, observation: str, env: Any | None = None) -> str:
        from toolenv.observation import decode_observation

        messages, tools = decode_observation(observation)
        reply = self.complete(messages, tools)
        return response_to_action(reply, self.call_format)

    def act_batch(self, observations: Sequence[str], envs: Sequence[Any] | None = None) -> list[str]:
        if len(observations) <= 1 or self.max_concurrency == 1:
            return [self.act(o) for o in observations]
        with ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(observations))) as pool:
            return list(pool.map(self.act, observations))

    # ------------------------------------------------------------------ protocol
    def build_request(self, messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]] | None) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": to_api_messages(messages)}
        if tools:
            body["tools"] = [_wrap_tool(t) for t in tools]
            if self.tool_choice is not None:
                body["tool_choice"] = self.tool_choice
            if self.parallel_tool_calls is not None:
                body["parallel_tool_calls"] = self.parallel_tool_calls
        for key, val in (("temperature", self.temperature), ("top_p", self.top_p), ("max_tokens", self.max_tokens), ("seed", self._episode_seed)):
            if val is not None:
                body[key] = val
        body.update(self.extra_body)
        return body

    def complete(self, messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]] | None = None) -> dict[str, Any]:
        """POST one chat completion (with retries); returns ``choices[0].message``."""
        body = self.build_request(messages, tools)
        data = self._post(body)
        try:
            choice = data["choices"][0]
            message = choice["message"]
        except (KeyError, IndexError, TypeError):
            raise ChatAPIError(f"malformed response from {self.url}: no choices[0].message") from None
        usage = data.get("usage") or {}
        self.usage["prompt_tokens"] += int(usage.get("prompt_tokens") or 0)
        self.usage["completion_tokens"] += int(usage.get("completion_tokens") or 0)
        return message if isinstance(message, dict) else {"content": str(message)}

    def _key(self) -> str:
        return os.environ.get(self.api_key_env, "") if self.api_key_env else ""

    def _scrub(self, text: str) -> str:
        key = self._key()
        if key and len(key) >= 4:
            text = text.replace(key, "***")
        return text

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        last: ChatAPIError | None = None
        for attempt in range(self.max_retries + 1):
            retry_after: float | None = None
            try:
                return self._post_once(payload)
            except ChatAPIError as e:
                if not e.retryable:
                    raise
                last = e
                retry_after = getattr(e, "retry_after", None)
            if attempt == self.max_retries:
                break
            delay = min(self.max_backoff, self.backoff * (2**attempt))
            delay += delay * 0.25 * random.random()
            if retry_after is not None:
                delay = min(self.max_backoff, max(retry_after, 0.0))
            self.usage["retries"] += 1
            log.warning("chat API %s: %s; retry %d/%d in %.2fs", self.url, last, attempt + 1, self.max_retries, delay)
            self._sleep(delay)
        assert last is not None
        raise ChatAPIError(f"{last} (gave up after {self.max_retries + 1} attempts)", status=last.status)

    def _post_once(self, payload: bytes) -> dict[str, Any]:
        headers = {"Content-Type": "application/json", "Accept": "application/json", **self.headers}
        key = self._key()
        if key:
            headers["Authorization"] = "Bearer " + key
        req = urllib.request.Request(self.url, data=payload, headers=headers, method="POST")
        self.usage["requests"] += 1
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            raise self._http_error(e) from None
        except (socket.timeout, TimeoutError):
            raise ChatAPIError(f"request to {self.url} timed out after {self.timeout:g}s", retryable=True) from None
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise ChatAPIError(f"request to {self.url} timed out after {self.timeout:g}s", retryable=True) from None
            raise ChatAPIError(f"cannot reach {self.url}: {self._scrub(str(reason))}", retryable=True) from None
        except (ConnectionError, OSError) as e:  # reset, broken pipe, remote closed
            raise ChatAPIError(f"connection to {self.url} failed: {type(e).__name__}", retryable=True) from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError:
            raise ChatAPIError(f"response from {self.url} is not JSON: {self._scrub(raw[:200].decode('utf-8', 'replace'))!r}") from None
        if not isinstance(data, dict):
            raise ChatAPIError(f"response from {self.url} is not a JSON object")
        if "error" in data and "choices" not in data:
            raise ChatAPIError(f"{self.url} returned an error: {self._scrub(_error_text(data))}")
        return data

    def _http_error(self, e: urllib.error.HTTPError) -> ChatAPIError:
        status = int(e.code)
        try:
            text = e.read().decode("utf-8", "replace")
        except Exception:  # noqa: BLE001
            text = ""
        try:
            detail = _error_text(json.loads(text))
        except ValueError:
            detail = text[:300]
        detail = self._scrub(detail.strip())
        suffix = f": {detail}" if detail else ""
        if status == 401:
            hint = f"set ${self.api_key_env}" if not self._key() else f"check the key in ${self.api_key_env}"
            err = ChatAPIError(f"authentication failed (HTTP 401) at {self.url}; {hint}{suffix}", status)
        elif status == 403:
            err = ChatAPIError(f"permission denied (HTTP 403) at {self.url} for model {self.model!r}{suffix}", status)
        elif status == 404:
            err = ChatAPIError(
                f"not found (HTTP 404) at {self.url}: check base_url (it should end in /v1) and the model name {self.model!r}{suffix}",
                status,
            )
        elif status in RETRY_STATUSES or status >= 500:
            err = ChatAPIError(f"HTTP {status} from {self.url}{suffix}", status, retryable=True)
            ra = e.headers.get("Retry-After") if e.headers else None
            if ra:
                try:
                    err.retry_after = float(ra)  # type: ignore[attr-defined]
                except ValueError:
                    pass
        else:
            err = ChatAPIError(f"HTTP {status} from {self.url}{suffix}", status)
        return err


def _error_text(data: Any) -> str:
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, dict):
            return str(err.get("message") or err.get("type") or json.dumps(err)[:300])
        return str(err)[:300]
    return str(data)[:300]
