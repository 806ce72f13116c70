"""The policy interface that evaluation, the ladder script and the benchmark call: `act(observation) -> action`.

Every agent (the RLlib modules in `agents/`, the JAX trainer's Flax policy,
the scripted observation-only oracles, the random baseline) implements
`Policy`. It lives here, in `reasonenv`, so that evaluation and the
benchmark can call a policy without importing `agents` (layer order:
esolangs -> curricula -> reasonenv -> agents).

A policy is stateless between calls: everything it needs is in the token
observation (task + spec, program so far, per-slot effect ids, action
mask), so one policy object can serve many envs at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Policy(Protocol):
    """Maps one token observation (a dict of numpy arrays) to an action allowed by `observation["action_mask"]`."""

    def act(self, observation: dict[str, np.ndarray]) -> int:
        """The action to take; it must be allowed by the observation's action mask."""
        ...


class RandomMaskedPolicy:
    """Uniform over the actions the mask allows: the project's definition of chance."""

    def __init__(self, seed: int | None = None):
        self.rng = np.random.default_rng(seed)

    def act(self, observation: dict[str, np.ndarray]) -> int:
        allowed = np.flatnonzero(np.asarray(observation["action_mask"]))
        if allowed.size == 0:
            raise ValueError("action_mask allows no action; a token env always allows at least one")
        return int(self.rng.choice(allowed))


@dataclass
class PlayedEpisode:
    """What one episode of a policy in a token env ended with."""

    success: bool
    reward: float
    program: str
    length: int
    info: dict[str, Any] = field(default_factory=dict)


def run_episode(
    env: Any, policy: Policy, *, seed: int | None = None, options: dict[str, Any] | None = None
) -> PlayedEpisode:
    """Roll `policy` through one episode of a token env via `env.step`; returns how it ended.

    Raises ValueError naming the action if the policy picks one the mask forbids,
    so that a policy bug is never scored as a task failure.
    """
    observation, _ = env.reset(seed=seed, options=options)
    total = 0.0
    while True:
        action = policy.act(observation)
        mask = np.asarray(observation["action_mask"])
        if not 0 <= action < mask.shape[0] or not mask[action]:
            raise ValueError(
                f"policy chose action {action}, which the action mask forbids (allowed: {np.flatnonzero(mask).tolist()})"
            )
        observation, reward, terminated, truncated, info = env.step(action)
        total += float(reward)
        if terminated or truncated:
            return PlayedEpisode(
                success=bool(info.get("success", False)),
                reward=total,
                program=str(info.get("program", "")),
                length=int(info.get("program_length", 0)),
                info=dict(info),
            )
