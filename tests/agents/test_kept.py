"""The kept-successes buffer (agents.kept): top-K order, groups, sampling, saving, replay, and the SIL step of both backends."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from agents.kept import KeptEntry, KeptSuccesses, replay_batch, replay_returns
from curricula.base import make_task
from curricula.heldout import is_heldout

OPTIONS = {"curriculum": "bf-basics", "max_program_length": 8, "update_scheduler": False, "content_split": "train"}
PLUS, DOT, COMMA = 3, 5, 6  # canonical Brainfuck actions: > < + - . , [ ] -> 1..8


def _emit(level: int = 0, index: int = 0):
    task = make_task("emit-char", level=level)
    return [i for i in (task.instance(1, k) for k in range(40)) if not is_heldout(i)][index]


def _entry(actions, ret, key="emit-char@L0", instance=None, relabelled=False):
    return KeptEntry(instance or _emit(), tuple(actions), "bf", key, ret, relabelled)


def test_top_k_keeps_the_best_returns_then_the_shortest():
    buffer = KeptSuccesses(top_k=3)
    assert buffer.add(_entry([PLUS, DOT, 0], 1.0))
    assert buffer.add(_entry([PLUS, PLUS, DOT, 0], 1.0))
    assert buffer.add(_entry([PLUS, DOT, DOT, 0], 0.5))
    assert buffer.add(_entry([PLUS, 1, DOT, 0], 1.2))
    assert not buffer.add(_entry([PLUS, 2, 2, DOT, 0], 0.1))  # worse than all three kept
    (key,) = buffer.groups()
    kept = buffer.group(*key)
    assert [e.episode_return for e in kept] == [1.2, 1.0, 1.0]
    assert [len(e.actions) for e in kept] == [4, 3, 4]  # equal returns: shorter first
    buffer.add(_entry([PLUS, DOT, 0], 0.9))  # the same program again, a worse return: counted once, best return kept
    assert len(buffer) == 3
    assert [e.episode_return for e in buffer.group(*key)] == [1.2, 1.0, 1.0]


def test_spec_tasks_keep_k_per_content_and_relabelled_examples_apart():
    buffer = KeptSuccesses(top_k=1)
    one, other = _emit(4, 0), next(i for i in (_emit(4, k) for k in range(1, 9)) if i.tests != _emit(4, 0).tests)
    buffer.add(_entry([PLUS, DOT, 0], 1.0, "emit-char@L4", one))
    buffer.add(_entry([PLUS, PLUS, DOT, 0], 1.0, "emit-char@L4", other))
    assert len(buffer) == 2 and len(buffer.groups()) == 2
    echo = make_task("echo-byte", level=0).instance(0, 0)
    buffer.add(KeptEntry(echo, (COMMA, DOT, 0), "bf", "echo-byte@L0", 1.0))
    buffer.add(KeptEntry(echo, (COMMA, PLUS, DOT, 0), "bf", "echo-byte@L0", 2.0, relabelled=True))
    assert buffer.group("echo-byte@L0", "")[0].actions == (COMMA, DOT, 0)  # not pushed out by a relabelled one
    assert buffer.group("echo-byte@L0", "relabelled")[0].relabelled
    rng = np.random.default_rng(0)
    drawn = buffer.sample(rng, 400)
    share = sum(e.entry_key == "echo-byte@L0" for e in drawn) / 400
    assert 0.4 < share < 0.6  # entry keys first, uniformly


def test_state_roundtrip_and_a_damaged_file_gives_one_line_and_an_empty_buffer(tmp_path):
    buffer = KeptSuccesses(top_k=2)
    for n in range(4):
        buffer.add(_entry([PLUS] * (n + 1) + [DOT, 0], 1.0 - 0.1 * n))
    path = tmp_path / "kept.pickle"
    buffer.save(path)
    again = KeptSuccesses(top_k=2)
    assert again.load(path)
    assert [e.as_tuple() for e in again.entries()] == [e.as_tuple() for e in buffer.entries()]
    pickle.loads(pickle.dumps(buffer.state_dict()))
    lines: list[str] = []
    path.write_bytes(path.read_bytes()[:30])
    assert not again.load(path, lines.append)
    assert len(again) == 0 and len(lines) == 1 and "damaged" in lines[0] and "empty buffer" in lines[0]
    path.write_bytes(b"garbage")
    assert not again.load(path, lines.append) and len(lines) == 2


def test_replay_rebuilds_the_observations_the_env_gave():
    import gymnasium as gym

    import reasonenv.envs.registration  # noqa: F401

    instance = _emit()
    actions = (PLUS, DOT, 0)
    batch = replay_batch([_entry(actions, 1.0, instance=instance)], OPTIONS)
    env = gym.make("reasonenv/Curriculum-v0", **OPTIONS)
    obs, _ = env.reset(seed=5, options={"instance": instance})
    assert batch["actions"].tolist() == list(actions) and int(batch["failed"]) == 0
    for row, action in enumerate(actions):
        for key, value in obs.items():
            assert np.array_equal(batch[key][row], value), key
        obs, *_ = env.step(action)
    assert batch["returns"][0] == pytest.approx(1.0)  # binary-by-default scoring of emit-char: 1 on the last step
    failing = replay_batch([_entry((DOT, 0), 1.0, instance=instance)], OPTIONS)
    assert int(failing["failed"]) == 1 and len(failing["actions"]) == 0
    (measured,) = replay_returns([_entry(actions, 123.0, instance=instance)], OPTIONS)
    assert measured.episode_return == pytest.approx(float(batch["returns"][0]))


def _sil_rows():
    instance = _emit()
    return replay_batch([_entry((PLUS, DOT, 0), 1.0, instance=instance)] * 4, OPTIONS)


def test_rllib_sil_step_lowers_minus_log_pi_of_buffer_actions():
    pytest.importorskip("ray.rllib")
    from types import SimpleNamespace

    import gymnasium as gym
    import torch

    import reasonenv.envs.registration  # noqa: F401
    from agents.backends.rllib import module_spec, sil_step
    from agents.config import TrainConfig

    torch.manual_seed(0)
    env = gym.make("reasonenv/Curriculum-v0", **OPTIONS)
    spec = module_spec(TrainConfig(max_program_length=8))
    spec.observation_space, spec.action_space = env.observation_space, env.action_space
    module = spec.build()
    learner = SimpleNamespace(module={"default_policy": module})
    rows = _sil_rows()
    first = sil_step(learner, rows, weight=1.0, lr=1e-3, grad_clip=0.5)
    for _ in range(15):
        last = sil_step(learner, rows, weight=1.0, lr=1e-3, grad_clip=0.5)
    assert last["sil_nll"] < first["sil_nll"] - 0.1


def test_jax_sil_step_lowers_minus_log_pi_of_buffer_actions():
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp
    import optax

    from agents.backends.jax import make_sil_step
    from agents.config import ModelSettings
    from agents.nets.flax_nets import build_model

    rows = _sil_rows()
    model = build_model(
        "small-context", ModelSettings().sizes(), rows["task"].shape[1], 8, rows["action_mask"].shape[1]
    )
    keys = ("task", "family", "language", "program", "action_mask", "action_effects")
    obs = {key: jnp.asarray(rows[key], jnp.int32 if key != "action_mask" else jnp.int8) for key in keys}
    params = jax.jit(model.init)(jax.random.PRNGKey(0), jax.tree_util.tree_map(lambda x: x[:1], obs))
    tx = optax.adam(1e-3)
    step = make_sil_step(model.apply, tx, 1.0)
    state = tx.init(params)
    args = (obs, jnp.asarray(rows["actions"], jnp.int32), jnp.asarray(rows["returns"]), jnp.ones(len(rows["actions"])))
    params, state, _, first = step(params, state, *args)
    for _ in range(15):
        params, state, _, last = step(params, state, *args)
    assert float(last) < float(first) - 0.1


def _rllib_learner(spec, env, weights=None):
    from types import SimpleNamespace

    spec.observation_space, spec.action_space = env.observation_space, env.action_space
    module = spec.build()
    if weights is not None:
        module.load_state_dict(weights)
    return SimpleNamespace(module={"default_policy": module})


def test_rllib_sil_optimizer_state_round_trips_through_a_torch_file_and_resumes_exactly(tmp_path):
    pytest.importorskip("ray.rllib")
    import copy

    import gymnasium as gym
    import torch

    import reasonenv.envs.registration  # noqa: F401
    from agents.backends.rllib import load_sil_optimizer_state, module_spec, sil_optimizer_state, sil_step
    from agents.config import TrainConfig

    torch.manual_seed(0)
    env = gym.make("reasonenv/Curriculum-v0", **OPTIONS)
    spec = module_spec(TrainConfig(max_program_length=8))
    learner = _rllib_learner(spec, env)
    rows = _sil_rows()
    for _ in range(3):
        sil_step(learner, rows, weight=1.0, lr=1e-3, grad_clip=0.5)
    weights = copy.deepcopy(learner.module["default_policy"].state_dict())
    torch.save(sil_optimizer_state(learner, lr=1e-3), tmp_path / "sil.pt")
    saved = torch.load(tmp_path / "sil.pt", map_location="cpu", weights_only=True)
    assert saved["state"] and all(float(s["step"]) == 3 for s in saved["state"].values())

    restored = _rllib_learner(spec, env, weights)
    assert load_sil_optimizer_state(restored, saved, lr=1e-3) is None
    ours, theirs = learner._sil_optimizer, restored._sil_optimizer
    for p, q in zip(ours.param_groups[0]["params"], theirs.param_groups[0]["params"]):
        for name in ("exp_avg", "exp_avg_sq", "step"):
            assert torch.equal(ours.state[p][name], theirs.state[q][name]), name
    fresh = _rllib_learner(spec, env, weights)
    assert load_sil_optimizer_state(fresh, None, lr=1e-3) is None and not fresh._sil_optimizer.state
    for each in (learner, restored, fresh):  # one more step: the restored Adam goes on exactly as the saved one
        sil_step(each, rows, weight=1.0, lr=1e-3, grad_clip=0.5)
    after = [list(each.module["default_policy"].parameters()) for each in (learner, restored, fresh)]
    assert all(torch.equal(p, q) for p, q in zip(after[0], after[1]))
    assert not all(torch.equal(p, q) for p, q in zip(after[0], after[2]))  # fresh moments step differently

    other = _rllib_learner(module_spec(TrainConfig.from_dict({"max_program_length": 8, "model": {"dim": 16}})), env)
    problem = load_sil_optimizer_state(other, saved, lr=1e-3)
    assert problem is not None and "shape" in problem and not other._sil_optimizer.state  # fresh, with the reason


def test_jax_sil_optimizer_state_saves_in_the_orbax_tree_and_old_checkpoints_restore(tmp_path):
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp
    import optax
    from flax.training.train_state import TrainState

    from agents.backends.jax import RolloutCarry, make_sil_step, restore_state, save_state
    from agents.config import ModelSettings
    from agents.nets.flax_nets import build_model

    rows = _sil_rows()
    model = build_model(
        "small-context", ModelSettings().sizes(), rows["task"].shape[1], 8, rows["action_mask"].shape[1]
    )
    keys = ("task", "family", "language", "program", "action_mask", "action_effects")
    obs = {key: jnp.asarray(rows[key], jnp.int32 if key != "action_mask" else jnp.int8) for key in keys}
    params = jax.jit(model.init)(jax.random.PRNGKey(0), jax.tree_util.tree_map(lambda x: x[:1], obs))
    tx = optax.chain(optax.clip_by_global_norm(0.5), optax.adam(1e-3))  # what the backend builds for SIL (and PPO)
    step = make_sil_step(model.apply, tx, 1.0)
    sil_state = tx.init(params)
    args = (obs, jnp.asarray(rows["actions"], jnp.int32), jnp.asarray(rows["returns"]), jnp.ones(len(rows["actions"])))
    for _ in range(3):
        params, sil_state, _, _ = step(params, sil_state, *args)
    train_state = TrainState.create(apply_fn=model.apply, params=params, tx=tx).replace(step=jnp.zeros((), jnp.int32))
    runner = RolloutCarry(train_state, None, {}, jax.random.PRNGKey(1))
    save_state(tmp_path / "new", runner, {"model": "small-context"}, sil_state)
    save_state(tmp_path / "old", runner, {"model": "small-context"})  # written before the SIL state was saved

    fresh = tx.init(params)
    restored_runner, restored = restore_state(tmp_path / "new", runner, fresh)
    adam, restored_adam = sil_state[1][0], restored[1][0]
    assert int(adam.count) == 3 and int(restored_adam.count) == 3
    for name in ("mu", "nu"):
        saved_leaves = jax.tree_util.tree_leaves(getattr(adam, name))
        assert any(float(jnp.abs(x).max()) > 0 for x in saved_leaves)  # moments that a fresh init would not have
        for a, b in zip(saved_leaves, jax.tree_util.tree_leaves(getattr(restored_adam, name))):
            assert np.array_equal(np.asarray(a), np.asarray(b)), name
    assert jax.tree_util.tree_structure(restored) == jax.tree_util.tree_structure(sil_state)
    _, nothing = restore_state(tmp_path / "old", runner, fresh)
    assert nothing is None  # the backend then starts from a fresh init (and says so)
    plain, none = restore_state(tmp_path / "new", runner)  # no template (kept off now): the rest still loads
    assert none is None
    for a, b in zip(jax.tree_util.tree_leaves(plain.train_state.params), jax.tree_util.tree_leaves(params)):
        assert np.array_equal(np.asarray(a), np.asarray(b))
