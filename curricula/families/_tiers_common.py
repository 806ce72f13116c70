"""Shared machinery of the `tiers` suite: the declarative family base, config factory, input helpers and a Brainfuck builder.

A tiers family states its task in plain English, draws one input text with
`make_input(rng)` and computes the exact expected output with a
self-contained `solve(text) -> str`. The Python reference solution is that
very function wrapped as a stdin/stdout program, so the Python oracle and
the expected outputs can never drift apart; hand-checked spot tests in
tests/curricula/test_tiers.py guard the functions themselves.

`make_input` draws from a `random.Random` seeded by one draw from the
instance's numpy Generator: randomness still comes only from
SeedSequence([seed, index]), and a scalar draw from Python's generator
costs a fraction of numpy's per-call overhead, which keeps generating an
instance well under a millisecond.
"""

from __future__ import annotations

import dataclasses
import inspect
import random
import textwrap
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from curricula.base import Instance, TaskConfig, TaskFamily, TestCase, check_range
from curricula.solutions.bf_codegen import bf_emit

TIERS = ("easy", "medium", "hard", "extra-hard")
MAX_STEPS = 1_000_000
"""Step budget per test: generous enough for byte-by-byte esolang arithmetic."""


@dataclasses.dataclass(frozen=True)
class TiersConfig(TaskConfig):
    """Config of a tiers family without difficulty attributes: 3 visible examples, 6 hidden tests."""

    bounds: ClassVar[dict[str, tuple[int, int]]] = {}
    """Allowed (low, high) of each difficulty attribute."""

    num_examples: int = 3
    num_tests: int = 6


def int_config(
    name: str, doc: str, *, module: str, **attrs: tuple[int, tuple[int, ...], int, int]
) -> type[TiersConfig]:
    """A TiersConfig subclass whose integer fields are `field=(default, levels, low, high)`.

    `levels` are the difficulty levels (easiest first); `validate()` checks
    each field against [low, high] and names the field on failure; the
    class attribute `bounds` maps each field to its (low, high). `module`
    is the module that binds the class to the name `name` (pass
    `__name__`), so that pickle finds it by name on remote workers.
    """
    fields = [(field, int, dataclasses.field(default=spec[0])) for field, spec in attrs.items()]
    bounds = {field: (spec[2], spec[3]) for field, spec in attrs.items()}

    def validate(self: TiersConfig) -> TiersConfig:
        TiersConfig.validate(self)
        for field, (low, high) in bounds.items():
            check_range(self, field, low, high)
        return self

    namespace = {
        "difficulty": {field: spec[1] for field, spec in attrs.items()},
        "bounds": bounds,
        "validate": validate,
        "__doc__": doc,
    }
    cls = dataclasses.make_dataclass(name, fields, bases=(TiersConfig,), frozen=True, namespace=namespace)
    cls.__module__ = module
    return cls


