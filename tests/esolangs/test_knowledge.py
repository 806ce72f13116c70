"""Language knowledge: the shared effect vocabulary, effects as parts, one Knowledge per alphabet token, pinned effect
ids, seeded orders."""

from __future__ import annotations

import pytest

import esolangs
from esolangs.base import seeded_permutation
from esolangs.bf_semantics import COMMANDS
from esolangs.dialects import COMMAND_MEANINGS
from esolangs.knowledge import (
    EFFECT_IDS,
    EFFECT_PARTS,
    EFFECTS,
    MAX_EFFECTS,
    NUM_EFFECTS,
    NUM_PART_COLUMNS,
    PART_COLUMNS,
    EffectParts,
    Knowledge,
    doc_table_meanings,
    effect_id,
    effect_parts_matrix,
)

LANGUAGES = ["bf", "ook", "bf-dialect-0", "bf-dialect-7", "bf-dialect-123456789", "befunge93", "whitespace"]


def effect_names(name: str) -> list[str]:
    return [EFFECTS[k.effect] for k in esolangs.get(name).knowledge]


def test_vocabulary_is_small_unique_and_starts_with_pad_and_stop():
    assert NUM_EFFECTS == len(EFFECTS) <= MAX_EFFECTS == 64
    assert len(set(EFFECTS)) == NUM_EFFECTS
    assert EFFECTS[:2] == ("pad", "stop")
    assert all(EFFECT_IDS[name] == index for index, name in enumerate(EFFECTS))


def test_vocabulary_ids_are_pinned():
    """Append-only: an id never changes meaning (saved agents embed these ids)."""
    assert EFFECTS[:10] == (
        "pad",
        "stop",
        "ptr_right",
        "ptr_left",
        "inc",
        "dec",
        "output",
        "input",
        "jump_fwd_if_zero",
        "jump_back_if_nonzero",
    )
    assert [EFFECT_IDS[f"push_{d}"] for d in range(10)] == list(range(10, 20))
    assert EFFECT_IDS["add"] == 20 and EFFECT_IDS["string_mode"] == 34 and EFFECT_IDS["newline"] == 47
    assert EFFECTS[48:51] == ("ws_space", "ws_tab", "ws_linefeed")
    assert EFFECTS[51:53] == ("input_eof_unchanged", "input_eof_minus_one")
    assert EFFECTS[53:57] == ("inc_2", "dec_2", "inc_3", "dec_3")


def test_unknown_effect_name_is_a_value_error_listing_the_known_ones():
    with pytest.raises(ValueError, match="unknown effect 'jump'.*ptr_right"):
        effect_id("jump")


@pytest.mark.parametrize("name", LANGUAGES)
def test_one_entry_per_alphabet_token_in_alphabet_order(name):
    language = esolangs.get(name)
    knowledge = language.knowledge
    assert isinstance(knowledge, tuple) and all(isinstance(k, Knowledge) for k in knowledge)
    assert [k.symbol for k in knowledge] == list(language.alphabet)
    assert all(0 < k.effect < NUM_EFFECTS and k.effect != EFFECT_IDS["stop"] for k in knowledge)
    assert all(isinstance(k.meaning, str) and k.meaning.strip() for k in knowledge)
    assert language.knowledge is knowledge  # built once, stable
    if name.startswith(("bf", "ook")):
        assert language.configure(cell_modulus=27).knowledge == knowledge  # options change no token's effect


def test_brainfuck_effects_and_meanings_are_pinned_and_come_from_its_doc():
    assert effect_names("bf") == [
        "ptr_right",
        "ptr_left",
        "inc",
        "dec",
        "output",
        "input",
        "jump_fwd_if_zero",
        "jump_back_if_nonzero",
    ]
    knowledge = esolangs.get("bf").knowledge
    assert knowledge[0].meaning == "move the pointer one cell right"
    assert knowledge[6].meaning == "if the current cell is 0, jump past the matching `]`"
    doc = esolangs.get("bf").doc
    assert all(f"| `{k.symbol}` | {k.meaning} |" in doc for k in knowledge)


def test_ook_and_dialects_have_brainfuck_effects_under_their_renaming():
    bf = {k.symbol: k.effect for k in esolangs.get("bf").knowledge}
    for name in ("ook", "bf-dialect-0", "bf-dialect-7", "bf-dialect-123456789"):
        language = esolangs.get(name)
        for command in COMMANDS:
            token = language.from_bf(command).strip()
            (entry,) = [k for k in language.knowledge if k.symbol == token]
            assert entry.effect == bf[command], (name, command)
    assert [k.symbol for k in esolangs.get("ook").knowledge][:2] == ["Ook. Ook?", "Ook? Ook."]
    assert effect_names("ook") == effect_names("bf-dialect-7") == effect_names("bf")


