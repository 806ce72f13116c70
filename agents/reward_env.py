"""The training reward of agents.reward as a Gymnasium wrapper over a token env: what a replayed kept program is paid.

    env = TrainingReward(gym.make("reasonenv/Curriculum-v0", **options), shaped_weight, success_bonus, shaping)
    env = training_env(options, shaped_weight=0.2, success_bonus=1.0, shaping="score")   # the same, in one call

The JAX backend pays its reward inside the jitted collect, but rebuilds the
observations and returns of its kept programs (agents.kept) by replaying
them in a Gym env: that replay must pay what the collect paid, including the
potential shaping, whose phi' - phi needs the env's info["potential"] of the
previous step; a per-step callback of (reward, success) cannot see it, a
wrapper can. tests/agents/test_reward_parity.py checks this wrapper, the
RLlib backend's and the JAX collect pay the same rewards step for step.

The RLlib backend wraps its training envs in this same class.

gymnasium and numpy are imported here; no torch, jax or ray.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym

from agents.reward import SHAPINGS, episode_end, potential_reward, training_reward


class TrainingReward(gym.Wrapper):
    """reward -> agents.reward's training reward of the configured shaping; the length cap is terminal (episode_end).

    shaping "score": training_reward(reward, success); "potential":
    potential_reward(reward, success, discount * phi' - phi) with phi the env's
    info["potential"] (kept from reset to each step) and `discount` the
    learner's gamma, so that the shaping stays potential-based (Ng et al.
    1999: F = gamma phi' - phi changes no optimal policy) when gamma < 1.
    """

    def __init__(
        self,
        env: gym.Env,
        shaped_weight: float = 1.0,
        success_bonus: float = 0.0,
        shaping: str = "score",
        discount: float = 1.0,
    ):
        super().__init__(env)
        if shaping not in SHAPINGS:
            raise ValueError(f"shaping must be one of {list(SHAPINGS)}, got {shaping!r}")
        self.shaped_weight = float(shaped_weight)
        self.success_bonus = float(success_bonus)
        self.shaping = shaping
        self.discount = float(discount)
        self._potential = 0.0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        observation, info = self.env.reset(seed=seed, options=options)
        self._potential = float(info.get("potential", 0.0))
        return observation, info

    def step(self, action):
        observation, reward, terminated, truncated, info = self.env.step(action)
        success = bool((terminated or truncated) and info.get("success"))
        if self.shaping == "potential":
            potential = float(info["potential"])
            change, self._potential = self.discount * potential - self._potential, potential
            reward = float(potential_reward(reward, success, change, self.shaped_weight, self.success_bonus))
        else:
            reward = float(training_reward(reward, success, self.shaped_weight, self.success_bonus))
        terminated, truncated = episode_end(terminated, truncated)
        return observation, reward, terminated, truncated, info


def training_env(
    options: Mapping[str, Any],
    *,
    shaped_weight: float,
    success_bonus: float,
    shaping: str = "score",
    discount: float = 1.0,
) -> gym.Env:
    """reasonenv/Curriculum-v0 with `options` (CurriculumEnv arguments), in TrainingReward."""
    import reasonenv.envs.registration  # noqa: F401  (registers the ids in this process)

    env = gym.make("reasonenv/Curriculum-v0", **dict(options))
    return TrainingReward(env, shaped_weight, success_bonus, shaping, discount)
