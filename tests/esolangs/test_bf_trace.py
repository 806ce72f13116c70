"""esolangs.bf_trace.PrefixTrace: pushing a program token by token ends where the real interpreter ends, and the
paused states follow the prefix rule (WAITING on an unclosed `[`, resumed by its `]`)."""

from __future__ import annotations

import numpy as np
import pytest

import esolangs
from esolangs.bf_semantics import COMMAND_EFFECTS, BrainfuckOptions, command_effects
from esolangs.bf_trace import (
    DEC,
    ERROR,
    INC,
    OUT_OF_STEPS,
    READY,
    WAITING,
    PrefixTrace,
    effect_op,
)
from esolangs.knowledge import EFFECT_IDS

STATUS_OF_EXECUTION = {
    "ok": READY,
    "step_limit": OUT_OF_STEPS,
    "runtime_error": ERROR,
    "memory_limit": ERROR,
}


def random_program(rng: np.random.Generator, length: int) -> str:
    """A balanced Brainfuck program of about `length` commands (loops nested up to 3 deep)."""
    out: list[str] = []
    depth = 0
    while len(out) < length or depth:
        if len(out) >= length:
            out.append("]")
            depth -= 1
            continue
        roll = rng.random()
        if roll < 0.12 and depth < 3:
            out.append("[")
            depth += 1
        elif roll < 0.22 and depth:
            out.append("]")
            depth -= 1
        else:
            out.append("><+-.,"[int(rng.integers(6))])
    return "".join(out)


def trace_of(program: str, options: BrainfuckOptions, stdin: bytes, budget: int, *, ids: bool = False) -> PrefixTrace:
    trace = PrefixTrace(options, stdin, budget)
    effects = command_effects(options)  # the language's own effects: inc_2 for `+` under cell_step=2
    for char in program:
        name = effects[char]
        trace.push(EFFECT_IDS[name] if ids else name)
    return trace


OPTION_SETS = [
    BrainfuckOptions(),
    BrainfuckOptions(left_edge="clamp"),
    BrainfuckOptions(eof="unchanged", cell_modulus=7),
    BrainfuckOptions(eof="minus_one", tape_size=4, left_edge="clamp"),
    BrainfuckOptions(cell_modulus=300, tape_size=6),
    BrainfuckOptions(cell_modulus=2),
    BrainfuckOptions(cell_step=2),
    BrainfuckOptions(cell_step=3, cell_modulus=7, eof="unchanged"),
    BrainfuckOptions(cell_step=2, cell_modulus=2, left_edge="clamp"),
]


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: repr(o.changed()))
def test_pushing_a_whole_program_ends_as_the_real_run_under_the_same_budget(options):
    rng = np.random.default_rng(21)
    seen = set()
    for case in range(400):
        program = random_program(rng, int(rng.integers(1, 40)))
        stdin = bytes(rng.integers(0, 256, size=int(rng.integers(0, 4))).tolist())
        budget = int(rng.integers(0, 300))
        real = (
            esolangs.get("bf")
            .configure(**options.changed())
            .run(program, stdin, limits=esolangs.Limits(max_steps=budget, max_output=10_000), engine="reference")
        )
        trace = trace_of(program, options, stdin, budget, ids=bool(case % 2))
        assert trace.status == STATUS_OF_EXECUTION[real.status], (program, stdin, budget, real)
        assert bytes(trace.output) == real.output, (program, stdin, budget)
        assert trace.steps == real.steps, (program, stdin, budget)
        seen.add(real.status)
    assert {"ok", "step_limit"} <= seen  # the draw exercises finished and cut-off runs


@pytest.mark.parametrize("name", ["bf-dialect-4", "bf-dialect-4+cell_step=2"])
def test_the_fast_engine_agrees_too_on_dialect_effects(name):
    # Ook! and dialects map to the same effects: push the dialect's knowledge effect ids, compare with its own run.
    rng = np.random.default_rng(5)
    language = esolangs.get(name)
    by_command = {language.from_bf(c).strip(): c for c in "><+-.,[]"}
    effect_of = {k.symbol: k.effect for k in language.knowledge}
    for _ in range(100):
        program = random_program(rng, 25)
        text = language.from_bf(program)
        stdin = bytes(rng.integers(0, 256, size=2).tolist())
        real = language.run(text, stdin, limits=esolangs.Limits(max_steps=200, max_output=10_000))
        trace = PrefixTrace(language.options, stdin, 200)
        for command in program:
            symbol = language.from_bf(command).strip()
            assert by_command[symbol] == command
            trace.push(effect_of[symbol])
        assert (trace.status, bytes(trace.output)) == (STATUS_OF_EXECUTION[real.status], real.output)


def push(trace: PrefixTrace, program: str) -> list[int]:
    return [trace.push(COMMAND_EFFECTS[c]) for c in program]


def test_open_at_zero_waits_until_its_close_then_jumps_past():
    trace = PrefixTrace(max_steps=256)
    assert push(trace, "[") == [WAITING]
    assert (trace.pc, trace.steps) == (0, 0)
    assert push(trace, "+.") == [WAITING, WAITING]  # the body is skipped: nothing inside runs
    assert (trace.cell, bytes(trace.output)) == (0, b"")
    assert push(trace, "]") == [READY]
    assert (trace.pc, trace.steps, trace.cell) == (4, 1, 0)  # one step: the `[` that jumped
    assert push(trace, "+.") == [READY, READY]
    assert bytes(trace.output) == b"\x01"


