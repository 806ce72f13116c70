"""Experiment 1: does a knowledge store over effect ids let reasoning transfer to languages the agent never saw?

    python -m experiments.transfer --quick --out /tmp/exp_transfer     # smoke test, under two minutes
    python -m experiments.transfer --out runs/exp_transfer              # full mode, resumable

Design (issue 13): six arms (experiments.arms.ARMS): the 2x2 of
knowledge-store pointer head (yes/no) x episodic memory with a small window
(yes/no), the full-context transformer, and `permuted-plain`, a plain index
head that reads the effect ids and is trained with a fresh action order every
episode (reasonenv.envs.action_wrappers.PermuteActions). Each arm is trained
with PPO on Brainfuck (canonical order) over the first stages of a curriculum
for `pretrain_steps` env steps, then evaluated greedily on held-out content
of the same entries asked in each target language:

- bf (the training language: the in-distribution reference),
- `bf-dialect-<seed>` for unseen seeds (names and action order change),
- option variants whose semantics change and whose knowledge says so:
  `bf+eof=unchanged` and `bf-dialect-101+eof=unchanged` (esolangs.registry):
  `,` leaves the cell unchanged at end of input, so echo-all's `,[.,]`
  never ends and `,[.[-],]` is needed; the knowledge entry of `,` has its
  own effect id (input_eof_unchanged) that no training language used,
- ook (Brainfuck under other names: a sanity check, not a result),
- befunge93 (other primitives: where transfer is expected to fail).

Zero-shot success first, then success after fine-tuning a copy of the
weights for `finetune_steps` env steps on the target (in the target's own
action order, for every arm). Chance is RandomMaskedPolicy's success on the
same instances. Success of a cell is the mean pass rate over the evaluation
entries; tables give the mean over seeds with a 95% bootstrap CI and every
seed's value.

A changed cell modulus is not run: no effect id carries a number, so no
knowledge entry can say so (esolangs.knowledge); the report says this.

Outputs under --out: cells/*.json (one per finished (arm, seed, target);
rerunning skips them), models/ (one run directory per pretraining and
fine-tuning), results.json, results.md, transfer.png.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass

from curricula.scoring import mode_names
from experiments import arms
from experiments.common import (
    CellStore,
    ExperimentArgs,
    arg,
    ci_bars,
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
SEMANTIC_NOTE = (
    "a changed cell modulus: no effect id (esolangs.knowledge.EFFECTS) carries a number and the spec carries no "
    "interpreter options, so no knowledge entry could say that it changed"
)
ACTION_SLOTS = 39
"""Every net sees Befunge-93's 39 action slots; Brainfuck's 9 are padded with masked slots."""
FINETUNE_SEED = 7919
"""Fine-tuning on a target runs with seed + this, so its env and PPO streams differ from pretraining's."""


@dataclass
class TransferArgs(ExperimentArgs):
    out: str = arg("runs/exp_transfer", "output directory (cells, models, results.json/.md, transfer.png)")
    arms: list = arg(list(arms.ARMS), "arms (experiments.arms.ARMS)", choices=list(arms.ARMS))
    seeds: list = arg([0, 1, 2], "training seeds (>= 3 for a claim)")
    dialect_seeds: list = arg([101, 102, 103, 104, 105], "unseen bf-dialect-<seed> targets")
    semantic_targets: list = arg(
        ["bf+eof=unchanged", "bf-dialect-101+eof=unchanged"],
        "option variants whose semantics change and whose knowledge entry of ',' says so (esolangs.registry)",
    )
    other_targets: list = arg(
        ["ook", "befunge93"], "further target languages (ook: sanity check; befunge93: other primitives)"
    )
    curriculum: str = arg("bf-basics", "curriculum whose first stages are the training tasks", budget=True)
    last_stage: int = arg(
        5, "last curriculum stage trained (stages 0..last_stage); their entries are evaluated", budget=True
    )
    pretrain_steps: int = arg(150_000, "PPO env steps on Brainfuck per (arm, seed)", budget=True, positive=True)
    finetune_steps: int = arg(
        10_000, "PPO env steps of fine-tuning per (arm, seed, target)", budget=True, positive=True
    )
    eval_instances: int = arg(32, "held-out instances per evaluation entry", budget=True, positive=True)
    lr: float = arg(1e-3, "PPO learning rate (pretraining and fine-tuning)", budget=True)
    scoring: str = arg(
        "binary",
        "training reward mode (evaluation is always binary)",
        budget=True,
        choices=mode_names(),
    )

    @classmethod
    def quick(cls) -> TransferArgs:
        return cls(
            seeds=[0],
            dialect_seeds=[101],
            semantic_targets=["bf+eof=unchanged"],
            last_stage=0,
            pretrain_steps=128,
            finetune_steps=64,
            eval_instances=2,
            num_envs=16,
            max_program_length=6,
        )

    def validate(self) -> None:
        if not self.seeds:
            raise ValueError("--seeds must name at least one seed")

    def targets(self) -> list[str]:
        return [
            "bf",
            *(f"bf-dialect-{s}" for s in self.dialect_seeds),
            *self.semantic_targets,
            *self.other_targets,
        ]


