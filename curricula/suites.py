"""Suites: fixed, versioned lists of (family, config, instance count) that make a benchmark.

Suites load lazily: `get_suite(name)` imports only the module that defines
that suite (SUITE_MODULES), and `suite_names()` imports nothing.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from curricula.base import Instance, make_task


@dataclass(frozen=True)
class SuiteEntry:
    """`count` instances (indices 0..count-1, seed `seed`) of `family` with config overrides; `language` ties them to one language."""

    family: str
    count: int
    config: dict[str, Any] = field(default_factory=dict)
    language: str | None = None
    seed: int = 0


@dataclass(frozen=True)
class Suite:
    name: str
    version: str
    summary: str
    entries: tuple[SuiteEntry, ...]

    def instances(self) -> Iterator[Instance]:
        for entry in self.entries:
            task = make_task(entry.family, **entry.config)
            for index in range(entry.count):
                inst = task.instance(entry.seed, index)
                yield _with(inst, suite=self.name, language=entry.language or inst.language)

    def families(self) -> list[str]:
        return list(dict.fromkeys(e.family for e in self.entries))

    def fingerprint(self) -> str:
        """sha256 over every instance; a test pins it so no suite changes silently."""
        digest = hashlib.sha256(f"{self.name}:{self.version}".encode())
        for inst in self.instances():
            digest.update(json.dumps(inst.to_dict(), sort_keys=True).encode())
        return digest.hexdigest()


def _with(instance: Instance, **changes: Any) -> Instance:
    import dataclasses

    return dataclasses.replace(instance, **changes)


_SUITES: dict[str, Suite] = {}


def register_suite(suite: Suite) -> Suite:
    if suite.name in _SUITES:
        raise ValueError(f"suite {suite.name!r} is already registered")
    _SUITES[suite.name] = suite
    return suite


SUITE_MODULES: dict[str, str] = {
    "paper": "curricula.families.paper",
    "pqt": "curricula.families.pqt",
    "pqt-original": "curricula.families.pqt",
    "primitives": "curricula.families.primitives",
    "tiers": "curricula.families.tiers",
}
"""The module that registers each shipped suite on import (a test checks this table against the modules)."""


def suite_names() -> list[str]:
    """Every suite name, shipped and registered, without importing any family module."""
    return sorted(set(SUITE_MODULES) | set(_SUITES))


def get_suite(name: str) -> Suite:
    """The suite `name`, importing only the module that defines it (unknown names: every family module, then an error)."""
    if name not in _SUITES:
        if name in SUITE_MODULES:
            importlib.import_module(SUITE_MODULES[name])
        else:
            _load_all()
    if name not in _SUITES:
        known = suite_names()
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.4)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown suite {name!r}.{hint} Known: {', '.join(known)}")
    return _SUITES[name]


def _load_all() -> None:
    from curricula.base import _ensure_loaded

    _ensure_loaded()  # family modules register their suites on import
