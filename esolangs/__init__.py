"""esolangs: parse, validate and run esoteric-language programs under exact, deterministic limits.

    >>> import esolangs
    >>> esolangs.run("bf", "++++++++[>++++++++<-]>+.").output
    b'A'

Knows nothing of tasks, gym, torch or ray.
"""

from __future__ import annotations

from typing import Any

from esolangs.base import (
    DEFAULT_LIMITS,
    ENGINES,
    MEMORY_LIMIT,
    OK,
    OUTPUT_LIMIT,
    RUNTIME_ERROR,
    STATUSES,
    STEP_LIMIT,
    SYNTAX_ERROR,
    Diagnostic,
    Execution,
    Language,
    Limits,
)
from esolangs.registry import families, get, names, register, register_pattern

__all__ = [
    "ENGINES",
    "MEMORY_LIMIT",
    "OK",
    "OUTPUT_LIMIT",
    "RUNTIME_ERROR",
    "STATUSES",
    "STEP_LIMIT",
    "SYNTAX_ERROR",
    "Diagnostic",
    "Execution",
    "Language",
    "Limits",
    "families",
    "get",
    "names",
    "register",
    "register_pattern",
    "run",
    "validate",
]


def run(
    name: str,
    source: str | bytes,
    stdin: bytes | str = b"",
    *,
    max_steps: int = DEFAULT_LIMITS.max_steps,
    max_output: int = DEFAULT_LIMITS.max_output,
    max_memory: int = DEFAULT_LIMITS.max_memory,
    max_source: int = DEFAULT_LIMITS.max_source,
    seed: int = 0,
    engine: str = "fast",
    **options: Any,
) -> Execution:
    """Run `source` in language `name` on `stdin` and return an Execution.

    Any source text yields an Execution; only misuse of the API (negative
    limits, wrong types, unknown options) raises. `options` are the
    language's semantic options, e.g. `cell_modulus=27` for Brainfuck.
    """
    language = get(name).configure(**options)
    limits = Limits(max_steps=max_steps, max_output=max_output, max_memory=max_memory, max_source=max_source)
    return language.run(source, stdin, limits=limits, seed=seed, engine=engine)


def validate(name: str, source: str | bytes, **options: Any) -> list[Diagnostic]:
    """Diagnostics (with positions) that would make `source` a syntax_error."""
    return get(name).configure(**options).validate(source)
