"""The spec in the token encoding (SPEC/FIELD after the examples) and in the text prompts."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import reasonenv  # noqa: F401  (registers the ids)
from curricula.base import TestCase, make_task
from reasonenv.bench.prompts import build_messages, language_info
from reasonenv.envs.encoding import (
    CUT,
    END,
    FIELD,
    INPUT,
    OUTPUT,
    SPEC,
    decode_examples,
    decode_spec,
    encode_task,
    encoded_length,
    spec_number,
)


def test_spec_follows_the_examples_with_numbers_as_decimal_digits():
    examples = [TestCase(b"\x01", b"\x02")]
    task = encode_task(examples, (b"hi", 12), 16)
    assert task.tolist() == [
        INPUT,
        9,
        OUTPUT,
        10,
        END,
        SPEC,
        8 + 104,
        8 + 105,
        FIELD,
        8 + ord("1"),
        8 + ord("2"),
        0,
        0,
        0,
        0,
        0,
    ]
    assert decode_examples(task) == [(b"\x01", b"\x02")]
    assert decode_spec(task) == (b"hi", b"12")
    assert spec_number(decode_spec(task)[1]) == 12
    assert encoded_length(examples, (b"hi", 12)) == 11


def test_no_spec_marker_when_the_spec_is_empty():
    task = encode_task([TestCase(b"a", b"a")], (), 8)
    assert SPEC not in task and decode_spec(task) == ()


def test_the_spec_keeps_its_room_and_the_examples_are_cut():
    examples = [TestCase(b"abcdef", b"abcdef")]
    task = encode_task(examples, (b"xy",), 10)
    assert task[-3:].tolist() == [SPEC, 8 + ord("x"), 8 + ord("y")]
    assert CUT in task.tolist()[:7]
    long_spec = encode_task([], (b"z" * 20,), 8)
    assert long_spec[0] == SPEC and long_spec[-1] == CUT


def test_spec_number_rejects_text():
    assert spec_number(b"-3") == -3
    with pytest.raises(ValueError, match="not a decimal number"):
        spec_number(b"x1")


def test_token_env_observes_the_spec_and_sizes_task_for_it():
    env = gym.make("reasonenv/BF-EmitString-v0")
    observation, _ = env.reset(seed=0)
    assert decode_spec(observation["task"]) == (env.unwrapped.instance.tests[0].output,)
    env = gym.make("reasonenv/Synthesis-v0", task="emit-string", language="bf", task_config={"length": 64})
    observation, _ = env.reset(seed=0)
    assert (
        env.unwrapped.task_length >= 66
        and decode_spec(observation["task"])[0] == env.unwrapped.instance.tests[0].output
    )


@pytest.mark.parametrize("mode", ["text", "feedback"])
def test_text_envs_state_the_same_spec(mode):
    env = gym.make("reasonenv/Synthesis-v0", task="emit-repeated", language="befunge93", mode=mode, difficulty=2)
    prompt, _ = env.reset(seed=0)
    data = env.unwrapped.instance.tests[0].output
    assert f"Spec: byte to output = [{data[0]}]; times to output it = {len(data)}." in prompt


def test_benchmark_prompt_states_the_spec():
    instance = make_task("emit-char", level=2).instance(0, 4)
    messages = build_messages(instance, language_info("bf"))
    assert f"Spec: byte to output = [{instance.tests[0].output[0]}]." in messages[-1]["content"]
    no_spec = build_messages(make_task("echo-byte").instance(0, 0), language_info("bf"))
    assert "Spec:" not in no_spec[-1]["content"]


def test_observations_of_different_targets_differ():
    env = gym.make("reasonenv/BF-EmitRepeated-v0")
    seen = {}
    for episode in range(20):
        observation, _ = env.reset(seed=episode)
        seen.setdefault(observation["task"].tobytes(), set()).add(env.unwrapped.instance.tests[0].output)
    assert all(len(targets) == 1 for targets in seen.values())
    assert len(seen) > 1 and all(np.any(np.frombuffer(k, dtype=np.int32) == SPEC) for k in seen)
