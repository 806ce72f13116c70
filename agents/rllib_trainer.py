"""PPO on RLlib's new API stack over a curriculum env: build the config, train to a budget, write the run directory.

    train(TrainConfig(...), run_dir)            # a new run
    train(TrainConfig.load(run/config.json), run_dir, resume=True)

The reward the learner sees is the env's shaped score (`scoring="pqt"` by
default) with gamma = 1 and a small per-token `step_penalty` (so STOP is
worth learning); promotion uses the binary success the env reports
(`info["curriculum_success"]`) and is decided by the one scheduler in
`agents.rllib_callbacks.CurriculumCallback` on the driver.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agents import run_dir as rd
from agents.train_config import TrainConfig

WINDOWED_MODELS = ("small-context", "small-window")
"""Models that see only the last W stream tokens (the others read the whole stream)."""


def env_config(cfg: TrainConfig, curriculum_state: dict | None) -> dict[str, Any]:
    """CurriculumEnv kwargs: shaped scoring, length cap and penalty, training content only, no self-promotion (the driver decides)."""
    return {
        "curriculum": cfg.curriculum,
        "scoring": cfg.scoring,
        "max_program_length": cfg.max_program_length,
        "step_penalty": cfg.step_penalty,
        "update_scheduler": False,
        "content_split": "train",  # never train on held-out content (curricula.heldout); evaluation uses it
        "curriculum_state": curriculum_state,
    }


def model_settings(cfg: TrainConfig) -> dict[str, Any]:
    from agents.train_config import MODEL_DEFAULTS

    settings: dict[str, Any] = {**MODEL_DEFAULTS, **cfg.model_config}
    if cfg.exploration_floor > 0:
        settings["exploration_floor"] = float(cfg.exploration_floor)
    return settings


def callback_class(window: int):
    """CurriculumCallback with the model's W for the stream-overflow statistic (a class: RLlib instantiates it per process)."""
    from agents.rllib_callbacks import CurriculumCallback

    return type(f"CurriculumCallbackW{window}", (CurriculumCallback,), {"window": window})


def build_algo_config(cfg: TrainConfig, curriculum_state: dict | None = None):
    """The PPOConfig of a run (new API stack, custom module and learner, fault-tolerant env runners)."""
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec

    from agents import rllib_env
    from agents.models import model_class
    from agents.ppo_learner import PPOLearnerWithClipFraction

    ppo = cfg.ppo
    settings = model_settings(cfg)
    return (
        PPOConfig()
        .environment(rllib_env.register(), env_config=env_config(cfg, curriculum_state))
        .framework("torch")
        .env_runners(
            num_env_runners=cfg.num_env_runners,
            num_envs_per_env_runner=cfg.num_envs_per_env_runner,
            rollout_fragment_length="auto",
        )
        .rl_module(rl_module_spec=RLModuleSpec(module_class=model_class(cfg.model), model_config=settings))
        .training(
            lr=ppo.lr,
            gamma=ppo.gamma,
            lambda_=ppo.lambda_,
            clip_param=ppo.clip_param,
            vf_clip_param=ppo.vf_clip_param,
            vf_loss_coeff=ppo.vf_loss_coeff,
            entropy_coeff=ppo.entropy_coeff,
            grad_clip=ppo.grad_clip,
            train_batch_size_per_learner=ppo.train_batch_size,
            minibatch_size=ppo.minibatch_size,
            num_epochs=ppo.num_epochs,
            use_kl_loss=ppo.use_kl_loss,
            learner_class=PPOLearnerWithClipFraction,
        )
        .callbacks(callback_class(int(settings["window"]) if cfg.model in WINDOWED_MODELS else 10**9))
        .fault_tolerance(
            restart_failed_env_runners=True, max_num_env_runner_restarts=100, delay_between_env_runner_restarts_s=1.0
        )
        .debugging(seed=cfg.seed, log_level="ERROR")
        .reporting(metrics_num_episodes_for_smoothing=100)
    )


