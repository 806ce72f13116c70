"""Behaviour of the synthesis environments: the whole token path with reference solutions, masking, errors, text, feedback, curriculum, vector envs."""

from __future__ import annotations

import textwrap

import gymnasium as gym
import numpy as np
import pytest

import esolangs
import reasonenv  # noqa: F401  (registers the ids)
from curricula.base import reference_solution
from reasonenv.envs.encoding import (
    CUT,
    END,
    INPUT,
    OUTPUT,
    PAD,
    STOP,
    decode_examples,
    encode_examples,
    token_table,
)
from reasonenv.envs.errors import ActionOutOfRange, ActionTypeError
from reasonenv.envs.text import to_ascii


def solve_with_tokens(env: gym.Env, seed: int = 3):
    """Reset, tokenize the reference solution of the posed instance, emit it token by token, then STOP."""
    observation, info = env.reset(seed=seed)
    base = env.unwrapped
    instance = base.instance
    program = reference_solution(instance, base.token_table.language)
    assert program is not None, f"{instance.family} has no {base.token_table.language} reference solution"
    actions = base.token_table.actions(program)
    reward, terminated, truncated = 0.0, False, False
    for action in actions + [STOP]:
        assert observation["action_mask"][action] == 1, f"mask forbids action {action} of the reference solution"
        observation, reward, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            break
    return reward, terminated, truncated, info, program


# ----------------------------------------------------------------------------- whole path


@pytest.mark.parametrize(
    "env_id, kwargs",
    [
        ("reasonenv/BF-EchoAll-v0", {}),
        ("reasonenv/BF-EmitString-v0", {"max_program_length": 256}),
        ("reasonenv/BF-PaperCopy-v0", {}),
        ("reasonenv/Befunge93-AddConstant-v0", {}),
        ("reasonenv/Befunge93-PaperFibonacci-v0", {}),
        ("reasonenv/Ook-DuplicateEach-v0", {}),
        ("reasonenv/Synthesis-v0", {"language": "bf", "task": "reverse", "scoring": "fraction"}),
        ("reasonenv/Synthesis-v0", {"language": "bf-dialect-7", "task": "echo-byte"}),
    ],
)
def test_reference_solution_emitted_token_by_token_earns_full_reward(env_id, kwargs):
    env = gym.make(env_id, **kwargs)
    reward, terminated, truncated, info, program = solve_with_tokens(env)
    assert terminated and not truncated
    assert reward == 1.0, f"{env_id}: reference program {program!r} scored {reward} ({info})"
    assert info["passed"] == info["total"] > 0 and info["success"]
    assert info["program"] == env.unwrapped.token_table.text(env.unwrapped.token_table.actions(program))
    assert info["end"] == "stop"


def test_whitespace_program_emitted_token_by_token_earns_full_reward():
    from esolangs.whitespace import assemble

    program = assemble("push 0\nreadc\npush 0\nretrieve\nprintc\nend")  # no family ships a Whitespace solution yet
    env = gym.make("reasonenv/Whitespace-EchoByte-v0")
    observation, _ = env.reset(seed=4)
    table = env.unwrapped.table
    for action in table.actions(program) + [STOP]:
        assert observation["action_mask"][action] == 1
        observation, reward, terminated, truncated, info = env.step(action)
    assert terminated and reward == 1.0 and info["program"] == program


def test_a_wrong_program_earns_nothing_and_reports_statuses():
    env = gym.make("reasonenv/BF-EchoAll-v0")
    env.reset(seed=0)
    dot = 1 + esolangs.get("bf").alphabet.index(".")
    env.step(dot)
    _, reward, terminated, _, info = env.step(STOP)
    assert terminated and reward == 0.0 and not info["success"]
    assert info["program"] == "." and len(info["statuses"]) == info["total"] == len(info["steps"])
    assert set(info["statuses"]) == {"ok"} and info["passed"] < info["total"]


def test_max_program_length_truncates_and_still_verifies():
    env = gym.make("reasonenv/BF-EchoByte-v0", max_program_length=2)
    env.reset(seed=0)
    comma, dot = (1 + esolangs.get("bf").alphabet.index(c) for c in ",.")
    _, reward, terminated, truncated, info = env.step(comma)
    assert not (terminated or truncated) and reward == 0.0
    _, reward, terminated, truncated, info = env.step(dot)
    assert truncated and not terminated
    assert info["end"] == "max_length" and info["program"] == ",." and reward == 1.0


