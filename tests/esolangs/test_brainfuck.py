"""Brainfuck conformance (programs of known output and hand-counted steps, on both engines), options, validate, properties."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import esolangs
from esolangs.bf_semantics import COMMANDS, BrainfuckOptions

ENGINES = ("reference", "fast")


def run(source, stdin=b"", engine="fast", **kwargs):
    return esolangs.run("bf", source, stdin, engine=engine, **kwargs)


# (source, stdin, options, expected status, expected output, hand-counted steps)
CONFORMANCE = [
    pytest.param("-.", b"", {}, "ok", b"\xff", 2, id="wrap-0-to-255"),
    pytest.param("-+.", b"", {}, "ok", b"\x00", 3, id="wrap-255-to-0"),
    pytest.param("+" * 256 + ".", b"", {}, "ok", b"\x00", 257, id="256-increments-wrap"),
    pytest.param("-.", b"", {"cell_modulus": 27}, "ok", b"\x1a", 2, id="modulus-27-wrap-down"),
    pytest.param("+" * 27 + ".", b"", {"cell_modulus": 27}, "ok", b"\x00", 28, id="modulus-27-wrap-up"),
    pytest.param("-.", b"", {"cell_modulus": 1000}, "ok", bytes([999 % 256]), 2, id="wide-cell-writes-mod-256"),
    pytest.param("-.", b"", {"cell_modulus": 2**32}, "ok", b"\xff", 2, id="modulus-2-32"),
    pytest.param(",.", b"", {}, "ok", b"\x00", 2, id="eof-zero"),
    pytest.param("+++,.", b"", {"eof": "unchanged"}, "ok", b"\x03", 5, id="eof-unchanged"),
    pytest.param(",.", b"", {"eof": "minus_one"}, "ok", b"\xff", 2, id="eof-minus-one"),
    pytest.param(",.", b"", {"eof": "minus_one", "cell_modulus": 27}, "ok", b"\x1a", 2, id="eof-minus-one-mod-27"),
    pytest.param(",.,.", b"AB", {}, "ok", b"AB", 4, id="read-input"),
    pytest.param(",.", b"\xff", {"cell_modulus": 27}, "ok", bytes([255 % 27]), 2, id="input-mod-modulus"),
    pytest.param(",[.,]", b"cat", {}, "ok", b"cat", 1 + 1 + 3 * 3, id="cat"),
    # 2 + '[' + 2 outer iterations of (>++ 3, inner loop 1+2*5, <- 2, ] 1) + >>. 3
    pytest.param("++[>++[>+<-]<-]>>.", b"", {}, "ok", b"\x04", 2 + 1 + 2 * 17 + 3, id="nested-loops"),
    pytest.param("[+.]+.", b"", {}, "ok", b"\x01", 3, id="skip-loop-on-zero"),
    pytest.param("<", b"", {}, "runtime_error", b"", 1, id="left-of-cell-0-error"),
    pytest.param("+.<<<.", b"", {"left_edge": "clamp"}, "ok", b"\x01\x01", 6, id="left-of-cell-0-clamp"),
    pytest.param("+.>+.<<.", b"", {}, "runtime_error", b"\x01\x01", 7, id="error-keeps-output"),
    pytest.param(">>", b"", {"tape_size": 3}, "ok", b"", 2, id="right-edge-last-cell"),
    pytest.param(">>>", b"", {"tape_size": 3}, "memory_limit", b"", 3, id="right-edge-past-last-cell"),
    # '+', '[', 4 iterations of (> + ]) = 12, then the fatal '>'
    pytest.param("+[>+]", b"", {"tape_size": 5}, "memory_limit", b"", 15, id="right-edge-inside-loop"),
    # 13 setup steps, '[', 4 iterations of (> ]), then the fatal '>'
    pytest.param(
        "+>+>+>+>+<<<<[>]", b"", {"tape_size": 5}, "memory_limit", b"", 13 + 1 + 4 * 2 + 1, id="scan-reaches-right-edge"
    ),
    pytest.param(">+<+[>]>.", b"", {}, "ok", b"\x00", 1 + 1 + 1 + 1 + 1 + 2 * 2 + 1 + 1, id="scan-right"),
    pytest.param("a+b+c.# comment\n", b"", {}, "ok", b"\x02", 3, id="comments"),
    pytest.param("+......", b"", {"max_output": 3}, "output_limit", b"\x01\x01\x01", 5, id="output-limit"),
    pytest.param("+++.", b"", {"max_steps": 2}, "step_limit", b"", 2, id="step-limit"),
    pytest.param("+++.", b"", {"max_steps": 4}, "ok", b"\x03", 4, id="exactly-the-budget"),
    pytest.param("+.+.+.", b"", {"max_steps": 3}, "step_limit", b"\x01", 3, id="step-limit-keeps-output"),
    pytest.param("+[]", b"", {"max_steps": 10}, "step_limit", b"", 10, id="infinite-empty-loop"),
    pytest.param("+[-]+++[--]", b"", {"max_steps": 50}, "step_limit", b"", 50, id="odd-value-step-2-never-ends"),
    # '++++' then '[' + 2 iterations of ('--' + ']') = 1 + 2*3
    pytest.param("++++[--].", b"", {}, "ok", b"\x00", 4 + 1 + 2 * 3 + 1, id="even-value-step-2-ends"),
    pytest.param("+[", b"", {}, "syntax_error", b"", 0, id="unmatched-open"),
    pytest.param("+]", b"", {}, "syntax_error", b"", 0, id="unmatched-close"),
    pytest.param("+].", b"", {"unmatched": "ignore"}, "ok", b"\x01", 3, id="ignored-close-costs-a-step"),
    pytest.param("[+.", b"", {"unmatched": "ignore"}, "ok", b"\x01", 3, id="ignored-open-costs-a-step"),
    pytest.param("+[-]]]]", b"", {"unmatched": "ignore"}, "ok", b"", 1 + 1 + 2 + 3, id="ignored-run"),
    pytest.param("[" * 10_000 + "]" * 10_000, b"", {}, "ok", b"", 1, id="10k-nested-skipped"),
    pytest.param("+" + "[" * 10_000 + "-" + "]" * 10_000, b"", {}, "ok", b"", 20_002, id="10k-nested-entered"),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("source, stdin, options, status, output, steps", CONFORMANCE)
def test_conformance(engine, source, stdin, options, status, output, steps):
    options = dict(options)
    limits = {key: options.pop(key) for key in ("max_steps", "max_output") if key in options}
    result = run(source, stdin, engine, **limits, **options)
    assert (result.status, result.output, result.steps) == (status, output, steps), result
    assert (result.error is None) == (status == "ok")


@pytest.mark.parametrize("engine", ENGINES)
def test_hello_world_sample(engine):
    language = esolangs.get("bf")
    source, stdin, expected = language.sample
    result = language.run(source, stdin, engine=engine)
    assert result.status == "ok" and result.output == expected


PQT = {"left_edge": "clamp", "unmatched": "ignore", "eof": "zero", "max_steps": 5000}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "name, source, stdin, output",
    [
        ("reverse", ",[>,]+[,<.]", bytes([3, 1, 2]), bytes([2, 1, 3, 0])),
        ("length", ",[>+<,]>.", bytes([5, 5, 5, 5]), bytes([4])),
        ("echo-second-seq", ",[,]-[,.]", bytes([1, 2, 0, 7, 8]), bytes([7, 8, 0])),
        ("remove-last", ",>,[<.>>,].", bytes([4, 5, 6]), bytes([4, 5, 0])),
    ],
)
def test_published_pqt_programs_under_pqt_conventions(engine, name, source, stdin, output):
    result = run(source, stdin, engine, cell_modulus=256, **PQT)
    assert result.status == "ok" and result.output == output, (name, result)


@pytest.mark.parametrize("engine", ENGINES)
def test_pqt_print_hello_in_base_27(engine):
    # 'h' is 8, 'e' 5, 'l' 12, 'o' 15 in PQT's base-27 alphabet; '-' from 0 wraps to 26.
    source = "++++++++.---.+++++++..+++."
    result = run(source, b"", engine, cell_modulus=27, **PQT)
    assert result.status == "ok" and list(result.output) == [8, 5, 12, 12, 15]
    assert run("-.", b"", engine, cell_modulus=27, **PQT).output == bytes([26])


@pytest.mark.parametrize("engine", ENGINES)
def test_megabyte_sources_stay_bounded(engine):
    plus = "+" * 1_048_576 + "."
    if engine == "reference":
        plus = "+" * 100_000 + "."  # the plain interpreter takes ~0.1 s per 100k steps
    result = run(plus, b"", engine, max_steps=2_000_000)
    assert result.status == "ok" and result.steps == len(plus) and result.output == bytes([(len(plus) - 1) % 256])
    opens = "[" * 1_048_576
    result = run(opens, b"", engine)
    assert result.status == "syntax_error" and "column 1" in result.error
    result = run(opens[:100_000], b"", engine, unmatched="ignore")
    assert result.status == "ok" and result.steps == 100_000
    result = run(opens, b"", engine, unmatched="ignore", max_steps=1000)
    assert result.status == "step_limit" and result.steps == 1000


def test_fast_path_budget_far_beyond_reference_reach():
    # 2**32 - 1 iterations of a clear loop: solved in closed form, counted exactly.
    result = run("-[-]", b"", "fast", cell_modulus=2**32, max_steps=10**12)
    assert result.status == "ok" and result.steps == 1 + 1 + (2**32 - 1) * 2
    result = run("-[-]", b"", "fast", cell_modulus=2**32, max_steps=10**6)
    assert result.status == "step_limit" and result.steps == 10**6


def test_source_over_max_source_is_a_syntax_error():
    result = esolangs.run("bf", "+" * 101, max_source=100)
    assert result.status == "syntax_error" and "101" in result.error


def test_validate_reports_each_unbalanced_bracket_with_line_and_column():
    diagnostics = esolangs.validate("bf", "+\n[]]\n  [")
    assert [(d.line, d.column, d.offset) for d in diagnostics] == [(2, 3, 4), (3, 3, 8)]
    assert "']'" in diagnostics[0].message and "'['" in diagnostics[1].message
    assert esolangs.validate("bf", "+[->+<]") == []
    assert esolangs.validate("bf", "]]", unmatched="ignore") == []


def test_validate_caps_the_number_of_diagnostics():
    diagnostics = esolangs.validate("bf", "[" * 100_000)
    assert len(diagnostics) == 21
    assert "100000 in all" in diagnostics[-1].message


def test_options_validate_names_the_field_value_and_range():
    for field, value, fragment in [
        ("cell_modulus", 1, "2..4294967296"),
        ("cell_modulus", 2**32 + 1, "2..4294967296"),
        ("tape_size", 0, "1.."),
        ("eof", "nul", "zero"),
        ("left_edge", "wrap", "clamp"),
        ("unmatched", "skip", "ignore"),
    ]:
        with pytest.raises(ValueError, match=field) as info:
            BrainfuckOptions(**{field: value}).validate()
        assert fragment in str(info.value) and repr(value) in str(info.value) or str(value) in str(info.value)
    with pytest.raises(TypeError, match="cell_modulus"):
        BrainfuckOptions(cell_modulus=256.0).validate()
    with pytest.raises(ValueError):
        esolangs.run("bf", "+", cell_modulus=1)


def test_doc_alphabet_and_configured_doc():
    language = esolangs.get("bf")
    assert language.alphabet == (">", "<", "+", "-", ".", ",", "[", "]")
    for command in COMMANDS:
        assert f"`{command}`" in language.doc
    for option in ("cell_modulus", "tape_size", "eof", "left_edge", "unmatched"):
        assert option in language.doc
    assert "This instance" not in language.doc
    assert "cell_modulus=27" in language.configure(cell_modulus=27).doc
    assert esolangs.get("brainfuck") is language


def test_configure_returns_a_new_language_and_keeps_the_registered_one():
    language = esolangs.get("bf")
    clamped = language.configure(left_edge="clamp")
    assert clamped.options.left_edge == "clamp" and language.options.left_edge == "error"
    assert clamped.run("<+.").output == b"\x01"


# ---- properties

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
bf_text = st.text(alphabet=st.sampled_from("+-<>[].,[]+-x \n"), max_size=120)
option_sets = st.sampled_from(
    [
        {},
        {"cell_modulus": 27, "left_edge": "clamp", "unmatched": "ignore"},
        {"cell_modulus": 70_000, "tape_size": 5, "eof": "minus_one", "unmatched": "ignore"},
    ]
)


def _check_bounded(result, max_steps, max_output):
    assert result.status in esolangs.STATUSES
    assert 0 <= result.steps <= max_steps
    assert len(result.output) <= max_output
    assert isinstance(result.output, bytes)


@PROPERTY_SETTINGS
@given(
    source=st.one_of(st.text(max_size=200), st.binary(max_size=200), bf_text),
    stdin=st.binary(max_size=8),
    options=option_sets,
    max_steps=st.integers(0, 3000),
    max_output=st.integers(0, 20),
)
def test_any_source_yields_a_bounded_deterministic_execution(source, stdin, options, max_steps, max_output):
    results = [
        esolangs.run("bf", source, stdin, max_steps=max_steps, max_output=max_output, engine=engine, **options)
        for engine in ("reference", "fast", "fast")
    ]
    for result in results:
        _check_bounded(result, max_steps, max_output)
    reference, fast, fast_again = results
    assert fast == fast_again
    assert (fast.status, fast.output, fast.steps) == (reference.status, reference.output, reference.steps)
