"""Differential test: the fast Brainfuck engine against the reference on thousands of random programs.

Programs are biased toward loops and the idioms the fast path solves in
closed form (clear, multiply/copy, scan, non-unit-step loops), budgets are
small so runs stop inside idioms and folded runs, and some programs are
unbalanced. Set REASONENV_FUZZ_SEED to explore other programs.
"""

from __future__ import annotations

import os
import random
from collections import OrderedDict

import pytest

import esolangs
from esolangs.bf_semantics import BrainfuckOptions
from esolangs.brainfuck import run_reference
from esolangs.brainfuck_fast import clear_cache, loop_iterations, run_fast

SEED = int(os.environ.get("REASONENV_FUZZ_SEED", "20240601"))
PROGRAMS_PER_OPTION_SET = 1000

OPTION_SETS = {
    "default": BrainfuckOptions(),
    "pqt-27": BrainfuckOptions(cell_modulus=27, left_edge="clamp", unmatched="ignore"),
    "pqt-256": BrainfuckOptions(cell_modulus=256, left_edge="clamp", unmatched="ignore"),
    "small-tape": BrainfuckOptions(tape_size=7, eof="minus_one", unmatched="ignore"),
    "wide-cells": BrainfuckOptions(cell_modulus=2**32, tape_size=12, eof="unchanged", left_edge="clamp"),
    "tiny-modulus": BrainfuckOptions(cell_modulus=6, tape_size=9, left_edge="clamp", unmatched="ignore"),
    # cell_step: folded runs of +/- and the closed forms' deltas are multiplied by the step; under 256 a step of
    # 2 keeps a cell's parity (an odd [-] never ends), under 27 it is invertible, under 6 a step of 3 is not
    "step-2": BrainfuckOptions(cell_step=2),
    "step-2-pqt-27": BrainfuckOptions(cell_modulus=27, left_edge="clamp", unmatched="ignore", cell_step=2),
    "step-3-tiny-modulus": BrainfuckOptions(cell_modulus=6, tape_size=9, left_edge="clamp", cell_step=3),
    "step-3-wide-cells": BrainfuckOptions(cell_modulus=2**32, tape_size=12, eof="minus_one", cell_step=3),
}

IDIOMS = (
    "[-]",
    "[+]",
    "[->+<]",
    "[-<+>]",
    "[->>++<<]",
    "[>+<-]",
    "[->+>+<<]",
    "[--]",
    "[+++]",
    "[]",
    "[>]",
    "[<]",
    "[>>]",
    "[<<<]",
    "[-<<+>>]",
    "[++>-<]",
    "[>+<]",
    "[-->+++<]",
    "[>-<+]",
    "[<->-]",
)


def random_body(rng: random.Random, depth: int, length: int) -> str:
    parts = []
    for _ in range(length):
        roll = rng.random()
        if roll < 0.30:
            parts.append(
                rng.choice("+-") * rng.randint(1, 6)
                if rng.random() < 0.8
                else "".join(rng.choice("+-") for _ in range(rng.randint(2, 6)))
            )
        elif roll < 0.52:
            parts.append(rng.choice("<>") * rng.randint(1, 3))
        elif roll < 0.60:
            parts.append(".")
        elif roll < 0.65:
            parts.append(",")
        elif roll < 0.82:
            parts.append(rng.choice(IDIOMS))
        elif depth > 0:
            parts.append("[" + random_body(rng, depth - 1, rng.randint(0, 5)) + "]")
        if rng.random() < 0.03:
            parts.append(rng.choice(" x\n#a"))
    return "".join(parts)


def random_program(rng: random.Random) -> str:
    # A few leading '>' keep many runs off the left edge so they get deep into their loops.
    program = ">" * rng.choice((0, 0, 1, 2, 3)) + random_body(rng, depth=3, length=rng.randint(1, 14))
    if rng.random() < 0.12:
        # Unbalance it: insert a stray bracket or drop one.
        position = rng.randint(0, len(program))
        if rng.random() < 0.5 or "[" not in program:
            program = program[:position] + rng.choice("[]") + program[position:]
        else:
            drop = rng.choice([i for i, c in enumerate(program) if c in "[]"])
            program = program[:drop] + program[drop + 1 :]
    return program


def random_limits(rng: random.Random) -> esolangs.Limits:
    return esolangs.Limits(
        max_steps=rng.choice((0, 1, 2, 3, 5, 8, 13, 40, 100, 300, 1000, 2000, 5000, 5000)),
        max_output=rng.choice((0, 1, 2, 5, 100)),
    )


