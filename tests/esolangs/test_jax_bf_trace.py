"""The resumable JAX prefix tracer: hand-computed states, resuming equals tracing from scratch, whole programs
equal the reference interpreter under the small budget, and jit + vmap shapes."""

from __future__ import annotations

import random

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

from esolangs.base import OK, RUNTIME_ERROR, STEP_LIMIT, Limits  # noqa: E402
from esolangs.bf_semantics import BrainfuckOptions  # noqa: E402
from esolangs.brainfuck import run_reference  # noqa: E402
from esolangs.jax_bf import CODE_OF, run_options  # noqa: E402
from esolangs.jax_bf_trace import (  # noqa: E402
    ERROR,
    NONE,
    OUT_OF_STEPS,
    READY,
    WAITING,
    TraceRun,
    append,
    empty_program,
    resume,
    start,
    trace,
)

LENGTH = 32
CELLS = 65
SHOWN = 8


PLAIN = BrainfuckOptions()


def make_run(options=PLAIN, data=b"", expected=None, budget=64, max_output=1024):
    width = 16
    inputs = np.zeros(width, np.uint8)
    inputs[: len(data)] = np.frombuffer(data, np.uint8)
    want = np.zeros(width, np.uint8)
    if expected is not None:
        want[: len(expected)] = np.frombuffer(expected, np.uint8)
    return TraceRun(
        input=jnp.asarray(inputs),
        input_length=jnp.int32(len(data)),
        expected=jnp.asarray(want),
        expected_length=jnp.int32(-1 if expected is None else len(expected)),
        options=jax.tree.map(jnp.asarray, run_options(options, budget, max_output)),
    )


@jax.jit
def _step(program, state, run, code):
    program = append(program, code)
    return program, resume(program, state, run)


def states_of(text, run):
    """The state after each token of `text`, appended one at a time and resumed."""
    program = empty_program(LENGTH)
    state = start(jnp.bool_(True), tape_cells=CELLS, output_cells=SHOWN)
    states = []
    for char in text:
        program, state = _step(program, state, run, jnp.int32(CODE_OF[char]))
        states.append(jax.tree.map(np.asarray, state))
    return program, states


def output_of(state):
    return bytes(state.output[: min(int(state.output_length), SHOWN)].astype(np.uint8))


def test_waiting_then_the_matching_bracket_resumes():
    run = make_run()
    _, states = states_of(">[+.]+", run)
    after_open, after_plus, after_dot, after_close, after_last = states[1:]
    # '>' ran (1 step); '[' on a zero cell waits for its ']' without a step
    assert (int(after_open.status), int(after_open.pc), int(after_open.steps)) == (WAITING, 1, 1)
    assert int(after_plus.status) == WAITING and int(after_dot.status) == WAITING
    assert int(after_dot.tape[1]) == 0 and int(after_dot.output_length) == 0  # the body did not run
    # ']' written: the '[' jumps past it (one step) and the run is ready at the end
    assert (int(after_close.status), int(after_close.pc), int(after_close.steps)) == (READY, 5, 2)
    assert (int(after_last.status), int(after_last.steps), int(after_last.tape[1])) == (READY, 3, 1)


def test_a_loop_runs_when_its_end_is_written():
    run = make_run(expected=b"\x02\x01")
    _, states = states_of("++[.-]", run)
    entered = states[2]  # cell 2: the '[' does not wait, the body runs as it is written
    assert (int(entered.status), int(entered.pc)) == (READY, 3)
    printed = states[3]
    assert output_of(printed) == b"\x02" and int(printed.agree) == 1
    done = states[5]
    # '+','+','[' then the body twice ('.', '-', ']'): 3 + 6 steps; output 2, 1 agrees with the expected output
    assert (int(done.status), int(done.steps), int(done.pc), int(done.tape[0])) == (READY, 9, 6, 0)
    assert output_of(done) == b"\x02\x01" and int(done.agree) == 2 and int(done.output_length) == 2