def test_step_penalty_and_invalid_program_penalty():
    env = gym.make("reasonenv/BF-EchoByte-v0", step_penalty=0.01, invalid_program_penalty=0.5, mask_actions=False)
    env.reset(seed=0)
    close = 1 + esolangs.get("bf").alphabet.index("]")
    _, reward, *_ = env.step(close)
    assert reward == pytest.approx(-0.01)
    _, reward, terminated, _, info = env.step(STOP)
    assert terminated and "syntax_error" in info["statuses"]
    assert reward == pytest.approx(-0.01 - 0.5)


def test_verdicts_of_repeated_programs_come_from_the_cache():
    env = gym.make("reasonenv/BF-EchoAll-v0")
    dot = 1 + esolangs.get("bf").alphabet.index(".")
    results = []
    for _ in range(3):
        env.reset(seed=5)
        env.step(dot)
        results.append(env.step(STOP)[1:])
    cache = env.unwrapped.cache
    assert cache.misses == 1 and cache.hits == 2
    assert results[0] == results[1] == results[2]


# ----------------------------------------------------------------------------- observations


def test_task_encoding_layout_and_round_trip():
    env = gym.make("reasonenv/BF-EchoAll-v0")
    observation, _ = env.reset(seed=1)
    instance = env.unwrapped.instance
    task = observation["task"]
    assert task[0] == INPUT
    assert decode_examples(task) == [(e.input, e.output) for e in instance.examples]
    used = sum(len(e.input) + len(e.output) + 3 for e in instance.examples)
    assert np.all(task[used:] == PAD) and task[used - 1] == END
    assert observation["family"] == __import__("curricula").family_ids()[instance.family]


def test_task_encoding_cut_is_marked():
    class Case:
        def __init__(self, data):
            self.input, self.output = data, data

    encoded = encode_examples([Case(b"abc"), Case(b"defgh")], 12)
    assert list(encoded[:9]) == [INPUT, 8 + ord("a"), 8 + ord("b"), 8 + ord("c"), OUTPUT, 8 + 97, 8 + 98, 8 + 99, END]
    assert encoded[9] == INPUT and encoded[11] == CUT


def test_program_observation_and_seeded_instances():
    env = gym.make("reasonenv/BF-EchoAll-v0")
    first, info_a = env.reset(seed=11)
    second, info_b = env.reset(seed=11)
    assert info_a["instance_id"] == info_b["instance_id"]
    third, info_c = env.reset(seed=12)
    assert info_c["instance_id"] != info_a["instance_id"]
    plus = 1 + esolangs.get("bf").alphabet.index("+")
    observation, *_ = env.step(plus)
    observation, *_ = env.step(plus)
    assert list(observation["program"][:3]) == [plus, plus, 0]
    _, info = env.reset(options={"seed": 4, "index": 9})
    assert (info["seed"], info["index"]) == (4, 9)
    instance = env.unwrapped.instance
    _, info = env.reset(seed=99, options={"instance": instance})
    assert info["instance_id"] == instance.id
    with pytest.raises(ValueError, match="unknown reset option"):
        env.reset(options={"sed": 1})


# ----------------------------------------------------------------------------- action mask


def bf_actions(text):
    alphabet = esolangs.get("bf").alphabet
    return [1 + alphabet.index(c) for c in text]


def test_bf_mask_rules():
    env = gym.make("reasonenv/BF-EchoAll-v0", max_program_length=6)
    observation, _ = env.reset(seed=0)
    opening, closing = bf_actions("[]")
    mask = observation["action_mask"]
    assert mask[STOP] == 0 and mask[closing] == 0 and mask[opening] == 1
    for action in bf_actions("[["):
        observation, *_ = env.step(action)
    mask = observation["action_mask"]
    assert mask[STOP] == 0 and mask[closing] == 1 and mask[opening] == 1
    observation, *_ = env.step(bf_actions("+")[0])
    mask = observation["action_mask"]  # 3 slots left, 2 loops open: an open '[' could not be closed
    assert mask[opening] == 0 and mask[closing] == 1
    observation, *_ = env.step(bf_actions("+")[0])
    mask = observation["action_mask"]  # 2 slots left, 2 loops open: only ']' remains
    assert np.flatnonzero(mask).tolist() == [closing]


