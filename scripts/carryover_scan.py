"""Which task entries does a language change decide? The Brainfuck reference program's pass rate under each target.

    .venv/bin/python scripts/carryover_scan.py                                   # the learner's ladder, four targets
    .venv/bin/python scripts/carryover_scan.py --all-families --targets bf+cell_modulus=64 bf+cell_modulus=512

For every entry (bf-reasoning's, or every family at its default level) and every target language, the bf
reference program is run on `--instances` instances; instances the target cannot pose are left out and counted:
an expected byte no program can write (curricula.verify.unreachable_output) or, under a smaller cell modulus, an
input or output byte the cells cannot hold. A rate of 100% means a program copied from Brainfuck still passes, so
success there cannot tell transfer from copying; experiments.transfer states why a cell modulus is no target.
"""

from __future__ import annotations

import argparse
import sys

DEFAULT_TARGETS = ("bf+cell_step=2", "bf+eof=unchanged", "bf+cell_modulus=128", "bf+cell_modulus=512")


def cell_modulus(language) -> int:
    return int(getattr(getattr(language, "options", None), "cell_modulus", 256))


def entries(all_families: bool) -> list[tuple[str, int | None, dict]]:
    from curricula.base import family_names
    from curricula.schedulers import load_curriculum

    if all_families:
        return [(name, None, {}) for name in family_names()]
    found: dict[tuple, None] = {}
    for stage in load_curriculum("bf-reasoning").stages:
        for m in stage.mixture:
            found.setdefault((m.family, m.level, tuple(sorted(m.config.items()))), None)
    return [(family, level, dict(config)) for family, level, config in found]


def carryover(family: str, level: int | None, config: dict, target: str, instances: int) -> tuple[int, int, int]:
    """(passed, posed, left out) of the bf reference program on the first `instances` instances under `target`."""
    import esolangs
    from curricula.base import make_task, reference_solution
    from curricula.verify import evaluate, unreachable_output

    language = esolangs.get(target)
    modulus = cell_modulus(language)
    passed = posed = left_out = 0
    for instance in make_task(family, level, **config).instances(instances, seed=1):
        program = reference_solution(instance, language.base_name)  # default semantics, the target's tokens
        if program is None:
            return 0, 0, 0
        fits = all(b < modulus for case in instance.tests for b in (*case.input, *case.output))
        if not fits or unreachable_output(instance, target) is not None:
            left_out += 1
            continue
        posed += 1
        passed += int(evaluate(instance, program, target)[0].success)
    return passed, posed, left_out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", nargs="+", default=list(DEFAULT_TARGETS), help="target languages")
    parser.add_argument("--instances", type=int, default=40, help="instances per entry (default 40)")
    parser.add_argument("--all-families", action="store_true", help="every family at its default level")
    parser.add_argument("--changed-only", action="store_true", help="print only entries some target decides")
    args = parser.parse_args(argv)
    import esolangs

    for target in args.targets:
        try:
            esolangs.get(target)
        except (KeyError, ValueError) as error:
            print(f"error: --targets {target!r}: {error}", file=sys.stderr)
            return 2
    if args.instances < 1:
        print(f"error: --instances must be at least 1, got {args.instances}", file=sys.stderr)
        return 2
    print("| entry | " + " | ".join(args.targets) + " |")
    print("|---|" + "---|" * len(args.targets))
    for family, level, config in entries(args.all_families):
        try:
            results = [carryover(family, level, config, t, args.instances) for t in args.targets]
        except (TypeError, ValueError):  # a family without instances at that config (e.g. a fixed table)
            continue
        if all(posed == 0 for _, posed, _ in results):
            continue  # no Brainfuck reference solution
        if args.changed_only and all(passed == posed for passed, posed, _ in results):
            continue
        name = family + (f" L{level}" if level is not None else "") + (f" {config}" if config else "")
        cells = [f"{passed}/{posed}" + (f" ({left} left out)" if left else "") for passed, posed, left in results]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
