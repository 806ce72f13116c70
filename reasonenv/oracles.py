"""Observation-only oracles: scripted policies that solve the curriculum families from the token observation alone.

`ObservationOracle` implements `reasonenv.policy.Policy`. It reads only the
observation dict, never the instance: the family from `obs["family"]`, the
visible examples and the spec from `obs["task"]`
(`reasonenv.envs.encoding.decode_examples` / `decode_spec`), and which
action does what from `obs["action_effects"]`. It writes the program as
commands of the language family (Brainfuck or Befunge-93), maps each command
to its effect (`esolangs.knowledge.EFFECTS`) and each effect to the action
slot that carries it in this episode. Brainfuck, Ook! and every
`bf-dialect-<seed>`, in canonical or seeded action order, are therefore
written by one code path; Whitespace (lexical effects only) is not supported.

Passing every hidden test this way proves that the observation determines
the task: a family whose target were hidden from the observation could not
be solved by it except by chance. `SOLVED` lists the families it writes
programs for, per language family.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from esolangs.knowledge import EFFECT_IDS
from reasonenv.envs.encoding import STOP, decode_examples, decode_spec, spec_number

BF_EFFECTS = {
    ">": "ptr_right",
    "<": "ptr_left",
    "+": "inc",
    "-": "dec",
    ".": "output",
    ",": "input",
    "[": "jump_fwd_if_zero",
    "]": "jump_back_if_nonzero",
}
"""Brainfuck command -> effect name; every renaming of Brainfuck (Ook!, dialects) shares these effects."""

_BF_KIND = EFFECT_IDS["jump_fwd_if_zero"]
_BEFUNGE_KIND = EFFECT_IDS["end"]
_BEFUNGE_READ_OR_STOP = "~:1+!#@_"
"""Read a byte; at end of input ('~' pushes -1) stop, else fall through (the row wraps around to the next read)."""


class TaskView:
    """What the oracle reads from `obs["task"]`: the (input, output) examples and the spec fields as bytes."""

    __slots__ = ("examples", "spec")

    def __init__(self, task: np.ndarray):
        self.examples: list[tuple[bytes, bytes]] = decode_examples(task)
        self.spec: tuple[bytes, ...] = decode_spec(task)

    def spec_bytes(self, field: int) -> bytes:
        if field >= len(self.spec):
            raise ValueError(f"the observation carries {len(self.spec)} spec field(s); field {field} is missing")
        return self.spec[field]

    def spec_int(self, field: int) -> int:
        return spec_number(self.spec_bytes(field))

    def constant_added(self) -> int:
        """The constant c with output = input + c (mod 256), read from the first example with input."""
        for data, output in self.examples:
            if data and output:
                return (output[0] - data[0]) % 256
        raise ValueError("no visible example with input shows the constant to add")


# ---------------------------------------------------------------- program writers (language family -> family -> writer)


def _bf_print(data: bytes) -> str:
    from curricula.solutions.bf_codegen import bf_print

    return bf_print(data)


def _bf_repeated(view: TaskView) -> str:
    from curricula.solutions.bf_codegen import bf_add, bf_repeat

    byte, count = view.spec_bytes(0), view.spec_int(1)
    straight = _bf_print(byte * count)
    looped = bf_add(byte[0]) + bf_repeat(count, ".")
    return min(straight, looped, key=len)


def _bf_add_constant(view: TaskView) -> str:
    from curricula.solutions.bf_codegen import bf_add, bf_map_each

    return bf_map_each(bf_add(view.constant_added()) + ".")


def _befunge_print(data: bytes) -> str:
    from curricula.solutions.befunge_codegen import befunge_push

    return "".join(befunge_push(b) + "," for b in data) + "@"


def _befunge_add_constant(view: TaskView) -> str:
    from curricula.solutions.befunge_codegen import befunge_push

    return _BEFUNGE_READ_OR_STOP + befunge_push(view.constant_added()) + "+,"


Writer = Callable[[TaskView], str]

BF_WRITERS: dict[str, Writer] = {
    "emit-char": lambda v: _bf_print(v.spec_bytes(0)),
    "emit-string": lambda v: _bf_print(v.spec_bytes(0)),
    "emit-repeated": _bf_repeated,
    "paper-bf-print": lambda v: _bf_print(v.spec_bytes(0)),
    "echo-byte": lambda v: ",.",
    "increment-byte": lambda v: ",+.",
    "echo-twice-byte": lambda v: ",..",
    "increment-echo-twice": lambda v: ",+..",
    "echo-all": lambda v: ",[.,]",
    "duplicate-each": lambda v: ",[..,]",
    "add-constant": _bf_add_constant,
    "echo": lambda v: ",[.,].",  # pqt: letters then a 0, the 0 echoed too
    "reverse": lambda v: ",[>,]+[,<.]",  # pqt's published program (clamped tape, EOF reads 0)
    "swap-two": lambda v: ",>,.<.",
    "pair-twice": lambda v: ",>,<.>.<.>.",
    "last-byte": lambda v: ",[>,]<.",
    "last-then-first": lambda v: ">,[>,]<.[<]>.",  # cell 0 stays 0: the walk back stops on it
    "reverse-bytes": lambda v: ">,[>,]<[.<]",  # default semantics: cell 0 stays 0 and stops the walk back
}

BEFUNGE_WRITERS: dict[str, Writer] = {
    "emit-char": lambda v: _befunge_print(v.spec_bytes(0)),
    "emit-string": lambda v: _befunge_print(v.spec_bytes(0)),
    "emit-repeated": lambda v: _befunge_print(v.spec_bytes(0) * v.spec_int(1)),
    "paper-befunge-print": lambda v: _befunge_print(v.spec_bytes(0)),
    "echo-byte": lambda v: "~,@",
    "increment-byte": lambda v: "~1+,@",
    "echo-twice-byte": lambda v: "~:,,@",
    "increment-echo-twice": lambda v: "~1+:,,@",
    "echo-all": lambda v: _BEFUNGE_READ_OR_STOP + ",",
    "duplicate-each": lambda v: _BEFUNGE_READ_OR_STOP + ":,,",
    "add-constant": _befunge_add_constant,
}

SOLVED: dict[str, tuple[str, ...]] = {"bf": tuple(sorted(BF_WRITERS)), "befunge93": tuple(sorted(BEFUNGE_WRITERS))}
"""Families the oracle writes programs for: 'bf' (Brainfuck, Ook!, dialects) and 'befunge93'."""


def _befunge_effects() -> dict[str, str]:
    import esolangs

    return {k.symbol: k.effect_name for k in esolangs.get("befunge93").knowledge}


class ObservationOracle:
    """A scripted `Policy` for the curriculum families that reads only the observation (see the module docstring).

    Stateless between calls: at each step it (re)derives the whole program
    from the observation (memoised on the observation's task, family and
    effects) and emits the token after the ones already in `obs["program"]`,
    then STOP.
    """

    def __init__(self) -> None:
        from curricula.base import family_ids

        self._family_names = {number: name for name, number in family_ids().items()}
        self._befunge_effects = _befunge_effects()
        self._programs: dict[tuple, tuple[int, ...]] = {}

    def act(self, observation: dict[str, np.ndarray]) -> int:
        actions = self.actions(observation)
        position = int(np.count_nonzero(np.asarray(observation["program"])))
        return actions[position] if position < len(actions) else STOP

    def actions(self, observation: dict[str, np.ndarray]) -> tuple[int, ...]:
        """The whole program as action ids (STOP excluded) for this observation's task and language."""
        task = np.asarray(observation["task"])
        effects = np.asarray(observation["action_effects"])
        family = int(observation["family"])
        key = (family, task.tobytes(), effects.tobytes())
        cached = self._programs.get(key)
        if cached is None:
            cached = self._programs[key] = self._write(family, task, effects, len(observation["program"]))
        return cached

    def program_text(self, observation: dict[str, np.ndarray]) -> str:
        """The program the oracle writes, in Brainfuck or Befunge-93 commands (before mapping to actions)."""
        _, writer = self._writer(int(observation["family"]), np.asarray(observation["action_effects"]))
        return writer(TaskView(np.asarray(observation["task"])))

    def _writer(self, family: int, effects: np.ndarray) -> tuple[str, Writer]:
        name = self._family_names.get(family, f"<family id {family}>")
        if _BF_KIND in effects:
            kind, writers = "bf", BF_WRITERS
        elif _BEFUNGE_KIND in effects:
            kind, writers = "befunge93", BEFUNGE_WRITERS
        else:
            raise ValueError(
                "the oracle writes Brainfuck-like and Befunge-93 programs; these action effects are neither"
            )
        if name not in writers:
            raise ValueError(
                f"the oracle has no {kind} program for family {name!r}; it solves {', '.join(SOLVED[kind])}"
            )
        return kind, writers[name]

    def _write(self, family: int, task: np.ndarray, effects: np.ndarray, room: int) -> tuple[int, ...]:
        kind, writer = self._writer(family, effects)
        text = writer(TaskView(task))
        table = BF_EFFECTS if kind == "bf" else self._befunge_effects
        slot_of = {int(effect): slot for slot, effect in enumerate(effects) if slot != STOP}
        actions = []
        for command in text:
            if command not in table:
                raise ValueError(f"oracle program {text!r} holds {command!r}, which is no {kind} command")
            effect = EFFECT_IDS[table[command]]
            if effect not in slot_of:
                raise ValueError(f"no action slot has the effect {table[command]!r} needed for {command!r}")
            actions.append(slot_of[effect])
        if len(actions) > room:
            raise ValueError(
                f"the oracle's program {text!r} has {len(actions)} tokens, more than max_program_length={room}"
            )
        return tuple(actions)
