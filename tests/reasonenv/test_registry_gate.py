"""The gate every registered reasonenv id passes: check_env without warnings, seeded determinism, observations in space, ansi rendering.

A new id is covered the moment it is registered (CONVENTIONS.md 3).
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env, data_equivalence

import reasonenv  # noqa: F401  (registers the ids)
from reasonenv.envs.registration import registered_ids

ALL_IDS = registered_ids()
EPISODES = 2
MAX_STEPS_PER_ROLLOUT = 200
TEXT_ACTION_CHARS = '+-<>[].,0123456789 \n\t@:"&~'


def policy_action(env: gym.Env, observation, rng: np.random.Generator):
    """A seeded random action: uniform over the allowed tokens (token envs), a short random text (text envs)."""
    if isinstance(observation, dict):
        return int(rng.choice(np.flatnonzero(observation["action_mask"])))
    alphabet = TEXT_ACTION_CHARS
    length = int(rng.integers(0, 12))
    return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), size=length))


def rollout(env_id: str, seed: int) -> list:
    """EPISODES episodes under a seeded random policy; every observation is checked against the space."""
    env = gym.make(env_id, render_mode="ansi")
    rng = np.random.default_rng(seed)
    trace = []
    observation, info = env.reset(seed=seed)
    assert env.observation_space.contains(observation), f"{env_id}: reset observation outside the space"
    trace.append((observation, info))
    rendered = env.render()
    assert isinstance(rendered, str) and rendered, f"{env_id}: ansi render must give text"
    episodes = steps = 0
    while episodes < EPISODES and steps < MAX_STEPS_PER_ROLLOUT:
        action = policy_action(env, observation, rng)
        observation, reward, terminated, truncated, info = env.step(action)
        steps += 1
        assert env.observation_space.contains(observation), f"{env_id}: step observation outside the space"
        assert isinstance(reward, float) and np.isfinite(reward)
        trace.append((action, observation, reward, terminated, truncated, info))
        if terminated or truncated:
            assert isinstance(env.render(), str)
            episodes += 1
            observation, info = env.reset()
            assert env.observation_space.contains(observation)
            trace.append((observation, info))
    env.close()
    assert episodes == EPISODES, f"{env_id}: {EPISODES} episodes did not end within {MAX_STEPS_PER_ROLLOUT} steps"
    return trace


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_registered_env_passes_the_gate(env_id):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make(env_id)
        check_env(env.unwrapped)
        env.close()
        first, second = rollout(env_id, seed=7), rollout(env_id, seed=7)
    assert data_equivalence(first, second, exact=True), f"{env_id}: two rollouts with seed 7 differ"


def test_every_kind_of_id_is_registered():
    assert len(ALL_IDS) >= 40
    for expected in (
        "reasonenv/Synthesis-v0",
        "reasonenv/SynthesisText-v0",
        "reasonenv/SynthesisFeedback-v0",
        "reasonenv/Curriculum-v0",
        "reasonenv/BF-EmitChar-v0",
        "reasonenv/Befunge93-EmitChar-v0",
        "reasonenv/Whitespace-EmitChar-v0",
        "reasonenv/Ook-EmitChar-v0",
        "reasonenv/BF-PaperPrint-v0",
        "reasonenv/Befunge93-PaperPrint-v0",
    ):
        assert expected in ALL_IDS
    for env_id in ALL_IDS:
        spec = gym.spec(env_id)
        assert isinstance(spec.entry_point, str) and ":" in spec.entry_point, (
            f"{env_id}: entry point must be a lazy string"
        )
        assert spec.max_episode_steps is None


def test_import_registers_everything_without_torch_ray_or_jax():
    code = (
        "import sys, reasonenv, gymnasium as gym\n"
        "ids = sorted(i for i in gym.registry if i.startswith('reasonenv/'))\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'ray', 'jax', 'flax'))\n"
        "print(len(ids), heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, heavy = result.stdout.strip().split(" ", 1)
    assert int(count) == len(ALL_IDS)
    assert heavy == "[]", f"importing reasonenv pulled in {heavy}"


def test_unknown_id_gets_gymnasium_error_with_suggestion():
    with pytest.raises(gym.error.NameNotFound, match="EmitChar"):
        gym.make("reasonenv/BF-EmitCha-v0")
    with pytest.raises(gym.error.VersionNotFound):
        gym.make("reasonenv/BF-EmitChar-v9")


@pytest.mark.parametrize(
    "env_id",
    [
        "reasonenv/BF-EmitChar-v0",
        "reasonenv/Synthesis-v0",
        "reasonenv/SynthesisText-v0",
        "reasonenv/SynthesisFeedback-v0",
        "reasonenv/Curriculum-v0",
    ],
)
def test_unknown_kwarg_is_named_with_the_accepted_ones(env_id):
    with pytest.raises(TypeError) as caught:
        gym.make(env_id, max_program_lenght=10)
    message = str(caught.value)
    assert "max_program_lenght" in message and "accepted" in message and "render_mode" in message


def test_module_prefixed_id_imports_the_package_first():
    """The "module:Id-v0" form remote Ray env runners use: a fresh interpreter imports reasonenv itself."""
    code = (
        "import gymnasium as gym\n"
        "env = gym.make('reasonenv:reasonenv/BF-EchoAll-v0')\n"
        "obs, info = env.reset(seed=0)\n"
        "print(sorted(obs))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['action_effects', 'action_mask', 'family', 'language', 'program', 'task']"
