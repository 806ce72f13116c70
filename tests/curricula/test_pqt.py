"""The PQT families: determinism, validation, reference solutions, published programs and brain_coder's original cases."""

from __future__ import annotations

import dataclasses
import io
import random
import subprocess
import sys
from types import SimpleNamespace

import pytest

import esolangs
from curricula.base import TestCase, family_class, make_task
from curricula.families import pqt
from curricula.suites import get_suite
from curricula.verify import evaluate, execute

FAMILIES = pqt.PQT_FAMILIES
INSTANCES_PER_FAMILY = 200


def instances_of(name: str, count: int = INSTANCES_PER_FAMILY, **config):
    task = make_task(name, **config)
    return [task.instance(7, i) for i in range(min(count, task.size or count))]


def run_python_in_process(program: str, stdin: bytes) -> bytes:
    """Exec a stdin->stdout program with redirected streams (much cheaper than a subprocess)."""
    code = _compiled(program)
    out = io.BytesIO()
    saved = sys.stdin, sys.stdout
    sys.stdin, sys.stdout = SimpleNamespace(buffer=io.BytesIO(stdin)), SimpleNamespace(buffer=out)
    try:
        exec(code, {"__name__": "__main__"})
    finally:
        sys.stdin, sys.stdout = saved
    return out.getvalue()


_CODE_CACHE: dict[str, object] = {}


def _compiled(program: str):
    if program not in _CODE_CACHE:
        _CODE_CACHE[program] = compile(program, "<solution>", "exec")
    return _CODE_CACHE[program]


def test_the_task_list_is_complete_and_registered():
    assert len(FAMILIES) == 35 == len(set(FAMILIES))
    for name in FAMILIES:
        assert family_class(name).suite == "pqt"
    suite = get_suite("pqt")
    assert suite.families() == list(FAMILIES)
    original = get_suite("pqt-original")
    assert original.families() == [n for n in FAMILIES if n not in ("multiply", "divmod")]


@pytest.mark.parametrize("name", FAMILIES)
def test_instances_are_deterministic_and_carry_the_pqt_conventions(name):
    task = make_task(name)
    first = task.instance(3, 5 if task.size is None else 0)
    again = make_task(name).instance(3, 5 if task.size is None else 0)
    assert first == again and first.fingerprint() == again.fingerprint()
    base = task.base
    assert first.run_options == {"cell_modulus": base, "left_edge": "clamp", "eof": "zero", "unmatched": "ignore"}
    assert first.scoring == {"mode": "pqt", "base": base}
    assert first.max_steps == pqt.PQT_MAX_STEPS and first.suite == "pqt"
    expected_tests = {"add": 9, "bool-logic": 8, "print-hello": 1, "print": 1}.get(name, 16)
    assert len(first.tests) == expected_tests
    assert first.description and first.io_format and "{" not in first.description
    for case in first.examples + first.tests:
        assert all(v < base for v in case.input + case.output) or base == 256


@pytest.mark.parametrize("name", [n for n in FAMILIES if family_class(n).size is None and n not in ("print",)])
def test_neighbouring_indices_and_seeds_differ(name):
    task = make_task(name)
    base = task.instance(0, 0)
    assert task.instance(0, 1).tests != base.tests
    assert task.instance(1, 0).tests != base.tests


def test_print_draws_its_target_per_instance():
    task = make_task("print")
    assert task.instance(0, 0).tests != task.instance(0, 1).tests
    assert "{" not in task.instance(0, 0).description


@pytest.mark.parametrize(
    "name, config, field",
    [
        ("reverse", {"max_length": 0}, "max_length"),
        ("reverse", {"min_length": 5, "max_length": 3}, "min_length"),
        ("count-char", {"char": 27}, "char"),
        ("bool-logic", {"num_tests": 16}, "num_tests"),
        ("dedup", {"max_unique": 5, "max_value": 4}, "max_unique"),
        ("remove-char", {"char": 200, "max_value": 100}, "char"),
        ("fib", {"max_n": 300}, "max_n"),
        ("add", {"original": "yes"}, "original"),
    ],
)
def test_config_errors_name_the_field(name, config, field):
    with pytest.raises(ValueError, match=field):
        make_task(name, **config)


