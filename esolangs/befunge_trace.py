"""The execution of a Befunge-93 program prefix, resumed token by token: the "execution so far" the token envs observe.

The rule (issue 21's prefix rule, carried to a two-dimensional program):
the execution of a prefix P on input I is the real execution of *any*
completion of P, run until it first needs a cell that is not written yet.

- The program is written as the token env writes it: cells row-major, one
  token per cell, a newline token ends the row. The cursor (`row`,
  `column`) is where the next token goes. A cell is *written* when its row
  is above the cursor's row (cells past that row's end are spaces, as
  `esolangs.befunge_semantics.load_grid` makes them) or it lies on the
  cursor's row left of the cursor; every other cell is not written yet.
- The machine starts as `esolangs.befunge.run_reference` starts it: IP at
  (0, 0) moving right, empty stack, the seeded SplitMix64 behind `?`, and
  follows that interpreter to the letter: pop on empty gives 0, `/` and
  `%` truncate toward zero and give 0 on a zero divisor, `&` and `~` push -1
  at end of input, wrap-around on the 80x25 torus, string mode, `#`, `g`
  outside the grid pushes 0 and `p` outside it is ignored, one step per
  cell the IP visits, output as `.` and `,` write it.
- Before each cell: steps == max_steps ends the run for good
  (OUT_OF_STEPS), exactly where the reference reports step_limit. Then,
  when the IP is on a cell not written yet, or on a `g` (command mode)
  whose target cell inside the grid is not written yet, the run pauses
  there with status WAITING and no step charged; the push that writes the
  cell resumes it. Nothing is re-run.
- A cell `p` wrote at runtime counts as written and keeps the value `p`
  stored: in the real run `p` happens after the program is loaded, so a
  token written to that position later does not change the run's view.
- `@` ends the run (`halted`): status READY, the status a Brainfuck trace
  has when the reference says "ok" at the end of a complete program. In a
  Befunge trace READY means nothing else (a Befunge run never pauses at the
  end of its prefix: it waits on a cell, WAITING), so a READY Befunge row
  is a run that reached `@`, whose output is final; `finished` is True and
  later pushes change nothing. (OUT_OF_STEPS would say the budget ran out
  and ERROR that the program failed, neither true of `@`; a new code would
  break the five-status contract the JAX twin and the networks read.)
- An output past `max_output` bytes or a stack past `max_memory` entries
  ends it with ERROR (the reference's output_limit, memory_limit), as does
  a token that makes the finished program a syntax_error whatever follows:
  an 81st cell on a row, or any token after the 25th newline (the env's
  mask lets neither through). A syntax_error runs nothing, so the state
  then reads as the reference's: no output, no step, an empty stack.

Pure Python, for the Gymnasium token envs (`reasonenv.envs.execution`);
there is no JAX twin, as the JAX env has no Befunge-93 interpreter.

The trace cannot know when the program ends: `finish()` declares it ended,
so every unwritten cell reads as the space `load_grid` would put there, and
runs on to `@`, the budget or an error; its result is then the reference's
run of the whole program under the same input, seed and limits.

    >>> trace = BefungeTrace(max_steps=256)
    >>> trace.push_all("1.@")
    1
    >>> trace.halted, bytes(trace.output), trace.steps
    (True, b'1 ', 3)
"""

from __future__ import annotations

from collections.abc import Iterable

from esolangs.base import Limits
from esolangs.befunge_semantics import (
    DIRECTIONS,
    DOWN,
    HEIGHT,
    LEFT,
    RIGHT,
    SPACE,
    UP,
    WIDTH,
    SplitMix64,
    read_number,
    wrap32,
)
from esolangs.bf_trace import ERROR, OUT_OF_STEPS, READY, WAITING

__all__ = ["BefungeTrace", "NEWLINE"]

NEWLINE = "\n"
"""The token that ends a row (the env's newline action)."""
_CELLS = WIDTH * HEIGHT
_ARROWS = {">": RIGHT, "<": LEFT, "^": UP, "v": DOWN}


