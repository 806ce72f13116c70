"""Families made of two trained ones: held-out families that an agent can reach by composition, not by luck.

- `increment-echo-twice`: one byte b -> b+1 twice (`,+..`): increment-byte (`,+.`) then echo-twice-byte (`,..`).
  Issue 22's RL-vs-supervised experiment holds it out while training both parts, so a held-out family is one an
  agent could solve by putting together what it learned, the question that experiment asks.

Default Brainfuck semantics, as the primitives they compose (DESIGN.md); not in the pinned `primitives` suite.
"""

from __future__ import annotations

import numpy as np

from curricula.base import Instance, register_family
from curricula.families.primitives import ByteInputConfig, _byte, _python_program
from curricula.families.tape import _TapeFamily


@register_family
class IncrementEchoTwice(_TapeFamily):
    """Read one byte b and write (b + 1) mod 256 twice: increment-byte, then echo-twice-byte."""

    name = "increment-echo-twice"
    summary = "Read one byte and output it plus one, two times"
    order = 15
    config_class = ByteInputConfig
    config: ByteInputConfig
    io_format = "Input: one byte (1..{max_value}). Output: that byte plus 1 modulo 256, twice."

    def draw_input(self, rng: np.random.Generator) -> bytes:
        return bytes([_byte(rng, 1, self.config.max_value)])

    @staticmethod
    def solve(data: bytes) -> bytes:
        return bytes([(data[0] + 1) % 256]) * 2

    def bf_solution(self, instance: Instance) -> str:
        return ",+.."

    def befunge_solution(self, instance: Instance) -> str:
        return "~1+:,,@"

    def python_solution(self, instance: Instance) -> str:
        return _python_program("b = (sys.stdin.buffer.read(1)[0] + 1) % 256\nsys.stdout.buffer.write(bytes([b, b]))")
