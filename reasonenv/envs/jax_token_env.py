"""Token-level Brainfuck synthesis as a pure, jittable JAX env (gymnax style), with batched verification.

The functional twin of `SynthesisEnv` / `CurriculumEnv` for Brainfuck and
its renamings (bf, ook, bf-dialect-<seed>): the same observations (task +
SPEC segment, program, action mask with its edge cases, action effects,
family, language), the same episode ends and the same rewards, computed
from the same instances.

    params, pool = build_params([PoolEntry("emit-char", 0)], max_program_length=32)
    env = JaxTokenEnv(params)
    obs, state = env.reset(key, params)
    obs, state, reward, done, info = env.step(key, state, action, params)
    result = env.verify(params, info["program"], info["language"], info["entry"], info["slot"])

Instances live in a *pool* generated on the host: for every entry (family,
level, config, language) `pool_size` instances drawn with
`reasonenv.envs.tasks.TaskSource.sample`, so each keeps its (seed, index)
identity and a `content_split` holds exactly as in the Python env. A reset
draws an entry from `params.entry_weights` (the host sets them from the
curriculum scheduler between jitted chunks) and a slot uniformly.

Rewards come only at an episode's end, so verification is kept out of the
step: `step` returns the step's own reward (minus `step_penalty`, minus
`invalid_program_penalty` for an invalid token) and, in `info`, the
finished program with `needs_verification`. The caller verifies finished
programs in batches (`verify`, or `verify_finished` over a whole rollout,
which compacts them with a fixed-size `jnp.nonzero`) and adds
`final_reward(...)` to that step's reward. Under `vmap` a `cond` runs
both branches, so verifying inside `step` would run the interpreter at
every step of every env.

Auto-reset happens in one place, `step`: when an episode ends the returned
observation and state are those of the next episode, and the terminal
transition (its program, length, entry, slot) is in `info`; `step_env` is
the same step without the reset (its observation is the terminal one).

jax is imported here only (and in esolangs.jax_bf); this module imports
neither gymnasium nor ray, so it runs where they are not installed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from curricula.scoring import mode_names
from reasonenv.envs.encoding import STOP, encode_task, fit_length

SCORING_MODES = tuple(mode_names())  # index = the jitted mode id; the order curricula.scoring pins
"""Scoring modes the batched scorer computes (ids are the index), as curricula.scoring defines them."""
MODE_ID = {name: i for i, name in enumerate(SCORING_MODES)}
PQT_DEFAULTS = {"base": 256, "correct_bonus": 2.0, "code_length_bonus": 1.0, "failure_reward": -2.0, "normalize": True}
DEFAULT_POOL_SIZE = 256


# ----------------------------------------------------------------------------- host side: what the pool holds


@dataclass(frozen=True)
class PoolEntry:
    """One (family, level, config, language) whose instances the pool holds; `key` is the curriculum's entry key."""

    family: str
    level: int | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    language: str = "bf"
    key: str = ""


@dataclass
class PoolInfo:
    """Host-side facts about a params pool: entries, languages, token tables, the instances themselves."""

    entries: list[PoolEntry]
    languages: tuple[str, ...]
    tables: dict[str, Any]
    instances: list[list[Any]]
    num_actions: int
    task_length: int
    max_program_length: int


