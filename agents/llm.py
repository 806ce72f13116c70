"""The OpenAI-compatible chat-completions client: the benchmark's Model interface over any /chat/completions endpoint.

The interface itself (ModelRequest, ModelResponse, the Model protocol,
EndpointError) and the oracle and random baselines live in
`reasonenv.bench.models`, which the runner consumes; this module implements
it and only the command line imports it.

Failures are sorted by what asking again can fix:
- retried with backoff: 408, 409, 425, 429, 5xx, timeouts, dropped
  connections, malformed or empty answers;
- fatal for the whole run (`ModelResponse.fatal`): a refused connection, 401,
  403, 404; they mean a wrong URL, key or model name, not a bad answer;
- any other 4xx fails that request only (e.g. a prompt over the context).
`check()` asks the endpoint once before the run (GET /models, or a one-token
completion where /models is missing) and raises EndpointError on a fatal
answer, so a dead server is reported in seconds, not scored as a model.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from dataclasses import dataclass
from typing import Any

from esolangs.validation import check_int_field, check_number_field
from reasonenv.bench.models import BASELINES, EndpointError, Model, ModelRequest, ModelResponse, make_baseline

RETRYABLE_STATUS = frozenset({408, 409, 425, 429}) | frozenset(range(500, 600))
FATAL_STATUS = frozenset({401, 403, 404})
"""Statuses that mean the run is misconfigured (key, URL or model name): no request will succeed."""
CHECK_TIMEOUT_S = 10.0
"""Per-try timeout of the endpoint check's GET /models (a completion keeps the configured timeout)."""
_FATAL_HINTS = {
    401: "the endpoint rejected the API key; check --api-key-env and that variable",
    403: "the API key may not use this endpoint or model",
    404: "no such route or model; --base-url usually ends in /v1, and --model must be a name the server serves",
}


# ---------------------------------------------------------------- OpenAI-compatible endpoint


@dataclass(frozen=True)
class ChatConfig:
    """Settings of the chat-completions client."""

    model: str
    """Model name sent in each request."""
    base_url: str
    """Endpoint root, e.g. http://127.0.0.1:8000/v1."""
    api_key: str = "unused"
    """Bearer token; local servers usually ignore it."""
    concurrency: int = 16
    """Requests in flight at most."""
    timeout_s: float = 120.0
    """Per-request timeout; a timed-out request is retried."""
    max_retries: int = 6
    """Retries after the first try for 429, 5xx, timeouts, connection errors, malformed or empty answers."""
    backoff_base_s: float = 0.5
    """First backoff; doubles on each retry (full jitter: a uniform draw in [0, backoff])."""
    backoff_max_s: float = 30.0
    """Cap on one backoff and on an honoured Retry-After."""
    temperature: float = 0.0
    """Sampling temperature."""
    max_tokens: int = 2048
    """Completion tokens at most."""

    def validate(self) -> ChatConfig:
        if not self.model:
            raise ValueError("ChatConfig.model must be a non-empty model name, got ''")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"ChatConfig.base_url must start with http:// or https://, got {self.base_url!r}")
        ranges: dict[str, tuple[Any, Any]] = {
            "concurrency": (1, 4096),
            "timeout_s": (0.01, 3600),
            "max_retries": (0, 100),
            "backoff_base_s": (0, 600),
            "backoff_max_s": (0, 3600),
            "temperature": (0, 2),
            "max_tokens": (1, 1_000_000),
        }
        for name, (low, high) in ranges.items():
            check = check_int_field if name in ("concurrency", "max_retries", "max_tokens") else check_number_field
            check(self, name, low, high)
        return self


class _RetryableFault(Exception):
    """A failed try that asking again may fix (429, 5xx, timeout, dropped connection, malformed answer)."""

    def __init__(self, label: str, retry_after: float | None = None, status: int | None = None):
        super().__init__(label)
        self.label = label
        self.retry_after = retry_after
        self.status = status


