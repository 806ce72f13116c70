"""The execution of a Brainfuck program prefix, resumed token by token: the "execution so far" the token envs observe.

The rule (issue 21's contract, section 1): the execution of a prefix P on
input I is the real execution of *any* completion of P, run until it first
needs a token that is not written yet. So

- the machine starts at pc 0, all cells 0, pointer 0, and runs the
  instruction at pc while pc < len(P);
- `[` with cell 0 jumps past its matching `]`; while that `]` is not
  written the run pauses on the `[` with status WAITING, and the push that
  writes it resumes the run;
- `]` with cell != 0 jumps back to just after its matching `[`;
- every executed instruction costs one step (`[` and `]` too). Before each
  instruction, steps == max_steps ends the run for good (OUT_OF_STEPS),
  exactly where the reference interpreter reports step_limit; a runtime
  error of the semantics (`<` at cell 0 under left_edge="error", `>` past
  the last cell) ends it with ERROR;
- cell wrap (cell_modulus), the cell step, the EOF rule, the left edge and
  the tape size are the `BrainfuckOptions`' own, as in
  `esolangs.brainfuck.run_reference`.

The trace is driven by *effect names* (`esolangs.bf_semantics.COMMAND_EFFECTS`
values, or their ids in `esolangs.knowledge.EFFECTS`), never by characters,
so one tracer serves bf, Ook!, every bf-dialect-<seed> and every option
variant: the `,` of any EOF rule (`input`, `input_eof_unchanged`,
`input_eof_minus_one`) reads a byte, and the options decide what end of
input does; the `+` of any cell step (`inc`, `inc_2`, `inc_3`) adds, and the
options' cell_step decides how much (`-` likewise). Pushing a token resumes the paused run; nothing is re-run.

Brackets the action mask never lets through: a `]` with no open `[` ends the
trace with ERROR under unmatched="error" (the finished program would be a
syntax_error) and is a no-op costing a step under unmatched="ignore". A `[`
that is still open when the program ends leaves the trace WAITING (or
READY): the trace does not know the program ended.

    >>> trace = PrefixTrace(max_steps=256)
    >>> for effect in ("inc", "jump_fwd_if_zero", "dec", "jump_back_if_nonzero", "output"):
    ...     _ = trace.push(effect)
    >>> trace.status == READY, bytes(trace.output), trace.steps
    (True, b'\\x00', 5)
"""

from __future__ import annotations

from collections.abc import Iterable

from esolangs.bf_semantics import BrainfuckOptions
from esolangs.knowledge import EFFECT_IDS

NONE, READY, WAITING, OUT_OF_STEPS, ERROR = 0, 1, 2, 3, 4
"""Trace statuses (also the status token of the `execution` observation): no run, paused at the end of the
prefix, paused on a `[` whose `]` is not written, step budget spent, runtime error."""
STATUS_NAMES = ("none", "ready", "waiting", "out_of_steps", "error")

RIGHT, LEFT, INC, DEC, OUTPUT, INPUT, OPEN, CLOSE = range(8)
"""Operation codes of the eight Brainfuck effects (in the order of `esolangs.bf_semantics.COMMANDS`)."""

EFFECT_OPS: dict[str, int] = {
    "ptr_right": RIGHT,
    "ptr_left": LEFT,
    "inc": INC,
    "dec": DEC,
    "inc_2": INC,
    "dec_2": DEC,
    "inc_3": INC,
    "dec_3": DEC,
    "output": OUTPUT,
    "input": INPUT,
    "input_eof_unchanged": INPUT,
    "input_eof_minus_one": INPUT,
    "jump_fwd_if_zero": OPEN,
    "jump_back_if_nonzero": CLOSE,
}
"""Effect name -> operation code: every effect a Brainfuck-family token can have."""
EFFECT_ID_OPS: dict[int, int] = {EFFECT_IDS[name]: op for name, op in EFFECT_OPS.items()}
"""Effect id (`esolangs.knowledge.EFFECTS` index) -> operation code."""


def effect_op(effect: str | int) -> int:
    """The operation code of an effect name or id; ValueError for an effect that is no Brainfuck command."""
    op = EFFECT_OPS.get(effect) if isinstance(effect, str) else EFFECT_ID_OPS.get(int(effect))
    if op is None:
        raise ValueError(
            f"effect {effect!r} is not a Brainfuck command; expected one of {sorted(EFFECT_OPS)} or their ids "
            f"{sorted(EFFECT_ID_OPS)}"
        )
    return op


