"""Experiment 2: RL pretraining from scratch against supervised pretraining on reference solutions, then PPO.

    .venv/bin/python scripts/exp_rl_vs_supervised.py --quick --out /tmp/exp_rl_sl   # smoke test, < 1 min
    .venv/bin/python scripts/exp_rl_vs_supervised.py --out runs/exp_rl_vs_supervised  # full mode, resumable

One architecture and parameter budget for every arm (the small-context
memory agent, agents.models `small-context`, same settings):

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
(resp. held-out-family) success. The `sl+rl` cell also records the
success right after supervised pretraining (before any RL).

Outputs under --out: cells/*.json (one per finished (arm, seed); rerunning
skips them), results.json, results.md, rl_vs_supervised.png.
"""

from __future__ import annotations

import dataclasses
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

ARMS = ("rl", "sl+rl", "sl+rl-matched")
SETS = ("train_content", "heldout_content", "heldout_levels", "heldout_families")


@dataclass
class RLvsSLArgs:
    out: str = arg("runs/exp_rl_vs_supervised", "output directory")
    arms: list = arg(list(ARMS), "arms: rl, sl+rl, sl+rl-matched")
    seeds: list = arg([0, 1, 2], "seeds (>= 3 for a claim)")
    curriculum: str = arg("bf-basics", "curriculum whose first stages are the training entries")
    last_stage: int = arg(5, "last stage trained (stages 0..last_stage)")
    heldout_levels: list = arg(
        ["emit-char:2", "emit-string:1", "echo-all:1"],
        "family:level pairs of training families at levels never trained on",
    )
    heldout_families: list = arg(
        ["increment-byte:0", "echo-twice-byte:0", "add-constant:1"], "family:level pairs of families never trained on"
    )
    rl_steps: int = arg(100_000, "PPO env steps of every arm")
    sl_updates: int = arg(300, "supervised updates of the sl arms")
    sl_batch: int = arg(128, "tokens per supervised update")
    demos_per_entry: int = arg(64, "reference solutions per training entry (training-content instances)")
    eval_instances: int = arg(32, "instances per evaluation entry")
    num_envs: int = arg(32, "envs stepped together")
    dim: int = arg(32, "model width")
    layers: int = arg(1, "transformer layers")
    window: int = arg(16, "W, the small window")
    max_program_length: int = arg(16, "program token cap (every held-out reference fits)")
    task_length: int = arg(64, "task observation length")
    lr: float = arg(1e-3, "learning rate (PPO and supervised)")
    scoring: str = arg(
        "binary", "RL training reward mode: binary, fraction, pqt or prefix (evaluation is always binary)"
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

    def validate(self) -> RLvsSLArgs:
        unknown = [a for a in self.arms if a not in ARMS]
        if unknown:
            raise ValueError(f"--arms has unknown arm(s) {unknown}; choose from {', '.join(ARMS)}")
        if self.scoring not in mode_names():
            raise ValueError(f"--scoring must be binary, fraction, pqt or prefix, got {self.scoring!r}")
        check_positive(
            self,
            "rl_steps",
            "sl_updates",
            "sl_batch",
            "demos_per_entry",
            "eval_instances",
            "num_envs",
            "dim",
            "layers",
            "window",
            "max_program_length",
            "task_length",
        )
        for name in ("heldout_levels", "heldout_families"):
            for item in getattr(self, name):
                family, _, level = str(item).partition(":")
                if not family or not level.isdigit():
                    raise ValueError(f"--{name.replace('_', '-')} items must be family:level, got {item!r}")
        if not self.seeds:
            raise ValueError("--seeds must name at least one seed")
        return self


BUDGET_FIELDS = (
    "curriculum",
    "last_stage",
    "heldout_levels",
    "heldout_families",
    "rl_steps",
    "sl_updates",
    "sl_batch",
    "demos_per_entry",
    "eval_instances",
    "dim",
    "layers",
    "window",
    "max_program_length",
    "task_length",
    "lr",
    "scoring",
)


def training_entries(args):
    from agents.experiment_trainer import Entry
    from curricula.schedulers import load_curriculum

    seen, entries = set(), []
    for stage in load_curriculum(args.curriculum).stages[: args.last_stage + 1]:
        for m in stage.mixture:
            key = (m.family, m.level, tuple(sorted(m.config.items())))
            if key not in seen:
                seen.add(key)
                entries.append(Entry(m.family, m.level, key[2], "bf"))
    return entries


def pairs(items):
    from agents.experiment_trainer import Entry

    return [Entry(family, int(level), (), "bf") for family, _, level in (str(i).partition(":") for i in items)]


def check_heldout(args) -> None:
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


def shape_of(args):
    from agents.experiment_trainer import Shape

    return Shape(task_length=args.task_length, max_program_length=args.max_program_length, num_actions=9)


def new_model(args):
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


def evaluate_all(model, args) -> dict:
    from agents.experiment_trainer import evaluate_entries, greedy_actions

    act, shape, n = greedy_actions(model), shape_of(args), args.eval_instances
    sets = {
        "train_content": evaluate_entries(act, training_entries(args), shape, n, content="train"),
        "heldout_content": evaluate_entries(act, training_entries(args), shape, n, content="heldout"),
        # Never-trained levels and families: any content is unseen, so take their larger (training-content) part;
        # the held-out part of emit-char's levels is the single byte 2, which a spec-blind '++.' would pass.
        "heldout_levels": evaluate_entries(act, pairs(args.heldout_levels), shape, n, content="train"),
        "heldout_families": evaluate_entries(act, pairs(args.heldout_families), shape, n, content="train"),
    }
    return {
        name: {"success": sum(r["rate"] for r in rows.values()) / len(rows), "entries": rows}
        for name, rows in sets.items()
    }


def run_cell(args, store: CellStore, arm: str, seed: int) -> dict:
    import torch

    from agents.experiment_trainer import (
        CurriculumSampler,
        PPOConfig,
        VecTokenEnv,
        demonstrations,
        ppo_train,
        supervised_train,
    )

    key = f"{arm}__s{seed}"
    if store.has(key):
        return store.load(key)
    torch.manual_seed(seed)
    model = new_model(args)
    started = time.perf_counter()
    cell = {"kind": "arm", "arm": arm, "seed": seed, "parameters": sum(p.numel() for p in model.parameters())}
    rl_steps = args.rl_steps
    if arm != "rl":
        demos, used, skipped = demonstrations(training_entries(args), shape_of(args), args.demos_per_entry, seed=seed)
        losses = supervised_train(
            model, demos, updates=args.sl_updates, batch_size=args.sl_batch, lr=args.lr, seed=seed
        )
        sl_tokens = args.sl_updates * min(args.sl_batch, len(demos))
        cell.update(
            sl_tokens=sl_tokens,
            demo_programs=used,
            demo_skipped=skipped,
            demo_steps=len(demos),
            sl_loss_first=losses[0],
            sl_loss_last=losses[-1],
            after_sl=evaluate_all(model, args),
        )
        if arm == "sl+rl-matched":
            rl_steps = max(0, args.rl_steps - sl_tokens)
    cell["rl_steps_budget"] = rl_steps
    curve, stage, programs = [], 0, 0
    if rl_steps > 0:
        sampler = CurriculumSampler(args.curriculum, "bf", last_stage=args.last_stage)
        venv = VecTokenEnv(sampler, args.num_envs, shape_of(args), seed=seed, scoring=args.scoring)
        log = ppo_train(model, venv, PPOConfig(lr=args.lr), env_steps=rl_steps, seed=seed)
        curve, stage, programs = log.curve, log.stage, log.programs
    cell.update(
        curve=curve,
        stage_reached=stage,
        programs=programs,
        final=evaluate_all(model, args),
        seconds=time.perf_counter() - started,
    )
    store.save(key, cell)
    final = cell["final"]
    print(
        f"[exp_rl_vs_supervised] {arm} seed {seed}: "
        + ", ".join(f"{s} {final[s]['success']:.2f}" for s in SETS)
        + f" ({cell['seconds']:.0f}s)",
        flush=True,
    )
    return cell


def chance_cell(args, store: CellStore) -> dict:
    from agents.experiment_trainer import evaluate_entries, random_actions

    if store.has("chance"):
        return store.load("chance")
    act, shape, n = random_actions(0), shape_of(args), args.eval_instances
    groups = {
        "train_content": (training_entries(args), "train"),
        "heldout_content": (training_entries(args), "heldout"),
        "heldout_levels": (pairs(args.heldout_levels), "train"),
        "heldout_families": (pairs(args.heldout_families), "train"),
    }
    cell = {"kind": "chance"}
    for name, (entries, content) in groups.items():
        rows = evaluate_entries(act, entries, shape, n, content=content)
        cell[name] = sum(r["rate"] for r in rows.values()) / len(rows)
    store.save("chance", cell)
    return cell


def report(args, store: CellStore) -> dict:
    cells = {(c["arm"], c["seed"]): c for c in store.all() if c.get("kind") == "arm"}
    chance = store.load("chance") if store.has("chance") else {}
    summary = {"args": dataclasses.asdict(args), "chance": chance, "arms": {}}
    rows = []
    for arm in args.arms:
        mine = [cells[(arm, s)] for s in args.seeds if (arm, s) in cells]
        entry = {name: [c["final"][name]["success"] for c in mine] for name in SETS}
        entry["gap_levels"] = [
            c["final"]["train_content"]["success"] - c["final"]["heldout_levels"]["success"] for c in mine
        ]
        entry["gap_families"] = [
            c["final"]["train_content"]["success"] - c["final"]["heldout_families"]["success"] for c in mine
        ]
        entry["after_sl_heldout_content"] = [
            c["after_sl"]["heldout_content"]["success"] for c in mine if "after_sl" in c
        ]
        entry["rl_steps"] = [c["rl_steps_budget"] for c in mine]
        entry["sl_tokens"] = [c.get("sl_tokens", 0) for c in mine]
        entry["stage_reached"] = [c["stage_reached"] for c in mine]
        entry["parameters"] = mine[0]["parameters"] if mine else None
        summary["arms"][arm] = {
            k: ({"per_seed": v, "ci95": bootstrap_ci(v)} if k in SETS + ("gap_levels", "gap_families") else v)
            for k, v in entry.items()
        }
        rows.append(
            [
                arm,
                *(fmt_ci(entry[name]) for name in SETS),
                fmt_ci(entry["gap_levels"]),
                fmt_ci(entry["gap_families"]),
                entry["sl_tokens"][0] if mine else "",
                entry["rl_steps"][0] if mine else "",
                entry["stage_reached"],
            ]
        )
    rows.append(
        [
            "chance (random masked)",
            *(f"{100 * chance[s]:.0f}%" if s in chance else "n/a" for s in SETS),
            "",
            "",
            "",
            "",
            "",
        ]
    )
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
    after = {arm: summary["arms"][arm].get("after_sl_heldout_content") for arm in args.arms}
    md.append(
        "\nHeld-out-content success right after supervised pretraining (before RL): "
        + ", ".join(f"{a}: {fmt_ci(v)}" for a, v in after.items() if v)
        + "\n"
    )
    write_atomic(store.out / "results.md", "\n".join(md))

    plt = pyplot()
    fig, (bars, curves) = plt.subplots(1, 2, figsize=(12, 4))
    width = 0.8 / max(1, len(args.arms))
    for i, arm in enumerate(args.arms):
        stats = summary["arms"][arm]
        means = [stats[s]["ci95"][0] for s in SETS]
        errors = [
            [max(0, m - stats[s]["ci95"][1]) if m == m else 0 for m, s in zip(means, SETS)],
            [max(0, stats[s]["ci95"][2] - m) if m == m else 0 for m, s in zip(means, SETS)],
        ]
        bars.bar(
            [j + (i - len(args.arms) / 2 + 0.5) * width for j in range(len(SETS))],
            means,
            width,
            yerr=errors,
            label=arm,
            capsize=2,
        )
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
    bars.scatter(
        range(len(SETS)),
        [chance.get(s, float("nan")) for s in SETS],
        marker="_",
        s=300,
        c="k",
        label="chance",
        zorder=5,
    )
    bars.set_xticks(range(len(SETS)), [s.replace("_", " ") for s in SETS], fontsize=8)
    bars.set_ylim(0, 1.05)
    bars.set_ylabel("greedy success")
    bars.legend(fontsize=7)
    curves.set_xlabel("env steps (matched arm: supervised tokens added)")
    curves.set_ylabel("training success (sampled, per iteration)")
    curves.legend(fontsize=7)
    save_figure(fig, store.out / "rl_vs_supervised.png")
    plt.close(fig)
    return summary


def main(argv=None) -> int:
    args = parse_args(RLvsSLArgs, __doc__.splitlines()[0], argv)
    try:
        check_heldout(args)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    torch_setup()
    store = CellStore(Path(args.out), args, BUDGET_FIELDS)
    started = time.perf_counter()
    chance_cell(args, store)
    for seed in args.seeds:
        for arm in args.arms:
            run_cell(args, store, arm, seed)
    report(args, store)
    print(
        f"[exp_rl_vs_supervised] done in {time.perf_counter() - started:.0f}s: {store.out / 'results.md'}", flush=True
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