def entries(args: TransferArgs, language: str) -> list[arms.Entry]:
    """The training entries (stages 0..last_stage), asked in `language`: what every target is evaluated on."""
    return arms.curriculum_entries(args.curriculum, args.last_stage, language)


def evaluate(args: TransferArgs, arm: str, run, language: str) -> dict:
    return arms.greedy_success(arms.Net.of(args, arm, ACTION_SLOTS), run, entries(args, language), args.eval_instances)


def pretrain_key(arm: str, seed: int) -> str:
    return f"pretrain__{arm}__s{seed}"


def target_key(arm: str, seed: int, target: str) -> str:
    return f"{arm}__s{seed}__{target}"


def pretrained(args: TransferArgs, store: CellStore, arm: str, seed: int) -> dict:
    """The pretraining cell of (arm, seed), training it on Brainfuck unless both the cell and its weights exist."""
    run = store.models / f"{arm}__s{seed}"

    def compute() -> dict:
        trained = arms.train(
            arms.Net.of(args, arm, ACTION_SLOTS),
            arms.Curriculum(args.curriculum, args.last_stage, "bf"),
            run,
            env_steps=args.pretrain_steps,
            seed=seed,
            lr=args.lr,
            scoring=args.scoring,
            num_envs=args.num_envs,
        )
        source = evaluate(args, arm, run, "bf")
        print(
            f"[{NAME}] pretrained {arm} seed {seed}: {trained.env_steps} steps, stage {trained.stage_reached}, "
            f"bf held-out {source['success']:.2f} ({trained.seconds:.0f}s)",
            flush=True,
        )
        return {"kind": "pretrain", "arm": arm, "seed": seed, **trained.counters(), "source_eval": source}

    return store.cell(pretrain_key(arm, seed), compute, kept=lambda: arms.is_trained(run))


def target_cell(args: TransferArgs, store: CellStore, arm: str, seed: int, target: str) -> dict:
    """Zero-shot success of the pretrained (arm, seed) on `target`, then success after fine-tuning a copy there."""

    def compute() -> dict:
        pre = store.models / f"{arm}__s{seed}"
        zero_shot = evaluate(args, arm, pre, target)
        tuned = arms.train(
            arms.Net.of(args, arm, ACTION_SLOTS),
            entries(args, target),
            store.models / f"{arm}__s{seed}__{target}",
            env_steps=args.finetune_steps,
            seed=seed + FINETUNE_SEED,
            lr=args.lr,
            scoring=args.scoring,
            num_envs=args.num_envs,
            init_from=pre,
            permute_actions=False,
        )
        finetuned = evaluate(args, arm, tuned.run, target)
        print(
            f"[{NAME}] {arm} seed {seed} {target}: zero-shot {zero_shot['success']:.2f}, "
            f"fine-tuned {finetuned['success']:.2f}",
            flush=True,
        )
        return {
            "kind": "target",
            "arm": arm,
            "seed": seed,
            "target": target,
            "zero_shot": zero_shot,
            "finetuned": finetuned,
            "finetune_steps": tuned.env_steps,
            "finetune_programs": tuned.programs,
            "curve": tuned.curve,
        }

    return store.cell(target_key(arm, seed, target), compute)


def chance_cell(args: TransferArgs, store: CellStore, target: str) -> dict:
    def compute() -> dict:
        net = arms.Net.of(args, action_slots=ACTION_SLOTS)
        success = arms.chance_success(net, entries(args, target), args.eval_instances)
        return {"kind": "chance", "target": target, "eval": success}

    return store.cell(f"chance__{target}", compute)