def test_nested_open_waits_for_its_own_close_only():
    trace = PrefixTrace()
    push(trace, "[[")
    assert trace.status == WAITING and trace.pc == 0
    push(trace, "]")  # closes the inner `[`: the outer one still waits
    assert trace.status == WAITING and trace.pc == 0
    push(trace, "]+")
    assert trace.status == READY and trace.cell == 1 and trace.steps == 2


def test_loops_run_when_their_close_arrives():
    trace = PrefixTrace()
    push(trace, "+++[>++")
    assert trace.status == READY and trace.ptr == 1 and trace.tape_cell(1) == 2  # first pass of the body ran
    push(trace, "<-")
    push(trace, "]")  # the loop runs out: 3 passes
    assert trace.status == READY and trace.tape_cell(1) == 6 and trace.cell == 0
    push(trace, ">.")
    assert bytes(trace.output) == b"\x06"
    assert trace.window(2) == (None, 0, 6, 0, 0)


def test_the_budget_ends_the_run_for_good():
    trace = PrefixTrace(max_steps=5)
    push(trace, "+[]")  # an endless loop
    assert trace.status == OUT_OF_STEPS and trace.steps == 5
    assert trace.finished
    push(trace, "+++.")
    assert trace.status == OUT_OF_STEPS and trace.output == b"" and trace.steps == 5


def test_a_program_that_finishes_exactly_on_budget_is_ready():
    trace = PrefixTrace(max_steps=3)
    push(trace, "+++")
    assert trace.status == READY and trace.steps == 3  # the reference's "ok" at steps == max_steps
    push(trace, "+")
    assert trace.status == OUT_OF_STEPS and trace.cell == 3


@pytest.mark.parametrize(
    "eof, expected",
    [("zero", [65, 0]), ("unchanged", [65, 65]), ("minus_one", [65, 255])],
)
def test_eof_rules(eof, expected):
    trace = PrefixTrace(BrainfuckOptions(eof=eof), b"A")
    push(trace, ",.,.")
    assert list(trace.output) == expected and trace.consumed == 1


def test_minus_one_at_another_modulus_is_modulus_minus_one():
    trace = PrefixTrace(BrainfuckOptions(eof="minus_one", cell_modulus=27), b"")
    push(trace, ",")
    assert trace.cell == 26


def test_left_edge_error_versus_clamp():
    error = PrefixTrace(BrainfuckOptions(left_edge="error"))
    push(error, "+<")
    assert error.status == ERROR and error.steps == 2 and error.ptr == 0
    push(error, ".")
    assert error.output == b""  # nothing runs after the error
    clamp = PrefixTrace(BrainfuckOptions(left_edge="clamp"))
    push(clamp, "+<.")
    assert clamp.status == READY and clamp.ptr == 0 and bytes(clamp.output) == b"\x01"


def test_right_edge_is_an_error_and_the_window_ends_there():
    trace = PrefixTrace(BrainfuckOptions(tape_size=3))
    push(trace, ">>")
    assert trace.window(2) == (0, 0, 0, None, None)
    push(trace, ">")
    assert trace.status == ERROR and trace.ptr == 2


def test_cell_modulus_wraps_both_ways():
    trace = PrefixTrace(BrainfuckOptions(cell_modulus=5))
    push(trace, "-")
    assert trace.cell == 4
    push(trace, "++")
    assert trace.cell == 1
    big = PrefixTrace(BrainfuckOptions(cell_modulus=1000))
    push(big, "-.")
    assert big.cell == 999 and bytes(big.output) == bytes([999 % 256])


def test_unmatched_close_is_an_error_or_a_no_op():
    strict = PrefixTrace()
    push(strict, "+]")
    assert strict.status == ERROR
    lenient = PrefixTrace(BrainfuckOptions(unmatched="ignore"))
    push(lenient, "+].")
    assert lenient.status == READY and lenient.steps == 3 and bytes(lenient.output) == b"\x01"


def test_input_effect_of_every_eof_rule_reads_a_byte_and_unknown_effects_are_refused():
    for name in ("input", "input_eof_unchanged", "input_eof_minus_one"):
        trace = PrefixTrace(input=b"\x07")
        trace.push(name)
        assert trace.cell == 7
    with pytest.raises(ValueError, match="not a Brainfuck command"):
        effect_op("push_3")
    with pytest.raises(ValueError, match="not a Brainfuck command"):
        effect_op(EFFECT_IDS["stop"])


def test_every_cell_step_effect_adds_its_step_under_the_options():
    """inc_2 / dec_3 ... are INC / DEC; the options' cell_step decides the amount (as the EOF rule decides `,`)."""
    assert {effect_op(name) for name in ("inc", "inc_2", "inc_3")} == {INC}
    assert {effect_op(EFFECT_IDS[name]) for name in ("dec", "dec_2", "dec_3")} == {DEC}
    trace = PrefixTrace(BrainfuckOptions(cell_step=2))
    trace.push_all(["inc_2", "inc_2", "inc_2", "output", "dec_2", "dec_2", "dec_2", "dec_2"])
    assert bytes(trace.output) == b"\x06" and trace.cell == 254 and trace.steps == 8
    three = PrefixTrace(BrainfuckOptions(cell_step=3, cell_modulus=7))
    three.push_all(["inc_3"] * 3)
    assert three.cell == 2  # 9 mod 7


def test_resuming_is_incremental():
    # A long straight-line prefix: each push runs exactly one more instruction, never the prefix again.
    trace = PrefixTrace(max_steps=10_000)
    for count in range(1, 2001):
        trace.push("inc")
        assert trace.steps == count
