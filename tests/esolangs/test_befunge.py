"""Befunge-93 conformance: programs of known output for every command and edge, run on both engines."""

from __future__ import annotations

import pytest

import esolangs
from esolangs import befunge
from esolangs.befunge import LOOP_BENCHMARK
from esolangs.befunge_semantics import HEIGHT, WIDTH, SplitMix64, read_number, wrap32

ENGINES = ("reference", "fast")


def run(source, stdin=b"", engine="fast", **limits):
    return esolangs.run("befunge93", source, stdin, engine=engine, **limits)


@pytest.fixture(params=ENGINES)
def engine(request):
    return request.param


def expect(source, output, stdin=b"", engine="fast", status="ok", steps=None, **limits):
    result = run(source, stdin, engine=engine, **limits)
    assert (result.status, result.output) == (status, output), result
    if steps is not None:
        assert result.steps == steps, result
    return result


# ---------------------------------------------------------------- registry and data


def test_registered_under_name_and_alias():
    language = esolangs.get("befunge93")
    assert esolangs.get("befunge") is language
    assert esolangs.get("Befunge93").name == "befunge93"
    assert "befunge93" in esolangs.names()


def test_alphabet_is_single_command_characters_with_space_and_newline():
    alphabet = esolangs.get("befunge93").alphabet
    assert len(alphabet) == len(set(alphabet)) == 38
    assert alphabet[:10] == tuple("0123456789")
    assert " " in alphabet and "\n" in alphabet
    assert set('+-*/%!`><^v?_|":\\$.,#gp&~@') <= set(alphabet)
    assert all(len(token) == 1 for token in alphabet)


def test_alphabet_tokens_concatenate_to_a_runnable_program():
    language = esolangs.get("befunge93")
    tokens = ["2", "3", "*", ".", "@", "\n"]
    assert all(token in language.alphabet for token in tokens)
    assert language.run(language.join_tokens(tokens)).output == b"6 "


def test_doc_names_every_command():
    language = esolangs.get("befunge93")
    doc = language.doc
    assert doc.startswith("# Befunge-93")
    for token in language.alphabet:
        if token in " \n" or token.isdigit():
            continue
        quoted = {"`": "`` ` ``", "|": "`\\|`"}.get(token, f"`{token}`")
        assert quoted in doc, token
    assert len(doc.splitlines()) < 90


def test_sample_program_prints_its_expected_output(engine):
    source, stdin, expected = esolangs.get("befunge93").sample
    expect(source, expected, stdin, engine)


# ---------------------------------------------------------------- arithmetic and stack


@pytest.mark.parametrize(
    "source, output",
    [
        ("34+.@", b"7 "),
        ("93-.@", b"6 "),
        ("39-.@", b"-6 "),
        ("67*.@", b"42 "),
        ("92/.@", b"4 "),
        ("92%.@", b"1 "),
        ("07-2/.@", b"-3 "),  # truncation toward zero, not floor
        ("07-2%.@", b"-1 "),
        ("702-/.@", b"-3 "),
        ("702-%.@", b"1 "),
        ("07-02-/.@", b"3 "),
        ("07-02-%.@", b"-1 "),
        ("50/.@", b"0 "),  # division by zero gives 0
        ("50%.@", b"0 "),
        ("00/.@", b"0 "),
        ("0!.5!.@", b"1 0 "),
        ("53`.35`.55`.@", b"1 0 0 "),
        ("12\\..@", b"1 2 "),
        ("5:..@", b"5 5 "),
        ("12$.@", b"1 "),
        (".@", b"0 "),  # pop on empty gives 0
        ("+.@", b"0 "),
        (":..@", b"0 0 "),
        ("\\..@", b"0 0 "),
        ("$.@", b"0 "),
    ],
)
def test_arithmetic_and_stack_commands(engine, source, output):
    expect(source, output, engine=engine)


def test_stack_values_wrap_to_32_bits(engine):
    expect("&1+.@", b"-2147483648 ", b"2147483647", engine)
    expect("&1-.@", b"2147483647 ", b"-2147483648", engine)
    expect("&:*.@", b"131073 ", b"65537", engine)
    expect("&01-/.@", b"-2147483648 ", b"-2147483648", engine)


