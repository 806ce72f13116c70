"""Score a program's executions on an instance's hidden tests: binary, fraction, PQT shaped reward or prefix match."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from curricula.base import Instance
from esolangs.base import OK
from esolangs.validation import check_int


@dataclass(frozen=True)
class Score:
    """Tests passed out of total, the reward of the chosen mode, and one detail dict per test."""

    passed: int
    total: int
    reward: float
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return self.passed == self.total


@dataclass(frozen=True)
class ScoreMode:
    """A reward mode: `reward(expected, executions, **params)` and the parameters it accepts with defaults."""

    name: str
    summary: str
    reward: Callable[..., float]
    defaults: dict[str, Any] = field(default_factory=dict)


_MODES: dict[str, ScoreMode] = {}


def register_mode(mode: ScoreMode) -> ScoreMode:
    if mode.name in _MODES:
        raise ValueError(f"scoring mode {mode.name!r} is already registered")
    _MODES[mode.name] = mode
    return mode


def mode_names() -> list[str]:
    return sorted(_MODES)


def passes(execution: Any, expected: bytes) -> bool:
    """True when a run ended ok (`esolangs.OK`) and wrote exactly the expected bytes: the one definition of a pass."""
    return execution.status == OK and execution.output == expected


def _binary(expected: Sequence[bytes], executions: Sequence[Any]) -> float:
    return 1.0 if all(passes(x, e) for e, x in zip(expected, executions)) else 0.0


def _fraction(expected: Sequence[bytes], executions: Sequence[Any]) -> float:
    if not expected:
        return 1.0
    return sum(passes(x, e) for e, x in zip(expected, executions)) / len(expected)


def _prefix(expected: Sequence[bytes], executions: Sequence[Any]) -> float:
    """Mean over tests of len(longest common prefix) / len(expected); a run that did not end ok scores 0."""
    if not expected:
        return 1.0
    total = 0.0
    for target, execution in zip(expected, executions):
        if execution.status != OK:
            continue
        if not target:
            total += 1.0 if not execution.output else 0.0
            continue
        common = 0
        for a, b in zip(execution.output, target):
            if a != b:
                break
            common += 1
        total += common / len(target)
    return total / len(expected)


def absolute_distance(pred: Sequence[int], target: Sequence[int], base: int) -> int:
    """brain_coder common/reward.py `absolute_distance`: sum of |p_i - t_i|; each missing or extra element costs base."""
    distance = 0
    for i, t in enumerate(target):
        distance += base if i >= len(pred) else abs(pred[i] - t)
    if len(pred) > len(target):
        distance += (len(pred) - len(target)) * base
    return distance


def absolute_distance_reward(pred: Sequence[int], target: Sequence[int], base: int) -> float:
    """brain_coder common/reward.py `absolute_distance_reward`: (base*len - distance) / (base*len); 1.0 on a match."""
    unit = float(base * len(target)) or float(base)  # brain_coder: an empty target is scaled by base
    return (unit - absolute_distance(pred, target, base)) / unit


def _pqt(
    expected: Sequence[bytes],
    executions: Sequence[Any],
    *,
    base: int = 256,
    correct_bonus: float = 2.0,
    code_length_bonus: float = 1.0,
    failure_reward: float = -2.0,
    normalize: bool = True,
) -> float:
    """brain_coder single_task/code_tasks.py `MultiIOTaskManager._score_code` with `make_task`'s constants.

    Per test: absolute_distance_reward(output, expected, base), plus
    correct_bonus (2.0) and code_length_bonus (1.0, the bonus given on
    every exact match when code simplification is off, brain_coder's
    default) on an exact match. If any run fails (status other than ok:
    brain_coder's step limit, timeout or syntax error) the whole reward is
    failure_reward (-2.0) instead. Finally divided by the best reward,
    n * (1 + correct_bonus + code_length_bonus), as `terminal_reward /=
    self.best_reward` does, unless normalize=False.
    """
    check_int("pqt scoring base", base, 1)
    total = 0.0
    for target, execution in zip(expected, executions):
        if execution.status != OK:
            total = failure_reward
            break
        pred, goal = list(execution.output), list(target)
        total += absolute_distance_reward(pred, goal, base)
        if pred == goal:
            total += correct_bonus + code_length_bonus
    if not normalize:
        return total
    best = len(expected) * (1.0 + correct_bonus + code_length_bonus)
    return total / best if best else total


register_mode(ScoreMode("binary", "1.0 if every test passes, else 0.0", _binary))
register_mode(ScoreMode("fraction", "fraction of tests passed", _fraction))
register_mode(
    ScoreMode(
        "pqt",
        "brain_coder's shaped reward: per-test distance reward, bonus per exact match, -2 if any run fails",
        _pqt,
        {"base": 256, "correct_bonus": 2.0, "code_length_bonus": 1.0, "failure_reward": -2.0, "normalize": True},
    )
)
register_mode(ScoreMode("prefix", "mean longest-common-prefix length / expected length", _prefix))


def score(instance: Instance, executions: Sequence[Any], mode: str | None = None, **params: Any) -> Score:
    """Score one Execution per hidden test of `instance`, in order.

    `mode` defaults to instance.scoring["mode"], else "binary". Parameters
    come from instance.scoring (those the mode does not take are ignored,
    e.g. a pqt instance's base under mode="binary") overridden by `params`
    (which must all be known to the mode).
    """
    tests = instance.tests
    if len(executions) != len(tests):
        raise ValueError(
            f"instance {instance.id} has {len(tests)} hidden tests but {len(executions)} executions were given; "
            "pass one Execution per test, in order"
        )
    chosen = mode if mode is not None else instance.scoring.get("mode", "binary")
    if chosen not in _MODES:
        raise ValueError(f"unknown scoring mode {chosen!r}; known modes: {', '.join(mode_names())}")
    spec = _MODES[chosen]
    unknown = sorted(set(params) - set(spec.defaults))
    if unknown:
        allowed = ", ".join(sorted(spec.defaults)) or "none"
        raise ValueError(f"scoring mode {chosen!r} takes no parameter(s) {unknown}; it takes: {allowed}")
    merged = {k: v for k, v in instance.scoring.items() if k in spec.defaults}
    merged.update(params)

    expected = [t.output for t in tests]
    details = [
        {
            "status": x.status,
            "passed": passes(x, e),
            "expected_len": len(e),
            "output_len": len(x.output),
        }
        for e, x in zip(expected, executions)
    ]
    passed = sum(d["passed"] for d in details)
    reward = float(spec.reward(expected, executions, **merged))
    return Score(passed=passed, total=len(tests), reward=reward, details=details)
