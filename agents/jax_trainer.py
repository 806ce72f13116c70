"""PPO fully inside jit (PureJaxRL style) over the functional token env; the same run directory as the RLlib trainer.

    train(TrainConfig(curriculum="bf-basics", backend="jax", timesteps=200_000), run_dir)
    train(TrainConfig.load(run/config.json), run_dir, resume=True)

One iteration, top to bottom:

1. `collect` (jitted): `lax.scan` over `num_steps` env steps, `vmap` over
   `num_envs` envs: the policy samples masked actions, the env steps and
   auto-resets. Rewards of finishing steps are left pending; after the
   scan every finished program is verified in one batched call
   (`reasonenv.envs.jax_token_env.verify_finished`: fixed-size compaction,
   then the batched Brainfuck interpreter) and its score scattered back as
   that step's reward, as the RLlib env builds it: shaped_weight * the
   score clipped to [-1, 1] + success_bonus * binary success.
2. `learn` (jitted): GAE (gamma = 1 by default, no bootstrap past an
   episode's end), advantages normalised over the batch, then `num_epochs`
   epochs of shuffled minibatches of the clipped PPO loss
   (policy + vf_loss_coeff * min(value error^2, vf_clip_param) -
   entropy_coeff * entropy over allowed actions), Adam with global-norm
   clipping. No KL term (RLlib's is off too: `use_kl_loss=False`).
3. On the host, between jitted calls: finished episodes go to the one
   curriculum scheduler (`curricula.schedulers`, binary success, the
   episode's own stage), whose stage sets the env params' entry weights;
   the CSV row, TensorBoard, progress line and checkpoints are written as
   `agents.rllib_trainer` writes them.

Checkpoints: `checkpoints/iter_N/algorithm/state` is an orbax PyTree
(params, optimizer state, RNG key) and `algorithm/jax_policy.json` what
`agents.jax_policy.load_jax_policy` needs to rebuild the model; the
scheduler state and counters sit beside it as in every run directory, so
`--resume` continues at the same curriculum stage.

jax/flax/optax/orbax are imported in this module (and agents.flax_models,
agents.jax_policy); neither gymnasium nor ray is imported on this path.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import flax.struct as struct
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax.training.train_state import TrainState

from agents import run_dir as rd
from agents.flax_models import build_model, parameter_count
from agents.jax_policy import POLICY_FILE, STATE_DIR  # one definition of the checkpoint layout
from agents.train_config import TrainConfig

SETTINGS_FILE = "jax_settings.json"
REWARD_RANGE = (-1.0, 1.0)
"""Per-step reward clip, as agents.rllib_env clips the RLlib env's reward."""


