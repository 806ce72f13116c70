"""The one host loop of a training run, for every backend: budget, checkpoints, signals, CSV, TensorBoard, summary, plot.

    train(TrainConfig(curriculum="bf-basics", backend="jax", timesteps=200_000), run_dir)
    train(TrainConfig.load(run_dir / "config.json"), run_dir, resume=True)

A backend (agents.backends.rllib, agents.backends.jax) provides only what
`Backend` below names: it is built from (cfg, run_dir, scheduler state or
None, log), runs one PPO iteration per `iterate()` (sampling, the curriculum
scheduler's update, learning) and saves / restores its own state into a
checkpoint's `algorithm/` folder. Everything else is here, once:

- the budget: `budget_s` wall seconds, `timesteps` env steps, `programs`
  finished episodes; each a total of the run, counted across resumes;
- checkpoints every `checkpoint_every` iterations (the newest
  `keep_checkpoints` by iteration number kept) and a final one, with the
  scheduler state and the counters beside the backend's state
  (agents.run_dir);
- resume by content: the newest checkpoint whose files are all there and
  that the backend's `check_checkpoint` loads, older ones tried in turn
  with one line naming what was skipped; none usable refuses (a resume
  never starts over); newer unusable ones are set aside;
- SIGINT / SIGTERM end training after the current iteration, then the
  final checkpoint is written (StopOnSignal);
- progress.csv (one row per iteration, rewound to the checkpoint's
  iteration on resume), TensorBoard under stable tags (charts/, losses/,
  curriculum/, probe/), the progress line, and at the end summary.md and
  learning_curve.png; config.json is the run's one config file;
- every `probe_every` iterations a greedy held-out probe of the current
  weights (agents.probe; needs the backend's optional `greedy_policy` and
  `scheduler`): its columns in that iteration's row, its per-entry success
  to the scheduler's `report_probe` when it has one; the scheduler's
  `note_time(run seconds)` after every iteration when it has one, and the
  backend's `sync_scheduler()` when either moved the stage.

One writer per run: the run directory is claimed (agents.run_lock) before
the backend starts; a new run's folder is created by the claim and removed
again if the run could not start, so it leaves nothing behind. No heavy
import happens here: the backend module is imported by name when the run
starts.
"""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from agents import run_dir as rd
from agents.config import TrainConfig
from agents.run_lock import RunLock, claim_run

BACKEND_MODULES = {"rllib": "agents.backends.rllib", "jax": "agents.backends.jax"}
"""cfg.backend -> the module whose `Backend` class trains it (imported lazily: torch/ray or jax)."""

Counts = dict[tuple[int, str], tuple[int, int]]
"""{(stage, family): (episodes, successes)} of one iteration's finished episodes."""

COMMON_COLUMNS = (
    "iteration",
    "timesteps",
    "wall_s",
    "stage",
    "stage_name",
    "episodes",
    "success",
    "mean_return",
    "mean_length",
    "steps_per_s",
    "sample_s",
    "learn_s",
    "kl",
    "entropy",
    "vf_explained_var",
    "clip_fraction",
    "updates_applied",
    "policy_loss",
    "vf_loss",
    "stream_over_window",
    "episodes_over_window",
)
"""Columns of progress.csv every backend fills (then the backend's extra columns, then per family)."""
METRICS = tuple(name for name in COMMON_COLUMNS[COMMON_COLUMNS.index("mean_return") :] if name != "steps_per_s")
"""What `Backend.iterate()` reports for the common columns (None where it has no value this iteration)."""