class PrefixTrace:
    """The paused execution of a growing Brainfuck program on one input; `push` appends a token and resumes it.

    Public state (read it, do not write it): `pc` (index of the next
    instruction; on the `[` while WAITING), `ptr`, `cell`, `consumed`
    (input bytes read), `output` (bytearray), `steps`, `status` (READY,
    WAITING, OUT_OF_STEPS or ERROR), `length` (tokens pushed), `input`,
    `options`, `max_steps`; `window(radius)` gives the cells around the
    pointer.
    """

    __slots__ = (
        "options",
        "input",
        "max_steps",
        "pc",
        "ptr",
        "consumed",
        "output",
        "steps",
        "status",
        "_tape",
        "_code",
        "_match",
        "_open",
        "_modulus",
        "_step",
        "_tape_size",
        "_eof",
        "_clamp",
        "_ignore_unmatched",
    )

    def __init__(self, options: BrainfuckOptions | None = None, input: bytes = b"", max_steps: int = 256):
        options = BrainfuckOptions() if options is None else options
        if not isinstance(options, BrainfuckOptions):
            raise TypeError(f"options must be a BrainfuckOptions, got {type(options).__name__} {options!r}")
        options.validate()
        if not isinstance(input, (bytes, bytearray)):
            raise TypeError(f"input must be bytes, got {type(input).__name__} {input!r}")
        if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 0:
            raise ValueError(f"max_steps must be an int >= 0, got {max_steps!r}")
        self.options = options
        self.input = bytes(input)
        self.max_steps = max_steps
        self._modulus = options.cell_modulus
        self._step = options.cell_step
        self._tape_size = options.tape_size
        self._eof = options.eof
        self._clamp = options.left_edge == "clamp"
        self._ignore_unmatched = options.unmatched == "ignore"
        self.pc = self.ptr = self.consumed = self.steps = 0
        self.output = bytearray()
        self.status = READY
        # The tape grows as the pointer moves right (it can move at most max_steps cells), never past tape_size.
        self._tape = [0]
        self._code: list[int] = []
        self._match: dict[int, int] = {}
        self._open: list[int] = []

    # ------------------------------------------------------------------ reading
    @property
    def length(self) -> int:
        """Tokens pushed so far."""
        return len(self._code)

    @property
    def cell(self) -> int:
        """The current cell's value (0..cell_modulus-1)."""
        return self._tape[self.ptr]

    def tape_cell(self, index: int) -> int | None:
        """The value of cell `index`, or None off the tape (index < 0 or >= tape_size)."""
        if index < 0 or index >= self._tape_size:
            return None
        return self._tape[index] if index < len(self._tape) else 0

    def window(self, radius: int = 2) -> tuple[int | None, ...]:
        """Cells ptr-radius .. ptr+radius (None off the tape)."""
        return tuple(self.tape_cell(index) for index in range(self.ptr - radius, self.ptr + radius + 1))

    @property
    def finished(self) -> bool:
        """True once the run stopped for good (OUT_OF_STEPS or ERROR): later pushes change nothing."""
        return self.status >= OUT_OF_STEPS

    # ------------------------------------------------------------------ writing
    def push(self, effect: str | int) -> int:
        """Append one token by its effect name or id, resume the run as far as the prefix allows; returns the status."""
        return self.push_op(effect_op(effect))

    def push_all(self, effects: Iterable[str | int]) -> int:
        """`push` each effect in turn; returns the last status."""
        for effect in effects:
            self.push(effect)
        return self.status

    def push_op(self, op: int) -> int:
        """Append one token by its operation code (RIGHT..CLOSE), resume the run; returns the status."""
        position = len(self._code)
        self._code.append(op)
        if op == OPEN:
            self._open.append(position)
        elif op == CLOSE:
            if self._open:
                start = self._open.pop()
                self._match[start] = position
                self._match[position] = start
            elif not self._ignore_unmatched and self.status < OUT_OF_STEPS:
                # The finished program is a syntax_error whatever follows: the trace ends here.
                self.status = ERROR
                return self.status
        if self.status == READY or (self.status == WAITING and self.pc in self._match):
            self.status = READY
            self._run()
        return self.status

    def _run(self) -> None:
        code, tape, match = self._code, self._tape, self._match
        modulus, max_steps, step = self._modulus, self.max_steps, self._step
        pc, ptr, steps = self.pc, self.ptr, self.steps
        end = len(code)
        status = READY
        while pc < end:
            if steps >= max_steps:
                status = OUT_OF_STEPS
                break
            op = code[pc]
            if op == INC:
                tape[ptr] = (tape[ptr] + step) % modulus
            elif op == DEC:
                tape[ptr] = (tape[ptr] - step) % modulus
            elif op == RIGHT:
                if ptr + 1 >= self._tape_size:
                    steps += 1
                    status = ERROR
                    break
                ptr += 1
                if ptr == len(tape):
                    tape.append(0)
            elif op == LEFT:
                if ptr == 0:
                    if not self._clamp:
                        steps += 1
                        status = ERROR
                        break
                else:
                    ptr -= 1
            elif op == OUTPUT:
                self.output.append(tape[ptr] % 256)
            elif op == INPUT:
                if self.consumed < len(self.input):
                    tape[ptr] = self.input[self.consumed] % modulus
                    self.consumed += 1
                elif self._eof == "zero":
                    tape[ptr] = 0
                elif self._eof == "minus_one":
                    tape[ptr] = modulus - 1
            elif op == OPEN:
                if tape[ptr] == 0:
                    target = match.get(pc)
                    if target is None:
                        # The step is charged when the matching `]` arrives and the jump is taken.
                        status = WAITING
                        break
                    pc = target
            elif tape[ptr] != 0:  # CLOSE; an unmatched one (unmatched="ignore") jumps to itself
                pc = match.get(pc, pc)
            steps += 1
            pc += 1
        self.pc, self.ptr, self.steps, self.status = pc, ptr, steps, status
