"""Brainfuck's semantics, shared by every engine: commands, options and their checks, EOF rules, results, docs.

The reference (`esolangs.brainfuck`), the fast path (`esolangs.brainfuck_fast`),
the JAX interpreter (`esolangs.jax_bf`) and the renamed dialects
(`esolangs.dialects`) all import what they must agree on from here, so none
of them imports another to reach it.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from importlib import resources
from math import gcd
from typing import Any

from esolangs.base import (
    MEMORY_LIMIT,
    OUTPUT_LIMIT,
    RUNTIME_ERROR,
    STEP_LIMIT,
    Diagnostic,
    Execution,
)
from esolangs.validation import is_int

COMMANDS = "><+-.,[]"
"""The eight commands, in the order of the alphabet (action spaces rely on it)."""
COMMAND_EFFECTS = dict(
    zip(
        COMMANDS,
        (
            "ptr_right",
            "ptr_left",
            "inc",
            "dec",
            "output",
            "input",
            "jump_fwd_if_zero",
            "jump_back_if_nonzero",
        ),
    )
)
"""Brainfuck command -> its effect name in `esolangs.knowledge.EFFECTS`; Ook! and every dialect share them."""

INPUT_EFFECT_BY_EOF = {"zero": "input", "unchanged": "input_eof_unchanged", "minus_one": "input_eof_minus_one"}
INPUT_MEANING_BY_EOF = {
    "zero": "",
    "unchanged": "; at end of input the cell keeps its value",
    "minus_one": "; at end of input the cell becomes cell_modulus-1",
}


CELL_STEPS = (1, 2, 3)
"""BrainfuckOptions.cell_step values: each has its own pair of effect ids for `+` and `-` (esolangs.knowledge)."""
ADD_EFFECTS_BY_STEP = {1: ("inc", "dec"), 2: ("inc_2", "dec_2"), 3: ("inc_3", "dec_3")}
"""cell_step -> the effect names of `+` and `-` under it."""


def command_effects(options: BrainfuckOptions) -> dict[str, str]:
    """COMMAND_EFFECTS under `options`: `,` gets the effect of its EOF rule and `+`/`-` that of their cell_step
    (the options an effect id can carry; the cell modulus is a number no id carries)."""
    inc, dec = ADD_EFFECTS_BY_STEP[options.cell_step]
    return {**COMMAND_EFFECTS, "+": inc, "-": dec, ",": INPUT_EFFECT_BY_EOF[options.eof]}


def with_eof_rule(meanings: dict[str, str], read_token: str, options: BrainfuckOptions) -> dict[str, str]:
    """A doc's token -> sentence table with the EOF rule of `options` added to the sentence of `read_token` (`,`)."""
    return {**meanings, read_token: meanings[read_token] + INPUT_MEANING_BY_EOF[options.eof]}


def with_option_rules(meanings: dict[str, str], table: dict[str, str], options: BrainfuckOptions) -> dict[str, str]:
    """A doc's token -> sentence table under `options`: the EOF rule added to `,`'s sentence, and under a
    cell_step other than 1 the sentences of `+` and `-` replaced by ones naming the step (the doc's say 1).
    `table` maps each Brainfuck command to the language's token for it."""
    meanings = with_eof_rule(meanings, table[","], options)
    step = options.cell_step
    if step != 1:
        meanings[table["+"]] = f"add {step} to the current cell (wrapping modulo cell_modulus)"
        meanings[table["-"]] = f"subtract {step} from the current cell (wrapping modulo cell_modulus)"
    return meanings


EOF_MODES = ("zero", "unchanged", "minus_one")
EOF_CODE = {mode: index for index, mode in enumerate(EOF_MODES)}
"""EOF rule -> the integer the JAX interpreter reads (zero 0, unchanged 1, minus_one 2)."""
LEFT_EDGE_MODES = ("error", "clamp")
UNMATCHED_MODES = ("error", "ignore")
MAX_CELL_MODULUS = 2**32
MAX_TAPE_SIZE = 1 << 24
"""16M cells: a list tape of that size is ~128 MB, the most one run may hold."""
_BRACKET = re.compile(r"[\[\]]")
MAX_DIAGNOSTICS = 20
"""validate reports this many unbalanced brackets, then one summary line (a megabyte of '[' stays cheap)."""


