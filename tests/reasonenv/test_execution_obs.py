"""The token envs' `execution` observation and `info["potential"]` (env option execution=True, issue 21 contract
sections 2-3): the layout, incremental updates equal to a from-scratch encoding, the runs, the potential formula."""

from __future__ import annotations

import dataclasses
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import esolangs
import reasonenv  # noqa: F401  (registers the ids)
from curricula.base import Instance, TestCase, family_class, make_task
from curricula.solutions.befunge_codegen import befunge_layout, befunge_push
from curricula.verify import VERIFY_SEED, output_budget
from esolangs.befunge_trace import BefungeTrace
from esolangs.bf_semantics import COMMAND_EFFECTS, BrainfuckOptions
from esolangs.bf_trace import ERROR, NONE, OUT_OF_STEPS, READY, WAITING, PrefixTrace
from esolangs.knowledge import EFFECT_IDS, EFFECTS
from reasonenv.envs.encoding import CUT, END, PAD, STOP, TASK_VOCAB
from reasonenv.envs.execution import execution_runs, execution_width, potential_of

B = 8  # byte b is token 8 + b


def reference_rows(env, actions: list[int]) -> np.ndarray:
    """The contract's layout written plainly: every run re-traced from scratch over the whole prefix."""
    base = env.unwrapped
    options = base.options
    rows = np.zeros((options.execution_examples, execution_width(options.execution_output)), dtype=np.int32)
    table = base.token_table
    if table.kind == "grid":
        return befunge_reference_rows(env, actions, rows)
    language = esolangs.get(table.language)
    bf = getattr(language, "options", None)
    if table.kind != "brackets" or not isinstance(bf, BrainfuckOptions):
        return rows
    from curricula.verify import language_for

    bf = language_for(base.instance, table.language).options
    for r, (stdin, expected) in enumerate(execution_runs(base.instance, options.execution_examples)):
        trace = PrefixTrace(bf, stdin, options.execution_steps)
        for action in actions:
            trace.push(EFFECTS[table.effects[action - 1]])
        out = bytes(trace.output)
        row = [trace.status, B + min(trace.ptr, 255), B + trace.cell % 256]
        for index in range(trace.ptr - 2, trace.ptr + 3):
            cell = trace.tape_cell(index)
            row.append(PAD if cell is None else B + cell % 256)
        row += [B + min(trace.consumed, 255), B + min(len(stdin), 255), B + min(len(out), 255)]
        if expected is None:
            row += [PAD, PAD]
        elif out == expected:
            row += [END, END]
        elif expected.startswith(out):
            row += [B + expected[len(out)], B + (expected[len(out)] - trace.cell) % 256]
        else:
            row += [CUT, CUT]
        for j in range(options.execution_output):
            row.append(B + expected[j] if expected is not None and j < len(expected) else PAD)
            row.append(B + out[j] if j < len(out) else PAD)
        rows[r] = row
    return rows


def befunge_trace(env, actions: list[int], stdin: bytes) -> BefungeTrace:
    """A Befunge-93 run traced from scratch: the whole prefix written at once, as the verifier would seed it."""
    base = env.unwrapped
    trace = BefungeTrace(
        stdin, base.options.execution_steps, VERIFY_SEED, max_output=output_budget(base.instance.tests)
    )
    trace.push_all(base.token_table.text(actions))
    return trace


def befunge_reference_rows(env, actions: list[int], rows: np.ndarray) -> np.ndarray:
    """The Befunge-93 layout (reasonenv.envs.execution's second table) written plainly."""
    options = env.unwrapped.options
    for r, (stdin, expected) in enumerate(execution_runs(env.unwrapped.instance, options.execution_examples)):
        trace = befunge_trace(env, actions, stdin)
        out, top = bytes(trace.output), trace.stack[-1] if trace.stack else 0
        row = [trace.status, B + trace.x, B + top % 256, B + trace.y, B + trace.direction, B + trace.string_mode]
        row.append(PAD if len(trace.stack) < 2 else B + trace.stack[-2] % 256)
        row += [B + min(len(trace.stack), 255), B + min(trace.consumed, 255), B + min(len(stdin), 255)]
        row.append(B + min(len(out), 255))
        if expected is None:
            row += [PAD, PAD]
        elif out == expected:
            row += [END, END]
        elif expected.startswith(out):
            row += [B + expected[len(out)], B + (expected[len(out)] - top) % 256]
        else:
            row += [CUT, CUT]
        for j in range(options.execution_output):
            row.append(B + expected[j] if expected is not None and j < len(expected) else PAD)
            row.append(B + out[j] if j < len(out) else PAD)
        rows[r] = row
    return rows