def test_dialect_meanings_are_the_rows_of_its_doc_table():
    dialect = esolangs.get("bf-dialect-7")
    for command, entry in zip(COMMANDS, dialect.knowledge):
        assert entry.meaning == COMMAND_MEANINGS[command]
    ook = esolangs.get("ook").knowledge
    assert ook[7].meaning == "if the current cell is not 0, jump back to just after the matching `Ook! Ook?`"


def test_befunge_effects_describe_command_mode_one_id_per_command():
    language = esolangs.get("befunge93")
    names = dict(zip(language.alphabet, effect_names("befunge93")))
    assert [names[d] for d in "0123456789"] == [f"push_{d}" for d in range(10)]
    assert {t: names[t] for t in '+-*/%!`><^v?_|":\\$.,#gp&~@'} == {
        "+": "add",
        "-": "sub",
        "*": "mul",
        "/": "div",
        "%": "mod",
        "!": "not",
        "`": "greater",
        ">": "go_right",
        "<": "go_left",
        "^": "go_up",
        "v": "go_down",
        "?": "go_random",
        "_": "branch_horizontal",
        "|": "branch_vertical",
        '"': "string_mode",
        ":": "dup",
        "\\": "swap",
        "$": "pop",
        ".": "output_int",
        ",": "output_char",
        "#": "bridge",
        "g": "get",
        "p": "put",
        "&": "input_int",
        "~": "input_char",
        "@": "end",
    }
    assert names[" "] == "noop" and names["\n"] == "newline"
    assert len(set(names.values())) == len(language.alphabet)  # an agent can tell every token apart
    meanings = {k.symbol: k.meaning for k in language.knowledge}
    assert meanings["-"] == "pop a, pop b, push b-a" and meanings["|"] == "pop a: move down if a = 0, else up"
    assert meanings["`"] == "pop a, pop b, push 1 if b > a else 0"


def test_whitespace_ids_are_lexical():
    assert effect_names("whitespace") == ["ws_space", "ws_tab", "ws_linefeed"]
    assert all("no meaning alone" in k.meaning for k in esolangs.get("whitespace").knowledge)


def test_doc_table_parser_reads_grouped_escaped_and_ranged_rows():
    doc = "| cmd | effect |\n|---|---|\n| `0`-`3` | push |\n| `a` `b` | both |\n| `\\|` | pipe |\n| `` ` `` | tick |\n"
    assert doc_table_meanings(doc) == {
        "0": "push",
        "1": "push",
        "2": "push",
        "3": "push",
        "a": "both",
        "b": "both",
        "|": "pipe",
        "`": "tick",
    }


# ---------------------------------------------------------------- seeded action orders

PINNED_DIALECT_ORDERS = {
    0: (3, 5, 2, 0, 6, 7, 4, 1),
    1: (6, 1, 3, 2, 5, 7, 0, 4),
    2: (7, 3, 0, 1, 4, 6, 5, 2),
    3: (6, 5, 3, 4, 1, 2, 7, 0),
    4: (7, 0, 2, 4, 5, 3, 6, 1),
    5: (2, 0, 1, 7, 6, 5, 4, 3),
    6: (0, 2, 7, 1, 6, 5, 4, 3),
    7: (5, 7, 0, 3, 1, 2, 4, 6),
    8: (7, 4, 2, 6, 3, 1, 5, 0),
    9: (4, 0, 6, 2, 1, 7, 3, 5),
}


@pytest.mark.parametrize("seed", range(10))
def test_dialect_seeded_order_is_pinned_never_identity_and_moves_six_of_eight(seed):
    dialect = esolangs.get(f"bf-dialect-{seed}")
    order = dialect.seeded_order()
    assert order == PINNED_DIALECT_ORDERS[seed]
    assert sorted(order) == list(range(8)) and order != tuple(range(8))
    assert sum(index != position for position, index in enumerate(order)) >= 6
    assert dialect.default_action_order == "seeded"
    assert dialect.configure(cell_modulus=27).seeded_order() == order  # options do not change it


def test_other_languages_default_to_canonical_and_have_a_pinned_seeded_order_too():
    assert esolangs.get("bf").seeded_order() == (6, 2, 3, 4, 0, 7, 5, 1)
    assert esolangs.get("ook").seeded_order() == (7, 4, 5, 2, 1, 6, 3, 0)
    assert esolangs.get("whitespace").seeded_order() == (2, 0, 1)
    for name in ("bf", "ook", "befunge93", "whitespace"):
        assert esolangs.get(name).default_action_order == "canonical"
        order = esolangs.get(name).seeded_order()
        assert sorted(order) == list(range(len(order)))
        assert sum(i != p for p, i in enumerate(order)) >= 3 * len(order) / 4


