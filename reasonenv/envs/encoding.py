"""Fixed-shape integer encodings the token environments observe: the task's examples and spec, program tokens and the action mask.

Task encoding (the `task` observation; vocabulary TASK_VOCAB = 264):

    id 0        PAD      after the last example (and the spec)
    id 1        INPUT    starts an example's input bytes
    id 2        OUTPUT   starts its expected output bytes
    id 3        END      ends the example
    id 4        CUT      the encoding was cut here (it did not fit)
    id 5        SPEC     starts the spec, after the examples
    id 6        FIELD    separates two spec fields
    id 7        reserved
    id 8 + b    byte b (0..255)

    [INPUT] in... [OUTPUT] out... [END] [INPUT] ... [END] [SPEC] field [FIELD] field ... PAD PAD ...

The spec (`curricula.spec.instance_spec`) is what the task's description
tells the solver beyond the examples: the bytes to print (emit-string),
the byte and the count to repeat (emit-repeated), n of a factorial. A
number is written as its decimal ASCII digits (12 -> bytes "12", a
negative one with a leading "-"), a string as its bytes. There is no SPEC
marker when the spec is empty, i.e. when the examples determine the task.

The spec is always written whole when it fits: examples take the room it
leaves. Examples are written whole while they fit; the first one that
does not is cut to the space left, ending with CUT, and later ones are
dropped. A spec longer than the whole array is itself cut, ending with CUT.

Program encoding (the `program` observation): action ids of the tokens
emitted so far, then PAD (0). Action 0 is STOP, so it never appears in a
program, and action i (i >= 1) is token i-1 of the TokenTable's `tokens`:
the language's alphabet in the env's action order.

Action order (env option `action_order`): "canonical" keeps the alphabet's
order; "seeded" applies `Language.seeded_order()`, a fixed permutation
drawn from the language (bf-dialect-<seed>: from its seed) that moves at
least 3/4 of the tokens. Default: seeded for bf-dialect-<seed>, canonical
for the others, so action i means a different command in every dialect.

Action effects (the `action_effects` observation, int32, one per action
slot): the id in `esolangs.knowledge.EFFECTS` of what each action does in
the episode's language: slot 0 (STOP) is `stop` (1), slot i >= 1 is the
effect of token i-1 (`Language.knowledge`), and slots past the language's
alphabet (a mixed-language env sized for its largest alphabet) are `pad`
(0). An agent maps actions to commands through it, never through the raw
index. Befunge-93's ids describe command mode (string mode pushes every
cell's code instead); Whitespace's are lexical (space, tab, line feed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from esolangs.base import ACTION_ORDERS
from esolangs.knowledge import PAD_EFFECT, STOP_EFFECT

PAD = 0
INPUT = 1
OUTPUT = 2
END = 3
CUT = 4
SPEC = 5
FIELD = 6
BYTE_OFFSET = 8
TASK_VOCAB = BYTE_OFFSET + 256
STOP = 0
"""The STOP action: always action 0, whatever the language, so mixed-language action spaces agree on it."""

MARKER_NAMES = {PAD: "PAD", INPUT: "IN", OUTPUT: "OUT", END: "END", CUT: "CUT", SPEC: "SPEC", FIELD: "FIELD"}


def encoded_length(examples: Iterable, spec: Sequence[int | bytes] = ()) -> int:
    """Length of the uncut encoding of `examples` (TestCase-like: .input and .output bytes) and `spec`."""
    return sum(len(e.input) + len(e.output) + 3 for e in examples) + len(spec_tokens(spec))


def spec_field_bytes(value: int | bytes) -> bytes:
    """One spec field as bytes: a number as its decimal ASCII digits, a string as itself."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value)).encode("ascii")
    raise ValueError(f"a spec field must be an int or bytes, got {value!r}")


def spec_tokens(spec: Sequence[int | bytes]) -> np.ndarray:
    """`SPEC field FIELD field ...` as int32 ids; empty for an empty spec."""
    if not spec:
        return np.zeros(0, dtype=np.int32)
    ids: list[int] = [SPEC]
    for number, value in enumerate(spec):
        if number:
            ids.append(FIELD)
        ids.extend(b + BYTE_OFFSET for b in spec_field_bytes(value))
    return np.asarray(ids, dtype=np.int32)


def encode_task(examples: Sequence, spec: Sequence[int | bytes], length: int) -> np.ndarray:
    """The `task` array of `length` int32 ids: the examples, then the spec (layout in the module docstring)."""
    tail = spec_tokens(spec)
    if len(tail) >= length:  # not even the spec fits: cut it, no examples
        out = np.zeros(length, dtype=np.int32)
        if len(tail) == length:
            out[:] = tail
        else:
            out[: length - 1] = tail[: length - 1]
            out[length - 1] = CUT
        return out
    out = encode_examples(examples, length - len(tail), total=length)
    if len(tail):
        used = int(np.flatnonzero(out)[-1]) + 1 if out.any() else 0
        out[used : used + len(tail)] = tail
    return out


