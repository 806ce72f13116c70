"""Env steps/s of the functional JAX token env with the execution observation off and on, side by side (issue 21).

One pool (the curriculum's entries, `--pool-size` instances each), `--envs`
episodes side by side, `--steps` steps per timed call: a jitted `lax.scan`
of the vmapped `JaxTokenEnv.step` (auto-reset included) with random actions
drawn from each step's action mask, as a policy's sampling would draw them
(no network, no verification). The first call compiles (reported apart);
the figure is the best of `--repeats` timed calls. With execution on every
step also appends the token to the program's trace and resumes each of the
instance's visible runs (`esolangs.jax_bf_trace`), then builds the
"execution" rows and the potential.

    .venv/bin/python scripts/bench_jax_env.py
    .venv/bin/python scripts/bench_jax_env.py --envs 4096 --steps 256 --json /tmp/env.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import jax
import jax.numpy as jnp

from curricula.schedulers import load_curriculum
from reasonenv.envs.jax_pool import build_params, curriculum_entries
from reasonenv.envs.jax_token_env import JaxTokenEnv


def rollout_fn(env: JaxTokenEnv, steps: int):
    """A jitted function (params, key, obs, state) -> (obs, state, checksum) running `steps` vmapped env steps."""

    def one(carry, _):
        params, key, obs, state = carry
        key, pick, step_key = jax.random.split(key, 3)
        logits = jnp.where(obs["action_mask"] > 0, 0.0, -jnp.inf)
        action = jax.random.categorical(pick, logits)
        keys = jax.random.split(step_key, action.shape[0])
        obs, state, reward, done, info = jax.vmap(env.step, (0, 0, 0, None))(keys, state, action, params)
        total = jnp.sum(done) + jnp.sum(info.get("potential", jnp.zeros(1)))
        return (params, key, obs, state), total

    @jax.jit
    def run(params, key, obs, state):
        (_, _, obs, state), totals = jax.lax.scan(one, (params, key, obs, state), None, length=steps)
        return obs, state, jnp.sum(totals)

    return run


def measure(args, execution: bool) -> dict:
    entries = curriculum_entries(load_curriculum(args.curriculum))
    params, _ = build_params(
        entries, pool_size=args.pool_size, max_program_length=args.max_program_length, execution=execution
    )
    env = JaxTokenEnv(params)
    key = jax.random.PRNGKey(0)
    obs, state = jax.jit(jax.vmap(env.reset, (0, None)))(jax.random.split(key, args.envs), params)
    run = rollout_fn(env, args.steps)
    start = time.perf_counter()
    obs, state, total = run(params, key, obs, state)
    total.block_until_ready()
    compile_s = time.perf_counter() - start
    best = float("inf")
    for repeat in range(args.repeats):
        start = time.perf_counter()
        obs, state, total = run(params, jax.random.PRNGKey(repeat + 1), obs, state)
        total.block_until_ready()
        best = min(best, time.perf_counter() - start)
    return {
        "execution": execution,
        "env_steps_per_s": args.envs * args.steps / best,
        "seconds_per_call": best,
        "first_call_s": compile_s,
        "observation_keys": sorted(obs),
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curriculum", default="bf-basics", help="curriculum whose entries make the pool")
    parser.add_argument("--pool-size", type=int, default=16, help="instances per entry")
    parser.add_argument("--envs", type=int, default=256, help="episodes side by side (the vmap width)")
    parser.add_argument("--steps", type=int, default=128, help="env steps per timed call (the scan length)")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls; the best one is reported")
    parser.add_argument("--max-program-length", type=int, default=64)
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args(argv)
    results = [measure(args, execution) for execution in (False, True)]
    off, on = results
    report = {
        "device": str(jax.devices()[0]),
        "machine": platform.machine(),
        "load": os.getloadavg(),
        "envs": args.envs,
        "steps": args.steps,
        "curriculum": args.curriculum,
        "results": results,
        "slowdown": off["env_steps_per_s"] / on["env_steps_per_s"],
    }
    for result in results:
        print(
            f"execution={'on ' if result['execution'] else 'off'}  {result['env_steps_per_s']:>12,.0f} env steps/s"
            f"  ({result['seconds_per_call'] * 1000:.1f} ms per {args.envs}x{args.steps}; first call {result['first_call_s']:.1f} s)"
        )
    print(f"execution on costs {report['slowdown']:.2f}x  (device {report['device']}, load {report['load'][0]:.1f})")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2)
    return report


if __name__ == "__main__":
    main()
