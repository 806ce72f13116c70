"""Types every language shares: statuses, the Execution result, limits, diagnostics and the Language interface."""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from esolangs.knowledge import Knowledge
from esolangs.validation import is_int

OK = "ok"
SYNTAX_ERROR = "syntax_error"
STEP_LIMIT = "step_limit"
OUTPUT_LIMIT = "output_limit"
MEMORY_LIMIT = "memory_limit"
RUNTIME_ERROR = "runtime_error"
STATUSES = (OK, SYNTAX_ERROR, STEP_LIMIT, OUTPUT_LIMIT, MEMORY_LIMIT, RUNTIME_ERROR)

ENGINES = ("fast", "reference")
ACTION_ORDERS = ("canonical", "seeded")
"""How a token env orders a language's tokens among its actions: the alphabet's order, or `Language.seeded_order()`."""
ORDER_DOMAIN = 0x52454F52
"""First SeedSequence entropy word of every seeded action order ("REOR"); changing it changes every order: don't."""


@dataclass(frozen=True)
class Execution:
    """The result of running one program on one input.

    `steps` counts original instructions executed (Befunge: cells the IP
    visits), identically for every engine. `output` holds what was written
    before the run stopped, also when it stopped on a limit or an error.
    """

    status: str
    output: bytes
    steps: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == OK

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; output as latin-1 text so every byte round-trips."""
        return {
            "status": self.status,
            "output": self.output.decode("latin-1"),
            "steps": self.steps,
            "error": self.error,
        }


@dataclass(frozen=True)
class Limits:
    """Resource bounds for one run. Every run stops within them."""

    max_steps: int = 1_000_000
    """Instructions executed before the run ends with step_limit."""
    max_output: int = 65_536
    """Output bytes allowed; writing one more ends the run with output_limit."""
    max_memory: int = 1_000_000
    """Tape cells (BF tape_size is separate), stack entries or heap cells before memory_limit."""
    max_source: int = 4 * 1024 * 1024
    """Source characters accepted; longer source is a syntax_error."""

    def __post_init__(self) -> None:
        self.validate()  # frozen: valid from construction on, so runs need not check again

    def validate(self) -> Limits:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not is_int(value):
                raise TypeError(f"Limits.{f.name} must be an int, got {type(value).__name__} {value!r}")
            if value < 0:
                raise ValueError(f"Limits.{f.name} must be >= 0, got {value}")
        return self


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Diagnostic:
    """One problem found by `validate`, with a 1-based line and column and a 0-based offset."""

    message: str
    line: int
    column: int
    offset: int
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.severity}: {self.message}"


def position(source: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a 0-based offset into source."""
    line = source.count("\n", 0, offset) + 1
    last_newline = source.rfind("\n", 0, offset)
    return line, offset - last_newline


def diagnostic_at(source: str, offset: int, message: str, severity: str = "error") -> Diagnostic:
    line, column = position(source, offset)
    return Diagnostic(message=message, line=line, column=column, offset=offset, severity=severity)


def as_source(source: str | bytes | bytearray) -> str:
    """Program text as str; bytes are read as latin-1 so any byte string is a valid program text."""
    if isinstance(source, str):
        return source
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source).decode("latin-1")
    raise TypeError(f"source must be str or bytes, got {type(source).__name__}")


def as_stdin(stdin: bytes | bytearray | str | None) -> bytes:
    """Input as bytes; str is encoded as UTF-8."""
    if stdin is None:
        return b""
    if isinstance(stdin, (bytes, bytearray, memoryview)):
        return bytes(stdin)
    if isinstance(stdin, str):
        return stdin.encode("utf-8")
    raise TypeError(f"stdin must be bytes or str, got {type(stdin).__name__}")


