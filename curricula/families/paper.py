"""The `paper` suite: the esolang study of Han, Pari, Gershman & Agrawal (2025), as a fixed, versioned benchmark.

"General Reasoning Requires Learning to Reason from the Get-go" (arXiv
2502.19402; later "General Intelligence Requires Reward-based
Pretraining") asked LLMs, given the syntax rules and demonstrations, to
write Brainfuck programs for Print (676 instances: every two-letter
lowercase string), Copy (100) and Sort (100), and Befunge programs for
Print (100), Fibonacci (1) and Factorial (15).

The paper gives the task names and counts but not the exact input formats,
lengths or output conventions. The choices made here are stated in each
family's docstring, fixed by `PAPER_VERSION`, and pinned by a fingerprint
test: a change to any of them must bump the version.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from curricula.base import Instance, TaskConfig, TaskFamily, TestCase, check_range, register_family
from curricula.solutions.befunge_codegen import befunge_print, befunge_push
from curricula.solutions.bf_codegen import bf_counting_sort, bf_echo_all, bf_print
from curricula.suites import Suite, SuiteEntry, register_suite

PAPER_VERSION = "1"
BF = "bf"
BEFUNGE = "befunge93"
TWO_LETTER_COUNT = 26 * 26


def two_letter_string(index: int) -> str:
    """The `index`-th two-letter lowercase string in "aa", "ab", ..., "zz" order."""
    if not 0 <= index < TWO_LETTER_COUNT:
        raise ValueError(f"two-letter index must be in [0, {TWO_LETTER_COUNT - 1}], got {index}")
    first, second = divmod(index, 26)
    return string.ascii_lowercase[first] + string.ascii_lowercase[second]


def _python_print(data: bytes) -> str:
    return f"import sys\n\nsys.stdout.buffer.write({data!r})\n"


def _random_text(rng: np.random.Generator, alphabet: str, low: int, high: int) -> str:
    length = int(rng.integers(low, high + 1))
    return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), size=length))


class _PaperFamily(TaskFamily):
    """Shared instance assembly: every paper family is tied to one language and scored all-or-nothing."""

    suite: ClassVar[str] = "paper"
    language: ClassVar[str]

    def _instance(self, seed: int, index: int, description: str, cases: list[TestCase]) -> Instance:
        cfg = self.config
        examples = tuple(cases[: cfg.num_examples])
        return Instance(
            family=self.name,
            description=description,
            io_format=self.io_format,
            examples=examples,
            tests=tuple(cases[cfg.num_examples :]),
            config=cfg.to_dict(),
            seed=seed,
            index=index,
            suite="paper",
            language=self.language,
            max_steps=self.default_max_steps,
            scoring={"mode": "binary"},
        )


# ---------------------------------------------------------------- constant-output tasks


@dataclass(frozen=True)
class ConstantOutputConfig(TaskConfig):
    """A task with no input: one hidden test, and no visible example (it would give the answer away)."""

    num_examples: int = 0
    num_tests: int = 1

    def validate(self) -> ConstantOutputConfig:
        super().validate()
        check_range(self, "num_examples", 0, 1)
        check_range(self, "num_tests", 1, 1)
        return self


@register_family
class PaperBfPrint(_PaperFamily):
    """Brainfuck Print: print one two-letter lowercase string; instance i <-> the i-th string of "aa".."zz".

    No input; the expected output is exactly the two letters (no newline).
    The seed does not change the instances: the set is the 676 strings.
    """

    name = "paper-bf-print"
    summary = "Print a given two-letter lowercase string (all 676, aa..zz)"
    config_class = ConstantOutputConfig
    config: ConstantOutputConfig
    size = TWO_LETTER_COUNT
    language = BF
    io_format = "No input. Output: exactly the two letters, with nothing before or after them."
    default_max_steps = 10_000
    spec_fields = ("string to print",)

    @classmethod
    def spec(cls, instance: Instance) -> tuple[bytes]:
        return (instance.tests[0].output,)

    @classmethod
    def visible_output(cls, instance: Instance) -> bytes | None:
        return instance.tests[0].output  # the spec states the string to print

    def target(self, instance: Instance) -> bytes:
        return instance.tests[0].output

    def generate(self, rng: np.random.Generator, seed: int, index: int) -> Instance:
        text = two_letter_string(index)
        description = f'Write a program that prints exactly the two-letter string "{text}". It reads no input.'
        cases = [TestCase(b"", text.encode())] * (self.config.num_examples + self.config.num_tests)
        return self._instance(seed, index, description, cases)

    def bf_solution(self, instance: Instance) -> str:
        return bf_print(self.target(instance))

    def python_solution(self, instance: Instance) -> str:
        return _python_print(self.target(instance))


@dataclass(frozen=True)
class BefungePrintConfig(ConstantOutputConfig):
    """Length range of the word to print."""

    difficulty: ClassVar[dict[str, tuple[Any, ...]]] = {"max_length": (2, 4, 6, 8, 10, 16)}
    min_length: int = 2
    """Shortest word."""
    max_length: int = 10
    """Longest word (<= 64)."""

    def validate(self) -> BefungePrintConfig:
        super().validate()
        check_range(self, "min_length", 1, 64)
        check_range(self, "max_length", self.min_length, 64)
        return self


@register_family
class PaperBefungePrint(_PaperFamily):
    """Befunge Print: print a seeded random lowercase word of 2 to 10 letters (our choice; the paper gives no lengths).

    No input; the expected output is exactly the word (no newline).
    """

    name = "paper-befunge-print"
    summary = "Print a given lowercase word of 2-10 letters"
    config_class = BefungePrintConfig
    config: BefungePrintConfig
    language = BEFUNGE
    io_format = "No input. Output: exactly the word, with nothing before or after it."
    default_max_steps = 10_000
    spec_fields = ("string to print",)

    @classmethod
    def spec(cls, instance: Instance) -> tuple[bytes]:
        return (instance.tests[0].output,)

    @classmethod
    def visible_output(cls, instance: Instance) -> bytes | None:
        return instance.tests[0].output  # the spec states the string to print

    def generate(self, rng: np.random.Generator, seed: int, index: int) -> Instance:
        cfg = self.config
        text = _random_text(rng, string.ascii_lowercase, cfg.min_length, cfg.max_length)
        description = f'Write a program that prints exactly the string "{text}". It reads no input.'
        cases = [TestCase(b"", text.encode())] * (cfg.num_examples + cfg.num_tests)
        return self._instance(seed, index, description, cases)

    def befunge_solution(self, instance: Instance) -> str:
        return befunge_print(instance.tests[0].output)

    def bf_solution(self, instance: Instance) -> str:
        return bf_print(instance.tests[0].output)

    def python_solution(self, instance: Instance) -> str:
        return _python_print(instance.tests[0].output)


@dataclass(frozen=True)
class FibonacciConfig(ConstantOutputConfig):
    """How many Fibonacci numbers to print."""

    count: int = 10
    """Numbers F(0)..F(count-1) to print; <= 47 keeps them within a 32-bit Befunge cell."""

    def validate(self) -> FibonacciConfig:
        super().validate()
        check_range(self, "count", 1, 47)
        return self


def number_list_output(values: list[int]) -> bytes:
    """Each number in decimal followed by one space: exactly what Befunge's '.' writes."""
    return "".join(f"{v} " for v in values).encode()


