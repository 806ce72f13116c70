"""experiments.arms without training: every arm becomes a TrainConfig, what a cell trains on becomes a curriculum file,
and a pinned instance becomes TrainConfig.fixed_instance."""

from __future__ import annotations

import pytest

from experiments import arms


def test_every_arm_is_a_train_config_with_the_networks_flags_and_the_experiment_settings(tmp_path):
    from agents.config import TrainConfig
    from agents.nets import ARMS as NETWORKS
    from agents.nets import PERMUTED_ARMS

    assert set(arms.ARMS) == set(NETWORKS)
    curriculum = arms.write_curriculum(arms.Curriculum("bf-basics", 1, "ook"), tmp_path)
    for arm, model in arms.ARMS.items():
        assert (model.name, model.actions) == NETWORKS[arm], arm
        assert model.permute_actions == (arm in PERMUTED_ARMS), arm
        net = arms.Net(arm, dim=8, heads=2, task_length=40, max_program_length=12, action_slots=39)
        cfg = arms.train_config(net, curriculum, env_steps=500, seed=3, lr=2e-3, scoring="pqt", num_envs=8)
        cfg.validate()
        assert (cfg.backend, cfg.model.name, cfg.model.actions) == ("rllib", model.name, model.actions)
        assert cfg.permute_actions == model.permute_actions
        assert cfg.model.sizes() == {"dim": 8, "heads": 2, "layers": 1, "window": 16, "top_k": 8, "hidden": 16}
        assert (cfg.task_length, cfg.max_program_length, cfg.action_slots) == (40, 12, 39)
        assert (cfg.timesteps, cfg.programs, cfg.seed, cfg.curriculum) == (500, None, 3, str(curriculum))
        # The experiments' PPO and reward, not TrainConfig's defaults (arms' module docstring).
        assert (cfg.ppo.train_batch_size, cfg.ppo.minibatch_size, cfg.ppo.num_epochs) == (16 * 8, 16 * 8, 2)
        assert (cfg.ppo.lr, cfg.ppo.entropy_coeff, cfg.ppo.gamma, cfg.ppo.lambda_) == (2e-3, 0.01, 1.0, 0.95)
        assert (cfg.reward.scoring, cfg.reward.shaped_weight, cfg.reward.success_bonus) == ("pqt", 1.0, 0.0)
        assert cfg.reward.step_penalty == 0.0005
        assert cfg.rllib.num_envs_per_env_runner == 8 and cfg.jax.num_envs == 8
        assert TrainConfig.from_dict(cfg.to_dict()) == cfg  # what config.json holds is the run
    wide = arms.train_config(arms.Net(), curriculum, programs=10, num_envs=32, permute_actions=True)
    assert wide.ppo.train_batch_size == 512 and wide.ppo.minibatch_size == 256 and wide.permute_actions
    tuned = arms.train_config(arms.Net("permuted-plain"), curriculum, env_steps=1, permute_actions=False)
    assert not tuned.permute_actions  # fine-tuning keeps the language's order, whatever the arm


def test_a_curriculum_is_cut_to_its_stages_and_asked_in_the_language(tmp_path):
    from curricula.schedulers import load_curriculum

    path = arms.write_curriculum(arms.Curriculum("bf-basics", 2, "bf-dialect-7"), tmp_path)
    scheduler = load_curriculum(path)
    shipped = load_curriculum("bf-basics")
    assert [s.name for s in scheduler.stages] == [s.name for s in shipped.stages[:3]]
    assert scheduler.stages[0].promotion == shipped.stages[0].promotion
    assert {e.language for e in scheduler.entries()} == {"bf-dialect-7"}
    keys = {(e.family, e.level, tuple(sorted(e.config.items()))) for e in scheduler.entries()}
    assert keys == {(e.family, e.level, e.config) for e in arms.curriculum_entries("bf-basics", 2)}


def test_entries_are_one_stage_at_equal_weight(tmp_path):
    from curricula.schedulers import load_curriculum

    entries = [
        arms.Entry("emit-char", 0, (), "ook"),
        arms.Entry("echo-all", 0, (("num_examples", 3),), "befunge93"),
    ]
    scheduler = load_curriculum(arms.write_curriculum(entries, tmp_path))
    (stage,) = scheduler.stages
    assert [(m.family, m.level, m.config, m.language, m.weight) for m in stage.mixture] == [
        ("emit-char", 0, {}, "ook", 1.0),
        ("echo-all", 0, {"num_examples": 3}, "befunge93", 1.0),
    ]
    with pytest.raises(ValueError, match="at least one entry"):
        arms.write_curriculum([], tmp_path)


