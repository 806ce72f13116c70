"""The RLlib backend's pieces: the training env (reward, episode ends, padding, permuting), the episode counting, init_from."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("gymnasium")
pytest.importorskip("ray.rllib")

from agents.backends.rllib import make_training_env  # noqa: E402


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


def test_episode_counts_read_summed_metrics_and_ignore_restored_nans():
    from agents.backends.rllib import episode_counts

    results = {
        "curriculum": {
            "episodes": {"0|emit-char": 12.0, "1|echo-byte": 4, "0|old": math.nan},
            "successes": {"0|emit-char": 3.0, "1|echo-byte": 4},
        }
    }
    assert episode_counts(results) == {(0, "emit-char"): (12, 3), (1, "echo-byte"): (4, 4)}


def test_entry_keys_reach_the_scheduler_and_family_columns_sum_them():
    """emit-char at two levels in one stage: new-entry promotion counts the new level alone."""
    from agents.backends.rllib import episode_counts, family_counts, interleaved_results

    results = {
        "curriculum": {
            "episodes": {"3|emit-char@L3@bf": 10, "3|emit-char@L4@bf": 30},
            "successes": {"3|emit-char@L3@bf": 9, "3|emit-char@L4@bf": 6},
        }
    }
    counts = episode_counts(results)
    assert counts == {(3, "emit-char@L3@bf"): (10, 9), (3, "emit-char@L4@bf"): (30, 6)}
    assert family_counts(counts) == {(3, "emit-char"): (40, 15)}
    keyed = interleaved_results(counts)
    assert {r.key for r in keyed} == {"emit-char@L3@bf", "emit-char@L4@bf"} and {r.family for r in keyed} == {
        "emit-char"
    }
    assert sum(r.success for r in keyed if r.key == "emit-char@L4@bf") == 6


def test_interleaved_results_keep_every_window_at_the_iteration_rate():
    from agents.backends.rllib import interleaved_results

    results = interleaved_results({(1, "emit-char"): (70, 69), (1, "echo-byte"): (60, 1), (0, "emit-char"): (5, 5)})
    assert len(results) == 135 and sum(r.success for r in results) == 75
    current = [r.success for r in results if r.stage == 1]
    rate = 70 / 130
    assert all(abs(sum(current[i : i + 64]) / 64 - rate) <= 2 / 64 for i in range(len(current) - 63))


def test_the_env_pays_agents_reward_on_the_verified_step():
    from agents.reward import training_reward

    plain = _env(shaped_weight=1.0, success_bonus=0.0)
    shaped = _env()
    token = _first_allowed_program_token(plain)
    raw, _, _, info = _run(plain, [token] * 10)
    paid, _, _, _ = _run(shaped, [token] * 10)
    assert paid == pytest.approx(float(training_reward(raw, bool(info["success"]), 0.2, 1.0)), abs=1e-6)


def test_action_slots_pad_and_permute_actions_reorders():
    padded = _env(action_slots=40)
    observation, _ = padded.reset(seed=0)
    assert padded.action_space.n == 40 and observation["action_mask"].shape == (40,)
    assert not observation["action_mask"][9:].any()  # Brainfuck's 9 slots, the rest masked pad slots
    permuted = _env(action_slots=12, permute_actions=True)
    orders = set()
    for seed in range(6):
        observation, _ = permuted.reset(seed=seed)
        assert observation["action_mask"].sum() == padded.reset(seed=seed)[0]["action_mask"].sum()
        orders.add(tuple(np.asarray(observation["action_effects"])))
    assert len(orders) > 1


def test_env_config_carries_task_length_slots_and_permutation():
    from agents.backends.rllib import env_config
    from agents.config import TrainConfig

    cfg = TrainConfig(task_length=96, action_slots=16, permute_actions=True)
    config = env_config(cfg, None)
    assert (config["task_length"], config["action_slots"], config["permute_actions"]) == (96, 16, True)
    env = make_training_env(config)
    observation, _ = env.reset(seed=0)
    assert observation["task"].shape == (96,) and observation["action_mask"].shape == (16,)
    assert "task_length" not in env_config(TrainConfig(), None)


def test_module_spec_builds_any_head_and_defaults_to_the_architectures_own():
    from agents.backends.rllib import module_spec
    from agents.config import TrainConfig

    assert module_spec(TrainConfig.from_dict({"model": {"name": "full-context"}})).model_config["actions"] == "index"
    cfg = TrainConfig.from_dict({"model": {"name": "full-context", "actions": "pointer"}})
    assert module_spec(cfg).model_config["actions"] == "pointer"
    spec = module_spec(TrainConfig.from_dict({"model": {"name": "small-context", "dim": 32}, "exploration_floor": 0.1}))
    assert spec.model_config["dim"] == 32 and spec.model_config["exploration_floor"] == 0.1
    assert spec.model_config["effects"] == "ids"  # the default; parts reaches the module's build_net too
    assert module_spec(TrainConfig.from_dict({"model": {"effects": "parts"}})).model_config["effects"] == "parts"


def test_passing_program_reads_the_runners_item_series():
    from agents.backends.rllib import passing_program

    assert passing_program({"curriculum": {"passing_program": ["+.", ",."]}}) == "+."
    assert passing_program({"curriculum": {"passing_program": "+."}}) == "+."
    assert passing_program({"curriculum": {"episodes": {"0|emit-char": 3}}}) is None
    assert passing_program({}) is None
