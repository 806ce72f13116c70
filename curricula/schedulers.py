"""Curriculum schedulers: what task an episode gets next, from recent results.

A curriculum is a YAML file (validated on load) that a scheduler turns into
task configs; it never reaches into generator internals (CONVENTIONS.md 7).

- `StagedCurriculum`: ordered stages, each a weighted mixture of (family,
  level, config, language); promotion when the success rate over the last
  `window` episodes of the stage reaches `threshold`, optional demotion when
  it falls to `demotion` or below. Options of the promotion block (all off
  by default, so older curricula behave as before):
  - `on: new_entry`: the window holds only the episodes of the stage's new
    entry (the one flagged `new: true`, else the last of the mixture), so
    the entries repeated from earlier stages cannot carry a promotion;
  - `probe: {threshold: t}`: promotion also needs the greedy success on the
    new entry's held-out content, as last reported by the trainer, to be at
    least t. The trainer asks `probe_entries()` what to measure and hands
    the rates back with `report_probe({TaskSpec.key: rate})`; a new entry
    whose content space holds nothing out (`curricula.heldout`) has nothing
    to probe and is promoted on its sampled rate alone;
  - `time_cap_s`: a stage not passed within that many seconds of training
    is left for the next one. The trainer calls `note_time(elapsed_s)`
    with the run's total elapsed seconds (kept across resumes); the state
    records when each stage started and whether the cap ended it.
- `LearningProgressCurriculum`: samples arms in proportion to the absolute
  difference between a fast and a slow moving average of their success
  (recent learning progress), with an exploration floor.

Both expose `sample(rng) -> TaskSpec`, `update(results)`, `probe_entries()`,
`report_probe(rates)`, `note_time(elapsed_s)`, `state_dict()` and
`load_state_dict()`, so a trainer drives either the same way and a training
checkpoint restores them exactly.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import json
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from esolangs.validation import (
    check_bool,
    check_choice,
    check_int,
    check_number,
    describe_range,
    is_int,
    is_number,
)


class CurriculumError(ValueError):
    """An invalid curriculum file: names the file, the key and what is allowed."""


@dataclass(frozen=True)
class TaskSpec:
    """What one episode is asked: a family, its config fields, a language and the curriculum position."""

    family: str
    config: dict[str, Any] = field(default_factory=dict)
    language: str | None = None
    level: int | None = None
    stage: int = 0
    key: str = ""

    def make_task(self):
        """The TaskFamily this spec describes."""
        from curricula.base import make_task

        return make_task(self.family, level=self.level, **self.config)


@dataclass(frozen=True)
class EpisodeResult:
    """The outcome of one episode, reported back to the scheduler. `key` is TaskSpec.key (defaults to the family)."""

    family: str
    success: bool
    reward: float = 0.0
    key: str | None = None
    stage: int | None = None


def interleaved(results: Iterable[EpisodeResult]) -> list[EpisodeResult]:
    """A batch of episodes reordered for `update`: per stage, successes spread evenly through failures.

    The staged scheduler checks its window after every result, so the order
    of a batch matters. A trainer that reports episodes in the order they
    finish groups short episodes (often the solved, older families) and
    their successes together: the JAX trainer promoted past echo-byte at 2%
    echo success that way, and the RLlib trainer, with episodes in random
    order, promoted at 50% against a 70% threshold (the maximum over ~100
    overlapping windows). Spread evenly, every window holds the batch's own
    rate to within one episode. Stages keep their order; within a stage
    the relative order of successes, and of failures, is kept.
    """
    results = list(results)
    ordered: list[EpisodeResult] = []
    for stage in sorted({r.stage for r in results}, key=lambda s: -1 if s is None else s):
        mine = [r for r in results if r.stage == stage]
        wins = [r for r in mine if r.success]
        losses = [r for r in mine if not r.success]
        keyed = [((i + 0.5) / len(wins), 0, i, r) for i, r in enumerate(wins)]
        keyed += [((i + 0.5) / len(losses), 1, i, r) for i, r in enumerate(losses)]
        ordered += [r for *_, r in sorted(keyed, key=lambda item: item[:3])]
    return ordered


@dataclass(frozen=True)
class MixtureEntry:
    family: str
    weight: float = 1.0
    level: int | None = None
    config: dict[str, Any] = field(default_factory=dict)
    language: str | None = None

    @property
    def key(self) -> str:
        parts = [self.family]
        if self.level is not None:
            parts.append(f"L{self.level}")
        if self.config:
            parts.append(json.dumps(self.config, sort_keys=True, separators=(",", ":")))
        if self.language:
            parts.append(self.language)
        return "@".join(parts)

    def spec(self, stage: int) -> TaskSpec:
        return TaskSpec(self.family, dict(self.config), self.language, self.level, stage, self.key)


PROMOTION_ON = ("stage", "new_entry")
"""What a promotion window counts: every episode of the stage, or only those of its new entry."""


@dataclass(frozen=True)
class Probe:
    threshold: float = 0.9
    """Greedy success on the new entry's held-out content at or above which the probe is passed."""


