"""Hindsight relabelling: a finished program that failed becomes a solved instance of "produce what it actually produced".

    relabelled = relabel(instance, produced, statuses=statuses, example_outputs=example_outputs)

`produced` holds the bytes the program wrote on the instance's hidden tests
(in test order; the token envs' `info["produced"]`), `statuses` their
run statuses (`info["statuses"]`), `example_outputs` what it wrote on the
visible examples (None for a run that did not end ok). The result is an
Instance of the same family whose expected outputs are the program's own,
so the program passes it; or None where that cannot be stated honestly:

- **spec families** (no input, one constant target stated as the spec;
  `SPEC_RULES`): the program must have written the same bytes on every
  test, and they must be a target the family can ask for:
  - emit-char: exactly one byte, in 1..max_value;
  - emit-string: 1..length bytes, each in 1..max_value (the relabelled
    config's `length` is the length written);
  - emit-repeated: 1..count copies of one byte in 1..max_value (`count` is
    the copies written);
  the relabelled instance states that target (spec, description, tests).
- **example families** (the examples determine the task): the same inputs,
  the program's outputs as the expected outputs (examples and hidden
  tests), where the family's output format allows them. The format rule is
  the one every family's `io_format` states through its expected outputs:
  each relabelled output has the length of the real expected output on
  that input (one byte for echo-byte, the input's length for reverse, twice
  it for duplicate-each) and, in a text format (an io_format that
  mentions a newline), keeps a trailing newline where the real one has it. An example whose output is unknown (no example output given and
  no hidden test with the same input) makes the result None.
- None, too, for: a program that passed already (nothing to relabel); a run
  that did not end ok (its output is no program's answer under the same
  budget); a family with a spec that `SPEC_RULES` does not know (its spec
  and relabelled examples would disagree); and **held-out content**
  (`curricula.heldout`): the relabelled instance is rejected when its
  content is held out under its own config *or* under the original
  instance's config, so no held-out target ever enters training this way.

Only the instance and the program's own outputs are read: no reference
solution, no demonstration (tests/curricula/test_relabel.py checks both).
The relabelled instance keeps the family, suite, seed, index, run options,
step budget and scoring of the original; its description says it is a
hindsight relabelling of the original's id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from curricula.base import Instance, TestCase, config_of, family_class

OK_STATUS = "ok"
"""esolangs' status of a run that ended normally (kept literal: esolangs.base.OK)."""


# ----------------------------------------------------------------------------- spec families


def _bytes_in_range(data: bytes, high: int) -> bool:
    return all(1 <= b <= high for b in data)


def _emit_char(config: dict[str, Any], target: bytes) -> dict[str, Any] | None:
    if len(target) == 1 and _bytes_in_range(target, int(config["max_value"])):
        return {}
    return None


def _emit_string(config: dict[str, Any], target: bytes) -> dict[str, Any] | None:
    if 1 <= len(target) <= int(config["length"]) and _bytes_in_range(target, int(config["max_value"])):
        return {"length": len(target)}
    return None


def _emit_repeated(config: dict[str, Any], target: bytes) -> dict[str, Any] | None:
    if not 1 <= len(target) <= int(config["count"]) or len(set(target)) != 1:
        return None
    if not _bytes_in_range(target[:1], int(config["max_value"])):
        return None
    return {"count": len(target)}


SpecRule = Callable[[dict[str, Any], bytes], "dict[str, Any] | None"]
SPEC_RULES: dict[str, SpecRule] = {
    "emit-char": _emit_char,
    "emit-string": _emit_string,
    "emit-repeated": _emit_repeated,
}
"""Constant-output families whose target is the spec: rule(config, written bytes) -> config overrides, or None
when the family cannot ask for those bytes."""


# ----------------------------------------------------------------------------- the relabeller


