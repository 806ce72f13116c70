"""Brainfuck dialects: Ook! (`ook`) and the seeded family `bf-dialect-<seed>`, run by translation to Brainfuck.

A dialect renames the eight Brainfuck commands; its programs are translated
to Brainfuck and run on the Brainfuck engines, so one step is one dialect
command token executed and every BrainfuckOptions field applies.

The `bf-dialect-<seed>` mapping comes from a PRNG built on SHA-256 (not
`random` or numpy), so a seed names the same dialect in every release and
on every platform; tests/esolangs/test_dialects.py pins seeds 0..9.

Token envs also offer a dialect's actions in a seeded order
(`seeded_order()`, numpy SeedSequence from the seed, pinned in
tests/esolangs/test_knowledge.py), so action i means a different command in
every dialect; `knowledge` gives every token Brainfuck's effect id. Ook!
keeps the canonical order: at token level it is Brainfuck under other names.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterator
from string import Template
from typing import Any, ClassVar

from esolangs.base import SYNTAX_ERROR, Diagnostic, Execution, Language, Limits, as_source
from esolangs.bf_semantics import (
    COMMANDS,
    HELLO_WORLD,
    BrainfuckOptions,
    bracket_diagnostics,
    command_effects,
    load_doc,
    options_note,
    syntax_error_text,
    with_option_rules,
)
from esolangs.brainfuck import run_reference
from esolangs.brainfuck_fast import run_fast
from esolangs.knowledge import Knowledge, doc_table_meanings, knowledge_table
from esolangs.validation import check_int

COMMAND_MEANINGS = {
    ">": "move the pointer one cell right",
    "<": "move the pointer one cell left",
    "+": "add 1 to the current cell (wrapping)",
    "-": "subtract 1 from the current cell (wrapping)",
    ".": "write the current cell as one byte",
    ",": "read one input byte into the current cell",
    "[": "if the current cell is 0, jump past the matching close-loop token",
    "]": "if the current cell is not 0, jump back to just after the matching open-loop token",
}

_TRANSLATION_CACHE_SIZE = 1024


class TranslatedDialect(Language):
    """A Brainfuck dialect: a bijection between its command tokens and the eight Brainfuck commands."""

    options_class: ClassVar[type] = BrainfuckOptions
    options: BrainfuckOptions

    def __init__(self, options: BrainfuckOptions | None = None):
        super().__init__(options)
        self._translations: OrderedDict[str, tuple[str, tuple[int, ...]]] = OrderedDict()

    # ---- the mapping (subclasses define `table` and `_tokenize`)
    @property
    def table(self) -> dict[str, str]:
        """Brainfuck command -> dialect token, for all eight commands."""
        raise NotImplementedError

    def _tokenize(self, source: str) -> tuple[str, tuple[int, ...]]:
        """Brainfuck text of the source's commands, and the source offset of each command's token."""
        raise NotImplementedError

    @property
    def alphabet(self) -> tuple[str, ...]:
        return tuple(self.table[command] for command in COMMANDS)

    def _build_knowledge(self) -> tuple[Knowledge, ...]:
        """Brainfuck's effects under this dialect's names; meanings from this dialect's own doc table."""
        by_command = command_effects(self.options)
        effects = {self.table[command]: by_command[command] for command in COMMANDS}
        meanings = with_option_rules(doc_table_meanings(self.doc), self.table, self.options)
        return knowledge_table(self.alphabet, effects, meanings)

    def from_bf(self, bf_source: str | bytes) -> str:
        """The dialect program for a Brainfuck program (its comments are dropped)."""
        table = self.table
        return self.token_separator().join(table[char] for char in as_source(bf_source) if char in table)

    def to_bf(self, source: str | bytes) -> str:
        """The Brainfuck program (commands only) that this dialect program stands for."""
        return self._translate(as_source(source))[0]

    def _translate(self, source: str) -> tuple[str, tuple[int, ...]]:
        cached = self._translations.get(source)
        if cached is not None:
            self._translations.move_to_end(source)
            return cached
        translated = self._tokenize(source)
        if len(source) <= 65_536:
            self._translations[source] = translated
            if len(self._translations) > _TRANSLATION_CACHE_SIZE:
                self._translations.popitem(last=False)
        return translated

    # ---- behaviour
    def validate(self, source: str | bytes) -> list[Diagnostic]:
        if self.options.unmatched == "ignore":
            return []
        text = as_source(source)
        bf, token_offsets = self._translate(text)
        return self._source_diagnostics(text, bf, token_offsets)

    def _source_diagnostics(self, text: str, bf: str, token_offsets: tuple[int, ...]) -> list[Diagnostic]:
        """Bracket diagnostics of the Brainfuck translation, placed at the dialect tokens."""
        diagnostics = []
        for found in bracket_diagnostics(bf):
            offset = token_offsets[found.offset]
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            message = found.message
            for command in "[]":
                message = message.replace(f"'{command}'", f"{self.table[command]!r}")
            diagnostics.append(Diagnostic(message=message, line=line, column=column, offset=offset))
        return diagnostics

    def _run(self, source: str, stdin: bytes, limits: Limits, engine: str) -> Execution:
        bf, token_offsets = self._translate(source)
        if self.options.unmatched == "error":
            diagnostics = self._source_diagnostics(source, bf, token_offsets) if "[" in bf or "]" in bf else []
            if diagnostics:
                return Execution(SYNTAX_ERROR, b"", 0, syntax_error_text(diagnostics, self.title))
        if engine == "reference":
            return run_reference(bf, stdin, limits, self.options)
        return run_fast(bf, stdin, limits, self.options)

    def _run_reference(self, source: str, stdin: bytes, limits: Limits, seed: int) -> Execution:
        return self._run(source, stdin, limits, "reference")

    def _run_fast(self, source: str, stdin: bytes, limits: Limits, seed: int) -> Execution:
        return self._run(source, stdin, limits, "fast")

    def configure(self, **options: Any) -> Language:
        if not options:
            return self
        allowed = {f.name for f in dataclasses.fields(BrainfuckOptions)}
        unknown = sorted(set(options) - allowed)
        if unknown:
            raise TypeError(f"unknown option(s) {unknown} for language {self.name!r}; allowed: {sorted(allowed)}")
        return self._with_options(dataclasses.replace(self.options, **options))

    def _with_options(self, options: BrainfuckOptions) -> TranslatedDialect:
        return type(self)(options)

    def command_table_markdown(self) -> str:
        rows = ["| token | Brainfuck | meaning |", "|---|---|---|"]
        for command in COMMANDS:
            token = self.table[command].replace("|", "\\|")
            rows.append(f"| `{token}` | `{command}` | {COMMAND_MEANINGS[command]} |")
        return "\n".join(rows)


