"""Batched Brainfuck on JAX: fold programs and run whole batches inside jit, exact to the reference interpreter.

Two layers:
- the jittable core, `fold_programs` and `run_pool` (`compile_and_run` does
  both), on padded int arrays: programs as command ids (CODE_OF: 0 pad,
  1..8 for `><+-.,[]`, e.g. a token env's action ids mapped through its
  effects), inputs as padded byte arrays, every limit and option a
  per-program array. A pool of N programs runs on a few interpreter lanes;
  a lane whose program ends takes the next one, so a batch does not wait
  for its slowest program. Nothing in it raises: statuses are codes
  (STATUS_NAMES).
- the host API, `run_batch(programs, inputs, max_steps=..., max_output=...)
  -> list[Execution]`, which encodes text with numpy, pads to a few fixed
  shape buckets (so jit compiles once per bucket, not per program) and turns
  the arrays back into `esolangs.Execution`s with the reference's messages.

Folding (done in JAX, vectorized over a batch). An instruction is one run of
`>` or of `<`, then one run of `+`/`-` (net amount), then at most one of the
terminators `. , [ ]`. A loop whose body is moves and adds with net move 0,
visiting offsets within +-WINDOW of its entry cell (`[-]`, `[->+<]`,
`[->++>+++<<]`), is a LOOP: solved in closed form like
`brainfuck_fast` (n = smallest n >= 1 with v + n*d = 0 mod B, by a modular
inverse computed when folding; cost 1 + n*(body+1) steps). Under a cell
step s (`+` adds s) every amount is folded as s times its net count, so d
and the other cells' amounts are the real ones and the closed form stays
exact. A loop whose
body is one run of `>` or `<` (`[>]`, `[<<]`) ends with a SCAN: its `]`
looks for the zero cell among the next WINDOW cells in one interpreter
step. Both keep the body's ordinary instructions after them and fall back to
running them when the idiom would touch a tape edge, so edges are charged
exactly as the reference charges them. A loop whose body is only k `.`
(`[.]`, `[..]`: a policy's most common long run, printing until the output
limit) is a PRINT: entered on a nonzero cell it never exits, so its end is
computed at the `[` (which of the step and output limits comes first, the
steps and bytes up to it); the bytes, all the same, are filled in when the
lane's result is harvested.

Exact step counting: each phase of an instruction (move run, add run,
terminator) checks the remaining budget before it takes effect, and a
move run that crosses an edge is charged up to the fatal instruction, as in
`brainfuck_fast._careful_segment`. When the budget runs out inside a closed
form the observable result is known without simulating (step_limit,
steps = max_steps, the output so far), because closed forms write no output
and, inside the tape, raise no error.

Limits of this backend (checked on the host, ValueError naming the value):
cell_modulus <= 65536 (loop arithmetic stays within uint32), max_steps <
2**30. Output beyond the output bucket and programs beyond the longest
length bucket are run by the Python fast path instead (exact, just slower),
as are unbalanced programs under unmatched='error' (for the reference's
syntax-error message).

Speed (scripts/bench_jax_verifier.py): on a CPU every lane pays for every
branch of a step, and a step of a few lanes costs about as much as one of
64 (tens of us: per-kernel overhead, not arithmetic), so a batch costs its
longest run's steps; folding costs ~30 us per program of 128-256 commands
(its gathers and scatters) and the host's encoding ~7 us. The Python fast
path, which solves the same idioms in closed form, stays about as fast
there (1.1-1.5x on print-style programs); the batch is meant for
accelerators and for verification inside a jitted training loop, where
the programs never leave the device.

jax is imported here only; `import esolangs` does not import this module.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from esolangs.base import (
    MEMORY_LIMIT,
    OK,
    OUTPUT_LIMIT,
    RUNTIME_ERROR,
    STEP_LIMIT,
    SYNTAX_ERROR,
    Execution,
    Limits,
    as_source,
    as_stdin,
)
from esolangs.bf_semantics import (
    COMMANDS,
    EOF_CODE,
    BrainfuckOptions,
    left_edge_error,
    memory_limit,
    output_limit,
    step_limit,
)

# ---------------------------------------------------------------- codes shared with the env

CODE_OF = {command: index + 1 for index, command in enumerate(COMMANDS)}
"""Command -> program code (0 is padding): > 1, < 2, + 3, - 4, . 5, , 6, [ 7, ] 8."""
PAD, RIGHT, LEFT, PLUS, MINUS, DOT, COMMA, OPEN_CODE, CLOSE_CODE = range(9)

RUNNING = 0
STATUS_NAMES = ("running", OK, SYNTAX_ERROR, STEP_LIMIT, OUTPUT_LIMIT, MEMORY_LIMIT, RUNTIME_ERROR)
"""Status code -> name; the codes the core returns (0 only while a run is unfinished)."""
STATUS_CODE = {name: code for code, name in enumerate(STATUS_NAMES)}
S_OK, S_SYNTAX, S_STEP, S_OUTPUT, S_MEMORY, S_RUNTIME = range(1, 7)
S_OVERFLOW = 7
"""Not a status of the language: the output bucket filled before max_output; the host reruns the program."""


WINDOW = 8
"""Closed-form loops may visit offsets -WINDOW..WINDOW; scans look this many cells ahead per interpreter step."""
_W = 2 * WINDOW + 1

# Instruction kinds (the terminator of an instruction).
K_NONE, K_OUT, K_IN, K_OPEN, K_CLOSE, K_NOP, K_LOOP, K_SCAN, K_HALT, K_PRINT = range(10)
# Instruction fields (one row per instruction). F_STRIDE: a SCAN's net move, a PRINT's number of dots.
F_KIND, F_MOVE, F_ADD, F_ADD_COST, F_TARGET, F_STRIDE, F_LOOP = range(7)
NUM_FIELDS = 7
# Closed-form loop fields (one row per LOOP; F_LOOP of its '[' instruction is the row).
L_LOW, L_HIGH, L_PER, L_GCD, L_INV = range(5)
L_AMOUNTS = 5
LOOP_FIELDS = L_AMOUNTS + _W


def max_loops(length: int) -> int:
    """Closed-form loops a program of `length` commands may have; loops past it run as ordinary loops (exact)."""
    return max(1, min(length // 2, 32))


MAX_MODULUS = 1 << 16
MAX_STEPS = (1 << 30) - 1


class RunOptions(NamedTuple):
    """The per-program Brainfuck options and limits the interpreter reads, as one pytree of arrays.

    Each field is an array with one entry per program ([N]; a token env's
    pool holds [E, N]), so `jax.tree.map` indexes, repeats or pads all of
    them at once. Build it with `run_options` from BrainfuckOptions; the
    jitted functions take it whole instead of eight positional arrays.
    """

    modulus: Any
    """int32 cell modulus (BrainfuckOptions.cell_modulus)."""
    tape_size: Any
    """int32 cells on the tape."""
    max_steps: Any
    """int32 step budget of the run."""
    max_output: Any
    """int32 output budget in bytes."""
    clamp: Any
    """bool: '<' at cell 0 stays at 0 (left_edge='clamp') rather than ending the run."""
    eof: Any
    """int32 EOF_CODE of the ',' rule at end of input."""
    ignore_unmatched: Any
    """bool: unmatched brackets are no-ops (unmatched='ignore') rather than a syntax error."""
    cell_step: Any
    """int32 what `+` adds and `-` subtracts (BrainfuckOptions.cell_step); folding multiplies every add by it."""


def run_options(
    options: BrainfuckOptions | Sequence[BrainfuckOptions],
    max_steps: int | Sequence[int] | np.ndarray,
    max_output: int | Sequence[int] | np.ndarray,
) -> RunOptions:
    """RunOptions of numpy arrays: one BrainfuckOptions for every program or one per program, limits likewise.

    The shape is that of the per-program arguments (they must agree); an
    output budget past int32 is clipped (no run writes 2**31 bytes).
    """
    steps = np.asarray(max_steps, np.int64)
    output = np.asarray(max_output, np.int64).clip(0, 2**31 - 1)
    uniform = isinstance(options, BrainfuckOptions)
    each: list[BrainfuckOptions] = [options] if isinstance(options, BrainfuckOptions) else list(options)
    shape = np.broadcast_shapes(steps.shape, output.shape, () if uniform else (len(each),))

    def field(value_of, dtype):
        values = np.asarray([value_of(o) for o in each], dtype)
        return np.broadcast_to(values[0] if uniform else values, shape).astype(dtype)

    return RunOptions(
        modulus=field(lambda o: o.cell_modulus, np.int32),
        tape_size=field(lambda o: o.tape_size, np.int32),
        max_steps=np.broadcast_to(steps, shape).astype(np.int32),
        max_output=np.broadcast_to(output, shape).astype(np.int32),
        clamp=field(lambda o: o.left_edge == "clamp", bool),
        eof=field(lambda o: EOF_CODE[o.eof], np.int32),
        ignore_unmatched=field(lambda o: o.unmatched == "ignore", bool),
        cell_step=field(lambda o: o.cell_step, np.int32),
    )


LENGTH_BUCKETS = (64, 128, 256, 1024, 4096)
"""Program lengths (commands) the core is compiled for; longer programs run on the Python fast path."""
OUTPUT_BUCKETS = (16, 64, 256, 1024)
INPUT_BUCKETS = (16, 64, 256, 1024, 4096)
MIN_TAPE_BUCKET = 64


def _bucket(value: int, buckets: Sequence[int]) -> int | None:
    for size in buckets:
        if value <= size:
            return size
    return None


def _pow2_at_least(value: int, floor: int) -> int:
    size = floor
    while size < value:
        size *= 2
    return size


# ---------------------------------------------------------------- folding (jittable)


def _ext_gcd(delta, modulus):
    """gcd(delta, modulus) and the inverse of delta/g modulo modulus/g, elementwise (delta in [0, modulus)).

    A while_loop that stops when every element is done: the common deltas
    (1, modulus-1, 0) need at most two Euclid steps.
    """

    def going(carry):
        return jnp.any(carry[1] != 0)

    def body(carry):
        r0, r1, t0, t1 = carry
        active = r1 != 0
        q = jax.lax.div(r0, jnp.where(active, r1, 1))
        return (
            jnp.where(active, r1, r0),
            jnp.where(active, r0 - q * r1, r1),
            jnp.where(active, t1, t0),
            jnp.where(active, t0 - q * t1, t1),
        )

    r0, _, t0, _ = jax.lax.while_loop(going, body, (modulus, delta, jnp.zeros_like(delta), jnp.ones_like(delta)))
    return r0, jnp.mod(t0, modulus // r0)


def _take(values, index):
    """values[b, index[b, m]] for a batch: values [B, N, ...], index [B, M] in [0, N) -> [B, M, ...].

    One flat gather: XLA on CPU runs it about 3x faster than the batched gather vmap would emit.
    """
    batch, size = values.shape[:2]
    flat = values.reshape((batch * size,) + values.shape[2:])
    return flat[index + (jnp.arange(batch, dtype=jnp.int32) * size)[:, None]]


def _put(size, index, values, fill, combine="set"):
    """A [B, size] array of `fill` with values[b, m] stored (or added, or min/max-ed) at index[b, m]."""
    batch = index.shape[0]
    flat_index = (index + (jnp.arange(batch, dtype=jnp.int32) * size)[:, None]).reshape(-1)
    out = jnp.full(batch * size, fill, values.dtype)
    out = getattr(out.at[flat_index], combine)(values.reshape(-1))
    return out.reshape(batch, size)


def _prefix_sum(values):
    """Inclusive prefix sums along axis 1 by a parallel scan: XLA's cumsum on CPU costs O(L^2) per row."""
    return jax.lax.associative_scan(jnp.add, values, axis=1)


