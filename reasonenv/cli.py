"""The `reasonenv` command line: one subcommand per module in reasonenv.commands, imported only when used."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# name -> (module, one-line help). Modules expose `add_arguments(parser)` and `main(args) -> int`.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("reasonenv.commands.demo", "run every language on a sample program and print a table"),
    "run": ("reasonenv.commands.run", "run a program file in an esoteric language"),
    "languages": ("reasonenv.commands.languages", "list the languages and their command alphabets"),
    "tasks": ("reasonenv.commands.tasks", "list task suites and families"),
    "export": ("reasonenv.commands.export", "write a suite's instances as JSON lines"),
    "bench": ("reasonenv.commands.bench", "benchmark an LLM endpoint on esolang transfer"),
    "report": ("reasonenv.commands.report", "summarize benchmark results as markdown and charts"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reasonenv",
        description="Esolang program-synthesis environments, curricula and benchmarks.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name == module_name:
                continue  # subcommand not built yet
            raise
        doc = (module.__doc__ or help_text).strip()
        command_parser = sub.add_parser(
            name, help=help_text, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        module.add_arguments(command_parser)
        command_parser.set_defaults(_main=module.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_main", None):
        parser.print_help()
        return 2
    try:
        return int(args._main(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): stop quietly, and keep Python's exit-time flush from failing again
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass  # stdout has no file descriptor (an in-memory stream)
        return 141


if __name__ == "__main__":
    sys.exit(main())