def reference_potential(env, actions: list[int]) -> float:
    base = env.unwrapped
    options = base.options
    table = base.token_table
    if table.kind == "grid":
        befunge_runs = []
        for stdin, expected in execution_runs(base.instance, options.execution_examples):
            trace = befunge_trace(env, actions, stdin)
            befunge_runs.append((bytes(trace.output), expected, trace.stack[-1] if trace.stack else 0))
        return potential_of(befunge_runs)
    from curricula.verify import language_for

    bf = getattr(language_for(base.instance, table.language), "options", None)
    if table.kind != "brackets" or not isinstance(bf, BrainfuckOptions):
        return 0.0
    runs = []
    for stdin, expected in execution_runs(base.instance, options.execution_examples):
        trace = PrefixTrace(bf, stdin, options.execution_steps)
        for action in actions:
            trace.push(table.effects[action - 1])
        runs.append((bytes(trace.output), expected, trace.cell))
    return potential_of(runs, bf.cell_modulus)


def random_episode_check(env, seed: int, episodes: int = 6) -> None:
    rng = np.random.default_rng(seed)
    for episode in range(episodes):
        observation, info = env.reset(seed=seed + episode)
        actions: list[int] = []
        assert env.observation_space.contains(observation)
        np.testing.assert_array_equal(observation["execution"], reference_rows(env, actions))
        assert info["potential"] == pytest.approx(reference_potential(env, actions), abs=1e-12)
        while True:
            action = int(rng.choice(np.flatnonzero(observation["action_mask"])))
            observation, _, terminated, truncated, info = env.step(action)
            assert env.observation_space.contains(observation)
            if action != STOP:
                actions.append(action)
            np.testing.assert_array_equal(observation["execution"], reference_rows(env, actions), err_msg=str(actions))
            assert info["potential"] == pytest.approx(reference_potential(env, actions), abs=1e-12)
            if terminated or truncated:
                assert info["actions"] == tuple(actions)
                break


@pytest.mark.parametrize(
    "env_id, kwargs",
    [
        ("reasonenv/BF-EchoAll-v0", {}),
        ("reasonenv/BF-Reverse-v0", {"execution_output": 3}),
        ("reasonenv/Ook-EchoByte-v0", {}),
        ("reasonenv/Synthesis-v0", {"language": "bf-dialect-3", "task": "echo-all"}),
        ("reasonenv/Synthesis-v0", {"language": "bf+eof=minus_one", "task": "echo-all", "execution_steps": 20}),
        ("reasonenv/BF-PrintHello-v0", {}),  # PQT: cell_modulus 27, clamped left edge
        ("reasonenv/BF-EmitString-v0", {"execution_examples": 2}),
        ("reasonenv/Befunge93-EchoAll-v0", {}),
        ("reasonenv/Befunge93-AddConstant-v0", {"execution_steps": 30, "execution_output": 3}),
        ("reasonenv/Befunge93-EmitString-v0", {}),
    ],
)
def test_incremental_rows_and_potential_equal_a_from_scratch_encoding(env_id, kwargs):
    env = gym.make(env_id, execution=True, max_program_length=24, **kwargs)
    random_episode_check(env, seed=11)


def test_curriculum_env_with_execution_passes_check_env_and_the_reference():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make("reasonenv/Curriculum-v0", curriculum="mixed", execution=True)
        check_env(env.unwrapped)
    random_episode_check(env, seed=3, episodes=10)


