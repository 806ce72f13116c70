"""The RLlib backend of agents.loop: PPO on RLlib's new API stack (torch) over the curriculum env, every language.

    Backend(cfg, run_dir, scheduler_state, log).iterate()   # one algo.train(); agents.loop does the rest

Top to bottom:

- the training env (`make_training_env`, registered under ENV_NAME so
  remote env runners find it): `reasonenv/Curriculum-v0` with training
  content only, optionally fixed to one instance (`fixed_instance`,
  FixedInstance), padded (`action_slots`, PadActions) and permuted
  (`permute_actions`, PermuteActions), wrapped in `TrainingReward`, which
  pays agents.reward's training reward and reports the length cap as
  terminal (agents.reward explains both);
- the curriculum callback: env runners count finished episodes per
  (stage, family) and keep a passing program (the progress.csv column
  passing_program); the driver feeds the counts to the one scheduler,
  decides promotion and pushes the stage to every runner;
- the learner: RLlib's PPO loss unchanged, plus the clip fraction and an
  approximate KL in its metrics;
- `module_spec(cfg)`: the one place that picks the network class;
- `Backend`: Ray start-up (local or `--address`), the PPOConfig, and the
  loop's iterate / save / restore / scheduler_state / close.

The reward the learner sees: gamma = 1, the env's shaped score and step
penalty through agents.reward; promotion uses the binary success the env
reports (`info["curriculum_success"]`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from ray.rllib.algorithms.ppo.torch.ppo_torch_learner import PPOTorchLearner
from ray.rllib.callbacks.callbacks import RLlibCallback
from ray.rllib.core.columns import Columns
from ray.rllib.utils.metrics import ENV_RUNNER_RESULTS, LEARNER_RESULTS

from agents.config import KL_STOP_FACTOR, TrainConfig
from agents.kept import KEPT_FILE, KeptEntry, KeptSuccesses, admit, sample_transitions, transitions
from agents.reward_env import TrainingReward
from agents.run_dir import SIL_OPTIMIZER_FILE
from curricula.heldout import EMIT_CHAR_SEED_VARIABLE

ENV_NAME = "reasonenv-curriculum-training"
REWARD_KEYS = ("shaped_weight", "success_bonus", "shaping", "discount")
"""Keys of env_config that set the training reward."""
WRAPPER_KEYS = ("action_slots", "permute_actions", "fixed_instance", "keep_successes", "relabel")
"""Keys of env_config that wrap the env (action slots, a fixed instance); the rest are CurriculumEnv arguments."""
WINDOWED_MODELS = ("small-context", "small-window")
"""Models that see only the last W stream tokens (the others read the whole stream)."""
CURRICULUM_KEY = "curriculum"
STREAM_KEY = "stream"
PASSING_PROGRAM_KEY = "passing_program"
"""progress.csv column: one program that passed every hidden test in the iteration (empty when none did)."""
CLIP_FRACTION_KEY = "clip_fraction"
APPROX_KL_KEY = "approx_kl"
UPDATES_APPLIED_KEY = "updates_applied"
KEPT_COLUMNS = ("kept_size", "sil_loss", "sil_nll")
"""progress.csv columns of the kept-successes buffer (agents.kept): its size, the self-imitation loss and the mean
-log pi of the buffer's actions before the step (None in iterations without a step)."""
KEPT_QUEUE_SIZE = 4096


# ----------------------------------------------------------------------------- the env


class FixedInstance(gym.Wrapper):
    """Every reset asks instance (seed, index) of the sampled entry (the reset options `seed` and `index`).

    TrainConfig.fixed_instance: one task's fixed cases (PQT trains on one
    instance's tests). The instance is used as given, whatever content split
    the env draws from, as a reset option fixing both always is.
    """

    def __init__(self, env: gym.Env, seed: int, index: int):
        super().__init__(env)
        self.instance_seed, self.instance_index = int(seed), int(index)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        fixed = {**dict(options or {}), "seed": self.instance_seed, "index": self.instance_index}
        return self.env.reset(seed=seed, options=fixed)


_KEPT_QUEUE: deque[tuple] = deque(maxlen=KEPT_QUEUE_SIZE)
"""Finished episodes to keep, in this process: (instance, actions, language, entry key, return or None, relabelled)."""


def drain_kept_queue(env_runner=None) -> list[tuple]:
    """Take every queued episode of this process (called on each env runner through foreach_env_runner)."""
    items = list(_KEPT_QUEUE)
    _KEPT_QUEUE.clear()
    return items