def _first_below(depth, start, level):
    """For each (b, t): the first j >= start with depth[b, j] < level[b, t] (L when none), by binary lifting."""
    batch, length = depth.shape
    big = jnp.int32(1 << 30)
    levels = max(1, (length - 1).bit_length())
    mins = [depth]  # mins[k][t] = min(depth[t : t + 2**k]) (clipped at L)
    for k in range(1, levels + 1):
        previous = mins[-1]
        shift = min(1 << (k - 1), length)
        shifted = jnp.concatenate([previous[:, shift:], jnp.full((batch, shift), big, jnp.int32)], axis=1)
        mins.append(jnp.minimum(previous, shifted))
    position = start
    for k in range(levels, -1, -1):
        block_min = jnp.where(position < length, _take(mins[k], jnp.minimum(position, length - 1)), big)
        position = jnp.where(block_min >= level, position + (1 << k), position)
    return jnp.minimum(position, length)


def fold_programs(codes, modulus, ignore_unmatched=None, counts=None, cell_step=None):
    """Fold a batch: codes int32 [B, L] -> (instructions int32 [B, L+1, NUM_FIELDS], has_unmatched bool [B]).

    `counts` [B, L] (None: all 1) repeats each code that many times: a
    run-length encoded program (`run_length` on the host) folds in fewer
    positions; brackets, '.' and ',' must have count 1. `cell_step` [B]
    (None: all 1) is what each program's `+` adds: every amount (an
    instruction's add, a closed-form loop's delta and amounts) is the net
    count of + and - times it, so the closed forms stay exact (they are
    linear in the amounts and solve for the scaled delta); the step costs
    (F_ADD_COST) stay counts of commands.

    Instruction k of a program holds its tokens (end[k-1], end[k]]; every
    field is read at the instruction's last token (where its terminator,
    if any, sits) or differenced from prefix sums, so folding needs two
    scatters in all. `ignore_unmatched` is accepted for symmetry; unmatched
    brackets become NOP either way (run_pool decides syntax_error).
    """
    batch, length = codes.shape
    codes = codes.astype(jnp.int32)
    modulus = modulus.astype(jnp.int32)[:, None]
    positions = jnp.broadcast_to(jnp.arange(length, dtype=jnp.int32), (batch, length))
    real = codes > 0
    is_right = codes == RIGHT
    is_left = codes == LEFT
    is_add = (codes == PLUS) | (codes == MINUS)
    is_term = codes >= DOT
    is_open = codes == OPEN_CODE
    is_close = codes == CLOSE_CODE
    counts = jnp.ones_like(codes) if counts is None else counts.astype(jnp.int32)
    move_value = (is_right.astype(jnp.int32) - is_left.astype(jnp.int32)) * counts
    add_value = ((codes == PLUS).astype(jnp.int32) - (codes == MINUS).astype(jnp.int32)) * counts
    if cell_step is not None:
        add_value = add_value * cell_step.astype(jnp.int32)[:, None]

    # Brackets matched with a stack, as the reference does: the depth is floored at 0 (a ']' on an empty
    # stack is unmatched); an '[' is closed where the depth first falls below its level.
    walk = _prefix_sum(is_open.astype(jnp.int32) - is_close.astype(jnp.int32))
    depth = walk - jnp.minimum(jax.lax.associative_scan(jnp.minimum, walk, axis=1), 0)
    close_of = _first_below(depth, positions + 1, depth)
    matched_open = is_open & (close_of < length)
    open_of = _put(length + 1, jnp.where(matched_open, close_of, length), positions, -1)[:, :length]
    matched_close = is_close & (open_of >= 0)
    matched = matched_open | matched_close
    partner = jnp.where(matched_open, close_of, jnp.where(matched_close, open_of, positions))
    has_unmatched = jnp.any((is_open | is_close) & ~matched, axis=1)

    # Instructions: [run of one move direction][run of +/-][terminator].
    following = jnp.concatenate([codes[:, 1:], jnp.zeros((batch, 1), jnp.int32)], axis=1)
    starts_next = (following == 0) | is_term | (((following == RIGHT) | (following == LEFT)) & (following != codes))
    ends = real & starts_next  # the last token of an instruction
    instr = _prefix_sum(ends.astype(jnp.int32)) - ends.astype(jnp.int32)  # instruction of each token
    count = jnp.sum(ends.astype(jnp.int32), axis=1)
    slots = length + 1  # at most `length` instructions, then HALT
    end_of = _put(slots + 1, jnp.where(ends, instr, slots), positions, length)[:, :slots]  # L: no token

    # Loops whose body has no terminator (innermost, no I/O) are SCAN or LOOP candidates.
    prefix = _prefix_sum(
        jnp.stack(
            [
                is_term.astype(jnp.int32),
                move_value,
                is_add * counts,
                add_value,
                jnp.where(real, counts, 0),
                (codes == DOT).astype(jnp.int32),
            ],
            2,
        )
    )
    terms_before = prefix[..., 0]  # terminators in [0, t]
    moves_before = prefix[..., 1]
    adds_before = prefix[..., 2]
    commands_before = prefix[..., 4]  # original commands in [0, t]
    dots_before = prefix[..., 5]
    at_partner = _take(
        jnp.stack([terms_before, moves_before, adds_before, instr, commands_before, dots_before], axis=2), partner
    )
    simple = matched_open & (at_partner[..., 0] - terms_before == 1)  # only the ']' between
    body_length = at_partner[..., 4] - 1 - commands_before  # original commands strictly inside a loop
    net = at_partner[..., 1] - moves_before
    scan_loop = simple & (at_partner[..., 2] == adds_before) & (jnp.abs(net) == 1) & (body_length == 1)
    # '.' only between '[' and its ']' (dots keep count 1, so positions between = dots between).
    print_dots = at_partner[..., 5] - dots_before
    print_loop = matched_open & (print_dots >= 1) & (print_dots == partner - positions - 1)
    # Each body token's loop: the last '[' before it, when no terminator lies between.
    last_open = jnp.maximum(jax.lax.associative_scan(jnp.maximum, jnp.where(is_open, positions, -1), axis=1), 0)
    at_open = _take(jnp.stack([is_open.astype(jnp.int32), terms_before, moves_before], axis=2), last_open)
    in_body = real & ~is_term & (at_open[..., 0] == 1) & (terms_before == at_open[..., 1])
    offset = moves_before - at_open[..., 2]
    label = jnp.where(in_body, last_open, length)
    low = jnp.minimum(_put(length + 1, label, jnp.where(in_body, offset, 0), 0, "min")[:, :length], 0)
    high = jnp.maximum(_put(length + 1, label, jnp.where(in_body, offset, 0), 0, "max")[:, :length], 0)
    loop_shape = simple & (net == 0) & (low >= -WINDOW) & (high <= WINDOW)
    # Closed-form loops get rows of a loop table, in program order, up to its capacity.
    capacity = max_loops(length)
    rank = _prefix_sum(loop_shape.astype(jnp.int32)) - loop_shape.astype(jnp.int32)
    is_loop = loop_shape & (rank < capacity)
    loop_row = jnp.where(is_loop, rank, capacity)
    open_at = _put(capacity + 1, loop_row, positions, 0)[:, :capacity]  # the '[' of each loop row
    body_row = jnp.where(in_body & _take(is_loop, last_open), _take(loop_row, last_open), capacity)
    # The adds of each loop by offset: one flat scatter-add keyed (loop row, offset).
    cell = jnp.where(is_add & (body_row < capacity), body_row * _W + offset + WINDOW, capacity * _W)
    amounts = _put((capacity + 1) * _W, cell, add_value, 0, "add").reshape(batch, capacity + 1, _W)[:, :capacity]
    amounts = jnp.mod(amounts, modulus[:, :, None])
    gcd, inverse = _ext_gcd(amounts[..., WINDOW], jnp.broadcast_to(modulus, (batch, capacity)))
    per_loop = _take(jnp.stack([low, high, body_length + 1], axis=2), open_at)
    loops = jnp.concatenate([per_loop, gcd[..., None], inverse[..., None], amounts], axis=2)

    kind_token = jnp.select(
        [
            codes == DOT,
            codes == COMMA,
            is_loop,
            print_loop,
            matched_open,
            matched_close & _take(scan_loop, partner),
            matched_close,
            is_open | is_close,
        ],
        [K_OUT, K_IN, K_LOOP, K_PRINT, K_OPEN, K_SCAN, K_CLOSE, K_NOP],
        K_NONE,
    ).astype(jnp.int32)
    columns = [
        kind_token,
        moves_before,  # differenced below
        prefix[..., 3],  # net +/- amount, differenced below
        adds_before,  # count of + and -, differenced below
        jnp.where(matched, at_partner[..., 3] + 1, 0),
        jnp.where(matched_close, _take(net, partner), jnp.where(print_loop, print_dots, 0)),
        jnp.where(is_loop, loop_row, 0),
    ]
    per_token = jnp.concatenate([jnp.stack(columns, axis=2), jnp.zeros((batch, 1, NUM_FIELDS), jnp.int32)], axis=1)
    rows = _take(per_token, end_of)  # [B, slots, NUM_FIELDS]: each instruction's last token (row L: none)
    last_real = jnp.arange(slots)[None, :] < count[:, None]
    # Prefix sums at the previous instruction's end (0 before the first).
    before = jnp.concatenate([jnp.zeros((batch, 1, 3), jnp.int32), rows[:, :-1, 1:4]], axis=1)
    sums = jnp.where(last_real[..., None], rows[:, :, 1:4] - before, 0)
    kind = jnp.where(last_real, rows[..., F_KIND], K_NONE)
    kind = jnp.where(jnp.arange(slots)[None, :] == count[:, None], K_HALT, kind)
    table = jnp.stack(
        [
            kind,
            sums[..., 0],
            jnp.mod(sums[..., 1], modulus),
            sums[..., 2],
            rows[..., 4],
            rows[..., 5],
            rows[..., 6],
        ],
        axis=2,
    )
    return table, loops, has_unmatched


