"""Env steps/s of the jitted JAX trainer against the RLlib trainer: same curriculum, model, PPO settings (issue 12's "Trainer" figure).

    .venv/bin/python scripts/bench_jax_trainer.py                        # both trainers, cold JAX compile cache
    .venv/bin/python scripts/bench_jax_trainer.py --rllib-timesteps 0    # the JAX trainer alone
    .venv/bin/python scripts/bench_jax_trainer.py --warm-cache           # keep the JAX compile cache between runs
    .venv/bin/python scripts/bench_jax_trainer.py --config runs/bf-reasoning/T1-none-rllib__s0__TIME/config.json
                                                     # a run's whole TrainConfig (e.g. issue 21's learner) for both

Each trainer runs as `reasonenv train --backend jax|rllib` in its own
process, on `--curriculum` (bf-basics) with the agents.config
defaults (model small-context, dim 64, W 16, top-k 8; agents.config
PPOSettings: batch 2048, minibatch 512, 2 epochs, lr 3e-4, gamma 1, lambda
0.95, clip 0.2, entropy 0.1, grad clip 0.5, no KL term in either:
use_kl_loss=False; the same training reward), RLlib with
num_env_runners=0. Reported per trainer:
  whole run   env steps / wall time of the whole command (imports, pool or
              Ray start-up, jit compilation included): the headline figure
  steady      env steps / (sample + learn time) of the iterations after the
              first (what a long run converges to)
  first iter  the first iteration's time (for JAX: compiling both halves)
The JAX compile cache (REASONENV_JAX_CACHE) is emptied first unless
--warm-cache. Numbers depend on what else runs: the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
"""The repository root: the working folder of the two `reasonenv train` processes."""


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def run_trainer(backend: str, timesteps: int, args, out: Path, env: dict) -> dict:
    """`reasonenv train --backend BACKEND` to `timesteps`; the figures of its run directory."""
    from agents import run_dir as rd

    name = f"{backend}"
    command = [
        sys.executable,
        "-m",
        "reasonenv",
        "train",
        "--backend",
        backend,
        *(["--config", args.config] if args.config else []),
        *(["--curriculum", args.curriculum] if args.curriculum else []),
        *(["--model", args.model] if args.model else []),
        "--timesteps",
        str(timesteps),
        "--seed",
        str(args.seed),
        "--out",
        str(out),
        "--name",
        name,
        "--checkpoint-every",
        "1000",
    ]
    if backend == "rllib":
        command += ["--num-env-runners", "0"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    rows = rd.read_progress(out / name)
    steps = int(rows[-1]["timesteps"])
    later = rows[1:] or rows
    later_steps = steps - (int(rows[0]["timesteps"]) if len(rows) > 1 else 0)
    sample = sum(float(r["sample_s"] or 0) for r in later)
    learn = sum(float(r["learn_s"] or 0) for r in later)
    iteration_time = [float(rows[0]["wall_s"])] + [
        float(b["wall_s"]) - float(a["wall_s"]) for a, b in zip(rows, rows[1:])
    ]
    steady_wall = sum(iteration_time[1:]) if len(rows) > 1 else iteration_time[0]
    return {
        "backend": backend,
        "timesteps": steps,
        "iterations": len(rows),
        "wall_s": wall,
        "whole_run_steps_per_s": steps / wall,
        "steady_steps_per_s": later_steps / steady_wall if steady_wall else None,
        "first_iteration_s": iteration_time[0],
        "sample_share": sample / (sample + learn) if sample + learn else None,
        "final_stage": int(rows[-1]["stage"]),
        "run_dir": str(out / name),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curriculum", help="curriculum of both runs (default: --config's, else bf-basics)")
    parser.add_argument("--model", help="model of both runs (default: --config's, else small-context)")
    parser.add_argument(
        "--config",
        metavar="JSON",
        help="a TrainConfig JSON both runs start from (reasonenv train --config; e.g. a run's config.json); "
        "backend, limit, seed and the flags above are the bench's",
    )
    parser.add_argument(
        "--jax-timesteps", type=int, default=40_960, help="env steps of the JAX run (default 40960 = 20 iterations)"
    )
    parser.add_argument(
        "--rllib-timesteps", type=int, default=10_240, help="env steps of the RLlib run; 0 skips it (default 10240)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--warm-cache", action="store_true", help="keep the JAX compile cache (default: start cold)")
    parser.add_argument("--out", help="folder for the two run directories (default: a temporary one, removed)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    for name in ("jax_timesteps", "rllib_timesteps"):
        if getattr(args, name) < 0 or (name == "jax_timesteps" and args.jax_timesteps == 0):
            parser.error(f"--{name.replace('_', '-')} must be a positive number of env steps")
    if args.config and not Path(args.config).is_file():
        parser.error(f"--config {args.config!r} is not a file; give a TrainConfig JSON such as a run's config.json")
    if not args.config:
        args.curriculum = args.curriculum or "bf-basics"
        args.model = args.model or "small-context"
    temporary = args.out is None
    out = Path(tempfile.mkdtemp(prefix="bench_jax_trainer.")) if temporary else Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    cache = Path(env.get("REASONENV_JAX_CACHE", str(Path.home() / ".cache" / "reasonenv" / "jax")))
    if not args.warm_cache:
        cache = out / "jax_cache"
        shutil.rmtree(cache, ignore_errors=True)
    env["REASONENV_JAX_CACHE"] = str(cache)
    print(f"load average before: {load()} on {os.cpu_count()} CPUs", flush=True)
    results = [run_trainer("jax", args.jax_timesteps, args, out, env)]
    print(f"load average after JAX: {load()}", flush=True)
    if args.rllib_timesteps:
        results.append(run_trainer("rllib", args.rllib_timesteps, args, out, env))
        print(f"load average after RLlib: {load()}", flush=True)
    what = f"config {args.config}" if args.config else "PPO defaults of agents.config (batch 2048, no KL term)"
    print(f"\n{args.model or 'model'} on {args.curriculum or 'curriculum'} of {what}")
    print("| trainer | env steps | wall s | whole-run steps/s | steady steps/s | first iteration s | sampling share |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        steady = "-" if r["steady_steps_per_s"] is None else f"{r['steady_steps_per_s']:.0f}"
        share = "-" if r["sample_share"] is None else f"{r['sample_share']:.2f}"
        print(
            f"| {r['backend']} | {r['timesteps']:,} | {r['wall_s']:.0f} | {r['whole_run_steps_per_s']:.0f} | {steady} "
            f"| {r['first_iteration_s']:.0f} | {share} |"
        )
    if len(results) == 2:
        jax_run, rllib_run = results
        print(
            f"\nratio JAX / RLlib: whole run {jax_run['whole_run_steps_per_s'] / rllib_run['whole_run_steps_per_s']:.1f}x, "
            f"steady {jax_run['steady_steps_per_s'] / rllib_run['steady_steps_per_s']:.1f}x"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"load_average": load(), "results": results}, indent=2) + "\n")
    if temporary:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
