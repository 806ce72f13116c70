"""Greedy evaluation of a policy on held-out content: pass rate per family of a suite or per entry of a curriculum.

`evaluate(policy, suite="primitives", language="bf", instances=50)` runs
the policy (any `reasonenv.policy.Policy`; a trained agent's loader returns
its greedy policy) through the token env (`SynthesisEnv`, one `env.step`
per token, as `reasonenv.policy.run_episode` plays it) on N instances of
every target and returns their pass rates. A policy with
`act_batch(observations)` plays up to 64 episodes in lockstep, one forward
pass per step for all of them (same episodes, far fewer passes).

Targets: a suite's entries (its families with the suite's configs), or a
curriculum's mixture entries (family, level, config) in stage order, each
asked in the evaluation language.

Instances: the first N held-out instances (`curricula.heldout`) of the
target's (family, config), scanning indices 0, 1, 2, ... at the suite
entry's seed (curricula: seed 0), so an evaluation is reproducible and
never repeats training content. Where a (family, config) holds nothing out
(a single possible content, e.g. emit-char level 0 or pqt print-hello),
the first N instances are used instead and the row is flagged `train*`
with the reason. `content="train"` asks training content instead (the
other side of the generalisation gap).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from curricula.base import Instance, make_task
from curricula.heldout import content_key, content_space
from reasonenv.policy import PlayedEpisode, Policy, run_episode

DEFAULT_INSTANCES = 50
EVAL_SUITES = ("primitives", "pqt", "tiers", "paper")
EVAL_CONTENT = ("heldout", "train")
"""What content an evaluation asks: held-out content (the default), or training content to measure the gap."""
MIN_SCAN = 2_000
"""Indices scanned at least per target when collecting held-out instances."""
SCAN_PER_INSTANCE = 200
"""...and this many per requested instance (rare held-out contents of small spaces need a long scan)."""
BATCH = 64
"""Episodes stepped in lockstep when the policy has `act_batch` (one forward pass per step for all of them)."""


@dataclass(frozen=True)
class EvalTarget:
    """One row of an evaluation: a family with its config (level and overrides), asked in one language."""

    family: str
    language: str
    level: int | None = None
    config: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    """Generation seed the instances are scanned at (a suite entry's seed; 0 for curricula)."""
    stage: int | None = None
    """Curriculum stage the entry first appears in (None for suites)."""

    @property
    def label(self) -> str:
        level = f" L{self.level}" if self.level is not None else ""
        stage = f"s{self.stage} " if self.stage is not None else ""
        extra = " " + ",".join(f"{k}={v}" for k, v in sorted(self.config.items())) if self.config else ""
        return f"{stage}{self.family}{level}{extra}"


@dataclass(frozen=True)
class TargetResult:
    """What the policy did on one target's instances."""

    target: EvalTarget
    episodes: int
    passed: int
    heldout: bool
    """True when every instance is held-out content; False: fallback to training content (see note)."""
    note: str
    mean_length: float
    """Mean program length in tokens."""

    @property
    def pass_rate(self) -> float:
        return self.passed / self.episodes if self.episodes else math.nan

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.target.label,
            "family": self.target.family,
            "level": self.target.level,
            "config": self.target.config,
            "stage": self.target.stage,
            "language": self.target.language,
            "episodes": self.episodes,
            "passed": self.passed,
            "pass_rate": self.pass_rate,
            "heldout": self.heldout,
            "note": self.note,
            "mean_length": self.mean_length,
        }