class Backend(Protocol):
    """What a trainer backend gives the loop. Its class is built as `Backend(cfg, run_dir, scheduler_state, log)`:
    `scheduler_state` None starts a new run (and loads `cfg.init_from`'s weights when set), a dict continues one
    at that curriculum state (the loop then calls `restore`)."""

    extra_columns: tuple[str, ...]
    """progress.csv columns of this backend beyond COMMON_COLUMNS (values come in iterate()'s dict)."""

    def iterate(self) -> dict[str, Any]:
        """One PPO iteration. Returns {"timesteps": env steps sampled, "stage": the scheduler's stage after its update,
        "counts": Counts, each of METRICS, each of extra_columns}."""
        ...

    def save(self, folder: Path) -> None:
        """Write the backend's state (weights, optimizer, RNG) into `folder` (a checkpoint's algorithm/)."""
        ...

    def restore(self, folder: Path) -> None:
        """Load what `save` wrote."""
        ...

    def scheduler_state(self) -> dict[str, Any]:
        """The curriculum scheduler's state_dict (saved beside every checkpoint)."""
        ...

    @staticmethod
    def check_checkpoint(checkpoint: Path) -> None:
        """Raise if `checkpoint`'s algorithm/ would not restore (a damaged file); loads its state, builds nothing.

        Optional: the loop picks the checkpoint to resume before the backend
        is built (whose construction needs that checkpoint's scheduler state).
        """
        ...

    def close(self) -> None:
        """Release processes and devices (Ray, env runners)."""
        ...

    # Optional, for the greedy probe and the scheduler's hooks (a backend without them trains without a probe):
    #   scheduler: the live curriculum scheduler (the one whose state scheduler_state() returns);
    #   greedy_policy() -> a callable {key: [B, ...] numpy} -> actions [B], argmax over allowed actions with the
    #       current weights, that is also a reasonenv.policy.Policy (act, act_batch);
    #   sync_scheduler(): make sampling follow the scheduler after the loop's hooks moved its stage.


def backend_class(name: str) -> Callable[..., Backend]:
    """The Backend class of cfg.backend (its module imported now)."""
    if name not in BACKEND_MODULES:
        raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKEND_MODULES)}")
    return importlib.import_module(BACKEND_MODULES[name]).Backend


# ----------------------------------------------------------------------------- progress rows


def curriculum_info(name: str) -> tuple[list[str], list[str]]:
    """(stage names, families in curriculum order) of a curriculum."""
    from curricula.schedulers import load_curriculum

    scheduler = load_curriculum(name)
    stages = [stage.name for stage in getattr(scheduler, "stages", [])] or ["all"]
    families: list[str] = []
    for entry in scheduler.entries():
        if entry.family not in families:
            families.append(entry.family)
    return stages, families


def progress_columns(families: list[str], extra: tuple[str, ...] = (), probe: tuple[str, ...] = ()) -> list[str]:
    """Columns of progress.csv: common, the backend's extra, probe (agents.probe's; empty without a probe), per family."""
    return [
        *COMMON_COLUMNS,
        *extra,
        *probe,
        *[f"success/{f}" for f in families],
        *[f"episodes/{f}" for f in families],
    ]


def progress_row(
    result: dict[str, Any],
    *,
    iteration: int,
    timesteps: int,
    wall_s: float,
    iteration_s: float,
    stage_names: list[str],
    families: list[str],
    extra: tuple[str, ...] = (),
) -> dict[str, Any]:
    """One CSV row from a backend's iterate() result and the loop's counters."""
    stage = int(result.get("stage", 0))
    sampled = int(result.get("timesteps", 0))
    row: dict[str, Any] = {
        "iteration": iteration,
        "timesteps": timesteps,
        "wall_s": wall_s,
        "stage": stage,
        "stage_name": stage_names[stage] if stage < len(stage_names) else str(stage),
        "steps_per_s": sampled / iteration_s if iteration_s > 0 else None,
    }
    for key in (*METRICS, *extra):
        value = result.get(key)
        row[key] = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    per_family: dict[str, list[int]] = {}
    for (_, family), (episodes, successes) in (result.get("counts") or {}).items():
        total = per_family.setdefault(family, [0, 0])
        total[0] += int(episodes)
        total[1] += int(successes)
    episodes_all = sum(v[0] for v in per_family.values())
    row["episodes"] = episodes_all
    row["success"] = sum(v[1] for v in per_family.values()) / episodes_all if episodes_all else None
    for family in families:
        episodes, successes = per_family.get(family, (0, 0))
        row[f"episodes/{family}"] = episodes
        row[f"success/{family}"] = successes / episodes if episodes else None
    return row


