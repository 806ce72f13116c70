"""Measure a staged curriculum stage by stage: what each stage adds, how often chance and the oracle solve it.

A stage's *new part* is the mixture entries it holds that the stage before
did not (the whole mixture for the first stage); its *repeat share* is the
weight of the entries earlier stages already had. For each stage,
`ladder_rows` measures on the new part: the success rate of a uniformly
random masked policy (`reasonenv.policy.RandomMaskedPolicy`) and of the
observation-only oracle (`reasonenv.oracles.ObservationOracle`), the
median token length of the reference program, whether its tests read
input, and the median length of the observation stream an agent reads
(non-PAD `task` tokens, i.e. examples and spec, plus the program tokens).
Episodes run through `reasonenv/Synthesis-v0` with the entry's family,
level, config and language, under the token env's defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reasonenv.policy import Policy, RandomMaskedPolicy, run_episode


@dataclass(frozen=True)
class StageRow:
    """One stage of a curriculum as the ladder reports it."""

    curriculum: str
    stage: int
    """1-based position of the stage."""
    name: str
    new: tuple[str, ...]
    """Keys of the mixture entries this stage adds."""
    repeat_share: float
    """Weight share of the entries that earlier stages already had."""
    random_success: float
    oracle_success: float
    reference_length: float
    """Median tokens of the reference program of the new part."""
    reads_input: bool
    stream_length: float
    """Median of non-PAD task tokens + program tokens, in the oracle's episodes on the new part."""


def staged(curriculum: str):
    """The StagedCurriculum `curriculum` (a shipped name or a YAML path); ValueError for other schedulers."""
    from curricula.schedulers import StagedCurriculum, load_curriculum

    scheduler = load_curriculum(curriculum)
    if not isinstance(scheduler, StagedCurriculum):
        raise ValueError(f"curriculum {curriculum!r} is a {scheduler.kind} curriculum; the ladder measures staged ones")
    return scheduler


def new_entries(stages: Sequence[Any]) -> list[list[Any]]:
    """Per stage, the mixture entries the stage before did not hold (all of them for the first stage)."""
    result, before = [], set()
    for stage in stages:
        result.append([entry for entry in stage.mixture if entry.key not in before])
        before = {entry.key for entry in stage.mixture}
    return result


def repeat_share(stage: Any, earlier_keys: set[str]) -> float:
    """The weight share of `stage`'s mixture whose entries appear in earlier stages."""
    total = sum(entry.weight for entry in stage.mixture)
    return sum(entry.weight for entry in stage.mixture if entry.key in earlier_keys) / total


def entry_env(entry: Any, default_language: str = "bf", **options: Any):
    """A `reasonenv/Synthesis-v0` token env posing mixture entry `entry`."""
    import gymnasium as gym

    import reasonenv  # noqa: F401  (registers the ids)

    return gym.make(
        "reasonenv/Synthesis-v0",
        language=entry.language or default_language,
        task=entry.family,
        difficulty=entry.level,
        task_config=dict(entry.config) or None,
        **options,
    )


def success_rate(
    entries: Sequence[Any],
    policy: Policy,
    episodes: int,
    seed: int = 0,
    on_episode: Callable[[Any, Any], None] | None = None,
) -> float:
    """Fraction of `episodes` episodes `policy` solves, each on an entry drawn by weight, instance seeded by `seed + i`."""
    rng = np.random.default_rng(seed)
    envs = {entry.key: entry_env(entry) for entry in entries}
    weights = np.array([entry.weight for entry in entries], dtype=float)
    solved = 0
    for i in range(episodes):
        entry = entries[int(rng.choice(len(entries), p=weights / weights.sum()))]
        env = envs[entry.key]
        result = run_episode(env, policy, seed=seed + i)
        solved += result.success
        if on_episode is not None:
            on_episode(env, result)
    return solved / episodes if episodes else float("nan")


def reference_length(entries: Sequence[Any], instances: int = 8) -> float:
    """Median token count of the family's reference program over a few instances of `entries`."""
    import esolangs
    from curricula.base import reference_solution
    from reasonenv.envs.encoding import token_table

    lengths = []
    for entry in entries:
        env = entry_env(entry).unwrapped
        table = token_table(esolangs.get(env.source.language))
        for index in range(instances):
            instance = env.source.task.instance(0, index)
            program = reference_solution(instance, env.source.language)
            if program is not None:
                lengths.append(len(table.actions(program)))
    return float(np.median(lengths)) if lengths else float("nan")


def reads_input(entries: Sequence[Any], instances: int = 8) -> bool:
    """Whether any hidden test of a few instances of `entries` has input."""
    for entry in entries:
        source = entry_env(entry).unwrapped.source
        if any(test.input for index in range(instances) for test in source.task.instance(0, index).tests):
            return True
    return False


class _TaskWatcher:
    """A policy that acts like `policy` and remembers how many non-PAD `task` tokens the last observation held."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.task_tokens = 0

    def act(self, observation: dict[str, np.ndarray]) -> int:
        self.task_tokens = int(np.count_nonzero(observation["task"]))
        return self.policy.act(observation)


def ladder_rows(curriculum: str, episodes: int = 2000, oracle_episodes: int = 200, seed: int = 0) -> list[StageRow]:
    """One StageRow per stage of staged curriculum `curriculum` (see the module docstring)."""
    from reasonenv.oracles import ObservationOracle

    scheduler = staged(curriculum)
    oracle = ObservationOracle()
    rows: list[StageRow] = []
    earlier: set[str] = set()
    for number, (stage, added) in enumerate(zip(scheduler.stages, new_entries(scheduler.stages)), 1):
        streams: list[int] = []
        watched = _TaskWatcher(oracle)

        def measure_stream(env, result, streams=streams, watched=watched):
            streams.append(watched.task_tokens + result.length)

        random_rate = success_rate(added, RandomMaskedPolicy(seed), episodes, seed)
        oracle_rate = success_rate(added, watched, oracle_episodes, seed, on_episode=measure_stream)
        rows.append(
            StageRow(
                curriculum=scheduler.name,
                stage=number,
                name=stage.name,
                new=tuple(entry.key for entry in added),
                repeat_share=repeat_share(stage, earlier) if number > 1 else 0.0,
                random_success=random_rate,
                oracle_success=oracle_rate,
                reference_length=reference_length(added),
                reads_input=reads_input(added),
                stream_length=float(np.median(streams)),
            )
        )
        earlier |= {entry.key for entry in stage.mixture}
    return rows


def markdown_table(rows: Sequence[StageRow]) -> str:
    """The rows as a markdown table."""
    lines = [
        "| curriculum | stage | name | new part | repeats | random (new) | oracle (new) | ref. tokens | reads input | stream (median) |",
        "|---|---:|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.curriculum} | {row.stage} | {row.name} | {', '.join(row.new)} | {row.repeat_share:.0%} | "
            f"{row.random_success:.2%} | {row.oracle_success:.0%} | {row.reference_length:g} | "
            f"{'yes' if row.reads_input else 'no'} | {row.stream_length:g} |"
        )
    return "\n".join(lines)
