"""The greedy held-out probe of a training run: the current weights' greedy success on fixed held-out instances per entry.

    probe = Probe(instances=32, env_options={"max_program_length": 32})
    result = probe.run(backend.greedy_policy(), scheduler)     # every TrainConfig.probe_every iterations
    row.update(result.columns())                              # probe_heldout, probe/<entry key>, ...

What is probed: every entry of the scheduler's current stage (all its
entries for a scheduler without stages), then every entry its
`probe_entries()` names when it has that method, each once (by TaskSpec.key).

On what: per entry the first `instances` held-out instances at seed 0
(`reasonenv.evaluation.target_instances`, so never training content when
the entry holds content out), chosen once and kept, so every point of the
curve asks the same instances. An entry that holds nothing out (emit-char
level 0) is probed on its first training-content instances instead and
flagged (`probe_fallback`); it is left out of the `probe_heldout` mean.

How: greedy (argmax over allowed actions) through the token env, all
entries' instances in lockstep batches (`reasonenv.evaluation.play_plans`),
with the policy a backend builds from its current weights in this process
(`greedy_policy()`: agents.policies' greedy classes over the live module or
params). Nothing is trained and nothing is sampled from the training envs.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PROBE_COLUMNS = ("probe_heldout", "probe_fallback", "probe_entries", "probe_s")
"""progress.csv columns of every probe (empty on iterations without one); then one `probe/<entry key>` per entry."""
ENTRY_PREFIX = "probe/"
BATCH = 64
"""Episodes per lockstep batch (one forward pass per step for all of them); bigger batches measured no faster on CPU."""
DEFAULT_LANGUAGE = "bf"
"""The language of entries that name none (the curriculum env's default)."""


def entry_column(key: str) -> str:
    """progress.csv column of one entry's probe success."""
    return ENTRY_PREFIX + key


def board_tag(column: str) -> str:
    """A TensorBoard tag for a probe column: entry keys hold JSON ({"a":1}), which tags should not."""
    return re.sub(r"[^\w./@=-]+", "_", column).strip("_")


def entry_columns(scheduler: Any) -> list[str]:
    """`probe/<key>` of every entry of the curriculum, in curriculum order, each once."""
    keys: list[str] = []
    for entry in scheduler.entries():
        if entry.key not in keys:
            keys.append(entry.key)
    return [entry_column(key) for key in keys]


def probed_specs(scheduler: Any) -> list[Any]:
    """The TaskSpecs a probe asks now: the current stage's entries, then the scheduler's `probe_entries()`, by key once."""
    stages = getattr(scheduler, "stages", None)
    if stages:
        stage = int(scheduler.stage)
        specs = [entry.spec(stage) for entry in stages[stage].mixture]
    else:
        specs = [entry.spec(0) for entry in scheduler.entries()]
    extra = getattr(scheduler, "probe_entries", None)
    if callable(extra):
        specs += list(extra())
    seen: set[str] = set()
    unique = []
    for spec in specs:
        if spec.key not in seen:
            seen.add(spec.key)
            unique.append(spec)
    return unique


@dataclass(frozen=True)
class ProbeResult:
    """One probe: per entry key its greedy success, whether it was held-out content, and the probe's cost."""

    rates: dict[str, float]
    """Entry key -> share of its instances the greedy policy passed."""
    heldout: dict[str, bool]
    """Entry key -> True when all its instances were held-out content (False: the entry holds nothing out)."""
    episodes: int
    seconds: float
    notes: dict[str, str] = field(default_factory=dict)
    """Entry key -> why its instances are what they are (evaluation's note: how much it holds out)."""
    mean_length: float = 0.0
    """Mean greedy program length in tokens over all the probe's episodes."""

    @property
    def heldout_mean(self) -> float | None:
        """Mean success over the entries probed on held-out content (None when none of them holds content out)."""
        rates = [rate for key, rate in self.rates.items() if self.heldout[key] and not math.isnan(rate)]
        return sum(rates) / len(rates) if rates else None

    @property
    def fallback(self) -> list[str]:
        """Keys of the entries probed on training content (they hold nothing out)."""
        return [key for key, held in self.heldout.items() if not held]

    def columns(self) -> dict[str, Any]:
        """The progress.csv cells of this probe: PROBE_COLUMNS and `probe/<key>` per probed entry."""
        return {
            "probe_heldout": self.heldout_mean,
            "probe_fallback": " ".join(self.fallback),
            "probe_entries": len(self.rates),
            "probe_s": self.seconds,
            **{entry_column(key): rate for key, rate in self.rates.items()},
        }


class Probe:
    """Fixed probe instances per entry (chosen on first use, kept) and the greedy play over them."""

    def __init__(self, instances: int = 32, env_options: Mapping[str, Any] | None = None, batch: int = BATCH):
        if isinstance(instances, bool) or not isinstance(instances, int) or instances < 1:
            raise ValueError(f"probe instances must be an int >= 1, got {instances!r}")
        self.instances = instances
        self.batch = batch
        self.env_options = dict(env_options or {})
        self._plans: dict[str, tuple] = {}

    def plan(self, spec: Any) -> tuple:
        """(EvalTarget, instances, held out?, note) of one TaskSpec; the same tuple at every probe."""
        plan = self._plans.get(spec.key)
        if plan is None:
            from reasonenv.envs.tasks import language_name
            from reasonenv.evaluation import EvalTarget, target_instances

            language = language_name(spec.language or DEFAULT_LANGUAGE)
            target = EvalTarget(spec.family, language, spec.level, dict(spec.config), 0, spec.stage)
            chosen, heldout, note = target_instances(target, self.instances, "heldout")
            plan = self._plans[spec.key] = (target, chosen, heldout, note)
        return plan

    def run(self, policy: Any, scheduler: Any) -> ProbeResult:
        """Play `policy` greedily on the probe instances of `probed_specs(scheduler)`."""
        return self.run_specs(policy, probed_specs(scheduler))

    def run_specs(self, policy: Any, specs: Sequence[Any]) -> ProbeResult:
        from reasonenv.evaluation import play_plans

        tick = time.perf_counter()
        keys = [spec.key for spec in specs]
        plans = [self.plan(spec) for spec in specs]
        options = dict(self.env_options)
        trained = getattr(policy, "execution_options", None)  # the execution shape the network was built for
        if callable(trained):
            options.update(trained())
        results = play_plans(policy, plans, env_options=options, batch=self.batch) if plans else []
        return ProbeResult(
            rates={key: r.pass_rate for key, r in zip(keys, results)},
            heldout={key: r.heldout for key, r in zip(keys, results)},
            episodes=sum(r.episodes for r in results),
            seconds=time.perf_counter() - tick,
            notes={key: r.note for key, r in zip(keys, results)},
            mean_length=sum(r.mean_length * r.episodes for r in results) / max(1, sum(r.episodes for r in results)),
        )


def probe_env_options(cfg: Any) -> dict[str, Any]:
    """Token env arguments of the probe's envs: what the training envs' observations depend on.

    The greedy policies fit task length and action slots to the trained
    shapes themselves; the program cap and the execution observation (when
    the config has it) must match training.
    """
    options: dict[str, Any] = {"max_program_length": int(cfg.max_program_length)}
    if getattr(cfg, "execution", False):
        options["execution"] = True
        if getattr(cfg, "end_on_pass", False):
            options["end_on_pass"] = True
    return options
