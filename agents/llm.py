"""Models that answer benchmark tasks: an OpenAI-compatible chat client and the oracle and random baselines.

The interface is deliberately small so that any solver (an LLM, a trained RL
agent, a search procedure) can sit in the same results table:

    class Model:
        name: str
        in_flight: int                       # requests now outstanding (for progress displays)
        def available(instance, language) -> bool        # may this model be asked? (oracle: has a reference)
        async def respond(request: ModelRequest) -> ModelResponse
        async def aclose() -> None

A request carries both the chat messages and the task itself (instance,
language, sample, attempt); a text model reads the messages, a program
synthesizer reads the instance. A response is answer text from which the
benchmark extracts the program by its documented rule; an adapter that
produces a bare program wraps it with `reasonenv.bench.prompts.render_answer`.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

RETRYABLE_STATUS = frozenset({408, 409, 425, 429}) | frozenset(range(500, 600))


@dataclass(frozen=True)
class ModelRequest:
    """One turn of one conversation: the chat so far and the task it is about."""

    messages: list[dict[str, str]]
    instance: Any
    language: str
    sample: int = 0
    attempt: int = 0


@dataclass(frozen=True)
class ModelResponse:
    """The answer text, or an error after the retries ran out; token usage where the server reported it."""

    text: str
    latency_s: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    retries: int = 0
    error: str | None = None
    finish_reason: str | None = None
    faults: list[str] = field(default_factory=list)
    """One entry per failed try that was retried (e.g. 'HTTP 429', 'timeout'), in order."""


class Model(Protocol):
    name: str
    in_flight: int

    def available(self, instance: Any, language: str) -> bool: ...

    async def respond(self, request: ModelRequest) -> ModelResponse: ...

    async def aclose(self) -> None: ...


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

    def validate(self) -> "ChatConfig":
        if not self.model:
            raise ValueError("ChatConfig.model must be a non-empty model name, got ''")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"ChatConfig.base_url must start with http:// or https://, got {self.base_url!r}")
        ranges = {
            "concurrency": (1, 4096), "timeout_s": (0.01, 3600), "max_retries": (0, 100),
            "backoff_base_s": (0, 600), "backoff_max_s": (0, 3600), "temperature": (0, 2), "max_tokens": (1, 1_000_000),
        }
        for name, (low, high) in ranges.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise ValueError(f"ChatConfig.{name} must be in [{low}, {high}], got {value!r}")
        return self


class _RetryableFault(Exception):
    def __init__(self, label: str, retry_after: float | None = None):
        super().__init__(label)
        self.label = label
        self.retry_after = retry_after


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
            except _FatalFault as fault:
                return ModelResponse(
                    text="", latency_s=time.monotonic() - started, retries=retry, error=str(fault), faults=faults
                )
        return ModelResponse(
            text="",
            latency_s=time.monotonic() - started,
            retries=self.config.max_retries,
            error=f"gave up after {self.config.max_retries + 1} tries: {', '.join(faults)}",
            faults=faults,
        )

    async def _complete(self, messages: list[dict[str, str]]) -> tuple[str, dict[str, int], str | None]:
        import openai

        payload = {"model": self.config.model, "messages": messages, "temperature": self.config.temperature,
                   "max_tokens": self.config.max_tokens}
        try:
            # A raw POST through the client (the openai README's way to reach any endpoint) keeps its auth,
            # timeouts and error types but skips its per-field request transform and response models, which
            # cost more CPU than the rest of the harness; cast_to=bytes returns the body undecoded.
            raw = await self._client.post("/chat/completions", body=payload, cast_to=bytes)
        except openai.APITimeoutError as err:
            raise _RetryableFault("timeout") from err
        except openai.APIConnectionError as err:
            raise _RetryableFault(f"connection error: {err}") from err
        except openai.APIStatusError as err:
            status = err.status_code
            if status in RETRYABLE_STATUS:
                raise _RetryableFault(f"HTTP {status}", parse_retry_after(err.response.headers.get("retry-after"))) from err
            raise _FatalFault(f"HTTP {status}: {err.message}") from err
        except (json.JSONDecodeError, openai.APIResponseValidationError) as err:
            raise _RetryableFault("malformed JSON") from err
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
        usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
        return text, {k: v for k, v in usage.items() if isinstance(v, int)}, first.get("finish_reason")

    async def aclose(self) -> None:
        await self._client.close()


class _FatalFault(Exception):
    """A response no retry will fix (e.g. 401, 404): recorded as the attempt's error."""


