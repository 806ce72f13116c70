"""The JAX backend through agents.loop on tiny budgets: it trains without gymnasium/ray/torch, checkpoints, resumes at the saved stage, and its checkpoint plays the Python env."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("jax")
pytest.importorskip("flax")
pytest.importorskip("orbax.checkpoint")

REPO = Path(__file__).resolve().parents[2]
CURRICULUM = """
name: jax-tiny
scheduler: staged
language: bf
promotion: {threshold: 0.7, window: 64}
stages:
  - name: first
    mixture: [{family: emit-char, level: 0}]
  - name: second
    mixture: [{family: echo-byte, level: 0}]
"""
SETTINGS = {"num_envs": 8, "pool_size": 4, "pool_refresh": 1, "verify_chunk": 32}
TINY = dict(
    model={"dim": 16, "heads": 2, "layers": 1, "window": 4, "top_k": 2, "hidden": 16},
    ppo={"train_batch_size": 64, "minibatch_size": 32, "num_epochs": 1},
    max_program_length=8,
    checkpoint_every=1,
    backend="jax",
    jax=SETTINGS,
)

# Run in a fresh interpreter where gymnasium, ray and torch cannot be imported, as on the GPU image.
FRESH_RUN = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("gymnasium", "ray", "torch"):
            raise ImportError(f"{name} is blocked in this test")
sys.meta_path.insert(0, Block())
from agents.config import TrainConfig
from agents.loop import train
cfg = TrainConfig.from_dict({**%(tiny)r, "curriculum": %(curriculum)r, "timesteps": 128})
train(cfg, %(run)r)
"""


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("jax_run")
    curriculum = folder / "jax-tiny.yaml"
    curriculum.write_text(CURRICULUM)
    run = folder / "run"
    code = FRESH_RUN % {"tiny": TINY, "curriculum": str(curriculum), "run": str(run)}
    # A compile cache of this test session only: the resume below loads what the first run compiled.
    env = {**os.environ, "REASONENV_JAX_CACHE": str(folder / "jax_cache")}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True, timeout=900, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return run, curriculum, done.stdout


def test_trains_and_checkpoints_without_gymnasium_ray_or_torch(trained_run):
    from agents import run_dir as rd

    run, _, stdout = trained_run
    assert "iter    2" in stdout
    rows = rd.read_progress(run)
    assert [r["iteration"] for r in rows] == [1, 2] and rows[-1]["timesteps"] == 128
    assert rows[-1]["stage"] == 0 and rows[-1]["episodes/emit-char"] > 0
    checkpoint = rd.latest_checkpoint(run)
    assert checkpoint.name == "iter_000002"
    assert json.loads((checkpoint / rd.SCHEDULER).read_text())["stage"] == 0
    assert (run / rd.SUMMARY).is_file() and (run / rd.CURVE).is_file()
    assert json.loads((checkpoint / "algorithm" / "jax_policy.json").read_text())["backend"] == "jax"


@pytest.mark.filterwarnings("ignore:Sharding info not provided")
def test_resume_continues_at_the_saved_stage(trained_run, monkeypatch):
    import orbax.checkpoint as ocp

    from agents import run_dir as rd
    from agents.config import TrainConfig
    from agents.loop import train

    run, curriculum, _ = trained_run
    monkeypatch.setenv("REASONENV_JAX_CACHE", str(run.parent / "jax_cache"))
    checkpoint = rd.latest_checkpoint(run)
    # The scheduler state as a promotion would leave it: stage 1, empty window.
    state = json.loads((checkpoint / rd.SCHEDULER).read_text())
    state.update(stage=1, window=[], history=[[state["episodes"], 1, "promote"]])
    rd.write_json(checkpoint / rd.SCHEDULER, state)
    cfg = TrainConfig.load(run / rd.CONFIG)
    cfg.timesteps = 192
    lines = []
    train(cfg, run, resume=True, log=lines.append)
    assert any("resumed" in line and "stage 1" in line for line in lines)
    rows = rd.read_progress(run)
    assert [r["iteration"] for r in rows] == [1, 2, 3]
    assert rows[-1]["stage"] == 1 and rows[-1]["timesteps"] == 192
    assert rows[-1]["episodes/echo-byte"] > 0 and rows[-1]["episodes/emit-char"] == 0  # the env drew stage 1 only
    latest = rd.latest_checkpoint(run)
    assert latest.name == "iter_000003"
    tree = ocp.PyTreeCheckpointer().restore((latest / "algorithm" / "state").resolve())
    assert int(tree["step"]) == 3 * 2  # optimizer steps continued: 2 minibatches x 1 epoch per iteration