def test_seeded_permutation_depends_on_its_key_only():
    assert seeded_permutation((0, 5), 8) == seeded_permutation((0, 5), 8) == PINNED_DIALECT_ORDERS[5]
    assert seeded_permutation((0, 5), 8) != seeded_permutation((0, 6), 8)
    assert seeded_permutation((0, 5), 1) == (0,) and seeded_permutation((0, 5), 2) == (1, 0)


@pytest.mark.parametrize(
    ("name", "base", "effect"),
    [
        ("bf+eof=unchanged", "bf", "input_eof_unchanged"),
        ("bf-dialect-7+eof=minus_one", "bf-dialect-7", "input_eof_minus_one"),
        ("ook+eof=unchanged", "ook", "input_eof_unchanged"),
        ("bf+eof=zero", "bf", "input"),
    ],
)
def test_an_eof_variant_changes_only_the_input_entry_and_keeps_names_and_order(name, base, effect):
    variant, plain = esolangs.get(name), esolangs.get(base)
    assert variant.name == name and variant.alphabet == plain.alphabet
    assert variant.seeded_order() == plain.seeded_order()
    changed = [i for i, (a, b) in enumerate(zip(variant.knowledge, plain.knowledge)) if a != b]
    read = COMMANDS.index(",")
    assert changed == ([] if effect == "input" else [read])
    assert EFFECTS[variant.knowledge[read].effect] == effect
    if effect != "input":
        assert "at end of input" in variant.knowledge[read].meaning


@pytest.mark.parametrize(
    ("name", "base", "step"),
    [
        ("bf+cell_step=2", "bf", 2),
        ("bf-dialect-7+cell_step=2", "bf-dialect-7", 2),
        ("ook+cell_step=3", "ook", 3),
        ("bf-dialect-7+cell_step=3+eof=unchanged", "bf-dialect-7", 3),
        ("bf+cell_step=1", "bf", 1),
    ],
)
def test_a_cell_step_variant_changes_the_plus_and_minus_entries_and_keeps_names_and_order(name, base, step):
    """`+`/`-` get inc_<step>/dec_<step> (as eof=unchanged gives `,` id 51), with sentences that name the step."""
    variant, plain = esolangs.get(name), esolangs.get(base)
    assert variant.name == name and variant.alphabet == plain.alphabet
    assert variant.seeded_order() == plain.seeded_order() and variant.options.cell_step == step
    plus, minus, read = COMMANDS.index("+"), COMMANDS.index("-"), COMMANDS.index(",")
    changed = {i for i, (a, b) in enumerate(zip(variant.knowledge, plain.knowledge)) if a != b}
    expected = set() if step == 1 else {plus, minus}
    assert changed - {read} == expected  # `,` changes only under the eof rule of the last case
    suffix = "" if step == 1 else f"_{step}"
    assert EFFECTS[variant.knowledge[plus].effect] == f"inc{suffix}"
    assert EFFECTS[variant.knowledge[minus].effect] == f"dec{suffix}"
    if step != 1:
        assert f"add {step} to" in variant.knowledge[plus].meaning
        assert f"subtract {step} from" in variant.knowledge[minus].meaning
        assert EFFECT_PARTS[variant.knowledge[plus].effect].cell == step
        assert EFFECT_PARTS[variant.knowledge[minus].effect].cell == -step


def test_every_cell_step_has_its_effects():
    from esolangs.bf_semantics import ADD_EFFECTS_BY_STEP, CELL_STEPS

    assert sorted(ADD_EFFECTS_BY_STEP) == list(CELL_STEPS)
    for step, (inc, dec) in ADD_EFFECTS_BY_STEP.items():
        assert (EFFECT_PARTS[effect_id(inc)].cell, EFFECT_PARTS[effect_id(dec)].cell) == (step, -step)


def test_a_cell_modulus_variant_keeps_every_effect_id():
    """No effect id carries a number: the knowledge store cannot say that the modulus changed (documented)."""
    assert [k.effect for k in esolangs.get("bf+cell_modulus=16").knowledge] == [
        k.effect for k in esolangs.get("bf").knowledge
    ]


# ---------------------------------------------------------------------- effects as parts

BRAINFUCK_FAMILY = (2, 3, 4, 5, 6, 7, 8, 9, 51, 52, 53, 54, 55, 56)


def differing_columns(matrix, one: int, other: int) -> set[str]:
    return {PART_COLUMNS[c] for c in range(NUM_PART_COLUMNS) if matrix[one, c] != matrix[other, c]}


