"""Befunge-93: the plain reference interpreter and the `befunge93` Language.

The reference interpreter below is written for clarity and is the ground
truth for the fast path in `esolangs.befunge_fast`. Both take only the
pieces that define the language's inputs (grid loading, the seeded RNG, the
`&` number reader and the result messages) from `esolangs.befunge_semantics`,
so a differential test of the two engines compares two independent
executions of the same program.
"""

from __future__ import annotations

from pathlib import Path

from esolangs.base import Diagnostic, Execution, Language, Limits, as_source
from esolangs.befunge_fast import run_fast
from esolangs.befunge_semantics import (
    DIRECTIONS,
    DOWN,
    HEIGHT,
    LEFT,
    RIGHT,
    UP,
    WIDTH,
    SplitMix64,
    diagnose,
    finished,
    load_grid,
    memory_limit,
    output_limit,
    read_number,
    step_limit,
    syntax_error,
    wrap32,
)
from esolangs.knowledge import Knowledge, doc_table_meanings, knowledge_table

# Nested countdown loops without `p`: 249 outer x 1000 inner iterations
# of 16 cells each, about 4.0M steps, then prints "0 ". The interpreter benchmark
# (scripts/bench_interpreters.py) measures both engines on it.
LOOP_BENCHMARK = (
    '"}"2*00v\n'  # push outer 250, two zeros as a spent inner counter
    ">1-:   v\n"  # inner: decrement, duplicate ...
    "^      _$1-:v\n"  # ... loop while nonzero; then drop it, decrement outer
    '^      *8"}"_.@\n'  # outer nonzero: push inner 1000 (125*8) and loop; else print and end
)


def run_reference(source: str, stdin: bytes, limits: Limits, seed: int) -> Execution:
    """Step-by-step interpreter: fetch the cell under the IP, count a step, act, move."""
    grid, problems = load_grid(source)
    if grid is None:
        return syntax_error(problems)
    rng = SplitMix64(seed)
    stack: list[int] = []
    output = bytearray()
    input_position = 0
    x, y, direction = 0, 0, RIGHT
    string_mode = False
    steps = 0

    def pop() -> int:
        return stack.pop() if stack else 0

    while True:
        if steps >= limits.max_steps:
            return step_limit(output, steps)
        value = grid[y * WIDTH + x]
        steps += 1
        # Values beyond ASCII are no-ops, like a space (not "", which `in` would match).
        command = chr(value) if 0 <= value < 128 else " "
        skip_next = False

        if string_mode:
            if command == '"':
                string_mode = False
            else:
                stack.append(value)
        elif command.isdigit():
            stack.append(value - ord("0"))
        elif command in "+-*/%`":
            a, b = pop(), pop()
            if command == "+":
                result = b + a
            elif command == "-":
                result = b - a
            elif command == "*":
                result = b * a
            elif command == "`":
                result = 1 if b > a else 0
            elif a == 0:
                result = 0
            else:
                quotient = abs(b) // abs(a)
                if (a < 0) != (b < 0):
                    quotient = -quotient
                result = quotient if command == "/" else b - a * quotient
            stack.append(wrap32(result))
        elif command == "!":
            stack.append(1 if pop() == 0 else 0)
        elif command == ">":
            direction = RIGHT
        elif command == "<":
            direction = LEFT
        elif command == "^":
            direction = UP
        elif command == "v":
            direction = DOWN
        elif command == "?":
            direction = rng.direction()
        elif command == "_":
            direction = RIGHT if pop() == 0 else LEFT
        elif command == "|":
            direction = DOWN if pop() == 0 else UP
        elif command == '"':
            string_mode = True
        elif command == ":":
            top = pop()
            stack.append(top)
            stack.append(top)
        elif command == "\\":
            a, b = pop(), pop()
            stack.append(a)
            stack.append(b)
        elif command == "$":
            pop()
        elif command == ".":
            output += b"%d " % pop()
        elif command == ",":
            output.append(pop() % 256)
        elif command == "#":
            skip_next = True
        elif command == "g":
            gy, gx = pop(), pop()
            inside = 0 <= gx < WIDTH and 0 <= gy < HEIGHT
            stack.append(grid[gy * WIDTH + gx] if inside else 0)
        elif command == "p":
            py, px, stored = pop(), pop(), pop()
            if 0 <= px < WIDTH and 0 <= py < HEIGHT:
                grid[py * WIDTH + px] = stored
        elif command == "&":
            number, input_position = read_number(stdin, input_position)
            stack.append(number)
        elif command == "~":
            if input_position < len(stdin):
                stack.append(stdin[input_position])
                input_position += 1
            else:
                stack.append(-1)
        elif command == "@":
            return finished(output, steps)
        # Anything else, space included, is a no-op.

        if len(output) > limits.max_output:
            return output_limit(output, steps, limits.max_output)
        if len(stack) > limits.max_memory:
            return memory_limit(output, steps, limits.max_memory)

        dx, dy = DIRECTIONS[direction]
        distance = 2 if skip_next else 1
        x = (x + dx * distance) % WIDTH
        y = (y + dy * distance) % HEIGHT


