"""Plot the greedy held-out probe (progress.csv's probe_heldout) over wall time for one or more runs, into a PNG.

    python scripts/plot_heldout_curve.py runs/a runs/b -o heldout.png
    python scripts/plot_heldout_curve.py runs/a/progress.csv --entries -o heldout.png   # one line per probed entry too
    python scripts/plot_heldout_curve.py runs/a --x timesteps -o heldout.png

Each run is a run directory or its progress.csv (written by agents.loop with
TrainConfig.probe_every > 0). Iterations without a probe have empty probe
cells and are skipped; a run with no probe at all is named on stderr and
left out. `--entries` adds the per-entry columns (`probe/<entry key>`),
dashed, including entries probed on training content because they hold
nothing out (listed in the probe_fallback column). Needs matplotlib (the
`plot` or `train` extra).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from agents import run_dir as rd
from agents.probe import ENTRY_PREFIX

X_AXES = {"wall_s": ("wall time (minutes)", 1 / 60), "timesteps": ("env steps", 1.0), "iteration": ("iteration", 1.0)}


def read_rows(path: Path) -> list[dict]:
    """progress.csv rows of a run directory or of a progress.csv file; ValueError naming the path otherwise."""
    folder = path if path.is_dir() else path.parent
    if not path.exists():
        raise ValueError(f"{str(path)!r} does not exist; give a run directory or its progress.csv")
    if path.is_dir() and not (path / rd.PROGRESS).is_file():
        raise ValueError(f"{str(path)!r} has no {rd.PROGRESS}; give a run directory or its progress.csv")
    if not path.is_dir() and path.name != rd.PROGRESS:
        raise ValueError(f"{str(path)!r} is not a {rd.PROGRESS}; give a run directory or its progress.csv")
    return rd.read_progress(folder)


def curve(rows: list[dict], column: str, x: str) -> tuple[list[float], list[float]]:
    """(x values, column values) of the rows where the column has a number."""
    points = [
        (float(r[x]), float(r[column]))
        for r in rows
        if isinstance(r.get(column), (int, float)) and r.get(x) is not None
    ]
    return [p[0] for p in points], [p[1] for p in points]


def plot(runs: list[Path], output: Path, *, x: str = "wall_s", entries: bool = False, title: str | None = None) -> int:
    """Write the PNG; returns how many runs had a probe (0: nothing written)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    label, scale = X_AXES[x]
    figure, axis = plt.subplots(figsize=(8, 4.5))
    plotted = 0
    for path in runs:
        rows = read_rows(path)
        name = (path if path.is_dir() else path.parent).name
        xs, ys = curve(rows, "probe_heldout", x)
        if not xs:
            print(
                f"{path}: no probe_heldout values (probe off, or no entry with held-out content yet)", file=sys.stderr
            )
            continue
        plotted += 1
        (line,) = axis.plot([v * scale for v in xs], ys, marker="o", markersize=3, label=f"{name}: held-out mean")
        if entries:
            columns = sorted({key for row in rows for key in row if key.startswith(ENTRY_PREFIX)})
            for column in columns:
                ex, ey = curve(rows, column, x)
                if ex:
                    short = column[len(ENTRY_PREFIX) :]
                    axis.plot(
                        [v * scale for v in ex], ey, linestyle="--", linewidth=1, alpha=0.7, label=f"{name}: {short}"
                    )
    if not plotted:
        plt.close(figure)
        return 0
    axis.set_xlabel(label)
    axis.set_ylabel("greedy success")
    axis.set_ylim(-0.02, 1.02)
    axis.grid(alpha=0.3)
    axis.set_title(title or "greedy held-out probe")
    axis.legend(fontsize=7, loc="best")
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=120)
    plt.close(figure)
    return plotted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run directories or their progress.csv files")
    parser.add_argument("-o", "--output", type=Path, default=Path("heldout_curve.png"), help="the PNG to write")
    parser.add_argument("--x", choices=sorted(X_AXES), default="wall_s", help="x axis (default wall_s, in minutes)")
    parser.add_argument("--entries", action="store_true", help="also one dashed line per probed entry")
    parser.add_argument("--title", default=None)
    args = parser.parse_args(argv)
    try:
        plotted = plot(args.runs, args.output, x=args.x, entries=args.entries, title=args.title)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not plotted:
        print("error: no run has probe_heldout values; nothing written", file=sys.stderr)
        return 1
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
