"""Reference solutions and well-posedness under a cell step other than 1 (`bf+cell_step=2`: `+` adds 2).

The families' Brainfuck hooks write for step 1, so an option variant has no
reference solution (`TaskFamily.reference_solution` returns None): nothing
passes silently. Under cell_step=2 and cell_modulus=256 `+`/`-` keep a
cell's parity, so some tasks have no solution at all
(`curricula.verify.unreachable_output` finds a byte no run can write). The
lists below are the ones docs/envs.md gives: families whose step-1 reference
text is itself a solution under step 2 (well-posed, with a witness), and
families with unreachable outputs at their default level (ill-posed there).
"""

from __future__ import annotations

import pytest

from curricula.base import make_task, reference_solution
from curricula.verify import execute, unreachable_output

STEP_2 = "bf+cell_step=2"
SAMPLE = 12

WITNESSED = (
    "cascade", "copy-reverse", "duplicate-each", "echo", "echo-all", "echo-alternating", "echo-byte", "echo-half",
    "echo-second-seq", "echo-thrice", "echo-twice", "echo-twice-byte", "last-byte", "last-then-first", "middle-char",
    "pair-twice", "paper-bf-copy", "prefix", "remove-last", "reverse", "reverse-bytes", "shift-left", "swap-two", "zero-cascade",
)  # fmt: skip
"""Families whose step-1 Brainfuck reference text passes every sampled instance under cell_step=2 as well."""

ILL_POSED = (
    "add-constant", "bool-logic", "char-code", "count-down", "count-down-digits", "count-to-n", "digit-sum",
    "divide-2", "divmod", "emit-char", "emit-repeated", "emit-string", "even-odd", "fib", "greet", "hello-world",
    "increment-byte", "increment-echo-twice", "length", "line-length", "paper-befunge-print", "paper-bf-print", "print", "sum-two",
)  # fmt: skip
"""Families with an instance at their default level whose expected output no program writes under cell_step=2."""


def instances(family: str):
    task = make_task(family)
    try:
        return task.instances(SAMPLE)
    except ValueError:  # a family with fewer instances (bool-logic has one)
        return task.instances(1)


def passes(instance, program: str, language: str) -> bool:
    results = execute(instance, program, language)
    return all(r.status == "ok" and r.output == case.output for r, case in zip(results, instance.tests))


@pytest.mark.parametrize("family", WITNESSED + ILL_POSED)
def test_a_cell_step_variant_has_no_reference_solution(family):
    """The hooks write for step 1: under `bf+cell_step=2` (and its dialects) no text is offered as a solution."""
    inst = instances(family)[0]
    assert reference_solution(inst, "bf") is not None
    for language in (STEP_2, "bf-dialect-7+cell_step=2", "bf+cell_step=3"):
        assert reference_solution(inst, language) is None, (family, language)


@pytest.mark.parametrize("family", WITNESSED)
def test_witnessed_families_are_solved_by_their_step_1_text(family):
    for inst in instances(family):
        program = reference_solution(inst, "bf")
        assert passes(inst, program, STEP_2), (family, inst.id, program)
        assert unreachable_output(inst, STEP_2) is None, (family, inst.id)


@pytest.mark.parametrize("family", ILL_POSED)
def test_ill_posed_families_have_an_unreachable_byte_and_their_text_fails_there(family):
    found = 0
    for inst in instances(family):
        case = unreachable_output(inst, STEP_2)
        if case is None:
            continue
        found += 1
        # the checker's verdict is never contradicted by a witness: the step-1 text fails that instance
        assert not passes(inst, reference_solution(inst, "bf"), STEP_2), (family, inst.id)
        assert case in inst.tests
    assert found, f"{family}: no sampled instance has an unreachable byte"


def test_unreachable_output_follows_the_residue_the_step_keeps():
    emit = make_task("emit-char", level=0).instance(0, 0)  # the byte 1
    assert emit.tests[0].output == b"\x01"
    assert unreachable_output(emit, STEP_2) == emit.tests[0]
    assert unreachable_output(emit, "bf-dialect-5+cell_step=2") == emit.tests[0]
    # an invertible step (odd modulus, or step 3 under 256) reaches every byte; so do step 1 and other languages
    for language in ("bf", "bf+cell_step=2+cell_modulus=255", "bf+cell_step=3", "befunge93", "ook"):
        assert unreachable_output(emit, language) is None, language
    # wide cells: `.` writes value mod 256, whose parity the step 2 still keeps
    assert unreachable_output(emit, "bf+cell_step=2+cell_modulus=65536") == emit.tests[0]
    # an odd byte that was read can be written back; at EOF, minus_one stores an odd 255
    echo = make_task("echo-byte").instance(0, 0)
    assert unreachable_output(echo, STEP_2) is None
    odd = make_task("emit-char", level=2).instances(40)
    odd_ones = [inst for inst in odd if inst.tests[0].output[0] % 2]
    assert odd_ones and all(unreachable_output(inst, STEP_2) for inst in odd_ones)
    assert all(unreachable_output(inst, STEP_2 + "+eof=minus_one") is None for inst in odd_ones)
    assert all(unreachable_output(inst, STEP_2) is None for inst in odd if inst not in odd_ones)


def test_an_even_emit_char_byte_is_solved_by_half_as_many_plus_signs():
    """The transfer target's programs differ: byte 6 is `+++.` under step 2 (`++++++.` under step 1)."""
    for inst in make_task("emit-char", level=3).instances(20):
        byte = inst.tests[0].output[0]
        if byte % 2 == 0:
            assert passes(inst, "+" * (byte // 2) + ".", STEP_2)
            assert not passes(inst, "+" * byte + ".", STEP_2)
