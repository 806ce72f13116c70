"""Argument checks for every layer: bad input gets one ValueError line naming the field, the value and what is allowed.

It lives in `esolangs`, the lowest layer, so that `curricula`, `reasonenv`
and `agents` can all import it. Two forms:

- value checks, `check_int("ReverseConfig.num_tests", value, 1, 1024)`,
  for arguments and values read from files;
- field checks, `check_int_field(config, "num_tests", 1, 1024)`, for a
  dataclass's `validate()`: the label is `TypeName.field`.

`bool` is never accepted as a number (it is an int subclass in Python), and
a float never passes for an int, so `num_tests=2.5` fails here instead of
deep inside a generator.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any


def is_int(value: Any, *, numpy: bool = False) -> bool:
    """True for an int that is not a bool; numpy integers count only with `numpy=True`."""
    if isinstance(value, bool):
        return False
    return isinstance(value, numbers.Integral) if numpy else isinstance(value, int)


def is_number(value: Any) -> bool:
    """True for an int or a float (numpy scalars included) that is not a bool and not NaN."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return value == value  # NaN compares unequal to itself and fits no range


def describe_range(kind: str, low: float | None, high: float | None, optional: bool = False) -> str:
    """What is allowed, in words: "an int in [1, 1024]", "a number >= 0", "an int >= 1 or None"."""
    if low is not None and high is not None:
        text = f"{kind} in [{low}, {high}]"
    elif low is not None:
        text = f"{kind} >= {low}"
    elif high is not None:
        text = f"{kind} <= {high}"
    else:
        text = kind
    return text + (" or None" if optional else "")


def _in_range(value: Any, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def check_int(
    name: str,
    value: Any,
    low: int | None = None,
    high: int | None = None,
    *,
    optional: bool = False,
    numpy: bool = False,
) -> None:
    """ValueError naming `name`, `value` and the range unless value is an int in [low, high] (or None if optional)."""
    if value is None and optional:
        return
    if not is_int(value, numpy=numpy) or not _in_range(value, low, high):
        raise ValueError(f"{name} must be {describe_range('an int', low, high, optional)}, got {value!r}")


def check_number(
    name: str, value: Any, low: float | None = None, high: float | None = None, *, optional: bool = False
) -> None:
    """Raise ValueError naming `name`, `value` and the range unless value is a number in [low, high]."""
    if value is None and optional:
        return
    if not is_number(value) or not _in_range(value, low, high):
        raise ValueError(f"{name} must be {describe_range('a number', low, high, optional)}, got {value!r}")


def check_bool(name: str, value: Any) -> None:
    """Raise ValueError unless value is True or False (not 0/1, not a string)."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")


def check_choice(name: str, value: Any, choices: Iterable[Any], *, optional: bool = False) -> None:
    """Raise ValueError listing the choices unless value is one of them."""
    if value is None and optional:
        return
    choices = list(choices)
    if value not in choices:
        extra = " or None" if optional else ""
        raise ValueError(f"{name} must be one of {choices}{extra}, got {value!r}")


def check_text(name: str, value: Any) -> None:
    """Raise ValueError unless value is a non-empty string."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")


def field_label(owner: Any, field: str) -> str:
    """`TypeName.field`: how a dataclass field is named in messages."""
    return f"{type(owner).__name__}.{field}"


def check_int_field(
    owner: Any, field: str, low: int | None = None, high: int | None = None, *, optional: bool = False
) -> None:
    """`check_int` on `owner.field`, labelled `TypeName.field`."""
    check_int(field_label(owner, field), getattr(owner, field), low, high, optional=optional)


def check_number_field(
    owner: Any, field: str, low: float | None = None, high: float | None = None, *, optional: bool = False
) -> None:
    """`check_number` on `owner.field`, labelled `TypeName.field`."""
    check_number(field_label(owner, field), getattr(owner, field), low, high, optional=optional)


def check_bool_field(owner: Any, field: str) -> None:
    """`check_bool` on `owner.field`, labelled `TypeName.field`."""
    check_bool(field_label(owner, field), getattr(owner, field))


def check_choice_field(owner: Any, field: str, choices: Iterable[Any], *, optional: bool = False) -> None:
    """`check_choice` on `owner.field`, labelled `TypeName.field`."""
    check_choice(field_label(owner, field), getattr(owner, field), choices, optional=optional)


def check_text_field(owner: Any, field: str) -> None:
    """`check_text` on `owner.field`, labelled `TypeName.field`."""
    check_text(field_label(owner, field), getattr(owner, field))