def test_parts_matrix_shape_dtype_and_rows_past_the_vocabulary_are_zero():
    matrix = effect_parts_matrix()
    assert matrix.shape == (MAX_EFFECTS, NUM_PART_COLUMNS) and matrix.dtype.name == "float32"
    assert not matrix[NUM_EFFECTS:].any()
    assert matrix[:NUM_EFFECTS].any(1).all()  # every known effect has some feature
    assert effect_parts_matrix(NUM_EFFECTS).shape == (NUM_EFFECTS, NUM_PART_COLUMNS)
    with pytest.raises(ValueError, match=rf"rows must be an integer >= NUM_EFFECTS \({NUM_EFFECTS}\), got 3"):
        effect_parts_matrix(3)


def test_every_known_effect_row_is_distinct():
    matrix = effect_parts_matrix()
    rows = {tuple(row) for row in matrix[:NUM_EFFECTS].tolist()}
    assert len(rows) == NUM_EFFECTS


def test_the_input_effects_differ_only_in_their_eof_rule():
    """`,` under the three EOF rules: the same pointer, cell, I/O and loop parts (so a new rule is not a blank)."""
    matrix = effect_parts_matrix()
    read, unchanged, minus_one = effect_id("input"), effect_id("input_eof_unchanged"), effect_id("input_eof_minus_one")
    assert (read, unchanged, minus_one) == (7, 51, 52)
    for one, other in ((read, unchanged), (read, minus_one), (unchanged, minus_one)):
        changed = differing_columns(matrix, one, other)
        assert changed and all(name.startswith("eof=") for name in changed), changed
    assert matrix[unchanged, PART_COLUMNS.index("eof=unchanged")] == 1
    assert matrix[read, PART_COLUMNS.index("io=input")] == 1


def test_inc_and_dec_differ_only_in_cell_delta_and_left_right_only_in_pointer_delta():
    matrix = effect_parts_matrix()
    assert differing_columns(matrix, effect_id("inc"), effect_id("dec")) == {
        "cell_delta", "cell_delta<0", "cell_delta>0"}  # fmt: skip
    assert differing_columns(matrix, effect_id("ptr_right"), effect_id("ptr_left")) == {
        "pointer_delta", "pointer_delta<0", "pointer_delta>0"}  # fmt: skip
    value = PART_COLUMNS.index("cell_delta")
    assert (matrix[effect_id("inc"), value], matrix[effect_id("dec"), value]) == (1.0, -1.0)


def test_a_larger_cell_step_differs_from_inc_and_dec_only_in_the_delta_value():
    """inc_2 is inc's sign with twice its value: a new step reads as a known direction, not a blank."""
    matrix = effect_parts_matrix()
    value = PART_COLUMNS.index("cell_delta")
    for step in (2, 3):
        for base, name, sign in (("inc", f"inc_{step}", 1), ("dec", f"dec_{step}", -1)):
            assert differing_columns(matrix, effect_id(base), effect_id(name)) == {"cell_delta"}
            assert matrix[effect_id(name), value] == sign * step


def test_brainfuck_family_has_parts_and_no_identity_the_others_identity_only():
    """Ids 2-9, 51-56 are their parts alone (no identity column); every other effect is its own id's column alone."""
    matrix = effect_parts_matrix()
    identity = [c for c, name in enumerate(PART_COLUMNS) if name.startswith("id=")]
    parts = [c for c, name in enumerate(PART_COLUMNS) if not name.startswith("id=")]
    assert len(identity) == MAX_EFFECTS and PART_COLUMNS[identity[0]] == "id=0"
    for effect in range(NUM_EFFECTS):
        if effect in BRAINFUCK_FAMILY:
            assert EFFECT_PARTS[effect] is not None and not matrix[effect, identity].any(), EFFECTS[effect]
        else:
            assert EFFECT_PARTS[effect] is None and not matrix[effect, parts].any(), EFFECTS[effect]
            assert matrix[effect, PART_COLUMNS.index(f"id={effect}")] == 1 and matrix[effect].sum() == 1


def test_every_brainfuck_family_token_has_parts_whatever_its_renaming():
    for name in ("bf", "ook", "bf-dialect-7", "bf+eof=unchanged", "bf-dialect-3+eof=minus_one", "ook+cell_step=2"):
        assert all(EFFECT_PARTS[k.effect] is not None for k in esolangs.get(name).knowledge), name


def test_effect_parts_reject_unknown_values_and_an_input_without_an_eof_rule():
    with pytest.raises(ValueError, match="EffectParts.loop 'middle' is unknown; choose one of none, open, close"):
        EffectParts(loop="middle")
    with pytest.raises(ValueError, match="an input effect needs an EOF rule"):
        EffectParts(io="input")
    with pytest.raises(ValueError, match="an input effect needs an EOF rule"):
        EffectParts(eof="zero")
