"""The Priority Queue Training (brain_coder) Brainfuck task set: its families, the `pqt` and `pqt-original` suites.

Source: tensorflow/models research/brain_coder, `single_task/code_tasks.py`
(tasks, `make_task` table of the paper's settings) and `common/bf.py` (the
interpreter). Every instance runs under that interpreter's conventions
(`run_options`): cells wrap at the task's base B, '<' at cell 0 stays at 0,
',' at end of input reads 0, unmatched brackets do nothing, and a run
fails when its step counter reaches 5000.

I/O are lists of integers written as bytes. Each family keeps its task's
own end-of-sequence convention (many append a 0 to the expected output).

Two ways to get cases:
- default: cases are drawn per instance from SeedSequence([seed, index])
  (through a `random.Random` seeded by one draw from it: see
  `_python_random`). Where brain_coder's sequence generators draw values
  in 0..B-1, a 0 inside the input would act as an early terminator for the
  known solutions and make the plain-English task ambiguous, so drawn
  sequences here use 1..max_value; the published and known programs pass
  either way (except dedup's, which can run out of steps: see Dedup).
- `original=True` (suite `pqt-original`): brain_coder's exact fixed cases,
  reproduced from its code: Python 2's `random.Random(6849275409234)`
  (brain_coder is Python 2 code: `bf.py` calls `iterator.next()`), numpy's
  legacy RandomState where it uses one, and, for the tasks defined by a
  known program, that program's output under these conventions. multiply
  and divmod are left out: their cells wrap at 512 and values up to 511
  cannot be written as bytes (here they use B = 256).
"""

from __future__ import annotations

import dataclasses
import inspect
import random
import textwrap
from functools import lru_cache
from typing import Any, Callable, ClassVar

import numpy as np

from curricula.base import Instance, TaskConfig, TaskFamily, TestCase, check_range, register_family
from curricula.solutions.bf_codegen import bf_emit, bf_print
from curricula.suites import Suite, SuiteEntry, register_suite

PQT_MAX_STEPS = 4999
"""brain_coder's `bf.evaluate` fails as soon as its step counter reaches max_steps=5000, even on the
program's last instruction; our Limits allow exactly max_steps instructions, so 4999 reproduces it."""

BRAIN_CODER_SEED = 6849275409234
"""The seed of every `random.Random` in brain_coder's code_tasks.py ("Test cases are fixed, but varied")."""


def run_options(base: int) -> dict[str, Any]:
    """The Brainfuck options reproducing brain_coder's interpreter for a task of cell base `base`."""
    return {"cell_modulus": base, "left_edge": "clamp", "eof": "zero", "unmatched": "ignore"}


class Py2Random:
    """Python 2.7's `random.Random` as brain_coder ran it.

    Seeding and `random()` are identical in Python 3 (same Mersenne Twister,
    same init_by_array of the integer seed), but Python 2 derived
    `randrange` and `shuffle` from `random()` (int(random() * n)) where
    Python 3 uses getrandbits, so they are re-derived here.
    """

    def __init__(self, seed: int):
        self._random = random.Random(seed)

    def random(self) -> float:
        return self._random.random()

    def randrange(self, start: int, stop: int | None = None) -> int:
        if stop is None:
            start, stop = 0, start
        return start + int(self._random.random() * (stop - start))

    def shuffle(self, items: list) -> None:
        for i in reversed(range(1, len(items))):
            j = int(self._random.random() * (i + 1))
            items[i], items[j] = items[j], items[i]


# ---------------------------------------------------------------- configs


@dataclasses.dataclass(frozen=True)
class PQTConfig(TaskConfig):
    """Base config of the PQT families: 3 visible examples, 16 hidden tests, optionally brain_coder's own cases."""

    num_examples: int = 3
    num_tests: int = 16
    original: bool = False
    """Use brain_coder's exact fixed test cases (the `pqt-original` suite) instead of drawing them."""

    tests_range: ClassVar[tuple[int, int]] = (1, 1024)
    bounds: ClassVar[dict[str, tuple[int, int]]] = {}

    def validate(self) -> "PQTConfig":
        check_range(self, "num_examples", 0, 64)
        check_range(self, "num_tests", *self.tests_range)
        if not isinstance(self.original, bool):
            raise ValueError(f"{type(self).__name__}.original must be True or False, got {self.original!r}")
        for name, (low, high) in self.bounds.items():
            check_range(self, name, low, high)
        if hasattr(self, "min_length") and hasattr(self, "max_length") and self.min_length > self.max_length:
            raise ValueError(
                f"{type(self).__name__}.min_length must be <= max_length ({self.max_length}), got {self.min_length}"
            )
        return self


def pqt_config(
    name: str, doc: str, *, num_examples: int = 3, num_tests: int = 16, tests_range: tuple[int, int] = (1, 1024),
    **fields: tuple[int, tuple[int, ...], int, int],
) -> type[PQTConfig]:
    """A PQTConfig subclass whose integer fields are `field=(default, levels, low, high)`.

    `levels` are the difficulty levels (easiest first; empty for fields that
    are not difficulty attributes); `validate()` checks each field against
    [low, high] and names it on failure.
    """
    specs = [(f, int, dataclasses.field(default=spec[0])) for f, spec in fields.items()]
    specs += [
        ("num_examples", int, dataclasses.field(default=num_examples)),
        ("num_tests", int, dataclasses.field(default=num_tests)),
    ]
    namespace = {
        "difficulty": {f: spec[1] for f, spec in fields.items() if spec[1]},
        "bounds": {f: (spec[2], spec[3]) for f, spec in fields.items()},
        "tests_range": tests_range,
        "__doc__": doc,
    }
    cls = dataclasses.make_dataclass(name, specs, bases=(PQTConfig,), frozen=True, namespace=namespace)
    cls.__module__ = __name__  # picklable by name for remote workers
    globals()[name] = cls
    return cls


# ---------------------------------------------------------------- family base


