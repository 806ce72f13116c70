"""A training run as one directory: config, checkpoints with scheduler state, progress CSV, TensorBoard, plot, summary.

    RUN/
      config.json                  the TrainConfig as written (validated)
      progress.csv                 one row per iteration (rewritten whole, atomically)
      tensorboard/                 event files (charts/..., losses/..., curriculum/...)
      checkpoints/
        iter_000020/algorithm/     Algorithm.save_to_path
        iter_000020/scheduler.json the driver's curriculum scheduler state
        iter_000020/progress.json  iteration, timesteps, wall time at the checkpoint
        latest.json                {"checkpoint": "iter_000020"} (written last: a checkpoint exists once named here)
      learning_curve.png, summary.md   at the end

Every file is written whole or not at all (reasonenv.files: temp file + os.replace); a
checkpoint directory is built under a temporary name and renamed, so a
`kill -9` at any moment leaves the previous checkpoint usable.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from reasonenv.files import atomic_directory, atomic_file, write_atomic  # write_atomic: also run_dir's public name

CONFIG = "config.json"
PROGRESS = "progress.csv"
CHECKPOINTS = "checkpoints"
LATEST = "latest.json"
SCHEDULER = "scheduler.json"
PROGRESS_STATE = "progress.json"
ALGORITHM = "algorithm"
CURVE = "learning_curve.png"
SUMMARY = "summary.md"
MODULE_PATH = ("learner_group", "learner", "rl_module", "default_policy")
"""Where an RLlib algorithm checkpoint keeps the RL module."""
POLICY_FILE = "jax_policy.json"
"""What the JAX backend writes beside its weights: how to rebuild the model."""
STATE_DIR = "state"
"""The JAX backend's orbax PyTree folder inside algorithm/."""


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def is_run_dir(path: Path) -> bool:
    return (Path(path) / CONFIG).is_file()


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest complete checkpoint of a run, or None."""
    pointer = Path(run_dir) / CHECKPOINTS / LATEST
    if not pointer.is_file():
        return None
    name = json.loads(pointer.read_text())["checkpoint"]
    path = Path(run_dir) / CHECKPOINTS / name
    return path if (path / ALGORITHM).is_dir() else None


def resolve_checkpoint(path: str | Path) -> Path:
    """A checkpoint directory from a run directory, a checkpoint directory, or its algorithm/ folder; ValueError otherwise."""
    path = Path(path)
    if not path.exists():
        raise ValueError(
            f"{str(path)!r} does not exist; give a run directory (with {CONFIG}) or one of its checkpoints"
        )
    if is_run_dir(path):
        found = latest_checkpoint(path)
        if found is None:
            raise ValueError(f"run directory {str(path)!r} has no checkpoint yet ({CHECKPOINTS}/{LATEST} missing)")
        return found
    if (path / ALGORITHM).is_dir():
        return path
    if path.name == ALGORITHM and (path.parent / SCHEDULER).is_file():
        return path.parent
    raise ValueError(f"{str(path)!r} is neither a run directory (with {CONFIG}) nor a checkpoint (with {ALGORITHM}/)")


def run_dir_of(checkpoint: Path) -> Path:
    return Path(checkpoint).parent.parent


def save_checkpoint(
    run_dir: Path, iteration: int, save_algorithm, scheduler_state: dict, progress_state: dict, keep: int
) -> Path:
    """Build checkpoints/iter_N under a temp name (save_algorithm(path) writes the algorithm), rename it, point latest.json at it."""
    folder = Path(run_dir) / CHECKPOINTS
    folder.mkdir(parents=True, exist_ok=True)
    name = f"iter_{iteration:06d}"
    with atomic_directory(folder / name) as temp:
        save_algorithm(temp / ALGORITHM)
        write_json(temp / SCHEDULER, scheduler_state)
        write_json(temp / PROGRESS_STATE, progress_state)
    final = folder / name
    write_json(folder / LATEST, {"checkpoint": name})
    for old in sorted(p for p in folder.glob("iter_*") if p.is_dir())[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    for stale in folder.glob(".iter_*"):  # left by a process killed mid-save
        shutil.rmtree(stale, ignore_errors=True)
    return final


def write_progress(run_dir: Path, rows: list[dict[str, Any]], columns: Iterable[str]) -> None:
    columns = list(columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
    write_atomic(Path(run_dir) / PROGRESS, buffer.getvalue())


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else value


def read_progress(run_dir: Path) -> list[dict[str, Any]]:
    path = Path(run_dir) / PROGRESS
    if not path.is_file():
        return []
    rows = []
    with path.open() as handle:
        for row in csv.DictReader(handle):
            rows.append({k: _number(v) for k, v in row.items()})
    return rows


def _number(text: str) -> Any:
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() and "." not in text and "e" not in text else value


def plot_learning_curve(run_dir: Path, rows: list[dict[str, Any]], families: list[str], title: str) -> Path | None:
    """learning_curve.png: training success per family and mean return over env steps, curriculum stage on a second axis."""
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r["timesteps"] for r in rows]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for family in families:
        values = [r.get(f"success/{family}") for r in rows]
        points = [(s, v) for s, v in zip(steps, values) if v is not None]
        if points:
            top.plot(*zip(*points), label=family, linewidth=1.2)
    top.set_ylabel("training success (binary, sampled)")
    top.set_ylim(-0.02, 1.02)
    top.legend(fontsize=7, loc="upper left")
    stage_axis = top.twinx()
    stage_axis.step(
        steps, [r["stage"] for r in rows], where="post", color="black", linestyle="--", linewidth=1, label="stage"
    )
    stage_axis.set_ylabel("curriculum stage")
    stage_axis.set_ylim(-0.5, max(r["stage"] for r in rows) + 1.5)
    stage_axis.yaxis.get_major_locator().set_params(integer=True)
    bottom.plot(steps, [r.get("mean_return") for r in rows], color="tab:blue")
    bottom.set_ylabel("mean episode return (training reward)")
    bottom.set_xlabel("env steps")
    fig.suptitle(title)
    fig.tight_layout()
    path = Path(run_dir) / CURVE
    try:
        with atomic_file(path, "wb") as handle:
            fig.savefig(handle, dpi=110, format="png")
    finally:
        plt.close(fig)
    return path


def summary_table(
    rows: list[dict[str, Any]], families: list[str], stage_names: list[str], config: dict[str, Any]
) -> str:
    """Markdown: the run's configuration line, then per family the last and best training success."""
    if not rows:
        return "no iterations ran\n"
    last = rows[-1]
    stage = int(last["stage"])
    model = config.get("model")
    model_name = model.get("name") if isinstance(model, dict) else model  # nested (agents.config) or an old flat config
    lines = [
        f"run: model={model_name} backend={config.get('backend', 'rllib')} curriculum={config['curriculum']} seed={config['seed']}",
        f"iterations={last['iteration']} env_steps={last['timesteps']} wall={last['wall_s']:.0f}s "
        f"steps/s={last['timesteps'] / max(last['wall_s'], 1e-9):.0f} final stage={stage} ({stage_names[stage] if stage < len(stage_names) else '?'})",
        "",
        "| family | last success | best success | episodes |",
        "|---|---|---|---|",
    ]
    for family in families:
        seen = [value for r in rows if (value := r.get(f"success/{family}")) is not None]
        episodes = sum(int(r.get(f"episodes/{family}") or 0) for r in rows)
        if not seen:
            continue
        last_value = next(
            (r.get(f"success/{family}") for r in reversed(rows) if r.get(f"success/{family}") is not None), None
        )
        lines.append(f"| {family} | {last_value:.2f} | {max(seen):.2f} | {episodes} |")
    return "\n".join(lines) + "\n"


def is_jax_checkpoint(checkpoint: str | Path) -> bool:
    """True when `checkpoint` (a checkpoints/iter_N directory) was written by the JAX backend."""
    return (Path(checkpoint) / ALGORITHM / POLICY_FILE).is_file()


def rllib_module_dir(checkpoint: str | Path) -> Path:
    """The RL module folder of an RLlib checkpoint; ValueError naming it when there is none."""
    module_dir = Path(checkpoint) / ALGORITHM
    for part in MODULE_PATH:
        module_dir = module_dir / part
    if not module_dir.is_dir():
        raise ValueError(f"checkpoint {str(checkpoint)!r} holds no RL module at {str(module_dir)!r}")
    return module_dir