@dataclass(frozen=True)
class Promotion:
    threshold: float = 0.7
    """Success rate over the window at or above which the stage is passed."""
    window: int = 64
    """Episodes of the current stage the rate is measured over (a full window is needed)."""
    demotion: float | None = None
    """Success rate at or below which the scheduler goes back one stage (None: never)."""
    on: str = "stage"
    """What the window counts: "stage" (every episode of the stage) or "new_entry" (only the stage's new entry)."""
    probe: Probe | None = None
    """Also needed for promotion: the last reported greedy held-out probe of the new entry (None: no probe)."""
    time_cap_s: float | None = None
    """Seconds of training after which a stage that was not passed is left for the next one (None: no cap)."""


@dataclass(frozen=True)
class Stage:
    name: str
    mixture: tuple[MixtureEntry, ...]
    promotion: Promotion
    new: int | None = None
    """Index in `mixture` of the entry flagged `new: true` (None: the last entry is the new one)."""

    @property
    def new_entry(self) -> MixtureEntry:
        """The entry this stage adds: the one flagged `new`, else the last of the mixture."""
        return self.mixture[-1 if self.new is None else self.new]


# ----------------------------------------------------------------------------- schedulers


class StagedCurriculum:
    """Stages in order; promotion and demotion by the success rate over the last `window` episodes.

    With the promotion options of the module docstring, the window may count
    only the stage's new entry, promotion may also wait for a greedy
    held-out probe, and a stage may be left when its time cap passes.
    `history` lists the moves as (episode, new stage, "promote", "demote"
    or "cap"); `stage_started_s[i]` is the run time (seconds, as given to
    `note_time`) at which stage i was last entered (None: not entered, or
    no `note_time` since), `left_by_cap[i]` whether stage i was last left
    because its cap passed.
    """

    kind = "staged"

    def __init__(self, name: str, stages: list[Stage], description: str = ""):
        if not stages:
            raise ValueError(f"curriculum {name!r} has no stages")
        self.name = name
        self.description = description
        self.stages = list(stages)
        self.stage = 0
        self.episodes = 0
        self.history: list[tuple[int, int, str]] = []  # (episode, new stage, "promote"/"demote"/"cap")
        self._window: deque[bool] = deque(maxlen=self.stages[0].promotion.window)
        self.probes: dict[str, float] = {}
        """Greedy held-out success per TaskSpec.key, as last reported in the current stage."""
        self.stage_started_s: list[float | None] = [None] * len(self.stages)
        self.left_by_cap: list[bool] = [False] * len(self.stages)
        self.time_s: float | None = None
        """The run time last given to `note_time` (None: never called)."""

    @property
    def current(self) -> Stage:
        return self.stages[self.stage]

    def entries(self) -> list[MixtureEntry]:
        return [entry for stage in self.stages for entry in stage.mixture]

    def sample(self, rng: np.random.Generator) -> TaskSpec:
        mixture = self.current.mixture
        weights = np.array([entry.weight for entry in mixture], dtype=float)
        choice = int(rng.choice(len(mixture), p=weights / weights.sum()))
        return mixture[choice].spec(self.stage)

    def success_rate(self) -> float | None:
        """The rate over the current window (the new entry's episodes only under `on: new_entry`); None when empty."""
        return float(np.mean(self._window)) if self._window else None

    def update(self, results: Iterable[EpisodeResult]) -> None:
        for result in results:
            if result.stage is not None and result.stage != self.stage:
                continue  # an episode sampled before the last stage change says nothing about this stage
            self.episodes += 1
            if self.current.promotion.on == "new_entry" and not self._is_new_entry(result):
                continue
            self._window.append(bool(result.success))
            self._judge()

    def _is_new_entry(self, result: EpisodeResult) -> bool:
        """Whether a result is an episode of the current stage's new entry.

        A result without a key (a trainer that reports families only) counts
        when its family appears once in the stage's mixture; otherwise it
        cannot be told apart from the repeated entries and does not count.
        """
        new = self.current.new_entry
        if result.key is not None:
            return result.key == new.key
        families = [entry.family for entry in self.current.mixture]
        return result.family == new.family and families.count(new.family) == 1

    def _judge(self) -> bool:
        """Promote or demote if the full window (and the probe) say so; True when the stage changed."""
        rule = self.current.promotion
        if len(self._window) < rule.window:
            return False
        rate = float(np.mean(self._window))
        if rate >= rule.threshold and self.stage + 1 < len(self.stages):
            if self._probe_passed():
                self._move(self.stage + 1, "promote")
                return True
        elif rule.demotion is not None and rate <= rule.demotion and self.stage > 0:
            self._move(self.stage - 1, "demote")
            return True
        return False

    def _probe_passed(self) -> bool:
        probe = self.current.promotion.probe
        if probe is None or not self._probe_possible():
            return True
        reported = self.probes.get(self.current.new_entry.key)
        return reported is not None and reported >= probe.threshold

    def _probe_possible(self) -> bool:
        """Whether the current stage's new entry has held-out content to probe."""
        return _holds_out(self.current.new_entry)

    def probe_entries(self) -> list[TaskSpec]:
        """The entries whose greedy success on held-out content the trainer must measure before promotion.

        The current stage's new entry when the stage has a probe and the
        entry holds content out (on the last stage too, so its held-out
        curve goes on); [] otherwise. Measure each on held-out content
        (`content_split="heldout"`), greedily, and hand the rates back to
        `report_probe`, keyed by `TaskSpec.key`.
        """
        if self.current.promotion.probe is None or not self._probe_possible():
            return []
        return [self.current.new_entry.spec(self.stage)]

    def report_probe(self, results: Mapping[str, float]) -> bool:
        """Record greedy held-out success rates keyed by TaskSpec.key; True when that promoted the stage.

        Only the latest rate per key counts, and rates are forgotten when
        the stage changes. Keys of entries outside the current stage are
        ignored (a probe measured before the stage changed).
        """
        if not isinstance(results, Mapping):
            raise ValueError(f"report_probe takes a mapping TaskSpec.key -> rate in [0, 1], got {_short(results)}")
        keys = {entry.key for entry in self.current.mixture}
        checked = {}
        for key, rate in results.items():
            if not isinstance(key, str):
                raise ValueError(f"report_probe keys must be TaskSpec.key strings, got {key!r}")
            check_number(f"report_probe rate of {key!r}", rate, 0.0, 1.0)
            if key in keys:
                checked[key] = float(rate)
        self.probes.update(checked)
        return self._judge()

    def note_time(self, elapsed_s: float) -> bool:
        """Tell the scheduler the run's total elapsed seconds; True when the current stage's time cap moved it on.

        Call it once per training iteration with a clock that keeps counting
        across resumes. A stage's clock starts at the first call after the
        stage was entered; when `time_cap_s` has passed since then and a
        later stage exists, the scheduler moves to it ("cap" in `history`).
        """
        check_number("note_time elapsed_s", elapsed_s, 0.0)
        if self.time_s is not None and elapsed_s < self.time_s:
            raise ValueError(
                f"note_time elapsed_s={elapsed_s} is below the last one given ({self.time_s}); pass the run's "
                "total elapsed seconds, kept across resumes"
            )
        self.time_s = float(elapsed_s)
        started = self.stage_started_s[self.stage]
        if started is None:
            self.stage_started_s[self.stage] = started = self.time_s
        cap = self.current.promotion.time_cap_s
        if cap is None or self.stage + 1 >= len(self.stages) or self.time_s - started < cap:
            return False
        self._move(self.stage + 1, "cap")
        self.stage_started_s[self.stage] = self.time_s
        return True

    def _move(self, stage: int, why: str) -> None:
        self.left_by_cap[self.stage] = why == "cap"
        self.stage = stage
        self.history.append((self.episodes, stage, why))
        self._window = deque(maxlen=self.current.promotion.window)
        self.probes = {}
        self.stage_started_s[stage] = None  # set by the next note_time: the stage's clock starts now

    def state_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "stage": self.stage,
            "episodes": self.episodes,
            "window": [bool(x) for x in self._window],
            "history": [list(h) for h in self.history],
            "probes": dict(self.probes),
            "stage_started_s": list(self.stage_started_s),
            "left_by_cap": list(self.left_by_cap),
            "time_s": self.time_s,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a `state_dict()`; every field is checked first, so a bad state raises and changes nothing.

        States saved before the probe and the time cap existed (no "probes",
        "stage_started_s", "left_by_cap", "time_s") load with no probe
        reported and no stage clock started.
        """
        _check_state(self, state, ("stage", "episodes", "window", "history"))
        last = len(self.stages) - 1
        check_int("curriculum state 'stage'", state["stage"], 0, last)
        check_int("curriculum state 'episodes'", state["episodes"], 0)
        window = _state_list(state, "window")
        limit = self.stages[state["stage"]].promotion.window
        if len(window) > limit:
            raise ValueError(
                f"curriculum state 'window' holds {len(window)} results; stage {state['stage']} keeps at most {limit}"
            )
        for i, success in enumerate(window):
            check_bool(f"curriculum state 'window'[{i}]", success)
        history = _state_list(state, "history")
        for i, move in enumerate(history):
            label = f"curriculum state 'history'[{i}]"
            if not isinstance(move, (list, tuple)) or len(move) != 3:
                raise ValueError(f"{label} must be [episode, stage, 'promote', 'demote' or 'cap'], got {move!r}")
            check_int(f"{label} episode", move[0], 0)
            check_int(f"{label} stage", move[1], 0, last)
            check_choice(f"{label} move", move[2], ("promote", "demote", "cap"))
        probes = state.get("probes", {})
        if not isinstance(probes, Mapping):
            raise ValueError(f"curriculum state 'probes' must map TaskSpec.key to a rate, got {_short(probes)}")
        for key, rate in probes.items():
            if not isinstance(key, str):
                raise ValueError(f"curriculum state 'probes' keys must be strings, got {key!r}")
            check_number(f"curriculum state 'probes'[{key!r}]", rate, 0.0, 1.0)
        started = _state_list(state, "stage_started_s") if "stage_started_s" in state else [None] * (last + 1)
        capped = _state_list(state, "left_by_cap") if "left_by_cap" in state else [False] * (last + 1)
        for label, values in (("stage_started_s", started), ("left_by_cap", capped)):
            if len(values) != last + 1:
                raise ValueError(
                    f"curriculum state {label!r} must hold one value per stage ({last + 1}), got {len(values)}"
                )
        for i, value in enumerate(started):
            if value is not None:
                check_number(f"curriculum state 'stage_started_s'[{i}]", value, 0.0)
        for i, value in enumerate(capped):
            check_bool(f"curriculum state 'left_by_cap'[{i}]", value)
        time_s = state.get("time_s")
        if time_s is not None:
            check_number("curriculum state 'time_s'", time_s, 0.0)
        self.stage = state["stage"]
        self.episodes = state["episodes"]
        self._window = deque(window, maxlen=limit)
        self.history = [tuple(move) for move in history]
        self.probes = {key: float(rate) for key, rate in probes.items()}
        self.stage_started_s = [None if value is None else float(value) for value in started]
        self.left_by_cap = list(capped)
        self.time_s = None if time_s is None else float(time_s)


@functools.lru_cache(maxsize=1024)
def _holds_out_key(family: str, level: int | None, config_json: str) -> bool:
    from curricula.base import make_task
    from curricula.heldout import content_space

    return content_space(make_task(family, level=level, **json.loads(config_json))).has_heldout


def _holds_out(entry: MixtureEntry) -> bool:
    """Whether a mixture entry's content space holds anything out (measured once per process)."""
    return _holds_out_key(entry.family, entry.level, json.dumps(entry.config, sort_keys=True))


