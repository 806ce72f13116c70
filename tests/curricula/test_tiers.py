"""Tests of the `tiers` suite: family registry and naming, determinism, every difficulty level, config validation, and the Python and Brainfuck reference solutions."""

from __future__ import annotations

import contextlib
import io
import pickle
import subprocess
import sys

import pytest

import curricula
from curricula import make_task
from curricula.base import TaskConfig
from curricula.families.tiers import MAX_STEPS, TIER_FAMILIES, TIERS, TiersFamily, families_in_tier
from curricula.suites import get_suite
from curricula.verify import execute

ALL = [cls for tier in TIERS for cls in TIER_FAMILIES[tier]]
NAMES = [cls.name for cls in ALL]
WITH_BF = [cls for cls in ALL if cls().bf_solution(cls().instance(0, 0)) is not None]

RESERVED = set(
    [
        "reverse",
        "remove-char",
        "count-char",
        "add",
        "bool-logic",
        "print-hello",
        "echo-twice",
        "echo-thrice",
        "copy-reverse",
        "zero-cascade",
        "cascade",
        "shift-left",
        "shift-right",
        "riffle",
        "unriffle",
        "middle-char",
        "remove-last",
        "remove-last-two",
        "echo-alternating",
        "echo-half",
        "length",
        "echo-second-seq",
        "echo-nth-seq",
        "substring",
        "divide-2",
        "dedup",
        "print",
        "echo",
        "prefix",
        "find",
        "sort3",
        "multiply",
        "divmod",
        "fib",
        "count-down",
        "emit-char",
        "emit-string",
        "echo-byte",
        "echo-all",
        "add-constant",
    ]
)


def run_python(program, stdin: str) -> str:
    """Run a compiled Python reference program in-process with redirected stdin and stdout."""
    out, saved = io.StringIO(), sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out):
            exec(program, {"__name__": "__main__"})
    finally:
        sys.stdin = saved
    return out.getvalue()


_COMPILED: dict[str, object] = {}


def compiled(name: str):
    if name not in _COMPILED:
        cls = curricula.family_class(name)
        _COMPILED[name] = compile(cls.python_program(), f"<{name} reference>", "exec")
    return _COMPILED[name]


# ------------------------------------------------------------------ registry and naming


def test_each_tier_has_at_least_20_families_and_names_are_free():
    for tier in TIERS:
        assert len(families_in_tier(tier)) >= 20, tier
    assert len(NAMES) == len(set(NAMES)) >= 80
    clashes = [n for n in NAMES if n in RESERVED or n.startswith("paper-")]
    assert clashes == []
    for name in NAMES:
        cls = curricula.family_class(name)
        assert issubclass(cls, TiersFamily) and cls.suite == "tiers" and cls.tier in TIERS
        assert cls.summary and "\n" not in cls.summary
        assert issubclass(cls.config_class, TaskConfig)


def test_unknown_tier_is_rejected_with_allowed_values():
    with pytest.raises(ValueError, match="extra-hard"):
        families_in_tier("impossible")


def test_suite_holds_one_instance_of_every_family():
    suite = get_suite("tiers")
    assert suite.version == "1"
    instances = list(suite.instances())
    assert [i.family for i in instances] == [cls.name for tier in TIERS for cls in TIER_FAMILIES[tier]]
    assert all(i.suite == "tiers" and i.language is None for i in instances)


def test_at_least_ten_families_have_brainfuck_solutions():
    assert len(WITH_BF) >= 10


# ------------------------------------------------------------------ determinism and validity


@pytest.mark.parametrize("name", NAMES)
def test_instances_regenerate_from_seed_and_index(name):
    family = make_task(name)
    direct = family.instance(3, 7)
    for i in range(7):
        family.instance(3, i)
    assert make_task(name).instance(3, 7) == direct == family.instance(3, 7)
    if name == "hello-world":  # a fixed task: every instance asks the same thing
        return
    neighbours = [family.instance(3, 6), family.instance(3, 8), family.instance(4, 7), family.instance(7, 3)]
    assert all(n.tests + n.examples != direct.tests + direct.examples for n in neighbours)


@pytest.mark.parametrize("name", NAMES)
def test_every_difficulty_level_gives_valid_instances(name):
    cls = curricula.family_class(name)
    for level in range(cls.config_class.num_levels()):
        family = make_task(name, level=level)
        inst = family.instance(0, level)
        assert inst.family == name and inst.suite == "tiers"
        assert len(inst.tests) == 6 and len(inst.examples) == 3
        assert inst.description.strip() and inst.io_format.strip()
        assert "{" not in inst.io_format  # every placeholder was filled
        assert inst.max_steps == MAX_STEPS and inst.scoring == {"mode": "binary"}
        assert inst.config == family.config.to_dict()
        for case in inst.tests + inst.examples:
            assert case.output.endswith(b"\n") and case.output.isascii() and case.input.isascii()
            assert case.input == b"" or case.input.endswith(b"\n")


