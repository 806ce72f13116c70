"""Train the instance-reading learner on bf-reasoning toward one of issue 21's targets, then evaluate it greedily on held-out content.

    .venv/bin/python scripts/train_bf_reasoning.py --target T1 --seed 0 --out runs/bf-reasoning
    .venv/bin/python scripts/train_bf_reasoning.py --target T2 --seed 1 --out runs/bf-reasoning
    .venv/bin/python scripts/train_bf_reasoning.py --target T1 --seed 0 --ablate execution --out runs/ablation
    .venv/bin/python scripts/train_bf_reasoning.py --target T3 --seed 0 --resume runs/bf-reasoning/T3-none-rllib__s0__...

Targets (the issue's table; the budget is wall time from this command's
start to the end of its final evaluation, Ray start-up included):

    T1  emit-char over bytes 1..31, held-out interior bytes   >= 90% greedy   30 min
    T2  emit-string of 2 and 3 bytes, held-out strings          >= 80% greedy   1 h
    T3  reverse-bytes, lengths 1..8, held-out content           >= 80% greedy   3 h

The config is fixed for every seed (`learner_config`): bf-reasoning with
every part of the learner on (execution observation, value features,
kept successes with self-imitation, hindsight relabelling, the potential
reward, new-entry promotion with a greedy held-out probe). `--ablate`
switches one part off (execution, value-features, kept, relabel, memory:
the small-window model instead of small-context; end-on-pass: episodes
run until STOP or the length cap instead of ending once the visible
examples pass; kl-stop: every PPO minibatch step taken, however far the
policy has moved; signed-step: the step column read mod 256 by the value
features, not as a signed step). Training stops when
the curriculum has passed the target's last stage (on the iteration
whose probe on held-out content promoted it past, so the evaluated
weights are the probed ones) or when the budget leaves only the
evaluation reserve. `--resume RUN` continues a run whose session ended
(SIGINT or SIGTERM checkpoints it) or crashed, from its newest usable
checkpoint, its earlier wall time counted against the budget: a T3 run
can span sessions. The final evaluation plays the greedy policy on
`--instances` held-out instances of each target entry and writes
`target.json` / `target.md` into the run directory; the held-out curve
over time is the progress CSV's probe columns (scripts/plot_heldout_curve.py
draws it). Exit 0 when every target entry reaches the bar, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agents.learner import ABLATIONS, FIXED_GAMMA, LEARNER_CURRICULUM

START = time.time()

CURRICULUM = LEARNER_CURRICULUM
TARGETS = {
    "T1": {"stages": ("emit-char-31",), "bar": 0.9, "budget": "30m"},
    "T2": {"stages": ("emit-string-2", "emit-string-3"), "bar": 0.8, "budget": "60m"},
    "T3": {"stages": ("reverse-8",), "bar": 0.8, "budget": "180m"},
}
"""Each target: the bf-reasoning stages whose new entries it measures, the greedy held-out bar, the default budget."""


@dataclass
class Args:
    target: str = "T1"
    """T1, T2 or T3 (module docstring)."""
    seed: int = 0
    """Seed of the run."""
    backend: str = "rllib"
    """rllib or jax."""
    budget: str = ""
    """Wall time from start to the end of the final evaluation (e.g. 30m); empty: the target's."""
    ablate: str = "none"
    """One part switched off: none, execution, value-features, kept, relabel, memory, end-on-pass, kl-stop,
    signed-step."""
    out: str = "runs/bf-reasoning"
    """Folder of the run directory (named TARGET-ABLATION__sSEED__TIME)."""
    instances: int = 100
    """Held-out instances per target entry in the final evaluation."""
    eval_reserve_s: float = 90.0
    """Seconds of the budget kept for the final evaluation."""
    dialect: str = "bf-dialect-9001"
    """A dialect the agent never saw: the target entries are also evaluated in it, zero-shot ('' skips it)."""
    evaluate: str = ""
    """Train nothing: evaluate this finished run directory on --target (in bf and --dialect) and print the table."""
    gamma: float = 0.99
    """Discount of PPO and of the potential shaping (gamma phi' - phi). 0.99 is the fixed config; another value is
    an experiment (the run directory's name says it: -g1)."""
    resume: str = ""
    """Continue this run directory (a session that ended, a crash) instead of starting one: the flags must give
    the run's own config (the same --target, --seed, --ablate, --gamma; --budget may differ); the budget counts the
    wall time of its earlier sessions."""
    emit_char_seed: int = -1
    """-1: emit-char's fixed held-out bytes {2, 11, 13, 21, 22, 25}; another seed draws a fresh set of interior bytes
    (curricula.heldout, REASONENV_EMIT_CHAR_SEED) for every part of the run: training, probe, evaluation. Give it
    with --evaluate too."""


