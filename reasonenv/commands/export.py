"""Write every instance of a suite as one JSON object per line (description, examples, hidden tests, metadata).

With --solutions each line also carries the reference solution in the
chosen language where one is known (supervised-pretraining data).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", required=True, help="suite name (see `reasonenv tasks`)")
    parser.add_argument(
        "--language",
        help="language the instances are asked in (e.g. bf, befunge93, ook, bf-dialect-7, python); "
        "instances a suite ties to another language are skipped. Default: each instance's own, else bf.",
    )
    parser.add_argument("--families", nargs="+", metavar="FAMILY", help="only these families")
    parser.add_argument("--solutions", action="store_true", help="include reference solutions")
    parser.add_argument("--out", required=True, help="output .jsonl path ('-' for stdout)")


def main(args: argparse.Namespace) -> int:
    import esolangs
    from curricula.base import reference_solution
    from curricula.suites import get_suite

    try:
        suite = get_suite(args.suite)
        language = None
        if args.language and args.language != "python":
            language = esolangs.get(args.language).name if not args.language.startswith("bf-dialect") else args.language
        elif args.language:
            language = "python"
        if args.families:
            unknown = sorted(set(args.families) - set(suite.families()))
            if unknown:
                raise ValueError(f"families {unknown} are not in suite {suite.name!r}; it has: {', '.join(suite.families())}")
    except ValueError as err:
        print(f"reasonenv export: {err}", file=sys.stderr)
        return 2

    out = sys.stdout if args.out == "-" else None
    if out is None:
        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        out = path.open("w")
    written = skipped = 0
    try:
        for inst in suite.instances():
            if args.families and inst.family not in args.families:
                continue
            lang = language or inst.language or "bf"
            if inst.language and language and _base(language) != _base(inst.language):
                skipped += 1
                continue
            record = inst.to_dict()
            record["language"] = lang
            if args.solutions:
                record["solution"] = reference_solution(inst, lang)
            out.write(json.dumps(record) + "\n")
            written += 1
    finally:
        if out is not sys.stdout:
            out.close()
    where = "stdout" if args.out == "-" else args.out
    note = f" ({skipped} tied to another language skipped)" if skipped else ""
    print(f"wrote {written} instances of suite {suite.name!r} v{suite.version} to {where}{note}", file=sys.stderr)
    return 0


def _base(language: str) -> str:
    """Dialects and Ook! are Brainfuck underneath: a BF-tied instance may be asked in them."""
    return "bf" if language in ("bf", "ook") or language.startswith("bf-dialect") else language
