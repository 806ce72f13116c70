"""Experiment 1: does the learner carry what it learned in Brainfuck into languages whose programs differ?

    python -m experiments.transfer --quick --out /tmp/exp_transfer     # smoke test, a few minutes
    python -m experiments.transfer --out runs/exp_transfer              # full mode, resumable

Design (issue 22). Every arm is the instance-reading learner of issue 21
(agents.learner.reasoning_config through experiments.arms: execution
observation, value features, kept successes, relabelling, the potential
reward), pretrained with PPO on Brainfuck over bf-reasoning's stages
0..last_stage (emit-char up to 31 through echo-all) for `pretrain_steps`
env steps. Arms (experiments.arms.LEARNER_ARMS, and one more):

- learner+parts: the memory agent reading each action's effect as parts
  (pointer delta, cell delta, I/O kind, loop role, EOF rule;
  esolangs.knowledge), so a new combination of known parts is not a blank;
- learner+ids: the same agent reading opaque effect ids;
- learner+permuted-plain: a plain index head over the effect table, trained
  on a fresh action order every episode;
- scratch: learner+parts trained on the target alone, from random weights,
  for the fine-tuning budget: the curve every transfer must beat.

Targets, chosen so that the programs differ (or, for the control, do not):

    target           language                    entries                        what changes
    control          bf                          emit-char 1..31, echo-all      nothing (the training language)
    dialect          bf-dialect-<drawn>          emit-char 1..31, echo-all      names and action order; a seed drawn
                                                                                at the first run, never named in code
    step-2           bf+cell_step=2              emit-char 1..31, even bytes    `+` adds 2, `-` subtracts 2: every
                                                                                count halves (odd bytes are ill-posed
                                                                                and skipped, counted in the table)
    eof-unchanged    bf+eof=unchanged            echo-all, echo-byte            `,` keeps the cell at end of input:
                                                                                `,[.,]` never ends (echo-byte: the
                                                                                rule does not matter, a control)

A changed cell modulus is not a target: on instances whose bytes fit the
modulus, no entry of the learner's ladder has a verdict that depends on it
(scripts/carryover_scan.py measures it), and no effect part carries a
modulus. The report's carry-over row says, per target, how often the
Brainfuck reference program itself passes there: 100% means a copied
program would pass, so success cannot tell transfer from copying.

Fine-tuning on step-2 trains on every byte of emit-char, odd ones included:
no program passes those, for every arm alike (the curriculum env cannot
skip an instance); evaluation asks well-posed ones only.

Per (arm, seed, target): zero-shot greedy success on held-out content, then
a copy of the weights fine-tuned on the target's entries for
`finetune_steps` env steps (the target's own action order), checkpointed
`curve_points` times; the curve is the greedy held-out success of every
checkpoint. Chance is RandomMaskedPolicy's success on the same instances.
Tables give the mean over seeds with a 95% bootstrap CI and every seed.

Outputs under --out: cells/*.json (one per finished cell; rerunning skips
them), models/ (one run directory per pretraining, fine-tuning and scratch
run), results.json, results.md, transfer.png (curves, a panel per target).
"""

from __future__ import annotations

import dataclasses
import math
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from experiments import arms
from experiments.common import (
    CellStore,
    ExperimentArgs,
    arg,
    ci_summary,
    fmt_ci,
    fmt_percent,
    markdown_table,
    parse_args,
    pyplot,
    run_label,
    save_figure,
    write_atomic,
    write_json,
)

NAME = "experiments.transfer"
CURRICULUM = "bf-reasoning"
PRETRAINED_ARMS = tuple(arms.LEARNER_ARMS)
SCRATCH = "scratch"
"""learner+parts trained on the target from random weights for the fine-tuning budget."""
SCRATCH_NET = "learner+parts"
FINETUNE_SEED = 7919
"""Fine-tuning on a target runs with seed + this, so its env and PPO streams differ from pretraining's."""
DIALECT_DRAW = (10_000, 1_000_000)
"""The drawn dialect's seed lies in this range: no seed the code or the tests name."""
EMIT_CHAR = ("emit-char", 4, ())
ECHO_ALL = ("echo-all", None, (("max_length", 4),))
ECHO_BYTE = ("echo-byte", 7, ())


