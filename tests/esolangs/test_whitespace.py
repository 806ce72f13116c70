"""Conformance, limit, validator, assembler and property tests of the Whitespace interpreter."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import esolangs
from esolangs.base import STATUSES
from esolangs.whitespace import (
    INSTRUCTIONS,
    Whitespace,
    WhitespaceOptions,
    assemble,
    command_chars,
    disassemble,
)


def run_asm(text: str, stdin: bytes | str = b"", **kwargs) -> esolangs.Execution:
    return esolangs.run("whitespace", assemble(text), stdin, **kwargs)


def output_of(text: str, stdin: bytes | str = b"", **kwargs) -> bytes:
    result = run_asm(text, stdin, **kwargs)
    assert result.status == "ok", result
    return result.output


# ---------------------------------------------------------------- stack


def test_push_and_printn_of_positive_negative_and_zero():
    assert output_of("push 42; printn; push -7; printn; push 0; printn; end") == b"42-70"


def test_dup_duplicates_the_top():
    assert output_of("push 5; dup; printn; printn; end") == b"55"


def test_copy_reads_the_nth_value_from_the_top():
    assert output_of("push 1; push 2; push 3; copy 2; printn; copy 0; printn; printn; printn; end") == b"1332"


@pytest.mark.parametrize("n", [3, -1, 10**6])
def test_copy_outside_the_stack_is_a_runtime_error(n):
    result = run_asm(f"push 1; push 2; push 3; copy {n}; end")
    assert result.status == "runtime_error"
    assert "copy" in result.error


def test_swap_and_discard():
    assert output_of("push 1; push 2; swap; printn; printn; end") == b"12"
    assert output_of("push 1; push 2; discard; printn; end") == b"1"


def test_slide_keeps_the_top_and_drops_n_below_it():
    assert output_of("push 1; push 2; push 3; push 4; slide 2; printn; printn; end") == b"41"


def test_slide_beyond_the_stack_keeps_only_the_top():
    result = run_asm("push 1; push 2; slide 5; printn; printn; end")
    assert result.status == "runtime_error" and result.output == b"2"


def test_slide_by_zero_or_negative_drops_nothing():
    assert output_of("push 1; push 2; slide -3; slide 0; printn; printn; end") == b"21"


@pytest.mark.parametrize(
    "op, values",
    [
        ("dup", 0),
        ("swap", 1),
        ("discard", 0),
        ("slide 1", 0),
        ("add", 1),
        ("sub", 0),
        ("mul", 1),
        ("div", 1),
        ("mod", 0),
        ("store", 1),
        ("retrieve", 0),
        ("jz x", 0),
        ("jn x", 0),
        ("printc", 0),
        ("printn", 0),
        ("readc", 0),
        ("readn", 0),
    ],
)
def test_popping_an_empty_stack_is_a_runtime_error(op, values):
    pushes = "".join("push 1; " for _ in range(values))
    result = run_asm(f"{pushes}{op}; x: end", b"5\n")
    assert result.status == "runtime_error", result
    assert op.split()[0] in result.error and "stack" in result.error
    assert result.steps == values + 1  # the failing instruction counts


# ---------------------------------------------------------------- arithmetic


@pytest.mark.parametrize(
    "a, b, op, expected",
    [
        (7, 5, "add", 12),
        (-7, 5, "add", -2),
        (7, 5, "sub", 2),
        (5, 7, "sub", -2),
        (-6, 7, "mul", -42),
        (0, -3, "mul", 0),
        (17, 5, "div", 3),
        (-17, 5, "div", -4),
        (17, -5, "div", -4),
        (-17, -5, "div", 3),
        (-15, 5, "div", -3),
        (17, 5, "mod", 2),
        (-17, 5, "mod", 3),
        (17, -5, "mod", -3),
        (-17, -5, "mod", -2),
        (-15, 5, "mod", 0),
    ],
)
def test_arithmetic_pops_b_then_a_and_floors(a, b, op, expected):
    assert output_of(f"push {a}; push {b}; {op}; printn; end") == str(expected).encode()


@pytest.mark.parametrize("op", ["div", "mod"])
def test_division_by_zero_is_a_runtime_error(op):
    result = run_asm(f"push 1; printn; push 9; push 0; {op}; end")
    assert result.status == "runtime_error"
    assert result.output == b"1"
    assert "zero" in result.error


def test_exact_integers_beyond_64_bits():
    big = 2**100 + 12345
    assert output_of(f"push {big}; push {big}; mul; printn; end") == str(big * big).encode()


# ---------------------------------------------------------------- heap


def test_store_then_retrieve_and_overwrite():
    program = (
        "push 10; push 7; store; push 10; retrieve; printn; push 10; push -3; store; push 10; retrieve; printn; end"
    )
    assert output_of(program) == b"7-3"


def test_unset_heap_address_reads_zero():
    assert output_of("push 123456789; retrieve; printn; end") == b"0"


@pytest.mark.parametrize("program", ["push -1; push 5; store; end", "push -1; retrieve; end", "push -2; readc; end"])
def test_negative_heap_address_is_a_runtime_error(program):
    result = run_asm(program, b"x")
    assert result.status == "runtime_error"
    assert "negative heap address" in result.error


# ---------------------------------------------------------------- flow control

COUNTDOWN = """
    push 3