def relabel(
    instance: Instance,
    produced: Sequence[bytes],
    *,
    statuses: Sequence[str] | None = None,
    example_outputs: Sequence[bytes | None] | None = None,
) -> Instance | None:
    """The instance "produce what the program produced", or None where it cannot be stated (module docstring).

    `produced`: the program's output on each hidden test, in order;
    `statuses`: their run statuses (None: all ended ok); `example_outputs`:
    its output on each visible example (None entries: that run did not end
    ok), None to take them from hidden tests with the same input.
    """
    from curricula.spec import instance_spec

    produced = tuple(bytes(p) for p in produced)
    if len(produced) != len(instance.tests):
        raise ValueError(
            f"relabel needs one produced output per hidden test ({len(instance.tests)}), got {len(produced)}"
        )
    if statuses is not None and (len(statuses) != len(produced) or any(s != OK_STATUS for s in statuses)):
        return None
    if all(p == case.output for p, case in zip(produced, instance.tests)):
        return None  # it passed: nothing to relabel
    rule = SPEC_RULES.get(instance.family)
    if rule is not None:
        relabelled = _relabel_spec(instance, produced, rule)
    elif instance_spec(instance):
        return None  # a spec this module cannot restate: relabelled examples would contradict it
    else:
        relabelled = _relabel_examples(instance, produced, example_outputs)
    if relabelled is None or _held_out(instance, relabelled):
        return None
    return relabelled


def _relabel_spec(instance: Instance, produced: tuple[bytes, ...], rule: SpecRule) -> Instance | None:
    target = produced[0]
    if any(p != target for p in produced) or any(case.input for case in instance.examples + instance.tests):
        return None
    overrides = rule(dict(instance.config), target)
    if overrides is None:
        return None
    config = {**instance.config, **overrides}
    family = family_class(instance.family)
    task = family(config_of(dataclasses.replace(instance, config=config)))  # validates the relabelled config
    describe = getattr(task, "describe", None)
    base = describe({"data": target}) if describe is not None else ""
    return dataclasses.replace(
        instance,
        description=_hindsight(instance, base),
        io_format=_format(instance, family, config),
        examples=tuple(TestCase(case.input, target) for case in instance.examples),
        tests=tuple(TestCase(case.input, target) for case in instance.tests),
        config=config,
    )


def _relabel_examples(
    instance: Instance, produced: tuple[bytes, ...], example_outputs: Sequence[bytes | None] | None
) -> Instance | None:
    by_input = {case.input: out for case, out in zip(instance.tests, produced)}
    if example_outputs is None:
        outputs: list[bytes | None] = [by_input.get(case.input) for case in instance.examples]
    else:
        if len(example_outputs) != len(instance.examples):
            raise ValueError(
                f"relabel needs one example output per visible example ({len(instance.examples)}), "
                f"got {len(example_outputs)}"
            )
        outputs = [None if out is None else bytes(out) for out in example_outputs]
    lines = "newline" in instance.io_format.lower()  # a text format: its outputs end their line
    examples = []
    for case, out in zip(instance.examples, outputs):
        if out is None or not _format_allows(case.output, out, lines):
            return None
        examples.append(TestCase(case.input, out))
    if not all(_format_allows(case.output, out, lines) for case, out in zip(instance.tests, produced)):
        return None
    tests = tuple(TestCase(case.input, out) for case, out in zip(instance.tests, produced))
    base = "For each input, write exactly the output its example or test states."
    return dataclasses.replace(instance, description=_hindsight(instance, base), examples=tuple(examples), tests=tests)


def _format_allows(expected: bytes, output: bytes, lines: bool) -> bool:
    """The output format as the family's real expected output shows it: the same length; in a text format
    (`lines`), a trailing newline where the real output has one."""
    if len(output) != len(expected):
        return False
    return not (lines and expected.endswith(b"\n")) or output.endswith(b"\n")


def _hindsight(instance: Instance, description: str) -> str:
    return f"[hindsight relabelling of {instance.id}] {description}".rstrip()


def _format(instance: Instance, family: type, config: dict[str, Any]) -> str:
    try:
        return str(getattr(family, "io_format", instance.io_format)).format(**config)
    except (KeyError, IndexError, ValueError):
        return instance.io_format


def _held_out(original: Instance, relabelled: Instance) -> bool:
    """Held out under the relabelled config, or under the original's (the stricter of the two)."""
    from curricula.heldout import content_key, content_space, is_heldout

    if is_heldout(relabelled):
        return True
    space = content_space(family_class(original.family)(config_of(original)))
    return space.holds_out(content_key(relabelled))


def relabel_program(instance: Instance, program: str, language: str) -> Instance | None:
    """Run `program` on the instance's hidden tests and visible examples, then `relabel` (for callers without outputs)."""
    from curricula.verify import execute

    tests = execute(instance, program, language)
    examples = execute(instance, program, language, instance.examples) if instance.examples else []
    return relabel(
        instance,
        [run.output for run in tests],
        statuses=[run.status for run in tests],
        example_outputs=[run.output if run.status == OK_STATUS else None for run in examples],
    )
