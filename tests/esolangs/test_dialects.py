"""Ook! and bf-dialect-<seed>: pinned mappings, translation round trips, same Execution as the Brainfuck program."""

from __future__ import annotations

import random

import pytest

import esolangs
from esolangs.bf_semantics import COMMANDS
from esolangs.dialects import OOK_TABLE, TOKEN_POOL, dialect_table

# Computed once when the family was introduced; a change here renames every dialect and breaks saved work.
PINNED_TABLES = {
    0: {">": "*", "<": "rif", "+": "yom", "-": "wib", ".": "!", ",": "=", "[": "(", "]": "@"},
    1: {">": "zap", "<": "dax", "+": "bor", "-": ";", ".": "~", ",": "lun", "[": "_", "]": "kel"},
    2: {">": "mox", "<": "%", "+": "}", "-": "lun", ".": "$", ",": "zip", "[": "#", "]": "@"},
    3: {">": "gax", "<": "~", "+": ";", "-": "@", ".": "%", ",": "/", "[": "$", "]": "*"},
    4: {">": "}", "<": "~", "+": "$", "-": "tuv", ".": "|", ",": "zap", "[": "(", "]": "mox"},
    5: {">": "hek", "<": ":", "+": "rif", "-": "&", ".": "zip", ",": "}", "[": "zap", "]": "~"},
    6: {">": "zip", "<": "=", "+": "kel", "-": ")", ".": "%", ",": "fen", "[": "_", "]": "?"},
    7: {">": ")", "<": "~", "+": ";", "-": "?", ".": "yom", ",": "*", "[": "sob", "]": "tuv"},
    8: {">": "mox", "<": "pug", "+": "@", "-": "_", ".": "lun", ",": "zap", "[": ")", "]": "yom"},
    9: {">": "kel", "<": "?", "+": "dax", "-": "{", ".": "$", ",": "tuv", "[": "!", "]": "zap"},
}

DIALECTS = ["ook", "bf-dialect-0", "bf-dialect-4", "bf-dialect-7", "bf-dialect-123456789"]


def random_bf(rng: random.Random, length: int) -> str:
    """A random balanced Brainfuck program (commands only)."""
    out, depth = [], 0
    for _ in range(length):
        char = rng.choice("+-<>.,[]++>")
        if char == "]" and depth == 0:
            char = "+"
        depth += char == "["
        depth -= char == "]"
        out.append(char)
    return "".join(out) + "]" * depth


@pytest.mark.parametrize("seed", sorted(PINNED_TABLES))
def test_dialect_mapping_is_pinned(seed):
    assert dialect_table(seed) == PINNED_TABLES[seed]
    language = esolangs.get(f"bf-dialect-{seed}")
    assert language.alphabet == tuple(PINNED_TABLES[seed][command] for command in COMMANDS)


def test_ook_uses_the_standard_table():
    assert OOK_TABLE == {
        ">": "Ook. Ook?",
        "<": "Ook? Ook.",
        "+": "Ook. Ook.",
        "-": "Ook! Ook!",
        ".": "Ook! Ook.",
        ",": "Ook. Ook!",
        "[": "Ook! Ook?",
        "]": "Ook? Ook!",
    }
    ook = esolangs.get("ook")
    assert ook.alphabet == tuple(OOK_TABLE[c] for c in COMMANDS)
    assert ook.token_separator() == " "


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_ook_hello_world(engine):
    ook = esolangs.get("ook")
    source, stdin, expected = ook.sample
    assert source.startswith("Ook. Ook. Ook. Ook.")
    result = ook.run(source, stdin, engine=engine)
    assert result.status == "ok" and result.output == expected == b"Hello World!\n"
    # Text between the words is commentary; an unknown pair and a trailing odd word are ignored.
    assert esolangs.run("ook", "Ook. so Ook. then\nOok! Ook. and Ook? Ook? Ook!", engine=engine).output == b"\x01"


def test_every_seed_draws_distinct_prefix_free_tokens():
    for seed in list(range(300)) + [2**63, 10**40]:
        tokens = list(dialect_table(seed).values())
        assert len(set(tokens)) == 8 and set(tokens) <= set(TOKEN_POOL)
        for a in tokens:
            for b in tokens:
                assert a == b or not b.startswith(a), (seed, a, b)
    assert dialect_table(0) != dialect_table(1)
    with pytest.raises(ValueError, match="seed"):
        dialect_table(-1)


@pytest.mark.parametrize("name", DIALECTS)
def test_translation_round_trips(name):
    language = esolangs.get(name)
    rng = random.Random(name)
    for _ in range(200):
        bf = random_bf(rng, rng.randint(0, 60))
        text = language.from_bf(bf)
        assert language.to_bf(text) == bf
        assert language.to_bf(language.join_tokens([language.table[c] for c in bf])) == bf
    # Brainfuck comments are dropped; the dialect's own comments are skipped.
    assert language.to_bf(language.from_bf("+ add one\n.")) == "+."