def test_checkpoint_plays_the_python_env(trained_run):
    from agents import run_dir as rd
    from agents.policies import load_jax_policy
    from reasonenv.envs.curriculum import CurriculumEnv
    from reasonenv.policy import run_episode

    run, curriculum, _ = trained_run
    policy = load_jax_policy(rd.latest_checkpoint(run))
    env = CurriculumEnv(curriculum=str(curriculum), max_program_length=8)
    for seed in range(3):
        result = run_episode(env, policy, seed=seed)  # raises if the policy picks a masked action
        assert 1 <= result.length <= 8
    observations = [env.reset(seed=seed)[0] for seed in range(70)]
    one_by_one = [policy.act(observation) for observation in observations]
    for rows in (2, 7, 8, 9, 64, 65, 70):  # shrinking lockstep batches, as evaluation plays them
        assert list(policy.act_batch(observations[:rows])) == one_by_one[:rows]
    assert policy._logits._cache_size() == 3  # padded to 8, 64 and 128 rows: one compile each


def test_advantages_match_a_python_loop():
    from agents.backends.jax import generalized_advantages

    rng = np.random.default_rng(0)
    T, B, gamma, lam = 7, 3, 0.99, 0.9
    rewards, values = rng.normal(size=(T, B)).astype(np.float32), rng.normal(size=(T, B)).astype(np.float32)
    dones, last = rng.random((T, B)) < 0.3, rng.normal(size=B).astype(np.float32)
    expected = np.zeros((T, B))
    for b in range(B):
        advantage, next_value = 0.0, last[b]
        for t in reversed(range(T)):
            keep = 0.0 if dones[t, b] else 1.0
            delta = rewards[t, b] + gamma * next_value * keep - values[t, b]
            advantage = delta + gamma * lam * keep * advantage
            expected[t, b], next_value = advantage, values[t, b]
    got = generalized_advantages(rewards, values, dones, last, gamma, lam)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5, atol=1e-5)


def tiny_rollout_parts(tmp_path):
    """(cfg, settings, pool, env, model, runner) of the tiny curriculum, before any training."""
    import jax
    import optax
    from flax.training.train_state import TrainState

    from agents.backends.jax import Pool, RolloutCarry
    from agents.config import TrainConfig
    from agents.nets.flax_nets import build_model
    from curricula.schedulers import load_curriculum
    from reasonenv.envs.jax_token_env import JaxTokenEnv

    curriculum = tmp_path / "jax-tiny.yaml"
    curriculum.write_text(CURRICULUM)
    cfg = TrainConfig.from_dict({**TINY, "curriculum": str(curriculum), "timesteps": 128})
    settings = cfg.jax
    pool = Pool(cfg, load_curriculum(cfg.curriculum), 0)
    env = JaxTokenEnv(pool.params)
    model = build_model(
        cfg.model.name, cfg.model.sizes(), pool.info.task_length, cfg.max_program_length, pool.info.num_actions
    )
    key = jax.random.PRNGKey(0)
    obs, env_state = jax.jit(jax.vmap(env.reset, (0, None)))(jax.random.split(key, settings.num_envs), pool.params)
    weights = jax.jit(model.init)(key, jax.tree_util.tree_map(lambda x: x[:1], obs))  # eager init compiles op by op
    state = TrainState.create(apply_fn=model.apply, params=weights, tx=optax.adam(1e-3))
    return cfg, settings, pool, env, model, RolloutCarry(state, env_state, obs, key)