def test_a_pinned_instance_becomes_fixed_instance_and_must_be_that_instance():
    from curricula.base import make_task

    family = make_task("reverse")
    pinned = arms.Entry("reverse", instance=family.instance(0, 0))
    assert arms.fixed_instance([pinned]) == [0, 0]
    assert arms.fixed_instance([arms.Entry("reverse")]) is None
    assert arms.fixed_instance(arms.Curriculum("bf-basics", 0)) is None
    with pytest.raises(ValueError, match="pin different instances"):
        arms.fixed_instance([pinned, arms.Entry("length", instance=make_task("length").instance(1, 0))])
    with pytest.raises(ValueError, match="not instance \\(0, 0\\) of its family"):
        arms.fixed_instance([arms.Entry("length", instance=make_task("reverse").instance(0, 0))])


def test_the_fixed_instance_is_what_every_training_episode_asks(tmp_path):
    pytest.importorskip("ray.rllib")
    from agents.backends.rllib import env_config, make_training_env
    from curricula.base import make_task

    want = make_task("length").instance(0, 0)
    curriculum = arms.write_curriculum([arms.Entry("length", instance=want)], tmp_path)
    cfg = arms.train_config(arms.Net(task_length=96), curriculum, programs=10, scoring="pqt", pinned=[0, 0])
    env = make_training_env(env_config(cfg.validate(), None))
    for seed in range(4):
        env.reset(seed=seed)
        assert env.unwrapped.instance.fingerprint() == want.fingerprint()
    unpinned = arms.train_config(arms.Net(task_length=96), curriculum, programs=10, scoring="pqt")
    env = make_training_env(env_config(unpinned, None))
    drawn = set()
    for seed in range(4):
        env.reset(seed=seed)
        drawn.add(env.unwrapped.instance.fingerprint())
    assert len(drawn) > 1
    jax = arms.train_config(arms.Net(), curriculum, programs=10, pinned=[0, 0], backend="jax")
    with pytest.raises(ValueError, match="fixed_instance is honoured by backend rllib only"):
        jax.validate()


def test_a_training_stopped_before_its_budget_is_not_a_finished_cell(tmp_path, monkeypatch):
    """agents.loop returns normally after SIGINT (final checkpoint written); arms must not record that as a cell."""
    from agents import loop

    calls = []
    monkeypatch.setattr(arms, "_start_ray", lambda cfg: None)
    monkeypatch.setattr(loop, "train", lambda cfg, run, **kwargs: calls.append((cfg, kwargs["resume"])))
    run = tmp_path / "cell"
    with pytest.raises(KeyboardInterrupt, match="stopped before its budget; rerun to resume it"):
        arms.train(arms.Net(), [arms.Entry("emit-char", 0)], run, env_steps=1000, seed=4)
    assert not arms.is_trained(run) and not (run / arms.TRAINED_FILE).exists()
    ((cfg, resume),) = calls
    assert resume is False and cfg.seed == 4 and cfg.timesteps == 1000
    assert cfg.curriculum == str((run / arms.CURRICULUM_FILE).resolve())


def test_learner_arms_are_the_issue_21_learner_with_the_nets_sizes_and_the_cells_budget(tmp_path):
    from agents.learner import reasoning_config

    curriculum = arms.write_curriculum([arms.Entry("emit-char", 4, (), "bf+cell_step=2")], tmp_path)
    learner = reasoning_config(seed=5)
    for arm, model in arms.LEARNER_ARMS.items():
        net = arms.Net(arm, dim=16, heads=2, layers=1, task_length=40, max_program_length=12)
        pre = arms.train_config(net, curriculum, env_steps=700, seed=5, lr=9e-9, scoring="pqt", num_envs=8)
        assert (pre.rllib.num_envs_per_env_runner, pre.jax.num_envs, pre.ppo.train_batch_size) == (8, 8, 2048)
        assert (pre.model.name, pre.model.actions, pre.model.effects) == (model.name, model.actions, model.effects)
        assert pre.model.sizes() == {"dim": 16, "heads": 2, "layers": 1, "window": 16, "top_k": 8, "hidden": 32}
        assert (pre.timesteps, pre.seed, pre.max_program_length, pre.task_length) == (700, 5, 12, 40)
        # The learner's own reward, PPO and parts; the call's lr and scoring are the old arms' and do not apply.
        assert (pre.execution, pre.end_on_pass, pre.reward, pre.probe_every) == (
            True,
            True,
            learner.reward,
            learner.probe_every,
        )
        assert (pre.ppo.lr, pre.ppo.entropy_final, pre.model.value_features, pre.model.signed_step) == (
            learner.ppo.lr,
            0.01,
            True,
            True,
        )
        assert pre.permute_actions == model.permute_actions
        assert (pre.kept.top_k, pre.relabel) == ((0, False) if model.permute_actions else (8, True))
        assert pre.keep_checkpoints == 1 and pre.checkpoint_every == learner.checkpoint_every
        tuned = arms.train_config(
            net, curriculum, env_steps=700, init_from=tmp_path, permute_actions=False, curve_every=3
        ).validate()
        assert (tuned.permute_actions, tuned.kept.top_k, tuned.relabel) == (False, 8, True)
        assert (tuned.ppo.entropy_coeff, tuned.ppo.entropy_final, tuned.ppo.entropy_decay_steps) == (
            arms.FINETUNE_ENTROPY,
            None,
            0,
        )
        assert (tuned.checkpoint_every, tuned.keep_checkpoints) == (3, arms.CURVE_KEEP_CHECKPOINTS)
    with pytest.raises(ValueError, match="unknown arm 'nope'; choose one of pointer\\+memory"):
        arms.Net("nope")