def test_levels_grow_the_inputs():
    small = make_task("sort-list", level=0).instance(0, 0)
    large = make_task("sort-list", level=4).instance(0, 0)
    assert max(len(t.input) for t in small.tests) < max(len(t.input) for t in large.tests)
    assert "1000000" in large.io_format and "9" in small.io_format


# ------------------------------------------------------------------ config validation


@pytest.mark.parametrize("name", [n for n in NAMES if curricula.family_class(n).config_class.bounds])
def test_out_of_range_config_names_the_field(name):
    config_class = curricula.family_class(name).config_class
    for field, (low, high) in config_class.bounds.items():
        for bad in (low - 1, high + 1):
            with pytest.raises(ValueError, match=rf"{field}.*\[{low}, {high}\].*{bad}"):
                make_task(name, **{field: bad})
    with pytest.raises(ValueError, match="num_tests"):
        make_task(name, num_tests=0)


def test_unknown_config_field_and_bad_level_are_rejected():
    with pytest.raises(TypeError, match="max_lenght"):
        make_task("sort-list", max_lenght=3)
    with pytest.raises(ValueError, match="level"):
        make_task("sort-list", level=-1)


def test_configs_pickle_by_name():
    for name in ("nth-prime", "sort-list", "fizzbuzz", "two-sum", "hello-world"):
        top = curricula.family_class(name).config_class.num_levels() - 1
        config = make_task(name, level=min(1, top)).config
        assert pickle.loads(pickle.dumps(config)) == config


# ------------------------------------------------------------------ Python reference solutions

