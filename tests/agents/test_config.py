"""agents.config: one TrainConfig with sections; validate() names field, value and range; old flat config.json loads."""

from __future__ import annotations

import json

import numpy as np
import pytest

from agents.config import JaxSettings, ModelSettings, PPOSettings, TrainConfig, parse_budget

OLD_FLAT = {
    "curriculum": "bf-basics",
    "model": "small-window",
    "model_config": {"dim": 32, "window": 8},
    "seed": 3,
    "budget_s": 120.0,
    "timesteps": None,
    "num_env_runners": 2,
    "num_envs_per_env_runner": 8,
    "num_cpus": 4,
    "address": None,
    "backend": "rllib",
    "scoring": "fraction",
    "shaped_weight": 0.5,
    "success_bonus": 2.0,
    "max_program_length": 24,
    "step_penalty": 0.01,
    "ppo": {"lr": 1e-3, "train_batch_size": 512, "minibatch_size": 128, "entropy_coeff": 0.05},
    "checkpoint_every": 3,
    "keep_checkpoints": 1,
    "torch_threads": 2,
    "exploration_floor": 0.1,
}


def test_defaults_validate_and_round_trip():
    cfg = TrainConfig().validate()
    assert cfg.ppo.entropy_coeff == 0.1 and cfg.reward.shaped_weight == 0.2 and cfg.model.name == "small-context"
    again = TrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg


def test_old_flat_config_loads_into_sections(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(OLD_FLAT))
    cfg = TrainConfig.load(tmp_path / "config.json").validate()
    assert (cfg.model.name, cfg.model.dim, cfg.model.window, cfg.model.heads) == ("small-window", 32, 8, 4)
    assert (cfg.rllib.num_env_runners, cfg.rllib.num_envs_per_env_runner, cfg.rllib.num_cpus) == (2, 8, 4)
    assert cfg.rllib.torch_threads == 2
    assert (cfg.reward.scoring, cfg.reward.shaped_weight, cfg.reward.success_bonus) == ("fraction", 0.5, 2.0)
    assert cfg.reward.step_penalty == 0.01
    assert (cfg.ppo.lr, cfg.ppo.train_batch_size, cfg.ppo.entropy_coeff) == (1e-3, 512, 0.05)
    assert (cfg.seed, cfg.budget_s, cfg.exploration_floor, cfg.checkpoint_every) == (3, 120.0, 0.1, 3)


def test_old_jax_run_folds_in_jax_settings_and_full_context_reads_by_index(tmp_path):
    old = dict(OLD_FLAT, backend="jax", model="full-context", model_config={})
    (tmp_path / "config.json").write_text(json.dumps(old))
    (tmp_path / "jax_settings.json").write_text(
        json.dumps({"num_envs": 16, "pool_size": 8, "pool_refresh": 0, "verify_chunk": 4})
    )
    cfg = TrainConfig.load(tmp_path).validate()
    assert cfg.jax == JaxSettings(num_envs=16, pool_size=8, pool_refresh=0, verify_chunk=4)
    assert (cfg.model.name, cfg.model.actions) == ("full-context", "index")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"backend": "tf"}, ["backend", "'tf'", "rllib, jax"]),
        ({"programs": 0}, ["programs", "0", ">= 1"]),
        ({"task_length": 4}, ["task_length", "4", ">= 8"]),
        ({"action_slots": 1}, ["action_slots", "1", ">= 2"]),
        ({"exploration_floor": 1.0}, ["exploration_floor", "1.0", "[0, 1)"]),
        ({"permute_actions": "yes"}, ["permute_actions", "'yes'"]),
        ({"init_from": "/no/such/run"}, ["init_from", "/no/such/run"]),
        ({"model": {"name": "lstm"}}, ["model.name", "'lstm'", "small-context"]),
        ({"model": {"actions": "both"}}, ["model.actions", "'both'", "pointer"]),
        ({"model": {"dim": 0}}, ["model.dim", "0", ">= 1"]),
        ({"reward": {"shaped_weight": -1}}, ["reward.shaped_weight", "-1", "[0, 10]"]),
        ({"reward": {"scoring": "exact"}}, ["reward.scoring", "'exact'", "pqt"]),
        ({"ppo": {"minibatch_size": 4096}}, ["ppo.minibatch_size", "4096", "2048"]),
        ({"rllib": {"address": "nowhere"}}, ["rllib.address", "'nowhere'", "HOST:PORT"]),
        ({"jax": {"num_envs": 0}}, ["jax.num_envs", "0", ">= 1"]),
        ({"budget_s": -5}, ["budget_s", "-5"]),
    ],
)
def test_validate_names_field_value_and_range(change, words):
    cfg = TrainConfig.from_dict({**TrainConfig().to_dict(), **change})
    with pytest.raises(ValueError) as err:
        cfg.validate()
    for word in words:
        assert word in str(err.value)


def test_unknown_fields_are_refused():
    with pytest.raises(ValueError, match="unknown field"):
        TrainConfig.from_dict({"curicculum": "bf-basics"})
    with pytest.raises(ValueError, match=r"config.ppo has unknown field"):
        TrainConfig.from_dict({"ppo": {"learning_rate": 1}})


def test_parse_budget():
    assert parse_budget("30m") == 1800.0 and parse_budget("90") == 90.0 and parse_budget("2h") == 7200.0
    for text in ("0", "-3m", "soon"):
        with pytest.raises(ValueError):
            parse_budget(text)