def progress_line(row: dict[str, Any], n_stages: int) -> str:
    families = [k.split("/", 1)[1] for k, v in row.items() if k.startswith("success/") and v is not None]
    per_family = " ".join(f"{f}={row['success/' + f]:.2f}" for f in families)
    success = "-" if row["success"] is None else f"{row['success']:.2f}"
    ret = "-" if row["mean_return"] is None else f"{row['mean_return']:.3f}"
    sps = "-" if row["steps_per_s"] is None else f"{row['steps_per_s']:.0f}"
    return (
        f"iter {row['iteration']:4d} | {row['timesteps']:>9,} steps | {row['wall_s']:6.0f}s | stage {row['stage']}/{n_stages - 1} "
        f"{row['stage_name']} | success {success} ({per_family}) | return {ret} | {sps} steps/s"
    )


class TensorBoard:
    """Scalars under stable tags (charts/, losses/, curriculum/); silently off when tensorboard is not installed."""

    TAGS = {
        "success": "charts/success",
        "mean_return": "charts/mean_return",
        "mean_length": "charts/mean_length",
        "steps_per_s": "charts/steps_per_s",
        "stream_over_window": "charts/stream_over_window",
        "stage": "curriculum/stage",
        "probe_heldout": "charts/probe_heldout",
        "probe_s": "charts/probe_s",
        "kl": "losses/kl",
        "entropy": "losses/entropy",
        "vf_explained_var": "losses/explained_variance",
        "clip_fraction": "losses/clip_fraction",
        "updates_applied": "losses/updates_applied",
        "policy_loss": "losses/policy_loss",
        "vf_loss": "losses/value_loss",
    }

    def __init__(self, folder: Path):
        self.writer: Any = None
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            return
        self.writer = SummaryWriter(str(folder))

    def write(self, row: dict[str, Any]) -> None:
        if self.writer is None:
            return
        from agents.probe import ENTRY_PREFIX, board_tag

        step = int(row["timesteps"])
        for key, tag in self.TAGS.items():
            value = row.get(key)
            if isinstance(value, (int, float)) and math.isfinite(value):
                self.writer.add_scalar(tag, value, step)
        for key, value in row.items():
            if key.startswith("success/") and value is not None:
                self.writer.add_scalar(f"curriculum/{key}", value, step)
            elif key.startswith(ENTRY_PREFIX) and isinstance(value, (int, float)) and math.isfinite(value):
                self.writer.add_scalar(board_tag(key), value, step)
        self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class StopOnSignal:
    """SIGINT/SIGTERM end training after the current iteration (then a final checkpoint), instead of killing it mid-write.

    Ray's own calls can swallow a KeyboardInterrupt raised inside them, so
    the handler only sets a flag that the loop reads between iterations.
    """

    def __init__(self):
        import signal
        import threading

        self.received: str | None = None
        self._previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                self._previous[number] = signal.signal(number, self._handle)

    def _handle(self, number, frame) -> None:
        import signal

        self.received = signal.Signals(number).name

    def restore(self) -> None:
        import signal

        for number, handler in self._previous.items():
            signal.signal(number, handler)


# ----------------------------------------------------------------------------- the loop


