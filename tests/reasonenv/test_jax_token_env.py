"""The functional JAX token env against the Gymnasium CurriculumEnv: same instances, same actions, same everything.

Episodes are played in the Python env first (random masked actions,
reference solutions, unmasked actions that break bracket rules), then
replayed in the JAX env on the same pool instances: observations at every
step (task + spec, program, mask, effects, family, language), episode ends
(stop, truncation at max length) and the rewards of every scoring mode,
verification at truncation, the syntax-error penalty and the step penalty
included. One mixed-language curriculum (bf, Ook!, a seeded dialect, PQT's
cell modulus and clamped tape) serves every check, so jit compiles the
verifier once.
"""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

from curricula.base import make_task, reference_solution  # noqa: E402
from curricula.schedulers import load_curriculum  # noqa: E402
from reasonenv.envs.curriculum import CurriculumEnv  # noqa: E402
from reasonenv.envs.jax_pool import MODE_ID, build_params, curriculum_entries, scheduler_weights  # noqa: E402
from reasonenv.envs.jax_token_env import JaxTokenEnv  # noqa: E402
from reasonenv.envs.jax_verify import final_reward, verify_finished, verify_programs  # noqa: E402

CURRICULUM = """
name: jax-equivalence
scheduler: staged
language: bf
stages:
  - name: mixed
    mixture:
      - {family: echo-byte, level: 0}
      - {family: reverse, level: 0}
      - {family: echo, level: 0, language: ook}
      - {family: emit-char, level: 1, language: bf-dialect-5}
      - {family: emit-string, level: 1, language: bf-dialect-5}
      - {family: emit-char, level: 2, language: "bf+cell_step=2"}
  - name: second
    mixture:
      - {family: echo-byte, level: 0, weight: 3}
      - {family: emit-string, level: 1, language: bf-dialect-5}
"""
LENGTH = 12
PENALTY = 0.01
INVALID_PENALTY = 0.5
VERIFY_ROWS = 96


@pytest.fixture(scope="module")
def curriculum_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("curriculum") / "jax-equivalence.yaml"
    path.write_text(CURRICULUM)
    return str(path)


def python_env(path, scoring, mask_actions=True):
    return CurriculumEnv(
        curriculum=path,
        scoring=scoring,
        max_program_length=LENGTH,
        step_penalty=PENALTY,
        invalid_program_penalty=INVALID_PENALTY,
        mask_actions=mask_actions,
        update_scheduler=False,
    )


def play(env, entries, seed, policy, rng):
    """One Python episode: (entry key, seed, index, [obs...], [actions], [rewards], last info)."""
    obs, info = env.reset(seed=seed)
    observations, actions, rewards = [obs], [], []
    reference = None
    if policy == "reference":
        entry = next(e for e in entries if e.key == info["curriculum_key"])
        instance = make_task(entry.family, entry.level, **entry.config).instance(info["seed"], info["index"])
        text = reference_solution(instance, info["language"])
        if text is not None:
            reference = env.tables[info["language"]].actions(text)
            if len(reference) >= LENGTH:
                reference = None
    while True:
        mask = obs["action_mask"]
        if reference is not None:
            action = reference[len(actions)] if len(actions) < len(reference) else 0
        else:
            allowed = np.flatnonzero(mask)
            # favour tokens over STOP so that episodes also reach the length limit
            weights = np.where(allowed == 0, 0.15, 1.0)
            action = int(rng.choice(allowed, p=weights / weights.sum()))
        obs, reward, terminated, truncated, last = env.step(action)
        actions.append(action)
        rewards.append(reward)
        observations.append(obs)
        if terminated or truncated:
            return info["curriculum_key"], info["seed"], info["index"], observations, actions, rewards, last


def assert_same_obs(jax_obs, py_obs, where):
    for name, value in py_obs.items():
        np.testing.assert_array_equal(np.asarray(jax_obs[name]), np.asarray(value), err_msg=f"{name} at {where}")


