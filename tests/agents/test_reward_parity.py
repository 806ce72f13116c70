"""The JAX backend pays the RLlib backend's training reward, step for step: its jitted collect, driven by a scripted
policy, against agents.backends.rllib.TrainingReward over the Gym CurriculumEnv playing the same actions on the
same instance (and agents.reward_env.TrainingReward, the wrapper kept programs replay in, pays the same too).

Both shapings: "potential" (binary scoring, execution on: env reward + (success_bonus - 1) * success +
shaped_weight * (phi' - phi)) and "score" (pqt scoring: the old reward, unchanged). Each script is played again and
again in the collect, so the steps right after an auto-reset (phi of the new, empty program) are compared too.
Scripts cover a pass, a near miss, a wrong extra byte, a loop, an episode cut by the length cap, and an example
family (echo-byte) beside a spec one (emit-char).
"""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
pytest.importorskip("flax")
import jax.numpy as jnp  # noqa: E402

from curricula.base import make_task  # noqa: E402
from curricula.schedulers import load_curriculum  # noqa: E402
from reasonenv.envs.curriculum import CurriculumEnv  # noqa: E402
from reasonenv.envs.jax_pool import build_params, curriculum_entries  # noqa: E402
from reasonenv.envs.jax_token_env import JaxTokenEnv  # noqa: E402

CURRICULUM = """
name: reward-parity
scheduler: staged
language: bf
stages:
  - name: mixed
    mixture:
      - {family: emit-char, level: 2}
      - {family: echo-byte, level: 1}
"""
LENGTH = 12
ENVS, STEPS = 2, 30
WEIGHT, BONUS, PENALTY = 0.7, 1.5, 0.01
SCRIPTS = {  # entry index -> programs (None: the length cap ends it; else STOP does)
    0: ["+++++.", "++++.", "+++++..", "++[>++<-]>+.", None, "."],
    1: [",.", ",+.", ",[.-]", None],
}
"""emit-char's instance asks for byte 5 (checked below); echo-byte writes its input."""


class ScriptedModel:
    """A stand-in for the flax model: params["script"][k] is the action after k program tokens (then STOP)."""

    architecture = "scripted"
    window = 10**9

    def apply(self, params, obs):
        written = (obs["program"] != 0).sum(-1)
        action = params["script"][jnp.minimum(written, LENGTH)]
        logits = jnp.where(jnp.arange(obs["action_mask"].shape[-1]) == action[:, None], 0.0, -1e9)
        return logits, jnp.zeros(written.shape, jnp.float32)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    path = tmp_path_factory.mktemp("parity") / "reward-parity.yaml"
    path.write_text(CURRICULUM)
    entries = curriculum_entries(load_curriculum(str(path)))
    instances = [make_task(e.family, e.level, **e.config).instance(5, 0) for e in entries]
    assert instances[0].tests[0].output == b"\x05", "the emit-char scripts assume target byte 5"
    return str(path), entries, instances


def gym_rewards(curriculum, instance, actions, steps, scoring, shaping, wrapper, discount=1.0):
    """(rewards, episode ends, successes) of the first `steps` steps of the Gym env playing `actions` episode after
    episode, paid by `wrapper` (a TrainingReward class)."""
    env = CurriculumEnv(
        curriculum=curriculum,
        max_program_length=LENGTH,
        update_scheduler=False,
        scoring=scoring,
        step_penalty=PENALTY,
        execution=shaping == "potential",
    )
    env = wrapper(env, WEIGHT, BONUS, shaping, discount)
    rewards, ends, successes = [], [], []
    while len(rewards) < steps:
        env.reset(seed=len(rewards), options={"instance": instance})
        for action in actions:
            _, reward, terminated, truncated, info = env.step(action)
            rewards.append(reward)
            ends.append(terminated or truncated)
            if terminated or truncated:
                successes.append(bool(info["success"]) if len(rewards) <= steps else False)
                break
    return np.asarray(rewards[:steps], np.float32), np.asarray(ends[:steps]), successes


