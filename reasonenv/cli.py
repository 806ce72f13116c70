"""The `reasonenv` command line: one subcommand per module in reasonenv.commands; only the command being run is imported.

Adding a command is one line in COMMANDS plus a module exposing
`add_arguments(parser)` and `main(args) -> int`. `reasonenv --help` lists
the commands from this table without importing any of them, so the help
and light commands such as `run` start without Gymnasium or the task suites.

Every failure reaches the user as one line on stderr: bad arguments (exit 2),
a missing optional extra (exit 2, naming the extra to install), a file or
stdout that cannot be written (exit 1), an interrupt (130) or a closed pipe (141).
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys

from reasonenv import __version__

# name -> (module, one-line help). Modules expose `add_arguments(parser)` and `main(args) -> int`.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("reasonenv.commands.demo", "run every language on a sample program and print a table"),
    "run": ("reasonenv.commands.run", "run a program file in an esoteric language"),
    "languages": ("reasonenv.commands.languages", "list the languages and their command alphabets"),
    "tasks": ("reasonenv.commands.tasks", "list task suites and families"),
    "export": ("reasonenv.commands.export", "write a suite's instances as JSON lines"),
    "bench": ("reasonenv.commands.bench", "benchmark an LLM endpoint on esolang transfer"),
    "report": ("reasonenv.commands.report", "summarize benchmark results as markdown and charts"),
    "evaluate": ("reasonenv.commands.evaluate", "evaluate a trained agent greedily on held-out content, per family"),
    "train": (
        "reasonenv.commands.train",
        "train an agent with PPO (RLlib) over a curriculum; --resume continues a run",
    ),
}

# Errors that mean "the output could not be written" rather than "a file named in the arguments is wrong".
_WRITE_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EIO, errno.EDQUOT}


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps each command's description as written and shows every option's default unless its help states one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            not action.option_strings
            or default is None
            or default is False
            or default == argparse.SUPPRESS
            or default == []
            or "default" in text.lower()
        ):
            return text
        shown = ",".join(map(str, default)) if isinstance(default, (list, tuple)) else str(default)
        return f"{text} (default: {shown.replace('%', '%%')})"


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only `command`'s module is imported and given its arguments ("*" loads every command)."""
    parser = argparse.ArgumentParser(
        prog="reasonenv",
        description="Esolang program-synthesis environments, curricula and benchmarks.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"reasonenv {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        if command not in (name, "*"):
            sub.add_parser(name, help=help_text, description=help_text, add_help=False)
            continue
        module = importlib.import_module(module_name)
        doc = (module.__doc__ or help_text).strip()
        command_parser = sub.add_parser(name, help=help_text, description=doc, formatter_class=HelpFormatter)
        module.add_arguments(command_parser)
        command_parser.set_defaults(_main=module.main)
    return parser


def chosen_command(argv: list[str]) -> str | None:
    """The subcommand named in argv: the first argument that is not an option (the top level takes no values)."""
    for arg in argv:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = chosen_command(argv)
    try:
        parser = build_parser(command)
        args = parser.parse_args(argv)
        if not getattr(args, "_main", None):
            parser.print_help()
            return 2
        code = int(args._main(args) or 0)
        sys.stdout.flush()  # surface a full or closed stdout here, not in Python's exit-time flush
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): stop quietly
        _silence_stdout()
        return 141
    except ModuleNotFoundError as err:
        from reasonenv.extras import missing_extra

        missing = missing_extra(err, f"reasonenv {command}")
        if missing is None:
            raise  # a module of reasonenv itself is missing: a broken install, show where
        print(f"reasonenv: {missing}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"{'reasonenv ' + command if command else 'reasonenv'}: {describe_os_error(err)}", file=sys.stderr)
        _silence_stdout()
        return 1


def describe_os_error(err: OSError) -> str:
    """One line for an OSError that escaped a command: what could not be done, and where."""
    reason = err.strerror or str(err)
    if err.filename is not None:
        return f"{err.filename}: {reason}"
    if err.errno in _WRITE_ERRNOS:
        return f"cannot write the output: {reason}"
    return reason


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's exit-time flush of a broken stdout prints nothing more."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout has no file descriptor (an in-memory stream)


if __name__ == "__main__":
    sys.exit(main())
