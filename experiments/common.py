"""What the three experiments share, written once: arguments, files written whole, the cell store, statistics, tables, figures.

    @dataclass
    class MyArgs(ExperimentArgs):
        steps: int = arg(1000, "PPO env steps per cell", budget=True, positive=True)

    args = parse_args(MyArgs, "what it asks", argv)        # --help lists every field with its help and default
    store = CellStore(args.out, args)                      # refuses an --out that holds cells of another budget
    cell = store.cell("arm__s0", lambda: {...})             # computed once; a rerun loads it
    mean, low, high = bootstrap_ci([0.9, 0.7, 0.8])

Arguments are a dataclass (CleanRL style): each field's `arg(default, help)`
becomes a flag with that help text; `--quick` swaps in the class's
`quick()` values before explicit flags apply. Field metadata states the
checks every experiment wants (`positive`, `choices`) and which fields
define a budget (`budget`: cells of two budgets never mix in one store); a
bad value ends the program with one line naming the flag (exit status 2).

Every file is written whole or not at all (a temp file in the same folder,
then os.replace), so a run killed at any moment leaves finished cells and no
half-written one, and the next run with the same --out resumes there.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from reasonenv.files import write_atomic

Args = TypeVar("Args")

# ----------------------------------------------------------------------------- arguments


def arg(
    default: Any, help: str, *, budget: bool = False, positive: bool = False, choices: Sequence[Any] | None = None
) -> Any:
    """A dataclass field with its --help text.

    budget: the field defines the cells' budget (CellStore refuses to mix two);
    positive: an integer >= 1 (every item of a list field);
    choices: the allowed values (every item of a list field).
    """
    metadata = {"help": help, "budget": budget, "positive": positive, "choices": choices}
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclass
class ExperimentArgs:
    """The arguments every experiment has: where it writes, and the size and observation shape of its agents."""

    out: str = arg("runs/experiment", "output directory (cells, models, results.json/.md, a PNG)")
    num_envs: int = arg(32, "envs stepped together", positive=True)
    dim: int = arg(32, "model width (every arm)", budget=True, positive=True)
    layers: int = arg(1, "transformer layers", budget=True, positive=True)
    window: int = arg(16, "W, the small window (memory and window arms)", budget=True, positive=True)
    max_program_length: int = arg(16, "program token cap", budget=True, positive=True)
    task_length: int = arg(64, "task observation length", budget=True, positive=True)

    @classmethod
    def quick(cls):
        """The --quick values: tiny budgets for a smoke test."""
        return cls()

    def validate(self) -> None:
        """Checks beyond the field metadata's; ValueError names the flag."""


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def parse_args(cls: type[Args], module_doc: str | None, argv: Sequence[str] | None = None, *, prog: str) -> Args:
    """The dataclass `cls` filled from the command line; `--quick` applies `cls.quick()` before explicit flags.

    `module_doc`'s first line describes the program in --help; `prog` is how
    it is run (`python -m experiments.transfer`). A bad value ends the
    program with one line naming the flag (argparse's exit 2).
    """
    # Each help text states its real default itself: argparse's defaults here are None (meaning "not given").
    parser = argparse.ArgumentParser(prog=prog, description=(module_doc or "").strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny budgets for a smoke test (a few minutes)")
    factory: Any = cls  # a dataclass with quick() and validate() (ExperimentArgs' protocol)
    defaults = factory()
    fields = dataclasses.fields(factory)
    for f in fields:
        value = getattr(defaults, f.name)
        help_text = f.metadata.get("help", "")
        choices = f.metadata.get("choices")
        if choices is not None and len(choices) <= 8:
            help_text += f" ({', '.join(choices)})"
        if isinstance(value, bool):
            parser.add_argument(
                flag(f.name), type=_bool, default=None, metavar="true|false", help=f"{help_text} (default {value})"
            )
        elif isinstance(value, list):
            kind = type(value[0]) if value else str
            parser.add_argument(
                flag(f.name),
                type=functools.partial(_parse_list, kind),
                default=None,
                help=f"{help_text}; comma-separated (default {','.join(map(str, value))})",
            )
        else:
            kind = type(value) if value is not None else str
            parser.add_argument(flag(f.name), type=kind, default=None, help=f"{help_text} (default {value})")
    namespace = parser.parse_args(argv)
    base = factory.quick() if namespace.quick else factory()
    changes = {f.name: getattr(namespace, f.name) for f in fields if getattr(namespace, f.name) is not None}
    args = dataclasses.replace(base, **changes)
    try:
        check_fields(args)
        args.validate()
    except ValueError as err:
        parser.error(str(err))
    return args


def check_fields(args: Any) -> None:
    """ValueError naming the first field whose value breaks its metadata (`positive`, `choices`)."""
    for f in dataclasses.fields(args):
        value = getattr(args, f.name)
        items = value if isinstance(value, list) else [value]
        if f.metadata.get("positive"):
            bad = [v for v in items if isinstance(v, bool) or not isinstance(v, int) or v < 1]
            if bad or not items:
                raise ValueError(f"{flag(f.name)} must be a positive integer, got {bad[0] if bad else value!r}")
        choices = f.metadata.get("choices")
        if choices is not None:
            unknown = [v for v in items if v not in choices]
            if unknown:
                raise ValueError(f"{flag(f.name)} has unknown value(s) {unknown}; choose from {', '.join(choices)}")
            if not items:
                raise ValueError(f"{flag(f.name)} must name at least one of {', '.join(choices)}")


def _parse_list(kind: type, text: str) -> list:
    return [kind(p) for p in re.split(r"[,\s]+", text.strip()) if p]


def _bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def budget_fields(args: Any) -> list[str]:
    """The names of the fields marked `budget=True`."""
    return [f.name for f in dataclasses.fields(args) if f.metadata.get("budget")]


def run_label(args: Any) -> str:
    """'quick' when the arguments are the --quick ones (whatever --out), else 'full-mode'."""
    quick = type(args).quick()
    return "quick" if dataclasses.replace(args, out=quick.out) == quick else "full-mode"


# ----------------------------------------------------------------------------- files


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True, default=_jsonable) + "\n")


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class CellStore:
    """One JSON file per finished cell under OUT/cells/; a rerun with the same OUT loads them (resumable full mode).

    `config.json` records the arguments of the first run; a rerun whose
    budget fields (`arg(..., budget=True)`) differ is refused with one line,
    so cells of two budgets never mix in one table. Trained weights live in
    run directories under OUT/models/ (experiments.arms writes them).
    """

    def __init__(self, out: str | Path, args: Any):
        self.out = Path(out)
        self.cells = self.out / "cells"
        self.models = self.out / "models"
        self.cells.mkdir(parents=True, exist_ok=True)
        current = dataclasses.asdict(args)
        config_path = self.out / "config.json"
        if config_path.is_file():
            previous = json.loads(config_path.read_text())
            changed = [n for n in budget_fields(args) if previous.get(n) != current.get(n)]
            if changed:
                raise SystemExit(
                    f"error: {self.out} holds cells of another budget ({', '.join(changed)} differ: "
                    f"{ {n: previous.get(n) for n in changed} }); use another --out"
                )
        else:
            write_json(config_path, current)

    def path(self, key: str) -> Path:
        return self.cells / (re.sub(r"[^A-Za-z0-9_.+=-]+", "_", key) + ".json")

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def load(self, key: str) -> dict:
        return json.loads(self.path(key).read_text())

    def save(self, key: str, data: dict) -> None:
        write_json(self.path(key), data)

    def cell(self, key: str, compute: Callable[[], dict], *, kept: Callable[[], bool] | None = None) -> dict:
        """The stored cell `key`, or compute it, store it whole and return it.

        `kept`: what else the cell needs to count as finished (e.g. that the
        weights it trained are still there); when it says False, recompute.
        """
        if self.has(key) and (kept is None or kept()):
            return self.load(key)
        data = compute()
        self.save(key, data)
        return data

    def all(self) -> list[dict]:
        return [json.loads(p.read_text()) for p in sorted(self.cells.glob("*.json"))]