@struct.dataclass
class TokenEnvParams:
    """Everything the pure functions read: the instance pool, per-language tables, options, sampling weights.

    Array fields are pytree leaves (so the host can swap the pool or the
    weights without recompiling when shapes stay); the few static fields
    fix shapes and Python-level branches.
    """

    # pool: E entries x N slots (x M tests)
    task: jax.Array  # [E, N, T] int32 task ids (examples + spec)
    family: jax.Array  # [E, N] int32 global family id
    seed: jax.Array  # [E, N] int32 instance identity
    index: jax.Array  # [E, N] int32
    entry_language: jax.Array  # [E] int32 index into the sorted language tuple
    entry_weights: jax.Array  # [E] float32 sampling weights of entries (zero: never drawn)
    stage: jax.Array  # [] int32 curriculum stage stamped on episodes
    test_input: jax.Array  # [E, N, M, I] uint8
    test_input_length: jax.Array  # [E, N, M] int32
    test_output: jax.Array  # [E, N, M, O] uint8 expected output
    test_output_length: jax.Array  # [E, N, M] int32
    test_valid: jax.Array  # [E, N, M] bool (instances have different test counts)
    max_steps: jax.Array  # [E, N] int32 step budget per test run
    max_output: jax.Array  # [E, N] int32 as curricula.verify.execute sets it
    modulus: jax.Array  # [E, N] int32 cell modulus
    tape_size: jax.Array  # [E, N] int32
    clamp: jax.Array  # [E, N] bool left edge clamps
    eof: jax.Array  # [E, N] int32 esolangs.jax_bf.EOF_CODE
    ignore_unmatched: jax.Array  # [E, N] bool
    mode: jax.Array  # [E, N] int32 MODE_ID
    pqt_base: jax.Array  # [E, N] float32
    pqt_correct_bonus: jax.Array  # [E, N] float32
    pqt_code_length_bonus: jax.Array  # [E, N] float32
    pqt_failure_reward: jax.Array  # [E, N] float32
    pqt_normalize: jax.Array  # [E, N] bool
    # languages: NL x A
    effects: jax.Array  # [NL, A] int32 action_effects
    code_of: jax.Array  # [NL, A] int32 Brainfuck command code (esolangs.jax_bf.CODE_OF) of each action
    lang_actions: jax.Array  # [NL] int32 actions of the language (STOP + alphabet)
    open_action: jax.Array  # [NL] int32
    close_action: jax.Array  # [NL] int32
    step_penalty: jax.Array  # [] float32
    invalid_program_penalty: jax.Array  # [] float32
    # static: shapes and switches
    mask_actions: bool = struct.field(pytree_node=False, default=True)
    tape_cells: int = struct.field(pytree_node=False, default=64)
    wide_cells: bool = struct.field(pytree_node=False, default=False)
    max_program_length: int = struct.field(pytree_node=False, default=64)

    @property
    def num_entries(self) -> int:
        return int(self.task.shape[0])

    @property
    def pool_size(self) -> int:
        return int(self.task.shape[1])


@struct.dataclass
class TokenEnvState:
    """One episode in progress: which instance, the program so far and the mask bookkeeping."""

    entry: jax.Array  # [] int32
    slot: jax.Array  # [] int32
    language: jax.Array  # [] int32
    stage: jax.Array  # [] int32 stage the episode was drawn in
    program: jax.Array  # [L] int32 action ids, 0-padded
    length: jax.Array  # [] int32
    open_loops: jax.Array  # [] int32


@struct.dataclass
class Verdicts:
    """Batched verification of finished programs (one row each)."""

    score: jax.Array  # [K] float32 reward of the scoring mode (curricula.scoring)
    passed: jax.Array  # [K] int32 hidden tests passed
    total: jax.Array  # [K] int32 hidden tests
    syntax_error: jax.Array  # [K] bool some test ended in syntax_error
    status: jax.Array  # [K, M] int32 esolangs.jax_bf status codes (0 for absent tests)
    steps: jax.Array  # [K, M] int32

    @property
    def success(self) -> jax.Array:
        return self.passed == self.total


# ----------------------------------------------------------------------------- building params on the host


def _bf_codes(table, language) -> list[int]:
    """Brainfuck command code of every action of a token table (0 for STOP)."""
    from esolangs.jax_bf import CODE_OF

    to_bf = getattr(language, "to_bf", None)
    codes = [0]
    for token in table.tokens:
        text = to_bf(token).strip() if to_bf is not None else token
        if text not in CODE_OF:
            raise ValueError(f"token {token!r} of {table.language} is not one Brainfuck command (got {text!r})")
        codes.append(CODE_OF[text])
    return codes


def language_tables(languages: Sequence[str], action_order: str | None):
    """Token tables and Brainfuck codes of `languages`; ValueError for a language outside Brainfuck's family."""
    import esolangs
    from reasonenv.envs.encoding import token_table

    tables, codes = {}, {}
    for name in languages:
        language = esolangs.get(name)
        table = token_table(language, action_order)
        if table.kind != "brackets":
            raise ValueError(
                f"the JAX token env runs Brainfuck and its renamings (bf, ook, bf-dialect-<seed>), not {name!r}"
            )
        tables[name] = table
        codes[name] = _bf_codes(table, language)
    return tables, codes


def sample_pool(
    entries: Sequence[PoolEntry], *, pool_size: int = DEFAULT_POOL_SIZE, pool_seed: int = 0, content_split: str = "all"
) -> list[list[Any]]:
    """`pool_size` instances per entry, drawn as `TaskSource.sample` draws them (identity and content split kept)."""
    from reasonenv.envs.tasks import TaskSource

    if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
        raise ValueError(f"pool_size must be an int >= 1, got {pool_size!r}")
    pools = []
    for number, entry in enumerate(entries):
        source = TaskSource(
            entry.family, entry.language, level=entry.level, config=dict(entry.config), content_split=content_split
        )
        rng = np.random.default_rng(np.random.SeedSequence([int(pool_seed), number]))
        pools.append([source.sample(rng)[0] for _ in range(pool_size)])
    return pools


