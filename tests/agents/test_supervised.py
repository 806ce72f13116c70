"""agents.supervised: demonstrations replay reference solutions, the loss falls, and the weights written are the weights
that load_policy reads and that an RLlib run with init_from starts from."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ray.rllib")

from agents import run_dir as rd  # noqa: E402
from agents.config import ModelSettings, PPOSettings, RLlibSettings, TrainConfig  # noqa: E402
from agents.supervised import SupervisedSettings, demonstrations, train_supervised  # noqa: E402

CURRICULUM = """
name: sl-tiny
scheduler: staged
language: bf
stages:
  - name: first
    mixture: [{family: emit-char, level: 0}]
  - name: second
    mixture: [{family: echo-byte, level: 0}]
"""


def config(tmp_path, **changes) -> TrainConfig:
    path = tmp_path / "curriculum.yaml"
    path.write_text(CURRICULUM)
    cfg = TrainConfig(
        curriculum=str(path),
        timesteps=64,
        max_program_length=6,
        task_length=32,
        model=ModelSettings(dim=16, heads=2, layers=1, hidden=32),
        ppo=PPOSettings(train_batch_size=64, minibatch_size=64, num_epochs=1),
        rllib=RLlibSettings(num_envs_per_env_runner=4, num_cpus=1),
    )
    for key, value in changes.items():
        setattr(cfg, key, value)
    return cfg.validate()


def module_state(module) -> dict[str, np.ndarray]:
    return {key: np.asarray(value.detach().cpu()) for key, value in module.state_dict().items()}


def test_demonstrations_replay_every_entry_and_skip_what_does_not_fit(tmp_path):
    demos = demonstrations(config(tmp_path), per_entry=3, seed=0)
    assert (demos.programs, demos.skipped) == (6, 0)  # emit-char `+.` and echo-byte `,.`, 3 instances each
    assert len(demos) == 6 * 3  # two tokens and STOP per program
    assert demos.actions[2] == 0 and demos.actions[-1] == 0
    first = demos.observations
    assert not first["program"][0].any() and first["program"][1].any()  # the replayed token enters the stream
    assert all(first["action_mask"][i, a] for i, a in enumerate(demos.actions))  # every taught token is allowed
    with pytest.raises(ValueError, match="no demonstration fits"):
        demonstrations(config(tmp_path, max_program_length=2), per_entry=2)


def test_weights_written_are_loaded_by_load_policy_and_by_a_run_with_init_from(tmp_path):
    from agents.backends.rllib import Backend
    from agents.backends.rllib_module import load_module
    from agents.policies import load_policy

    cfg = config(tmp_path)
    done = train_supervised(
        cfg, tmp_path / "sl", SupervisedSettings(demos_per_entry=4, updates=150, batch_size=16, lr=3e-3)
    )
    assert done.losses[-1] < done.losses[0] and done.tokens == 150 * 16 and done.parameters > 0
    checkpoint = rd.resolve_checkpoint(tmp_path / "sl")
    written = module_state(load_module(rd.rllib_module_dir(checkpoint)))
    assert TrainConfig.load(tmp_path / "sl") == cfg
    policy = load_policy(tmp_path / "sl")
    assert module_state(policy.module).keys() == written.keys()
    # The supervised policy writes the demonstrated programs on training instances.
    from reasonenv.envs.synthesis import SynthesisEnv
    from reasonenv.policy import run_episode

    for family in ("emit-char", "echo-byte"):
        env = SynthesisEnv(language="bf", task=family, difficulty=0, task_length=32, max_program_length=6)
        assert run_episode(env, policy, seed=1).success, family

    backend = Backend(
        config(tmp_path, init_from=str(tmp_path / "sl"), seed=3), tmp_path / "rl", None, lambda line: None
    )
    try:
        learner = backend.algo.learner_group.get_weights()["default_policy"]
        sampler = module_state(backend.algo.get_module())
    finally:
        backend.close()
    assert learner.keys() == written.keys()
    for key, value in written.items():
        np.testing.assert_array_equal(np.asarray(learner[key]), value, err_msg=key)
        np.testing.assert_array_equal(sampler[key], value, err_msg=key)  # the env runner samples with them too


def test_the_learners_demonstrations_carry_its_execution_rows_and_end_where_its_env_ends(tmp_path):
    """The issue-21 learner reads the execution observation and its episodes end once the visible examples pass:
    its demonstrations hold the rows its network reads, and stop where its own episodes would."""
    import dataclasses

    from agents.learner import reasoning_config
    from agents.supervised import build_module, fit

    path = tmp_path / "curriculum.yaml"
    path.write_text(CURRICULUM)
    learner = reasoning_config(curriculum=str(path), timesteps=64, num_cpus=1)
    cfg = dataclasses.replace(
        learner, max_program_length=6, task_length=32, model=dataclasses.replace(learner.model, dim=16, heads=2)
    ).validate()
    demos = demonstrations(cfg, per_entry=3, seed=0)
    assert "execution" in demos.observations and demos.observations["execution"].shape[0] == len(demos)
    # `+.` and `,.` pass once their `.` runs: the env ends each episode there, so no STOP is taught.
    assert demos.programs == 6 and len(demos) == 6 * 2 and 0 not in demos.actions
    rows = demos.observations["execution"]
    assert not np.array_equal(rows[0], rows[1])  # the first token's run shows in the next step's rows
    module = build_module(cfg)
    losses = fit(module, demos, SupervisedSettings(updates=30, batch_size=8, lr=3e-3))
    assert np.mean(losses[-5:]) < np.mean(losses[:5])


def test_a_runs_own_kept_successes_become_demonstrations(tmp_path):
    """sl-own's data: the programs a run kept, read from its checkpoint and replayed in the learner's env; a program
    that does not reach the end of its episode (here `,` alone) is skipped and counted."""
    import dataclasses

    from agents.kept import KEPT_FILE, KeptEntry, KeptSuccesses
    from agents.learner import reasoning_config
    from agents.supervised import kept_programs, replayed_demonstrations
    from curricula.base import make_task
    from reasonenv.envs.synthesis import SynthesisEnv

    path = tmp_path / "curriculum.yaml"
    path.write_text(CURRICULUM)
    learner = reasoning_config(curriculum=str(path), timesteps=64, num_cpus=1)
    cfg = dataclasses.replace(learner, max_program_length=6, task_length=32).validate()
    env = SynthesisEnv(language="bf", task="echo-byte")
    env.reset(seed=0)
    table = env.token_table
    buffer = KeptSuccesses(top_k=8)
    for index, text in ((1, ",."), (2, ",")):
        instance = make_task("echo-byte", 0).instance(0, index)
        buffer.add(KeptEntry(instance, tuple(table.actions(text)), "bf", "echo-byte@L0@bf", 1.0 + index))
    checkpoint = tmp_path / "checkpoint"
    (checkpoint / "algorithm").mkdir(parents=True)
    buffer.save(checkpoint / "algorithm" / KEPT_FILE)
    programs = kept_programs(checkpoint)
    assert sorted(len(actions) for _, _, actions in programs) == [1, 2]
    demos = replayed_demonstrations(cfg, programs)
    assert (demos.programs, demos.skipped, len(demos)) == (1, 1, 2)
    assert list(demos.actions) == list(table.actions(",.")) and "execution" in demos.observations
    empty = tmp_path / "empty"
    (empty / "algorithm").mkdir(parents=True)
    with pytest.raises(ValueError, match="holds no kept successes"):
        kept_programs(empty)
