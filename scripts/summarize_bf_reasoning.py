"""Summarise scripts/train_bf_reasoning.py runs as the ablation table of docs/training.md and a held-out curve plot.

    .venv/bin/python scripts/summarize_bf_reasoning.py runs/bf-reasoning/T1-* --plot docs/figures/bf_reasoning_t1.png

One row per run directory: the part switched off and the backend (from
the run directory's name), its seed, where the curriculum ended, the first wall time at
which the greedy held-out probe of the target entry reached the target's
bar (the probe plays 32 fixed held-out instances every 5 iterations), and
the final evaluation (100 held-out instances of the target entry, in bf
and zero-shot in an unseen dialect). A run without target.json (still
running, or killed) is listed with what its progress.csv holds.

A second table measures each run's stability from progress.csv: how many
times sampled success fell by more than DROP within DROP_ITERATIONS
iterations of one stage (a collapse; counted per starting iteration, so a
long fall counts more than once), the PPO step's largest and mean
approximate KL, how many of those falls followed a KL spike (an update
above SPIKE x the run's median KL among the updates the fall spans) against
the share of all such windows of updates that hold a spike, the
mean clip fraction, the mean share of PPO minibatch steps taken (below 1
only under the KL early stop, PPOSettings.target_kl; "—" for runs from
before the column), and the mean episode length over the last 20
iterations.

`--stages` adds a table of when each run entered each curriculum stage
(its first row there) and the greedy probe of the stage's new entry at
its last probe in that stage (the entry whose probe column first holds a
value there); `--plot-entries PNG` draws every entry's probe curve, one
panel per run, with the stage entries marked: the stepping stones of a T3
run, not only its target.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
from pathlib import Path

PROBE_COLUMNS = {
    "T1": ("probe/emit-char@L4@bf",),
    "T2": ('probe/emit-string@{"length":2,"max_value":7}@bf', 'probe/emit-string@{"length":3,"max_value":7}@bf'),
    "T3": ('probe/reverse-bytes@{"max_length":8}@bf',),
}
"""The progress columns of each target's entries: the probe is "at the bar" when all of them are."""
BARS = {"T1": 0.9, "T2": 0.8, "T3": 0.8}
DROP = 0.3
DROP_ITERATIONS = 3
SPIKE = 10.0
"""A PPO update whose approximate KL exceeds SPIKE x the run's median KL is a spike."""


@functools.cache
def progress_rows(run: Path) -> list[dict]:
    """The rows of a run's progress.csv ([] without one), read once however many tables and plots use them."""
    path = run / "progress.csv"
    if not path.is_file():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _number(row: dict, key: str) -> float | None:
    value = row.get(key, "")
    return float(value) if value not in ("", None) else None