@dataclass(frozen=True)
class Target:
    """A language to transfer into, the entries asked there, and whether ill-posed instances are skipped."""

    label: str
    language: str
    entries: tuple[tuple[str, int | None, tuple], ...]
    well_posed: bool = False

    def asked(self) -> list[arms.Entry]:
        return [arms.Entry(family, level, config, self.language) for family, level, config in self.entries]


def targets(dialect_seed: int) -> list[Target]:
    """The four targets (module docstring), the dialect's seed as drawn."""
    return [
        Target("control", "bf", (EMIT_CHAR, ECHO_ALL)),
        Target("dialect", f"bf-dialect-{dialect_seed}", (EMIT_CHAR, ECHO_ALL)),
        Target("step-2", "bf+cell_step=2", (EMIT_CHAR,), well_posed=True),
        Target("eof-unchanged", "bf+eof=unchanged", (ECHO_ALL, ECHO_BYTE)),
    ]


TARGET_LABELS = ("control", "dialect", "step-2", "eof-unchanged")


@dataclass
class TransferArgs(ExperimentArgs):
    out: str = arg("runs/exp_transfer", "output directory (cells, models, results.json/.md, transfer.png)")
    arms: list = arg([*PRETRAINED_ARMS, SCRATCH], "arms (module docstring)", choices=[*PRETRAINED_ARMS, SCRATCH])
    targets: list = arg(list(TARGET_LABELS), "targets (module docstring)", choices=list(TARGET_LABELS))
    seeds: list = arg([0, 1, 2], "training seeds (>= 3 for a claim)")
    last_stage: int = arg(8, "last bf-reasoning stage pretrained (8: echo-all)", budget=True)
    pretrain_steps: int = arg(1_000_000, "PPO env steps on Brainfuck per (arm, seed)", budget=True, positive=True)
    finetune_steps: int = arg(
        100_000, "PPO env steps per (arm, seed, target) fine-tuning, and per scratch run", budget=True, positive=True
    )
    curve_points: int = arg(8, "checkpoints per fine-tuning: the points of its curve", budget=True, positive=True)
    eval_instances: int = arg(32, "held-out instances per evaluation entry", budget=True, positive=True)
    dim: int = arg(64, "model width (every arm; the learner's)", budget=True, positive=True)
    layers: int = arg(2, "transformer layers (the learner's)", budget=True, positive=True)
    heads: int = arg(4, "attention heads (the learner's)", budget=True, positive=True)
    max_program_length: int = arg(32, "program token cap (the learner's)", budget=True, positive=True)

    @classmethod
    def quick(cls) -> TransferArgs:
        return cls(
            seeds=[0],
            last_stage=0,
            pretrain_steps=256,
            finetune_steps=256,
            curve_points=2,
            eval_instances=2,
            dim=16,
            heads=2,
            layers=1,
            max_program_length=12,
        )

    def validate(self) -> None:
        if not self.seeds:
            raise ValueError("--seeds must name at least one seed")


def net(args: TransferArgs, arm: str) -> arms.Net:
    return arms.Net.of(args, SCRATCH_NET if arm == SCRATCH else arm)


def source_entries(args: TransferArgs) -> list[arms.Entry]:
    return arms.curriculum_entries(CURRICULUM, args.last_stage, "bf")


def evaluate(args: TransferArgs, arm: str, run, target: Target) -> dict:
    return arms.greedy_success(net(args, arm), run, target.asked(), args.eval_instances, well_posed=target.well_posed)


