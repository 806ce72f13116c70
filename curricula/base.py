"""Core task types: test cases, instances, family configs with difficulty levels, the family registry and `make_task`."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from esolangs.validation import check_choice_field, check_int, check_int_field, check_number_field


@dataclass(frozen=True)
class TestCase:
    """One input/output pair: stdin bytes and the exact expected stdout bytes."""

    __test__ = False  # not a pytest class

    input: bytes
    output: bytes

    def to_dict(self) -> dict[str, str]:
        return {"input": self.input.decode("latin-1"), "output": self.output.decode("latin-1")}


@dataclass(frozen=True)
class Instance:
    """One generated problem, the same whatever language it is asked in.

    `run_options` are interpreter options the instance must run under (e.g.
    PQT's cell modulus and clamped tape), `max_steps` its step budget.
    `language` is set only when a suite ties an instance to one language
    (the `paper` suite); otherwise any language may be asked.
    """

    family: str
    description: str
    io_format: str
    examples: tuple[TestCase, ...]
    tests: tuple[TestCase, ...]
    config: dict[str, Any]
    seed: int
    index: int
    suite: str | None = None
    language: str | None = None
    run_options: dict[str, Any] = field(default_factory=dict)
    max_steps: int = 100_000
    scoring: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.suite or 'family'}/{self.family}/{self.seed}/{self.index}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "family": self.family,
            "suite": self.suite,
            "language": self.language,
            "description": self.description,
            "io_format": self.io_format,
            "examples": [t.to_dict() for t in self.examples],
            "tests": [t.to_dict() for t in self.tests],
            "config": self.config,
            "seed": self.seed,
            "index": self.index,
            "run_options": self.run_options,
            "max_steps": self.max_steps,
            "scoring": self.scoring,
        }

    def fingerprint(self) -> str:
        """Stable hash of everything that defines the instance."""
        blob = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()


@dataclass(frozen=True)
class TaskConfig:
    """Base of every family config. Subclasses add fields with defaults.

    `difficulty` maps attribute names (config fields) to their ordered levels,
    easiest first; `at_level(k)` sets every attribute to its k-th level, so
    one integer gives a whole difficulty. k ranges over [0, num_levels() - 1];
    an attribute with fewer levels than that stays at its last one.
    """

    difficulty: ClassVar[dict[str, tuple[Any, ...]]] = {}

    num_examples: int = 3
    """Visible examples shown with the task."""
    num_tests: int = 16
    """Hidden tests that decide the score."""

    def validate(self) -> TaskConfig:
        check_range(self, "num_examples", 0, 64)
        check_range(self, "num_tests", 1, 1024)
        return self

    @classmethod
    def at_level(cls, level: int, **overrides: Any) -> TaskConfig:
        check_int(f"difficulty level of {cls.__name__}", level, 0, cls.num_levels() - 1)
        values = {name: levels[min(level, len(levels) - 1)] for name, levels in cls.difficulty.items()}
        values.update(overrides)
        return cls(**values).validate()

    @classmethod
    def num_levels(cls) -> int:
        return max((len(levels) for levels in cls.difficulty.values()), default=1)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def check_range(config: Any, name: str, low: int | float, high: int | float) -> None:
    """Raise ValueError naming the field, value and range unless low <= value <= high.

    A field declared `int` takes only ints (not 2.5, not True); others take any number.
    """
    if _declared_int(type(config), name):  # type: ignore[arg-type]  # mypy does not count type[Any] as Hashable
        check_int_field(config, name, low, high)  # type: ignore[arg-type]  # int fields have int bounds
    else:
        check_number_field(config, name, low, high)


@functools.cache
def _declared_int(config_class: type, name: str) -> bool:
    """True when the dataclass field `name` is annotated `int` (a string under postponed annotations)."""
    if not dataclasses.is_dataclass(config_class):
        return False
    types = {f.name: f.type for f in dataclasses.fields(config_class)}
    return types.get(name) in (int, "int")


def check_choice(config: Any, name: str, choices: tuple[Any, ...]) -> None:
    """Raise ValueError listing the choices unless the field's value is one of them."""
    check_choice_field(config, name, choices)


def instance_rng(seed: int, index: int) -> np.random.Generator:
    """The RNG of instance (seed, index), independent of every other pair."""
    check_int("seed", seed, 0, numpy=True)
    check_int("index", index, 0, numpy=True)
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(index)]))


