"""The PQT tasks on one plain list of values: brain_coder's KnownCode sequence tasks as one data table.

Each row of `SEQUENCE_TASKS` states a task: its brain_coder program, its
input lengths, its description and its `solve` function. `_build` turns a
row into a registered family class with its config class, so the sixteen
tasks share one shape instead of sixteen copies of it. Each `solve` is a
self-contained module-level function: it becomes the Python reference
program verbatim (renamed to `solve`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from curricula.families.pqt.common import (
    PQTConfig,
    PQTFamily,
    Py2Random,
    default_input_fn,
    draw_length,
    int_list,
    original_known,
    pqt_config,
    pqt_family,
)

SEQ_INPUT = "a list of {min_length} to {max_length} bytes, each in 1..{max_value}, with no terminator"


class SequenceFamily(PQTFamily):
    """A task on one list of values drawn as `min_length..max_length` values in `1..max_value`."""

    known_input: ClassVar[tuple[int, int, int]] = (1, 6, 256)
    """brain_coder's (min_length, max_length, base) of default_input_fn_factory for the original cases."""

    def draw_input(self, rng: random.Random, params: dict[str, Any]) -> list[int]:
        cfg: Any = self.config  # made by make_dataclass: max_value is one of its fields
        return int_list(rng, draw_length(rng, cfg), 1, cfg.max_value)

    @classmethod
    def original_cases(cls) -> list[tuple[list[int], list[int]]]:
        return original_known(cls.name)


class KnownSequenceFamily(SequenceFamily):
    """A sequence task defined by brain_coder's program (`known_bf`): its original cases are that program's outputs."""

    known_original: ClassVar[bool] = True

    @classmethod
    def original_input_fn(cls) -> Callable[[Py2Random], list[int]]:
        low, high, base = cls.known_input
        return default_input_fn(low, high, base)


def seq_config(
    name: str, max_length: int, max_value: int, levels: tuple[int, ...], high: int, *, module: str
) -> type[PQTConfig]:
    """A sequence task's config: lengths min_length..max_length (levels, at most `high`), values 1..max_value."""
    return pqt_config(
        name,
        f"Lists of min_length..max_length values in 1..max_value (brain_coder: up to {max_length}).",
        module=module,
        min_length=(1, (), 1, high),
        max_length=(max_length, levels, 1, high),
        max_value=(max_value, (), 1, 255),
    )


def seq_description(task: str) -> str:
    """The description of a sequence task: the shared input sentence, then `task`."""
    return "The input is " + SEQ_INPUT + ". " + task


# ---------------------------------------------------------------- solvers (each becomes a reference program)


def echo_twice(data):
    return data + [0] + data + [0]


def echo_thrice(data):
    return (data + [0]) * 3


def copy_reverse(data):
    return data + [0] + data[::-1] + [0] + data + [0]


def zero_cascade(data):
    out = []
    for k, value in enumerate(data):
        out += [value] + [0] * k
    return out


def cascade(data):
    out = []
    for k, value in enumerate(data):
        out += [value] * (k + 1)
    return out + [0]


def shift_left(data):
    return data[1:] + data[:1] + [0]


def shift_right(data):
    return data[-1:] + data[:-1] + [0]


def riffle(data):
    out, low, high = [], 0, len(data) - 1
    while low <= high:
        out.append(data[high])
        high -= 1
        if low <= high:
            out.append(data[low])
            low += 1
    return out + ([0] if len(data) % 2 else [])


def unriffle(data):
    return data[1::2] + data[0::2][::-1] + [0]


