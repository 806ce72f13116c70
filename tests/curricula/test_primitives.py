"""Tests of the `primitives` suite: difficulty ladders, tiny level 0, determinism, validation and reference solutions."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from curricula import family_class, family_names, make_task
from curricula.families.primitives import PRIMITIVES_ORDER, PRIMITIVES_SUITE
from curricula.suites import get_suite
from curricula.verify import execute

PQT_NAMES = {
    "reverse",
    "remove-char",
    "count-char",
    "add",
    "bool-logic",
    "print-hello",
    "echo-twice",
    "echo-thrice",
    "copy-reverse",
    "zero-cascade",
    "cascade",
    "shift-left",
    "shift-right",
    "riffle",
    "unriffle",
    "middle-char",
    "remove-last",
    "remove-last-two",
    "echo-alternating",
    "echo-half",
    "length",
    "echo-second-seq",
    "echo-nth-seq",
    "substring",
    "divide-2",
    "dedup",
    "print",
    "echo",
    "prefix",
    "find",
    "sort3",
    "multiply",
    "divmod",
    "fib",
    "count-down",
}
SOLUTION_SAMPLE = 200
LANGUAGES = ["bf", "befunge93", "ook", "bf-dialect-7"]


def assert_passes(instance, program: str, language: str) -> None:
    results = execute(instance, program, language)
    for case, result in zip(instance.tests, results):
        assert result.status == "ok", (instance.id, language, case.input, result.error)
        assert result.output == case.output, (instance.id, language, case.input, result.output, case.output)


def test_order_lists_every_primitive_family_once_and_avoids_pqt_names():
    assert len(PRIMITIVES_ORDER) == len(set(PRIMITIVES_ORDER)) >= 10
    assert not set(PRIMITIVES_ORDER) & PQT_NAMES
    assert set(PRIMITIVES_ORDER) <= set(family_names())
    assert [family_class(n).order for n in PRIMITIVES_ORDER] == sorted(family_class(n).order for n in PRIMITIVES_ORDER)
    assert PRIMITIVES_ORDER[:2] == ("emit-char", "echo-byte")
    assert all(family_class(n).suite == "primitives" for n in PRIMITIVES_ORDER)


def test_suite_is_registered_in_difficulty_order():
    suite = get_suite("primitives")
    assert suite is PRIMITIVES_SUITE and suite.version == "1"
    assert tuple(suite.families()) == PRIMITIVES_ORDER


@pytest.mark.parametrize("family", PRIMITIVES_ORDER)
def test_level_zero_asks_for_a_tiny_output(family):
    task = make_task(family, level=0)
    for inst in task.instances(20):
        for case in inst.tests:
            assert 1 <= len(case.output) <= 2, (family, case)
            assert len(case.input) <= 1


def test_level_zero_is_solved_by_short_programs_a_random_search_can_hit():
    for family, program in [
        ("emit-char", "+."),
        ("echo-byte", ",."),
        ("increment-byte", ",+."),
        ("emit-string", "+."),
        ("emit-repeated", "+."),
        ("echo-all", ",."),
        ("add-constant", ",+."),
        ("echo-twice-byte", ",.."),
    ]:
        for inst in make_task(family, level=0).instances(10):
            assert_passes(inst, program, "bf")


@pytest.mark.parametrize("family", PRIMITIVES_ORDER)
def test_levels_make_a_ladder(family):
    config_class = family_class(family).config_class
    assert config_class.difficulty, family
    levels = [config_class.at_level(k) for k in range(config_class.num_levels())]
    for name in config_class.difficulty:
        values = [getattr(cfg, name) for cfg in levels]
        assert values == sorted(values) and values[0] < values[-1], (family, name, values)
    # There is no rung past the top one: asking for it names the range.
    top = len(levels) - 1
    with pytest.raises(ValueError, match=rf"level of {config_class.__name__} must be an int in \[0, {top}\], got 100"):
        config_class.at_level(100)


def test_harder_levels_produce_larger_outputs_or_values():
    easy = make_task("emit-string", level=0).instances(20)
    hard = make_task("emit-string", level=5).instances(20)
    assert max(len(i.tests[0].output) for i in easy) == 1 < min(len(i.tests[0].output) for i in hard)
    assert max(max(i.tests[0].output) for i in hard) > 1


@pytest.mark.parametrize("family", PRIMITIVES_ORDER)
def test_instances_regenerate_alone_from_seed_and_index(family):
    for level in (0, 3):
        task = make_task(family, level=level)
        for seed, index in ((0, 0), (7, 123), (2**40, 5)):
            assert task.instance(seed, index) == make_task(family, level=level).instance(seed, index)


@pytest.mark.parametrize("family", ["emit-char", "echo-all", "add-constant", "count-down-digits", "emit-string"])
def test_instances_vary_with_seed_and_index(family):
    task = make_task(family)
    distinct = {task.instance(seed, index).tests for seed in range(3) for index in range(6)}
    assert len(distinct) >= 12


@pytest.mark.parametrize(
    "family,overrides,message",
    [
        ("emit-char", {"max_value": 0}, r"EmitConfig.max_value must be an int in \[1, 255\], got 0"),
        ("emit-string", {"length": 65}, r"EmitStringConfig.length must be an int in \[1, 64\], got 65"),
        ("emit-repeated", {"count": 0}, r"EmitRepeatedConfig.count must be an int in \[1, 255\], got 0"),
        ("echo-all", {"max_length": 0}, r"SequenceInputConfig.max_length must be an int in \[1, 256\], got 0"),
        ("add-constant", {"constant": 256}, r"AddConstantConfig.constant must be an int in \[1, 255\], got 256"),
        ("count-down-digits", {"max_digit": 10}, r"CountDownConfig.max_digit must be an int in \[0, 9\], got 10"),
        ("emit-char", {"num_tests": 3}, r"num_tests must be an int in \[1, 1\], got 3"),
        ("echo-byte", {"max_value": "9"}, r"ByteInputConfig.max_value must be an int"),
    ],
)
def test_config_validation_names_the_field(family, overrides, message):
    with pytest.raises(ValueError, match=message):
        make_task(family, **overrides)


def test_level_must_be_a_non_negative_int():
    with pytest.raises(ValueError, match=r"level of task family 'emit-char' must be an int in \[0, \d+\], got -1"):
        make_task("emit-char", level=-1)


def test_descriptions_state_the_target_of_constant_output_tasks():
    inst = make_task("emit-repeated", count=5, max_value=3).instance(0, 0)
    value = inst.tests[0].output[0]
    assert f"value {value} 5 times" in inst.description
    text = make_task("emit-string", length=3).instance(0, 1)
    assert str(list(text.tests[0].output)).replace(" ", "") in text.description.replace(" ", "")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("family", PRIMITIVES_ORDER)
def test_reference_solutions_pass_every_hidden_test(family, language):
    task = make_task(family)
    for inst in task.instances(SOLUTION_SAMPLE):
        program = task.reference_solution(inst, language)
        assert program is not None, (family, language)
        assert_passes(inst, program, language)


@pytest.mark.parametrize("family", PRIMITIVES_ORDER)
def test_reference_solutions_pass_at_every_level(family):
    config_class = family_class(family).config_class
    for level in range(config_class.num_levels()):
        task = make_task(family, level=level)
        for inst in task.instances(8, seed=level):
            for language in ("bf", "befunge93"):
                assert_passes(inst, task.reference_solution(inst, language), language)


def test_bf_solutions_also_hold_with_a_clamped_tape_edge():
    # Reference programs never step left of cell 0, so the tape-edge convention does not matter.
    for family in PRIMITIVES_ORDER:
        task = make_task(family)
        for inst in task.instances(5):
            clamped = dataclasses.replace(inst, run_options={"left_edge": "clamp"})
            assert_passes(clamped, task.reference_solution(inst, "bf"), "bf")


def run_python(program: str, stdin: bytes) -> bytes:
    done = subprocess.run([sys.executable, "-c", program], input=stdin, capture_output=True, timeout=30, check=True)
    return done.stdout


@pytest.mark.parametrize("family", PRIMITIVES_ORDER)
def test_python_solutions_on_a_few_instances(family):
    task = make_task(family)
    inst = task.instance(5, 0)
    program = task.reference_solution(inst, "python")
    for case in inst.tests[:2]:
        assert run_python(program, case.input) == case.output, (inst.id, case)
