"""Language knowledge an agent can read: one shared vocabulary of command effects, and one `Knowledge` per token.

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

A Brainfuck-family language configured with another EOF rule (for example
`esolangs.get("bf-dialect-7+eof=unchanged")`) gives its `,` id 51 or 52
instead of 7, so the knowledge store says that the semantics changed. The
cell modulus has no id: an effect id cannot carry a number, and the token
envs' spec does not carry interpreter options either.

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
)
"""Effect names; the index is the effect id. Append-only (see the module docstring)."""

EFFECT_IDS: dict[str, int] = {name: index for index, name in enumerate(EFFECTS)}
NUM_EFFECTS = len(EFFECTS)
MAX_EFFECTS = 64
"""The effect vocabulary never outgrows this, so embedding tables sized for it stay valid."""
PAD_EFFECT = EFFECT_IDS["pad"]
STOP_EFFECT = EFFECT_IDS["stop"]

assert NUM_EFFECTS <= MAX_EFFECTS and len(EFFECT_IDS) == NUM_EFFECTS


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
