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
"""

from __future__ import annotations

import difflib

ARCHITECTURES = ("small-context", "full-context", "small-window", "gru")
"""Values of ModelSettings.name (the memory agent first)."""
ACTION_HEADS = ("pointer", "index", "index+effects")
"""Values of ModelSettings.actions."""
SIZE_KEYS = ("dim", "heads", "layers", "window", "top_k", "hidden")
"""The size settings every network reads (defaults live with the config, not here)."""

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


def network_of_arm(arm: str) -> tuple[str, str]:
    """(name, actions) of an old arm name; ValueError lists the arms."""
    if arm not in ARMS:
        raise ValueError(f"unknown arm {arm!r}; choose one of {', '.join(ARMS)}")
    return ARMS[arm]
