"""Token-env steps/s with the execution observation off and on, side by side, and their ratio (issue 21's bar: on >= 0.5x off).

    python scripts/bench_execution_env.py [--tasks emit-char,echo-all,reverse] [--steps 20000] [--repeats 3]

For each bf-basics-like task, two `reasonenv/Synthesis-v0` envs (language bf)
are built, identical but for `execution=True`, and run in interleaved
repeats (off, on, off, on, ...) so that machine load hits both alike. The
policy is uniform over the actions the mask allows, from one seeded RNG per
repeat, so both envs see comparable action streams; its cost is included in
both. Printed per task: median steps/s off and on, and on/off.
"""

from __future__ import annotations

import argparse
import statistics
import time

import gymnasium as gym
import numpy as np

BAR = 0.5
"""The execution observation may cost at most half the env's speed."""


def steps_per_second(env: gym.Env, steps: int, seed: int) -> float:
    """Steps/s of `steps` env steps under a masked uniform policy (resets included)."""
    rng = np.random.default_rng(seed)
    observation, _ = env.reset(seed=seed)
    start = time.perf_counter()
    for _ in range(steps):
        allowed = np.flatnonzero(observation["action_mask"])
        observation, _, terminated, truncated, _ = env.step(int(allowed[rng.integers(len(allowed))]))
        if terminated or truncated:
            observation, _ = env.reset()
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="emit-char,echo-all,reverse", help="comma-separated task families")
    parser.add_argument("--steps", type=int, default=20_000, help="env steps per timed run")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved off/on pairs per task")
    parser.add_argument("--max-program-length", type=int, default=64, help="program tokens per episode")
    args = parser.parse_args()

    import reasonenv  # noqa: F401  (registers the ids)

    print(f"{'task':<12} {'off steps/s':>12} {'on steps/s':>12} {'on/off':>8}")
    worst = float("inf")
    for task in args.tasks.split(","):
        envs = {
            on: gym.make(
                "reasonenv/Synthesis-v0",
                language="bf",
                task=task,
                max_program_length=args.max_program_length,
                execution=on,
            )
            for on in (False, True)
        }
        for env in envs.values():  # warm-up: imports, caches
            steps_per_second(env, 500, seed=0)
        rates: dict[bool, list[float]] = {False: [], True: []}
        for repeat in range(args.repeats):
            for on in (False, True):
                rates[on].append(steps_per_second(envs[on], args.steps, seed=repeat + 1))
        off, on_rate = statistics.median(rates[False]), statistics.median(rates[True])
        ratio = on_rate / off
        worst = min(worst, ratio)
        print(f"{task:<12} {off:>12,.0f} {on_rate:>12,.0f} {ratio:>8.2f}")
    verdict = "meets" if worst >= BAR else "misses"
    print(f"worst on/off {worst:.2f}: {verdict} the bar of {BAR}")


if __name__ == "__main__":
    main()
