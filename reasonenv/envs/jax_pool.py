"""The instance pool of the JAX token env, built on the host: entries and instances -> TokenEnvParams.

For every entry (family, level, config, language) `pool_size` instances are
drawn with `reasonenv.envs.tasks.TaskSource.sample`, so each keeps its
(seed, index) identity and a `content_split` holds exactly as in the Python
env; `build_params` lays them out as the device arrays the functional env
(`reasonenv.envs.jax_token_env`) and the verifier (`reasonenv.envs.jax_verify`)
read, with the Brainfuck options of every instance in one
`esolangs.jax_bf.RunOptions` pytree. `curriculum_entries` and
`scheduler_weights` connect a curriculum scheduler to the pool.

    params, pool = build_params([PoolEntry("emit-char", 0)], max_program_length=32)

jax is imported here (and in the other two jax_* modules and esolangs.jax_bf) only.
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
from esolangs.jax_bf import CODE_OF, MAX_MODULUS, MAX_STEPS, RunOptions, run_options
from reasonenv.envs.encoding import encode_task, fit_length

SCORING_MODES = tuple(mode_names())  # index = the jitted mode id; the order curricula.scoring pins
"""Scoring modes the batched scorer computes (ids are the index), as curricula.scoring defines them."""
MODE_ID = {name: i for i, name in enumerate(SCORING_MODES)}
PQT_DEFAULTS = {"base": 256, "correct_bonus": 2.0, "code_length_bonus": 1.0, "failure_reward": -2.0, "normalize": True}
DEFAULT_POOL_SIZE = 256
DEFAULT_EXECUTION_EXAMPLES = 3
"""Runs per instance in the execution observation (its rows, E in the contract)."""
DEFAULT_EXECUTION_OUTPUT = 8
"""(expected, output) byte pairs per execution row (L in the contract)."""
DEFAULT_EXECUTION_STEPS = 256
"""Step budget of every execution run."""


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
class ExecutionRuns:
    """The runs of the execution observation, per pool instance: R = execution_examples runs each.

    One run per visible example (its input, its expected output), in the
    order of `instance.examples`; an instance with no visible example has
    one run on empty input whose expected output is its family's
    `visible_output(instance)` (None: unknown, expected_length -1);
    `reasonenv.envs.execution.execution_runs` decides them.
    """

    input: jax.Array  # [E, N, R, I] uint8
    input_length: jax.Array  # [E, N, R] int32
    expected: jax.Array  # [E, N, R, O] uint8
    expected_length: jax.Array  # [E, N, R] int32, -1 when unknown
    live: jax.Array  # [E, N, R] bool: the run exists (rows past the last run are NONE)


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
    run_options: RunOptions  # [E, N] each: Brainfuck options and limits per test run (max_output as
    # curricula.verify.execute sets it), built once from the instances' BrainfuckOptions
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
    # execution observation (issue 21 contract sections 1-3); None when `execution` is off
    execution_runs: ExecutionRuns | None = None
    # static: shapes and switches
    mask_actions: bool = struct.field(pytree_node=False, default=True)
    tape_cells: int = struct.field(pytree_node=False, default=64)
    wide_cells: bool = struct.field(pytree_node=False, default=False)
    max_program_length: int = struct.field(pytree_node=False, default=64)
    execution: bool = struct.field(pytree_node=False, default=False)
    """Observe "execution" [R, 13 + 2 * execution_output] and report the potential (needs execution_runs)."""
    execution_examples: int = struct.field(pytree_node=False, default=DEFAULT_EXECUTION_EXAMPLES)
    execution_output: int = struct.field(pytree_node=False, default=DEFAULT_EXECUTION_OUTPUT)
    execution_steps: int = struct.field(pytree_node=False, default=DEFAULT_EXECUTION_STEPS)
    end_on_pass: bool = struct.field(pytree_node=False, default=False)
    """End an episode once the program passes the visible runs (TokenOptions.end_on_pass; needs execution)."""

    @property
    def num_entries(self) -> int:
        return int(self.task.shape[0])

    @property
    def pool_size(self) -> int:
        return int(self.task.shape[1])


# ----------------------------------------------------------------------------- building params on the host


def _bf_codes(table, language) -> list[int]:
    """Brainfuck command code of every action of a token table (0 for STOP)."""
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
    execution: bool = False,
    execution_examples: int = DEFAULT_EXECUTION_EXAMPLES,
    execution_output: int = DEFAULT_EXECUTION_OUTPUT,
    execution_steps: int = DEFAULT_EXECUTION_STEPS,
    end_on_pass: bool = False,
) -> tuple[TokenEnvParams, PoolInfo]:
    """Params (device arrays) and PoolInfo (host facts) for `entries`, as the Python token envs would pose them.

    `instances` (one list per entry) fixes the pool; otherwise `sample_pool`
    draws `pool_size` per entry. `task_length` None measures every entry as
    CurriculumEnv does (SynthesisEnv's measure for a single entry).
    Options mean what they mean in `reasonenv.envs.config.TokenOptions`.
    `min_test_shape` (tests, input bytes, output bytes) pads the test arrays
    at least that far, so a refreshed pool keeps its shapes (no recompile);
    with `execution` the visible runs' inputs and expected outputs
    (`reasonenv.envs.execution.execution_runs`) share those widths, so the
    same holds for them.
    """
    from curricula.base import family_ids
    from curricula.spec import instance_spec
    from curricula.verify import language_for
    from reasonenv.envs.config import SynthesisConfig
    from reasonenv.envs.execution import execution_runs
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
        execution=execution,
        execution_examples=execution_examples,
        execution_output=execution_output,
        execution_steps=execution_steps,
        end_on_pass=end_on_pass,
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
    runs = [execution_runs(inst, execution_examples) for inst in flat] if execution else []
    if runs:
        I = max(I, max(len(data) for group in runs for data, _ in group))
        O = max(O, max(len(want or b"") for group in runs for _, want in group))
    ids = family_ids()

    def grid(dtype, *shape):
        return np.zeros((E, N, *shape), dtype)

    task, family, seed, index = grid(np.int32, task_length), grid(np.int32), grid(np.int32), grid(np.int32)
    test_input, test_input_length = grid(np.uint8, M, I), grid(np.int32, M)
    test_output, test_output_length, test_valid = grid(np.uint8, M, O), grid(np.int32, M), grid(bool, M)
    mode = grid(np.int32)
    bf_options: list[Any] = []  # per (entry, slot), row-major, as are the two limits
    max_steps: list[int] = []
    max_output: list[int] = []
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
            bf_options.append(language_for(inst, entry.language).options)
            max_steps.append(inst.max_steps)
            longest = max((len(t.output) for t in inst.tests), default=0)
            max_output.append(max(1024, 4 * longest + 64))  # curricula.verify.execute's default
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
    traced_runs = _execution_runs(runs, E, N, execution_examples, I, O) if execution else None
    run = run_options(bf_options, max_steps, max_output)  # [E * N] arrays, row-major
    if run.modulus.max() > MAX_MODULUS or run.max_steps.max() > MAX_STEPS:
        raise ValueError(
            f"the JAX verifier takes cell_modulus <= {MAX_MODULUS} and max_steps <= {MAX_STEPS}; "
            f"the pool has {int(run.modulus.max())} and {int(run.max_steps.max())}"
        )
    # A pointer moves at most one cell per step, so min(tape, steps + 1) cells hold every cell a run can reach.
    reach = int(min(run.tape_size.max(), run.max_steps.max() + 1))
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
        run_options=jax.tree.map(lambda a: jnp.asarray(a.reshape(E, N)), run),
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
        wide_cells=bool(run.modulus.max() > 256),
        max_program_length=int(max_program_length),
        execution_runs=traced_runs,
        execution=bool(execution),
        execution_examples=int(execution_examples),
        execution_output=int(execution_output),
        execution_steps=int(execution_steps),
        end_on_pass=bool(end_on_pass),
    )
    info = PoolInfo(entries, languages, tables, pool_instances, A, int(task_length), int(max_program_length))
    return params, info


def _execution_runs(
    runs: Sequence[Sequence[tuple[bytes, bytes | None]]], E: int, N: int, R: int, I: int, O: int
) -> ExecutionRuns:
    """ExecutionRuns of the `execution_runs` of each instance (row-major over entries and slots)."""
    data, data_length = np.zeros((E * N, R, I), np.uint8), np.zeros((E * N, R), np.int32)
    want, want_length = np.zeros((E * N, R, O), np.uint8), np.zeros((E * N, R), np.int32)
    live = np.zeros((E * N, R), bool)
    for k, group in enumerate(runs):
        for r, (given, expected) in enumerate(group):
            data[k, r, : len(given)] = np.frombuffer(given, np.uint8)
            data_length[k, r] = len(given)
            want_length[k, r] = -1 if expected is None else len(expected)
            if expected:
                want[k, r, : len(expected)] = np.frombuffer(expected, np.uint8)
            live[k, r] = True
    return ExecutionRuns(
        input=jnp.asarray(data.reshape(E, N, R, I)),
        input_length=jnp.asarray(data_length.reshape(E, N, R)),
        expected=jnp.asarray(want.reshape(E, N, R, O)),
        expected_length=jnp.asarray(want_length.reshape(E, N, R)),
        live=jnp.asarray(live.reshape(E, N, R)),
    )


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


__all__ = [
    "DEFAULT_EXECUTION_EXAMPLES",
    "DEFAULT_EXECUTION_OUTPUT",
    "DEFAULT_EXECUTION_STEPS",
    "DEFAULT_POOL_SIZE",
    "ExecutionRuns",
    "MODE_ID",
    "PQT_DEFAULTS",
    "SCORING_MODES",
    "PoolEntry",
    "PoolInfo",
    "TokenEnvParams",
    "build_params",
    "curriculum_entries",
    "language_tables",
    "sample_pool",
    "scheduler_weights",
]
