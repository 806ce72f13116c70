"""Each family's spec: what its description tells the solver beyond the examples, derived from the instance."""

from __future__ import annotations

import math

import pytest

from curricula.base import Instance, TestCase, family_class, family_names, make_task
from curricula.spec import instance_spec, show_value, spec_statement


@pytest.mark.parametrize(
    "family, level, expected",
    [
        ("emit-char", 0, (b"\x01",)),
        ("emit-string", 0, (b"\x01",)),
        ("emit-repeated", 0, (b"\x01", 1)),
        ("echo-byte", 0, ()),
        ("add-constant", 0, ()),
        ("reverse", None, ()),
        ("count-char", None, (1,)),
    ],
)
def test_spec_of_level_zero(family, level, expected):
    assert instance_spec(make_task(family, level=level).instance(0, 0)) == expected


def test_emit_specs_state_the_target_the_hidden_test_expects():
    for family in ("emit-char", "emit-string", "emit-repeated", "paper-bf-print", "paper-befunge-print"):
        for index in range(5):
            instance = make_task(family).instance(3, index)
            spec = instance_spec(instance)
            target = spec[0] * spec[1] if family == "emit-repeated" else spec[0]
            assert target == instance.tests[0].output, family


def test_paper_factorial_and_fibonacci_state_their_number():
    for index in (0, 11, 14):
        instance = make_task("paper-befunge-factorial").instance(0, index)
        (n,) = instance_spec(instance)
        assert instance.tests[0].output == f"{math.factorial(n)} ".encode()
    assert instance_spec(make_task("paper-befunge-fibonacci").instance(0, 0)) == (10,)


def test_spec_is_not_part_of_the_instance_record():
    instance = make_task("emit-char", level=2).instance(0, 0)
    assert "spec" not in instance.to_dict()


def test_every_family_declares_one_value_per_spec_field():
    for name in family_names():
        cls = family_class(name)
        instance = make_task(name).instance(0, 0)
        assert len(instance_spec(instance)) == len(cls.spec_fields), name


def test_statement_names_the_fields_and_shows_text():
    instance = make_task("emit-repeated", max_value=1, count=3).instance(0, 0)
    assert spec_statement(instance) == "Spec: byte to output = [1]; times to output it = 3."
    assert show_value(b"hi") == '[104, 105] (the text "hi")'
    assert spec_statement(make_task("echo-byte").instance(0, 0)) == ""


def test_a_family_returning_a_wrong_spec_is_named():
    cls = family_class("emit-char")
    instance = Instance("emit-char", "", "", (), (TestCase(b"", b"\x01"),), {}, 0, 0)
    original = cls.spec
    try:
        cls.spec = classmethod(lambda c, inst: ("not bytes",))
        with pytest.raises(ValueError, match="emit-char.*spec field 'byte to output' must be an int or bytes"):
            instance_spec(instance)
        cls.spec = classmethod(lambda c, inst: ())
        with pytest.raises(ValueError, match="returned 0 spec values"):
            instance_spec(instance)
    finally:
        cls.spec = original