def report(args: TransferArgs, store: CellStore) -> dict:
    cells = store.all()
    targets = args.targets()
    pre = {(c["arm"], c["seed"]): c for c in cells if c["kind"] == "pretrain"}
    tgt = {(c["arm"], c["seed"], c["target"]): c for c in cells if c["kind"] == "target"}
    chance = {c["target"]: c["eval"]["success"] for c in cells if c["kind"] == "chance"}
    summary: dict = {
        "args": dataclasses.asdict(args),
        "targets": targets,
        "chance": chance,
        "arms": {},
        "not_run": SEMANTIC_NOTE,
    }
    for arm in args.arms:
        row = {
            "parameters": next((pre[(arm, s)]["parameters"] for s in args.seeds if (arm, s) in pre), None),
            "stage_reached": [pre[(arm, s)]["stage_reached"] for s in args.seeds if (arm, s) in pre],
        }
        for phase in ("zero_shot", "finetuned"):
            row[phase] = {
                t: ci_summary([tgt[(arm, s, t)][phase]["success"] for s in args.seeds if (arm, s, t) in tgt])
                for t in targets
            }
        summary["arms"][arm] = row
    write_json(store.out / "results.json", summary)

    def table(phase: str) -> str:
        rows = [[arm, *(fmt_ci(summary["arms"][arm][phase][t]["per_seed"]) for t in targets)] for arm in args.arms]
        rows.append(["chance (random masked)", *(fmt_percent(chance.get(t)) for t in targets)])
        return markdown_table(["arm", *targets], rows)

    def entry_table(phase: str) -> str:
        """Per evaluation entry on bf and the semantic variants: where the EOF rule matters and where it does not."""
        names = [e.key.rsplit("@", 1)[0] for e in entries(args, "bf")]
        rows = []
        for arm in args.arms:
            for t in ["bf", *args.semantic_targets]:
                found = [tgt[(arm, s, t)][phase]["entries"] for s in args.seeds if (arm, s, t) in tgt]
                rows.append([arm, t, *(fmt_ci([c[f"{e}@{t}"]["rate"] for c in found]) for e in names)])
        return markdown_table(["arm", "target", *names], rows)

    md = [
        f"# Transfer by swapping knowledge ({run_label(args)} run)\n",
        f"Trained on bf stages 0..{args.last_stage} of {args.curriculum} for {args.pretrain_steps:,} env steps per "
        f"(arm, seed) (PPO, lr {args.lr}, {args.scoring} reward); fine-tuned {args.finetune_steps:,} env steps per "
        f"target; {args.eval_instances} held-out instances per entry; seeds {args.seeds}. Cells: mean success "
        "[95% bootstrap CI] (per seed, %).\n",
        "## Zero-shot\n",
        table("zero_shot"),
        "\n## After fine-tuning\n",
        table("finetuned"),
        "\n## Parameters and curriculum stage reached in pretraining\n",
        markdown_table(
            ["arm", "parameters", "stage reached per seed"],
            [[a, summary["arms"][a]["parameters"], summary["arms"][a]["stage_reached"]] for a in args.arms],
        ),
        "\n## Per entry, zero-shot: the EOF rule matters only where the program reads to the end of input\n",
        entry_table("zero_shot"),
        "\n## Per entry, after fine-tuning\n",
        entry_table("finetuned"),
        f"\nNot run: {SEMANTIC_NOTE}.\n",
    ]
    write_atomic(store.out / "results.md", "\n".join(md))

    plt = pyplot()
    fig, axes = plt.subplots(2, 1, figsize=(max(8, 1.2 * len(targets) + 2), 8), sharey=True)
    for ax, phase in zip(axes, ("zero_shot", "finetuned")):
        series = {arm: [summary["arms"][arm][phase][t] for t in targets] for arm in args.arms}
        ci_bars(ax, targets, series, [chance.get(t, float("nan")) for t in targets])
        ax.set_xticks(range(len(targets)), targets, rotation=30, ha="right", fontsize=8)
        ax.set_title("zero-shot" if phase == "zero_shot" else f"after {args.finetune_steps:,} fine-tuning steps")
    axes[0].set_ylabel("greedy success, held-out content")
    axes[1].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    save_figure(fig, store.out / "transfer.png")
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(TransferArgs, __doc__, argv, prog=f"python -m {NAME}")
    try:
        return experiment(args)
    finally:
        arms.shutdown()  # the Ray the first training call started (every cell shared it)


def experiment(args: TransferArgs) -> int:
    store = CellStore(args.out, args)
    started = time.perf_counter()
    for target in args.targets():
        chance_cell(args, store, target)
    for seed in args.seeds:
        for arm in args.arms:
            # The pretrained weights are needed only while a target cell of (arm, seed) is missing.
            if not store.has(pretrain_key(arm, seed)) or not all(
                store.has(target_key(arm, seed, t)) for t in args.targets()
            ):
                pretrained(args, store, arm, seed)
            for target in args.targets():
                target_cell(args, store, arm, seed, target)
    report(args, store)
    print(
        f"[{NAME}] done in {time.perf_counter() - started:.0f}s: {store.out / 'results.md'}, "
        f"{store.out / 'transfer.png'}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