class KeepEpisodes(gym.Wrapper):
    """Queue every passing episode (instance, actions, language, curriculum entry key, return) for the driver's
    kept-successes buffer; with `relabel`, a failed one as a success of its hindsight relabelling
    (curricula.relabel), return None: the driver measures it by replay (agents.kept.replay_returns).

    Outermost wrapper: the actions are those the agent took and the return the training reward it was paid.
    """

    def __init__(self, env: gym.Env, relabel: bool = False):
        super().__init__(env)
        self.relabel = bool(relabel)
        self._actions: list[int] = []
        self._return = 0.0

    def reset(self, **kwargs):
        self._actions, self._return = [], 0.0
        return self.env.reset(**kwargs)

    def step(self, action):
        observation, reward, terminated, truncated, info = self.env.step(action)
        self._actions.append(int(action))
        self._return += float(reward)
        if terminated or truncated:
            self._finished(info)
        return observation, reward, terminated, truncated, info

    def _finished(self, info: dict[str, Any]) -> None:
        base: Any = self.env.unwrapped  # the token env: instance and token_table are its read-only views
        instance, table = base.instance, base.token_table
        if instance is None or table is None or "curriculum_key" not in info:
            return
        key, actions = str(info["curriculum_key"]), tuple(self._actions)
        if info.get("success"):
            _KEPT_QUEUE.append((instance, actions, table.language, key, self._return, False))
        elif self.relabel and info.get("end") != "invalid_token":
            relabelled = self._relabelled(instance, table.language, info)
            if relabelled is not None:
                _KEPT_QUEUE.append((relabelled, actions, table.language, key, None, True))

    @staticmethod
    def _relabelled(instance, language: str, info: dict[str, Any]):
        from curricula.relabel import OK_STATUS, relabel, relabel_program

        produced = info.get("produced")
        if produced is None:  # an env that does not report its outputs: run the program again
            return relabel_program(instance, str(info.get("program", "")), language)
        example_outputs = None
        if instance.examples:
            from curricula.verify import execute

            runs = execute(instance, str(info.get("program", "")), language, instance.examples)
            example_outputs = [run.output if run.status == OK_STATUS else None for run in runs]
        return relabel(instance, produced, statuses=info.get("statuses"), example_outputs=example_outputs)


def make_training_env(env_config: dict[str, Any] | None = None) -> gym.Env:
    """gym.make("reasonenv/Curriculum-v0", **curriculum kwargs), fixed to one instance / padded / permuted if asked,
    in TrainingReward."""
    import reasonenv.envs.registration  # noqa: F401  (registers the ids in this process)
    from reasonenv.envs.action_wrappers import PadActions, PermuteActions

    config = dict(env_config or {})
    reward_args = {key: config.pop(key) for key in REWARD_KEYS if key in config}
    slots, permute = config.pop("action_slots", None), bool(config.pop("permute_actions", False))
    fixed = config.pop("fixed_instance", None)
    keep, relabel = bool(config.pop("keep_successes", False)), bool(config.pop("relabel", False))
    env = gym.make("reasonenv/Curriculum-v0", **config)
    if fixed is not None:
        env = FixedInstance(env, *fixed)
    if slots is not None:
        env = PadActions(env, int(slots))
    if permute:
        env = PermuteActions(env)
    env = TrainingReward(env, **reward_args)
    return KeepEpisodes(env, relabel) if keep else env


def register() -> str:
    """Register ENV_NAME with RLlib (idempotent) and return it."""
    from ray.tune.registry import register_env

    register_env(ENV_NAME, make_training_env)
    return ENV_NAME


def env_config(cfg: TrainConfig, curriculum_state: dict | None) -> dict[str, Any]:
    """The env runners' env_config: CurriculumEnv kwargs (training content only, no self-promotion) + reward + wrappers."""
    config: dict[str, Any] = {
        "curriculum": cfg.curriculum,
        "scoring": cfg.reward.scoring,
        "max_program_length": cfg.max_program_length,
        "step_penalty": cfg.reward.step_penalty,
        "update_scheduler": False,  # the driver's one scheduler decides (CurriculumCallback)
        "content_split": "train",  # never train on held-out content (curricula.heldout); evaluation uses it
        "curriculum_state": curriculum_state,
        "shaped_weight": cfg.reward.shaped_weight,
        "success_bonus": cfg.reward.success_bonus,
        "shaping": cfg.reward.shaping,
        "discount": cfg.ppo.gamma,  # the potential shaping's gamma phi' - phi
    }
    if cfg.execution:
        config["execution"] = True
    if cfg.end_on_pass:
        config["end_on_pass"] = True
    if cfg.task_length is not None:
        config["task_length"] = cfg.task_length
    if cfg.action_slots is not None:
        config["action_slots"] = cfg.action_slots
    if cfg.permute_actions:
        config["permute_actions"] = True
    if cfg.fixed_instance is not None:
        config["fixed_instance"] = [int(v) for v in cfg.fixed_instance]
    if cfg.kept.enabled:
        config["keep_successes"] = True
        config["relabel"] = bool(cfg.relabel)
    return config


def replay_config(config: dict[str, Any]) -> dict[str, Any]:
    """The env_config a kept program is replayed under: the training env's, without what would change the instance
    (fixed_instance) or queue the replay itself (keep_successes, relabel)."""
    return {k: v for k, v in config.items() if k not in ("fixed_instance", "keep_successes", "relabel")}


