"""Train an agent with PPO over a curriculum (RLlib or the jitted JAX backend); a run is one directory that --resume and `evaluate` accept.

    reasonenv train --curriculum bf-basics --model small-context --budget 30m
    reasonenv train --curriculum bf-basics --model full-context --timesteps 200000 --seed 1 --out runs
    reasonenv train --curriculum bf-basics --backend jax --budget 10m       # PPO inside jit (Brainfuck family)
    reasonenv train --resume runs/bf-basics__small-context__s0__20261202-031500 --budget 3h
    reasonenv train --curriculum bf-basics --address 127.0.0.1:6379     # join a `ray start --head` cluster

Models: small-context (causal transformer over the last W tokens + episodic
top-k memory + knowledge-store pointer head; the main agent), full-context,
small-window, gru. Without --address training runs on a private local Ray
with this machine's CPUs. --budget, --timesteps and --programs are totals
for the run, counted across resumes; give none to train until interrupted
(Ctrl-C writes a final checkpoint). The run directory holds config.json (the
one agents.config.TrainConfig of the run), progress.csv, tensorboard/,
checkpoints/ (with the curriculum scheduler state), and at the end
learning_curve.png and summary.md. Every default lives in agents/config.py.

--resume continues from the newest complete checkpoint (found by content;
a damaged newer one is skipped with one line, and none usable is refused,
never a silent restart); flags that decide what is trained must equal the
run's own. One trainer per run directory (RUN/.lock). --address is probed
first (one line if nothing listens) and, without --num-env-runners, the
cluster's free CPUs are used for env runners. Every refusal is one line.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

MODEL_CHOICES = ("small-context", "full-context", "small-window", "gru")

FLAGS: tuple[tuple[str, str], ...] = (
    ("curriculum", "curriculum"),
    ("model", "model.name"),
    ("actions", "model.actions"),
    ("seed", "seed"),
    ("backend", "backend"),
    ("num_env_runners", "rllib.num_env_runners"),
    ("num_envs_per_env_runner", "rllib.num_envs_per_env_runner"),
    ("address", "rllib.address"),
    ("checkpoint_every", "checkpoint_every"),
    ("probe_every", "probe_every"),
    ("exploration_floor", "exploration_floor"),
    ("task_length", "task_length"),
    ("action_slots", "action_slots"),
    ("permute_actions", "permute_actions"),
    ("init_from", "init_from"),
)
"""Flag (argparse dest) -> TrainConfig field (section.field), for a new run."""
RESUME_FLAGS = (
    "num_env_runners",
    "num_envs_per_env_runner",
    "address",
    "checkpoint_every",
    "probe_every",
    "exploration_floor",
)
"""What a resumed run may change besides its limit (--budget/--timesteps/--programs): where and how wide it samples."""
KEPT_ON_RESUME = (
    "model",
    "actions",
    "backend",
    "curriculum",
    "seed",
    "task_length",
    "action_slots",
    "permute_actions",
    "init_from",
)
"""Flags that decide what is trained: refused on --resume unless they equal the run's saved config."""
RESUME_HELP = (
    "continue this run from its newest complete checkpoint, at the same curriculum stage; it may change "
    "--budget/--timesteps/--programs, --num-env-runners, --num-envs-per-env-runner, --address, --checkpoint-every, "
    "--probe-every and --exploration-floor; --model, --actions, --backend, --curriculum, --seed, --task-length, --action-slots, "
    "--permute-actions and --init-from must equal the run's own (or be left out)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--curriculum", help="shipped curriculum name or YAML path (default: bf-basics)")
    parser.add_argument("--model", help=f"architecture: {', '.join(MODEL_CHOICES)} (default: small-context)")
    parser.add_argument(
        "--actions",
        help="action head: pointer, index, index+effects (default: the architecture's own: index for full-context, else pointer)",
    )
    limit = parser.add_mutually_exclusive_group()
    limit.add_argument("--budget", help="total training wall time of the run, e.g. 90s, 30m, 3h")
    limit.add_argument("--timesteps", type=int, help="total env steps of the run")
    limit.add_argument("--programs", type=int, help="total finished episodes (programs verified) of the run")
    parser.add_argument(
        "--num-env-runners",
        type=int,
        help="remote env runners (default: 0 on a local Ray, sampling in the driver, fastest on few cores; "
        "with --address, the cluster's free CPUs minus one)",
    )
    parser.add_argument(
        "--num-envs-per-env-runner", type=int, default=None, help="vectorised envs per runner (default 32)"
    )
    parser.add_argument(
        "--address", help="HOST:PORT of a `ray start --head` cluster to join (default: a private local Ray)"
    )
    parser.add_argument("--resume", metavar="RUN_DIR", help=RESUME_HELP)
    parser.add_argument("--seed", type=int, help="seed of the run (default 0)")
    parser.add_argument("--out", help="folder for new run directories (default: runs)")
    parser.add_argument("--name", help="run directory name (default: CURRICULUM__MODEL__sSEED__TIME)")
    parser.add_argument("--checkpoint-every", type=int, default=None, help="iterations between checkpoints (default 5)")
    parser.add_argument(
        "--probe-every",
        type=int,
        default=None,
        help="iterations between greedy held-out probes of the current weights (progress.csv probe_heldout; "
        "default 5, 0 off); may change on --resume",
    )
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
        "--task-length", type=int, help="pad the task tokens to this many (default: fit the curriculum)"
    )
    parser.add_argument(
        "--action-slots", type=int, help="pad the action slots to this many, so one net serves several languages"
    )
    parser.add_argument(
        "--permute-actions", action="store_true", default=None, help="a fresh order of the action slots every episode"
    )
    parser.add_argument(
        "--init-from", metavar="RUN_OR_CHECKPOINT", help="start from the network weights of this run or checkpoint"
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


def _set(cfg: Any, dotted: str, value: Any) -> None:
    *sections, name = dotted.split(".")
    for section in sections:
        cfg = getattr(cfg, section)
    setattr(cfg, name, value)


def _get(cfg: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        cfg = getattr(cfg, part)
    return cfg


def _set_limit(cfg, budget: float | None, args: argparse.Namespace) -> None:
    """The one run limit the flags give (they are mutually exclusive); it replaces the config's limits."""
    for name, value in (("budget_s", budget), ("timesteps", args.timesteps), ("programs", args.programs)):
        if value is not None:
            cfg.budget_s = cfg.timesteps = cfg.programs = None
            setattr(cfg, name, value)


def build_config(args: argparse.Namespace):
    """(TrainConfig, run directory, resume?) from the arguments; ValueError on anything invalid, before any file is written.

    A new run's folder is only named here: agents.loop.train claims (creates) it, refusing one that exists.
    """
    from agents import run_dir as rd
    from agents.config import TrainConfig, parse_budget

    budget = parse_budget(args.budget) if args.budget is not None else None
    for flag in ("timesteps", "programs"):
        value = getattr(args, flag)
        if value is not None and value <= 0:
            raise ValueError(f"--{flag} must be a positive number, got {value}")
    mapping = dict(FLAGS)
    if args.resume:
        run_dir = Path(args.resume)
        if not (run_dir / "config.json").is_file():
            raise ValueError(f"--resume {args.resume!r} is not a run directory (no config.json there)")
        for flag in ("config", "name", "out"):
            if getattr(args, flag) is not None:
                raise ValueError(
                    f"--{flag} names a new run; --resume continues {args.resume!r} with its own config.json "
                    f"(drop --{flag}, or start a new run without --resume)"
                )
        cfg = TrainConfig.load(run_dir / "config.json")
        # A resumed run is the run: what decides what is trained stays; limits and placement may change.
        rd.check_resume_flags(
            {flag: _get(cfg, mapping[flag]) for flag in KEPT_ON_RESUME},
            {flag: getattr(args, flag) for flag in KEPT_ON_RESUME},
        )
        _set_limit(cfg, budget, args)
        cfg.rllib.address = args.address
        for flag in RESUME_FLAGS:
            value = getattr(args, flag)
            if value is None or value == _get(cfg, mapping[flag]):
                continue
            if flag == "exploration_floor":
                print(f"exploration floor of {run_dir}: {cfg.exploration_floor} -> {value} from here on", flush=True)
            _set(cfg, mapping[flag], value)
        return cfg.validate(), run_dir, True
    cfg = TrainConfig.from_dict(_read_json(args.config)) if args.config else TrainConfig()
    for flag, dotted in FLAGS:
        if getattr(args, flag) is not None:
            _set(cfg, dotted, getattr(args, flag))
    if args.model is not None and args.actions is None:
        from agents.config import default_actions

        cfg.model.actions = default_actions(cfg.model.name)
    _set_limit(cfg, budget, args)
    cfg.validate()
    out = args.out if args.out is not None else "runs"
    name = args.name or f"{Path(cfg.curriculum).stem}__{cfg.model.name}__s{cfg.seed}__{time.strftime('%Y%m%d-%H%M%S')}"
    run_dir = Path(out) / name
    if run_dir.exists():  # the claim refuses it too; saying so here is quicker
        raise ValueError(
            f"run directory {str(run_dir)!r} exists already; pick another --name or continue it with --resume"
        )
    rd.check_output_folder(out)
    return cfg, run_dir, False


def preflight(cfg, run_dir: Path, resume: bool) -> None:
    """What is refused in a second, before torch, Ray or JAX start: a dead --address, no usable checkpoint, JAX limits."""
    from agents import run_dir as rd

    if cfg.backend == "rllib" and cfg.rllib.address:
        from agents.cluster import check_address

        check_address(cfg.rllib.address)
    if resume:
        rd.usable_checkpoint(run_dir, log=lambda line: None)  # the loop says which it skips, after the backend's check
    if cfg.backend == "jax":
        from agents.backends.jax import check_config

        check_config(cfg)  # what only the JAX path rejects (e.g. a Befunge curriculum), before any file is written


def main(args: argparse.Namespace) -> int:
    try:
        cfg, run_dir, resume = build_config(args)
        preflight(cfg, run_dir, resume)
    except ValueError as err:
        return _fail(str(err))
    except ImportError as err:
        return _fail(f"training needs the train extra ({err}); install it with `make setup-train`")
    from agents.loop import train

    print(f"run directory: {run_dir}", flush=True)
    try:
        train(cfg, run_dir, resume=resume, log=lambda line: print(line, flush=True))
    except (
        ValueError
    ) as err:  # what the loop or a backend refuses when it starts (run in use, init_from of the other backend)
        return _fail(str(err))
    return 0
