"""The execution observation and the potential: the Gym CurriculumEnv (numpy, `reasonenv.envs.execution`) and the
JAX token env (`esolangs.jax_bf_trace`, `reasonenv.envs.jax_execution`) give identical arrays at every step.

Episodes are played in the Python env with execution=True (random masked
actions, a share of them favouring loops so runs wait, loop, spend their
budget and fail), then replayed in the JAX env on the same pool instances:
`obs["execution"]` must be equal at reset and after every step, and
`info["potential"]` within 1e-6 (the JAX env's `state.execution.potential`
at reset). One mixed curriculum covers bf, Ook!, a seeded dialect, an
instance with no visible example (emit-string: `visible_output`), an EOF
variant (bf+eof=minus_one), a cell-step variant (bf+cell_step=2: `+` adds
2) and PQT's options (cell modulus 27 and 256,
clamped left edge, unmatched brackets ignored). A small step budget makes
OUT_OF_STEPS common.
"""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

from curricula.base import make_task  # noqa: E402
from curricula.schedulers import load_curriculum  # noqa: E402
from esolangs.jax_bf_trace import ERROR, NONE, OUT_OF_STEPS, READY, WAITING  # noqa: E402
from reasonenv.envs.curriculum import CurriculumEnv  # noqa: E402
from reasonenv.envs.jax_pool import build_params, curriculum_entries  # noqa: E402
from reasonenv.envs.jax_token_env import JaxTokenEnv  # noqa: E402

CURRICULUM = """
name: execution-equivalence
scheduler: staged
language: bf
stages:
  - name: mixed
    mixture:
      - {family: echo-byte, level: 0}
      - {family: print-hello, level: 0}
      - {family: reverse, level: 0, language: ook}
      - {family: echo-all, level: 0, language: bf-dialect-5}
      - {family: emit-string, level: 1, language: bf-dialect-5}
      - {family: echo-all, level: 0, language: "bf+eof=minus_one"}
      - {family: emit-char, level: 0, language: "bf+cell_step=2"}
"""
LENGTH = 24
STEPS = 40
OPTIONS = {"execution_examples": 3, "execution_output": 6, "execution_steps": STEPS}


@pytest.fixture(scope="module")
def curriculum_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("curriculum") / "execution-equivalence.yaml"
    path.write_text(CURRICULUM)
    return str(path)


def play(env, seed, rng, loopy):
    """One Python episode: (entry key, seed, index, [execution rows], [potentials], [actions])."""
    obs, info = env.reset(seed=seed)
    rows, potentials, actions = [obs["execution"]], [info["potential"]], []
    table = env.tables[info["language"]]
    while True:
        allowed = np.flatnonzero(obs["action_mask"])
        weights = np.where(allowed == 0, 0.1, 1.0)  # favour tokens over STOP so that programs grow
        if loopy:
            weights = weights * np.where((allowed == table.open_action) | (allowed == table.close_action), 4.0, 1.0)
        action = int(rng.choice(allowed, p=weights / weights.sum()))
        obs, _, terminated, truncated, last = env.step(action)
        actions.append(action)
        rows.append(obs["execution"])
        potentials.append(last["potential"])
        if terminated or truncated:
            return info["curriculum_key"], info["seed"], info["index"], rows, potentials, actions


@pytest.fixture(scope="module")
def episodes(curriculum_file):
    env = CurriculumEnv(
        curriculum=curriculum_file, max_program_length=LENGTH, update_scheduler=False, execution=True, **OPTIONS
    )
    entries = curriculum_entries(load_curriculum(curriculum_file))
    rng = np.random.default_rng(21)
    played = [play(env, seed, rng, loopy=seed % 2 == 1) for seed in range(48)]
    pool: list[list] = [[] for _ in entries]
    slot_of = {}
    for key, seed, index, *_ in played:
        e = next(i for i, entry in enumerate(entries) if entry.key == key)
        if (e, seed, index) not in slot_of:
            entry = entries[e]
            slot_of[(e, seed, index)] = len(pool[e])
            pool[e].append(make_task(entry.family, entry.level, **entry.config).instance(seed, index))
    for e, group in enumerate(pool):
        if not group:
            entry = entries[e]
            group.append(make_task(entry.family, entry.level, **entry.config).instance(0, 0))
    params, info = build_params(entries, instances=pool, max_program_length=LENGTH, execution=True, **OPTIONS)
    return entries, played, slot_of, params, info


