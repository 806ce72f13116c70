"""Experiment 3: the agent against Priority Queue Training on PQT's Brainfuck tasks, at a matched budget of programs executed.

    .venv/bin/python scripts/exp_pqt.py --quick --out /tmp/exp_pqt        # smoke test, < 1 min
    .venv/bin/python scripts/exp_pqt.py --out runs/exp_pqt                 # full mode, resumable

Methods, each with R independent runs per task and the same budget of
programs executed per run (every program run on the task's tests counts):

- `pqt`: Priority Queue Training as reimplemented in agents/pqt_baseline.py
  (an LSTM writes programs with no task input; top-K queue trained by
  log-likelihood; pg_weight 0 = the paper's "PQT").
- `agent-scratch`: this project's small-context memory agent (agents.models
  small-context) trained with PPO on that one task from scratch.
- `agent-pretrained`: the same agent first trained with PPO on stages
  0..last_stage of a curriculum (bf-basics), then fine-tuned per task. Its
  pretraining programs are reported and counted: the table shows success
  within the fine-tuning budget and whether the first success came within
  the budget once pretraining programs are added.

Tasks are the `pqt` suite's families (instance (seed 0, index 0): its 16
test cases, pqt scoring, brain_coder's interpreter conventions, 5000-step
limit). Each found program (the first one passing every training test) is
run on held-out test cases, instance (seed 1, index 0) of the same family:
the paper's generalisation column. bool-logic and print-hello have fixed
cases, so their held-out cases equal the training cases (flagged).

Context only, not a comparison at this budget: the paper reports, at up to
20M programs per run and 25 runs, PQT 17 of 26 tasks solved, PG+PQT 18, the
genetic algorithm 18; generalisation 13.0 successful runs on training cases
against 5.7 on held-out cases (of 25, averaged over tasks).

Outputs under --out: cells/*.json (one per finished (method, task, run),
plus pretraining), models/*.pt, results.json, results.md, pqt.png.
"""

from __future__ import annotations

import dataclasses
import io
import time
from dataclasses import dataclass
from pathlib import Path

from experiments_common import (
    CellStore,
    arg,
    check_positive,
    markdown_table,
    parse_args,
    pyplot,
    quiet,
    run_label,
    save_figure,
    torch_setup,
    write_atomic,
    write_json,
)

from curricula.families.pqt import PQT_FAMILIES
from curricula.scoring import mode_names

METHODS = ("pqt", "agent-scratch", "agent-pretrained")
PAPER_TASKS = PQT_FAMILIES[:26]
"""The paper's 26-task table (curricula.families.pqt.PQT_FAMILIES[:26])."""


