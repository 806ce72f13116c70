"""Verification and scoring of the JAX token env's finished programs, batched and jittable.

Rewards come only at an episode's end, so verification is kept out of the
env's step: the caller verifies finished programs in batches
(`verify_programs`, or `verify_finished` over a whole rollout, which
compacts them with a fixed-size `jnp.nonzero`) and adds `final_reward(...)`
to that step's reward. Under `vmap` a `cond` runs both branches, so
verifying inside `step` would run the interpreter at every step of every
env. Programs run on `esolangs.jax_bf`'s interpreter with each instance's
`RunOptions`, and `score_runs` computes the `curricula.scoring` modes on
arrays, as `reasonenv.envs.verdict_cache.verify` does on the host.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from esolangs import jax_bf
from esolangs.jax_bf import S_OK, S_SYNTAX, STATUS_NAMES, RunOptions
from reasonenv.envs.jax_pool import MODE_ID, TokenEnvParams


@struct.dataclass
class Verdicts:
    """Batched verification of finished programs (one row each)."""

    score: jax.Array  # [K] float32 reward of the scoring mode (curricula.scoring)
    passed: jax.Array  # [K] int32 hidden tests passed
    total: jax.Array  # [K] int32 hidden tests
    syntax_error: jax.Array  # [K] bool some test ended in syntax_error
    status: jax.Array  # [K, M] int32 esolangs.jax_bf status codes (0 for absent tests)
    steps: jax.Array  # [K, M] int32

    @property
    def success(self) -> jax.Array:
        return self.passed == self.total


def final_reward(params: TokenEnvParams, verdicts: Verdicts) -> jax.Array:
    """What the Python env adds to the last step's reward: the score, minus the penalty for a syntax_error."""
    return verdicts.score - jnp.where(verdicts.syntax_error, params.invalid_program_penalty, 0.0)