def test_repeated_squaring_stays_32_bit(engine):
    value = 3
    for _ in range(6):
        value = wrap32(value * value)
    expect("3:*:*:*:*:*:*.@", f"{value} ".encode(), engine=engine)


def test_endless_squaring_loop_hits_the_step_limit(engine):
    result = run("3>:*", engine=engine, max_steps=50_000)
    assert (result.status, result.steps) == ("step_limit", 50_000)


def test_comma_writes_value_mod_256(engine):
    expect('"A"88*4*+,@', b"A", engine=engine)
    expect("01-,@", b"\xff", engine=engine)


# ---------------------------------------------------------------- movement


def test_string_mode_pushes_every_cell_including_spaces_and_commands(engine):
    expect('"a b",,,@', b"b a", engine=engine)
    expect('"@#"..@', b"35 64 ", engine=engine)


def test_bridge_skips_one_cell_and_counts_one_step(engine):
    expect("1#.2.@", b"2 ", engine=engine, steps=5)


def test_wrap_leaving_left_edge(engine):
    expect("<@.1", b"1 ", engine=engine, steps=80)


def test_wrap_leaving_right_edge(engine):
    expect(">  v\n.@ >7", b"7 ", engine=engine, steps=83)


def test_wrap_leaving_top_edge(engine):
    expect("^\n\n@\n.\n8", b"8 ", engine=engine, steps=24)


def test_wrap_leaving_bottom_edge(engine):
    expect("v@\n>v\n\n 6\n .", b"6 ", engine=engine, steps=27)


def test_horizontal_branch_directions(engine):
    expect("0#@_2.@", b"2 ", engine=engine, steps=6)  # zero goes right
    expect("1#@_2.@", b"", engine=engine, steps=4)  # nonzero goes left onto '@'
    expect("#@_2.@", b"2 ", engine=engine)  # empty stack pops 0


def test_vertical_branch_directions(engine):
    below = "  >3.@"
    bottom_row = "\n" * 22 + "  >4.@"  # row 24, reached by wrapping upwards
    expect("v\n>0|\n" + below + bottom_row, b"3 ", engine=engine)
    expect("v\n>1|\n" + below + bottom_row, b"4 ", engine=engine)


def test_spaces_and_unknown_characters_are_no_ops_that_count_steps(engine):
    expect("a1b.c@", b"1 ", engine=engine, steps=6)
    expect("\u00e91.@", b"1 ", engine=engine)
    expect(b"\x00\xff1.@", b"1 ", engine=engine, steps=5)
    expect('"ab"@', b"", engine=engine, steps=5)
    expect("@", b"", engine=engine, steps=1)


def test_line_ends_lf_crlf_and_cr(engine):
    for end in ("\n", "\r\n", "\r"):
        expect(f"v{end}>1.@{end}", b"1 ", engine=engine)
    crlf_rows = "\r\n".join(["v"] + [" "] * 23 + [">2.@"]) + "\r\n"
    expect(crlf_rows, b"2 ", engine=engine)


# ---------------------------------------------------------------- grid access


def test_get_reads_cells_and_zero_outside(engine):
    expect("10g.@", b"48 ", engine=engine)  # cell (1,0) is '0'
    expect("99*9+0g.@", b"0 ", engine=engine)  # x = 90
    expect("01-0g.@", b"0 ", engine=engine)  # x = -1
    expect("055*g.@", b"0 ", engine=engine)  # y = 25
    expect("00g.@", b"48 ", engine=engine)


def test_put_stores_and_get_reads_back(engine):
    expect('"X"91p91g,@', b"X", engine=engine)
    expect("&00p00g.@", b"-123456789 ", b"-123456789", engine)


def test_put_outside_the_grid_is_ignored(engine):
    expect('"X"09-0p09-0g.@', b"0 ", engine=engine)
    expect('"X"0&p.@', b"0 ", b"25", engine)  # y = 25 is outside; all three are popped
    expect("&&&p1.@", b"1 ", b"7 -2147483648 2147483647", engine)


