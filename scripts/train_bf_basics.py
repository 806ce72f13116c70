"""Train an agent on bf-basics from scratch under a wall-time budget, then evaluate it greedily on held-out content.

    .venv/bin/python scripts/train_bf_basics.py --model small-context --seed 0 --budget 30m --out runs/bf-basics
    .venv/bin/python scripts/train_bf_basics.py --model full-context --seed 0 --budget 30m --out runs/bf-basics
    .venv/bin/python scripts/train_bf_basics.py --backend jax --seed 0 --budget 30m --out runs/bf-basics

The budget is wall time from this command's start to the end of its final
evaluation, Ray start-up included: training stops when what is left of it
is the evaluation reserve. The config is fixed (agents.config
defaults: PPO with gamma 1, pqt-shaped reward, 2 CPU cores, no remote env
runners) so runs differ only in model and seed. The evaluation runs the
greedy policy on `--instances` held-out instances (`curricula.heldout`,
through `reasonenv.evaluation`) of every new entry of the first
`--stages` stages and writes `heldout.json` and `heldout.md` into the run
directory; it prints one row per stage (its new entry and the stage's
whole mixture, weighted as training samples it) and exits 0 when every
stage reaches `--target` (default 0.9), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

START = time.time()


@dataclass
class Args:
    model: str = "small-context"
    """Architecture (small-context, full-context, small-window, gru)."""
    backend: str = "rllib"
    """Trainer: rllib (Ray RLlib PPO, torch) or jax (PPO inside jit, Flax twin of the model)."""
    seed: int = 0
    """Seed of the run."""
    budget: str = "30m"
    """Wall time from start to the end of the final evaluation (e.g. 30m, 1800s)."""
    out: str = "runs/bf-basics"
    """Folder of the run directory (named MODEL__sSEED__TIME)."""
    stages: int = 5
    """Stages of bf-basics whose held-out success is measured (the first N)."""
    instances: int = 100
    """Held-out instances per evaluated entry."""
    target: float = 0.9
    """Greedy held-out success every evaluated stage must reach."""
    eval_reserve_s: float = 120.0
    """Seconds of the budget kept for the final evaluation."""
    exploration_floor: float = 0.0
    """Share of sampling spread uniformly over allowed actions (both backends; 0: the default config)."""
    stop_at_stage: int | None = None
    """End training early once the curriculum reaches this stage (None: use the whole budget)."""


def parse_args(argv=None) -> Args:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, value in Args.__dataclass_fields__.items():
        kind = {"int | None": int, "int": int, "float": float, "str": str}[str(value.type)]
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=value.default)
    return Args(**vars(parser.parse_args(argv)))


def stage_rows(evaluation, curriculum: str, stages: int) -> list[dict]:
    """Per stage: its new entry's held-out rate and the mixture-weighted rate over all its entries."""
    from curricula.schedulers import load_curriculum

    scheduler = load_curriculum(curriculum)
    by_key = {
        (r.target.family, r.target.level, json.dumps(r.target.config, sort_keys=True)): r for r in evaluation.results
    }
    rows = []
    for number, stage in enumerate(scheduler.stages[:stages]):
        weighted, total, new = 0.0, 0.0, []
        for entry in stage.mixture:
            result = by_key[(entry.family, entry.level, json.dumps(entry.config, sort_keys=True))]
            weighted += entry.weight * result.pass_rate
            total += entry.weight
            if result.target.stage == number:
                new.append(result)
        rows.append(
            {
                "stage": number,
                "name": stage.name,
                "new_entries": [
                    {
                        "label": r.target.label,
                        "pass_rate": r.pass_rate,
                        "passed": r.passed,
                        "episodes": r.episodes,
                        "heldout": r.heldout,
                    }
                    for r in new
                ],
                "mixture_pass_rate": weighted / total,
            }
        )
    return rows


def main(argv=None) -> int:
    args = parse_args(argv)
    from agents.config import ModelSettings, RLlibSettings, TrainConfig, parse_budget
    from agents.loop import stage_reached, train
    from agents.policies import load_policy
    from reasonenv.evaluation import evaluate

    budget_s = parse_budget(args.budget)
    try:
        cfg = TrainConfig(
            curriculum="bf-basics",
            model=ModelSettings(name=args.model),
            seed=args.seed,
            budget_s=budget_s,
            rllib=RLlibSettings(num_cpus=2),
            checkpoint_every=10,
            backend=args.backend,
            exploration_floor=args.exploration_floor,
        ).validate()
    except ValueError as error:
        print(f"train_bf_basics: {error}", file=sys.stderr)
        return 2
    prefix = ("jax-" if cfg.backend == "jax" else "") + (
        f"floor{cfg.exploration_floor:g}-" if cfg.exploration_floor else ""
    )
    run_dir = Path(args.out) / f"{prefix}{args.model}__s{args.seed}__{time.strftime('%Y%m%d-%H%M%S')}"
    deadline = START + budget_s - args.eval_reserve_s

    def should_stop(row: dict) -> bool:
        reached = args.stop_at_stage is not None and stage_reached(row) >= args.stop_at_stage
        return reached or time.time() >= deadline

    print(f"run directory: {run_dir}", flush=True)
    train(cfg, run_dir, log=lambda line: print(line, flush=True), should_stop=should_stop)
    trained_s = time.time() - START

    policy = load_policy(run_dir)
    evaluation = evaluate(
        policy, language="bf", curriculum="bf-basics", instances=args.instances, env_options=policy.env_options
    )
    evaluation = type(evaluation)(
        evaluation.source,
        evaluation.language,
        evaluation.instances,
        tuple(r for r in evaluation.results if r.target.stage is not None and r.target.stage < args.stages),
        evaluation.content,
    )
    rows = stage_rows(evaluation, "bf-basics", args.stages)
    total_s = time.time() - START
    passed = all(
        row["mixture_pass_rate"] >= args.target and all(e["pass_rate"] >= args.target for e in row["new_entries"])
        for row in rows
    )
    lines = [
        f"# bf-basics held-out greedy success: {args.model} ({args.backend}), seed {args.seed}",
        "",
        f"training + start-up {trained_s:.0f}s, total with evaluation {total_s:.0f}s (budget {budget_s:.0f}s); "
        f"{args.instances} instances per entry; target {args.target:.0%}: {'reached' if passed else 'NOT reached'}",
        "",
        "| stage | name | new entry | held-out success | stage mixture |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        for entry in row["new_entries"]:
            content = "" if entry["heldout"] else " (train*)"
            lines.append(
                f"| {row['stage']} | {row['name']} | {entry['label']}{content} | "
                f"{entry['passed']}/{entry['episodes']} = {entry['pass_rate']:.0%} | {row['mixture_pass_rate']:.0%} |"
            )
    table = "\n".join(lines) + "\n"
    from agents.run_dir import write_atomic, write_json

    write_json(
        run_dir / "heldout.json",
        {
            "args": vars(args),
            "trained_s": trained_s,
            "total_s": total_s,
            "passed": passed,
            "stages": rows,
            "evaluation": evaluation.to_dict(),
        },
    )
    write_atomic(run_dir / "heldout.md", table)
    print(evaluation.table())
    print(table)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