@dataclass
class PQTArgs:
    out: str = arg("runs/exp_pqt", "output directory")
    methods: list = arg(list(METHODS), "methods: pqt, agent-scratch, agent-pretrained")
    tasks: list = arg(list(PAPER_TASKS), "PQT families (default: the paper's 26)")
    runs: int = arg(3, "R, independent runs per (method, task)")
    budget: int = arg(5000, "programs executed per run")
    curriculum: str = arg("bf-basics", "curriculum of the pretrained agent")
    last_stage: int = arg(5, "last curriculum stage of pretraining")
    pretrain_steps: int = arg(60_000, "PPO env steps of pretraining (one pretrained model per run index)")
    pretrain_models: int = arg(3, "distinct pretrained models (run r uses model r mod this)")
    num_envs: int = arg(32, "envs stepped together (agents)")
    dim: int = arg(32, "agent width")
    layers: int = arg(1, "agent transformer layers")
    window: int = arg(16, "agent window W")
    max_program_length: int = arg(32, "program token cap of every method (PQT's max_length too)")
    task_length: int = arg(96, "task observation length of the agents")
    pqt_batch: int = arg(64, "PQT programs per iteration")
    pqt_topk: int = arg(10, "PQT queue size K")
    pqt_pg_weight: float = arg(0.0, "PQT policy-gradient weight (0: PQT; > 0: PG+PQT)")
    pretrain_lr: float = arg(1e-3, "PPO learning rate of curriculum pretraining")
    pretrain_scoring: str = arg("binary", "reward mode of curriculum pretraining")
    agent_lr: float = arg(3e-4, "PPO learning rate of per-task training (scratch and fine-tuning)")
    agent_scoring: str = arg("pqt", "reward mode of per-task training (pqt: PQT's own shaped reward)")

    @classmethod
    def quick(cls) -> PQTArgs:
        return cls(
            tasks=["length", "reverse"],
            runs=1,
            budget=48,
            pretrain_steps=256,
            pretrain_models=1,
            num_envs=16,
            last_stage=1,
            pqt_batch=16,
        )

    def validate(self) -> PQTArgs:
        unknown = [m for m in self.methods if m not in METHODS]
        if unknown:
            raise ValueError(f"--methods has unknown method(s) {unknown}; choose from {', '.join(METHODS)}")
        bad = [t for t in self.tasks if t not in PQT_FAMILIES]
        if bad:
            raise ValueError(f"--tasks has non-PQT famil(ies) {bad}; PQT families: {', '.join(PQT_FAMILIES)}")
        if self.pretrain_scoring not in mode_names():
            raise ValueError(
                f"--pretrain-scoring must be binary, fraction, pqt or prefix, got {self.pretrain_scoring!r}"
            )
        if self.agent_scoring not in mode_names():
            raise ValueError(f"--agent-scoring must be binary, fraction, pqt or prefix, got {self.agent_scoring!r}")
        check_positive(
            self,
            "runs",
            "budget",
            "pretrain_steps",
            "pretrain_models",
            "num_envs",
            "dim",
            "layers",
            "window",
            "max_program_length",
            "task_length",
            "pqt_batch",
            "pqt_topk",
        )
        return self


# `tasks` and `methods` are not budget fields: cells are per (method, task, run), so processes given different
# task lists can fill one directory side by side, and a last run with every task writes the whole report.
BUDGET_FIELDS = (
    "runs",
    "budget",
    "curriculum",
    "last_stage",
    "pretrain_steps",
    "pretrain_models",
    "dim",
    "layers",
    "window",
    "max_program_length",
    "task_length",
    "pqt_batch",
    "pqt_topk",
    "pqt_pg_weight",
    "pretrain_lr",
    "pretrain_scoring",
    "agent_lr",
    "agent_scoring",
)


def shape_of(args):
    from agents.experiment_trainer import Shape

    return Shape(task_length=args.task_length, max_program_length=args.max_program_length, num_actions=9)


def new_agent(args):
    from agents.experiment_models import build_arm

    shape = shape_of(args)
    config = {
        "dim": args.dim,
        "heads": 2,
        "layers": args.layers,
        "window": args.window,
        "top_k": 8,
        "hidden": 2 * args.dim,
    }
    with quiet():
        return build_arm("pointer+memory", shape.observation_space(), shape.action_space(), config)


def instances(task: str):
    """(training instance, held-out instance, whether the held-out cases differ from the training cases)."""
    from curricula.base import make_task

    family = make_task(task)
    train, held = family.instance(0, 0), family.instance(1, 0)
    return train, held, train.tests != held.tests


def pretraining_families(args) -> set[str]:
    from curricula.schedulers import load_curriculum

    return {m.family for stage in load_curriculum(args.curriculum).stages[: args.last_stage + 1] for m in stage.mixture}


def pretrain(args, store: CellStore, index: int) -> dict:
    import torch

    from agents.experiment_trainer import CurriculumSampler, PPOConfig, VecTokenEnv, ppo_train

    key = f"pretrain__m{index}"
    path = store.out / "models" / f"pretrained_m{index}.pt"
    if store.has(key) and path.is_file():
        return store.load(key)
    torch.manual_seed(1000 + index)
    model = new_agent(args)
    venv = VecTokenEnv(
        CurriculumSampler(args.curriculum, "bf", last_stage=args.last_stage),
        args.num_envs,
        shape_of(args),
        seed=1000 + index,
        scoring=args.pretrain_scoring,
    )
    started = time.perf_counter()
    log = ppo_train(model, venv, PPOConfig(lr=args.pretrain_lr), env_steps=args.pretrain_steps, seed=1000 + index)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    write_atomic(path, buffer.getvalue())
    cell = {
        "kind": "pretrain",
        "index": index,
        "env_steps": log.env_steps,
        "programs": log.programs,
        "stage_reached": log.stage,
        "seconds": time.perf_counter() - started,
    }
    store.save(key, cell)
    print(
        f"[exp_pqt] pretrained model {index}: {log.env_steps} steps, {log.programs} programs, stage {log.stage}",
        flush=True,
    )
    return cell