@register_family
class PaperBefungeFibonacci(_PaperFamily):
    """Befunge Fibonacci: print the first 10 Fibonacci numbers, 0 1 1 2 3 5 8 13 21 34.

    Our choices (the paper does not state them): no input; F(0) = 0 comes
    first; each number is written in decimal followed by one space, which
    is exactly what Befunge's '.' writes, so the output is
    "0 1 1 2 3 5 8 13 21 34 " (trailing space, no newline). One instance.
    """

    name = "paper-befunge-fibonacci"
    summary = "Print the first 10 Fibonacci numbers, each followed by a space"
    config_class = FibonacciConfig
    config: FibonacciConfig
    size = 1
    language = BEFUNGE
    io_format = (
        "No input. Output: the numbers in decimal, each followed by a single space (as Befunge's '.' writes them)."
    )
    default_max_steps = 20_000
    spec_fields = ("how many numbers",)

    @classmethod
    def spec(cls, instance: Instance) -> tuple[int]:
        return (int(instance.config["count"]),)

    def generate(self, rng: np.random.Generator, seed: int, index: int) -> Instance:
        count = self.config.count
        values = [0, 1]
        while len(values) < count:
            values.append(values[-1] + values[-2])
        output = number_list_output(values[:count])
        description = (
            f"Write a program that prints the first {count} Fibonacci numbers, starting 0, 1, 1, 2, ..., "
            "each in decimal followed by a single space. It reads no input."
        )
        cases = [TestCase(b"", output)] * (self.config.num_examples + self.config.num_tests)
        return self._instance(seed, index, description, cases)

    def befunge_solution(self, instance: Instance) -> str:
        count = instance.config["count"]
        # Stack holds (a, b) with b on top; a is parked at (0, 5) while the
        # next pair (b, a + b) is formed, and the countdown lives at (1, 5).
        loop = "\\:.05p:05g+15g1-:15pv"
        head = befunge_push(count) + "15p01"
        # Row 1 holds the exit test under the 'v' and the way back up to the '>' that starts the loop.
        row1 = " " * len(head) + "^" + " " * (len(loop) - 1) + "_@"
        return head + ">" + loop + "\n" + row1

    def python_solution(self, instance: Instance) -> str:
        count = instance.config["count"]
        return (
            "import sys\n\n"
            f"a, b = 0, 1\nparts = []\nfor _ in range({count}):\n"
            "    parts.append(f'{a} ')\n    a, b = b, a + b\n"
            "sys.stdout.write(''.join(parts))\n"
        )


