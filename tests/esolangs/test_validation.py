"""esolangs.validation: one ValueError line that names the field, the value and the allowed range."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from esolangs.validation import (
    check_bool,
    check_choice,
    check_choice_field,
    check_int,
    check_int_field,
    check_number,
    check_number_field,
    check_text,
    describe_range,
    is_int,
    is_number,
)


@pytest.mark.parametrize(
    "value, low, high, message",
    [
        (0, 1, 1024, r"^Cfg\.num_tests must be an int in \[1, 1024\], got 0$"),
        (2.5, 1, 1024, r"^Cfg\.num_tests must be an int in \[1, 1024\], got 2\.5$"),
        (True, 1, 1024, r"^Cfg\.num_tests must be an int in \[1, 1024\], got True$"),
        ("3", 1, None, r"^Cfg\.num_tests must be an int >= 1, got '3'$"),
        (9, None, 8, r"^Cfg\.num_tests must be an int <= 8, got 9$"),
        (None, 0, 5, r"^Cfg\.num_tests must be an int in \[0, 5\], got None$"),
    ],
)
def test_int_messages_name_field_value_and_range(value, low, high, message):
    with pytest.raises(ValueError, match=message):
        check_int("Cfg.num_tests", value, low, high)


def test_ints_in_range_pass_and_optional_allows_none():
    check_int("n", 5, 0, 5)
    check_int("n", None, 0, 5, optional=True)
    with pytest.raises(ValueError, match=r"^n must be an int in \[0, 5\] or None, got 6$"):
        check_int("n", 6, 0, 5, optional=True)


def test_numpy_integers_only_where_asked():
    with pytest.raises(ValueError, match="seed must be an int >= 0, got np.int64"):
        check_int("seed", np.int64(3), 0)
    check_int("seed", np.int64(3), 0, numpy=True)
    assert is_int(np.int32(1), numpy=True) and not is_int(np.int32(1))
    assert not is_int(True, numpy=True) and not is_int(np.bool_(True), numpy=True)


@pytest.mark.parametrize("value", [float("nan"), "0.5", True, None, [0.5]])
def test_number_rejects_what_is_not_a_number(value):
    with pytest.raises(ValueError, match=r"^rate must be a number in \[0, 1\], got "):
        check_number("rate", value, 0, 1)


def test_number_accepts_ints_floats_and_numpy_floats_in_range():
    for value in (0, 1, 0.25, np.float32(0.5)):
        check_number("rate", value, 0, 1)
    with pytest.raises(ValueError, match=r"^rate must be a number in \[0, 1\], got 1\.5$"):
        check_number("rate", 1.5, 0, 1)
    assert is_number(3) and not is_number(float("nan")) and not is_number(False)


def test_bool_choice_text():
    check_bool("flag", False)
    with pytest.raises(ValueError, match=r"^flag must be True or False, got 1$"):
        check_bool("flag", 1)
    with pytest.raises(ValueError, match=r"^mode must be one of \['a', 'b'\], got 'c'$"):
        check_choice("mode", "c", ("a", "b"))
    with pytest.raises(ValueError, match=r"^mode must be one of \['a', 'b'\] or None, got 'c'$"):
        check_choice("mode", "c", ("a", "b"), optional=True)
    check_choice("mode", None, ("a", "b"), optional=True)
    with pytest.raises(ValueError, match=r"^name must be a non-empty string, got ''$"):
        check_text("name", "")


def test_field_forms_label_the_dataclass_field():
    @dataclass
    class Limits:
        steps: float = 2.5
        mode: str = "x"

    with pytest.raises(ValueError, match=r"^Limits\.steps must be an int in \[1, 10\], got 2\.5$"):
        check_int_field(Limits(), "steps", 1, 10)
    check_number_field(Limits(), "steps", 1, 10)
    with pytest.raises(ValueError, match=r"^Limits\.mode must be one of \['y'\], got 'x'$"):
        check_choice_field(Limits(), "mode", ("y",))


def test_describe_range():
    assert describe_range("an int", 1, 5) == "an int in [1, 5]"
    assert describe_range("a number", 0, None, optional=True) == "a number >= 0 or None"
    assert describe_range("an int", None, None) == "an int"