def test_round_trip_of_a_changed_config():
    cfg = TrainConfig.from_dict({"seed": 4, "model": {"name": "gru"}, "exploration_floor": 0.03, "programs": 500})
    cfg.validate()
    assert TrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_potential_shaping_needs_binary_scoring_and_the_execution_observation():
    from agents.config import RewardSettings, TrainConfig

    with pytest.raises(ValueError, match="set reward.scoring to 'binary'"):
        TrainConfig(execution=True, reward=RewardSettings(shaping="potential")).validate()
    with pytest.raises(ValueError, match="set execution to true"):
        TrainConfig(reward=RewardSettings(shaping="potential", scoring="binary")).validate()
    with pytest.raises(ValueError, match="reward.shaping"):
        TrainConfig(reward=RewardSettings(shaping="dense")).validate()
    config = TrainConfig(execution=True, reward=RewardSettings(shaping="potential", scoring="binary")).validate()
    assert TrainConfig.from_dict(config.to_dict()) == config


def test_value_features_are_written_and_off_for_configs_written_before_them(tmp_path):
    """An old run's config.json has a model section without value_features: it loads False, so the network built
    for it (resume, evaluate, init_from) is the one its checkpoints hold; a new config writes the field."""
    assert TrainConfig().model.value_features is False  # off by default: the default network is unchanged
    on = TrainConfig(model=ModelSettings(value_features=True))
    assert TrainConfig.from_dict(on.to_dict()).model.value_features is True
    (tmp_path / "config.json").write_text(json.dumps(OLD_FLAT))
    assert TrainConfig.load(tmp_path).model.value_features is False
    nested = on.to_dict()
    assert nested["model"]["value_features"] is True
    del nested["model"]["value_features"]
    (tmp_path / "config.json").write_text(json.dumps(nested))
    old = TrainConfig.load(tmp_path).validate()
    assert old.model.value_features is False
    assert old.model.settings() == {**old.model.sizes(), "name": old.model.name, "actions": old.model.actions,
                                    "value_features": False, "byte_rows": True, "effects": "ids",
                                    "signed_step": False}  # fmt: skip
    assert old.model.byte_rows is True  # and without byte_rows: every byte its own row, as before it existed
    again = TrainConfig.from_dict(json.loads(json.dumps(old.to_dict())))
    assert again == old and again.model.value_features is False
    with pytest.raises(ValueError, match="model.value_features must be true or false, got 'yes'"):
        TrainConfig.from_dict({"model": {"value_features": "yes"}}).validate()
    with pytest.raises(ValueError, match="model.byte_rows false needs model.value_features true"):
        TrainConfig.from_dict({"model": {"byte_rows": False}}).validate()
    shared = TrainConfig.from_dict({"model": {"byte_rows": False, "value_features": True}}).validate()
    assert TrainConfig.from_dict(shared.to_dict()).model.byte_rows is False
    assert old.model.signed_step is False  # a config from before signed_step builds the network it trained
    with pytest.raises(ValueError, match="model.signed_step must be true or false, got 1"):
        TrainConfig.from_dict({"model": {"signed_step": 1}}).validate()
    signed = TrainConfig.from_dict({"model": {"signed_step": True}}).validate()
    assert TrainConfig.from_dict(json.loads(json.dumps(signed.to_dict()))).model.settings()["signed_step"] is True


def test_effects_default_to_ids_are_written_and_checked_in_one_line(tmp_path):
    """model.effects: ids by default and for a config written before the field (its checkpoints embed ids); parts
    round-trips and reaches the networks' settings; a bad value or parts with a head that reads no effects is one
    ValueError line naming the value and the choices."""
    assert TrainConfig().model.effects == "ids"
    nested = TrainConfig().to_dict()
    del nested["model"]["effects"]
    (tmp_path / "config.json").write_text(json.dumps(nested))
    assert TrainConfig.load(tmp_path).validate().model.effects == "ids"
    parts = TrainConfig(model=ModelSettings(effects="parts")).validate()
    assert TrainConfig.from_dict(json.loads(json.dumps(parts.to_dict()))).model.effects == "parts"
    assert parts.model.settings()["effects"] == "parts"
    assert ModelSettings(actions="index+effects", effects="parts").validate().effects == "parts"
    with pytest.raises(ValueError, match=r"^model.effects must be one of ids, parts, got 'bits'$") as err:
        TrainConfig.from_dict({"model": {"effects": "bits"}}).validate()
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match=r"^model.effects 'parts' needs model.actions pointer or index\+effects"):
        TrainConfig.from_dict({"model": {"name": "full-context", "effects": "parts"}}).validate()


def test_the_entropy_weight_can_decay_linearly_and_both_backends_read_one_schedule():
    constant = PPOSettings()
    assert constant.entropy_schedule() == 0.1 and constant.entropy_at(10**9) == 0.1
    decaying = PPOSettings(entropy_coeff=0.1, entropy_final=0.01, entropy_decay_steps=1000).validate()
    assert decaying.entropy_schedule() == [[0, 0.1], [1000, 0.01]]  # RLlib's piecewise-linear schedule
    assert [round(decaying.entropy_at(t), 6) for t in (0, 500, 1000, 5000)] == [0.1, 0.055, 0.01, 0.01]
    jnp = pytest.importorskip("jax.numpy")  # the JAX backend evaluates it on a traced step count
    np.testing.assert_allclose(
        np.asarray(decaying.entropy_at(jnp.asarray([0.0, 500.0, 2000.0]))), [0.1, 0.055, 0.01], rtol=1e-5
    )
    with pytest.raises(ValueError, match="ppo.entropy_decay_steps needs ppo.entropy_final"):
        PPOSettings(entropy_decay_steps=10).validate()
    with pytest.raises(ValueError, match="ppo.entropy_decay_steps must be an integer >= 1"):
        PPOSettings(entropy_final=0.01).validate()
    old = TrainConfig.from_dict({"ppo": {"entropy_coeff": 0.05}})  # a config.json written before the schedule
    assert old.ppo.entropy_final is None and old.ppo.entropy_at(10**6) == 0.05