# Hand-computed answers: they check the `solve` functions (and so the expected outputs) against
# arithmetic done independently of the code.
SPOT_CHECKS = [
    ("hello-world", "", "Hello, World!\n"),
    ("greet", "Ada\n", "Hello, Ada!\n"),
    ("echo-line", "a b 1\n", "a b 1\n"),
    ("reverse-line", "ab c\n", "c ba\n"),
    ("uppercase", "hello\n", "HELLO\n"),
    ("double-letters", "ab\n", "aabb\n"),
    ("line-length", "\n", "0\n"),
    ("line-length", "hi there\n", "8\n"),
    ("char-code", "A\n", "65\n"),
    ("code-char", "97\n", "a\n"),
    ("digit-sum", "1234\n", "10\n"),
    ("sum-two", "2 3\n", "5\n"),
    ("stars", "3\n", "***\n"),
    ("count-to-n", "3\n", "1\n2\n3\n"),
    ("even-odd", "0\n", "even\n"),
    ("even-odd", "57\n", "odd\n"),
    ("difference", "3 -4\n", "7\n"),
    ("product", "-3 4\n", "-12\n"),
    ("absolute-value", "-5\n", "5\n"),
    ("square", "-7\n", "49\n"),
    ("sign", "0\n", "zero\n"),
    ("sign", "-2\n", "negative\n"),
    ("triangle-number", "4\n", "10\n"),
    ("list-sum", "3\n1 -2 10\n", "9\n"),
    ("list-max", "3\n-5 -2 -9\n", "-2\n"),
    ("list-min", "3\n-5 -2 -9\n", "-9\n"),
    ("count-words", "a bc d\n", "3\n"),
    ("is-palindrome", "racecar\n", "yes\n"),
    ("is-palindrome", "ab\n", "no\n"),
    ("fizzbuzz", "5\n", "1\n2\nFizz\n4\nBuzz\n"),
    ("factorial", "0\n", "1\n"),
    ("factorial", "5\n", "120\n"),
    ("nth-fibonacci", "10\n", "55\n"),
    ("gcd", "12 18\n", "6\n"),
    ("lcm", "4 6\n", "12\n"),
    ("is-prime", "1\n", "no\n"),
    ("is-prime", "2\n", "yes\n"),
    ("is-prime", "91\n", "no\n"),
    ("is-prime", "97\n", "yes\n"),
    ("count-vowels", "hello world\n", "3\n"),
    ("reverse-words", "the quick fox\n", "fox quick the\n"),
    ("sort-list", "4\n3 -1 2 -1\n", "-1 -1 2 3\n"),
    ("to-binary", "0\n", "0\n"),
    ("to-binary", "10\n", "1010\n"),
    ("from-binary", "1010\n", "10\n"),
    ("power", "2 10\n", "1024\n"),
    ("power", "0 0\n", "1\n"),
    ("digital-root", "9875\n", "2\n"),
    ("second-largest", "4\n5 5 3 1\n", "3\n"),
    ("caesar-cipher", "3\nxyz abc\n", "abc def\n"),
    ("capitalize-words", "hello big world\n", "Hello Big World\n"),
    ("are-anagrams", "listen silent\n", "yes\n"),
    ("are-anagrams", "ab abb\n", "no\n"),
    ("leap-year", "1900\n", "no\n"),
    ("leap-year", "2000\n", "yes\n"),
    ("leap-year", "2024\n", "yes\n"),
    ("leap-year", "2023\n", "no\n"),
    ("prefix-sums", "3\n1 2 3\n", "1 3 6\n"),
    ("count-distinct", "5\n1 2 2 3 1\n", "3\n"),
    ("collatz-steps", "6\n", "8\n"),
    ("collatz-steps", "1\n", "0\n"),
    ("median", "3\n5 1 3\n", "3\n"),
    ("nth-prime", "1\n", "2\n"),
    ("nth-prime", "10\n", "29\n"),
    ("nth-prime", "100\n", "541\n"),
    ("base-convert", "16 2 FF\n", "11111111\n"),
    ("base-convert", "10 16 255\n", "FF\n"),
    ("base-convert", "2 10 0\n", "0\n"),
    ("rle-encode", "aaabcc\n", "3a1b2c\n"),
    ("rle-decode", "3a1b2c\n", "aaabcc\n"),
    ("rle-decode", "12z\n", "zzzzzzzzzzzz\n"),
    ("balanced-brackets", "([]{})\n", "yes\n"),
    ("balanced-brackets", "([)]\n", "no\n"),
    ("balanced-brackets", "((\n", "no\n"),
    ("to-roman", "1994\n", "MCMXCIV\n"),
    ("to-roman", "3999\n", "MMMCMXCIX\n"),
    ("from-roman", "MCMXCIV\n", "1994\n"),
    ("prime-factors", "12\n", "2 2 3\n"),
    ("prime-factors", "97\n", "97\n"),
    ("big-add", "99999999999999999999\n1\n", "100000000000000000000\n"),
    ("longest-word", "aa bbb ccc d\n", "bbb\n"),
    ("pascal-row", "4\n", "1 4 6 4 1\n"),
    ("pascal-row", "0\n", "1\n"),
    ("perfect-number", "28\n", "yes\n"),
    ("perfect-number", "12\n", "no\n"),
    ("perfect-number", "1\n", "no\n"),
    ("count-inversions", "4\n3 1 2 0\n", "5\n"),
    ("longest-increasing-run", "6\n1 2 2 3 4 1\n", "3\n"),
    ("max-subarray-sum", "5\n-2 1 -3 4 -1\n", "4\n"),
    ("max-subarray-sum", "2\n-3 -1\n", "-1\n"),
    ("eval-rpn", "3 4 + 2 *\n", "14\n"),
    ("eval-rpn", "5 1 2 + 4 * + 3 -\n", "14\n"),
    ("spell-number", "0\n", "zero\n"),
    ("spell-number", "17\n", "seventeen\n"),
    ("spell-number", "42\n", "forty-two\n"),
    ("spell-number", "105\n", "one hundred five\n"),
    ("spell-number", "110\n", "one hundred ten\n"),
    ("spell-number", "300\n", "three hundred\n"),
    ("spell-number", "999\n", "nine hundred ninety-nine\n"),
    ("most-frequent-word", "b a b a c\n", "a\n"),
    ("primes-up-to", "10\n", "2 3 5 7\n"),
    ("to-hex", "255\n", "FF\n"),
    ("to-hex", "0\n", "0\n"),
    ("matrix-transpose", "2 3\n1 2 3\n4 5 6\n", "1 4\n2 5\n3 6\n"),
    ("longest-ones", "14\n", "3\n"),
    ("longest-ones", "0\n", "0\n"),
    ("two-sum", "4\n2 7 11 15\n9\n", "1 2\n"),
    ("eval-infix", "2 + 3 * 4\n", "14\n"),
    ("eval-infix", "( 2 + 3 ) * 4\n", "20\n"),
    ("eval-infix", "10 - 2 - 3\n", "5\n"),
    ("big-multiply", "123456789\n987654321\n", "121932631112635269\n"),
    ("big-multiply", "0\n12345\n", "0\n"),
    ("big-factorial", "25\n", "15511210043330985984000000\n"),
    ("lcs-length", "abcbdab bdcaba\n", "4\n"),
    ("edit-distance", "kitten sitting\n", "3\n"),
    ("longest-palindromic-substring", "babad\n", "bab\n"),
    ("longest-palindromic-substring", "cbbd\n", "bb\n"),
    ("knapsack", "3 50\n10 60\n20 100\n30 120\n", "220\n"),
    ("n-queens", "1\n", "1\n"),
    ("n-queens", "2\n", "0\n"),
    ("n-queens", "6\n", "4\n"),
    ("n-queens", "8\n", "92\n"),
    ("maze-path", "2 3\nS.E\n###\n", "2\n"),
    ("maze-path", "2 2\nS#\n#E\n", "-1\n"),
    ("matrix-multiply", "2 2 2\n1 2\n3 4\n5 6\n7 8\n", "19 22\n43 50\n"),
    ("determinant", "2\n1 2\n3 4\n", "-2\n"),
    ("determinant", "3\n2 0 0\n0 3 0\n0 0 4\n", "24\n"),
    ("topological-sort", "4 3\n2 1\n3 1\n4 3\n", "2 4 3 1\n"),
    ("connected-components", "5 2\n1 2\n3 4\n", "3\n"),
    ("string-permutations", "aab\n", "aab\naba\nbaa\n"),
    ("next-permutation", "3\n1 2 3\n", "1 3 2\n"),
    ("next-permutation", "3\n3 2 1\n", "1 2 3\n"),
    ("power-of-two", "64\n", "18446744073709551616\n"),
    ("fraction-sum", "1/2 1/3\n", "5/6\n"),
    ("fraction-sum", "1/2 1/2\n", "1/1\n"),
    ("base64-encode", "Man\n", "TWFu\n"),
    ("base64-encode", "Ma\n", "TWE=\n"),
    ("base64-encode", "hello world\n", "aGVsbG8gd29ybGQ=\n"),
    ("life-step", "3 3\n...\n###\n...\n", ".#.\n.#.\n.#.\n"),
    ("coin-change-ways", "3\n1 2 5\n5\n", "4\n"),
    ("lis-length", "8\n10 9 2 5 3 7 101 18\n", "4\n"),
    ("merge-intervals", "3\n1 3\n3 5\n7 8\n", "1 5\n7 8\n"),
    ("longest-unique-substring", "abcabcbb\n", "3\n"),
    ("integer-sqrt", "99\n", "9\n"),
    ("integer-sqrt", "1" + "0" * 40 + "\n", "1" + "0" * 20 + "\n"),
]


