"""The tape families (swap-two, pair-twice, last-byte, last-then-first, reverse-bytes): default semantics, reference programs, need for the tape, held-out content."""

from __future__ import annotations

import subprocess
import sys

import pytest

from curricula import family_class, family_ids, make_task
from curricula.families.tape import TAPE_ORDER
from curricula.heldout import content_space, is_heldout
from curricula.verify import execute

LANGUAGES = ["bf", "ook", "bf-dialect-7"]
REFERENCE = {
    "swap-two": ",>,.<.",
    "pair-twice": ",>,<.>.<.>.",
    "last-byte": ",[>,]<.",
    "last-then-first": ">,[>,]<.[<]>.",
    "reverse-bytes": ">,[>,]<[.<]",
}
SEQUENCE_FAMILIES = ("last-byte", "last-then-first", "reverse-bytes")


def passes(instance, program: str, language: str = "bf") -> bool:
    return all(
        result.status == "ok" and result.output == case.output
        for case, result in zip(instance.tests, execute(instance, program, language))
    )


def test_the_families_are_registered_with_stable_ids_in_order():
    assert tuple(REFERENCE) == TAPE_ORDER
    ids = family_ids()
    # the first four were registered in this order; last-then-first came later, so its id comes after (append-only)
    assert [ids[name] for name in ("swap-two", "pair-twice", "last-byte", "reverse-bytes", "last-then-first")] == list(
        range(ids["swap-two"], ids["swap-two"] + 5)
    )
    assert [family_class(name).order for name in TAPE_ORDER] == [10, 11, 12, 13, 14]


@pytest.mark.parametrize("family", TAPE_ORDER)
def test_reference_programs_pass_at_every_level_under_default_semantics(family):
    config_class = family_class(family).config_class
    for level in [None, *range(config_class.num_levels())]:
        task = make_task(family, level=level)
        for instance in task.instances(12, seed=3 if level is None else level):
            assert instance.run_options == {} and not any(case.output.endswith(b"\0") for case in instance.tests)
            assert all(case.input and 0 not in case.input for case in instance.tests)  # no terminator, no 0
            program = task.reference_solution(instance, "bf")
            assert program == REFERENCE[family]
            for language in LANGUAGES:
                assert passes(instance, task.reference_solution(instance, language), language), (family, level)


@pytest.mark.parametrize("family", ["swap-two", "pair-twice"])
def test_befunge_solutions_pass(family):
    task = make_task(family)
    for instance in task.instances(20):
        assert passes(instance, task.reference_solution(instance, "befunge93"), "befunge93")


@pytest.mark.parametrize("family", TAPE_ORDER)
def test_python_solutions_pass(family):
    task = make_task(family)
    instance = task.instance(5, 0)
    program = task.reference_solution(instance, "python")
    for case in instance.tests[:3]:
        done = subprocess.run([sys.executable, "-c", program], input=case.input, capture_output=True, timeout=30)
        assert done.stdout == case.output


@pytest.mark.parametrize(
    "family, program",
    [
        ("swap-two", ",.,."),  # one cell: echoes instead of swapping
        ("swap-two", ",,.<."),  # steps off the tape's left end: an error under default semantics
        ("pair-twice", ",.,.,.,."),
        ("pair-twice", ",[.,]"),
        ("last-byte", ",[.,]"),
        ("last-byte", ",[,]<."),  # the walk must store: `<` from cell 0 is an error
        ("last-then-first", ",[>,]<.[<]>."),  # no zero left of the input: the walk back steps off cell 0
        ("last-then-first", ",[>,]<.<<<."),  # a walk back unrolled for one length fails on the others
        ("last-then-first", ",.[>,]<."),  # first, then last: the wrong order
        ("reverse-bytes", ",[.,]"),
        ("reverse-bytes", ",[>,]+[,<.]"),  # PQT's published reverse: needs its clamped tape and appends a 0
        ("reverse-bytes", ",[>,]<[.<]"),  # walks back off cell 0: an error under default semantics
    ],
)
def test_programs_that_skip_the_tape_or_use_other_conventions_fail(family, program):
    task = make_task(family, max_value=255, **({"max_length": 4} if family in SEQUENCE_FAMILIES else {}))
    assert not any(passes(instance, program) for instance in task.instances(20))


@pytest.mark.parametrize(
    "family, config",
    [
        ("swap-two", {}),
        ("pair-twice", {}),
        ("last-byte", {"max_length": 4}),
        ("last-then-first", {"max_length": 8}),
        ("reverse-bytes", {}),
    ],
)
def test_wide_configs_hold_out_about_a_fifth_by_the_hash_rule(family, config):
    task = make_task(family, **config)
    space = content_space(task)
    assert space.rule == "split" and not space.table_decided & space.sample_keys
    share = sum(is_heldout(task.instance(1, i)) for i in range(400)) / 400
    assert 0.12 < share < 0.28