# ----------------------------------------------------------------------------- the curriculum callback


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
    """{(stage, curriculum key): (episodes, successes)} of one iteration's summed env-runner metrics.

    The key is the entry's TaskSpec.key ("emit-char@L4@bf"): a stage may
    hold one family at several levels, and new-entry promotion counts the
    new entry alone. (Older runners logged the family alone; it reads as a
    key without '@'.)
    """
    counts: dict[tuple[int, str], tuple[int, int]] = {}
    table = env_runner_results.get(CURRICULUM_KEY, {}) or {}
    for name, value in table.get("episodes", {}).items():
        stage, family = name.split("|", 1)
        episodes, successes = _count(value), _count(table.get("successes", {}).get(name, 0))
        if episodes:
            counts[(int(stage), family)] = (episodes, min(successes, episodes))
    return counts


def _count(value: Any) -> int:
    """A summed counter as an int; None or NaN (nothing new: a restored key, or a crashed runner's iteration) is 0."""
    if value is None:
        return 0
    value = float(value)
    return int(round(value)) if math.isfinite(value) else 0


def family_counts(counts: dict[tuple[int, str], tuple[int, int]]) -> dict[tuple[int, str], tuple[int, int]]:
    """{(stage, family): (episodes, successes)} summed over the entries of `episode_counts` (the progress columns)."""
    summed: dict[tuple[int, str], tuple[int, int]] = {}
    for (stage, key), (episodes, successes) in counts.items():
        family = key.split("@", 1)[0]
        before = summed.get((stage, family), (0, 0))
        summed[(stage, family)] = (before[0] + episodes, before[1] + successes)
    return summed


def interleaved_results(counts: dict[tuple[int, str], tuple[int, int]]) -> list:
    """One iteration's episode counts by (stage, key) as EpisodeResults in the order `curricula.schedulers.interleaved` gives."""
    from curricula.schedulers import EpisodeResult, interleaved

    results = []
    for (stage, key), (episodes, successes) in sorted(counts.items()):
        family, entry = key.split("@", 1)[0], (key if "@" in key else None)
        results += [EpisodeResult(family, True, key=entry, stage=stage)] * successes
        results += [EpisodeResult(family, False, key=entry, stage=stage)] * (episodes - successes)
    return interleaved(results)


def passing_program(env_runner_results: dict[str, Any]) -> str | None:
    """One program that passed in this iteration (the env runners log their last), or None when none did."""
    programs = (env_runner_results.get(CURRICULUM_KEY, {}) or {}).get(PASSING_PROGRAM_KEY)
    if isinstance(programs, str):
        return programs
    found = [str(p) for p in (programs or []) if p is not None]
    return found[0] if found else None


class CurriculumCallback(RLlibCallback):
    """Runner side: episode counters. Driver side: the one scheduler, its promotion, and pushing its stage.

    On every env runner, `on_episode_end` logs the finished episode's
    (stage, family, binary success) as summed counters, plus how many of its
    decisions saw a stream longer than the reasoner's window W. RLlib sums
    those counters over all runners into the iteration's result; the
    driver's `on_train_result` feeds them to the single scheduler and pushes
    its state to every env runner (`set_curriculum_state` on each sub-env,
    and into the runner's env_config so rebuilt envs keep the stage). The
    envs are built with `update_scheduler=False`: they only apply the stage
    they are given.
    """

    window = 16
    """The model's W, for the stream-overflow statistic (set by the backend through a subclass attribute)."""

    def __init__(self):
        super().__init__()
        self.scheduler = None
        self.last_counts: dict[tuple[int, str], tuple[int, int]] = {}

    # ------------------------------------------------------------------ env runner side
    def on_episode_end(self, *, episode, metrics_logger=None, **kwargs) -> None:
        info = episode.get_infos(-1)
        if "stage" not in info or metrics_logger is None:
            return
        # The last step's info has the curriculum key ("family@L1..."): counted per entry (episode_counts).
        name = f"{int(info['stage'])}|{info.get('curriculum_key') or '?'}"
        success = bool(info.get("curriculum_success", info.get("success", False)))
        metrics_logger.log_value((CURRICULUM_KEY, "episodes", name), 1, reduce="sum")
        metrics_logger.log_value((CURRICULUM_KEY, "successes", name), int(success), reduce="sum")
        if success:  # the last passing program of this runner's iteration: what the agent found, for people to read
            program = str(info.get("program", ""))
            metrics_logger.log_value((CURRICULUM_KEY, PASSING_PROGRAM_KEY), program, reduce="item_series", window=1)
        # Decision t saw a stream of n_task + t tokens; count the decisions where it exceeded W.
        observation = episode.get_observations(-1)
        n_task = int(np.count_nonzero(observation["task"]))
        # STOP and an invalid token are decisions that append nothing; max_length and pass end on an appended token.
        decisions = int(info.get("program_length", 0)) + (1 if info.get("end") in ("stop", "invalid_token") else 0)
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
        self.last_counts = family_counts(counts)
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


def callback_class(window: int):
    """CurriculumCallback with the model's W for the stream-overflow statistic (a class: RLlib instantiates it per process)."""
    return type(f"CurriculumCallbackW{window}", (CurriculumCallback,), {"window": window})


# ----------------------------------------------------------------------------- the learner