def test_random_masked_bf_programs_are_always_balanced():
    env = gym.make("reasonenv/BF-EchoAll-v0", max_program_length=12)
    rng = np.random.default_rng(0)
    observation, _ = env.reset(seed=0)
    finished = 0
    while finished < 200:
        action = int(rng.choice(np.flatnonzero(observation["action_mask"])))
        observation, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            assert esolangs.validate("bf", info["program"]) == [], info["program"]
            assert "syntax_error" not in info["statuses"]
            finished += 1
            observation, _ = env.reset()


def test_mask_can_be_switched_off():
    env = gym.make("reasonenv/BF-EchoAll-v0", mask_actions=False)
    observation, _ = env.reset(seed=0)
    assert observation["action_mask"].dtype == np.int8 and np.all(observation["action_mask"] == 1)


def test_befunge_rows_are_limited_to_the_grid_width():
    env = gym.make("reasonenv/Befunge93-EchoAll-v0", max_program_length=100)
    table = env.unwrapped.table
    assert table.kind == "grid" and table.width == 80
    observation, _ = env.reset(seed=0)
    space = 1 + table.tokens.index(" ")
    for _ in range(80):
        observation, *_ = env.step(space)
    assert np.flatnonzero(observation["action_mask"]).tolist() == [STOP, table.newline_action]


def test_ook_and_dialects_mask_their_own_brackets():
    for language in ("ook", "bf-dialect-7"):
        table = token_table(esolangs.get(language))
        lang = esolangs.get(language)
        assert table.kind == "brackets"
        assert table.tokens[table.open_action - 1] == lang.from_bf("[").strip()
        assert table.tokens[table.close_action - 1] == lang.from_bf("]").strip()


# ----------------------------------------------------------------------------- misuse


def test_bad_actions_raise_gymnasium_errors():
    env = gym.make("reasonenv/BF-EchoAll-v0")
    env.reset(seed=0)
    with pytest.raises(ActionOutOfRange, match="outside Discrete\\(9\\)"):
        env.step(9)
    with pytest.raises(gym.error.InvalidAction):
        env.step(-1)
    with pytest.raises(ActionTypeError, match="integer"):
        env.step(1.5)
    with pytest.raises(TypeError):
        env.step("+")
    with pytest.raises(ActionTypeError):
        env.step(True)
    env.step(np.int64(5))
    env.step(np.array(5))


def test_stepping_after_the_end_or_before_reset_raises():
    env = gym.make("reasonenv/BF-EchoAll-v0").unwrapped
    with pytest.raises(gym.error.ResetNeeded, match="before reset"):
        env.step(1)
    env.reset(seed=0)
    env.step(1)
    env.step(STOP)
    with pytest.raises(gym.error.ResetNeeded, match="after the episode ended"):
        env.step(1)


def test_bad_argument_values_name_the_field():
    with pytest.raises(ValueError, match="max_program_length"):
        gym.make("reasonenv/BF-EchoAll-v0", max_program_length=0)
    with pytest.raises(ValueError, match="scoring"):
        gym.make("reasonenv/BF-EchoAll-v0", scoring="nope")
    with pytest.raises(ValueError, match="mode must be one of"):
        gym.make("reasonenv/Synthesis-v0", mode="speech")
    with pytest.raises(ValueError, match="unknown language"):
        gym.make("reasonenv/Synthesis-v0", language="cobol")
    with pytest.raises(ValueError, match="unknown task family"):
        gym.make("reasonenv/Synthesis-v0", task="reversee")


# ----------------------------------------------------------------------------- text and feedback


def test_text_env_scores_the_reference_program_in_one_step():
    env = gym.make("reasonenv/SynthesisText-v0", language="befunge93", task="add-constant")
    prompt, info = env.reset(seed=2)
    instance = env.unwrapped.instance
    assert env.observation_space.contains(prompt)
    assert "Befunge" in prompt and instance.description.strip()[:40] in prompt
    program = reference_solution(instance, "befunge93")
    _, reward, terminated, truncated, info = env.step(program)
    assert (reward, terminated, truncated) == (1.0, True, False) and info["success"]
    env.reset(seed=2)
    _, reward, terminated, _, info = env.step("@")
    assert reward == 0.0 and terminated and not info["success"]
    env.reset(seed=2)
    with pytest.raises(ActionTypeError):
        env.step(b"@")
    with pytest.raises(ActionOutOfRange, match="charset"):
        env.step("@\u2192")