@pytest.mark.parametrize(
    "env_id, kwargs",
    [
        ("reasonenv/BF-EchoByte-v0", {}),
        ("reasonenv/BF-EmitChar-v0", {"execution_output": 0}),
        ("reasonenv/Befunge93-EchoByte-v0", {}),
        ("reasonenv/Synthesis-v0", {"language": "bf-dialect-3", "task": "reverse", "execution_examples": 5}),
    ],
)
def test_the_space_passes_check_env(env_id, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make(env_id, execution=True, **kwargs)
        check_env(env.unwrapped)
    space = env.observation_space["execution"]
    options = env.unwrapped.options
    assert space.dtype == np.int32 and space.shape == (options.execution_examples, 13 + 2 * options.execution_output)
    assert space.low.min() == 0 and space.high.max() == TASK_VOCAB - 1


def test_off_by_default_and_no_potential():
    env = gym.make("reasonenv/BF-EchoByte-v0")
    observation, info = env.reset(seed=0)
    assert "execution" not in observation and "execution" not in env.observation_space.spaces
    assert "potential" not in info
    *_, info = env.step(6)
    assert "potential" not in info
    *_, info = env.step(STOP)
    assert info["actions"] == (6,)  # the final info always names the actions


def bf_actions(env, program: str) -> list[int]:
    """Action ids of a Brainfuck program in the episode's language, found through the effects (any order)."""
    table = env.unwrapped.token_table
    slot = {effect: index + 1 for index, effect in enumerate(table.effects)}
    return [slot[EFFECT_IDS[COMMAND_EFFECTS[c]] if c != "," else _input_effect(table)] for c in program]


def _input_effect(table) -> int:
    return next(e for e in table.effects if EFFECTS[e].startswith("input"))


def echo_instance(examples: list[tuple[bytes, bytes]]) -> Instance:
    base = make_task("echo-all").instance(0, 0)
    cases = tuple(TestCase(i, o) for i, o in examples)
    return dataclasses.replace(base, examples=cases)


def test_hand_written_layout_of_an_echo_program():
    env = gym.make("reasonenv/BF-EchoAll-v0", execution=True, execution_output=4)
    instance = echo_instance([(b"AB", b"AB"), (b"", b""), (b"Z", b"Z"), (b"Q", b"Q")])
    observation, info = env.reset(options={"instance": instance})
    rows = observation["execution"]
    assert rows.shape == (3, 21)  # three runs: the fourth example is not shown
    assert rows[0].tolist() == [READY, B, B, PAD, PAD, B, B, B, B, B + 2, B, B + 65, B + 65] + [
        B + 65,
        PAD,
        B + 66,
        PAD,
        PAD,
        PAD,
        PAD,
        PAD,
    ]
    assert rows[1, 11] == END  # the empty expected output is already written
    assert info["potential"] == pytest.approx((0 + 0 + 0) / 2)  # run 1 has no potential (empty expected)
    for action in bf_actions(env, ",["):
        observation, *_, info = env.step(action)
    rows = observation["execution"]
    assert rows[0, :3].tolist() == [READY, B, B + 65]  # 'A' read; the loop entered (cell != 0)
    assert rows[0, 12] == B + 0  # the cell already holds the next expected byte: step 0
    assert rows[1, 0] == WAITING  # empty input: cell 0 at `[`, its `]` not written
    assert rows[0, 8] == B + 1 and rows[0, 9] == B + 2
    # phi: run 0: m=0, cell 65 == e[0] -> closeness 1 -> 0.5/2; run 2: cell 90 == 'Z' -> 0.5/1
    assert info["potential"] == pytest.approx((0.25 + 0.5) / 2)
    for action in bf_actions(env, ".,]"):
        observation, *_, info = env.step(action)
    rows = observation["execution"]
    assert rows[0].tolist()[:13] == [READY, B, B, PAD, PAD, B, B, B, B + 2, B + 2, B + 2, END, END]
    assert rows[0, 13:17].tolist() == [B + 65, B + 65, B + 66, B + 66]
    assert rows[1, 0] == READY and rows[1, 11] == END  # the `]` arrived: jumped past, nothing written
    assert rows[2, 10] == B + 1 and rows[2, 11] == END
    assert info["potential"] == pytest.approx(1.0)
    observation, *_, info = env.step(bf_actions(env, ".")[0])
    assert observation["execution"][1, 11] == CUT  # an extra byte on the empty expected output
    assert observation["execution"][0, 11] == CUT
    assert info["potential"] == pytest.approx((0.5 + 0.0) / 2)  # run 0: (2 - 1)/2; run 2: (1 - 1)/1


def test_constant_output_family_runs_once_on_its_visible_output():
    env = gym.make("reasonenv/BF-EmitString-v0", execution=True)
    observation, info = env.reset(seed=4)
    instance = env.unwrapped.instance
    target = instance.tests[0].output
    assert not instance.examples and family_class(instance.family).visible_output(instance) == target
    rows = observation["execution"]
    assert rows[0, 0] == READY and rows[1:].tolist() == np.zeros_like(rows[1:]).tolist()
    assert rows[0, 11] == B + target[0] and rows[0, 12] == B + target[0]  # next expected; step from cell 0
    assert rows[0, 13] == B + target[0]  # the first (expected, output) pair
    # The empty program: cell 0, closeness to the first target byte.
    closeness = max(0.0, 1 - min(target[0], 256 - target[0]) / 32)
    assert info["potential"] == pytest.approx(0.5 * closeness / len(target))


def test_families_without_a_visible_target_have_unknown_expected_output():
    assert family_class("reverse").visible_output(make_task("reverse").instance(0, 0)) is None
    instance = make_task("paper-bf-print").instance(0, 3)
    assert family_class("paper-bf-print").visible_output(instance) == instance.tests[0].output
    unknown = dataclasses.replace(make_task("reverse").instance(0, 0), examples=())
    assert execution_runs(unknown, 3) == ((b"", None),)


def test_unknown_expected_output_shows_pad_and_counts_no_potential():
    env = gym.make("reasonenv/BF-Reverse-v0", execution=True, execution_output=2)
    unknown = dataclasses.replace(make_task("reverse").instance(0, 0), examples=())
    observation, info = env.reset(options={"instance": unknown})
    row = observation["execution"][0]
    assert row[0] == READY and row[11] == PAD and row[12] == PAD and row[13:].tolist() == [PAD] * 4
    assert info["potential"] == 0.0
    observation, *_, info = env.step(bf_actions(env, ".")[0])
    assert observation["execution"][0, 13:].tolist() == [PAD, B, PAD, PAD]
    assert info["potential"] == 0.0


def test_out_of_steps_and_error_statuses_show():
    env = gym.make("reasonenv/BF-EchoByte-v0", execution=True, execution_steps=6)
    env.reset(seed=0)
    for action in bf_actions(env, "+[]"):
        observation, *_ = env.step(action)
    assert set(observation["execution"][:, 0].tolist()) == {OUT_OF_STEPS, NONE}
    env.reset(seed=0)
    observation, *_ = env.step(bf_actions(env, "<")[0])
    assert observation["execution"][0, 0] == ERROR


def test_whitespace_gives_zero_rows_and_zero_potential():
    env = gym.make("reasonenv/Whitespace-EchoByte-v0", execution=True)
    observation, info = env.reset(seed=0)
    assert not observation["execution"].any() and info["potential"] == 0.0
    observation, *_, info = env.step(int(np.flatnonzero(observation["action_mask"])[1]))
    assert not observation["execution"].any() and info["potential"] == 0.0


def befunge_actions(env, program: str) -> list[int]:
    return env.unwrapped.token_table.actions(program)


def test_befunge_rows_follow_a_correct_print_program_and_its_potential_rises_to_one():
    env = gym.make("reasonenv/Befunge93-EmitString-v0", execution=True, execution_output=4)
    observation, info = env.reset(seed=2)
    instance = env.unwrapped.instance
    target = instance.tests[0].output
    assert not instance.examples and len(target) >= 2
    row = observation["execution"][0]
    # The empty program: the IP waits on (0, 0) moving right, an empty stack (its top reads 0), nothing read yet.
    assert row[:11].tolist() == [WAITING, B, B, B, B, B, PAD, B, B, B, B]
    assert row[11] == B + target[0] and row[12] == B + target[0]  # next expected; step from the top 0
    assert observation["execution"][1:].tolist() == np.zeros_like(observation["execution"][1:]).tolist()
    # Digits and arithmetic only (the shipped solution's string mode writes letters, which are no tokens).
    program = befunge_layout([befunge_push(byte) + "," for byte in target] + ["@"])
    potentials = [info["potential"]]
    written = 0
    for action in befunge_actions(env, program):
        observation, reward, terminated, truncated, info = env.step(action)
        row = observation["execution"][0]
        potentials.append(info["potential"])
        out = row[14 : 14 + 2 * 4 : 2]
        produced = int(row[10]) - B
        assert produced >= written  # the output only grows
        if produced > written:
            assert potentials[-1] > potentials[-2]  # each right byte written raises phi
        written = produced
        if 0 < produced < len(target):
            assert row[11] == B + target[produced]
            top = env.unwrapped._execution._grid_traces[0].top
            assert row[12] == B + (target[produced] - top) % 256  # the step column reads from the stack top
        assert out[: min(produced, 4)].tolist() == [B + b for b in target[: min(produced, 4)]]
    assert row[0] == READY and row[11] == END and row[12] == END  # halted at `@`, the whole target written
    assert potentials[-1] == pytest.approx(1.0) and potentials[0] < 0.5
    *_, info = env.step(STOP)
    assert info["success"]


def test_befunge_rows_wait_on_an_unwritten_row_and_show_the_stack():
    env = gym.make("reasonenv/Befunge93-EchoByte-v0", execution=True)
    observation, info = env.reset(seed=1)
    stdin, expected = execution_runs(env.unwrapped.instance, 3)[0]
    for action in befunge_actions(env, "7~v"):
        observation, *_ = env.step(action)
    row = observation["execution"][0]
    # 7 and the input byte pushed; `v` turned the IP down onto row 1, not written yet.
    assert row[:9].tolist() == [WAITING, B + 2, B + stdin[0], B + 1, B + 1, B, B + 7, B + 2, B + 1]
    assert row[12] == B + (expected[0] - stdin[0]) % 256
    for action in befunge_actions(env, "\n  >,@"):
        observation, *_, info = env.step(action)
    row = observation["execution"][0]
    assert row[0] == READY and row[10] == B + 1 and row[11] == END and row[14] == B + stdin[0]
    assert info["potential"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"execution": 1}, "execution must be True or False"),
        ({"execution_examples": 0}, "execution_examples"),
        ({"execution_steps": -1}, "execution_steps"),
        ({"execution_output": 2000}, "execution_output"),
    ],
)
def test_bad_options_raise_one_clear_line(kwargs, message):
    for env_id in ("reasonenv/BF-EchoByte-v0", "reasonenv/Curriculum-v0"):
        with pytest.raises(ValueError, match=message) as error:
            gym.make(env_id, **kwargs)
        assert "\n" not in str(error.value)