@dataclass(frozen=True)
class Evaluation:
    """Per-target results of one evaluation run."""

    source: str
    """'suite NAME' or 'curriculum NAME'."""
    language: str
    instances: int
    results: tuple[TargetResult, ...]
    content: str = "heldout"
    """heldout or train: the content asked for (rows may still fall back, see TargetResult.heldout)."""

    def pass_rates(self) -> dict[str, float]:
        """Target label -> pass rate."""
        return {r.target.label: r.pass_rate for r in self.results}

    @property
    def mean_pass_rate(self) -> float:
        rates = [r.pass_rate for r in self.results if r.episodes]
        return sum(rates) / len(rates) if rates else math.nan

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "language": self.language,
            "instances": self.instances,
            "content": self.content,
            "mean_pass_rate": self.mean_pass_rate,
            "results": [r.to_dict() for r in self.results],
        }

    def table(self) -> str:
        """A fixed-width table, one row per target, then the mean and a legend for flagged rows."""
        asked_train = self.content == "train"
        rows = [
            (
                r.target.label,
                f"{r.passed}/{r.episodes}",
                _percent(r.pass_rate),
                f"{r.mean_length:.1f}",
                "heldout" if r.heldout else "train" if asked_train else "train*",
            )
            for r in self.results
        ]
        header = ("target", "passed", "rate", "length", "content")
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

        def line(row):
            return "  ".join(
                str(v).ljust(w) if i == 0 or i == 4 else str(v).rjust(w) for i, (v, w) in enumerate(zip(row, widths))
            ).rstrip()

        out = [
            f"{self.source}, language {self.language}, up to {self.instances} {self.content}-content instances "
            "per target (greedy)",
            line(header),
            line(tuple("-" * w for w in widths)),
        ]
        out += [line(row) for row in rows]
        out.append(f"mean pass rate over {len(self.results)} targets: {_percent(self.mean_pass_rate)}")
        flagged = [] if asked_train else [r for r in self.results if not r.heldout]
        if flagged:
            out.append("train* = not (only) held-out content:")
            out += [f"  {r.target.label}: {r.note}" for r in flagged]
        return "\n".join(out)


def _percent(rate: float) -> str:
    return "n/a" if math.isnan(rate) else f"{100 * rate:.1f}%"


# ---------------------------------------------------------------- targets


def suite_targets(suite: str, language: str) -> list[EvalTarget]:
    """One target per entry of a suite (its families with the suite's configs), asked in `language`."""
    from curricula.suites import get_suite

    if suite not in EVAL_SUITES:
        raise ValueError(f"suite must be one of {list(EVAL_SUITES)}, got {suite!r}")
    return [EvalTarget(e.family, language, None, dict(e.config), e.seed) for e in get_suite(suite).entries]


def curriculum_targets(curriculum: str, language: str) -> list[EvalTarget]:
    """One target per distinct (family, level, config) of a curriculum, in the stage it first appears in."""
    from curricula.schedulers import load_curriculum

    scheduler = load_curriculum(curriculum)
    stages = getattr(scheduler, "stages", None)
    entries = (
        [(number, entry) for number, stage in enumerate(stages) for entry in stage.mixture]
        if stages
        else [(None, entry) for entry in scheduler.entries()]
    )
    targets: dict[tuple, EvalTarget] = {}
    for stage, entry in entries:
        key = (entry.family, entry.level, tuple(sorted(entry.config.items())))
        if key not in targets:
            targets[key] = EvalTarget(entry.family, language, entry.level, dict(entry.config), 0, stage)
    return list(targets.values())


def target_instances(target: EvalTarget, count: int, content: str = "heldout") -> tuple[list[Instance], bool, str]:
    """(the instances to evaluate, whether they are all held-out content, a note): see the module docstring.

    content="train" takes the first `count` training-content instances instead (to measure the gap).
    """
    if content not in EVAL_CONTENT:
        raise ValueError(f"content must be one of {list(EVAL_CONTENT)}, got {content!r}")
    task = make_task(target.family, level=target.level, **target.config)
    space = content_space(task)
    size = type(task).size
    limit = size if size is not None else max(MIN_SCAN, SCAN_PER_INSTANCE * count)
    chosen: list[Instance] = []
    if content == "train":
        for index in range(limit):
            instance = task.instance(target.seed, index)
            if not space.holds_out(content_key(instance)):
                chosen.append(instance)
                if len(chosen) == count:
                    break
        return chosen, False, "training content (asked for)"
    if not space.has_heldout:
        first = [task.instance(target.seed, index) for index in range(min(count, limit))]
        return first, False, space.note
    for index in range(limit):
        instance = task.instance(target.seed, index)
        if space.holds_out(content_key(instance)):
            chosen.append(instance)
            if len(chosen) == count:
                return chosen, True, space.note
    if chosen:
        return chosen, True, f"only {len(chosen)} held-out instances among the first {limit}; {space.note}"
    first = [task.instance(target.seed, index) for index in range(min(count, limit))]
    return first, False, f"no held-out instance among the first {limit}: training content used; {space.note}"


