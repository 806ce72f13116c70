"""curricula/families/composed.py: a family made of two trained ones, its references in every language, its held-out
content, and programs that do only one of its parts failing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from curricula import family_ids, make_task
from curricula.heldout import content_space, is_heldout
from curricula.verify import execute


def passes(instance, program: str, language: str = "bf") -> bool:
    return all(
        result.status == "ok" and result.output == case.output
        for case, result in zip(instance.tests, execute(instance, program, language))
    )


def test_registered_after_every_earlier_family():
    ids = family_ids()
    assert ids["increment-echo-twice"] == max(ids.values())  # append-only: the newest id


@pytest.mark.parametrize("language", ["bf", "ook", "bf-dialect-7", "befunge93"])
def test_the_reference_passes_at_every_level(language):
    family = make_task("increment-echo-twice")
    for level in [None, *range(type(family.config).num_levels())]:
        task = make_task("increment-echo-twice", level=level)
        for instance in task.instances(10, seed=2):
            assert all(case.output == bytes([(case.input[0] + 1) % 256]) * 2 for case in instance.tests)
            assert passes(instance, task.reference_solution(instance, language), language), (language, level)


def test_the_python_reference_passes():
    task = make_task("increment-echo-twice")
    instance = task.instance(1, 0)
    program = task.reference_solution(instance, "python")
    for case in instance.tests[:3]:
        done = subprocess.run([sys.executable, "-c", program], input=case.input, capture_output=True, timeout=30)
        assert done.stdout == case.output


@pytest.mark.parametrize("program", [",+.", ",..", ",.+.", ",++..", ",+.+."])
def test_one_part_alone_or_in_the_wrong_order_fails(program):
    task = make_task("increment-echo-twice", level=7)
    assert not any(passes(instance, program) for instance in task.instances(10))


def test_wide_content_holds_out_about_a_fifth():
    task = make_task("increment-echo-twice", level=7)
    space = content_space(task)
    assert space.has_heldout
    share = sum(is_heldout(instance) for instance in task.instances(400)) / 400
    assert 0.1 < share < 0.3