def test_put_writes_a_command_the_ip_then_executes(engine):
    expect('"@"70p5 .@', b"", engine=engine, steps=8)
    expect("&70p1.2 .@", b"1 ", b"64", engine, steps=8)
    expect("&70p1.2 .@", b"1 2 0 ", b"46", engine)  # '.' placed at column 7
    # Cells keep the whole value: 320 is not '@' (64 + 256), -4294967232 wraps to 64 which is.
    expect("&70p1.2 .@", b"1 2 ", b"320", engine)
    expect("&70p1.2 .@", b"1 ", b"-4294967232", engine)


def test_self_modification_inside_a_hot_loop(engine):
    # Counts down from 50 printing each value; at 10 it writes '@' over the loop's ':'.
    row0 = "55*2*>:.1-:9-#v_" + " " * 8 + "v"
    row1 = " " * 5 + "^" + " " * 8 + "<" + " " * 3 + 'p06"@"' + "<"
    expected = b"".join(b"%d " % value for value in range(50, 9, -1))
    expect(row0 + "\n" + row1, expected, engine=engine)


# ---------------------------------------------------------------- input


@pytest.mark.parametrize(
    "source, stdin, output",
    [
        ("&&+.@", b"12 30", b"42 "),
        ("&.@", b"abc-7x", b"-7 "),
        ("&.@", b"--3", b"-3 "),
        ("&.@", b"+4", b"4 "),
        ("&.@", b"- 4", b"4 "),
        ("&.&.@", b"5", b"5 -1 "),
        ("&.@", b"", b"-1 "),
        ("&.&.@", b"no digits", b"-1 -1 "),
        ("&~.@", b"12\n", b"10 "),  # '&' leaves the byte after the digits
        ("&&..@", b"5-3", b"-3 5 "),
        ("&.@", b"4294967297", b"1 "),
        ("&.@", b"2147483648", b"-2147483648 "),
        ("~.~.~.@", b"AB", b"65 66 -1 "),
        ("~.@", b"\xff", b"255 "),
        ("~.@", b"", b"-1 "),
    ],
)
def test_input_commands(engine, source, stdin, output):
    expect(source, output, stdin, engine)


def test_read_number_of_a_hundred_thousand_digits_is_wrapped():
    digits = b"7" * 100_000
    value, position = read_number(b"x" + digits + b"y", 0)
    assert position == len(digits) + 1
    assert value == wrap32(sum(7 * pow(10, k, 1 << 32) for k in range(100_000)))


# ---------------------------------------------------------------- random direction

QUESTION_GRID = "\n".join(["?1.@" + " " * 73 + "@.3"] + ["2", ".", "@"] + [""] * 18 + ["@", ".", "4"])


def test_splitmix64_known_outputs():
    generator = SplitMix64(0)
    assert generator.next64() == 0xE220A8397B1DCDAF
    assert generator.next64() == 0x6E789E6AA1B965F4
    generator = SplitMix64(1234567)
    assert [generator.next64() for _ in range(3)] == [6457827717110365317, 3203168211198807973, 9817491932198370423]


def test_question_mark_follows_the_seeded_generator(engine):
    for seed in range(40):
        expected = b"%d " % (SplitMix64(seed).direction() + 1)  # right, down, left, up print 1..4
        expect(QUESTION_GRID, expected, engine=engine, seed=seed)


def test_question_mark_uses_all_directions_and_seeds_differ():
    outcomes = [run(QUESTION_GRID, seed=seed).output for seed in range(64)]
    assert set(outcomes) == {b"1 ", b"2 ", b"3 ", b"4 "}
    assert max(outcomes.count(outcome) for outcome in set(outcomes)) < 32
    # A random walk that prints each time it steps down: how often varies with the seed.
    walker = ">?v\n ." + "\n" + "^<<"
    counts = {run(walker, seed=seed, max_steps=2_000).output.count(b"0") for seed in range(20)}
    assert len(counts) > 3


def test_same_seed_same_run(engine):
    program = ">?v\n ." + "\n" + "^<<"
    first = run(program, engine=engine, seed=99, max_steps=2_000)
    assert run(program, engine=engine, seed=99, max_steps=2_000) == first
    assert run(program, engine=engine, seed=-5, max_steps=2_000) == run(
        program, engine=engine, seed=-5 & (2**64 - 1), max_steps=2_000
    )


# ---------------------------------------------------------------- source size


