"""RLlib's view of the torch network: a thin `TorchRLModule` adapter around agents.nets.torch_nets (no network code).

    spec = RLModuleSpec(module_class=StreamModule, model_config={"name": "small-context", "actions": "pointer",
                                                                 "dim": 64, ..., "exploration_floor": 0.0})

As in RLlib's action-masking example
(rllib/examples/rl_modules/classes/action_masking_rlm.py): `setup()` builds
the net from `model_config` and the observation space, the forward methods
map the batch's observations to `net(obs)` and return its masked logits as
ACTION_DIST_INPUTS, and `compute_values` is the net's value. What stays here
is RLlib sampling behaviour: the exploration floor, and computing values in
chunks when RLlib asks for a whole train batch's values without grad.

The net is stateless (the whole episode is recomputed from the observation
at every step), so RLlib needs no state in/out and no `max_seq_len`.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.apis.value_function_api import ValueFunctionAPI
from ray.rllib.core.rl_module.torch.torch_rl_module import TorchRLModule

from agents.nets import ARMS, LEGACY_MODELS
from agents.nets.torch_nets import build_net, masked_logits

VALUE_CHUNK = 512
"""Rows per forward pass when values are computed without grad (GAE over a train batch)."""
NET_PREFIX = "net."


class StreamModule(TorchRLModule, ValueFunctionAPI):
    """A torch_nets.StreamNet (`self.net`) under RLlib's forward methods; model_config holds the ModelSettings.

    `model_config` keys: name, actions, dim, heads, layers, window, top_k,
    hidden, value_features, byte_rows, effects, signed_step (agents.nets.torch_nets.build_net;
    a checkpoint written before they existed lacks them: False, True, "ids", False), plus
    `exploration_floor` (0 = sample from the policy itself). The net reads
    the execution observation when the observation space has "execution".
    """

    def setup(self):
        settings = dict(self.model_config or {})
        spaces = self.observation_space.spaces
        self.net = build_net(
            settings,
            int(spaces["task"].shape[0]),
            int(spaces["program"].shape[0]),
            int(self.action_space.n),
            execution_shape=tuple(spaces["execution"].shape) if "execution" in spaces else None,
        )
        self.exploration_floor = float(settings.get("exploration_floor", 0.0))

    def _forward(self, batch: dict[str, Any], **kwargs) -> dict[str, Any]:
        logits, _ = self.net(batch[Columns.OBS])
        return {Columns.ACTION_DIST_INPUTS: logits}

    def _forward_exploration(self, batch: dict[str, Any], **kwargs) -> dict[str, Any]:
        """What the env runners sample from: the policy, mixed with a uniform floor over allowed actions if set.

        The env runner records the log-probability of this distribution, and
        the learner's ratio is policy / this, so the floor is corrected for.
        """
        out = self._forward(batch, **kwargs)
        if self.exploration_floor > 0:
            mask = batch[Columns.OBS]["action_mask"]
            allowed = mask.float()
            uniform = allowed / allowed.sum(-1, keepdim=True).clamp_min(1.0)
            probs = torch.softmax(out[Columns.ACTION_DIST_INPUTS], -1)
            mixed = (1.0 - self.exploration_floor) * probs + self.exploration_floor * uniform
            out[Columns.ACTION_DIST_INPUTS] = masked_logits(torch.log(mixed.clamp_min(1e-30)), mask)
        return out

    def _forward_train(self, batch: dict[str, Any], **kwargs) -> dict[str, Any]:
        # The values travel as EMBEDDINGS, so PPO's value loss (compute_values(batch, embeddings)) reuses this pass.
        logits, value = self.net(batch[Columns.OBS])
        return {Columns.ACTION_DIST_INPUTS: logits, Columns.EMBEDDINGS: value}

    def compute_values(self, batch: dict[str, Any], embeddings: Any = None) -> torch.Tensor:
        if embeddings is not None:
            return embeddings  # the values of _forward_train's pass
        obs = batch[Columns.OBS]
        rows = len(obs["action_mask"])
        if torch.is_grad_enabled() or rows <= VALUE_CHUNK:
            return self.net(obs)[1]
        # GAE asks for the values of a whole train batch without grad:
        # chunks that stay in cache run about twice as fast on CPU.
        return torch.cat(
            [
                self.net({key: value[start : start + VALUE_CHUNK] for key, value in obs.items()})[1]
                for start in range(0, rows, VALUE_CHUNK)
            ]
        )

    def set_state(self, state: dict[str, Any]) -> None:
        # Checkpoints of agents.models' modules (before the net was split out) hold the net's weights unprefixed;
        # RLlib loads with strict=False, so unprefixed keys would be skipped silently, leaving fresh weights.
        if state and not any(key.startswith(NET_PREFIX) for key in state):
            state = {NET_PREFIX + key: value for key, value in state.items()}
        super().set_state(state)


LEGACY_CLASSES: dict[str, tuple[str, str]] = {
    "SmallContextModel": LEGACY_MODELS["small-context"],
    "SmallWindowModel": LEGACY_MODELS["small-window"],
    "FullContextModel": LEGACY_MODELS["full-context"],
    "GRUModel": LEGACY_MODELS["gru"],
    "IndexMemoryModel": ARMS["index+memory"],
    "IndexWindowModel": ARMS["index+window"],
    "PermutedPlainModel": ARMS["permuted-plain"],
}
"""Module classes of agents.models / agents.experiment_models pickled in old checkpoints -> (name, actions)."""


class _CheckpointUnpickler(pickle.Unpickler):
    """Reads a checkpoint's class_and_ctor_args.pkl; an old module class becomes (StreamModule, its network)."""

    def find_class(self, module: str, name: str) -> Any:
        if module in ("agents.models", "agents.experiment_models") and name in LEGACY_CLASSES:
            return _LegacyClass(LEGACY_CLASSES[name])
        return super().find_class(module, name)


class _LegacyClass:
    """Stands in for an old module class while unpickling; remembers which network it built."""

    def __init__(self, network: tuple[str, str]):
        self.network = network


def load_module(module_dir: str | Path) -> StreamModule:
    """The RL module saved at `module_dir` (…/rl_module/default_policy), old module classes included.

    Old checkpoints name agents.models' per-architecture classes; they are
    rebuilt as a StreamModule with the matching (name, actions), so they
    load after those classes are gone.
    """
    module_dir = Path(module_dir).resolve()
    with open(module_dir / StreamModule.CLASS_AND_CTOR_ARGS_FILE_NAME, "rb") as file:
        info = _CheckpointUnpickler(file).load()
    cls, (args, kwargs) = info["class"], info["ctor_args_and_kwargs"]
    if isinstance(cls, _LegacyClass):
        name, actions = cls.network
        kwargs = dict(kwargs)
        kwargs["model_config"] = {"name": name, "actions": actions, **dict(kwargs.get("model_config") or {})}
        cls = StreamModule
    if not (isinstance(cls, type) and issubclass(cls, TorchRLModule)):
        raise ValueError(f"checkpoint {str(module_dir)!r} holds a {cls!r}, not a torch RL module")
    module = cls(*args, **kwargs)
    module.restore_from_path(module_dir)
    return module