@register_family
class PaperBefungeFactorial(_PaperFamily):
    """Befunge Factorial: print n! for n = index + 1 (15 instances, n = 1..15).

    Our choices (the paper gives only the count): no input; the output is
    n! in decimal followed by one space, as Befunge's '.' writes it. 13!,
    14! and 15! exceed a 32-bit Befunge cell, so those instances need
    multi-cell arithmetic; the reference solution keeps n! in two base-10^6
    limbs stored in the grid.
    """

    name = "paper-befunge-factorial"
    summary = "Print n! (n = 1..15) in decimal followed by a space"
    config_class = ConstantOutputConfig
    config: ConstantOutputConfig
    size = 15
    language = BEFUNGE
    io_format = "No input. Output: n! in decimal followed by a single space (as Befunge's '.' writes it)."
    default_max_steps = 20_000
    spec_fields = ("n",)

    @staticmethod
    def n_of(instance: Instance) -> int:
        return instance.index + 1

    @classmethod
    def spec(cls, instance: Instance) -> tuple[int]:
        return (cls.n_of(instance),)

    def generate(self, rng: np.random.Generator, seed: int, index: int) -> Instance:
        n = index + 1
        output = f"{math.factorial(n)} ".encode()
        description = (
            f"Write a program that prints {n}! (the factorial of {n}) in decimal followed by a single space. "
            "It reads no input."
        )
        cases = [TestCase(b"", output)] * (self.config.num_examples + self.config.num_tests)
        return self._instance(seed, index, description, cases)

    def befunge_solution(self, instance: Instance) -> str:
        n = self.n_of(instance)
        if math.factorial(n) < 2**31:
            # Straight-line product 1*2*...*n, printed by '.'.
            return "1" + "".join(befunge_push(k) + "*" for k in range(2, n + 1)) + ".@"
        return _befunge_two_limb_factorial(n)

    def python_solution(self, instance: Instance) -> str:
        n = self.n_of(instance)
        return f"import math\nimport sys\n\nsys.stdout.write(str(math.factorial({n})) + ' ')\n"


