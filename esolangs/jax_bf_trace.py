"""Resumable prefix tracing of Brainfuck in JAX: run a program that is still being written, one token at a time.

"Execution so far" of a prefix P on input I is the real execution of any
completion of P, run until it first needs a token that is not written yet
(issue 21's contract, section 1). A run starts at pc 0 with every cell 0 and
executes instructions while pc < len(P):
- `[` on a zero cell jumps past its matching `]`; while that `]` is not
  written the run pauses there (WAITING, pc on the `[`, no step charged) and
  goes on as soon as it is appended;
- `]` on a nonzero cell jumps back to just after its matching `[`;
- every executed instruction costs one step; the run stops for good with
  OUT_OF_STEPS when the budget is spent and another instruction is due, and
  with ERROR on a runtime error of the options' semantics (`<` at cell 0
  under left_edge="error", `>` past the tape's last cell, an output past
  max_output);
- a `]` with no open `[` (the env's mask never lets one through) ends every
  live run with ERROR as soon as it is written under unmatched="error" (no
  completion avoids the syntax_error), and is a no-op costing a step under
  unmatched="ignore", as in `esolangs.bf_trace` (the Python twin);
- cell wrap (modulus), cell step, EOF rule, left edge and tape size are the
  run's `esolangs.jax_bf.RunOptions`, as the reference interpreter reads them.
After a token is appended (`append`) the paused run is *resumed* (`resume`,
a `lax.while_loop` up to the next pause), so the state of a finished
program equals the reference's run under the budget and nothing is re-run.

The state of one run is a `TraceState` of fixed-shape arrays; every function
works on one run and one program, so `jax.vmap` gives runs and envs:

    program = empty_program(64)
    state = start(jnp.bool_(True), tape_cells=257, output_cells=8)
    program = append(program, CODE_OF["+"])
    state = resume(program, state, run)          # run: a TraceRun (input, expected output, options)

The tape array holds `tape_cells` cells; it is exact when tape_cells >
the budget (`run.options.max_steps`), because a pointer moves one cell per
step; cells past the array read 0 and the real `tape_size` decides the
right-edge error. The state keeps the first `output_cells` output bytes,
the output's length and `agree`, the length of the common prefix of the
output and the run's expected output, which is all an observer of
"output so far beside the expected output" needs.

Nothing raises inside these functions (statuses are codes). jax is imported
here only; `import esolangs` does not import this module.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax import custom_batching

from esolangs.bf_semantics import EOF_CODE
from esolangs.jax_bf import CLOSE_CODE, COMMA, DOT, LEFT, MINUS, OPEN_CODE, PLUS, RIGHT, RunOptions

NONE, READY, WAITING, OUT_OF_STEPS, ERROR = range(5)
"""Trace statuses: no such run, paused at the end of the prefix, paused on a `[` whose `]` is unwritten,
budget spent, runtime error. The ids are the observation's status tokens (contract section 1)."""
TRACE_STATUS_NAMES = ("none", "ready", "waiting", "out_of_steps", "error")

_EOF_UNCHANGED = EOF_CODE["unchanged"]
_EOF_MINUS_ONE = EOF_CODE["minus_one"]


class TraceProgram(NamedTuple):
    """A program prefix as command codes (esolangs.jax_bf.CODE_OF) with its brackets matched as they are written."""

    codes: Any
    """int32 [P] command codes, 0 past `length`."""
    length: Any
    """int32 [] commands written."""
    partner: Any
    """int32 [P] the matching bracket's position; -1 while it is unwritten (or a `]` has no `[`)."""
    stack: Any
    """int32 [P] positions of the `[`s still open, bottom first."""
    depth: Any
    """int32 [] how many `[` are open."""
    stray_close: Any
    """bool [] a `]` with no open `[` was written (the finished program is a syntax_error under unmatched="error")."""


class TraceState(NamedTuple):
    """One run of a prefix: the interpreter state plus what an observer of its output needs."""

    status: Any
    """int32 [] NONE .. ERROR."""
    pc: Any
    """int32 [] next command to execute (on the `[` while WAITING)."""
    ptr: Any
    """int32 [] cell pointer."""
    tape: Any
    """int32 [tape_cells] cells 0 .. tape_cells-1 (each in 0 .. modulus-1)."""
    output: Any
    """int32 [output_cells] the first output bytes, 0 past output_length."""
    output_length: Any
    """int32 [] bytes written."""
    agree: Any
    """int32 [] length of the common prefix of the output and the expected output."""
    consumed: Any
    """int32 [] input bytes read."""
    steps: Any
    """int32 [] instructions executed."""


