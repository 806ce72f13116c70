"""Run every language on its sample program and print a table; exit 1 if any sample does not print what it should.

Each language ships a short sample (usually hello world) with its expected
output. The demo runs them all under the default limits and shows the
status, instructions executed, output, whether it matched and the time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from esolangs.base import ENGINES
from reasonenv.commands.languages import format_table

DEMO_LANGUAGES = ("bf", "befunge93", "whitespace", "ook", "bf-dialect-7")
OUTPUT_WIDTH = 28


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=ENGINES, default="fast", help="interpreter to use (default fast)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per language instead of a table")


def run_sample(name: str, engine: str) -> dict[str, Any]:
    """Run one language's sample; a missing language or sample is reported as a failed row."""
    import esolangs

    row: dict[str, Any] = {
        "language": name,
        "status": "missing",
        "steps": None,
        "output": "",
        "expected": None,
        "matches": False,
        "seconds": None,
        "error": None,
    }
    try:
        language = esolangs.get(name)
    except ValueError as err:
        row["error"] = str(err)
        return row
    if language.sample is None:
        row["error"] = f"language {name!r} has no sample program"
        return row
    source, stdin, expected = language.sample
    try:
        language.run(source, stdin, engine=engine)  # warm-up: lazy imports and parse caches stay out of the timing
        started = time.perf_counter()
        result = language.run(source, stdin, engine=engine)
    except Exception as err:  # a crashing interpreter is a failed row, not a traceback that hides the others
        row.update(status="exception", error=f"{type(err).__name__}: {err}")
        return row
    row.update(
        status=result.status,
        steps=result.steps,
        output=result.output.decode("latin-1"),
        expected=expected.decode("latin-1"),
        matches=result.ok and result.output == expected,
        seconds=time.perf_counter() - started,
        error=result.error,
    )
    return row


def visible(text: str, width: int = OUTPUT_WIDTH) -> str:
    """Text with control characters escaped (\\n, \\x00) and cut to width."""
    shown = text.encode("unicode_escape").decode("ascii")
    return shown if len(shown) <= width else shown[: width - 3] + "..."


def main(args: argparse.Namespace) -> int:
    rows = [run_sample(name, args.engine) for name in DEMO_LANGUAGES]
    passed = sum(row["matches"] for row in rows)

    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0 if passed == len(rows) else 1

    table = []
    for row in rows:
        table.append(
            [
                row["language"],
                row["status"],
                "-" if row["steps"] is None else f"{row['steps']:,}",
                visible(row["output"]),
                "yes" if row["matches"] else "NO",
                "-" if row["seconds"] is None else f"{row['seconds'] * 1000:.2f} ms",
            ]
        )
    print("reasonenv demo: each language runs its sample program under the default limits\n")
    print(
        _right_align(format_table(["language", "status", "steps", "output", "matches", "time"], table), columns=(2, 5))
    )
    print()
    print(f"{passed} of {len(rows)} samples printed their expected output.")
    sys.stdout.flush()
    for row in rows:
        if not row["matches"]:
            detail = row["error"] or f"expected {visible(row['expected'] or '', 60)}"
            print(f"  {row['language']}: {detail}", file=sys.stderr)
    return 0 if passed == len(rows) else 1


def _right_align(table: str, columns: tuple[int, ...]) -> str:
    """Right-align the given numeric columns of a format_table table (found from its dashed rule)."""
    lines = table.split("\n")
    rule = lines[1]
    spans = []
    start = 0
    for dashes in rule.split("  "):
        spans.append((start, start + len(dashes)))
        start += len(dashes) + 2
    out = []
    for line in lines:
        padded = line.ljust(len(rule))
        for index in columns:
            begin, end = spans[index]
            padded = padded[:begin] + padded[begin:end].strip().rjust(end - begin) + padded[end:]
        out.append(padded.rstrip())
    return "\n".join(out)
