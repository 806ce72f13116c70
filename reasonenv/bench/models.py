"""The benchmark's model interface (request, response, protocol) and the two baselines that need no endpoint.

The interface is deliberately small so that any solver (an LLM behind an
endpoint, a trained RL agent, a search procedure) can sit in the same
results table:

    class Model:
        name: str
        in_flight: int                                   # requests now outstanding (for progress displays)
        def available(instance, language) -> bool        # may this model be asked? (oracle: has a reference)
        async def check() -> None                        # before the run: raise EndpointError if it cannot answer
        async def respond(request: ModelRequest) -> ModelResponse
        async def aclose() -> None

A request carries both the chat messages and the task itself (instance,
language, sample, attempt); a text model reads the messages, a program
synthesizer reads the instance. A response is answer text from which the
benchmark extracts the program by its documented rule; an adapter that
produces a bare program wraps it with `reasonenv.bench.prompts.render_answer`.

This module is what the benchmark runner consumes; implementations live
elsewhere (the OpenAI-compatible client in `agents.llm`) and only the command
line builds them, so `reasonenv` never imports `agents`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from dataclasses import dataclass, field
from typing import Any, Protocol

from reasonenv.bench.prompts import language_info, render_answer


class EndpointError(Exception):
    """The model cannot be asked at all (refused connection, rejected key, unknown route or model): stop the run."""


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
    fatal: bool = False
    """The error will not go away by asking again (refused connection, 401, 403, 404): the run stops at once."""


class Model(Protocol):
    name: str
    in_flight: int

    def available(self, instance: Any, language: str) -> bool: ...

    async def check(self) -> None: ...

    async def respond(self, request: ModelRequest) -> ModelResponse: ...

    async def aclose(self) -> None: ...


def task_for(instance: Any):
    """The family object that generated `instance`, rebuilt from the config fields its config class accepts.

    Some families record extra derived values in `instance.config` (e.g. a print target); those are not
    config fields and are left out.
    """
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

    async def check(self) -> None:
        return None

    async def respond(self, request: ModelRequest) -> ModelResponse:
        program = self.reference(request.instance, request.language)
        if program is None:
            return ModelResponse(
                text="", error=f"no reference solution for {request.instance.family} in {request.language}"
            )
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

    async def check(self) -> None:
        return None

    async def respond(self, request: ModelRequest) -> ModelResponse:
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


BASELINES: dict[str, type[Model]] = {"oracle": OracleModel, "random": RandomModel}


def make_baseline(name: str) -> Model:
    """The built-in baseline called `name` (oracle or random)."""
    if name not in BASELINES:
        raise ValueError(f"no baseline called {name!r}; the baselines are {sorted(BASELINES)}")
    return BASELINES[name]()
