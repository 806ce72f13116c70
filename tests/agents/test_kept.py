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