def _step_one(state, params, instructions, loops, inputs, keep_counting: bool = False):
    """One interpreter step of one lane (runs under vmap; finished and idle lanes keep their state).

    `state` and `params` are the lane's; `instructions` [N+1, S, F], `loops` and `inputs` are the whole
    pool's, read at the lane's program. Output past the lane's slots ends the run with S_OVERFLOW, or,
    with `keep_counting`, is counted but not stored.

    Everything is computed for every program and selected (vmap turns branches into selects), so the
    step is kept to cheap elementwise work: modular reductions are compare-and-subtract where the
    operands allow it, reads and writes are dynamic slices.
    """
    program, pc, p, steps, out_len, ip, status, high, tape, out, fill = state
    modulus, tape_size, max_steps, max_output, clamp, eof, input_length = params
    ins = instructions[program, pc]
    kind = ins[F_KIND]
    running = status == RUNNING

    # 1. The move run, charged up to an edge exactly.
    move = ins[F_MOVE]
    count = jnp.abs(move)
    remaining = max_steps - steps
    right_fatal = tape_size - p
    left_fatal = p + 1
    hits_right = (move > 0) & (right_fatal <= count)
    hits_left = (move < 0) & ~clamp & (left_fatal <= count)
    hit = hits_right | hits_left
    fatal = jnp.where(hits_right, right_fatal, left_fatal)
    short = jnp.where(hit, fatal, count) > remaining
    status1 = jnp.where(short, S_STEP, jnp.where(hit, jnp.where(hits_right, S_MEMORY, S_RUNTIME), RUNNING))
    steps1 = jnp.where(short, max_steps, steps + jnp.where(hit, fatal, count))
    moved = running & (status1 == RUNNING)
    p1 = jnp.where(moved, jnp.maximum(p + move, 0), p)

    # The tape array holds cell c at index c + WINDOW, so the slice at p1 is cells p1-WINDOW .. p1+WINDOW.
    window = jax.lax.dynamic_slice(tape, (p1,), (_W,)).astype(jnp.int32)
    cell = window[WINDOW]

    # 2. The add run (ADD is stored reduced modulo the cell modulus).
    add_cost = ins[F_ADD_COST]
    add_fails = moved & (add_cost > max_steps - steps1)
    live = moved & ~add_fails
    steps2 = jnp.where(add_fails, max_steps, jnp.where(live, steps1 + add_cost, steps1))
    status2 = jnp.where(add_fails, S_STEP, status1)
    summed = cell + ins[F_ADD]
    cell2 = jnp.where(live, jnp.where(summed >= modulus, summed - modulus, summed), cell)

    # 3. The terminator: one step, then its effect.
    has_term = (kind != K_NONE) & (kind != K_HALT)
    term_fails = live & has_term & (steps2 >= max_steps)
    live = live & ~term_fails
    steps3 = jnp.where(term_fails, max_steps, jnp.where(live & has_term, steps2 + 1, steps2))
    status3 = jnp.where(term_fails, S_STEP, jnp.where(live & (kind == K_HALT), S_OK, status2))
    target = ins[F_TARGET]
    nonzero = cell2 != 0
    new_cell = cell2
    new_p = p1
    new_steps = steps3
    jump = (((kind == K_OPEN) | (kind == K_LOOP) | (kind == K_PRINT)) & ~nonzero) | ((kind == K_CLOSE) & nonzero)

    # '.': the output limit first, then the bucket (a full bucket hands the program to the host).
    is_out = live & (kind == K_OUT)
    out_slots = out.shape[0] - 1
    status3 = jnp.where(
        is_out & (out_len >= max_output),
        S_OUTPUT,
        jnp.where(is_out & (out_len >= out_slots) & (not keep_counting), S_OVERFLOW, status3),
    )
    writes = is_out & (out_len < max_output) & (out_len < out_slots)
    out = jax.lax.dynamic_update_slice(
        out,
        jnp.where(writes, cell2, out[jnp.minimum(out_len, out_slots)]).astype(out.dtype)[None],
        (jnp.minimum(out_len, out_slots),),
    )
    new_out_len = jnp.where((is_out & (out_len < max_output)) if keep_counting else writes, out_len + 1, out_len)

    # ','
    is_in = live & (kind == K_IN)
    has_byte = ip < input_length
    byte = inputs[program, jnp.minimum(ip, inputs.shape[1] - 1)].astype(jnp.int32)
    eof_value = jnp.where(eof == 0, 0, jnp.where(eof == 1, cell2, modulus - 1))
    new_cell = jnp.where(is_in, jnp.where(has_byte, jax.lax.rem(byte, modulus), eof_value), new_cell)
    new_ip = jnp.where(is_in & has_byte, ip + 1, ip)

    # LOOP: closed form when the body stays on the tape, else enter the body as an ordinary loop.
    loop = loops[program, ins[F_LOOP]]
    closed = live & (kind == K_LOOP) & nonzero & (p1 + loop[L_LOW] >= 0) & (p1 + loop[L_HIGH] < tape_size)
    g = loop[L_GCD]
    unsigned_modulus = modulus.astype(jnp.uint32)
    reduced = jax.lax.div(modulus, g).astype(jnp.uint32)
    quotient = jax.lax.div(cell2, g).astype(jnp.uint32)
    # smallest n >= 1 with v + n*d = 0 (mod B): n = (-(v/g)) * (d/g)^-1 mod (B/g); < 2**32 as B <= 2**16
    iterations = jax.lax.rem((reduced - quotient) * loop[L_INV].astype(jnp.uint32), reduced).astype(jnp.int32)
    loop_cost = jnp.maximum(loop[L_PER], 1)
    too_long = (jax.lax.rem(cell2, g) != 0) | (iterations > jax.lax.div(max_steps - steps3, loop_cost))
    loop_stops = closed & too_long
    loop_runs = closed & ~too_long
    amounts = loop[L_AMOUNTS:].astype(jnp.uint32)
    grown = window.astype(jnp.uint32) + jax.lax.rem(iterations.astype(jnp.uint32) * amounts, unsigned_modulus)
    grown = jnp.where(grown >= unsigned_modulus, grown - unsigned_modulus, grown).astype(jnp.int32)
    new_steps = jnp.where(loop_runs, steps3 + iterations * loop_cost, new_steps)
    new_cell = jnp.where(loop_runs, 0, new_cell)
    jump = jump | ((kind == K_LOOP) & loop_runs)

    # SCAN: the ']' of [>] or [<]: find the zero cell among the next WINDOW cells in one step.
    is_scan = live & (kind == K_SCAN) & nonzero
    right = ins[F_STRIDE] > 0
    ahead = jnp.where(right, window[WINDOW + 1 :], window[WINDOW - 1 :: -1])  # cells p1+-1 .. p1+-WINDOW
    distance = jnp.arange(1, WINDOW + 1, dtype=jnp.int32)
    cells_at = jnp.where(right, p1 + distance, p1 - distance)
    zero = (ahead == 0) & (cells_at >= 0) & (cells_at < tape_size)
    first = jnp.min(jnp.where(zero, distance, WINDOW + 1))
    found = first <= WINDOW
    # Under clamp a left scan whose cells down to 0 are all nonzero spins at cell 0 forever.
    endless = ~found & ~right & clamp & (p1 <= WINDOW)
    scan_cost = 2 * first
    scan_stops = is_scan & (endless | (found & (scan_cost > max_steps - steps3)))
    scan_moves = is_scan & found & ~scan_stops
    new_steps = jnp.where(scan_moves, steps3 + scan_cost, new_steps)
    new_p = jnp.where(scan_moves, jnp.where(right, p1 + first, p1 - first), new_p)
    jump = jump | (is_scan & ~found & ~endless)  # not within reach: one ordinary iteration

    stops = loop_stops | scan_stops
    status3 = jnp.where(stops, S_STEP, status3)
    new_steps = jnp.where(stops, max_steps, new_steps)

    # PRINT: k dots and the ']' repeat forever. Of the commands after the '[' (j = 0, 1, ...: a dot unless
    # j % (k+1) == k) R = max_steps - steps3 can run; dot number A = max_output - out_len (from 0) is the
    # one refused. Output limit when that dot comes before the budget ends, else the step limit.
    is_print = live & (kind == K_PRINT) & nonzero
    dots = jnp.maximum(ins[F_STRIDE], 1)
    budget = max_steps - steps3
    room = jnp.maximum(max_output - out_len, 0)
    rounds, rest = jax.lax.div(budget, dots + 1), jax.lax.rem(budget, dots + 1)
    refused_round, refused_rest = jax.lax.div(room, dots), jax.lax.rem(room, dots)
    by_output = (refused_round < rounds) | ((refused_round == rounds) & (refused_rest < rest))
    printed = jnp.where(by_output, room, rounds * dots + jnp.minimum(rest, dots))
    overflow = (out_len + printed > out_slots) & (not keep_counting)
    print_status = jnp.where(overflow, S_OVERFLOW, jnp.where(by_output, S_OUTPUT, S_STEP))
    status3 = jnp.where(is_print, print_status, status3)
    new_steps = jnp.where(
        is_print, jnp.where(by_output, steps3 + refused_round * (dots + 1) + refused_rest + 1, max_steps), new_steps
    )
    filled = is_print & ~overflow
    new_out_len = jnp.where(filled, out_len + printed, new_out_len)
    fill = jnp.where(filled, printed, fill)  # the last `fill` bytes of the output are this cell's value

    # Write the window back (a scan moves p but writes nothing, so p1 is the base).
    window_out = jnp.where(loop_runs, grown, window).at[WINDOW].set(new_cell)
    tape = jax.lax.dynamic_update_slice(tape, window_out.astype(tape.dtype), (p1,))

    final_status = jnp.where(running, status3, status)
    go_on = final_status == RUNNING
    return (
        program,
        jnp.where(go_on, jnp.where(live & jump, target, pc + 1), pc),
        jnp.where(running, new_p, p),
        jnp.where(running, new_steps, steps),
        jnp.where(running, new_out_len, out_len),
        jnp.where(running, new_ip, ip),
        final_status,
        jnp.maximum(high, p1 + _W),  # tape indices written so far end below this
        tape,
        out.at[out_slots].set(jnp.where(filled, cell2.astype(out.dtype), out[out_slots])),  # PRINT's byte: spare slot
        fill,
    )