# ---------------------------------------------------------------- Ook!

OOK_TABLE = {
    ">": "Ook. Ook?",
    "<": "Ook? Ook.",
    "+": "Ook. Ook.",
    "-": "Ook! Ook!",
    ".": "Ook! Ook.",
    ",": "Ook. Ook!",
    "[": "Ook! Ook?",
    "]": "Ook? Ook!",
}
_OOK_WORD = re.compile(r"Ook([.?!])")
_OOK_PAIRS = {tuple(token.replace("Ook", "").split()): command for command, token in OOK_TABLE.items()}


class Ook(TranslatedDialect):
    """Ook!: each Brainfuck command is a pair of the words `Ook.`, `Ook?`, `Ook!`."""

    name: ClassVar[str] = "ook"
    title: ClassVar[str] = "Ook!"
    summary: ClassVar[str] = "Brainfuck spelled with pairs of Ook. Ook? Ook! (the orangutan dialect)."
    file_extension: ClassVar[str] = ".ook"
    sample: ClassVar[tuple[str, bytes, bytes]] = (
        " ".join(OOK_TABLE[char] for char in HELLO_WORLD),
        b"",
        b"Hello World!\n",
    )

    @property
    def table(self) -> dict[str, str]:
        return OOK_TABLE

    def token_separator(self) -> str:
        return " "

    @property
    def doc(self) -> str:
        return load_doc("ook.md") + options_note(self.options)

    def _tokenize(self, source: str) -> tuple[str, tuple[int, ...]]:
        words = [(match.group(1), match.start()) for match in _OOK_WORD.finditer(source)]
        commands = []
        offsets = []
        # Words pair up in order; a pair that names no command (Ook? Ook?) and a last odd word are ignored.
        for index in range(0, len(words) - 1, 2):
            command = _OOK_PAIRS.get((words[index][0], words[index + 1][0]))
            if command is not None:
                commands.append(command)
                offsets.append(words[index][1])
        return "".join(commands), tuple(offsets)


# ---------------------------------------------------------------- bf-dialect-<seed>

SYMBOL_POOL = ("!", "#", "$", "%", "&", "*", "/", ":", ";", "=", "?", "@", "^", "_", "|", "~", "(", ")", "{", "}")
"""One-character tokens: none is a letter, a digit, whitespace or a Brainfuck command."""
WORD_POOL = (
    "zip",
    "zap",
    "mox",
    "fen",
    "kel",
    "bor",
    "tuv",
    "wib",
    "gax",
    "yom",
    "pug",
    "dax",
    "lun",
    "rif",
    "sob",
    "hek",
)
"""Three-letter tokens. All tokens together are prefix-free (symbols are no letters, words have one length),
so scanning left to right for the first token that matches reads any program one way only."""
TOKEN_POOL = SYMBOL_POOL + WORD_POOL
DIALECT_VERSION = "reasonenv/bf-dialect/v1"
"""Part of the PRNG's input; changing it (or either pool) changes every dialect: don't."""


