"""Summarise `scripts/train_bf_basics.py` runs: one row per seed and the mean per model, plus curves of every run.

    .venv/bin/python scripts/summarize_bf_basics.py runs/bf-basics --out docs/figures/bf_basics_seeds

Reads each run directory's `heldout.json` (the final greedy evaluation on
held-out content) and `progress.csv` (training log). Writes OUT.md (the
table: per run the wall time from start to the end of its evaluation, the
held-out success of each evaluated stage's new entry, and whether every
stage reached the target; per model the mean and range) and OUT.png
(curriculum stage and sampled training success against wall time, one
line per run). Runs without `heldout.json` (still training, or crashed)
are listed as such and left out of the means.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path


def find_runs(paths: list[str]) -> list[Path]:
    """Run directories named by `paths`, or found one level below them (a run holds config.json)."""
    runs: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if (path / "config.json").is_file():
            runs.append(path)
        elif path.is_dir():
            runs.extend(sorted(p for p in path.iterdir() if (p / "config.json").is_file()))
        else:
            raise ValueError(f"{raw!r} is neither a run directory (with config.json) nor a folder of them")
    return runs


def read_run(run: Path) -> dict:
    from agents.config import TrainConfig

    config = TrainConfig.load(run / "config.json")  # the nested form, or the old flat one of earlier runs
    heldout = json.loads((run / "heldout.json").read_text()) if (run / "heldout.json").is_file() else None
    # The floor the evaluated training used (a later --resume may have changed the run's config.json).
    if heldout is not None:
        floor = heldout.get("args", {}).get("exploration_floor", 0.0)  # absent: the script had no floor (0)
    else:
        floor = config.exploration_floor
    model = config.model.name + (" (jax)" if config.backend == "jax" else "")
    if floor:
        model += f" (floor {floor:g})"
    row = {"run": run, "model": model, "seed": config.seed, "heldout": heldout, "curve": []}
    if (run / "progress.csv").is_file():
        with (run / "progress.csv").open() as handle:
            row["curve"] = [
                (float(r["wall_s"]), int(r["stage"]), float(r["success"] or 0.0)) for r in csv.DictReader(handle)
            ]
    return row


def table(rows: list[dict]) -> str:
    finished = [r for r in rows if r["heldout"]]
    stages = max((len(r["heldout"]["stages"]) for r in finished), default=0)
    labels = []
    for number in range(stages):
        entries = next(r["heldout"]["stages"][number]["new_entries"] for r in finished)
        labels.append(" + ".join(e["label"] for e in entries))
    head = "| model | seed | wall time to end of eval (s) | " + " | ".join(labels) + " | every stage >= target |"
    lines = [head, "|" + "---|" * (4 + stages)]
    for model in sorted({r["model"] for r in rows}):
        runs = sorted((r for r in rows if r["model"] == model), key=lambda r: r["seed"])
        for r in runs:
            if not r["heldout"]:
                lines.append(f"| {model} | {r['seed']} | (no evaluation: {r['run'].name}) |" + " |" * (stages + 1))
                continue
            rates = [min(e["pass_rate"] for e in s["new_entries"]) for s in r["heldout"]["stages"]]
            cells = " | ".join(f"{rate:.0%}" for rate in rates)
            lines.append(
                f"| {model} | {r['seed']} | {r['heldout']['total_s']:.0f} | {cells} | "
                f"{'yes' if r['heldout']['passed'] else 'no'} |"
            )
        done = [r for r in runs if r["heldout"]]
        if done:
            times = [r["heldout"]["total_s"] for r in done]
            means = [
                sum(min(e["pass_rate"] for e in r["heldout"]["stages"][n]["new_entries"]) for r in done) / len(done)
                for n in range(stages)
            ]
            cells = " | ".join(f"{m:.0%}" for m in means)
            passed = sum(r["heldout"]["passed"] for r in done)
            lines.append(
                f"| **{model} mean of {len(done)}** | | {sum(times) / len(times):.0f} "
                f"(range {min(times):.0f}-{max(times):.0f}) | {cells} | {passed}/{len(done)} |"
            )
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (stage_axis, success_axis) = plt.subplots(1, 2, figsize=(12, 4.5))
    groups = sorted({r["model"] for r in rows})
    colors = {group: plt.get_cmap("tab10")(number % 10) for number, group in enumerate(groups)}
    styles = ["-", "--", ":", "-."]
    for r in rows:
        curve = r["curve"]
        if r["heldout"]:
            # Up to the evaluated checkpoint: a later --resume of the run is not part of this result.
            curve = [point for point in curve if point[0] <= r["heldout"]["trained_s"]]
        if not curve:
            continue
        wall, stage, success = zip(*curve)
        label = f"{r['model']} s{r['seed']}"
        style = dict(color=colors[r["model"]], linestyle=styles[r["seed"] % len(styles)], label=label)
        stage_axis.step(wall, stage, where="post", **style)
        success_axis.plot(wall, success, alpha=0.8, **style)
    stage_axis.set(xlabel="wall time (s)", ylabel="curriculum stage (bf-basics)", title="stage reached")
    success_axis.set(xlabel="wall time (s)", ylabel="sampled success (training)", title="training success")
    stage_axis.legend(fontsize=8)
    figure.tight_layout()
    from reasonenv.files import atomic_file

    with atomic_file(path, "wb") as handle:
        figure.savefig(handle, dpi=110, format="png")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", help="run directories, or folders holding them")
    parser.add_argument("--out", help="write OUT.md and OUT.png (default: print the table only)")
    args = parser.parse_args(argv)
    try:
        rows = [read_run(run) for run in find_runs(args.paths)]
    except ValueError as error:
        print(f"summarize_bf_basics: {error}", file=sys.stderr)
        return 2
    if not rows:
        print(f"summarize_bf_basics: no run directories under {args.paths}", file=sys.stderr)
        return 2
    text = table(rows)
    print(text)
    if args.out:
        from agents.run_dir import write_atomic

        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out.with_suffix(".md"), text)
        plot(rows, out.with_suffix(".png"))
        print(f"wrote {out.with_suffix('.md')} and {out.with_suffix('.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
