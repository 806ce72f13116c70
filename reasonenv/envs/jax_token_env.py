"""Token-level Brainfuck synthesis as a pure, jittable JAX env (gymnax style): reset and step over a pool.

The functional twin of `SynthesisEnv` / `CurriculumEnv` for Brainfuck and
its renamings (bf, ook, bf-dialect-<seed>): the same observations (task +
SPEC segment, program, action mask with its edge cases, action effects,
family, language), the same episode ends and the same rewards, computed
from the same instances.

    from reasonenv.envs.jax_pool import PoolEntry, build_params

    params, pool = build_params([PoolEntry("emit-char", 0)], max_program_length=32)
    env = JaxTokenEnv(params)
    obs, state = env.reset(key, params)
    obs, state, reward, done, info = env.step(key, state, action, params)
    result = env.verify(params, info["program"], info["language"], info["entry"], info["slot"])

Instances live in a *pool* built on the host (`reasonenv.envs.jax_pool`);
a reset draws an entry from `params.entry_weights` (the host sets them from
the curriculum scheduler between jitted chunks) and a slot uniformly.

Rewards come only at an episode's end, so verification is kept out of the
step: `step` returns the step's own reward (minus `step_penalty`, minus
`invalid_program_penalty` for an invalid token) and, in `info`, the
finished program with `needs_verification`; the caller verifies finished
programs in batches with `reasonenv.envs.jax_verify` (`verify` here is
its `verify_programs`) and adds `final_reward(...)` to that step's reward.

Auto-reset happens in one place, `step`: when an episode ends the returned
observation and state are those of the next episode, and the terminal
transition (its program, length, entry, slot) is in `info`; `step_env` is
the same step without the reset (its observation is the terminal one).

jax is imported here only (and in the other jax_* modules and esolangs.jax_bf);
this module imports neither gymnasium nor ray, so it runs where they are not
installed.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
from flax import struct

from reasonenv.envs.encoding import STOP
from reasonenv.envs.jax_pool import TokenEnvParams
from reasonenv.envs.jax_verify import Verdicts, verify_programs


@struct.dataclass
class TokenEnvState:
    """One episode in progress: which instance, the program so far and the mask bookkeeping."""

    entry: jax.Array  # [] int32
    slot: jax.Array  # [] int32
    language: jax.Array  # [] int32
    stage: jax.Array  # [] int32 stage the episode was drawn in
    program: jax.Array  # [L] int32 action ids, 0-padded
    length: jax.Array  # [] int32
    open_loops: jax.Array  # [] int32


class JaxTokenEnv:
    """Pure reset/step over TokenEnvParams; shapes (A, L, T) come from the params it was made for.

    Methods are plain functions of their arguments (no state on self beyond
    static shapes), so `jax.jit(env.step)` and `jax.vmap(env.step, (0, 0, 0, None))` work.
    """

    def __init__(self, params: TokenEnvParams):
        self.num_actions = int(params.effects.shape[1])
        self.max_program_length = int(params.max_program_length)
        self.task_length = int(params.task.shape[2])

    # -- observation ----------------------------------------------------------------
    def action_mask(self, state: TokenEnvState, params: TokenEnvParams) -> jax.Array:
        """`MaskState.mask()` in array form (int8 [A])."""
        slots = jnp.arange(self.num_actions)
        base = slots < params.lang_actions[state.language]
        if not params.mask_actions:
            return base.astype(jnp.int8)
        open_action = params.open_action[state.language]
        close_action = params.close_action[state.language]
        left = self.max_program_length - state.length
        opened = state.open_loops > 0
        stop_allowed = (state.length > 0) & ~opened
        mask = base & ((slots != STOP) | stop_allowed)
        mask = mask & ((slots != close_action) | opened)
        # exactly enough room to close every open loop: only closing tokens remain
        only_close = opened & (left <= state.open_loops)
        mask = jnp.where(only_close, slots == close_action, mask)
        mask = mask & ((slots != open_action) | (left >= state.open_loops + 2))
        return mask.astype(jnp.int8)

    def observation(self, state: TokenEnvState, params: TokenEnvParams) -> dict[str, jax.Array]:
        return {
            "task": params.task[state.entry, state.slot],
            "family": params.family[state.entry, state.slot],
            "language": state.language,
            "program": state.program,
            "action_mask": self.action_mask(state, params),
            "action_effects": params.effects[state.language],
        }

    # -- reset ------------------------------------------------------------------------
    def reset_to(self, entry: jax.Array, slot: jax.Array, params: TokenEnvParams) -> tuple[dict, TokenEnvState]:
        """The first observation and state of pool instance (entry, slot)."""
        entry = jnp.asarray(entry, jnp.int32)
        state = TokenEnvState(
            entry=entry,
            slot=jnp.asarray(slot, jnp.int32),
            language=params.entry_language[entry],
            stage=params.stage,
            program=jnp.zeros(self.max_program_length, jnp.int32),
            length=jnp.int32(0),
            open_loops=jnp.int32(0),
        )
        return self.observation(state, params), state

    def reset(self, key: jax.Array, params: TokenEnvParams) -> tuple[dict, TokenEnvState]:
        """Draw an entry by `params.entry_weights` and a pool slot uniformly."""
        entry_key, slot_key = jax.random.split(key)
        entry = jax.random.categorical(entry_key, jnp.log(params.entry_weights))
        slot = jax.random.randint(slot_key, (), 0, params.task.shape[1])
        return self.reset_to(entry, slot, params)

    # -- step -------------------------------------------------------------------------
    def step_env(self, key: jax.Array, state: TokenEnvState, action: jax.Array, params: TokenEnvParams):
        """One step without auto-reset: (terminal-or-next obs, state, reward before verification, done, info)."""
        del key  # the step is deterministic; the key is kept for the gymnax signature
        action = jnp.asarray(action, jnp.int32)
        is_stop = action == STOP
        invalid = ~is_stop & (action >= params.lang_actions[state.language])
        appends = ~is_stop & ~invalid
        position = jnp.minimum(state.length, self.max_program_length - 1)
        program = state.program.at[position].set(jnp.where(appends, action, state.program[position]))
        length = state.length + appends.astype(jnp.int32)
        opens = appends & (action == params.open_action[state.language])
        closes = appends & (action == params.close_action[state.language]) & (state.open_loops > 0)
        open_loops = state.open_loops + opens.astype(jnp.int32) - closes.astype(jnp.int32)
        truncated = appends & (length >= self.max_program_length)
        terminated = is_stop | invalid
        done = terminated | truncated
        reward = -params.step_penalty - jnp.where(invalid, params.invalid_program_penalty, 0.0)
        new_state = dataclasses.replace(state, program=program, length=length, open_loops=open_loops)
        info = {
            "terminated": terminated,
            "truncated": truncated,
            "invalid_token": invalid,
            "needs_verification": done & ~invalid,
            "program": program,
            "length": length,
            "entry": state.entry,
            "slot": state.slot,
            "language": state.language,
            "stage": state.stage,
        }
        return self.observation(new_state, params), new_state, reward, done, info

    def step(self, key: jax.Array, state: TokenEnvState, action: jax.Array, params: TokenEnvParams):
        """`step_env`, then auto-reset when the episode ended (the terminal transition stays in `info`)."""
        step_key, reset_key = jax.random.split(key)
        obs, next_state, reward, done, info = self.step_env(step_key, state, action, params)
        reset_obs, reset_state = self.reset(reset_key, params)
        pick = lambda fresh, old: jax.lax.select(done, fresh, old)  # noqa: E731
        return (
            jax.tree_util.tree_map(pick, reset_obs, obs),
            jax.tree_util.tree_map(pick, reset_state, next_state),
            reward,
            done,
            info,
        )

    # -- verification -----------------------------------------------------------------
    def verify(self, params: TokenEnvParams, programs, language, entry, slot) -> Verdicts:
        """Run K finished programs ([K, L] action ids) on their instances' hidden tests and score them (jittable)."""
        return verify_programs(params, programs, language, entry, slot)


__all__ = ["JaxTokenEnv", "TokenEnvState"]