def train(
    cfg: TrainConfig,
    run_dir: Path,
    *,
    resume: bool = False,
    log: Callable[[str], None] = print,
    should_stop: Callable[[dict], bool] | None = None,
) -> dict[str, Any]:
    """Train cfg with cfg.backend until its budget (totals of the run, resumes included); returns the last progress row.

    `resume=True` continues from the run's newest usable checkpoint
    (weights, optimizer, curriculum scheduler, counters), found by content
    (agents.run_dir.usable_checkpoint); with none usable it refuses with a
    ValueError and changes nothing. `should_stop(row)` may end training
    early after any iteration; its row also holds `stage_after`, the
    scheduler's stage once the iteration's probe and time cap have run
    (None without a scheduler; `stage_reached(row)` reads either). Wall time counts each session's start-up
    (backend construction) too: the figure is the whole run's.

    Before anything slow: the config is validated (its curriculum loaded),
    --address is probed, and the run directory is claimed (agents.run_lock:
    one writer per run; a new run's folder is created atomically and must
    not exist). Every refusal is a ValueError of one line.
    """
    started = time.perf_counter()
    cfg.validate()
    run_dir = Path(run_dir).resolve()  # RLlib and orbax take paths as URIs: a relative one has no scheme
    if cfg.backend == "rllib" and cfg.rllib.address:
        from agents.cluster import check_address

        check_address(cfg.rllib.address)  # Ray's own connect retries for good and ignores Ctrl-C
    stage_names, families = curriculum_info(cfg.curriculum)
    with _claim(run_dir, resume, log):
        rd.remove_stale_temps(run_dir)
        if resume:
            rd.usable_checkpoint(run_dir, log=lambda line: None)  # refuse before the backend's imports if none is left
        cls = backend_class(cfg.backend)
        checkpoint = rd.usable_checkpoint(run_dir, log, getattr(cls, "check_checkpoint", None)) if resume else None
        return _train_claimed(cfg, run_dir, cls, checkpoint, stage_names, families, started, log, should_stop)


RUN_FILES = (rd.CONFIG, rd.PROGRESS, rd.CHECKPOINTS, rd.TENSORBOARD, rd.SUMMARY, rd.CURVE)
"""What a run writes into its folder: a folder holding any of these is a used run, never a new one."""


def _is_used(run_dir: Path) -> bool:
    return any((run_dir / name).exists() for name in RUN_FILES)


def _claim(run_dir: Path, resume: bool, log: Callable[[str], None]) -> RunLock:
    """The run's lock. A new run creates its folder with the claim, or takes one a caller made beforehand that holds
    none of a run's own files (an experiment writes the cell's curriculum.yaml there first); never a used run."""
    if resume or not (run_dir.is_dir() and not _is_used(run_dir)):
        return claim_run(run_dir, new=not resume, log=log)
    lock = claim_run(run_dir, log=log)
    if _is_used(run_dir):  # another trainer wrote into it before our claim
        lock.release()
        raise ValueError(
            f"run directory {str(run_dir)!r} exists already; pick another --name or continue it with --resume"
        )
    return lock


