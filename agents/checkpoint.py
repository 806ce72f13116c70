"""Load a trained RL module from a run or checkpoint directory as a greedy `reasonenv.policy.Policy`.

    policy = load_policy("runs/bf-basics__small-context__0")   # the run's latest checkpoint
    action = policy.act(observation)                             # argmax over allowed actions

Only the module is loaded (agents.backends.rllib_module.load_module of
`algorithm/learner_group/learner/rl_module/default_policy`), no Ray
cluster and no env runner, so evaluation and `bench --model checkpoint:`
start in about a second. `reasonenv evaluate` and `reasonenv bench`
call exactly `load_policy`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from agents import run_dir as rd

if TYPE_CHECKING:
    from agents.jax_policy import JaxGreedyPolicy

MODULE_PATH = ("learner_group", "learner", "rl_module", "default_policy")


class GreedyModulePolicy:
    """`act(observation) -> int`: the module's argmax over the actions `observation["action_mask"]` allows."""

    def __init__(self, module: Any, checkpoint: Path, config: dict[str, Any] | None = None):
        import torch

        self.module = module
        self.module.eval()
        self.checkpoint = Path(checkpoint)
        self.config = config or {}
        self.keys = tuple(module.observation_space.spaces)
        self._torch = torch

    @property
    def env_options(self) -> dict[str, Any]:
        """Token env arguments the policy was trained with (what `reasonenv evaluate` passes to its envs)."""
        options = {}
        if "max_program_length" in self.config:
            options["max_program_length"] = int(self.config["max_program_length"])
        return options

    def act(self, observation: dict[str, np.ndarray]) -> int:
        return int(self.act_batch([observation])[0])

    def act_batch(self, observations: list[dict[str, np.ndarray]]) -> np.ndarray:
        """Greedy actions of several observations in one forward pass."""
        from ray.rllib.core.columns import Columns

        torch = self._torch
        batch = {}
        for key in self.keys:
            if key not in observations[0]:
                raise ValueError(
                    f"observation has no {key!r}; this policy ({self.checkpoint}) was trained on observations with "
                    f"keys {list(self.keys)}"
                )
            batch[key] = torch.as_tensor(np.stack([np.asarray(o[key]) for o in observations]))
        with torch.no_grad():
            logits = self.module.forward_inference({Columns.OBS: batch})[Columns.ACTION_DIST_INPUTS]
        mask = batch["action_mask"].bool()
        logits = logits.masked_fill(~mask, float("-inf"))  # argmax only over allowed actions, whatever the module did
        return logits.argmax(-1).numpy()


def load_policy(path: str | Path) -> GreedyModulePolicy | JaxGreedyPolicy:
    """The greedy policy of a run directory (its latest checkpoint) or of a checkpoint directory.

    Raises ValueError naming the path when it is neither (or has no checkpoint yet).
    """
    checkpoint = rd.resolve_checkpoint(path)
    if (checkpoint / rd.ALGORITHM / "jax_policy.json").is_file():  # written by agents.jax_trainer
        from agents.jax_policy import load_jax_policy

        return load_jax_policy(checkpoint)
    module_dir = checkpoint / rd.ALGORITHM
    for part in MODULE_PATH:
        module_dir = module_dir / part
    if not module_dir.is_dir():
        raise ValueError(f"checkpoint {str(checkpoint)!r} holds no RL module at {str(module_dir)!r}")
    from agents.backends.rllib_module import load_module

    module = load_module(module_dir)
    config_path = rd.run_dir_of(checkpoint) / rd.CONFIG
    config = json.loads(config_path.read_text()) if config_path.is_file() else None
    return GreedyModulePolicy(module, checkpoint, config)
