"""esolangs.befunge_trace.BefungeTrace: a Befunge-93 program pushed cell by cell and then finished ends where the
reference interpreter ends, every prefix pauses where the prefix rule says (WAITING on an unwritten cell or an
unwritten `g` target), and pushing one token at a time equals writing the whole prefix at once."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import esolangs
from curricula.base import family_names, make_task, reference_solution
from esolangs.befunge import ALPHABET, run_reference
from esolangs.befunge_semantics import DOWN, LEFT
from esolangs.befunge_trace import NEWLINE, BefungeTrace
from esolangs.bf_trace import ERROR, OUT_OF_STEPS, READY, WAITING

STATUS_OF_EXECUTION = {
    "ok": READY,
    "step_limit": OUT_OF_STEPS,
    "output_limit": ERROR,
    "memory_limit": ERROR,
    "syntax_error": ERROR,
}
CELLS = [token for token in ALPHABET if token != NEWLINE]


def state(trace: BefungeTrace) -> tuple:
    """Everything a trace's observer can read."""
    return (
        trace.status,
        trace.halted,
        trace.x,
        trace.y,
        trace.direction,
        trace.string_mode,
        tuple(trace.stack),
        trace.consumed,
        bytes(trace.output),
        trace.steps,
        trace.row,
        trace.column,
        trace.length,
    )


def pushed(tokens, stdin=b"", max_steps=256, seed=0, **limits) -> BefungeTrace:
    trace = BefungeTrace(stdin, max_steps, seed, **limits)
    for token in tokens:
        trace.push(token)
    return trace


def assert_matches_reference(source: str, stdin: bytes, max_steps: int, seed: int, max_output: int = 1024) -> None:
    real = run_reference(source, stdin, esolangs.Limits(max_steps=max_steps, max_output=max_output), seed)
    one_by_one = pushed(source, stdin, max_steps, seed, max_output=max_output)
    one_by_one.finish()
    at_once = BefungeTrace(stdin, max_steps, seed, max_output=max_output)
    at_once.push_all(source)
    at_once.finish()
    assert state(one_by_one) == state(at_once), source
    assert one_by_one.status == STATUS_OF_EXECUTION[real.status], (source, real)
    assert one_by_one.halted == (real.status == "ok"), (source, real)
    assert bytes(one_by_one.output) == real.output, (source, real)
    if real.status != "syntax_error":
        assert one_by_one.steps == real.steps, (source, real)


# Programs as the token env writes them: rows of cells joined by newlines; mostly inside a small corner so the
# IP meets its own code, with `@` common enough that many runs halt.
cells = st.sampled_from(CELLS + ["@", " ", ">", "v", "<", "^"])
rows = st.lists(st.lists(cells, max_size=12).map("".join), min_size=1, max_size=5)
programs = rows.map(NEWLINE.join)
stdins = st.binary(max_size=6) | st.sampled_from([b"12 -7 x", b"", b"\x00\xff"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=programs,
    stdin=stdins,
    max_steps=st.integers(0, 400),
    seed=st.integers(0, 2**64 - 1),
    max_output=st.sampled_from([1024, 6]),
)
def test_a_finished_program_ends_as_the_reference_run(source, stdin, max_steps, seed, max_output):
    assert_matches_reference(source, stdin, max_steps, seed, max_output)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=programs, stdin=stdins, max_steps=st.integers(0, 300), seed=st.integers(0, 2**32), cut=st.floats(0, 1))
def test_every_prefix_is_the_start_of_the_whole_run(source, stdin, max_steps, seed, cut):
    prefix = source[: int(len(source) * cut)]
    one_by_one = pushed(prefix, stdin, max_steps, seed)
    at_once = BefungeTrace(stdin, max_steps, seed)
    at_once.push_all(prefix)
    assert state(one_by_one) == state(at_once), prefix
    real = run_reference(source, stdin, esolangs.Limits(max_steps=max_steps), seed)
    assert real.output.startswith(bytes(one_by_one.output)), (prefix, source, real)
    assert one_by_one.steps <= real.steps
    if one_by_one.finished:  # a run that stopped for good before the program's end is the whole run
        assert one_by_one.status == STATUS_OF_EXECUTION[real.status] and one_by_one.steps == real.steps
    else:
        assert one_by_one.status == WAITING
    # Writing the rest resumes the paused run: the same end as the whole program.
    one_by_one.push_all(source[len(prefix) :])
    one_by_one.finish()
    assert bytes(one_by_one.output) == real.output and one_by_one.steps == real.steps