def test_potential_formula():
    # m=1 of n=2, cell 3 vs e[1]=7: d=4 -> closeness 1-4/32
    assert potential_of([(b"\x05", b"\x05\x07", 3)]) == pytest.approx((1 + 0.5 * (1 - 4 / 32)) / 2)
    # circular distance: cell 250 vs 2 under 256 -> d=8; under modulus 300 -> d=52 (no closeness)
    assert potential_of([(b"", b"\x02", 250)]) == pytest.approx(0.5 * (1 - 8 / 32))
    assert potential_of([(b"", b"\x02", 250)], cell_modulus=300) == 0.0
    # the first wrong byte keeps the closeness of its value (2 vs 3 above 0 vs 3); bytes after it count against
    assert potential_of([(b"\x02", b"\x03", 0)]) == pytest.approx(0.5 * (1 - 1 / 32))
    assert potential_of([(b"\x02", b"\x03", 0)]) > potential_of([(b"\x00", b"\x03", 2)])
    assert potential_of([(b"\x02\x09", b"\x03\x04", 0)]) == pytest.approx((0.5 * (1 - 1 / 32) - 1) / 2)
    assert potential_of([(b"ab\x00", b"ab", 0)]) == pytest.approx(1 / 2)  # one byte after the whole output
    # wrong bytes count against, clipped at -1; a complete match is 1 whatever the cell
    assert potential_of([(b"xyz", b"a", 0)]) == -1.0
    assert potential_of([(b"ab", b"ab", 99)]) == 1.0
    # unknown and empty expected outputs are left out of the mean; none left -> 0
    assert potential_of([(b"ab", b"ab", 0), (b"q", None, 0), (b"", b"", 0)]) == 1.0
    assert potential_of([(b"q", None, 0)]) == 0.0
