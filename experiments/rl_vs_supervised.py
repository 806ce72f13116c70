"""Experiment 2: RL pretraining from scratch against supervised pretraining on reference solutions, then PPO.

    python -m experiments.rl_vs_supervised --quick --out /tmp/exp_rl_sl        # smoke test, under two minutes
    python -m experiments.rl_vs_supervised --out runs/exp_rl_vs_supervised     # full mode, resumable

One architecture and parameter budget for every arm (the small-context
memory agent, experiments.arms `pointer+memory`, same settings):

- `rl`: PPO from scratch over stages 0..last_stage of the curriculum
  (one scheduler fed by every env, promotion on binary success), `rl_steps`
  env steps.
- `sl+rl`: supervised next-token pretraining on reference solutions of the
  same entries (curricula's `reference_solution`, tokenised through the
  env's token table and replayed in the env, so every observation is the
  agent's own), `sl_updates` updates of `sl_batch` tokens, then PPO with
  the same `rl_steps`.
- `sl+rl-matched`: the same, but the supervised tokens count against the
  RL budget (one supervised token = one env step: one observation through
  the network forward and backward), so PPO runs rl_steps - sl_updates x
  sl_batch env steps.

Each arm is evaluated greedily on four sets: training content and
held-out content of the training entries, held-out difficulty levels of
the training families, and held-out families (never trained on). The
never-trained levels and families are asked on the training-content part
of their space (all of it is unseen; the held-out part of small spaces can
be degenerate, e.g. emit-char's held-out content is the single byte 2). The
generalisation gap is training-content success minus held-out-level
(resp. held-out-family) success. The `sl+rl` cells also record the
success right after supervised pretraining (before any RL).

Outputs under --out: cells/*.json (one per finished (arm, seed); rerunning
skips them), models/ (one run directory per training), results.json,
results.md, rl_vs_supervised.png.
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

NAME = "experiments.rl_vs_supervised"
ARMS = ("rl", "sl+rl", "sl+rl-matched")
SETS = ("train_content", "heldout_content", "heldout_levels", "heldout_families")


@dataclass
class RLvsSLArgs(ExperimentArgs):
    out: str = arg("runs/exp_rl_vs_supervised", "output directory (cells, models, results.json/.md, a PNG)")
    arms: list = arg(list(ARMS), "arms", choices=ARMS)
    seeds: list = arg([0, 1, 2], "seeds (>= 3 for a claim)")
    curriculum: str = arg("bf-basics", "curriculum whose first stages are the training entries", budget=True)
    last_stage: int = arg(5, "last stage trained (stages 0..last_stage)", budget=True)
    heldout_levels: list = arg(
        ["emit-char:2", "emit-string:1", "echo-all:1"],
        "family:level pairs of training families at levels never trained on",
        budget=True,
    )
    heldout_families: list = arg(
        ["increment-byte:0", "echo-twice-byte:0", "add-constant:1"],
        "family:level pairs of families never trained on",
        budget=True,
    )
    rl_steps: int = arg(100_000, "PPO env steps of every arm", budget=True, positive=True)
    sl_updates: int = arg(300, "supervised updates of the sl arms", budget=True, positive=True)
    sl_batch: int = arg(128, "tokens per supervised update", budget=True, positive=True)
    demos_per_entry: int = arg(
        64, "reference solutions per training entry (training-content instances)", budget=True, positive=True
    )
    eval_instances: int = arg(32, "instances per evaluation entry", budget=True, positive=True)
    max_program_length: int = arg(16, "program token cap (every held-out reference fits)", budget=True, positive=True)
    lr: float = arg(1e-3, "learning rate (PPO and supervised)", budget=True)
    scoring: str = arg(
        "binary", "RL training reward mode (evaluation is always binary)", budget=True, choices=mode_names()
    )

    @classmethod
    def quick(cls) -> RLvsSLArgs:
        return cls(
            seeds=[0],
            last_stage=1,
            rl_steps=256,
            sl_updates=4,
            sl_batch=32,
            demos_per_entry=2,
            eval_instances=2,
            num_envs=16,
            heldout_levels=["emit-char:2"],
            heldout_families=["increment-byte:0"],
        )

    def validate(self) -> None:
        if not self.seeds:
            raise ValueError("--seeds must name at least one seed")
        for name in ("heldout_levels", "heldout_families"):
            for item in getattr(self, name):
                family, _, level = str(item).partition(":")
                if not family or not level.isdigit():
                    raise ValueError(f"--{name.replace('_', '-')} items must be family:level, got {item!r}")
        check_heldout(self)


def training_entries(args: RLvsSLArgs) -> list[arms.Entry]:
    return arms.curriculum_entries(args.curriculum, args.last_stage, "bf")


def pairs(items: Sequence[str]) -> list[arms.Entry]:
    """family:level strings as Brainfuck entries."""
    return [arms.Entry(family, int(level), (), "bf") for family, _, level in (str(i).partition(":") for i in items)]


def check_heldout(args: RLvsSLArgs) -> None:
    """Held-out levels must be of training families and unseen; held-out families never trained; all must fit."""
    from curricula.base import make_task, reference_solution

    train = training_entries(args)
    families = {e.family for e in train}
    seen = {(e.family, e.level) for e in train}
    for entry in pairs(args.heldout_levels):
        if entry.family not in families or (entry.family, entry.level) in seen:
            raise ValueError(f"held-out level {entry.key} must be a training family at an untrained level")
    for entry in pairs(args.heldout_families):
        if entry.family in families:
            raise ValueError(f"held-out family {entry.family} is trained on (stages 0..{args.last_stage})")
    for entry in pairs(args.heldout_levels) + pairs(args.heldout_families):
        solution = reference_solution(make_task(entry.family, level=entry.level).instance(0, 0), "bf")
        if solution is None or len(solution) >= args.max_program_length:
            raise ValueError(
                f"{entry.key}: reference {solution!r} does not fit max_program_length {args.max_program_length}"
            )


def evaluation_sets(args: RLvsSLArgs) -> dict[str, tuple[list[arms.Entry], str]]:
    """Set name -> (entries, content part asked)."""
    return {
        "train_content": (training_entries(args), "train"),
        "heldout_content": (training_entries(args), "heldout"),
        # Never-trained levels and families: any content is unseen, so take their larger (training-content) part;
        # the held-out part of emit-char's levels is the single byte 2, which a spec-blind '++.' would pass.
        "heldout_levels": (pairs(args.heldout_levels), "train"),
        "heldout_families": (pairs(args.heldout_families), "train"),
    }


def evaluate_all(args: RLvsSLArgs, run) -> dict:
    net = arms.Net.of(args)
    return {
        name: arms.greedy_success(net, run, entries, args.eval_instances, content=content)
        for name, (entries, content) in evaluation_sets(args).items()
    }


def run_cell(args: RLvsSLArgs, store: CellStore, arm: str, seed: int) -> dict:
    def compute() -> dict:
        net = arms.Net.of(args)
        cell: dict = {"kind": "arm", "arm": arm, "seed": seed}
        rl_steps, init_from, seconds = args.rl_steps, None, 0.0
        if arm != "rl":
            started = time.perf_counter()
            sl = arms.supervised(
                net,
                training_entries(args),
                store.models / f"{arm}__s{seed}__sl",
                demos_per_entry=args.demos_per_entry,
                updates=args.sl_updates,
                batch_size=args.sl_batch,
                lr=args.lr,
                seed=seed,
            )
            seconds += time.perf_counter() - started
            cell.update(
                sl_tokens=sl.tokens,
                demo_programs=sl.demo_programs,
                demo_skipped=sl.demo_skipped,
                demo_steps=sl.demo_steps,
                sl_loss_first=sl.loss_first,
                sl_loss_last=sl.loss_last,
                after_sl=evaluate_all(args, sl.run),
            )
            init_from, cell["parameters"] = sl.run, sl.parameters
            if arm == "sl+rl-matched":
                rl_steps = max(0, args.rl_steps - sl.tokens)
        cell["rl_steps_budget"] = rl_steps
        final, curve, stage, programs = init_from, [], 0, 0
        if rl_steps > 0:
            trained = arms.train(
                net,
                arms.Curriculum(args.curriculum, args.last_stage, "bf"),
                store.models / f"{arm}__s{seed}",
                env_steps=rl_steps,
                seed=seed,
                lr=args.lr,
                scoring=args.scoring,
                num_envs=args.num_envs,
                init_from=init_from,
            )
            final, curve, stage, programs = trained.run, trained.curve, trained.stage_reached, trained.programs
            seconds += trained.seconds
            cell["parameters"] = trained.parameters
        cell.update(curve=curve, stage_reached=stage, programs=programs, final=evaluate_all(args, final))
        cell["seconds"] = seconds
        print(
            f"[{NAME}] {arm} seed {seed}: "
            + ", ".join(f"{s} {cell['final'][s]['success']:.2f}" for s in SETS)
            + f" ({seconds:.0f}s of training)",
            flush=True,
        )
        return cell

    return store.cell(f"{arm}__s{seed}", compute)


def chance_cell(args: RLvsSLArgs, store: CellStore) -> dict:
    def compute() -> dict:
        net = arms.Net.of(args)
        cell: dict = {"kind": "chance"}
        for name, (entries, content) in evaluation_sets(args).items():
            cell[name] = arms.chance_success(net, entries, args.eval_instances, content=content)["success"]
        return cell

    return store.cell("chance", compute)


def report(args: RLvsSLArgs, store: CellStore) -> dict:
    cells = {(c["arm"], c["seed"]): c for c in store.all() if c.get("kind") == "arm"}
    chance = store.load("chance") if store.has("chance") else {}
    summary: dict = {"args": dataclasses.asdict(args), "chance": chance, "arms": {}}
    rows = []
    for arm in args.arms:
        mine = [cells[(arm, s)] for s in args.seeds if (arm, s) in cells]
        stats: dict = {name: ci_summary([c["final"][name]["success"] for c in mine]) for name in SETS}
        for gap, against in (("gap_levels", "heldout_levels"), ("gap_families", "heldout_families")):
            stats[gap] = ci_summary(
                [c["final"]["train_content"]["success"] - c["final"][against]["success"] for c in mine]
            )
        stats.update(
            after_sl_heldout_content=[c["after_sl"]["heldout_content"]["success"] for c in mine if "after_sl" in c],
            rl_steps=[c["rl_steps_budget"] for c in mine],
            sl_tokens=[c.get("sl_tokens", 0) for c in mine],
            stage_reached=[c["stage_reached"] for c in mine],
            parameters=mine[0]["parameters"] if mine else None,
        )
        summary["arms"][arm] = stats
        rows.append(
            [
                arm,
                *(fmt_ci(stats[name]["per_seed"]) for name in (*SETS, "gap_levels", "gap_families")),
                stats["sl_tokens"][0] if mine else "",
                stats["rl_steps"][0] if mine else "",
                stats["stage_reached"],
            ]
        )
    rows.append(["chance (random masked)", *(fmt_percent(chance.get(s)) for s in SETS), "", "", "", "", ""])
    write_json(store.out / "results.json", summary)
    md = [
        f"# RL pretraining vs supervised pretraining ({run_label(args)} run)\n",
        f"Training entries: stages 0..{args.last_stage} of {args.curriculum}; held-out levels {args.heldout_levels}; "
        f"held-out families {args.heldout_families}. RL budget {args.rl_steps:,} env steps (PPO, lr {args.lr}, "
        f"{args.scoring} reward); supervised "
        f"{args.sl_updates} x {args.sl_batch} tokens; {args.eval_instances} instances per entry; seeds {args.seeds}. "
        "Cells: greedy success, mean [95% bootstrap CI] (per seed, %). Gap = train content - held-out set.\n",
        markdown_table(
            [
                "arm",
                "train content",
                "held-out content",
                "held-out levels",
                "held-out families",
                "gap (levels)",
                "gap (families)",
                "SL tokens",
                "RL steps",
                "stage reached",
            ],
            rows,
        ),
    ]
    after = {arm: summary["arms"][arm]["after_sl_heldout_content"] for arm in args.arms}
    md.append(
        "\nHeld-out-content success right after supervised pretraining (before RL): "
        + ", ".join(f"{a}: {fmt_ci(v)}" for a, v in after.items() if v)
        + "\n"
    )
    write_atomic(store.out / "results.md", "\n".join(md))

    plt = pyplot()
    fig, (bars, curves) = plt.subplots(1, 2, figsize=(12, 4))
    series = {arm: [summary["arms"][arm][s] for s in SETS] for arm in args.arms}
    ci_bars(bars, SETS, series, [chance.get(s, float("nan")) for s in SETS])
    for i, arm in enumerate(args.arms):
        for s in args.seeds:
            cell = cells.get((arm, s))
            if cell and cell["curve"]:
                xs = [c[0] + (cell.get("sl_tokens", 0) if arm == "sl+rl-matched" else 0) for c in cell["curve"]]
                curves.plot(
                    xs,
                    [c[2] for c in cell["curve"]],
                    color=f"C{i}",
                    alpha=0.7,
                    label=arm if s == args.seeds[0] else None,
                )
    bars.set_xticks(range(len(SETS)), [s.replace("_", " ") for s in SETS], fontsize=8)
    bars.set_ylabel("greedy success")
    bars.legend(fontsize=7)
    curves.set_xlabel("env steps (matched arm: supervised tokens added)")
    curves.set_ylabel("training success (sampled, per iteration)")
    curves.legend(fontsize=7)
    save_figure(fig, store.out / "rl_vs_supervised.png")
    return summary


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
        for arm in args.arms:
            run_cell(args, store, arm, seed)
    report(args, store)
    print(f"[{NAME}] done in {time.perf_counter() - started:.0f}s: {store.out / 'results.md'}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
