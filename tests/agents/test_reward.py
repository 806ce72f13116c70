"""agents.reward: the numpy and jnp twins of the training reward agree, and the hand-checked values hold."""

from __future__ import annotations

import numpy as np
import pytest

from agents.reward import episode_end, training_reward


@pytest.mark.parametrize(
    ("env_reward", "success", "weight", "bonus", "expected"),
    [
        (0.5, False, 0.2, 1.0, 0.1),  # a partial score, weighted down
        (0.5, True, 0.2, 1.0, 1.1),  # the success bonus on top
        (-50.0, False, 0.2, 1.0, -0.2),  # a runaway print loop: clipped to -1 before weighting
        (3.0, True, 0.5, 2.0, 2.5),  # clipped to 1 above
        (-0.002, False, 0.2, 1.0, -0.0004),  # one step's penalty
        (0.0, True, 0.0, 1.0, 1.0),  # binary reward only
    ],
)
def test_hand_checked_values(env_reward, success, weight, bonus, expected):
    assert float(training_reward(env_reward, success, weight, bonus)) == pytest.approx(expected, abs=1e-6)


def test_numpy_and_jnp_twins_agree_on_random_inputs():
    jnp = pytest.importorskip("jax.numpy")
    from agents.reward import training_reward_jnp

    rng = np.random.default_rng(0)
    env_reward = rng.normal(0.0, 5.0, size=(64, 32)).astype(np.float32)
    env_reward[0, :4] = [-1e6, 1e6, -1.0, 1.0]
    success = rng.random((64, 32)) < 0.3
    for weight, bonus in ((0.2, 1.0), (1.0, 0.0), (0.0, 3.5), (7.25, 0.125)):
        want = training_reward(env_reward, success, weight, bonus)
        got = np.asarray(training_reward_jnp(jnp.asarray(env_reward), jnp.asarray(success), weight, bonus))
        assert got.dtype == np.float32 and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
        assert want.min() >= -weight - 1e-6 and want.max() <= weight + bonus + 1e-6


def test_jnp_twin_traces_under_jit():
    jax = pytest.importorskip("jax")
    from agents.reward import training_reward_jnp

    f = jax.jit(lambda r, s: training_reward_jnp(r, s, 0.2, 1.0))
    assert float(f(jax.numpy.float32(-9.0), jax.numpy.bool_(True))) == pytest.approx(0.8)


def test_the_length_cap_is_terminal():
    assert episode_end(False, True) == (True, False)
    assert episode_end(True, False) == (True, False)
    assert episode_end(False, False) == (False, False)


def test_potential_twins_agree_and_the_episode_return_telescopes():
    """With gamma 1 a whole episode earns bonus*success + weight*(phi_final - phi_0) - penalty*tokens."""
    jnp = pytest.importorskip("jax.numpy")
    from agents.reward import potential_reward, potential_reward_jnp

    rng = np.random.default_rng(1)
    phis = rng.uniform(-1, 1, size=(32, 9)).astype(np.float32)  # phi_0 .. phi_8 of 32 episodes of 8 tokens
    success = np.zeros((32, 8), bool)
    success[:, -1] = rng.random(32) < 0.5
    penalty = 0.002
    env_reward = -penalty + success.astype(np.float32)  # binary scoring: success - step_penalty
    change = np.diff(phis, axis=1)
    for weight, bonus in ((1.0, 1.0), (0.5, 2.0)):
        want = potential_reward(env_reward, success, change, weight, bonus)
        got = np.asarray(
            potential_reward_jnp(jnp.asarray(env_reward), jnp.asarray(success), jnp.asarray(change), weight, bonus)
        )
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
        episode_return = want.sum(1)
        expected = bonus * success[:, -1] + weight * (phis[:, -1] - phis[:, 0]) - penalty * 8
        np.testing.assert_allclose(episode_return, expected, rtol=1e-5, atol=1e-5)


def test_discounted_potential_shaping_telescopes_in_the_real_env():
    """With discount gamma the wrapper pays F = gamma phi' - phi, so the discounted shaping of an episode sums to
    gamma^T phi_T - phi_0 (Ng et al. 1999): which program is best does not depend on the shaping."""
    from agents.reward_env import training_env

    options = {"curriculum": "bf-reasoning", "execution": True, "scoring": "binary", "max_program_length": 16}
    program = "+++>+<.+."
    for gamma in (1.0, 0.9):
        paid = {}
        for weight in (0.0, 1.0):
            env = training_env(options, shaped_weight=weight, success_bonus=1.0, shaping="potential", discount=gamma)
            _, info = env.reset(seed=3)
            potentials, rewards = [float(info["potential"])], []
            for action in env.unwrapped._table.actions(program):  # the episode's language (bf)
                _, reward, terminated, truncated, info = env.step(action)
                potentials.append(float(info["potential"]))
                rewards.append(reward)
                if terminated or truncated:
                    break
            paid[weight] = (np.asarray(rewards), np.asarray(potentials))
        shaping = paid[1.0][0] - paid[0.0][0]
        potentials = paid[1.0][1]
        steps = len(shaping)
        discounted = float(sum(gamma**t * f for t, f in enumerate(shaping)))
        assert discounted == pytest.approx(gamma**steps * potentials[-1] - potentials[0], abs=1e-5)
        assert np.ptp(potentials) > 0  # the program moved the potential, so the check compares something
