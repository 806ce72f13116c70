"""`obs["action_effects"]` and the seeded action order: the key is in the space, follows the episode's language and
the env's `action_order`, and an agent that maps actions through it solves tasks in any dialect."""

from __future__ import annotations

import textwrap
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import esolangs
import reasonenv  # noqa: F401  (registers the ids)
from curricula.base import reference_solution
from esolangs.bf_semantics import COMMAND_EFFECTS
from esolangs.knowledge import EFFECT_IDS, NUM_EFFECTS
from reasonenv.envs.encoding import STOP, token_table

PAD_ID, STOP_ID = EFFECT_IDS["pad"], EFFECT_IDS["stop"]
BF_EFFECT_IDS = {command: EFFECT_IDS[name] for command, name in COMMAND_EFFECTS.items()}
PINNED_DIALECT_ORDERS = {  # alphabet index of each action 1..8 under action_order="seeded" (tests/esolangs pins them too)
    0: (3, 5, 2, 0, 6, 7, 4, 1),
    1: (6, 1, 3, 2, 5, 7, 0, 4),
    2: (7, 3, 0, 1, 4, 6, 5, 2),
    3: (6, 5, 3, 4, 1, 2, 7, 0),
    4: (7, 0, 2, 4, 5, 3, 6, 1),
    5: (2, 0, 1, 7, 6, 5, 4, 3),
    6: (0, 2, 7, 1, 6, 5, 4, 3),
    7: (5, 7, 0, 3, 1, 2, 4, 6),
    8: (7, 4, 2, 6, 3, 1, 5, 0),
    9: (4, 0, 6, 2, 1, 7, 3, 5),
}


def expected_effects(language: str, num_actions: int, order: str = "canonical") -> list[int]:
    lang = esolangs.get(language)
    positions = lang.seeded_order() if order == "seeded" else range(len(lang.alphabet))
    effects = [STOP_ID] + [lang.knowledge[i].effect for i in positions]
    return effects + [PAD_ID] * (num_actions - len(effects))