@pytest.mark.parametrize("option_name", sorted(OPTION_SETS))
def test_fast_matches_reference_on_random_programs(option_name):
    options = OPTION_SETS[option_name]
    rng = random.Random(f"{SEED}-{option_name}")
    clear_cache()
    stopped = set()
    for _ in range(PROGRAMS_PER_OPTION_SET):
        program = random_program(rng)
        stdin = bytes(rng.randrange(256) for _ in range(rng.randint(0, 4)))
        limits = random_limits(rng)
        expected = run_reference(program, stdin, limits, options)
        actual = run_fast(program, stdin, limits, options)
        assert (actual.status, actual.output, actual.steps) == (expected.status, expected.output, expected.steps), (
            f"options={options} limits={limits} stdin={stdin!r} program={program!r}\n"
            f"reference: {expected}\nfast:      {actual}"
        )
        stopped.add(expected.status)
    # The generator must actually exercise the limits, or the comparison proves little.
    assert {"ok", "step_limit"} <= stopped


def test_pqt_conventions_with_a_5000_step_budget():
    """PQT runs: modulus 27 or 256, clamp, unmatched ignored, 5000 steps, with cached repeats."""
    rng = random.Random(f"{SEED}-pqt-5000")
    limits = esolangs.Limits(max_steps=5000, max_output=64)
    programs = [random_program(rng) for _ in range(200)]
    for modulus in (27, 256):
        options = BrainfuckOptions(cell_modulus=modulus, left_edge="clamp", unmatched="ignore")
        for _ in range(300):
            program = rng.choice(programs)  # repeats hit the compile cache
            stdin = bytes(rng.randrange(modulus) for _ in range(rng.randint(0, 6)))
            expected = run_reference(program, stdin, limits, options)
            actual = run_fast(program, stdin, limits, options)
            assert (actual.status, actual.output, actual.steps) == (expected.status, expected.output, expected.steps), (
                program,
                stdin,
                modulus,
                expected,
                actual,
            )


def test_every_budget_prefix_of_an_idiom_heavy_program():
    """Stop the run at each step 0..N: the fast path must stop at the same place with the same output."""
    program = "+++[>++[>+++<-]>[->+>+<<]>>[-<<+>>]<<<<.-]>>>>>+>+>+<<<[>]<[<]>+++[>+++[>++<-]<-]>>.[-]+++++[>[-<+>]<.-]"
    options = BrainfuckOptions(cell_modulus=256)
    full = run_reference(program, b"", esolangs.Limits(), options)
    assert full.status == "ok" and full.steps > 300
    for budget in range(full.steps + 2):
        limits = esolangs.Limits(max_steps=budget)
        expected = run_reference(program, b"", limits, options)
        actual = run_fast(program, b"", limits, options)
        assert (actual.status, actual.output, actual.steps) == (expected.status, expected.output, expected.steps), (
            budget
        )


@pytest.mark.parametrize("modulus", [2, 6, 27, 256, 1000, 2**32])
def test_loop_iterations_solves_the_congruence(modulus):
    rng = random.Random(modulus)
    for _ in range(300):
        value = rng.randrange(1, modulus)
        delta = rng.randrange(-5, 6)
        n = loop_iterations(value, delta, modulus)
        if n == 0:
            # No solution: brute force over one full period confirms the loop never ends.
            period = min(modulus, 2000)
            assert all((value + k * delta) % modulus for k in range(1, period + 1)) or modulus > 2000
        else:
            assert (value + n * delta) % modulus == 0
            if modulus <= 2000:
                assert all((value + k * delta) % modulus for k in range(1, n))


# ---- loops solved in closed form with nested loops (LOOP2), lazy node compilation, comment bytes

NESTED_IDIOMS = ("[-]", "[+]", "[--]", "[---]", "[->+<]", "[->>++<<]", "[-<+>]", "[+++>-<]", "[]", "[->+>+<<]")


def nested_loop_body(rng: random.Random, depth: int) -> str:
    """Adds, moves and idiom loops with net movement 0 (sometimes not), maybe one deeper nest or an output."""
    parts = []
    offset = 0
    for _ in range(rng.randint(1, 5)):
        roll = rng.random()
        if roll < 0.35:
            parts.append(rng.choice("+-") * rng.randint(1, 12))
        elif roll < 0.6:
            step = rng.choice((-2, -1, 1, 1, 2, 3))
            parts.append((">" if step > 0 else "<") * abs(step))
            offset += step
        elif roll < 0.9:
            parts.append(rng.choice(NESTED_IDIOMS))
        elif depth > 0:
            parts.append(nested_loop(rng, depth - 1))
        else:
            parts.append(rng.choice(".,"))
    if rng.random() < 0.9:  # usually come back to the counter
        parts.append((">" if offset < 0 else "<") * abs(offset))
    return "".join(parts)