top: dup; printn
    push 1; sub
    dup; jz done
    jump top
done: discard; end
"""


def test_loop_with_jump_and_jz():
    assert output_of(COUNTDOWN) == b"321"


def test_jn_jumps_only_on_negative():
    program = "push -1; jn neg; push 1; printn; end; neg: push 0; jn zero; push 2; printn; end; zero: end"
    assert output_of(program) == b"2"


def test_nested_calls_return_in_order():
    program = """
        call outer; push 9; printn; end
    outer: push 1; printn; call inner; push 3; printn; ret
    inner: push 2; printn; ret
    """
    assert output_of(program) == b"1239"


def test_recursive_call_computes_factorial():
    # fact(n): n on the stack -> n! on the stack
    program = """
        push 10; call fact; printn; end
    fact: dup; jz base
        dup; push 1; sub; call fact; mul; ret
    base: discard; push 1; ret
    """
    assert output_of(program) == b"3628800"


def test_ret_without_call_is_a_runtime_error():
    result = run_asm("push 1; printn; ret; end")
    assert result.status == "runtime_error" and result.output == b"1"
    assert "ret" in result.error


@pytest.mark.parametrize("jump", ["jump nowhere", "call nowhere", "push 0; jz nowhere", "push -1; jn nowhere"])
def test_taken_jump_to_an_undefined_label_is_a_runtime_error(jump):
    result = run_asm(f"{jump}; end")
    assert result.status == "runtime_error"
    assert "undefined label" in result.error


def test_untaken_jump_to_an_undefined_label_runs_and_validate_warns():
    source = assemble("push 1; jz nowhere; push 5; printn; end")
    assert esolangs.run("whitespace", source).output == b"5"
    problems = esolangs.validate("whitespace", source)
    assert len(problems) == 1
    assert problems[0].severity == "warning" and "undefined label" in problems[0].message


def test_running_off_the_end_is_a_runtime_error():
    result = run_asm("push 1; printn")
    assert result.status == "runtime_error" and result.output == b"1" and result.steps == 2
    assert "end" in result.error


def test_duplicate_label_uses_the_first_mark_and_validate_warns():
    source = assemble("jump %1; mark %1; push 1; printn; end; mark %1; push 2; printn; end")
    assert esolangs.run("whitespace", source).output == b"1"
    problems = esolangs.validate("whitespace", source)
    assert [p.severity for p in problems] == ["warning"]
    assert "defined again" in problems[0].message


def test_empty_label_and_empty_number_are_valid():
    # push with a bare LF number (0), the empty label, a sign-only number (0).
    source = "  \n" + "\n \n\n" + "\n  \n" + "\t\n \t" + "  \t\n" + "\t\n \t" + "\n\n\n"
    result = esolangs.run("whitespace", source)
    assert result.status == "ok" and result.output == b"00"
    assert esolangs.validate("whitespace", source) == []


def test_end_stops_immediately():
    assert output_of("push 1; printn; end; push 2; printn; end") == b"1"


# ---------------------------------------------------------------- I/O


def test_printc_writes_bytes_including_zero_and_255():
    assert output_of("push 0; printc; push 255; printc; push 'A'; printc; end") == b"\x00\xffA"


@pytest.mark.parametrize("value", [256, -1])
def test_printc_outside_a_byte_is_a_runtime_error(value):
    result = run_asm(f"push {value}; printc; end")
    assert result.status == "runtime_error" and "0..255" in result.error


def test_readc_reads_bytes_then_minus_one_at_end_of_input():
    program = (
        "".join(f"push {i}; readc; " for i in range(3))
        + "".join(f"push {i}; retrieve; printn; push ' '; printc; " for i in range(3))
        + "end"
    )
    assert output_of(program, b"A\xff") == b"65 255 -1 "


READ_TWO_NUMBERS = "push 0; readn; push 1; readn; push 0; retrieve; push 1; retrieve; add; printn; end"


@pytest.mark.parametrize(
    "stdin, total",
    [
        (b"12\n30\n", 42),
        (b"-5\n3", -2),
        (b"  7 \t\n\t-8  \n", -1),
        (b"1\r\n2\r\n", 3),
        (b"007\n0\n", 7),
        (b"%d\n1\n" % (2**100), 2**100 + 1),
    ],
)
def test_readn_parses_one_decimal_line_each(stdin, total):
    assert output_of(READ_TWO_NUMBERS, stdin) == str(total).encode()


@pytest.mark.parametrize("stdin", [b"12", b"", b"x\n1\n", b"+5\n1\n", b"\n1\n", b"1 2\n3\n", b"0x10\n1\n", b"-\n1\n"])
def test_readn_at_end_of_input_or_on_a_malformed_line_is_a_runtime_error(stdin):
    result = run_asm(READ_TWO_NUMBERS, stdin)
    assert result.status == "runtime_error", (stdin, result)
    assert "readn" in result.error


def test_readn_and_readc_share_the_input():
    program = "push 0; readn; push 1; readc; push 0; retrieve; printn; push 1; retrieve; printc; end"
    assert output_of(program, b"12\nZ") == b"12Z"


def test_readn_beyond_the_bit_limit_is_a_runtime_error():
    result = run_asm("push 0; readn; end", b"%d\n" % (2**20), max_bits=16)
    assert result.status == "runtime_error"
    assert output_of("push 0; readn; push 0; retrieve; printn; end", b"-65535\n", max_bits=16) == b"-65535"


# ---------------------------------------------------------------- syntax, validate, comments


def test_comments_are_ignored():
    source = assemble(COUNTDOWN)
    commented = "".join(f"{ch}x#é" for ch in source) + "trailing_words"
    assert esolangs.run("whitespace", commented) == esolangs.run("whitespace", source)
    assert esolangs.run("whitespace", commented.encode("utf-8")).output == b"321"


@pytest.mark.parametrize(
    "source, message",
    [
        ("\t\t\n", "unknown instruction"),
        (" \t\t", "unknown instruction"),
        ("\n\n\t", "unknown instruction"),
        ("\t \n", "unknown instruction"),
        ("\t", "incomplete instruction"),
        ("\t\n\t", "incomplete instruction"),
        ("  \t\t", "no terminating"),
        ("\n  \t", "no terminating"),
    ],
)
def test_malformed_programs_are_syntax_errors(source, message):
    result = esolangs.run("whitespace", source)
    assert result.status == "syntax_error" and result.steps == 0 and message in result.error
    problems = esolangs.validate("whitespace", source)
    assert [p.severity for p in problems] == ["error"] and message in problems[0].message


def test_validate_reports_the_line_and_column_in_the_original_text():
    good = assemble("push 1; printn")
    source = "hello\n" + good.replace("\n", "\n", 1) + "abc\t\t\nend"
    problems = esolangs.validate("whitespace", source)
    assert len(problems) == 1
    bad_offset = source.index("abc") + 3
    assert problems[0].offset == bad_offset
    assert (problems[0].line, problems[0].column) == (
        source.count("\n", 0, bad_offset) + 1,
        bad_offset - source.rfind("\n", 0, bad_offset),
    )
    assert f"line {problems[0].line}, column {problems[0].column}" in esolangs.run("whitespace", source).error


def test_runtime_errors_name_the_instruction_and_its_position():
    result = run_asm("push 1; push 0; div; end")
    # push 1 takes line 1 and part of line 2 (its number ends with LF); push 0 ends line 3
    assert "instruction 2 (div) at line 3, column 1" in result.error


# ---------------------------------------------------------------- bit limit


def test_number_literal_bit_limit_is_checked_at_parse_time():
    at_limit = "  " + " " + "\t" * 1024 + "\n" + "\t\n \t" + "\n\n\n"
    assert esolangs.run("whitespace", at_limit).output == str(2**1024 - 1).encode()
    over = "  " + " " + "\t" * 1025 + "\n" + "\n\n\n"
    result = esolangs.run("whitespace", over)
    assert result.status == "syntax_error" and "max_bits=1024" in result.error
    # leading zero digits do not count
    padded = "  " + " " + " " * 5000 + "\t\n" + "\t\n \t" + "\n\n\n"
    assert esolangs.run("whitespace", padded).output == b"1"


def test_enormous_number_literal_is_a_quick_syntax_error():
    source = "   " + "\t" * 2_000_000 + "\n"
    assert esolangs.run("whitespace", source).status == "syntax_error"


def test_repeated_squaring_hits_the_bit_limit():
    result = run_asm("push 2; top: dup; mul; jump top")
    assert result.status == "runtime_error" and "max_bits=1024" in result.error
    # 2 -> 2^2 -> ... -> 2^1024 needs 1025 bits: the 10th squaring fails
    assert result.steps == 1 + 9 * 4 + 3


@pytest.mark.parametrize(
    "program", ["push 255; push 1; add", "push -255; push 1; sub", "push 16; push 16; mul", "push 200; push -200; sub"]
)
def test_every_arithmetic_result_is_checked_against_max_bits(program):
    assert run_asm(program + "; end", max_bits=8).status == "runtime_error"


def test_max_bits_option_is_validated():
    with pytest.raises(ValueError, match="max_bits"):
        WhitespaceOptions(max_bits=0).validate()
    with pytest.raises(ValueError, match="max_bits"):
        esolangs.get("whitespace").configure(max_bits=10**6)
    assert esolangs.get("whitespace").configure(max_bits=64).options.max_bits == 64


# ---------------------------------------------------------------- limits and steps


def test_steps_count_every_executed_instruction_including_marks():
    # push; per pass mark dup printn push sub dup jz jump (8), the last pass leaving at jz (7); mark discard end
    result = run_asm(COUNTDOWN)
    assert result.steps == 1 + 8 + 8 + 7 + 3


def test_step_limit_stops_exactly_at_max_steps():
    result = run_asm("top: push 1; printn; jump top", max_steps=100)
    assert result.status == "step_limit" and result.steps == 100
    assert result.output == b"1" * 25  # mark push printn jump per pass
    assert run_asm("end", max_steps=0).status == "step_limit"
    assert run_asm("end", max_steps=1).status == "ok"


def test_output_limit_keeps_exactly_max_output_bytes():
    sample_source, _, expected = Whitespace.sample
    result = esolangs.run("whitespace", sample_source, max_output=5)
    assert result.status == "output_limit" and result.output == expected[:5]
    result = run_asm("push 123456; printn; end", max_output=3)
    assert result.status == "output_limit" and result.output == b"123"
    assert run_asm("push 123456; printn; end", max_output=6).status == "ok"


@pytest.mark.parametrize(
    "program",
    [
        "top: push 1; jump top",
        "push 1; top: dup; jump top",
        "push 1; top: copy 0; jump top",
        "top: call top",
        "push 0; top: dup; dup; store; push 1; add; jump top",
        "push 0; top: dup; readc; push 1; add; jump top",
    ],
)
def test_stack_call_stack_and_heap_are_bounded_by_max_memory(program):
    result = run_asm(program, max_memory=50, max_steps=100_000)
    assert result.status == "memory_limit", result
    assert "max_memory=50" in result.error


# ---------------------------------------------------------------- assembler, doc, registry


def test_assembler_round_trip_on_every_instruction():
    text = (
        "\n".join(
            f"{ins.mnemonic} {'-5' if ins.argument == 'number' else '%0110' if ins.argument else ''}".strip()
            for ins in INSTRUCTIONS
        )
        + "\npush %+0011\npush %-\npush %\nmark %\n"
    )
    source = assemble(text)
    assert disassemble(source) == text
    assert assemble(disassemble(source)) == source


def test_assembler_names_get_distinct_labels_that_avoid_raw_ones():
    source = assemble("mark %1; a: b: call a; jump b")
    program = disassemble(source).splitlines()
    assert program[0] == "mark %1"
    assert len({program[1], program[2], program[0]}) == 3


@pytest.mark.parametrize(
    "text, message",
    [
        ("pusj 1", "unknown instruction"),
        ("push", "takes one number"),
        ("dup 3", "takes no operand"),
        ("push x", "not a number"),
        ("push 'ab'", "exactly one character"),
        ("mark %012", "raw label"),
        ("push %101", "no sign"),
        ("push 'a", "unexpected"),
    ],
)
def test_assembler_errors_name_the_line(text, message):
    with pytest.raises(ValueError, match=message) as info:
        assemble("end\n" + text)
    assert "line 2" in str(info.value)


def test_disassemble_rejects_a_syntax_error_with_its_position():
    with pytest.raises(ValueError, match="line 1, column 1"):
        disassemble("\t\t\n")


def test_language_data():
    language = esolangs.get("whitespace")
    assert esolangs.get("WS") is language
    assert language.alphabet == (" ", "\t", "\n")
    for ins in INSTRUCTIONS:
        assert f"`{ins.mnemonic}" in language.doc
    source, stdin, expected = language.sample
    assert command_chars(source) == source
    assert esolangs.run("whitespace", source, stdin) == esolangs.Execution("ok", expected, len(expected) * 2 + 1)
    assert esolangs.run("whitespace", source, stdin, engine="reference").output == expected


# ---------------------------------------------------------------- properties

SMALL = dict(max_steps=2_000, max_output=64, max_memory=64)


def check_bounded(source: str | bytes, stdin: bytes = b"") -> None:
    first = esolangs.run("whitespace", source, stdin, **SMALL, max_bits=64)
    assert first.status in STATUSES
    assert 0 <= first.steps <= SMALL["max_steps"]
    assert len(first.output) <= SMALL["max_output"]
    assert (first.status == "ok") == (first.error is None)
    assert esolangs.run("whitespace", source, stdin, **SMALL, max_bits=64) == first
    problems = esolangs.validate("whitespace", source)
    assert (first.status == "syntax_error") == any(p.severity == "error" for p in problems)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300), st.binary(max_size=20))
def test_any_text_yields_a_bounded_deterministic_execution(source, stdin):
    check_bounded(source, stdin)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_yield_a_bounded_deterministic_execution(source):
    check_bounded(source, b"3\n-4\nxyz")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([" ", "\t", "\n"]), max_size=400), st.binary(max_size=20))
def test_random_whitespace_programs_are_bounded_and_deterministic(tokens, stdin):
    check_bounded("".join(tokens), stdin)


def _encoded_instruction(draw_op: int, number: int, label: str) -> str:
    ins = INSTRUCTIONS[draw_op]
    if ins.argument == "number":
        return ins.chars + assemble(f"push {number}")[2:]
    if ins.argument == "label":
        return ins.chars + label + "\n"
    return ins.chars


VALID_INSTRUCTION = st.builds(
    _encoded_instruction,
    st.integers(0, len(INSTRUCTIONS) - 1),
    st.integers(-3, 300),
    st.sampled_from(["", " ", "\t", " \t"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(VALID_INSTRUCTION, max_size=60), st.binary(max_size=20))
def test_random_valid_programs_are_bounded_deterministic_and_disassemble(pieces, stdin):
    source = "".join(pieces)
    check_bounded(source, stdin)
    assert command_chars(assemble(disassemble(source))) == source
