"""Experiment 3: the agent against Priority Queue Training on PQT's short Brainfuck tasks, at a matched budget of programs.

    python -m experiments.pqt --quick --out /tmp/exp_pqt        # smoke test, a few minutes
    python -m experiments.pqt --out runs/exp_pqt                 # full mode, resumable (cells per method, task, run)

Design (issue 22). Tasks: the `pqt` suite's families whose reference
Brainfuck solution has at most 12 tokens (SHORT_TASKS, checked by a test):
echo (6), count-down (8), length (9), echo-second-seq (9), reverse (11),
remove-char (11), shift-left (11), remove-last (11). Each is instance
(seed 0, index 0): its 16 test cases, brain_coder's interpreter conventions
(clamped tape edge, unmatched brackets ignored; echo's cells wrap at 27),
5000-step limit.

Methods, each with R independent runs per task and the same budget of
programs executed per run (every program run on the task's tests counts):

- `pqt`: Priority Queue Training as reimplemented in agents/pqt_baseline.py
  (an LSTM writes programs with no task input; top-K queue trained by
  log-likelihood; pg_weight 0 = the paper's "PQT").
- `agent-scratch`: the issue-21 learner (experiments.arms `learner+ids`:
  execution observation, kept successes, the potential reward) trained on
  that one task from random weights.
- `agent-pretrained`: the same learner and optimiser, starting from weights
  pretrained on bf-reasoning's stages 0..last_stage asked in
  PRETRAIN_LANGUAGE, Brainfuck under PQT's conventions (clamped edge,
  unmatched brackets ignored), so pretraining and evaluation share them
  (echo's modulus 27 shows only through the execution rows, which run under
  each instance's own options). The pretraining families must be disjoint
  from the tasks (refused otherwise), and the report counts task test
  cases that a pretraining instance also poses (expected 0: PQT's outputs
  end with a 0, bf-reasoning's never do). Budgets are shown without and
  with the pretraining programs.

Each found program (the first one passing every training test) is run on
held-out test cases, instance (seed 1, index 0) of the same family: the
paper's generalisation column.

Context only, not a comparison at this budget: the paper reports, at up to
20M programs per run and 25 runs, PQT 17 of 26 tasks solved, PG+PQT 18, the
genetic algorithm 18; generalisation 13.0 successful runs on training cases
against 5.7 on held-out cases (of 25, averaged over tasks).

Outputs under --out: cells/*.json (one per finished (method, task, run),
plus pretraining), models/ (one run directory per agent training),
results.json, results.md, pqt.png (tasks solved against programs). Cells
are per (method, task, run), so processes given different --tasks can fill
one directory side by side.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curricula.families.pqt import PQT_FAMILIES
from experiments import arms
from experiments.common import (
    CellStore,
    ExperimentArgs,
    arg,
    markdown_table,
    parse_args,
    pyplot,
    run_label,
    save_figure,
    write_atomic,
    write_json,
)

NAME = "experiments.pqt"
METHODS = ("pqt", "agent-scratch", "agent-pretrained")
PAPER_TASKS = PQT_FAMILIES[:26]
"""The paper's 26-task table (curricula.families.pqt.PQT_FAMILIES[:26])."""
MAX_SOLUTION_TOKENS = 12
SHORT_TASKS = ("echo", "count-down", "length", "echo-second-seq", "reverse", "remove-char", "shift-left", "remove-last")
"""The PQT families whose reference Brainfuck solution has at most MAX_SOLUTION_TOKENS tokens (solution_tokens)."""
AGENT = "learner+ids"
"""Both agent methods: the issue-21 learner (experiments.arms.LEARNER_ARMS)."""
PRETRAIN_LANGUAGE = "bf+left_edge=clamp+unmatched=ignore"
"""Brainfuck under the conventions the PQT tasks run with (their run_options), the language of pretraining."""
PRETRAIN_SEED = 1000
"""Pretrained model i trains with seed PRETRAIN_SEED + i, apart from the per-task runs' seeds 0..R-1."""