def parse_args(argv=None) -> Args:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, value in Args.__dataclass_fields__.items():
        kind = {"int": int, "float": float, "str": str}[str(value.type)]
        extra = {}
        if name == "target":
            extra["choices"] = sorted(TARGETS)
        if name == "ablate":
            extra["choices"] = ABLATIONS
        if name == "backend":
            extra["choices"] = ("rllib", "jax")
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=value.default, **extra)
    return Args(**vars(parser.parse_args(argv)))


def learner_config(args: Args, budget_s: float):
    """The one fixed TrainConfig of every seed (agents.learner.reasoning_config), with the `--ablate` part off."""
    from agents.learner import reasoning_config

    return reasoning_config(
        curriculum=CURRICULUM,
        seed=args.seed,
        backend=args.backend,
        budget_s=budget_s,
        ablate=args.ablate,
        gamma=args.gamma,
    )


def stop_rule(stages: list[int], deadline: float, reached_at: dict[str, float]) -> Callable[[dict], bool]:
    """agents.loop's should_stop for a target run: past the target's last stage, or at the deadline (time.time()).

    It reads `stage_after`, not the stage the iteration trained on: the run ends on the probe that promotes past the
    target, so the final checkpoint holds the weights that probe measured (one more update, on the next stage's first
    entry, turned a probe of 1.00 into 0.69 and 0.00 greedy in two T2 runs). `reached_at["passed"]` gets the seconds
    since START of the first such iteration.
    """
    from agents.loop import stage_reached

    def should_stop(row: dict) -> bool:
        past = stage_reached(row) > max(stages)
        if past and "passed" not in reached_at:
            reached_at["passed"] = time.time() - START
        return past or time.time() >= deadline

    return should_stop


def resume_point(run_dir: Path, cfg) -> tuple[float, int]:
    """(wall seconds used, curriculum stage) of a run directory's newest usable checkpoint; ValueError in one line
    when it is not a run of `cfg` (budget aside) or has no usable checkpoint."""
    from agents import run_dir as rd

    saved_path = run_dir / rd.CONFIG
    if not saved_path.is_file():
        raise ValueError(f"--resume {str(run_dir)!r} is not a run directory (no {rd.CONFIG})")
    from agents.config import TrainConfig

    try:  # through TrainConfig, so that a field added since the run was written reads as its default
        saved = json.loads(json.dumps(TrainConfig.from_dict(json.loads(saved_path.read_text())).to_dict()))
    except (ValueError, TypeError) as error:
        raise ValueError(f"--resume {str(run_dir)!r}: its {rd.CONFIG} does not load ({error})") from None
    wanted = json.loads(json.dumps(cfg.to_dict()))  # as config.json holds it (tuples as lists)
    differing = sorted(
        key for key in set(saved) | set(wanted) if key != "budget_s" and saved.get(key) != wanted.get(key)
    )
    if differing:
        raise ValueError(
            f"--resume {str(run_dir)!r} was trained with another config ({', '.join(differing)} differ): "
            "give the flags it was started with (--target, --seed, --ablate, --gamma, --emit-char-seed)"
        )
    scheduler, counters = rd.read_checkpoint_state(rd.usable_checkpoint(run_dir, log=lambda line: None))
    return float(counters.get("wall_s", 0.0)), int(scheduler.get("stage", 0))


def target_stage_numbers(target: str) -> list[int]:
    from curricula.schedulers import load_curriculum

    names = [stage.name for stage in load_curriculum(CURRICULUM).stages]
    return [names.index(name) for name in TARGETS[target]["stages"]]


