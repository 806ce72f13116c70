"""Experiment 1: does a knowledge store over effect ids let reasoning transfer to languages the agent never saw?

    .venv/bin/python scripts/exp_transfer.py --quick --out /tmp/exp_transfer     # smoke test, < 1 min
    .venv/bin/python scripts/exp_transfer.py --out runs/exp_transfer              # full mode, resumable

Design (issue 13): six arms (agents.experiment_models.ARMS): the 2x2 of
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
weights for `finetune_steps` env steps on the target. Chance is
RandomMaskedPolicy's success on the same instances. Success of a cell is the
mean pass rate over the evaluation entries; tables give the mean over seeds
with a 95% bootstrap CI and every seed's value.

A changed cell modulus is not run: no effect id carries a number, so no
knowledge entry can say so (esolangs.knowledge); the report says this.

Outputs under --out: cells/*.json (one per finished (arm, seed, target);
rerunning skips them), models/*.pt, results.json, results.md, transfer.png.
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
    bootstrap_ci,
    check_positive,
    fmt_ci,
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

from curricula.scoring import mode_names

SEMANTIC_NOTE = (
    "a changed cell modulus: no effect id (esolangs.knowledge.EFFECTS) carries a number and the spec carries no "
    "interpreter options, so no knowledge entry could say that it changed"
)


@dataclass
class TransferArgs:
    out: str = arg("runs/exp_transfer", "output directory (cells, models, results.json/.md, transfer.png)")
    arms: list = arg(
        ["pointer+memory", "pointer+window", "index+memory", "index+window", "full-context", "permuted-plain"],
        "arms (agents.experiment_models.ARMS)",
    )
    seeds: list = arg([0, 1, 2], "training seeds (>= 3 for a claim)")
    dialect_seeds: list = arg([101, 102, 103, 104, 105], "unseen bf-dialect-<seed> targets")
    semantic_targets: list = arg(
        ["bf+eof=unchanged", "bf-dialect-101+eof=unchanged"],
        "option variants whose semantics change and whose knowledge entry of ',' says so (esolangs.registry)",
    )
    other_targets: list = arg(
        ["ook", "befunge93"], "further target languages (ook: sanity check; befunge93: other primitives)"
    )
    curriculum: str = arg("bf-basics", "curriculum whose first stages are the training tasks")
    last_stage: int = arg(5, "last curriculum stage trained (stages 0..last_stage); their entries are evaluated")
    pretrain_steps: int = arg(150_000, "PPO env steps on Brainfuck per (arm, seed)")
    finetune_steps: int = arg(10_000, "PPO env steps of fine-tuning per (arm, seed, target)")
    eval_instances: int = arg(32, "held-out instances per evaluation entry")
    num_envs: int = arg(32, "envs stepped together")
    dim: int = arg(32, "model width (all arms)")
    layers: int = arg(1, "transformer layers")
    window: int = arg(16, "W, the small window (memory / window arms)")
    max_program_length: int = arg(16, "program token cap")
    task_length: int = arg(64, "task observation length")
    lr: float = arg(1e-3, "PPO learning rate (pretraining and fine-tuning)")
    scoring: str = arg("binary", "training reward mode: binary, fraction, pqt or prefix (evaluation is always binary)")

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

    def validate(self) -> TransferArgs:
        from agents.experiment_models import ARMS

        unknown = [a for a in self.arms if a not in ARMS]
        if unknown:
            raise ValueError(f"--arms has unknown arm(s) {unknown}; choose from {', '.join(ARMS)}")
        if self.scoring not in mode_names():
            raise ValueError(f"--scoring must be binary, fraction, pqt or prefix, got {self.scoring!r}")
        check_positive(
            self,
            "pretrain_steps",
            "finetune_steps",
            "eval_instances",
            "num_envs",
            "dim",
            "layers",
            "window",
            "max_program_length",
            "task_length",
        )
        if not self.seeds:
            raise ValueError("--seeds must name at least one seed")
        return self

    def targets(self) -> list[str]:
        return [
            "bf",
            *(f"bf-dialect-{s}" for s in self.dialect_seeds),
            *self.semantic_targets,
            *self.other_targets,
        ]


BUDGET_FIELDS = (
    "curriculum",
    "last_stage",
    "pretrain_steps",
    "finetune_steps",
    "eval_instances",
    "dim",
    "layers",
    "window",
    "max_program_length",
    "task_length",
    "lr",
    "scoring",
)


def training_entries(args: TransferArgs, language: str):
    """The distinct (family, level, config) of stages 0..last_stage, asked in `language`."""
    from agents.experiment_trainer import Entry
    from curricula.schedulers import load_curriculum

    scheduler = load_curriculum(args.curriculum)
    seen, entries = set(), []
    for stage in scheduler.stages[: args.last_stage + 1]:
        for m in stage.mixture:
            key = (m.family, m.level, tuple(sorted(m.config.items())))
            if key not in seen:
                seen.add(key)
                entries.append(Entry(m.family, m.level, key[2], language))
    return entries


def shape_of(args):
    from agents.experiment_trainer import Shape

    return Shape(task_length=args.task_length, max_program_length=args.max_program_length, num_actions=39)


def new_model(args, arm: str):
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
        return build_arm(arm, shape.observation_space(), shape.action_space(), config)


def save_model(model, path: Path) -> None:
    import torch

    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    write_atomic(path, buffer.getvalue())


def evaluate(act, args, language: str) -> dict:
    from agents.experiment_trainer import evaluate_entries

    per_entry = evaluate_entries(act, training_entries(args, language), shape_of(args), args.eval_instances)
    rates = [r["rate"] for r in per_entry.values()]
    return {"success": sum(rates) / len(rates), "entries": per_entry}


def pretrain_cell(args, store: CellStore, arm: str, seed: int) -> dict:
    from agents.experiment_models import PERMUTED_ARMS
    from agents.experiment_trainer import CurriculumSampler, PPOConfig, VecTokenEnv, greedy_actions, ppo_train

    key = f"pretrain__{arm}__s{seed}"
    model_path = store.out / "models" / f"{arm}__s{seed}.pt"
    if store.has(key) and model_path.is_file():
        return store.load(key)
    import torch

    torch.manual_seed(seed)
    model = new_model(args, arm)
    sampler = CurriculumSampler(args.curriculum, "bf", last_stage=args.last_stage)
    venv = VecTokenEnv(
        sampler, args.num_envs, shape_of(args), permute=arm in PERMUTED_ARMS, seed=seed, scoring=args.scoring
    )
    started = time.perf_counter()
    log = ppo_train(model, venv, PPOConfig(lr=args.lr), env_steps=args.pretrain_steps, seed=seed)
    seconds = time.perf_counter() - started
    save_model(model, model_path)
    cell = {
        "kind": "pretrain",
        "arm": arm,
        "seed": seed,
        "env_steps": log.env_steps,
        "programs": log.programs,
        "stage_reached": log.stage,
        "curve": log.curve,
        "seconds": seconds,
        "parameters": sum(p.numel() for p in model.parameters()),
        "source_eval": evaluate(greedy_actions(model), args, "bf"),
    }
    store.save(key, cell)
    print(
        f"[exp_transfer] pretrained {arm} seed {seed}: {log.env_steps} steps, stage {log.stage}, "
        f"bf held-out {cell['source_eval']['success']:.2f} ({seconds:.0f}s)",
        flush=True,
    )
    return cell


def target_cell(args, store: CellStore, arm: str, seed: int, target: str) -> dict:
    import torch

    from agents.experiment_trainer import MixtureSampler, PPOConfig, VecTokenEnv, greedy_actions, ppo_train

    key = f"{arm}__s{seed}__{target}"
    if store.has(key):
        return store.load(key)
    model = new_model(args, arm)
    model.load_state_dict(torch.load(store.out / "models" / f"{arm}__s{seed}.pt"))
    model.eval()
    zero_shot = evaluate(greedy_actions(model), args, target)
    venv = VecTokenEnv(
        MixtureSampler(training_entries(args, target)),
        args.num_envs,
        shape_of(args),
        seed=seed + 7919,
        scoring=args.scoring,
    )
    log = ppo_train(model, venv, PPOConfig(lr=args.lr), env_steps=args.finetune_steps, seed=seed)
    finetuned = evaluate(greedy_actions(model), args, target)
    cell = {
        "kind": "target",
        "arm": arm,
        "seed": seed,
        "target": target,
        "zero_shot": zero_shot,
        "finetuned": finetuned,
        "finetune_steps": log.env_steps,
        "finetune_programs": log.programs,
        "curve": log.curve,
    }
    store.save(key, cell)
    print(
        f"[exp_transfer] {arm} seed {seed} {target}: zero-shot {zero_shot['success']:.2f}, "
        f"fine-tuned {finetuned['success']:.2f}",
        flush=True,
    )
    return cell


def chance_cell(args, store: CellStore, target: str) -> dict:
    from agents.experiment_trainer import random_actions

    key = f"chance__{target}"
    if store.has(key):
        return store.load(key)
    cell = {"kind": "chance", "target": target, "eval": evaluate(random_actions(0), args, target)}
    store.save(key, cell)
    return cell


def report(args, store: CellStore) -> dict:
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
            row[phase] = {}
            for t in targets:
                values = [tgt[(arm, s, t)][phase]["success"] for s in args.seeds if (arm, s, t) in tgt]
                mean, low, high = bootstrap_ci(values)
                row[phase][t] = {"per_seed": values, "mean": mean, "ci95": [low, high]}
        summary["arms"][arm] = row
    write_json(store.out / "results.json", summary)

    def table(phase: str) -> str:
        rows = [[arm, *(fmt_ci(summary["arms"][arm][phase][t]["per_seed"]) for t in targets)] for arm in args.arms]
        rows.append(["chance (random masked)", *(f"{100 * chance[t]:.0f}%" if t in chance else "n/a" for t in targets)])
        return markdown_table(["arm", *targets], rows)

    def entry_table(phase: str) -> str:
        """Per evaluation entry on bf and the semantic variants: where the EOF rule matters and where it does not."""
        entries = [e.key.rsplit("@", 1)[0] for e in training_entries(args, "bf")]
        rows = []
        for arm in args.arms:
            for t in ["bf", *args.semantic_targets]:
                cells = [tgt[(arm, s, t)][phase]["entries"] for s in args.seeds if (arm, s, t) in tgt]
                rows.append([arm, t, *(fmt_ci([c[f"{e}@{t}"]["rate"] for c in cells]) for e in entries)])
        return markdown_table(["arm", "target", *entries], rows)

    md = [
        f"# Transfer by swapping knowledge ({run_label(args)} run)\n",
        f"Trained on bf stages 0..{args.last_stage} of {args.curriculum} for {args.pretrain_steps:,} env steps per "
        f"(arm, seed) (PPO, lr {args.lr}, {args.scoring} reward); fine-tuned {args.finetune_steps:,} env steps per target; {args.eval_instances} held-out "
        f"instances per entry; seeds {args.seeds}. Cells: mean success [95% bootstrap CI] (per seed, %).\n",
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
    width = 0.8 / max(1, len(args.arms))
    for ax, phase in zip(axes, ("zero_shot", "finetuned")):
        for i, arm in enumerate(args.arms):
            stats = summary["arms"][arm][phase]
            means = [stats[t]["mean"] for t in targets]
            errors = [
                [max(0, m - stats[t]["ci95"][0]) if m == m else 0 for m, t in zip(means, targets)],
                [max(0, stats[t]["ci95"][1] - m) if m == m else 0 for m, t in zip(means, targets)],
            ]
            xs = [j + (i - len(args.arms) / 2 + 0.5) * width for j in range(len(targets))]
            ax.bar(xs, means, width, yerr=errors, label=arm, capsize=2)
        ax.scatter(
            range(len(targets)),
            [chance.get(t, float("nan")) for t in targets],
            marker="_",
            s=300,
            c="k",
            label="chance",
            zorder=5,
        )
        ax.set_xticks(range(len(targets)), targets, rotation=30, ha="right", fontsize=8)
        ax.set_title("zero-shot" if phase == "zero_shot" else f"after {args.finetune_steps:,} fine-tuning steps")
        ax.set_ylim(0, 1.05)
    axes[0].set_ylabel("greedy success, held-out content")
    axes[1].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    save_figure(fig, store.out / "transfer.png")
    plt.close(fig)
    return summary


def main(argv=None) -> int:
    args = parse_args(TransferArgs, __doc__.splitlines()[0], argv)
    torch_setup()
    store = CellStore(Path(args.out), args, BUDGET_FIELDS)
    started = time.perf_counter()
    for target in args.targets():
        chance_cell(args, store, target)
    for seed in args.seeds:
        for arm in args.arms:
            pretrain_cell(args, store, arm, seed)
            for target in args.targets():
                target_cell(args, store, arm, seed, target)
    report(args, store)
    print(
        f"[exp_transfer] done in {time.perf_counter() - started:.0f}s: {store.out / 'results.md'}, "
        f"{store.out / 'transfer.png'}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