# `tasks` and `methods` are not budget fields: cells are per (method, task, run), so processes given different
# task lists can fill one directory side by side, and a last run with every task writes the whole report.
@dataclass
class PQTArgs(ExperimentArgs):
    out: str = arg("runs/exp_pqt", "output directory (cells, models, results.json/.md, pqt.png)")
    methods: list = arg(list(METHODS), "methods", choices=METHODS)
    tasks: list = arg(
        list(SHORT_TASKS), "PQT families (default: those with a reference of <= 12 tokens)", choices=PQT_FAMILIES
    )
    runs: int = arg(10, "R, independent runs per (method, task)", budget=True, positive=True)
    budget: int = arg(100_000, "programs executed per run", budget=True, positive=True)
    curriculum: str = arg("bf-reasoning", "curriculum of the pretrained agent", budget=True)
    last_stage: int = arg(12, "last curriculum stage of pretraining (12: last-byte)", budget=True)
    pretrain_steps: int = arg(
        1_000_000, "PPO env steps of pretraining (one pretrained model per run index)", budget=True, positive=True
    )
    pretrain_models: int = arg(
        3, "distinct pretrained models (run r uses model r mod this)", budget=True, positive=True
    )
    max_program_length: int = arg(
        32, "program token cap of every method (PQT's max_length too)", budget=True, positive=True
    )
    task_length: int = arg(96, "task observation length of the agents", budget=True, positive=True)
    dim: int = arg(64, "model width (the learner's)", budget=True, positive=True)
    layers: int = arg(2, "transformer layers (the learner's)", budget=True, positive=True)
    heads: int = arg(4, "attention heads (the learner's)", budget=True, positive=True)
    pqt_batch: int = arg(64, "PQT programs per iteration", budget=True, positive=True)
    pqt_topk: int = arg(10, "PQT queue size K", budget=True, positive=True)
    pqt_pg_weight: float = arg(0.0, "PQT policy-gradient weight (0: PQT; > 0: PG+PQT)", budget=True)

    @classmethod
    def quick(cls) -> PQTArgs:
        return cls(
            tasks=["length", "reverse"],
            runs=1,
            budget=48,
            pretrain_steps=256,
            pretrain_models=1,
            last_stage=1,
            pqt_batch=16,
            dim=16,
            layers=1,
            heads=2,
        )

    def validate(self) -> None:
        overlap = sorted(pretraining_families(self) & set(self.tasks))
        if "agent-pretrained" in self.methods and overlap:
            raise ValueError(
                f"--tasks {', '.join(overlap)} are trained in pretraining ({self.curriculum} stages 0..{self.last_stage});"
                " choose tasks outside it or another --last-stage"
            )


def instances(task: str) -> tuple[Any, Any, bool]:
    """(training instance, held-out instance, whether the held-out cases differ from the training cases)."""
    from curricula.base import make_task

    family = make_task(task)
    train, held = family.instance(0, 0), family.instance(1, 0)
    return train, held, train.tests != held.tests


def passes(instance: Any, program: str) -> bool:
    """Does `program` pass every test of `instance` (binary success under the instance's conventions)?"""
    from curricula.verify import evaluate

    score, _ = evaluate(instance, program, "bf", mode="binary")
    return bool(score.success)


def solution_tokens(task: str) -> int | None:
    """Tokens of the task's reference Brainfuck solution on its instance (0, 0) (None: it has none)."""
    from curricula.base import reference_solution

    program = reference_solution(instances(task)[0], "bf")
    return None if program is None else sum(c in "+-<>[].," for c in program)


def pretraining_families(args: PQTArgs) -> set[str]:
    return {e.family for e in arms.curriculum_entries(args.curriculum, args.last_stage)}


def shared_cases(args: PQTArgs, per_entry: int = 64) -> dict[str, int]:
    """Per task: how many of its training and held-out test cases a pretraining instance also poses (the first
    `per_entry` instances of every pretraining entry, both content splits alike)."""
    from curricula.base import make_task

    posed: set[tuple[bytes, bytes]] = set()
    for entry in arms.curriculum_entries(args.curriculum, args.last_stage):
        for instance in make_task(entry.family, level=entry.level, **dict(entry.config)).instances(per_entry):
            posed.update((case.input, case.output) for case in instance.tests)
    found = {}
    for task in args.tasks:
        train, held, _ = instances(task)
        found[task] = sum((case.input, case.output) in posed for case in (*train.tests, *held.tests))
    return found


def net(args: PQTArgs) -> arms.Net:
    return arms.Net.of(args, AGENT)


def pretrained_run(out: Path, index: int) -> Path:
    """The run directory of pretrained model `index` in the output directory `out`."""
    return out / "models" / f"pretrained_m{index}"


