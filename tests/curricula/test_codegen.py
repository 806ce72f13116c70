"""Tests of the Brainfuck and Befunge-93 program builders, run on the project's own interpreters."""

from __future__ import annotations

import numpy as np
import pytest

import esolangs
from curricula.solutions.befunge_codegen import befunge_layout, befunge_print, befunge_push
from curricula.solutions.bf_codegen import (
    bf_add,
    bf_change,
    bf_copy,
    bf_counting_sort,
    bf_echo_all,
    bf_emit,
    bf_map_each,
    bf_print,
    bf_repeat,
    bf_set,
    bf_simplify,
)

RNG_SEED = 20250227


def run_bf(code: str, stdin: bytes = b"", **options) -> esolangs.Execution:
    return esolangs.run("bf", code, stdin, max_steps=2_000_000, **options)


@pytest.mark.parametrize("modulus", [256, 27, 2, 3, 1000])
def test_bf_print_prints_exactly_the_bytes_for_any_cell_modulus(modulus):
    rng = np.random.default_rng([RNG_SEED, modulus])
    top = min(modulus, 256)
    for _ in range(60):
        data = [int(v) for v in rng.integers(0, top, size=int(rng.integers(0, 12)))]
        code = bf_print(data, modulus)
        result = run_bf(code, cell_modulus=modulus)
        assert result.status == "ok", (data, code, result.error)
        assert list(result.output) == data


def test_bf_print_uses_only_commands_and_never_moves_left_of_the_start():
    code = bf_print(b"The quick brown fox jumps over the lazy dog.")
    assert set(code) <= set("+-<>[].,")
    # Clamped and erroring left edges give the same run: the pointer never needs cell -1.
    for left_edge in ("error", "clamp"):
        assert run_bf(code, left_edge=left_edge).output == b"The quick brown fox jumps over the lazy dog."


def test_bf_print_is_compact_compared_with_plain_increments():
    text = b"Hello, World!"
    naive = sum(abs(b - a) for a, b in zip(b"\0" + text, text)) + len(text)
    assert len(bf_print(text)) < 0.6 * naive
    # Large deltas use a multiplication loop.
    assert "[" in bf_print(b"z")


def test_bf_print_rejects_values_the_modulus_cannot_hold():
    with pytest.raises(ValueError, match=r"values to print must be in \[0, 26\]"):
        bf_print([5, 27], modulus=27)
    with pytest.raises(ValueError, match="modulus must be an int >= 2"):
        bf_print(b"a", modulus=1)


def test_bf_add_and_change_reach_every_value_from_every_start():
    for start in range(0, 256, 17):
        for target in range(256):
            code = bf_add(start) + bf_change(start, target) + "."
            assert run_bf(code).output == bytes([target]), (start, target, code)


def test_bf_add_with_a_far_scratch_cell_keeps_the_neighbour_intact():
    # Cell 1 holds 9; the addition must use cell 2 as its scratch and leave it zero.
    code = ">+++++++++<" + bf_add(200, scratch=2) + ".>.>."
    assert run_bf(code).output == bytes([200, 9, 0])


def test_bf_emit_continues_from_a_known_cell_value():
    code = bf_print(b"a") + bf_emit(b"bcz", current=ord("a"))
    assert run_bf(code).output == b"abcz"


def test_bf_repeat_counts_in_a_separate_cell():
    code = bf_repeat(7, bf_add(65) + "." + bf_add(-65))
    assert run_bf(code).output == b"A" * 7


def test_bf_copy_and_bf_set():
    # 7 copied to cells +2 and +3 through the zero cell +1, kept in the work cell.
    code = bf_add(7) + bf_copy([2, 3], keep_via=1) + ".>.>.>." + bf_set(65) + "."
    assert run_bf(code).output == bytes([7, 0, 7, 7, 65])


def test_echo_and_map_patterns():
    assert run_bf(bf_echo_all(), b"hello").output == b"hello"
    assert run_bf(bf_map_each(".."), b"ab").output == b"aabb"


@pytest.mark.parametrize("low,high", [(48, 57), (97, 122), (1, 3)])
def test_bf_counting_sort_sorts_small_alphabets(low, high):
    code = bf_counting_sort(low, high)
    rng = np.random.default_rng([RNG_SEED, low])
    for _ in range(40):
        data = bytes(int(v) for v in rng.integers(low, high + 1, size=int(rng.integers(0, 9))))
        result = run_bf(code, data)
        assert result.status == "ok" and result.output == bytes(sorted(data)), data


def test_bf_counting_sort_works_in_a_small_modulus():
    code = bf_counting_sort(1, 5, modulus=27)
    assert run_bf(code, bytes([5, 1, 4, 1, 3]), cell_modulus=27).output == bytes([1, 1, 3, 4, 5])


def test_bf_simplify_drops_cancelling_pairs_only():
    assert bf_simplify("+-<>+><-[.]") == "[.]"
    assert bf_simplify("+[-]>.") == "+[-]>."


def run_befunge(code: str, stdin: bytes = b"") -> esolangs.Execution:
    return esolangs.run("befunge93", code, stdin, max_steps=1_000_000)


def test_befunge_push_evaluates_to_the_value():
    rng = np.random.default_rng(RNG_SEED)
    values = (
        list(range(-40, 1100, 7)) + [int(v) for v in rng.integers(-(2**31), 2**31, size=40)] + [2**31 - 1, -(2**31)]
    )
    for start in range(0, len(values), 60):
        chunk = values[start : start + 60]
        program = befunge_layout([befunge_push(v) + "." for v in chunk] + ["@"])
        result = esolangs.run("befunge93", program, max_steps=1_000_000)
        assert result.status == "ok", result.error
        assert result.output.decode().split() == [str(v) for v in chunk]


def test_befunge_push_is_short_for_bytes():
    assert max(len(befunge_push(v)) for v in range(256)) <= 7
    with pytest.raises(ValueError, match="32-bit"):
        befunge_push(2**31)


@pytest.mark.parametrize("length", [0, 1, 2, 5, 40, 120, 200])
def test_befunge_print_prints_any_bytes_and_fits_the_grid(length):
    rng = np.random.default_rng([RNG_SEED, length])
    for low in (0, 1):  # with and without zero bytes (the loop form needs no zeros)
        data = bytes(int(v) for v in rng.integers(low, 256, size=length))
        code = befunge_print(data)
        lines = code.split("\n")
        assert len(lines) <= 25 and all(len(line) <= 80 for line in lines)
        result = run_befunge(code)
        assert result.status == "ok" and result.output == data, (length, low, code)


def test_befunge_print_folds_long_text_into_rows():
    text = bytes(97 + i % 26 for i in range(1200))
    code = befunge_print(text)
    assert 2 < len(code.split("\n")) <= 25
    assert run_befunge(code).output == text


def test_befunge_print_of_text_uses_string_mode():
    assert befunge_print(b"hi") == '"ih",,@'
    assert run_befunge(befunge_print('say "hi"')).output == b'say "hi"'


def test_befunge_layout_rejects_programs_larger_than_the_grid():
    with pytest.raises(ValueError, match="Befunge-93 allows 25"):
        befunge_layout(["1" * 70] * 30 + ["@"])
