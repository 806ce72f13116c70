"""A training run as one directory: config, checkpoints with scheduler state, progress CSV, TensorBoard, plot, summary.

    RUN/
      config.json                  the TrainConfig as written (validated)
      progress.csv                 one row per iteration (rewritten whole, atomically)
      tensorboard/                 event files (charts/..., losses/..., curriculum/...)
      checkpoints/
        iter_000020/algorithm/     Algorithm.save_to_path (+ kept_successes.pickle: the agents.kept buffer, and
                                   sil_optimizer.pt: the RLlib learner's self-imitation Adam; the JAX backend
                                   keeps that state inside its orbax tree instead)
        iter_000020/scheduler.json the driver's curriculum scheduler state
        iter_000020/progress.json  iteration, timesteps, wall time at the checkpoint
        iter_000020/checksums.json size and sha256 of every algorithm/ file (checked before loading)
        latest.json                {"checkpoint": "iter_000020"}: a hint for people; readers ignore it
      learning_curve.png, summary.md   at the end
      .lock                        the live trainer's claim (agents.run_lock)

Every file is written whole or not at all (reasonenv.files: temp file + os.replace); a
checkpoint directory is built under a temporary name and renamed, so a
`kill -9` at any moment leaves the previous checkpoint usable.

Resume finds its checkpoint by content: the newest iter_N by number whose
files are all there and load (`usable_checkpoint`), falling back to an
older one with one line, refusing when none is usable. Retention keeps the
newest by number. progress.csv and TensorBoard are rewound to the
checkpoint (`rewind_progress`, `rebuild_tensorboard`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from reasonenv.files import atomic_directory, atomic_file, write_atomic  # write_atomic: also run_dir's public name

CONFIG = "config.json"
PROGRESS = "progress.csv"
CHECKPOINTS = "checkpoints"
LATEST = "latest.json"
SCHEDULER = "scheduler.json"
PROGRESS_STATE = "progress.json"
CHECKSUMS = "checksums.json"
"""Size and sha256 of every algorithm/ file, written last inside the checkpoint's atomic folder."""
ALGORITHM = "algorithm"
CURVE = "learning_curve.png"
SUMMARY = "summary.md"
MODULE_PATH = ("learner_group", "learner", "rl_module", "default_policy")
"""Where an RLlib algorithm checkpoint keeps the RL module."""
POLICY_FILE = "jax_policy.json"
"""What the JAX backend writes beside its weights: how to rebuild the model."""
STATE_DIR = "state"
"""The JAX backend's orbax PyTree folder inside algorithm/."""
KEPT_FILE = "kept_successes.pickle"
"""The kept-successes buffer (agents.kept) inside algorithm/; not *.pkl, so a damaged one never makes the checkpoint
unusable (it loads as an empty buffer with one line)."""
SIL_OPTIMIZER_FILE = "sil_optimizer.pt"
"""The RLlib learner's self-imitation optimiser (torch state_dict) inside algorithm/, beside KEPT_FILE: a resumed run
goes on with the same Adam moments. Missing (a checkpoint written before it) or damaged: a fresh Adam, one line."""
TENSORBOARD = "tensorboard"
ITERATION_DIR = re.compile(r"iter_(\d+)")


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def is_run_dir(path: Path) -> bool:
    return (Path(path) / CONFIG).is_file()


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest complete checkpoint of a run by iteration number (files checked, latest.json ignored), or None."""
    for _, path in checkpoints_by_iteration(run_dir):
        if checkpoint_problem(path) is None:
            return path
    return None


def resolve_checkpoint(path: str | Path) -> Path:
    """A checkpoint directory from a run directory, a checkpoint directory, or its algorithm/ folder; ValueError otherwise."""
    path = Path(path)
    if not path.exists():
        raise ValueError(
            f"{str(path)!r} does not exist; give a run directory (with {CONFIG}) or one of its checkpoints"
        )
    if is_run_dir(path):
        if not checkpoints_by_iteration(path):
            raise ValueError(f"run directory {str(path)!r} has no checkpoint yet (no {CHECKPOINTS}/iter_N)")
        return usable_checkpoint(path, log=lambda line: None)
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
        write_json(temp / CHECKSUMS, file_checksums(temp / ALGORITHM))
    final = folder / name
    write_json(folder / LATEST, {"checkpoint": name})
    prune_checkpoints(run_dir, keep)
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


# --- resume by content (issue 23) -------------------------------------------------------------------------------


def checkpoints_by_iteration(run_dir: Path) -> list[tuple[int, Path]]:
    """(iteration, folder) of every checkpoints/iter_N, newest first by the number N (names are never sorted)."""
    folder = Path(run_dir) / CHECKPOINTS
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = ITERATION_DIR.fullmatch(path.name)
        if match is not None and path.is_dir():
            found.append((int(match.group(1)), path))
    return sorted(found, key=lambda item: item[0], reverse=True)


def checkpoint_problem(checkpoint: Path, check: Callable[[Path], object] | None = None) -> str | None:
    """Why `checkpoint` cannot be resumed (a short phrase), or None if its files are all there and load.

    `check(checkpoint)` is the backend's own try-load of its state (e.g.
    reading the weights); whatever it raises makes the checkpoint unusable.
    """
    checkpoint = Path(checkpoint)
    algorithm = checkpoint / ALGORITHM
    if not algorithm.is_dir():
        return f"{ALGORITHM}/ is missing"
    if not any(algorithm.iterdir()):
        return f"{ALGORITHM}/ is empty"
    for name, keys in ((SCHEDULER, ()), (PROGRESS_STATE, ("iteration", "timesteps", "wall_s"))):
        try:
            data = json.loads((checkpoint / name).read_text())
        except FileNotFoundError:
            return f"{name} is missing"
        except (OSError, UnicodeDecodeError, ValueError) as err:
            return f"{name} is not valid JSON ({_first_line(err)})"
        if not isinstance(data, dict):
            return f"{name} holds a {type(data).__name__}, not an object"
        missing = [key for key in keys if key not in data]
        if missing:
            return f"{name} lacks {', '.join(missing)}"
    damaged = damaged_file(checkpoint) or checksum_mismatch(checkpoint)
    if damaged is not None:
        return damaged
    if check is not None:
        try:
            check(checkpoint)
        except Exception as err:  # the backend's loader may raise anything on a damaged file
            return f"{ALGORITHM}/ does not load ({type(err).__name__}: {_first_line(err)})"
    return None


# JSON files that RLlib and orbax write without a .json suffix.
_JSON_NAMES = ("_METADATA", "_CHECKPOINT_METADATA")


def damaged_file(checkpoint: Path) -> str | None:
    """A cheap, framework-free look at the algorithm's files: the first empty or truncated one, or None.

    Every *.json (and orbax's _METADATA) must parse; every *.pkl must end
    with the pickle STOP opcode '.', which a file cut short lacks. Binary
    array data is left to the backend's own `check`.
    """
    checkpoint = Path(checkpoint)
    for path in sorted((checkpoint / ALGORITHM).rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(checkpoint)
        if path.suffix == ".pkl":
            size = path.stat().st_size
            with path.open("rb") as handle:
                handle.seek(max(size - 1, 0))
                if size == 0 or handle.read(1) != b".":
                    return f"{name} is {'empty' if size == 0 else 'truncated (no pickle end mark)'}"
        elif path.suffix == ".json" or path.name in _JSON_NAMES:
            try:
                json.loads(path.read_bytes())
            except (UnicodeDecodeError, ValueError) as err:
                return f"{name} is not valid JSON ({_first_line(err)})"
    return None


def file_checksums(folder: Path) -> dict[str, dict[str, Any]]:
    """{relative path: {size, sha256}} of every file under `folder` (the manifest a checkpoint carries)."""
    folder = Path(folder)
    sums: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            sums[path.relative_to(folder).as_posix()] = {"size": path.stat().st_size, "sha256": digest.hexdigest()}
    return sums


def checksum_mismatch(checkpoint: Path) -> str | None:
    """The first algorithm file that differs from the checkpoint's manifest (checksums.json), or None.

    Catches what no loader sees cheaply: a truncated orbax array file, or
    bytes flipped inside an intact pickle. A checkpoint written before the
    manifest existed has none and is left to the backend's `check`.
    """
    checkpoint = Path(checkpoint)
    manifest_path = checkpoint / CHECKSUMS
    if not manifest_path.exists():
        return None
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as err:
        return f"{CHECKSUMS} is not valid JSON ({_first_line(err)})"
    if not isinstance(manifest, dict):
        return f"{CHECKSUMS} holds a {type(manifest).__name__}, not an object"
    actual = file_checksums(checkpoint / ALGORITHM)
    for name, expected in manifest.items():
        found = actual.get(name)
        if found is None:
            return f"{ALGORITHM}/{name} is missing"
        if found != expected:
            what = "size" if found.get("size") != (expected or {}).get("size") else "content"
            return f"{ALGORITHM}/{name} does not match its checksum ({what} changed)"
    return None


def usable_checkpoint(
    run_dir: Path, log: Callable[[str], None] = print, check: Callable[[Path], object] | None = None
) -> Path:
    """The newest checkpoint by iteration number whose files are all there and load; ValueError in one line if none.

    Older checkpoints are tried in turn; if the newest ones are skipped,
    one line names each with the reason. latest.json is not consulted: it
    may be missing, stale or truncated without changing the answer.
    """
    run_dir = Path(run_dir)
    skipped: list[str] = []
    candidates = checkpoints_by_iteration(run_dir)
    for _, path in candidates:
        problem = checkpoint_problem(path, check)
        if problem is None:
            if skipped:
                log(f"skipped {'; '.join(skipped)}; resuming from {path.name}, the newest complete checkpoint")
            return path
        skipped.append(f"{path.name} ({problem})")
    if not candidates:
        raise ValueError(
            f"run directory {str(run_dir)!r} has no checkpoint to resume from (no {CHECKPOINTS}/iter_N); "
            "start it again as a new run"
        )
    raise ValueError(
        f"run directory {str(run_dir)!r} has no usable checkpoint: {'; '.join(skipped)}; "
        "nothing was changed, start a new run or restore a checkpoint"
    )


def read_checkpoint_state(checkpoint: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(scheduler state, progress state {iteration, timesteps, wall_s}) of a checkpoint `usable_checkpoint` accepted."""
    checkpoint = Path(checkpoint)
    return json.loads((checkpoint / SCHEDULER).read_text()), json.loads((checkpoint / PROGRESS_STATE).read_text())


def prune_checkpoints(run_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` checkpoints by iteration number; returns what was deleted."""
    if keep < 1:
        raise ValueError(f"keep_checkpoints must be at least 1, got {keep}")
    old = [path for _, path in checkpoints_by_iteration(run_dir)[keep:]]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
    return old


def set_aside_newer(run_dir: Path, checkpoint: Path, log: Callable[[str], None] = print) -> list[Path]:
    """Rename checkpoints newer than the one resumed from to skipped_iter_N, so they neither win a later resume nor count for retention.

    They were skipped as unusable (or belong to the abandoned timeline);
    renamed rather than deleted, so nothing a person may want is destroyed.
    """
    match = ITERATION_DIR.fullmatch(Path(checkpoint).name)
    if match is None:
        raise ValueError(f"{str(checkpoint)!r} is not a checkpoints/iter_N folder")
    resumed = int(match.group(1))
    moved = []
    for iteration, path in checkpoints_by_iteration(run_dir):
        if iteration <= resumed:
            break
        target = path.with_name(f"skipped_{path.name}")
        suffix = 1
        while target.exists():
            suffix += 1
            target = path.with_name(f"skipped_{path.name}.{suffix}")
        os.replace(path, target)
        moved.append(target)
    if moved:
        log(f"set aside {', '.join(p.name for p in moved)} (newer than {Path(checkpoint).name}, not resumable)")
    return moved


def remove_stale_temps(run_dir: Path) -> list[Path]:
    """Delete temp files and folders a killed writer left (.NAME.*.tmp, checkpoints/.iter_*); call it holding the run lock."""
    run_dir = Path(run_dir)
    removed = []
    for folder in (run_dir, run_dir / CHECKPOINTS):
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            name = path.name
            temp_file = name.startswith(".") and ".tmp" in name and not name.startswith(".lock") and path.is_file()
            temp_dir = folder.name == CHECKPOINTS and name.startswith(".iter_") and path.is_dir()
            if temp_file:
                path.unlink(missing_ok=True)
                removed.append(path)
            elif temp_dir:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def rewind_progress(run_dir: Path, iteration: int) -> tuple[list[dict[str, Any]], int]:
    """Keep only progress.csv rows up to `iteration` (the resumed checkpoint's); returns (kept rows, rows dropped).

    The rows of iterations a killed trainer ran past its last checkpoint
    are trained again after the resume; keeping them would show them twice.
    """
    path = Path(run_dir) / PROGRESS
    if not path.is_file():
        return [], 0
    with path.open(newline="") as handle:
        columns = next(csv.reader(handle), [])
    rows = read_progress(run_dir)
    kept = [row for row in rows if isinstance(row.get("iteration"), int) and row["iteration"] <= iteration]
    if len(kept) != len(rows):
        write_progress(run_dir, kept, columns)
    return kept, len(rows) - len(kept)


def rebuild_tensorboard(run_dir: Path, rows: list[dict[str, Any]], open_board: Callable[[Path], Any]) -> Any:
    """Rewrite tensorboard/ from `rows` (the kept progress.csv rows) and return the open board to keep writing to.

    Event files cannot be truncated, so the old folder is moved aside,
    `open_board(folder)` (the loop's own writer, with a `write(row)`
    method) gets a fresh one, every kept row is written again, and the
    old folder is deleted. A kill in between leaves the aside folder; the
    next resume rebuilds again from progress.csv, the record of truth.
    """
    run_dir = Path(run_dir)
    folder = run_dir / TENSORBOARD
    aside = run_dir / f".{TENSORBOARD}.rewound"
    if aside.exists():
        shutil.rmtree(aside)
    if folder.exists():
        os.replace(folder, aside)
    board = open_board(folder)
    for row in rows:
        board.write(row)
    shutil.rmtree(aside, ignore_errors=True)
    return board


def check_resume_flags(saved: dict[str, Any], given: dict[str, Any]) -> None:
    """ValueError in one line if a flag that decides what is trained differs from the run's saved value.

    `given` maps flag names (e.g. "model", "backend", "curriculum", "seed")
    to the value on the command line, None where the flag was not given;
    `saved` maps the same names to the run's config. Equal values pass.
    """
    for flag, value in given.items():
        if value is None or value == saved.get(flag):
            continue
        raise ValueError(
            f"--{flag.replace('_', '-')} {value!r} differs from the run's {flag} {saved.get(flag)!r}; "
            "a resumed run keeps what it trains (start a new run to change it)"
        )


def check_output_folder(path: str | Path) -> None:
    """ValueError in one line unless the --out folder can be created and written; leaves nothing behind.

    Call it before Ray starts: an unwritable folder then fails in a second, not after ~20 s of start-up.
    """
    path = Path(path)
    created = []
    try:
        missing = [path, *path.parents]
        for folder in reversed(missing):
            if not folder.exists():
                folder.mkdir()
                created.append(folder)
        if not path.is_dir():
            raise ValueError(f"--out {str(path)!r} is a file, not a folder; give a folder for the run directories")
        fd, probe = tempfile.mkstemp(dir=path, prefix=".write-check.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise ValueError(
            f"--out {str(path)!r} cannot be written ({err.strerror or type(err).__name__}"
            f"{': ' + str(err.filename) if err.filename else ''}); give a folder you can write to"
        ) from None
    finally:
        for folder in reversed(created):
            try:
                folder.rmdir()
            except OSError:
                pass


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
