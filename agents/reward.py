"""The training reward, written once: a numpy twin (the RLlib env wrapper) and a jnp twin (the JAX collect), side by side.

Two shapings (RewardSettings.shaping):

    "score":      reward = shaped_weight * clip(env_reward, -1, 1) + success_bonus * success
    "potential":  reward = env_reward + (success_bonus - 1) * success + shaped_weight * (phi' - phi)

"potential" is the honest reward of issue 21: the env scores in binary
mode (its reward is success - step_penalty, minus the invalid-program
penalty), so a program's return is success_bonus * success minus its
length cost, plus the potential-based shaping F = phi' - phi of the
executed prefix (Ng, Harada and Russell 1999). phi
(reasonenv's `potential`, in the env's info) is how much of the expected
output the program has already written, plus half the closeness of the
current cell to the next expected byte, minus the bytes written wrong.
With gamma = 1 the shaping telescopes: a whole episode earns
shaped_weight * (phi_final - phi_0), and phi_0 depends on the instance
alone, so the shaping ranks finished programs by how close their output
is (a closer program scores above a shorter wrong one, a near-miss that
hits a limit keeps the credit for what it wrote) and a passing program
(phi_final = 1, the maximum) stays optimal. docs/training.md has the
worked table (scripts/reward_table.py prints it).

`env_reward` is the env's own reward: the shaped score (`scoring="pqt"` by
default) paid on the verified step, minus the per-token step penalty.
`success` is the binary verdict (every hidden test passed), only ever true
on the step that ends an episode. tests/agents/test_reward.py checks the
twins agree on random inputs and on hand-checked cases.

Why clip: PQT's score is unbounded below (every extra output byte costs a
whole `base`, so a loop that prints 200 bytes scores about -50); clipped to
[-1, 1] a rare runaway program no longer dominates the value loss.

Why the success bonus: PQT gives credit per hidden test, so on echo-byte
(inputs 1 or 2) the emit program `+.` passes half the tests and scores
about 0.62 against 1.0 for `,.`. Trained on that alone, PPO learned `+.`
for emitting, reused it on every echo task, and its entropy collapsed
before it ever sampled `,` (p = 0.001 at step 0; three runs, entropy
coefficients 0.01 to 0.1). Weighting the shaped score down and paying the
binary success makes a partial pass worth little, while the distance term
still points towards the right byte values.

The terminal-cap rule (`episode_end`): the token env truncates at
`max_program_length` and pays the verdict on that same step, so the
return is complete. RLlib's GAE bootstraps a truncated episode with
V(last observation), which added the value estimate on top of the paid
reward: hitting the cap became worth more than STOP, the value estimate
fed itself, and a seed-1 run drifted to 32-token programs on every
episode (mean length 3.4 -> 32.5) while its echo success fell from 0.54
to 0.14. So the cap is reported as `terminated` (info["end"] still says
"max_length"): nothing is bootstrapped past a verified program. The JAX
backend's GAE cuts at every `done` and so follows the same rule.

numpy is imported here; jax only inside the jnp twin.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SHAPINGS = ("score", "potential")
"""RewardSettings.shaping values (module docstring)."""
REWARD_RANGE = (-1.0, 1.0)
"""The clip of the env reward before weighting."""


def training_reward(env_reward: Any, success: Any, shaped_weight: float, success_bonus: float) -> np.ndarray:
    """shaped_weight * clip(env_reward, -1, 1) + success_bonus * success (numpy; scalars or arrays of one shape)."""
    low, high = REWARD_RANGE
    clipped = np.clip(np.asarray(env_reward, np.float32), low, high)
    return (np.float32(shaped_weight) * clipped + np.float32(success_bonus) * np.asarray(success, np.float32)).astype(
        np.float32
    )


def training_reward_jnp(env_reward: Any, success: Any, shaped_weight: float, success_bonus: float):
    """The jnp twin of `training_reward` (traceable under jit; float32)."""
    import jax.numpy as jnp

    low, high = REWARD_RANGE
    clipped = jnp.clip(jnp.asarray(env_reward, jnp.float32), low, high)
    return jnp.float32(shaped_weight) * clipped + jnp.float32(success_bonus) * jnp.asarray(success, jnp.float32)


def potential_reward(
    env_reward: Any, success: Any, potential_change: Any, shaped_weight: float, success_bonus: float
) -> np.ndarray:
    """env_reward + (success_bonus - 1) * success + shaped_weight * potential_change (numpy; env scoring "binary")."""
    reward = (
        np.asarray(env_reward, np.float32)
        + np.float32(success_bonus - 1.0) * np.asarray(success, np.float32)
        + np.float32(shaped_weight) * np.asarray(potential_change, np.float32)
    )
    return reward.astype(np.float32)


def potential_reward_jnp(
    env_reward: Any, success: Any, potential_change: Any, shaped_weight: float, success_bonus: float
):
    """The jnp twin of `potential_reward` (traceable under jit; float32)."""
    import jax.numpy as jnp

    return (
        jnp.asarray(env_reward, jnp.float32)
        + jnp.float32(success_bonus - 1.0) * jnp.asarray(success, jnp.float32)
        + jnp.float32(shaped_weight) * jnp.asarray(potential_change, jnp.float32)
    )


def episode_end(terminated: bool, truncated: bool) -> tuple[bool, bool]:
    """(terminated, truncated) as the learner must see them: the length cap is terminal (see the module docstring)."""
    return bool(terminated or truncated), False
