"""Env steps per second sampled and trained, per model, with the PPO settings of the learning runs (num_env_runners=0).

    .venv/bin/python scripts/bench_train_speed.py                       # every model, 5 timed iterations each
    .venv/bin/python scripts/bench_train_speed.py --models small-context --iterations 10

For each model: one local Ray (2 CPUs), the PPO config of
`scripts/train_bf_basics.py` (agents.config defaults, through agents.backends.rllib.Backend) on bf-basics,
one warm-up iteration, then `--iterations` timed ones. Prints env steps/s
(sampled and trained: iteration wall time), the split between sampling
and learning (RLlib's env_runner_sampling / learner_update timers), and the
driver's peak RSS (it hosts the env runner and the learner). Each model
runs in its own subprocess, so its peak RSS is its own. Numbers depend on
what else runs on the machine: check `uptime` first.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

MODELS = ("small-context", "full-context", "small-window", "gru")


def measure(model: str, iterations: int, stage: int, threads: int) -> dict:
    """Time `iterations` PPO iterations of `model` in this process (after one warm-up)."""
    from agents.backends.rllib import Backend
    from agents.config import ModelSettings, RLlibSettings, TrainConfig
    from curricula.schedulers import load_curriculum

    cfg = TrainConfig(
        model=ModelSettings(name=model), rllib=RLlibSettings(num_cpus=2, torch_threads=threads)
    ).validate()
    scheduler = load_curriculum(cfg.curriculum)
    state = scheduler.state_dict()
    state["stage"] = stage
    backend = Backend(cfg, Path("unused"), state, lambda line: None)  # nothing is written: no save() is called
    try:
        backend.iterate()  # warm-up: first forward passes, connector setup
        steps = 0
        sample_s = learn_s = 0.0
        started = time.perf_counter()
        for _ in range(iterations):
            result = backend.iterate()
            steps += int(result["timesteps"])
            sample_s += float(result["sample_s"] or 0.0)
            learn_s += float(result["learn_s"] or 0.0)
        wall = time.perf_counter() - started
    finally:
        backend.close()
    return {
        "model": model,
        "iterations": iterations,
        "env_steps": steps,
        "wall_s": wall,
        "steps_per_s": steps / wall,
        "sample_share": sample_s / max(sample_s + learn_s, 1e-9),
        "sample_s_per_iter": sample_s / iterations,
        "learn_s_per_iter": learn_s / iterations,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "batch": cfg.ppo.train_batch_size,
        "epochs": cfg.ppo.num_epochs,
        "minibatch": cfg.ppo.minibatch_size,
        "envs": cfg.rllib.num_envs_per_env_runner,
        "stage": stage,
        "threads": threads,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated models (default: all)")
    parser.add_argument("--iterations", type=int, default=5, help="timed iterations per model (default 5)")
    parser.add_argument(
        "--stage", type=int, default=3, help="bf-basics stage to sample from (3: streams longer than W)"
    )
    parser.add_argument(
        "--torch-threads",
        default="1",
        help="comma-separated torch thread counts measured side by side (default 1, as the learning runs)",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one model, print JSON
    args = parser.parse_args(argv)
    if args.one:
        print(
            "RESULT " + json.dumps(measure(args.one, args.iterations, args.stage, int(args.torch_threads))), flush=True
        )
        return 0
    rows = []
    try:
        thread_counts = [int(t) for t in args.torch_threads.split(",") if t.strip()]
    except ValueError:
        thread_counts = []
    if not thread_counts or min(thread_counts) < 1:
        print(
            f"bench_train_speed: --torch-threads {args.torch_threads!r} must be positive thread counts, e.g. 1,2",
            file=sys.stderr,
        )
        return 2
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    for model in models:
        if model not in MODELS:
            print(f"bench_train_speed: unknown model {model!r}; choose from {', '.join(MODELS)}", file=sys.stderr)
            return 2
    for model, threads in [(m, t) for m in models for t in thread_counts]:
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                model,
                "--iterations",
                str(args.iterations),
                "--stage",
                str(args.stage),
                "--torch-threads",
                str(threads),
            ],
            capture_output=True,
            text=True,
            env=dict(os.environ, OMP_NUM_THREADS=str(threads)),
        )
        found = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        if done.returncode != 0 or not found:
            print(f"{model}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
            return 1
        rows.append(json.loads(found[-1][len("RESULT ") :]))
        row = rows[-1]
        print(
            f"{model:14s} threads {threads} {row['steps_per_s']:7.0f} env steps/s sampled+trained | sampling {row['sample_share']:.0%} "
            f"({row['sample_s_per_iter']:.2f}s/iter) learning {1 - row['sample_share']:.0%} ({row['learn_s_per_iter']:.2f}s/iter) "
            f"| peak RSS {row['peak_rss_mb']:.0f} MB",
            flush=True,
        )
    load = os.getloadavg()[0]
    first = rows[0]
    print(
        f"\nPPO: batch {first['batch']}, minibatch {first['minibatch']}, {first['epochs']} epochs, {first['envs']} envs, "
        f"num_env_runners=0, bf-basics stage {first['stage']}; load average at the end {load:.1f} on {os.cpu_count()} CPUs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