class _RejectedRequest(Exception):
    """A response no retry of this request will fix (e.g. 400 for a prompt over the context): that attempt's error."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class _FatalFault(_RejectedRequest):
    """No request to this endpoint can succeed (refused connection, 401, 403, 404): the run must stop."""


def _cannot_connect(err: BaseException) -> bool:
    """True when the error chain holds a failed TCP connect (refused, unreachable, unknown host), not a dropped one."""
    seen = 0
    current: BaseException | None = err
    while current is not None and seen < 8:
        if isinstance(current, ConnectionRefusedError) or type(current).__name__ == "ConnectError":
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class OpenAIChatModel:
    """Any OpenAI-compatible /chat/completions endpoint, with our own retries (the client's are disabled)."""

    def __init__(self, config: ChatConfig, *, rng: random.Random | None = None):
        from openai import AsyncOpenAI

        self.config = config.validate()
        self.name = config.model
        self.in_flight = 0
        self._client = AsyncOpenAI(
            base_url=config.base_url, api_key=config.api_key or "unused", max_retries=0, timeout=config.timeout_s
        )
        self._slots = asyncio.Semaphore(config.concurrency)
        self._fatal: str | None = None
        self._rng = rng or random.Random()

    def available(self, instance: Any, language: str) -> bool:
        return True

    def backoff(self, retry: int, retry_after: float | None) -> float:
        """Seconds before retry number `retry` (0-based): Retry-After when given, else full-jitter exponential."""
        cap = self.config.backoff_max_s
        if retry_after is not None:
            return min(retry_after, cap)
        return self._rng.uniform(0, min(cap, self.config.backoff_base_s * (2**retry)))

    async def respond(self, request: ModelRequest) -> ModelResponse:
        faults: list[str] = []
        started = time.monotonic()
        for retry in range(self.config.max_retries + 1):
            try:
                async with self._slots:
                    if self._fatal is not None:  # an earlier answer showed no request can succeed: send none
                        raise _FatalFault(self._fatal)
                    self.in_flight += 1
                    try:
                        text, usage, finish = await self._complete(request.messages)
                    finally:
                        self.in_flight -= 1
                return ModelResponse(
                    text=text,
                    latency_s=time.monotonic() - started,
                    prompt_tokens=usage.get("prompt_tokens"),
                    completion_tokens=usage.get("completion_tokens"),
                    retries=retry,
                    finish_reason=finish,
                    faults=faults,
                )
            except _RetryableFault as fault:
                faults.append(fault.label)
                if retry == self.config.max_retries:
                    break
                await asyncio.sleep(self.backoff(retry, fault.retry_after))
            except _RejectedRequest as fault:
                if isinstance(fault, _FatalFault):
                    self._fatal = str(fault)
                return ModelResponse(
                    text="",
                    latency_s=time.monotonic() - started,
                    retries=retry,
                    error=str(fault),
                    faults=faults,
                    fatal=isinstance(fault, _FatalFault),
                )
        return ModelResponse(
            text="",
            latency_s=time.monotonic() - started,
            retries=self.config.max_retries,
            error=f"gave up after {self.config.max_retries + 1} tries: {', '.join(faults)}",
            faults=faults,
        )

    async def check(self) -> None:
        """Ask the endpoint once before the run; raise EndpointError when no request can succeed.

        GET /models first (cheap, needs no model time); a server without that route (404, 405, 501) is asked
        for a one-token completion instead, which also proves the model name. 429 and 5xx are retried with
        the same backoff as answers; if they persist, the run would only record failures, so that is fatal too.
        """
        for retry in range(self.config.max_retries + 1):
            try:
                try:
                    await self._request("get", "/models")
                except (_RejectedRequest, _RetryableFault) as missing:
                    if missing.status not in (404, 405, 501):  # the server has no /models route
                        raise
                    probe = [{"role": "user", "content": "Reply with OK."}]
                    await self._request("post", "/chat/completions", self._payload(probe, max_tokens=1))
                return
            except _FatalFault as fault:
                raise EndpointError(str(fault)) from fault
            except _RejectedRequest as rejected:
                raise EndpointError(
                    f"{self.config.base_url} rejected a one-token test request: {rejected}"
                ) from rejected
            except _RetryableFault as fault:
                if retry == self.config.max_retries:
                    raise EndpointError(
                        f"{self.config.base_url} did not answer after {retry + 1} tries (last: {fault.label})"
                    ) from fault
                await asyncio.sleep(self.backoff(retry, fault.retry_after))

    def _payload(self, messages: list[dict[str, str]], max_tokens: int | None = None) -> dict[str, Any]:
        return {
            "model": self.config.model,
            "messages": messages,
            "temperature": self.config.temperature,
            "max_tokens": max_tokens or self.config.max_tokens,
        }

    async def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> bytes:
        """One HTTP request through the client; failures become _RetryableFault, _RejectedRequest or _FatalFault."""
        import openai

        try:
            # A raw request through the client (the openai README's way to reach any endpoint) keeps its auth,
            # timeouts and error types but skips its per-field request transform and response models, which
            # cost more CPU than the rest of the harness; cast_to=bytes returns the body undecoded.
            if method == "get":
                # a listing answers at once on a live server: a hung one is found in seconds, not minutes
                timeout = min(self.config.timeout_s, CHECK_TIMEOUT_S)
                return await self._client.get(path, cast_to=bytes, options={"timeout": timeout})
            return await self._client.post(path, body=body, cast_to=bytes)
        except openai.APITimeoutError as err:
            raise _RetryableFault("timeout") from err
        except openai.APIConnectionError as err:
            if _cannot_connect(err):
                raise _FatalFault(
                    f"cannot connect to {self.config.base_url}: {err.__cause__ or err} "
                    "(is the server running, and is --base-url right?)"
                ) from err
            raise _RetryableFault(f"connection error: {err}") from err
        except openai.APIStatusError as err:
            status = err.status_code
            if status in RETRYABLE_STATUS:
                raise _RetryableFault(
                    f"HTTP {status}", parse_retry_after(err.response.headers.get("retry-after")), status
                ) from err
            if status in FATAL_STATUS:
                raise _FatalFault(
                    f"HTTP {status} from {self.config.base_url}{path}: {err.message} ({_FATAL_HINTS[status]})", status
                ) from err
            raise _RejectedRequest(f"HTTP {status}: {err.message}", status) from err
        except (json.JSONDecodeError, openai.APIResponseValidationError) as err:
            raise _RetryableFault("malformed JSON") from err

    async def _complete(self, messages: list[dict[str, str]]) -> tuple[str, dict[str, int], str | None]:
        raw = await self._request("post", "/chat/completions", self._payload(messages))
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise _RetryableFault("malformed JSON") from err
        if not isinstance(body, dict):
            raise _RetryableFault("malformed JSON")
        choices = body.get("choices")
        if not choices or not isinstance(choices, list):
            raise _RetryableFault("empty choices")
        first = choices[0] if isinstance(choices[0], dict) else {}
        message = first.get("message") or {}
        text = message.get("content")
        if not isinstance(text, str):
            text = ""
        usage = body.get("usage")
        if not isinstance(usage, dict):
            usage = {}
        return text, {k: v for k, v in usage.items() if isinstance(v, int)}, first.get("finish_reason")

    async def aclose(self) -> None:
        await self._client.close()


def make_model(name: str, base_url: str | None = None, **chat: Any) -> Model:
    """`oracle` / `random` baselines by name; any other name is a model served at `base_url`."""
    if name in BASELINES:
        return make_baseline(name)
    if not base_url:
        raise ValueError(
            f"model {name!r} needs --base-url (an OpenAI-compatible endpoint such as http://127.0.0.1:8000/v1); "
            f"the built-in baselines {sorted(BASELINES)} need none"
        )
    return OpenAIChatModel(ChatConfig(model=name, base_url=base_url, **chat))