def _train_claimed(
    cfg: TrainConfig,
    run_dir: Path,
    cls: Callable[..., Backend],
    checkpoint: Path | None,
    stage_names: list[str],
    families: list[str],
    started: float,
    log: Callable[[str], None],
    should_stop: Callable[[dict], bool] | None,
) -> dict[str, Any]:
    """train() once the run directory is claimed and the checkpoint (None: a new run) chosen."""
    scheduler_state: dict[str, Any] | None = None
    progress_state: dict[str, Any] = {"iteration": 0, "timesteps": 0, "wall_s": 0.0, "programs": 0}
    if checkpoint is not None:
        rd.set_aside_newer(run_dir, checkpoint, log)  # skipped ones never win a later resume nor count for retention
        scheduler_state, saved = rd.read_checkpoint_state(checkpoint)
        progress_state.update(saved)

    backend = cls(cfg, run_dir, scheduler_state, log)
    try:
        if checkpoint is not None:
            try:
                backend.restore(checkpoint / rd.ALGORITHM)
            except Exception as err:  # what the check could not foresee: one line, never a framework traceback
                raise ValueError(
                    f"checkpoint {str(checkpoint)!r} does not restore ({type(err).__name__}: {_first_line(err)}); "
                    f"move it aside (the previous one is then used) or start a new run"
                ) from None
            log(
                f"resumed {run_dir} from {checkpoint.name}: iteration {progress_state['iteration']}, "
                f"{progress_state['timesteps']:,} steps, stage {(scheduler_state or {}).get('stage', 0)}"
            )
        rd.write_json(run_dir / rd.CONFIG, cfg.to_dict())
        extra = tuple(getattr(backend, "extra_columns", ()))
        probe = make_probe(cfg, backend, log)
        if checkpoint is not None:
            # The iterations a killed trainer ran past its checkpoint are trained again: drop their rows and points.
            rows, dropped = rd.rewind_progress(run_dir, int(progress_state["iteration"]))
            if dropped:
                log(f"dropped {dropped} progress row{'s' if dropped != 1 else ''} past {checkpoint.name}")
            if not progress_state["programs"]:
                # Checkpoints from before the programs budget: count the finished episodes of the kept rows.
                progress_state["programs"] = sum(int(r.get("episodes") or 0) for r in rows)
            board = rd.rebuild_tensorboard(run_dir, rows, TensorBoard)
        else:
            rows, board = [], TensorBoard(run_dir / rd.TENSORBOARD)
        # A resume with the probe off keeps the probe columns of the rows before it (rewriting drops no values).
        probed_before = any(key.startswith("probe") and value is not None for row in rows for key, value in row.items())
        keep = probe is not None or (probed_before and getattr(backend, "scheduler", None) is not None)
        columns = progress_columns(families, extra, probe_columns(backend) if keep else ())
        try:
            rows = _run(
                cfg,
                run_dir,
                backend,
                rows,
                columns,
                extra,
                progress_state,
                stage_names,
                families,
                started,
                log,
                should_stop,
                board,
                probe,
            )
        finally:
            board.close()
    finally:
        backend.close()
    finish(run_dir, cfg, rows, families, stage_names, log)
    return rows[-1] if rows else {}


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _run(
    cfg: TrainConfig,
    run_dir: Path,
    backend: Backend,
    rows: list[dict[str, Any]],
    columns: list[str],
    extra: tuple[str, ...],
    state: dict[str, Any],
    stage_names: list[str],
    families: list[str],
    started: float,
    log: Callable[[str], None],
    should_stop: Callable[[dict], bool] | None,
    board: TensorBoard,
    probe: Any = None,
) -> list[dict[str, Any]]:
    """The iterations of one session (between start-up and finish); returns every row of the run."""
    iteration, timesteps, programs = int(state["iteration"]), int(state["timesteps"]), int(state["programs"])
    wall_s = float(state["wall_s"]) + (time.perf_counter() - started)  # this session's start-up counts

    def save() -> None:
        counters = {"iteration": iteration, "timesteps": timesteps, "wall_s": wall_s, "programs": programs}
        rd.save_checkpoint(run_dir, iteration, backend.save, backend.scheduler_state(), counters, cfg.keep_checkpoints)

    def done() -> bool:
        return (
            (cfg.budget_s is not None and wall_s >= cfg.budget_s)
            or (cfg.timesteps is not None and timesteps >= cfg.timesteps)
            or (cfg.programs is not None and programs >= cfg.programs)
        )

    last_saved = iteration
    stop_signal = StopOnSignal()
    try:
        while not done() and not stop_signal.received:
            tick = time.perf_counter()
            try:
                result = backend.iterate()
            except KeyboardInterrupt:
                stop_signal.received = "SIGINT"
                break
            elapsed = time.perf_counter() - tick
            iteration += 1
            stage_before = scheduler_stage(backend)
            due = probe is not None and iteration % cfg.probe_every == 0
            probed = run_probe(backend, probe) if due else None
            wall_s += time.perf_counter() - tick  # the probe's time counts toward the budget
            note_time(backend, wall_s, stage_before)
            timesteps += int(result.get("timesteps", 0))
            row = progress_row(
                result,
                iteration=iteration,
                timesteps=timesteps,
                wall_s=wall_s,
                iteration_s=elapsed,
                stage_names=stage_names,
                families=families,
                extra=extra,
            )
            if probed is not None:
                row.update(probed.columns())
            programs += int(row["episodes"])
            rows.append(row)
            rd.write_progress(run_dir, rows, columns)
            board.write(row)
            log(progress_line(row, len(stage_names)))
            if probed is not None:
                log(probe_line(probed))
            if iteration - last_saved >= cfg.checkpoint_every:
                save()
                last_saved = iteration
            # The row's stage is the one this iteration trained on; the probe or a time cap may have moved on since.
            # A caller that stops on a stage change stops here, with the weights the promoting probe measured.
            if should_stop is not None and should_stop({**row, "stage_after": scheduler_stage(backend)}):
                break
        if stop_signal.received:
            log(f"{stop_signal.received}: stopping after iteration {iteration}, writing a final checkpoint")
        if iteration != last_saved or rd.latest_checkpoint(run_dir) is None:
            save()
    finally:
        stop_signal.restore()
    return rows