def test_families_without_original_cases_say_why():
    with pytest.raises(ValueError, match="no brain_coder original"):
        make_task("multiply", original=True).instance(0, 0)


def test_difficulty_levels_change_the_configs():
    easy, hard = (family_class("reverse").config_class.at_level(k) for k in (0, 5))
    assert easy.max_length < hard.max_length
    assert make_task("reverse", level=0).instance(0, 0).config["max_length"] == easy.max_length


@pytest.mark.parametrize("name", FAMILIES)
def test_reference_solutions_pass_every_hidden_test(name):
    task = make_task(name)
    instances = instances_of(name)
    for inst in instances:
        program = task.bf_solution(inst)
        assert program is not None, f"{name} has no Brainfuck solution"
        for execution, case in zip(execute(inst, program, "bf"), inst.tests):
            assert execution.status == "ok" and execution.output == case.output, (name, inst.index, case, execution)
        python = task.python_solution(inst)
        for case in inst.tests:
            assert run_python_in_process(python, case.input) == case.output, (name, inst.index, case)


@pytest.mark.parametrize("name", ["fib", "sort3", "print", "count-char"])
def test_solutions_at_the_hardest_level(name):
    task = make_task(name, level=family_class(name).config_class.num_levels() - 1)
    for inst in [task.instance(1, i) for i in range(20)]:
        assert evaluate(inst, task.bf_solution(inst), "bf")[0].success, (name, inst.index)


def test_python_solutions_run_as_real_programs():
    for name in ("reverse", "count-char", "print", "echo-nth-seq"):
        inst = make_task(name).instance(0, 0)
        case = inst.tests[0]
        result = subprocess.run(
            [sys.executable, "-c", make_task(name).python_solution(inst)],
            input=case.input,
            capture_output=True,
            timeout=30,
        )
        assert result.stdout == case.output, (name, result.stderr)


