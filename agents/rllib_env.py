"""The training env as RLlib builds it: the curriculum token env with a training reward built from its shaped score.

training reward = shaped_weight * clip(env reward, -1, 1) + success_bonus * success

The env's reward is the shaped score (`scoring="pqt"`) minus the step
penalty. PQT's score is unbounded below (every extra output byte costs a
whole `base`, so a loop that prints 200 bytes scores about -50): clipped to
[-1, 1] a rare runaway program no longer dominates the value loss.

Why the success bonus: PQT gives credit per hidden test, so on echo-byte
(inputs 1 or 2) the emit program `+.` passes half the tests and scores
about 0.62 against 1.0 for `,.`. Trained on that alone, PPO learned `+.`
for emitting, reused it on every echo task, and its entropy collapsed
before it ever sampled `,` (p = 0.001 at step 0; three runs, entropy
coefficients 0.01 to 0.1). Weighting the shaped score down and paying the
binary success (`info["success"]`, every hidden test passed) makes a
partial pass worth little, while the distance term still points towards
the right byte values.

Why a length cap is terminal here: the token env truncates at
`max_program_length` and pays the verdict on that same step, so the
return is complete. RLlib's GAE bootstraps a truncated episode with
V(last observation), which added the value estimate on top of the paid
reward: hitting the cap became worth more than STOP, the value estimate
fed itself, and a seed-1 run drifted to 32-token programs on every
episode (mean length 3.4 -> 32.5) while its echo success fell from 0.54
to 0.14. The wrapper reports the cap as `terminated` (info["end"] still
says "max_length"), so nothing is bootstrapped past a verified program.

Registered with `ray.tune.register_env` under ENV_NAME, which stores the
creator in the cluster so remote env runners find it.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

ENV_NAME = "reasonenv-curriculum-training"
REWARD_RANGE = (-1.0, 1.0)
TRAINING_KEYS = ("shaped_weight", "success_bonus")
"""Keys of env_config that shape the training reward (the rest are CurriculumEnv arguments)."""


class TrainingReward(gym.Wrapper):
    """reward -> shaped_weight * clip(reward, -1, 1) + success_bonus * info["success"]; the length cap is terminal."""

    def __init__(self, env: gym.Env, shaped_weight: float = 1.0, success_bonus: float = 0.0):
        super().__init__(env)
        self.shaped_weight = float(shaped_weight)
        self.success_bonus = float(success_bonus)

    def step(self, action):
        observation, reward, terminated, truncated, info = self.env.step(action)
        low, high = REWARD_RANGE
        reward = self.shaped_weight * min(max(float(reward), low), high)
        if (terminated or truncated) and info.get("success"):
            reward += self.success_bonus
        # The verdict is paid on the capped step: no value may be bootstrapped after it.
        return observation, reward, terminated or truncated, False, info


def make_training_env(env_config: dict[str, Any] | None = None) -> gym.Env:
    """gym.make("reasonenv/Curriculum-v0", **curriculum kwargs) wrapped in TrainingReward."""
    import reasonenv.envs.registration  # noqa: F401  (registers the ids in this process)

    config = dict(env_config or {})
    reward_args = {key: config.pop(key) for key in TRAINING_KEYS if key in config}
    return TrainingReward(gym.make("reasonenv/Curriculum-v0", **config), **reward_args)


def register() -> str:
    """Register ENV_NAME with RLlib (idempotent) and return it."""
    from ray.tune.registry import register_env

    register_env(ENV_NAME, make_training_env)
    return ENV_NAME