class TiersFamily(TaskFamily):
    """Declarative base of every tiers family.

    Subclasses set `name`, `tier`, `summary`, `description` and `io_format`
    (both may use `{field}` placeholders filled from the config), optionally
    `config_class`, and write `make_input(rng)` and a static `solve(text)`.
    `solve` must be self-contained (imports inside it, no module globals):
    it becomes the Python reference program verbatim.
    """

    suite: ClassVar[str] = "tiers"
    config_class: ClassVar[type[TaskConfig]] = TiersConfig
    config: Any  # most configs are made by `int_config` at import: their fields are not visible to a type checker
    default_max_steps: ClassVar[int] = MAX_STEPS
    description: ClassVar[str]
    io_format: ClassVar[str]
    _answer_cache: ClassVar[dict[str, str]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._answer_cache = {}
        if getattr(cls, "tier", None) is not None and cls.tier not in TIERS:
            raise ValueError(f"tiers family {cls.__name__} has tier {cls.tier!r}; allowed: {list(TIERS)}")

    def make_input(self, rng: random.Random) -> str:
        """One test input text (ending with a newline unless the family takes no input)."""
        return ""

    @staticmethod
    def solve(text: str) -> str:
        raise NotImplementedError

    def answer(self, text: str) -> str:
        """The expected output for input `text`, memoised because some families repeat small inputs."""
        cache = type(self)._answer_cache
        if text not in cache:
            if len(cache) > 4096:
                cache.clear()
            cache[text] = self.solve(text)
        return cache[text]

    def _distinct_inputs(self, rng: random.Random, count: int) -> list[str]:
        """`count` inputs, distinct while the input space allows it within a bounded number of draws."""
        inputs: list[str] = []
        seen: set[str] = set()
        for _ in range(8 * count):
            text = self.make_input(rng)
            if text not in seen:
                seen.add(text)
                inputs.append(text)
                if len(inputs) == count:
                    return inputs
        while len(inputs) < count:  # small input spaces: repeats are unavoidable
            inputs.append(self.make_input(rng))
        return inputs

    def generate(self, rng: np.random.Generator, seed: int, index: int) -> Instance:
        cfg = self.config
        texts = self._distinct_inputs(python_random(rng), cfg.num_examples + cfg.num_tests)
        cases = tuple(TestCase(t.encode(), self.answer(t).encode()) for t in texts)
        fields, description, io_format = self._texts()
        return Instance(
            family=self.name,
            description=description,
            io_format=io_format,
            examples=cases[: cfg.num_examples],
            tests=cases[cfg.num_examples :],
            config=dict(fields),
            seed=seed,
            index=index,
            suite="tiers",
            max_steps=self.default_max_steps,
            scoring={"mode": "binary"},
        )

    def _texts(self) -> tuple[dict[str, Any], str, str]:
        """The config dict, description and I/O format: the same for every instance, so built once per family object."""
        cached = self.__dict__.get("_texts_cache")
        if cached is None:
            fields = self.config.to_dict()
            cached = (fields, self.description.format(**fields), self.io_format.format(**fields))
            self._texts_cache = cached
        return cached

    @classmethod
    def python_program(cls) -> str:
        """`solve` as a standalone Python 3 program reading stdin and writing stdout."""
        lines = textwrap.dedent(inspect.getsource(cls.solve)).splitlines()
        body = "\n".join(line for line in lines if not line.startswith("@"))
        return f"import sys\n\n\n{body}\n\n\nsys.stdout.write(solve(sys.stdin.read()))\n"

    def python_solution(self, instance: Instance) -> str:
        return self.python_program()


# ---------------------------------------------------------------- input helpers

LOWER = "abcdefghijklmnopqrstuvwxyz"


def python_random(rng: np.random.Generator) -> random.Random:
    """A `random.Random` seeded by one 63-bit draw from `rng`, for the many small draws of an instance."""
    return random.Random(int(rng.integers(1 << 63)))


def rint(rng: random.Random, low: int, high: int) -> int:
    """Uniform integer in [low, high].

    floor(random() * span), as `random.choices` draws, costs a third of
    `randint`; above 2**32 values `randrange` keeps the draw exactly uniform.
    """
    span = high - low + 1
    if not 0 < span <= 1 << 32:
        return rng.randint(low, high)  # also raises randint's error when high < low
    return low + int(rng.random() * span)


def line(*items: Any) -> str:
    return " ".join(map(str, items)) + "\n"


def word(rng: random.Random, length: int, alphabet: str = LOWER) -> str:
    return "".join(rng.choices(alphabet, k=length))


def sentence(rng: random.Random, num_words: int, max_word: int = 6, alphabet: str = LOWER) -> str:
    """Words of 1..max_word letters separated by single spaces."""
    lengths = rng.choices(range(1, max_word + 1), k=num_words)
    letters = "".join(rng.choices(alphabet, k=sum(lengths)))
    words, start = [], 0
    for size in lengths:
        words.append(letters[start : start + size])
        start += size
    return " ".join(words)


def int_list(rng: random.Random, length: int, low: int, high: int) -> list[int]:
    """`length` uniform integers in [low, high]."""
    return rng.choices(range(low, high + 1), k=length)


def list_input(values: list[int]) -> str:
    """The tiers list convention: the count on the first line, the items space-separated on the second."""
    return f"{len(values)}\n" + line(*values)


LIST_IO = "Input: a line with n (1 <= n <= {max_length}), then a line with n integers separated by single spaces"


# ---------------------------------------------------------------- Brainfuck builder


class BF:
    """Emits Brainfuck while tracking the cell under the pointer at build time.

    Snippets name absolute cells instead of counting '>' and '<'; every loop
    returns to the cell it started on, so positions stay known. Cells are
    8-bit and wrap (the default Brainfuck semantics).
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0

    def raw(self, code: str) -> BF:
        self.parts.append(code)
        return self

    def at(self, cell: int) -> BF:
        step = cell - self.pos
        self.parts.append(">" * step if step > 0 else "<" * -step)
        self.pos = cell
        return self

    def add(self, cell: int, amount: int) -> BF:
        amount %= 256
        self.at(cell)
        self.parts.append("+" * amount if amount <= 128 else "-" * (256 - amount))
        return self

    def clear(self, cell: int) -> BF:
        return self.at(cell).raw("[-]")

    def read(self, cell: int) -> BF:
        return self.at(cell).raw(",")

    def write(self, cell: int) -> BF:
        return self.at(cell).raw(".")

    def loop(self, cell: int, body: Callable[[], Any]) -> BF:
        self.at(cell).raw("[")
        body()
        return self.at(cell).raw("]")

    def move(self, src: int, *dsts: int, factor: int = 1) -> BF:
        """dst += factor * src for each dst; src becomes 0."""

        def body() -> None:
            self.add(src, -1)
            for dst in dsts:
                self.add(dst, factor)

        return self.loop(src, body)

    def copy(self, src: int, dst: int, tmp: int) -> BF:
        """dst += src, keeping src; tmp must be 0 and is left 0."""
        return self.move(src, dst, tmp).move(tmp, src)

    def if_nonzero(self, cell: int, body: Callable[[], Any]) -> BF:
        """Run body once if cell != 0; the cell is cleared. Body must not touch the cell."""

        def once() -> None:
            body()
            self.clear(cell)

        return self.loop(cell, once)

    def print_text(self, text: str, cell: int) -> BF:
        """Write `text` using `cell` and `cell + 1` (both 0 before and after)."""
        return self.at(cell).raw(bf_emit(text, 0)).clear(cell)

    def divmod10(self, n: int, q: int, r: int, work: int) -> BF:
        """q += n // 10, r = n % 10 for n, q, r with r == 0; n is consumed; uses cells work..work+3 (zero)."""
        countdown, flag, probe, tmp = work, work + 1, work + 2, work + 3
        self.add(countdown, 10)

        def unit() -> None:
            self.add(n, -1).add(r, 1).add(countdown, -1).add(flag, 1)
            self.copy(countdown, probe, tmp)
            self.if_nonzero(probe, lambda: self.clear(flag))

            def wrap() -> None:  # r reached 10: carry into q
                self.clear(r).add(countdown, 10).add(q, 1)

            self.if_nonzero(flag, wrap)

        self.loop(n, unit)
        return self.clear(countdown)

    def print_decimal(self, n: int, work: int) -> BF:
        """Write the value of cell n (0..255) in decimal without leading zeros; n is consumed; uses 10 zero cells from `work`."""
        tens_q, ones, hundreds, tens, printed, probe = range(work, work + 6)
        scratch = work + 6  # up to work + 9 for divmod10 (4 cells)
        self.divmod10(n, tens_q, ones, scratch)
        self.divmod10(tens_q, hundreds, tens, scratch)
        self.copy(hundreds, probe, scratch)

        def show_hundreds() -> None:
            self.add(hundreds, 48).write(hundreds).add(printed, 1)

        self.if_nonzero(probe, show_hundreds)
        self.clear(hundreds)
        self.move(printed, probe)
        self.copy(tens, probe, scratch)
        self.if_nonzero(probe, lambda: self.add(tens, 48).write(tens))
        self.clear(tens)
        self.add(ones, 48).write(ones).clear(ones)
        return self

    def read_decimal(self, dst: int, separator: str, work: int) -> BF:
        """dst = the non-negative decimal number read up to `separator` (consumed); dst must be 0; uses 2 zero cells."""
        char, tmp = work, work + 1
        sep = ord(separator)
        self.read(char).add(char, -sep)

        def digit() -> None:
            self.add(char, sep - 48)
            self.move(dst, tmp).move(tmp, dst, factor=10)
            self.move(char, dst)
            self.read(char).add(char, -sep)

        return self.loop(char, digit)

    def code(self) -> str:
        return "".join(self.parts)


def echo_until_newline(transform: str = "+" * 10) -> str:
    """BF that reads up to the newline, running `transform` on (char - 10) before each write; leaves the cell 0."""
    return ",----------[" + transform + ".,----------]"
