"""List the languages (name, aliases, title, command alphabet) and parametric families, or show one language's doc.

`python`, the benchmark's control language (`reasonenv bench --languages python,bf`),
is listed too; its "doc" is what the benchmark's prompts say about it.

examples:
  reasonenv languages
  reasonenv languages whitespace
  reasonenv languages bf-dialect-7 --json
  reasonenv languages python
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

_WHITESPACE_NAMES = {" ": "[Space]", "\t": "[Tab]", "\n": "[LF]", "\r": "[CR]"}
FAMILY_EXAMPLE_SEED = "0"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME", help="show this language's documentation")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def show_token(token: str) -> str:
    """A command token made visible: whitespace characters named, tokens with inner spaces quoted."""
    if token and all(ch in _WHITESPACE_NAMES for ch in token):
        return "".join(_WHITESPACE_NAMES[ch] for ch in token)
    if any(ch.isspace() for ch in token):
        return repr(token)
    return token


def show_alphabet(alphabet: tuple[str, ...] | list[str]) -> str:
    return " ".join(show_token(token) for token in alphabet)


def describe(language: Any) -> dict[str, Any]:
    """JSON-ready facts about a language (without its doc)."""
    options = language.options
    return {
        "name": language.name,
        "aliases": list(language.aliases),
        "title": language.title,
        "summary": language.summary,
        "file_extension": language.file_extension,
        "alphabet": list(language.alphabet),
        "options": dataclasses.asdict(options)
        if dataclasses.is_dataclass(options) and not isinstance(options, type)
        else None,
    }


def family_example(display: str) -> str:
    """A concrete name of a family: 'bf-dialect-<seed>' -> 'bf-dialect-0'."""
    start, end = display.find("<"), display.find(">")
    if start < 0 or end < start:
        return display
    return display[:start] + FAMILY_EXAMPLE_SEED + display[end + 1 :]


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    """Plain aligned text table with a dashed rule under the header (last column not padded)."""
    widths = [
        max(len(headers[i]), *(len(row[i]) for row in rows)) if rows else len(headers[i]) for i in range(len(headers))
    ]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(row) for row in rows)])


def python_info() -> dict[str, Any]:
    """Python as the benchmark uses it: the control language every esolang result is compared with."""
    return {
        "name": "python",
        "aliases": [],
        "title": "Python 3",
        "summary": "the LLM benchmark's control language: a model's Python score is what transfer is measured against",
        "file_extension": ".py",
        "alphabet": None,
        "options": None,
    }


def _python_doc() -> str:
    from reasonenv.bench.prompts import PYTHON_DOC

    return f"Python 3 (the benchmark's control language, not an esoteric one)\n\n{PYTHON_DOC}"


def main(args: argparse.Namespace) -> int:
    import esolangs

    if args.name and args.name.strip().lower() == "python":
        info = python_info()
        if args.json:
            print(json.dumps({**info, "doc": _python_doc()}, indent=2))
        else:
            print(_python_doc())
        return 0
    if args.name:
        try:
            language = esolangs.get(args.name)
        except ValueError as err:
            print(
                f"reasonenv languages: {err} (python, the benchmark's control language, is shown too)", file=sys.stderr
            )
            return 2
        if args.json:
            print(json.dumps({**describe(language), "doc": language.doc}, indent=2))
        else:
            print(language.doc.rstrip("\n"))
        return 0

    languages = [esolangs.get(name) for name in esolangs.names()]
    families: list[dict[str, Any]] = []
    for display in esolangs.families():
        example = esolangs.get(family_example(display))
        families.append(
            {
                "pattern": display,
                "title": f"{type(example).title} (one per seed)",
                "summary": type(example).summary,
                "example": describe(example),
            }
        )

    if args.json:
        print(
            json.dumps(
                {"languages": [describe(lang) for lang in languages], "families": families, "control": [python_info()]},
                indent=2,
            )
        )
        return 0

    rows = [[lang.name, ", ".join(lang.aliases) or "-", lang.title, show_alphabet(lang.alphabet)] for lang in languages]
    for family in families:
        shown = family["example"]
        rows.append([family["pattern"], "-", family["title"], f"{shown['name']}: {show_alphabet(shown['alphabet'])}"])
    rows.append(["python", "-", python_info()["title"], "(any text; the benchmark's control language)"])
    print(format_table(["name", "aliases", "title", "alphabet"], rows))
    print()
    print("Show a language's commands and semantics: reasonenv languages NAME")
    return 0