def test_agree_stops_at_the_first_wrong_byte():
    _, states = states_of("+.+.-.", make_run(expected=b"\x01\x03\x01"))
    assert [int(s.agree) for s in states[1::2]] == [1, 1, 1]
    assert int(states[-1].output_length) == 3


@pytest.mark.parametrize(
    ("eof", "cell"),
    [("zero", 0), ("unchanged", 5), ("minus_one", 255)],
)
def test_eof_rules(eof, cell):
    _, states = states_of("+++++,,", make_run(BrainfuckOptions(eof=eof), data=b"A"))
    assert int(states[5].tape[0]) == 65 and int(states[5].consumed) == 1
    last = states[6]
    # the cell read 'A' (65) first; at end of input: 0, kept (65), modulus - 1
    assert int(last.tape[0]) == (65 if eof == "unchanged" else cell)
    assert int(last.consumed) == 1


def test_input_is_read_modulo_the_cell_modulus():
    _, states = states_of(",", make_run(BrainfuckOptions(cell_modulus=27), data=b"\x40"))
    assert int(states[0].tape[0]) == 0x40 % 27


def test_left_edge_clamp_and_error():
    _, clamped = states_of("<+", make_run(BrainfuckOptions(left_edge="clamp")))
    assert (int(clamped[-1].status), int(clamped[-1].ptr), int(clamped[-1].tape[0])) == (READY, 0, 1)
    _, failed = states_of("<+", make_run())
    assert (int(failed[0].status), int(failed[0].steps)) == (ERROR, 1)
    assert (int(failed[1].status), int(failed[1].steps), int(failed[1].tape[0])) == (ERROR, 1, 0)  # stopped for good


def test_right_edge_of_a_small_tape():
    _, states = states_of(">>>", make_run(BrainfuckOptions(tape_size=3)))
    assert [int(s.status) for s in states] == [READY, READY, ERROR]
    assert int(states[-1].ptr) == 2


def test_cell_modulus_wraps():
    _, states = states_of("-.", make_run(BrainfuckOptions(cell_modulus=27)))
    assert int(states[0].tape[0]) == 26 and output_of(states[1]) == bytes([26])
    _, wide = states_of("-.", make_run(BrainfuckOptions(cell_modulus=1000)))
    assert int(wide[0].tape[0]) == 999 and output_of(wide[1]) == bytes([999 % 256])


@pytest.mark.parametrize("modulus", [256, 27, 1000])
def test_cell_step_scales_plus_and_minus(modulus):
    _, states = states_of("+++.--", make_run(BrainfuckOptions(cell_step=2, cell_modulus=modulus)))
    assert output_of(states[3]) == bytes([6 % modulus]) and int(states[-1].tape[0]) == 2
    _, down = states_of("-.", make_run(BrainfuckOptions(cell_step=3, cell_modulus=modulus)))
    assert int(down[0].tape[0]) == modulus - 3 and output_of(down[1]) == bytes([(modulus - 3) % 256])


def test_out_of_steps_is_final():
    _, states = states_of("+[]+", make_run(budget=10))
    # '+' then '[' enters the empty loop ']' jumps back to itself forever: the budget ends it
    assert int(states[2].status) == OUT_OF_STEPS and int(states[2].steps) == 10
    assert int(states[3].status) == OUT_OF_STEPS and int(states[3].steps) == 10


def test_budget_spent_exactly_at_the_end_is_ready_until_more_is_written():
    _, states = states_of("+++", make_run(budget=2))
    assert [(int(s.status), int(s.steps)) for s in states] == [(READY, 1), (READY, 2), (OUT_OF_STEPS, 2)]


def test_unmatched_close_errors_or_is_ignored():
    _, strict = states_of("+]+", make_run())
    # written, the stray ']' ends the run at once (no step), whatever comes after
    assert [(int(s.status), int(s.steps)) for s in strict] == [(READY, 1), (ERROR, 1), (ERROR, 1)]
    _, ignored = states_of("]+", make_run(BrainfuckOptions(unmatched="ignore")))
    assert (int(ignored[-1].status), int(ignored[-1].steps), int(ignored[-1].tape[0])) == (READY, 2, 1)