def encode_examples(examples: Sequence, length: int, *, total: int | None = None) -> np.ndarray:
    """The `task` array of `length` int32 ids for `examples` alone (layout in the module docstring).

    `total` (>= length) sizes the returned array when a spec will follow:
    the examples use at most `length` ids of it.
    """
    out = np.zeros(length if total is None else total, dtype=np.int32)
    position = 0
    for example in examples:
        piece = np.concatenate(
            (
                [INPUT],
                np.frombuffer(example.input, dtype=np.uint8).astype(np.int32) + BYTE_OFFSET,
                [OUTPUT],
                np.frombuffer(example.output, dtype=np.uint8).astype(np.int32) + BYTE_OFFSET,
                [END],
            )
        )
        room = length - position
        if len(piece) <= room:
            out[position : position + len(piece)] = piece
            position += len(piece)
            continue
        if room > 0:
            out[position : length - 1] = piece[: room - 1]
            out[length - 1] = CUT
        break
    return out


def decode_examples(task: np.ndarray) -> list[tuple[bytes, bytes]]:
    """The (input, output) byte pairs of an uncut `task` encoding (inverse of `encode_examples`); the spec is ignored."""
    pairs: list[tuple[bytes, bytes]] = []
    current: dict[str, bytearray] = {}
    field = None
    for token in (int(t) for t in task):
        if token == INPUT:
            current, field = {"input": bytearray(), "output": bytearray()}, "input"
        elif token == OUTPUT:
            field = "output"
        elif token == END:
            pairs.append((bytes(current["input"]), bytes(current["output"])))
            field = None
        elif token >= BYTE_OFFSET and field is not None:
            current[field].append(token - BYTE_OFFSET)
        elif token in (PAD, CUT, SPEC):
            break
    return pairs


def decode_spec(task: np.ndarray) -> tuple[bytes, ...]:
    """The spec fields of an uncut `task` encoding, each as bytes (a number's field holds its decimal digits); () when there is none."""
    ids = np.asarray(task)
    starts = np.flatnonzero(ids == SPEC)
    if starts.size == 0:
        return ()
    fields: list[bytearray] = [bytearray()]
    for token in (int(t) for t in ids[int(starts[0]) + 1 :]):
        if token == FIELD:
            fields.append(bytearray())
        elif token >= BYTE_OFFSET:
            fields[-1].append(token - BYTE_OFFSET)
        else:  # PAD or CUT ends the spec
            break
    return tuple(bytes(f) for f in fields)


def spec_number(field: bytes) -> int:
    """A numeric spec field (decimal ASCII digits, optional leading '-') as an int; ValueError naming the field otherwise."""
    text = field.decode("ascii", errors="replace")
    if not text or not (text.isdigit() or (text[0] == "-" and text[1:].isdigit())):
        raise ValueError(f"spec field {field!r} is not a decimal number")
    return int(text)