def build_params(
    entries: Sequence[PoolEntry],
    *,
    instances: Sequence[Sequence[Any]] | None = None,
    pool_size: int = DEFAULT_POOL_SIZE,
    pool_seed: int = 0,
    content_split: str = "all",
    max_program_length: int = 64,
    task_length: int | None = None,
    scoring: str | None = None,
    step_penalty: float = 0.0,
    invalid_program_penalty: float = 0.0,
    mask_actions: bool = True,
    action_order: str | None = None,
    entry_weights: Sequence[float] | None = None,
    stage: int = 0,
    min_test_shape: tuple[int, int, int] = (1, 1, 1),
) -> tuple[TokenEnvParams, PoolInfo]:
    """Params (device arrays) and PoolInfo (host facts) for `entries`, as the Python token envs would pose them.

    `instances` (one list per entry) fixes the pool; otherwise `sample_pool`
    draws `pool_size` per entry. `task_length` None measures every entry as
    CurriculumEnv does (SynthesisEnv's measure for a single entry).
    Options mean what they mean in `reasonenv.envs.config.TokenOptions`.
    `min_test_shape` (tests, input bytes, output bytes) pads the test arrays
    at least that far, so a refreshed pool keeps its shapes (no recompile).
    """
    from curricula.base import family_ids
    from curricula.spec import instance_spec
    from curricula.verify import language_for
    from esolangs.jax_bf import EOF_CODE
    from reasonenv.envs.config import SynthesisConfig
    from reasonenv.envs.tasks import TaskSource, language_name

    if not entries:
        raise ValueError("build_params needs at least one PoolEntry")
    entries = [dataclasses.replace(e, language=language_name(e.language)) for e in entries]
    # The same checks as the Python env's options (ValueError naming the field).
    SynthesisConfig(
        max_program_length=max_program_length,
        task_length=task_length,
        scoring=scoring,
        step_penalty=step_penalty,
        invalid_program_penalty=invalid_program_penalty,
        mask_actions=mask_actions,
        action_order=action_order,
        content_split=content_split,
    ).validate()
    if scoring is not None and scoring not in SCORING_MODES:
        raise ValueError(f"scoring must be one of {list(SCORING_MODES)} or None, got {scoring!r}")
    languages = tuple(sorted({e.language for e in entries}))
    tables, codes = language_tables(languages, action_order)
    num_actions = max(t.num_actions for t in tables.values())
    if instances is None:
        instances = sample_pool(entries, pool_size=pool_size, pool_seed=pool_seed, content_split=content_split)
    pool_instances: list[list[Any]] = [list(group) for group in instances]
    if len(pool_instances) != len(entries) or any(not group for group in pool_instances):
        raise ValueError(
            f"instances must hold one non-empty list per entry ({len(entries)}), got {[len(g) for g in pool_instances]}"
        )
    slots = max(len(group) for group in pool_instances)
    # Entries with fewer instances repeat them cyclically, so a uniform slot draws each equally often per cycle.
    pool_instances = [[group[i % len(group)] for i in range(slots)] for group in pool_instances]
    if task_length is None:
        longest = max(
            TaskSource(e.family, e.language, level=e.level, config=dict(e.config)).longest_encoding() for e in entries
        )
        task_length = fit_length(longest)

    E, N = len(entries), slots
    flat = [inst for group in pool_instances for inst in group]
    M = max(min_test_shape[0], max(len(inst.tests) for inst in flat))
    I = max(min_test_shape[1], max(len(t.input) for inst in flat for t in inst.tests))
    O = max(min_test_shape[2], max(len(t.output) for inst in flat for t in inst.tests))
    ids = family_ids()

    def grid(dtype, *shape):
        return np.zeros((E, N, *shape), dtype)

    task, family, seed, index = grid(np.int32, task_length), grid(np.int32), grid(np.int32), grid(np.int32)
    test_input, test_input_length = grid(np.uint8, M, I), grid(np.int32, M)
    test_output, test_output_length, test_valid = grid(np.uint8, M, O), grid(np.int32, M), grid(bool, M)
    max_steps, max_output, modulus, tape_size = grid(np.int32), grid(np.int32), grid(np.int32), grid(np.int32)
    clamp, eof, ignore, mode = grid(bool), grid(np.int32), grid(bool), grid(np.int32)
    pqt = {name: grid(np.float32) for name in ("base", "correct_bonus", "code_length_bonus", "failure_reward")}
    normalize = grid(bool)
    for e, (entry, group) in enumerate(zip(entries, pool_instances)):
        for n, inst in enumerate(group):
            if inst.family not in ids:
                raise ValueError(f"instance family {inst.family!r} is not registered")
            task[e, n] = encode_task(inst.examples, instance_spec(inst), task_length)
            family[e, n] = ids[inst.family]
            seed[e, n], index[e, n] = inst.seed, inst.index
            for m, case in enumerate(inst.tests):
                test_input[e, n, m, : len(case.input)] = np.frombuffer(case.input, np.uint8)
                test_input_length[e, n, m] = len(case.input)
                test_output[e, n, m, : len(case.output)] = np.frombuffer(case.output, np.uint8)
                test_output_length[e, n, m] = len(case.output)
                test_valid[e, n, m] = True
            options = language_for(inst, entry.language).options
            max_steps[e, n] = inst.max_steps
            longest = max((len(t.output) for t in inst.tests), default=0)
            max_output[e, n] = max(1024, 4 * longest + 64)  # curricula.verify.execute's default
            modulus[e, n], tape_size[e, n] = options.cell_modulus, options.tape_size
            clamp[e, n] = options.left_edge == "clamp"
            eof[e, n] = EOF_CODE[options.eof]
            ignore[e, n] = options.unmatched == "ignore"
            chosen = scoring if scoring is not None else inst.scoring.get("mode", "binary")
            if chosen not in MODE_ID:
                raise ValueError(
                    f"instance {inst.id} asks scoring mode {chosen!r}; the JAX scorer knows {list(SCORING_MODES)}"
                )
            mode[e, n] = MODE_ID[chosen]
            merged = {**PQT_DEFAULTS, **{k: v for k, v in inst.scoring.items() if k in PQT_DEFAULTS}}
            for name in pqt:
                pqt[name][e, n] = merged[name]
            normalize[e, n] = bool(merged["normalize"])
    from esolangs.jax_bf import MAX_MODULUS, MAX_STEPS

    if modulus.max() > MAX_MODULUS or max_steps.max() > MAX_STEPS:
        raise ValueError(
            f"the JAX verifier takes cell_modulus <= {MAX_MODULUS} and max_steps <= {MAX_STEPS}; "
            f"the pool has {int(modulus.max())} and {int(max_steps.max())}"
        )
    # A pointer moves at most one cell per step, so min(tape, steps + 1) cells hold every cell a run can reach.
    reach = int(min(tape_size.max(), max_steps.max() + 1))
    tape_cells = 64
    while tape_cells < reach:
        tape_cells *= 2

    A = num_actions
    effects = np.zeros((len(languages), A), np.int32)
    code_of = np.zeros((len(languages), A), np.int32)
    lang_actions, open_action, close_action = (np.zeros(len(languages), np.int32) for _ in range(3))
    for i, name in enumerate(languages):
        table = tables[name]
        effects[i] = table.action_effects(A)
        code_of[i, : table.num_actions] = codes[name]
        lang_actions[i], open_action[i], close_action[i] = table.num_actions, table.open_action, table.close_action
    weights = np.ones(E, np.float32) if entry_weights is None else np.asarray(entry_weights, np.float32)
    if weights.shape != (E,) or not np.all(weights >= 0) or not weights.sum() > 0:
        raise ValueError(f"entry_weights must be {E} non-negative numbers with a positive sum, got {list(weights)}")
    params = TokenEnvParams(
        task=jnp.asarray(task),
        family=jnp.asarray(family),
        seed=jnp.asarray(seed),
        index=jnp.asarray(index),
        entry_language=jnp.asarray([languages.index(e.language) for e in entries], jnp.int32),
        entry_weights=jnp.asarray(weights),
        stage=jnp.int32(stage),
        test_input=jnp.asarray(test_input),
        test_input_length=jnp.asarray(test_input_length),
        test_output=jnp.asarray(test_output),
        test_output_length=jnp.asarray(test_output_length),
        test_valid=jnp.asarray(test_valid),
        max_steps=jnp.asarray(max_steps),
        max_output=jnp.asarray(max_output),
        modulus=jnp.asarray(modulus),
        tape_size=jnp.asarray(tape_size),
        clamp=jnp.asarray(clamp),
        eof=jnp.asarray(eof),
        ignore_unmatched=jnp.asarray(ignore),
        mode=jnp.asarray(mode),
        pqt_base=jnp.asarray(pqt["base"]),
        pqt_correct_bonus=jnp.asarray(pqt["correct_bonus"]),
        pqt_code_length_bonus=jnp.asarray(pqt["code_length_bonus"]),
        pqt_failure_reward=jnp.asarray(pqt["failure_reward"]),
        pqt_normalize=jnp.asarray(normalize),
        effects=jnp.asarray(effects),
        code_of=jnp.asarray(code_of),
        lang_actions=jnp.asarray(lang_actions),
        open_action=jnp.asarray(open_action),
        close_action=jnp.asarray(close_action),
        step_penalty=jnp.float32(step_penalty),
        invalid_program_penalty=jnp.float32(invalid_program_penalty),
        mask_actions=bool(mask_actions),
        tape_cells=tape_cells,
        wide_cells=bool(modulus.max() > 256),
        max_program_length=int(max_program_length),
    )
    info = PoolInfo(entries, languages, tables, pool_instances, A, int(task_length), int(max_program_length))
    return params, info