def seeded_permutation(key: Sequence[int], size: int) -> tuple[int, ...]:
    """A permutation of range(size) determined by `key` alone, the same in every release and on every platform.

    Words come from numpy's `SeedSequence([ORDER_DOMAIN, *key, attempt])`
    (a fixed hash, unlike the Generator's distributions, which numpy may
    change); a Fisher-Yates shuffle consumes them with rejection sampling.
    An attempt is kept when it moves at least three quarters of the
    positions (never the identity, for size >= 2); otherwise the next
    attempt is drawn.
    """
    import numpy as np

    if size < 2:
        return tuple(range(size))
    least_moved = -(-3 * size // 4)
    for attempt in range(1000):
        words = iter(int(w) for w in np.random.SeedSequence([ORDER_DOMAIN, *key, attempt]).generate_state(8 * size))
        order = list(range(size))
        try:
            for top in range(size - 1, 0, -1):
                bound = top + 1
                ceiling = (2**32 // bound) * bound
                word = next(words)
                while word >= ceiling:
                    word = next(words)
                pick = word % bound
                order[top], order[pick] = order[pick], order[top]
        except StopIteration:
            continue  # ran out of words (odds below 2**-100): the next attempt decides
        if sum(index != position for position, index in enumerate(order)) >= least_moved:
            return tuple(order)
    raise RuntimeError(f"no permutation of {size} moving {least_moved} positions found for key {tuple(key)!r}")


class Language(ABC):
    """A language: its name, documentation, command alphabet, validator and engines.

    Subclasses set the class attributes and implement `validate` and
    `_run_reference`; a language with a fast path overrides `_run_fast`.
    `options` is a frozen dataclass of semantic options (e.g. Brainfuck cell
    modulus); `Language.configure(**kw)` returns a copy with other options.
    """

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    title: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    file_extension: ClassVar[str] = ".txt"
    options_class: ClassVar[type | None] = None
    sample: ClassVar[tuple[str, bytes, bytes] | None] = None
    """(source, stdin, expected output) of a short demo program, e.g. hello world."""
    default_action_order: ClassVar[str] = "canonical"
    """The token envs' default order of this language's tokens among their actions (one of ACTION_ORDERS)."""

    def __init__(self, options: Any = None):
        if options is None and self.options_class is not None:
            options = self.options_class()
        if options is not None and hasattr(options, "validate"):
            options.validate()
        self.options = options

    # ---- data read by prompts, the agent's knowledge store and action spaces
    @property
    @abstractmethod
    def doc(self) -> str:
        """One page of markdown: commands and semantics."""

    @property
    @abstractmethod
    def alphabet(self) -> tuple[str, ...]:
        """Ordered command tokens; concatenating tokens gives program text."""

    @property
    def knowledge(self) -> tuple[Knowledge, ...]:
        """One `esolangs.knowledge.Knowledge(symbol, effect, meaning)` per alphabet token, in alphabet order.

        Stable: the effect ids come from the append-only `esolangs.knowledge.EFFECTS`
        and the meanings from the language's doc. Built once per instance.
        """
        cached = self.__dict__.get("_knowledge")
        if cached is None:
            cached = self._build_knowledge()
            if tuple(k.symbol for k in cached) != tuple(self.alphabet):
                raise ValueError(
                    f"{self.name}: knowledge symbols {[k.symbol for k in cached]} != alphabet {list(self.alphabet)}"
                )
            self.__dict__["_knowledge"] = cached
        return cached

    def _build_knowledge(self) -> tuple[Knowledge, ...]:
        raise NotImplementedError(f"language {self.name!r} describes no knowledge for its tokens")

    @property
    def base_name(self) -> str:
        """The registered language this one is: its name, or for an option variant (`bf+eof=unchanged`, see
        esolangs.registry) the name before the first `+`. Same tokens, order and solutions' syntax as that one."""
        return self.name.split("+", 1)[0]

    def action_order_key(self) -> tuple[int, ...]:
        """The key of `seeded_order`: by default the base name (as one integer); a dialect uses its seed."""
        return (1, int.from_bytes(self.base_name.encode("utf-8"), "big"))

    def seeded_order(self) -> tuple[int, ...]:
        """Alphabet indices in the order token envs offer them with action_order="seeded": a fixed permutation
        drawn from `action_order_key()` that moves at least 3/4 of the tokens (`seeded_permutation`)."""
        return seeded_permutation(self.action_order_key(), len(self.alphabet))

    def token_separator(self) -> str:
        """Text placed between tokens when joining them (a space for word languages like Ook!)."""
        return ""

    def join_tokens(self, tokens: list[str] | tuple[str, ...]) -> str:
        return self.token_separator().join(tokens)

    # ---- behaviour
    @abstractmethod
    def validate(self, source: str | bytes) -> list[Diagnostic]:
        """Problems that make the program a syntax_error (empty list: it will run)."""

    @abstractmethod
    def _run_reference(self, source: str, stdin: bytes, limits: Limits, seed: int) -> Execution:
        """The plain interpreter: ground truth for every fast path."""

    def _run_fast(self, source: str, stdin: bytes, limits: Limits, seed: int) -> Execution:
        return self._run_reference(source, stdin, limits, seed)

    def run(
        self,
        source: str | bytes,
        stdin: bytes | str = b"",
        *,
        limits: Limits | None = None,
        seed: int = 0,
        engine: str = "fast",
    ) -> Execution:
        # Checks ordered so the common call (str source, bytes stdin, int seed) pays for a few type tests only:
        # RL verifiers run many tiny programs.
        if limits is None:
            limits = DEFAULT_LIMITS
        elif type(limits) is not Limits:
            if not isinstance(limits, Limits):
                raise TypeError(f"limits must be an esolangs.Limits, got {type(limits).__name__}")
            limits = limits.validate()
        if type(seed) is not int and not is_int(seed):  # the exact-type test first: it is the cheap, common case
            raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
        text = source if type(source) is str else as_source(source)
        data = stdin if type(stdin) is bytes else as_stdin(stdin)
        if len(text) > limits.max_source:
            return Execution(
                SYNTAX_ERROR, b"", 0, f"source is {len(text)} characters; the limit is {limits.max_source}"
            )
        if engine == "reference":
            return self._run_reference(text, data, limits, seed)
        return self._run_fast(text, data, limits, seed)

    def configure(self, **options: Any) -> Language:
        """A copy of this language with some semantic options changed (validated)."""
        if not options:
            return self
        if self.options_class is None:
            raise TypeError(f"language {self.name!r} takes no options, got {sorted(options)}")
        allowed = {f.name for f in dataclasses.fields(self.options_class)}
        unknown = sorted(set(options) - allowed)
        if unknown:
            raise TypeError(f"unknown option(s) {unknown} for language {self.name!r}; allowed: {sorted(allowed)}")
        return type(self)(dataclasses.replace(self.options, **options))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, options={self.options!r})"