# ---------------------------------------------------------------- baselines


def task_for(instance: Any):
    """The family object that generated `instance`, rebuilt from the config fields its config class accepts.

    Some families record extra derived values in `instance.config` (e.g. a print target); those are not
    config fields and are left out.
    """
    import dataclasses

    from curricula.base import family_class, make_task

    accepted = {f.name for f in dataclasses.fields(family_class(instance.family).config_class)}
    return make_task(instance.family, **{k: v for k, v in instance.config.items() if k in accepted})


class OracleModel:
    """Answers with the family's reference solution, through the same extraction rule as any model."""

    name = "oracle"
    in_flight = 0

    def __init__(self) -> None:
        self._tasks: dict[tuple[str, str], Any] = {}
        self._programs: dict[tuple[str, str], str | None] = {}

    def reference(self, instance: Any, language: str) -> str | None:
        key = (instance.fingerprint(), language)
        if key not in self._programs:
            task_key = (instance.family, json.dumps(instance.config, sort_keys=True, default=str))
            if task_key not in self._tasks:
                self._tasks[task_key] = task_for(instance)
            self._programs[key] = self._tasks[task_key].reference_solution(instance, language)
        return self._programs[key]

    def available(self, instance: Any, language: str) -> bool:
        return self.reference(instance, language) is not None

    async def respond(self, request: ModelRequest) -> ModelResponse:
        from reasonenv.bench.prompts import language_info, render_answer

        program = self.reference(request.instance, request.language)
        if program is None:
            return ModelResponse(text="", error=f"no reference solution for {request.instance.family} in {request.language}")
        return ModelResponse(text=render_answer(program, language_info(request.language)))

    async def aclose(self) -> None:
        return None


class RandomModel:
    """Answers with a random program: 1-64 random commands of the language (Python: prints a random example output).

    Seeded by (instance, language, sample, attempt), so a rerun gives the same answers.
    """

    name = "random"
    in_flight = 0

    def available(self, instance: Any, language: str) -> bool:
        return True

    async def respond(self, request: ModelRequest) -> ModelResponse:
        from reasonenv.bench.prompts import language_info, render_answer

        key = f"{request.instance.id}|{request.language}|{request.sample}|{request.attempt}".encode()
        rng = random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))
        if request.language == "python":
            outputs = [case.output for case in request.instance.examples] or [b""]
            program = f"import sys\nsys.stdout.buffer.write({rng.choice(outputs)!r})\n"
        else:
            import esolangs

            language = esolangs.get(request.language)
            tokens = [rng.choice(language.alphabet) for _ in range(rng.randint(1, 64))]
            program = language.join_tokens(tokens)
        return ModelResponse(text=render_answer(program, language_info(request.language)))

    async def aclose(self) -> None:
        return None


BASELINES = {"oracle": OracleModel, "random": RandomModel}


def make_model(name: str, base_url: str | None = None, **chat: Any) -> Model:
    """`oracle` / `random` baselines by name; any other name is a model served at `base_url`."""
    if name in BASELINES:
        return BASELINES[name]()
    if not base_url:
        raise ValueError(
            f"model {name!r} needs --base-url (an OpenAI-compatible endpoint such as http://127.0.0.1:8000/v1); "
            f"the built-in baselines {sorted(BASELINES)} need none"
        )
    return OpenAIChatModel(ChatConfig(model=name, base_url=base_url, **chat))