def stability(rows: list[dict]) -> dict:
    """Collapses of sampled success, KL, clip fraction and the final mean length of one run's progress rows."""
    kl = [v for v in (_number(r, "kl") for r in rows) if v is not None]
    median = sorted(kl)[len(kl) // 2] if kl else float("nan")
    drops = after_spike = 0
    for start, (before, after) in enumerate(zip(rows, rows[DROP_ITERATIONS:])):
        a, b = _number(before, "success"), _number(after, "success")
        if before.get("stage") == after.get("stage") and a is not None and b is not None and a - b > DROP:
            drops += 1
            # a row's success was sampled before its own update: the fall comes from the updates of rows start..
            updates = [_number(r, "kl") for r in rows[start : start + DROP_ITERATIONS]]
            after_spike += any(v is not None and v > SPIKE * median for v in updates)
    # The base rate: the share of all windows of DROP_ITERATIONS updates that hold a spike, fall or not.
    spans = [
        [_number(r, "kl") for r in rows[start : start + DROP_ITERATIONS]]
        for start in range(len(rows) - DROP_ITERATIONS)
    ]
    spiked = sum(any(v is not None and v > SPIKE * median for v in span) for span in spans)
    clip = [v for v in (_number(r, "clip_fraction") for r in rows) if v is not None]
    applied = [v for v in (_number(r, "updates_applied") for r in rows) if v is not None]
    lengths = [v for v in (_number(r, "mean_length") for r in rows[-20:]) if v is not None]
    mean = lambda values: sum(values) / len(values) if values else float("nan")  # noqa: E731
    return {
        "iterations": len(rows),
        "drops": drops,
        "after_spike": after_spike,
        "spike_rate": spiked / len(spans) if spans else float("nan"),
        "kl_max": max(kl) if kl else float("nan"),
        "kl_mean": mean(kl),
        "clip_mean": mean(clip),
        "applied_mean": mean(applied) if applied else None,
        "length_last": mean(lengths),
    }


def stage_names(run: Path, rows: list[dict]) -> dict[int, str]:
    """Stage number -> name: from the run's curriculum (config.json), else from the names its rows hold."""
    names = {int(row["stage"]): row.get("stage_name", "") for row in rows if row.get("stage", "") != ""}
    try:
        from curricula.schedulers import load_curriculum

        curriculum = load_curriculum(json.loads((run / "config.json").read_text())["curriculum"])
        names.update(enumerate(stage.name for stage in getattr(curriculum, "stages", [])))
    except (OSError, ValueError, KeyError):
        pass  # a run without its config or curriculum: the rows' names
    return names


def stage_after(run: Path, names: dict[int, str]) -> str | None:
    """The curriculum stage in the run's newest complete checkpoint ("N name", the name when a row named it), or
    None without one."""
    from agents import run_dir as rd

    checkpoint = rd.latest_checkpoint(run)
    if checkpoint is None:
        return None
    scheduler, _ = rd.read_checkpoint_state(checkpoint)
    stage = int(scheduler.get("stage", 0))
    return f"{stage} {names.get(stage, '')}".strip()


def summarize(run: Path) -> dict:
    rows = progress_rows(run)
    done = json.loads((run / "target.json").read_text()) if (run / "target.json").is_file() else None
    name = run.name
    target, rest = name.split("__")[0].split("-", 1)  # TARGET-ABLATION-BACKEND; an ablation may hold a dash
    ablate, backend = rest.rsplit("-", 1)
    seed = name.split("__s")[1].split("__")[0] if "__s" in name else "?"
    bar = BARS.get(target, 0.9)
    reached = None
    for row in rows:
        values = [row.get(column, "") for column in PROBE_COLUMNS.get(target, ())]
        if values and all(v != "" and float(v) >= bar for v in values):
            reached = float(row["wall_s"])
            break
    final: dict[str, list[str]] = {}
    for entry in (done or {}).get("rows", []):  # one per target entry (T2 has two), in the target's stage order
        final.setdefault(entry.get("language", "bf"), []).append(f"{entry['passed']}/{entry['episodes']}")
    last = rows[-1] if rows else {}
    stage = f"{last.get('stage', '?')} {last.get('stage_name', '')}".strip()
    after = stage_after(run, stage_names(run, rows))
    if after is not None:  # the last row holds the stage it trained on; its probe may have promoted past it since
        stage = after
    return {
        "run": name,
        "target": target,
        "off": "—" if ablate == "none" else ablate,
        "backend": backend,
        "seed": seed,
        "stage": stage,
        "wall_s": float(last.get("wall_s", "nan") or "nan"),
        "reached_s": reached,
        "final_bf": " and ".join(final.get("bf", ["—"])),
        "final_dialect": next((" and ".join(v) for k, v in final.items() if k != "bf"), "—"),
    }


def stage_entries(rows: list[dict]) -> list[dict]:
    """One dict per stage a run trained on, in order: stage, name, entered_s (its first row's wall_s), entry (the
    probe column that first holds a value in that stage: its new entry, or None) and left_probe (that column's last
    value in the stage, or None)."""
    stages: list[dict] = []
    seen: set[str] = set()
    for row in rows:
        if not stages or row.get("stage") != stages[-1]["stage"]:
            stages.append(
                {"stage": row.get("stage"), "name": row.get("stage_name", ""), "entered_s": float(row["wall_s"]),
                 "entry": None, "left_probe": None}
            )  # fmt: skip
        current = stages[-1]
        for column, value in row.items():
            if column.startswith("probe/") and value not in ("", None) and column not in seen:
                seen.add(column)
                current["entry"] = current["entry"] or column
        if current["entry"] and row.get(current["entry"], "") != "":
            current["left_probe"] = float(row[current["entry"]])
    return stages


def print_stage_table(runs: list[Path]) -> None:
    entries = {run: stage_entries(progress_rows(run)) for run in runs}
    order: list[str] = []
    for stages in entries.values():
        order += [s["name"] for s in stages if s["name"] not in order]
    print("| stage | " + " | ".join(run.name for run in runs) + " |")
    print("|---|" + "---|" * len(runs))
    for name in order:
        cells = []
        for run in runs:
            stage = next((s for s in entries[run] if s["name"] == name), None)
            if stage is None:
                cells.append("not reached")
                continue
            probe = "" if stage["left_probe"] is None else f" ({stage['left_probe']:.2f})"
            cells.append(f"{stage['entered_s']:.0f}{probe}")
        print(f"| {name} | " + " | ".join(cells) + " |")


def plot_entries(runs: list[Path], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(len(runs), 1, figsize=(12, 3.8 * len(runs)), squeeze=False)
    colors = plt.get_cmap("tab20").colors
    for axis, run in zip(axes[:, 0], runs):
        rows = progress_rows(run)
        columns = [c for c in rows[0] if c.startswith("probe/")] if rows else []
        for index, column in enumerate(columns):
            points = [(float(r["wall_s"]), float(r[column])) for r in rows if r.get(column, "") != ""]
            if points:
                label = column.split("/", 1)[1].removesuffix("@bf")
                axis.plot(*zip(*points), marker=".", markersize=3, linewidth=1, color=colors[index % 20], label=label)
        for stage in stage_entries(rows)[1:]:
            axis.axvline(stage["entered_s"], color="grey", linewidth=0.5, linestyle="--")
            axis.text(stage["entered_s"], 1.03, stage["name"], rotation=90, fontsize=6, va="bottom")
        axis.set_title(run.name.split("__20")[0], fontsize=8, pad=48)
        axis.set_xlabel("wall seconds (2 shared CPU cores)")
        axis.set_ylabel("greedy held-out probe")
        axis.set_ylim(-0.02, 1.02)
        axis.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)


def plot(runs: list[Path], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4))
    for run in runs:
        rows = progress_rows(run)
        target = run.name.split("-")[0]
        label = run.name.split("__20")[0]
        mean = [(float(r["wall_s"]), float(r["probe_heldout"])) for r in rows if r.get("probe_heldout", "") != ""]
        line = axis.plot(*zip(*mean), linestyle=":", label=f"{label}: current stage's entries") if mean else None
        for column in PROBE_COLUMNS.get(target, ()):
            points = [(float(r["wall_s"]), float(r[column])) for r in rows if r.get(column, "") != ""]
            if points:
                color = line[0].get_color() if line else None
                axis.plot(*zip(*points), marker=".", color=color, label=f"{label}: {column.split('/', 1)[1]}")
    axis.set_xlabel("wall seconds (2 shared CPU cores)")
    axis.set_ylabel("greedy held-out success (probe)")
    axis.set_ylim(-0.02, 1.02)
    for bar in sorted({BARS.get(run.name.split("-")[0], 0.9) for run in runs}):
        axis.axhline(bar, color="grey", linewidth=0.5)
    axis.legend(fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="run directories of scripts/train_bf_reasoning.py")
    parser.add_argument("--plot", type=Path, default=None, help="write the probe curves of the runs to this PNG")
    parser.add_argument(
        "--stages", action="store_true", help="also print when each run entered each stage, and its new entry's probe"
    )
    parser.add_argument(
        "--plot-entries", type=Path, default=None, help="write every entry's probe curve, a panel per run, to this PNG"
    )
    args = parser.parse_args(argv)
    runs = [run for run in args.runs if (run / "progress.csv").is_file()]
    if not runs:
        parser.error(f"none of {[str(r) for r in args.runs]} is a run directory with a progress.csv")
    print(
        "| target | part off | backend | seed | stage at the end | wall s | probe >= bar at s | final held-out, bf | "
        "zero-shot dialect |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for run in runs:
        s = summarize(run)
        reached = f"{s['reached_s']:.0f}" if s["reached_s"] is not None else "not reached"
        print(
            f"| {s['target']} | {s['off']} | {s['backend']} | {s['seed']} | {s['stage']} | {s['wall_s']:.0f} | {reached} | "
            f"{s['final_bf']} | {s['final_dialect']} |"
        )
    print()
    print(
        f"| run | iterations | success drops > {DROP} within {DROP_ITERATIONS} iterations | of them after a KL spike "
        f"(> {SPIKE:g}x median) | windows with a spike, any | KL max | KL mean | clip fraction mean | steps taken "
        "(KL stop) | mean length, last 20 iterations |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for run in runs:
        t = stability(progress_rows(run))
        print(
            f"| {run.name} | {t['iterations']} | {t['drops']} | {t['after_spike']} | {t['spike_rate']:.2f} | {t['kl_max']:.3f} | {t['kl_mean']:.3f} | "
            f"{t['clip_mean']:.3f} | {'—' if t['applied_mean'] is None else format(t['applied_mean'], '.2f')} | "
            f"{t['length_last']:.1f} |"
        )
    if args.stages:
        print()
        print_stage_table(runs)
    if args.plot is not None:
        plot(runs, args.plot)
        print(f"plot: {args.plot}")
    if args.plot_entries is not None:
        plot_entries(runs, args.plot_entries)
        print(f"plot: {args.plot_entries}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