def init_ray(cfg: TrainConfig, log: Callable[[str], None]) -> bool:
    """Join `cfg.address`, or start a private local Ray with the machine's CPUs (never a stale cluster); True if it connected."""
    if cfg.address:
        # `ray start` enables token auth by default, but a joining driver only sends the token
        # (~/.ray/auth_token, RAY_AUTH_TOKEN or RAY_AUTH_TOKEN_PATH) when RAY_AUTH_MODE=token is set,
        # and Ray reads that variable once, when it is first imported.
        has_token = (
            (Path.home() / ".ray" / "auth_token").is_file()
            or "RAY_AUTH_TOKEN" in os.environ
            or "RAY_AUTH_TOKEN_PATH" in os.environ
        )
        if has_token and "RAY_AUTH_MODE" not in os.environ:
            os.environ["RAY_AUTH_MODE"] = "token"
            if "ray" in sys.modules:
                from ray._raylet import Config  # type: ignore[attr-defined]  # compiled; ray's _raylet.pyi omits it

                Config.initialize("")  # what Ray's own _enable_token_auth does after setting the variable
    import ray

    if ray.is_initialized():
        return False
    # One torch thread per process: on a shared 2-core machine two threads per process ran 20x slower.
    thread_vars = {"OMP_NUM_THREADS": str(cfg.torch_threads), "MKL_NUM_THREADS": str(cfg.torch_threads)}
    if cfg.address:
        repo = Path(__file__).resolve().parent.parent
        ray.init(
            address=cfg.address,
            include_dashboard=False,
            log_to_driver=False,
            runtime_env={"env_vars": {"PYTHONPATH": str(repo), **thread_vars}},
        )
        log(f"joined Ray cluster at {cfg.address}: {ray.cluster_resources().get('CPU', 0):.0f} CPUs")
    else:
        # address="local" always starts a new cluster: a killed earlier run can leave a
        # ray_current_cluster file that a plain ray.init() would try to join.
        ray.init(
            address="local",
            num_cpus=cfg.num_cpus or os.cpu_count(),
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
            runtime_env={"env_vars": thread_vars},
        )
    return True


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


def progress_columns(families: list[str]) -> list[str]:
    return [
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
        "policy_loss",
        "vf_loss",
        "stream_over_window",
        "episodes_over_window",
        "env_runner_restarts",
        *[f"success/{f}" for f in families],
        *[f"episodes/{f}" for f in families],
    ]


def _count(value: Any) -> int:
    """An RLlib counter as an int; None or NaN (an iteration whose only env runner crashed sampled nothing) is 0."""
    if value is None or value != value:
        return 0
    return int(value)


def _get(tree: dict, *keys, default=None):
    for key in keys:
        if not isinstance(tree, dict) or key not in tree:
            return default
        tree = tree[key]
    return tree


