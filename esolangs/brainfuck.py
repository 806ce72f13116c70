"""Brainfuck: the plain reference interpreter and the registered Language.

What every engine shares (commands, options, results, docs) lives in
`esolangs.bf_semantics`; the fast path in `esolangs.brainfuck_fast`. Both
engines agree exactly on status, output and step count
(tests/esolangs/test_brainfuck_differential.py).
"""

from __future__ import annotations

from typing import ClassVar

from esolangs.base import OK, SYNTAX_ERROR, Diagnostic, Execution, Language, Limits, as_source
from esolangs.bf_semantics import (
    COMMANDS,
    HELLO_WORLD,
    BrainfuckOptions,
    bracket_diagnostics,
    command_effects,
    left_edge_error,
    load_doc,
    memory_limit,
    new_tape,
    options_note,
    output_limit,
    step_limit,
    syntax_error_text,
    with_option_rules,
)
from esolangs.brainfuck_fast import run_fast
from esolangs.knowledge import Knowledge, doc_table_meanings, knowledge_table


def run_reference(source: str, stdin: bytes, limits: Limits, options: BrainfuckOptions) -> Execution:
    """The plain interpreter: one command at a time, every limit checked before each step."""
    code = [char for char in source if char in COMMANDS]
    diagnostics = bracket_diagnostics(source)
    if diagnostics and options.unmatched == "error":
        return Execution(SYNTAX_ERROR, b"", 0, syntax_error_text(diagnostics))

    # An unmatched bracket jumps to itself, i.e. does nothing (brain_coder's bracemap).
    jump = list(range(len(code)))
    open_positions: list[int] = []
    for position, char in enumerate(code):
        if char == "[":
            open_positions.append(position)
        elif char == "]" and open_positions:
            start = open_positions.pop()
            jump[start], jump[position] = position, start

    modulus = options.cell_modulus
    step = options.cell_step
    tape = new_tape(options)
    pointer = 0
    output = bytearray()
    input_position = 0
    steps = 0
    pc = 0
    while pc < len(code):
        if steps >= limits.max_steps:
            return step_limit(output, limits.max_steps)
        steps += 1
        char = code[pc]
        if char == "+":
            tape[pointer] = (tape[pointer] + step) % modulus
        elif char == "-":
            tape[pointer] = (tape[pointer] - step) % modulus
        elif char == ">":
            if pointer + 1 >= options.tape_size:
                return memory_limit(output, steps, options.tape_size)
            pointer += 1
        elif char == "<":
            if pointer == 0:
                if options.left_edge == "error":
                    return left_edge_error(output, steps)
            else:
                pointer -= 1
        elif char == ".":
            if len(output) >= limits.max_output:
                return output_limit(output, steps, limits.max_output)
            output.append(tape[pointer] % 256)
        elif char == ",":
            if input_position < len(stdin):
                tape[pointer] = stdin[input_position] % modulus
                input_position += 1
            elif options.eof == "zero":
                tape[pointer] = 0
            elif options.eof == "minus_one":
                tape[pointer] = modulus - 1
        elif char == "[":
            if tape[pointer] == 0:
                pc = jump[pc]
        elif char == "]":  # noqa: SIM102  (kept parallel to the '[' branch above)
            if tape[pointer] != 0:
                pc = jump[pc]
        pc += 1
    return Execution(OK, bytes(output), steps)


class Brainfuck(Language):
    """Brainfuck with configurable cell modulus, cell step, tape size, EOF, left-edge and unmatched-bracket behaviour."""

    name: ClassVar[str] = "bf"
    aliases: ClassVar[tuple[str, ...]] = ("brainfuck",)
    title: ClassVar[str] = "Brainfuck"
    summary: ClassVar[str] = "Eight commands on a tape of wrapping cells."
    file_extension: ClassVar[str] = ".bf"
    options_class: ClassVar[type] = BrainfuckOptions
    sample: ClassVar[tuple[str, bytes, bytes]] = (HELLO_WORLD, b"", b"Hello World!\n")

    options: BrainfuckOptions

    @property
    def doc(self) -> str:
        return load_doc("bf.md") + options_note(self.options)

    @property
    def alphabet(self) -> tuple[str, ...]:
        return tuple(COMMANDS)

    def _build_knowledge(self) -> tuple[Knowledge, ...]:
        meanings = with_option_rules(doc_table_meanings(load_doc("bf.md")), {c: c for c in COMMANDS}, self.options)
        return knowledge_table(self.alphabet, command_effects(self.options), meanings)

    def validate(self, source: str | bytes) -> list[Diagnostic]:
        if self.options.unmatched == "ignore":
            return []
        return bracket_diagnostics(as_source(source))

    def _run_reference(self, source: str, stdin: bytes, limits: Limits, seed: int) -> Execution:
        return run_reference(source, stdin, limits, self.options)

    def _run_fast(self, source: str, stdin: bytes, limits: Limits, seed: int) -> Execution:
        return run_fast(source, stdin, limits, self.options)
