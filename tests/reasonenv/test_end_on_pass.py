"""The token envs' `end_on_pass` option: the episode ends at the first token after which the program passes the
visible examples (every run READY with exactly its expected output, no loop open), in the Gym env and, step for
step, in the JAX env; and the training config that switches it on."""

from __future__ import annotations

import numpy as np
import pytest

from curricula.base import make_task
from reasonenv.envs.curriculum import CurriculumEnv
from reasonenv.envs.execution import execution_runs
from reasonenv.envs.synthesis import END_PASS, SynthesisEnv


def play(env, program: str):
    """Step the characters of `program` (BF commands; Befunge cells) until the episode ends: (steps taken, last
    terminated, truncated, info)."""
    table = env.table
    token = {name: number + 1 for number, name in enumerate(table.tokens)}
    terminated = truncated = False
    info: dict = {}
    for steps, character in enumerate(program, 1):
        _, _, terminated, truncated, info = env.step(token[character])
        if terminated or truncated:
            return steps, terminated, truncated, info
    return len(program), terminated, truncated, info


def emit_char_env(**options):
    return SynthesisEnv(language="bf", task="emit-char", difficulty=2, execution=True, max_program_length=32, **options)


def target_byte(env) -> int:
    ((_, expected),) = execution_runs(env.unwrapped._instance, 3)
    return expected[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_episode_ends_on_the_token_that_completes_the_output(seed):
    env = emit_char_env(end_on_pass=True)
    env.reset(seed=seed)
    byte = target_byte(env)
    steps, terminated, truncated, info = play(env, "+" * byte + ".+>.-")
    assert (steps, terminated, truncated) == (byte + 1, True, False)
    assert info["end"] == END_PASS and info["success"] and info["program"] == "+" * byte + "."


def test_without_the_option_the_same_program_runs_on():
    env = emit_char_env()
    env.reset(seed=0)
    byte = target_byte(env)
    steps, terminated, truncated, info = play(env, "+" * byte + ".>")
    assert steps == byte + 2 and not (terminated or truncated) and "end" not in info


def test_a_wrong_or_unfinished_output_does_not_end_it():
    env = emit_char_env(end_on_pass=True)
    env.reset(seed=0)
    byte = target_byte(env)
    # one short, then a second byte: the output deviates, so nothing later can pass
    steps, terminated, truncated, _ = play(env, "+" * (byte - 1) + ".+.")
    assert steps == byte + 2 and not (terminated or truncated)


def test_an_open_loop_holds_the_end_until_it_closes():
    env = emit_char_env(end_on_pass=True)
    env.reset(seed=0)
    byte = target_byte(env)
    # inside `[` the run has written the byte (READY, exact output) but the program cannot end there
    program = "+" * byte + "[.[-]]"
    steps, terminated, _, info = play(env, program)
    assert steps == len(program) and terminated and info["end"] == END_PASS and info["success"]


def test_befunge_ends_when_the_run_reaches_the_end_cell():
    env = SynthesisEnv(language="befunge93", task="emit-char", difficulty=0, execution=True, end_on_pass=True)
    for seed in range(20):
        env.reset(seed=seed)
        byte = target_byte(env)
        if byte <= 9:
            break
    else:
        pytest.skip("no emit-char instance with a one-digit byte in 20 seeds")
    steps, terminated, _, info = play(env, f"{byte},@  ")
    assert (steps, terminated, info["end"], info["success"]) == (3, True, END_PASS, True)


def test_the_option_needs_the_execution_runs():
    with pytest.raises(ValueError, match="end_on_pass .*execution=True"):
        SynthesisEnv(language="bf", task="emit-char", end_on_pass=True)


def test_the_training_config_and_the_probe_carry_it():
    from agents.config import TrainConfig
    from agents.probe import probe_env_options

    with pytest.raises(ValueError, match="end_on_pass .*execution"):
        TrainConfig(curriculum="bf-reasoning", end_on_pass=True).validate()
    cfg = TrainConfig(curriculum="bf-reasoning", execution=True, end_on_pass=True).validate()
    assert probe_env_options(cfg)["end_on_pass"] is True
    assert "end_on_pass" not in probe_env_options(TrainConfig(curriculum="bf-reasoning", execution=True).validate())


CURRICULUM = """
name: end-on-pass-equivalence
scheduler: staged
language: bf
stages:
  - name: mixed
    mixture:
      - {family: emit-char, level: 2}
      - {family: emit-string, level: 1}
      - {family: echo-byte, level: 0}
      - {family: echo-all, level: 0}
      - {family: reverse, level: 0, language: "bf+eof=minus_one"}
"""
LENGTH = 24
OPTIONS = {"execution_examples": 3, "execution_output": 6, "execution_steps": 64}


def solving_prefix(instance) -> str | None:
    """A BF program passing the instance's visible runs, where one is easy to write (the ends the test wants)."""
    family = instance.family
    if family in ("emit-char", "emit-string"):
        ((_, expected),) = execution_runs(instance, 1)
        program, cell = "", 0
        for byte in expected:
            step = (byte - cell) % 256
            program += ("+" * step if step <= 128 else "-" * (256 - step)) + "."
            cell = byte
        return program if len(program) <= LENGTH else None
    return {"echo-byte": ",.", "echo-all": ",[.,]"}.get(family)


def test_the_jax_env_ends_on_the_same_step(tmp_path):
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    from curricula.schedulers import load_curriculum
    from reasonenv.envs.jax_pool import build_params, curriculum_entries
    from reasonenv.envs.jax_token_env import JaxTokenEnv

    path = tmp_path / "end-on-pass.yaml"
    path.write_text(CURRICULUM)
    env = CurriculumEnv(
        curriculum=str(path), max_program_length=LENGTH, update_scheduler=False, execution=True, end_on_pass=True,
        **OPTIONS,
    )  # fmt: skip
    entries = curriculum_entries(load_curriculum(str(path)))
    rng = np.random.default_rng(7)
    played = []
    for seed in range(40):
        obs, info = env.reset(seed=seed)
        table = env.tables[info["language"]]
        token = {name: number + 1 for number, name in enumerate(table.tokens)}
        instance = env.unwrapped._instance
        prefix = solving_prefix(instance) if seed % 3 else None  # a third random programs: no false ends
        planned = [token[c] for c in prefix] if prefix is not None and info["language"] == "bf" else []
        actions, ends = [], []
        while True:
            if planned:
                action = planned.pop(0)
            else:
                allowed = np.flatnonzero(obs["action_mask"])
                allowed = allowed[allowed != 0] if len(allowed) > 1 else allowed
                action = int(rng.choice(allowed))
            obs, _, terminated, truncated, last = env.step(action)
            actions.append(action)
            if terminated or truncated:
                ends.append((terminated, truncated, last["end"]))
                break
        played.append((info["curriculum_key"], instance, actions, ends[0]))
    seen_ends = {end for *_, (_, _, end) in played}
    assert END_PASS in seen_ends and "max_length" in seen_ends, seen_ends

    pool = [[] for _ in entries]
    where = []
    for key, instance, _, _ in played:
        e = next(i for i, entry in enumerate(entries) if entry.key == key)
        where.append((e, len(pool[e])))
        pool[e].append(instance)
    for e, group in enumerate(pool):
        if not group:
            entry = entries[e]
            group.append(make_task(entry.family, entry.level, **entry.config).instance(0, 0))
    params, _ = build_params(
        entries, instances=pool, max_program_length=LENGTH, execution=True, end_on_pass=True, **OPTIONS
    )
    jax_env = JaxTokenEnv(params)
    step = jax.jit(jax_env.step_env)
    key = jax.random.PRNGKey(0)
    for (e, slot), (entry_key, _, actions, (terminated, truncated, end)) in zip(where, played):
        _, state = jax_env.reset_to(e, slot, params)
        for t, action in enumerate(actions):
            _, state, _, done, step_info = step(key, state, jnp.int32(action), params)
            last = t == len(actions) - 1
            assert bool(done) == last, f"{entry_key} {actions}: JAX done={bool(done)} at step {t}, Gym ended at {end}"
        assert (bool(step_info["terminated"]), bool(step_info["truncated"])) == (terminated, truncated), entry_key