def _hash_stream(seed: int) -> Iterator[int]:
    """An endless stream of 64-bit integers determined by seed alone (SHA-256 in counter mode)."""
    counter = 0
    while True:
        digest = hashlib.sha256(f"{DIALECT_VERSION}/{seed}/{counter}".encode("ascii")).digest()
        for start in range(0, 32, 8):
            yield int.from_bytes(digest[start : start + 8], "big")
        counter += 1


def _uniform_below(stream: Iterator[int], bound: int) -> int:
    """An unbiased integer in [0, bound) by rejection sampling."""
    ceiling = (2**64 // bound) * bound
    while True:
        value = next(stream)
        if value < ceiling:
            return value % bound


def dialect_table(seed: int) -> dict[str, str]:
    """Brainfuck command -> token for bf-dialect-<seed>: a seeded draw of 8 distinct tokens from TOKEN_POOL."""
    check_int("dialect seed", seed, 0)
    stream = _hash_stream(seed)
    pool = list(TOKEN_POOL)
    # Fisher-Yates, stopped after the first 8 positions.
    for position in range(len(COMMANDS)):
        pick = position + _uniform_below(stream, len(pool) - position)
        pool[position], pool[pick] = pool[pick], pool[position]
    return dict(zip(COMMANDS, pool[: len(COMMANDS)]))


class BrainfuckDialect(TranslatedDialect):
    """bf-dialect-<seed>: Brainfuck with its eight commands renamed by a seeded bijection."""

    title: ClassVar[str] = "Brainfuck dialect"
    summary: ClassVar[str] = "Brainfuck with its eight commands renamed by a seeded bijection."
    file_extension: ClassVar[str] = ".bfd"

    default_action_order: ClassVar[str] = "seeded"
    """Token envs shuffle a dialect's actions by `seeded_order()`, so action i means a different command in each
    dialect and an agent must read `obs["action_effects"]` (Brainfuck and Ook! keep the canonical order)."""

    def __init__(self, seed: int, options: BrainfuckOptions | None = None):
        self.seed = seed
        self._table = dialect_table(seed)
        self.name = f"bf-dialect-{seed}"  # type: ignore[misc]  # per instance: one class serves every seed
        self.title = f"Brainfuck dialect {seed}"  # type: ignore[misc]  # per instance, as name above
        tokens = sorted(self._table.values(), key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(token) for token in tokens))
        self._command_of = {token: command for command, token in self._table.items()}
        super().__init__(options)
        self.sample = (self.from_bf(HELLO_WORLD), b"", b"Hello World!\n")  # type: ignore[misc]  # per instance, as name above

    @property
    def table(self) -> dict[str, str]:
        return self._table

    def token_separator(self) -> str:
        return " " if any(token.isalpha() for token in self._table.values()) else ""

    def action_order_key(self) -> tuple[int, ...]:
        """The seed itself: `seeded_order()` is SeedSequence-drawn from the dialect's seed, pinned for seeds 0..9."""
        return (0, self.seed)

    def _with_options(self, options: BrainfuckOptions) -> BrainfuckDialect:
        return BrainfuckDialect(self.seed, options)

    @property
    def doc(self) -> str:
        separator = (
            "Separate word tokens with spaces (a token counts wherever it occurs, even inside a longer word)."
            if self.token_separator()
            else "Tokens may be written next to each other."
        )
        text = Template(load_doc("bf-dialect.md")).substitute(
            name=self.name,
            table=self.command_table_markdown(),
            separator=separator,
            example=self.from_bf("++++++++[>++++++++<-]>+."),
        )
        return text + options_note(self.options)

    def _tokenize(self, source: str) -> tuple[str, tuple[int, ...]]:
        command_of = self._command_of
        commands = []
        offsets = []
        for match in self._pattern.finditer(source):
            commands.append(command_of[match.group()])
            offsets.append(match.start())
        return "".join(commands), tuple(offsets)

    def __repr__(self) -> str:
        return f"BrainfuckDialect(seed={self.seed}, options={self.options!r})"


def dialect_of(match: re.Match[str]) -> BrainfuckDialect:
    """The factory of the `bf-dialect-<seed>` pattern (esolangs.registry names it "esolangs.dialects:dialect_of")."""
    return BrainfuckDialect(int(match.group(1)))
