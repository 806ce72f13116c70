"""The arguments of one training run (a validated dataclass, stored as the run's config.json); imports nothing heavy.

The CLI and the scripts build a `TrainConfig`, `validate()` it (ValueError
naming the field, the value and what is allowed) before anything is
created on disk, and hand it to `agents.rllib_trainer.train`.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODEL_NAMES = ("small-context", "full-context", "small-window", "gru")
"""Architectures in agents.models (the memory agent first)."""
MODEL_DEFAULTS: dict[str, int] = {
    "dim": 64,  # width of every token vector
    "heads": 4,
    "layers": 2,  # transformer layers over the window
    "window": 16,  # W: stream tokens the reasoner sees
    "top_k": 8,  # memories retrieved per step
    "hidden": 128,  # MLP width of the trunk and heads
}
"""Architecture defaults of agents.models (kept here so validating a config needs no torch)."""
BACKENDS = ("rllib", "jax")
"""rllib: agents.rllib_trainer (Ray RLlib, torch); jax: agents.jax_trainer (PPO inside jit over the functional env)."""
SCORING_FOR_TRAINING = ("pqt", "prefix", "fraction", "binary")


def parse_budget(text: str) -> float:
    """'30m' -> 1800.0, '90s' / '90' -> 90.0, '2h' -> 7200.0; ValueError for anything else or a budget <= 0."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", str(text))
    if not match:
        raise ValueError(f"budget {text!r} is not a duration; write e.g. 90s, 30m or 2h")
    seconds = float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"budget {text!r} must be longer than 0 seconds")
    return seconds


@dataclass
class PPOSettings:
    """PPO hyperparameters, named as the equations use them (CleanRL style)."""

    lr: float = 3e-4
    gamma: float = 1.0
    """Discount: 1, the only reward comes at the episode's end (verification)."""
    lambda_: float = 0.95
    """GAE lambda."""
    clip_param: float = 0.2
    vf_clip_param: float = 10.0
    vf_loss_coeff: float = 0.5
    entropy_coeff: float = 0.1
    """Weight of the entropy bonus, computed over allowed actions only (masked logits give 0 probability)."""
    grad_clip: float = 0.5
    train_batch_size: int = 2048
    minibatch_size: int = 512
    num_epochs: int = 2
    use_kl_loss: bool = False