def befunge_solutions():
    """(family, source, stdin, max_steps) of every family's shipped Befunge-93 reference solution, on its tests."""
    cases = []
    for name in family_names():
        instance = make_task(name).instance(0, 0)
        source = reference_solution(instance, "befunge93")
        if source is None:
            continue
        for test in instance.tests[:3]:
            cases.append((name, source, test.input, min(instance.max_steps, 20_000)))
    return cases


def test_the_shipped_reference_solutions_end_as_the_reference_run():
    cases = befunge_solutions()
    assert {"emit-char", "echo-byte", "echo-all", "add-constant", "emit-string"} <= {name for name, *_ in cases}
    for name, source, stdin, max_steps in cases:
        real = run_reference(source, stdin, esolangs.Limits(max_steps=max_steps), 0)
        assert real.status == "ok", name
        trace = pushed(source, stdin, max_steps)
        trace.finish()
        assert trace.halted and trace.status == READY, name
        assert (bytes(trace.output), trace.steps) == (real.output, real.steps), name


def test_running_off_the_written_cells_waits_there():
    trace = BefungeTrace(max_steps=256)
    assert trace.status == WAITING and (trace.x, trace.y, trace.steps) == (0, 0, 0)  # nothing written yet
    assert trace.push("1") == WAITING and (trace.x, trace.steps, trace.stack) == (1, 1, [1])
    trace.push(".")
    assert (trace.status, bytes(trace.output), trace.x, trace.steps) == (WAITING, b"1 ", 2, 2)
    trace.push("v")  # turns down, onto row 1: not written yet
    assert (trace.x, trace.y, trace.direction, trace.steps) == (2, 1, DOWN, 3)
    for token in "\n  ":  # row 1 up to column 1: (2, 1) is still the next cell to write
        assert trace.push(token) == WAITING and trace.steps == 3
    assert trace.push("@") == READY and trace.halted and trace.finished and trace.steps == 4
    trace.push("5")  # a finished run changes no more
    assert (bytes(trace.output), trace.steps, trace.stack) == (b"1 ", 4, [])


def test_wrapping_left_waits_for_the_end_of_the_row_then_reads_its_spaces():
    trace = pushed("<", max_steps=50)
    assert (trace.status, trace.x, trace.y, trace.direction) == (WAITING, 79, 0, LEFT)  # the torus wraps
    trace.push(NEWLINE)  # row 0 ends: (79, 0) is a space now, and so are its neighbours: an endless loop
    assert trace.status == OUT_OF_STEPS and trace.steps == 50
    assert_matches_reference("<\n", b"", 50, 0)


def test_g_on_an_unwritten_cell_waits_without_charging_its_step():
    trace = pushed("01g,@")
    assert (trace.status, trace.x, trace.steps, trace.stack) == (WAITING, 2, 2, [0, 1])  # (0, 1): row 1 unwritten
    assert trace.push(NEWLINE) == WAITING
    assert trace.push("Z") == READY and trace.halted
    assert (bytes(trace.output), trace.steps) == (b"Z", 5)
    assert_matches_reference("01g,@\nZ", b"", 256, 0)


def test_g_reads_spaces_past_a_finished_rows_end_and_zero_outside_the_grid():
    trace = pushed("v\n>50g.19-0g.@")  # (5, 0) is past row 0's end; (-8, 0) is outside the grid
    assert trace.halted and bytes(trace.output) == b"32 0 "  # no finish(): every cell it read was written
    assert_matches_reference("v\n>50g.19-0g.@", b"", 256, 0)