@pytest.mark.parametrize(
    "env_id, kwargs",
    [
        ("reasonenv/BF-EchoByte-v0", {}),
        ("reasonenv/Ook-EchoByte-v0", {}),
        ("reasonenv/Befunge93-EchoByte-v0", {}),
        ("reasonenv/Whitespace-EchoByte-v0", {}),
        ("reasonenv/Synthesis-v0", {"language": "bf-dialect-3", "task": "echo-byte"}),
        ("reasonenv/Curriculum-v0", {"curriculum": "mixed"}),
    ],
)
def test_key_is_in_the_space_and_passes_check_env(env_id, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make(env_id, **kwargs)
        check_env(env.unwrapped)
    space = env.observation_space["action_effects"]
    assert space.dtype == np.int32 and space.shape == (env.action_space.n,)
    assert space.low.min() == 0 and space.high.max() == NUM_EFFECTS - 1
    observation, _ = env.reset(seed=1)
    effects = observation["action_effects"]
    assert env.observation_space.contains(observation) and effects.dtype == np.int32
    table = env.unwrapped.token_table
    assert effects.tolist() == [STOP_ID, *table.effects] + [PAD_ID] * (env.action_space.n - table.num_actions)
    observation, *_ = env.step(int(np.flatnonzero(observation["action_mask"])[-1]))
    assert observation["action_effects"].tolist() == effects.tolist()  # fixed through the episode


def test_stop_slot_and_padding_slots_in_a_mixed_language_env(tmp_path):
    env = gym.make("reasonenv/Curriculum-v0", curriculum=write_curriculum(tmp_path))
    base = env.unwrapped
    assert env.action_space.n == 1 + len(esolangs.get("befunge93").alphabet)
    for _ in range(6):
        observation, info = env.reset()
        effects = observation["action_effects"]
        assert effects[STOP] == STOP_ID
        width = base.tables[info["language"]].num_actions
        assert (effects[width:] == PAD_ID).all() and (effects[1:width] > STOP_ID).all()
        assert (observation["action_mask"][width:] == 0).all()


def write_curriculum(tmp_path):
    path = tmp_path / "languages.yaml"
    path.write_text(
        textwrap.dedent("""
        name: languages
        scheduler: staged
        promotion: {threshold: 1.0, window: 2}
        stages:
          - name: echo
            mixture:
              - {family: echo-byte, level: 0, language: bf}
              - {family: echo-byte, level: 0, language: bf-dialect-3}
              - {family: echo-byte, level: 0, language: ook}
              - {family: echo-byte, level: 0, language: befunge93}
              - {family: echo-byte, level: 0, language: whitespace}
    """)
    )
    return str(path)


def test_mixed_curriculum_effects_follow_the_episode_language(tmp_path):
    env = gym.make("reasonenv/Curriculum-v0", curriculum=write_curriculum(tmp_path))
    n = env.action_space.n
    seen = set()
    observation, info = env.reset(seed=0)
    for _ in range(60):
        language = info["language"]
        seen.add(language)
        order = "seeded" if language.startswith("bf-dialect-") else "canonical"
        assert observation["action_effects"].tolist() == expected_effects(language, n, order), language
        assert env.unwrapped.languages[observation["language"]] == language
        observation, info = env.reset()
    assert seen == {"bf", "bf-dialect-3", "ook", "befunge93", "whitespace"}


@pytest.mark.parametrize("seed", range(10))
def test_dialect_envs_use_the_pinned_seeded_order(seed):
    env = gym.make("reasonenv/Synthesis-v0", language=f"bf-dialect-{seed}", task="echo-byte")
    table = env.unwrapped.table
    alphabet = esolangs.get(f"bf-dialect-{seed}").alphabet
    order = PINNED_DIALECT_ORDERS[seed]
    assert table.order == "seeded"
    assert table.tokens == tuple(alphabet[i] for i in order)
    assert order != tuple(range(8)) and sum(i != p for p, i in enumerate(order)) >= 6
    observation, _ = env.reset(seed=0)
    assert observation["action_effects"].tolist() == expected_effects(f"bf-dialect-{seed}", 9, "seeded")
    # the bracket actions of the mask follow the permutation
    effects = observation["action_effects"].tolist()
    assert table.open_action == effects.index(BF_EFFECT_IDS["["])
    assert table.close_action == effects.index(BF_EFFECT_IDS["]"])
    assert observation["action_mask"][table.close_action] == 0 and observation["action_mask"][table.open_action] == 1


def test_brainfuck_and_ook_keep_the_canonical_order():
    for env_id in ("reasonenv/BF-EchoByte-v0", "reasonenv/Ook-EchoByte-v0"):
        env = gym.make(env_id)
        table = env.unwrapped.table
        language = esolangs.get(table.language)
        assert table.order == "canonical" and table.tokens == language.alphabet
        observation, _ = env.reset(seed=0)
        assert observation["action_effects"].tolist() == [STOP_ID, *range(2, 10)]


def test_action_order_overrides_either_default():
    dialect = gym.make("reasonenv/Synthesis-v0", language="bf-dialect-3", task="echo-byte", action_order="canonical")
    assert dialect.unwrapped.table.tokens == esolangs.get("bf-dialect-3").alphabet
    assert dialect.reset(seed=0)[0]["action_effects"].tolist() == [STOP_ID, *range(2, 10)]
    bf = gym.make("reasonenv/BF-EchoByte-v0", action_order="seeded")
    assert bf.unwrapped.table.order == "seeded"
    assert bf.unwrapped.table.tokens == tuple("><+-.,[]"[i] for i in esolangs.get("bf").seeded_order())
    assert bf.unwrapped.table.tokens != tuple("><+-.,[]")
    assert bf.reset(seed=0)[0]["action_effects"].tolist() == expected_effects("bf", 9, "seeded")
    curriculum = gym.make("reasonenv/Curriculum-v0", curriculum="mixed", action_order="canonical")
    assert all(t.order == "canonical" for t in curriculum.unwrapped.tables.values())


@pytest.mark.parametrize("bad", ["random", "", 1, True])
def test_bad_action_order_names_the_field_and_the_choices(bad):
    with pytest.raises(ValueError, match="action_order must be one of \\['canonical', 'seeded'\\]"):
        gym.make("reasonenv/BF-EchoByte-v0", action_order=bad)
    with pytest.raises(ValueError, match="action_order"):
        token_table(esolangs.get("bf"), bad)


@pytest.mark.parametrize(
    "language", ["bf-dialect-0", "bf-dialect-7", "bf-dialect-123", "ook", "befunge93", "whitespace"]
)
def test_seeded_tables_round_trip_text_and_actions(language):
    table = token_table(esolangs.get(language), "seeded")
    rng = np.random.default_rng(0)
    for _ in range(50):
        actions = [int(a) for a in rng.integers(1, table.num_actions, size=int(rng.integers(0, 12)))]
        assert table.actions(table.text(actions)) == actions


def act_bf(observation, bf_program: str) -> list[int]:
    """A BF program as actions of the episode's language, found through `action_effects` alone."""
    slot_of = {int(effect): slot for slot, effect in enumerate(observation["action_effects"]) if slot > 0}
    return [slot_of[BF_EFFECT_IDS[command]] for command in bf_program if command in BF_EFFECT_IDS]


@pytest.mark.parametrize("language", ["bf", "ook", "bf-dialect-3", "bf-dialect-9"])
def test_a_brainfuck_program_mapped_through_effects_solves_echo_byte(language):
    env = gym.make("reasonenv/Synthesis-v0", language=language, task="echo-byte")
    for seed in range(3):
        observation, _ = env.reset(seed=seed)
        for action in act_bf(observation, ",.") + [STOP]:
            assert observation["action_mask"][action] == 1
            observation, reward, terminated, truncated, info = env.step(action)
        assert terminated and reward == 1.0 and info["success"], info


@pytest.mark.parametrize("language", ["bf-dialect-3", "bf-dialect-9"])
def test_reference_loops_mapped_through_effects_solve_a_seeded_dialect(language):
    """Loops exercise the mask's open/close actions under the permutation."""
    env = gym.make("reasonenv/Synthesis-v0", language=language, task="echo-all", max_program_length=128)
    observation, _ = env.reset(seed=5)
    program = reference_solution(env.unwrapped.instance, "bf")
    assert "[" in program
    for action in act_bf(observation, program) + [STOP]:
        assert observation["action_mask"][action] == 1
        observation, reward, terminated, truncated, info = env.step(action)
    assert terminated and reward == 1.0, (program, info)


@pytest.mark.parametrize(
    ("language", "effect", "solves"),
    [
        ("bf", "input", ",[.,]"),
        ("bf+eof=unchanged", "input_eof_unchanged", ",[.[-],]"),
        ("bf-dialect-3+eof=unchanged", "input_eof_unchanged", ",[.[-],]"),
        ("bf-dialect-3+eof=minus_one", "input_eof_minus_one", ",+[-.,+]"),
    ],
)
def test_an_eof_variant_says_so_in_its_effects_and_is_verified_under_its_rule(language, effect, solves):
    """The knowledge entry of `,` names the EOF rule, and echo-all is verified with it: `,[.,]` only ends on EOF = 0."""
    from reasonenv.envs.synthesis import SynthesisEnv

    env = SynthesisEnv(language=language, task="echo-all", difficulty=0, max_program_length=16)
    lang = esolangs.get(language)
    results = {}
    for program in (",[.,]", solves):
        obs, _ = env.reset(seed=5)
        assert EFFECT_IDS[effect] in obs["action_effects"].tolist()
        for command in program:
            token = lang.from_bf(command).strip() if hasattr(lang, "from_bf") else command
            action = env.table.tokens.index(token) + 1
            assert obs["action_mask"][action], f"{command!r} masked in {language}"
            obs, _, _, _, info = env.step(action)
        *_, info = env.step(STOP)
        results[program] = info["success"]
    assert results == {",[.,]": language == "bf", solves: True}


@pytest.mark.parametrize("language", ["bf+cell_step=2", "bf-dialect-3+cell_step=2"])
def test_a_cell_step_variant_says_so_in_its_effects_and_is_verified_under_its_step(language):
    """`+`/`-` carry inc_2/dec_2 instead of inc/dec, and an even emit-char byte b is `+` b/2 times, then `.`."""
    from reasonenv.envs.synthesis import SynthesisEnv

    env = SynthesisEnv(language=language, task="emit-char", difficulty=2, max_program_length=16)
    lang = esolangs.get(language)

    def target(seed: int) -> int:
        env.reset(seed=seed)
        return env.unwrapped.instance.tests[0].output[0]

    seed = next(s for s in range(100) if target(s) % 2 == 0)  # odd bytes are out of reach under step 2
    byte = target(seed)
    results = {}
    for program in ("+" * byte + ".", "+" * (byte // 2) + "."):
        obs, _ = env.reset(seed=seed)
        effects = obs["action_effects"].tolist()
        assert EFFECT_IDS["inc_2"] in effects and EFFECT_IDS["dec_2"] in effects
        assert EFFECT_IDS["inc"] not in effects and EFFECT_IDS["dec"] not in effects
        for command in program:
            token = lang.from_bf(command).strip() if hasattr(lang, "from_bf") else command
            obs, _, _, _, info = env.step(env.table.tokens.index(token) + 1)
        *_, info = env.step(STOP)
        results[program] = info["success"]
    assert results == {"+" * byte + ".": False, "+" * (byte // 2) + ".": True}