class PQTFamily(TaskFamily):
    """Base of every PQT family.

    Subclasses set `name`, `summary`, `base`, `description` and `io_format`
    (`{field}` placeholders are filled from the config, the drawn
    parameters and `base`), write `draw_input(rng)` and a self-contained
    static `solve(data, **params)` mapping an input list to the exact
    expected output list. `solve` becomes the Python reference program
    verbatim, so the oracle and the expected outputs cannot drift apart;
    the Brainfuck solutions (brain_coder's own where it has one) are checked
    against it by the tests. `original_cases()` returns brain_coder's cases.
    """

    suite: ClassVar[str] = "pqt"
    base: ClassVar[int] = 256
    description: ClassVar[str]
    io_format: ClassVar[str] = "bytes"
    default_max_steps: ClassVar[int] = PQT_MAX_STEPS
    known_bf: ClassVar[str | None] = None
    """brain_coder's program that defines the task (KnownCodeBaseTask) or its docstring solution."""
    published_bf: ClassVar[str | None] = None
    """The shortest program the PQT paper reports for the task."""
    has_original: ClassVar[bool] = True
    known_original: ClassVar[bool] = False
    """True where the original cases are the outputs of `known_bf` on inputs that may contain 0."""
    original_params: ClassVar[dict[str, Any]] = {}

    def draw_params(self, rng: random.Random) -> dict[str, Any]:
        """Per-instance parameters (e.g. the list `print` asks for); {} for most families."""
        return {}

    def fixed_params(self) -> dict[str, Any]:
        """Parameters that come from the config (e.g. the counted char)."""
        return {}

    def draw_input(self, rng: random.Random, params: dict[str, Any]) -> list[int]:
        return []

    def text_fields(self, params: dict[str, Any]) -> dict[str, Any]:
        """Extra `{placeholders}` for the description, derived from the parameters."""
        return {}

    @staticmethod
    def solve(data: list[int]) -> list[int]:
        raise NotImplementedError

    @classmethod
    def original_cases(cls) -> list[tuple[list[int], list[int]]]:
        """brain_coder's exact (input, output) cases, in its order."""
        raise NotImplementedError

    # ---- generation
    def _inputs(self, rng: random.Random, params: dict[str, Any], count: int) -> list[list[int]]:
        """`count` inputs, distinct while the input space allows it within a bounded number of draws."""
        inputs: list[list[int]] = []
        seen: set[tuple[int, ...]] = set()
        for _ in range(8 * count):
            values = self.draw_input(rng, params)
            key = tuple(values)
            if key not in seen:
                seen.add(key)
                inputs.append(values)
                if len(inputs) == count:
                    return inputs
        while len(inputs) < count:  # small input spaces: repeats are unavoidable
            inputs.append(self.draw_input(rng, params))
        return inputs

    def generate(self, rng: np.random.Generator, seed: int, index: int) -> Instance:
        cfg = self.config
        fields = dict(self._config_fields())
        rng = _python_random(rng)
        if cfg.original:
            if not self.has_original:
                raise ValueError(f"task family {self.name!r} has no brain_coder original cases (see curricula/families/pqt.py)")
            params = {**self.fixed_params(), **self.original_params}
            example_inputs = self._inputs(rng, params, cfg.num_examples)
            examples = [(x, self.solve(x, **params)) for x in example_inputs]
            tests = self.original_cases()
        else:
            params = {**self.fixed_params(), **self.draw_params(rng)}
            inputs = self._inputs(rng, params, cfg.num_examples + cfg.num_tests)
            cases = [(x, self.solve(x, **params)) for x in inputs]
            examples, tests = cases[: cfg.num_examples], cases[cfg.num_examples :]
        fields.update(params)
        text = {**fields, "base": self.base, **self.text_fields(params)}
        return Instance(
            family=self.name,
            description=self.description.format(**text),
            io_format=self.io_format.format(**text),
            examples=tuple(TestCase(bytes(i), bytes(o)) for i, o in examples),
            tests=tuple(TestCase(bytes(i), bytes(o)) for i, o in tests),
            config=fields,
            seed=seed,
            index=index,
            suite="pqt-original" if cfg.original else "pqt",
            run_options=run_options(self.base),
            max_steps=PQT_MAX_STEPS,
            scoring={"mode": "pqt", "base": self.base},
        )

    def _config_fields(self) -> dict[str, Any]:
        """The config as a dict, built once per family object (the config is frozen)."""
        fields = self.__dict__.get("_fields_cache")
        if fields is None:
            fields = self._fields_cache = self.config.to_dict()
        return fields

    # ---- solutions
    def instance_params(self, instance: Instance) -> dict[str, Any]:
        """The keyword parameters `solve` takes, read back from the instance's config."""
        names = [p for p in inspect.signature(self.solve).parameters if p != "data"]
        return {p: instance.config[p] for p in names}

    def bf_solution(self, instance: Instance) -> str | None:
        if self.published_bf is not None:
            return self.published_bf
        return self.known_bf

    def python_solution(self, instance: Instance) -> str:
        """`solve` as a Python 3 program: reads stdin bytes, writes the output bytes."""
        if instance.config.get("original") and self.known_bf is not None and self.known_original:
            # The original cases of a known-program task come from running that
            # program, zeros inside the input included: emulate it exactly.
            return _EMULATOR_PROGRAM.format(code=self.known_bf, base=self.base)
        lines = textwrap.dedent(inspect.getsource(type(self).solve)).splitlines()
        body = "\n".join(line for line in lines if not line.lstrip().startswith("@"))
        params = self.instance_params(instance)
        call = ", ".join(["data"] + [f"{k}={v!r}" for k, v in params.items()])
        return (
            "import sys\n\n\n" + body + "\n\n\n"
            "data = list(sys.stdin.buffer.read())\n"
            f"sys.stdout.buffer.write(bytes(solve({call})))\n"
        )


_EMULATOR_PROGRAM = '''import sys

# brain_coder's interpreter (common/bf.py) running the program that defines this task.
CODE = {code!r}
BASE = {base}


def run(code, data):
    jump, stack = {{}}, []
    for i, c in enumerate(code):
        if c == "[":
            stack.append(i)
        elif c == "]" and stack:
            j = stack.pop()
            jump[i], jump[j] = j, i
    cells, ptr, pc, pos, out = [0], 0, 0, 0, []
    while pc < len(code):
        c = code[pc]
        if c == ">":
            ptr += 1
            if ptr == len(cells):
                cells.append(0)
        elif c == "<":
            ptr = max(ptr - 1, 0)
        elif c == "+":
            cells[ptr] = (cells[ptr] + 1) % BASE
        elif c == "-":
            cells[ptr] = (cells[ptr] - 1) % BASE
        elif c == ".":
            out.append(cells[ptr])
        elif c == ",":
            cells[ptr] = data[pos] if pos < len(data) else 0
            pos += 1
        elif c == "[" and cells[ptr] == 0:
            pc = jump.get(pc, pc)
        elif c == "]" and cells[ptr] != 0:
            pc = jump.get(pc, pc)
        pc += 1
    return out


sys.stdout.buffer.write(bytes(run(CODE, list(sys.stdin.buffer.read()))))
'''


def _run_known(code: str, inputs: list[list[int]], base: int = 256) -> list[tuple[list[int], list[int]]]:
    """brain_coder's KnownCodeBaseTask: the expected output is the known program's output."""
    import esolangs

    cases = []
    for values in inputs:
        result = esolangs.run("bf", code, bytes(values), max_steps=PQT_MAX_STEPS, **run_options(base))
        if result.status != "ok":
            raise RuntimeError(f"brain_coder's program {code!r} failed on input {values}: {result.status}")
        cases.append((values, list(result.output)))
    return cases


def _known_inputs(make_input: Callable[[Py2Random], list[int]], n: int = 16) -> list[list[int]]:
    rand = Py2Random(BRAIN_CODER_SEED)
    return [make_input(rand) for _ in range(n)]


def _default_input_fn(min_length: int = 1, max_length: int = 6, base: int = 256) -> Callable[[Py2Random], list[int]]:
    """brain_coder's `default_input_fn_factory`."""

    def make(rand: Py2Random) -> list[int]:
        length = rand.randrange(min_length, max_length + 1)
        return [rand.randrange(base) for _ in range(length)]

    return make


_FAMILIES: dict[str, type[PQTFamily]] = {}


def pqt_family(cls: type[PQTFamily]) -> type[PQTFamily]:
    """Register a PQT family and remember the suite order."""
    register_family(cls)
    _FAMILIES[cls.name] = cls
    return cls


def _python_random(rng: np.random.Generator) -> random.Random:
    """A `random.Random` seeded by one 63-bit draw from the instance's Generator.

    Randomness still comes only from SeedSequence([seed, index]); a scalar
    draw from Python's generator costs a fraction of numpy's per-call
    overhead, and an instance makes dozens of them.
    """
    return random.Random(int(rng.integers(1 << 63)))


def _rint(rng: random.Random, low: int, high: int) -> int:
    """Uniform integer in [low, high] as floor(random() * span), like `random.choices` (a third of randint's cost)."""
    if high < low:
        raise ValueError(f"empty range: low {low} > high {high}")
    return low + int(rng.random() * (high - low + 1))


def _int_list(rng: random.Random, length: int, low: int, high: int) -> list[int]:
    """`length` uniform integers in [low, high]."""
    return rng.choices(range(low, high + 1), k=length)


def _length(rng: random.Random, cfg: Any) -> int:
    return _rint(rng, cfg.min_length, cfg.max_length)


SEQ_INPUT = "a list of {min_length} to {max_length} bytes, each in 1..{max_value}, with no terminator"


# ---------------------------------------------------------------- simple sequence tasks with a KnownCode program


class SequenceFamily(PQTFamily):
    """A task on one list of values drawn as `min_length..max_length` values in `1..max_value`."""

    known_input: ClassVar[tuple[int, int, int]] = (1, 6, 256)
    """brain_coder's (min_length, max_length, base) of default_input_fn_factory for the original cases."""

    def draw_input(self, rng: random.Random, params: dict[str, Any]) -> list[int]:
        cfg = self.config
        return _int_list(rng, _length(rng, cfg), 1, cfg.max_value)

    @classmethod
    def original_cases(cls) -> list[tuple[list[int], list[int]]]:
        return _original_known(cls.name)


@lru_cache(maxsize=None)
def _original_known_cached(name: str) -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
    cls = _FAMILIES[name]
    cases = _run_known(cls.known_bf, _known_inputs(cls.original_input_fn()), base=256)
    return tuple((tuple(i), tuple(o)) for i, o in cases)


def _original_known(name: str) -> list[tuple[list[int], list[int]]]:
    return [(list(i), list(o)) for i, o in _original_known_cached(name)]