def random_program(rng: random.Random, length: int) -> str:
    """A program legal under the env's mask: balanced, room left to close every loop."""
    text, depth = [], 0
    while len(text) < length:
        left = length - len(text)
        if depth and left <= depth:
            text.append("]")
            depth -= 1
            continue
        choices = "><+-.," + ("[" if left >= depth + 2 else "") + ("]" if depth else "")
        char = rng.choice(choices)
        depth += (char == "[") - (char == "]")
        text.append(char)
    return "".join(text)


@pytest.mark.parametrize(
    "options",
    [
        BrainfuckOptions(),
        BrainfuckOptions(cell_modulus=27, left_edge="clamp", unmatched="ignore", eof="minus_one"),
        BrainfuckOptions(tape_size=6, eof="unchanged"),
        BrainfuckOptions(cell_step=2),
        BrainfuckOptions(cell_modulus=27, left_edge="clamp", unmatched="ignore", cell_step=3),
    ],
    ids=["plain", "pqt-27", "small-tape", "step-2", "step-3-pqt-27"],
)
def test_resumed_runs_equal_the_reference_and_tracing_from_scratch(options):
    rng = random.Random(7)
    budget = 48
    from_scratch = jax.jit(lambda p, r: trace(p, r, tape_cells=CELLS, output_cells=SHOWN))
    statuses = set()
    for _ in range(40):
        text = random_program(rng, rng.randint(1, 24))
        data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 4)))
        expected = bytes(rng.randrange(4) for _ in range(3))
        run = make_run(options, data=data, expected=expected, budget=budget)
        program, states = states_of(text, run)
        last = states[-1]
        again = jax.tree.map(np.asarray, from_scratch(program, run))
        for a, b in zip(last, again):
            np.testing.assert_array_equal(a, b, err_msg=text)
        reference = run_reference(text, data, Limits(max_steps=budget), options)
        wanted = {OK: READY, STEP_LIMIT: OUT_OF_STEPS, RUNTIME_ERROR: ERROR, "memory_limit": ERROR}
        assert int(last.status) == wanted[reference.status], (text, reference)
        statuses.add(reference.status)
        if reference.status == OK:
            assert int(last.steps) == reference.steps
        assert int(last.output_length) == len(reference.output)
        assert output_of(last) == reference.output[:SHOWN]
        common = 0
        while common < min(len(expected), len(reference.output)) and expected[common] == reference.output[common]:
            common += 1
        assert int(last.agree) == common
    assert OK in statuses and len(statuses) >= 2


def test_jit_and_vmap_over_runs_and_envs():
    envs, runs = 4, 3
    one = make_run(expected=b"\x01")
    batch_runs = jax.tree.map(lambda a: jnp.broadcast_to(a, (envs, runs) + a.shape), one)
    programs = jax.vmap(lambda _: empty_program(LENGTH))(jnp.arange(envs))
    live = jnp.arange(runs)[None, :] < jnp.array([1, 2, 3, 0])[:, None]
    states = jax.vmap(jax.vmap(lambda ok: start(ok, tape_cells=CELLS, output_cells=SHOWN)))(live)

    @jax.jit
    def step(programs, states, codes):
        programs = jax.vmap(append)(programs, codes)
        states = jax.vmap(jax.vmap(resume, (None, 0, 0)), (0, 0, 0))(programs, states, batch_runs)
        return programs, states

    codes = jnp.array([CODE_OF["+"], CODE_OF["["], CODE_OF["-"], 0], jnp.int32)
    programs, states = step(programs, states, codes)
    assert states.tape.shape == (envs, runs, CELLS) and states.output.shape == (envs, runs, SHOWN)
    np.testing.assert_array_equal(
        np.asarray(states.status), [[READY, NONE, NONE], [WAITING, WAITING, NONE], [READY] * 3, [NONE] * 3]
    )
    np.testing.assert_array_equal(np.asarray(states.tape[:, :, 0]), [[1, 0, 0], [0, 0, 0], [255] * 3, [0] * 3])
