"""Language knowledge an agent can read: one shared vocabulary of command effects, their parts, and one `Knowledge` per token.

Every language lists, in `Language.knowledge`, one `Knowledge(symbol,
effect, meaning)` per alphabet token, in alphabet order: the token, the id
of what it does in `EFFECTS`, and the doc's sentence for it. The token
environments put the effect id of every action slot in
`obs["action_effects"]`, so an agent can map actions to meanings instead of
memorising action indices (dialects even shuffle the action order).

The table is append-only, like `curricula/family_ids.txt`: an id never
changes meaning and is never reused, so saved agents keep working; new
effects go at the end (at most 64 in all, `NUM_EFFECTS <= 64`).

    id  name                  what the token does
    --  --------------------  --------------------------------------------
     0  pad                   no token: an action slot past the language's alphabet
     1  stop                  the STOP action (ends the program); never a token
        -- shared by Brainfuck, Ook! and every bf-dialect-<seed> --
     2  ptr_right             move the pointer one cell right
     3  ptr_left              move the pointer one cell left
     4  inc                   add 1 to the current cell
     5  dec                   subtract 1 from the current cell
     6  output                write the current cell as one byte
     7  input                 read one input byte into the current cell
     8  jump_fwd_if_zero      open a loop: skip past its end if the cell is 0
     9  jump_back_if_nonzero  close a loop: back to its start if the cell is not 0
        -- Befunge-93, command mode --
    10  push_0 .. 19 push_9   push that digit (one id per digit)
    20  add                   pop a, pop b, push b+a
    21  sub                   pop a, pop b, push b-a
    22  mul                   pop a, pop b, push b*a
    23  div                   pop a, pop b, push b/a
    24  mod                   pop a, pop b, push b%a
    25  not                   pop a, push 1 if a = 0 else 0
    26  greater               pop a, pop b, push 1 if b > a else 0
    27  go_right              the IP moves right
    28  go_left               the IP moves left
    29  go_up                 the IP moves up
    30  go_down               the IP moves down
    31  go_random             the IP moves in a random direction
    32  branch_horizontal     pop a: right if a = 0, else left
    33  branch_vertical       pop a: down if a = 0, else up
    34  string_mode           toggle string mode
    35  dup                   duplicate the top of the stack
    36  swap                  swap the two top values
    37  pop                   pop and discard
    38  output_int            pop, write it as a decimal integer and a space
    39  output_char           pop, write it as a byte
    40  bridge                skip the next cell
    41  get                   push the value of a grid cell
    42  put                   store a value in a grid cell
    43  input_int             read a decimal integer and push it
    44  input_char            read one byte and push it
    45  end                   end the program
    46  noop                  do nothing (the space cell)
    47  newline               the row break of the grid (layout, not a command)
        -- Whitespace, lexical --
    48  ws_space              the character space
    49  ws_tab                the character tab
    50  ws_linefeed           the character line feed
        -- Brainfuck `,` under another end-of-input rule (BrainfuckOptions.eof) --
    51  input_eof_unchanged   read one input byte; at end of input the cell keeps its value
    52  input_eof_minus_one   read one input byte; at end of input the cell becomes cell_modulus-1
        -- Brainfuck `+` and `-` under another cell step (BrainfuckOptions.cell_step) --
    53  inc_2                 add 2 to the current cell
    54  dec_2                 subtract 2 from the current cell
    55  inc_3                 add 3 to the current cell
    56  dec_3                 subtract 3 from the current cell

A Brainfuck-family language configured with another EOF rule (for example
`esolangs.get("bf-dialect-7+eof=unchanged")`) gives its `,` id 51 or 52
instead of 7, so the knowledge store says that the semantics changed; one
configured with another cell step (`bf+cell_step=2`) gives its `+` and `-`
ids 53/54 (step 2) or 55/56 (step 3) instead of 4/5. The cell modulus has
no id: an effect id cannot carry an arbitrary number, and the token envs'
spec does not carry interpreter options either (a step has an id per
allowed value, 1..3, and its number in the parts' cell delta).

Effects as parts (`EFFECT_PARTS`, `effect_parts_matrix`). An id alone is
opaque: id 51 (`,` keeping the cell at end of input) is a row an agent
trained on id 7 has never seen, though it differs from `,` in one rule.
So every Brainfuck-family id (2-9, 51-56) is also described by its parts
(`EffectParts`): pointer delta, cell delta, I/O kind (none / output /
input), loop role (none / open / close) and EOF rule (not_input / zero /
unchanged / minus_one). A network that reads the parts instead of the id
(agents' `ModelSettings.effects = "parts"`) sees a new combination of
known parts as a new point among known features, not a blank. The other
effects (pad, stop, Befunge-93, Whitespace) have no parts here: each keeps
an identity feature of its own id, so they stay distinct from each other
and from every Brainfuck part. `EFFECT_PARTS` is append-only with the id
table: entry e describes id e, and a new id appends its entry.

The matrix `effect_parts_matrix(rows)` is float32 (rows, NUM_PART_COLUMNS),
row e for effect id e, rows from NUM_EFFECTS on all zero; its columns
(`PART_COLUMNS`, fixed, new ones only ever appended):

    col    name                  meaning
    -----  --------------------  --------------------------------------------
     0     pointer_delta         the pointer's move as a number (+1 for `>`)
     1-3   pointer_delta<0,=0,>0 its sign, one-hot
     4     cell_delta            the cell's change as a number (+1 for `+`)
     5-7   cell_delta<0,=0,>0    its sign, one-hot
     8-10  io=none,output,input  I/O kind, one-hot
    11-13  loop=none,open,close  loop role, one-hot
    14-17  eof=not_input,zero,unchanged,minus_one   EOF rule, one-hot
    18-81  id=0 .. id=63         identity of an effect without parts (its own id's column)

Why a number as value *and* sign one-hot: the sign columns give each
direction its own learned vector (moving left is not "moving right,
negated": `<` can meet the tape's edge), and the value column keeps the
magnitude linear, so a `+` that adds 2 reads as inc's sign with twice its
value rather than as an unseen category. A Brainfuck-family row has all
identity columns 0 (the parts are all it is); an effect without parts has
all part columns 0 (not even eof=not_input) and a 1 in its identity
column. The identity block has MAX_EFFECTS columns indexed by id, so
appending an effect never moves a column (a network's input layer sized
for the matrix stays valid).

Exceptions to "one token, one effect":
- Befunge-93's ids describe command mode. Inside string mode (between two
  `"`) every cell pushes its own character code instead, whatever its id.
- Whitespace's three characters mean nothing alone: an instruction is a
  run of 2-4 of them, and the same character is part of an instruction
  group, a command, a number's sign or a binary digit depending on where it
  stands. Its ids are lexical only, so Whitespace lies outside the
  knowledge-transfer setting (an agent cannot carry an effect it learned
  elsewhere onto a Whitespace token).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

EFFECTS: tuple[str, ...] = (
    "pad",
    "stop",
    # Brainfuck and its renamings
    "ptr_right",
    "ptr_left",
    "inc",
    "dec",
    "output",
    "input",
    "jump_fwd_if_zero",
    "jump_back_if_nonzero",
    # Befunge-93, command mode
    *(f"push_{digit}" for digit in range(10)),
    "add",
    "sub",
    "mul",
    "div",
    "mod",
    "not",
    "greater",
    "go_right",
    "go_left",
    "go_up",
    "go_down",
    "go_random",
    "branch_horizontal",
    "branch_vertical",
    "string_mode",
    "dup",
    "swap",
    "pop",
    "output_int",
    "output_char",
    "bridge",
    "get",
    "put",
    "input_int",
    "input_char",
    "end",
    "noop",
    "newline",
    # Whitespace, lexical
    "ws_space",
    "ws_tab",
    "ws_linefeed",
    # Brainfuck's `,` under another end-of-input rule
    "input_eof_unchanged",
    "input_eof_minus_one",
    # Brainfuck's `+` and `-` under another cell step
    "inc_2",
    "dec_2",
    "inc_3",
    "dec_3",
)
"""Effect names; the index is the effect id. Append-only (see the module docstring)."""

EFFECT_IDS: dict[str, int] = {name: index for index, name in enumerate(EFFECTS)}
NUM_EFFECTS = len(EFFECTS)
MAX_EFFECTS = 64
"""The effect vocabulary never outgrows this, so embedding tables sized for it stay valid."""
PAD_EFFECT = EFFECT_IDS["pad"]
STOP_EFFECT = EFFECT_IDS["stop"]

assert NUM_EFFECTS <= MAX_EFFECTS and len(EFFECT_IDS) == NUM_EFFECTS


IO_KINDS = ("none", "output", "input")
"""EffectParts.io values."""
LOOP_ROLES = ("none", "open", "close")
"""EffectParts.loop values."""
EOF_RULES = ("not_input", "zero", "unchanged", "minus_one")
"""EffectParts.eof values: not_input for every effect but `,`; else what `,` stores at end of input."""


@dataclass(frozen=True)
class EffectParts:
    """What a Brainfuck-family effect does, as parts: pointer and cell deltas, I/O kind, loop role, EOF rule.

    An effect reads input exactly when its EOF rule is not `not_input`;
    ValueError (naming the value and the choices) otherwise.
    """

    pointer: int = 0
    """Pointer delta (cells; +1 for `>`)."""
    cell: int = 0
    """Cell delta (+1 for `+`); `,` sets the cell, so its delta is 0 and its I/O kind says input."""
    io: str = "none"
    loop: str = "none"
    eof: str = "not_input"

    def __post_init__(self) -> None:
        for field_name, value, allowed in (("io", self.io, IO_KINDS), ("loop", self.loop, LOOP_ROLES),
                                           ("eof", self.eof, EOF_RULES)):  # fmt: skip
            if value not in allowed:
                raise ValueError(f"EffectParts.{field_name} {value!r} is unknown; choose one of {', '.join(allowed)}")
        if (self.io == "input") != (self.eof != "not_input"):
            raise ValueError(
                f"EffectParts io={self.io!r} with eof={self.eof!r}: an input effect needs an EOF rule "
                "(zero, unchanged, minus_one) and any other effect eof='not_input'"
            )


_BRAINFUCK_PARTS: dict[str, EffectParts] = {
    "ptr_right": EffectParts(pointer=1),
    "ptr_left": EffectParts(pointer=-1),
    "inc": EffectParts(cell=1),
    "dec": EffectParts(cell=-1),
    "output": EffectParts(io="output"),
    "input": EffectParts(io="input", eof="zero"),
    "jump_fwd_if_zero": EffectParts(loop="open"),
    "jump_back_if_nonzero": EffectParts(loop="close"),
    "input_eof_unchanged": EffectParts(io="input", eof="unchanged"),
    "input_eof_minus_one": EffectParts(io="input", eof="minus_one"),
    "inc_2": EffectParts(cell=2),
    "dec_2": EffectParts(cell=-2),
    "inc_3": EffectParts(cell=3),
    "dec_3": EffectParts(cell=-3),
}

EFFECT_PARTS: tuple[EffectParts | None, ...] = tuple(_BRAINFUCK_PARTS.get(name) for name in EFFECTS)
"""Entry e: the parts of effect id e, or None for an effect without parts (it keeps an identity feature).
Append-only with EFFECTS."""


def _number_columns(name: str) -> tuple[str, ...]:
    return (name, f"{name}<0", f"{name}=0", f"{name}>0")


PART_COLUMNS: tuple[str, ...] = (
    *_number_columns("pointer_delta"),
    *_number_columns("cell_delta"),
    *(f"io={kind}" for kind in IO_KINDS),
    *(f"loop={role}" for role in LOOP_ROLES),
    *(f"eof={rule}" for rule in EOF_RULES),
    *(f"id={effect}" for effect in range(MAX_EFFECTS)),
)
"""The columns of effect_parts_matrix, in order (the module docstring's table). Append-only."""
NUM_PART_COLUMNS = len(PART_COLUMNS)
_COLUMN = {name: index for index, name in enumerate(PART_COLUMNS)}

assert len(EFFECT_PARTS) == NUM_EFFECTS and len(_COLUMN) == NUM_PART_COLUMNS


def effect_parts_matrix(rows: int = MAX_EFFECTS) -> np.ndarray:
    """float32 numpy array (rows, NUM_PART_COLUMNS): row e describes effect id e (PART_COLUMNS), rows from
    NUM_EFFECTS on are zero. `rows` is the reader's table size (the networks' 64); ValueError below NUM_EFFECTS."""
    import numpy as np  # here, so that importing esolangs stays pure Python

    if isinstance(rows, bool) or not isinstance(rows, int) or rows < NUM_EFFECTS:
        raise ValueError(f"effect_parts_matrix rows must be an integer >= NUM_EFFECTS ({NUM_EFFECTS}), got {rows!r}")
    matrix = np.zeros((rows, NUM_PART_COLUMNS), np.float32)
    for effect, parts in enumerate(EFFECT_PARTS):
        if parts is None:
            matrix[effect, _COLUMN[f"id={effect}"]] = 1.0
            continue
        for name, delta in (("pointer_delta", parts.pointer), ("cell_delta", parts.cell)):
            matrix[effect, _COLUMN[name]] = float(delta)
            sign = "<0" if delta < 0 else "=0" if delta == 0 else ">0"
            matrix[effect, _COLUMN[name + sign]] = 1.0
        matrix[effect, _COLUMN[f"io={parts.io}"]] = 1.0
        matrix[effect, _COLUMN[f"loop={parts.loop}"]] = 1.0
        matrix[effect, _COLUMN[f"eof={parts.eof}"]] = 1.0
    return matrix


def effect_id(name: str) -> int:
    """The id of effect `name`; an unknown name raises ValueError listing the known ones."""
    try:
        return EFFECT_IDS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown effect {name!r}; known effects: {', '.join(EFFECTS)}") from None


@dataclass(frozen=True)
class Knowledge:
    """What one token of a language is: its text, its effect id (index into EFFECTS) and the doc's sentence for it."""

    symbol: str
    effect: int
    meaning: str

    @property
    def effect_name(self) -> str:
        return EFFECTS[self.effect]


def knowledge_table(
    alphabet: tuple[str, ...], effects: dict[str, str], meanings: dict[str, str]
) -> tuple[Knowledge, ...]:
    """One Knowledge per alphabet token, in alphabet order, from token -> effect name and token -> meaning.

    A token missing from either mapping raises ValueError: every token must
    be described, so a language that grows a token must say what it does.
    """
    missing = [token for token in alphabet if token not in effects or not meanings.get(token)]
    if missing:
        raise ValueError(f"no effect or meaning for token(s) {missing!r}")
    return tuple(Knowledge(token, effect_id(effects[token]), meanings[token]) for token in alphabet)


_CODE_SPAN = re.compile(r"(`+)\s?(.+?)\s?\1")
_DIGIT_RANGE = re.compile(r"`(\d)`-`(\d)`")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def doc_table_meanings(doc: str) -> dict[str, str]:
    """token -> sentence, read from a markdown doc's command tables: the tokens in a row's first cell, its last cell.

    Only rows whose first cell holds code spans count (a row with several
    tokens gives each the row's sentence; `` `0`-`9` `` stands for every digit);
    `\\|` in a cell is a literal `|`. The first row naming a token wins.
    """
    meanings: dict[str, str] = {}
    for line in doc.splitlines():
        line = line.strip()
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = [cell.strip() for cell in _UNESCAPED_PIPE.split(line.strip("|"))]
        if len(cells) < 2:
            continue
        first, sentence = cells[0].replace("\\|", "|"), cells[-1].replace("\\|", "|")
        tokens: list[str] = []
        digit_range = _DIGIT_RANGE.fullmatch(first)
        if digit_range:
            tokens = [str(d) for d in range(int(digit_range.group(1)), int(digit_range.group(2)) + 1)]
        else:
            tokens = [match.group(2) for match in _CODE_SPAN.finditer(first)]
        for token in tokens:
            meanings.setdefault(token, sentence)
    return meanings
