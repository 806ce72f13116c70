"""Tape stepping stones: tasks whose shortest Brainfuck program moves the pointer, under default semantics.

Every earlier primitive is solved on one cell (`,.`, `,+.`, `,[.,]`); these
five need a second cell, then a walk along the tape, and end at reverse:

- `swap-two`: two bytes a b -> b a (`,>,.<.`: both directions, no loop);
- `pair-twice`: two bytes a b -> a b a b (`,>,<.>.<.>.`: a byte stored on
  the tape and read back after another was read);
- `last-byte`: 1..max_length bytes -> the last one (`,[>,]<.`: a loop that
  walks right);
- `last-then-first`: 1..max_length bytes -> the last one, then the first
  (`>,[>,]<.[<]>.`: the walk back needs a zero cell left of the input, so
  the program's first token, `>`, serves its last loop: the sentinel that
  reverse needs, on a task with no shorter way round it; not in
  bf-reasoning's ladder, whose T3 run found the sentinel at reverse-4 on
  its own: docs/training.md, diagnosis 10);
- `reverse-bytes`: 1..max_length bytes -> the same bytes reversed
  (`>,[>,]<[.<]`: walk right storing, walk back printing).

The conventions are Brainfuck's defaults (DESIGN.md): inputs carry no
terminator and end where they end (`,` then reads 0), outputs carry none,
and the tape's left end is an error, so the reference programs never step
left of cell 0 (reverse keeps cell 0 as the zero that stops the walk back).
Nothing here changes an interpreter option (`run_options` is empty), unlike
PQT's `reverse`, which clamps the tape edge and appends a 0. Inputs are
bytes 1..max_value (no 0, which would read as the end). The families are
not in the pinned `primitives` suite; their held-out content follows the
hash rule of `curricula.heldout` wherever their space is large (every
config with max_value 255).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from curricula.base import Instance, TestCase, register_family
from curricula.families.primitives import (
    ByteInputConfig,
    SequenceInputConfig,
    _byte,
    _bytes,
    _PrimitiveFamily,
    _python_program,
)


class _TapeFamily(_PrimitiveFamily):
    """A primitive whose cases map an input drawn by `draw_input` through `solve`."""

    def draw_input(self, rng: np.random.Generator) -> bytes:
        raise NotImplementedError

    @staticmethod
    def solve(data: bytes) -> bytes:
        raise NotImplementedError

    def cases(self, rng: np.random.Generator, count: int) -> tuple[list[TestCase], dict[str, Any]]:
        inputs = [self.draw_input(rng) for _ in range(count)]
        return [TestCase(data, self.solve(data)) for data in inputs], {}

    def describe(self, params: dict[str, Any]) -> str:
        return self.summary + "."


class _PairFamily(_TapeFamily):
    config_class = ByteInputConfig
    config: ByteInputConfig

    def draw_input(self, rng: np.random.Generator) -> bytes:
        return _bytes(rng, 2, 1, self.config.max_value)


class _SequenceFamily(_TapeFamily):
    config_class = SequenceInputConfig
    config: SequenceInputConfig

    def draw_input(self, rng: np.random.Generator) -> bytes:
        cfg = self.config
        return _bytes(rng, _byte(rng, 1, cfg.max_length), 1, cfg.max_value)


@register_family
class SwapTwo(_PairFamily):
    """Read two bytes and write them in the other order."""

    name = "swap-two"
    summary = "Read two bytes and output them in the other order"
    order = 10
    io_format = "Input: two bytes (1..{max_value}). Output: the second byte, then the first."

    @staticmethod
    def solve(data: bytes) -> bytes:
        return data[::-1]

    def bf_solution(self, instance: Instance) -> str:
        return ",>,.<."

    def befunge_solution(self, instance: Instance) -> str:
        return "~~,,@"

    def python_solution(self, instance: Instance) -> str:
        return _python_program("sys.stdout.buffer.write(sys.stdin.buffer.read(2)[::-1])")


@register_family
class PairTwice(_PairFamily):
    """Read two bytes and write both, twice: a b -> a b a b."""

    name = "pair-twice"
    summary = "Read two bytes and output both of them, in order, two times"
    order = 11
    io_format = "Input: two bytes a b (1..{max_value}). Output: a b a b."

    @staticmethod
    def solve(data: bytes) -> bytes:
        return data + data

    def bf_solution(self, instance: Instance) -> str:
        return ",>,<.>.<.>."

    def befunge_solution(self, instance: Instance) -> str:
        # stack [a, b]: swap, print a copy of a; swap, print a copy of b; swap, print a, print b
        return "~~\\:,\\:,\\,,@"

    def python_solution(self, instance: Instance) -> str:
        return _python_program("data = sys.stdin.buffer.read(2)\nsys.stdout.buffer.write(data + data)")


@register_family
class LastByte(_SequenceFamily):
    """Read every input byte and write the last one."""

    name = "last-byte"
    summary = "Read the whole input and output its last byte"
    order = 12
    io_format = "Input: 1 to {max_length} bytes (1..{max_value}), then end of input. Output: the last input byte."

    @staticmethod
    def solve(data: bytes) -> bytes:
        return data[-1:]

    def bf_solution(self, instance: Instance) -> str:
        # the input has at least one byte, so the loop runs and `<` never leaves cell 0
        return ",[>,]<."

    def python_solution(self, instance: Instance) -> str:
        return _python_program("sys.stdout.buffer.write(sys.stdin.buffer.read()[-1:])")


@register_family
class LastThenFirst(_SequenceFamily):
    """Read every input byte, then write the last one and the first one (one byte: it twice)."""

    name = "last-then-first"
    summary = "Read the whole input, then output its last byte and then its first byte"
    order = 13
    io_format = (
        "Input: 1 to {max_length} bytes (1..{max_value}), then end of input. Output: the last input byte, then the "
        "first."
    )

    @staticmethod
    def solve(data: bytes) -> bytes:
        return data[-1:] + data[:1]

    def bf_solution(self, instance: Instance) -> str:
        # cell 0 stays 0, so `[<]` stops on it after the walk back; `>` then steps onto the first byte
        return ">,[>,]<.[<]>."

    def python_solution(self, instance: Instance) -> str:
        return _python_program("data = sys.stdin.buffer.read()\nsys.stdout.buffer.write(data[-1:] + data[:1])")


@register_family
class ReverseBytes(_SequenceFamily):
    """Read every input byte and write them in reverse order (default Brainfuck semantics: no trailing 0)."""

    name = "reverse-bytes"
    summary = "Read the whole input and output its bytes in reverse order"
    order = 14
    io_format = (
        "Input: 1 to {max_length} bytes (1..{max_value}), then end of input. Output: the same bytes, last first."
    )

    @staticmethod
    def solve(data: bytes) -> bytes:
        return data[::-1]

    def bf_solution(self, instance: Instance) -> str:
        # cell 0 stays 0: the walk back stops on it instead of stepping off the tape's left end
        return ">,[>,]<[.<]"

    def python_solution(self, instance: Instance) -> str:
        return _python_program("sys.stdout.buffer.write(sys.stdin.buffer.read()[::-1])")


TAPE_ORDER: tuple[str, ...] = tuple(cls.name for cls in (SwapTwo, PairTwice, LastByte, LastThenFirst, ReverseBytes))
"""The tape families from easiest to hardest."""
