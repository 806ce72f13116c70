"""The JAX backend of agents.loop: PPO fully inside jit (PureJaxRL style) over the functional token env (Brainfuck family).

    Backend(cfg, run_dir, scheduler_state, log).iterate()   # one collect + learn; agents.loop does the rest

One iteration, top to bottom:

1. `collect` (jitted): `lax.scan` over `num_steps` env steps, `vmap` over
   `num_envs` envs: the policy samples masked actions, the env steps and
   auto-resets. Rewards of finishing steps are left pending; after the
   scan every finished program is verified in one batched call
   (`reasonenv.envs.jax_verify.verify_finished`: fixed-size compaction,
   then the batched Brainfuck interpreter) and the training reward of
   agents.reward (its jnp twin) is written as that step's reward.
2. `learn` (jitted): GAE (gamma = 1 by default, no bootstrap past an
   episode's end: the length cap is terminal, as agents.reward says),
   advantages normalised over the batch, then `num_epochs` epochs of
   shuffled minibatches of the clipped PPO loss (policy + vf_loss_coeff *
   min(value error^2, vf_clip_param) - the entropy weight (ppo.entropy_at:
   constant, or decaying with the env steps) * entropy over allowed
   actions), Adam with global-norm clipping. No KL term (RLlib's is off
   too: `use_kl_loss=False`).
3. On the host (`Backend.iterate`): finished episodes go to the one
   curriculum scheduler (`curricula.schedulers`, binary success, the
   episode's own stage), whose stage sets the env params' entry weights.

Checkpoints: `algorithm/state` is an orbax PyTree (params, optimizer state,
RNG key; with kept successes on, also the SIL optimiser's state) and `algorithm/jax_policy.json` what `agents.policies` needs to
rebuild the model. What this backend cannot honour it refuses in
`check_config`, with one line: `action_slots`, `permute_actions`,
`init_from` of an RLlib checkpoint, languages outside Brainfuck's family.

jax/flax/optax are imported in this module; neither gymnasium nor ray is.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import flax.struct as struct
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax.training.train_state import TrainState

from agents import run_dir as rd
from agents.config import KL_STOP_FACTOR, TrainConfig
from agents.nets.flax_nets import build_model
from agents.reward import SHAPINGS, potential_reward_jnp, training_reward_jnp
from agents.run_dir import POLICY_FILE, STATE_DIR  # one definition of the checkpoint layout

WINDOWED_MODELS = ("small-context", "small-window")
"""Models that see only the last W stream tokens (the others read the whole stream)."""


def parameter_count(params) -> int:
    return int(sum(x.size for x in jax.tree_util.tree_leaves(params)))


def check_config(cfg: TrainConfig) -> TrainConfig:
    """cfg.validate() plus what only this backend needs; a ValueError of one line for what it cannot honour."""
    from curricula.schedulers import load_curriculum
    from reasonenv.envs.jax_pool import curriculum_entries, language_tables

    cfg.validate()
    if cfg.backend != "jax":
        raise ValueError(f"agents.backends.jax trains backend 'jax', got {cfg.backend!r}")
    if cfg.action_slots is not None:
        raise ValueError(
            f"action_slots={cfg.action_slots}: the JAX backend cannot pad action slots; use --backend rllib"
        )
    if cfg.permute_actions:
        raise ValueError("permute_actions: the JAX backend cannot permute action slots; use --backend rllib")
    if cfg.init_from is not None:
        from agents.run_dir import is_jax_checkpoint

        if not is_jax_checkpoint(rd.resolve_checkpoint(cfg.init_from)):
            raise ValueError(
                f"init_from {cfg.init_from!r} is not a JAX checkpoint; the JAX backend loads Flax weights only"
            )
    languages = {entry.language for entry in curriculum_entries(load_curriculum(cfg.curriculum))}
    language_tables(sorted(languages), None)  # ValueError for languages outside Brainfuck's family
    return cfg


def use_compilation_cache() -> str | None:
    """Keep compiled updates on disk (REASONENV_JAX_CACHE, default ~/.cache/reasonenv/jax; "" turns it off).

    Compiling the update takes most of a short run's first minute; a resumed
    or repeated run with the same shapes loads it instead.
    """
    import os

    folder = os.environ.get("REASONENV_JAX_CACHE", str(Path.home() / ".cache" / "reasonenv" / "jax"))
    cached = jax.config.jax_compilation_cache_dir  # type: ignore[attr-defined]  # jax's Config makes its flags at runtime
    if not folder or cached:
        return cached or None
    jax.config.update("jax_compilation_cache_dir", folder)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
    return folder


def episode_actions(program, length: int, last_action: int) -> tuple[int, ...]:
    """The action ids of a finished episode, as a kept entry replays them: its program's first `length` actions, then
    STOP (0) when the last action taken was STOP. An episode ended on its last token (the length cap, or
    `end_on_pass`) has none; an invalid token is not in the program, and its replay ends on a STOP of its own."""
    actions = tuple(int(a) for a in program[:length])
    return actions + (0,) if last_action == 0 else actions


class Transition(NamedTuple):
    """One env step of every env ([num_envs] leaves; [T, num_envs] after the scan)."""

    obs: dict
    action: jax.Array
    log_prob: jax.Array
    value: jax.Array
    reward: jax.Array
    done: jax.Array
    needs_verification: jax.Array
    program: jax.Array
    language: jax.Array
    entry: jax.Array
    slot: jax.Array
    stage: jax.Array
    length: jax.Array
    potential_change: jax.Array  # phi after the step - phi before it (0 without the execution observation)


@struct.dataclass
class RolloutCarry:
    """What carries over between iterations: weights + optimizer, env states, last observations, RNG."""

    train_state: TrainState
    env_state: Any
    obs: dict
    rng: jax.Array


# ----------------------------------------------------------------------------- the jitted pieces


def generalized_advantages(rewards, values, dones, last_value, gamma: float, lambda_: float):
    """GAE over [T, B] arrays by a reversed scan; `done` cuts the bootstrap (with gamma = 1 the verified end is final).

    delta_t = r_t + gamma * V_{t+1} * (1 - done_t) - V_t
    A_t     = delta_t + gamma * lambda * (1 - done_t) * A_{t+1}
    """

    def backward(carry, step):
        advantage, next_value = carry
        reward, value, done = step
        not_done = 1.0 - done.astype(jnp.float32)
        delta = reward + gamma * next_value * not_done - value
        advantage = delta + gamma * lambda_ * not_done * advantage
        return (advantage, value), advantage

    _, advantages = jax.lax.scan(
        backward, (jnp.zeros_like(last_value), last_value), (rewards, values, dones), reverse=True
    )
    return advantages


def chunk_rows(rows: int, chunk: int) -> int:
    """The rows of one gradient pass over a batch of `rows`: the largest divisor of `rows` not above `chunk` (0: all)."""
    if chunk <= 0 or chunk >= rows:
        return rows
    return next(size for size in range(chunk, 0, -1) if rows % size == 0)


def chunked_gradient(loss_fn, params, batch, rows: int):
    """(gradient, aux) of `loss_fn(params, batch)`, a mean over the batch's rows, as the mean over equal chunks of
    `rows` rows of each chunk's (one pass per chunk, by `lax.scan`); aux (means too) is averaged the same way.

    The same mean, summed in another order (equal up to float rounding). Why: on CPU one pass over a 512-row
    minibatch of the execution-reading net costs more per row than 64-row passes (measured: docs/training.md).
    """
    total = jax.tree_util.tree_leaves(batch)[0].shape[0]
    if rows >= total:
        return jax.grad(loss_fn, has_aux=True)(params, batch)
    count = total // rows
    parts = jax.tree_util.tree_map(lambda x: x.reshape((count, rows) + x.shape[1:]), batch)

    def one(summed, part):
        grads, aux = jax.grad(loss_fn, has_aux=True)(params, part)
        return jax.tree_util.tree_map(jnp.add, summed, grads), aux

    summed, aux = jax.lax.scan(one, jax.tree_util.tree_map(jnp.zeros_like, params), parts)
    mean = lambda x: x / count  # noqa: E731
    return jax.tree_util.tree_map(mean, summed), jax.tree_util.tree_map(lambda x: x.mean(0), aux)


def behaviour_logits(logits, mask, exploration_floor: float):
    """Logits of what the rollout samples: the policy, mixed with a uniform floor over allowed actions if set."""
    if exploration_floor <= 0:
        return logits
    allowed = mask.astype(bool)
    uniform = allowed / jnp.maximum(allowed.sum(-1, keepdims=True), 1)
    mixed = (1.0 - exploration_floor) * jax.nn.softmax(logits) + exploration_floor * uniform
    return jnp.where(allowed, jnp.log(jnp.maximum(mixed, 1e-30)), logits)  # masked actions keep their -1e9


def make_functions(
    env,
    model,
    ppo,
    num_envs: int,
    num_steps: int,
    verify_chunk: int,
    shaped_weight: float = 1.0,
    success_bonus: float = 0.0,
    exploration_floor: float = 0.0,
    shaping: str = "score",
    grad_chunk: int = 0,
):
    """(collect, learn): the two jitted halves of one PPO iteration.

    The training reward is agents.reward's (its jnp twin) of `shaping`:
    "score", shaped_weight * clip(env reward, -1, 1) + success_bonus *
    success; "potential", env reward + (success_bonus - 1) * success +
    shaped_weight * (gamma phi' - phi), phi the env's potential of the program
    before the step (`state.execution.potential`: after an auto-reset, that
    of the next episode's empty program) and phi' the step's
    info["potential"], as the RLlib wrapper pays over the Gym env.
    With `exploration_floor` e > 0 the rollout samples from (1 - e) * policy +
    e * uniform over the allowed actions and records that distribution's
    log-probability, so PPO's ratio (policy / behaviour) corrects for it, as
    the RLlib module does. `grad_chunk` (JaxSettings.grad_chunk): rows per
    gradient pass of a minibatch (`chunked_gradient`).
    """
    from reasonenv.envs.jax_verify import verify_finished

    if shaping not in SHAPINGS:
        raise ValueError(f"shaping must be one of {list(SHAPINGS)}, got {shaping!r}")

    def policy_step(carry, _):
        runner, env_params = carry
        rng, act_key, step_key = jax.random.split(runner.rng, 3)
        logits, value = model.apply(runner.train_state.params, runner.obs)
        logits = behaviour_logits(logits, runner.obs["action_mask"], exploration_floor)
        action = jax.random.categorical(act_key, logits)
        log_prob = jnp.take_along_axis(jax.nn.log_softmax(logits), action[:, None], axis=1)[:, 0]
        step_keys = jax.random.split(step_key, num_envs)
        obs, env_state, reward, done, info = jax.vmap(env.step, (0, 0, 0, None))(
            step_keys, runner.env_state, action, env_params
        )
        if shaping == "potential":  # phi before the step is the state's, taken before env.step replaced it
            if runner.env_state.execution is None:
                raise ValueError("shaping 'potential' needs the env's execution: build the params with execution=True")
            potential_change = ppo.gamma * info["potential"] - runner.env_state.execution.potential
        else:
            potential_change = jnp.zeros_like(reward)
        transition = Transition(
            runner.obs,
            action,
            log_prob,
            value,
            reward,
            done,
            info["needs_verification"],
            info["program"],
            info["language"],
            info["entry"],
            info["slot"],
            info["stage"],
            info["length"],
            potential_change,
        )
        return (dataclasses.replace(runner, env_state=env_state, obs=obs, rng=rng), env_params), transition

    @jax.jit
    def collect(runner: RolloutCarry, env_params):
        (runner, _), traj = jax.lax.scan(policy_step, (runner, env_params), None, num_steps)
        # Rewards come only at episode ends: verify every finished program at once, then fill them in.
        final, success, passed = verify_finished(
            env_params, traj.needs_verification, traj.program, traj.language, traj.entry, traj.slot, chunk=verify_chunk
        )
        if shaping == "potential":
            reward = potential_reward_jnp(
                traj.reward + final, success, traj.potential_change, shaped_weight, success_bonus
            )
        else:
            reward = training_reward_jnp(traj.reward + final, success, shaped_weight, success_bonus)
        traj = traj._replace(reward=reward)
        _, last_value = model.apply(runner.train_state.params, runner.obs)
        window = model.window if model.architecture in WINDOWED_MODELS else 10**9  # the others see the whole stream
        stream = (traj.obs["task"] != 0).sum(-1) + (traj.obs["program"] != 0).sum(-1)
        episodes = {
            "done": traj.done,
            "entry": traj.entry,
            "stage": traj.stage,
            "success": success,
            "reward": reward,
            "length": traj.length,
            "stream_over_window": (stream > window).mean(),
            "final_stream": (traj.obs["task"][..., :] != 0).sum(-1) + traj.length,
        }
        return runner, traj, last_value, episodes

    def ppo_loss(params, batch, advantages, targets, entropy_coeff):
        logits, value = model.apply(params, batch.obs)
        log_probs = jax.nn.log_softmax(logits)
        log_prob = jnp.take_along_axis(log_probs, batch.action[:, None], axis=1)[:, 0]
        log_ratio = log_prob - batch.log_prob
        ratio = jnp.exp(log_ratio)
        policy_loss = jnp.maximum(
            -advantages * ratio, -advantages * jnp.clip(ratio, 1 - ppo.clip_param, 1 + ppo.clip_param)
        ).mean()
        vf_loss = jnp.minimum((value - targets) ** 2, ppo.vf_clip_param).mean()  # RLlib clips the loss itself
        probs = jnp.exp(log_probs)  # masked actions: probability 0, so they add nothing to the entropy
        entropy = -(probs * log_probs).sum(-1).mean()
        loss = policy_loss + ppo.vf_loss_coeff * vf_loss - entropy_coeff * entropy
        stats = {
            "policy_loss": policy_loss,
            "vf_loss": vf_loss,
            "entropy": entropy,
            "kl": ((ratio - 1) - log_ratio).mean(),
            "clip_fraction": (jnp.abs(ratio - 1) > ppo.clip_param).mean(),
        }
        return loss, stats

    batch_size = num_envs * num_steps
    minibatches = max(1, batch_size // ppo.minibatch_size)

    @jax.jit
    def learn(runner: RolloutCarry, traj: Transition, last_value):
        advantages = generalized_advantages(traj.reward, traj.value, traj.done, last_value, ppo.gamma, ppo.lambda_)
        targets = advantages + traj.value
        flat = lambda x: x.reshape((batch_size,) + x.shape[2:])  # noqa: E731
        batch = jax.tree_util.tree_map(flat, traj)
        advantages, targets = flat(advantages), flat(targets)
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        # Env steps trained on before this batch, from the optimiser's step count (restored with the weights).
        timestep = (runner.train_state.step // (ppo.num_epochs * minibatches)) * batch_size
        entropy_coeff = ppo.entropy_at(timestep.astype(jnp.float32))

        def epoch(carry, _):
            train_state, rng, stopped = carry
            rng, key = jax.random.split(rng)
            order = jax.random.permutation(key, batch_size)[: minibatches * ppo.minibatch_size]
            order = order.reshape(minibatches, -1)

            def minibatch(carry, rows):
                train_state, stopped = carry
                pick = lambda x: x[rows]  # noqa: E731
                grads, stats = chunked_gradient(
                    lambda p, part: ppo_loss(p, part[0], part[1], part[2], entropy_coeff),
                    train_state.params,
                    (jax.tree_util.tree_map(pick, batch), advantages[rows], targets[rows]),
                    chunk_rows(ppo.minibatch_size, grad_chunk),
                )
                stepped = train_state.apply_gradients(grads=grads)
                if ppo.target_kl is not None:
                    # SB3's target_kl: the KL measured before this step; once over, no more steps this iteration
                    stopped = stopped | (stats["kl"] > KL_STOP_FACTOR * ppo.target_kl)
                    # A skipped step still counts in `step`: the entropy schedule reads env steps from it.
                    skipped = train_state.replace(step=stepped.step)
                    stepped = jax.tree_util.tree_map(lambda a, b: jnp.where(stopped, a, b), skipped, stepped)
                stats["updates_applied"] = 1.0 - stopped.astype(jnp.float32)
                return (stepped, stopped), stats

            (train_state, stopped), stats = jax.lax.scan(minibatch, (train_state, stopped), order)
            return (train_state, rng, stopped), stats

        rng, key = jax.random.split(runner.rng)
        start = (runner.train_state, key, jnp.zeros((), bool))
        (train_state, _, _), stats = jax.lax.scan(epoch, start, None, ppo.num_epochs)
        stats = jax.tree_util.tree_map(jnp.mean, stats)
        residual = targets - batch.value
        stats["vf_explained_var"] = 1.0 - residual.var() / (targets.var() + 1e-8)
        return dataclasses.replace(runner, train_state=train_state, rng=rng), stats

    return collect, learn


# ----------------------------------------------------------------------------- host side


class Pool:
    """The env params of a curriculum: instance pool on device, entry weights from the host scheduler."""

    def __init__(self, cfg: TrainConfig, scheduler, seed: int):
        from reasonenv.envs.jax_pool import curriculum_entries

        self.cfg, self.settings, self.scheduler = cfg, cfg.jax, scheduler
        self.entries = curriculum_entries(scheduler)
        self.generation = 0
        self.seed = seed
        self.params, self.info = self._build(None)
        self.shape = tuple(int(x) for x in self.params.test_input.shape[2:4]) + (int(self.params.test_output.shape[3]),)
        self.sync()

    def _build(self, shape):
        from reasonenv.envs.config import TokenOptions
        from reasonenv.envs.jax_pool import build_params

        # The execution rows and budget of the Gym env's defaults: kept programs replay there (agents.kept), and a
        # replayed observation must be the array the policy saw here.
        defaults = TokenOptions()
        return build_params(
            self.entries,
            pool_size=self.settings.pool_size,
            pool_seed=self.seed * 1_000_003 + self.generation,
            content_split="train",
            max_program_length=self.cfg.max_program_length,
            task_length=self.cfg.task_length,
            scoring=self.cfg.reward.scoring,
            step_penalty=self.cfg.reward.step_penalty,
            min_test_shape=shape or (1, 1, 1),
            execution=self.cfg.execution,
            execution_examples=defaults.execution_examples,
            execution_output=defaults.execution_output,
            execution_steps=defaults.execution_steps,
            end_on_pass=self.cfg.end_on_pass,
        )

    def refresh(self) -> None:
        """Draw a fresh pool of the same shapes (new instances, same entries and split).

        `info` is replaced too: kept successes and relabelling read an episode's instance from it by (entry, slot),
        and the old pool's instance there would be kept with a program that never ran on it."""
        self.generation += 1
        params, self.info = self._build(self.shape)
        self.params = params.replace(entry_weights=self.params.entry_weights, stage=self.params.stage)

    def sync(self) -> None:
        """Entry weights and stage from the scheduler's current state."""
        from reasonenv.envs.jax_pool import scheduler_weights

        weights, stage = scheduler_weights(self.scheduler, self.entries)
        self.params = commit(self.params.replace(entry_weights=jnp.asarray(weights), stage=jnp.int32(stage)))


def commit(tree):
    """Every leaf as an array committed to the device: jit specialises on committed vs not, so mixing them recompiles."""
    return jax.device_put(tree, jax.devices()[0])


def episode_results(pool: Pool, episodes: dict[str, np.ndarray]):
    """EpisodeResults of the finished episodes, in time order (the trainer interleaves them before the scheduler sees them)."""
    from curricula.schedulers import EpisodeResult

    steps, envs = np.nonzero(episodes["done"])
    results = []
    for t, b in zip(steps, envs):
        entry = pool.entries[int(episodes["entry"][t, b])]
        results.append(
            EpisodeResult(
                entry.family,
                bool(episodes["success"][t, b]),
                float(episodes["reward"][t, b]),
                key=entry.key,
                stage=int(episodes["stage"][t, b]),
            )
        )
    return results


def episode_returns(rewards: np.ndarray, done: np.ndarray, carried: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return of each episode at its last step ([T, B]) and the partial returns carried to the next rollout."""
    totals = np.zeros_like(rewards)
    running = carried.copy()
    for t in range(rewards.shape[0]):
        running += rewards[t]
        totals[t] = running
        running[done[t]] = 0.0
    return totals, running


SIL_STATE_KEY = "sil_opt_state"
"""The self-imitation optimiser's optax state in the orbax tree (written only with kept successes on)."""


def save_state(path: Path, runner: RolloutCarry, policy_meta: dict[str, Any], sil_opt_state: Any = None) -> None:
    """algorithm/: the orbax PyTree (params, optimizer state, RNG, and the SIL optimiser's state when given) and the
    policy description."""
    import orbax.checkpoint as ocp

    path.mkdir(parents=True, exist_ok=True)
    tree = {
        "params": runner.train_state.params,
        "opt_state": runner.train_state.opt_state,
        "step": runner.train_state.step,
        "rng": runner.rng,
    }
    if sil_opt_state is not None:
        tree[SIL_STATE_KEY] = sil_opt_state
    ocp.PyTreeCheckpointer().save((path / STATE_DIR).resolve(), tree)
    rd.write_json(path / POLICY_FILE, policy_meta)


def saved_keys(path: Path) -> set[str]:
    """The top-level keys of the orbax tree in algorithm/ `path` (from its metadata; no array is read)."""
    import orbax.checkpoint as ocp

    metadata = ocp.PyTreeCheckpointer().metadata((path / STATE_DIR).resolve())
    tree = getattr(metadata, "item_metadata", metadata)  # orbax 0.12 wraps the tree (a mapping) in a StepMetadata
    return {str(key) for key in tree}


def restore_state(path: Path, runner: RolloutCarry, sil_opt_state: Any = None) -> tuple[RolloutCarry, Any]:
    """(the carry with the saved params, optimizer state, step and RNG; the saved SIL optimiser state or None).

    `sil_opt_state` is the template (a fresh `sil_tx.init`) its saved
    counterpart is read into; None when there is none (from a checkpoint
    written before that state was saved, too) or no template was given.
    Partial restore: a checkpoint holding a SIL state loads without one.
    """
    import orbax.checkpoint as ocp

    target = {
        "params": runner.train_state.params,
        "opt_state": runner.train_state.opt_state,
        "step": runner.train_state.step,
        "rng": runner.rng,
    }
    if sil_opt_state is not None and SIL_STATE_KEY in saved_keys(path):
        target[SIL_STATE_KEY] = sil_opt_state
    tree = ocp.PyTreeCheckpointer().restore(
        (path / STATE_DIR).resolve(), args=ocp.args.PyTreeRestore(item=target, partial_restore=True)
    )
    tree = jax.tree_util.tree_map(lambda like, value: jnp.asarray(value, like.dtype), target, tree)  # dtypes as built
    state = runner.train_state.replace(params=tree["params"], opt_state=tree["opt_state"], step=tree["step"])
    return dataclasses.replace(runner, train_state=state, rng=tree["rng"]), tree.get(SIL_STATE_KEY)


def episode_counts(pool: Pool, episodes: dict[str, np.ndarray]) -> dict[tuple[int, str], tuple[int, int]]:
    """{(stage, family): (episodes, successes)} of one rollout's finished episodes (each at its own stage)."""
    done = episodes["done"]
    families = np.array([e.family for e in pool.entries])
    counts: dict[tuple[int, str], list[int]] = {}
    for stage, family, success in zip(
        episodes["stage"][done], families[episodes["entry"][done]], episodes["success"][done]
    ):
        total = counts.setdefault((int(stage), str(family)), [0, 0])
        total[0] += 1
        total[1] += int(bool(success))
    return {key: (n, s) for key, (n, s) in counts.items()}


def init_params(runner: RolloutCarry, source: str | Path, log: Callable[[str], None]) -> RolloutCarry:
    """The carry with the network weights of another JAX checkpoint (fresh optimizer); ValueError if shapes differ."""
    from agents.policies import load_jax_params

    checkpoint = rd.resolve_checkpoint(source)
    _, params, _ = load_jax_params(checkpoint)
    ours = runner.train_state.params
    want = jax.tree_util.tree_map(lambda x: tuple(x.shape), ours)
    got = jax.tree_util.tree_map(lambda x: tuple(np.shape(x)), params)
    same_tree = str(jax.tree_util.tree_structure(ours)) == str(jax.tree_util.tree_structure(params))
    if not same_tree or want != got:
        raise ValueError(
            f"init_from {str(source)!r}: its network has other shapes than this run's (model, sizes, task_length "
            "and action count must match)"
        )
    params = jax.tree_util.tree_map(lambda like, value: jnp.asarray(value, like.dtype), ours, params)
    log(f"network weights from {checkpoint}")
    return dataclasses.replace(runner, train_state=runner.train_state.replace(params=params))


# ----------------------------------------------------------------------------- self-imitation (agents.kept)

KEPT_COLUMNS = ("kept_size", "sil_loss", "sil_nll")
"""progress.csv columns of the kept-successes buffer: its size, the SIL loss, the mean -log pi of the buffer's
actions before the step (None in iterations without a step)."""
RELABEL_PER_ITERATION = 64
"""Failed programs relabelled per iteration at most (each runs on the host interpreter: curricula.relabel)."""


def sil_loss(params, apply_fn, obs, actions, returns, weights, count=None):
    """SIL (Oh et al. 2018): weighted mean of -log pi(a|s) * max(R - V, 0) + 0.5 * max(R - V, 0)^2, the advantage
    held constant in the first term; `weights` 0 marks padding rows. Returns (loss, mean -log pi).
    `count` replaces the mean's denominator (default: these rows' weights, at least 1), for a chunk of a batch."""
    logits, values = apply_fn(params, obs)
    nll = -jnp.take_along_axis(jax.nn.log_softmax(logits), actions[:, None], axis=1)[:, 0]
    advantage = jnp.maximum(returns - values, 0.0)
    per_row = nll * jax.lax.stop_gradient(advantage) + 0.5 * advantage**2
    count = jnp.maximum(weights.sum(), 1.0) if count is None else count
    return (per_row * weights).sum() / count, (nll * weights).sum() / count


def make_sil_step(apply_fn, tx, weight: float, grad_chunk: int = 0):
    """A jitted SIL step on the PPO params with its own optax state: (params, opt_state, rows) -> (params, opt_state,
    loss, nll); `grad_chunk` rows per gradient pass (`chunked_gradient`)."""

    @jax.jit
    def step(params, opt_state, obs, actions, returns, weights):
        rows = chunk_rows(int(weights.shape[0]), grad_chunk)
        chunks = weights.shape[0] // rows
        # each chunk's sum over the whole batch's weight, times the chunk count: their mean is the batch's loss
        share = jnp.maximum(weights.sum(), 1.0) / chunks

        def objective(p, part):
            loss, nll = sil_loss(p, apply_fn, *part, count=share)
            return weight * loss, (loss, nll)

        grads, (loss, nll) = chunked_gradient(objective, params, (obs, actions, returns, weights), rows)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss, nll

    return step


class Backend:
    """agents.loop.Backend for JAX: the device pool, the jitted collect / learn, and the host scheduler."""

    extra_columns: tuple[str, ...] = ()

    def __init__(
        self, cfg: TrainConfig, run_dir: Path, scheduler_state: dict | None, log: Callable[[str], None] = print
    ):
        from curricula.schedulers import load_curriculum
        from reasonenv.envs.jax_token_env import JaxTokenEnv

        check_config(cfg)
        use_compilation_cache()
        self.cfg, self.log, self.run_dir = cfg, log, Path(run_dir)
        ppo, settings = cfg.ppo, cfg.jax
        self.num_envs = settings.num_envs
        self.num_steps = max(1, ppo.train_batch_size // self.num_envs)
        if ppo.minibatch_size > self.num_envs * self.num_steps:
            raise ValueError(
                f"ppo.minibatch_size ({ppo.minibatch_size}) exceeds the rollout "
                f"({self.num_envs} envs x {self.num_steps} steps)"
            )
        self.scheduler = load_curriculum(cfg.curriculum)
        if scheduler_state is not None:
            self.scheduler.load_state_dict(scheduler_state)
        self.pool = pool = Pool(cfg, self.scheduler, cfg.seed)
        env = JaxTokenEnv(pool.params)
        rng = jax.random.PRNGKey(cfg.seed)
        rng, init_key, reset_key = jax.random.split(rng, 3)
        obs, env_state = jax.jit(jax.vmap(env.reset, (0, None)))(
            jax.random.split(reset_key, self.num_envs), pool.params
        )
        # The env's observation decides whether the net reads the execution (its (E, F) per env).
        execution_shape = (
            (int(obs["execution"].shape[1]), int(obs["execution"].shape[2])) if "execution" in obs else None
        )
        model = build_model(
            cfg.model.name,
            cfg.model.sizes(),
            pool.info.task_length,
            cfg.max_program_length,
            pool.info.num_actions,
            cfg.model.actions,
            value_features=cfg.model.value_features,
            execution_shape=execution_shape,
            byte_rows=cfg.model.byte_rows,
            effects=cfg.model.effects,
            signed_step=cfg.model.signed_step,
        )
        # Under jit: flax's eager init compiles every primitive on its own (about 300 compiles, 12 s on 2 cores).
        weights = jax.jit(model.init)(init_key, jax.tree_util.tree_map(lambda x: x[:1], obs))
        tx = optax.chain(optax.clip_by_global_norm(ppo.grad_clip), optax.adam(ppo.lr))
        state = TrainState.create(apply_fn=model.apply, params=weights, tx=tx).replace(step=jnp.zeros((), jnp.int32))
        runner = RolloutCarry(state, env_state, obs, rng)
        if scheduler_state is None and cfg.init_from is not None:
            runner = init_params(runner, cfg.init_from, log)
        self.runner = commit(runner)
        log(
            f"[agents.backends.jax] {cfg.model.name}: {parameter_count(weights):,} parameters; {self.num_envs} envs x "
            f"{self.num_steps} steps per iteration; pool {len(pool.entries)} entries x {settings.pool_size} instances"
        )
        self.collect, self.learn = make_functions(
            env,
            model,
            ppo,
            self.num_envs,
            self.num_steps,
            settings.verify_chunk,
            cfg.reward.shaped_weight,
            cfg.reward.success_bonus,
            cfg.exploration_floor,
            cfg.reward.shaping,
            settings.grad_chunk,
        )
        self.window = (
            model.window if model.architecture in WINDOWED_MODELS else 10**9
        )  # the others see the whole stream
        self.policy_meta = {
            "backend": "jax",
            "model": cfg.model.name,
            "actions": cfg.model.actions,
            "settings": {name: int(getattr(model, name)) for name in cfg.model.SIZES},
            "value_features": bool(model.value_features),
            "byte_rows": bool(model.byte_rows),
            "effects": model.effects,
            "signed_step": bool(model.signed_step),
            "execution_shape": None if execution_shape is None else list(execution_shape),
            "task_length": pool.info.task_length,
            "program_length": cfg.max_program_length,
            "num_actions": pool.info.num_actions,
            "languages": list(pool.info.languages),
        }
        self.model = model
        self._greedy: Any = None
        self.carried = np.zeros(self.num_envs, np.float32)
        self.iterations = 0
        self.kept = None
        if cfg.kept.enabled:
            from agents.kept import KeptSuccesses, ReplayCache

            self.kept = KeptSuccesses(cfg.kept.top_k)
            # A kept entry's replayed rows never change while it stays (this backend has no seed-dependent
            # observation: no permute_actions), so each is stepped through the Gym env once, not every iteration.
            self.replay_cache = ReplayCache()
            self.extra_columns = KEPT_COLUMNS
            self.kept_rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 0x51C]))
            sil_tx = optax.chain(optax.clip_by_global_norm(ppo.grad_clip), optax.adam(ppo.lr))
            self.sil_tx = sil_tx
            self.sil_opt_state = commit(sil_tx.init(self.runner.train_state.params))
            self.sil_step = make_sil_step(model.apply, sil_tx, cfg.kept.sil_weight, settings.grad_chunk)
            from agents.reward_env import training_env

            # One object for the backend's life: agents.kept caches replay envs by the factory's identity.
            reward = cfg.reward
            self.replay_env = functools.partial(
                training_env, shaped_weight=reward.shaped_weight, success_bonus=reward.success_bonus,
                shaping=reward.shaping, discount=cfg.ppo.gamma,
            )  # fmt: skip

    def iterate(self) -> dict[str, Any]:
        import time

        from curricula.schedulers import interleaved

        tick = time.perf_counter()
        self.runner, traj, last_value, episodes = self.collect(self.runner, self.pool.params)
        episodes = jax.device_get(episodes)
        sampled = time.perf_counter()
        self.runner, stats = self.learn(self.runner, traj, last_value)
        stats = jax.device_get(stats)
        learned = time.perf_counter()
        returns, self.carried = episode_returns(episodes["reward"], episodes["done"], self.carried)
        kept_row = self.keep_and_imitate(traj, episodes, returns) if self.kept is not None else {}
        self.scheduler.update(interleaved(episode_results(self.pool, episodes)))
        self.iterations += 1
        if self.cfg.jax.pool_refresh and self.iterations % self.cfg.jax.pool_refresh == 0:
            self.pool.refresh()
        self.pool.sync()
        done = episodes["done"]
        count = int(done.sum())
        return {
            "timesteps": self.num_envs * self.num_steps,
            "stage": int(self.pool.params.stage),
            "counts": episode_counts(self.pool, episodes),
            "mean_return": float(returns[done].mean()) if count else None,
            "mean_length": float(episodes["length"][done].mean()) if count else None,
            "sample_s": sampled - tick,
            "learn_s": learned - sampled,
            "stream_over_window": float(episodes["stream_over_window"]),
            "episodes_over_window": float((episodes["final_stream"][done] > self.window).mean()) if count else None,
            **{name: float(value) for name, value in stats.items()},
            **kept_row,
        }

    # ------------------------------------------------------------------ kept successes
    def replay_options(self) -> dict[str, Any]:
        """CurriculumEnv arguments whose observations are this backend's (task length, program length, content)."""
        cfg = self.cfg
        return {
            "curriculum": cfg.curriculum,
            "scoring": cfg.reward.scoring,
            "max_program_length": cfg.max_program_length,
            "task_length": self.pool.info.task_length,
            "step_penalty": cfg.reward.step_penalty,
            "update_scheduler": False,
            "content_split": "train",
            "curriculum_state": self.scheduler.state_dict(),
            **({"execution": True} if cfg.execution else {}),  # the execution rows of the pool (TokenOptions' sizes)
            **({"end_on_pass": True} if cfg.end_on_pass else {}),
        }

    def keep_and_imitate(self, traj, episodes, returns) -> dict[str, Any]:
        """Finished episodes into the buffer (passing ones; relabelled failures when cfg.relabel), then every
        sil_every iterations one jitted SIL step on the PPO params; the KEPT_COLUMNS of this iteration."""
        from agents.kept import KeptEntry, admit

        assert self.kept is not None, "called only with the buffer on"
        programs, slots, languages, taken = jax.device_get((traj.program, traj.slot, traj.language, traj.action))
        info, done = self.pool.info, episodes["done"]
        steps, envs = np.nonzero(done)
        failed = []
        for t, b in zip(steps, envs):
            entry = info.entries[int(episodes["entry"][t, b])]
            instance = info.instances[int(episodes["entry"][t, b])][int(slots[t, b])]
            actions = episode_actions(programs[t, b], int(episodes["length"][t, b]), int(taken[t, b]))
            language = info.languages[int(languages[t, b])]
            if episodes["success"][t, b]:
                self.kept.add(KeptEntry(instance, actions, language, entry.key, float(returns[t, b])))
            elif self.cfg.relabel:
                failed.append((instance, actions, language, entry.key))
        if failed:
            from curricula.relabel import relabel_program

            picked = self.kept_rng.permutation(len(failed))[:RELABEL_PER_ITERATION]
            candidates = []
            for number in picked:
                instance, actions, language, key = failed[int(number)]
                text = info.tables[language].text([a for a in actions if a])
                relabelled = relabel_program(instance, text, language)
                if relabelled is not None:
                    candidates.append(KeptEntry(relabelled, actions, language, key, 0.0, True))
            # The replay pays the training reward as the collect did (agents.reward_env, potential shaping included).
            admit(self.kept, (), candidates, self.replay_options(), make_env=self.replay_env, cache=self.replay_cache)
        row: dict[str, Any] = {"kept_size": len(self.kept), "sil_loss": None, "sil_nll": None}
        settings = self.cfg.kept
        if len(self.kept) and settings.sil_weight > 0 and self.iterations % settings.sil_every == 0:
            row.update(self.imitate())
        return row

    def imitate(self) -> dict[str, float]:
        """sil_steps SIL steps, each on sil_batch replayed transitions (padded to sil_batch rows: one compiled shape)."""
        from agents.kept import sample_transitions, transitions

        assert self.kept is not None, "called only with the buffer on"
        settings = self.cfg.kept
        size = settings.sil_batch
        batch = sample_transitions(
            self.kept,
            self.kept_rng,
            size * settings.sil_steps,
            self.replay_options(),
            make_env=self.replay_env,
            cache=self.replay_cache,
        )
        if batch is None:
            return {}
        first: dict[str, float] = {}
        for _ in range(settings.sil_steps):
            rows = transitions(batch, self.kept_rng, size)
            n = len(rows["actions"])
            pad = np.arange(size) % n  # repeat rows up to the fixed size; weights 0 on the repeats
            like = self.runner.obs
            obs = {key: jnp.asarray(np.asarray(rows[key])[pad], like[key].dtype) for key in like}
            weights = jnp.asarray(np.arange(size) < n, jnp.float32)
            params, self.sil_opt_state, loss, nll = self.sil_step(
                self.runner.train_state.params,
                self.sil_opt_state,
                obs,
                jnp.asarray(rows["actions"][pad], jnp.int32),
                jnp.asarray(rows["returns"][pad], jnp.float32),
                weights,
            )
            state = self.runner.train_state.replace(params=params)
            self.runner = dataclasses.replace(self.runner, train_state=state)
            # the first step's numbers: the loss and -log pi before this round changed the weights (as RLlib reports)
            first = first or {"sil_loss": float(loss), "sil_nll": float(nll)}
        return first

    def save(self, folder: Path) -> None:
        save_state(Path(folder), self.runner, self.policy_meta, self.sil_opt_state if self.kept is not None else None)
        if self.kept is not None:
            self.kept.save(Path(folder) / rd.KEPT_FILE)

    def restore(self, folder: Path) -> None:
        template = self.sil_tx.init(self.runner.train_state.params) if self.kept is not None else None
        runner, sil_opt_state = restore_state(Path(folder), self.runner, template)
        self.runner = commit(runner)
        if self.kept is not None:
            self.kept.load(Path(folder) / rd.KEPT_FILE, self.log)
            if sil_opt_state is None:
                self.log(f"no SIL optimiser state in {Path(folder) / STATE_DIR} (a checkpoint written before it was "
                         "saved); self-imitation starts with a fresh Adam")  # fmt: skip
            self.sil_opt_state = commit(template if sil_opt_state is None else sil_opt_state)

    def scheduler_state(self) -> dict[str, Any]:
        return self.scheduler.state_dict()

    def greedy_policy(self):
        """agents.policies.JaxGreedyPolicy over the current params (one object, so its jitted forward compiles once)."""
        from agents.policies import JaxGreedyPolicy

        if self._greedy is None:
            self._greedy = JaxGreedyPolicy(
                self.model, self.runner.train_state.params, self.run_dir, self.policy_meta, self.cfg.to_dict()
            )
        self._greedy.params = self.runner.train_state.params
        return self._greedy

    def sync_scheduler(self) -> None:
        """Entry weights and stage of the device pool from the scheduler (after the loop's hooks moved it)."""
        self.pool.sync()

    @staticmethod
    def check_checkpoint(checkpoint: Path) -> None:
        """Read the policy description; restore the orbax PyTree only for a checkpoint without a manifest.

        `rd.checkpoint_problem` has already compared every file with the
        checkpoint's checksums.json when there is one, which is exact and
        cheap; an orbax restore of a damaged array leaves orbax's async
        threads printing an asyncio traceback at exit, so only checkpoints
        written before the manifest (no checksums.json) still take it.
        """
        import json

        algorithm = Path(checkpoint) / rd.ALGORITHM
        json.loads((algorithm / POLICY_FILE).read_text())
        if (Path(checkpoint) / rd.CHECKSUMS).exists():
            return
        import orbax.checkpoint as ocp

        ocp.PyTreeCheckpointer().restore((algorithm / STATE_DIR).resolve())

    def close(self) -> None:
        """Nothing to release: the device buffers go with the object."""