# ---------------------------------------------------------------- running


def token_env(target: EvalTarget, instances: Sequence[Instance], env_options: Mapping[str, Any] | None = None):
    """A `SynthesisEnv` for the target whose `task` array fits every given instance (unless env_options fixes it)."""
    from reasonenv.envs.encoding import fit_length
    from reasonenv.envs.synthesis import SynthesisEnv

    options = dict(env_options or {})
    if options.get("task_length") is None:
        options["task_length"] = fit_length(max(task_encoding_length(inst) for inst in instances))
    return SynthesisEnv(
        language=target.language,
        task=target.family,
        difficulty=target.level,
        task_config=dict(target.config) or None,
        **options,
    )


def task_encoding_length(instance: Instance) -> int:
    """Tokens of the instance's whole `task` encoding (examples and spec)."""
    from curricula.spec import instance_spec
    from reasonenv.envs.encoding import encoded_length

    return encoded_length(instance.examples, instance_spec(instance))


TargetPlan = tuple[EvalTarget, list[Instance], bool, str]
"""(target, its instances, whether they are all held-out content, a note): what `target_instances` chose."""


def evaluate_targets(
    policy: Policy,
    targets: Sequence[EvalTarget],
    *,
    instances: int = DEFAULT_INSTANCES,
    env_options: Mapping[str, Any] | None = None,
    progress: bool = False,
    content: str = "heldout",
) -> list[TargetResult]:
    """Run `policy` on `instances` held-out (or training-content) instances of every target; one TargetResult per target."""
    if isinstance(instances, bool) or not isinstance(instances, int) or instances < 1:
        raise ValueError(f"instances must be an int >= 1, got {instances!r}")
    plans: list[TargetPlan] = [(target, *target_instances(target, instances, content)) for target in targets]
    return play_plans(policy, plans, env_options=env_options, progress=progress)


def play_plans(
    policy: Policy,
    plans: Sequence[TargetPlan],
    *,
    env_options: Mapping[str, Any] | None = None,
    progress: bool = False,
    batch: int = BATCH,
) -> list[TargetResult]:
    """Play every plan's instances greedily; one TargetResult per plan (a caller may keep plans between calls).

    Every (target, instance) goes into one queue: a batched policy plays
    `batch` episodes per forward pass across targets, each in an env of its
    target's language.
    """
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=sum(len(p[1]) for p in plans), desc="evaluate", unit="ep", file=sys.stderr, dynamic_ncols=True)
    lockstep = callable(getattr(policy, "act_batch", None))
    queue = [(number, instance) for number, (_, chosen, _, _) in enumerate(plans) for instance in chosen]
    options = dict(env_options or {})
    if queue and options.get("task_length") is None:  # one task length for all envs, so their observations stack
        from reasonenv.envs.encoding import fit_length

        options["task_length"] = fit_length(max(task_encoding_length(instance) for _, instance in queue))
    passed = [0] * len(plans)
    lengths = [0] * len(plans)
    pools: dict[str, list] = {}  # language -> envs (an env's language is fixed when it is built)
    try:
        for start in range(0, len(queue), batch):
            chunk = queue[start : start + batch]
            pairs = []
            used: dict[str, int] = {}
            for number, instance in chunk:
                target = plans[number][0]
                pool = pools.setdefault(target.language, [])
                slot = used.get(target.language, 0) if lockstep else 0
                used[target.language] = slot + 1
                if slot == len(pool):
                    pool.append(token_env(target, [instance], options))
                pairs.append((pool[slot], instance))
            for (number, _), episode in zip(chunk, run_episodes(pairs, policy)):
                passed[number] += int(episode.success)
                lengths[number] += episode.length
            if bar is not None:
                bar.update(len(chunk))
                bar.set_postfix_str(f"{plans[chunk[-1][0]][0].family}", refresh=False)
    finally:
        for pool in pools.values():
            for env in pool:
                env.close()
        if bar is not None:
            bar.close()
    return [
        TargetResult(target, len(chosen), passed[n], heldout, note, lengths[n] / max(1, len(chosen)))
        for n, (target, chosen, heldout, note) in enumerate(plans)
    ]


