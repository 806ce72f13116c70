"""A small, readable PPO + supervised trainer for the experiment scripts, over a synchronous vector of token envs.

    venv = VecTokenEnv(MixtureSampler(entries), num_envs=32, shape=shape)
    model = build_arm("pointer+memory", shape.observation_space(), shape.action_space(), {"dim": 32})
    stats = ppo_train(model, venv, PPOConfig(), env_steps=50_000)
    rates = greedy_success(model, targets, shape, instances=32)

Why not `reasonenv train`: the experiments train many small cells (arm x
seed x target) for a fixed number of env steps or programs, fine-tune the
same weights on new languages and mix in a supervised phase; RLlib's start-up
and run directories would cost more than the cells themselves. The networks
are the same modules (agents.models / agents.experiment_models), the PPO
loss is agents.jax_trainer's (clipped policy loss, clipped value loss,
entropy over allowed actions, gamma = 1, GAE), written out below.

Budgets are counted, never timed: `env_steps` (tokens emitted, STOP
included) and `programs` (finished episodes = programs executed on the
hidden tests). Every env draws its instances with content_split="train";
evaluation asks held-out content (reasonenv.evaluation.target_instances).
All envs share one observation shape (`Shape`): a fixed `task` length, a
fixed program length and the action slots padded to `num_actions`, so one
network serves Brainfuck, its dialects, Ook! and Befunge-93.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from reasonenv.envs.action_wrappers import PadActions, PermuteActions

OBS_KEYS = ("task", "program", "action_mask", "action_effects")


@dataclass(frozen=True)
class Shape:
    """The one observation shape every env of an experiment is padded to."""

    task_length: int = 128
    max_program_length: int = 32
    num_actions: int = 39
    """Action slots (Befunge-93 has 39; Brainfuck's 9 are padded with masked `pad` slots)."""

    def observation_space(self):
        from gymnasium import spaces

        A = self.num_actions
        return spaces.Dict(
            {
                "task": spaces.Box(0, 263, (self.task_length,), np.int32),
                "program": spaces.Box(0, A - 1, (self.max_program_length,), np.int32),
                "action_mask": spaces.Box(0, 1, (A,), np.int8),
                "action_effects": spaces.Box(0, 63, (A,), np.int32),
            }
        )

    def action_space(self):
        from gymnasium import spaces

        return spaces.Discrete(self.num_actions)


@dataclass(frozen=True)
class Entry:
    """One thing to ask: a family at a level (or config), in a language; `instance` fixes one instance."""

    family: str
    level: int | None = None
    config: tuple = ()
    language: str = "bf"
    instance: Any = None

    @property
    def key(self) -> str:
        level = f"-L{self.level}" if self.level is not None else ""
        extra = "-" + ",".join(f"{k}={v}" for k, v in self.config) if self.config else ""
        return f"{self.family}{level}{extra}@{self.language}"


class MixtureSampler:
    """Entries drawn with fixed weights (no promotion)."""

    def __init__(self, entries: Sequence[Entry], weights: Sequence[float] | None = None):
        if not entries:
            raise ValueError("MixtureSampler needs at least one entry")
        self.entries = list(entries)
        w = np.asarray(weights if weights is not None else [1.0] * len(entries), float)
        self.p = w / w.sum()

    def sample(self, rng: np.random.Generator) -> tuple[Entry, int]:
        return self.entries[int(rng.choice(len(self.entries), p=self.p))], 0

    def update(self, results) -> None:
        pass

    @property
    def stage(self) -> int:
        return 0


class CurriculumSampler:
    """A shipped curriculum's scheduler (curricula.schedulers), fed with every finished episode: one scheduler for all envs."""

    def __init__(self, curriculum: str, language: str = "bf", last_stage: int | None = None):
        from curricula.schedulers import load_curriculum

        self.scheduler = load_curriculum(curriculum)
        self.language = language
        if last_stage is not None and hasattr(self.scheduler, "stages"):
            self.scheduler.stages = self.scheduler.stages[: last_stage + 1]

    def sample(self, rng):
        spec = self.scheduler.sample(rng)
        config = tuple(sorted(spec.config.items()))
        return Entry(spec.family, spec.level, config, spec.language or self.language), spec.stage

    def update(self, results) -> None:
        from curricula.schedulers import EpisodeResult

        self.scheduler.update([EpisodeResult(e.family, ok, key=None, stage=stage) for e, stage, ok in results])

    @property
    def stage(self) -> int:
        return int(getattr(self.scheduler, "stage", 0))


def make_env(
    entry: Entry,
    shape: Shape,
    *,
    scoring: str | None,
    step_penalty: float,
    content_split: str,
    permute: bool,
    seed: int,
):
    """A SynthesisEnv for one entry, padded to the shape (and permuted per episode if asked)."""
    from reasonenv.envs.synthesis import SynthesisEnv

    env = SynthesisEnv(
        language=entry.language,
        task=entry.family,
        difficulty=entry.level,
        task_config=dict(entry.config) or None,
        scoring=scoring,
        step_penalty=step_penalty,
        task_length=shape.task_length,
        max_program_length=shape.max_program_length,
        content_split=content_split,
        cache_size=1024,
    )
    padded = PadActions(env, shape.num_actions)
    return PermuteActions(padded, seed=seed) if permute else padded


class VecTokenEnv:
    """`num_envs` token envs stepped together; each episode asks an entry drawn from the sampler; auto-reset.

    Counters: `env_steps` (every step), `programs` (every finished episode).
    """

    def __init__(
        self,
        sampler,
        num_envs: int,
        shape: Shape,
        *,
        scoring: str | None = "pqt",
        step_penalty: float = 0.0005,
        content_split: str = "train",
        permute: bool = False,
        seed: int = 0,
        reward_clip: float = 1.0,
    ):
        self.sampler, self.num_envs, self.shape = sampler, num_envs, shape
        self.options: dict[str, Any] = dict(
            scoring=scoring, step_penalty=step_penalty, content_split=content_split, permute=permute
        )
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.reward_clip = reward_clip
        self._envs: dict[tuple[int, str], Any] = {}
        self.current: list[Any] = [None] * num_envs
        # Placeholders that _reset fills for every i below, before anything reads them.
        self.entries: list[tuple[Entry, int]] = [None] * num_envs  # type: ignore[list-item]
        self.obs: list[dict] = [None] * num_envs  # type: ignore[list-item]
        self.env_steps = 0
        self.programs = 0
        for i in range(num_envs):
            self._reset(i)

    def _reset(self, i: int) -> None:
        entry, stage = self.sampler.sample(self.rng)
        key = (i, entry.key)
        env = self._envs.get(key)
        if env is None:
            env = self._envs[key] = make_env(entry, self.shape, seed=self.seed * 1000 + i, **self.options)
        seed = int(self.rng.integers(2**31))
        options = {"instance": entry.instance} if entry.instance is not None else None
        obs, _ = env.reset(seed=seed, options=options)
        self.current[i], self.entries[i], self.obs[i] = env, (entry, stage), obs

    def observation(self) -> dict[str, np.ndarray]:
        return {k: np.stack([np.asarray(o[k]) for o in self.obs]) for k in OBS_KEYS}

    def step(self, actions: np.ndarray):
        """(rewards, dones, finished) where finished lists (entry, stage, success, program, info) per ended episode."""
        rewards = np.zeros(self.num_envs, np.float32)
        dones = np.zeros(self.num_envs, bool)
        finished = []
        for i, action in enumerate(actions):
            obs, reward, term, trunc, info = self.current[i].step(int(action))
            self.env_steps += 1
            rewards[i] = np.clip(reward, -self.reward_clip, self.reward_clip)
            self.obs[i] = obs
            if term or trunc:
                dones[i] = True
                self.programs += 1
                entry, stage = self.entries[i]
                finished.append((entry, stage, bool(info.get("success", False)), info.get("program", ""), info))
                self._reset(i)
        if finished:
            self.sampler.update([(e, s, ok) for e, s, ok, _, _ in finished])
        return rewards, dones, finished


def to_torch(obs: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {k: torch.as_tensor(np.asarray(v)) for k, v in obs.items()}


def policy_outputs(model, obs: dict[str, torch.Tensor]):
    """(masked logits, value) of a StreamModel on a batch."""
    from agents.nets.torch_nets import masked_logits

    h, logits = model.encode(obs)
    return masked_logits(logits, obs["action_mask"]), model.value_head(h).squeeze(-1)


@dataclass
class PPOConfig:
    """PPO settings of the experiment cells (agents.train_config.PPOSettings' names, smaller rollouts)."""

    lr: float = 3e-4
    gamma: float = 1.0
    lambda_: float = 0.95
    clip_param: float = 0.2
    vf_clip_param: float = 10.0
    vf_loss_coeff: float = 0.5
    entropy_coeff: float = 0.01
    grad_clip: float = 0.5
    rollout_steps: int = 16
    """Steps per env per iteration (batch = num_envs x rollout_steps)."""
    minibatch_size: int = 256
    num_epochs: int = 2


@dataclass
class TrainLog:
    """What a PPO run did: counters, success of finished episodes per iteration, first success program per entry."""

    env_steps: int = 0
    programs: int = 0
    curve: list[tuple[int, int, float]] = field(default_factory=list)
    """(env_steps, programs, success rate of the episodes finished in that iteration)."""
    first_success: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Entry key -> (programs executed when first solved, program text)."""
    stage: int = 0


def ppo_train(
    model,
    venv: VecTokenEnv,
    cfg: PPOConfig,
    *,
    env_steps: int | None = None,
    programs: int | None = None,
    stop: Callable[[TrainLog], bool] | None = None,
    log: TrainLog | None = None,
    seed: int = 0,
) -> TrainLog:
    """PPO until `env_steps` or `programs` (counted by venv since this call) is reached, or `stop(log)` is true."""
    if env_steps is None and programs is None:
        raise ValueError("ppo_train needs a budget: env_steps or programs")
    torch.manual_seed(seed)
    log = log or TrainLog()
    base_steps, base_programs = log.env_steps, log.programs
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    start_steps, start_programs = venv.env_steps, venv.programs
    T, B = cfg.rollout_steps, venv.num_envs

    def spent() -> bool:
        return (env_steps is not None and venv.env_steps - start_steps >= env_steps) or (
            programs is not None and venv.programs - start_programs >= programs
        )

    while not spent():
        obs_buf, act_buf, logp_buf, val_buf, rew_buf, done_buf = [], [], [], [], [], []
        outcomes = []
        model.eval()
        with torch.no_grad():
            for _ in range(T):
                obs = to_torch(venv.observation())
                logits, value = policy_outputs(model, obs)
                dist = torch.distributions.Categorical(logits=logits)
                action = dist.sample()
                rewards, dones, finished = venv.step(action.numpy())
                obs_buf.append(obs)
                act_buf.append(action)
                logp_buf.append(dist.log_prob(action))
                val_buf.append(value)
                rew_buf.append(torch.as_tensor(rewards))
                done_buf.append(torch.as_tensor(dones, dtype=torch.float32))
                for entry, _, ok, program, _ in finished:
                    outcomes.append(ok)
                    if ok and entry.key not in log.first_success:
                        log.first_success[entry.key] = (base_programs + venv.programs - start_programs, program)
            _, last_value = policy_outputs(model, to_torch(venv.observation()))
        # GAE, reversed; `done` cuts the bootstrap (the reward of a finished episode is final).
        advantages = torch.zeros(T, B)
        next_adv, next_value = torch.zeros(B), last_value
        for t in reversed(range(T)):
            not_done = 1.0 - done_buf[t]
            delta = rew_buf[t] + cfg.gamma * next_value * not_done - val_buf[t]
            next_adv = delta + cfg.gamma * cfg.lambda_ * not_done * next_adv
            advantages[t] = next_adv
            next_value = val_buf[t]
        values = torch.stack(val_buf)
        returns = advantages + values
        flat_obs = {k: torch.cat([o[k] for o in obs_buf]) for k in OBS_KEYS}
        actions, old_logp = torch.cat(act_buf), torch.cat(logp_buf)
        adv, ret = advantages.reshape(-1), returns.reshape(-1)
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        model.train()
        n = T * B
        for _ in range(cfg.num_epochs):
            order = torch.randperm(n)
            for start in range(0, n, cfg.minibatch_size):
                rows = order[start : start + cfg.minibatch_size]
                logits, value = policy_outputs(model, {k: v[rows] for k, v in flat_obs.items()})
                log_probs = F.log_softmax(logits, -1)
                logp = log_probs.gather(1, actions[rows, None])[:, 0]
                ratio = torch.exp(logp - old_logp[rows])
                a = adv[rows]
                policy_loss = torch.max(-a * ratio, -a * ratio.clamp(1 - cfg.clip_param, 1 + cfg.clip_param)).mean()
                vf_loss = torch.clamp((value - ret[rows]) ** 2, max=cfg.vf_clip_param).mean()
                probs = log_probs.exp()
                entropy = -(probs * torch.where(probs > 0, log_probs, torch.zeros_like(log_probs))).sum(-1).mean()
                loss = policy_loss + cfg.vf_loss_coeff * vf_loss - cfg.entropy_coeff * entropy
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                optimizer.step()
        log.env_steps = base_steps + venv.env_steps - start_steps
        log.programs = base_programs + venv.programs - start_programs
        log.curve.append((log.env_steps, log.programs, float(np.mean(outcomes)) if outcomes else float("nan")))
        log.stage = venv.sampler.stage
        if stop is not None and stop(log):
            break
    model.eval()
    return log


# ----------------------------------------------------------------------------- supervised pretraining


def demonstrations(
    entries: Sequence[Entry], shape: Shape, per_entry: int, seed: int = 0
) -> tuple[list[dict], int, int]:
    """Teacher-forced (observation, action) pairs of reference solutions on training-content instances.

    Each reference program is tokenised through the env's token table and
    replayed in the env (so every observation, mask included, is exactly
    what the agent would see), STOP last. Returns (steps, programs used,
    programs skipped: no reference, or longer than max_program_length).
    """
    from curricula.base import reference_solution

    steps: list[dict] = []
    used = skipped = 0
    rng = np.random.default_rng(seed)
    for entry in entries:
        env = make_env(
            entry, shape, scoring="binary", step_penalty=0.0, content_split="train", permute=False, seed=seed
        )
        for _ in range(per_entry):
            obs, _ = env.reset(seed=int(rng.integers(2**31)))
            instance = env.unwrapped.instance
            text = reference_solution(instance, entry.language)
            if text is None:
                skipped += 1
                continue
            actions = env.unwrapped.token_table.actions(text)
            if len(actions) >= shape.max_program_length:
                skipped += 1
                continue
            for action in [*actions, 0]:
                steps.append({k: np.asarray(obs[k]) for k in OBS_KEYS} | {"action": action})
                obs, _, term, trunc, info = env.step(action)
            used += 1
    return steps, used, skipped


def supervised_train(
    model, steps: list[dict], *, updates: int, batch_size: int = 256, lr: float = 3e-4, seed: int = 0
) -> list[float]:
    """Next-token cross-entropy on demonstration steps; returns the loss per update."""
    if not steps:
        raise ValueError("supervised_train got no demonstration steps")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    for _ in range(updates):
        rows = rng.integers(len(steps), size=min(batch_size, len(steps)))
        obs = {k: torch.as_tensor(np.stack([steps[r][k] for r in rows])) for k in OBS_KEYS}
        target = torch.as_tensor([steps[r]["action"] for r in rows])
        logits, _ = policy_outputs(model, obs)
        loss = F.cross_entropy(logits, target)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return losses


# ----------------------------------------------------------------------------- evaluation


def greedy_actions(model) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    def act(obs):
        with torch.no_grad():
            logits, _ = policy_outputs(model, to_torch(obs))
        return logits.argmax(-1).numpy()

    return act


def random_actions(seed: int = 0) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    """reasonenv.policy.RandomMaskedPolicy, row by row: the project's chance."""
    from reasonenv.policy import RandomMaskedPolicy

    policy = RandomMaskedPolicy(seed)

    def act(obs):
        return np.array([policy.act({"action_mask": m}) for m in obs["action_mask"]])

    return act


def success_on(
    act, entry: Entry, instances: Sequence[Any], shape: Shape, *, batch: int = 32, permute: bool = False
) -> tuple[int, int, list[str]]:
    """(passed, episodes, programs) of `act` (batched actions) on the given instances of one entry."""
    envs = [
        make_env(entry, shape, scoring="binary", step_penalty=0.0, content_split="all", permute=permute, seed=i)
        for i in range(min(batch, len(instances)))
    ]
    passed, programs = 0, []
    for start in range(0, len(instances), len(envs)):
        chunk = instances[start : start + len(envs)]
        live = list(range(len(chunk)))
        obs = [envs[j].reset(seed=start + j, options={"instance": inst})[0] for j, inst in enumerate(chunk)]
        while live:
            batch_obs = {k: np.stack([np.asarray(obs[j][k]) for j in live]) for k in OBS_KEYS}
            actions = act(batch_obs)
            still = []
            for j, action in zip(live, actions):
                obs[j], _, term, trunc, info = envs[j].step(int(action))
                if term or trunc:
                    passed += int(info.get("success", False))
                    programs.append(info.get("program", ""))
                else:
                    still.append(j)
            live = still
    return passed, len(instances), programs


def heldout_instances(entry: Entry, count: int, content: str = "heldout") -> tuple[list[Any], bool]:
    """The first `count` held-out (or training) content instances of an entry, as reasonenv.evaluation picks them."""
    from reasonenv.evaluation import EvalTarget, target_instances

    target = EvalTarget(entry.family, entry.language, entry.level, dict(entry.config))
    chosen, heldout, _ = target_instances(target, count, content)
    return chosen, heldout


def evaluate_entries(
    act, entries: Iterable[Entry], shape: Shape, instances: int, content: str = "heldout", permute: bool = False
) -> dict[str, dict[str, Any]]:
    """Entry key -> {passed, episodes, rate, heldout} on `instances` held-out (or training) instances."""
    out = {}
    for entry in entries:
        chosen, heldout = heldout_instances(entry, instances, content)
        passed, episodes, _ = success_on(act, entry, chosen, shape, permute=permute)
        out[entry.key] = {"passed": passed, "episodes": episodes, "rate": passed / max(1, episodes), "heldout": heldout}
    return out