COMMANDS_PER_ROUND = 4
"""Commands a batch of runs executes per round of its while_loop (lanes with nothing due wait, masked)."""
_SCALARS = tuple(name for name in TraceState._fields if name not in ("tape", "output"))


class TraceRun(NamedTuple):
    """What one run reads besides the program: its input, the expected output it is compared with, its options."""

    input: Any
    """uint8 or int32 [I] input bytes, padded."""
    input_length: Any
    """int32 []."""
    expected: Any
    """uint8 or int32 [X] expected output bytes, padded."""
    expected_length: Any
    """int32 [] (-1: unknown; `agree` then stays 0)."""
    options: RunOptions
    """scalar fields: cell modulus, tape size, EOF rule, left edge, unmatched, cell step; max_steps is the trace budget
    (at most tape_cells - 1 for an exact tape) and max_output the output budget."""


def empty_program(max_length: int) -> TraceProgram:
    """The empty prefix of a program of at most `max_length` commands."""
    zeros = jnp.zeros(max_length, jnp.int32)
    return TraceProgram(zeros, jnp.int32(0), jnp.full(max_length, -1, jnp.int32), zeros, jnp.int32(0), jnp.bool_(False))


def append(program: TraceProgram, code: Any) -> TraceProgram:
    """`program` with one command code appended (code 0, or a full program: unchanged); matches a `]` to its `[`."""
    code = jnp.asarray(code, jnp.int32)
    size = program.codes.shape[0]
    writes = (code > 0) & (program.length < size)
    at = jnp.minimum(program.length, size - 1)
    opens = writes & (code == OPEN_CODE)
    closes = writes & (code == CLOSE_CODE) & (program.depth > 0)
    stray = writes & (code == CLOSE_CODE) & (program.depth == 0)
    top = jnp.maximum(program.depth - 1, 0)
    opener = program.stack[top]
    partner = program.partner
    partner = partner.at[at].set(jnp.where(closes, opener, partner[at]))
    partner = partner.at[opener].set(jnp.where(closes, at, partner[opener]))
    stack = program.stack.at[jnp.minimum(program.depth, size - 1)].set(
        jnp.where(opens, at, program.stack[jnp.minimum(program.depth, size - 1)])
    )
    return TraceProgram(
        codes=program.codes.at[at].set(jnp.where(writes, code, program.codes[at])),
        length=program.length + writes.astype(jnp.int32),
        partner=partner,
        stack=stack,
        depth=program.depth + opens.astype(jnp.int32) - closes.astype(jnp.int32),
        stray_close=program.stray_close | stray,
    )


def start(live: Any, *, tape_cells: int, output_cells: int) -> TraceState:
    """The state before any command: READY for a live run, NONE (all zero) for a missing one."""
    zero = jnp.int32(0)
    return TraceState(
        status=jnp.where(jnp.asarray(live), READY, NONE).astype(jnp.int32),
        pc=zero,
        ptr=zero,
        tape=jnp.zeros(tape_cells, jnp.int32),
        output=jnp.zeros(output_cells, jnp.int32),
        output_length=zero,
        agree=zero,
        consumed=zero,
        steps=zero,
    )


def _due(program: TraceProgram, state: TraceState, budget: Any) -> Any:
    """Whether one run has something to do now: execute the command at pc, or find its budget spent there.

    Not due: paused at the end of the prefix, or blocked on a `[` on a zero
    cell whose `]` is not written (the run cannot go on until it is).
    """
    live = (state.status == READY) | (state.status == WAITING)
    pc = jnp.minimum(state.pc, program.codes.shape[0] - 1)
    cell = state.tape[jnp.minimum(state.ptr, state.tape.shape[0] - 1)]
    blocked = (program.codes[pc] == OPEN_CODE) & (cell == 0) & (program.partner[pc] < 0)
    return live & (state.pc < program.length) & ((state.steps >= budget) | ~blocked)