def test_81_column_line_is_a_syntax_error(engine):
    source = "@\n" + "1.@\n" + " " * 81
    result = expect(source, b"", engine=engine, status="syntax_error", steps=0)
    assert "line 3 is 81 columns; the limit is 80" in result.error
    (diagnostic,) = esolangs.validate("befunge93", source)
    assert (diagnostic.line, diagnostic.column, diagnostic.offset) == (3, 81, len("@\n1.@\n") + 80)
    assert esolangs.validate("befunge93", "@" + " " * 79) == []


def test_26_lines_is_a_syntax_error(engine):
    source = "@\n" * 26
    result = expect(source, b"", engine=engine, status="syntax_error")
    assert "26 lines; the limit is 25" in result.error
    (diagnostic,) = esolangs.validate("befunge93", source.encode())
    assert (diagnostic.line, diagnostic.column) == (26, 1)
    assert esolangs.validate("befunge93", "@\n" * 25) == []
    assert esolangs.validate("befunge93", "@\r\n" * 25) == []
    assert len(esolangs.validate("befunge93", "@\r" * 26)) == 1


def test_every_long_line_gets_a_diagnostic():
    source = "\n".join(["x" * 81, "ok", "y" * 100])
    problems = esolangs.validate("befunge93", source)
    assert [(p.line, p.message) for p in problems] == [
        (1, "line 1 is 81 columns; the limit is 80"),
        (3, "line 3 is 100 columns; the limit is 80"),
    ]


def test_huge_sources_are_rejected_quickly(engine):
    for source in ("x" * 1_000_000, "\n" * 1_000_000, "[" * 1_000_000):
        assert run(source, engine=engine).status == "syntax_error"


def test_empty_source_runs_spaces_until_the_step_limit(engine):
    expect("", b"", engine=engine, status="step_limit", steps=1_000, max_steps=1_000)


def test_grid_is_80_by_25():
    assert (WIDTH, HEIGHT) == (80, 25)


# ---------------------------------------------------------------- limits


def test_step_limit_counts_exactly(engine):
    expect(".", b"0 0 0 ", engine=engine, status="step_limit", steps=161, max_steps=161)
    expect(".", b"0 0 ", engine=engine, status="step_limit", steps=160, max_steps=160)
    expect("1.@", b"1 ", engine=engine, steps=3, max_steps=3)
    expect("1.@", b"1 ", engine=engine, status="step_limit", steps=2, max_steps=2)
    expect("1.@", b"", engine=engine, status="step_limit", steps=0, max_steps=0)


def test_output_limit_keeps_the_bytes_that_fit(engine):
    expect('"ba",,@', b"a", engine=engine, status="output_limit", steps=6, max_output=1)
    expect("9.@", b"9", engine=engine, status="output_limit", steps=2, max_output=1)
    expect("9.@", b"9 ", engine=engine, steps=3, max_output=2)
    source, _, expected = esolangs.get("befunge93").sample
    expect(source, expected[:5], engine=engine, status="output_limit", max_output=5)


def test_output_limit_on_an_endless_printer(engine):
    result = expect("1.", b"1 " * 500, engine=engine, status="output_limit", max_output=1_000, max_steps=10**7)
    assert result.steps == 501 * 80 - 78  # the 501st '.' is the first byte too many


def test_memory_limit_on_an_endless_pusher(engine):
    expect("1" * 80, b"", engine=engine, status="memory_limit", steps=1_001, max_memory=1_000)
    expect(":@", b"", engine=engine, status="memory_limit", steps=1, max_memory=1)
    expect(":@", b"", engine=engine, steps=2, max_memory=2)


def test_loop_benchmark_engines_agree_on_a_prefix():
    limits = dict(max_steps=150_000)
    assert run(LOOP_BENCHMARK, engine="fast", **limits) == run(LOOP_BENCHMARK, engine="reference", **limits)


def test_loop_benchmark_finishes_with_millions_of_steps():
    result = run(LOOP_BENCHMARK, max_steps=10**7)
    inner = 16 * 1000 * 249
    assert (result.status, result.output) == ("ok", b"0 ")
    assert inner < result.steps < inner + 10_000


def test_api_misuse_raises():
    with pytest.raises(ValueError):
        run("@", max_steps=-1)
    with pytest.raises(TypeError):
        run(123)
    assert befunge.Befunge93().options is None
