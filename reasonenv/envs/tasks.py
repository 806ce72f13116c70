"""Where an environment's instances come from: one (family, config, language), drawn per reset from the env's RNG or fixed by reset options."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from curricula.base import Instance, TaskFamily, make_task
from curricula.heldout import check_split, content_key, content_space
from curricula.spec import instance_spec
from reasonenv.envs.encoding import encoded_length, fit_length

UNBOUNDED_INDICES = 2**31
MAX_SPLIT_DRAWS = 1000
"""Draws per reset at most when a content split rejects instances (see `curricula.heldout`)."""
RESET_OPTIONS = ("instance", "seed", "index")
_MEASURED: dict[str, int] = {}
_MEASURE_SAMPLES = 8


def language_name(language: str) -> str:
    """The canonical language name (aliases resolved), as the verifier takes it."""
    import esolangs

    return esolangs.get(language).name


class TaskSource:
    """One task family with a fixed config, asked in one language; draws instances.

    Instance (seed, index): seed is `instance_seed` when given, else drawn
    from the env's RNG; index is drawn from [0, num_instances) (default:
    the family's size, else [0, 2**31)). Both draws happen at every reset,
    so the RNG stream does not depend on the arguments.

    `content_split` ("all", "train" or "heldout"; `curricula.heldout`)
    redraws (seed, index) until the instance's content is in the split, at
    most MAX_SPLIT_DRAWS times. Reset options that fix the instance (an
    `instance`, or both `seed` and `index`) are used as given.
    """

    def __init__(
        self,
        family: str,
        language: str,
        *,
        level: int | None = None,
        config: Mapping[str, Any] | None = None,
        instance_seed: int | None = None,
        num_instances: int | None = None,
        content_split: str = "all",
    ):
        self.family_name = family
        self.language = language_name(language)
        self.task: TaskFamily = make_task(family, level=level, **dict(config or {}))
        self.instance_seed = instance_seed
        size = type(self.task).size
        if num_instances is not None and size is not None and num_instances > size:
            raise ValueError(f"num_instances={num_instances} exceeds the {size} instances of family {family!r}")
        self.num_instances = num_instances or size or UNBOUNDED_INDICES
        self.key = f"{family}|{json.dumps(self.task.config.to_dict(), sort_keys=True, default=str)}"
        self.content_split = check_split(content_split)
        space = content_space(self.task) if self.content_split != "all" else None
        self._space = space
        if space is not None and self.content_split == "heldout" and not space.has_heldout:
            raise ValueError(
                f"content_split='heldout' is empty for family {family!r} with config {self.task.config.to_dict()}: "
                f"{space.note}; use content_split='all' (see curricula.heldout.content_report)"
            )

    def sample(self, rng: np.random.Generator, options: Mapping[str, Any] | None = None) -> tuple[Instance, str]:
        """An instance and a cache key identifying it, per the reset options (see `check_reset_options`)."""
        drawn_seed = int(rng.integers(0, 2**31))
        drawn_index = int(rng.integers(0, self.num_instances))
        options = check_reset_options(options)
        if "instance" in options:
            instance = options["instance"]
            return instance, instance.fingerprint()
        fixed_seed = options.get("seed", self.instance_seed)
        fixed_index = options.get("index", 0 if self.num_instances == 1 else None)
        for _ in range(MAX_SPLIT_DRAWS):
            seed = drawn_seed if fixed_seed is None else fixed_seed
            index = drawn_index if fixed_index is None else fixed_index
            instance = self.task.instance(seed, index)
            if self.content_split == "all" or ("seed" in options and "index" in options):
                break
            if self._in_split(instance):
                break
            if fixed_seed is not None and fixed_index is not None:
                raise ValueError(
                    self._split_error("the instance is fixed (instance_seed, num_instances=1 or reset options)")
                )
            drawn_seed = int(rng.integers(0, 2**31))
            drawn_index = int(rng.integers(0, self.num_instances))
        else:
            raise ValueError(self._split_error(f"{MAX_SPLIT_DRAWS} draws found none"))
        return instance, f"{self.key}|{seed}|{index}"

    def _in_split(self, instance: Instance) -> bool:
        assert self._space is not None, "_in_split is called only when content_split is not 'all'"
        held = self._space.holds_out(content_key(instance))
        return held == (self.content_split == "heldout")

    def _split_error(self, why: str) -> str:
        return f"no {self.content_split!r} content for family {self.family_name!r} ({why}); see curricula.heldout.content_report"

    def measured_task_length(self) -> int:
        """A `task` array length for this source: the longest encoding of a few instances, with headroom."""
        return fit_length(self.longest_encoding())

    def longest_encoding(self) -> int:
        """The longest `task` encoding (examples and spec) over a few instances, measured once per source config."""
        if self.key not in _MEASURED:
            count = min(_MEASURE_SAMPLES, type(self.task).size or _MEASURE_SAMPLES)
            instances = (self.task.instance(0, i) for i in range(count))
            _MEASURED[self.key] = max(encoded_length(inst.examples, instance_spec(inst)) for inst in instances)
        return _MEASURED[self.key]


def check_reset_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validated reset options: {"instance": Instance} or any of {"seed": int, "index": int}."""
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise TypeError(
            f"reset options must be a dict with keys among {list(RESET_OPTIONS)}, got {type(options).__name__}"
        )
    unknown = sorted(set(options) - set(RESET_OPTIONS))
    if unknown:
        raise ValueError(f"unknown reset option(s) {unknown}; accepted: {list(RESET_OPTIONS)}")
    if "instance" in options:
        if len(options) > 1:
            raise ValueError("reset option 'instance' excludes 'seed' and 'index'")
        if not isinstance(options["instance"], Instance):
            raise TypeError(
                f"reset option 'instance' must be a curricula Instance, got {type(options['instance']).__name__}"
            )
    for key in ("seed", "index"):
        if key in options:
            value = options[key]
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"reset option {key!r} must be an int >= 0, got {value!r}")
    return dict(options)