def test_training_reward_is_the_shaped_score_plus_success_bonus(tmp_path):
    """The same rollout under two reward settings: (0.2, 1) must equal 0.2 x (1, 0)'s reward + success."""
    from agents.backends.jax import make_functions

    cfg, settings, pool, env, model, runner = tiny_rollout_parts(tmp_path)
    rewards = {}
    for shaped_weight, bonus in ((1.0, 0.0), (0.2, 1.0)):
        collect, _ = make_functions(env, model, cfg.ppo, settings.num_envs, 32, 32, shaped_weight, bonus)
        _, _, _, episodes = collect(runner, pool.params)
        rewards[bonus] = np.asarray(episodes["reward"])
        success = np.asarray(episodes["success"], np.float32)
    assert np.asarray(episodes["done"]).any()
    np.testing.assert_allclose(rewards[1.0], 0.2 * rewards[0.0] + success, rtol=1e-5, atol=1e-6)


def test_a_decaying_entropy_weight_follows_the_optimiser_step_count(tmp_path):
    """learn() with entropy 0.1 -> 0.0 over one batch: at step 0 it updates as the constant 0.1 does, once the
    optimiser has taken a batch's steps as the constant 0.0 does (and not as 0.1)."""
    import dataclasses

    import jax

    from agents.backends.jax import make_functions

    cfg, settings, pool, env, model, runner = tiny_rollout_parts(tmp_path)
    steps = 32
    decaying = dataclasses.replace(
        cfg.ppo, entropy_coeff=0.1, entropy_final=0.0, entropy_decay_steps=settings.num_envs * steps
    )
    collect, _ = make_functions(env, model, cfg.ppo, settings.num_envs, steps, 32, 0.2, 1.0)
    runner, traj, last_value, _ = collect(runner, pool.params)

    def learned(ppo, step):
        start = dataclasses.replace(runner, train_state=runner.train_state.replace(step=step))
        _, learn = make_functions(env, model, ppo, settings.num_envs, steps, 32, 0.2, 1.0)
        return jax.tree_util.tree_leaves(learn(start, traj, last_value)[0].train_state.params)

    def same(a, b):
        return all(np.allclose(x, y, atol=1e-7) for x, y in zip(a, b, strict=True))

    constant = {weight: dataclasses.replace(cfg.ppo, entropy_coeff=weight) for weight in (0.1, 0.0)}
    batches = cfg.ppo.num_epochs * max(1, settings.num_envs * steps // cfg.ppo.minibatch_size)
    assert same(learned(decaying, 0), learned(constant[0.1], 0))
    after = learned(decaying, batches)
    assert same(after, learned(constant[0.0], batches)) and not same(after, learned(constant[0.1], batches))


@pytest.mark.parametrize("floor", [0.0, 0.5])
def test_exploration_floor_samples_the_mixture_and_records_its_log_probability(tmp_path, floor):
    """The rollout's recorded probability of each action is (1 - floor) * policy + floor / allowed actions."""
    import jax

    from agents.backends.jax import make_functions

    cfg, settings, pool, env, model, runner = tiny_rollout_parts(tmp_path)
    collect, _ = make_functions(env, model, cfg.ppo, settings.num_envs, 32, 32, exploration_floor=floor)
    _, traj, _, _ = collect(runner, pool.params)
    flat = jax.tree_util.tree_map(lambda x: np.asarray(x).reshape((-1,) + x.shape[2:]), traj)
    logits, _ = model.apply(runner.train_state.params, flat.obs)  # the weights did not change during the rollout
    policy = np.take_along_axis(np.asarray(jax.nn.softmax(logits)), flat.action[:, None], 1)[:, 0]
    allowed = flat.obs["action_mask"].astype(bool)
    assert allowed[np.arange(len(flat.action)), flat.action].all()  # never a masked action
    expected = (1 - floor) * policy + floor / allowed.sum(1)
    np.testing.assert_allclose(np.exp(flat.log_prob), expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"action_slots": 16}, "action_slots=16: the JAX backend cannot pad action slots"),
        ({"permute_actions": True}, "permute_actions: the JAX backend cannot permute action slots"),
    ],
)
def test_check_config_refuses_what_it_cannot_honour_in_one_line(change, message):
    from agents.backends.jax import check_config
    from agents.config import TrainConfig

    with pytest.raises(ValueError, match=message) as err:
        check_config(TrainConfig.from_dict({"backend": "jax", **change}))
    assert "\n" not in str(err.value)