def nested_loop(rng: random.Random, depth: int) -> str:
    counter = rng.choice(("-", "-", "--", "+", "---", "-" * rng.randint(1, 4), "+++"))
    body = nested_loop_body(rng, depth)
    return "[" + (counter + body if rng.random() < 0.5 else body + counter) + "]"


def nested_loop_program(rng: random.Random) -> str:
    setup = "".join(
        rng.choice((">", "+" * rng.randint(1, 30), "<", "-" * rng.randint(1, 5))) for _ in range(rng.randint(1, 6))
    )
    program = ">" * rng.choice((0, 1, 2, 4)) + setup + "+" * rng.randint(0, 9) + nested_loop(rng, rng.randint(1, 2))
    if rng.random() < 0.5:
        program += rng.choice(("<", ">", "")) + "+" * rng.randint(0, 5) + nested_loop(rng, 1)
    return program + rng.choice(("", ".", ">.<.", "[-]."))


NESTED_OPTION_SETS = (
    BrainfuckOptions(),
    BrainfuckOptions(cell_modulus=27, left_edge="clamp", unmatched="ignore"),
    BrainfuckOptions(cell_modulus=6, tape_size=9, left_edge="clamp"),
    BrainfuckOptions(cell_modulus=2**32, tape_size=12, eof="unchanged"),
    BrainfuckOptions(cell_modulus=10, tape_size=6, eof="minus_one"),
    BrainfuckOptions(cell_step=2),
    BrainfuckOptions(cell_modulus=27, left_edge="clamp", unmatched="ignore", cell_step=2),
    BrainfuckOptions(cell_modulus=10, tape_size=6, eof="minus_one", cell_step=3),
)


@pytest.mark.parametrize("option_index", range(len(NESTED_OPTION_SETS)))
def test_nested_closed_form_loops_match_reference(option_index):
    """Loop nests whose bodies are adds and idiom loops (clears, copies, non-unit steps), run twice (cached)."""
    options = NESTED_OPTION_SETS[option_index]
    rng = random.Random(f"{SEED}-nested-{option_index}")
    clear_cache()
    statuses = set()
    for _ in range(600):
        program = nested_loop_program(rng)
        stdin = bytes(rng.randrange(256) for _ in range(rng.randint(0, 3)))
        full = run_reference(program, stdin, esolangs.Limits(max_steps=200_000), options)
        budgets = [rng.choice((0, 7, 50, 300, 5000, 200_000))]
        if full.status == "ok":  # stop just before, at and after the end
            budgets += [full.steps - 1, full.steps, full.steps + 1, rng.randint(0, full.steps)]
        for budget in budgets:
            limits = esolangs.Limits(max_steps=max(budget, 0), max_output=rng.choice((0, 1, 100)))
            expected = run_reference(program, stdin, limits, options)
            for _ in range(2):  # the second run finds the loops analyzed
                actual = run_fast(program, stdin, limits, options)
                assert (actual.status, actual.output, actual.steps) == (
                    expected.status,
                    expected.output,
                    expected.steps,
                ), (
                    f"options={options} limits={limits} stdin={stdin!r} program={program!r}\n"
                    f"reference: {expected}\nfast:      {actual}"
                )
            statuses.add(expected.status)
    assert {"ok", "step_limit"} <= statuses


@pytest.mark.parametrize(
    "program",
    [
        "++[>+++[>++[-]<-]<-]>>+.",
        "+++[>+++++[-]>++[->+<]<<-]>.>.>.",
        ">++[<+++++>-]<[>>+++[-]<[-]++<-]>>.",
        "+++[>++[>+++<-]>[-]<<-]+++[>+>++[--]<<-].",
        "++++[>+++[>++++[-]<-]>[-]++<<-]>.",
        "+[>++[-]<++]",  # the counter steps by +2 from 1 in mod 256: never 0
    ],
)
@pytest.mark.parametrize("step", [1, 2, 3])
def test_every_budget_prefix_of_a_nested_loop_program(program, step):
    """Stop a loop nest at every step 0..N: the fast path (cold and cached) stops at the same place."""
    options = BrainfuckOptions(cell_modulus=256, cell_step=step)
    full = run_reference(program, b"", esolangs.Limits(max_steps=3000), options)
    horizon = full.steps + 2 if full.status == "ok" else 3000
    for budget in range(horizon):
        limits = esolangs.Limits(max_steps=budget)
        expected = run_reference(program, b"", limits, options)
        for _ in range(2):
            actual = run_fast(program, b"", limits, options)
            assert (actual.status, actual.output, actual.steps) == (expected.status, expected.output, expected.steps), (
                program,
                budget,
                expected,
                actual,
            )