# ----------------------------------------------------------------------------- statistics


def bootstrap_ci(
    values: Sequence[float], *, draws: int = 2000, level: float = 0.95, seed: int = 0
) -> tuple[float, float, float]:
    """(mean, low, high): percentile bootstrap of the mean over `values` (e.g. one per seed); NaNs dropped."""
    data = np.asarray([v for v in values if v is not None and not math.isnan(v)], float)
    if data.size == 0:
        return math.nan, math.nan, math.nan
    if data.size == 1:
        return float(data[0]), float(data[0]), float(data[0])
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(draws, data.size))].mean(1)
    tail = (1 - level) / 2
    return float(data.mean()), float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def ci_summary(values: Sequence[float]) -> dict:
    """{per_seed, mean, ci95: [low, high]}: how results.json states a quantity measured once per seed."""
    mean, low, high = bootstrap_ci(values)
    return {"per_seed": list(values), "mean": mean, "ci95": [low, high]}


def mean_rate(per_entry: Mapping[str, Mapping[str, Any]]) -> float:
    """The mean of the entries' pass rates (every entry weighs the same, whatever its instance count)."""
    return sum(r["rate"] for r in per_entry.values()) / len(per_entry)


# ----------------------------------------------------------------------------- tables


def fmt_ci(values: Sequence[float], percent: bool = True) -> str:
    """'mean [low, high] (v1, v2, v3)' for a table cell."""
    mean, low, high = bootstrap_ci(values)
    if math.isnan(mean):
        return "n/a"
    scale, unit = (100, "%") if percent else (1, "")
    each = ", ".join(
        "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{scale * v:.0f}" for v in values
    )
    return f"{scale * mean:.0f}{unit} [{scale * low:.0f}, {scale * high:.0f}] ({each})"


def fmt_percent(value: float | None) -> str:
    """'42%', or 'n/a' for a missing value."""
    return "n/a" if value is None or math.isnan(value) else f"{100 * value:.0f}%"


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- figures


def pyplot():
    """matplotlib.pyplot on the file-only Agg backend (imported here: --help needs no matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: Path) -> None:
    """Save a matplotlib figure as PNG atomically, then close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    write_atomic(path, buffer.getvalue())
    pyplot().close(fig)


def ci_bars(ax: Any, groups: Sequence[str], series: Mapping[str, Sequence[dict]], chance: Sequence[float]) -> None:
    """Grouped bars, one series per arm, each bar a `ci_summary` dict drawn as its mean with the 95% CI; chance as ticks."""
    width = 0.8 / max(1, len(series))
    for i, (label, stats) in enumerate(series.items()):
        means = [s["mean"] for s in stats]
        # A missing cell (NaN mean) draws no bar and no error bar.
        errors = [
            [max(0.0, m - s["ci95"][0]) if m == m else 0.0 for m, s in zip(means, stats)],
            [max(0.0, s["ci95"][1] - m) if m == m else 0.0 for m, s in zip(means, stats)],
        ]
        xs = [j + (i - len(series) / 2 + 0.5) * width for j in range(len(groups))]
        ax.bar(xs, means, width, yerr=errors, label=label, capsize=2)
    ax.scatter(range(len(groups)), list(chance), marker="_", s=300, c="k", label="chance", zorder=5)
    ax.set_ylim(0, 1.05)