@dataclass(frozen=True)
class BrainfuckOptions:
    """Semantic options of Brainfuck; the defaults are the classic 8-bit, 30,000-cell machine."""

    cell_modulus: int = 256
    """Cells hold 0..cell_modulus-1 and wrap modulo it (2..2**32)."""
    tape_size: int = 30_000
    """Number of cells; moving right past the last one ends the run with memory_limit."""
    eof: str = "zero"
    """What ',' stores at end of input: 'zero' (0), 'unchanged' (cell kept) or 'minus_one' (cell_modulus-1)."""
    left_edge: str = "error"
    """'<' at cell 0: 'error' (runtime_error) or 'clamp' (the pointer stays at 0)."""
    unmatched: str = "error"
    """Unbalanced brackets: 'error' (syntax_error) or 'ignore' (each is a no-op that still costs a step)."""
    cell_step: int = 1
    """What `+` adds and `-` subtracts (1..3), modulo cell_modulus; one step per command whatever it is."""

    def validate(self) -> BrainfuckOptions:
        for name in ("cell_modulus", "tape_size", "cell_step"):
            value = getattr(self, name)
            if not is_int(value):
                raise TypeError(f"BrainfuckOptions.{name} must be an int, got {type(value).__name__} {value!r}")
        if not 2 <= self.cell_modulus <= MAX_CELL_MODULUS:
            raise ValueError(
                f"BrainfuckOptions.cell_modulus must be in 2..{MAX_CELL_MODULUS} (2**32), got {self.cell_modulus}"
            )
        if not 1 <= self.tape_size <= MAX_TAPE_SIZE:
            raise ValueError(f"BrainfuckOptions.tape_size must be in 1..{MAX_TAPE_SIZE}, got {self.tape_size}")
        if self.cell_step not in CELL_STEPS:
            raise ValueError(f"BrainfuckOptions.cell_step must be in 1..{CELL_STEPS[-1]}, got {self.cell_step}")
        for name, allowed in (("eof", EOF_MODES), ("left_edge", LEFT_EDGE_MODES), ("unmatched", UNMATCHED_MODES)):
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"BrainfuckOptions.{name} must be one of {allowed}, got {value!r}")
        return self

    def changed(self) -> dict[str, Any]:
        """The options that differ from the defaults (for docs and reprs)."""
        default = BrainfuckOptions()
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        }


def output_residue(options: BrainfuckOptions) -> int:
    """The modulus h of what `+` and `-` cannot change in an output byte: 1 when any byte can be made from any other.

    `+` and `-` change a cell by multiples of g = gcd(cell_step, cell_modulus),
    and wrapping modulo cell_modulus (a multiple of g) keeps a value's residue
    modulo g; `.` writes the value mod 256, so the residue that reaches the
    output is modulo h = g when cell_modulus <= 256, else gcd(g, 256). Only
    `,` sets a cell to another residue. So under cell_step=2, cell_modulus=256
    (h = 2) a byte written by a run is even unless the cell last read an odd
    input byte (or took an odd value at EOF): an odd byte is out of reach of a
    program without input, and a loop counting an odd cell down by 2 (`[-]`)
    never ends. Under cell_modulus=27 the step 2 is invertible (h = 1).
    """
    g = gcd(options.cell_step, options.cell_modulus)
    return g if options.cell_modulus <= 256 else gcd(g, 256)


def new_tape(options: BrainfuckOptions) -> bytearray | list[int]:
    """A zeroed tape: a bytearray when cells fit in a byte, else a list of ints."""
    if options.cell_modulus <= 256:
        return bytearray(options.tape_size)
    return [0] * options.tape_size