_DOC_PATH = Path(__file__).with_name("docs") / "befunge93.md"

# Ordered command tokens for action spaces: digits, operators, directions,
# then the stack, I/O and grid commands, a space (no-op, for layout) and a
# newline so a program can have rows. Concatenating tokens gives the source.
ALPHABET = (
    *"0123456789",
    *"+-*/%!`",
    *"><^v?_|",
    '"',
    ":",
    "\\",
    "$",
    ".",
    ",",
    "#",
    "g",
    "p",
    "&",
    "~",
    "@",
    " ",
    "\n",
)

COMMAND_EFFECTS = {
    **{digit: f"push_{digit}" for digit in "0123456789"},
    "+": "add",
    "-": "sub",
    "*": "mul",
    "/": "div",
    "%": "mod",
    "!": "not",
    "`": "greater",
    ">": "go_right",
    "<": "go_left",
    "^": "go_up",
    "v": "go_down",
    "?": "go_random",
    "_": "branch_horizontal",
    "|": "branch_vertical",
    '"': "string_mode",
    ":": "dup",
    "\\": "swap",
    "$": "pop",
    ".": "output_int",
    ",": "output_char",
    "#": "bridge",
    "g": "get",
    "p": "put",
    "&": "input_int",
    "~": "input_char",
    "@": "end",
    " ": "noop",
    "\n": "newline",
}
"""Token -> effect name (`esolangs.knowledge.EFFECTS`) in command mode. In string mode every cell pushes its own
character code instead: that is the one place where a token's effect id does not say what it does."""
LAYOUT_MEANINGS = {
    " ": "an empty cell: no-op",
    "\n": "ends the row: the next token starts the next line of the grid",
}
"""The two layout tokens the doc's command table covers only as "anything else" and in "Program text"."""

HELLO_WORLD = '"!dlroW ,olleH">:#,_@'


class Befunge93(Language):
    """Befunge-93 on the 80x25 torus, with a path-caching fast engine."""

    name = "befunge93"
    aliases = ("befunge",)
    title = "Befunge-93"
    summary = "two-dimensional stack language on an 80x25 torus; self-modifying with p/g"
    file_extension = ".bf93"
    sample = (HELLO_WORLD, b"", b"Hello, World!")

    @property
    def doc(self) -> str:
        return _DOC_PATH.read_text(encoding="utf-8")

    @property
    def alphabet(self) -> tuple[str, ...]:
        return ALPHABET

    def _build_knowledge(self) -> tuple[Knowledge, ...]:
        """Command-mode effects; meanings from the doc's command table (one row per command)."""
        meanings = {**doc_table_meanings(self.doc), **LAYOUT_MEANINGS}
        return knowledge_table(self.alphabet, COMMAND_EFFECTS, meanings)

    def validate(self, source: str | bytes) -> list[Diagnostic]:
        return diagnose(as_source(source))

    def _run_reference(self, source: str, stdin: bytes, limits: Limits, seed: int) -> Execution:
        return run_reference(source, stdin, limits, seed)

    def _run_fast(self, source: str, stdin: bytes, limits: Limits, seed: int) -> Execution:
        return run_fast(source, stdin, limits, seed)