@pytest.fixture(scope="module")
def episodes(curriculum_file):
    """Python episodes in every scoring mode plus unmasked ones, and JAX params over exactly their instances."""
    scheduler = load_curriculum(curriculum_file)
    entries = curriculum_entries(scheduler)
    rng = np.random.default_rng(0)
    played = []
    for mode in ("binary", "fraction", "pqt", "prefix"):
        env = python_env(curriculum_file, mode)
        for seed in range(14):
            played.append((mode, True, play(env, entries, seed, "reference" if seed % 3 == 0 else "random", rng)))
    unmasked = python_env(curriculum_file, "pqt", mask_actions=False)
    for seed in range(14):
        played.append(("pqt", False, play(unmasked, entries, 100 + seed, "random", rng)))
    # the pool: every instance an episode used, per entry
    pool = [[] for _ in entries]
    slot_of = {}
    for _, _, (key, seed, index, *_rest) in played:
        e = next(i for i, entry in enumerate(entries) if entry.key == key)
        if (e, seed, index) not in slot_of:
            entry = entries[e]
            slot_of[(e, seed, index)] = len(pool[e])
            pool[e].append(make_task(entry.family, entry.level, **entry.config).instance(seed, index))
    for e, group in enumerate(pool):  # every entry needs an instance, used or not
        if not group:
            entry = entries[e]
            group.append(make_task(entry.family, entry.level, **entry.config).instance(0, 0))
    params, info = build_params(
        entries,
        instances=pool,
        max_program_length=LENGTH,
        scoring="binary",
        step_penalty=PENALTY,
        invalid_program_penalty=INVALID_PENALTY,
    )
    return entries, played, slot_of, params, info


def test_pool_matches_the_python_env(episodes, curriculum_file):
    entries, _, _, params, info = episodes
    env = python_env(curriculum_file, "binary")
    assert info.languages == env.languages
    assert params.task.shape[2] == env.observation_space["task"].shape[0]
    assert info.num_actions == env.action_space.n
    seeded = info.tables["bf-dialect-5"]
    assert seeded.order == "seeded"
    np.testing.assert_array_equal(
        np.asarray(params.effects[info.languages.index("bf-dialect-5")]), seeded.action_effects(info.num_actions)
    )