def progress_row(
    result: dict,
    counts: dict,
    stage: int,
    stage_names: list[str],
    families: list[str],
    iteration: int,
    timesteps: int,
    wall_s: float,
    iteration_s: float,
) -> dict[str, Any]:
    """One CSV row from an RLlib result dict and the callback's per-(stage, family) episode counts."""
    from ray.rllib.utils.metrics import ENV_RUNNER_RESULTS, LEARNER_RESULTS

    runners = result.get(ENV_RUNNER_RESULTS, {})
    learner = _get(result, LEARNER_RESULTS, "default_policy", default={}) or {}
    sampled = _count(runners.get("num_env_steps_sampled"))
    row: dict[str, Any] = {
        "iteration": iteration,
        "timesteps": timesteps,
        "wall_s": wall_s,
        "stage": stage,
        "stage_name": stage_names[stage] if stage < len(stage_names) else str(stage),
        "mean_return": runners.get("episode_return_mean"),
        "mean_length": runners.get("episode_len_mean"),
        "steps_per_s": sampled / iteration_s if iteration_s > 0 else None,
        "sample_s": _get(result, "timers", "env_runner_sampling_timer"),
        "learn_s": _get(result, "timers", "learner_update_timer"),
        "kl": learner.get("approx_kl"),
        "entropy": learner.get("entropy"),
        "vf_explained_var": learner.get("vf_explained_var"),
        "clip_fraction": learner.get("clip_fraction"),
        "policy_loss": learner.get("policy_loss"),
        "vf_loss": learner.get("vf_loss"),
        # Remote env runners that crashed and were restarted (RLlib's fault tolerance), over the whole process.
        "env_runner_restarts": _get(result, "fault_tolerance", "num_remote_worker_restarts"),
    }
    stream = runners.get("stream", {}) or {}
    decisions = float(stream.get("decisions", 0) or 0)
    row["stream_over_window"] = float(stream.get("over_window", 0)) / decisions if decisions else None
    per_family: dict[str, list[int]] = {}
    for (_, family), (episodes, successes) in counts.items():
        total = per_family.setdefault(family, [0, 0])
        total[0] += episodes
        total[1] += successes
    episodes_all = sum(v[0] for v in per_family.values())
    row["episodes"] = episodes_all
    row["success"] = sum(v[1] for v in per_family.values()) / episodes_all if episodes_all else None
    row["episodes_over_window"] = float(stream.get("episodes_over_window", 0)) / episodes_all if episodes_all else None
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
        "stage": "curriculum/stage",
        "kl": "losses/kl",
        "entropy": "losses/entropy",
        "vf_explained_var": "losses/explained_variance",
        "clip_fraction": "losses/clip_fraction",
        "policy_loss": "losses/policy_loss",
        "vf_loss": "losses/value_loss",
        "stream_over_window": "charts/stream_over_window",
    }

    def __init__(self, folder: Path):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            self.writer = None
            return
        self.writer = SummaryWriter(str(folder))

    def write(self, row: dict[str, Any]) -> None:
        if self.writer is None:
            return
        step = int(row["timesteps"])
        for key, tag in self.TAGS.items():
            value = row.get(key)
            if isinstance(value, (int, float)) and math.isfinite(value):
                self.writer.add_scalar(tag, value, step)
        for key, value in row.items():
            if key.startswith("success/") and value is not None:
                self.writer.add_scalar(f"curriculum/{key}", value, step)
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
        self._previous = {}
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