PUBLISHED = {
    "reverse": ",[>,]+[,<.]",
    "length": ",[>+<,]>.",
    "echo-second-seq": ",[,]-[,.]",
    "remove-last": ",>,[<.>>,].",
    "add": ",[+>,<<->],<.,.",
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_shortest_programs_pass_generated_and_original_cases(name):
    originals = make_task(name, original=True).instance(0, 0)
    for inst in instances_of(name, 50) + [originals]:
        result, _ = evaluate(inst, PUBLISHED[name], "bf")
        assert result.success and result.reward == pytest.approx(1.0), (name, inst.index)


# dedup's known program runs past the step budget on some inputs of its own distribution (the test below).
@pytest.mark.parametrize(
    "name", [n for n in FAMILIES if family_class(n).known_bf and family_class(n).has_original and n != "dedup"]
)
def test_brain_coders_known_programs_pass_generated_instances(name):
    cls = family_class(name)
    for inst in instances_of(name, 40):
        assert evaluate(inst, cls.known_bf, "bf")[0].success, (name, inst.index)


def test_known_dedup_program_exceeds_the_budget_inside_its_own_distribution():
    # why dedup ships its own reference program (see Dedup.bf_solution)
    run = esolangs.run(
        "bf",
        family_class("dedup").known_bf,
        bytes([3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 0]),
        max_steps=pqt.PQT_MAX_STEPS,
        **pqt.run_options(256),
    )
    assert run.status == "step_limit"


# ---------------------------------------------------------------- brain_coder's original cases


def original(name):
    return make_task(name, original=True).instance(0, 0)


def cases(inst):
    return [(list(t.input), list(t.output)) for t in inst.tests]


def test_original_cases_fixed_in_brain_coders_source():
    # literals copied from brain_coder single_task/code_tasks.py
    assert cases(original("add"))[:3] == [([4, 0], [4, 0]), ([0, 5], [5, 0]), ([1, 2], [3, 0])]
    assert cases(original("add"))[-1] == ([255, 1], [0, 0]) and len(original("add").tests) == 9
    assert cases(original("print-hello")) == [([], [8, 5, 12, 12, 15])]
    assert cases(original("print")) == [([], [1, 2, 3, 4, 5])]
    assert cases(original("fib"))[-1] == ([13], [233, 121]) and len(original("fib").tests) == 14
    assert cases(original("count-down"))[2] == ([3], [3, 0, 2, 0, 1, 0]) and len(original("count-down").tests) == 6
    assert cases(original("find"))[5] == ([1, 2, 12, 0], [1]) and len(original("find").tests) == 12
    assert cases(original("prefix"))[1] == ([1, 2, 3, 0, 1, 2, 17, 14, 0], [1, 2, 0])
    assert cases(original("count-char"))[:5] == [
        ([10, 0], [0]),
        ([1, 0], [1]),
        ([1, 1, 0], [2]),
        ([9, 4, 19, 11, 5, 0], [0]),
        ([24, 11, 26, 1, 15, 0], [1]),
    ]
    # BooleanLogicTask: X(~Z) + (~Y)(~Z) + (~X)YZ over itertools.product order
    table = cases(original("bool-logic"))
    assert [i for i, _ in table] == [[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)]
    assert [o[0] for _, o in table] == [1, 0, 0, 1, 1, 0, 1, 0]
    assert len(original("echo").tests) == 25 and len(original("sort3").tests) == 150


def test_py2_random_matches_python2_arithmetic():
    # Python 2: randrange(a, b) = a + int(random() * (b - a)) on the same Mersenne Twister stream
    ours, reference = pqt.Py2Random(pqt.BRAIN_CODER_SEED), random.Random(pqt.BRAIN_CODER_SEED)
    for low, high in [(1, 7), (0, 256), (2, 16), (1, 256)]:
        assert ours.randrange(low, high) == low + int(reference.random() * (high - low))
    items = list(range(6))
    ours.shuffle(items)
    assert sorted(items) == list(range(6))


def test_original_random_cases_follow_brain_coders_generators():
    rev = cases(original("reverse"))
    assert len(rev) == 16 and all(o == i[::-1] + [0] and 1 <= len(i) <= 6 and min(i) >= 1 for i, o in rev)
    rm = cases(original("remove-char"))
    assert all(i.count(1) >= 1 and len(o) == len(i) for i, o in rm)
    echo = cases(original("echo"))
    assert all(i == o and i[-1] == 0 and 1 <= len(i) - 1 <= 6 for i, o in echo)
    # the known-program tasks draw values in 0..255 (zeros inside inputs included) and output what the program does
    twice = cases(original("echo-twice"))
    assert len(twice) == 16 and all(1 <= len(i) <= 6 for i, _ in twice)


@pytest.mark.parametrize("name", get_suite("pqt-original").families())
def test_reference_solutions_pass_the_original_cases(name):
    inst = original(name)
    task = make_task(name, original=True)
    for execution, case in zip(execute(inst, task.bf_solution(inst), "bf"), inst.tests):
        assert execution.status == "ok" and execution.output == case.output, (name, case)
    python = task.python_solution(inst)
    for case in inst.tests:
        assert run_python_in_process(python, case.input) == case.output, (name, case)


def test_pqt_reward_reproduces_brain_coders_own_test_value():
    # brain_coder single_task/code_tasks_test.py: the reverse task (its earlier config: base 27) scores
    # '>,>,>,.<.<.<.' at 0.1345 (atol 1e-4) without code simplification. Matching it needs both the
    # Python 2 random draws of the cases and the exact reward (one exact match among the 16 cases).
    inst = original("reverse")
    cases27 = pqt.Reverse.original_cases(base=27)
    inst27 = dataclasses.replace(
        inst,
        tests=tuple(TestCase(bytes(i), bytes(o)) for i, o in cases27),
        run_options=pqt.run_options(27),
        scoring={"mode": "pqt", "base": 27},
    )
    near = evaluate(inst27, ">,>,>,.<.<.<.", "bf")[0]
    assert near.passed == 1
    assert near.reward == pytest.approx(0.1345, abs=1e-4)
    assert evaluate(inst27, ",[>,]+[,<.]", "bf")[0].reward == pytest.approx(1.0)
    assert evaluate(inst, ",[>,]+[,<.]", "bf")[0].reward == pytest.approx(1.0)
