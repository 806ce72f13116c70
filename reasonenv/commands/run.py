"""Run a program in an esoteric language and write what it prints.

The program's output bytes go to stdout unchanged; with --json one object
{status, output, steps, error} is printed instead (output as latin-1 text,
so every byte survives). Exit status: 0 when the run ends ok, 1 for any
other status (syntax_error, step_limit, output_limit, memory_limit,
runtime_error; printed on stderr without --json), 2 for a bad language
name, option or unreadable file.

Program files are read as UTF-8 text (latin-1 if they are not valid
UTF-8), so a file holds the same program as the string it was written from.
At most --max-source characters are read (from a file or from stdin with -),
and at most --max-input bytes of an --input-file: an endless stream such as
`yes |` or /dev/zero fails at once instead of filling memory.

--input TEXT passes the argument's own bytes: UTF-8 text as UTF-8, and any
other bytes unchanged (e.g. --input $'\\xff\\xfe' gives the bytes ff fe), the
way the shell handed them over.

examples:
  reasonenv run --lang bf hello.b
  echo ',[.,]' | reasonenv run --lang bf - --input 'abc'
  reasonenv run --lang whitespace cat.ws --input-file in.txt --json
  reasonenv run --lang bf prog.b -O cell_modulus=27 -O left_edge=clamp
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, BinaryIO

from esolangs.base import ENGINES, Limits

_DEFAULTS = Limits()
DEFAULT_MAX_INPUT = 16 * 1024 * 1024
"""Bytes of --input-file read at most (the program's whole input is held in memory)."""
UTF8_MAX_BYTES_PER_CHAR = 4


class InputTooLarge(ValueError):
    """A program or input stream is longer than its limit (only limit + 1 units were read)."""


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {value}")
    return value


def option_pair(text: str) -> tuple[str, Any]:
    """KEY=VALUE with VALUE read as an int, true/false, or else a string."""
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE (e.g. cell_modulus=27), got {text!r}")
    lowered = raw.strip().lower()
    if lowered in ("true", "false"):
        return key.strip(), lowered == "true"
    try:
        return key.strip(), int(raw)
    except ValueError:
        return key.strip(), raw


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="program file, or - to read the program from stdin")
    parser.add_argument(
        "--lang",
        "-l",
        required=True,
        metavar="NAME",
        help="language name or alias (see `reasonenv languages`), e.g. bf, befunge93, bf-dialect-7",
    )
    given = parser.add_mutually_exclusive_group()
    given.add_argument(
        "--input",
        "-i",
        metavar="TEXT",
        help="the program's input: the argument's bytes (UTF-8 text, or any bytes the shell passes)",
    )
    given.add_argument("--input-file", metavar="F", help="file whose bytes are the program's input")
    parser.add_argument(
        "--max-input",
        type=non_negative_int,
        default=DEFAULT_MAX_INPUT,
        metavar="N",
        help=f"bytes of --input-file read at most (default {DEFAULT_MAX_INPUT:,})",
    )
    parser.add_argument(
        "--max-source",
        type=non_negative_int,
        default=_DEFAULTS.max_source,
        metavar="N",
        help=f"program characters read at most (default {_DEFAULTS.max_source:,})",
    )
    parser.add_argument(
        "--max-steps",
        type=non_negative_int,
        default=_DEFAULTS.max_steps,
        metavar="N",
        help=f"instructions executed before step_limit (default {_DEFAULTS.max_steps:,})",
    )
    parser.add_argument(
        "--max-output",
        type=non_negative_int,
        default=_DEFAULTS.max_output,
        metavar="N",
        help=f"output bytes allowed before output_limit (default {_DEFAULTS.max_output:,})",
    )
    parser.add_argument(
        "--max-memory",
        type=non_negative_int,
        default=_DEFAULTS.max_memory,
        metavar="N",
        help=f"stack entries or heap cells before memory_limit (default {_DEFAULTS.max_memory:,})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for languages with randomness (Befunge '?')")
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="fast",
        help="fast path or the plain reference interpreter (same results; default fast)",
    )
    parser.add_argument(
        "--option",
        "-O",
        type=option_pair,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a language option, e.g. cell_modulus=27 for bf (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the raw output")


def read_program(path: str, max_chars: int = _DEFAULTS.max_source) -> str:
    """The program text of a file or of stdin ('-'), reading no more bytes than max_chars characters can take."""
    limit = UTF8_MAX_BYTES_PER_CHAR * max_chars
    what = "the program on stdin" if path == "-" else f"program file {path!r}"
    hint = f"more than --max-source {max_chars:,} characters"
    if path == "-":
        data = read_bounded(sys.stdin.buffer, limit, what, hint)
    else:
        with open(path, "rb") as handle:
            data = read_bounded(handle, limit, what, hint)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if len(text) > max_chars:
        raise InputTooLarge(f"{what} has {len(text):,} characters, {hint}")
    return text


def read_input_file(path: str, max_bytes: int) -> bytes:
    with open(path, "rb") as handle:
        return read_bounded(handle, max_bytes, f"input file {path!r}", "raise --max-input to allow more")


def read_bounded(stream: BinaryIO, limit: int, what: str, hint: str) -> bytes:
    """Up to `limit` bytes of stream; one byte more means it is too long, and nothing beyond that byte is read."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputTooLarge(f"{what} is longer than {limit:,} bytes ({hint})")
    return data


def fail(message: str) -> int:
    print(f"reasonenv run: {message}", file=sys.stderr)
    return 2


def main(args: argparse.Namespace) -> int:
    import esolangs

    try:
        language = esolangs.get(args.lang)
    except ValueError as err:
        return fail(str(err))
    try:
        language = language.configure(**dict(args.option))
    except (TypeError, ValueError) as err:
        return fail(f"bad --option for {language.name}: {err}")
    try:
        source = read_program(args.file, args.max_source)
    except OSError as err:
        return fail(f"cannot read program file {args.file!r}: {err.strerror or err}")
    except InputTooLarge as err:
        return fail(str(err))
    if args.input_file is not None:
        try:
            stdin = read_input_file(args.input_file, args.max_input)
        except OSError as err:
            return fail(f"cannot read input file {args.input_file!r}: {err.strerror or err}")
        except InputTooLarge as err:
            return fail(str(err))
    else:
        # argv arrives decoded with surrogateescape: fsencode gives back the exact bytes the shell passed
        stdin = os.fsencode(args.input or "")

    limits = Limits(
        max_steps=args.max_steps, max_output=args.max_output, max_memory=args.max_memory, max_source=args.max_source
    )
    result = language.run(source, stdin, limits=limits, seed=args.seed, engine=args.engine)

    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        write_bytes(result.output)
        if not result.ok:
            print(f"reasonenv run: {result.status}: {result.error}", file=sys.stderr)
    return 0 if result.ok else 1


def write_bytes(data: bytes) -> None:
    """Write raw bytes to stdout, also when stdout is a text stream without a buffer."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode("latin-1"))
    else:
        buffer.write(data)
        buffer.flush()