@dataclass
class TrainConfig:
    """One training run: what to learn, with which model, for how long, where to write it."""

    curriculum: str = "bf-basics"
    """A shipped curriculum name or a YAML path."""
    model: str = "small-context"
    """One of MODEL_NAMES."""
    model_config: dict[str, Any] = field(default_factory=dict)
    """Overrides of agents.models.DEFAULTS (dim, heads, layers, window, top_k, hidden)."""
    seed: int = 0
    budget_s: float | None = None
    """Total training wall time of the run in seconds (across resumes); None: no time limit."""
    timesteps: int | None = None
    """Total env steps of the run (across resumes); None: no step limit."""
    num_env_runners: int = 0
    """Remote env runners; 0 samples in the driver (fastest on 2 cores)."""
    num_envs_per_env_runner: int = 32
    num_cpus: int | None = None
    """CPUs for the embedded local Ray (None: os.cpu_count())."""
    address: str | None = None
    """HOST:PORT of a `ray start --head` cluster to join; None starts a local Ray."""
    backend: str = "rllib"
    scoring: str = "pqt"
    """Shaped training reward mode of the env; promotion and evaluation use binary success."""
    shaped_weight: float = 0.2
    """Weight of the clipped shaped score in the training reward (agents.rllib_env.TrainingReward)."""
    success_bonus: float = 1.0
    """Added to the final reward when every hidden test passes (binary success)."""
    max_program_length: int = 32
    """Program token cap (the episode is verified when it is reached)."""
    step_penalty: float = 0.002
    """Subtracted per emitted token: a length penalty so the agent learns to STOP."""
    ppo: PPOSettings = field(default_factory=PPOSettings)
    checkpoint_every: int = 5
    """Iterations between checkpoints (a final one is always written)."""
    keep_checkpoints: int = 2
    torch_threads: int = 1
    """Torch threads per process (the driver and every env runner); more oversubscribes a shared machine."""
    exploration_floor: float = 0.0
    """Share of the sampling distribution spread uniformly over the allowed actions (both backends).

    The env runners sample from (1 - floor) * policy + floor * uniform and
    record that probability, so PPO's ratio (policy / sampling) corrects
    for it; greedy evaluation ignores it. 0 samples the policy itself."""

    def validate(self) -> TrainConfig:
        from curricula.schedulers import curriculum_path

        curriculum_path(self.curriculum)  # ValueError naming the shipped curricula
        if self.model not in MODEL_NAMES:
            raise ValueError(f"unknown model {self.model!r}; choose one of {', '.join(MODEL_NAMES)}")
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown backend {self.backend!r}; choose one of {', '.join(BACKENDS)}")
        if self.scoring not in SCORING_FOR_TRAINING:
            raise ValueError(f"scoring must be one of {', '.join(SCORING_FOR_TRAINING)}, got {self.scoring!r}")
        if self.budget_s is not None and not self.budget_s > 0:
            raise ValueError(f"budget must be longer than 0 seconds, got {self.budget_s!r}")
        if self.timesteps is not None and (
            isinstance(self.timesteps, bool) or not isinstance(self.timesteps, int) or self.timesteps <= 0
        ):
            raise ValueError(f"timesteps must be a positive integer, got {self.timesteps!r}")
        for name, low in (
            ("num_env_runners", 0),
            ("num_envs_per_env_runner", 1),
            ("checkpoint_every", 1),
            ("keep_checkpoints", 1),
            ("max_program_length", 2),
            ("torch_threads", 1),
            ("seed", 0),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if self.num_cpus is not None and (not isinstance(self.num_cpus, int) or self.num_cpus < 1):
            raise ValueError(f"num_cpus must be a positive integer or None, got {self.num_cpus!r}")
        if self.address is not None and not re.fullmatch(r"[\w.\-]+:\d{1,5}", self.address):
            raise ValueError(f"address must be HOST:PORT of a `ray start --head` cluster, got {self.address!r}")
        for name in ("shaped_weight", "success_bonus"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 10.0:
                raise ValueError(f"{name} must be a number in [0, 10], got {value!r}")
        floor = self.exploration_floor
        if isinstance(floor, bool) or not isinstance(floor, (int, float)) or not 0.0 <= floor < 1.0:
            raise ValueError(f"exploration_floor must be a number in [0, 1), got {floor!r}")
        if not 0.0 <= self.step_penalty <= 1.0:
            raise ValueError(f"step_penalty must be in [0, 1], got {self.step_penalty!r}")
        ppo = self.ppo
        if ppo.minibatch_size > ppo.train_batch_size:
            raise ValueError(
                f"ppo.minibatch_size ({ppo.minibatch_size}) must not exceed ppo.train_batch_size ({ppo.train_batch_size})"
            )
        unknown = sorted(set(self.model_config) - set(MODEL_DEFAULTS))
        if unknown:
            raise ValueError(f"model_config has unknown key(s) {unknown}; known: {sorted(MODEL_DEFAULTS)}")
        for key, value in self.model_config.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"model_config[{key!r}] must be a positive integer, got {value!r}")
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        data = dict(data)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"config has unknown field(s) {unknown}; known: {sorted(known)}")
        ppo_data = data.pop("ppo", {}) or {}
        ppo_known = {f.name for f in dataclasses.fields(PPOSettings)}
        unknown = sorted(set(ppo_data) - ppo_known)
        if unknown:
            raise ValueError(f"config.ppo has unknown field(s) {unknown}; known: {sorted(ppo_known)}")
        return cls(ppo=PPOSettings(**ppo_data), **data)

    @classmethod
    def load(cls, path: str | Path) -> TrainConfig:
        return cls.from_dict(json.loads(Path(path).read_text()))