def test_prompts_are_ascii():
    assert to_ascii("a \u2014 b \u2192 c \u00e9 \u4e2d") == "a -- b -> c e \\u4e2d"


def test_feedback_env_shows_interpreter_output_and_rewards_by_config():
    env = gym.make("reasonenv/SynthesisFeedback-v0", language="bf", task="echo-all", max_attempts=3)
    first, _ = env.reset(seed=1)
    instance = env.unwrapped.instance
    observation, reward, terminated, _, info = env.step("+.")
    assert not terminated and reward == 0.0 and info["attempt"] == 1
    assert observation.startswith(first) and "Attempt 1 of 3" in observation and "status ok" in observation
    assert "expected" in observation
    assert env.observation_space.contains(observation)
    observation, reward, terminated, _, info = env.step("+[")
    assert not terminated and "syntax_error" in observation
    _, reward, terminated, _, info = env.step(reference_solution(instance, "bf"))
    assert terminated and reward == 1.0 and info["attempt"] == 3


@pytest.mark.parametrize("reward_on", ["final", "best"])
def test_feedback_reward_on_final_or_best_attempt(reward_on):
    env = gym.make(
        "reasonenv/SynthesisFeedback-v0", task="echo-all", max_attempts=2, reward_on=reward_on, scoring="fraction"
    )
    env.reset(seed=0)
    _, reward, terminated, _, first = env.step(",.")  # echoes the first byte only: a partial score
    assert not terminated and reward == 0.0
    _, reward, terminated, _, last = env.step("")
    assert terminated and last["attempt"] == 2
    assert first["score"] > last["score"]
    assert reward == pytest.approx(first["score"] if reward_on == "best" else last["score"])
    assert last["best_score"] == pytest.approx(first["score"])


# ----------------------------------------------------------------------------- curriculum


