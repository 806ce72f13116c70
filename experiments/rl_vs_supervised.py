"""Experiment 2: RL vs supervised pretraining, on held-out sets reachable by interpolation or composition.

    python -m experiments.rl_vs_supervised --quick --out /tmp/exp_rl_sl        # smoke test, a few minutes
    python -m experiments.rl_vs_supervised --out runs/exp_rl_vs_supervised     # full mode, resumable

Design (issue 22). One network for every arm: the issue-21 learner
(experiments.arms `learner+ids`: execution observation, value features,
the potential reward; agents.learner.reasoning_config). Training entries:
bf-reasoning's stages 0..last_stage (emit-char up to 31 ... add-constant
with constant 1), then one more stage, add-constant with constant 3.

Held-out sets, each reachable from what is trained:

    set                 entries                                   reachable by
    heldout_interior    emit-char 1..31, held-out content         interpolation: the interior bytes {2, 11, 13, 21,
                        (curricula.heldout)                       22, 25}, their neighbours trained
    heldout_constant    add-constant, constant 2                  interpolation: constants 1 and 3 trained
    heldout_family      increment-echo-twice (`,+..`)             composition: increment-byte (`,+.`) and
                                                                  echo-twice-byte (`,..`) trained
    train_content       every training entry, training content    (what "equal training success" reads)

Never-trained entries are asked on their training-content part (all of it
is unseen). The networks do not read the env's `family` id (agents.nets
take the task tokens, program, action table and execution rows), so a
held-out family is told from its parts by its visible examples alone.

Arms:

- `rl`: the learner with PPO from random weights, `rl_steps` env steps;
- `sl+rl`: supervised next-token pretraining on reference solutions of
  the training entries (agents.supervised: replayed in the env, execution
  rows included), `sl_updates` x `sl_batch` tokens, then the learner's
  PPO for `rl_steps`;
- `sl-own`: supervised pretraining from random weights on the `rl` arm's
  own kept successes (the same seed's run: same data, another objective),
  `sl_updates` x `sl_batch` tokens, no RL.

Comparisons: at an equal budget (the end of each arm; budgets in the
table: RL env steps and supervised tokens), and at equal training success
(each set at the first checkpoint where training-content success reaches
`match_success`; n/a where an arm never does). Every RL run checkpoints
`curve_points` times and every checkpoint is evaluated on every set, so the
figure plots held-out success against training-content success. Tables:
mean over seeds, 95% bootstrap CI, every seed.

Outputs under --out: cells/*.json (one per finished (arm, seed); rerunning
skips them), models/ (a run directory per training), results.json,
results.md, rl_vs_supervised.png.
"""

from __future__ import annotations

import dataclasses
import math
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

NAME = "experiments.rl_vs_supervised"
ARMS = ("rl", "sl+rl", "sl-own")
NET = "learner+ids"
CURRICULUM = "bf-reasoning"
SETS = ("train_content", "heldout_interior", "heldout_constant", "heldout_family")
HELDOUT_SETS = SETS[1:]
TRAINED_CONSTANT = arms.Entry("add-constant", None, (("constant", 3), ("max_length", 4)), "bf")
"""The stage added after bf-reasoning's add-constant (constant 1): constant 3, so that 2 lies between trained ones."""


