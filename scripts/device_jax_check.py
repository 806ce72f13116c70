"""Issue 12's accelerator figures in one short run: verified programs/s and jitted-trainer env steps/s.

Made for the device machine (jax, flax, optax, orbax, pyyaml; no gymnasium
or ray, and the project not installed), where one call should do it all:

    python3 scripts/device_jax_check.py --out $OUT            # on the GPU, about 6 minutes
    .venv/bin/python scripts/device_jax_check.py --quick --out /tmp/check   # CPU smoke run

It runs scripts/bench_jax_verifier.py (JAX batch against the Python fast
path, with --lanes interpreter lanes), then the JAX trainer on bf-basics
for --trainer-seconds at each --num-envs: the learning runs' PPO settings
at 64 envs (batch 2048), and at more envs a batch of 32 steps per env
with minibatches of a quarter of it (an accelerator's batch; other PPO
settings as agents.config). It writes device.json (the figures),
verifier.json and trainer_<envs>.csv under --out and prints a table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
"""The repository root (where scripts/bench_jax_verifier.py lives)."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for device.json, verifier.json, trainer CSVs")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a CPU smoke run")
    parser.add_argument("--num-envs", default="64,8192", help="comma-separated env counts of the trainer runs")
    parser.add_argument("--trainer-seconds", type=float, default=90.0, help="training budget per env count")
    parser.add_argument("--programs", type=int, default=10_000, help="programs per verifier workload")
    parser.add_argument("--lanes", type=int, default=4096, help="interpreter lanes of the JAX verifier")
    args = parser.parse_args(argv)
    try:
        args.num_envs = [int(n) for n in args.num_envs.split(",")]
    except ValueError:
        parser.error(f"--num-envs must be comma-separated integers, got {args.num_envs!r}")
    if any(n < 1 for n in args.num_envs):
        parser.error(f"--num-envs must be >= 1 each, got {args.num_envs}")
    for name in ("trainer_seconds", "programs", "lanes"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be > 0, got {getattr(args, name)}")
    if args.quick:
        args.num_envs, args.trainer_seconds, args.programs, args.lanes = [8], 30.0, 64, 32  # past the compile
    return args


def trainer_run(num_envs: int, seconds: float, quick: bool, out: Path) -> dict:
    """Train bf-basics for `seconds` with `num_envs` envs; whole-run and steady env steps/s from its progress CSV."""
    from agents import run_dir as rd
    from agents.config import TrainConfig
    from agents.loop import train

    batch = max(2048, 32 * num_envs) if not quick else 4 * num_envs
    ppo = {"train_batch_size": batch, "minibatch_size": 512 if batch == 2048 else batch // 4}
    cfg = TrainConfig.from_dict(
        {
            "curriculum": "bf-basics",
            "backend": "jax",
            "budget_s": seconds,
            "ppo": ppo,
            "checkpoint_every": 10**6,
            "jax": {"num_envs": num_envs},
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        train(cfg, Path(folder) / "run", log=lambda line: None)
        wall = time.perf_counter() - started
        rows = rd.read_progress(Path(folder) / "run")
        (out / f"trainer_{num_envs}.csv").write_text((Path(folder) / "run" / rd.PROGRESS).read_text())
    steady = [float(r["steps_per_s"]) for r in rows[1:]] or [float(rows[-1]["steps_per_s"])]
    return {
        "num_envs": num_envs,
        "train_batch_size": batch,
        "minibatch_size": ppo["minibatch_size"],
        "iterations": len(rows),
        "env_steps": int(rows[-1]["timesteps"]),
        "whole_run_steps_per_s": int(rows[-1]["timesteps"]) / wall,
        "steady_steps_per_s": statistics.median(steady),
        "first_iteration_s": float(rows[0]["sample_s"]) + float(rows[0]["learn_s"]),
        "stage": int(rows[-1]["stage"]),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    import jax

    figures: dict = {"devices": [str(d) for d in jax.devices()], "quick": args.quick}
    print(f"devices: {figures['devices']}", flush=True)
    command = [
        sys.executable,
        str(REPO / "scripts" / "bench_jax_verifier.py"),
        "--programs",
        str(args.programs),
        "--batch-size",
        str(args.lanes),
        "--repeats",
        "2",
        "--json",
        str(args.out / "verifier.json"),
    ]
    verifier = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    print(verifier.stdout[-3000:], verifier.stderr[-2000:] if verifier.returncode else "", flush=True)
    figures["verifier"] = json.loads((args.out / "verifier.json").read_text()) if verifier.returncode == 0 else None
    figures["trainer"] = []
    for num_envs in args.num_envs:
        result = trainer_run(num_envs, args.trainer_seconds, args.quick, args.out)
        figures["trainer"].append(result)
        print(
            f"trainer {num_envs} envs (batch {result['train_batch_size']}): {result['steady_steps_per_s']:,.0f} steady, "
            f"{result['whole_run_steps_per_s']:,.0f} whole-run env steps/s, first iteration "
            f"{result['first_iteration_s']:.1f} s, stage {result['stage']}",
            flush=True,
        )
    (args.out / "device.json").write_text(json.dumps(figures, indent=2))
    return 0 if figures["verifier"] is not None else 1


if __name__ == "__main__":
    raise SystemExit(main())