@dataclass
class JaxSettings:
    """What only the JAX trainer has: how many envs run in one vmap and how instances are pooled."""

    num_envs: int = 64
    """Envs stepped together; the rollout is ppo.train_batch_size // num_envs steps long."""
    pool_size: int = 256
    """Instances per curriculum entry in the device pool (drawn with TaskSource, content_split='train')."""
    pool_refresh: int = 50
    """Iterations between fresh pools (new (seed, index) draws); 0 keeps the first pool."""
    verify_chunk: int = 16
    """Finished programs verified per batched interpreter call. Each call runs until its longest run ends and
    a CPU pays every lane's step, so small calls win: on bf-basics, 16 verified a rollout 4-6x faster than 128."""

    def validate(self) -> JaxSettings:
        for name, low in (("num_envs", 1), ("pool_size", 1), ("pool_refresh", 0), ("verify_chunk", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"JaxSettings.{name} must be an integer >= {low}, got {value!r}")
        return self


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


@struct.dataclass
class Runner:
    """What carries over between iterations: weights + optimizer, env states, last observations, RNG."""

    train_state: TrainState
    env_state: Any
    obs: dict
    rng: jax.Array


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


def check_config(cfg: TrainConfig) -> TrainConfig:
    """TrainConfig.validate() plus what only this backend needs: a Flax model, Brainfuck-family languages."""
    from agents.flax_models import MODEL_NAMES
    from curricula.schedulers import load_curriculum
    from reasonenv.envs.jax_pool import curriculum_entries, language_tables

    cfg.validate()
    if cfg.backend != "jax":
        raise ValueError(f"agents.jax_trainer trains backend 'jax', got {cfg.backend!r}")
    if cfg.model not in MODEL_NAMES:
        raise ValueError(f"--backend jax trains models {', '.join(MODEL_NAMES)}; got {cfg.model!r}")
    languages = {entry.language for entry in curriculum_entries(load_curriculum(cfg.curriculum))}
    language_tables(sorted(languages), None)  # ValueError for languages outside Brainfuck's family
    return cfg


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
):
    """(collect, learn): the two jitted halves of one PPO iteration.

    The training reward is the RLlib env's (agents.rllib_env.TrainingReward):
    shaped_weight * clip(env reward, -1, 1) + success_bonus * success.
    With `exploration_floor` e > 0 the rollout samples from (1 - e) * policy +
    e * uniform over the allowed actions and records that distribution's
    log-probability, so PPO's ratio (policy / behaviour) corrects for it, as
    agents.models does for RLlib.
    """
    from reasonenv.envs.jax_verify import verify_finished

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
        )
        return (dataclasses.replace(runner, env_state=env_state, obs=obs, rng=rng), env_params), transition

    @jax.jit
    def collect(runner: Runner, env_params):
        (runner, _), traj = jax.lax.scan(policy_step, (runner, env_params), None, num_steps)
        # Rewards come only at episode ends: verify every finished program at once, then fill them in.
        final, success, passed = verify_finished(
            env_params, traj.needs_verification, traj.program, traj.language, traj.entry, traj.slot, chunk=verify_chunk
        )
        reward = shaped_weight * jnp.clip(traj.reward + final, *REWARD_RANGE) + success_bonus * success
        traj = traj._replace(reward=reward)
        _, last_value = model.apply(runner.train_state.params, runner.obs)
        window = 10**9 if model.full_context else model.window  # the full-context model sees the whole stream
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

    def ppo_loss(params, batch, advantages, targets):
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
        loss = policy_loss + ppo.vf_loss_coeff * vf_loss - ppo.entropy_coeff * entropy
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
    def learn(runner: Runner, traj: Transition, last_value):
        advantages = generalized_advantages(traj.reward, traj.value, traj.done, last_value, ppo.gamma, ppo.lambda_)
        targets = advantages + traj.value
        flat = lambda x: x.reshape((batch_size,) + x.shape[2:])  # noqa: E731
        batch = jax.tree_util.tree_map(flat, traj)
        advantages, targets = flat(advantages), flat(targets)
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)

        def epoch(carry, _):
            train_state, rng = carry
            rng, key = jax.random.split(rng)
            order = jax.random.permutation(key, batch_size)[: minibatches * ppo.minibatch_size]
            order = order.reshape(minibatches, -1)

            def minibatch(train_state, rows):
                pick = lambda x: x[rows]  # noqa: E731
                grads, stats = jax.grad(ppo_loss, has_aux=True)(
                    train_state.params, jax.tree_util.tree_map(pick, batch), advantages[rows], targets[rows]
                )
                return train_state.apply_gradients(grads=grads), stats

            train_state, stats = jax.lax.scan(minibatch, train_state, order)
            return (train_state, rng), stats

        rng, key = jax.random.split(runner.rng)
        (train_state, _), stats = jax.lax.scan(epoch, (runner.train_state, key), None, ppo.num_epochs)
        stats = jax.tree_util.tree_map(jnp.mean, stats)
        residual = targets - batch.value
        stats["vf_explained_var"] = 1.0 - residual.var() / (targets.var() + 1e-8)
        return dataclasses.replace(runner, train_state=train_state, rng=rng), stats

    return collect, learn


