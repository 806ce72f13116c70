"""The RLlib training env: its reward and its episode ends (a length cap must not be bootstrapped)."""

from __future__ import annotations

import pytest

from agents.rllib_env import make_training_env

pytest.importorskip("gymnasium")


def _run(env, actions):
    env.reset(seed=0)
    for action in actions:
        observation, reward, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            return reward, terminated, truncated, info
    raise AssertionError("the episode did not end")


def _env(**overrides):
    config = dict(curriculum="bf-basics", max_program_length=4, shaped_weight=0.2, success_bonus=1.0, step_penalty=0.0)
    config.update(overrides)
    return make_training_env(config)


def _first_allowed_program_token(env):
    observation, _ = env.reset(seed=0)
    mask = observation["action_mask"]
    # Index 0 is STOP; any other allowed slot writes a program token.
    return next(i for i in range(1, len(mask)) if mask[i])


def test_length_cap_ends_the_episode_as_terminated_with_the_verdict_paid():
    env = _env()
    token = _first_allowed_program_token(env)
    reward, terminated, truncated, info = _run(env, [token] * 10)
    assert info["end"] == "max_length"
    assert info["program_length"] == 4
    assert terminated is True and truncated is False
    assert "passed" in info  # the capped program was verified


def test_stop_still_terminates_and_success_pays_the_bonus():
    env = _env(max_program_length=32)
    observation, info = env.reset(seed=0)
    # Stage 0 of bf-basics emits one fixed byte; STOP at once fails it.
    _, reward, terminated, truncated, info = env.step(0)
    assert terminated and not truncated
    assert info["success"] is False
    assert reward <= 0.2  # shaped part only, no success bonus