@pytest.mark.parametrize("name", DIALECTS)
@pytest.mark.parametrize("options", [{}, {"cell_modulus": 27, "left_edge": "clamp", "unmatched": "ignore"}])
def test_dialect_runs_exactly_like_its_brainfuck_program(name, options):
    language = esolangs.get(name).configure(**options)
    bf = esolangs.get("bf").configure(**options)
    rng = random.Random(f"{name}-{options}")
    limits = esolangs.Limits(max_steps=2000, max_output=16)
    for _ in range(150):
        program = random_bf(rng, rng.randint(1, 40))
        if rng.random() < 0.1:
            program = program.replace("]", "", 1)
        stdin = bytes(rng.randrange(256) for _ in range(3))
        expected = bf.run(program, stdin, limits=limits)
        for engine in ("reference", "fast"):
            result = language.run(language.from_bf(program), stdin, limits=limits, engine=engine)
            assert (result.status, result.output, result.steps) == (expected.status, expected.output, expected.steps)


def test_dialect_validate_points_at_the_dialect_token():
    dialect = esolangs.get("bf-dialect-3")  # '[' is '$', '+' is ';'
    diagnostics = dialect.validate("; ;\n  $ ;")
    assert [(d.line, d.column) for d in diagnostics] == [(2, 3)]
    assert "'$'" in diagnostics[0].message
    result = dialect.run("; ;\n  $ ;")
    assert result.status == "syntax_error" and "line 2, column 3" in result.error
    assert dialect.configure(unmatched="ignore").validate("$") == []
    ook_diagnostics = esolangs.validate("ook", "Ook. Ook.\nOok? Ook!")
    assert [(d.line, d.column) for d in ook_diagnostics] == [(2, 1)]


def test_configure_keeps_the_seed_and_checks_options():
    dialect = esolangs.get("bf-dialect-5")
    configured = dialect.configure(cell_modulus=27, left_edge="clamp")
    assert configured.name == "bf-dialect-5" and configured.table == dialect.table
    assert configured.options.cell_modulus == 27 and dialect.options.cell_modulus == 256
    assert configured.run(configured.from_bf("-.")).output == bytes([26])
    assert "cell_modulus=27" in configured.doc
    with pytest.raises(TypeError, match="wrap"):
        dialect.configure(wrap=True)
    with pytest.raises(ValueError, match="cell_modulus"):
        dialect.configure(cell_modulus=1)
    ook = esolangs.get("ook").configure(eof="minus_one")
    assert ook.run("Ook. Ook! Ook! Ook.").output == b"\xff"


def test_registry_names_and_docs():
    assert esolangs.get("BF-Dialect-7").name == "bf-dialect-7"
    assert esolangs.get("bf-dialect-007").table == esolangs.get("bf-dialect-7").table
    assert "bf-dialect-<seed>" in esolangs.families() and "ook" in esolangs.names()
    dialect = esolangs.get("bf-dialect-2")
    for token in dialect.alphabet:
        assert f"`{token}`" in dialect.doc
    assert dialect.run(dialect.sample[0]).output == b"Hello World!\n"
    assert "Ook? Ook!" in esolangs.get("ook").doc


def test_option_variants_are_named_languages_with_those_semantics():
    variant = esolangs.get("BF-Dialect-7+EOF=unchanged")
    assert variant.name == "bf-dialect-7+eof=unchanged" and variant.table == esolangs.get("bf-dialect-7").table
    assert variant.options.eof == "unchanged" and esolangs.get("bf-dialect-7").options.eof == "zero"
    echo = variant.from_bf(",[.,]")
    assert esolangs.get("bf-dialect-7").run(echo, b"ab").output == b"ab"
    assert variant.run(echo, b"ab", limits=esolangs.Limits(max_steps=100, max_output=8)).output == b"abbbbbbb"
    assert esolangs.get("bf+cell_modulus=27+left_edge=clamp").run("<-.").output == bytes([26])
    # `+` adds 2 and `-` subtracts 2: emit-char programs change (byte 6 is `+++.`), in every engine and dialect
    assert esolangs.get("bf+cell_step=2").run("+++.").output == bytes([6])
    assert esolangs.get("bf+cell_step=2").run("+++.", engine="reference").output == bytes([6])
    stepped = esolangs.get("bf-dialect-7+cell_step=2")
    assert stepped.name == "bf-dialect-7+cell_step=2" and stepped.table == esolangs.get("bf-dialect-7").table
    assert stepped.run(stepped.from_bf("+++.-.")).output == bytes([6, 4])
    assert esolangs.get("ook+cell_step=3").run(esolangs.get("ook").from_bf("-.")).output == bytes([253])
    with pytest.raises(ValueError, match=r"option variants <language>\+<option>=<value>"):
        esolangs.get("klingon")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bf+eof", "'eof' is not <option>=<value>"),
        ("bf+eof=sometimes", "eof must be one of"),
        ("bf+colour=red", "unknown option"),
        ("bf+cell_step=4", r"cell_step must be in 1\.\.3, got 4"),
        ("bf-dialect-7+cell_step=0", r"cell_step must be in 1\.\.3, got 0"),
        ("bf+cell_step=two", "cell_step must be an int"),
        ("befunge93+eof=zero", "takes no options"),
        ("klingon+eof=zero", "unknown language 'klingon'"),
    ],
)
def test_a_bad_option_variant_is_one_value_error_naming_it(name, message):
    with pytest.raises(ValueError, match=message):
        esolangs.get(name)