def test_observations_ends_and_rewards_match(episodes):
    entries, played, slot_of, params, info = episodes
    masked_env = JaxTokenEnv(params)
    unmasked_params = params.replace(mask_actions=False)
    step_masked = jax.jit(masked_env.step_env)
    step_unmasked = jax.jit(JaxTokenEnv(unmasked_params).step_env)
    reset_to = jax.jit(masked_env.reset_to)
    key = jax.random.PRNGKey(0)
    finished = []
    ends = {"stop": 0, "max_length": 0, "syntax_error": 0, "success": 0}
    for number, (mode, masked, (entry_key, seed, index, observations, actions, rewards, last)) in enumerate(played):
        e = next(i for i, entry in enumerate(entries) if entry.key == entry_key)
        slot = slot_of[(e, seed, index)]
        run_params = params if masked else unmasked_params
        step = step_masked if masked else step_unmasked
        obs, state = reset_to(e, slot, run_params)
        assert_same_obs(obs, observations[0], f"episode {number} reset")
        for t, action in enumerate(actions):
            obs, state, reward, done, step_info = step(key, state, jnp.int32(action), run_params)
            assert_same_obs(obs, observations[t + 1], f"episode {number} step {t}")
            assert bool(done) == (t == len(actions) - 1)
            if not bool(done):
                assert float(reward) == pytest.approx(rewards[t])
        assert bool(step_info["truncated"]) == (last["end"] == "max_length")
        assert bool(step_info["needs_verification"])
        ends[last["end"]] += 1
        ends["syntax_error"] += "syntax_error" in last["statuses"]
        ends["success"] += bool(last["success"])
        finished.append(
            (
                mode,
                np.asarray(step_info["program"]),
                int(step_info["language"]),
                e,
                slot,
                float(reward),
                rewards[-1],
                last,
            )
        )
    assert min(ends.values()) > 0, ends  # every kind of ending was exercised

    verify = jax.jit(verify_programs)
    rows = len(finished)
    assert rows <= VERIFY_ROWS

    def pad(values, dtype):
        array = np.zeros((VERIFY_ROWS, *np.shape(values[0])), dtype)
        array[:rows] = values
        return jnp.asarray(array)

    programs = pad([f[1] for f in finished], np.int32)
    language, entry, slot = (pad([f[i] for f in finished], np.int32) for i in (2, 3, 4))
    for mode in ("binary", "fraction", "pqt", "prefix"):
        mode_params = params.replace(mode=jnp.full_like(params.mode, MODE_ID[mode]))
        verdicts = verify(mode_params, programs, language, entry, slot)
        extra = np.asarray(final_reward(mode_params, verdicts))
        # the rollout path: a [T, B] grid of which some steps finished, compacted and run by test lanes
        grid = lambda a: a.reshape((8, VERIFY_ROWS // 8) + a.shape[1:])  # noqa: E731
        finished_grid = grid(jnp.arange(VERIFY_ROWS) < rows)
        rollout_reward, rollout_success, _ = jax.jit(verify_finished, static_argnames="chunk")(
            mode_params, finished_grid, grid(programs), grid(language), grid(entry), grid(slot), chunk=64
        )
        np.testing.assert_allclose(
            np.asarray(rollout_reward).reshape(-1),
            np.where(np.arange(VERIFY_ROWS) < rows, extra, 0),
            rtol=1e-6,
            atol=1e-6,
        )
        assert (np.asarray(rollout_success).reshape(-1)[:rows] == np.asarray(verdicts.success)[:rows]).all()
        for row, (played_mode, _, _, _, _, step_reward, py_reward, last) in enumerate(finished):
            if played_mode != mode:
                continue
            where = f"{mode} row {row}: {last['program']!r}"
            assert int(verdicts.passed[row]) == last["passed"], where
            assert int(verdicts.total[row]) == last["total"], where
            assert list(np.asarray(verdicts.steps[row])[: last["total"]]) == list(last["steps"]), where
            assert step_reward + extra[row] == pytest.approx(py_reward, rel=1e-5, abs=1e-5), where


def test_auto_reset_keeps_the_terminal_transition_apart(episodes):
    _, _, _, params, _ = episodes
    env = JaxTokenEnv(params)
    obs, state = env.reset_to(0, 0, params)
    key = jax.random.PRNGKey(3)
    step = jax.jit(env.step)
    for action in (6, 5):  # ',' then '.' in Brainfuck's canonical order: echo-byte's solution
        obs, state, reward, done, info = step(key, state, jnp.int32(action), params)
    obs, state, reward, done, info = step(key, state, jnp.int32(0), params)
    assert bool(done) and bool(info["terminated"]) and bool(info["needs_verification"])
    assert list(np.asarray(info["program"])[:3]) == [6, 5, 0] and int(info["length"]) == 2
    fresh_obs, fresh_state = env.reset(jax.random.split(key)[1], params)
    for name in fresh_obs:
        np.testing.assert_array_equal(np.asarray(obs[name]), np.asarray(fresh_obs[name]))
    assert int(state.length) == 0 and not np.asarray(state.program).any()


def test_invalid_token_ends_without_verification(episodes):
    _, _, _, params, _ = episodes
    narrow = params.replace(lang_actions=jnp.full_like(params.lang_actions, 5))  # a language with 4 tokens
    env = JaxTokenEnv(narrow)
    _, state = env.reset_to(0, 0, narrow)
    _, _, reward, done, info = env.step_env(jax.random.PRNGKey(0), state, jnp.int32(7), narrow)
    assert bool(done) and bool(info["invalid_token"]) and not bool(info["needs_verification"])
    assert float(reward) == pytest.approx(-PENALTY - INVALID_PENALTY)


def test_scheduler_weights_follow_the_stage(curriculum_file):
    scheduler = load_curriculum(curriculum_file)
    entries = curriculum_entries(scheduler)
    weights, stage = scheduler_weights(scheduler, entries)
    assert stage == 0 and list(weights) == [1, 1, 1, 1, 1, 1]
    scheduler.load_state_dict({**scheduler.state_dict(), "stage": 1})
    weights, stage = scheduler_weights(scheduler, entries)
    assert stage == 1 and list(weights) == [3, 0, 0, 0, 1, 0]