def _execute(program: TraceProgram, state: TraceState, run: TraceRun):
    """One command at pc of one run (the caller knows one is due), as esolangs.brainfuck.run_reference executes it.

    Returns the new state with `tape` and `output` left as they were, and
    the writes to them: (state, cell value at the old ptr, output written?,
    output byte). Keeping the arrays out lets a batch of runs write them
    with one scatter each instead of copying every run's tape every step.
    """
    options = run.options
    modulus = options.modulus
    size = program.codes.shape[0]
    pc = jnp.minimum(state.pc, size - 1)
    code = program.codes[pc]
    partner = program.partner[pc]
    cells = state.tape.shape[0]
    cell = state.tape[jnp.minimum(state.ptr, cells - 1)]
    # the budget is checked before a command takes effect: a spent run stops where it stands
    spent = state.steps >= options.max_steps

    # '>' and '<': the edges
    right_error = (code == RIGHT) & (state.ptr + 1 >= options.tape_size)
    left_error = (code == LEFT) & (state.ptr == 0) & ~options.clamp
    moved = (
        state.ptr + jnp.where((code == RIGHT) & ~right_error, 1, 0) - jnp.where((code == LEFT) & (state.ptr > 0), 1, 0)
    )

    # ',': a byte of input (mod the cell modulus) or the EOF rule
    has_input = state.consumed < run.input_length
    byte_in = run.input[jnp.minimum(state.consumed, run.input.shape[0] - 1)].astype(jnp.int32)
    eof_value = jnp.where(options.eof == _EOF_MINUS_ONE, modulus - 1, jnp.where(options.eof == _EOF_UNCHANGED, cell, 0))
    read = jnp.where(has_input, byte_in % modulus, eof_value)

    # '.': the byte written, compared with the expected output while the two still agree
    output_error = (code == DOT) & (state.output_length >= options.max_output)
    writes = (code == DOT) & ~output_error & ~spent
    byte_out = cell % 256
    expected_at = run.expected[jnp.clip(state.output_length, 0, run.expected.shape[0] - 1)].astype(jnp.int32)
    still_agrees = (state.agree == state.output_length) & (state.output_length < run.expected_length)
    agree = state.agree + (writes & still_agrees & (expected_at == byte_out)).astype(jnp.int32)

    # brackets: a matched '[' on zero jumps past its ']', a matched ']' on nonzero back after its '['
    unmatched_close = (code == CLOSE_CODE) & (partner < 0) & ~options.ignore_unmatched
    jumps = ((code == OPEN_CODE) & (cell == 0) & (partner >= 0)) | ((code == CLOSE_CODE) & (cell != 0) & (partner >= 0))
    next_pc = jnp.where(jumps, partner + 1, state.pc + 1)

    step = options.cell_step  # what `+` adds and `-` subtracts; % is a floor modulo, so cell - step wraps
    new_cell = jnp.where(
        code == PLUS,
        (cell + step) % modulus,
        jnp.where(code == MINUS, (cell - step) % modulus, jnp.where(code == COMMA, read, cell)),
    )
    error = right_error | left_error | output_error | unmatched_close
    status = jnp.where(spent, OUT_OF_STEPS, jnp.where(error, ERROR, READY)).astype(jnp.int32)
    stays = spent | error
    executed = state._replace(
        status=status,
        pc=jnp.where(stays, state.pc, next_pc),
        ptr=jnp.where(stays, state.ptr, moved),
        output_length=state.output_length + writes.astype(jnp.int32),
        agree=agree,
        consumed=state.consumed + ((code == COMMA) & has_input & ~spent).astype(jnp.int32),
        steps=state.steps + (~spent).astype(jnp.int32),
    )
    return executed, jnp.where(spent, cell, new_cell), writes, byte_out