def write_curriculum(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(
        textwrap.dedent("""
        name: tiny
        scheduler: staged
        language: bf
        promotion: {threshold: 1.0, window: 2}
        stages:
          - name: echo
            mixture:
              - {family: echo-byte, level: 0}
          - name: strings
            mixture:
              - {family: emit-string, level: 1, language: befunge93}
    """)
    )
    return str(path)


def test_curriculum_promotes_after_successes_and_keeps_shapes(tmp_path):
    env = gym.make("reasonenv/Curriculum-v0", curriculum=write_curriculum(tmp_path), max_program_length=128)
    base = env.unwrapped
    assert base.languages == ("befunge93", "bf")
    assert env.action_space.n == 1 + len(esolangs.get("befunge93").alphabet)
    for _ in range(2):
        observation, info = env.reset()
        assert info["stage"] == 0 and info["language"] == "bf" and observation["language"] == 1
        reward, terminated, _, info, _ = solve_with_tokens(env, seed=None)
        assert reward == 1.0 and info["curriculum_success"]
    assert base.curriculum_stage == 1
    observation, info = env.reset()
    assert info["stage"] == 1 and info["language"] == "befunge93" and observation["language"] == 0
    assert env.observation_space.contains(observation)
    # the bf alphabet is shorter than Befunge's: its padding slots are masked in stage 0 episodes
    state = base.get_curriculum_state()
    state["stage"] = 0
    base.set_curriculum_state(state)
    observation, info = env.reset()
    assert info["stage"] == 0 and observation["action_mask"][1 + len(esolangs.get("bf").alphabet) :].sum() == 0


def test_curriculum_state_reaches_vector_sub_envs(tmp_path):
    path = write_curriculum(tmp_path)
    envs = gym.make_vec("reasonenv/Curriculum-v0", num_envs=2, vectorization_mode="sync", curriculum=path)
    state = envs.call("get_curriculum_state")[0]
    state = dict(state, stage=1)
    envs.call("set_curriculum_state", state)
    assert [s["stage"] for s in envs.call("get_curriculum_state")] == [1, 1]
    _, infos = envs.reset(seed=0)
    assert list(infos["stage"]) == [1, 1]
    envs.close()
    rebuilt = gym.make("reasonenv/Curriculum-v0", curriculum=path, curriculum_state=state)
    assert rebuilt.unwrapped.curriculum_stage == 1


# ----------------------------------------------------------------------------- vector envs

KINDS = [
    ("reasonenv/BF-EchoAll-v0", {}),
    ("reasonenv/SynthesisText-v0", {"task": "echo-all", "max_prompt_length": 8192, "max_program_chars": 64}),
    (
        "reasonenv/SynthesisFeedback-v0",
        {"task": "echo-all", "max_prompt_length": 8192, "max_program_chars": 64, "max_attempts": 2},
    ),
    ("reasonenv/Curriculum-v0", {}),
]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("env_id, kwargs", KINDS)
def test_vector_envs_step_every_kind(env_id, kwargs, mode):
    envs = gym.make_vec(env_id, num_envs=2, vectorization_mode=mode, **kwargs)
    try:
        observations, _ = envs.reset(seed=3)
        assert envs.observation_space.contains(observations)
        envs.action_space.seed(3)
        for _ in range(3):
            if isinstance(observations, dict):
                actions = np.array([np.flatnonzero(m)[-1] for m in observations["action_mask"]])
            else:
                actions = ("@,.", "+.")
            observations, rewards, terminated, truncated, _ = envs.step(actions)
            assert envs.observation_space.contains(observations)
            assert rewards.shape == (2,)
    finally:
        envs.close()


def test_env_docstrings_have_the_gymnasium_sections():
    from reasonenv.envs import CurriculumEnv, FeedbackSynthesisEnv, SynthesisEnv, TextSynthesisEnv

    for env_class in (SynthesisEnv, TextSynthesisEnv, FeedbackSynthesisEnv, CurriculumEnv):
        for section in (
            "Description",
            "Action Space",
            "Observation Space",
            "Rewards",
            "Episode End",
            "Arguments",
            "Version History",
        ):
            assert f"## {section}" in env_class.__doc__, f"{env_class.__name__} lacks '## {section}'"


# ------------------------------------------------------------------ bad input and public read-only views (issue 14)


@pytest.mark.parametrize("env_id", ["reasonenv/Synthesis-v0", "reasonenv/SynthesisText-v0"])
def test_difficulty_out_of_range_names_the_range(env_id):
    if env_id not in gym.registry:
        pytest.skip(f"{env_id} is not registered")
    with pytest.raises(ValueError, match=r"level of task family 'reverse' must be an int in \[0, 5\], got 99"):
        gym.make(env_id, language="bf", task="reverse", difficulty=99).reset(seed=0)


def test_float_for_an_int_task_config_field_is_rejected():
    with pytest.raises(ValueError, match=r"ReverseConfig\.num_tests must be an int in \[1, 1024\], got 2\.5"):
        gym.make("reasonenv/Synthesis-v0", language="bf", task="reverse", task_config={"num_tests": 2.5}).reset(seed=0)


@pytest.mark.parametrize(
    "change, message",
    [
        ("garbage", r"curriculum state must be a mapping"),
        ({"window": "garbage"}, r"'window' must be a list, got str"),
        ({"stage": 7}, r"'stage' must be an int in \[0, 1\], got 7"),
        ({"window": [1]}, r"'window'\[0\] must be True or False, got 1"),
    ],
)
def test_set_curriculum_state_rejects_garbage_and_keeps_the_state(tmp_path, change, message):
    env = gym.make("reasonenv/Curriculum-v0", curriculum=write_curriculum(tmp_path))
    base = env.unwrapped
    before = base.get_curriculum_state()
    state = change if isinstance(change, str) else {**before, **change}
    with pytest.raises(ValueError, match=message):
        base.set_curriculum_state(state)
    assert base.get_curriculum_state() == before
    with pytest.raises(
        ValueError, match=r"curriculum[ _]state"
    ):  # the same check when a state is given at construction
        gym.make("reasonenv/Curriculum-v0", curriculum=write_curriculum(tmp_path), curriculum_state=state)


def test_instance_and_token_table_are_public_and_read_only():
    env = gym.make("reasonenv/BF-Reverse-v0")
    base = env.unwrapped
    assert base.instance is None and base.token_table is None
    _, info = env.reset(seed=4)
    assert base.instance.id == info["instance_id"] and base.instance.family == "reverse"
    assert base.token_table.language == info["language"] == "bf"
    assert base.token_table.text(base.token_table.actions(",[.,]")) == ",[.,]"
    with pytest.raises(AttributeError):
        base.instance = None
    with pytest.raises(AttributeError):
        base.token_table = None