@dataclass
class RLvsSLArgs(ExperimentArgs):
    out: str = arg("runs/exp_rl_vs_supervised", "output directory (cells, models, results.json/.md, a PNG)")
    arms: list = arg(list(ARMS), "arms (module docstring)", choices=ARMS)
    seeds: list = arg([0, 1, 2, 3, 4], "seeds (>= 5 for a claim)")
    last_stage: int = arg(
        9, "last bf-reasoning stage trained (9: add-constant), before the constant-3 stage", budget=True
    )
    rl_steps: int = arg(1_500_000, "PPO env steps of the rl and sl+rl arms", budget=True, positive=True)
    sl_updates: int = arg(2000, "supervised updates of the sl arms", budget=True, positive=True)
    sl_batch: int = arg(256, "tokens per supervised update", budget=True, positive=True)
    demos_per_entry: int = arg(
        64, "reference solutions per training entry (training-content instances; sl+rl)", budget=True, positive=True
    )
    curve_points: int = arg(10, "checkpoints per RL run: the points of its curves", budget=True, positive=True)
    match_success: float = arg(0.8, "training-content success at which the arms are compared", budget=True)
    eval_instances: int = arg(32, "instances per evaluation entry", budget=True, positive=True)
    dim: int = arg(64, "model width (the learner's)", budget=True, positive=True)
    layers: int = arg(2, "transformer layers (the learner's)", budget=True, positive=True)
    heads: int = arg(4, "attention heads (the learner's)", budget=True, positive=True)
    max_program_length: int = arg(32, "program token cap (the learner's)", budget=True, positive=True)
    lr: float = arg(1e-3, "supervised learning rate (PPO keeps the learner's)", budget=True)

    @classmethod
    def quick(cls) -> RLvsSLArgs:
        return cls(
            seeds=[0],
            last_stage=0,
            rl_steps=256,
            sl_updates=4,
            sl_batch=32,
            demos_per_entry=2,
            curve_points=2,
            eval_instances=2,
            dim=16,
            layers=1,
            heads=2,
            max_program_length=12,
        )

    def validate(self) -> None:
        if not self.seeds:
            raise ValueError("--seeds must name at least one seed")
        if not 0.0 < self.match_success <= 1.0:
            raise ValueError(f"--match-success must be in (0, 1], got {self.match_success}")
        if "sl-own" in self.arms and "rl" not in self.arms:
            raise ValueError("--arms sl-own imitates the rl arm's run of the same seed; add rl to --arms")
        if self.last_stage < 0:
            raise ValueError(f"--last-stage must be at least 0, got {self.last_stage}")


def training(args: RLvsSLArgs) -> arms.Curriculum:
    return arms.Curriculum(CURRICULUM, args.last_stage, "bf", extra=(TRAINED_CONSTANT,))


def evaluation_sets(args: RLvsSLArgs) -> dict[str, tuple[list[arms.Entry], str]]:
    """Set name -> (entries, content part asked)."""
    return {
        "train_content": (arms.entries_of(training(args)), "train"),
        "heldout_interior": ([arms.Entry("emit-char", 4, (), "bf")], "heldout"),
        "heldout_constant": ([arms.Entry("add-constant", None, (("constant", 2), ("max_length", 4)), "bf")], "train"),
        "heldout_family": ([arms.Entry("increment-echo-twice", 7, (), "bf")], "train"),
    }


def net(args: RLvsSLArgs) -> arms.Net:
    return arms.Net.of(args, NET)


def evaluate_all(args: RLvsSLArgs, run) -> dict[str, float]:
    return {
        name: arms.greedy_success(net(args), run, entries, args.eval_instances, content=content)["success"]
        for name, (entries, content) in evaluation_sets(args).items()
    }


