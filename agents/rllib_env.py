"""The training env as RLlib builds it: the curriculum token env with its shaped reward clipped to [-1, 1].

PQT's shaped score is unbounded below (every extra output byte costs a
whole `base`, so a loop that prints 200 bytes scores about -50); clipped
to [-1, 1] it keeps its order near the target while a rare runaway
program no longer dominates the value loss. Registered with
`ray.tune.register_env` under ENV_NAME, which stores the creator in the
cluster so remote env runners find it.
"""

from __future__ import annotations

from typing import Any

ENV_NAME = "reasonenv-curriculum-clipped"
REWARD_RANGE = (-1.0, 1.0)


def make_training_env(env_config: dict[str, Any] | None = None):
    """gym.make("reasonenv/Curriculum-v0", **env_config) with the reward clipped to REWARD_RANGE."""
    import gymnasium as gym
    import numpy as np

    import reasonenv.envs.registration  # noqa: F401  (registers the ids in this process)

    kwargs = {k: v for k, v in dict(env_config or {}).items()}
    env = gym.make("reasonenv/Curriculum-v0", **kwargs)
    low, high = REWARD_RANGE
    return gym.wrappers.TransformReward(env, lambda reward: float(np.clip(reward, low, high)))


def register() -> str:
    """Register ENV_NAME with RLlib (idempotent) and return it."""
    from ray.tune.registry import register_env

    register_env(ENV_NAME, make_training_env)
    return ENV_NAME