S_IDLE = 8
"""A lane with no program (the pool is used up)."""
CLEAN_CELLS = 128
"""Tape indices a lane zeroes when it takes a program; lanes whose last program went further zero their whole row."""
FAR_CLEANS = 16
"""Whole tape rows cleared per refill round, at most."""


def run_pool(
    instructions,
    loops,
    has_unmatched,
    count,
    inputs,
    input_lengths,
    options: RunOptions,
    *,
    lanes: int,
    tape_cells: int,
    output_slots: int,
    tape_dtype=jnp.uint8,
    refill_every: int = 8,
    keep_counting: bool = False,
):
    """Run the first `count` programs of a folded pool on `lanes` interpreter lanes; return their results.

    Every `refill_every` steps, lanes whose program ended store its result
    and take the next program of the pool, so that a batch does not wait
    for its slowest program with most lanes idle. Per-program arguments are
    [N] arrays (inputs [N, I] uint8, `options` a RunOptions of [N] arrays); `instructions`, `loops` and
    `has_unmatched` come from `fold_programs`. `lanes`, `tape_cells` (>=
    every tape_size) and `output_slots` are static shapes. Output past
    `output_slots` ends a run with status S_OVERFLOW (for the host to rerun),
    or with `keep_counting` is counted in output_length but not stored (all a
    verifier that compares the first output_slots bytes and the length needs).

    Returns (status int32 [N], steps int32 [N], output uint8 [N, output_slots], output_length int32 [N]).
    """
    pool = instructions.shape[0]

    def pad(values, fill):  # row N: the idle lanes' program
        return jnp.concatenate([values, jnp.full((1,) + values.shape[1:], fill, values.dtype)])

    halt_row = jnp.zeros((1,) + instructions.shape[1:], jnp.int32).at[0, 0, F_KIND].set(K_HALT)
    instructions = jnp.concatenate([instructions, halt_row])
    loops = pad(loops, 0)
    inputs = pad(inputs, 0)
    o = options
    params_of = tuple(pad(jnp.asarray(a), 0) for a in (o.modulus, o.tape_size, o.max_steps, o.max_output))
    params_of += (pad(jnp.asarray(o.clamp), False), pad(jnp.asarray(o.eof), 0), pad(input_lengths, 0))
    starts_bad = pad(has_unmatched & ~jnp.asarray(o.ignore_unmatched), False)
    zeros = jnp.zeros(lanes, jnp.int32)
    lane_state = (
        jnp.full(lanes, pool, jnp.int32),
        zeros,
        zeros,
        zeros,
        zeros,
        zeros,
        jnp.full(lanes, S_IDLE, jnp.int32),
        zeros,
        jnp.zeros((lanes, tape_cells + 2 * WINDOW), tape_dtype),
        jnp.zeros((lanes, output_slots + 1), jnp.uint8),
        zeros,
    )
    lane_params = tuple(a[jnp.full(lanes, pool)] for a in params_of)
    results = (
        jnp.zeros(pool + 1, jnp.int32),
        jnp.zeros(pool + 1, jnp.int32),
        jnp.zeros((pool + 1, output_slots), jnp.uint8),
        jnp.zeros(pool + 1, jnp.int32),
    )
    step = jax.vmap(functools.partial(_step_one, keep_counting=keep_counting), in_axes=(0, 0, None, None, None))

    def harvest_and_refill(carry):
        state, params, results, following = carry
        program, pc, p, steps, out_len, ip, status, high, tape, out, fill = state
        finished = (program < pool) & (status != RUNNING)
        row = jnp.where(finished, program, pool)
        slot = jnp.arange(output_slots)[None, :]
        printed = (slot >= (out_len - fill)[:, None]) & (slot < out_len[:, None])  # a PRINT's bytes
        results = (
            results[0].at[row].set(status),
            results[1].at[row].set(steps),
            results[2].at[row].set(jnp.where(printed, out[:, output_slots:], out[:, :output_slots])),
            results[3].at[row].set(out_len),
        )
        free = finished | (program == pool)
        # A lane whose last program wrote past the first CLEAN_CELLS cells clears its whole row first, at most
        # FAR_CLEANS lanes a round (clearing every row each round would cost more than the steps).
        clean = min(CLEAN_CELLS, tape.shape[1])
        far = free & (high > clean)
        far_lanes = jnp.nonzero(far, size=FAR_CLEANS, fill_value=lanes)[0]
        tape = tape.at[far_lanes].set(0, mode="drop")
        high = high.at[far_lanes].set(0, mode="drop")
        ready = free & (high <= clean)
        rank = jax.lax.associative_scan(jnp.add, ready.astype(jnp.int32)) - ready.astype(jnp.int32)
        new = following + rank
        takes = ready & (new < count)
        program = jnp.where(takes, new, jnp.where(free, pool, program))
        status = jnp.where(takes, jnp.where(starts_bad[program], S_SYNTAX, RUNNING), jnp.where(free, S_IDLE, status))
        pc, p, steps, out_len, ip, fill = (jnp.where(takes, 0, a) for a in (pc, p, steps, out_len, ip, fill))
        tape = tape.at[:, :clean].set(jnp.where(takes[:, None], 0, tape[:, :clean]).astype(tape.dtype))
        high = jnp.where(takes, 0, high)
        params = tuple(jnp.where(takes, a[program], b) for a, b in zip(params_of, params))
        following = jnp.minimum(following + jnp.sum(takes.astype(jnp.int32)), count)
        return (program, pc, p, steps, out_len, ip, status, high, tape, out, fill), params, results, following

    def going(carry):
        state, _, _, following = carry
        return jnp.any(state[6] == RUNNING) | (following < count)

    def advance(carry):
        state, params, results, following = carry
        state = jax.lax.fori_loop(0, refill_every, lambda _, s: step(s, params, instructions, loops, inputs), state)
        return harvest_and_refill((state, params, results, following))

    carry = harvest_and_refill((lane_state, lane_params, results, jnp.int32(0)))
    _, _, results, _ = jax.lax.while_loop(going, advance, carry)
    return results[0][:pool], results[1][:pool], results[2][:pool], results[3][:pool]