# ----------------------------------------------------------------------------- host side


class Pool:
    """The env params of a curriculum: instance pool on device, entry weights from the host scheduler."""

    def __init__(self, cfg: TrainConfig, settings: JaxSettings, scheduler, seed: int):
        from reasonenv.envs.jax_pool import curriculum_entries

        self.cfg, self.settings, self.scheduler = cfg, settings, scheduler
        self.entries = curriculum_entries(scheduler)
        self.generation = 0
        self.seed = seed
        self.params, self.info = self._build(None)
        self.shape = tuple(int(x) for x in self.params.test_input.shape[2:4]) + (int(self.params.test_output.shape[3]),)
        self.sync()

    def _build(self, shape):
        from reasonenv.envs.jax_pool import build_params

        return build_params(
            self.entries,
            pool_size=self.settings.pool_size,
            pool_seed=self.seed * 1_000_003 + self.generation,
            content_split="train",
            max_program_length=self.cfg.max_program_length,
            scoring=self.cfg.scoring,
            step_penalty=self.cfg.step_penalty,
            min_test_shape=shape or (1, 1, 1),
        )

    def refresh(self) -> None:
        """Draw a fresh pool of the same shapes (new instances, same entries and split)."""
        self.generation += 1
        params, _ = self._build(self.shape)
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


def progress_row(
    pool: Pool,
    episodes,
    returns,
    stats,
    families,
    stage_names,
    iteration,
    timesteps,
    wall_s,
    sample_s,
    learn_s,
    batch,
    window,
):
    """One CSV row with agents.rllib_trainer's columns."""
    done = episodes["done"]
    count = int(done.sum())
    row: dict[str, Any] = {
        "iteration": iteration,
        "timesteps": timesteps,
        "wall_s": wall_s,
        "stage": int(pool.params.stage),
        "episodes": count,
        "mean_return": float(returns[done].mean()) if count else None,
        "mean_length": float(episodes["length"][done].mean()) if count else None,
        "steps_per_s": batch / (sample_s + learn_s),
        "sample_s": sample_s,
        "learn_s": learn_s,
        "stream_over_window": float(episodes["stream_over_window"]),
        "episodes_over_window": float((episodes["final_stream"][done] > window).mean()) if count else None,
        **{name: float(value) for name, value in stats.items()},
    }
    stage = row["stage"]
    row["stage_name"] = stage_names[stage] if stage < len(stage_names) else str(stage)
    successes = episodes["success"][done]
    row["success"] = float(successes.mean()) if count else None
    entry_family = np.array([e.family for e in pool.entries])
    finished_family = entry_family[episodes["entry"][done]] if count else np.array([])
    for family in families:
        mine = finished_family == family
        row[f"episodes/{family}"] = int(mine.sum())
        row[f"success/{family}"] = float(successes[mine].mean()) if mine.any() else None
    return row