def middle_char(data):
    return [data[len(data) // 2]] if len(data) % 2 else [0]


def remove_last(data):
    return data[:-1] + [0]


def remove_last_two(data):
    return data[:-2] + [0]


def echo_alternating(data):
    return data[0::2] + data[1::2] + [0]


def echo_half(data):
    return data[: len(data) // 2] + [0]


def length(data):
    return [len(data)]


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class SequenceTask:
    """One row: a KnownCode sequence task of brain_coder.

    `max_length` and `max_value` are the config defaults (brain_coder's
    lengths; values stay below its base), `levels` the difficulty levels of
    max_length and `high` its upper bound. `known_input` is brain_coder's
    (min_length, max_length, base) of the original cases.
    """

    class_name: str
    name: str
    summary: str
    max_length: int
    max_value: int
    levels: tuple[int, ...]
    high: int
    known_bf: str
    task: str
    io_format: str
    solve: Callable[[list[int]], list[int]]
    known_input: tuple[int, int, int] = (1, 6, 256)
    published_bf: str | None = None


SEQUENCE_TASKS: tuple[SequenceTask, ...] = (
    SequenceTask(
        "EchoTwice",
        "echo-twice",
        "Write the input list, a 0, the list again and a 0.",
        6,
        255,
        (2, 3, 4, 6, 8),
        12,
        ">,.[>,.]<[<]>[.>].",
        "Write the list, then a 0, then the list again, then a 0.",
        "bytes: list (no terminator) -> list, 0, list, 0",
        echo_twice,
    ),
    SequenceTask(
        "EchoThrice",
        "echo-thrice",
        "Write the input list followed by a 0, three times.",
        6,
        255,
        (2, 3, 4, 6, 8),
        12,
        ">,.[>,.]<[<]>[.>].<[<]>[.>].",
        "Write the list followed by a 0, three times in a row.",
        "bytes: list (no terminator) -> (list, 0) three times",
        echo_thrice,
    ),
    SequenceTask(
        "CopyReverse",
        "copy-reverse",
        "Write the list, a 0, the list reversed, a 0, the list, a 0.",
        6,
        255,
        (2, 3, 4, 6, 8),
        12,
        ">,.[>,.]<[.<].>[.>].",
        "Write the list forwards, then a 0, then the list backwards, then a 0, then the list forwards again, then a 0.",
        "bytes: list (no terminator) -> list, 0, reversed list, 0, list, 0",
        copy_reverse,
    ),
    SequenceTask(
        "ZeroCascade",
        "zero-cascade",
        "Write the k-th value followed by k-1 zeros, for every k.",
        6,
        255,
        (2, 3, 4, 6, 8),
        12,
        ",[.>[->+>.<<]>+[-<+>]<<,]",
        "For each position k = 1, 2, ... write the k-th value followed by k-1 zeros. Nothing else (no final 0).",
        "bytes: list (no terminator) -> x1, x2 0, x3 0 0, ...",
        zero_cascade,
    ),
    SequenceTask(
        "Cascade",
        "cascade",
        "Write the k-th value k times, for every k, then a 0.",
        6,
        19,
        (2, 3, 4, 6, 8),
        12,
        ",>>+<<[>>[-<+>]<[->+<<.>]>+<<,].",
        "For each position k = 1, 2, ... write the k-th value k times; then write a 0.",
        "bytes: list (no terminator) -> x1, x2 x2, x3 x3 x3, ..., 0",
        cascade,
        known_input=(1, 6, 20),
    ),
    SequenceTask(
        "ShiftLeft",
        "shift-left",
        "Rotate the list left by one, then write a 0.",
        6,
        255,
        (2, 3, 4, 6, 8, 12),
        32,
        ",>,[.,]<.,.",
        "Write the list rotated left by one (the first value moves to the end), then a 0.",
        "bytes: list (no terminator) -> x2 .. xn x1 0",
        shift_left,
    ),
    SequenceTask(
        "ShiftRight",
        "shift-right",
        "Rotate the list right by one, then write a 0.",
        6,
        255,
        (2, 3, 4, 6, 8, 12),
        32,
        ">,[>,]<.[-]<[<]>[.>].",
        "Write the list rotated right by one (the last value moves to the front), then a 0.",
        "bytes: list (no terminator) -> xn x1 .. x(n-1) 0",
        shift_right,
    ),
    SequenceTask(
        "Riffle",
        "riffle",
        "Write values alternately from the end and the start (n-1, 0, n-2, 1, ...); a 0 after an odd-length list.",
        8,
        19,
        (2, 4, 6, 8),
        8,
        ">,[>,]<[.[-]<[<]>.[-]>[>]<]",
        "Write the values in the index order n-1, 0, n-2, 1, n-3, 2, ... (0-indexed, n values), alternately taking "
        "the last and the first remaining value, until all are written. If n is odd, write a 0 after them.",
        "bytes: list (no terminator) -> riffled list (+ a 0 when the length is odd)",
        riffle,
        known_input=(1, 8, 20),
    ),
    SequenceTask(
        "Unriffle",
        "unriffle",
        "Write the odd-indexed values in order, then the even-indexed ones backwards, then a 0.",
        8,
        19,
        (2, 4, 6, 8, 12),
        16,
        ">,[>,[.[-]],]<[.<].",
        "Write the values at odd 0-indexed positions (1, 3, 5, ...) in order, then the values at even positions "
        "(..., 4, 2, 0) from last to first, then a 0 (the inverse of riffle).",
        "bytes: list (no terminator) -> x[1::2], reversed x[0::2], 0",
        unriffle,
        known_input=(1, 8, 20),
    ),
    SequenceTask(
        "MiddleChar",
        "middle-char",
        "Write the middle value of an odd-length list, or 0 for an even length.",
        10,
        255,
        (3, 5, 7, 10),
        10,
        ">,[>,]<<[[>]<[,<[<]>,>[>]][>]<<]>.",
        "If the list has an odd number of values, write its middle value; if even, write a single 0.",
        "bytes: list (no terminator) -> one byte",
        middle_char,
        known_input=(1, 10, 256),
    ),
    SequenceTask(
        "RemoveLast",
        "remove-last",
        "Write the list without its last value, then a 0.",
        6,
        19,
        (2, 3, 4, 6, 8),
        12,
        ",>,[[<.[-]>[-<+>]],].",
        "Write the list without its last value, then a 0.",
        "bytes: list (no terminator) -> x1 .. x(n-1) 0",
        remove_last,
        known_input=(1, 6, 20),
        published_bf=",>,[<.>>,].",
    ),
    SequenceTask(
        "RemoveLastTwo",
        "remove-last-two",
        "Write the list without its last two values, then a 0.",
        6,
        9,
        (3, 4, 6, 8),
        8,
        ",>,>,[[<<.[-]>[-<+>]>[-<+>]],].",
        "Write the list without its last two values, then a 0.",
        "bytes: list (no terminator) -> x1 .. x(n-2) 0",
        remove_last_two,
        known_input=(1, 6, 10),
    ),
    SequenceTask(
        "EchoAlternating",
        "echo-alternating",
        "Write the even-indexed values, then the odd-indexed ones, then a 0.",
        8,
        19,
        (2, 4, 6, 8, 12),
        16,
        ">,[.,>,]<<[<]>[.>].",
        "Write the values at even 0-indexed positions (0, 2, 4, ...), then those at odd positions (1, 3, ...), "
        "then a 0.",
        "bytes: list (no terminator) -> x[0::2], x[1::2], 0",
        echo_alternating,
        known_input=(1, 8, 20),
    ),
    SequenceTask(
        "EchoHalf",
        "echo-half",
        "Write the first half of the list (rounded down), then a 0.",
        9,
        19,
        (3, 5, 7, 9),
        9,
        ">>+>,[[<]>+[>],]<[<]>-[-[-<<+>]<[>]>]<<[->+<]>[[>]>.,<+[<]>-].",
        "Write the first floor(n/2) values of the list (n values), then a 0.",
        "bytes: list (no terminator) -> x[:n//2], 0",
        echo_half,
        known_input=(1, 9, 20),
    ),
    SequenceTask(
        "Length",
        "length",
        "Write the number of values in the list.",
        14,
        255,
        (4, 8, 14, 20),
        30,
        ">+>,[[<]>+[>],]<[<]>-.",
        "Write a single byte: the number of values in the list.",
        "bytes: list (no terminator) -> one byte, the length",
        length,
        known_input=(1, 14, 256),
        published_bf=",[>+<,]>.",
    ),
)


def _build(task: SequenceTask) -> type[KnownSequenceFamily]:
    """The registered family class (and its config class) of one table row."""
    config = seq_config(
        f"{task.class_name}Config", task.max_length, task.max_value, task.levels, task.high, module=__name__
    )
    namespace = {
        "__module__": __name__,
        "__qualname__": task.class_name,
        "__doc__": task.summary,
        "name": task.name,
        "summary": task.summary,
        "config_class": config,
        "known_bf": task.known_bf,
        "published_bf": task.published_bf,
        "known_input": task.known_input,
        "description": seq_description(task.task),
        "io_format": task.io_format,
        "solve": staticmethod(task.solve),
    }
    return pqt_family(type(task.class_name, (KnownSequenceFamily,), namespace))


SEQUENCE_FAMILIES: dict[str, type[KnownSequenceFamily]] = {task.class_name: _build(task) for task in SEQUENCE_TASKS}
"""The table's family classes by class name (e.g. "EchoTwice")."""

_BY_CLASS_NAME: dict[str, type] = {
    **SEQUENCE_FAMILIES,
    **{cls.config_class.__name__: cls.config_class for cls in SEQUENCE_FAMILIES.values()},
}


def __getattr__(name: str) -> type:
    """The table's family and config classes as module attributes, so pickle finds them by name."""
    try:
        return _BY_CLASS_NAME[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
