"""Run a program on an instance's tests with the instance's interpreter options, and score it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import esolangs
from curricula.base import Instance, TestCase

VERIFY_SEED = 0
"""The seed of every verifying run (Befunge-93's `?`): the token envs' execution traces use it too."""


def output_budget(cases: Iterable[TestCase]) -> int:
    """The max_output a verifying run gets: 4 times the longest expected output plus 64, at least 1024 bytes."""
    longest = max((len(case.output) for case in cases), default=0)
    return max(1024, 4 * longest + 64)


def language_for(instance: Instance, language: str) -> esolangs.Language:
    """The language configured with those of the instance's run_options that it accepts."""
    lang = esolangs.get(language)
    if not instance.run_options or lang.options_class is None:
        return lang
    accepted = {f.name for f in dataclasses.fields(lang.options_class)}
    options = {k: v for k, v in instance.run_options.items() if k in accepted}
    return lang.configure(**options)


def unreachable_output(instance: Instance, language: str) -> TestCase | None:
    """The first hidden test whose expected output no program can write in `language`, or None when none is known.

    A necessary condition only, for a Brainfuck-family language whose cell
    step is not invertible modulo its cell modulus
    (`esolangs.bf_semantics.output_residue` h > 1, e.g. `bf+cell_step=2`):
    every cell holds, modulo h, 0 or the last input byte it read (or
    cell_modulus-1 at EOF under eof='minus_one'), so an expected byte with
    another residue is out of reach. Every other language returns None (it
    does not say that a program exists).
    """
    from esolangs.bf_semantics import BrainfuckOptions, output_residue

    options = getattr(language_for(instance, language), "options", None)
    if not isinstance(options, BrainfuckOptions):
        return None
    h = output_residue(options)
    if h == 1:
        return None
    for case in instance.tests:
        residues = {0, *(byte % h for byte in case.input)}
        if options.eof == "minus_one":
            residues.add((options.cell_modulus - 1) % h)
        if any(byte % h not in residues for byte in case.output):
            return case
    return None


def execute(
    instance: Instance,
    program: str | bytes,
    language: str,
    tests: Iterable[TestCase] | None = None,
    *,
    max_output: int | None = None,
    seed: int = VERIFY_SEED,
) -> list[esolangs.Execution]:
    """One Execution per test (the hidden tests unless `tests` is given), under the instance's step budget."""
    lang = language_for(instance, language)
    cases = instance.tests if tests is None else tuple(tests)
    if max_output is None:
        max_output = output_budget(cases)
    limits = esolangs.Limits(max_steps=instance.max_steps, max_output=max_output)
    return [lang.run(program, case.input, limits=limits, seed=seed) for case in cases]


def evaluate(instance: Instance, program: str | bytes, language: str, *, mode: str | None = None):
    """Run `program` on the hidden tests and return (Score, executions)."""
    from curricula.scoring import score

    executions = execute(instance, program, language)
    return score(instance, executions, mode=mode), executions