def _resume_lanes(program: TraceProgram, state: TraceState, run: TraceRun) -> TraceState:
    """`resume` for K runs at once: every argument has a leading lane axis [K] (the program repeated per run).

    One `lax.while_loop` while any lane has a command due; each round runs
    one command on every due lane (per-lane logic vmapped, scalars only) and
    writes the tapes and outputs with one masked scatter each, so a round
    costs O(K), not O(K * tape_cells) as a vmapped while_loop (which selects
    its whole carry every round) would.
    """
    budget = run.options.max_steps
    # No completion mends a stray ']' under unmatched="error": every live run ends where it stands.
    broken = program.stray_close & ~run.options.ignore_unmatched
    live = (state.status == READY) | (state.status == WAITING)
    state = state._replace(status=jnp.where(broken & live, ERROR, state.status).astype(jnp.int32))
    lanes = jnp.arange(state.status.shape[0])
    due_of = jax.vmap(_due)
    execute = jax.vmap(_execute)

    def going(carry):
        return jnp.any(carry[1])

    def one_command(state, due):
        executed, cell, writes, byte = execute(program, state, run)
        ptr = jnp.minimum(state.ptr, state.tape.shape[1] - 1)
        tape = state.tape.at[lanes, ptr].set(jnp.where(due, cell, state.tape[lanes, ptr]))
        slot = jnp.minimum(state.output_length, state.output.shape[1] - 1)
        shown = due & writes & (state.output_length < state.output.shape[1])
        output = state.output.at[lanes, slot].set(jnp.where(shown, byte, state.output[lanes, slot]))
        picked = {name: jnp.where(due, getattr(executed, name), getattr(state, name)) for name in _SCALARS}
        state = state._replace(tape=tape, output=output, **picked)
        return state, due_of(program, state, budget)

    def one_round(carry):
        # several commands per round: a round's predicate (a device-to-host sync on accelerators) is paid once
        for _ in range(COMMANDS_PER_ROUND):
            carry = one_command(*carry)
        return carry

    state, _ = jax.lax.while_loop(going, one_round, (state, due_of(program, state, budget)))
    live = (state.status == READY) | (state.status == WAITING)
    waiting = live & (state.pc < program.length)  # nothing is due: a blocked '['
    return state._replace(status=jnp.where(waiting, WAITING, jnp.where(live, READY, state.status)).astype(jnp.int32))


@custom_batching.custom_vmap
def _resume_flat(program: TraceProgram, state: TraceState, run: TraceRun) -> TraceState:
    return _resume_lanes(program, state, run)


@_resume_flat.def_vmap
def _resume_flat_vmap(axis_size, in_batched, program, state, run):
    """Under vmap, fold the mapped axis into the lane axis: nested vmaps (runs, envs) become one flat batch."""

    def spread(tree, batched):
        return jax.tree.map(lambda a, b: a if b else jnp.broadcast_to(a, (axis_size, *a.shape)), tree, batched)

    def merge(a):
        return a.reshape((axis_size * a.shape[1], *a.shape[2:]))

    args = [jax.tree.map(merge, spread(tree, batched)) for tree, batched in zip((program, state, run), in_batched)]
    out = _resume_flat(*args)  # under an outer vmap this rule applies again
    out = jax.tree.map(lambda a: a.reshape((axis_size, a.shape[0] // axis_size, *a.shape[1:])), out)
    return out, jax.tree.map(lambda _: True, out)


def resume(program: TraceProgram, state: TraceState, run: TraceRun) -> TraceState:
    """Run from where `state` paused until the next pause (READY, WAITING) or stop (OUT_OF_STEPS, ERROR).

    A NONE, OUT_OF_STEPS or ERROR run is returned unchanged. Jittable and
    vmappable (over runs with the program shared, then over envs): under
    vmap every run of every env becomes one lane of a single batched loop.
    """
    one = jax.tree.map(lambda a: jnp.asarray(a)[None], (program, state, run))
    return jax.tree.map(lambda a: a[0], _resume_flat(*one))


def trace(program: TraceProgram, run: TraceRun, *, tape_cells: int, output_cells: int) -> TraceState:
    """The state of a whole prefix traced from scratch (tests and one-off use; envs resume instead)."""
    return resume(program, start(jnp.bool_(True), tape_cells=tape_cells, output_cells=output_cells), run)


__all__ = [
    "ERROR",
    "NONE",
    "OUT_OF_STEPS",
    "READY",
    "TRACE_STATUS_NAMES",
    "WAITING",
    "TraceProgram",
    "TraceRun",
    "TraceState",
    "append",
    "empty_program",
    "resume",
    "start",
    "trace",
]
