"""List task suites, families (with tier, difficulty levels and a one-line summary) and shipped curricula."""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", help="only the families of this suite")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def main(args: argparse.Namespace) -> int:
    from curricula.base import family_class, family_names
    from curricula.schedulers import curriculum_names
    from curricula.suites import get_suite, suite_names

    try:
        suites = [get_suite(args.suite)] if args.suite else [get_suite(n) for n in suite_names()]
    except ValueError as err:
        print(f"reasonenv tasks: {err}", file=sys.stderr)
        return 2
    rows = []
    listed = set()
    for suite in suites:
        for name in suite.families():
            cls = family_class(name)
            listed.add(name)
            rows.append(_row(suite.name, cls))
    if not args.suite:
        for name in family_names():
            if name not in listed:
                rows.append(_row(family_class(name).suite, family_class(name)))
    if args.json:
        print(
            json.dumps(
                {
                    "suites": [
                        {"name": s.name, "version": s.version, "summary": s.summary, "families": s.families()}
                        for s in suites
                    ],
                    "families": rows,
                    "curricula": curriculum_names(),
                },
                indent=2,
            )
        )
        return 0
    print("Suites:")
    for suite in suites:
        count = sum(entry.count for entry in suite.entries)
        print(f"  {suite.name:<12} v{suite.version:<4} {count:>5} instances  {suite.summary}")
    print()
    width = max((len(r["family"]) for r in rows), default=10)
    print(f"{'family':<{width}}  {'suite':<10}  {'tier':<10}  levels  summary")
    for r in rows:
        print(f"{r['family']:<{width}}  {r['suite']:<10}  {r['tier'] or '-':<10}  {r['levels']:>6}  {r['summary']}")
    print()
    print("Curricula:", ", ".join(curriculum_names()))
    return 0


def _row(suite: str, cls) -> dict:
    return {
        "family": cls.name,
        "suite": suite,
        "tier": cls.tier,
        "levels": cls.config_class.num_levels(),
        "summary": cls.summary,
    }