def unbalanced_brackets(source: str) -> tuple[list[int], int]:
    """Offsets (into source) of the first MAX_DIAGNOSTICS unbalanced brackets, and how many there are in all.

    Matching is by a stack, as in brain_coder: a ']' with no open '[' is
    unmatched, and so is every '[' still open at the end.
    """
    open_offsets: list[int] = []
    stray_closes: list[int] = []
    stray_count = 0
    for match in _BRACKET.finditer(source):
        offset = match.start()
        if source[offset] == "[":
            open_offsets.append(offset)
        elif open_offsets:
            open_offsets.pop()
        else:
            stray_count += 1
            if len(stray_closes) < MAX_DIAGNOSTICS:
                stray_closes.append(offset)
    total = stray_count + len(open_offsets)
    first = sorted(stray_closes + open_offsets[:MAX_DIAGNOSTICS])[:MAX_DIAGNOSTICS]
    return first, total


def bracket_diagnostics(source: str) -> list[Diagnostic]:
    """One Diagnostic per unbalanced bracket (line/column of each), capped with a summary line."""
    offsets, total = unbalanced_brackets(source)
    diagnostics = []
    line, line_start, scanned = 1, 0, 0
    for offset in offsets:
        # Positions are computed incrementally: the offsets are sorted, so the text is scanned once.
        newlines = source.count("\n", scanned, offset)
        if newlines:
            line += newlines
            line_start = source.rfind("\n", scanned, offset) + 1
        scanned = offset
        char = source[offset]
        if char == "[":
            message = "unmatched '[': no ']' closes this loop"
        else:
            message = "unmatched ']': no '[' opens this loop"
        diagnostics.append(Diagnostic(message=message, line=line, column=offset - line_start + 1, offset=offset))
    if total > len(offsets):
        last = diagnostics[-1]
        diagnostics.append(
            Diagnostic(
                message=f"{total - len(offsets)} more unbalanced brackets not listed ({total} in all)",
                line=last.line,
                column=last.column,
                offset=last.offset,
            )
        )
    return diagnostics


def syntax_error_text(diagnostics: list[Diagnostic], dialect: str = "Brainfuck") -> str:
    first = diagnostics[0]
    more = f" (and {len(diagnostics) - 1} more)" if len(diagnostics) > 1 else ""
    return (
        f"{dialect}: {first.message} at line {first.line}, column {first.column}{more}; "
        "balance the brackets or run with unmatched='ignore'"
    )


def step_limit(output: bytearray | bytes, max_steps: int) -> Execution:
    return Execution(STEP_LIMIT, bytes(output), max_steps, f"step limit of {max_steps} instructions reached")


def output_limit(output: bytearray | bytes, steps: int, max_output: int) -> Execution:
    return Execution(
        OUTPUT_LIMIT, bytes(output), steps, f"output limit of {max_output} bytes reached: the program wrote one more"
    )


def memory_limit(output: bytearray | bytes, steps: int, tape_size: int) -> Execution:
    return Execution(
        MEMORY_LIMIT,
        bytes(output),
        steps,
        f"'>' moved past the last cell {tape_size - 1} (tape_size={tape_size})",
    )


def left_edge_error(output: bytearray | bytes, steps: int) -> Execution:
    return Execution(
        RUNTIME_ERROR,
        bytes(output),
        steps,
        "'<' at cell 0: the pointer cannot move left of the tape (left_edge='error'; 'clamp' keeps it at 0)",
    )


def load_doc(filename: str) -> str:
    return resources.files("esolangs").joinpath("docs", filename).read_text(encoding="utf-8")


def options_note(options: BrainfuckOptions) -> str:
    """A line for docs saying which options differ from the defaults ('' when none do)."""
    changed = options.changed()
    if not changed:
        return ""
    settings = ", ".join(f"{name}={value!r}" for name, value in changed.items())
    return f"\n**This instance runs with:** {settings}.\n"


HELLO_WORLD = (
    "++++++++[>++++[>++>+++>+++>+<<<<-]>+>+>->>+[<]<-]>>.>---.+++++++..+++.>>.<-.<.+++.------.--------.>>+.>++."
)
