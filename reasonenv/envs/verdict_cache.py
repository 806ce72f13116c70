"""Verify programs against an instance's hidden tests, with an LRU cache of verdicts for repeated (instance, program) pairs.

RL policies emit the same short programs again and again (the empty
program, `.`, `,.`, ...); running them once per instance is enough because
every run is deterministic under the instance's step budget.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from curricula.base import Instance
from esolangs.validation import check_int

SYNTAX_ERROR = "syntax_error"


@dataclass(frozen=True)
class Verdict:
    """The outcome of one program on one instance's hidden tests."""

    reward: float
    passed: int
    total: int
    statuses: tuple[str, ...]
    steps: tuple[int, ...]

    @property
    def success(self) -> bool:
        return self.passed == self.total

    @property
    def syntax_error(self) -> bool:
        return SYNTAX_ERROR in self.statuses

    def info(self) -> dict[str, Any]:
        """The keys a finished episode's `info` carries."""
        return {
            "passed": self.passed,
            "total": self.total,
            "success": self.success,
            "statuses": self.statuses,
            "steps": self.steps,
            "score": self.reward,
        }


def verify(instance: Instance, program: str, language: str, mode: str | None) -> Verdict:
    """Run `program` on the hidden tests (curricula.verify.execute) and score it (curricula.scoring.score)."""
    from curricula.scoring import score
    from curricula.verify import execute

    executions = execute(instance, program, language)
    result = score(instance, executions, mode=mode)
    return Verdict(
        reward=float(result.reward),
        passed=int(result.passed),
        total=int(result.total),
        statuses=tuple(e.status for e in executions),
        steps=tuple(int(e.steps) for e in executions),
    )


class VerdictCache:
    """`verify` with a least-recently-used cache keyed by (instance key, language, mode, program text)."""

    def __init__(self, size: int = 4096):
        check_int("cache size", size, 0)
        self.size = size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple, Verdict] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def verify(self, instance: Instance, instance_key: str, program: str, language: str, mode: str | None) -> Verdict:
        """The verdict of `program` on `instance`; `instance_key` must identify the instance (e.g. its fingerprint)."""
        if self.size == 0:
            self.misses += 1
            return verify(instance, program, language, mode)
        key = (instance_key, language, mode, program)
        verdict = self._entries.get(key)
        if verdict is not None:
            self.hits += 1
            self._entries.move_to_end(key)
            return verdict
        self.misses += 1
        verdict = verify(instance, program, language, mode)
        self._entries[key] = verdict
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return verdict

    def clear(self) -> None:
        self._entries.clear()
        self.hits = self.misses = 0