def curve_every(args: RLvsSLArgs) -> int:
    from agents.config import PPOSettings

    return max(1, math.ceil(args.rl_steps / PPOSettings().train_batch_size) // args.curve_points)


def rl_curve(args: RLvsSLArgs, run) -> list[dict]:
    """{steps, <set>: success} of every checkpoint of an RL run."""
    return [{"steps": steps, **evaluate_all(args, checkpoint)} for steps, checkpoint in arms.checkpoint_curve(run)]


def at_match(args: RLvsSLArgs, curve: list[dict]) -> dict | None:
    """The first curve point whose training-content success reaches match_success, or None."""
    return next((point for point in curve if point["train_content"] >= args.match_success), None)


def supervised_cell(args: RLvsSLArgs, store: CellStore, run, seed: int, own_successes_of=None):
    return arms.supervised(
        net(args),
        training(args),
        run,
        demos_per_entry=args.demos_per_entry,
        updates=args.sl_updates,
        batch_size=args.sl_batch,
        lr=args.lr,
        seed=seed,
        own_successes_of=own_successes_of,
    )


def run_cell(args: RLvsSLArgs, store: CellStore, arm: str, seed: int) -> dict:
    def compute() -> dict:
        cell: dict = {"kind": "arm", "arm": arm, "seed": seed, "sl_tokens": 0, "rl_steps": 0, "curve": []}
        started = time.perf_counter()
        if arm == "sl-own":
            source = store.models / f"rl__s{seed}"
            try:
                sl = supervised_cell(args, store, store.models / f"{arm}__s{seed}", seed, own_successes_of=source)
            except ValueError as error:  # the rl run kept no success: nothing to imitate
                cell.update(final=None, at_match=None, own_programs=0, note=str(error))
                return cell
            cell.update(sl_tokens=sl.tokens, own_programs=sl.demo_programs, final=evaluate_all(args, sl.run))
            cell["at_match"] = cell["final"] if cell["final"]["train_content"] >= args.match_success else None
            cell["seconds"] = time.perf_counter() - started
            print(
                f"[{NAME}] {arm} seed {seed} ({sl.demo_programs} own programs): "
                + ", ".join(f"{s} {cell['final'][s]:.2f}" for s in SETS),
                flush=True,
            )
            return cell
        init_from = None
        if arm == "sl+rl":
            sl = supervised_cell(args, store, store.models / f"{arm}__s{seed}__sl", seed)
            cell.update(sl_tokens=sl.tokens, demo_programs=sl.demo_programs, after_sl=evaluate_all(args, sl.run))
            init_from = sl.run
        trained = arms.train(
            net(args),
            training(args),
            store.models / f"{arm}__s{seed}",
            env_steps=args.rl_steps,
            seed=seed,
            init_from=init_from,
            curve_every=curve_every(args),
            num_envs=args.num_envs,
        )
        cell.update(rl_steps=trained.env_steps, stage_reached=trained.stage_reached, curve=rl_curve(args, trained.run))
        cell["final"] = {s: cell["curve"][-1][s] for s in SETS}  # the newest checkpoint is the final one
        cell["at_match"] = at_match(args, cell["curve"])
        cell["seconds"] = time.perf_counter() - started
        print(
            f"[{NAME}] {arm} seed {seed}: " + ", ".join(f"{s} {cell['final'][s]:.2f}" for s in SETS),
            flush=True,
        )
        return cell

    return store.cell(f"{arm}__s{seed}", compute)


def chance_cell(args: RLvsSLArgs, store: CellStore) -> dict:
    def compute() -> dict:
        cell: dict = {"kind": "chance"}
        for name, (entries, content) in evaluation_sets(args).items():
            cell[name] = arms.chance_success(net(args), entries, args.eval_instances, content=content)["success"]
        return cell

    return store.cell("chance", compute)


def report(args: RLvsSLArgs, store: CellStore) -> dict:
    cells = {(c["arm"], c["seed"]): c for c in store.all() if c.get("kind") == "arm"}
    chance = store.load("chance") if store.has("chance") else {}
    summary: dict = {"args": dataclasses.asdict(args), "chance": chance, "arms": {}}
    for arm in args.arms:
        mine = [cells[(arm, s)] for s in args.seeds if (arm, s) in cells]
        stats: dict = {
            "final": {s: ci_summary([c["final"][s] for c in mine if c["final"]]) for s in SETS},
            "at_match": {s: ci_summary([c["at_match"][s] for c in mine if c["at_match"]]) for s in SETS},
            "reached_match": [c["at_match"] is not None for c in mine],
            "steps_at_match": [c["at_match"].get("steps") for c in mine if c["at_match"]],
            "sl_tokens": [c["sl_tokens"] for c in mine],
            "rl_steps": [c["rl_steps"] for c in mine],
            "own_programs": [c.get("own_programs") for c in mine if "own_programs" in c],
        }
        summary["arms"][arm] = stats
    write_json(store.out / "results.json", summary)

    def table(phase: str) -> str:
        rows = [[arm, *(fmt_ci(summary["arms"][arm][phase][s]["per_seed"]) for s in SETS)] for arm in args.arms]
        rows.append(["chance (random masked)", *(fmt_percent(chance.get(s)) for s in SETS)])
        return markdown_table(["arm", *SETS], rows)

    budget_rows = [
        [
            arm,
            summary["arms"][arm]["rl_steps"],
            summary["arms"][arm]["sl_tokens"],
            f"{sum(summary['arms'][arm]['reached_match'])}/{len(summary['arms'][arm]['reached_match'])}",
            summary["arms"][arm]["steps_at_match"],
            summary["arms"][arm]["own_programs"] or "",
        ]
        for arm in args.arms
    ]
    md = [
        f"# RL pretraining vs supervised pretraining ({run_label(args)} run)\n",
        f"The issue-21 learner (`{NET}`) on {CURRICULUM} stages 0..{args.last_stage} and add-constant 3; "
        f"{args.rl_steps:,} RL env steps; supervised {args.sl_updates} x {args.sl_batch} tokens; "
        f"{args.eval_instances} instances per entry; seeds {args.seeds}. Cells: greedy success, mean "
        "[95% bootstrap CI] (per seed, %).\n",
        "## At an equal budget (the end of each arm)\n",
        table("final"),
        f"\n## At equal training success (first checkpoint with training-content success >= {args.match_success})\n",
        table("at_match"),
        "\n## Budgets\n",
        markdown_table(
            [
                "arm",
                "RL env steps",
                "supervised tokens",
                "seeds reaching the match",
                "steps at the match",
                "own programs",
            ],
            budget_rows,
        ),
    ]
    write_atomic(store.out / "results.md", "\n".join(md))
    plot(args, cells, store.out / "rl_vs_supervised.png")
    return summary


def plot(args: RLvsSLArgs, cells: dict, path) -> None:
    """A panel per held-out set: its success against training-content success, every checkpoint of every arm."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(HELDOUT_SETS), figsize=(4 * len(HELDOUT_SETS), 3.6), sharey=True)
    for ax, name in zip(axes, HELDOUT_SETS):
        for i, arm in enumerate(args.arms):
            for n, seed in enumerate(args.seeds):
                cell = cells.get((arm, seed))
                if not cell or not cell["final"]:
                    continue
                points = cell["curve"] or [cell["final"]]
                ax.plot(
                    [p["train_content"] for p in points],
                    [p[name] for p in points],
                    marker="o",
                    markersize=3,
                    alpha=0.7,
                    color=f"C{i}",
                    label=arm if n == 0 else None,
                )
        ax.axvline(args.match_success, color="grey", linewidth=0.8, linestyle=":")
        ax.set_title(name.replace("_", " "), fontsize=9)
        ax.set_xlabel("training-content success")
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
    axes[0].set_ylabel("held-out success (greedy)")
    axes[-1].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    save_figure(fig, path)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(RLvsSLArgs, __doc__, argv, prog=f"python -m {NAME}")
    try:
        return experiment(args)
    finally:
        arms.shutdown()  # the Ray the first training call started (every cell shared it)


def experiment(args: RLvsSLArgs) -> int:
    store = CellStore(args.out, args)
    started = time.perf_counter()
    chance_cell(args, store)
    for seed in args.seeds:
        # sl-own imitates the same seed's rl run: rl first, whatever order --arms gives
        for arm in sorted(args.arms, key=lambda a: a != "rl"):
            run_cell(args, store, arm, seed)
    report(args, store)
    print(f"[{NAME}] done in {time.perf_counter() - started:.0f}s: {store.out / 'results.md'}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
