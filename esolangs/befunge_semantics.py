"""Befunge-93's shared definition: the torus, grid loading and its diagnostics, the seeded RNG, `&`, the results.

The reference interpreter (`esolangs.befunge`) and the fast path
(`esolangs.befunge_fast`) both import these pieces, which define the
language's inputs and messages, and nothing else from each other, so a
differential test of the two engines compares two independent executions
of the same program.
"""

from __future__ import annotations

import re

from esolangs.base import MEMORY_LIMIT, OK, OUTPUT_LIMIT, STEP_LIMIT, SYNTAX_ERROR, Diagnostic, Execution

WIDTH = 80
HEIGHT = 25
SPACE = 32

# Directions in the order '?' draws them: right, down, left, up.
DIRECTIONS = ((1, 0), (0, 1), (-1, 0), (0, -1))
RIGHT, DOWN, LEFT, UP = range(4)

_LINE_END = re.compile(r"\r\n|\r|\n")
_INT32_BIAS = 1 << 31
_MASK32 = (1 << 32) - 1
_MASK64 = (1 << 64) - 1


def wrap32(value: int) -> int:
    """`value` reduced to a signed 32-bit integer (two's complement wrap)."""
    return ((value + _INT32_BIAS) & _MASK32) - _INT32_BIAS


class SplitMix64:
    """The seeded generator behind '?': splitmix64, fixed here so no Python release can change a run.

    Each '?' draws one 64-bit output and takes its top two bits as the
    index into DIRECTIONS (right, down, left, up).
    """

    __slots__ = ("state",)

    def __init__(self, seed: int):
        self.state = seed & _MASK64

    def next64(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)

    def direction(self) -> int:
        return self.next64() >> 62


_NUMBER = re.compile(rb"-?[0-9]+")


def read_number(stdin: bytes, position: int) -> tuple[int, int]:
    """What '&' reads: (value, new position) — the next decimal integer at or after `position`.

    Every byte before the number is skipped. A '-' directly followed by a
    digit makes the number negative; any other byte, '+' included, is
    skipped. The digits are consumed and the byte after them is not. The
    value wraps to 32 bits. With no number left, all remaining input is
    consumed and the value is -1.
    """
    match = _NUMBER.search(stdin, position)
    if match is None:
        return -1, len(stdin)
    text = match.group()
    negative = text.startswith(b"-")
    digits = text[1:] if negative else text
    value = 0
    # Chunks of 9 digits: int() refuses very long digit strings, and reducing
    # as we go keeps a megabyte of digits linear.
    for start in range(0, len(digits), 9):
        chunk = digits[start : start + 9]
        value = (value * 10 ** len(chunk) + int(chunk)) & _MASK32
    return wrap32(-value if negative else value), match.end()


def _rows(source: str) -> list[tuple[int, str]]:
    """(offset, text) of each line; a line end after the last line does not start another."""
    rows: list[tuple[int, str]] = []
    start = 0
    for match in _LINE_END.finditer(source):
        rows.append((start, source[start : match.start()]))
        start = match.end()
        if len(rows) > HEIGHT:
            return rows
    if start < len(source):
        rows.append((start, source[start:]))
    return rows


def _line_count(source: str) -> int:
    ends = source.count("\n") + source.count("\r") - source.count("\r\n")
    ends_with_line_end = source.endswith(("\n", "\r"))
    return ends + (0 if ends_with_line_end or not source else 1)


def diagnose(source: str) -> list[Diagnostic]:
    """Lines wider than 80 columns and sources taller than 25 lines, with 1-based positions."""
    problems: list[Diagnostic] = []
    rows = _rows(source)
    for number, (offset, text) in enumerate(rows[:HEIGHT], start=1):
        if len(text) > WIDTH:
            problems.append(
                Diagnostic(
                    message=f"line {number} is {len(text)} columns; the limit is {WIDTH}",
                    line=number,
                    column=WIDTH + 1,
                    offset=offset + WIDTH,
                )
            )
    if len(rows) > HEIGHT:
        offset = rows[HEIGHT][0]
        problems.append(
            Diagnostic(
                message=f"source has {_line_count(source)} lines; the limit is {HEIGHT}",
                line=HEIGHT + 1,
                column=1,
                offset=offset,
            )
        )
    return problems


def load_grid(source: str) -> tuple[list[int] | None, list[Diagnostic]]:
    """The 80x25 torus as a flat row-major list of cell values (spaces where the source is short).

    Returns (None, diagnostics) when the source does not fit.
    """
    problems = diagnose(source)
    if problems:
        return None, problems
    grid = [SPACE] * (WIDTH * HEIGHT)
    for y, (_, text) in enumerate(_rows(source)):
        base = y * WIDTH
        for x, char in enumerate(text):
            grid[base + x] = ord(char)
    return grid, []


def syntax_error(problems: list[Diagnostic]) -> Execution:
    return Execution(SYNTAX_ERROR, b"", 0, str(problems[0]))


def step_limit(output: bytes | bytearray, steps: int) -> Execution:
    return Execution(STEP_LIMIT, bytes(output), steps, f"stopped after {steps} steps without reaching '@'")


def output_limit(output: bytes | bytearray, steps: int, max_output: int) -> Execution:
    return Execution(
        OUTPUT_LIMIT, bytes(output[:max_output]), steps, f"output exceeded {max_output} bytes at step {steps}"
    )


def memory_limit(output: bytes | bytearray, steps: int, max_memory: int) -> Execution:
    return Execution(MEMORY_LIMIT, bytes(output), steps, f"stack exceeded {max_memory} entries at step {steps}")


def finished(output: bytes | bytearray, steps: int) -> Execution:
    return Execution(OK, bytes(output), steps, None)