def run_cell(args, store: CellStore, method: str, task: str, run: int) -> dict:
    key = f"{method}__{task}__r{run}"
    if store.has(key):
        return store.load(key)
    from agents.pqt_baseline import PQTSettings, passes, run_pqt

    train, held, distinct = instances(task)
    started = time.perf_counter()
    cell = {"kind": "run", "method": method, "task": task, "run": run, "budget": args.budget, "pretrain_programs": 0}
    if method == "pqt":
        settings = PQTSettings(
            batch_size=args.pqt_batch,
            topk=args.pqt_topk,
            max_length=args.max_program_length,
            pg_weight=args.pqt_pg_weight,
        )
        result = run_pqt(train, settings, budget=args.budget, seed=run)
        first, programs = result.first_success, result.programs
    else:
        import torch

        from agents.experiment_trainer import Entry, MixtureSampler, PPOConfig, VecTokenEnv, ppo_train

        torch.manual_seed(run)
        model = new_agent(args)
        if method == "agent-pretrained":
            index = run % args.pretrain_models
            info = pretrain(args, store, index)
            model.load_state_dict(torch.load(store.out / "models" / f"pretrained_m{index}.pt"))
            cell["pretrain_programs"] = info["programs"]
        venv = VecTokenEnv(
            MixtureSampler([Entry(task, instance=train)]),
            args.num_envs,
            shape_of(args),
            seed=run,
            scoring=args.agent_scoring,
        )
        log = ppo_train(
            model,
            venv,
            PPOConfig(lr=args.agent_lr),
            programs=args.budget,
            seed=run,
            stop=lambda log: bool(log.first_success),
        )
        first = next(iter(log.first_success.values()), None)
        programs = log.programs
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
    store.save(key, cell)
    found = f"solved at {first[0]} programs: {first[1]!r}, held-out {cell['heldout_pass']}" if first else "not solved"
    print(f"[exp_pqt] {method} {task} run {run}: {found} ({cell['seconds']:.0f}s)", flush=True)
    return cell


def report(args, store: CellStore) -> dict:
    cells = store.all()
    runs = {(c["method"], c["task"], c["run"]): c for c in cells if c["kind"] == "run"}
    pre = [c for c in cells if c["kind"] == "pretrain"]
    pretrain_programs = max((c["programs"] for c in pre), default=0)
    overlap = sorted(pretraining_families(args) & set(args.tasks))
    summary = {
        "args": dataclasses.asdict(args),
        "pretrain": pre,
        "overlap_with_pretraining": overlap,
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
            f"(up to {pretrain_programs:,} programs) on stages 0..{args.last_stage} of {args.curriculum}; fine-tuned per "
            f"task with the same {args.budget:,}-program budget. Counting its pretraining programs too, tasks solved within "
            f"the budget: {len(summary['methods'].get('agent-pretrained', {}).get('tasks_solved_counting_pretraining', []))}. "
            f"Overlap of the tasks with pretraining families: {overlap or 'none'} (bf-basics holds echo and reverse from "
            "stage 11 on).\n"
        ),
        markdown_table(["task", *args.methods], rows),
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
    plt.close(fig)
    return summary


def main(argv=None) -> int:
    args = parse_args(PQTArgs, __doc__.splitlines()[0], argv)
    torch_setup()
    store = CellStore(Path(args.out), args, BUDGET_FIELDS)
    started = time.perf_counter()
    for run in range(args.runs):
        for task in args.tasks:
            for method in args.methods:
                run_cell(args, store, method, task, run)
    report(args, store)
    print(f"[exp_pqt] done in {time.perf_counter() - started:.0f}s: {store.out / 'results.md'}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