def pretrained(args: PQTArgs, store: CellStore, index: int) -> dict:
    """The cell of pretrained model `index` (PPO on the curriculum), training it unless it and its weights exist."""
    run = pretrained_run(store.out, index)

    def compute() -> dict:
        trained = arms.train(
            net(args),
            arms.Curriculum(args.curriculum, args.last_stage, PRETRAIN_LANGUAGE),
            run,
            env_steps=args.pretrain_steps,
            seed=PRETRAIN_SEED + index,
            num_envs=args.num_envs,
        )
        print(
            f"[{NAME}] pretrained model {index}: {trained.env_steps} steps, {trained.programs} programs, "
            f"stage {trained.stage_reached}",
            flush=True,
        )
        return {"kind": "pretrain", "index": index, **trained.counters()}

    return store.cell(f"pretrain__m{index}", compute, kept=lambda: arms.is_trained(run))


def run_cell(args: PQTArgs, store: CellStore, method: str, task: str, run: int) -> dict:
    def compute() -> dict:
        train, held, distinct = instances(task)
        started = time.perf_counter()
        cell: dict = {
            "kind": "run",
            "method": method,
            "task": task,
            "run": run,
            "budget": args.budget,
            "pretrain_programs": 0,
        }
        if method == "pqt":
            found = arms.pqt_search(
                train,
                budget=args.budget,
                seed=run,
                batch_size=args.pqt_batch,
                topk=args.pqt_topk,
                max_length=args.max_program_length,
                pg_weight=args.pqt_pg_weight,
            )
            first, programs = found.first_success, found.programs
        else:
            init_from = None
            if method == "agent-pretrained":
                index = run % args.pretrain_models
                cell["pretrain_programs"] = pretrained(args, store, index)["programs"]
                init_from = pretrained_run(store.out, index)
            trained = arms.train(
                net(args),
                [arms.Entry(task, instance=train)],
                store.models / f"{method}__{task}__r{run}",
                programs=args.budget,
                seed=run,
                init_from=init_from,
                stop_at_first_success=True,
                num_envs=args.num_envs,
            )
            first, programs = trained.first_success, trained.programs
            if first is not None and first[0] > args.budget:
                first = None  # found in the iteration that crossed the budget: not within it
        cell.update(
            programs=programs,
            solved=first is not None,
            first_success_programs=first[0] if first else None,
            program=first[1] if first else None,
            seconds=time.perf_counter() - started,
            heldout_distinct=distinct,
        )
        if first is not None:
            cell["train_pass"] = passes(train, first[1])
            cell["heldout_pass"] = passes(held, first[1])
        found_text = (
            f"solved at {first[0]} programs: {first[1]!r}, held-out {cell['heldout_pass']}" if first else "not solved"
        )
        print(f"[{NAME}] {method} {task} run {run}: {found_text} ({cell['seconds']:.0f}s)", flush=True)
        return cell

    return store.cell(f"{method}__{task}__r{run}", compute)


