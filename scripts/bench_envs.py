"""Env steps/s on one core: the token env (BF, a PQT task with 16 hidden tests, verifier included) beside a trivial env with the same spaces.

    python scripts/bench_envs.py [--task reverse] [--steps 100000] [--core 0] [--out results/bench_envs.json]

The policy is uniform over the actions the mask allows (programs up to 64
tokens). Two token-env settings are timed: a new instance at every reset
(the env's default) and one fixed instance (the PQT setting, where
repeated programs hit the verdict cache). Reported: steps/s of the whole
loop (policy included) and of env time alone (reset + step). Target:
>= 10,000 env steps/s per core for the token env, verifier included.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
from gymnasium import spaces

TARGET_STEPS_PER_SECOND = 10_000


class TrivialEnv(gym.Env):
    """The token env's spaces with no task and no verifier: ends at STOP (action 0) or at the length limit."""

    metadata = {"render_modes": []}

    def __init__(self, observation_space: spaces.Dict, action_space: spaces.Discrete):
        self.observation_space = observation_space
        self.action_space = action_space
        self.max_length = observation_space["program"].shape[0]
        self._task = np.zeros(observation_space["task"].shape, dtype=np.int32)
        self._program = np.zeros(self.max_length, dtype=np.int32)
        self._mask = np.ones(action_space.n, dtype=np.int8)
        self._effects = np.zeros(action_space.n, dtype=np.int32)
        self._length = 0

    def _observation(self):
        return {
            "task": self._task,
            "family": np.int64(0),
            "language": np.int64(0),
            "program": self._program.copy(),
            "action_mask": self._mask.copy(),
            "action_effects": self._effects.copy(),
        }

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._length = 0
        self._program[:] = 0
        return self._observation(), {}

    def step(self, action):
        action = int(action)
        if action != 0:
            self._program[self._length] = action
            self._length += 1
        terminated = action == 0
        truncated = self._length >= self.max_length
        return self._observation(), 0.0, terminated, truncated, {}


def run(env: gym.Env, steps: int, seed: int) -> dict:
    """Step `env` `steps` times under a uniform masked policy; time the env calls apart from the policy."""
    rng = np.random.default_rng(seed)
    uniforms = rng.random(steps)
    env_seconds = 0.0
    episodes = 0
    start = time.perf_counter()
    t0 = time.perf_counter()
    observation, _ = env.reset(seed=seed)
    env_seconds += time.perf_counter() - t0
    for i in range(steps):
        allowed = np.flatnonzero(observation["action_mask"])
        action = allowed[int(uniforms[i] * len(allowed))]
        t0 = time.perf_counter()
        observation, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            episodes += 1
            observation, _ = env.reset()
        env_seconds += time.perf_counter() - t0
    total = time.perf_counter() - start
    return {
        "steps": steps,
        "episodes": episodes,
        "mean_episode_length": steps / max(episodes, 1),
        "steps_per_second": steps / total,
        "env_steps_per_second": steps / env_seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="reverse", help="PQT task family (16 hidden tests by default)")
    parser.add_argument("--language", default="bf")
    parser.add_argument("--max-program-length", type=int, default=64)
    parser.add_argument("--steps", type=int, default=100_000, help="env steps per measurement")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--core", type=int, default=0, help="pin to this CPU core (-1: do not pin)")
    parser.add_argument("--out", default="results/bench_envs.json", help="where to write the JSON results")
    args = parser.parse_args()

    if args.core >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})

    import reasonenv  # noqa: F401  (registers the ids)

    common = {"language": args.language, "task": args.task, "max_program_length": args.max_program_length}
    fresh = gym.make("reasonenv/Synthesis-v0", **common)
    fixed = gym.make("reasonenv/Synthesis-v0", instance_seed=0, num_instances=1, **common)
    probe = fresh.unwrapped
    probe.reset(seed=args.seed)
    tests = len(probe._instance.tests)
    trivial = TrivialEnv(probe.observation_space, probe.action_space)

    rows = []
    for label, env in (
        ("trivial env, same spaces", trivial),
        ("token env, new instance per reset", fresh),
        ("token env, one fixed instance", fixed),
    ):
        env.reset(seed=args.seed)
        run(env, min(2000, args.steps), args.seed + 1)  # warm-up: imports, first-call caches
        result = run(env, args.steps, args.seed)
        cache = getattr(env.unwrapped, "cache", None)
        if cache is not None:
            looked_up = cache.hits + cache.misses
            result["cache_hit_rate"] = cache.hits / looked_up if looked_up else 0.0
        result["env"] = label
        rows.append(result)

    print(
        f"{args.language} {args.task}: {tests} hidden tests, programs up to {args.max_program_length} tokens, "
        f"uniform masked policy, {args.steps} steps, core {args.core}"
    )
    print(f"{'env':<36} {'steps/s':>10} {'env-only steps/s':>17} {'episodes':>9} {'mean len':>9} {'cache hits':>10}")
    for r in rows:
        hits = f"{r['cache_hit_rate']:.0%}" if "cache_hit_rate" in r else "-"
        print(
            f"{r['env']:<36} {r['steps_per_second']:>10,.0f} {r['env_steps_per_second']:>17,.0f} "
            f"{r['episodes']:>9} {r['mean_episode_length']:>9.1f} {hits:>10}"
        )
    token = rows[1]["steps_per_second"]
    verdict = "meets" if token >= TARGET_STEPS_PER_SECOND else "BELOW"
    print(
        f"token env (new instance per reset): {token:,.0f} steps/s, {verdict} the target of {TARGET_STEPS_PER_SECOND:,}/s"
    )

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "target_steps_per_second": TARGET_STEPS_PER_SECOND,
                "hidden_tests": tests,
                "task": args.task,
                "language": args.language,
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"results written to {out}")
    return 0 if token >= TARGET_STEPS_PER_SECOND else 1


if __name__ == "__main__":
    raise SystemExit(main())
