"""The networks' names, apart from any framework: architectures, action heads, and the old names they replace.

    from agents.nets import ARCHITECTURES, ACTION_HEADS, ARMS
    name, actions = ARMS["index+memory"]          # ("small-context", "index")

A network is a pair (name, actions) plus sizes (`SIZE_KEYS`); the torch
family is agents.nets.torch_nets, its Flax twins agents.nets.flax_nets
(same names, same flags, same parameters). This module imports no torch
or jax, so configs can be validated without them.

Architectures (`name`):
- `small-context` (the memory agent): a causal transformer over the last W
  stream tokens plus top-k retrieval over the tokens that left the window.
- `small-window`: the same without the memory.
- `full-context`: the transformer's window is the whole stream.
- `gru`: a GRU over the whole stream.

Action heads (`actions`):
- `pointer`: a knowledge store of one entry per action slot, built from the
  slot's effect id; program tokens enter the stream through their slot's
  entry and each slot's logit is the query dotted with its entry, so
  nothing depends on a raw action index.
- `index`: program tokens embedded by action index, a plain linear head
  over action indices, no effect ids anywhere.
- `index+effects`: a plain linear head over indices, but effect ids in the
  input (program tokens through their slot's effect, plus the whole
  slot->effect table as one vector); the permuted-plain baseline.

How a knowledge entry is built from a slot's effect (`effects`, for the
heads that read effects, pointer and index+effects):
- `ids` (the default): a learned embedding row per effect id.
- `parts`: the effect's parts (esolangs.knowledge.effect_parts_matrix:
  pointer and cell delta, I/O kind, loop role, EOF rule; an identity
  column for effects without parts), a constant, through a learned
  Linear(P -> d). An effect id never trained whose parts are known (`,`
  under another EOF rule) then reads as those parts, not as an untrained row.

Inputs every architecture can add (torch_nets describes them):
`value_features` (a setting: bytes also enter by their bits and value; with
`byte_rows` false, only by them) and
`execution_shape` (the observation's "execution" (E, F), given to build_net;
None reads none).
"""

from __future__ import annotations

import difflib

ARCHITECTURES = ("small-context", "full-context", "small-window", "gru")
"""Values of ModelSettings.name (the memory agent first)."""
ACTION_HEADS = ("pointer", "index", "index+effects")
"""Values of ModelSettings.actions."""
EFFECT_INPUTS = ("ids", "parts")
"""Values of ModelSettings.effects (the default first)."""
EFFECT_HEADS = ("pointer", "index+effects")
"""The action heads that read effects; `index` reads none, so `effects="parts"` with it is refused."""
SIZE_KEYS = ("dim", "heads", "layers", "window", "top_k", "hidden")
"""The size settings every network reads (defaults live with the config, not here)."""
BYTE_OFFSET = 8
"""Task token id of byte 0 (reasonenv.envs.encoding.BYTE_OFFSET): ids >= 8 are bytes."""
THERMOMETER = 8
"""Ordinal value features: b >= 1, ..., b >= 8."""
VALUE_FEATURES = 8 + 1 + THERMOMETER
"""A byte's value features: its 8 bits, b / 255, and THERMOMETER steps 1[b >= k]. Bits alone are not ordinal (2 =
0b10 shares no bit with 1 and is no nearer 3 than 1 is), so an interior byte would not lie between its
neighbours; the steps make "b >= 1" (a step column that is not 0) one feature and 2 = 1 + one step."""
STATE_COLUMNS = 13
"""Columns 0..11 of an execution row describe the run's state; then (expected_j, output_j) pairs."""
STEP_COLUMN = 12
"""The execution row's step column: byte token of (next expected - cell) mod 256 (reasonenv.envs.execution)."""
STEP_FEATURES = 2 + THERMOMETER + 1
"""The step column's signed features (option `signed_step`): with s = b for b < 128, else b - 256, [s > 0, s < 0,
1[|s| >= k] k = 1..THERMOMETER, |s| / 128]. Mod 256 a fall of 1 reads 255, whose unsigned features (every step on,
b / 255 = 1) say "far up", where a rise of 1 reads 1: counting down then has nothing in common with counting up.
Signed, a fall of k and a rise of k share their magnitude features and differ in one sign feature."""


def execution_layout(execution_shape) -> tuple[int, int]:
    """(runs E, output positions L) of an execution observation shape (E, F = 13 + 2 L); ValueError otherwise."""
    shape = tuple(int(n) for n in execution_shape)
    if len(shape) != 2 or shape[0] < 1 or shape[1] < STATE_COLUMNS or (shape[1] - STATE_COLUMNS) % 2:
        raise ValueError(
            f"execution_shape {execution_shape!r} is not (runs >= 1, 13 + 2 * output positions); "
            "the observation's 'execution' is (E, F) with F = 13 + 2 L"
        )
    return shape[0], (shape[1] - STATE_COLUMNS) // 2


ARMS: dict[str, tuple[str, str]] = {
    "pointer+memory": ("small-context", "pointer"),
    "pointer+window": ("small-window", "pointer"),
    "index+memory": ("small-context", "index"),
    "index+window": ("small-window", "index"),
    "full-context": ("full-context", "index"),
    "permuted-plain": ("small-context", "index+effects"),
}
"""The transfer ablation's arm names (experiments.arms.ARMS states the same table as TrainConfig flags) -> (name, actions)."""
PERMUTED_ARMS = ("permuted-plain",)
"""Arms trained with a fresh action order in every episode."""
LEGACY_MODELS: dict[str, tuple[str, str]] = {
    "small-context": ("small-context", "pointer"),
    "small-window": ("small-window", "pointer"),
    "full-context": ("full-context", "index"),
    "gru": ("gru", "pointer"),
}
"""The old `model` field of a run's config.json (agents.models names) -> (name, actions): the old full-context
baseline embedded program tokens by index and had a plain head, so it is ("full-context", "index")."""


def check_network(name: str, actions: str) -> None:
    """ValueError naming the unknown architecture or action head and the close or allowed names."""
    for value, allowed, field in ((name, ARCHITECTURES, "name"), (actions, ACTION_HEADS, "actions")):
        if value not in allowed:
            close = difflib.get_close_matches(str(value), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"model {field} {value!r} is unknown{hint}; choose one of {', '.join(allowed)}")


def check_effects(effects: str, actions: str) -> None:
    """ValueError naming an unknown `effects` or `parts` with a head that reads no effects, and what is allowed."""
    if effects not in EFFECT_INPUTS:
        raise ValueError(f"model effects {effects!r} is unknown; choose one of {', '.join(EFFECT_INPUTS)}")
    if effects == "parts" and actions not in EFFECT_HEADS:
        raise ValueError(
            f"model effects 'parts' needs an action head that reads effects ({', '.join(EFFECT_HEADS)}); "
            f"actions {actions!r} reads none"
        )


def network_of_arm(arm: str) -> tuple[str, str]:
    """(name, actions) of an old arm name; ValueError lists the arms."""
    if arm not in ARMS:
        raise ValueError(f"unknown arm {arm!r}; choose one of {', '.join(ARMS)}")
    return ARMS[arm]