def _seq_config(name: str, max_length: int, max_value: int, levels: tuple[int, ...], high: int) -> type[PQTConfig]:
    return pqt_config(
        name,
        f"Lists of min_length..max_length values in 1..max_value (brain_coder: up to {max_length}).",
        min_length=(1, (), 1, high),
        max_length=(max_length, levels, 1, high),
        max_value=(max_value, (), 1, 255),
    )


class KnownSequenceFamily(SequenceFamily):
    known_original: ClassVar[bool] = True

    @classmethod
    def original_input_fn(cls) -> Callable[[Py2Random], list[int]]:
        low, high, base = cls.known_input
        return _default_input_fn(low, high, base)


def _seq_description(task: str) -> str:
    return "The input is " + SEQ_INPUT + ". " + task


@pqt_family
class EchoTwice(KnownSequenceFamily):
    name = "echo-twice"
    summary = "Write the input list, a 0, the list again and a 0."
    config_class = _seq_config("EchoTwiceConfig", 6, 255, (2, 3, 4, 6, 8), 12)
    known_bf = ">,.[>,.]<[<]>[.>]."
    description = _seq_description("Write the list, then a 0, then the list again, then a 0.")
    io_format = "bytes: list (no terminator) -> list, 0, list, 0"

    @staticmethod
    def solve(data):
        return data + [0] + data + [0]


@pqt_family
class EchoThrice(KnownSequenceFamily):
    name = "echo-thrice"
    summary = "Write the input list followed by a 0, three times."
    config_class = _seq_config("EchoThriceConfig", 6, 255, (2, 3, 4, 6, 8), 12)
    known_bf = ">,.[>,.]<[<]>[.>].<[<]>[.>]."
    description = _seq_description("Write the list followed by a 0, three times in a row.")
    io_format = "bytes: list (no terminator) -> (list, 0) three times"

    @staticmethod
    def solve(data):
        return (data + [0]) * 3


@pqt_family
class CopyReverse(KnownSequenceFamily):
    name = "copy-reverse"
    summary = "Write the list, a 0, the list reversed, a 0, the list, a 0."
    config_class = _seq_config("CopyReverseConfig", 6, 255, (2, 3, 4, 6, 8), 12)
    known_bf = ">,.[>,.]<[.<].>[.>]."
    description = _seq_description(
        "Write the list forwards, then a 0, then the list backwards, then a 0, then the list forwards again, then a 0."
    )
    io_format = "bytes: list (no terminator) -> list, 0, reversed list, 0, list, 0"

    @staticmethod
    def solve(data):
        return data + [0] + data[::-1] + [0] + data + [0]


@pqt_family
class ZeroCascade(KnownSequenceFamily):
    name = "zero-cascade"
    summary = "Write the k-th value followed by k-1 zeros, for every k."
    config_class = _seq_config("ZeroCascadeConfig", 6, 255, (2, 3, 4, 6, 8), 12)
    known_bf = ",[.>[->+>.<<]>+[-<+>]<<,]"
    description = _seq_description(
        "For each position k = 1, 2, ... write the k-th value followed by k-1 zeros. Nothing else (no final 0)."
    )
    io_format = "bytes: list (no terminator) -> x1, x2 0, x3 0 0, ..."

    @staticmethod
    def solve(data):
        out = []
        for k, value in enumerate(data):
            out += [value] + [0] * k
        return out


@pqt_family
class Cascade(KnownSequenceFamily):
    name = "cascade"
    summary = "Write the k-th value k times, for every k, then a 0."
    config_class = _seq_config("CascadeConfig", 6, 19, (2, 3, 4, 6, 8), 12)
    known_bf = ",>>+<<[>>[-<+>]<[->+<<.>]>+<<,]."
    known_input = (1, 6, 20)
    description = _seq_description("For each position k = 1, 2, ... write the k-th value k times; then write a 0.")
    io_format = "bytes: list (no terminator) -> x1, x2 x2, x3 x3 x3, ..., 0"

    @staticmethod
    def solve(data):
        out = []
        for k, value in enumerate(data):
            out += [value] * (k + 1)
        return out + [0]


@pqt_family
class ShiftLeft(KnownSequenceFamily):
    name = "shift-left"
    summary = "Rotate the list left by one, then write a 0."
    config_class = _seq_config("ShiftLeftConfig", 6, 255, (2, 3, 4, 6, 8, 12), 32)
    known_bf = ",>,[.,]<.,."
    description = _seq_description("Write the list rotated left by one (the first value moves to the end), then a 0.")
    io_format = "bytes: list (no terminator) -> x2 .. xn x1 0"

    @staticmethod
    def solve(data):
        return data[1:] + data[:1] + [0]


@pqt_family
class ShiftRight(KnownSequenceFamily):
    name = "shift-right"
    summary = "Rotate the list right by one, then write a 0."
    config_class = _seq_config("ShiftRightConfig", 6, 255, (2, 3, 4, 6, 8, 12), 32)
    known_bf = ">,[>,]<.[-]<[<]>[.>]."
    description = _seq_description("Write the list rotated right by one (the last value moves to the front), then a 0.")
    io_format = "bytes: list (no terminator) -> xn x1 .. x(n-1) 0"

    @staticmethod
    def solve(data):
        return data[-1:] + data[:-1] + [0]


@pqt_family
class Riffle(KnownSequenceFamily):
    name = "riffle"
    summary = "Write values alternately from the end and the start (n-1, 0, n-2, 1, ...); a 0 after an odd-length list."
    config_class = _seq_config("RiffleConfig", 8, 19, (2, 4, 6, 8), 8)
    known_bf = ">,[>,]<[.[-]<[<]>.[-]>[>]<]"
    known_input = (1, 8, 20)
    description = _seq_description(
        "Write the values in the index order n-1, 0, n-2, 1, n-3, 2, ... (0-indexed, n values), alternately taking "
        "the last and the first remaining value, until all are written. If n is odd, write a 0 after them."
    )
    io_format = "bytes: list (no terminator) -> riffled list (+ a 0 when the length is odd)"

    @staticmethod
    def solve(data):
        out, low, high = [], 0, len(data) - 1
        while low <= high:
            out.append(data[high])
            high -= 1
            if low <= high:
                out.append(data[low])
                low += 1
        return out + ([0] if len(data) % 2 else [])


@pqt_family
class Unriffle(KnownSequenceFamily):
    name = "unriffle"
    summary = "Write the odd-indexed values in order, then the even-indexed ones backwards, then a 0."
    config_class = _seq_config("UnriffleConfig", 8, 19, (2, 4, 6, 8, 12), 16)
    known_bf = ">,[>,[.[-]],]<[.<]."
    known_input = (1, 8, 20)
    description = _seq_description(
        "Write the values at odd 0-indexed positions (1, 3, 5, ...) in order, then the values at even positions "
        "(..., 4, 2, 0) from last to first, then a 0 (the inverse of riffle)."
    )
    io_format = "bytes: list (no terminator) -> x[1::2], reversed x[0::2], 0"

    @staticmethod
    def solve(data):
        return data[1::2] + data[0::2][::-1] + [0]