class PPOLearnerWithClipFraction(PPOTorchLearner):
    """PPO's loss unchanged; logs the share of samples whose probability ratio left [1 - clip, 1 + clip], and approx KL.

    RLlib logs entropy and explained variance itself, but its KL only when the
    KL penalty is on (`use_kl_loss`). Entropy is over allowed actions only:
    the modules add FLOAT_MIN to the logits of forbidden actions, so their
    probability is exactly 0. With an exploration floor the batch's
    log-probabilities are those of the sampling distribution, so `approx_kl`
    and the clip fraction measure the new policy against what was sampled.
    """

    def before_gradient_based_update(self, *, timesteps: dict[str, Any]) -> None:
        super().before_gradient_based_update(timesteps=timesteps)
        # The KL early stop (PPOSettings.target_kl) holds for one iteration's epochs and minibatches.
        self._kl_stopped, self._steps_taken, self._steps_offered = False, 0, 0

    def after_gradient_based_update(self, *, timesteps: dict[str, Any]) -> None:
        super().after_gradient_based_update(timesteps=timesteps)
        if self._steps_offered:
            for module_id in self.module.keys():  # noqa: SIM118  (a MultiRLModule has keys() but no __iter__)
                applied = self._steps_taken / self._steps_offered
                self.metrics.log_value((module_id, UPDATES_APPLIED_KEY), applied, window=1)

    def apply_gradients(self, gradients_dict) -> None:
        # Called only inside update(), after before_gradient_based_update has set the counters.
        self._steps_offered += 1
        if self._kl_stopped:
            return  # the optimiser's state is left as it was, as if the minibatch had not come
        self._steps_taken += 1
        super().apply_gradients(gradients_dict)

    def compute_loss_for_module(self, *, module_id, config, batch: dict[str, Any], fwd_out: dict[str, Any]):
        loss = super().compute_loss_for_module(module_id=module_id, config=config, batch=batch, fwd_out=fwd_out)
        with torch.no_grad():
            module = self.module[module_id].unwrapped()
            dist = module.get_train_action_dist_cls().from_logits(fwd_out[Columns.ACTION_DIST_INPUTS])
            ratio = torch.exp(dist.logp(batch[Columns.ACTIONS]) - batch[Columns.ACTION_LOGP])
            clipped = ((ratio - 1.0).abs() > config.clip_param).float()
            approx_kl = (ratio - 1.0) - ratio.log()  # Schulman's low-variance estimator of KL(old || new)
            if Columns.LOSS_MASK in batch:
                mask = batch[Columns.LOSS_MASK]
                count = mask.sum().clamp(min=1)
                fraction, kl = clipped[mask].sum() / count, approx_kl[mask].sum() / count
            else:
                fraction, kl = clipped.mean(), approx_kl.mean()
        self.metrics.log_value((module_id, CLIP_FRACTION_KEY), fraction.item(), window=1)
        self.metrics.log_value((module_id, APPROX_KL_KEY), kl.item(), window=1)
        target_kl = (config.learner_config_dict or {}).get("target_kl")
        if target_kl is not None and kl.item() > KL_STOP_FACTOR * target_kl:
            self._kl_stopped = True  # this minibatch's step and the rest of the iteration's are skipped
        return loss


# ----------------------------------------------------------------------------- self-imitation (agents.kept)


def sil_loss(logits: torch.Tensor, values: torch.Tensor, actions: torch.Tensor, returns: torch.Tensor):
    """(loss, -log pi(a|s) per row): SIL (Oh et al. 2018), mean over rows of
    -log pi(a|s) * max(R - V(s), 0) + 0.5 * max(R - V(s), 0)^2, the advantage held constant in the first term."""
    log_probs = torch.log_softmax(logits, -1)
    nll = -log_probs.gather(-1, actions.long()[:, None])[:, 0]
    advantage = (returns - values).clamp(min=0.0)
    loss = (nll * advantage.detach()).mean() + 0.5 * (advantage**2).mean()
    return loss, nll


def sil_step(learner, batch: dict[str, Any], weight: float, lr: float, grad_clip: float) -> dict[str, float]:
    """One self-imitation step on the learner's module with its own Adam (kept on the learner between calls).

    Runs inside the learner's process (`learner_group.foreach_learner`); `batch`
    is agents.kept.replay_batch's rows (numpy). Returns the loss and the mean
    -log pi of the buffer's actions before the step.
    """
    from ray.rllib.core import DEFAULT_MODULE_ID

    module = learner.module[DEFAULT_MODULE_ID].unwrapped()
    optimizer = sil_optimizer(learner, lr)
    keys = module.observation_space.spaces.keys()
    obs = {key: torch.as_tensor(np.asarray(batch[key])) for key in keys}
    logits, values = module.net(obs)
    loss, nll = sil_loss(logits, values, torch.as_tensor(batch["actions"]), torch.as_tensor(batch["returns"]))
    optimizer.zero_grad()
    (weight * loss).backward()
    if grad_clip > 0:
        torch.nn.utils.clip_grad_norm_(module.parameters(), grad_clip)
    optimizer.step()
    return {"sil_loss": float(loss.detach()), "sil_nll": float(nll.detach().mean())}


