"""PPOSettings.target_kl, the KL early stop (Stable-Baselines3's semantics), in both backends: once a minibatch's
approximate KL before its step exceeds 1.5 x target_kl, that step and the iteration's later ones are skipped; the
share of steps taken is progress.csv's `updates_applied`."""

from __future__ import annotations

import numpy as np
import pytest

from agents import run_dir as rd
from agents.config import TrainConfig

CURRICULUM = """
name: kl-stop
scheduler: staged
language: bf
promotion: {threshold: 1.0, window: 100000}
stages:
  - name: first
    mixture: [{family: emit-char, level: 0}, {family: echo-byte, level: 0}]
"""
MODEL = {"dim": 16, "heads": 2, "layers": 1, "window": 4, "top_k": 2, "hidden": 16}
TINY_TARGET = 1e-9
"""Below any KL a step can leave: the first minibatch (KL 0 up to rounding, the policy that sampled) is stepped,
every later one is measured after that step and stopped."""


@pytest.mark.parametrize("bad", [0, -0.01, 11.0, "0.02", True])
def test_target_kl_must_be_a_positive_number_or_off(bad):
    with pytest.raises(ValueError, match="ppo.target_kl"):
        TrainConfig.from_dict({"ppo": {"target_kl": bad}}).validate()
    assert TrainConfig.from_dict({"ppo": {"target_kl": 0.02}}).validate().ppo.target_kl == 0.02
    assert TrainConfig.from_dict({}).ppo.target_kl is None


def test_jax_learn_stops_after_the_first_step_and_still_counts_every_step(tmp_path):
    jax = pytest.importorskip("jax")
    pytest.importorskip("flax")
    import dataclasses

    from agents.backends.jax import Backend, make_functions
    from reasonenv.envs.jax_token_env import JaxTokenEnv

    (tmp_path / "c.yaml").write_text(CURRICULUM)
    cfg = TrainConfig.from_dict(
        {
            "curriculum": str(tmp_path / "c.yaml"),
            "model": MODEL,
            "ppo": {"train_batch_size": 128, "minibatch_size": 32, "num_epochs": 2},
            "max_program_length": 8,
            "backend": "jax",
            "jax": {"num_envs": 8, "pool_size": 4, "pool_refresh": 0, "verify_chunk": 32},
        }
    )
    backend = Backend(cfg, tmp_path / "run", None, log=lambda _: None)
    runner, traj, last_value, _ = backend.collect(backend.runner, backend.pool.params)
    steps = 2 * (backend.num_envs * backend.num_steps // 32)  # epochs x minibatches
    out = {}
    for target in (None, TINY_TARGET, 10.0):
        ppo = dataclasses.replace(cfg.ppo, target_kl=target)
        _, learn = make_functions(
            JaxTokenEnv(backend.pool.params),
            backend.model,
            ppo,
            backend.num_envs,
            backend.num_steps,
            cfg.jax.verify_chunk,
        )
        out[target] = learn(runner, traj, last_value)
    leaves = lambda state: np.concatenate([np.ravel(x) for x in jax.tree_util.tree_leaves(state.params)])  # noqa: E731
    start = leaves(runner.train_state)
    for target, (learned, _) in out.items():
        # the entropy schedule reads env steps from the step count, so a skipped step counts too
        assert int(learned.train_state.step) == int(runner.train_state.step) + steps, target
    assert float(out[None][1]["updates_applied"]) == 1.0 and float(out[10.0][1]["updates_applied"]) == 1.0
    assert float(out[TINY_TARGET][1]["updates_applied"]) == pytest.approx(1 / steps)
    stopped, full, loose = (leaves(out[key][0].train_state) for key in (TINY_TARGET, None, 10.0))
    # a loose target changes nothing (up to the rounding of another compiled program)
    assert np.linalg.norm(loose - full) < 1e-3 * np.linalg.norm(full - start)
    assert np.linalg.norm(stopped - start) > 0  # the first step was taken
    assert np.linalg.norm(stopped - start) < np.linalg.norm(full - start)  # and the later ones were not


def test_rllib_learner_stops_after_the_first_step(tmp_path):
    pytest.importorskip("ray.rllib")
    from agents.loop import train

    (tmp_path / "c.yaml").write_text(CURRICULUM)
    cfg = TrainConfig.from_dict(
        {
            "curriculum": str(tmp_path / "c.yaml"),
            "model": MODEL,
            "ppo": {"train_batch_size": 128, "minibatch_size": 32, "num_epochs": 2, "target_kl": TINY_TARGET},
            "max_program_length": 8,
            "backend": "rllib",
            "timesteps": 256,
            "rllib": {"num_envs_per_env_runner": 8, "num_cpus": 1},
        }
    )
    train(cfg, tmp_path / "run", log=lambda line: None)
    rows = rd.read_progress(tmp_path / "run")
    applied = [row["updates_applied"] for row in rows]
    assert len(applied) >= 2 and all(value is not None for value in applied), applied
    # 2 epochs of at least 4 minibatches: exactly one step taken in each iteration
    assert all(0 < value <= 1 / 8 for value in applied), applied
