"""Every token observation determines what its program must output, and every input that is given must be read.

- Collisions: for every registered token id and every stage of every
  shipped curriculum, no two episodes with identical observations expect
  different outputs for the same hidden input.
- Inputs: every family and level that takes input draws at least two
  distinct hidden inputs per instance.
- Must read input: for each curriculum entry that reads input, no
  mask-legal Brainfuck program of at most 6 tokens without ',' passes it.
"""

from __future__ import annotations

import json
from collections import defaultdict

import gymnasium as gym
import pytest

import esolangs
import reasonenv  # noqa: F401  (registers the ids)
from curricula.base import family_class, family_names, make_task
from curricula.schedulers import curriculum_names, load_curriculum
from curricula.verify import execute, language_for
from reasonenv.envs.registration import TOKEN_ENTRY, registered_ids
from reasonenv.ladder import entry_env

REGISTRY_EPISODES = 40
STAGE_EPISODES = 200
TOKEN_IDS = [i for i in registered_ids() if gym.spec(i).entry_point == TOKEN_ENTRY]
BF_LIKE = ("bf", "ook")


def observation_key(observation) -> tuple:
    return (
        observation["task"].tobytes(),
        int(observation["family"]),
        int(observation["language"]),
        observation["action_effects"].tobytes(),
    )


def assert_no_collisions(env, episodes: int, label: str) -> None:
    """`episodes` resets; identical observations must expect identical outputs for every hidden input they share."""
    expected: dict[tuple, dict[bytes, bytes]] = defaultdict(dict)
    for episode in range(episodes):
        observation, _ = env.reset(seed=episode)
        outputs = expected[observation_key(observation)]
        for test in env.unwrapped.instance.tests:
            previous = outputs.setdefault(test.input, test.output)
            assert previous == test.output, (
                f"{label}: episode {episode} shares its observation with an earlier one, but input {test.input!r} "
                f"expects {test.output!r} here and {previous!r} there"
            )


@pytest.mark.parametrize("env_id", TOKEN_IDS)
def test_no_two_observations_of_a_token_id_expect_different_outputs(env_id):
    assert_no_collisions(gym.make(env_id), REGISTRY_EPISODES, env_id)


def staged_positions():
    for name in curriculum_names():
        scheduler = load_curriculum(name)
        for stage in range(len(getattr(scheduler, "stages", [None]))):
            yield name, stage


@pytest.mark.parametrize("name, stage", list(staged_positions()))
def test_no_two_observations_of_a_curriculum_stage_expect_different_outputs(name, stage):
    env = gym.make("reasonenv/Curriculum-v0", curriculum=name, update_scheduler=False)
    state = env.unwrapped.get_curriculum_state()
    if "stage" in state:
        env.unwrapped.set_curriculum_state({**state, "stage": stage, "window": []})
    assert_no_collisions(env, STAGE_EPISODES, f"{name} stage {stage}")


def test_spec_is_what_tells_the_emit_tasks_apart():
    """Without the spec, emit-char level 1 (bytes 1..3) would show one empty observation for three targets."""
    env = gym.make("reasonenv/BF-EmitChar-v0", task_config={"max_value": 3})
    seen = {}
    for episode in range(30):
        observation, _ = env.reset(seed=episode)
        seen[observation["task"].tobytes()] = env.unwrapped.instance.tests[0].output
    assert len(seen) == 3 and sorted(seen.values()) == [b"\x01", b"\x02", b"\x03"]


# ---------------------------------------------------------------- inputs that must be read


@pytest.mark.parametrize("name", family_names())
def test_every_level_that_takes_input_draws_two_distinct_hidden_inputs(name):
    cls = family_class(name)
    for level in [None, *range(cls.config_class.num_levels())]:
        task = make_task(name, level=level)
        for index in range(min(cls.size or 10, 10)):
            instance = task.instance(0, index)
            inputs = {test.input for test in instance.tests}
            if any(inputs) and len(instance.tests) > 1:
                assert len(inputs) >= 2, f"{name} level {level} instance {index}: every hidden test reads {inputs}"