def test_nested_loops_near_the_tape_edges():
    """Loop nests whose nested loops reach past the pointer: near an edge they must run as ordinary loops."""
    rng = random.Random(f"{SEED}-edges")
    for _ in range(400):
        size = rng.randint(2, 8)
        options = BrainfuckOptions(
            cell_modulus=rng.choice((5, 256)), tape_size=size, left_edge=rng.choice(("clamp", "error"))
        )
        start = rng.randint(0, size - 1)
        body = rng.choice((">+[-]<", "<+[-]>", ">>++[->+<]<<", "<<+[-]>>", ">[-<<+>>]<", "<<<+>>>>++[-]<"))
        program = ">" * start + "+" * rng.randint(1, 4) + "[" + body + "-]" + "+[" + body + "-]."
        limits = esolangs.Limits(max_steps=rng.choice((30, 1000)))
        expected = run_reference(program, b"", limits, options)
        for _ in range(2):
            actual = run_fast(program, b"", limits, options)
            assert (actual.status, actual.output, actual.steps) == (expected.status, expected.output, expected.steps), (
                program,
                options,
                limits,
            )


def test_comment_characters_and_non_ascii_text():
    """Anything but the eight commands is a comment: '|' (used internally), other bytes, non-ASCII, surrogates."""
    rng = random.Random(f"{SEED}-comments")
    noise = "|| a\n\té→€𝄞\udc80\x00"
    for _ in range(500):
        program = random_program(rng)
        chars = list(program)
        for _ in range(rng.randint(1, 8)):
            chars.insert(rng.randint(0, len(chars)), rng.choice(noise))
        text = "".join(chars)
        for options in (BrainfuckOptions(), BrainfuckOptions(cell_modulus=27, left_edge="clamp", unmatched="ignore")):
            limits = esolangs.Limits(max_steps=rng.choice((5, 100, 5000)), max_output=20)
            expected = run_reference(text, b"xy", limits, options)
            actual = run_fast(text, b"xy", limits, options)
            assert (actual.status, actual.output, actual.steps) == (expected.status, expected.output, expected.steps), (
                text,
                options,
            )


def test_nodes_compiled_in_any_order():
    """Compiling some nodes ahead, in any order (not the order a run reaches them), changes nothing."""
    from esolangs.brainfuck_fast import _compile_nodes, cache_key, compile_program

    rng = random.Random(f"{SEED}-order")
    for _ in range(400):
        program_text = random_program(rng) + nested_loop(rng, 1)
        options = OPTION_SETS[rng.choice(sorted(OPTION_SETS))]
        limits = esolangs.Limits(max_steps=rng.choice((13, 300, 5000)), max_output=10)
        expected = run_reference(program_text, b"\x03", limits, options)
        program = compile_program(program_text, options.unmatched, options.cell_step)
        if isinstance(program, str):
            assert expected.status == "syntax_error"
            continue
        for k in rng.sample(range(len(program.nodes)), rng.randint(0, len(program.nodes))):
            if program.nodes[k][3] is None:
                _compile_nodes(program, k)
        clear_cache()
        from esolangs import brainfuck_fast

        brainfuck_fast._caches.setdefault(cache_key(options.unmatched, options.cell_step), OrderedDict())[
            program_text
        ] = program
        actual = run_fast(program_text, b"\x03", limits, options)
        assert (actual.status, actual.output, actual.steps) == (expected.status, expected.output, expected.steps), (
            program_text,
            options,
            limits,
        )


