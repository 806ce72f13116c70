"""The `primitives` suite: tiny curriculum steps with reduced token spaces for RL from scratch.

Each family is one skill (emit a byte, echo a byte, echo everything, add a
constant, ...) whose difficulty attributes (byte-value range, string
length, repeat count, constant) have ordered levels; `at_level(0)` of every
family asks for a single small output byte, which a random Brainfuck
program such as `+.` or `,.` can hit by chance, and each level widens the
space a little. `PRIMITIVES_ORDER` lists the families from easiest to
hardest (each class also carries its rank as `order`).

Inputs are raw bytes with no terminator: the input ends where it ends
(Brainfuck's ',' then reads 0, Befunge's '~' pushes -1), so input bytes
are drawn from 1..max_value and never contain 0. Every family that takes
input draws at least two distinct hidden inputs per instance (level 0:
bytes from {1, 2}), so no program passes without reading its input.

The families without input and without examples (emit-char, emit-string,
emit-repeated) state their target as their spec (`TaskFamily.spec`), which
the token envs encode after the examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from curricula.base import Instance, TaskConfig, TaskFamily, TestCase, check_range, register_family
from curricula.solutions.befunge_codegen import befunge_print, befunge_push
from curricula.solutions.bf_codegen import bf_add, bf_echo_all, bf_map_each, bf_print, bf_repeat
from curricula.suites import Suite, SuiteEntry, register_suite

PRIMITIVES_VERSION = "1"
VALUE_LEVELS = (1, 3, 7, 15, 31, 63, 127, 255)
"""Largest byte value per level: 1 makes `+.` a solution of emit-char."""
LENGTH_LEVELS = (1, 2, 3, 4, 6, 8, 12, 16)
"""Output/input length per level, starting with a single byte."""
INPUT_VALUE_LEVELS = (2, 3, 7, 15, 31, 63, 127, 255)
"""Largest input byte per level: two values at level 0, so the input must be read."""

# Befunge idiom: read a byte, stop at end of input ('~' pushes -1), else fall through to the body.
_BEFUNGE_READ_OR_STOP = "~:1+!#@_"


def _python_program(body: str) -> str:
    return "import sys\n\n" + body.strip() + "\n"


def _python_write(data: bytes) -> str:
    return _python_program(f"sys.stdout.buffer.write({data!r})")


def _byte(rng: np.random.Generator, low: int, high: int) -> int:
    return int(rng.integers(low, high + 1))


def _bytes(rng: np.random.Generator, length: int, low: int, high: int) -> bytes:
    return bytes(int(v) for v in rng.integers(low, high + 1, size=length))


# ---------------------------------------------------------------- configs


@dataclass(frozen=True)
class EmitConfig(TaskConfig):
    """No input: one hidden test; no visible example, since it would be the answer."""

    difficulty: ClassVar[dict[str, tuple[Any, ...]]] = {"max_value": VALUE_LEVELS}
    num_examples: int = 0
    num_tests: int = 1
    max_value: int = 127
    """Bytes to emit are drawn from [1, max_value]."""

    def validate(self) -> EmitConfig:
        super().validate()
        check_range(self, "num_examples", 0, 1)
        check_range(self, "num_tests", 1, 1)
        check_range(self, "max_value", 1, 255)
        return self


@dataclass(frozen=True)
class EmitStringConfig(EmitConfig):
    """A string of `length` bytes."""

    difficulty: ClassVar[dict[str, tuple[Any, ...]]] = {"length": LENGTH_LEVELS, "max_value": VALUE_LEVELS}
    length: int = 8
    """Bytes in the string (1..64)."""

    def validate(self) -> EmitStringConfig:
        super().validate()
        check_range(self, "length", 1, 64)
        return self


@dataclass(frozen=True)
class EmitRepeatedConfig(EmitConfig):
    """One byte repeated `count` times."""

    difficulty: ClassVar[dict[str, tuple[Any, ...]]] = {"count": LENGTH_LEVELS, "max_value": VALUE_LEVELS}
    count: int = 8
    """Times the byte is written (1..255)."""

    def validate(self) -> EmitRepeatedConfig:
        super().validate()
        check_range(self, "count", 1, 255)
        return self


@dataclass(frozen=True)
class ByteInputConfig(TaskConfig):
    """One input byte per test, drawn from [1, max_value]."""

    difficulty: ClassVar[dict[str, tuple[Any, ...]]] = {"max_value": INPUT_VALUE_LEVELS}
    num_examples: int = 2
    num_tests: int = 8
    max_value: int = 255
    """Input bytes are drawn from [1, max_value]."""

    def validate(self) -> ByteInputConfig:
        super().validate()
        check_range(self, "max_value", 1, 255)
        return self


@dataclass(frozen=True)
class SequenceInputConfig(ByteInputConfig):
    """Input of 1..max_length bytes from [1, max_value]."""

    difficulty: ClassVar[dict[str, tuple[Any, ...]]] = {"max_length": LENGTH_LEVELS, "max_value": INPUT_VALUE_LEVELS}
    max_length: int = 8
    """Longest input (1..256); lengths are drawn from [1, max_length]."""

    def validate(self) -> SequenceInputConfig:
        super().validate()
        check_range(self, "max_length", 1, 256)
        return self


@dataclass(frozen=True)
class AddConstantConfig(SequenceInputConfig):
    """Add `constant` (mod 256) to every input byte."""

    difficulty: ClassVar[dict[str, tuple[Any, ...]]] = {
        "constant": (1, 1, 2, 3, 5, 8, 16, 32),
        "max_length": LENGTH_LEVELS,
        "max_value": INPUT_VALUE_LEVELS,
    }
    constant: int = 3
    """The constant added to each byte (1..255; the sum wraps at 256)."""

    def validate(self) -> AddConstantConfig:
        super().validate()
        check_range(self, "constant", 1, 255)
        return self


@dataclass(frozen=True)
class CountDownConfig(TaskConfig):
    """One input digit per test, drawn from ['0', max_digit]."""

    difficulty: ClassVar[dict[str, tuple[Any, ...]]] = {"max_digit": (1, 2, 3, 5, 7, 9)}
    num_examples: int = 2
    num_tests: int = 8
    max_digit: int = 9
    """Largest digit in the input (0..9)."""

    def validate(self) -> CountDownConfig:
        super().validate()
        check_range(self, "max_digit", 0, 9)
        return self


# ---------------------------------------------------------------- family base


class _PrimitiveFamily(TaskFamily):
    """Shared assembly; subclasses draw their test cases with `cases(rng)` and describe the task."""

    suite: ClassVar[str] = "primitives"
    order: ClassVar[int]
    default_max_steps: ClassVar[int] = 10_000

    def cases(self, rng: np.random.Generator, count: int) -> tuple[list[TestCase], dict[str, Any]]:
        """`count` cases and the instance parameters the description mentions."""
        raise NotImplementedError

    def describe(self, params: dict[str, Any]) -> str:
        raise NotImplementedError

    def generate(self, rng: np.random.Generator, seed: int, index: int) -> Instance:
        cfg = self.config
        cases, params = self.cases(rng, cfg.num_examples + cfg.num_tests)
        cases = self._with_distinct_inputs(rng, cases, cfg.num_examples)
        fields = cfg.to_dict()
        return Instance(
            family=self.name,
            description=self.describe(params),
            io_format=self.io_format.format(**fields),
            examples=tuple(cases[: cfg.num_examples]),
            tests=tuple(cases[cfg.num_examples :]),
            config=fields,
            seed=seed,
            index=index,
            suite="primitives",
            max_steps=self.default_max_steps,
        )

    def _with_distinct_inputs(self, rng: np.random.Generator, cases: list[TestCase], first_test: int) -> list[TestCase]:
        """`cases`, unless every hidden test reads the same input: then the last one is redrawn until its input differs.

        Hidden tests that share one input can be passed by a program that
        never reads it (`+.` for echo-byte on the byte 1). Only such draws
        change, so the instances of wide configs (the pinned suite) stay as they were.
        """
        tests = cases[first_test:]
        if len(tests) < 2 or not tests[0].input or any(t.input != tests[0].input for t in tests):
            return cases
        for _ in range(64):  # a config with a single possible input (e.g. max_value=1) keeps its repeats
            (candidate,), _ = self.cases(rng, 1)
            if candidate.input != tests[0].input:
                return [*cases[:-1], candidate]
        return cases


class _ConstantOutput(_PrimitiveFamily):
    """No input and one fixed target: every solution hook prints the target."""

    def target(self, rng: np.random.Generator) -> bytes:
        raise NotImplementedError

    def cases(self, rng: np.random.Generator, count: int) -> tuple[list[TestCase], dict[str, Any]]:
        data = self.target(rng)
        return [TestCase(b"", data)] * count, {"data": data}

    @staticmethod
    def _target_of(instance: Instance) -> bytes:
        return instance.tests[0].output

    spec_fields: ClassVar[tuple[str, ...]] = ("bytes to output",)

    @classmethod
    def spec(cls, instance: Instance) -> tuple[int | bytes, ...]:
        return (cls._target_of(instance),)

    @classmethod
    def visible_output(cls, instance: Instance) -> bytes | None:
        # The spec states the target (the bytes, or the byte and its count), so the target is no secret.
        return cls._target_of(instance)

    def bf_solution(self, instance: Instance) -> str:
        return bf_print(self._target_of(instance))

    def befunge_solution(self, instance: Instance) -> str:
        return befunge_print(self._target_of(instance))

    def python_solution(self, instance: Instance) -> str:
        return _python_write(self._target_of(instance))


def _befunge_loop(head: str, body: str) -> str:
    """`head` once, then `body` repeated while the value it leaves on top is nonzero (that value is popped).

    Two rows: the body runs rightwards on row 0 and turns down into a `_`
    on row 1, which exits right to `@` on zero and otherwise runs left
    back to the `^` under the loop's `>`.
    """
    return head + ">" + body + "v\n" + " " * len(head) + "^" + " " * len(body) + "_@"


def _byte_list(data: bytes) -> str:
    return "[" + ", ".join(str(b) for b in data) + "]"


# ---------------------------------------------------------------- families, easiest first


@register_family
class EmitChar(_ConstantOutput):
    """Emit one given byte (value 1..max_value). Level 0: the byte 1."""

    name = "emit-char"
    summary = "Output one given byte"
    order = 0
    config_class = EmitConfig
    config: EmitConfig
    io_format = "No input. Output: exactly one byte."
    spec_fields = ("byte to output",)

    def target(self, rng: np.random.Generator) -> bytes:
        return bytes([_byte(rng, 1, self.config.max_value)])

    def describe(self, params: dict[str, Any]) -> str:
        return f"Output the single byte with value {params['data'][0]}, and nothing else. There is no input."


@register_family
class EchoByte(_PrimitiveFamily):
    """Read one byte and write it back."""

    name = "echo-byte"
    summary = "Echo one input byte"
    order = 1
    config_class = ByteInputConfig
    config: ByteInputConfig
    io_format = "Input: one byte (1..{max_value}). Output: that byte."

    def cases(self, rng: np.random.Generator, count: int) -> tuple[list[TestCase], dict[str, Any]]:
        values = _bytes(rng, count, 1, self.config.max_value)
        return [TestCase(bytes([v]), bytes([v])) for v in values], {}

    def describe(self, params: dict[str, Any]) -> str:
        return "Read one byte from the input and output it unchanged."

    def bf_solution(self, instance: Instance) -> str:
        return ",."

    def befunge_solution(self, instance: Instance) -> str:
        return "~,@"

    def python_solution(self, instance: Instance) -> str:
        return _python_program("sys.stdout.buffer.write(sys.stdin.buffer.read(1))")


@register_family
class IncrementByte(_PrimitiveFamily):
    """Read one byte b and write (b + 1) mod 256."""

    name = "increment-byte"
    summary = "Output the input byte plus one"
    order = 2
    config_class = ByteInputConfig
    config: ByteInputConfig
    io_format = "Input: one byte (1..{max_value}). Output: one byte, the input plus 1 modulo 256."

    def cases(self, rng: np.random.Generator, count: int) -> tuple[list[TestCase], dict[str, Any]]:
        values = _bytes(rng, count, 1, self.config.max_value)
        return [TestCase(bytes([v]), bytes([(v + 1) % 256])) for v in values], {}

    def describe(self, params: dict[str, Any]) -> str:
        return "Read one byte and output the byte whose value is one more (255 becomes 0)."

    def bf_solution(self, instance: Instance) -> str:
        return ",+."

    def befunge_solution(self, instance: Instance) -> str:
        return "~1+,@"

    def python_solution(self, instance: Instance) -> str:
        return _python_program("b = sys.stdin.buffer.read(1)[0]\nsys.stdout.buffer.write(bytes([(b + 1) % 256]))")


@register_family
class EchoTwiceByte(_PrimitiveFamily):
    """Read one byte and write it twice."""

    name = "echo-twice-byte"
    summary = "Output the input byte twice"
    order = 3
    config_class = ByteInputConfig
    config: ByteInputConfig
    io_format = "Input: one byte (1..{max_value}). Output: that byte twice."

    def cases(self, rng: np.random.Generator, count: int) -> tuple[list[TestCase], dict[str, Any]]:
        values = _bytes(rng, count, 1, self.config.max_value)
        return [TestCase(bytes([v]), bytes([v, v])) for v in values], {}

    def describe(self, params: dict[str, Any]) -> str:
        return "Read one byte and output it two times."

    def bf_solution(self, instance: Instance) -> str:
        return ",.."

    def befunge_solution(self, instance: Instance) -> str:
        return "~:,,@"

    def python_solution(self, instance: Instance) -> str:
        return _python_program("b = sys.stdin.buffer.read(1)\nsys.stdout.buffer.write(b + b)")


@register_family
class EmitRepeated(_ConstantOutput):
    """Emit one given byte `count` times. Level 0: the byte 1, once."""

    name = "emit-repeated"
    summary = "Output one given byte a given number of times"
    order = 4
    config_class = EmitRepeatedConfig
    config: EmitRepeatedConfig
    io_format = "No input. Output: {count} equal bytes."
    spec_fields = ("byte to output", "times to output it")

    @classmethod
    def spec(cls, instance: Instance) -> tuple[bytes, int]:
        data = cls._target_of(instance)
        return data[:1], len(data)

    def target(self, rng: np.random.Generator) -> bytes:
        return bytes([_byte(rng, 1, self.config.max_value)]) * self.config.count

    def describe(self, params: dict[str, Any]) -> str:
        data = params["data"]
        times = "once" if len(data) == 1 else f"{len(data)} times"
        return f"Output the byte with value {data[0]} {times}, and nothing else. There is no input."

    def bf_solution(self, instance: Instance) -> str:
        data = self._target_of(instance)
        # Set the byte once, then print it from a counted loop (two cells right: the counter).
        return bf_add(data[0]) + bf_repeat(len(data), ".")

    def befunge_solution(self, instance: Instance) -> str:
        data = self._target_of(instance)
        if len(data) <= 4:
            return befunge_print(data)
        # Stack [byte, remaining]: print the byte, decrement, loop while any remain.
        return _befunge_loop(befunge_push(data[0]) + befunge_push(len(data)), "\\:,\\1-:")

    def python_solution(self, instance: Instance) -> str:
        return _python_write(self._target_of(instance))


@register_family
class EmitString(_ConstantOutput):
    """Emit a given string of `length` bytes (values 1..max_value). Level 0: the single byte 1."""

    name = "emit-string"
    summary = "Output a given string of k bytes"
    order = 5
    config_class = EmitStringConfig
    config: EmitStringConfig
    io_format = "No input. Output: exactly {length} bytes."

    def target(self, rng: np.random.Generator) -> bytes:
        return _bytes(rng, self.config.length, 1, self.config.max_value)

    def describe(self, params: dict[str, Any]) -> str:
        data = params["data"]
        shown = f' (the text "{data.decode()}")' if all(32 <= b < 127 for b in data) else ""
        return f"Output exactly the bytes {_byte_list(data)}{shown}, and nothing else. There is no input."


@register_family
class EchoAll(_PrimitiveFamily):
    """Copy all input to the output."""

    name = "echo-all"
    summary = "Echo every input byte"
    order = 6
    config_class = SequenceInputConfig
    config: SequenceInputConfig
    io_format = "Input: 1 to {max_length} bytes (1..{max_value}), then end of input. Output: the same bytes."

    def cases(self, rng: np.random.Generator, count: int) -> tuple[list[TestCase], dict[str, Any]]:
        cfg = self.config
        texts = [_bytes(rng, _byte(rng, 1, cfg.max_length), 1, cfg.max_value) for _ in range(count)]
        return [TestCase(t, t) for t in texts], {}

    def describe(self, params: dict[str, Any]) -> str:
        return "Read the whole input and output it unchanged."

    def bf_solution(self, instance: Instance) -> str:
        return bf_echo_all()

    def befunge_solution(self, instance: Instance) -> str:
        return _BEFUNGE_READ_OR_STOP + ","

    def python_solution(self, instance: Instance) -> str:
        return _python_program("sys.stdout.buffer.write(sys.stdin.buffer.read())")


@register_family
class DuplicateEach(_PrimitiveFamily):
    """Write every input byte twice in a row ("abc" -> "aabbcc")."""

    name = "duplicate-each"
    summary = "Echo every input byte twice in a row"
    order = 7
    config_class = SequenceInputConfig
    config: SequenceInputConfig
    io_format = "Input: 1 to {max_length} bytes (1..{max_value}). Output: each byte twice, in order."

    def cases(self, rng: np.random.Generator, count: int) -> tuple[list[TestCase], dict[str, Any]]:
        cfg = self.config
        texts = [_bytes(rng, _byte(rng, 1, cfg.max_length), 1, cfg.max_value) for _ in range(count)]
        return [TestCase(t, bytes(b for b in t for _ in range(2))) for t in texts], {}

    def describe(self, params: dict[str, Any]) -> str:
        return 'Read the whole input and output every byte twice in a row (for example "abc" becomes "aabbcc").'

    def bf_solution(self, instance: Instance) -> str:
        return bf_map_each("..")

    def befunge_solution(self, instance: Instance) -> str:
        return _BEFUNGE_READ_OR_STOP + ":,,"

    def python_solution(self, instance: Instance) -> str:
        return _python_program("sys.stdout.buffer.write(bytes(b for b in sys.stdin.buffer.read() for _ in range(2)))")


@register_family
class AddConstant(_PrimitiveFamily):
    """Add a constant c to every input byte, modulo 256."""

    name = "add-constant"
    summary = "Add a constant to every input byte"
    order = 8
    config_class = AddConstantConfig
    config: AddConstantConfig
    io_format = "Input: 1 to {max_length} bytes (1..{max_value}). Output: each byte plus {constant}, modulo 256."

    def cases(self, rng: np.random.Generator, count: int) -> tuple[list[TestCase], dict[str, Any]]:
        cfg = self.config
        texts = [_bytes(rng, _byte(rng, 1, cfg.max_length), 1, cfg.max_value) for _ in range(count)]
        return [TestCase(t, bytes((b + cfg.constant) % 256 for b in t)) for t in texts], {"constant": cfg.constant}

    def describe(self, params: dict[str, Any]) -> str:
        return f"Read the whole input and output every byte increased by {params['constant']} (values wrap around modulo 256)."

    def bf_solution(self, instance: Instance) -> str:
        return bf_map_each(bf_add(instance.config["constant"]) + ".")

    def befunge_solution(self, instance: Instance) -> str:
        return _BEFUNGE_READ_OR_STOP + befunge_push(instance.config["constant"]) + "+,"

    def python_solution(self, instance: Instance) -> str:
        c = instance.config["constant"]
        return _python_program(f"sys.stdout.buffer.write(bytes((b + {c}) % 256 for b in sys.stdin.buffer.read()))")


@register_family
class CountDownDigits(_PrimitiveFamily):
    """Read one decimal digit d and write the digits d, d-1, ..., 0 ("3" -> "3210"). Level 0: "0" -> "0"."""

    name = "count-down-digits"
    summary = "Write the digits from the input digit down to 0"
    order = 9
    config_class = CountDownConfig
    config: CountDownConfig
    io_format = (
        "Input: one digit character 0..{max_digit}. Output: the digit characters from it down to 0, no separators."
    )

    def cases(self, rng: np.random.Generator, count: int) -> tuple[list[TestCase], dict[str, Any]]:
        digits = [_byte(rng, 0, self.config.max_digit) for _ in range(count)]
        return [TestCase(str(d).encode(), "".join(str(k) for k in range(d, -1, -1)).encode()) for d in digits], {}

    def describe(self, params: dict[str, Any]) -> str:
        return 'Read one decimal digit and output the digits from it down to 0 (for example "3" gives "3210").'

    def bf_solution(self, instance: Instance) -> str:
        # cell1 = the character to print, cell2 = how many remain (digit + 1).
        return ",[>+>+<<-]>>" + bf_add(-(ord("0") - 1)) + "[<.->-]"

    def befunge_solution(self, instance: Instance) -> str:
        # Stack [character, remaining]; the loop prints, decrements both, and stops at zero remaining.
        return _befunge_loop('~:"/"-', "\\:,1-\\1-:")

    def python_solution(self, instance: Instance) -> str:
        return _python_program(
            "d = int(sys.stdin.buffer.read(1))\nsys.stdout.write(''.join(str(k) for k in range(d, -1, -1)))"
        )


PRIMITIVE_FAMILIES: tuple[type[_PrimitiveFamily], ...] = tuple(
    sorted(
        (
            EmitChar,
            EchoByte,
            IncrementByte,
            EchoTwiceByte,
            EmitRepeated,
            EmitString,
            EchoAll,
            DuplicateEach,
            AddConstant,
            CountDownDigits,
        ),
        key=lambda cls: cls.order,
    )
)
PRIMITIVES_ORDER: tuple[str, ...] = tuple(cls.name for cls in PRIMITIVE_FAMILIES)
"""Family names from easiest to hardest."""

PRIMITIVES_SUITE = register_suite(
    Suite(
        "primitives",
        version=PRIMITIVES_VERSION,
        summary="Curriculum steps for RL from scratch: emit, echo, repeat, add, count down (easiest first)",
        entries=tuple(SuiteEntry(name, 100) for name in PRIMITIVES_ORDER),
    )
)
