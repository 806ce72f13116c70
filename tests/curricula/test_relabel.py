"""Hindsight relabelling (curricula.relabel): what a failed program produced becomes a solved instance, never held-out content."""

from __future__ import annotations

import numpy as np
import pytest

from curricula.base import TaskFamily, family_class, family_names, make_task
from curricula.heldout import content_key, content_space, is_heldout
from curricula.relabel import SPEC_RULES, relabel, relabel_program
from curricula.spec import instance_spec
from curricula.verify import evaluate


def _training_instances(family: str, level: int, count: int):
    task = make_task(family, level=level)
    return [inst for inst in (task.instance(3, i) for i in range(count)) if not is_heldout(inst)]


def test_every_emitted_byte_relabels_to_training_content_only():
    task = make_task("emit-char", level=4)  # bytes 1..31, some interior ones held out
    space = content_space(task)
    instances = _training_instances("emit-char", 4, 12)[:4]
    rejected_heldout = 0
    for inst in instances:
        target = inst.tests[0].output
        for b in range(256):
            written = bytes([b])
            relabelled = relabel(inst, [written])
            if written == target:
                assert relabelled is None  # it passed: nothing to relabel
                continue
            if relabelled is None:
                if 1 <= b <= 31:
                    rejected_heldout += 1
                    probe = relabel(inst, [written])  # deterministic
                    assert probe is None
                continue
            assert 1 <= b <= 31
            assert not is_heldout(relabelled)
            assert not space.holds_out(content_key(relabelled))
            assert instance_spec(relabelled) == (written,)
            assert relabelled.tests[0].output == written
            assert relabelled.family == inst.family and relabelled.seed == inst.seed
    assert rejected_heldout >= len(instances)  # the held-out bytes exist and were all refused


def test_held_out_bytes_are_exactly_the_refused_ones():
    task = make_task("emit-char", level=4)
    inst = _training_instances("emit-char", 4, 8)[0]
    space = content_space(task)
    held = set()
    for index in range(256):  # the held-out bytes of this level, read from instances of the family itself
        other = task.instance(0, index)
        if space.holds_out(content_key(other)):
            held.add(other.tests[0].output[0])
    assert held, "level 4 of emit-char holds some bytes out"
    for b in range(1, 32):
        if bytes([b]) == inst.tests[0].output:
            continue
        assert (relabel(inst, [bytes([b])]) is None) == (b in held)


def test_random_strings_never_yield_held_out_content():
    rng = np.random.default_rng(0)
    space = content_space(make_task("emit-string", level=2))  # 3 bytes of 1..7
    instances = _training_instances("emit-string", 2, 10)[:3]
    kept = refused = 0
    for inst in instances:
        for _ in range(300):
            length = int(rng.integers(0, 5))
            written = bytes(int(v) for v in rng.integers(0, 9, size=length))
            relabelled = relabel(inst, [written])
            if relabelled is None:
                refused += 1
                continue
            kept += 1
            assert 1 <= len(written) <= 3 and all(1 <= b <= 7 for b in written)
            assert not is_heldout(relabelled)
            assert not space.holds_out(content_key(relabelled))
            assert relabelled.config["length"] == len(written)
    assert kept > 100 and refused > 100


def test_relabelled_instance_is_passed_by_the_program():
    inst = _training_instances("emit-string", 2, 10)[0]
    relabelled = relabel_program(inst, "+.+.", "bf")
    assert relabelled is not None and relabelled.tests[0].output == b"\x01\x02"
    score, _ = evaluate(relabelled, "+.+.", "bf")
    assert score.success
    for inst in _training_instances("echo-byte", 3, 30)[:10]:
        relabelled = relabel_program(inst, ",+.", "bf")
        if relabelled is None:
            continue
        assert all(case.output == bytes([case.input[0] + 1]) for case in relabelled.examples + relabelled.tests)
        assert evaluate(relabelled, ",+.", "bf")[0].success
        assert not is_heldout(relabelled)


def test_nothing_to_relabel_or_unstateable():
    inst = _training_instances("emit-char", 4, 8)[0]
    assert relabel(inst, [inst.tests[0].output]) is None  # passed
    other = bytes([1 if inst.tests[0].output != b"\x01" else 3])
    assert relabel(inst, [other], statuses=["step_limit"]) is None  # a run cut short is no answer
    assert relabel(inst, [b""]) is None and relabel(inst, [other + other]) is None
    echo = _training_instances("echo-byte", 3, 10)[0]
    assert relabel_program(echo, ",..", "bf") is None  # two bytes where the format says one
    assert relabel_program(echo, ",.", "bf") is None  # passed
    with pytest.raises(ValueError, match="one produced output per hidden test"):
        relabel(echo, [b"\x01"])
    # a family with a spec the relabeller cannot restate
    other_spec = next(name for name in family_names() if family_class(name).spec_fields and name not in SPEC_RULES)
    task = make_task(other_spec)
    inst = task.instance(0, 0)
    produced = [case.output + b"x" for case in inst.tests]
    assert relabel(inst, produced) is None


def test_reference_solutions_are_never_used(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("relabel read a reference solution")

    for name in ("reference_solution", "bf_solution", "befunge_solution", "whitespace_solution", "python_solution"):
        monkeypatch.setattr(TaskFamily, name, refuse)
        for family in family_names():
            if name in vars(family_class(family)):
                monkeypatch.setattr(family_class(family), name, refuse)
    import curricula.base

    monkeypatch.setattr(curricula.base, "reference_solution", refuse)
    made = 0
    for family, level, program in (("emit-char", 4, "++++."), ("emit-string", 2, "+.++."), ("echo-byte", 3, ",++.")):
        for inst in _training_instances(family, level, 8):
            made += relabel_program(inst, program, "bf") is not None
    assert made > 0