def test_long_programs_match_every_bracket_at_compile_time():
    """Past a few thousand terminators brackets are matched eagerly (no quadratic searches): same results."""
    rng = random.Random(f"{SEED}-long")
    for _ in range(6):
        pieces = [
            random_program(rng).replace("[", "").replace("]", "") + nested_loop(rng, 2) + "."
            for _ in range(rng.randint(500, 900))
        ]
        program = "+" + "".join(pieces)
        for options in (BrainfuckOptions(), BrainfuckOptions(cell_modulus=27, left_edge="clamp", unmatched="ignore")):
            for text in (program, program + "]" + program):  # balanced, and one stray ']'
                limits = esolangs.Limits(max_steps=rng.choice((2000, 60_000)), max_output=500)
                expected = run_reference(text, b"ab", limits, options)
                for _ in range(2):
                    actual = run_fast(text, b"ab", limits, options)
                    assert (actual.status, actual.output, actual.steps) == (
                        expected.status,
                        expected.output,
                        expected.steps,
                    ), (options, limits)


def test_clamped_left_edge_memo_shared_across_tape_sizes():
    """Segments entered near cell 0 under clamp are memoized per (node, pointer) on the cached program; the memo
    is reused by runs with other tape sizes and moduli, and must fall back to the careful path where it would
    cross the right edge of a smaller tape."""
    rng = random.Random(f"{SEED}-clamp-edge")
    for _ in range(400):
        program = "".join(
            rng.choice(("<", "<<", ">", ">>>", "+", "--", "[-<+>]", "[<]", ".", "[", "]", ","))
            for _ in range(rng.randint(3, 25))
        )
        limits = esolangs.Limits(max_steps=rng.choice((7, 60, 3000)), max_output=50)
        for options in (
            BrainfuckOptions(left_edge="clamp", unmatched="ignore"),
            BrainfuckOptions(left_edge="clamp", unmatched="ignore", tape_size=3, cell_modulus=5),
            BrainfuckOptions(left_edge="clamp", unmatched="ignore", tape_size=1),
        ):
            expected = run_reference(program, b"\x02\x07", limits, options)
            actual = run_fast(program, b"\x02\x07", limits, options)
            assert (actual.status, actual.output, actual.steps) == (expected.status, expected.output, expected.steps), (
                program,
                options,
            )


@pytest.mark.parametrize("engine", [run_reference, run_fast])
def test_cell_step_scales_plus_and_minus_and_keeps_one_step_per_command(engine):
    """`+` adds cell_step and `-` subtracts it, modulo cell_modulus; a command still costs one step."""
    limits = esolangs.Limits(max_steps=1000)
    run = lambda text, **options: engine(text, b"", limits, BrainfuckOptions(**options))  # noqa: E731
    assert run("+++.", cell_step=2).output == b"\x06" and run("+++.", cell_step=2).steps == 4
    assert run("-.", cell_step=2).output == b"\xfe" and run("-.", cell_step=3).output == b"\xfd"
    assert run("+++++++++++++++.", cell_modulus=27, cell_step=2).output == b"\x03"  # 30 mod 27
    # [-] from 6 under step 2: 3 iterations of 2 steps, plus the '['
    assert run("+++[-].", cell_step=2).steps == 3 + 1 + 3 * 2 + 1
    # step 2 keeps a cell's parity mod 256: from an odd value a clearing loop never ends
    assert run("+[-]", cell_modulus=255, cell_step=2).status == "ok"
    assert engine(",[-]", b"\x01", limits, BrainfuckOptions(cell_step=2)).status == "step_limit"
    assert run("++[>+++<-]>.", cell_step=2).output == bytes([12])  # counter 4 -> 2 iterations of +6


def test_one_text_under_two_cell_steps_is_compiled_twice():
    """The fast path caches compiled programs per cell step: the same text under step 1 then 2 then 1 stays exact."""
    clear_cache()
    limits = esolangs.Limits(max_steps=10_000)
    text = "++++[>+++[->++<]<-]>>.[-]+++.<<,[-]"
    for step in (1, 2, 3, 1, 2):
        options = BrainfuckOptions(cell_step=step)
        expected = run_reference(text, b"\x04", limits, options)
        actual = run_fast(text, b"\x04", limits, options)
        assert (actual.status, actual.output, actual.steps) == (expected.status, expected.output, expected.steps)
    assert run_reference(text, b"", limits, BrainfuckOptions(cell_step=2)).output == bytes([48, 6])  # 4 x 3 x 4


@pytest.mark.parametrize("value", [0, 4, True, "2", 2.0])
def test_cell_step_outside_1_to_3_is_one_clear_error(value):
    with pytest.raises((ValueError, TypeError), match="BrainfuckOptions.cell_step must be"):
        BrainfuckOptions(cell_step=value).validate()
