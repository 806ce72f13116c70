"""Shim (issue 20): the old import path of the Flax networks, for agents.jax_trainer and scripts/roofline_jax_trainer.py.

The networks are agents.nets.flax_nets. `build_model(model, ...)` takes an
old model name (agents.nets.LEGACY_MODELS). Delete this file once
agents.jax_trainer is gone.
"""

from __future__ import annotations

from typing import Any

from agents.nets import LEGACY_MODELS, flax_nets
from agents.nets.flax_nets import MASKED_LOGIT, StreamNet, masked_logits, parameter_count
from agents.train_config import MODEL_DEFAULTS

__all__ = ["MASKED_LOGIT", "MODEL_DEFAULTS", "MODEL_NAMES", "build_model", "masked_logits", "parameter_count"]

MODEL_NAMES = ("small-context", "small-window", "full-context")
"""The old model names agents.jax_trainer accepts."""


def build_model(
    model: str, settings: dict[str, Any], task_length: int, program_length: int, num_actions: int
) -> StreamNet:
    """The Flax network of an old model name and its size settings (agents.train_config.MODEL_DEFAULTS keys)."""
    if model not in MODEL_NAMES:
        raise ValueError(f"the JAX trainer builds models {', '.join(MODEL_NAMES)}; got {model!r}")
    merged = {**MODEL_DEFAULTS, **settings}
    unknown = sorted(set(merged) - set(MODEL_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown model setting(s) {unknown}; known: {sorted(MODEL_DEFAULTS)}")
    name, actions = LEGACY_MODELS[model]
    return flax_nets.build_net({**merged, "name": name, "actions": actions}, task_length, program_length, num_actions)