# ----------------------------------------------------------------------------- the probe and the scheduler's hooks


def make_probe(cfg: TrainConfig, backend: Any, log: Callable[[str], None]) -> Any:
    """An agents.probe.Probe for the run, or None: probe_every 0, or a backend without greedy_policy / scheduler."""
    if not cfg.probe_every:
        return None
    if not callable(getattr(backend, "greedy_policy", None)) or getattr(backend, "scheduler", None) is None:
        log(f"probe off: backend {type(backend).__name__} has no greedy_policy() or scheduler")
        return None
    from agents.probe import Probe, probe_env_options

    return Probe(cfg.probe_instances, probe_env_options(cfg))


def probe_columns(backend: Any) -> tuple[str, ...]:
    """agents.probe.PROBE_COLUMNS and one `probe/<entry key>` per entry of the backend's curriculum."""
    from agents.probe import PROBE_COLUMNS, entry_columns

    return (*PROBE_COLUMNS, *entry_columns(backend.scheduler))


def stage_reached(row: dict) -> int:
    """The stage a should_stop row ends at: `stage_after` (after the iteration's probe and time cap), or the stage it
    trained on when there is no scheduler to ask."""
    return int(row["stage"] if row.get("stage_after") is None else row["stage_after"])


def scheduler_stage(backend: Any) -> Any:
    """The stage in the backend's live scheduler's state (None without a scheduler)."""
    scheduler = getattr(backend, "scheduler", None)
    return None if scheduler is None else scheduler.state_dict().get("stage")


def run_probe(backend: Any, probe: Any) -> Any:
    """The probe of the current weights (an agents.probe.ProbeResult); its rates go to `scheduler.report_probe`.

    Every probed entry's rate is reported, keyed by TaskSpec.key, those
    measured on training content (nothing held out; `ProbeResult.fallback`)
    too; the scheduler ignores keys it does not gate on.
    """
    scheduler = backend.scheduler
    result = probe.run(backend.greedy_policy(), scheduler)
    report = getattr(scheduler, "report_probe", None)
    if callable(report):
        report({key: rate for key, rate in result.rates.items() if not math.isnan(rate)})
    return result


def note_time(backend: Any, wall_s: float, stage_before: Any) -> None:
    """`scheduler.note_time(wall_s)` (the run's total seconds, resumes included) when the scheduler has it; then
    the backend's `sync_scheduler()` when the iteration's hooks (a probe's report, a time cap) moved the stage."""
    scheduler = getattr(backend, "scheduler", None)
    if scheduler is None:
        return
    hook = getattr(scheduler, "note_time", None)
    moved = bool(hook(wall_s)) if callable(hook) else False
    if moved or scheduler_stage(backend) != stage_before:
        sync = getattr(backend, "sync_scheduler", None)
        if callable(sync):
            sync()


def probe_line(result: Any) -> str:
    mean = result.heldout_mean
    rates = " ".join(f"{key}={rate:.2f}" for key, rate in result.rates.items())
    flagged = f"; training content (nothing held out): {' '.join(result.fallback)}" if result.fallback else ""
    held = "-" if mean is None else f"{mean:.2f}"
    return f"  probe: held-out greedy {held} ({rates}) on {result.episodes} episodes in {result.seconds:.1f}s{flagged}"


def finish(
    run_dir: Path,
    cfg: TrainConfig,
    rows: list[dict],
    families: list[str],
    stage_names: list[str],
    log: Callable[[str], None],
) -> None:
    """Write learning_curve.png and summary.md, and print the summary."""
    title = f"{cfg.model.name} ({cfg.backend}) on {cfg.curriculum} (seed {cfg.seed})"
    plot = rd.plot_learning_curve(run_dir, rows, families, title)
    table = rd.summary_table(rows, families, stage_names, cfg.to_dict())
    rd.write_atomic(run_dir / rd.SUMMARY, table)
    log(table)
    if plot is not None:
        log(f"learning curve: {plot}")