class TaskFamily(ABC):
    """A named generator of instances. Subclasses set the class attributes and implement `generate`.

    `suite` is the suite the family belongs to ('pqt', 'tiers', 'primitives',
    'paper'); `tier` its tier in `tiers`. `size` is the number of distinct
    instances for fixed families (e.g. paper Print: 676), else None.
    """

    name: ClassVar[str]
    summary: ClassVar[str]
    suite: ClassVar[str]
    config_class: ClassVar[type[TaskConfig]] = TaskConfig
    tier: ClassVar[str | None] = None
    size: ClassVar[int | None] = None
    io_format: ClassVar[str] = "bytes"
    default_max_steps: ClassVar[int] = 100_000
    spec_fields: ClassVar[tuple[str, ...]] = ()
    """Names of the fields `spec` returns, in order, as the prompt states them (e.g. "bytes to output")."""

    def __init__(self, config: TaskConfig | None = None):
        config = config if config is not None else self.config_class()
        if not isinstance(config, self.config_class):
            raise TypeError(f"family {self.name!r} takes a {self.config_class.__name__}, got {type(config).__name__}")
        self.config = config.validate()

    @abstractmethod
    def generate(self, rng: np.random.Generator, seed: int, index: int) -> Instance:
        """Build instance (seed, index) drawing randomness only from rng."""

    def instance(self, seed: int = 0, index: int = 0) -> Instance:
        """Instance (seed, index): regenerates alone, identically, from the pair."""
        rng = instance_rng(seed, index)
        if self.size is not None and index >= self.size:
            raise ValueError(
                f"family {self.name!r} has {self.size} instances; index must be in [0, {self.size - 1}], got {index}"
            )
        return self.generate(rng, int(seed), int(index))

    def instances(self, count: int | None = None, seed: int = 0) -> list[Instance]:
        if count is None:
            if self.size is None:
                raise ValueError(f"family {self.name!r} is unbounded: give count")
            count = self.size
        return [self.instance(seed, i) for i in range(count)]

    @classmethod
    def spec(cls, instance: Instance) -> tuple[int | bytes, ...]:
        """What the description tells the solver beyond the examples: one value per name in `spec_fields`.

        An int is a number (e.g. how many times to repeat), bytes a string
        (e.g. the text to print). Empty, the default, when the examples
        determine the task. Derived from the instance, never stored in it, so
        fingerprints and pinned suites do not depend on it. Token envs encode
        it after the examples, text envs and the benchmark state it in words
        (`curricula.spec`).
        """
        return ()

    @classmethod
    def visible_output(cls, instance: Instance) -> bytes | None:
        """The output every test of `instance` expects when the solver is told it (its spec shows it), else None.

        The token envs' execution observation (`reasonenv.envs.execution`)
        runs a program prefix on the visible examples; an instance with none
        (emit-char, emit-string: the example would be the answer) gets one
        run on empty input whose expected output is this. Only families
        whose spec already states the target return it, so nothing hidden
        leaks. Default None: unknown.
        """
        return None

    def reference_solution(self, instance: Instance, language: str) -> str | None:
        """A correct program for `instance` in `language`, or None where none is known.

        Dispatches to the per-language hooks below; Ook! and bf-dialect-*
        solutions are translated from the Brainfuck one. An option variant
        (`bf+eof=unchanged`, `bf+cell_step=2`, see esolangs.registry) has
        none: the hooks write for the default semantics (under cell_step=2
        a step-1 text is no solution in general, and some tasks have none:
        `curricula.verify.unreachable_output`).
        """
        import esolangs

        lang = esolangs.get(language) if language != "python" else None
        if lang is not None and lang.name != lang.base_name:
            return None
        key = "python" if lang is None else lang.name
        if key == "python":
            return self.python_solution(instance)
        if key == "bf":
            return self.bf_solution(instance)
        if key == "befunge93":
            return self.befunge_solution(instance)
        if key == "whitespace":
            return self.whitespace_solution(instance)
        if lang is not None and hasattr(lang, "from_bf"):
            bf = self.bf_solution(instance)
            return None if bf is None else lang.from_bf(bf)
        return None

    # Per-language hooks: return program text, or None where the family has no solver.
    def bf_solution(self, instance: Instance) -> str | None:
        return None

    def befunge_solution(self, instance: Instance) -> str | None:
        return None

    def whitespace_solution(self, instance: Instance) -> str | None:
        return None

    def python_solution(self, instance: Instance) -> str | None:
        """A Python 3 program reading stdin and writing stdout (the benchmark's control language)."""
        return None