def run_episodes(pairs: Sequence[tuple[Any, Instance]], policy: Policy) -> list[PlayedEpisode]:
    """One episode per (token env, instance) pair, as `run_episode` plays it; with `policy.act_batch`, in lockstep.

    A greedy policy is stateless, so lockstep play gives the same episodes as one after another, in one
    forward pass per step instead of one per episode and step. Lockstep play needs a distinct env per
    pair; without `act_batch` the pairs are played one after another and may share envs.
    """
    act_batch = getattr(policy, "act_batch", None)
    if act_batch is None:
        return [run_episode(env, policy, seed=0, options={"instance": instance}) for env, instance in pairs]
    envs = [env for env, _ in pairs]
    if len({id(env) for env in envs}) < len(envs):
        raise ValueError("lockstep play needs a distinct env for every episode")
    instances = [instance for _, instance in pairs]
    observations = [env.reset(seed=0, options={"instance": instance})[0] for env, instance in zip(envs, instances)]
    totals = [0.0] * len(instances)
    finished: list[PlayedEpisode | None] = [None] * len(instances)
    active = list(range(len(instances)))
    while active:
        actions = act_batch([observations[i] for i in active])
        still = []
        for i, action in zip(active, actions):
            action = int(action)
            mask = np.asarray(observations[i]["action_mask"])
            if not 0 <= action < mask.shape[0] or not mask[action]:
                raise ValueError(
                    f"policy chose action {action}, which the action mask forbids (allowed: {np.flatnonzero(mask).tolist()})"
                )
            observations[i], reward, terminated, truncated, info = envs[i].step(action)
            totals[i] += float(reward)
            if terminated or truncated:
                finished[i] = PlayedEpisode(
                    success=bool(info.get("success", False)),
                    reward=totals[i],
                    program=str(info.get("program", "")),
                    length=int(info.get("program_length", 0)),
                    info=dict(info),
                )
            else:
                still.append(i)
        active = still
    return cast("list[PlayedEpisode]", finished)  # no None left: the loop ran every episode to its end


def evaluate(
    policy: Policy,
    *,
    language: str,
    suite: str | None = None,
    curriculum: str | None = None,
    instances: int = DEFAULT_INSTANCES,
    families: Sequence[str] | None = None,
    env_options: Mapping[str, Any] | None = None,
    progress: bool = False,
    content: str = "heldout",
) -> Evaluation:
    """Greedy pass rates of `policy` on held-out instances of a suite's families or a curriculum's entries.

    Exactly one of `suite` (primitives, pqt, tiers, paper) and `curriculum` (a shipped name or YAML path).
    `families` keeps only those families. `env_options` are token env arguments (max_program_length,
    task_length, action_order, ...) that the policy was trained with. `content="train"` asks training
    content instead of held-out content (the other side of the generalisation gap).
    """
    import esolangs

    if (suite is None) == (curriculum is None):
        raise ValueError("give exactly one of suite (primitives, pqt, tiers, paper) and curriculum")
    language = esolangs.get(language).name
    if language == "python" or not hasattr(esolangs.get(language), "alphabet"):
        raise ValueError(f"language {language!r} has no token alphabet; name one of {esolangs.names()}")
    if suite is not None:
        targets = suite_targets(suite, language)
    else:
        assert curriculum is not None, "exactly one of suite and curriculum was checked above"
        targets = curriculum_targets(curriculum, language)
    if families:
        known = {t.family for t in targets}
        unknown = sorted(set(families) - known)
        if unknown:
            raise ValueError(f"families {unknown} are not in {suite or curriculum!r}; its families: {sorted(known)}")
        targets = [t for t in targets if t.family in set(families)]
    results = evaluate_targets(
        policy, targets, instances=instances, env_options=env_options, progress=progress, content=content
    )
    source = f"suite {suite}" if suite is not None else f"curriculum {curriculum}"
    return Evaluation(source, language, instances, tuple(results), content)