def test_init_from_an_rllib_checkpoint_is_refused(tmp_path):
    from agents import run_dir as rd
    from agents.backends.jax import check_config
    from agents.config import TrainConfig

    run = tmp_path / "rllib-run"
    (run / rd.CONFIG).parent.mkdir(parents=True)
    (run / rd.CONFIG).write_text("{}")
    rd.save_checkpoint(
        run,
        1,
        lambda path: (path.mkdir(), (path / "rllib_state.json").write_text("{}")),
        {"stage": 0},
        {"iteration": 1, "timesteps": 0, "wall_s": 0.0},
        keep=1,
    )
    with pytest.raises(ValueError, match="is not a JAX checkpoint"):
        check_config(TrainConfig(backend="jax", init_from=str(run)))


def test_pool_refresh_describes_the_instances_it_poses(tmp_path):
    """After a refresh, pool.info holds the new pool's instances (kept successes read an episode's instance there)."""
    from agents.backends.jax import Pool
    from agents.config import TrainConfig
    from curricula.schedulers import load_curriculum
    from reasonenv.envs.jax_pool import build_params

    curriculum = tmp_path / "jax-tiny.yaml"
    curriculum.write_text(CURRICULUM)
    cfg = TrainConfig.from_dict({**TINY, "curriculum": str(curriculum), "jax": {**SETTINGS, "pool_size": 16}})
    pool = Pool(cfg, load_curriculum(cfg.curriculum), 0)
    before = [[i.id for i in group] for group in pool.info.instances]
    pool.refresh()
    assert [[i.id for i in group] for group in pool.info.instances] != before  # a fresh draw
    described, _ = build_params(
        pool.entries,
        instances=pool.info.instances,
        max_program_length=cfg.max_program_length,
        task_length=pool.info.task_length,
        min_test_shape=pool.shape,
    )
    for name in ("task", "test_input", "test_output"):
        np.testing.assert_array_equal(np.asarray(getattr(pool.params, name)), np.asarray(getattr(described, name)))


def test_the_signed_step_is_built_trained_and_named_in_the_policy_meta(tmp_path):
    """model.signed_step with the execution observation: the Flax net has `step_embed`, an iteration moves it, and
    the checkpoint's policy meta says so (agents.policies rebuilds the same net from it)."""
    import jax

    from agents.backends.jax import Backend
    from agents.config import TrainConfig

    (tmp_path / "c.yaml").write_text(CURRICULUM)
    model = {**TINY["model"], "value_features": True, "byte_rows": False, "signed_step": True}
    cfg = TrainConfig.from_dict({**TINY, "curriculum": str(tmp_path / "c.yaml"), "execution": True, "model": model})
    backend = Backend(cfg, tmp_path / "run", None, lambda line: None)
    try:
        before = jax.tree_util.tree_map(np.asarray, backend.runner.train_state.params["params"]["step_embed"])
        backend.iterate()
        after = backend.runner.train_state.params["params"]["step_embed"]
        assert not np.allclose(before["kernel"], np.asarray(after["kernel"]))
        assert backend.policy_meta["signed_step"] is True and backend.model.signed_step
    finally:
        backend.close()
