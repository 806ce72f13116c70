"""Shared machinery of the PQT families: brain_coder's conventions, the config helper, the family base, case helpers.

See the package docstring for the conventions. A family module defines its
families on `PQTFamily` and registers them with `@pqt_family`; the package
`__init__` imports every family module and registers the suites.
"""

from __future__ import annotations

import dataclasses
import inspect
import random
import re
import textwrap
from collections.abc import Callable
from functools import cache
from typing import Any, ClassVar, TypeVar

import numpy as np

from curricula.base import Instance, TaskConfig, TaskFamily, TestCase, check_range, register_family
from esolangs.validation import check_bool_field

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

    def validate(self) -> PQTConfig:
        check_range(self, "num_examples", 0, 64)
        check_range(self, "num_tests", *self.tests_range)
        check_bool_field(self, "original")
        for name, (low, high) in self.bounds.items():
            check_range(self, name, low, high)
        if hasattr(self, "min_length") and hasattr(self, "max_length") and self.min_length > self.max_length:
            raise ValueError(
                f"{type(self).__name__}.min_length must be <= max_length ({self.max_length}), got {self.min_length}"
            )
        return self


def pqt_config(
    name: str,
    doc: str,
    *,
    module: str,
    num_examples: int = 3,
    num_tests: int = 16,
    tests_range: tuple[int, int] = (1, 1024),
    **fields: tuple[int, tuple[int, ...], int, int],
) -> type[PQTConfig]:
    """A PQTConfig subclass whose integer fields are `field=(default, levels, low, high)`.

    `levels` are the difficulty levels (easiest first; empty for fields that
    are not difficulty attributes); `validate()` checks each field against
    [low, high] and names it on failure. `module` is the module that binds
    the class to the attribute `name` (pass `__name__`), so that pickle finds
    it by name on remote workers.
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
    cls.__module__ = module
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

    config: PQTConfig  # a subclass made by make_dataclass: its own fields are not visible to a type checker
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
        py_rng = python_random(rng)
        if cfg.original:
            if not self.has_original:
                raise ValueError(
                    f"task family {self.name!r} has no brain_coder original cases (see curricula/families/pqt/)"
                )
            params = {**self.fixed_params(), **self.original_params}
            example_inputs = self._inputs(py_rng, params, cfg.num_examples)
            examples = [(x, self.solve(x, **params)) for x in example_inputs]
            tests = self.original_cases()
        else:
            params = {**self.fixed_params(), **self.draw_params(py_rng)}
            inputs = self._inputs(py_rng, params, cfg.num_examples + cfg.num_tests)
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
        body = _DEF_NAME.sub("def solve(", body, count=1)  # table families name their solver after the task
        params = self.instance_params(instance)
        call = ", ".join(["data"] + [f"{k}={v!r}" for k, v in params.items()])
        return (
            "import sys\n\n\n" + body + "\n\n\n"
            "data = list(sys.stdin.buffer.read())\n"
            f"sys.stdout.buffer.write(bytes(solve({call})))\n"
        )


_DEF_NAME = re.compile(r"^def \w+\(", re.MULTILINE)

_EMULATOR_PROGRAM = """import sys

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
"""


def run_known(code: str, inputs: list[list[int]], base: int = 256) -> list[tuple[list[int], list[int]]]:
    """brain_coder's KnownCodeBaseTask: the expected output is the known program's output."""
    import esolangs

    cases = []
    for values in inputs:
        result = esolangs.run("bf", code, bytes(values), max_steps=PQT_MAX_STEPS, **run_options(base))
        if result.status != esolangs.OK:
            raise RuntimeError(f"brain_coder's program {code!r} failed on input {values}: {result.status}")
        cases.append((values, list(result.output)))
    return cases


def known_inputs(make_input: Callable[[Py2Random], list[int]], n: int = 16) -> list[list[int]]:
    """`n` inputs of brain_coder's fixed cases: `make_input` fed by its seeded Python 2 RNG."""
    rand = Py2Random(BRAIN_CODER_SEED)
    return [make_input(rand) for _ in range(n)]


def default_input_fn(min_length: int = 1, max_length: int = 6, base: int = 256) -> Callable[[Py2Random], list[int]]:
    """brain_coder's `default_input_fn_factory`."""

    def make(rand: Py2Random) -> list[int]:
        length = rand.randrange(min_length, max_length + 1)
        return [rand.randrange(base) for _ in range(length)]

    return make


PQT_CLASSES: dict[str, type[PQTFamily]] = {}
"""Every PQT family class by task name, filled by `@pqt_family`."""


_Family = TypeVar("_Family", bound="PQTFamily")


def pqt_family(cls: type[_Family]) -> type[_Family]:
    """Register a PQT family globally and in `PQT_CLASSES`."""
    register_family(cls)
    PQT_CLASSES[cls.name] = cls
    return cls


def python_random(rng: np.random.Generator) -> random.Random:
    """A `random.Random` seeded by one 63-bit draw from the instance's Generator.

    Randomness still comes only from SeedSequence([seed, index]); a scalar
    draw from Python's generator costs a fraction of numpy's per-call
    overhead, and an instance makes dozens of them.
    """
    return random.Random(int(rng.integers(1 << 63)))


def rint(rng: random.Random, low: int, high: int) -> int:
    """Uniform integer in [low, high] as floor(random() * span), like `random.choices` (a third of randint's cost)."""
    if high < low:
        raise ValueError(f"empty range: low {low} > high {high}")
    return low + int(rng.random() * (high - low + 1))


def int_list(rng: random.Random, length: int, low: int, high: int) -> list[int]:
    """`length` uniform integers in [low, high]."""
    return rng.choices(range(low, high + 1), k=length)


def draw_length(rng: random.Random, cfg: Any) -> int:
    """A list length in the config's [min_length, max_length]."""
    return rint(rng, cfg.min_length, cfg.max_length)


@cache
def _original_known_cached(name: str) -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
    cls: Any = PQT_CLASSES[name]  # a KnownCode family: known_bf is set and original_input_fn is defined
    cases = run_known(cls.known_bf, known_inputs(cls.original_input_fn()), base=256)
    return tuple((tuple(i), tuple(o)) for i, o in cases)


def original_known(name: str) -> list[tuple[list[int], list[int]]]:
    """brain_coder's cases of a KnownCode task: its `original_input_fn` inputs and the known program's outputs."""
    return [(list(i), list(o)) for i, o in _original_known_cached(name)]
