"""The execution observation and the potential of the JAX token env, from the prefix tracer's run states.

Pure jnp functions of one run (`esolangs.jax_bf_trace.TraceState` and its
`TraceRun`); the env vmaps them over the runs of an instance. They compute
exactly what issue 21's contract (sections 2 and 3) defines, the twins of
`reasonenv.envs.execution` (`ExecutionObserver` rows, `potential_of`) that
the Gym token envs use (tests/reasonenv/test_execution_equivalence.py):

    row = execution_row(state, run, output_columns)    # int32 [13 + 2 * output_columns]
    phi, known = run_potential(state, run)             # float32, bool (a run with a known expected output)
    Phi = mean of phi over the known runs (0 when none): `potential`
    passes_visible(states, runs)                       # bool: ExecutionObserver.passes_visible

jax is imported here only (and in the other jax_* modules).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from esolangs.jax_bf_trace import NONE, READY, TraceRun, TraceState
from reasonenv.envs.encoding import BYTE_OFFSET, CUT, END, PAD

FIXED_COLUMNS = 13
"""Columns before the (expected, output) byte pairs: status, pointer, cell, 5 tape cells, consumed, input length,
output length, next expected."""
WINDOW = 2
"""The tape window shows cells ptr-2 .. ptr+2."""
CLOSENESS_SCALE = 32.0
"""A cell this far (circularly) from the next expected byte earns no closeness."""


def execution_columns(output_columns: int) -> int:
    """F, the width of one execution row: 13 + 2 * L."""
    return FIXED_COLUMNS + 2 * output_columns


def _byte(value):
    return (BYTE_OFFSET + value).astype(jnp.int32)


def execution_row(state: TraceState, run: TraceRun, output_columns: int) -> jax.Array:
    """One run's row of the "execution" observation (contract section 2); all 0 for a NONE run."""
    cells = state.tape.shape[0]
    tape_size = run.options.tape_size
    cell = state.tape[jnp.clip(state.ptr, 0, cells - 1)]
    # the window: cells past the traced array are never reached (0); off the real tape is PAD
    where = state.ptr + jnp.arange(-WINDOW, WINDOW + 1)
    inside = (where >= 0) & (where < tape_size)
    values = jnp.where(where < cells, state.tape[jnp.clip(where, 0, cells - 1)], 0)
    window = jnp.where(inside, _byte(values % 256), PAD)

    known = run.expected_length >= 0
    size = run.expected.shape[0]
    expected_next = run.expected[jnp.clip(state.output_length, 0, size - 1)].astype(jnp.int32)
    clean = state.agree == state.output_length
    next_token = jnp.where(
        ~known,
        PAD,
        jnp.where(~clean, CUT, jnp.where(state.output_length < run.expected_length, _byte(expected_next), END)),
    )
    is_byte = known & clean & (state.output_length < run.expected_length)
    step_token = jnp.where(is_byte, _byte(jnp.mod(expected_next - cell, 256)), next_token)
    head = jnp.concatenate(
        [
            jnp.stack([state.status, _byte(jnp.minimum(state.ptr, 255)), _byte(cell % 256)]),
            window,
            jnp.stack(
                [
                    _byte(jnp.minimum(state.consumed, 255)),
                    _byte(jnp.minimum(run.input_length, 255)),
                    _byte(jnp.minimum(state.output_length, 255)),
                    next_token,
                    step_token,
                ]
            ),
        ]
    ).astype(jnp.int32)

    j = jnp.arange(output_columns)
    expected = run.expected[jnp.clip(j, 0, size - 1)].astype(jnp.int32) if size else jnp.zeros_like(j)
    expected_tokens = jnp.where(known & (j < run.expected_length), _byte(expected), PAD)
    shown = state.output.shape[0]
    written = state.output[jnp.clip(j, 0, shown - 1)] if shown else jnp.zeros_like(j)
    output_tokens = jnp.where((j < state.output_length) & (j < shown), _byte(written), PAD)
    pairs = jnp.stack([expected_tokens, output_tokens], axis=1).reshape(-1).astype(jnp.int32)
    row = jnp.concatenate([head, pairs])
    return jnp.where(state.status == NONE, 0, row)


def run_potential(state: TraceState, run: TraceRun) -> tuple[jax.Array, jax.Array]:
    """(phi_run, whether the run counts): contract section 3 for one run; counts when live with a known expected output."""
    n = run.expected_length
    counts = (state.status != NONE) & (n >= 1)
    m = state.agree
    written = state.output_length
    cells = state.tape.shape[0]
    cell = state.tape[jnp.clip(state.ptr, 0, cells - 1)]
    wrong = state.output[jnp.clip(m, 0, state.output.shape[0] - 1)].astype(jnp.int32)
    value = jnp.where(written > m, wrong, cell)  # the first wrong byte written, else the next one to write
    size = run.expected.shape[0]
    target = run.expected[jnp.clip(m, 0, size - 1)].astype(jnp.int32)
    modulus = run.options.modulus
    # circular distance with floor mods, as the numpy twin computes it (an expected byte >= modulus included)
    distance = jnp.minimum(jnp.mod(value - target, modulus), jnp.mod(target - value, modulus)).astype(jnp.float32)
    closeness = jnp.where(m < n, jnp.maximum(0.0, 1.0 - distance / CLOSENESS_SCALE), 0.0)
    x = jnp.where(m < n, jnp.maximum(written - m - 1, 0), written - n)
    phi = jnp.clip((m.astype(jnp.float32) + 0.5 * closeness - x.astype(jnp.float32)) / jnp.maximum(n, 1), -1.0, 1.0)
    return jnp.where(counts, phi, 0.0).astype(jnp.float32), counts


def potential(states: TraceState, runs: TraceRun) -> jax.Array:
    """Φ over an instance's runs ([R] leading axis): the mean phi of the runs that count, 0 when none does."""
    phi, counts = jax.vmap(run_potential)(states, runs)
    number = jnp.sum(counts.astype(jnp.float32))
    return jnp.where(number > 0, jnp.sum(phi) / jnp.maximum(number, 1.0), 0.0).astype(jnp.float32)


def passes_visible(states: TraceState, runs: TraceRun) -> jax.Array:
    """Whether the program so far passes the instance's visible runs ([R] leading axis) were it to end here: some
    live run has a known expected output, and each such run is READY with exactly that output (open loops are the
    caller's to check). The twin of `ExecutionObserver.passes_visible`."""
    known = (states.status != NONE) & (runs.expected_length >= 0)
    exact = (
        (states.status == READY)
        & (states.output_length == runs.expected_length)
        & (states.agree == states.output_length)
    )
    return jnp.any(known) & jnp.all(~known | exact)


__all__ = [
    "CLOSENESS_SCALE",
    "FIXED_COLUMNS",
    "execution_columns",
    "execution_row",
    "passes_visible",
    "potential",
    "run_potential",
]