def curve_every(args: TransferArgs) -> int:
    """PPO iterations between a fine-tuning's checkpoints, so that it has about `curve_points` of them."""
    from agents.config import PPOSettings

    iterations = math.ceil(args.finetune_steps / PPOSettings().train_batch_size)
    return max(1, iterations // args.curve_points)


def curve(args: TransferArgs, arm: str, run, target: Target) -> list[tuple[int, dict]]:
    """(env steps, greedy held-out evaluation) of every checkpoint of a fine-tuning or scratch run, oldest first:
    the last is the run's final weights."""
    return [(steps, evaluate(args, arm, checkpoint, target)) for steps, checkpoint in arms.checkpoint_curve(run)]


def pretrain_key(arm: str, seed: int) -> str:
    return f"pretrain__{arm}__s{seed}"


def target_key(arm: str, seed: int, target: Target) -> str:
    return f"{arm}__s{seed}__{target.label}"


def drawn_dialect(store: CellStore) -> int:
    """The dialect target's seed: drawn at the first run of this --out, then read back by every rerun."""
    low, high = DIALECT_DRAW
    return int(store.cell("dialect", lambda: {"kind": "dialect", "seed": low + secrets.randbelow(high - low)})["seed"])


def pretrained(args: TransferArgs, store: CellStore, arm: str, seed: int) -> dict:
    """The pretraining cell of (arm, seed), training it on Brainfuck unless both the cell and its weights exist."""
    run = store.models / f"{arm}__s{seed}"

    def compute() -> dict:
        trained = arms.train(
            net(args, arm),
            arms.Curriculum(CURRICULUM, args.last_stage, "bf"),
            run,
            env_steps=args.pretrain_steps,
            seed=seed,
            num_envs=args.num_envs,
        )
        source = arms.greedy_success(net(args, arm), run, source_entries(args), args.eval_instances)
        print(
            f"[{NAME}] pretrained {arm} seed {seed}: {trained.env_steps} steps, stage {trained.stage_reached}, "
            f"bf held-out {source['success']:.2f} ({trained.seconds:.0f}s)",
            flush=True,
        )
        return {"kind": "pretrain", "arm": arm, "seed": seed, **trained.counters(), "source_eval": source}

    return store.cell(pretrain_key(arm, seed), compute, kept=lambda: arms.is_trained(run))


def target_cell(args: TransferArgs, store: CellStore, arm: str, seed: int, target: Target) -> dict:
    """Zero-shot success of the pretrained (arm, seed) on `target`, then the curve of a copy fine-tuned there (for
    scratch: the curve of a run from random weights)."""

    def compute() -> dict:
        pre = None if arm == SCRATCH else store.models / f"{arm}__s{seed}"
        zero_shot = evaluate(args, arm, pre, target) if pre is not None else None
        tuned = arms.train(
            net(args, arm),
            target.asked(),
            store.models / f"{arm}__s{seed}__{target.label}",
            env_steps=args.finetune_steps,
            seed=seed + FINETUNE_SEED,
            init_from=pre,
            permute_actions=False,
            curve_every=curve_every(args),
            num_envs=args.num_envs,
        )
        evaluated = curve(args, arm, tuned.run, target)
        points = [[steps, result["success"]] for steps, result in evaluated]
        final = evaluated[-1][1]  # the newest checkpoint is the final one: evaluated once
        before = "-" if zero_shot is None else f"{zero_shot['success']:.2f}"
        print(
            f"[{NAME}] {arm} seed {seed} {target.label} ({target.language}): zero-shot {before}, "
            f"after {tuned.env_steps} steps {final['success']:.2f}",
            flush=True,
        )
        return {
            "kind": "target",
            "arm": arm,
            "seed": seed,
            "target": target.label,
            "language": target.language,
            "zero_shot": zero_shot,
            "finetuned": final,
            "finetune_steps": tuned.env_steps,
            "curve": points,
        }

    return store.cell(target_key(arm, seed, target), compute)


def control_cell(args: TransferArgs, store: CellStore, target: Target) -> dict:
    """Chance (RandomMaskedPolicy) and carry-over (the Brainfuck reference program) on the target's instances."""

    def compute() -> dict:
        chance = arms.chance_success(
            net(args, SCRATCH), target.asked(), args.eval_instances, well_posed=target.well_posed
        )
        carry = arms.reference_success(target.asked(), args.eval_instances, well_posed=target.well_posed)
        return {
            "kind": "control",
            "target": target.label,
            "language": target.language,
            "chance": chance,
            "carryover": carry,
        }

    return store.cell(f"control__{target.label}", compute)


def report(args: TransferArgs, store: CellStore, chosen: list[Target]) -> dict:
    cells = store.all()
    labels = [t.label for t in chosen]
    tgt = {(c["arm"], c["seed"], c["target"]): c for c in cells if c["kind"] == "target"}
    pre = {(c["arm"], c["seed"]): c for c in cells if c["kind"] == "pretrain"}
    controls = {c["target"]: c for c in cells if c["kind"] == "control"}
    summary: dict = {
        "args": dataclasses.asdict(args),
        "targets": labels,
        "languages": {t.label: t.language for t in chosen},
        "chance": {t: controls[t]["chance"]["success"] for t in labels if t in controls},
        "carryover": {t: controls[t]["carryover"]["success"] for t in labels if t in controls},
        "arms": {},
    }
    for arm in args.arms:
        row: dict = {
            "stage_reached": [pre[(arm, s)]["stage_reached"] for s in args.seeds if (arm, s) in pre],
            "source": ci_summary([pre[(arm, s)]["source_eval"]["success"] for s in args.seeds if (arm, s) in pre]),
        }
        for phase in ("zero_shot", "finetuned"):
            row[phase] = {
                t: ci_summary(
                    [
                        tgt[(arm, s, t)][phase]["success"]
                        for s in args.seeds
                        if (arm, s, t) in tgt and tgt[(arm, s, t)][phase] is not None
                    ]
                )
                for t in labels
            }
        row["curves"] = {t: [tgt[(arm, s, t)]["curve"] for s in args.seeds if (arm, s, t) in tgt] for t in labels}
        summary["arms"][arm] = row
    write_json(store.out / "results.json", summary)

    def table(phase: str) -> str:
        rows = [
            [arm, *(fmt_ci(summary["arms"][arm][phase][t]["per_seed"]) for t in labels)]
            for arm in args.arms
            if phase == "finetuned" or arm != SCRATCH
        ]
        rows.append(["chance (random masked)", *(fmt_percent(summary["chance"].get(t)) for t in labels)])
        rows.append(
            ["carry-over (the bf reference program)", *(fmt_percent(summary["carryover"].get(t)) for t in labels)]
        )
        return markdown_table(["arm", *(f"{t} ({summary['languages'][t]})" for t in labels)], rows)

    def entry_table(phase: str) -> str:
        rows = []
        for arm in args.arms:
            for t in chosen:
                found = [tgt[(arm, s, t.label)][phase] for s in args.seeds if (arm, s, t.label) in tgt]
                found = [f for f in found if f is not None]
                for entry in t.asked():
                    rates = [f["entries"][entry.key]["rate"] for f in found]
                    skipped = sum(f["entries"][entry.key].get("ill_posed", 0) for f in found)
                    rows.append([arm, t.label, entry.key, fmt_ci(rates), skipped])
        return markdown_table(["arm", "target", "entry", "success", "ill-posed skipped"], rows)

    md = [
        f"# Transfer of the learner into languages whose programs differ ({run_label(args)} run)\n",
        f"Pretrained on bf stages 0..{args.last_stage} of {CURRICULUM} for {args.pretrain_steps:,} env steps per "
        f"(arm, seed) (the issue-21 learner); fine-tuned {args.finetune_steps:,} env steps per target, "
        f"{args.curve_points} checkpoints each; {args.eval_instances} held-out instances per entry; seeds "
        f"{args.seeds}. Cells: mean greedy success [95% bootstrap CI] (per seed, %).\n",
        "## Pretraining: stage reached and greedy held-out success on the Brainfuck entries\n",
        markdown_table(
            ["arm", "stage reached per seed", "bf held-out"],
            [
                [a, summary["arms"][a]["stage_reached"], fmt_ci(summary["arms"][a]["source"]["per_seed"])]
                for a in args.arms
                if a != SCRATCH
            ],
        ),
        "\n## Zero-shot\n",
        table("zero_shot"),
        f"\n## After {args.finetune_steps:,} fine-tuning steps (scratch: trained on the target alone)\n",
        table("finetuned"),
        "\n## Per entry, zero-shot\n",
        entry_table("zero_shot"),
        "\n## Per entry, after fine-tuning\n",
        entry_table("finetuned"),
        "\nNot a target: a changed cell modulus (module docstring; scripts/carryover_scan.py).\n",
    ]
    write_atomic(store.out / "results.md", "\n".join(md))
    plot(args, summary, labels, store.out / "transfer.png")
    return summary


def plot(args: TransferArgs, summary: dict, labels: list[str], path) -> None:
    """A panel per target: greedy held-out success against fine-tuning env steps, the mean over seeds per arm."""
    import numpy as np

    plt = pyplot()
    fig, axes = plt.subplots(1, len(labels), figsize=(4 * len(labels), 3.6), sharey=True, squeeze=False)
    for ax, label in zip(axes[0], labels):
        for arm in args.arms:
            runs = [c for c in summary["arms"][arm]["curves"][label] if c]
            if not runs:
                continue
            length = min(len(c) for c in runs)
            steps = np.array([[p[0] for p in c[:length]] for c in runs]).mean(axis=0)
            success = np.array([[p[1] for p in c[:length]] for c in runs]).mean(axis=0)
            zero = summary["arms"][arm]["zero_shot"][label]
            if arm != SCRATCH and zero["per_seed"]:
                steps, success = np.concatenate([[0], steps]), np.concatenate([[zero["mean"]], success])
            ax.plot(steps, success, marker="o", markersize=3, label=arm, linestyle="--" if arm == SCRATCH else "-")
        chance = summary["chance"].get(label)
        if chance is not None:
            ax.axhline(chance, color="grey", linewidth=0.8, linestyle=":", label="chance")
        ax.set_title(f"{label}: {summary['languages'][label]}", fontsize=9)
        ax.set_xlabel("fine-tuning env steps")
        ax.set_ylim(-0.03, 1.03)
    axes[0][0].set_ylabel("greedy success, held-out content")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    save_figure(fig, path)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(TransferArgs, __doc__, argv, prog=f"python -m {NAME}")
    try:
        return experiment(args)
    finally:
        arms.shutdown()  # the Ray the first training call started (every cell shared it)


def experiment(args: TransferArgs) -> int:
    store = CellStore(args.out, args)
    started = time.perf_counter()
    chosen = [t for t in targets(drawn_dialect(store)) if t.label in args.targets]
    for target in chosen:
        control_cell(args, store, target)
    for seed in args.seeds:
        for arm in args.arms:
            # The pretrained weights are needed only while a target cell of (arm, seed) is missing.
            missing = [t for t in chosen if not store.has(target_key(arm, seed, t))]
            if arm != SCRATCH and (missing or not store.has(pretrain_key(arm, seed))):
                pretrained(args, store, arm, seed)
            for target in chosen:
                target_cell(args, store, arm, seed, target)
    report(args, store, chosen)
    print(
        f"[{NAME}] done in {time.perf_counter() - started:.0f}s: {store.out / 'results.md'}, "
        f"{store.out / 'transfer.png'}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