def curriculum_entries(scheduler, default_language: str = "bf") -> list[PoolEntry]:
    """One PoolEntry per distinct curriculum entry key (a family may appear in several stages)."""
    seen: dict[str, PoolEntry] = {}
    for entry in scheduler.entries():
        if entry.key not in seen:
            seen[entry.key] = PoolEntry(
                entry.family, entry.level, dict(entry.config), entry.language or default_language, entry.key
            )
    return list(seen.values())


def scheduler_weights(scheduler, entries: Sequence[PoolEntry]) -> tuple[np.ndarray, int]:
    """(entry weights, stage) for the scheduler's current state: the stage's mixture, or learning-progress probabilities."""
    position = {entry.key: i for i, entry in enumerate(entries)}
    weights = np.zeros(len(entries), np.float32)
    if hasattr(scheduler, "stages"):
        for item in scheduler.current.mixture:
            weights[position[item.key]] += item.weight
        return weights, int(scheduler.stage)
    for arm, probability in zip(scheduler.arms, scheduler.probabilities()):
        weights[position[arm.key]] += probability
    return weights, 0


# ----------------------------------------------------------------------------- the functional env


class JaxTokenEnv:
    """Pure reset/step over TokenEnvParams; shapes (A, L, T) come from the params it was made for.

    Methods are plain functions of their arguments (no state on self beyond
    static shapes), so `jax.jit(env.step)` and `jax.vmap(env.step, (0, 0, 0, None))` work.
    """

    def __init__(self, params: TokenEnvParams):
        self.num_actions = int(params.effects.shape[1])
        self.max_program_length = int(params.max_program_length)
        self.task_length = int(params.task.shape[2])

    # -- observation ----------------------------------------------------------------
    def action_mask(self, state: TokenEnvState, params: TokenEnvParams) -> jax.Array:
        """`MaskState.mask()` in array form (int8 [A])."""
        slots = jnp.arange(self.num_actions)
        base = slots < params.lang_actions[state.language]
        if not params.mask_actions:
            return base.astype(jnp.int8)
        open_action = params.open_action[state.language]
        close_action = params.close_action[state.language]
        left = self.max_program_length - state.length
        opened = state.open_loops > 0
        stop_allowed = (state.length > 0) & ~opened
        mask = base & ((slots != STOP) | stop_allowed)
        mask = mask & ((slots != close_action) | opened)
        # exactly enough room to close every open loop: only closing tokens remain
        only_close = opened & (left <= state.open_loops)
        mask = jnp.where(only_close, slots == close_action, mask)
        mask = mask & ((slots != open_action) | (left >= state.open_loops + 2))
        return mask.astype(jnp.int8)

    def observation(self, state: TokenEnvState, params: TokenEnvParams) -> dict[str, jax.Array]:
        return {
            "task": params.task[state.entry, state.slot],
            "family": params.family[state.entry, state.slot],
            "language": state.language,
            "program": state.program,
            "action_mask": self.action_mask(state, params),
            "action_effects": params.effects[state.language],
        }

    # -- reset ------------------------------------------------------------------------
    def reset_to(self, entry: jax.Array, slot: jax.Array, params: TokenEnvParams) -> tuple[dict, TokenEnvState]:
        """The first observation and state of pool instance (entry, slot)."""
        entry = jnp.asarray(entry, jnp.int32)
        state = TokenEnvState(
            entry=entry,
            slot=jnp.asarray(slot, jnp.int32),
            language=params.entry_language[entry],
            stage=params.stage,
            program=jnp.zeros(self.max_program_length, jnp.int32),
            length=jnp.int32(0),
            open_loops=jnp.int32(0),
        )
        return self.observation(state, params), state

    def reset(self, key: jax.Array, params: TokenEnvParams) -> tuple[dict, TokenEnvState]:
        """Draw an entry by `params.entry_weights` and a pool slot uniformly."""
        entry_key, slot_key = jax.random.split(key)
        entry = jax.random.categorical(entry_key, jnp.log(params.entry_weights))
        slot = jax.random.randint(slot_key, (), 0, params.task.shape[1])
        return self.reset_to(entry, slot, params)

    # -- step -------------------------------------------------------------------------
    def step_env(self, key: jax.Array, state: TokenEnvState, action: jax.Array, params: TokenEnvParams):
        """One step without auto-reset: (terminal-or-next obs, state, reward before verification, done, info)."""
        del key  # the step is deterministic; the key is kept for the gymnax signature
        action = jnp.asarray(action, jnp.int32)
        is_stop = action == STOP
        invalid = ~is_stop & (action >= params.lang_actions[state.language])
        appends = ~is_stop & ~invalid
        position = jnp.minimum(state.length, self.max_program_length - 1)
        program = state.program.at[position].set(jnp.where(appends, action, state.program[position]))
        length = state.length + appends.astype(jnp.int32)
        opens = appends & (action == params.open_action[state.language])
        closes = appends & (action == params.close_action[state.language]) & (state.open_loops > 0)
        open_loops = state.open_loops + opens.astype(jnp.int32) - closes.astype(jnp.int32)
        truncated = appends & (length >= self.max_program_length)
        terminated = is_stop | invalid
        done = terminated | truncated
        reward = -params.step_penalty - jnp.where(invalid, params.invalid_program_penalty, 0.0)
        new_state = dataclasses.replace(state, program=program, length=length, open_loops=open_loops)
        info = {
            "terminated": terminated,
            "truncated": truncated,
            "invalid_token": invalid,
            "needs_verification": done & ~invalid,
            "program": program,
            "length": length,
            "entry": state.entry,
            "slot": state.slot,
            "language": state.language,
            "stage": state.stage,
        }
        return self.observation(new_state, params), new_state, reward, done, info

    def step(self, key: jax.Array, state: TokenEnvState, action: jax.Array, params: TokenEnvParams):
        """`step_env`, then auto-reset when the episode ended (the terminal transition stays in `info`)."""
        step_key, reset_key = jax.random.split(key)
        obs, next_state, reward, done, info = self.step_env(step_key, state, action, params)
        reset_obs, reset_state = self.reset(reset_key, params)
        pick = lambda fresh, old: jax.lax.select(done, fresh, old)  # noqa: E731
        return (
            jax.tree_util.tree_map(pick, reset_obs, obs),
            jax.tree_util.tree_map(pick, reset_state, next_state),
            reward,
            done,
            info,
        )

    # -- verification -----------------------------------------------------------------
    def verify(self, params: TokenEnvParams, programs, language, entry, slot) -> Verdicts:
        """Run K finished programs ([K, L] action ids) on their instances' hidden tests and score them (jittable)."""
        return verify_programs(params, programs, language, entry, slot)