_FAMILIES: dict[str, type[TaskFamily]] = {}


def register_family(cls: type[TaskFamily]) -> type[TaskFamily]:
    """Class decorator: register a family under `cls.name`; duplicates raise ValueError."""
    if cls.name in _FAMILIES and _FAMILIES[cls.name] is not cls:
        raise ValueError(f"task family {cls.name!r} is already registered by {_FAMILIES[cls.name].__module__}")
    _FAMILIES[cls.name] = cls
    return cls


def family_class(name: str) -> type[TaskFamily]:
    if name not in _FAMILIES:  # a suite's module may have registered it already: load every module only when not
        _ensure_loaded()
    if name not in _FAMILIES:
        close = difflib.get_close_matches(name, list(_FAMILIES), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown task family {name!r}.{hint} See `reasonenv tasks` for the list.")
    return _FAMILIES[name]


def family_names() -> list[str]:
    """Registered family names, sorted."""
    _ensure_loaded()
    return sorted(_FAMILIES)


FAMILY_ID_CAPACITY = 512
"""Size of the family-id space in observations: room to add families without changing a policy's input shape."""


@functools.lru_cache(maxsize=1)
def _family_id_table() -> tuple[str, ...]:
    text = (Path(__file__).parent / "family_ids.txt").read_text()
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))


def family_ids() -> dict[str, int]:
    """Stable id of every family, from the append-only table `curricula/family_ids.txt` (line order is the id).

    Ids never change when families are added, so a trained policy's family embedding stays meaningful.
    Families registered outside that table (e.g. by user code) get ids after it, in sorted order.
    """
    _ensure_loaded()
    ids = {name: i for i, name in enumerate(_family_id_table())}
    for name in sorted(set(_FAMILIES) - set(ids)):
        ids[name] = len(ids)
    if len(ids) > FAMILY_ID_CAPACITY:
        raise ValueError(f"{len(ids)} task families exceed FAMILY_ID_CAPACITY={FAMILY_ID_CAPACITY}; raise it")
    return ids


def make_task(name: str, level: int | None = None, **config: Any) -> TaskFamily:
    """The family `name` with a config from its defaults, a difficulty level, and keyword overrides."""
    cls = family_class(name)
    config_cls = cls.config_class
    allowed = {f.name for f in dataclasses.fields(config_cls)}
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise TypeError(f"unknown config field(s) {unknown} for task family {name!r}; allowed: {sorted(allowed)}")
    if level is not None:
        check_int(f"difficulty level of task family {name!r}", level, 0, config_cls.num_levels() - 1)
    cfg = config_cls.at_level(level, **config) if level is not None else config_cls(**config)
    return cls(cfg)


_LOADED = False


def _ensure_loaded() -> None:
    """Import the family modules (each registers itself) on first use."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    import importlib
    import pkgutil

    import curricula.families as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{pkg.__name__}.{info.name}")


def config_of(instance: Instance) -> TaskConfig:
    """The family config an instance was generated with (extra per-instance keys in `instance.config` are ignored)."""
    cls = family_class(instance.family)
    fields = {f.name for f in dataclasses.fields(cls.config_class)}
    return cls.config_class(**{k: v for k, v in instance.config.items() if k in fields})


def reference_solution(instance: Instance, language: str) -> str | None:
    """The reference program for `instance` in `language` (None where its family has no solver for it)."""
    return family_class(instance.family)(config_of(instance)).reference_solution(instance, language)
