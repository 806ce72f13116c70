"""Tests of the `paper` suite: exact counts, the 676 Print strings, determinism, validation and reference solutions."""

from __future__ import annotations

import itertools
import string
import subprocess
import sys

import pytest

from curricula import make_task
from curricula.families.paper import PAPER_SUITE, two_letter_string
from curricula.suites import get_suite
from curricula.verify import execute

PAPER_COUNTS = {
    "paper-bf-print": 676,
    "paper-bf-copy": 100,
    "paper-bf-sort": 100,
    "paper-befunge-print": 100,
    "paper-befunge-fibonacci": 1,
    "paper-befunge-factorial": 15,
}
BF_FAMILIES = ["paper-bf-print", "paper-bf-copy", "paper-bf-sort"]
BEFUNGE_FAMILIES = ["paper-befunge-print", "paper-befunge-fibonacci", "paper-befunge-factorial"]
SOLUTION_SAMPLE = 200


def suite_instances(family: str, limit: int | None = None):
    instances = [inst for inst in get_suite("paper").instances() if inst.family == family]
    return instances if limit is None else instances[:limit]


def solution_sample(family: str):
    """Every instance of a fixed-size family; 200 generated ones (seed 0, the suite's 100 first) otherwise."""
    task = make_task(family)
    return task.instances() if task.size is not None else task.instances(SOLUTION_SAMPLE)


def assert_passes(instance, program: str, language: str) -> None:
    results = execute(instance, program, language)
    for case, result in zip(instance.tests, results):
        assert result.status == "ok", (instance.id, language, case.input, result.error)
        assert result.output == case.output, (instance.id, language, case.input, result.output, case.output)


def test_suite_is_registered_versioned_and_has_the_paper_counts():
    suite = get_suite("paper")
    assert suite is PAPER_SUITE and suite.version == "1"
    assert {e.family: e.count for e in suite.entries} == PAPER_COUNTS
    counted = {}
    for inst in suite.instances():
        counted[inst.family] = counted.get(inst.family, 0) + 1
        assert inst.suite == "paper"
        assert inst.language == ("bf" if inst.family in BF_FAMILIES else "befunge93")
    assert counted == PAPER_COUNTS


def test_entries_name_the_language_of_their_instances():
    for entry in get_suite("paper").entries:
        assert entry.language == ("bf" if entry.family in BF_FAMILIES else "befunge93")
        assert make_task(entry.family).instance(0, 0).language == entry.language


def test_print_covers_exactly_the_676_two_letter_strings_in_order():
    outputs = [inst.tests[0].output.decode() for inst in suite_instances("paper-bf-print")]
    expected = ["".join(pair) for pair in itertools.product(string.ascii_lowercase, repeat=2)]
    assert outputs == expected
    assert [two_letter_string(i) for i in (0, 1, 25, 26, 675)] == ["aa", "ab", "az", "ba", "zz"]
    task = make_task("paper-bf-print")
    assert all(f'"{two_letter_string(i)}"' in task.instance(7, i).description for i in (0, 300, 675))
    with pytest.raises(ValueError, match=r"index must be in \[0, 675\], got 676"):
        task.instance(0, 676)


def test_print_instances_do_not_depend_on_the_seed_and_take_no_input():
    task = make_task("paper-bf-print")
    assert task.instance(0, 42).tests == task.instance(99, 42).tests
    assert all(case.input == b"" for case in task.instance(0, 42).tests)