@pytest.mark.parametrize("name, stdin, expected", SPOT_CHECKS)
def test_python_reference_matches_hand_computed_answers(name, stdin, expected):
    assert run_python(compiled(name), stdin) == expected
    assert make_task(name).answer(stdin) == expected


def test_times_table_and_fizzbuzz_shapes():
    table = run_python(compiled("times-table"), "7\n").splitlines()
    assert len(table) == 10 and table[2] == "7 x 3 = 21" and table[-1] == "7 x 10 = 70"
    assert run_python(compiled("fizzbuzz"), "15\n").splitlines()[-1] == "FizzBuzz"


@pytest.mark.parametrize("name", NAMES)
def test_python_reference_passes_every_test_in_process(name):
    program = compiled(name)
    top = curricula.family_class(name).config_class.num_levels() - 1
    for family, seeds in ((make_task(name), range(4)), (make_task(name, level=top), range(2))):
        for seed in seeds:
            inst = family.instance(seed, 0)
            assert family.python_solution(inst) == family.python_program()
            for case in inst.examples + inst.tests:
                assert run_python(program, case.input.decode()) == case.output.decode(), (name, case)


@pytest.mark.parametrize("name", ["hello-world", "big-add", "eval-infix"])
def test_python_reference_runs_as_a_real_program(name):
    family = make_task(name)
    inst = family.instance(0, 0)
    for case in inst.tests[:2]:
        done = subprocess.run(
            [sys.executable, "-c", family.python_solution(inst)],
            input=case.input,
            capture_output=True,
            timeout=60,
            check=True,
        )
        assert done.stdout == case.output


# ------------------------------------------------------------------ Brainfuck reference solutions


@pytest.mark.parametrize("name", [cls.name for cls in WITH_BF])
def test_brainfuck_solution_passes_200_instances(name):
    family = make_task(name)
    for index in range(200):
        inst = family.instance(0, index)
        runs = execute(inst, family.bf_solution(inst), "bf")
        got = [(r.status, r.output) for r in runs]
        assert got == [("ok", t.output) for t in inst.tests], (name, index)


@pytest.mark.parametrize("name", [cls.name for cls in WITH_BF])
def test_brainfuck_solution_at_every_level_it_supports(name):
    cls = curricula.family_class(name)
    supported = 0
    for level in range(cls.config_class.num_levels()):
        family = make_task(name, level=level)
        for index in range(10):
            inst = family.instance(1, index)
            program = family.bf_solution(inst)
            if program is None:  # beyond 8-bit arithmetic: no honest BF solution claimed
                break
            supported += 1
            runs = execute(inst, program, "bf")
            assert [(r.status, r.output) for r in runs] == [("ok", t.output) for t in inst.tests], (name, level)
    assert supported >= 10


def test_brainfuck_solution_declines_values_beyond_a_byte():
    family = make_task("sum-two", max_value=1000)
    assert family.bf_solution(family.instance(0, 0)) is None
