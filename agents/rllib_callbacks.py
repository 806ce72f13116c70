"""One curriculum scheduler for all env runners: episodes are counted on the runners, promotion is decided on the driver.

On every env runner, `on_episode_end` logs the finished episode's
(stage, family, binary success) as summed counters, plus how many of its
decisions saw a stream longer than the reasoner's window W. RLlib sums
those counters over all runners into the iteration's result; the driver's
`on_train_result` feeds them to the single scheduler and pushes its state
to every env runner (`set_curriculum_state` on each sub-env, and into the
runner's env_config so rebuilt envs keep the stage). The envs are built
with `update_scheduler=False`: they only apply the stage they are given.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from ray.rllib.callbacks.callbacks import RLlibCallback
from ray.rllib.utils.metrics import ENV_RUNNER_RESULTS

CURRICULUM_KEY = "curriculum"
STREAM_KEY = "stream"


def push_curriculum_state(env_runner_group, state: dict[str, Any], env_runner_indices=None) -> None:
    """Apply `state` to every sub-env of the given env runners (all, local included, when indices is None)."""

    def apply(env_runner):
        env_runner.config.env_config["curriculum_state"] = state  # rebuilt envs start at this stage
        env = getattr(env_runner, "env", None)
        if env is not None:
            env.unwrapped.call("set_curriculum_state", state)
        return True

    if env_runner_indices is None:
        env_runner_group.foreach_env_runner(apply, local_env_runner=True)
    else:
        env_runner_group.foreach_env_runner(apply, remote_worker_ids=list(env_runner_indices), local_env_runner=False)


def episode_counts(env_runner_results: dict[str, Any]) -> dict[tuple[int, str], tuple[int, int]]:
    """{(stage, family): (episodes, successes)} of one iteration's summed env-runner metrics."""
    counts: dict[tuple[int, str], tuple[int, int]] = {}
    table = env_runner_results.get(CURRICULUM_KEY, {}) or {}
    for name, value in table.get("episodes", {}).items():
        stage, family = name.split("|", 1)
        episodes, successes = _count(value), _count(table.get("successes", {}).get(name, 0))
        if episodes:
            counts[(int(stage), family)] = (episodes, min(successes, episodes))
    return counts


def _count(value: Any) -> int:
    """A summed counter as an int; a key restored from a checkpoint with no new values reads NaN (= nothing new)."""
    value = float(value)
    return int(round(value)) if math.isfinite(value) else 0


def interleaved_results(counts: dict[tuple[int, str], tuple[int, int]]) -> list:
    """One iteration's episode counts as EpisodeResults in the order `curricula.schedulers.interleaved` gives."""
    from curricula.schedulers import EpisodeResult, interleaved

    results = []
    for (stage, family), (episodes, successes) in sorted(counts.items()):
        results += [EpisodeResult(family, True, stage=stage)] * successes
        results += [EpisodeResult(family, False, stage=stage)] * (episodes - successes)
    return interleaved(results)


class CurriculumCallback(RLlibCallback):
    """Runner side: episode counters. Driver side: the one scheduler, its promotion, and pushing its stage."""

    window = 16
    """The model's W, for the stream-overflow statistic (set by the trainer through a subclass attribute)."""

    def __init__(self):
        super().__init__()
        self.scheduler = None
        self.last_counts: dict[tuple[int, str], tuple[int, int]] = {}

    # ------------------------------------------------------------------ env runner side
    def on_episode_end(self, *, episode, metrics_logger=None, **kwargs) -> None:
        info = episode.get_infos(-1)
        if "stage" not in info or metrics_logger is None:
            return
        # The last step's info has the curriculum key ("family@L1..."), not the family (that is in the reset info).
        family = str(info.get("curriculum_key") or "?").split("@", 1)[0]
        name = f"{int(info['stage'])}|{family}"
        success = bool(info.get("curriculum_success", info.get("success", False)))
        metrics_logger.log_value((CURRICULUM_KEY, "episodes", name), 1, reduce="sum")
        metrics_logger.log_value((CURRICULUM_KEY, "successes", name), int(success), reduce="sum")
        # Decision t saw a stream of n_task + t tokens; count the decisions where it exceeded W.
        observation = episode.get_observations(-1)
        n_task = int(np.count_nonzero(observation["task"]))
        decisions = int(info.get("program_length", 0)) + (1 if info.get("end") != "max_length" else 0)
        first_over = max(0, self.window - n_task + 1)
        over = max(0, decisions - first_over)
        metrics_logger.log_value((STREAM_KEY, "decisions"), decisions, reduce="sum")
        metrics_logger.log_value((STREAM_KEY, "over_window"), over, reduce="sum")
        metrics_logger.log_value((STREAM_KEY, "episodes_over_window"), int(over > 0), reduce="sum")

    # ------------------------------------------------------------------ driver side
    def on_algorithm_init(self, *, algorithm, metrics_logger=None, **kwargs) -> None:
        from curricula.schedulers import load_curriculum

        env_config = algorithm.config.env_config
        self.scheduler = load_curriculum(env_config["curriculum"])
        if env_config.get("curriculum_state") is not None:
            self.scheduler.load_state_dict(env_config["curriculum_state"])
        push_curriculum_state(algorithm.env_runner_group, self.scheduler.state_dict())

    def on_train_result(self, *, algorithm, metrics_logger=None, result: dict, **kwargs) -> None:
        counts = episode_counts(result.get(ENV_RUNNER_RESULTS, {}))
        self.last_counts = counts
        before = self.scheduler.state_dict()
        self.scheduler.update(interleaved_results(counts))
        state = self.scheduler.state_dict()
        # A staged scheduler only changes what envs sample when its stage moves; others (learning progress) every update.
        if state.get("stage") != before.get("stage") or "stage" not in state:
            push_curriculum_state(algorithm.env_runner_group, state)
        result[CURRICULUM_KEY] = {"stage": int(state.get("stage", 0)), "episodes": int(state.get("episodes", 0))}

    def on_env_runners_recreated(
        self, *, algorithm, env_runner_group, env_runner_indices, is_evaluation, **kwargs
    ) -> None:
        if self.scheduler is not None and not is_evaluation:
            push_curriculum_state(env_runner_group, self.scheduler.state_dict(), env_runner_indices)