def report(args, store: CellStore) -> dict:
    cells = store.all()
    runs = {(c["method"], c["task"], c["run"]): c for c in cells if c["kind"] == "run"}
    pre = [c for c in cells if c["kind"] == "pretrain"]
    pretrain_programs = max((c["programs"] for c in pre), default=0)
    overlap = sorted(pretraining_families(args) & set(args.tasks))
    shared = shared_cases(args)
    summary: dict = {
        "args": dataclasses.asdict(args),
        "pretrain": pre,
        "overlap_with_pretraining": overlap,
        "cases_shared_with_pretraining": shared,
        "solution_tokens": {task: solution_tokens(task) for task in args.tasks},
        "paper_context": {
            "PQT": "17/26",
            "PG+PQT": "18/26",
            "GA": "18/26",
            "generalisation": "13.0 train vs 5.7 held-out successful runs of 25",
        },
        "methods": {},
    }
    rows = []
    for task in args.tasks:
        row = [task]
        for method in args.methods:
            mine = [runs[(method, task, r)] for r in range(args.runs) if (method, task, r) in runs]
            ok = [c for c in mine if c["solved"]]
            held = sum(bool(c.get("heldout_pass")) for c in ok)
            row.append(f"{len(ok)}/{len(mine)}" + (f" (held-out {held}/{len(ok)})" if ok else ""))
        rows.append(row)
    totals = ["tasks solved (any run)"]
    for method in args.methods:
        mine = [c for c in runs.values() if c["method"] == method]
        solved_tasks = sorted({c["task"] for c in mine if c["solved"]})
        within = [
            c for c in mine if c["solved"] and c["first_success_programs"] + c["pretrain_programs"] <= args.budget
        ]
        ok = [c for c in mine if c["solved"]]
        mean_train = len(ok) / max(1, len(args.tasks))
        mean_held = sum(bool(c.get("heldout_pass")) for c in ok) / max(1, len(args.tasks))
        summary["methods"][method] = {
            "tasks_solved": solved_tasks,
            "successful_runs": len(ok),
            "runs": len(mine),
            "mean_successful_runs_per_task_train": mean_train,
            "mean_successful_runs_per_task_heldout": mean_held,
            "tasks_solved_counting_pretraining": sorted({c["task"] for c in within}),
        }
        totals.append(f"{len(solved_tasks)}/{len(args.tasks)}")
    rows.append(totals)
    gen = ["mean successful runs per task: train / held-out cases"]
    gen += [
        f"{summary['methods'][m]['mean_successful_runs_per_task_train']:.2f} / "
        f"{summary['methods'][m]['mean_successful_runs_per_task_heldout']:.2f}"
        for m in args.methods
    ]
    rows.append(gen)
    write_json(store.out / "results.json", summary)
    md = [
        f"# Agent vs Priority Queue Training ({run_label(args)} run)\n",
        f"Budget {args.budget:,} programs executed per run, R = {args.runs} runs per (method, task), program cap "
        f"{args.max_program_length} tokens for every method. Cell: successful runs / R (held-out: found programs that "
        "also pass the held-out test cases).\n",
        (
            ""
            if "agent-pretrained" not in args.methods
            else f"agent-pretrained: {len(pre)} pretrained model(s), {args.pretrain_steps:,} env steps each "
            f"(up to {pretrain_programs:,} programs) on stages 0..{args.last_stage} of {args.curriculum} in "
            f"{PRETRAIN_LANGUAGE}; fine-tuned per task with the same {args.budget:,}-program budget. Counting its "
            "pretraining programs too, tasks solved within the budget: "
            f"{len(summary['methods'].get('agent-pretrained', {}).get('tasks_solved_counting_pretraining', []))}. "
            f"Pretraining families among the tasks: {overlap or 'none'}; task test cases a pretraining instance "
            f"also poses: {sum(shared.values())}.\n"
        ),
        markdown_table(["task", *args.methods], rows),
        "\nReference solution tokens per task: "
        + ", ".join(f"{t} {summary['solution_tokens'][t]}" for t in args.tasks)
        + ".\n",
        "\nPaper (Abolafia et al. 2018, up to 20M programs per run, 25 runs; context only): PQT 17/26 tasks, PG+PQT 18, "
        "GA 18; generalisation 13.0 successful runs on training cases vs 5.7 on held-out cases (of 25).\n",
    ]
    write_atomic(store.out / "results.md", "\n".join(md))

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    xs = sorted({0, args.budget} | {c["first_success_programs"] for c in runs.values() if c["solved"]})
    for i, method in enumerate(args.methods):
        mine = [c for c in runs.values() if c["method"] == method]
        ys = [len({c["task"] for c in mine if c["solved"] and c["first_success_programs"] <= x}) for x in xs]
        ax.step(xs, ys, where="post", color=f"C{i}", label=method)
        if method == "agent-pretrained" and pretrain_programs:
            ax.step(
                [x + pretrain_programs for x in xs],
                ys,
                where="post",
                color=f"C{i}",
                linestyle="--",
                label=f"{method} (+{pretrain_programs:,} pretraining programs)",
            )
    ax.set_xlabel("programs executed per run")
    ax.set_ylabel(f"tasks solved by at least one of {args.runs} runs")
    ax.set_ylim(-0.2, len(args.tasks) + 0.2)
    ax.legend(fontsize=7)
    ax.set_title(f"{len(args.tasks)} PQT tasks, budget {args.budget:,} programs")
    save_figure(fig, store.out / "pqt.png")
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(PQTArgs, __doc__, argv, prog=f"python -m {NAME}")
    try:
        return experiment(args)
    finally:
        arms.shutdown()  # the Ray the first training call started (every cell shared it)


def experiment(args: PQTArgs) -> int:
    store = CellStore(args.out, args)
    started = time.perf_counter()
    for run in range(args.runs):
        for task in args.tasks:
            for method in args.methods:
                run_cell(args, store, method, task, run)
    report(args, store)
    print(f"[{NAME}] done in {time.perf_counter() - started:.0f}s: {store.out / 'results.md'}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