def short_programs(max_length: int, alphabet: str = "><+-.[]") -> list[str]:
    """Every mask-legal (balanced, non-empty) Brainfuck program of at most `max_length` tokens over `alphabet`."""
    found: list[str] = []

    def extend(prefix: str, open_loops: int) -> None:
        if prefix and open_loops == 0:
            found.append(prefix)
        left = max_length - len(prefix)
        for command in alphabet if left else "":
            if command == "]":
                if open_loops:
                    extend(prefix + command, open_loops - 1)
            elif command == "[":
                if left >= open_loops + 2:
                    extend(prefix + command, open_loops + 1)
            elif left > open_loops:  # room must stay for the closing brackets
                extend(prefix + command, open_loops)

    extend("", 0)
    return found


_RUNS: dict[str, dict[str, bytes]] = {}


def outputs_without_input(instance) -> dict[str, bytes]:
    """Program -> output, for each short program without ',' that runs to its end under the instance's conventions.

    Without ',' a Brainfuck program does the same on every input, so one
    run on empty input stands for all of them (memoised per convention).
    """
    key = json.dumps([instance.run_options, instance.max_steps], sort_keys=True)
    if key not in _RUNS:
        language = language_for(instance, "bf")
        limits = esolangs.Limits(max_steps=instance.max_steps, max_output=1024)
        runs = {}
        for program in short_programs(6):
            execution = language.run(program, b"", limits=limits)
            if execution.ok:
                runs[program] = execution.output
        _RUNS[key] = runs
    return _RUNS[key]


INSTANCES = ((0, 0), (0, 1), (1, 2), (7, 3), (11, 4))
"""(seed, index) of the instances checked per curriculum entry."""


def input_entries():
    """The distinct curriculum entries whose hidden tests read input."""
    seen = {}
    for name in curriculum_names():
        for entry in load_curriculum(name).entries():
            seen.setdefault(entry.key, entry)
    reading = []
    for key in sorted(seen):
        task = make_task(seen[key].family, level=seen[key].level, **seen[key].config)
        if any(test.input for seed, index in INSTANCES for test in task.instance(seed, index).tests):
            reading.append(seen[key])
    return reading


INPUT_ENTRIES = input_entries()


def test_the_curricula_read_input_in_every_language():
    languages = {entry.language for entry in INPUT_ENTRIES}
    assert {"bf", "befunge93", "bf-dialect-7"} <= languages


def test_short_program_enumeration_is_complete_and_mask_legal():
    programs = short_programs(3, "+[]")
    assert programs == sorted(set(programs), key=programs.index)
    assert set(programs) == {"+", "++", "+++", "[]", "+[]", "[]+", "[+]"}


@pytest.mark.parametrize("entry", INPUT_ENTRIES, ids=lambda e: e.key)
def test_no_short_program_without_input_passes_a_stage_that_reads_input(entry):
    source = entry_env(entry).unwrapped.source
    for instance in (source.task.instance(seed, index) for seed, index in INSTANCES):
        outputs = {test.output for test in instance.tests}
        # Any program that never reads input writes the same on every test, so differing outputs rule out all of them.
        assert len(outputs) >= 2, f"{entry.key} {instance.id}: every hidden test expects {outputs}"
        if source.language not in BF_LIKE and not source.language.startswith("bf-dialect-"):
            continue  # Befunge: ~ and & are its only input commands; the argument above covers every length
        candidates = [p for p, out in outputs_without_input(instance).items() if out == instance.tests[0].output]
        for program in candidates:
            runs = execute(instance, program, "bf")
            passed = all(run.ok and run.output == test.output for run, test in zip(runs, instance.tests))
            assert not passed, f"{entry.key} {instance.id}: {program!r} passes without reading input"