def final_reward(params: TokenEnvParams, verdicts: Verdicts) -> jax.Array:
    """What the Python env adds to the last step's reward: the score, minus the penalty for a syntax_error."""
    return verdicts.score - jnp.where(verdicts.syntax_error, params.invalid_program_penalty, 0.0)


def run_core(
    codes,
    inputs,
    input_lengths,
    modulus,
    tape_size,
    max_steps,
    max_output,
    clamp,
    eof,
    ignore_unmatched,
    *,
    tape_cells: int,
    output_slots: int,
    tape_dtype,
    keep_counting: bool = False,
):
    """esolangs.jax_bf's jittable core on C programs: fold, run, (status, steps, output, length).

    `run_pool` runs them on half as many lanes as programs; a lane takes the next program when its own ends.
    """
    from esolangs import jax_bf

    instructions, loops, unmatched = jax_bf.fold_programs(codes, modulus, ignore_unmatched)
    count = codes.shape[0]
    return jax_bf.run_pool(
        instructions,
        loops,
        unmatched,
        jnp.int32(count),
        inputs,
        input_lengths,
        modulus,
        tape_size,
        max_steps,
        max_output,
        clamp,
        eof,
        ignore_unmatched,
        lanes=max(1, count // 2),
        tape_cells=tape_cells,
        output_slots=output_slots,
        tape_dtype=tape_dtype,
        keep_counting=keep_counting,
    )


def run_lanes(params: TokenEnvParams, programs, language, entry, slot, test, active):
    """Run C lanes, each one program ([C, L] action ids) on one hidden test `test` of instance (entry, slot).

    Inactive lanes (padding, absent tests) get a step budget of 0 and end at
    once, so they never hold the batch back. Returns (status, steps,
    output [C, O] int32: the first O bytes, O the pool's longest expected output; output length, counted
    past O: all that scoring reads).
    """
    at = lambda a: a[entry, slot]  # noqa: E731
    at_test = lambda a: a[entry, slot, test]  # noqa: E731
    codes = params.code_of[language[:, None], jnp.asarray(programs, jnp.int32)]  # Brainfuck codes, 0 = pad
    status, steps, output, output_length = run_core(
        codes,
        at_test(params.test_input),
        at_test(params.test_input_length),
        at(params.modulus),
        at(params.tape_size),
        jnp.where(active, at(params.max_steps), 0),
        at(params.max_output),
        at(params.clamp),
        at(params.eof),
        at(params.ignore_unmatched),
        tape_cells=params.tape_cells,
        output_slots=params.test_output.shape[3],
        tape_dtype=jnp.int32 if params.wide_cells else jnp.uint8,
        keep_counting=True,
    )
    return status, steps, output.astype(jnp.int32), output_length


def score_programs(params: TokenEnvParams, entry, slot, status, steps, output, output_length) -> Verdicts:
    """Verdicts of K programs from their runs on every test ([K, M] status/steps/lengths, [K, M, O] output)."""
    from esolangs.jax_bf import S_OK, S_SYNTAX

    valid = params.test_valid[entry, slot]
    status = jnp.where(valid, status, 0)
    score, passed = score_runs(
        params,
        entry,
        slot,
        status,
        output,
        output_length,
        params.test_output[entry, slot].astype(jnp.int32),
        params.test_output_length[entry, slot],
        valid,
        S_OK,
    )
    return Verdicts(
        score=score,
        passed=passed,
        total=valid.sum(1).astype(jnp.int32),
        syntax_error=jnp.any(valid & (status == S_SYNTAX), axis=1),
        status=status,
        steps=jnp.where(valid, steps, 0),
    )


def verify_programs(params: TokenEnvParams, programs, language, entry, slot) -> Verdicts:
    """Batched `reasonenv.envs.verdict_cache.verify`: [K, L] action ids -> Verdicts of the instances (entry, slot)."""
    programs = jnp.asarray(programs, jnp.int32)
    K = programs.shape[0]
    M = params.test_valid.shape[2]
    lanes = lambda a: jnp.repeat(a, M, axis=0)  # noqa: E731  one lane per (program, test)
    test = jnp.tile(jnp.arange(M), K)
    active = params.test_valid[lanes(entry), lanes(slot), test]
    status, steps, output, output_length = run_lanes(
        params, lanes(programs), lanes(language), lanes(entry), lanes(slot), test, active
    )
    per_program = lambda a: a.reshape((K, M) + a.shape[1:])  # noqa: E731
    return score_programs(
        params, entry, slot, per_program(status), per_program(steps), per_program(output), per_program(output_length)
    )


def score_runs(params, entry, slot, status, got, got_length, expected, expected_length, valid, ok_code):
    """`curricula.scoring` modes on arrays: status/lengths [K, M], outputs [K, M, O] (got cut to O bytes)."""
    O = expected.shape[2]
    ok = valid & (status == ok_code)
    position = jnp.arange(O)[None, None, :]
    in_target = position < expected_length[:, :, None]
    in_both = in_target & (position < got_length[:, :, None])
    same = (got == expected) | ~in_target
    passes = ok & (got_length == expected_length) & jnp.all(same, axis=2)
    count = jnp.maximum(valid.sum(1), 1).astype(jnp.float32)
    passed = passes.sum(1).astype(jnp.int32)

    binary = jnp.all(passes | ~valid, axis=1).astype(jnp.float32)
    fraction = passed.astype(jnp.float32) / count

    # prefix: longest common prefix / expected length; an empty target scores 1 for an empty output
    agree = jnp.cumprod(((got == expected) & in_both).astype(jnp.int32), axis=2).sum(2)
    per_prefix = jnp.where(
        expected_length == 0, (got_length == 0).astype(jnp.float32), agree / jnp.maximum(expected_length, 1)
    )
    prefix = jnp.where(ok, per_prefix, 0.0).sum(1) / count

    # pqt: brain_coder's absolute distance reward, bonus on exact match, failure_reward if any run failed
    base = params.pqt_base[entry, slot][:, None]
    distance = (
        jnp.where(in_both, jnp.abs(got - expected), 0).sum(2)
        + jnp.where(in_target & ~in_both, 1, 0).sum(2) * base
        + jnp.maximum(got_length - expected_length, 0) * base
    )
    unit = jnp.where(expected_length > 0, base * expected_length, base)
    bonus = (params.pqt_correct_bonus + params.pqt_code_length_bonus)[entry, slot]
    per_pqt = (unit - distance) / unit + jnp.where(passes, bonus[:, None], 0.0)
    failed = jnp.any(valid & (status != ok_code), axis=1)
    total = jnp.where(failed, params.pqt_failure_reward[entry, slot], jnp.where(valid, per_pqt, 0.0).sum(1))
    best = valid.sum(1) * (1.0 + bonus)
    pqt = jnp.where(params.pqt_normalize[entry, slot] & (best != 0), total / jnp.where(best != 0, best, 1.0), total)

    mode = params.mode[entry, slot]
    score = jnp.select(
        [mode == MODE_ID["binary"], mode == MODE_ID["fraction"], mode == MODE_ID["pqt"]],
        [binary, fraction, pqt],
        prefix,
    )
    return score.astype(jnp.float32), passed


def verify_finished(params: TokenEnvParams, finished, programs, language, entry, slot, *, chunk: int = 16):
    """Verify every finished episode of a rollout and return their final rewards (0 where not finished).

    `finished` [T, B] bool and the matching [T, B, ...] arrays (the rollout's
    `info`). The (finished program, hidden test) pairs are compacted with a
    fixed-size `jnp.nonzero` and run `chunk` lanes at a time in a
    `while_loop`, so the interpreter runs only on programs that need it and
    only on tests their instance has. Returns (reward [T, B] as
    `final_reward`, success [T, B] bool, passed [T, B] int32).
    """
    shape = finished.shape
    P = finished.size
    M = params.test_valid.shape[2]
    O = params.test_output.shape[3]
    programs = programs.reshape(P, -1)
    language, entry, slot, finished = (a.reshape(-1) for a in (language, entry, slot, finished))
    needed = (finished[:, None] & params.test_valid[entry, slot]).reshape(-1)  # [P * M] lanes to run
    count = needed.sum()
    pad = (-P * M) % chunk
    lanes = jnp.concatenate([jnp.nonzero(needed, size=P * M, fill_value=0)[0], jnp.zeros(pad, jnp.int32)])

    def body(carry):
        start, status, steps, output, output_length = carry
        lane = jax.lax.dynamic_slice(lanes, (start,), (chunk,))
        real = start + jnp.arange(chunk) < count
        row, test = lane // M, lane % M
        results = run_lanes(params, programs[row], language[row], entry[row], slot[row], test, real)
        target = jnp.where(real, lane, P * M)  # padding lanes scatter out of range (dropped)
        status, steps, output, output_length = (
            buffer.at[target].set(value, mode="drop")
            for buffer, value in zip((status, steps, output, output_length), results)
        )
        return start + chunk, status, steps, output, output_length

    init = (
        jnp.int32(0),
        jnp.zeros(P * M, jnp.int32),
        jnp.zeros(P * M, jnp.int32),
        jnp.zeros((P * M, O), jnp.int32),
        jnp.zeros(P * M, jnp.int32),
    )
    _, status, steps, output, output_length = jax.lax.while_loop(lambda c: c[0] < count, body, init)
    per_program = lambda a: a.reshape((P, M) + a.shape[1:])  # noqa: E731
    verdicts = score_programs(
        params, entry, slot, per_program(status), per_program(steps), per_program(output), per_program(output_length)
    )
    reward = jnp.where(finished, final_reward(params, verdicts), 0.0)
    return reward.reshape(shape), (finished & verdicts.success).reshape(shape), verdicts.passed.reshape(shape)


def status_names(codes) -> list[str]:
    """esolangs status names of jax_bf status codes."""
    from esolangs.jax_bf import STATUS_NAMES

    return [STATUS_NAMES[int(c)] for c in np.asarray(codes).reshape(-1)]


__all__ = [
    "JaxTokenEnv",
    "PoolEntry",
    "PoolInfo",
    "TokenEnvParams",
    "TokenEnvState",
    "Verdicts",
    "build_params",
    "curriculum_entries",
    "final_reward",
    "sample_pool",
    "scheduler_weights",
    "verify_finished",
    "verify_programs",
]
