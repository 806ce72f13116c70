"""The token envs' execution observation and potential: the program so far, run on the visible examples.

Env option `execution=True` (issue 21's contract, sections 2 and 3) adds
the observation key `execution`, an int32 array of shape (E, F) with
E = `execution_examples` (default 3) and F = 13 + 2*L, L = `execution_output`
(default 8), in the task vocabulary (`reasonenv.envs.encoding`: PAD 0,
END 3, CUT 4, byte b = 8+b). Row r is run r; rows past the last run are 0.

    column       content
    0            status: 0 none, 1 ready, 2 waiting, 3 out of steps, 4 error (`esolangs.bf_trace`)
    1            pointer: byte token of min(ptr, 255)
    2            current cell: byte token of (cell mod 256)
    3..7         cells ptr-2 .. ptr+2: byte tokens of (cell mod 256); PAD off the tape
    8            input consumed: byte token of min(consumed, 255)
    9            input length: byte token of min(len(input), 255)
    10           output length so far: byte token of min(len(output), 255)
    11           next expected: byte token of expected[len(output)] while the output is a strict prefix of
                 the expected output; END once they are equal; CUT once the output deviates (a wrong or
                 extra byte); PAD when the expected output is unknown
    12           step to the next expected byte: byte token of (expected[len(output)] - cell) mod 256 while
                 column 11 holds a byte, else what column 11 holds (END, CUT or PAD). It is derived from
                 columns 2 and 11 alone; written out, "how far the cell is from what comes next" reads the
                 same for every target, so a policy keyed on it counts to bytes it never trained on
    13+2j, 14+2j (expected[j], output[j]) as byte tokens for j < L, PAD where absent

Runs (`execution_runs`): one per visible example (its input and expected
output), the first `execution_examples` of `instance.examples`; an
instance with no example gets one run on empty input whose expected output
is `TaskFamily.visible_output(instance)` (the target of the constant-output
families, which their spec states; None, shown as PAD, elsewhere). Each run
is an `esolangs.bf_trace.PrefixTrace` under the language's BrainfuckOptions
(with the instance's run_options) and a budget of `execution_steps`, resumed
by every program token's effect: nothing is re-run.

Befunge-93 (TokenTable kind 'grid'; Gymnasium env only: the JAX env has
no Befunge interpreter) runs each example as an
`esolangs.befunge_trace.BefungeTrace`: the program's cells written
row-major, a newline token ending the row, the run pausing (WAITING) when
the IP, or a `g`, needs a cell not written yet, under the seed
(`curricula.verify.VERIFY_SEED`, for `?`) and the output budget
(`output_budget` of the hidden tests) the verifier runs it with.
Its rows use the same columns 0 and 8..12 and the same pairs, with the
stack top in the role of the BF cell:

    column       content (Befunge-93)
    0            status as above; READY only once the run reached `@` (a Befunge run never pauses at the end of
                 its prefix), its output final
    1            IP column x: byte token of x (0..79)
    2            stack top: byte token of (top mod 256); byte token of 0 when the stack is empty (a pop gives 0)
    3            IP row y: byte token of y (0..24)
    4            direction: byte token of 0 right, 1 down, 2 left, 3 up
    5            string mode: byte token of 0 or 1
    6            second stack entry: byte token of (entry mod 256); PAD when the stack holds fewer than two
    7            stack depth: byte token of min(depth, 255)
    8..11        as above
    12           step to the next expected byte: (expected[len(output)] - top) mod 256, else as above
    13+2j, 14+2j as above

The potential `potential_of` (section 3) rates how far the outputs are
toward the expected ones (for Befunge-93 with the stack top, mod 256, as
the cell); the env reports it as `info["potential"]` at reset (the empty
program) and after every step.

Whitespace has no execution trace yet: its rows are all 0 and its
potential is 0.

`ExecutionObserver.passes_visible` (the env option `end_on_pass`) says
whether the program so far would pass the visible runs were it to end:
every run with a known expected output READY with exactly that output.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from curricula.base import Instance, family_class
from esolangs.befunge_trace import BefungeTrace
from esolangs.bf_semantics import BrainfuckOptions
from esolangs.bf_trace import EFFECT_ID_OPS, ERROR, NONE, OUT_OF_STEPS, READY, WAITING, PrefixTrace
from reasonenv.envs.encoding import BYTE_OFFSET, CUT, END, PAD, TokenTable

__all__ = [
    "ERROR",
    "NONE",
    "OUT_OF_STEPS",
    "READY",
    "WAITING",
    "ExecutionObserver",
    "bf_options",
    "execution_runs",
    "execution_width",
    "potential_of",
]

FIXED_COLUMNS = 13
"""Columns 0..12 of a row; the (expected, output) pairs follow."""
CLOSENESS_RANGE = 32
"""A cell this far (circularly) from the next expected byte earns no closeness."""


def execution_width(output_length: int) -> int:
    """F, the row length of the `execution` observation: 13 + 2 * execution_output."""
    return FIXED_COLUMNS + 2 * output_length


def execution_runs(instance: Instance, limit: int) -> tuple[tuple[bytes, bytes | None], ...]:
    """(input, expected output or None) of each run: the first `limit` visible examples, else one run from
    `visible_output`."""
    if instance.examples:
        return tuple((example.input, example.output) for example in instance.examples[:limit])
    return ((b"", family_class(instance.family).visible_output(instance)),)


def bf_options(instance: Instance, language: str) -> BrainfuckOptions | None:
    """The BrainfuckOptions `language` runs `instance` under (its run_options applied); None outside the BF family."""
    from curricula.verify import language_for

    options = getattr(language_for(instance, language), "options", None)
    return options if isinstance(options, BrainfuckOptions) else None


def _common_prefix(output: bytes | bytearray, expected: bytes) -> int:
    if expected.startswith(output):
        return len(output)
    matched = 0
    for produced, wanted in zip(output, expected):
        if produced != wanted:
            break
        matched += 1
    return matched


def potential_of(runs: Sequence[tuple[bytes | bytearray, bytes | None, int]], cell_modulus: int = 256) -> float:
    """Φ of a state: the mean over runs of how far each run's output is toward its expected output.

    Each run is (output o, expected e or None, current cell c). For a run
    with a known, non-empty e (n = len(e) >= 1):

        m = length of the common prefix of o and e
        if m < n:  v = o[m] if o has a byte at m (the first wrong byte written), else c (the next byte to write)
                   closeness = max(0, 1 - d(v, e[m]) / 32), d = min((v - e[m]) mod M, (e[m] - v) mod M), M = cell_modulus
                   x = max(0, len(o) - m - 1)       bytes written after the first wrong one
        if m = n:  closeness = 0, x = len(o) - n   bytes written after the whole expected output
        phi_run = clip((m + 0.5 * closeness - x) / n, -1, 1)

    Φ = mean of phi_run over those runs; 0 when there is none. A run whose
    expected output is unknown (None) or empty has no potential and is left
    out of the mean. Φ = 1 exactly when every counted run wrote its whole
    expected output and nothing more. The first wrong byte keeps the
    closeness of its value, so writing a byte near the target scores above
    writing one far from it (for target 3: `++.` above `.`), and writing it
    loses nothing against the cell it was.
    """
    total, counted = 0.0, 0
    for output, expected, cell in runs:
        if not expected:
            continue
        n = len(expected)
        matched = _common_prefix(output, expected)
        closeness = 0.0
        if matched < n:
            value = output[matched] if len(output) > matched else cell
            distance = min((value - expected[matched]) % cell_modulus, (expected[matched] - value) % cell_modulus)
            closeness = max(0.0, 1.0 - distance / CLOSENESS_RANGE)
            extra = max(0, len(output) - matched - 1)
        else:
            extra = len(output) - n
        total += min(1.0, max(-1.0, (matched + 0.5 * closeness - extra) / n))
        counted += 1
    return total / counted if counted else 0.0


class ExecutionObserver:
    """The `execution` rows of one env, kept up to date token by token; `start` at reset, `push` at every step."""

    def __init__(self, examples: int, steps: int, output_length: int):
        self.examples, self.steps, self.output_length = examples, steps, output_length
        self.shape = (examples, execution_width(output_length))
        self._rows = np.zeros(self.shape, dtype=np.int32)
        self._traces: list[PrefixTrace] = []
        self._grid_traces: list[BefungeTrace] = []
        self._expected: list[bytes | None] = []
        self._shown: list[int] = []
        self._phi: list[float] = []
        self._modulus = 256
        self._ops: list[int] = []
        self._ops_by_table: dict[TokenTable, list[int]] = {}
        self._tokens: tuple[str, ...] = ()

    def start(self, instance: Instance, table: TokenTable, options: BrainfuckOptions | None) -> None:
        """Start the runs of a new episode (empty program): Brainfuck-family runs under `options`, Befunge-93 runs
        for a 'grid' table; no runs otherwise (rows of 0)."""
        self._rows[:] = PAD
        self._traces, self._grid_traces = [], []
        self._expected, self._shown, self._phi = [], [], []
        runs = execution_runs(instance, self.examples)
        if table.kind == "grid":
            from curricula.verify import VERIFY_SEED, output_budget

            self._tokens = ("",) + table.tokens  # action id -> cell token; STOP (0) never reaches push
            self._modulus = 256
            max_output = output_budget(instance.tests)
            for stdin, _ in runs:
                self._grid_traces.append(BefungeTrace(stdin, self.steps, VERIFY_SEED, max_output=max_output))
        elif options is not None and table.kind == "brackets":
            ops = self._ops_by_table.get(table)
            if ops is None:
                # Action id -> operation code; STOP (0) and effects that are no BF command never reach push.
                ops = [-1] + [EFFECT_ID_OPS.get(effect, -1) for effect in table.effects]
                self._ops_by_table[table] = ops
            self._ops = ops
            self._modulus = options.cell_modulus
            self._traces = [PrefixTrace(options, stdin, self.steps) for stdin, _ in runs]
        else:
            return
        length = self.output_length
        for row, (stdin, expected) in enumerate(runs):
            self._expected.append(expected)
            self._shown.append(0)
            self._phi.append(0.0)
            self._rows[row, 9] = BYTE_OFFSET + min(len(stdin), 255)
            if expected is not None:
                shown = expected[:length]
                self._rows[row, FIXED_COLUMNS : FIXED_COLUMNS + 2 * len(shown) : 2] = (
                    np.frombuffer(shown, dtype=np.uint8).astype(np.int32) + BYTE_OFFSET
                )
            self._write(row)

    def push(self, action: int) -> None:
        """Append the token of `action` (an action id >= 1 of the episode's table) to every run and resume it."""
        if self._grid_traces:
            token = self._tokens[action]
            for row, grid_trace in enumerate(self._grid_traces):
                paused = (grid_trace.status, grid_trace.steps)
                grid_trace.push(token)  # a finished run only records the cell: it changes no more
                if (grid_trace.status, grid_trace.steps) != paused:
                    self._write(row)  # else still paused on the same cell: the row is unchanged
            return
        if not self._traces:
            return
        op = self._ops[action]
        if op < 0:
            return
        for row, trace in enumerate(self._traces):
            if trace.status >= OUT_OF_STEPS:
                trace.push_op(op)  # keeps the code whole; a finished run changes no more
                continue
            before = trace.status
            trace.push_op(op)
            if before == WAITING and trace.status == WAITING:
                continue  # still paused on the same `[`: the row is unchanged
            self._write(row)

    def _write(self, row: int) -> None:
        """Columns 0..12 of `row` from its run's state, the new output pairs, and its phi."""
        output, expected = self._runs_output(row), self._expected[row]
        if self._grid_traces:
            grid_trace = self._grid_traces[row]
            value = grid_trace.top  # the stack top plays the BF cell's part (column 2, the step, the closeness)
            second = grid_trace.second
            state: tuple[int, ...] = (
                grid_trace.status,
                BYTE_OFFSET + grid_trace.x,
                BYTE_OFFSET + value % 256,
                BYTE_OFFSET + grid_trace.y,
                BYTE_OFFSET + grid_trace.direction,
                BYTE_OFFSET + int(grid_trace.string_mode),
                PAD if second is None else BYTE_OFFSET + second % 256,
                BYTE_OFFSET + min(len(grid_trace.stack), 255),
                BYTE_OFFSET + min(grid_trace.consumed, 255),
            )
        else:
            trace = self._traces[row]
            value, ptr = trace.cell, trace.ptr
            cells = [trace.tape_cell(index) for index in range(ptr - 2, ptr + 3)]
            state = (
                trace.status,
                BYTE_OFFSET + min(ptr, 255),
                BYTE_OFFSET + value % 256,
                *(PAD if cell is None else BYTE_OFFSET + cell % 256 for cell in cells),
                BYTE_OFFSET + min(trace.consumed, 255),
            )
        written = len(output)
        step = following = PAD
        if expected is not None:
            matched = _common_prefix(output, expected)
            if matched < written:
                step = following = CUT
            elif written == len(expected):
                step = following = END
            else:
                following = BYTE_OFFSET + expected[written]
                step = BYTE_OFFSET + (expected[written] - value) % 256
        self._rows[row, :FIXED_COLUMNS] = (
            *state,
            self._rows[row, 9],
            BYTE_OFFSET + min(written, 255),
            following,
            step,
        )
        shown = self._shown[row]
        if written < shown:  # a Befunge program that stopped fitting the grid: a syntax_error has no output
            self._rows[row, FIXED_COLUMNS + 1 :: 2] = PAD
            self._shown[row] = shown = 0
        if written > shown and shown < self.output_length:
            new = output[shown : self.output_length]
            start = FIXED_COLUMNS + 1 + 2 * shown
            self._rows[row, start : start + 2 * len(new) : 2] = (
                np.frombuffer(bytes(new), dtype=np.uint8).astype(np.int32) + BYTE_OFFSET
            )
            self._shown[row] = shown + len(new)
        if expected:
            # Each run's phi is kept with its row (it changes only when the row does); `potential` averages them.
            self._phi[row] = potential_of(((output, expected, value),), self._modulus)

    def _runs_output(self, row: int) -> bytearray:
        return self._grid_traces[row].output if self._grid_traces else self._traces[row].output

    def passes_visible(self) -> bool:
        """Whether the program so far, were it to end here, passes the visible runs: at least one run has a known
        expected output, and every such run is READY (ran to the end of the program; for Befunge-93, reached `@`)
        with exactly its expected output. Open loops are the caller's to check (a run inside a loop body is READY).
        """
        known = [row for row, expected in enumerate(self._expected) if expected is not None]
        if not known:
            return False
        for row in known:
            status = self._grid_traces[row].status if self._grid_traces else self._traces[row].status
            output, expected = self._runs_output(row), self._expected[row]
            assert expected is not None, "rows of known runs only"
            if status != READY or len(output) != len(expected) or bytes(output) != expected:
                return False
        return True

    def observation(self) -> np.ndarray:
        """A copy of the (E, F) int32 rows."""
        return self._rows.copy()

    def potential(self) -> float:
        """Φ of the current state (`potential_of` over the runs); 0 with no runs."""
        counted = [phi for phi, expected in zip(self._phi, self._expected) if expected]
        return sum(counted) / len(counted) if counted else 0.0