def test_every_step_has_the_same_execution_rows_and_potential(episodes):
    entries, played, slot_of, params, info = episodes
    env = JaxTokenEnv(params)
    reset_to = jax.jit(env.reset_to)
    step = jax.jit(env.step_env)
    key = jax.random.PRNGKey(0)
    statuses, languages, potentials = set(), set(), []
    for number, (entry_key, seed, index, rows, phis, actions) in enumerate(played):
        e = next(i for i, entry in enumerate(entries) if entry.key == entry_key)
        languages.add(entries[e].language)
        obs, state = reset_to(e, slot_of[(e, seed, index)], params)
        np.testing.assert_array_equal(np.asarray(obs["execution"]), rows[0], err_msg=f"episode {number} reset")
        assert float(state.execution.potential) == pytest.approx(phis[0], abs=1e-6), f"episode {number} reset"
        for t, action in enumerate(actions):
            obs, state, _, _, step_info = step(key, state, jnp.int32(action), params)
            where = f"episode {number} ({entry_key}) step {t}"
            np.testing.assert_array_equal(np.asarray(obs["execution"]), rows[t + 1], err_msg=where)
            assert float(step_info["potential"]) == pytest.approx(phis[t + 1], abs=1e-6), where
            statuses.update(int(s) for s in np.asarray(obs["execution"])[:, 0])
            potentials.append(phis[t + 1])
    # the comparison saw every status, every language of the curriculum and potentials of both signs
    assert statuses == {NONE, READY, WAITING, OUT_OF_STEPS, ERROR}, statuses
    assert languages == set(info.languages) and len(languages) == 5, languages
    assert min(potentials) < 0 < max(potentials)


def test_execution_off_leaves_every_other_observation_as_it_was(episodes):
    entries, played, slot_of, params, _ = episodes
    off = params.replace(execution=False, execution_runs=None)
    env_on, env_off = JaxTokenEnv(params), JaxTokenEnv(off)
    step_on, step_off = jax.jit(env_on.step_env), jax.jit(env_off.step_env)
    key = jax.random.PRNGKey(0)
    for entry_key, seed, index, _, _, actions in played[:6]:
        e = next(i for i, entry in enumerate(entries) if entry.key == entry_key)
        obs_on, state_on = env_on.reset_to(e, slot_of[(e, seed, index)], params)
        obs_off, state_off = env_off.reset_to(e, slot_of[(e, seed, index)], off)
        assert "execution" not in obs_off and state_off.execution is None
        for action in actions:
            obs_on, state_on, reward_on, done_on, info_on = step_on(key, state_on, jnp.int32(action), params)
            obs_off, state_off, reward_off, done_off, info_off = step_off(key, state_off, jnp.int32(action), off)
            assert set(obs_on) - set(obs_off) == {"execution"} and set(info_on) - set(info_off) == {"potential"}
            for name, value in obs_off.items():
                np.testing.assert_array_equal(np.asarray(obs_on[name]), np.asarray(value), err_msg=name)
            assert float(reward_on) == float(reward_off) and bool(done_on) == bool(done_off)


def test_jit_vmap_shapes_and_auto_reset_potential(episodes):
    _, _, _, params, _ = episodes
    env = JaxTokenEnv(params)
    envs = 5
    obs, state = jax.jit(jax.vmap(env.reset, (0, None)))(jax.random.split(jax.random.PRNGKey(1), envs), params)
    width = 13 + 2 * OPTIONS["execution_output"]
    assert obs["execution"].shape == (envs, OPTIONS["execution_examples"], width)
    assert obs["execution"].dtype == jnp.int32
    step = jax.jit(jax.vmap(env.step, (0, 0, 0, None)))
    stop = jnp.zeros(envs, jnp.int32)
    first = jnp.ones(envs, jnp.int32)  # action 1 is a command in every language (never STOP)
    obs, state, _, done, info = step(jax.random.split(jax.random.PRNGKey(2), envs), state, first, params)
    assert info["potential"].shape == (envs,) and info["potential"].dtype == jnp.float32
    assert not bool(done.any())
    obs, state, _, done, info = step(jax.random.split(jax.random.PRNGKey(3), envs), state, stop, params)
    assert bool(done.all())
    # after the auto-reset the state carries the new episode's Φ of the empty program and its rows
    fresh = jax.vmap(env.reset_to, (0, 0, None))(state.entry, state.slot, params)[1]
    np.testing.assert_allclose(np.asarray(state.execution.potential), np.asarray(fresh.execution.potential))
    assert int(jnp.sum(state.execution.runs.steps)) == 0