def test_a_cell_p_wrote_is_written_and_keeps_its_runtime_value():
    trace = pushed('"A"70p')  # stores 'A' at (7, 0), ahead of the cursor
    assert trace.status == WAITING and (trace.x, trace.steps) == (6, 6) and trace.written(7, 0)
    trace.push("0")  # the IP walks over the p-written cell (a no-op 'A') and waits on (8, 0)
    assert (trace.status, trace.x, trace.steps, trace.stack) == (WAITING, 8, 8, [0])
    trace.push("@")  # written to (7, 0) after the p: the run still sees 'A' there
    assert trace.cell(7, 0) == ord("A")
    trace.push_all("70g,@")
    assert trace.halted and bytes(trace.output) == b"A"
    assert_matches_reference('"A"70p0@70g,@', b"", 256, 0)


def test_question_mark_draws_from_the_verifiers_seeded_generator():
    source = "v   @\n>#@?1.@\n  @2\n   .\n   @"
    outputs = set()
    for seed in range(24):
        assert_matches_reference(source, b"", 256, seed)
        trace = pushed(source, seed=seed)
        trace.finish()
        outputs.add(bytes(trace.output))
    assert outputs == {b"", b"1 ", b"2 "}  # every branch taken for some seed


def test_string_mode_pushes_codes_and_persists_across_a_pause():
    trace = pushed('"ab')
    assert trace.status == WAITING and trace.string_mode and trace.stack == [97, 98]
    assert (trace.top, trace.second) == (98, 97)
    trace.push_all('",,@')
    assert trace.halted and bytes(trace.output) == b"ba" and not trace.string_mode


def test_input_and_eof():
    trace = pushed("&.~,~.@", stdin=b" -12x")
    assert trace.halted and bytes(trace.output) == b"-12 x-1 " and trace.consumed == 5
    assert_matches_reference("&.~,~.@", b" -12x", 256, 0)


def test_the_budget_ends_the_run_for_good_exactly_where_the_reference_stops():
    assert BefungeTrace(max_steps=0).status == OUT_OF_STEPS
    exact = pushed("1.@", max_steps=3)
    assert exact.halted and exact.status == READY and exact.steps == 3
    short = pushed("1.@", max_steps=2)
    assert short.status == OUT_OF_STEPS and short.steps == 2 and short.finished
    short.finish()
    assert short.status == OUT_OF_STEPS


def test_output_and_memory_limits_are_errors():
    trace = pushed("9:*.9:*.@", max_output=4)
    assert trace.status == ERROR and not trace.halted and bytes(trace.output) == b"81 8"
    assert_matches_reference("9:*.9:*.@", b"", 256, 0, max_output=4)
    deep = pushed("1111@", max_memory=3)
    assert deep.status == ERROR and deep.stack == [1, 1, 1, 1]


def test_a_token_that_makes_the_program_too_big_is_a_syntax_error_that_ran_nothing():
    wide = pushed(" " * 79 + "v")
    assert wide.status == WAITING and (wide.x, wide.y) == (79, 1)  # a full row is fine
    assert wide.push("1") == ERROR and wide.syntax_error  # an 81st column
    tall = pushed("1.@" + NEWLINE * 25)  # 25 rows: the last line end starts no row
    assert tall.halted and tall.status == READY and bytes(tall.output) == b"1 "
    assert tall.push("1") == ERROR and tall.finished
    assert (tall.halted, bytes(tall.output), tall.steps, tall.stack) == (False, b"", 0, [])  # as the reference
    assert tall.push(NEWLINE) == ERROR and tall.row == 25 and tall.length == 30
    assert_matches_reference("1.@" + NEWLINE * 25 + "1", b"", 256, 0)
    assert_matches_reference(" " * 79 + "v1", b"", 256, 0)


@pytest.mark.parametrize(
    "token, message",
    [("ab", "one character"), ("", "one character"), ("\r", "one character"), (5, "one character")],
)
def test_bad_tokens_and_limits_raise_one_clear_line(token, message):
    with pytest.raises(ValueError, match=message):
        BefungeTrace().push(token)
    with pytest.raises(ValueError, match="max_steps must be an int >= 0, got -1"):
        BefungeTrace(max_steps=-1)
    with pytest.raises(TypeError, match="input must be bytes"):
        BefungeTrace("abc")  # type: ignore[arg-type]
