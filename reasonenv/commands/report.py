"""Summarize benchmark results: a markdown table of pass rates with 95% Wilson intervals, transfer gaps, and PNG charts.

    reasonenv report runs/smol            # writes runs/smol/report.md, bars.png, heatmap.png

Several result directories may be given; their results are pooled.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dirs", nargs="+", type=Path, help="result directories (each holding results.jsonl)")
    parser.add_argument("--out", type=Path, help="where to write report.md and the charts (default: the first DIR)")
    parser.add_argument("--no-charts", action="store_true", help="markdown only")


def main(args: argparse.Namespace) -> int:
    from reasonenv.bench.report import write_report

    try:
        paths = write_report(args.dirs, out=args.out, charts=not args.no_charts)
    except ValueError as err:
        print(f"reasonenv report: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        print(f"reasonenv report: error: {err.strerror or err}{where}", file=sys.stderr)
        return 1
    print(paths["markdown"].read_text())
    for path in paths.values():
        print(f"wrote {path}", file=sys.stderr)
    return 0
