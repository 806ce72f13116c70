"""Write every instance of a suite as one JSON object per line (description, examples, hidden tests, metadata).

With --solutions each line also carries the reference solution in the
chosen language where one is known (supervised-pretraining data).

The file is written whole or not at all: lines go to a temporary file next
to --out, which replaces --out only once every line is written, so a full
disk or an interrupt leaves any earlier file intact. An --out that is not a
regular file (a device such as /dev/stdout, a pipe) is written directly.

examples:
  reasonenv export --suite pqt --language bf --solutions --out pqt.jsonl
  reasonenv export --suite paper --families paper-bf-copy,paper-bf-sort --out - | head -1
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO, cast

from reasonenv.files import atomic_file


def comma_list(text: str) -> tuple[str, ...]:
    """'a,b' -> ('a', 'b'): the list syntax shared with `reasonenv bench`."""
    items = tuple(item.strip() for item in text.split(",") if item.strip())
    if not items:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
    return items


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", required=True, help="suite name (see `reasonenv tasks`)")
    parser.add_argument(
        "--language",
        help="language the instances are asked in (e.g. bf, befunge93, ook, bf-dialect-7, python); "
        "instances a suite ties to another language are skipped. Default: each instance's own, else bf.",
    )
    parser.add_argument(
        "--families",
        type=comma_list,
        metavar="A,B,...",
        help="only these families, comma-separated (as in `reasonenv bench`)",
    )
    parser.add_argument("--solutions", action="store_true", help="include reference solutions")
    parser.add_argument("--out", required=True, help="output .jsonl path ('-' for stdout)")


def main(args: argparse.Namespace) -> int:
    import esolangs
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
                raise ValueError(
                    f"families {unknown} are not in suite {suite.name!r}; it has: {', '.join(suite.families())}"
                )
        problem = None if args.out == "-" else out_path_problem(Path(args.out))
        if problem:
            raise ValueError(problem)
    except ValueError as err:
        print(f"reasonenv export: {err}", file=sys.stderr)
        return 2

    counts = {"written": 0, "skipped": 0}
    lines = _records(suite, language, args.families, args.solutions, counts)
    try:
        if args.out == "-":
            _write_lines(sys.stdout, lines)
        else:
            write_whole(Path(args.out), lines)
    except OSError as err:
        where = "stdout" if args.out == "-" else args.out
        print(f"reasonenv export: cannot write {where}: {err.strerror or err}", file=sys.stderr)
        return 1
    where = "stdout" if args.out == "-" else args.out
    note = f" ({counts['skipped']} tied to another language skipped)" if counts["skipped"] else ""
    print(
        f"wrote {counts['written']} instances of suite {suite.name!r} v{suite.version} to {where}{note}",
        file=sys.stderr,
    )
    return 0


def _records(
    suite, language: str | None, families: tuple[str, ...] | None, solutions: bool, counts: dict[str, int]
) -> Iterator[str]:
    """One JSON line per exported instance; counts what was written and skipped."""
    from curricula.base import reference_solution

    for inst in suite.instances():
        if families and inst.family not in families:
            continue
        lang = language or inst.language or "bf"
        if inst.language and language and _base(language) != _base(inst.language):
            counts["skipped"] += 1
            continue
        record = inst.to_dict()
        record["language"] = lang
        if solutions:
            record["solution"] = reference_solution(inst, lang)
        counts["written"] += 1
        yield json.dumps(record) + "\n"


def _write_lines(out: TextIO, lines: Iterator[str]) -> None:
    for line in lines:
        out.write(line)
    out.flush()


def out_path_problem(path: Path) -> str | None:
    """Why --out cannot be written as a file, or None: it is a directory, or its parent is a regular file."""
    if path.is_dir():
        return f"--out {str(path)!r} is a directory; give a file name such as {str(path / 'instances.jsonl')!r}"
    for parent in path.parents:
        if parent.exists():
            return (
                None
                if parent.is_dir()
                else f"--out {str(path)!r} is under {str(parent)!r}, which is a file, not a directory"
            )
    return None


def write_whole(path: Path, lines: Iterator[str]) -> None:
    """Write lines to path whole or not at all (temporary file + rename) when path is, or will be, a regular file."""
    if path.exists() and not path.is_file():
        with path.open("w", encoding="utf-8") as out:  # a device or pipe: nothing to replace atomically
            _write_lines(out, lines)
        return
    with atomic_file(path, "w") as out:
        _write_lines(cast("TextIO", out), lines)


def _base(language: str) -> str:
    """Dialects and Ook! are Brainfuck underneath: a BF-tied instance may be asked in them."""
    return "bf" if language in ("bf", "ook") or language.startswith("bf-dialect") else language