def episode_returns(rewards: np.ndarray, done: np.ndarray, carried: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return of each episode at its last step ([T, B]) and the partial returns carried to the next rollout."""
    totals = np.zeros_like(rewards)
    running = carried.copy()
    for t in range(rewards.shape[0]):
        running += rewards[t]
        totals[t] = running
        running[done[t]] = 0.0
    return totals, running


def save_state(path: Path, runner: Runner, policy_meta: dict[str, Any]) -> None:
    """algorithm/: the orbax PyTree (params, optimizer state, RNG) and the policy description."""
    import orbax.checkpoint as ocp

    path.mkdir(parents=True, exist_ok=True)
    tree = {
        "params": runner.train_state.params,
        "opt_state": runner.train_state.opt_state,
        "step": runner.train_state.step,
        "rng": runner.rng,
    }
    ocp.PyTreeCheckpointer().save((path / STATE_DIR).resolve(), tree)
    rd.write_json(path / POLICY_FILE, policy_meta)


def restore_state(path: Path, runner: Runner) -> Runner:
    import orbax.checkpoint as ocp

    target = {
        "params": runner.train_state.params,
        "opt_state": runner.train_state.opt_state,
        "step": runner.train_state.step,
        "rng": runner.rng,
    }
    tree = ocp.PyTreeCheckpointer().restore((path / STATE_DIR).resolve(), item=target)
    tree = jax.tree_util.tree_map(lambda like, value: jnp.asarray(value, like.dtype), target, tree)  # dtypes as built
    state = runner.train_state.replace(params=tree["params"], opt_state=tree["opt_state"], step=tree["step"])
    return dataclasses.replace(runner, train_state=state, rng=tree["rng"])


def train(
    cfg: TrainConfig,
    run_dir: Path,
    *,
    resume: bool = False,
    log: Callable[[str], None] = print,
    settings: JaxSettings | None = None,
    should_stop: Callable[[dict], bool] | None = None,
) -> dict[str, Any]:
    """Train until cfg.budget_s / cfg.timesteps (totals of the run, resumes included); returns the last progress row."""
    from agents.rllib_trainer import TensorBoard, curriculum_info, finish, progress_columns, progress_line
    from curricula.schedulers import interleaved, load_curriculum

    started = time.perf_counter()
    check_config(cfg)
    use_compilation_cache()
    run_dir = Path(run_dir).resolve()  # orbax wants absolute paths
    stage_names, families = curriculum_info(cfg.curriculum)
    columns = progress_columns(families)
    scheduler = load_curriculum(cfg.curriculum)
    progress_state: dict[str, Any] = {"iteration": 0, "timesteps": 0, "wall_s": 0.0}
    checkpoint = rd.latest_checkpoint(run_dir) if resume else None
    if resume and (run_dir / SETTINGS_FILE).is_file():
        settings = JaxSettings(**json.loads((run_dir / SETTINGS_FILE).read_text()))
    settings = (settings or JaxSettings()).validate()
    if checkpoint is not None:
        scheduler.load_state_dict(json.loads((checkpoint / rd.SCHEDULER).read_text()))
        progress_state = json.loads((checkpoint / rd.PROGRESS_STATE).read_text())
    run_dir.mkdir(parents=True, exist_ok=True)
    rd.write_json(run_dir / rd.CONFIG, cfg.to_dict())
    rd.write_json(run_dir / SETTINGS_FILE, dataclasses.asdict(settings))
    rows = [r for r in rd.read_progress(run_dir) if int(r["iteration"]) <= progress_state["iteration"]]

    ppo = cfg.ppo
    num_envs = settings.num_envs
    num_steps = max(1, ppo.train_batch_size // num_envs)
    if ppo.minibatch_size > num_envs * num_steps:
        raise ValueError(
            f"ppo.minibatch_size ({ppo.minibatch_size}) exceeds the rollout ({num_envs} envs x {num_steps} steps)"
        )
    pool = Pool(cfg, settings, scheduler, cfg.seed)
    from reasonenv.envs.jax_token_env import JaxTokenEnv

    env = JaxTokenEnv(pool.params)
    model = build_model(
        cfg.model, cfg.model_config, pool.info.task_length, cfg.max_program_length, pool.info.num_actions
    )
    window = 10**9 if model.full_context else model.window
    rng = jax.random.PRNGKey(cfg.seed)
    rng, init_key, reset_key = jax.random.split(rng, 3)
    obs, env_state = jax.jit(jax.vmap(env.reset, (0, None)))(jax.random.split(reset_key, num_envs), pool.params)
    # Under jit: flax's eager init compiles every primitive on its own (about 300 compiles, 12 s on 2 cores).
    weights = jax.jit(model.init)(init_key, jax.tree_util.tree_map(lambda x: x[:1], obs))
    tx = optax.chain(optax.clip_by_global_norm(ppo.grad_clip), optax.adam(ppo.lr))
    state = TrainState.create(apply_fn=model.apply, params=weights, tx=tx).replace(step=jnp.zeros((), jnp.int32))
    runner = Runner(state, env_state, obs, rng)
    log(
        f"[agents.jax_trainer] {cfg.model}: {parameter_count(weights):,} parameters; {num_envs} envs x {num_steps} steps "
        f"per iteration; pool {len(pool.entries)} entries x {settings.pool_size} instances"
    )
    if checkpoint is not None:
        runner = restore_state(checkpoint / rd.ALGORITHM, runner)
        log(
            f"resumed {run_dir} from {checkpoint.name}: iteration {progress_state['iteration']}, "
            f"{progress_state['timesteps']:,} steps, stage {scheduler.state_dict().get('stage', 0)}"
        )
    runner = commit(runner)
    collect, learn = make_functions(
        env,
        model,
        ppo,
        num_envs,
        num_steps,
        settings.verify_chunk,
        cfg.shaped_weight,
        cfg.success_bonus,
        cfg.exploration_floor,
    )
    policy_meta = {
        "backend": "jax",
        "model": cfg.model,
        "settings": {**model_settings(model)},
        "task_length": pool.info.task_length,
        "program_length": cfg.max_program_length,
        "num_actions": pool.info.num_actions,
        "languages": list(pool.info.languages),
    }
    board = TensorBoard(run_dir / "tensorboard")
    iteration, timesteps, wall_s = progress_state["iteration"], progress_state["timesteps"], progress_state["wall_s"]
    carried = np.zeros(num_envs, np.float32)

    def save() -> None:
        state = {"iteration": iteration, "timesteps": timesteps, "wall_s": wall_s}
        rd.save_checkpoint(
            run_dir,
            iteration,
            lambda path: save_state(path, runner, policy_meta),
            scheduler.state_dict(),
            state,
            cfg.keep_checkpoints,
        )

    def done() -> bool:
        return (cfg.budget_s is not None and wall_s >= cfg.budget_s) or (
            cfg.timesteps is not None and timesteps >= cfg.timesteps
        )

    wall_s += time.perf_counter() - started  # setup counts: the figure is the whole run's
    last_saved = iteration
    try:
        while not done():
            tick = time.perf_counter()
            runner, traj, last_value, episodes = collect(runner, pool.params)
            episodes = jax.device_get(episodes)
            sampled = time.perf_counter()
            runner, stats = learn(runner, traj, last_value)
            stats = jax.device_get(stats)
            learned = time.perf_counter()
            returns, carried = episode_returns(episodes["reward"], episodes["done"], carried)
            scheduler.update(interleaved(episode_results(pool, episodes)))
            iteration += 1
            if settings.pool_refresh and iteration % settings.pool_refresh == 0:
                pool.refresh()
            pool.sync()
            timesteps += num_envs * num_steps
            wall_s += time.perf_counter() - tick
            row = progress_row(
                pool,
                episodes,
                returns,
                stats,
                families,
                stage_names,
                iteration,
                timesteps,
                wall_s,
                sampled - tick,
                learned - sampled,
                num_envs * num_steps,
                window,
            )
            rows.append(row)
            rd.write_progress(run_dir, rows, columns)
            board.write(row)
            log(progress_line(row, len(stage_names)))
            if iteration - last_saved >= cfg.checkpoint_every:
                save()
                last_saved = iteration
            if should_stop is not None and should_stop(row):
                break
        if iteration != last_saved or rd.latest_checkpoint(run_dir) is None:
            save()
    finally:
        board.close()
    finish(run_dir, cfg, rows, families, stage_names, log)
    return rows[-1] if rows else {}


def model_settings(model) -> dict[str, int]:
    return {name: int(getattr(model, name)) for name in ("dim", "heads", "layers", "window", "top_k", "hidden")}