@pytest.mark.parametrize("family", sorted(PAPER_COUNTS))
def test_instances_regenerate_alone_from_seed_and_index(family):
    task = make_task(family)
    last = PAPER_COUNTS[family] - 1
    for seed, index in ((0, 0), (3, last), (12345, last // 2)):
        first = task.instance(seed, index)
        again = make_task(family).instance(seed, index)
        assert first == again and first.fingerprint() == again.fingerprint()


@pytest.mark.parametrize("family", ["paper-bf-copy", "paper-bf-sort", "paper-befunge-print"])
def test_random_families_vary_with_seed_and_index(family):
    task = make_task(family)
    tests = {task.instance(seed, index).tests for seed in range(3) for index in range(5)}
    assert len(tests) == 15


def test_suite_instances_are_the_family_instances_tagged_with_suite_and_language():
    for family in ("paper-bf-copy", "paper-befunge-factorial"):
        generated = solution_sample(family)
        for inst in suite_instances(family):
            assert inst.tests == generated[inst.index].tests and inst.description == generated[inst.index].description


def test_copy_and_sort_inputs_follow_the_documented_formats():
    for inst in suite_instances("paper-bf-copy"):
        for case in inst.examples + inst.tests:
            assert 1 <= len(case.input) <= 16 and case.input.isalnum() and case.output == case.input
    for inst in suite_instances("paper-bf-sort"):
        for case in inst.examples + inst.tests:
            assert 2 <= len(case.input) <= 8 and case.input.isdigit()
            assert case.output == bytes(sorted(case.input))


def test_fibonacci_and_factorial_outputs():
    (fib,) = suite_instances("paper-befunge-fibonacci")
    assert fib.tests[0].output == b"0 1 1 2 3 5 8 13 21 34 "
    factorials = [inst.tests[0].output for inst in suite_instances("paper-befunge-factorial")]
    assert factorials[0] == b"1 " and factorials[4] == b"120 " and factorials[14] == b"1307674368000 "


@pytest.mark.parametrize(
    "family,field,value,message",
    [
        ("paper-bf-copy", "max_length", 0, r"PaperTextConfig.max_length must be an int in \[1, 256\], got 0"),
        ("paper-bf-copy", "num_tests", 0, r"num_tests must be an int in \[1, 1024\], got 0"),
        ("paper-bf-sort", "max_length", 40, r"PaperSortConfig.max_length must be an int in \[2, 32\], got 40"),
        ("paper-befunge-print", "min_length", 0, r"BefungePrintConfig.min_length must be an int in \[1, 64\]"),
        ("paper-befunge-fibonacci", "count", 48, r"FibonacciConfig.count must be an int in \[1, 47\], got 48"),
        ("paper-bf-print", "num_tests", 2, r"num_tests must be an int in \[1, 1\], got 2"),
    ],
)
def test_config_validation_names_the_field(family, field, value, message):
    with pytest.raises(ValueError, match=message):
        make_task(family, **{field: value})


def test_unknown_config_field_is_rejected():
    with pytest.raises(TypeError, match="unknown config field"):
        make_task("paper-bf-copy", length=3)


@pytest.mark.parametrize("family", BF_FAMILIES)
def test_brainfuck_reference_solutions_pass_every_hidden_test(family):
    task = make_task(family)
    for inst in solution_sample(family):
        assert_passes(inst, task.reference_solution(inst, "bf"), "bf")


@pytest.mark.parametrize("family", BEFUNGE_FAMILIES)
def test_befunge_reference_solutions_pass_every_hidden_test(family):
    task = make_task(family)
    for inst in solution_sample(family):
        program = task.reference_solution(inst, "befunge93")
        assert all(len(line) <= 80 for line in program.split("\n")), inst.id
        assert_passes(inst, program, "befunge93")


@pytest.mark.parametrize("family,language", [("paper-bf-copy", "befunge93"), ("paper-befunge-print", "bf")])
def test_extra_cross_language_solutions_pass(family, language):
    task = make_task(family)
    for inst in solution_sample(family):
        assert_passes(inst, task.reference_solution(inst, language), language)


def test_befunge_factorial_solution_computes_rather_than_prints_for_small_n():
    task = make_task("paper-befunge-factorial")
    program = task.befunge_solution(task.instance(0, 9))  # 10! = 3628800
    assert "3628800" not in program and '"' not in program


@pytest.mark.parametrize("language", ["ook", "bf-dialect-7"])
@pytest.mark.parametrize("family", BF_FAMILIES)
def test_dialect_solutions_by_translation_pass(family, language):
    task = make_task(family)
    for inst in solution_sample(family):
        program = task.reference_solution(inst, language)
        assert program != task.reference_solution(inst, "bf")
        assert_passes(inst, program, language)


def run_python(program: str, stdin: bytes) -> bytes:
    done = subprocess.run([sys.executable, "-c", program], input=stdin, capture_output=True, timeout=30, check=True)
    return done.stdout


@pytest.mark.parametrize("family", sorted(PAPER_COUNTS))
def test_python_solutions_on_a_few_instances(family):
    task = make_task(family)
    for inst in suite_instances(family, 2):
        program = task.reference_solution(inst, "python")
        for case in inst.tests[:2]:
            assert run_python(program, case.input) == case.output, (inst.id, case)


def test_suite_fingerprint_is_pinned():
    # Changing any instance of the fixed benchmark must come with a version bump and a new pin.
    assert get_suite("paper").fingerprint() == PINNED_FINGERPRINT


PINNED_FINGERPRINT = "e470433255f2367e3bac1bede4fd825fbdc8cf25eb89e57fc85f94313e6982de"