def fit_length(longest: int, multiple: int = 64) -> int:
    """A task array length for encodings up to `longest`: 25% headroom, rounded up to a multiple of 64."""
    wanted = max(multiple, int(np.ceil(longest * 1.25)))
    return int(-(-wanted // multiple) * multiple)


@dataclass(frozen=True)
class TokenTable:
    """A language's tokens as actions, and the structure the action mask follows.

    `tokens` are the language's alphabet in action order (`order`:
    canonical or seeded) and `effects` their effect ids in the same order.
    `kind` is 'brackets' for Brainfuck and its dialects (Ook! included):
    the close token needs an open loop, an open token needs room left to
    close it, and STOP waits until every loop is closed. 'grid' is
    Befunge-93: a row holds at most `width` cells and the program at most
    `height` rows. 'plain' (Whitespace) has no structural rule.
    """

    language: str
    tokens: tuple[str, ...]
    separator: str
    kind: str
    effects: tuple[int, ...] = ()
    order: str = "canonical"
    open_action: int = -1
    close_action: int = -1
    newline_action: int = -1
    width: int = 0
    height: int = 0

    @property
    def num_actions(self) -> int:
        return len(self.tokens) + 1

    def action_effects(self, num_actions: int) -> np.ndarray:
        """The `action_effects` array for an action space of `num_actions` slots: stop, each token's effect, pad."""
        if num_actions < self.num_actions:
            raise ValueError(
                f"num_actions={num_actions} is smaller than the {self.num_actions} actions of {self.language}"
            )
        out = np.full(num_actions, PAD_EFFECT, dtype=np.int32)
        out[STOP] = STOP_EFFECT
        out[1 : self.num_actions] = self.effects
        return out

    def text(self, actions: Iterable[int]) -> str:
        """Program text of a sequence of action ids (STOP excluded)."""
        return self.separator.join(self.tokens[a - 1] for a in actions)

    def actions(self, program: str) -> list[int]:
        """Action ids of a program text that is a concatenation of tokens (with the separator between them).

        Raises ValueError naming the offset of the first character that
        starts no token, e.g. a comment in a Brainfuck program.
        """
        if self.separator:
            return self._words_to_actions(program.split())
        by_token = sorted(((t, i + 1) for i, t in enumerate(self.tokens)), key=lambda p: -len(p[0]))
        result, offset = [], 0
        while offset < len(program):
            for token, action in by_token:
                if program.startswith(token, offset):
                    result.append(action)
                    offset += len(token)
                    break
            else:
                raise ValueError(
                    f"program text has {program[offset]!r} at offset {offset}, which starts no {self.language} token; "
                    f"tokens are {list(self.tokens)}"
                )
        return result

    def _words_to_actions(self, words: list[str]) -> list[int]:
        # Word languages (Ook!) have multi-word tokens: match greedily on words.
        token_words = [(tuple(t.split()), i + 1) for i, t in enumerate(self.tokens)]
        token_words.sort(key=lambda p: -len(p[0]))
        result, position = [], 0
        while position < len(words):
            for parts, action in token_words:
                if tuple(words[position : position + len(parts)]) == parts:
                    result.append(action)
                    position += len(parts)
                    break
            else:
                raise ValueError(
                    f"program word {words[position]!r} (word {position}) starts no {self.language} token; "
                    f"tokens are {list(self.tokens)}"
                )
        return result


def token_table(language, action_order: str | None = None) -> TokenTable:
    """The TokenTable of an `esolangs.Language` in `action_order` (None: the language's `default_action_order`)."""
    order = language.default_action_order if action_order is None else action_order
    if order not in ACTION_ORDERS:
        raise ValueError(f"action_order must be one of {list(ACTION_ORDERS)} or None, got {action_order!r}")
    alphabet = tuple(language.alphabet)
    positions = tuple(language.seeded_order()) if order == "seeded" else tuple(range(len(alphabet)))
    tokens = tuple(alphabet[i] for i in positions)
    knowledge = language.knowledge
    effects = tuple(knowledge[i].effect for i in positions)
    common: dict[str, Any] = {"effects": effects, "order": order}
    separator = language.token_separator()
    name = getattr(language, "name", str(language))
    bf_tokens = _brainfuck_tokens(language, tokens)
    if bf_tokens is not None:
        return TokenTable(
            name,
            tokens,
            separator,
            "brackets",
            **common,
            open_action=tokens.index(bf_tokens["["]) + 1,
            close_action=tokens.index(bf_tokens["]"]) + 1,
        )
    if name.startswith("befunge"):
        options = getattr(language, "options", None)
        return TokenTable(
            name,
            tokens,
            separator,
            "grid",
            **common,
            newline_action=tokens.index("\n") + 1 if "\n" in tokens else -1,
            width=int(getattr(options, "width", 80) or 80),
            height=int(getattr(options, "height", 25) or 25),
        )
    return TokenTable(name, tokens, separator, "plain", **common)


def _brainfuck_tokens(language, tokens: tuple[str, ...]) -> dict[str, str] | None:
    """For Brainfuck and its renamings: BF command -> token of this language; else None."""
    if getattr(language, "base_name", "") == "bf":  # Brainfuck or one of its option variants
        return {c: c for c in tokens}
    from_bf = getattr(language, "from_bf", None)
    if from_bf is None:
        return None
    mapping = {}
    for command in "[]":
        token = from_bf(command).strip()
        if token not in tokens:
            return None
        mapping[command] = token
    return mapping


class MaskState:
    """Incremental action-mask bookkeeping for one episode of one TokenTable."""

    __slots__ = ("table", "max_length", "num_actions", "mask_actions", "length", "open_loops", "row", "column", "_base")

    def __init__(self, table: TokenTable, max_length: int, num_actions: int, mask_actions: bool):
        self.table = table
        self.max_length = max_length
        self.num_actions = num_actions
        self.mask_actions = mask_actions
        base = np.zeros(num_actions, dtype=np.int8)
        base[: table.num_actions] = 1  # slots beyond this language's alphabet never exist for it
        self._base = base
        self.length = self.open_loops = self.row = self.column = 0

    def reset(self) -> None:
        self.length = self.open_loops = self.row = self.column = 0

    def push(self, action: int) -> None:
        table = self.table
        self.length += 1
        if table.kind == "brackets":
            if action == table.open_action:
                self.open_loops += 1
            elif action == table.close_action and self.open_loops > 0:
                self.open_loops -= 1
        elif table.kind == "grid":
            if action == table.newline_action:
                self.row += 1
                self.column = 0
            else:
                self.column += 1

    def mask(self) -> np.ndarray:
        mask = self._base.copy()
        if not self.mask_actions:
            return mask
        table = self.table
        if self.length == 0:
            mask[STOP] = 0
        if table.kind == "brackets":
            left = self.max_length - self.length
            if self.open_loops == 0:
                mask[table.close_action] = 0
            else:
                mask[STOP] = 0
                if left <= self.open_loops:
                    # exactly enough room to close every open loop: only closing tokens remain
                    mask[1:] = 0
                    mask[table.close_action] = 1
            if left < self.open_loops + 2:
                mask[table.open_action] = 0
        elif table.kind == "grid":
            if self.column >= table.width:
                # the row is full: only a newline (or STOP) continues the program
                mask[1:] = 0
                if table.newline_action > 0:
                    mask[table.newline_action] = 1
            if table.newline_action > 0 and self.row + 1 >= table.height:
                mask[table.newline_action] = 0
        return mask
