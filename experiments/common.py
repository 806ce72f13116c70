"""What the three experiment scripts share: arguments from a dataclass, resumable cells, bootstrap CIs, tables, figures.

    args = parse_args(TransferArgs, "scripts/exp_transfer.py: ...")
    store = CellStore(args.out)
    if not store.has(key): store.save(key, run_cell(...))     # a rerun skips finished cells
    mean, low, high = bootstrap_ci([0.9, 0.7, 0.8])

Arguments are a dataclass whose fields carry their help text
(`field(metadata={"help": ...})`) so `--help` lists every field with its
default; `--quick` swaps in the dataclass's `quick()` values. Every file
is written whole or not at all (temp file + os.replace).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def arg(default: Any, help: str):
    """A dataclass field with its --help text."""
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata={"help": help})
    return dataclasses.field(default=default, metadata={"help": help})


def _parse_list(kind, text: str) -> list:
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    return [kind(p) for p in parts]


def parse_args(cls, description: str, argv: Sequence[str] | None = None):
    """The dataclass `cls` filled from the command line; `--quick` applies `cls.quick()` before explicit flags.

    A bad value ends the program with one line naming the flag (argparse's exit 2).
    """
    # Each help text states its real default itself: argparse's defaults here are None (meaning "not given").
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="tiny budgets for a smoke test (under a minute)")
    defaults = cls()
    for f in dataclasses.fields(cls):
        flag = "--" + f.name.replace("_", "-")
        value = getattr(defaults, f.name)
        help_text = f.metadata.get("help", "")
        if isinstance(value, bool):
            parser.add_argument(
                flag, type=_bool, default=None, metavar="true|false", help=f"{help_text} (default {value})"
            )
        elif isinstance(value, list):
            kind = type(value[0]) if value else str
            parser.add_argument(
                flag,
                type=lambda t, k=kind: _parse_list(k, t),
                default=None,
                help=f"{help_text}; comma-separated (default {','.join(map(str, value))})",
            )
        else:
            kind = type(value) if value is not None else str
            parser.add_argument(flag, type=kind, default=None, help=f"{help_text} (default {value})")
    namespace = parser.parse_args(argv)
    base = cls.quick() if namespace.quick else cls()
    changes = {
        f.name: getattr(namespace, f.name) for f in dataclasses.fields(cls) if getattr(namespace, f.name) is not None
    }
    args = dataclasses.replace(base, **changes)
    try:
        args.validate()
    except ValueError as err:
        parser.error(str(err))
    return args


def _bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def run_label(args) -> str:
    """'quick' when the arguments are the --quick ones (whatever --out), else 'full-mode'."""
    return "quick" if dataclasses.replace(args, out=type(args).quick().out) == type(args).quick() else "full-mode"


def check_positive(args, *names: str) -> None:
    """ValueError naming the first field that is not a positive integer."""
    for name in names:
        value = getattr(args, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be a positive integer, got {value!r}")


# ----------------------------------------------------------------------------- files


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write the whole file or nothing: a temp file in the same directory, then os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; results are meant to be read by others
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True, default=_jsonable) + "\n")


def _jsonable(value: Any):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def save_figure(fig, path: Path) -> None:
    """Save a matplotlib figure as PNG atomically."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    write_atomic(path, buffer.getvalue())


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


class CellStore:
    """One JSON file per finished cell under OUT/cells/; a rerun with the same OUT skips them (resumable full mode).

    `config.json` records the arguments of the first run; a rerun whose
    budget-defining arguments differ is refused, so cells of two budgets
    never mix in one table.
    """

    def __init__(self, out: Path, args: Any, budget_fields: Iterable[str]):
        self.out = Path(out)
        self.cells = self.out / "cells"
        self.cells.mkdir(parents=True, exist_ok=True)
        current = dataclasses.asdict(args)
        config_path = self.out / "config.json"
        if config_path.is_file():
            previous = json.loads(config_path.read_text())
            changed = [n for n in budget_fields if previous.get(n) != current.get(n)]
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


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def torch_setup(threads: int = 1) -> None:
    """One torch thread: the machine is shared, and these models are too small to gain from more."""
    import torch

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set in this process
        pass


def quiet():
    """A context that swallows stdout (agents.models prints a parameter count per model built)."""
    import contextlib
    import io

    return contextlib.redirect_stdout(io.StringIO())