@functools.partial(jax.jit, static_argnames=("lanes", "tape_cells", "output_slots", "tape_dtype", "refill_every"))
def compile_and_run(
    codes,
    count,
    inputs,
    input_lengths,
    options: RunOptions,
    counts=None,
    *,
    lanes: int,
    tape_cells: int,
    output_slots: int,
    tape_dtype=jnp.uint8,
    refill_every: int = 8,
):
    """Fold and run a pool of programs given as command codes [N, L] (see CODE_OF); jitted per shape bucket.

    Only the first `count` rows run (the rest is padding up to the pool's bucket); `counts` as in
    `fold_programs`.
    """
    instructions, loops, has_unmatched = fold_programs(
        codes, options.modulus, counts=counts, cell_step=options.cell_step
    )
    return run_pool(
        instructions,
        loops,
        has_unmatched,
        count,
        inputs,
        input_lengths,
        options,
        lanes=lanes,
        tape_cells=tape_cells,
        output_slots=output_slots,
        tape_dtype=tape_dtype,
        refill_every=refill_every,
    )


def run_tests(
    codes,
    inputs,
    input_lengths,
    options: RunOptions,
    *,
    lanes: int,
    tape_cells: int,
    output_slots: int,
    tape_dtype=jnp.uint8,
    refill_every: int = 8,
):
    """Jittable: run each of B programs on each of its T tests, folding every program once.

    codes [B, L] (CODE_OF), inputs [B, T, I] uint8 and input_lengths [B, T];
    `options` (RunOptions) are per program ([B]). Returns status, steps and
    output_length as [B, T] and output as [B, T, output_slots] (the test
    case's bytes are output[b, t, :output_length[b, t]]). This is the
    verifier of a functional env: finished programs of a batch of episodes,
    all their hidden tests, in one call inside the training step's jit.
    """
    batch, tests = inputs.shape[:2]
    instructions, loops, has_unmatched = fold_programs(codes, options.modulus, cell_step=options.cell_step)

    def per_test(values):
        return jnp.repeat(jnp.asarray(values), tests, axis=0)

    status, steps, output, output_length = run_pool(
        per_test(instructions),
        per_test(loops),
        per_test(has_unmatched),
        jnp.int32(batch * tests),
        inputs.reshape(batch * tests, inputs.shape[2]),
        input_lengths.reshape(batch * tests),
        jax.tree.map(per_test, options),
        lanes=lanes,
        tape_cells=tape_cells,
        output_slots=output_slots,
        tape_dtype=tape_dtype,
        refill_every=refill_every,
    )
    return (
        status.reshape(batch, tests),
        steps.reshape(batch, tests),
        output.reshape(batch, tests, output_slots),
        output_length.reshape(batch, tests),
    )