def advance_weights_seq_no(learner) -> None:
    """Mark the learner's weights as new. Env runners take weights only with a higher sequence number than they hold,
    and RLlib raises it only in its own update(): without this the sync after the SIL steps was skipped, and every
    iteration sampled with the weights of before them while PPO's update started from after them (its first
    minibatch's KL 0.03-0.09, not 0)."""
    learner._weights_seq_no += 1


def sil_optimizer(learner, lr: float) -> torch.optim.Optimizer:
    """The learner's self-imitation Adam over its module's parameters, made on first use and kept on the learner
    (`_sil_optimizer`) between calls: apart from RLlib's own optimisers, which it knows nothing of."""
    from ray.rllib.core import DEFAULT_MODULE_ID

    optimizer = getattr(learner, "_sil_optimizer", None)
    if optimizer is None:
        module = learner.module[DEFAULT_MODULE_ID].unwrapped()
        optimizer = learner._sil_optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    return optimizer


def _on_cpu(tree: Any) -> Any:
    """A copy of a state_dict with every tensor on the CPU: a snapshot (not the live moments) that loads anywhere."""
    if isinstance(tree, torch.Tensor):
        return tree.detach().to("cpu", copy=True)
    if isinstance(tree, dict):
        return {key: _on_cpu(value) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_on_cpu(value) for value in tree)
    return tree


def sil_optimizer_state(learner, lr: float) -> dict[str, Any]:
    """The state_dict of the learner's SIL Adam on the CPU (a fresh Adam's, no moments, before its first step).

    Runs inside the learner's process (`learner_group.foreach_learner`), as sil_step does."""
    return _on_cpu(sil_optimizer(learner, lr).state_dict())


def load_sil_optimizer_state(learner, state: dict[str, Any] | None, lr: float) -> str | None:
    """Give the learner a new SIL Adam over its current module's parameters, loaded with `state` (a
    `sil_optimizer_state`) unless None (a fresh one); None, or why `state` did not fit (then the Adam is fresh).

    New, not reused: a restore may have replaced the parameters the old one
    pointed at. torch moves the moments to the parameters' device; it checks
    the parameter count but not the shapes, which a moment of another network
    would only break at the next step, so they are checked here."""
    learner._sil_optimizer = None
    optimizer = sil_optimizer(learner, lr)
    if state is None:
        return None
    try:
        optimizer.load_state_dict(state)
        for group in optimizer.param_groups:
            for parameter in group["params"]:
                for name, moment in optimizer.state.get(parameter, {}).items():
                    if name != "step" and tuple(moment.shape) != tuple(parameter.shape):
                        raise ValueError(
                            f"{name} has shape {tuple(moment.shape)}, its parameter {tuple(parameter.shape)}"
                        )
    except (ValueError, KeyError, TypeError) as err:  # another network's or a foreign dict
        learner._sil_optimizer = None
        sil_optimizer(learner, lr)
        return f"{type(err).__name__}: {(str(err).strip().splitlines() or [''])[0]}"
    return None


# ----------------------------------------------------------------------------- the network


def module_spec(cfg: TrainConfig):
    """The RLModuleSpec of cfg.model: the one place that picks the network class (model_config = ModelSettings' fields)."""
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec

    from agents.backends.rllib_module import StreamModule

    settings: dict[str, Any] = cfg.model.settings()
    if cfg.exploration_floor > 0:
        settings["exploration_floor"] = float(cfg.exploration_floor)
    return RLModuleSpec(module_class=StreamModule, model_config=settings)


# ----------------------------------------------------------------------------- the backend


def build_algo_config(cfg: TrainConfig, curriculum_state: dict | None = None):
    """The PPOConfig of a run (new API stack, custom module and learner, fault-tolerant env runners)."""
    from ray.rllib.algorithms.ppo import PPOConfig

    ppo = cfg.ppo
    window = cfg.model.window if cfg.model.name in WINDOWED_MODELS else 10**9
    return (
        PPOConfig()
        .environment(register(), env_config=env_config(cfg, curriculum_state))
        .framework("torch")
        .env_runners(
            num_env_runners=cfg.rllib.num_env_runners,
            num_envs_per_env_runner=cfg.rllib.num_envs_per_env_runner,
            rollout_fragment_length="auto",
        )
        .rl_module(rl_module_spec=module_spec(cfg))
        .training(
            lr=ppo.lr,
            gamma=ppo.gamma,
            lambda_=ppo.lambda_,
            clip_param=ppo.clip_param,
            vf_clip_param=ppo.vf_clip_param,
            vf_loss_coeff=ppo.vf_loss_coeff,
            entropy_coeff=ppo.entropy_schedule(),  # type: ignore[arg-type]  # documented: a float or [[t, value], ...]
            grad_clip=ppo.grad_clip,
            train_batch_size_per_learner=ppo.train_batch_size,
            minibatch_size=ppo.minibatch_size,
            num_epochs=ppo.num_epochs,
            use_kl_loss=ppo.use_kl_loss,
        )
        .learners(learner_class=PPOLearnerWithClipFraction, learner_config_dict={"target_kl": ppo.target_kl})
        .callbacks(callback_class(window))
        .fault_tolerance(
            restart_failed_env_runners=True, max_num_env_runner_restarts=100, delay_between_env_runner_restarts_s=1.0
        )
        .debugging(seed=cfg.seed, log_level="ERROR")
        .reporting(metrics_num_episodes_for_smoothing=100)
    )


