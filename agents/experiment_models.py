"""Shim (issue 20): the transfer ablation's arm names, for scripts/exp_*.py and agents.experiment_trainer.

An arm is a (name, actions) pair of agents.nets.torch_nets (agents.nets.ARMS
maps them); `build_arm` returns that plain torch network, whose
`encode(obs) -> (h, logits)` and `value_head` agents.experiment_trainer
reads. Delete this file with scripts/exp_*.py and agents/experiment_trainer.py.
"""

from __future__ import annotations

from agents.config import MODEL_DEFAULTS
from agents.nets import ARMS, PERMUTED_ARMS, network_of_arm
from agents.nets.torch_nets import StreamNet, build_net

__all__ = ["ARMS", "PERMUTED_ARMS", "build_arm"]


def build_arm(arm: str, observation_space, action_space, model_config: dict | None = None) -> StreamNet:
    """The torch network of an arm for these spaces; ValueError lists the arms."""
    name, actions = network_of_arm(arm)
    settings = {**MODEL_DEFAULTS, **dict(model_config or {}), "name": name, "actions": actions}
    spaces = observation_space.spaces
    return build_net(settings, spaces["task"].shape[0], spaces["program"].shape[0], action_space.n)