def train(
    cfg: TrainConfig,
    run_dir: Path,
    *,
    resume: bool = False,
    log: Callable[[str], None] = print,
    should_stop: Callable[[dict], bool] | None = None,
) -> dict[str, Any]:
    """Train until cfg.budget_s / cfg.timesteps (totals of the run, resumes included); returns the last progress row.

    The run directory is created once Ray and the algorithm are up (a run
    that cannot start leaves nothing behind); `resume=True` continues from
    the run's latest checkpoint (weights, optimizer, curriculum scheduler,
    counters). `should_stop(row)` may end training early after any iteration.
    """
    import torch

    torch.set_num_threads(cfg.torch_threads)
    run_dir = Path(run_dir).resolve()  # RLlib and orbax take paths as URIs: a relative one has no scheme
    stage_names, families = curriculum_info(cfg.curriculum)
    columns = progress_columns(families)
    scheduler_state: dict[str, Any] | None = None
    progress_state: dict[str, Any] = {"iteration": 0, "timesteps": 0, "wall_s": 0.0}
    checkpoint = None
    if resume:
        checkpoint = rd.latest_checkpoint(run_dir)
        if checkpoint is not None:
            import json

            scheduler_state = json.loads((checkpoint / rd.SCHEDULER).read_text())
            progress_state = json.loads((checkpoint / rd.PROGRESS_STATE).read_text())

    # Ray and the algorithm first: a run that cannot start leaves no directory behind.
    import ray

    started_ray = init_ray(cfg, log)
    algo = build_algo_config(cfg, scheduler_state).build_algo()
    if checkpoint is not None:
        assert scheduler_state is not None, "loaded with the checkpoint above"
        algo.restore_from_path(str(checkpoint / rd.ALGORITHM))
        log(
            f"resumed {run_dir} from {checkpoint.name}: iteration {progress_state['iteration']}, "
            f"{progress_state['timesteps']:,} steps, stage {scheduler_state.get('stage', 0)}"
        )
    run_dir.mkdir(parents=True, exist_ok=True)
    rd.write_json(run_dir / rd.CONFIG, cfg.to_dict())
    rows = [r for r in rd.read_progress(run_dir) if int(r["iteration"]) <= progress_state["iteration"]]
    callback = algo.callbacks[0] if isinstance(algo.callbacks, list) else algo.callbacks
    board = TensorBoard(run_dir / "tensorboard")

    iteration, timesteps, wall_s = progress_state["iteration"], progress_state["timesteps"], progress_state["wall_s"]

    def save() -> None:
        state = {"iteration": iteration, "timesteps": timesteps, "wall_s": wall_s}
        rd.save_checkpoint(
            run_dir,
            iteration,
            lambda path: algo.save_to_path(str(path)),
            callback.scheduler.state_dict(),
            state,
            cfg.keep_checkpoints,
        )

    def done() -> bool:
        return (cfg.budget_s is not None and wall_s >= cfg.budget_s) or (
            cfg.timesteps is not None and timesteps >= cfg.timesteps
        )

    last_saved = iteration
    restarts_seen = 0
    stop_signal = StopOnSignal()
    try:
        while not done() and not stop_signal.received:
            started = time.perf_counter()
            try:
                result = algo.train()
            except KeyboardInterrupt:
                stop_signal.received = "SIGINT"
                break
            elapsed = time.perf_counter() - started
            iteration += 1
            wall_s += elapsed
            timesteps += _count(_get(result, "env_runners", "num_env_steps_sampled"))
            stage = int(callback.scheduler.state_dict().get("stage", 0))
            row = progress_row(
                result, callback.last_counts, stage, stage_names, families, iteration, timesteps, wall_s, elapsed
            )
            rows.append(row)
            rd.write_progress(run_dir, rows, columns)
            board.write(row)
            log(progress_line(row, len(stage_names)))
            restarts = int(row["env_runner_restarts"] or 0)
            if restarts > restarts_seen:
                log(f"env runners restarted after a crash: {restarts} so far (RLlib fault tolerance)")
                restarts_seen = restarts
            if iteration - last_saved >= cfg.checkpoint_every:
                save()
                last_saved = iteration
            if should_stop is not None and should_stop(row):
                break
        if stop_signal.received:
            log(f"{stop_signal.received}: stopping after iteration {iteration}, writing a final checkpoint")
        if iteration != last_saved or rd.latest_checkpoint(run_dir) is None:
            save()
    finally:
        stop_signal.restore()
        board.close()
        algo.stop()
        if started_ray:
            ray.shutdown()
    finish(run_dir, cfg, rows, families, stage_names, log)
    return rows[-1] if rows else {}


def finish(
    run_dir: Path,
    cfg: TrainConfig,
    rows: list[dict],
    families: list[str],
    stage_names: list[str],
    log: Callable[[str], None],
) -> None:
    """Write learning_curve.png and summary.md, and print the summary."""
    title = f"{cfg.model} on {cfg.curriculum} (seed {cfg.seed})"
    plot = rd.plot_learning_curve(run_dir, rows, families, title)
    table = rd.summary_table(rows, families, stage_names, cfg.to_dict())
    rd.write_atomic(run_dir / rd.SUMMARY, table)
    log(table)
    if plot is not None:
        log(f"learning curve: {plot}")