def init_ray(cfg: TrainConfig, log: Callable[[str], None]) -> bool:
    """Join `cfg.rllib.address`, or start a private local Ray (never a stale cluster); True if this call started it."""
    address = cfg.rllib.address
    if address:
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

    from agents.ray_cleanup import end_own_ray_at_exit, reap_orphaned_ray

    if ray.is_initialized():
        return False
    reap_orphaned_ray(log)  # what a trainer killed with kill -9 left (its Ray agents ignore SIGTERM)
    end_own_ray_at_exit()  # ours end with us: normal exit, SIGTERM, SIGHUP
    # One torch thread per process: on a shared 2-core machine two threads per process ran 20x slower.
    threads = str(cfg.rllib.torch_threads)
    thread_vars = {"OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    # A fresh held-out split (curricula.heldout) must reach workers on a joined cluster too, whose raylet is not ours.
    thread_vars |= {name: os.environ[name] for name in (EMIT_CHAR_SEED_VARIABLE,) if name in os.environ}
    if address:
        repo = Path(__file__).resolve().parent.parent.parent
        ray.init(
            address=address,
            include_dashboard=False,
            log_to_driver=False,
            runtime_env={"env_vars": {"PYTHONPATH": str(repo), **thread_vars}},
        )
        log(f"joined Ray cluster at {address}: {ray.cluster_resources().get('CPU', 0):.0f} CPUs")
    else:
        # address="local" always starts a new cluster: a killed earlier run can leave a
        # ray_current_cluster file that a plain ray.init() would try to join.
        ray.init(
            address="local",
            num_cpus=cfg.rllib.num_cpus or os.cpu_count(),
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
            runtime_env={"env_vars": thread_vars},
        )
    return True


def env_runner_count(cfg: TrainConfig, log: Callable[[str], None]) -> int:
    """Remote env runners: cfg.rllib.num_env_runners if set; else 0 locally, or sized to a joined cluster's free CPUs."""
    requested = cfg.rllib.num_env_runners
    if not cfg.rllib.address:
        return requested or 0
    import ray

    from agents.cluster import env_runners_for_cluster

    return env_runners_for_cluster(ray.available_resources().get("CPU", 0.0), requested, log)


def _get(tree: Any, *keys: str, default: Any = None) -> Any:
    for key in keys:
        if not isinstance(tree, dict) or key not in tree:
            return default
        tree = tree[key]
    return tree


def init_weights(algo, source: str | Path, log: Callable[[str], None]) -> None:
    """Start the algorithm's network from the weights of another run's checkpoint (a run or checkpoint directory)."""
    from agents import policies
    from agents import run_dir as rd

    checkpoint = rd.resolve_checkpoint(source)
    if policies.is_jax_checkpoint(checkpoint):
        raise ValueError(
            f"init_from {str(source)!r} is a JAX checkpoint; the RLlib backend loads torch weights only "
            "(start from an RLlib checkpoint, or train this run with --backend jax)"
        )
    module_dir = policies.rllib_module_dir(checkpoint)
    component = "/".join(policies.MODULE_PATH)
    algo.restore_from_path(str(module_dir.resolve()), component=component)
    # The learner holds the weights now; the env runners sample with theirs.
    algo.env_runner_group.sync_weights(from_worker_or_learner_group=algo.learner_group, inference_only=True)
    log(f"network weights from {checkpoint}")


def current_module(algo):
    """The RL module holding the newest weights in this process: the local env runner's (synced after every train()),
    else the local learner's; a remote copy only when neither is here."""
    from ray.rllib.core import DEFAULT_MODULE_ID

    if getattr(getattr(algo, "env_runner", None), "module", None) is None and algo.learner_group.is_local:
        return algo.learner_group._learner.module[DEFAULT_MODULE_ID]  # what RLlib itself reads of a local learner
    return algo.get_module(DEFAULT_MODULE_ID)


class Backend:
    """agents.loop.Backend for RLlib: Ray, the PPO algorithm and its curriculum callback."""

    extra_columns: tuple[str, ...] = ("env_runner_restarts", PASSING_PROGRAM_KEY)
    """Remote env runners that crashed and were restarted (RLlib's fault tolerance), over the whole process; one
    program that passed in the iteration (PASSING_PROGRAM_KEY); with kept successes on, also KEPT_COLUMNS."""

    def __init__(
        self, cfg: TrainConfig, run_dir: Path, scheduler_state: dict | None, log: Callable[[str], None] = print
    ):
        torch.set_num_threads(cfg.rllib.torch_threads)
        self.cfg, self.log, self.run_dir = cfg, log, Path(run_dir)
        self._greedy: Any = None
        self.started_ray = init_ray(cfg, log)
        self.algo = None
        try:
            runners = env_runner_count(cfg, log)
            if runners != cfg.rllib.num_env_runners:  # the run's config keeps None ("size to where it runs")
                cfg = dataclasses.replace(cfg, rllib=dataclasses.replace(cfg.rllib, num_env_runners=runners))
            self.algo = build_algo_config(cfg, scheduler_state).build_algo()
            if scheduler_state is None and cfg.init_from is not None:
                init_weights(self.algo, cfg.init_from, log)
        except BaseException:
            self.close()
            raise
        callbacks = self.algo.callbacks
        self.callback: CurriculumCallback = callbacks[0] if isinstance(callbacks, list) else callbacks
        self.restarts_seen = 0
        self.kept = KeptSuccesses(cfg.kept.top_k) if cfg.kept.enabled else None
        if self.kept is not None:
            self.extra_columns = (*type(self).extra_columns, *KEPT_COLUMNS)
        self.kept_rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 0x51C]))
        self.iterations = 0

    def iterate(self) -> dict[str, Any]:
        assert self.algo is not None, "built in __init__"
        result = self.algo.train()
        runners = result.get(ENV_RUNNER_RESULTS, {}) or {}
        learner = _get(result, LEARNER_RESULTS, "default_policy", default={}) or {}
        stream = runners.get(STREAM_KEY, {}) or {}
        decisions = float(stream.get("decisions", 0) or 0)
        counts = self.callback.last_counts
        episodes = sum(n for n, _ in counts.values())
        restarts = _get(result, "fault_tolerance", "num_remote_worker_restarts")
        if int(restarts or 0) > self.restarts_seen:
            self.restarts_seen = int(restarts)
            self.log(f"env runners restarted after a crash: {self.restarts_seen} so far (RLlib fault tolerance)")
        return {
            "timesteps": _count(runners.get("num_env_steps_sampled")),
            "stage": int(self.callback.scheduler.state_dict().get("stage", 0)),
            "counts": counts,
            "mean_return": runners.get("episode_return_mean"),
            "mean_length": runners.get("episode_len_mean"),
            "sample_s": _get(result, "timers", "env_runner_sampling_timer"),
            "learn_s": _get(result, "timers", "learner_update_timer"),
            "kl": learner.get(APPROX_KL_KEY),
            "entropy": learner.get("entropy"),
            "vf_explained_var": learner.get("vf_explained_var"),
            "clip_fraction": learner.get(CLIP_FRACTION_KEY),
            "updates_applied": learner.get(UPDATES_APPLIED_KEY),
            "policy_loss": learner.get("policy_loss"),
            "vf_loss": learner.get("vf_loss"),
            "stream_over_window": float(stream.get("over_window", 0)) / decisions if decisions else None,
            "episodes_over_window": float(stream.get("episodes_over_window", 0)) / episodes if episodes else None,
            "env_runner_restarts": restarts,
            PASSING_PROGRAM_KEY: passing_program(runners),
            **self.keep_and_imitate(),
        }

    # ------------------------------------------------------------------ kept successes
    def replay_options(self) -> dict[str, Any]:
        """The env_config kept programs are replayed under (the current curriculum state: its stage's languages)."""
        return replay_config(env_config(self.cfg, self.callback.scheduler.state_dict()))

    def keep_and_imitate(self) -> dict[str, Any]:
        """Drain the env runners' finished episodes into the buffer, then every sil_every iterations one SIL step
        on the learner and a weight sync to the env runners; the KEPT_COLUMNS of this iteration."""
        self.iterations += 1
        if self.kept is None:
            return {}
        assert self.algo is not None, "built in __init__"
        drained = self.algo.env_runner_group.foreach_env_runner(drain_kept_queue, local_env_runner=True)
        passed: list[KeptEntry] = []
        relabelled: list[KeptEntry] = []
        for items in drained or []:
            for item in items or []:
                entry = KeptEntry(item[0], tuple(item[1]), item[2], item[3], item[4] or 0.0, bool(item[5]))
                (relabelled if item[4] is None else passed).append(entry)
        admit(self.kept, passed, relabelled, self.replay_options(), make_env=make_training_env)
        row: dict[str, Any] = {"kept_size": len(self.kept), "sil_loss": None, "sil_nll": None}
        settings = self.cfg.kept
        if len(self.kept) and settings.sil_weight > 0 and self.iterations % settings.sil_every == 0:
            row.update(self.imitate())
        return row

    def imitate(self) -> dict[str, float]:
        """sil_steps SIL steps, each on sil_batch replayed transitions of buffer samples; then the env runners get the weights."""
        assert self.algo is not None and self.kept is not None, "built in __init__"
        settings = self.cfg.kept
        wanted = settings.sil_batch * settings.sil_steps
        batch = sample_transitions(self.kept, self.kept_rng, wanted, self.replay_options(), make_env=make_training_env)
        if batch is None:
            return {}
        stats: list[dict[str, float]] = []
        for _ in range(settings.sil_steps):
            rows = transitions(batch, self.kept_rng, settings.sil_batch)
            results = self.algo.learner_group.foreach_learner(
                sil_step, batch=rows, weight=settings.sil_weight, lr=self.cfg.ppo.lr, grad_clip=self.cfg.ppo.grad_clip
            )
            stats += [r.get() for r in results if r.ok][:1]
        self.algo.learner_group.foreach_learner(advance_weights_seq_no)
        self.algo.env_runner_group.sync_weights(
            from_worker_or_learner_group=self.algo.learner_group, inference_only=True
        )
        # the first step's numbers: the loss and -log pi before this round changed the weights
        return stats[0] if stats else {}

    def save(self, folder: Path) -> None:
        assert self.algo is not None, "built in __init__"
        self.algo.save_to_path(str(Path(folder).resolve()))
        if self.kept is not None:
            self.kept.save(Path(folder) / KEPT_FILE)
            self.save_sil_optimizer(Path(folder) / SIL_OPTIMIZER_FILE)

    def restore(self, folder: Path) -> None:
        assert self.algo is not None, "built in __init__"
        self.algo.restore_from_path(str(Path(folder).resolve()))
        if self.kept is not None:
            self.kept.load(Path(folder) / KEPT_FILE, self.log)
            self.restore_sil_optimizer(Path(folder) / SIL_OPTIMIZER_FILE)

    def save_sil_optimizer(self, path: Path) -> None:
        """Write the learner's SIL Adam (its state_dict, a torch file) to `path`, whole or not at all.

        Every learner steps its own Adam on the same rows, so the first learner's state stands for all of them."""
        from reasonenv.files import atomic_file

        assert self.algo is not None, "built in __init__"
        results = self.algo.learner_group.foreach_learner(sil_optimizer_state, lr=self.cfg.ppo.lr)
        states = [r.get() for r in results if r.ok]
        if not states:
            errors = [r.get() for r in results]
            raise RuntimeError(f"no learner gave its SIL optimiser state; {path} not written") from (
                errors[0] if errors else None
            )
        with atomic_file(path, "wb") as handle:
            torch.save(states[0], handle)

    def restore_sil_optimizer(self, path: Path) -> None:
        """Load `path` into every learner's SIL Adam; missing or damaged: a fresh Adam, with one line."""
        assert self.algo is not None, "built in __init__"
        state = None
        if not path.is_file():
            self.log(f"no SIL optimiser state in {path.parent} (a checkpoint written before it was saved); "
                     "self-imitation starts with a fresh Adam")  # fmt: skip
        else:
            try:
                state = torch.load(path, map_location="cpu", weights_only=True)
            except Exception as err:  # any damage (truncated, garbage): the run goes on with fresh moments
                first = (str(err).strip().splitlines() or [type(err).__name__])[0]
                self.log(f"SIL optimiser state {path} is damaged ({type(err).__name__}: {first}); "
                         "self-imitation starts with a fresh Adam")  # fmt: skip
        results = self.algo.learner_group.foreach_learner(load_sil_optimizer_state, state=state, lr=self.cfg.ppo.lr)
        for result in results:
            if not result.ok:  # a remote learner's error comes back as the result (get() returns it)
                raise RuntimeError(f"a learner could not load the SIL optimiser state of {path}") from result.get()
        problems = [result.get() for result in results if result.get() is not None]
        if problems:
            self.log(f"SIL optimiser state {path} does not fit this network ({problems[0]}); "
                     "self-imitation starts with a fresh Adam")  # fmt: skip

    def scheduler_state(self) -> dict[str, Any]:
        return self.callback.scheduler.state_dict()

    @property
    def scheduler(self):
        """The driver's one curriculum scheduler (the callback's)."""
        return self.callback.scheduler

    def greedy_policy(self):
        """agents.policies.GreedyModulePolicy over the current weights: the driver's env-runner module, which
        RLlib syncs from the learner at the end of every train(); the local learner's module when there is none."""
        from agents.policies import GreedyModulePolicy

        assert self.algo is not None, "built in __init__"
        module = current_module(self.algo)
        if self._greedy is None or self._greedy.module is not module:
            self._greedy = GreedyModulePolicy(module, self.run_dir, self.cfg.to_dict())
        return self._greedy

    def sync_scheduler(self) -> None:
        """Push the scheduler's state to every env runner (after the loop's hooks moved its stage)."""
        assert self.algo is not None, "built in __init__"
        push_curriculum_state(self.algo.env_runner_group, self.scheduler.state_dict())

    @staticmethod
    def check_checkpoint(checkpoint: Path) -> None:
        """Unpickle every .pkl of `checkpoint`'s algorithm/ (what restore_from_path reads); raises if one is damaged."""
        import pickle

        for path in sorted((Path(checkpoint) / "algorithm").rglob("*.pkl")):
            with path.open("rb") as handle:
                pickle.load(handle)

    def close(self) -> None:
        if self.algo is not None:
            self.algo.stop()
            self.algo = None
        if self.started_ray:
            import ray

            ray.shutdown()
            self.started_ray = False
            from agents.ray_cleanup import end_own_ray

            end_own_ray(self.log)  # the agents ray.shutdown() leaves behind
