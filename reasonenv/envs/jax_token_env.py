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

With `build_params(..., execution=True)` (params.execution) the env also
traces the program so far on the instance's visible examples
(`esolangs.jax_bf_trace`, resumed one token at a time, issue 21's contract):
the observation gains "execution" (int32 [execution_examples,
13 + 2 * execution_output]), the step's info gains "potential" (float32 Φ
after the step) and `state.execution.potential` holds Φ of the current
program (after an auto-reset: Φ of the new, empty one, the Φ_{t-1} of the
next step's shaping). With execution off nothing of this exists and every
array is what it was without the option. `build_params(..., end_on_pass=True)`
(with execution) also ends an episode, terminated, at the first token after
which the program passes the visible runs (`jax_execution.passes_visible`,
no loop open): `SynthesisEnv`'s `end_on_pass`.

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
import functools

import jax
import jax.numpy as jnp
from flax import struct

from esolangs import jax_bf_trace as trace
from reasonenv.envs import jax_execution
from reasonenv.envs.encoding import STOP
from reasonenv.envs.jax_pool import TokenEnvParams
from reasonenv.envs.jax_verify import Verdicts, verify_programs


@struct.dataclass
class ExecutionState:
    """The program so far traced on the instance's visible runs (`esolangs.jax_bf_trace`), and its potential."""

    program: trace.TraceProgram  # [L] command codes with brackets matched as written
    runs: trace.TraceState  # [R] one paused run per visible example
    potential: jax.Array  # [] float32 Φ of the program so far (contract section 3)


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
    execution: ExecutionState | None = None  # only when params.execution


def _runs_of(params: TokenEnvParams):
    if params.execution_runs is None:
        raise ValueError("params.execution_runs is None; build the params with build_params(execution=True)")
    return params.execution_runs


def _execution_of(state: TokenEnvState) -> ExecutionState:
    if state.execution is None:
        raise ValueError("state.execution is None: the state was made with params.execution off")
    return state.execution


class JaxTokenEnv:
    """Pure reset/step over TokenEnvParams; shapes (A, L, T) come from the params it was made for.

    Methods are plain functions of their arguments (no state on self beyond
    static shapes), so `jax.jit(env.step)` and `jax.vmap(env.step, (0, 0, 0, None))` work.
    """

    def __init__(self, params: TokenEnvParams):
        self.num_actions = int(params.effects.shape[1])
        self.max_program_length = int(params.max_program_length)
        self.task_length = int(params.task.shape[2])
        if params.execution and params.execution_runs is None:
            raise ValueError(
                "params.execution is on but params.execution_runs is None; build them with build_params(execution=True)"
            )
        if params.end_on_pass and not params.execution:
            raise ValueError("params.end_on_pass reads the execution runs: build the params with execution=True")

    # -- execution (issue 21) ------------------------------------------------------------
    def trace_runs(self, entry: jax.Array, slot: jax.Array, params: TokenEnvParams) -> trace.TraceRun:
        """The R visible runs of pool instance (entry, slot): inputs, expected outputs, options under the trace budget."""
        runs = _runs_of(params)
        count = params.execution_examples
        options = jax.tree.map(lambda a: jnp.broadcast_to(a[entry, slot], (count,)), params.run_options)
        options = options._replace(max_steps=jnp.full(count, params.execution_steps, jnp.int32))
        return trace.TraceRun(
            input=runs.input[entry, slot],
            input_length=runs.input_length[entry, slot],
            expected=runs.expected[entry, slot],
            expected_length=runs.expected_length[entry, slot],
            options=options,
        )

    def _execution_start(self, entry, slot, params: TokenEnvParams) -> ExecutionState:
        start = functools.partial(
            trace.start, tape_cells=params.execution_steps + 1, output_cells=params.execution_output
        )
        runs = jax.vmap(start)(_runs_of(params).live[entry, slot])
        return ExecutionState(
            program=trace.empty_program(self.max_program_length),
            runs=runs,
            potential=jax_execution.potential(runs, self.trace_runs(entry, slot, params)),
        )

    def _execution_step(self, state: TokenEnvState, code: jax.Array, runs: trace.TraceRun) -> ExecutionState:
        """Append one command code (0: nothing appended) and resume every run (the instance's `trace_runs`) up to its
        next pause."""
        execution = _execution_of(state)
        program = trace.append(execution.program, code)
        resumed = jax.vmap(trace.resume, (None, 0, 0))(program, execution.runs, runs)
        return ExecutionState(program=program, runs=resumed, potential=jax_execution.potential(resumed, runs))

    def execution_observation(self, state: TokenEnvState, params: TokenEnvParams) -> jax.Array:
        """The "execution" observation: int32 [execution_examples, 13 + 2 * execution_output] (contract section 2)."""
        row = functools.partial(jax_execution.execution_row, output_columns=params.execution_output)
        return jax.vmap(row)(_execution_of(state).runs, self.trace_runs(state.entry, state.slot, params))

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
        obs = {
            "task": params.task[state.entry, state.slot],
            "family": params.family[state.entry, state.slot],
            "language": state.language,
            "program": state.program,
            "action_mask": self.action_mask(state, params),
            "action_effects": params.effects[state.language],
        }
        if params.execution:
            obs["execution"] = self.execution_observation(state, params)
        return obs

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
        if params.execution:
            state = dataclasses.replace(state, execution=self._execution_start(entry, state.slot, params))
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
        reward = -params.step_penalty - jnp.where(invalid, params.invalid_program_penalty, 0.0)
        new_state = dataclasses.replace(state, program=program, length=length, open_loops=open_loops)
        passes = jnp.bool_(False)
        if params.execution:
            code = jnp.where(appends, params.code_of[state.language, action], 0)
            runs = self.trace_runs(state.entry, state.slot, params)
            new_state = dataclasses.replace(new_state, execution=self._execution_step(state, code, runs))
            if params.end_on_pass:
                visible = jax_execution.passes_visible(_execution_of(new_state).runs, runs)
                passes = appends & (open_loops == 0) & visible
        truncated = appends & (length >= self.max_program_length) & ~passes
        terminated = is_stop | invalid | passes
        done = terminated | truncated
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
        if params.execution:
            info["potential"] = _execution_of(new_state).potential
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


__all__ = ["ExecutionState", "JaxTokenEnv", "TokenEnvState"]
