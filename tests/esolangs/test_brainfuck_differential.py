"""Differential test: the fast Brainfuck engine against the reference on thousands of random programs.

Programs are biased toward loops and the idioms the fast path solves in
closed form (clear, multiply/copy, scan, non-unit-step loops), budgets are
small so runs stop inside idioms and folded runs, and some programs are
unbalanced. Set REASONENV_FUZZ_SEED to explore other programs.
"""

from __future__ import annotations

import os
import random

import pytest

import esolangs
from esolangs.brainfuck import BrainfuckOptions, run_reference
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
}

IDIOMS = (
    "[-]", "[+]", "[->+<]", "[-<+>]", "[->>++<<]", "[>+<-]", "[->+>+<<]", "[--]", "[+++]", "[]",
    "[>]", "[<]", "[>>]", "[<<<]", "[-<<+>>]", "[++>-<]", "[>+<]", "[-->+++<]", "[>-<+]", "[<->-]",
)


def random_body(rng: random.Random, depth: int, length: int) -> str:
    parts = []
    for _ in range(length):
        roll = rng.random()
        if roll < 0.30:
            parts.append(rng.choice("+-") * rng.randint(1, 6) if rng.random() < 0.8 else
                         "".join(rng.choice("+-") for _ in range(rng.randint(2, 6))))
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
            program = program[:drop] + program[drop + 1:]
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
                program, stdin, modulus, expected, actual)


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
        assert (actual.status, actual.output, actual.steps) == (expected.status, expected.output, expected.steps), budget


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