class LearningProgressCurriculum:
    """Samples arms in proportion to |fast EMA - slow EMA| of their success, with an exploration floor."""

    kind = "learning-progress"

    def __init__(
        self,
        name: str,
        arms: list[MixtureEntry],
        *,
        fast_rate: float = 0.1,
        slow_rate: float = 0.02,
        floor: float = 0.05,
        description: str = "",
    ):
        if not arms:
            raise ValueError(f"curriculum {name!r} has no arms")
        for label, value, low, high in (
            ("fast_rate", fast_rate, 0, 1),
            ("slow_rate", slow_rate, 0, 1),
            ("floor", floor, 0, 1),
        ):
            if not low < value <= high:
                raise ValueError(f"{label} must be in ({low}, {high}], got {value}")
        if slow_rate >= fast_rate:
            raise ValueError(f"slow_rate ({slow_rate}) must be below fast_rate ({fast_rate})")
        keys = [arm.key for arm in arms]
        if len(set(keys)) != len(keys):
            raise ValueError(f"curriculum {name!r} lists an arm twice: {sorted(k for k in keys if keys.count(k) > 1)}")
        self.name = name
        self.description = description
        self.arms = list(arms)
        self.fast_rate, self.slow_rate, self.floor = fast_rate, slow_rate, floor
        self._index = {arm.key: i for i, arm in enumerate(self.arms)}
        self.fast = np.zeros(len(arms))
        self.slow = np.zeros(len(arms))
        self.counts = np.zeros(len(arms), dtype=np.int64)

    def entries(self) -> list[MixtureEntry]:
        return list(self.arms)

    def progress(self) -> np.ndarray:
        return np.abs(self.fast - self.slow)

    def probabilities(self) -> np.ndarray:
        n = len(self.arms)
        progress = self.progress()
        total = progress.sum()
        learned = progress / total if total > 0 else np.full(n, 1.0 / n)
        prior = np.array([arm.weight for arm in self.arms], dtype=float)
        prior /= prior.sum()
        return self.floor * prior + (1.0 - self.floor) * learned

    def sample(self, rng: np.random.Generator) -> TaskSpec:
        choice = int(rng.choice(len(self.arms), p=self.probabilities()))
        return self.arms[choice].spec(0)

    def update(self, results: Iterable[EpisodeResult]) -> None:
        for result in results:
            i = self._index.get(result.key or result.family)
            if i is None:
                i = next((j for j, arm in enumerate(self.arms) if arm.family == result.family), None)
            if i is None:
                continue
            x = 1.0 if result.success else 0.0
            self.fast[i] += self.fast_rate * (x - self.fast[i])
            self.slow[i] += self.slow_rate * (x - self.slow[i])
            self.counts[i] += 1

    def probe_entries(self) -> list[TaskSpec]:
        """[]: this scheduler has no promotion to gate (the StagedCurriculum API, for trainers that drive either)."""
        return []

    def report_probe(self, results: Mapping[str, float]) -> bool:
        """Ignored (nothing to promote); False."""
        return False

    def note_time(self, elapsed_s: float) -> bool:
        """Ignored (no stages to cap); False."""
        return False

    def state_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "keys": [arm.key for arm in self.arms],
            "fast": self.fast.tolist(),
            "slow": self.slow.tolist(),
            "counts": self.counts.tolist(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a `state_dict()`; every field is checked first, so a bad state raises and changes nothing."""
        _check_state(self, state, ("keys", "fast", "slow", "counts"))
        keys = [arm.key for arm in self.arms]
        if _state_list(state, "keys") != keys:
            raise ValueError(f"curriculum state arms {state['keys']} do not match {self.name!r} arms {keys}")
        for name in ("fast", "slow", "counts"):
            values = _state_list(state, name)
            if len(values) != len(keys):
                raise ValueError(
                    f"curriculum state {name!r} must hold one value per arm ({len(keys)}), got {len(values)}"
                )
            for i, value in enumerate(values):
                if name == "counts":
                    check_int(f"curriculum state 'counts'[{i}]", value, 0)
                else:
                    check_number(f"curriculum state {name!r}[{i}]", value, 0.0, 1.0)
        self.fast = np.array(state["fast"], dtype=float)
        self.slow = np.array(state["slow"], dtype=float)
        self.counts = np.array(state["counts"], dtype=np.int64)


Scheduler = StagedCurriculum | LearningProgressCurriculum


def _check_state(scheduler: Any, state: Any, keys: tuple[str, ...]) -> None:
    """A state must be a mapping from this scheduler's `state_dict()`: its kind, its name, every key."""
    if not isinstance(state, Mapping):
        raise ValueError(
            f"curriculum state must be a mapping from state_dict() with keys {['kind', 'name', *keys]}, "
            f"got {type(state).__name__} {_short(state)}"
        )
    if state.get("kind") != scheduler.kind or state.get("name") != scheduler.name:
        raise ValueError(
            f"curriculum state is for {state.get('kind')!r} {state.get('name')!r}, "
            f"not {scheduler.kind!r} {scheduler.name!r}"
        )
    missing = [key for key in keys if key not in state]
    if missing:
        raise ValueError(f"curriculum state for {scheduler.name!r} lacks key(s) {missing}; a state has {list(keys)}")


def _state_list(state: Mapping[str, Any], key: str) -> list[Any]:
    """`state[key]` as a list; a string or a mapping is not one (a string would become one entry per character)."""
    value = state[key]
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"curriculum state {key!r} must be a list, got {type(value).__name__} {_short(value)}")
    return list(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ----------------------------------------------------------------------------- YAML loading

_TOP_KEYS = {"name", "description", "scheduler", "language", "promotion", "stages", "arms", "params"}
_ENTRY_KEYS = {"family", "weight", "level", "config", "language"}
_STAGE_KEYS = {"name", "mixture", "promotion"}
_PROMOTION_KEYS = {f.name for f in dataclasses.fields(Promotion)}
_PROBE_KEYS = {f.name for f in dataclasses.fields(Probe)}
_PARAM_KEYS = {"fast_rate", "slow_rate", "floor"}
SCHEDULERS = ("staged", "learning-progress")


def curriculum_names() -> list[str]:
    """Names of the curricula shipped inside the package."""
    folder = resources.files("curricula") / "curricula_yaml"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def curriculum_path(name_or_path: str | Path) -> Path:
    """A shipped curriculum's file, or the given path if it names an existing file."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if path.is_dir():
            raise CurriculumError(f"curriculum {str(path)!r} is a folder; give a YAML file or a shipped name")
        if not path.is_file():
            raise CurriculumError(
                f"curriculum file {str(path)!r} does not exist; give a YAML file or a shipped name "
                f"({', '.join(curriculum_names())})"
            )
        return path
    names = curriculum_names()
    if str(name_or_path) not in names:
        close = difflib.get_close_matches(str(name_or_path), names, n=3, cutoff=0.4)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"unknown curriculum {str(name_or_path)!r}.{hint} Shipped: {', '.join(names)}; or give a YAML path."
        )
    return Path(str(resources.files("curricula") / "curricula_yaml" / f"{name_or_path}.yaml"))


def load_curriculum(name_or_path: str | Path) -> Scheduler:
    """Build the scheduler a curriculum YAML describes (a shipped name or a file path), validating every key."""
    import yaml

    path = curriculum_path(name_or_path)
    try:
        text = path.read_text()
    except UnicodeDecodeError as err:
        raise CurriculumError(f"{path}: not a text file ({err.reason} at byte {err.start}); give a YAML file") from err
    except OSError as err:
        raise CurriculumError(f"{path}: cannot be read ({err.strerror or type(err).__name__})") from err
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise CurriculumError(f"{path}: not valid YAML: {_yaml_problem(err)}") from err
    return build_curriculum(data, source=str(path))


def _yaml_problem(err: Exception) -> str:
    """PyYAML's several-line message as one line: where, and what it found."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).strip().splitlines()[0]
    context = getattr(err, "context", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{problem}" + (f" ({context})" if context else "")


def build_curriculum(data: Any, source: str = "<dict>") -> Scheduler:
    """Validate a parsed curriculum mapping and build its scheduler; errors name `source` and the key."""
    where = _Where(source)
    if not isinstance(data, dict):
        raise where.error(
            "", f"the top level must be a mapping with keys {sorted(_TOP_KEYS)}, got {type(data).__name__}"
        )
    where.keys(data, _TOP_KEYS, "")
    name = data.get("name") or Path(source).stem
    if not isinstance(name, str):
        raise where.error("name", f"must be a string, got {name!r}")
    kind = data.get("scheduler", "staged")
    if kind not in SCHEDULERS:
        raise where.error("scheduler", f"must be one of {list(SCHEDULERS)}, got {kind!r}")
    default_language = data.get("language")
    if default_language is not None:
        _check_language(where, "language", default_language)
    default_promotion = _promotion(where, "promotion", data.get("promotion", {}), Promotion())
    description = str(data.get("description", ""))

    if kind == "staged":
        if "arms" in data or "params" in data:
            raise where.error(
                "arms" if "arms" in data else "params",
                "is for scheduler 'learning-progress'; a staged curriculum uses 'stages'",
            )
        stages_data = data.get("stages")
        if not isinstance(stages_data, list) or not stages_data:
            raise where.error("stages", "must be a non-empty list of stages, each with 'mixture'")
        stages = []
        for i, stage_data in enumerate(stages_data):
            key = f"stages[{i}]"
            if not isinstance(stage_data, dict):
                raise where.error(key, f"must be a mapping with keys {sorted(_STAGE_KEYS)}")
            where.keys(stage_data, _STAGE_KEYS, key)
            mixture, new = _stage_mixture(where, f"{key}.mixture", stage_data.get("mixture"), default_language)
            promotion = _promotion(where, f"{key}.promotion", stage_data.get("promotion", {}), default_promotion)
            stages.append(Stage(str(stage_data.get("name", f"stage-{i}")), mixture, promotion, new))
        return StagedCurriculum(name, stages, description)

    if "stages" in data:
        raise where.error("stages", "is for scheduler 'staged'; a learning-progress curriculum uses 'arms'")
    arms = _mixture(where, "arms", data.get("arms"), default_language)
    params = data.get("params", {}) or {}
    if not isinstance(params, dict):
        raise where.error("params", f"must be a mapping with keys {sorted(_PARAM_KEYS)}")
    where.keys(params, _PARAM_KEYS, "params")
    try:
        return LearningProgressCurriculum(name, list(arms), description=description, **params)
    except ValueError as err:
        raise where.error("params", str(err)) from err


class _Where:
    def __init__(self, source: str):
        self.source = source

    def error(self, key: str, message: str) -> CurriculumError:
        return CurriculumError(f"{self.source}: {key or 'top level'}: {message}")

    def keys(self, mapping: dict, allowed: set[str], key: str) -> None:
        unknown = sorted(str(name) for name in mapping if name not in allowed)  # YAML keys may be numbers too
        if unknown:
            prefix = f"{key}." if key else ""
            raise self.error(f"{prefix}{unknown[0]}", f"unknown key; allowed: {sorted(allowed)}")


def _check_language(where: _Where, key: str, language: Any) -> None:
    import esolangs

    if not isinstance(language, str):
        raise where.error(key, f"must be a language name, got {language!r}")
    try:
        esolangs.get(language)
    except ValueError as err:
        raise where.error(key, str(err)) from err


def _promotion(where: _Where, key: str, data: Any, default: Promotion) -> Promotion:
    if not isinstance(data, dict):
        raise where.error(key, f"must be a mapping with keys {sorted(_PROMOTION_KEYS)}")
    if True in data:  # YAML 1.1 (PyYAML) reads a bare `on:` key as the boolean true
        data = {("on" if name is True else name): value for name, value in data.items()}
    where.keys(data, _PROMOTION_KEYS, key)
    fields = dict(data)
    if "probe" in fields:
        fields["probe"] = _probe(where, f"{key}.probe", fields["probe"])
    rule = dataclasses.replace(default, **fields)
    if not is_number(rule.threshold) or not 0.0 < rule.threshold <= 1.0:
        raise where.error(f"{key}.threshold", f"must be a number in (0, 1], got {rule.threshold!r}")
    if not is_int(rule.window) or not 1 <= rule.window <= 1_000_000:
        raise where.error(f"{key}.window", f"must be {describe_range('an int', 1, 1_000_000)}, got {rule.window!r}")
    if rule.demotion is not None and (not is_number(rule.demotion) or not 0.0 <= rule.demotion < rule.threshold):
        raise where.error(
            f"{key}.demotion", f"must be a number in [0, threshold={rule.threshold}), got {rule.demotion!r}"
        )
    if rule.on not in PROMOTION_ON:
        raise where.error(f"{key}.on", f"must be one of {list(PROMOTION_ON)}, got {rule.on!r}")
    if rule.time_cap_s is not None and (not is_number(rule.time_cap_s) or not rule.time_cap_s > 0):
        raise where.error(f"{key}.time_cap_s", f"must be a number of seconds > 0 or null, got {rule.time_cap_s!r}")
    return rule


def _probe(where: _Where, key: str, data: Any) -> Probe | None:
    """A promotion's `probe`: null (no probe) or a mapping with `threshold`."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise where.error(key, f"must be null or a mapping with keys {sorted(_PROBE_KEYS)}, got {data!r}")
    where.keys(data, _PROBE_KEYS, key)
    probe = Probe(**data)
    if not is_number(probe.threshold) or not 0.0 < probe.threshold <= 1.0:
        raise where.error(f"{key}.threshold", f"must be a number in (0, 1], got {probe.threshold!r}")
    return probe


def _stage_mixture(
    where: _Where, key: str, data: Any, default_language: str | None
) -> tuple[tuple[MixtureEntry, ...], int | None]:
    """A stage's mixture and the index of its entry flagged `new: true` (None when none is: the last is new)."""
    flagged = []
    if isinstance(data, list):  # `new` is a stage's key: taken off before the entry is checked as any mixture's
        for j, item in enumerate(data):
            if isinstance(item, dict) and "new" in item:
                if not isinstance(item["new"], bool):
                    raise where.error(f"{key}[{j}].new", f"must be true or false, got {item['new']!r}")
                if item["new"]:
                    flagged.append(j)
        data = [{k: v for k, v in item.items() if k != "new"} if isinstance(item, dict) else item for item in data]
    if len(flagged) > 1:
        raise where.error(f"{key}[{flagged[1]}].new", f"only one entry of a stage can be new; [{flagged[0]}] is")
    mixture = _mixture(where, key, data, default_language)
    return mixture, flagged[0] if flagged else None


def _mixture(where: _Where, key: str, data: Any, default_language: str | None) -> tuple[MixtureEntry, ...]:
    from curricula.base import family_class, make_task

    if not isinstance(data, list) or not data:
        raise where.error(key, "must be a non-empty list of entries {family, weight, level, config, language}")
    entries = []
    for j, item in enumerate(data):
        entry_key = f"{key}[{j}]"
        if not isinstance(item, dict) or "family" not in item:
            raise where.error(
                entry_key, f"must be a mapping with 'family' and optional {sorted(_ENTRY_KEYS - {'family'})}"
            )
        where.keys(item, _ENTRY_KEYS, entry_key)
        family = item["family"]
        if not isinstance(family, str):
            raise where.error(f"{entry_key}.family", f"must be a task family name, got {family!r}")
        try:
            cls = family_class(family)
        except ValueError as err:
            raise where.error(f"{entry_key}.family", str(err)) from err
        weight = item.get("weight", 1.0)
        if not is_number(weight) or weight <= 0:
            raise where.error(f"{entry_key}.weight", f"must be a number > 0, got {weight!r}")
        level = item.get("level")
        if level is not None:
            levels = cls.config_class.num_levels()
            if not is_int(level) or not 0 <= level < levels:
                allowed = describe_range("an int", 0, levels - 1)
                raise where.error(f"{entry_key}.level", f"must be {allowed} for family {family!r}, got {level!r}")
        config = item.get("config", {}) or {}
        if not isinstance(config, dict):
            raise where.error(f"{entry_key}.config", f"must be a mapping of {cls.config_class.__name__} fields")
        try:
            make_task(family, level=level, **config)
        except (TypeError, ValueError) as err:
            raise where.error(f"{entry_key}.config", str(err)) from err
        language = item.get("language", default_language)
        if language is not None:
            _check_language(where, f"{entry_key}.language", language)
        entries.append(MixtureEntry(family, float(weight), level, copy.deepcopy(config), language))
    return tuple(entries)