def _check_limit(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be an int >= 0, got {value!r}")
    return value


def _checked(token: str) -> str:
    """`token` if it is one cell character or NEWLINE, else a ValueError naming it."""
    if not isinstance(token, str) or len(token) != 1 or token == "\r":
        raise ValueError(f"token must be one character of a Befunge-93 cell or {NEWLINE!r}, got {token!r}")
    return token


class BefungeTrace:
    """The paused execution of a growing Befunge-93 program on one input; `push` writes a cell and resumes it.

    Public state (read it, do not write it): `x`, `y` (the IP's cell; the
    cell it waits on while WAITING), `direction` (0 right, 1 down, 2 left,
    3 up), `string_mode`, `stack` (list of signed 32-bit ints, top last),
    `consumed` (input bytes read), `output` (bytearray), `steps`, `status`
    (READY once halted, WAITING, OUT_OF_STEPS or ERROR), `halted` (the
    run reached `@`), `syntax_error` (the program no longer fits the grid),
    `finished`, `row`, `column` (the cursor: where the next token goes),
    `length` (tokens pushed), `input`, `seed`, `max_steps`; `top` and
    `second` read the stack as `:` and `\\` would.
    """

    __slots__ = (
        "input",
        "seed",
        "max_steps",
        "max_output",
        "max_memory",
        "x",
        "y",
        "direction",
        "string_mode",
        "stack",
        "consumed",
        "output",
        "steps",
        "status",
        "halted",
        "syntax_error",
        "row",
        "column",
        "length",
        "_grid",
        "_put",
        "_limit",
        "_rng",
    )

    def __init__(
        self,
        input: bytes = b"",
        max_steps: int = 256,
        seed: int = 0,
        *,
        max_output: int = Limits.max_output,
        max_memory: int = Limits.max_memory,
    ):
        if not isinstance(input, (bytes, bytearray)):
            raise TypeError(f"input must be bytes, got {type(input).__name__} {input!r}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
        self.input = bytes(input)
        self.seed = seed
        self.max_steps = _check_limit("max_steps", max_steps)
        self.max_output = _check_limit("max_output", max_output)
        self.max_memory = _check_limit("max_memory", max_memory)
        self.x = self.y = self.consumed = self.steps = 0
        self.direction = RIGHT
        self.string_mode = False
        self.stack: list[int] = []
        self.output = bytearray()
        self.halted = self.syntax_error = False
        self.row = self.column = self.length = 0
        self._grid = [SPACE] * _CELLS
        self._put = bytearray(_CELLS)  # 1 where `p` stored a value: written, and its runtime value wins
        # Cells are written row-major, so "row above the cursor, or left of it on its row" is one comparison:
        # cell index < row * WIDTH + column (a full row, column == WIDTH, reaches the next row's start).
        self._limit = 0
        self._rng = SplitMix64(seed)
        self.status = READY
        self._run()

    # ------------------------------------------------------------------ reading
    @property
    def finished(self) -> bool:
        """True once the run stopped for good (halted at `@`, OUT_OF_STEPS or ERROR): later pushes change nothing."""
        return self.halted or self.status >= OUT_OF_STEPS

    @property
    def top(self) -> int:
        """The stack's top entry; 0 when the stack is empty (what a pop would give)."""
        return self.stack[-1] if self.stack else 0

    @property
    def second(self) -> int | None:
        """The entry below the top; None when the stack holds fewer than two."""
        return self.stack[-2] if len(self.stack) >= 2 else None

    def written(self, x: int, y: int) -> bool:
        """Whether cell (x, y) of the grid is written (by a token or by `p`); False outside the grid."""
        if not (0 <= x < WIDTH and 0 <= y < HEIGHT):
            return False
        index = y * WIDTH + x
        return index < self._limit or bool(self._put[index])

    def cell(self, x: int, y: int) -> int | None:
        """The value the run sees at (x, y) when it is written; None when it is not (or outside the grid)."""
        return self._grid[y * WIDTH + x] if self.written(x, y) else None

    # ------------------------------------------------------------------ writing
    def push(self, token: str) -> int:
        """Write one token (a one-character cell, or NEWLINE to end the row), resume the run; returns the status."""
        self._write(_checked(token))
        if self.status == WAITING:
            self._run()
        return self.status

    def push_all(self, tokens: Iterable[str]) -> int:
        """Write every token (a string is its characters), then resume the run once; returns the status.

        The state equals pushing them one at a time: a paused run only ever
        read cells whose values were already final.
        """
        for token in tokens:
            self._write(_checked(token))
        if self.status == WAITING:
            self._run()
        return self.status

    def finish(self) -> int:
        """Declare the program ended: every unwritten cell is a space (as `load_grid` fills it); run to the end.

        Afterwards the status is final (never WAITING) and equals the
        reference's classification of the whole program.
        """
        self._limit = _CELLS
        if self.status == WAITING:
            self._run()
        return self.status

    def _write(self, token: str) -> None:
        self.length += 1
        if self.syntax_error:
            return
        if self.row >= HEIGHT or (token != NEWLINE and self.column >= WIDTH):
            # A 26th line or an 81st column: the whole program is a syntax_error whatever comes next, and a
            # syntax_error runs nothing: the state is the reference's (no output, no step).
            self.syntax_error = True
            self.status = ERROR
            self.halted = self.string_mode = False
            self.x = self.y = self.consumed = self.steps = 0
            self.direction = RIGHT
            self.stack.clear()
            self.output.clear()
            return
        if token == NEWLINE:
            self.row += 1
            self.column = 0
        else:
            index = self.row * WIDTH + self.column
            if not self._put[index]:
                self._grid[index] = ord(token)
            self.column += 1
        if self._limit < _CELLS:
            self._limit = min(_CELLS, self.row * WIDTH + self.column)

    def _run(self) -> None:
        """Run from the paused cell until the next pause or stop (the loop of `esolangs.befunge.run_reference`)."""
        grid, put, limit, stack, output = self._grid, self._put, self._limit, self.stack, self.output
        stdin, max_steps = self.input, self.max_steps
        x, y, direction, string_mode, steps = self.x, self.y, self.direction, self.string_mode, self.steps
        status = READY

        def pop() -> int:
            return stack.pop() if stack else 0

        while True:
            if steps >= max_steps:
                status = OUT_OF_STEPS
                break
            index = y * WIDTH + x
            if index >= limit and not put[index]:
                status = WAITING
                break
            value = grid[index]
            # Values beyond ASCII are no-ops, like a space (as in the reference).
            command = chr(value) if 0 <= value < 128 else " "
            if command == "g" and not string_mode:
                gy = stack[-1] if stack else 0
                gx = stack[-2] if len(stack) >= 2 else 0
                if 0 <= gx < WIDTH and 0 <= gy < HEIGHT:
                    target = gy * WIDTH + gx
                    if target >= limit and not put[target]:
                        status = WAITING  # the `g` runs (and counts its step) once its target is written
                        break
            steps += 1
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
            elif command in _ARROWS:
                direction = _ARROWS[command]
            elif command == "?":
                direction = self._rng.direction()
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
                    put[py * WIDTH + px] = 1
            elif command == "&":
                number, self.consumed = read_number(stdin, self.consumed)
                stack.append(number)
            elif command == "~":
                if self.consumed < len(stdin):
                    stack.append(stdin[self.consumed])
                    self.consumed += 1
                else:
                    stack.append(-1)
            elif command == "@":
                self.halted = True
                break
            # Anything else, space included, is a no-op.

            if len(output) > self.max_output:
                del output[self.max_output :]  # the reference reports the first max_output bytes
                status = ERROR
                break
            if len(stack) > self.max_memory:
                status = ERROR
                break

            dx, dy = DIRECTIONS[direction]
            distance = 2 if skip_next else 1
            x = (x + dx * distance) % WIDTH
            y = (y + dy * distance) % HEIGHT
        self.x, self.y, self.direction, self.string_mode, self.steps, self.status = (
            x,
            y,
            direction,
            string_mode,
            steps,
            status,
        )
