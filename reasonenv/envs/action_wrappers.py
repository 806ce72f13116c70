"""Gymnasium wrappers over the token envs' action slots: pad the action space, or permute the slots every episode.

    env = PermuteActions(PadActions(SynthesisEnv(language="bf", task="echo-byte"), 39))

`PadActions(env, n)` widens `Discrete(A)` to `Discrete(n)`: the extra
slots have effect `pad` and are never allowed by the mask, so one agent
can act in languages of different alphabet sizes (Brainfuck's 9 slots,
Befunge-93's 39) through one action space.

`PermuteActions(env)` draws a fresh order of the action slots at every
reset (STOP stays at slot 0: it ends the episode in every language) and
rewrites `action_mask`, `action_effects` and `program` consistently, so an
agent sees a new order each episode, exactly as if the language had been
renamed and reshuffled. The same token program text comes out whatever the
order: the wrapper maps each action back to the inner env's slot. It is
the training condition of the transfer experiment's "permuted" baseline
(experiments/transfer.py): a plain index head that must read the effect
ids to act, without a dedicated knowledge store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import gymnasium as gym
import numpy as np
from gymnasium import spaces

if TYPE_CHECKING:
    from reasonenv.envs.synthesis import TokenObservation

PAD_EFFECT = 0
"""esolangs.knowledge's id of `pad` (kept literal: EFFECTS[0] never changes)."""


class PadActions(gym.Wrapper["TokenObservation", np.int64, "TokenObservation", np.int64]):
    """Widen the action space to `num_actions` slots; the added slots are masked out and have effect `pad`."""

    def __init__(self, env: gym.Env[TokenObservation, np.int64], num_actions: int):
        super().__init__(env)
        # A token env: Discrete actions, Dict observations (the casts only tell the type checker so).
        observation_space = cast(spaces.Dict, env.observation_space)
        inner = int(cast(spaces.Discrete, env.action_space).n)
        if isinstance(num_actions, bool) or not isinstance(num_actions, int) or num_actions < inner:
            raise ValueError(f"PadActions num_actions must be an int >= the env's {inner} actions, got {num_actions!r}")
        self.inner_actions = inner
        self.action_space = spaces.Discrete(num_actions)
        obs_spaces = dict(observation_space.spaces)
        obs_spaces["action_mask"] = spaces.Box(0, 1, (num_actions,), np.int8)
        effects = cast(spaces.Box, observation_space["action_effects"])
        obs_spaces["action_effects"] = spaces.Box(0, int(effects.high.max()), (num_actions,), np.int32)
        obs_spaces["program"] = spaces.Box(0, num_actions - 1, observation_space["program"].shape, np.int32)
        self.observation_space = spaces.Dict(obs_spaces)

    def _pad(self, obs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        n = int(cast(spaces.Discrete, self.action_space).n)
        out = dict(obs)
        mask = np.zeros(n, np.int8)
        mask[: self.inner_actions] = obs["action_mask"]
        effects = np.full(n, PAD_EFFECT, np.int32)
        effects[: self.inner_actions] = obs["action_effects"]
        out["action_mask"], out["action_effects"] = mask, effects
        return out

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs, info = self.env.reset(seed=seed, options=options)
        return self._pad(obs), info

    def step(self, action):
        action = int(action)
        if not 0 <= action < self.inner_actions:
            raise ValueError(
                f"action {action} is a padding slot; {self.env.unwrapped} has actions 0..{self.inner_actions - 1}"
            )
        obs, reward, terminated, truncated, info = self.env.step(action)
        return self._pad(obs), reward, terminated, truncated, info


class PermuteActions(gym.Wrapper["TokenObservation", np.int64, "TokenObservation", np.int64]):
    """A fresh permutation of action slots 1..A-1 at every reset; observations and actions are mapped through it.

    `order[new] = old`: the agent's slot `new` is the inner env's slot
    `order[new]`. `reset(seed=s)` reseeds the wrapper's generator, so
    episodes are reproducible like the inner env's.
    """

    def __init__(self, env: gym.Env[TokenObservation, np.int64], seed: int | None = None):
        super().__init__(env)
        self.num_actions = int(cast(spaces.Discrete, env.action_space).n)
        self._rng = np.random.default_rng(seed)
        self.order = np.arange(self.num_actions)
        self.new_of_old = np.arange(self.num_actions)

    def _draw(self) -> None:
        rest = self._rng.permutation(np.arange(1, self.num_actions))
        self.order = np.concatenate([[0], rest])
        self.new_of_old = np.empty_like(self.order)
        self.new_of_old[self.order] = np.arange(self.num_actions)

    def _map(self, obs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = dict(obs)
        out["action_mask"] = np.asarray(obs["action_mask"])[self.order]
        out["action_effects"] = np.asarray(obs["action_effects"])[self.order]
        # Program ids are actions of the inner env; 0 (padding / STOP) maps to 0.
        out["program"] = self.new_of_old[np.asarray(obs["program"])].astype(np.int32)
        return out

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self._rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x9E3779B9]))
        self._draw()
        obs, info = self.env.reset(seed=seed, options=options)
        return self._map(obs), info

    def step(self, action):
        action = int(action)
        if not 0 <= action < self.num_actions:
            raise ValueError(f"action {action} is outside Discrete({self.num_actions})")
        obs, reward, terminated, truncated, info = self.env.step(int(self.order[action]))
        return self._map(obs), reward, terminated, truncated, info