@pqt_family
class MiddleChar(KnownSequenceFamily):
    name = "middle-char"
    summary = "Write the middle value of an odd-length list, or 0 for an even length."
    config_class = _seq_config("MiddleCharConfig", 10, 255, (3, 5, 7, 10), 10)
    known_bf = ">,[>,]<<[[>]<[,<[<]>,>[>]][>]<<]>."
    known_input = (1, 10, 256)
    description = _seq_description(
        "If the list has an odd number of values, write its middle value; if even, write a single 0."
    )
    io_format = "bytes: list (no terminator) -> one byte"

    @staticmethod
    def solve(data):
        return [data[len(data) // 2]] if len(data) % 2 else [0]


@pqt_family
class RemoveLast(KnownSequenceFamily):
    name = "remove-last"
    summary = "Write the list without its last value, then a 0."
    config_class = _seq_config("RemoveLastConfig", 6, 19, (2, 3, 4, 6, 8), 12)
    known_bf = ",>,[[<.[-]>[-<+>]],]."
    published_bf = ",>,[<.>>,]."
    known_input = (1, 6, 20)
    description = _seq_description("Write the list without its last value, then a 0.")
    io_format = "bytes: list (no terminator) -> x1 .. x(n-1) 0"

    @staticmethod
    def solve(data):
        return data[:-1] + [0]


@pqt_family
class RemoveLastTwo(KnownSequenceFamily):
    name = "remove-last-two"
    summary = "Write the list without its last two values, then a 0."
    config_class = _seq_config("RemoveLastTwoConfig", 6, 9, (3, 4, 6, 8), 8)
    known_bf = ",>,>,[[<<.[-]>[-<+>]>[-<+>]],]."
    known_input = (1, 6, 10)
    description = _seq_description("Write the list without its last two values, then a 0.")
    io_format = "bytes: list (no terminator) -> x1 .. x(n-2) 0"

    @staticmethod
    def solve(data):
        return data[:-2] + [0]


@pqt_family
class EchoAlternating(KnownSequenceFamily):
    name = "echo-alternating"
    summary = "Write the even-indexed values, then the odd-indexed ones, then a 0."
    config_class = _seq_config("EchoAlternatingConfig", 8, 19, (2, 4, 6, 8, 12), 16)
    known_bf = ">,[.,>,]<<[<]>[.>]."
    known_input = (1, 8, 20)
    description = _seq_description(
        "Write the values at even 0-indexed positions (0, 2, 4, ...), then those at odd positions (1, 3, ...), then a 0."
    )
    io_format = "bytes: list (no terminator) -> x[0::2], x[1::2], 0"

    @staticmethod
    def solve(data):
        return data[0::2] + data[1::2] + [0]


@pqt_family
class EchoHalf(KnownSequenceFamily):
    name = "echo-half"
    summary = "Write the first half of the list (rounded down), then a 0."
    config_class = _seq_config("EchoHalfConfig", 9, 19, (3, 5, 7, 9), 9)
    known_bf = ">>+>,[[<]>+[>],]<[<]>-[-[-<<+>]<[>]>]<<[->+<]>[[>]>.,<+[<]>-]."
    known_input = (1, 9, 20)
    description = _seq_description("Write the first floor(n/2) values of the list (n values), then a 0.")
    io_format = "bytes: list (no terminator) -> x[:n//2], 0"

    @staticmethod
    def solve(data):
        return data[: len(data) // 2] + [0]


@pqt_family
class Length(KnownSequenceFamily):
    name = "length"
    summary = "Write the number of values in the list."
    config_class = _seq_config("LengthConfig", 14, 255, (4, 8, 14, 20), 30)
    known_bf = ">+>,[[<]>+[>],]<[<]>-."
    published_bf = ",[>+<,]>."
    known_input = (1, 14, 256)
    description = _seq_description("Write a single byte: the number of values in the list.")
    io_format = "bytes: list (no terminator) -> one byte, the length"

    @staticmethod
    def solve(data):
        return [len(data)]


# ---------------------------------------------------------------- structured-input KnownCode tasks


@pqt_family
class EchoSecondSeq(PQTFamily):
    name = "echo-second-seq"
    summary = "Of two 0-terminated lists, write the second one and its 0."
    config_class = pqt_config(
        "EchoSecondSeqConfig", "Two lists of 1..max_length values in 1..max_value, each followed by a 0.",
        max_length=(5, (2, 3, 5, 8), 1, 16), max_value=(255, (), 1, 255),
    )
    known_bf = ",[,],[.,]."
    published_bf = ",[,]-[,.]"
    known_original = True
    description = (
        "The input is two lists, each of 1 to {max_length} bytes in 1..{max_value} followed by a 0. "
        "Write the second list followed by its 0."
    )
    io_format = "bytes: x.. 0 y.. 0 -> y.. 0"

    def draw_input(self, rng, params):
        cfg = self.config
        first = _int_list(rng, _rint(rng, 1, cfg.max_length), 1, cfg.max_value)
        second = _int_list(rng, _rint(rng, 1, cfg.max_length), 1, cfg.max_value)
        return first + [0] + second + [0]

    @staticmethod
    def solve(data):
        start = data.index(0) + 1
        end = data.index(0, start)
        return data[start : end + 1]

    @classmethod
    def original_input_fn(cls):
        def make(rand):
            x = [rand.randrange(256) for _ in range(rand.randrange(1, 6))]
            y = [rand.randrange(256) for _ in range(rand.randrange(1, 6))]
            return x + [0] + y + [0]

        return make

    @classmethod
    def original_cases(cls):
        return _original_known(cls.name)


@pqt_family
class EchoNthSeq(PQTFamily):
    name = "echo-nth-seq"
    summary = "Given n and several 0-terminated lists, write the n-th list and its 0."
    config_class = pqt_config(
        "EchoNthSeqConfig", "1..max_lists lists of 0..max_length values in 1..max_value, each followed by a 0.",
        max_lists=(6, (2, 3, 4, 6), 1, 12), max_length=(3, (1, 2, 3, 4), 0, 8), max_value=(255, (), 1, 255),
    )
    known_bf = ",-[->,[,]<],[.,]."
    known_original = True
    description = (
        "The input is a number n, then k lists (1 <= n <= k <= {max_lists}), each of 0 to {max_length} bytes in "
        "1..{max_value} followed by a 0. Write the n-th list (1-indexed) followed by its 0."
    )
    io_format = "bytes: n, list1.. 0, list2.. 0, ... -> list_n.. 0"

    def draw_input(self, rng, params):
        cfg = self.config
        k = _rint(rng, 1, cfg.max_lists)
        values = [_rint(rng, 1, k)]
        lengths = rng.choices(range(cfg.max_length + 1), k=k)
        items, start = _int_list(rng, sum(lengths), 1, cfg.max_value), 0  # all lists' values in one draw
        for length in lengths:
            values += items[start : start + length]
            values.append(0)
            start += length
        return values

    @staticmethod
    def solve(data):
        lists, current = [], []
        for value in data[1:]:
            if value == 0:
                lists.append(current)
                current = []
            else:
                current.append(value)
        return lists[data[0] - 1] + [0]

    @classmethod
    def original_input_fn(cls):
        def make(rand):
            k = rand.randrange(1, 7)
            n = rand.randrange(1, k + 1)
            x: list[int] = []
            for _ in range(k):
                length = rand.randrange(0, 4)
                x += [rand.randrange(256) for _ in range(length)] + [0]
            return [n] + x

        return make

    @classmethod
    def original_cases(cls):
        return _original_known(cls.name)


@pqt_family
class Substring(PQTFamily):
    name = "substring"
    summary = "Given i, l and a 0-terminated list, write the l values starting at index i."
    config_class = pqt_config(
        "SubstringConfig", "Lists of 2..max_length values in 1..max_value.",
        max_length=(15, (4, 8, 15, 24), 2, 32), max_value=(255, (), 1, 255),
    )
    known_bf = ">,<,>[->,<]>,<<[->>.,<<]"
    known_original = True
    description = (
        "The input is i, then l, then a list of 2 to {max_length} bytes in 1..{max_value} followed by a 0, where "
        "0 <= i and i + l <= the list's length. Write the l values of the list starting at 0-indexed position i "
        "(nothing else)."
    )
    io_format = "bytes: i, l, x.. 0 -> x[i:i+l]"

    def draw_input(self, rng, params):
        cfg = self.config
        length = _rint(rng, 2, cfg.max_length)
        i, j = sorted(rng.choices(range(length), k=2))
        return [i, j - i] + _int_list(rng, length, 1, cfg.max_value) + [0]

    @staticmethod
    def solve(data):
        start, count = data[0], data[1]
        return data[2 + start : 2 + start + count]

    @classmethod
    def original_input_fn(cls):
        def make(rand):
            length = rand.randrange(2, 16)
            i, j = sorted([rand.randrange(length), rand.randrange(length)])
            x = [rand.randrange(256) for _ in range(length)] + [0]
            return [i, j - i] + x

        return make

    @classmethod
    def original_cases(cls):
        return _original_known(cls.name)


@pqt_family
class Divide2(PQTFamily):
    name = "divide-2"
    summary = "Write floor(v / 2) of one input byte v."
    config_class = pqt_config("Divide2Config", "One value in 0..max_value.", max_value=(255, (15, 63, 255), 1, 255))
    known_bf = ",[-[->>+<]>[<]<]>>."
    known_original = True
    description = "The input is one byte v in 0..{max_value}. Write one byte: v divided by 2, rounded down."
    io_format = "bytes: v -> v // 2"

    def draw_input(self, rng, params):
        return [_rint(rng, 0, self.config.max_value)]

    @staticmethod
    def solve(data):
        return [data[0] // 2]

    @classmethod
    def original_input_fn(cls):
        return lambda rand: [rand.randrange(256)]

    @classmethod
    def original_cases(cls):
        return _original_known(cls.name)


@pqt_family
class Dedup(PQTFamily):
    name = "dedup"
    summary = "Write a 0-terminated list with runs of equal adjacent values collapsed, then a 0."
    config_class = pqt_config(
        "DedupConfig", "1..max_unique distinct values in 1..max_value, each repeated 1..max_repeat times.",
        max_unique=(4, (2, 3, 4), 1, 6), max_repeat=(4, (2, 3, 4), 1, 6), max_value=(6, (), 1, 6),
    )
    known_bf = ">>,.[[-<+<+>>],[-<->]<[[-<->]<.>]<[->>+<<]>>]"
    known_original = True
    description = (
        "The input is a list of bytes followed by a 0: runs of 1 to {max_repeat} equal values, consecutive runs "
        "having different values in 1..{max_value}. Write each run's value once, in order, then a 0."
    )
    io_format = "bytes: x.. 0 -> deduplicated x.. 0"

    def __init__(self, config=None):
        super().__init__(config)
        if self.config.max_unique > self.config.max_value:
            raise ValueError(
                f"DedupConfig.max_unique must be <= max_value ({self.config.max_value}), got {self.config.max_unique}"
            )

    def draw_input(self, rng, params):
        cfg = self.config
        values = []
        for value in rng.sample(range(1, cfg.max_value + 1), _rint(rng, 1, cfg.max_unique)):
            values += [value] * _rint(rng, 1, cfg.max_repeat)
        return values + [0]

    @staticmethod
    def solve(data):
        out = []
        for value in data[: data.index(0)]:
            if not out or out[-1] != value:
                out.append(value)
        return out + [0]

    def bf_solution(self, instance):
        # brain_coder's own program runs past 5000 steps on some inputs of its own distribution
        # (e.g. 3 4 4 4 4 5 5 5 5 6 6 6 6 0), so: keep the previous value, print a value that differs.
        # The difference (cur - prev, at most max_value apart) is cleared after adding max_value + 1,
        # which makes it positive and small instead of wrapping through 256.
        shift = "+" * (int(instance.config.get("max_value", 6)) + 1)
        return ">,.[[-<+>],[->+>+<<]>>[-<<+>>]<<<[->>-<<]>>[" + shift + "[-]<.>]<]"

    @classmethod
    def original_input_fn(cls):
        def make(rand):
            np_random = np.random.RandomState(rand.randrange(2147483647))
            num_unique = rand.randrange(1, 5)
            unique = np_random.choice(6, num_unique, replace=False) + 1
            return [int(v) for v in unique for _ in range(rand.randrange(1, 5))] + [0]

        return make

    @classmethod
    def original_cases(cls):
        return _original_known(cls.name)


# ---------------------------------------------------------------- ICLR tasks with their own generators


@pqt_family
class Reverse(SequenceFamily):
    name = "reverse"
    summary = "Write the list reversed, then a 0."
    config_class = _seq_config("ReverseConfig", 6, 255, (2, 3, 4, 6, 8, 12), 32)
    published_bf = ",[>,]+[,<.]"
    description = _seq_description("Write the values in reverse order, then a 0.")
    io_format = "bytes: list (no terminator) -> reversed list, 0"

    @staticmethod
    def solve(data):
        return data[::-1] + [0]

    @classmethod
    def original_cases(cls, base: int = 256):
        # ReverseTask(base=256, n=16, min_len=1, max_len=6)._make_io_examples; `base` 27 gives the cases of
        # brain_coder's earlier paper config, which its code_tasks_test.py rewards are computed on.
        rand = Py2Random(BRAIN_CODER_SEED)
        cases = []
        for _ in range(16):
            length = rand.randrange(1, 7)
            values = [rand.randrange(1, base) for _ in range(length)]
            cases.append((values, values[::-1] + [0]))
        return cases


@pqt_family
class RemoveChar(PQTFamily):
    name = "remove-char"
    summary = "Write the list without its one occurrence of `char` (default 1), then a 0."
    config_class = pqt_config(
        "RemoveCharConfig", "Lists of min_length..max_length values in 1..max_value holding `char` exactly once.",
        min_length=(1, (), 1, 32), max_length=(6, (2, 3, 4, 6, 8, 12), 1, 32), max_value=(255, (), 2, 255),
        char=(1, (), 1, 255),
    )
    description = (
        "The input is a list of {min_length} to {max_length} bytes in 1..{max_value}, with no terminator, in which "
        "the value {char} appears exactly once. Write the list without that value, then a 0."
    )
    io_format = "bytes: list (no terminator) -> list without {char}, 0"
    original_params = {"char": 1}

    def fixed_params(self):
        return {"char": self.config.char}

    def __init__(self, config=None):
        super().__init__(config)
        if self.config.char > self.config.max_value:
            raise ValueError(f"RemoveCharConfig.char must be <= max_value ({self.config.max_value}), got {self.config.char}")

    def draw_input(self, rng, params):
        cfg, char = self.config, params["char"]
        length = _length(rng, cfg)
        values = [v + 1 if v >= char else v for v in _int_list(rng, length, 1, cfg.max_value - 1)]  # skip `char`
        values[_rint(rng, 0, length - 1)] = char
        return values

    @staticmethod
    def solve(data, char):
        return [v for v in data if v != char] + [0]

    def bf_solution(self, instance):
        char = instance.config["char"]
        down, up = "-" * char, "+" * char
        if char > self.base // 2:  # cheaper through the wrap
            down, up = "+" * (self.base - char), "-" * (self.base - char)
        # A kept value is printed, then the pointer moves to a fresh zero cell to leave the test.
        return ",[" + down + "[" + up + ".>]" + ",]."

    @classmethod
    def original_cases(cls):
        # RemoveCharTask(base=256, n=16, min_len=1, max_len=6)._make_io_examples
        rand = Py2Random(BRAIN_CODER_SEED)
        cases = []
        for _ in range(16):
            length = rand.randrange(1, 7)
            position = rand.randrange(0, length)
            values = [rand.randrange(1, 256) for _ in range(length)]
            values[position] = 1
            cases.append((values, values[:position] + values[position + 1 :] + [0]))
        return cases


@pqt_family
class CountChar(PQTFamily):
    name = "count-char"
    summary = "Count the occurrences of letter `char` (default 1, 'a') in a string of letters 1..26."
    base = 27
    config_class = pqt_config(
        "CountCharConfig", "Strings of min_length..max_length letters (1..26) over base 27.",
        min_length=(1, (), 1, 26), max_length=(6, (2, 4, 6, 10, 16), 1, 26), char=(1, (), 1, 26),
    )
    description = (
        "Letters are the numbers 1..26 (a=1, ..., z=26). The input is a string of {min_length} to {max_length} "
        "letters, one byte each, with no terminator. Write one byte: how many times the letter {char} occurs."
    )
    io_format = "bytes: letters 1..26 (no terminator) -> one byte, the count"
    original_params = {"char": 1}

    def fixed_params(self):
        return {"char": self.config.char}

    def draw_input(self, rng, params):
        cfg, char = self.config, params["char"]
        length = _length(rng, cfg)
        count = _rint(rng, 0, length)
        values = [v + 1 if v >= char else v for v in _int_list(rng, length, 1, 25)]
        for position in rng.sample(range(length), count):
            values[position] = char
        return values

    @staticmethod
    def solve(data, char):
        return [sum(1 for v in data if v == char)]

    def bf_solution(self, instance):
        char = instance.config["char"]
        # c0 count, c1 letter, c2 flag: flag=1; letter-char != 0 clears flag (and the letter); flag adds 1.
        return ">,[>+<" + "-" * char + "[>-<[-]]>[-<<+>>]<,]<."

    @classmethod
    def original_cases(cls):
        # CountCharTaskV2(n=16, max_len=6)._make_io_examples
        rand = Py2Random(BRAIN_CODER_SEED)
        cases = [([10, 0], [0]), ([1, 0], [1]), ([1, 1, 0], [2]), ([9, 4, 19, 11, 5, 0], [0]), ([24, 11, 26, 1, 15, 0], [1])]
        other_chars = list(range(2, 27))
        for _ in range(16 - 5):
            length = rand.randrange(2, 7)
            num_chars = rand.randrange(0, 7)
            values = [1] * num_chars + [0] * (length - num_chars)
            rand.shuffle(values)
            for i in range(len(values)):
                if not values[i]:
                    values[i] = other_chars[rand.randrange(len(other_chars))]
            cases.append((values, [num_chars]))
        return cases


@pqt_family
class Add(PQTFamily):
    name = "add"
    summary = "Write (a + b) mod 256 and a 0."
    config_class = pqt_config(
        "AddConfig", "Two values in 0..max_value; 9 tests as in brain_coder.", num_tests=9,
        max_value=(255, (9, 63, 127, 255), 1, 255),
    )
    published_bf = ",[+>,<<->],<.,."
    description = (
        "The input is two bytes a and b, each in 0..{max_value}. Write (a + b) mod 256, then a 0."
    )
    io_format = "bytes: a, b -> (a + b) % 256, 0"

    def draw_input(self, rng, params):
        return _int_list(rng, 2, 0, self.config.max_value)

    @staticmethod
    def solve(data):
        return [(data[0] + data[1]) % 256, 0]

    @classmethod
    def original_cases(cls):
        # AddTask(n=9): the nine fixed cases, no random extras
        return [
            ([4, 0], [4, 0]), ([0, 5], [5, 0]), ([1, 2], [3, 0]), ([67, 21], [88, 0]), ([55, 56], [111, 0]),
            ([128, 33], [161, 0]), ([221, 251], [216, 0]), ([130, 127], [1, 0]), ([255, 1], [0, 0]),
        ]


def _bool_truth(x: int, y: int, z: int) -> int:
    # brain_coder's BooleanLogicTask: X(~Z) + (~Y)(~Z) + (~X)YZ
    return int(bool((x and not z) or (not y and not z) or (not x and y and z)))


@pqt_family
class BoolLogic(PQTFamily):
    name = "bool-logic"
    summary = "Compute a fixed boolean function of three bits: (x and not z) or (not y and not z) or (not x and y and z)."
    base = 2
    size = 1
    config_class = pqt_config("BoolLogicConfig", "The 8 rows of the truth table.", num_tests=8, tests_range=(8, 8))
    description = (
        "The input is three bytes x, y, z, each 0 or 1 (cells hold only 0 and 1). Write one byte, 1 or 0: the value "
        "of (x AND NOT z) OR (NOT y AND NOT z) OR (NOT x AND y AND z)."
    )
    io_format = "bytes: x, y, z in {{0, 1}} -> one byte in {{0, 1}}"

    def _inputs(self, rng, params, count):
        rows = [[x, y, z] for x in range(2) for y in range(2) for z in range(2)]
        if count == 8 + self.config.num_examples:  # the tests are the whole table, in brain_coder's order
            return rng.sample(rows, self.config.num_examples) + rows
        return rng.choices(rows, k=count) if count > 8 else rng.sample(rows, count)

    @staticmethod
    def solve(data):
        x, y, z = data
        return [int(bool((x and not z) or (not y and not z) or (not x and y and z)))]

    def bf_solution(self, instance):
        return _bf_truth_table({(x, y, z): _bool_truth(x, y, z) for x in range(2) for y in range(2) for z in range(2)})

    @classmethod
    def original_cases(cls):
        return [([x, y, z], [_bool_truth(x, y, z)]) for x in range(2) for y in range(2) for z in range(2)]


def _bf_truth_table(table: dict[tuple[int, int, int], int]) -> str:
    """Base-2 Brainfuck: read x, y, z into cells 0-2 and write table[x, y, z] from cell 3.

    For each row with value 1, copies of the three inputs (negated where the
    row has a 0) go to cells 4-6; their AND toggles cell 3. At most one row
    matches, so cell 3 ends holding the answer. Cell 7 restores the copies.
    """
    code = [",>,>,"]
    pos = 2

    def move(to: int) -> str:
        nonlocal pos
        step, pos = to - pos, to
        return ">" * step if step > 0 else "<" * -step

    for (x, y, z), value in sorted(table.items()):
        if not value:
            continue
        for source, target, literal in ((0, 4, x), (1, 5, y), (2, 6, z)):
            code.append(move(source) + "[-" + ">" * (target - source) + "+" + ">" * (7 - target) + "+" + "<" * (7 - source) + "]")
            code.append(move(7) + "[-" + "<" * (7 - source) + "+" + ">" * (7 - source) + "]")
            if literal == 0:
                code.append(move(target) + "+")
        code.append(move(4) + "[->[->[-<<<+>>>]<]<]>[-]>[-]")
        pos = 6
    code.append(move(3) + ".")
    return "".join(code)


@pqt_family
class PrintHello(PQTFamily):
    name = "print-hello"
    summary = "Write 'hello' as letters 1..26: 8 5 12 12 15 (cells wrap at 27)."
    base = 27
    size = 1
    config_class = pqt_config("PrintHelloConfig", "One fixed case.", num_examples=1, num_tests=1, tests_range=(1, 1))
    description = (
        "There is no input. Write the word hello with letters as numbers a=1, ..., z=26, one byte each: "
        "8 5 12 12 15. Cells hold 0..26 and wrap around."
    )
    io_format = "bytes: (none) -> 8 5 12 12 15"

    @staticmethod
    def solve(data):
        return [8, 5, 12, 12, 15]

    def bf_solution(self, instance):
        return bf_print([8, 5, 12, 12, 15], self.base)

    @classmethod
    def original_cases(cls):
        return [([], [8, 5, 12, 12, 15])]


@pqt_family
class Print(PQTFamily):
    name = "print"
    summary = "Write a given list of bytes (brain_coder: 1 2 3 4 5); there is no input."
    config_class = pqt_config(
        "PrintConfig", "A target of `length` values in 1..max_value, drawn per instance.", num_examples=1,
        num_tests=1, tests_range=(1, 1), length=(5, (1, 2, 3, 5, 8, 12), 1, 64), max_value=(255, (), 1, 255),
    )
    description = "There is no input. Write exactly these {target_length} bytes: {target_text}."
    io_format = "bytes: (none) -> the {target_length} given bytes"
    original_params = {"target": [1, 2, 3, 4, 5]}

    def draw_params(self, rng):
        return {"target": _int_list(rng, self.config.length, 1, self.config.max_value)}

    def text_fields(self, params):
        return {"target_text": " ".join(str(v) for v in params["target"]), "target_length": len(params["target"])}

    @staticmethod
    def solve(data, target):
        return list(target)

    def bf_solution(self, instance):
        return bf_print(instance.config["target"], self.base)

    @classmethod
    def original_cases(cls):
        return [([], [1, 2, 3, 4, 5])]


@pqt_family
class Echo(PQTFamily):
    name = "echo"
    summary = "Copy a 0-terminated string of letters 1..26, its 0 included (cells wrap at 27)."
    base = 27
    config_class = pqt_config(
        "EchoConfig", "Strings of min_length..max_length letters, then a 0.",
        min_length=(1, (), 1, 64), max_length=(6, (2, 4, 6, 10, 16), 1, 64),
    )
    published_bf = ",[.,]."
    description = (
        "Letters are the numbers 1..26 (a=1, ..., z=26). The input is a string of {min_length} to {max_length} "
        "letters, one byte each, followed by a 0. Write the same bytes, the 0 included."
    )
    io_format = "bytes: letters.. 0 -> letters.. 0"

    def draw_input(self, rng, params):
        return _int_list(rng, _length(rng, self.config), 1, 26) + [0]

    @staticmethod
    def solve(data):
        return data[: data.index(0) + 1]

    @classmethod
    def original_cases(cls):
        # EchoTask(base=27, min_length=1, max_length=6): 25 cases from numpy's RandomState(1234567890)
        np_random = np.random.RandomState(1234567890)
        cases = []
        for _ in range(25):
            length = np_random.randint(1, 7)
            values = np_random.randint(1, 27, length).tolist() + [0]
            cases.append((values, list(values)))
        return cases


@pqt_family
class Prefix(PQTFamily):
    name = "prefix"
    summary = "Write the common prefix of two 0-terminated strings of letters 1..26, then a 0."
    base = 27
    config_class = pqt_config(
        "PrefixConfig", "Two strings of 1..max_length letters, each followed by a 0.",
        max_length=(6, (2, 4, 6, 10), 1, 16),
    )
    description = (
        "Letters are the numbers 1..26 (a=1, ..., z=26). The input is two strings of 1 to {max_length} letters, "
        "each followed by a 0. Write the longest common prefix of the two strings (possibly empty), then a 0."
    )
    io_format = "bytes: a.. 0 b.. 0 -> common prefix.. 0"

    def draw_input(self, rng, params):
        cfg = self.config
        len_a, len_b = _rint(rng, 1, cfg.max_length), _rint(rng, 1, cfg.max_length)
        shared = _rint(rng, 0, min(len_a, len_b))
        a = _int_list(rng, len_a, 1, 26)
        b = a[:shared] + _int_list(rng, len_b - shared, 1, 26)
        if shared < min(len_a, len_b) and b[shared] == a[shared]:
            b[shared] = b[shared] % 26 + 1  # keep the prefix exactly `shared` long
        return a + [0] + b + [0]

    @staticmethod
    def solve(data):
        split = data.index(0)
        a, b = data[:split], data[split + 1 : data.index(0, split + 1)]
        out = []
        for x, y in zip(a, b):
            if x != y:
                break
            out.append(x)
        return out + [0]

    def bf_solution(self, instance):
        # a is stored every third cell from cell 3; each b value is read next to its a value,
        # a is moved out while subtracted from it; a difference clears the next a to stop.
        return ">>>,[>>>,]<<<[<<<]>>>[>,<[->->+<<]>[[-]>[-]>[-]<<]>[.[-]]>]."

    @classmethod
    def original_cases(cls):
        return [
            ([12, 24, 18, 0, 12, 5, 0], [12, 0]),
            ([1, 2, 3, 0, 1, 2, 17, 14, 0], [1, 2, 0]),
            ([15, 2, 1, 9, 2, 0, 15, 2, 1, 25, 8, 14, 0], [15, 2, 1, 0]),
            ([14, 9, 7, 8, 6, 16, 0, 14, 9, 7, 8, 8, 6, 8, 26, 0], [14, 9, 7, 8, 0]),
            ([12, 4, 16, 22, 1, 17, 0, 12, 4, 16, 22, 1, 8, 10, 0], [12, 4, 16, 22, 1, 0]),
        ]


def _if_zero(code: str) -> str:
    """Run `code` iff the current cell x is 0; needs the two cells right of x to be zero (they stay zero).

    `code` starts and ends on x. Both paths end on x: the nonzero path
    clears the flag and stops on the always-zero cell, the zero path
    consumes the flag and walks there too.
    """
    return ">+<[>-]>[-<" + code + ">>]<<"


@pqt_family
class Find(PQTFamily):
    name = "find"
    summary = "Write 1 if a 0-terminated string of letters contains 'ab' (1 2), else 0."
    base = 27
    config_class = pqt_config(
        "FindConfig", "Strings of min_length..max_length letters followed by a 0, half of them containing 1 2.",
        min_length=(2, (), 2, 32), max_length=(5, (3, 5, 8, 12), 2, 32),
    )
    description = (
        "Letters are the numbers 1..26 (a=1, ..., z=26). The input is a string of {min_length} to {max_length} "
        "letters followed by a 0. Write one byte: 1 if the string contains the letter 1 immediately followed by "
        "the letter 2 (\"ab\"), else 0."
    )
    io_format = "bytes: letters.. 0 -> one byte in {{0, 1}}"

    def draw_input(self, rng, params):
        cfg = self.config
        length = _length(rng, cfg)
        values = _int_list(rng, length, 1, 26)
        if rng.random() < 0.5:
            at = _rint(rng, 0, length - 2)
            values[at : at + 2] = [1, 2]
        else:
            for i in range(1, length):  # break every accidental "ab"
                if values[i - 1] == 1 and values[i] == 2:
                    values[i] = _rint(rng, 3, 26)
        return values + [0]

    @staticmethod
    def solve(data):
        data = data[: data.index(0)]
        return [int(any(data[i] == 1 and data[i + 1] == 2 for i in range(len(data) - 1)))]

    def bf_solution(self, instance):
        # c0 found, c1 previous letter was 1, c2 letter, c3-c4 zero-test cells
        found_if_prev = "<[-<[-]+>]>"  # at c2: if prev then found=1 (prev cleared)
        return ">>,[--" + _if_zero(found_if_prev) + "+<[-]>" + _if_zero("<+>") + "[-],]<<."

    @classmethod
    def original_cases(cls):
        return [
            ([1, 1, 23, 0], [0]), ([21, 3, 2, 0], [0]), ([2, 1, 19, 0], [0]), ([2, 24, 15, 3, 0], [0]),
            ([24, 6, 10, 16, 4, 0], [0]), ([1, 2, 12, 0], [1]), ([7, 1, 2, 0], [1]), ([1, 2, 11, 3, 0], [1]),
            ([1, 1, 2, 18, 0], [1]), ([7, 25, 1, 2, 0], [1]), ([3, 1, 2, 11, 8, 0], [1]), ([15, 16, 20, 1, 2, 0], [1]),
        ]


@pqt_family
class Sort3(PQTFamily):
    name = "sort3"
    summary = "Sort three values in 1..26 (cells wrap at 27)."
    base = 27
    config_class = pqt_config("Sort3Config", "Three values in 1..max_value.", max_value=(26, (5, 12, 26), 1, 26))
    description = "The input is three bytes, each in 1..{max_value}. Write them in ascending order (nothing else)."
    io_format = "bytes: a, b, c -> sorted"

    def draw_input(self, rng, params):
        return _int_list(rng, 3, 1, self.config.max_value)

    @staticmethod
    def solve(data):
        return sorted(data)

    def bf_solution(self, instance):
        # Rounds t = 1..B-1 decrement all three values; a value reaching 0 in round t equals t: write t.
        # Cells: 0 round counter, 1 t, values at 2, 5, 8 each with two zero-test cells.
        rounds = "-["
        rounds += "->+>-" + _if_zero("<.>") + ">>>-" + _if_zero("<<<<.>>>>") + ">>>-" + _if_zero("<<<<<<<.>>>>>>>")
        rounds += "<<<<<<<<]"
        return ">>,>>>,>>>,<<<<<<<<" + rounds

    @classmethod
    def original_cases(cls):
        # SortFixedTaskV2(base=27, n=150, length=3)
        rand = Py2Random(BRAIN_CODER_SEED)
        cases = []
        for _ in range(150):
            values = [rand.randrange(1, 27) for _ in range(3)]
            cases.append((values, sorted(values)))
        return cases


@pqt_family
class Multiply(PQTFamily):
    name = "multiply"
    summary = "Write a * b for two bytes whose product is below 256."
    has_original = False  # brain_coder's cells wrap at 512 here: its values do not fit in bytes
    config_class = pqt_config("MultiplyConfig", "Products n in 0..max_value, split into random factors.",
                              max_value=(255, (15, 63, 255), 1, 255))
    known_bf = ",>,><<[->[->+>+<<]>>[-<<+>>]<<<]>>."
    description = (
        "The input is two bytes a and b whose product is at most {max_value}. Write one byte: a * b."
    )
    io_format = "bytes: a, b -> a * b"

    def draw_input(self, rng, params):
        # as brain_coder's MultiplyTask: a product, then one of its factors up to its square root
        n = _rint(rng, 0, self.config.max_value)
        if n == 0:
            a, b = 0, _rint(rng, 0, self.config.max_value)
        else:
            factors = [f for f in range(1, int(n**0.5) + 1) if n % f == 0]
            a = factors[_rint(rng, 0, len(factors) - 1)]
            b = n // a
        if rng.random() < 0.5:
            a, b = b, a
        return [a, b]

    @staticmethod
    def solve(data):
        return [data[0] * data[1] % 256]

    def bf_solution(self, instance):
        return _BF_MULTIPLY

    @classmethod
    def original_cases(cls):
        raise ValueError("multiply has no byte-sized original cases (brain_coder uses base 512)")


@pqt_family
class DivMod(PQTFamily):
    name = "divmod"
    summary = "Write n // k and n % k."
    has_original = False  # brain_coder's cells wrap at 512 here: its values do not fit in bytes
    config_class = pqt_config(
        "DivModConfig", "n in 0..max_value and k in 1..max_value (200 keeps the reference program in budget).",
        max_value=(200, (15, 63, 200, 255), 1, 255),
    )
    known_bf = (
        ",>,><<[>[->+>+<<]>[-<<-[>]>>>[<[-<->]<[>]>>[[-]>>+<]>-<]<<]>>>+<<[-<<+>>]<<<]>"
        ">>>>[-<<<<<+>>>>>]<<<<<.>.>"
    )
    description = (
        "The input is two bytes n in 0..{max_value} and k in 1..{max_value}. Write two bytes: n // k (the quotient "
        "rounded down) and n % k (the remainder)."
    )
    io_format = "bytes: n, k -> n // k, n % k"

    def draw_input(self, rng, params):
        return [_rint(rng, 0, self.config.max_value), _rint(rng, 1, self.config.max_value)]

    @staticmethod
    def solve(data):
        return list(divmod(data[0], data[1]))

    def bf_solution(self, instance):
        if instance.config["max_value"] > DIVMOD_MAX_N:
            return None  # n = 210 with k = 1 already needs more than 5000 steps
        return _BF_DIVMOD

    @classmethod
    def original_cases(cls):
        raise ValueError("divmod has no byte-sized original cases (brain_coder uses base 512)")


@pqt_family
class Fib(PQTFamily):
    name = "fib"
    summary = "Given n, write Fibonacci numbers F(n) and F(n+1) mod 256."
    config_class = pqt_config("FibConfig", "n in 0..max_n (brain_coder: 0..13).", max_n=(13, (4, 8, 13, 20), 0, 254))
    description = (
        "The input is one byte n in 0..{max_n}. With F(0) = 0, F(1) = 1, F(k+2) = F(k) + F(k+1), write two "
        "bytes: F(n) mod 256 and F(n+1) mod 256."
    )
    io_format = "bytes: n -> F(n) % 256, F(n+1) % 256"

    def draw_input(self, rng, params):
        return [_rint(rng, 0, self.config.max_n)]

    @staticmethod
    def solve(data):
        a, b = 0, 1
        for _ in range(data[0]):
            a, b = b, (a + b) % 256
        return [a, b]

    def bf_solution(self, instance):
        # A table: for v = 0, 1, ..., max_n, if n == v write F(v), F(v+1); then n -= 1 (it wraps after a match).
        # Cells: 0 work, 1 scratch (bf_emit), 2 n, 3-4 zero-test cells.
        code = [">>,"]
        a, b = 0, 1
        for _ in range(int(instance.config.get("max_n", 13)) + 1):
            write = "<<" + bf_emit([a, b], 0, 256) + "[-]>>"
            code.append(_if_zero(write) + "-")
            a, b = b, (a + b) % 256
        return "".join(code)

    @classmethod
    def original_cases(cls):
        return [
            ([0], [0, 1]), ([1], [1, 1]), ([2], [1, 2]), ([3], [2, 3]), ([4], [3, 5]), ([5], [5, 8]), ([6], [8, 13]),
            ([7], [13, 21]), ([8], [21, 34]), ([9], [34, 55]), ([10], [55, 89]), ([11], [89, 144]),
            ([12], [144, 233]), ([13], [233, 121]),
        ]


@pqt_family
class CountDown(PQTFamily):
    name = "count-down"
    summary = "Given N, write N, 0, N-1, 0, ..., 1, 0 (brain_coder's 'bottles of beer')."
    config_class = pqt_config("CountDownConfig", "N in 1..max_n (brain_coder: 1..6).", max_n=(6, (3, 6, 12, 24), 1, 255))
    description = "The input is one byte N in 1..{max_n}. Write N, 0, N-1, 0, ..., 2, 0, 1, 0."
    io_format = "bytes: N -> N 0 N-1 0 ... 1 0"

    def draw_input(self, rng, params):
        return [_rint(rng, 1, self.config.max_n)]

    @staticmethod
    def solve(data):
        out = []
        for value in range(data[0], 0, -1):
            out += [value, 0]
        return out

    def bf_solution(self, instance):
        return ",[.>.<-]"

    @classmethod
    def original_cases(cls):
        return [([n], [v for k in range(n, 0, -1) for v in (k, 0)]) for n in range(1, 7)]


# ---------------------------------------------------------------- hand-written arithmetic programs


class _Tape:
    """Emits Brainfuck naming absolute cells; every loop returns to the cell it started on."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0

    def at(self, cell: int) -> "_Tape":
        step, self.pos = cell - self.pos, cell
        self.parts.append(">" * step if step > 0 else "<" * -step)
        return self

    def raw(self, code: str) -> "_Tape":
        self.parts.append(code)
        return self

    def text(self) -> str:
        return "".join(self.parts)


def _build_multiply() -> str:
    """a * b within the step budget for every a * b < 256.

    Looping over a and adding b each time costs loop overhead per unit of
    a, too much for a = 255, b = 1. Instead: decrement a and b together
    k = min(a, b) times (each zero test is O(1)), leaving a' = a - k and
    b' = b - k, one of them 0. Then a * b = k * ((a' + k) + b'): k is added
    into a', and an outer loop over the small k adds a' and b' into the
    product through temps next to them.
    Cells: 0 a (1-2 its zero-test cells), 1 temp, 2 product, 3 temp, 4 b
    (5-6 its zero-test cells), 7 k, 8 continue flag, 9 outer counter.
    """
    t = _Tape()
    t.raw(",").at(4).raw(",").at(8).raw("+")

    def stop_if_either_is_zero() -> None:
        t.at(0).raw(_if_zero(">" * 8 + "[-]" + "<" * 8))
        t.at(4).raw(_if_zero(">>>>[-]<<<<"))

    stop_if_either_is_zero()
    t.at(8).raw("[")
    t.at(0).raw("-").at(4).raw("-").at(7).raw("+")
    stop_if_either_is_zero()
    t.at(8).raw("]")
    t.at(7).raw("[-").at(9).raw("+").at(0).raw("+").at(7).raw("]")  # k into the outer counter and into a'
    t.at(9).raw("[-")
    t.at(0).raw("[->+>+<<]").at(1).raw("[-<+>]")
    t.at(4).raw("[-<+<+>>]").at(3).raw("[->+<]")
    t.at(9).raw("]")
    t.at(2).raw(".")
    return t.text()


def _build_divmod() -> str:
    """n // k and n % k by counting n down while a counter runs through k (pointer-divergence zero test).

    Cells: 0 n, 1 the part of k still to count, 2 one more than the part
    counted, 3 quotient, 4-5 zero. Each unit of n decrements cell 1; when
    it reaches 0 the counted part moves back into it and the quotient
    grows. Both paths end on cell 5, then return to n. About 22 steps per
    unit of n, so n is limited to DIVMOD_MAX_N by the 5000-step budget.
    """
    return ",>,>+<<[->-[>+>>]>[[-<+>]+>+>>]<<<<<]>>>.<-."


DIVMOD_MAX_N = 200
"""Largest n whose division fits the step budget for every divisor (n = 210, k = 1 needs 5055 steps)."""

_BF_MULTIPLY = _build_multiply()
_BF_DIVMOD = _build_divmod()


# ---------------------------------------------------------------- suites

PQT_FAMILIES: tuple[str, ...] = (
    "reverse", "remove-char", "count-char", "add", "bool-logic", "print-hello", "echo-twice", "echo-thrice",
    "copy-reverse", "zero-cascade", "cascade", "shift-left", "shift-right", "riffle", "unriffle", "middle-char",
    "remove-last", "remove-last-two", "echo-alternating", "echo-half", "length", "echo-second-seq", "echo-nth-seq",
    "substring", "divide-2", "dedup", "print", "echo", "prefix", "find", "sort3", "multiply", "divmod", "fib",
    "count-down",
)
"""The PQT families in the order of the task list (brain_coder's paper table, then its extra tasks)."""
assert set(PQT_FAMILIES) == set(_FAMILIES), sorted(set(PQT_FAMILIES) ^ set(_FAMILIES))

register_suite(
    Suite(
        name="pqt",
        version="1",
        summary="Priority Queue Training's Brainfuck tasks under brain_coder's conventions, cases drawn per instance.",
        entries=tuple(SuiteEntry(family=name, count=1) for name in PQT_FAMILIES),
    )
)

register_suite(
    Suite(
        name="pqt-original",
        version="1",
        summary="brain_coder's exact fixed test cases (multiply and divmod excluded: base 512 does not fit bytes).",
        entries=tuple(
            SuiteEntry(family=name, count=1, config={"original": True})
            for name in PQT_FAMILIES
            if _FAMILIES[name].has_original
        ),
    )
)