def _befunge_two_limb_factorial(n: int) -> str:
    """n! as hi * 10^6 + lo, both limbs in grid cells of the bottom row, then printed digit by digit.

    Row 24 is never part of the code (the layout uses the top rows only):
    lo lives at (0, 24), hi at (1, 24) and the limb base 10^6 at (2, 24).
    """
    from curricula.solutions.befunge_codegen import befunge_layout

    limb = 10**6
    lo_get, lo_put, hi_get, hi_put, base_get = "083*g", "083*p", "183*g", "183*p", "283*g"
    tokens = [befunge_push(limb) + "283*p", "1" + lo_put, "0" + hi_put]
    for k in range(2, n + 1):
        push_k = befunge_push(k)
        # L = lo*k; lo = L % 10^6; hi = hi*k + L / 10^6
        tokens += [lo_get + push_k + "*:", base_get + "%" + lo_put, base_get + "/", hi_get + push_k + "*+" + hi_put]
    high_digits = len(str(math.factorial(n) // limb))
    for get, places in ((hi_get, range(high_digits - 1, -1, -1)), (lo_get, range(5, -1, -1))):
        for place in places:
            tokens.append(get + befunge_push(10**place) + "/" + "91+%" + '"0"+,')
    tokens += ["84*,", "@"]
    return befunge_layout(tokens)


# ---------------------------------------------------------------- input tasks


@dataclass(frozen=True)
class PaperTextConfig(TaskConfig):
    """Input length range; 3 visible examples and 8 hidden tests per instance."""

    difficulty: ClassVar[dict[str, tuple[Any, ...]]] = {"max_length": (2, 4, 8, 12, 16)}
    num_examples: int = 3
    num_tests: int = 8
    min_length: int = 1
    """Shortest input."""
    max_length: int = 16
    """Longest input (<= 256)."""

    def validate(self) -> PaperTextConfig:
        super().validate()
        check_range(self, "min_length", 1, 256)
        check_range(self, "max_length", self.min_length, 256)
        return self


@register_family
class PaperBfCopy(_PaperFamily):
    """Brainfuck Copy: output the input unchanged.

    Our choices: the input is 1 to 16 ASCII letters and digits with no
    newline and nothing after it (reading past the end gives 0 in
    Brainfuck); the expected output is the same bytes.
    """

    name = "paper-bf-copy"
    summary = "Copy the input (1-16 letters/digits) to the output"
    config_class = PaperTextConfig
    config: PaperTextConfig
    language = BF
    io_format = "Input: 1 to {max_length} ASCII letters and digits, no newline. Output: the same characters."
    default_max_steps = 10_000
    alphabet: ClassVar[str] = string.ascii_letters + string.digits

    def generate(self, rng: np.random.Generator, seed: int, index: int) -> Instance:
        cfg = self.config
        texts = [
            _random_text(rng, self.alphabet, cfg.min_length, cfg.max_length)
            for _ in range(cfg.num_examples + cfg.num_tests)
        ]
        cases = [TestCase(t.encode(), t.encode()) for t in texts]
        description = "Write a program that reads its whole input and writes it back unchanged."
        inst = self._instance(seed, index, description, cases)
        return _with_io(inst, self.io_format.format(**cfg.to_dict()))

    def bf_solution(self, instance: Instance) -> str:
        return bf_echo_all()

    def befunge_solution(self, instance: Instance) -> str:
        return "~:1+!#@_,"

    def python_solution(self, instance: Instance) -> str:
        return "import sys\n\nsys.stdout.buffer.write(sys.stdin.buffer.read())\n"


@dataclass(frozen=True)
class PaperSortConfig(PaperTextConfig):
    """Digits to sort: 2 to 8 by default."""

    difficulty: ClassVar[dict[str, tuple[Any, ...]]] = {"max_length": (2, 3, 4, 6, 8)}
    min_length: int = 2
    max_length: int = 8

    def validate(self) -> PaperSortConfig:
        super().validate()
        check_range(self, "max_length", self.min_length, 32)
        return self


@register_family
class PaperBfSort(_PaperFamily):
    """Brainfuck Sort: output the input's digits in ascending order.

    Our choices (the paper gives only the count): the input is 2 to 8
    decimal digit characters ('0'-'9') with no separators, no newline and
    nothing after them (reading past the end gives 0); the output is the
    same digits sorted ascending, e.g. "3141" -> "1134". Small digit
    strings keep a reference Brainfuck solution (a counting sort over the
    ten digit values) within 20k steps.
    """

    name = "paper-bf-sort"
    summary = "Sort 2-8 decimal digits ascending"
    config_class = PaperSortConfig
    config: PaperSortConfig
    language = BF
    io_format = "Input: {min_length} to {max_length} digits 0-9, no separators, no newline. Output: the same digits in ascending order."
    default_max_steps = 100_000

    def generate(self, rng: np.random.Generator, seed: int, index: int) -> Instance:
        cfg = self.config
        texts = [
            _random_text(rng, string.digits, cfg.min_length, cfg.max_length)
            for _ in range(cfg.num_examples + cfg.num_tests)
        ]
        cases = [TestCase(t.encode(), "".join(sorted(t)).encode()) for t in texts]
        description = "Write a program that reads a string of decimal digits and prints the same digits sorted in ascending order."
        inst = self._instance(seed, index, description, cases)
        return _with_io(inst, self.io_format.format(**cfg.to_dict()))

    def bf_solution(self, instance: Instance) -> str:
        return bf_counting_sort(ord("0"), ord("9"))

    def python_solution(self, instance: Instance) -> str:
        return "import sys\n\nsys.stdout.buffer.write(bytes(sorted(sys.stdin.buffer.read())))\n"


def _with_io(instance: Instance, io_format: str) -> Instance:
    import dataclasses

    return dataclasses.replace(instance, io_format=io_format)


PAPER_SUITE = register_suite(
    Suite(
        "paper",
        version=PAPER_VERSION,
        summary="Han et al. (2025) esolang study: BF Print 676 / Copy 100 / Sort 100; Befunge Print 100 / Fibonacci 1 / Factorial 15",
        entries=(
            SuiteEntry("paper-bf-print", TWO_LETTER_COUNT, language=BF),
            SuiteEntry("paper-bf-copy", 100, language=BF),
            SuiteEntry("paper-bf-sort", 100, language=BF),
            SuiteEntry("paper-befunge-print", 100, language=BEFUNGE),
            SuiteEntry("paper-befunge-fibonacci", 1, language=BEFUNGE),
            SuiteEntry("paper-befunge-factorial", 15, language=BEFUNGE),
        ),
    )
)