# ---------------------------------------------------------------- host API

_CODE_TABLE = bytes(CODE_OF.get(chr(byte), 0) for byte in range(256))
_NOT_COMMANDS = bytes(byte for byte in range(256) if chr(byte) not in COMMANDS)


def encode_program(source: str | bytes) -> bytes:
    """A program's commands as codes (one byte each, see CODE_OF); every other character is a comment."""
    text = as_source(source)
    return text.encode("utf-8", "surrogatepass").translate(_CODE_TABLE, _NOT_COMMANDS)


def pack_rows(rows: Sequence[bytes], width: int, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """Byte strings -> (uint8 [batch, width] zero-padded, int32 [batch] lengths); rows past len(rows) are empty."""
    lengths = np.zeros(batch, np.int32)
    lengths[: len(rows)] = [len(row) for row in rows]
    packed = np.zeros((batch, width), np.uint8)
    total = int(lengths.sum())
    if total:
        flat = np.frombuffer(b"".join(rows), np.uint8)
        row_of = np.repeat(np.arange(batch), lengths)
        starts = np.cumsum(lengths) - lengths
        column = np.arange(total) - np.repeat(starts, lengths)
        packed[row_of, column] = flat
    return packed, lengths


def run_length(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run-length encode code rows [P, L] (numpy, vectorized): ([P, W] codes, [P, W] counts), W a length bucket.

    Runs of one of `> < + -` become one position with its count; other
    codes keep count 1. Print-style programs shrink three- to fourfold, and
    folding costs per position.
    """
    rows, length = codes.shape
    previous = np.concatenate([np.zeros((rows, 1), codes.dtype), codes[:, :-1]], axis=1)
    real = codes > 0
    starts = real & ((codes != previous) | (codes >= DOT))
    run = np.cumsum(starts, axis=1) - 1
    width = _bucket(max(1, int(starts.sum(axis=1).max(initial=0))), LENGTH_BUCKETS) or length
    packed = np.zeros((rows, width), np.int32)
    row_of, column = np.nonzero(starts)
    packed[row_of, run[row_of, column]] = codes[row_of, column]
    flat = (np.arange(rows)[:, None] * width + run)[real]
    counts = np.bincount(flat, minlength=rows * width).reshape(rows, width).astype(np.int32)
    return packed, counts


def check_backend_limits(options: BrainfuckOptions, max_steps: int) -> None:
    """ValueError when options or limits are outside what this backend computes exactly."""
    if options.cell_modulus > MAX_MODULUS:
        raise ValueError(
            f"the JAX backend supports cell_modulus up to {MAX_MODULUS}, got {options.cell_modulus}; "
            "use esolangs.run for wider cells"
        )
    if max_steps > MAX_STEPS:
        raise ValueError(f"the JAX backend supports max_steps up to {MAX_STEPS}, got {max_steps}")


POOL_BUCKETS = (128, 1024, 4096)
"""Programs per jitted call: small calls share one compiled shape, large ones run in pools of 4096."""


def _pool_bucket(count: int) -> int:
    return _bucket(count, POOL_BUCKETS) or POOL_BUCKETS[-1]


def run_batch(
    programs: Sequence[str | bytes],
    inputs: Sequence[bytes | str] | None = None,
    *,
    max_steps: int | Sequence[int] = Limits.max_steps,
    max_output: int | Sequence[int] = Limits.max_output,
    language: str = "bf",
    batch_size: int = 128,
    max_output_slots: int = OUTPUT_BUCKETS[-1],
    **options,
) -> list[Execution]:
    """Run every program on its input (b"" when inputs is None) and return one Execution each, as esolangs.run would.

    `max_steps` and `max_output` are one int for all programs or one per
    program. `batch_size` is the number of interpreter lanes run side by
    side; programs wait in pools of up to 4096 for a free lane (on CPU 64-256
    lanes do best: a step costs every lane; on a GPU use thousands). `options` are BrainfuckOptions fields (cell_modulus, tape_size,
    eof, left_edge, unmatched, cell_step); `language` may name a Brainfuck dialect (ook,
    bf-dialect-<seed>), whose programs are translated to Brainfuck first.
    """
    import esolangs

    lang = esolangs.get(language)
    if not isinstance(getattr(lang, "options", None), BrainfuckOptions):
        raise ValueError(f"the JAX backend runs Brainfuck and its dialects, not {language!r}")
    lang = lang.configure(**options)
    opts: BrainfuckOptions = lang.options
    count = len(programs)
    if inputs is None:
        inputs = [b""] * count
    if len(inputs) != count:
        raise ValueError(f"inputs has {len(inputs)} entries for {count} programs; give one per program")
    step_limits = _per_program("max_steps", max_steps, count)
    output_limits = _per_program("max_output", max_output, count)
    distinct: dict[tuple[int, int], Limits] = {}  # validated once per distinct pair, not once per program
    limits = [
        distinct.get(pair) or distinct.setdefault(pair, Limits(max_steps=pair[0], max_output=pair[1]))
        for pair in zip(step_limits, output_limits)
    ]
    check_backend_limits(opts, max(step_limits, default=0))
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
    translate = getattr(lang, "to_bf", None)
    stdins = [as_stdin(data) for data in inputs]
    texts = [as_source(source) for source in programs]
    codes = [encode_program(translate(text) if translate else text) for text in texts]

    results: list[Execution | None] = [None] * count
    on_host: list[int] = []
    groups: dict[tuple[int, int], list[int]] = {}
    for index, (text, code, data) in enumerate(zip(texts, codes, stdins)):
        length_bucket = _bucket(len(code), LENGTH_BUCKETS)
        input_bucket = _bucket(len(data), INPUT_BUCKETS)
        if length_bucket is None or input_bucket is None or len(text) > limits[index].max_source:
            on_host.append(index)
        else:
            groups.setdefault((length_bucket, input_bucket), []).append(index)

    output_slots = _bucket(min(max(output_limits, default=0), max_output_slots), OUTPUT_BUCKETS) or max_output_slots
    # A run moves right at most once per step, so a tape longer than the step budget is never reached: the
    # smaller array is exact and cheaper to clear.
    tape_cells = _pow2_at_least(min(opts.tape_size, max(step_limits, default=0) + 1), MIN_TAPE_BUCKET)
    tape_dtype = jnp.uint8 if opts.cell_modulus <= 256 else jnp.int32
    steps_array = np.asarray(step_limits, np.int64)
    output_array = np.asarray(output_limits, np.int64)
    for (length_bucket, input_bucket), members in sorted(groups.items()):
        for start in range(0, len(members), POOL_BUCKETS[-1]):
            chunk = members[start : start + POOL_BUCKETS[-1]]
            pool = _pool_bucket(len(chunk))  # the last chunk in a smaller pool: padding rows cost folding too
            code_array, run_counts = run_length(pack_rows([codes[i] for i in chunk], length_bucket, pool)[0])
            input_array, input_lengths = pack_rows([stdins[i] for i in chunk], input_bucket, pool)
            chunk_steps = np.zeros(pool, np.int64)  # padding rows: budgets of 0, they end at once
            chunk_steps[: len(chunk)] = steps_array[chunk]
            chunk_output = np.zeros(pool, np.int64)
            chunk_output[: len(chunk)] = output_array[chunk]
            chunk_options = run_options(opts, chunk_steps, chunk_output)
            status, steps, output, output_length = compile_and_run(
                code_array,
                np.int32(len(chunk)),
                input_array,
                input_lengths,
                chunk_options,
                run_counts,
                lanes=min(batch_size, pool),
                tape_cells=tape_cells,
                output_slots=output_slots,
                tape_dtype=tape_dtype,
            )
            # Python lists and one bytes object: per-element numpy indexing would cost more than the run.
            status_codes = np.asarray(status).tolist()
            step_counts = np.asarray(steps).tolist()
            lengths = np.asarray(output_length).tolist()
            written_all = np.asarray(output).tobytes()
            for row, index in enumerate(chunk):
                status_code = status_codes[row]
                start_byte = row * output_slots
                written = written_all[start_byte : start_byte + lengths[row]]
                if status_code == S_OK:
                    results[index] = Execution(OK, written, step_counts[row])
                elif status_code == S_STEP:
                    results[index] = step_limit(written, step_limits[index])
                elif status_code == S_OUTPUT:
                    results[index] = output_limit(written, step_counts[row], output_limits[index])
                elif status_code == S_MEMORY:
                    results[index] = memory_limit(written, step_counts[row], opts.tape_size)
                elif status_code == S_RUNTIME:
                    results[index] = left_edge_error(written, step_counts[row])
                else:  # syntax_error (for the reference's message) or output past the bucket
                    on_host.append(index)
    for index in on_host:
        results[index] = lang.run(texts[index], stdins[index], limits=limits[index])
    return results  # type: ignore[return-value]


def _per_program(name: str, value: int | Sequence[int], count: int) -> list[int]:
    if isinstance(value, int):
        return [value] * count  # Limits rejects bools with a clear error
    values = list(value)
    if len(values) != count:
        raise ValueError(f"{name} has {len(values)} entries for {count} programs; give one int or one per program")
    return values