def main(argv=None) -> int:
    args = parse_args(argv)
    from agents.config import parse_budget
    from agents.loop import train
    from agents.run_dir import write_atomic, write_json

    target = TARGETS[args.target]
    if args.emit_char_seed >= 0:
        # before anything reads the split: this process and the Ray workers it starts inherit the variable
        os.environ["REASONENV_EMIT_CHAR_SEED"] = str(args.emit_char_seed)
    if args.evaluate:
        if not (Path(args.evaluate) / "config.json").is_file():
            print(
                f"train_bf_reasoning: --evaluate {args.evaluate!r} is not a run directory (no config.json)",
                file=sys.stderr,
            )
            return 2
        print("\n".join(table_lines(evaluate_target(Path(args.evaluate), args, target_stage_numbers(args.target)))))
        return 0
    try:
        budget_s = parse_budget(args.budget or str(target["budget"]))
        cfg = learner_config(args, budget_s)
    except ValueError as error:
        print(f"train_bf_reasoning: {error}", file=sys.stderr)
        return 2
    stages = target_stage_numbers(args.target)
    used_s = 0.0  # wall seconds of earlier sessions of a resumed run (its checkpoint's counter)
    stage = 0
    trained = False  # a resumed run that had passed the target or spent its budget: only the evaluation is left
    if args.resume:
        run_dir = Path(args.resume)
        try:
            used_s, stage = resume_point(run_dir, cfg)
            trained = stage > max(stages) or used_s >= budget_s - args.eval_reserve_s
        except ValueError as error:
            print(f"train_bf_reasoning: {error}", file=sys.stderr)
            return 2
    else:
        split = f"-split{args.emit_char_seed}" if args.emit_char_seed >= 0 else ""
        split += f"-g{args.gamma:g}" if args.gamma != FIXED_GAMMA else ""
        run_dir = (
            Path(args.out)
            / f"{args.target}-{args.ablate}-{args.backend}__s{args.seed}{split}__{time.strftime('%Y%m%d-%H%M%S')}"
        )
    deadline = START + budget_s - args.eval_reserve_s - used_s
    reached_at: dict[str, float] = {}

    should_stop = stop_rule(stages, deadline, reached_at)

    print(f"run directory: {run_dir}" + (f" (resumed after {used_s:.0f}s)" if args.resume else ""), flush=True)
    if trained:
        # Another update would change the weights its last probe measured: evaluate them as they are.
        print("training had ended (past the target, or the budget spent): evaluating its last checkpoint", flush=True)
        if stage > max(stages):
            reached_at["passed"] = 0.0
    else:
        train(cfg, run_dir, resume=bool(args.resume), log=lambda line: print(line, flush=True), should_stop=should_stop)
    trained_s = used_s + time.time() - START

    rows = evaluate_target(run_dir, args, stages)
    bar = float(target["bar"])
    passed = bool(rows) and all(row["pass_rate"] >= bar and row["heldout"] for row in rows if row["language"] == "bf")
    total_s = used_s + time.time() - START
    past = (
        f"curriculum past the target stages at {used_s + reached_at['passed']:.0f}s"
        if "passed" in reached_at
        else "curriculum not past the target stages"
    )
    lines = [
        f"# {args.target} ({'ablation: ' + args.ablate if args.ablate != 'none' else 'full learner'}), "
        f"{args.backend}, seed {args.seed}{held_out_note(args)}",
        "",
        f"training + start-up {trained_s:.0f}s, total with evaluation {total_s:.0f}s (budget {budget_s:.0f}s); "
        f"{past}; "
        f"{args.instances} held-out instances per entry; bar {bar:.0%} in bf: {'reached' if passed else 'NOT reached'}",
        "",
        *table_lines(rows),
    ]
    table = "\n".join(lines) + "\n"
    write_json(
        run_dir / "target.json",
        {
            "args": vars(args),
            "trained_s": trained_s,
            "total_s": total_s,
            "reached_s": None if "passed" not in reached_at else used_s + reached_at["passed"],
            "passed": passed,
            "rows": rows,
        },
    )
    write_atomic(run_dir / "target.md", table)
    print(table)
    return 0 if passed else 1


def evaluate_target(run_dir: Path, args: Args, stages: list[int]) -> list[dict]:
    """Greedy held-out success of the run's policy on the target stages' new entries, in bf and (zero-shot) --dialect."""
    from agents.policies import load_policy
    from reasonenv.evaluation import evaluate

    policy = load_policy(run_dir)
    rows = []
    for language in ("bf", args.dialect) if args.dialect else ("bf",):
        evaluation = evaluate(
            policy, language=language, curriculum=CURRICULUM, instances=args.instances, env_options=policy.env_options
        )
        for result in evaluation.results:
            if result.target.stage in stages:  # an entry's stage is where it first appears: the stage's new entry
                rows.append(
                    {
                        "language": language,
                        "stage": result.target.stage,
                        "label": result.target.label,
                        "pass_rate": result.pass_rate,
                        "passed": result.passed,
                        "episodes": result.episodes,
                        "heldout": result.heldout,
                    }
                )
    return rows


def held_out_note(args: Args) -> str:
    """', fresh emit-char split (seed N): held out [...]' for a run on a fresh split, else ''."""
    if args.emit_char_seed < 0:
        return ""
    from curricula.heldout import emit_char_heldout

    return f", fresh emit-char split (seed {args.emit_char_seed}): held out {sorted(emit_char_heldout())}"


def table_lines(rows: list[dict]) -> list[str]:
    lines = ["| language | stage | entry | held-out greedy success |", "|---|---|---|---|"]
    for row in rows:
        content = "" if row["heldout"] else " (train*)"
        lines.append(
            f"| {row['language']} | {row['stage']} | {row['label']}{content} | "
            f"{row['passed']}/{row['episodes']} = {row['pass_rate']:.0%} |"
        )
    return lines


if __name__ == "__main__":
    sys.exit(main())