def run_core(
    codes,
    inputs,
    input_lengths,
    options: RunOptions,
    *,
    tape_cells: int,
    output_slots: int,
    tape_dtype,
    keep_counting: bool = False,
):
    """esolangs.jax_bf's jittable core on C programs: fold, run, (status, steps, output, length).

    `run_pool` runs them on half as many lanes as programs; a lane takes the next program when its own ends.
    """
    instructions, loops, unmatched = jax_bf.fold_programs(
        codes, options.modulus, options.ignore_unmatched, cell_step=options.cell_step
    )
    count = codes.shape[0]
    return jax_bf.run_pool(
        instructions,
        loops,
        unmatched,
        jnp.int32(count),
        inputs,
        input_lengths,
        options,
        lanes=max(1, count // 2),
        tape_cells=tape_cells,
        output_slots=output_slots,
        tape_dtype=tape_dtype,
        keep_counting=keep_counting,
    )


def run_lanes(params: TokenEnvParams, programs, language, entry, slot, test, active):
    """Run C lanes, each one program ([C, L] action ids) on one hidden test `test` of instance (entry, slot).

    Inactive lanes (padding, absent tests) get a step budget of 0 and end at
    once, so they never hold the batch back. Returns (status, steps,
    output [C, O] int32: the first O bytes, O the pool's longest expected output; output length, counted
    past O: all that scoring reads).
    """
    at = lambda a: a[entry, slot]  # noqa: E731
    at_test = lambda a: a[entry, slot, test]  # noqa: E731
    codes = params.code_of[language[:, None], jnp.asarray(programs, jnp.int32)]  # Brainfuck codes, 0 = pad
    options = jax.tree.map(at, params.run_options)
    options = options._replace(max_steps=jnp.where(active, options.max_steps, 0))
    status, steps, output, output_length = run_core(
        codes,
        at_test(params.test_input),
        at_test(params.test_input_length),
        options,
        tape_cells=params.tape_cells,
        output_slots=params.test_output.shape[3],
        tape_dtype=jnp.int32 if params.wide_cells else jnp.uint8,
        keep_counting=True,
    )
    return status, steps, output.astype(jnp.int32), output_length


def score_programs(params: TokenEnvParams, entry, slot, status, steps, output, output_length) -> Verdicts:
    """Verdicts of K programs from their runs on every test ([K, M] status/steps/lengths, [K, M, O] output)."""
    valid = params.test_valid[entry, slot]
    status = jnp.where(valid, status, 0)
    score, passed = score_runs(
        params,
        entry,
        slot,
        status,
        output,
        output_length,
        params.test_output[entry, slot].astype(jnp.int32),
        params.test_output_length[entry, slot],
        valid,
        S_OK,
    )
    return Verdicts(
        score=score,
        passed=passed,
        total=valid.sum(1).astype(jnp.int32),
        syntax_error=jnp.any(valid & (status == S_SYNTAX), axis=1),
        status=status,
        steps=jnp.where(valid, steps, 0),
    )


def verify_programs(params: TokenEnvParams, programs, language, entry, slot) -> Verdicts:
    """Batched `reasonenv.envs.verdict_cache.verify`: [K, L] action ids -> Verdicts of the instances (entry, slot)."""
    programs = jnp.asarray(programs, jnp.int32)
    K = programs.shape[0]
    M = params.test_valid.shape[2]
    lanes = lambda a: jnp.repeat(a, M, axis=0)  # noqa: E731  one lane per (program, test)
    test = jnp.tile(jnp.arange(M), K)
    active = params.test_valid[lanes(entry), lanes(slot), test]
    status, steps, output, output_length = run_lanes(
        params, lanes(programs), lanes(language), lanes(entry), lanes(slot), test, active
    )
    per_program = lambda a: a.reshape((K, M) + a.shape[1:])  # noqa: E731
    return score_programs(
        params, entry, slot, per_program(status), per_program(steps), per_program(output), per_program(output_length)
    )


def score_runs(params, entry, slot, status, got, got_length, expected, expected_length, valid, ok_code):
    """`curricula.scoring` modes on arrays: status/lengths [K, M], outputs [K, M, O] (got cut to O bytes)."""
    O = expected.shape[2]
    ok = valid & (status == ok_code)
    position = jnp.arange(O)[None, None, :]
    in_target = position < expected_length[:, :, None]
    in_both = in_target & (position < got_length[:, :, None])
    same = (got == expected) | ~in_target
    passes = ok & (got_length == expected_length) & jnp.all(same, axis=2)
    count = jnp.maximum(valid.sum(1), 1).astype(jnp.float32)
    passed = passes.sum(1).astype(jnp.int32)

    binary = jnp.all(passes | ~valid, axis=1).astype(jnp.float32)
    fraction = passed.astype(jnp.float32) / count

    # prefix: longest common prefix / expected length; an empty target scores 1 for an empty output
    agree = jnp.cumprod(((got == expected) & in_both).astype(jnp.int32), axis=2).sum(2)
    per_prefix = jnp.where(
        expected_length == 0, (got_length == 0).astype(jnp.float32), agree / jnp.maximum(expected_length, 1)
    )
    prefix = jnp.where(ok, per_prefix, 0.0).sum(1) / count

    # pqt: brain_coder's absolute distance reward, bonus on exact match, failure_reward if any run failed
    base = params.pqt_base[entry, slot][:, None]
    distance = (
        jnp.where(in_both, jnp.abs(got - expected), 0).sum(2)
        + jnp.where(in_target & ~in_both, 1, 0).sum(2) * base
        + jnp.maximum(got_length - expected_length, 0) * base
    )
    unit = jnp.where(expected_length > 0, base * expected_length, base)
    bonus = (params.pqt_correct_bonus + params.pqt_code_length_bonus)[entry, slot]
    per_pqt = (unit - distance) / unit + jnp.where(passes, bonus[:, None], 0.0)
    failed = jnp.any(valid & (status != ok_code), axis=1)
    total = jnp.where(failed, params.pqt_failure_reward[entry, slot], jnp.where(valid, per_pqt, 0.0).sum(1))
    best = valid.sum(1) * (1.0 + bonus)
    pqt = jnp.where(params.pqt_normalize[entry, slot] & (best != 0), total / jnp.where(best != 0, best, 1.0), total)

    mode = params.mode[entry, slot]
    score = jnp.select(
        [mode == MODE_ID["binary"], mode == MODE_ID["fraction"], mode == MODE_ID["pqt"]],
        [binary, fraction, pqt],
        prefix,
    )
    return score.astype(jnp.float32), passed


def verify_finished(params: TokenEnvParams, finished, programs, language, entry, slot, *, chunk: int = 16):
    """Verify every finished episode of a rollout and return their final rewards (0 where not finished).

    `finished` [T, B] bool and the matching [T, B, ...] arrays (the rollout's
    `info`). The (finished program, hidden test) pairs are compacted with a
    fixed-size `jnp.nonzero` and run `chunk` lanes at a time in a
    `while_loop`, so the interpreter runs only on programs that need it and
    only on tests their instance has. Returns (reward [T, B] as
    `final_reward`, success [T, B] bool, passed [T, B] int32).
    """
    shape = finished.shape
    P = finished.size
    M = params.test_valid.shape[2]
    O = params.test_output.shape[3]
    programs = programs.reshape(P, -1)
    language, entry, slot, finished = (a.reshape(-1) for a in (language, entry, slot, finished))
    needed = (finished[:, None] & params.test_valid[entry, slot]).reshape(-1)  # [P * M] lanes to run
    count = needed.sum()
    pad = (-P * M) % chunk
    lanes = jnp.concatenate([jnp.nonzero(needed, size=P * M, fill_value=0)[0], jnp.zeros(pad, jnp.int32)])

    def body(carry):
        start, status, steps, output, output_length = carry
        lane = jax.lax.dynamic_slice(lanes, (start,), (chunk,))
        real = start + jnp.arange(chunk) < count
        row, test = lane // M, lane % M
        results = run_lanes(params, programs[row], language[row], entry[row], slot[row], test, real)
        target = jnp.where(real, lane, P * M)  # padding lanes scatter out of range (dropped)
        status, steps, output, output_length = (
            buffer.at[target].set(value, mode="drop")
            for buffer, value in zip((status, steps, output, output_length), results)
        )
        return start + chunk, status, steps, output, output_length

    init = (
        jnp.int32(0),
        jnp.zeros(P * M, jnp.int32),
        jnp.zeros(P * M, jnp.int32),
        jnp.zeros((P * M, O), jnp.int32),
        jnp.zeros(P * M, jnp.int32),
    )
    _, status, steps, output, output_length = jax.lax.while_loop(lambda c: c[0] < count, body, init)
    per_program = lambda a: a.reshape((P, M) + a.shape[1:])  # noqa: E731
    verdicts = score_programs(
        params, entry, slot, per_program(status), per_program(steps), per_program(output), per_program(output_length)
    )
    reward = jnp.where(finished, final_reward(params, verdicts), 0.0)
    return reward.reshape(shape), (finished & verdicts.success).reshape(shape), verdicts.passed.reshape(shape)


def status_names(codes) -> list[str]:
    """esolangs status names of jax_bf status codes."""
    return [STATUS_NAMES[int(c)] for c in np.asarray(codes).reshape(-1)]


__all__ = [
    "Verdicts",
    "final_reward",
    "run_core",
    "run_lanes",
    "score_programs",
    "score_runs",
    "status_names",
    "verify_finished",
    "verify_programs",
]
