"""Versioned prompt templates and the one rule that extracts a program from a model's answer; both are hashed.

The extraction rule (EXTRACTION_RULE, implemented by `extract_program`):

1. The answer's program is the content of the LAST fenced code block: a line
   starting with three or more backticks or tildes (up to three spaces of
   indentation, an optional info string such as ```bf) opens a block; a line
   of the same fence character, at least as long, closes it. A block left
   open at the end of the answer (e.g. cut off by max tokens) runs to the
   end. The info string is ignored. No fenced block: no program (the attempt
   fails with "no fenced code block").
2. Whitespace programs are invisible in most renderings, so the prompt asks
   for a transliteration: ``S`` = space, ``T`` = tab, ``L`` = line feed, every
   other character (lowercase letters, digits, punctuation, and the layout
   whitespace the model adds) is ignored as a comment. If the block contains
   none of the letters S, T, L it is taken verbatim as raw Whitespace
   (including the line feed that ends its last line), so a model that
   answers with the raw characters is also understood.
3. Every other language: the block's text verbatim (for Befunge the lines
   are the grid rows).

The prompt hash (`prompt_hash()`) covers PROMPT_VERSION, every template and
the extraction rule text; each result line carries it, so results from
different prompts are never mixed silently.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

PROMPT_VERSION = "2"
"""Bumped when prompt text that the hash does not cover changes: the language docs (2: the Brainfuck doc no
longer shows a cat program, which was the whole answer of two task families)."""
EXTRACTION_VERSION = "1"

SYSTEM_TEMPLATE = (
    "You are an expert programmer. You write complete, correct programs in {title}. "
    "Programs read the test input from standard input and write the answer to standard output, "
    "byte for byte: nothing more, nothing less. "
    "Put your final program in one fenced code block (```); the last fenced block in your reply is taken as your answer."
)

LANGUAGE_TEMPLATE = "# The language: {title}\n\n{doc}\n"

TASK_TEMPLATE = (
    "# Task\n\n{description}\n\n"
    "Input/output: {io_format}\n\n"
    "# Examples\n\n"
    "Inputs and outputs are shown as Python bytes literals.\n\n"
    "{examples}\n"
    "Write a {title} program that solves the task for every valid input, not just these examples."
    "{answer_note}"
)

EXAMPLE_TEMPLATE = "Example {number}:\n  input:  {input}\n  output: {output}\n"

SPEC_TEMPLATE = "\n{statement}\n"
"""After the examples, when the task has a spec (`curricula.spec.spec_statement`: what the examples do not show)."""

DEMO_ANSWER_TEMPLATE = "```{fence_tag}\n{program}\n```"

WHITESPACE_NOTE = (
    "\n\nWhitespace source is invisible, so write it transliterated: S for a space, T for a tab, "
    "L for a line feed. Every other character is ignored as a comment (write comments in lowercase, "
    "since S, T and L are instructions). Example: push 1 then print it as a number and end is "
    "`SSSTL TLST LLL`."
)

FENCE_NOTE = "\n\nAnswer with the complete program in one fenced code block."

FEEDBACK_TEMPLATE = (
    "Your program did not solve the task. Here is what the interpreter did on the visible examples:\n\n"
    "{report}\n"
    "Fix the program and answer with the complete corrected program in one fenced code block."
)

FEEDBACK_EXAMPLE_TEMPLATE = "Example {number}: {verdict}\n  input:    {input}\n  expected: {expected}\n  got:      {got}\n  status:   {status}{error}\n"

FEEDBACK_HIDDEN_NOTE = (
    "Your program passed every visible example but failed some hidden tests: it must work for every valid input."
)

FEEDBACK_NO_PROGRAM = "No program was found in your answer: put the complete program in a fenced code block (```)."

FEEDBACK_NO_EXAMPLES_TEMPLATE = (
    "Your program did not solve the task. The task shows no examples, so here is what the interpreter "
    "reported on the hidden tests (their inputs stay hidden):\n\n"
    "{summary}\n"
    "Fix the program and answer with the complete corrected program in one fenced code block."
)

FEEDBACK_HIDDEN_SUMMARY_TEMPLATE = "  passed:   {passed} of {total} hidden tests\n  statuses: {statuses}\n{error}"

PYTHON_DOC = (
    "Python 3.11 with the standard library only (no third-party packages, no network, no files "
    "outside the working directory). Read standard input with sys.stdin or input(); write with print() "
    "or sys.stdout.write()."
)

EXTRACTION_RULE = (
    "The program is the content of the last fenced code block (``` or ~~~, three or more, info string ignored; "
    "an unclosed last block runs to the end of the answer and counts only if non-blank); no fenced block means no program. "
    "Whitespace: if the block contains any of the letters S, T, L, they map to space, tab and line feed and every "
    "other character is dropped; otherwise the block is taken verbatim with the line feed ending its last line. Other languages: the block verbatim."
)

_TEMPLATES = (
    PROMPT_VERSION,
    EXTRACTION_VERSION,
    SYSTEM_TEMPLATE,
    LANGUAGE_TEMPLATE,
    TASK_TEMPLATE,
    EXAMPLE_TEMPLATE,
    SPEC_TEMPLATE,
    DEMO_ANSWER_TEMPLATE,
    WHITESPACE_NOTE,
    FENCE_NOTE,
    FEEDBACK_TEMPLATE,
    FEEDBACK_EXAMPLE_TEMPLATE,
    FEEDBACK_HIDDEN_NOTE,
    FEEDBACK_NO_PROGRAM,
    FEEDBACK_NO_EXAMPLES_TEMPLATE,
    FEEDBACK_HIDDEN_SUMMARY_TEMPLATE,
    PYTHON_DOC,
    EXTRACTION_RULE,
)


def prompt_hash() -> str:
    """sha256 (first 16 hex digits) of the prompt version, every template and the extraction rule."""
    digest = hashlib.sha256()
    for text in _TEMPLATES:
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------- languages


@dataclass(frozen=True)
class LanguageInfo:
    """What a prompt needs about a language: canonical name, title, doc and fence tag."""

    name: str
    title: str
    doc: str
    fence_tag: str


def language_info(name: str) -> LanguageInfo:
    if name == "python":
        return LanguageInfo("python", "Python 3", PYTHON_DOC, "python")
    import esolangs

    language = esolangs.get(name)
    tag = language.name if language.name != "whitespace" else "whitespace"
    return LanguageInfo(language.name, language.title or language.name, language.doc, tag)


# ---------------------------------------------------------------- rendering


def _literal(data: bytes) -> str:
    return repr(bytes(data))


def render_task(instance: Any, info: LanguageInfo) -> str:
    from curricula.spec import spec_statement

    examples = "".join(
        EXAMPLE_TEMPLATE.format(number=i + 1, input=_literal(case.input), output=_literal(case.output))
        for i, case in enumerate(instance.examples)
    )
    statement = spec_statement(instance)
    spec = SPEC_TEMPLATE.format(statement=statement) if statement else ""
    note = WHITESPACE_NOTE if info.name == "whitespace" else FENCE_NOTE
    return TASK_TEMPLATE.format(
        description=instance.description.strip(),
        io_format=instance.io_format.strip(),
        examples=(examples or "(none)\n") + spec,
        title=info.title,
        answer_note=note,
    )


def render_answer(program: str, info: LanguageInfo) -> str:
    """A program written as the model is asked to write it (used for demonstrations and the oracle)."""
    text = to_transliteration(program) if info.name == "whitespace" else program
    return DEMO_ANSWER_TEMPLATE.format(
        fence_tag=info.fence_tag, program=text.rstrip("\n") if info.name != "whitespace" else text
    )


def build_messages(instance: Any, info: LanguageInfo, demos: Sequence[tuple[Any, str]] = ()) -> list[dict[str, str]]:
    """Chat messages for the first attempt: system, language doc with the first task, demos as prior turns."""
    system = SYSTEM_TEMPLATE.format(title=info.title)
    language = LANGUAGE_TEMPLATE.format(title=info.title, doc=info.doc.strip())
    messages = [{"role": "system", "content": system + "\n\n" + language}]
    for demo_instance, demo_program in demos:
        messages.append({"role": "user", "content": render_task(demo_instance, info)})
        messages.append({"role": "assistant", "content": render_answer(demo_program, info)})
    messages.append({"role": "user", "content": render_task(instance, info)})
    return messages


def render_feedback(
    instance: Any, program: str | None, executions: list[Any] | None, hidden: list[Any] | None = None
) -> str:
    """The user turn sent after a failed attempt: what the interpreter did on the visible examples.

    `executions` are the runs on the visible examples; `hidden` the runs on the hidden tests, used only when
    the task shows no examples (then their statuses and first error are reported, never their inputs or
    outputs). "Passed every visible example" is said only when there were examples and each one passed.
    """
    if program is None:
        return FEEDBACK_NO_PROGRAM
    examples = list(instance.examples)
    if not examples:
        return FEEDBACK_NO_EXAMPLES_TEMPLATE.format(summary=_hidden_summary(instance, hidden or []))
    executions = list(executions or ())
    if len(executions) == len(examples) and all(
        e.status == "ok" and e.output == case.output for e, case in zip(executions, examples)
    ):
        return FEEDBACK_HIDDEN_NOTE
    report = []
    for i, (case, execution) in enumerate(zip(examples, executions)):
        passed = execution.status == "ok" and execution.output == case.output
        report.append(
            FEEDBACK_EXAMPLE_TEMPLATE.format(
                number=i + 1,
                verdict="passed" if passed else "FAILED",
                input=_literal(case.input),
                expected=_literal(case.output),
                got=_literal(execution.output[:512]),
                status=execution.status,
                error=f"\n  error:    {execution.error[:300]}" if execution.error else "",
            )
        )
    return FEEDBACK_TEMPLATE.format(report="".join(report))


def _hidden_summary(instance: Any, hidden: list[Any]) -> str:
    """Passed count, status counts and the first error of the hidden runs (no inputs or outputs)."""
    tests = list(instance.tests)
    passed = sum(1 for case, e in zip(tests, hidden) if e.status == "ok" and e.output == case.output)
    counts: dict[str, int] = {}
    for execution in hidden:
        counts[execution.status] = counts.get(execution.status, 0) + 1
    statuses = ", ".join(f"{status} x{n}" for status, n in counts.items()) or "not run"
    first_error = next((e.error for e in hidden if e.error), None)
    error = f"  error:    {first_error[:300]}\n" if first_error else ""
    return FEEDBACK_HIDDEN_SUMMARY_TEMPLATE.format(passed=passed, total=len(tests), statuses=statuses, error=error)


# ---------------------------------------------------------------- extraction

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_TRANSLITERATION = {"S": " ", "T": "\t", "L": "\n"}


def last_fenced_block(text: str) -> str | None:
    """Content of the last fenced code block in `text` (an unclosed last block runs to the end); None if none."""
    blocks: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None or (opening.group(1)[0] == "`" and "`" in opening.group(2)):
            i += 1
            continue
        fence = opening.group(1)
        body: list[str] = []
        i += 1
        while i < len(lines):
            closing = _FENCE.match(lines[i])
            if (
                closing
                and closing.group(1)[0] == fence[0]
                and len(closing.group(1)) >= len(fence)
                and not closing.group(2).strip()
            ):
                break
            body.append(lines[i])
            i += 1
        closed = i < len(lines)
        if closed or "".join(body).strip():
            blocks.append("\n".join(body))
        i += 1
    return blocks[-1] if blocks else None


def from_transliteration(text: str) -> str:
    """S/T/L letters to space/tab/line feed; every other character dropped."""
    return "".join(_TRANSLITERATION[c] for c in text if c in _TRANSLITERATION)


def to_transliteration(program: str) -> str:
    """Raw Whitespace to S/T/L letters (comments dropped), one source line per output line."""
    letters = {" ": "S", "\t": "T", "\n": "L\n"}
    return "".join(letters.get(c, "") for c in program)


def extract_program(response: str, language: str) -> str | None:
    """The program in `response` under EXTRACTION_RULE, or None when there is no fenced block."""
    block = last_fenced_block(response or "")
    if block is None:
        return None
    if language == "whitespace":
        if any(c in block for c in "STL"):
            return from_transliteration(block)
        return block + "\n"  # the line feed that ended the block's last line belongs to the program
    return block + "\n" if language == "python" else block