def test_the_learner_config_switches_off_exactly_the_named_part():
    from agents.learner import ABLATIONS, reasoning_config

    full = reasoning_config(seed=1, budget_s=60).to_dict()
    assert full["model"]["effects"] == "ids" and full["timesteps"] is None
    assert reasoning_config(seed=1, budget_s=60, effects="parts").model.effects == "parts"
    for part in ABLATIONS[1:]:
        assert reasoning_config(seed=1, budget_s=60, ablate=part).to_dict() != full, part
    with pytest.raises(ValueError, match="ablate must be one of none, execution"):
        reasoning_config(ablate="everything")
    with pytest.raises(ValueError, match="effects must be one of ids, parts, got 'names'"):
        reasoning_config(effects="names")


def test_well_posed_evaluation_skips_what_no_program_can_write_and_the_reference_carries_over():
    step2 = [arms.Entry("emit-char", 4, (), "bf+cell_step=2")]
    carried = arms.reference_success(step2, 6, well_posed=True)["entries"]["emit-char-L4@bf+cell_step=2"]
    assert carried["episodes"] == 6 and carried["ill_posed"] > 0 and carried["rate"] == 0.0  # `+` x b writes 2b
    plain = arms.reference_success([arms.Entry("emit-char", 4, (), "bf")], 6)["entries"]["emit-char-L4@bf"]
    assert (plain["rate"], plain["ill_posed"], plain["heldout"]) == (1.0, 0, True)
    eof = arms.reference_success([arms.Entry("echo-all", None, (("max_length", 4),), "bf+eof=unchanged")], 4)
    assert eof["success"] == 0.0  # `,[.,]` never ends when `,` keeps the cell at end of input


def test_extra_stages_keep_the_last_mixture_and_weigh_the_new_entry_as_all_of_it(tmp_path):
    from curricula.schedulers import load_curriculum

    extra = arms.Entry("add-constant", None, (("constant", 3), ("max_length", 4)), "bf")
    on = arms.Curriculum("bf-reasoning", 2, "bf", extra=(extra,))
    scheduler = load_curriculum(arms.write_curriculum(on, tmp_path))
    shipped = load_curriculum("bf-reasoning")
    assert [s.name for s in scheduler.stages[:3]] == [s.name for s in shipped.stages[:3]]
    last = scheduler.stages[-1]
    assert len(scheduler.stages) == 4 and last.name == "extra-" + extra.key
    before = scheduler.stages[2].mixture
    assert [(m.family, m.level) for m in last.mixture[:-1]] == [(m.family, m.level) for m in before]
    assert [m.weight for m in last.mixture] == [1] * len(before) + [len(before)]
    assert (last.mixture[-1].family, last.mixture[-1].config) == ("add-constant", {"constant": 3, "max_length": 4})
    assert (
        arms.entries_of(on)[-1] == extra
        and len(arms.entries_of(on)) == len(arms.curriculum_entries("bf-reasoning", 2)) + 1
    )


def test_the_pqt_tasks_are_exactly_those_with_a_short_reference():
    from curricula.families.pqt import PQT_FAMILIES
    from experiments import pqt

    short = {task for task in PQT_FAMILIES if (pqt.solution_tokens(task) or 99) <= pqt.MAX_SOLUTION_TOKENS}
    assert set(pqt.SHORT_TASKS) == short and len(short) == 8
    assert pqt.PQTArgs().tasks == list(pqt.SHORT_TASKS)
    assert not pqt.pretraining_families(pqt.PQTArgs()) & short  # bf-reasoning's stages never pose a PQT family
