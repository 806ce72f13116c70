"""Train an agent with PPO (Ray RLlib) over a curriculum; a run is one directory that --resume and `evaluate` accept.

    reasonenv train --curriculum bf-basics --model small-context --budget 30m
    reasonenv train --curriculum bf-basics --model full-context --timesteps 200000 --seed 1 --out runs
    reasonenv train --resume runs/bf-basics__small-context__s0__20261202-031500 --budget 3h
    reasonenv train --curriculum bf-basics --address 127.0.0.1:6379     # join a `ray start --head` cluster

Models: small-context (causal transformer over the last W tokens + episodic
top-k memory + knowledge-store pointer head; the main agent), full-context,
small-window, gru. Without --address training runs on a private local Ray
with this machine's CPUs. --budget and --timesteps are totals for the run,
counted across resumes; give neither to train until interrupted (Ctrl-C
writes a final checkpoint). The run directory holds config.json,
progress.csv, tensorboard/, checkpoints/ (with the curriculum scheduler
state), and at the end learning_curve.png and summary.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MODEL_CHOICES = ("small-context", "full-context", "small-window", "gru")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--curriculum", help="shipped curriculum name or YAML path (default: bf-basics)")
    parser.add_argument("--model", help=f"architecture: {', '.join(MODEL_CHOICES)} (default: small-context)")
    limit = parser.add_mutually_exclusive_group()
    limit.add_argument("--budget", help="total training wall time of the run, e.g. 90s, 30m, 3h")
    limit.add_argument("--timesteps", type=int, help="total env steps of the run")
    parser.add_argument(
        "--num-env-runners", type=int, help="remote env runners (default 0: sample in the driver, fastest on few cores)"
    )
    parser.add_argument(
        "--num-envs-per-env-runner", type=int, default=None, help="vectorised envs per runner (default 32)"
    )
    parser.add_argument(
        "--address", help="HOST:PORT of a `ray start --head` cluster to join (default: a private local Ray)"
    )
    parser.add_argument(
        "--resume", metavar="RUN_DIR", help="continue this run from its latest checkpoint, at the same curriculum stage"
    )
    parser.add_argument("--seed", type=int, help="seed of the run (default 0)")
    parser.add_argument("--out", default="runs", help="folder for new run directories (default: runs)")
    parser.add_argument("--name", help="run directory name (default: CURRICULUM__MODEL__sSEED__TIME)")
    parser.add_argument("--checkpoint-every", type=int, default=None, help="iterations between checkpoints (default 5)")
    parser.add_argument(
        "--backend", help="trainer backend: rllib (default) or jax (jitted PPO, Brainfuck-family curricula)"
    )
    parser.add_argument(
        "--exploration-floor",
        type=float,
        default=None,
        help="share of sampling spread uniformly over allowed actions, in [0, 1) (default 0); may change on --resume",
    )
    parser.add_argument(
        "--config",
        metavar="JSON",
        help="a TrainConfig JSON (a run's config.json, or part of one: e.g. "
        '{"ppo": {"train_batch_size": 512}}) to start from; the flags above override it',
    )


def _fail(message: str) -> int:
    print(f"reasonenv train: error: {message}", file=sys.stderr)
    return 2


def _read_json(path: str) -> dict:
    import json

    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ValueError(f"--config {path!r} does not exist") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"--config {path!r} is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"--config {path!r} must hold a JSON object of TrainConfig fields")
    return data


def build_config(args: argparse.Namespace):
    """(TrainConfig, run directory, resume?) from the arguments; ValueError on anything invalid, before any file is written."""
    from agents.train_config import TrainConfig, parse_budget

    budget = parse_budget(args.budget) if args.budget is not None else None
    if args.timesteps is not None and args.timesteps <= 0:
        raise ValueError(f"--timesteps must be a positive number of env steps, got {args.timesteps}")
    if args.resume:
        run_dir = Path(args.resume)
        if not (run_dir / "config.json").is_file():
            raise ValueError(f"--resume {args.resume!r} is not a run directory (no config.json there)")
        cfg = TrainConfig.load(run_dir / "config.json")
        # A resumed run keeps its architecture and curriculum; limits and placement may change.
        if budget is not None:
            cfg.budget_s, cfg.timesteps = budget, None
        if args.timesteps is not None:
            cfg.timesteps, cfg.budget_s = args.timesteps, None
        cfg.address = args.address
        if args.num_env_runners is not None:
            cfg.num_env_runners = args.num_env_runners
        if args.checkpoint_every is not None:
            cfg.checkpoint_every = args.checkpoint_every
        if args.exploration_floor is not None and args.exploration_floor != cfg.exploration_floor:
            print(
                f"exploration floor of {run_dir}: {cfg.exploration_floor} -> {args.exploration_floor} from here on",
                flush=True,
            )
            cfg.exploration_floor = args.exploration_floor
        return cfg.validate(), run_dir, True
    cfg = TrainConfig.from_dict(_read_json(args.config)) if args.config else TrainConfig()
    for flag, field in (
        ("curriculum", "curriculum"),
        ("model", "model"),
        ("seed", "seed"),
        ("num_env_runners", "num_env_runners"),
        ("num_envs_per_env_runner", "num_envs_per_env_runner"),
        ("address", "address"),
        ("checkpoint_every", "checkpoint_every"),
        ("backend", "backend"),
        ("exploration_floor", "exploration_floor"),
    ):
        if getattr(args, flag) is not None:
            setattr(cfg, field, getattr(args, flag))
    if budget is not None:
        cfg.budget_s, cfg.timesteps = budget, None
    if args.timesteps is not None:
        cfg.timesteps, cfg.budget_s = args.timesteps, None
    cfg.validate()
    name = args.name or f"{Path(cfg.curriculum).stem}__{cfg.model}__s{cfg.seed}__{time.strftime('%Y%m%d-%H%M%S')}"
    run_dir = Path(args.out) / name
    if run_dir.exists():
        raise ValueError(
            f"run directory {str(run_dir)!r} exists already; pick another --name or continue it with --resume"
        )
    return cfg, run_dir, False


def main(args: argparse.Namespace) -> int:
    try:
        cfg, run_dir, resume = build_config(args)
    except ValueError as err:
        return _fail(str(err))
    except ImportError as err:
        return _fail(f"training needs the train extra ({err}); install it with `make setup-train`")
    train: Callable[..., Any]  # the two backends' train() share the arguments used below
    if cfg.backend == "jax":
        from agents.jax_trainer import check_config
        from agents.jax_trainer import train as jax_train

        try:
            check_config(cfg)  # what only the JAX path rejects (e.g. a Befunge curriculum), before any file is written
        except ValueError as err:
            return _fail(str(err))
        train = jax_train
    else:
        from agents.rllib_trainer import train as rllib_train

        train = rllib_train

    print(f"run directory: {run_dir}", flush=True)
    train(cfg, run_dir, resume=resume, log=lambda line: print(line, flush=True))
    return 0
