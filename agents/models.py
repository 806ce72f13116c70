"""Shim (issue 20): the old import path of the RLlib modules, for agents.rllib_trainer and agents.experiment_trainer.

The network is agents.nets.torch_nets, its RLlib adapter
agents.backends.rllib_module.StreamModule. Each old class here is that
adapter with its (name, actions) fixed, so `model_class(name)` keeps
working as an RLModuleSpec's module class. Delete this file once
agents.rllib_trainer and agents.experiment_trainer are gone (old
checkpoints that name these classes load through
agents.backends.rllib_module.load_module without it).
"""

from __future__ import annotations

from typing import Any

from agents.backends.rllib_module import VALUE_CHUNK, StreamModule
from agents.nets import LEGACY_MODELS
from agents.nets.torch_nets import FLOAT_MIN, masked_logits, stream_indices
from agents.train_config import MODEL_DEFAULTS

__all__ = ["DEFAULTS", "FLOAT_MIN", "MODELS", "VALUE_CHUNK", "masked_logits", "model_class", "stream_indices"]

DEFAULTS: dict[str, Any] = dict(MODEL_DEFAULTS)


class _NamedModule(StreamModule):
    """StreamModule whose model_config gets this class's (name, actions) and the size defaults."""

    model_name = ""

    def setup(self):
        name, actions = LEGACY_MODELS[self.model_name]
        self.model_config = {**DEFAULTS, **dict(self.model_config or {}), "name": name, "actions": actions}
        super().setup()


class SmallContextModel(_NamedModule):
    model_name = "small-context"


class FullContextModel(_NamedModule):
    model_name = "full-context"


class SmallWindowModel(_NamedModule):
    model_name = "small-window"


class GRUModel(_NamedModule):
    model_name = "gru"


MODELS: dict[str, type[StreamModule]] = {
    cls.model_name: cls for cls in (SmallContextModel, FullContextModel, SmallWindowModel, GRUModel)
}


def model_class(name: str) -> type[StreamModule]:
    """The module class of an old CLI model name; ValueError lists the names."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}") from None