def jax_rewards(entries, instances, scoring, shaping, gamma=1.0):
    """{(entry, script number): the collect's [STEPS, ENVS] training rewards} with each script as the policy."""
    import optax
    from flax.training.train_state import TrainState

    from agents.backends.jax import RolloutCarry, make_functions
    from agents.config import PPOSettings

    params, _ = build_params(
        entries,
        instances=[[i] for i in instances],
        max_program_length=LENGTH,
        scoring=scoring,
        step_penalty=PENALTY,
        execution=shaping == "potential",
    )
    env, model = JaxTokenEnv(params), ScriptedModel()
    collect, _ = make_functions(env, model, PPOSettings(gamma=gamma), ENVS, STEPS, 16, WEIGHT, BONUS, 0.0, shaping)
    reset = jax.jit(jax.vmap(env.reset, (0, None)))
    # One TrainState for every script: its optimizer is a static field of the jitted collect (a new one recompiles).
    state = TrainState.create(
        apply_fn=model.apply, params={"script": jnp.zeros(LENGTH + 1, jnp.int32)}, tx=optax.sgd(0)
    )
    out = {}
    for e, programs in SCRIPTS.items():
        weights = params.replace(entry_weights=jnp.asarray(np.eye(len(entries))[e], jnp.float32))
        for number, actions in enumerate(script_actions(e, programs)):
            script = jnp.asarray(np.pad(actions, (0, LENGTH + 1 - len(actions))), jnp.int32)
            obs, env_state = reset(jax.random.split(jax.random.PRNGKey(number), ENVS), weights)
            runner = RolloutCarry(state.replace(params={"script": script}), env_state, obs, jax.random.PRNGKey(1))
            _, _, _, episodes = collect(runner, weights)
            out[(e, number)] = (np.asarray(episodes["reward"]), np.asarray(episodes["success"]))
    return out


def script_actions(entry, programs):
    from reasonenv.envs.encoding import STOP
    from reasonenv.envs.jax_pool import language_tables

    tables, _ = language_tables(["bf"], None)
    table = tables["bf"]
    scripts = []
    for program in programs:
        if program is None:  # LENGTH tokens: the cap ends the episode
            scripts.append(table.actions("+>+>+>+>+>+."))
        else:
            scripts.append(table.actions(program) + [STOP])
    return scripts


@pytest.mark.parametrize(
    ("scoring", "shaping", "gamma"), [("binary", "potential", 1.0), ("binary", "potential", 0.9), ("pqt", "score", 1.0)]
)
def test_jax_collect_pays_what_the_rllib_wrapper_pays(setup, scoring, shaping, gamma):
    pytest.importorskip("ray.rllib")
    from agents.backends.rllib import TrainingReward as RllibTrainingReward  # the wrapper the RLlib envs get

    curriculum, entries, instances = setup
    got = jax_rewards(entries, instances, scoring, shaping, gamma)
    passed = shaped = 0
    for e, programs in SCRIPTS.items():
        for number, actions in enumerate(script_actions(e, programs)):
            expected, ends, successes = gym_rewards(
                curriculum, instances[e], actions, STEPS, scoring, shaping, RllibTrainingReward, gamma
            )
            rewards, success = got[(e, number)]
            where = f"{entries[e].family} program {programs[number]!r} ({shaping})"
            for b in range(ENVS):
                np.testing.assert_allclose(rewards[:, b], expected, rtol=0, atol=1e-6, err_msg=where)
            assert success[:, 0].sum() == sum(successes), where
            passed += sum(successes)
            plain = -PENALTY if shaping == "potential" else -WEIGHT * PENALTY  # what a step pays without shaping
            shaped += int((~ends & (np.abs(expected - plain) > 1e-6)).sum())
    assert passed > 0  # the scripts include passing programs, so the success bonus is compared too
    # the potential's change pays between the verdicts; the score pays only at them
    assert (shaped > 0) == (shaping == "potential")
