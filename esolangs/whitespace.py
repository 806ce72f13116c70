"""Whitespace 0.3: instruction table, parser, bounded reference interpreter, validator, doc and a mnemonic assembler.

Semantics follow the reference implementation (Edwin Brady's Haskell
`wspace` 0.3) where it defines them and DESIGN.md where it does not
(bit limit, end of input, unset heap cells, printc range, negative heap
addresses). `assemble("push 72\\nprintc\\nend")` turns mnemonic text into
Whitespace source and `disassemble` turns it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from esolangs.base import (
    MEMORY_LIMIT,
    OK,
    OUTPUT_LIMIT,
    RUNTIME_ERROR,
    STEP_LIMIT,
    SYNTAX_ERROR,
    Diagnostic,
    Execution,
    Language,
    Limits,
    as_source,
    diagnostic_at,
)
from esolangs.knowledge import Knowledge, knowledge_table
from esolangs.validation import is_int

SPACE, TAB, LF = " ", "\t", "\n"

LEXICAL_EFFECTS = {SPACE: "ws_space", TAB: "ws_tab", LF: "ws_linefeed"}
"""Whitespace's knowledge is lexical: a character means something only inside a run of 2-4 of them (an
instruction) or a number or label, so its effect id names the character, not an effect. Whitespace is
outside the knowledge-transfer setting: no effect learned in another language carries over to it."""
LEXICAL_MEANINGS = {
    SPACE: "[Space]: no meaning alone; part of an instruction, a number's sign (+) or a binary digit (0)",
    TAB: "[Tab]: no meaning alone; part of an instruction, a number's sign (-) or a binary digit (1)",
    LF: "[LF]: no meaning alone; part of an instruction, or the end of a number or label",
}

# Argument kinds an instruction can take.
NUMBER = "number"
LABEL = "label"

# Largest max_bits accepted: printn of a 8192-bit value is 2,467 decimal digits,
# safely under CPython's default int/str conversion limit of 4,300 digits.
MAX_BITS_CEILING = 8192


@dataclass(frozen=True)
class Instruction:
    """One row of the instruction table: read by the parser, the assembler and the doc."""

    mnemonic: str
    chars: str
    """IMP followed by the command, as space/tab/LF characters."""
    argument: str | None
    group: str
    effect: str


INSTRUCTIONS: tuple[Instruction, ...] = (
    Instruction("push", "  ", NUMBER, "stack", "push n"),
    Instruction("dup", " \n ", None, "stack", "push a copy of the top value"),
    Instruction(
        "copy",
        " \t ",
        NUMBER,
        "stack",
        "push a copy of the n-th value from the top (0 is the top); runtime error unless 0 <= n < stack size",
    ),
    Instruction("swap", " \n\t", None, "stack", "swap the top two values"),
    Instruction("discard", " \n\n", None, "stack", "pop and forget the top value"),
    Instruction(
        "slide",
        " \t\n",
        NUMBER,
        "stack",
        "pop the top value, remove n more values (all if fewer remain, none if n <= 0), push the top back",
    ),
    Instruction("add", "\t   ", None, "arithmetic", "pop b, pop a, push a + b"),
    Instruction("sub", "\t  \t", None, "arithmetic", "pop b, pop a, push a - b"),
    Instruction("mul", "\t  \n", None, "arithmetic", "pop b, pop a, push a * b"),
    Instruction(
        "div",
        "\t \t ",
        None,
        "arithmetic",
        "pop b, pop a, push floor(a / b) (rounds toward negative infinity: -17 div 5 = -4); b = 0 is a runtime error",
    ),
    Instruction(
        "mod",
        "\t \t\t",
        None,
        "arithmetic",
        "pop b, pop a, push a - b * floor(a / b) (sign of b: -17 mod 5 = 3); b = 0 is a runtime error",
    ),
    Instruction("store", "\t\t ", None, "heap", "pop v, pop address a, heap[a] = v"),
    Instruction("retrieve", "\t\t\t", None, "heap", "pop address a, push heap[a] (0 if never stored)"),
    Instruction("mark", "\n  ", LABEL, "flow", "define label l here (does nothing when executed)"),
    Instruction("call", "\n \t", LABEL, "flow", "push the next instruction on the call stack, jump to label l"),
    Instruction("jump", "\n \n", LABEL, "flow", "jump to label l"),
    Instruction("jz", "\n\t ", LABEL, "flow", "pop v; jump to label l if v = 0"),
    Instruction("jn", "\n\t\t", LABEL, "flow", "pop v; jump to label l if v < 0"),
    Instruction("ret", "\n\t\n", None, "flow", "pop the call stack and continue there; runtime error if it is empty"),
    Instruction("end", "\n\n\n", None, "flow", "end the program (the run's status is ok)"),
    Instruction("printc", "\t\n  ", None, "io", "pop v, write the byte v; runtime error unless 0 <= v <= 255"),
    Instruction("printn", "\t\n \t", None, "io", "pop v, write v in decimal (a leading '-' if negative)"),
    Instruction("readc", "\t\n\t ", None, "io", "pop address a, heap[a] = next input byte (-1 at end of input)"),
    Instruction(
        "readn",
        "\t\n\t\t",
        None,
        "io",
        "pop address a, read one input line, heap[a] = its decimal integer; runtime error at end of input or on a malformed line",
    ),
)

# Opcodes are indices into INSTRUCTIONS.
(
    PUSH,
    DUP,
    COPY,
    SWAP,
    DISCARD,
    SLIDE,
    ADD,
    SUB,
    MUL,
    DIV,
    MOD,
    STORE,
    RETRIEVE,
    MARK,
    CALL,
    JUMP,
    JZ,
    JN,
    RET,
    END,
    PRINTC,
    PRINTN,
    READC,
    READN,
) = range(len(INSTRUCTIONS))

_BY_CHARS = {ins.chars: code for code, ins in enumerate(INSTRUCTIONS)}
_BY_MNEMONIC = {ins.mnemonic: code for code, ins in enumerate(INSTRUCTIONS)}
_PROPER_PREFIXES = {ins.chars[:k] for ins in INSTRUCTIONS for k in range(1, len(ins.chars))}
_FLOW_TARGETS = (CALL, JUMP, JZ, JN)
# Values each instruction pops, for the "empty stack" message.
_POPS = {
    DUP: 1,
    SWAP: 2,
    DISCARD: 1,
    SLIDE: 1,
    ADD: 2,
    SUB: 2,
    MUL: 2,
    DIV: 2,
    MOD: 2,
    STORE: 2,
    RETRIEVE: 1,
    JZ: 1,
    JN: 1,
    PRINTC: 1,
    PRINTN: 1,
    READC: 1,
    READN: 1,
}

_NOT_COMMAND = re.compile(r"[^ \t\n]+")
_TO_BITS = str.maketrans({SPACE: "0", TAB: "1"})
_FROM_BITS = str.maketrans({"0": SPACE, "1": TAB})
_READN_LINE = re.compile(rb"[ \t]*(-?)([0-9]+)[ \t]*\r?")


def show_chars(chars: str) -> str:
    """[Space]/[Tab]/[LF] notation of whitespace characters."""
    return "".join({SPACE: "[Space]", TAB: "[Tab]", LF: "[LF]"}.get(c, c) for c in chars)


@dataclass(frozen=True)
class WhitespaceOptions:
    """Semantic options of Whitespace."""

    max_bits: int = 1024
    """Largest magnitude of any integer, in bits: |v| < 2**max_bits. A larger
    number literal is a syntax_error; a larger arithmetic result or readn value
    a runtime_error."""

    def validate(self) -> WhitespaceOptions:
        if not is_int(self.max_bits):
            raise TypeError(f"WhitespaceOptions.max_bits must be an int, got {type(self.max_bits).__name__}")
        if not 1 <= self.max_bits <= MAX_BITS_CEILING:
            raise ValueError(
                f"WhitespaceOptions.max_bits must be between 1 and {MAX_BITS_CEILING}, got {self.max_bits}"
            )
        return self


@dataclass(frozen=True)
class Program:
    """A parsed program: parallel tuples indexed by instruction number, labels resolved.

    `args` holds the number for push/copy/slide, the target instruction index
    for call/jump/jz/jn (-1 when the label is undefined) and None otherwise.
    `starts` are instruction positions counted in command characters (the
    source with comments removed); `error` is (position, message) of the
    first syntax error, after which nothing is parsed.
    """

    ops: tuple[int, ...]
    args: tuple[Any, ...]  # int or None, by op (see above): the interpreter reads it without a check
    labels: tuple[str | None, ...]
    starts: tuple[int, ...]
    error: tuple[int, str] | None
    duplicate_labels: tuple[int, ...]
    """Instruction indices of `mark`s whose label was already defined (the first definition wins)."""


def command_chars(source: str | bytes) -> str:
    """The source with every character other than space, tab and LF (comments) removed."""
    return _NOT_COMMAND.sub("", as_source(source))


def parse(source: str | bytes, max_bits: int = WhitespaceOptions.max_bits) -> Program:
    """Parse Whitespace source (comments allowed) into a Program; never raises on any text."""
    text = as_source(source)
    cache_key = (text, max_bits)
    cached = _PARSE_CACHE.get(cache_key)
    if cached is not None:
        return cached
    program = _parse_commands(command_chars(text), max_bits)
    if len(text) <= _CACHE_SOURCE_LIMIT:
        if len(_PARSE_CACHE) >= _CACHE_ENTRIES:
            _PARSE_CACHE.clear()
        _PARSE_CACHE[cache_key] = program
    return program


# RL and LLM loops run the same short program on many inputs: parsing once pays off.
_PARSE_CACHE: dict[tuple[str, int], Program] = {}
_CACHE_ENTRIES = 4096
_CACHE_SOURCE_LIMIT = 8192


def _parse_commands(code: str, max_bits: int) -> Program:
    ops: list[int] = []
    args: list[Any] = []
    labels: list[str | None] = []
    starts: list[int] = []
    error: tuple[int, str] | None = None
    size = len(code)
    i = 0
    while i < size:
        start = i
        op = None
        for width in (2, 3, 4):
            op = _BY_CHARS.get(code[i : i + width])
            if op is not None:
                i += width
                break
        if op is None:
            rest = code[i : i + 4]
            if i + len(rest) == size and rest in _PROPER_PREFIXES:
                error = (start, f"incomplete instruction {show_chars(rest)} at the end of the program")
            else:
                error = (start, f"unknown instruction: no instruction starts with {show_chars(rest)}")
            break
        kind = INSTRUCTIONS[op].argument
        arg: int | None = None
        label: str | None = None
        if kind is not None:
            end = code.find(LF, i)
            if end < 0:
                error = (
                    start,
                    f"{INSTRUCTIONS[op].mnemonic} has a {kind} with no terminating [LF] at the end of the program",
                )
                break
            digits = code[i:end]
            i = end + 1
            if kind == NUMBER:
                arg = _number_value(digits, max_bits)
                if arg is None:
                    significant = len(digits[1:].lstrip(SPACE))
                    error = (
                        start,
                        f"{INSTRUCTIONS[op].mnemonic} literal has {significant} significant binary digits; "
                        f"the limit is max_bits={max_bits}",
                    )
                    break
            else:
                label = digits
        ops.append(op)
        args.append(arg)
        labels.append(label)
        starts.append(start)

    targets: dict[str | None, int] = {}
    duplicates: list[int] = []
    for index, op in enumerate(ops):
        if op == MARK:
            if labels[index] in targets:
                duplicates.append(index)
            else:
                targets[labels[index]] = index
    for index, op in enumerate(ops):
        if op in _FLOW_TARGETS:
            args[index] = targets.get(labels[index], -1)
    return Program(tuple(ops), tuple(args), tuple(labels), tuple(starts), error, tuple(duplicates))


def _number_value(digits: str, max_bits: int) -> int | None:
    """Value of a number literal (sign then binary digits); None if it needs more than max_bits bits."""
    if not digits:
        return 0
    bits = digits[1:].lstrip(SPACE)  # leading zeros never count against the limit
    if len(bits) > max_bits:
        return None
    value = int(bits.translate(_TO_BITS), 2) if bits else 0
    return -value if digits[0] == TAB else value


def _number_chars(value: int) -> str:
    """The shortest encoding of a number (sign, binary digits, LF); 0 is the sign alone."""
    sign = TAB if value < 0 else SPACE
    digits = format(abs(value), "b").translate(_FROM_BITS) if value else ""
    return sign + digits + LF


def _source_offset(source: str, command_index: int) -> int:
    """Offset in `source` of its command_index-th space/tab/LF character (len(source) past the end)."""
    seen = 0
    for match in re.finditer(r"[ \t\n]+", source):
        run = match.end() - match.start()
        if seen + run > command_index:
            return match.start() + command_index - seen
        seen += run
    return len(source)


def _instruction_position(source: str, program: Program, index: int) -> str:
    diag = diagnostic_at(source, _source_offset(source, program.starts[index]), "")
    return (
        f"instruction {index} ({INSTRUCTIONS[program.ops[index]].mnemonic}) at line {diag.line}, column {diag.column}"
    )


def diagnostics(source: str | bytes, max_bits: int = WhitespaceOptions.max_bits) -> list[Diagnostic]:
    """Syntax errors (severity error) and label problems (severity warning), with positions."""
    text = as_source(source)
    program = parse(text, max_bits)
    found: list[Diagnostic] = []
    if program.error is not None:
        position, message = program.error
        found.append(diagnostic_at(text, _source_offset(text, position), message))
    for index in program.duplicate_labels:
        found.append(
            diagnostic_at(
                text,
                _source_offset(text, program.starts[index]),
                f"label {_label_text(program.labels[index])} is defined again; the first definition is used",
                severity="warning",
            )
        )
    if program.error is None:
        for index, op in enumerate(program.ops):
            if op in _FLOW_TARGETS and program.args[index] == -1:
                found.append(
                    diagnostic_at(
                        text,
                        _source_offset(text, program.starts[index]),
                        f"{INSTRUCTIONS[op].mnemonic} to undefined label {_label_text(program.labels[index])} "
                        f"(a runtime_error if executed)",
                        severity="warning",
                    )
                )
    found.sort(key=lambda d: d.offset)
    return found


def _label_text(label: str | None) -> str:
    return "%" + (label or "").translate(_TO_BITS) + (" (the empty label)" if not label else "")


def interpret(program: Program, source: str, stdin: bytes, limits: Limits, max_bits: int) -> Execution:
    """Run a parsed program under limits. The plain reference interpreter."""
    if program.error is not None:
        position, message = program.error
        diag = diagnostic_at(source, _source_offset(source, position), message)
        return Execution(SYNTAX_ERROR, b"", 0, f"line {diag.line}, column {diag.column}: {message}")

    ops, args = program.ops, program.args
    count = len(ops)
    max_steps, max_output, max_memory = limits.max_steps, limits.max_output, limits.max_memory
    stack: list[int] = []
    calls: list[int] = []
    heap: dict[int, int] = {}
    out = bytearray()
    stdin_pos = 0
    pc = 0
    steps = 0
    op = -1

    def stop(status: str, message: str | None) -> Execution:
        where = _instruction_position(source, program, pc - 1) if message and pc > 0 else ""
        return Execution(status, bytes(out), steps, f"{message} ({where})" if where else message)

    def too_big(value: int) -> Execution:
        return stop(RUNTIME_ERROR, f"result needs {value.bit_length()} bits; the limit is max_bits={max_bits}")

    try:
        while True:
            if pc >= count:
                return Execution(
                    RUNTIME_ERROR, bytes(out), steps, "ran off the end of the program without an end instruction"
                )
            if steps >= max_steps:
                return Execution(STEP_LIMIT, bytes(out), steps, f"step limit of {max_steps} reached")
            op = ops[pc]
            pc += 1
            steps += 1
            if op == PUSH:
                if len(stack) >= max_memory:
                    return stop(MEMORY_LIMIT, f"stack would exceed max_memory={max_memory} entries")
                stack.append(args[pc - 1])
            elif op == DUP:
                top = stack[-1]
                if len(stack) >= max_memory:
                    return stop(MEMORY_LIMIT, f"stack would exceed max_memory={max_memory} entries")
                stack.append(top)
            elif op == ADD:
                b = stack.pop()
                a = stack.pop()
                value = a + b
                if value.bit_length() > max_bits:
                    return too_big(value)
                stack.append(value)
            elif op == SUB:
                b = stack.pop()
                a = stack.pop()
                value = a - b
                if value.bit_length() > max_bits:
                    return too_big(value)
                stack.append(value)
            elif op == MARK:
                pass
            elif op == JZ:
                if stack.pop() == 0:
                    target = args[pc - 1]
                    if target < 0:
                        return stop(RUNTIME_ERROR, f"jz to undefined label {_label_text(program.labels[pc - 1])}")
                    pc = target
            elif op == JN:
                if stack.pop() < 0:
                    target = args[pc - 1]
                    if target < 0:
                        return stop(RUNTIME_ERROR, f"jn to undefined label {_label_text(program.labels[pc - 1])}")
                    pc = target
            elif op == JUMP:
                target = args[pc - 1]
                if target < 0:
                    return stop(RUNTIME_ERROR, f"jump to undefined label {_label_text(program.labels[pc - 1])}")
                pc = target
            elif op == RETRIEVE:
                address = stack.pop()
                if address < 0:
                    return stop(RUNTIME_ERROR, f"retrieve from negative heap address {address}")
                stack.append(heap.get(address, 0))
            elif op == STORE:
                value = stack.pop()
                address = stack.pop()
                if address < 0:
                    return stop(RUNTIME_ERROR, f"store to negative heap address {address}")
                if address not in heap and len(heap) >= max_memory:
                    return stop(MEMORY_LIMIT, f"heap would exceed max_memory={max_memory} cells")
                heap[address] = value
            elif op == SWAP:
                stack[-1], stack[-2] = stack[-2], stack[-1]
            elif op == DISCARD:
                stack.pop()
            elif op == COPY:
                n = args[pc - 1]
                if not 0 <= n < len(stack):
                    return stop(RUNTIME_ERROR, f"copy {n} on a stack of {len(stack)} values (needs 0 <= n < size)")
                if len(stack) >= max_memory:
                    return stop(MEMORY_LIMIT, f"stack would exceed max_memory={max_memory} entries")
                stack.append(stack[-1 - n])
            elif op == SLIDE:
                top = stack.pop()
                n = args[pc - 1]
                if n > 0:
                    del stack[max(0, len(stack) - n) :]
                stack.append(top)
            elif op == MUL:
                b = stack.pop()
                a = stack.pop()
                value = a * b
                if value.bit_length() > max_bits:
                    return too_big(value)
                stack.append(value)
            elif op in (DIV, MOD):
                b = stack.pop()
                a = stack.pop()
                if b == 0:
                    return stop(
                        RUNTIME_ERROR, f"{INSTRUCTIONS[op].mnemonic} by zero ({a} {INSTRUCTIONS[op].mnemonic} 0)"
                    )
                value = a // b if op == DIV else a % b
                if value.bit_length() > max_bits:
                    return too_big(value)
                stack.append(value)
            elif op == CALL:
                target = args[pc - 1]
                if target < 0:
                    return stop(RUNTIME_ERROR, f"call to undefined label {_label_text(program.labels[pc - 1])}")
                if len(calls) >= max_memory:
                    return stop(MEMORY_LIMIT, f"call stack would exceed max_memory={max_memory} entries")
                calls.append(pc)
                pc = target
            elif op == RET:
                if not calls:
                    return stop(RUNTIME_ERROR, "ret with an empty call stack (no call to return from)")
                pc = calls.pop()
            elif op == END:
                return Execution(OK, bytes(out), steps, None)
            elif op == PRINTC:
                value = stack.pop()
                if not 0 <= value <= 255:
                    return stop(RUNTIME_ERROR, f"printc of {value}; a byte must be 0..255")
                if len(out) >= max_output:
                    return stop(OUTPUT_LIMIT, f"output would exceed max_output={max_output} bytes")
                out.append(value)
            elif op == PRINTN:
                digits = str(stack.pop()).encode("ascii")
                room = max_output - len(out)
                if len(digits) > room:
                    out += digits[:room]
                    return stop(OUTPUT_LIMIT, f"output would exceed max_output={max_output} bytes")
                out += digits
            elif op == READC:
                address = stack.pop()
                if address < 0:
                    return stop(RUNTIME_ERROR, f"readc into negative heap address {address}")
                if address not in heap and len(heap) >= max_memory:
                    return stop(MEMORY_LIMIT, f"heap would exceed max_memory={max_memory} cells")
                if stdin_pos < len(stdin):
                    heap[address] = stdin[stdin_pos]
                    stdin_pos += 1
                else:
                    heap[address] = -1
            elif op == READN:
                address = stack.pop()
                if address < 0:
                    return stop(RUNTIME_ERROR, f"readn into negative heap address {address}")
                if stdin_pos >= len(stdin):
                    return stop(RUNTIME_ERROR, "readn at end of input")
                newline = stdin.find(b"\n", stdin_pos)
                line_end = len(stdin) if newline < 0 else newline
                line = stdin[stdin_pos:line_end]
                stdin_pos = line_end + 1
                parsed_number = _parse_input_number(line, max_bits)
                if parsed_number is None:
                    shown = line[:40].decode("latin-1")
                    return stop(
                        RUNTIME_ERROR,
                        f"readn got the line {shown!r}{'...' if len(line) > 40 else ''}; "
                        f"expected a decimal integer such as -12 below 2**{max_bits}",
                    )
                if address not in heap and len(heap) >= max_memory:
                    return stop(MEMORY_LIMIT, f"heap would exceed max_memory={max_memory} cells")
                heap[address] = parsed_number
    except IndexError:
        needed = _POPS.get(op, 1)
        return stop(
            RUNTIME_ERROR, f"{INSTRUCTIONS[op].mnemonic} needs {needed} value{'s' if needed > 1 else ''} on the stack"
        )


def _parse_input_number(line: bytes, max_bits: int) -> int | None:
    """The integer on one input line (optional '-', decimal digits, spaces/tabs around, a trailing CR); None if malformed."""
    match = _READN_LINE.fullmatch(line)
    if match is None:
        return None
    digits = match.group(2).lstrip(b"0")
    # Bound the text before int(): 2**max_bits has at most max_bits*log10(2)+1 digits.
    if len(digits) > max_bits * 0.30103 + 1:
        return None
    value = int(digits) if digits else 0
    if value.bit_length() > max_bits:
        return None
    return -value if match.group(1) else value


# ---------------------------------------------------------------- assembler

_ALIASES = {
    "drop": "discard",
    "pop": "discard",
    "load": "retrieve",
    "label": "mark",
    "jmp": "jump",
    "return": "ret",
    "exit": "end",
    "halt": "end",
    "outc": "printc",
    "putc": "printc",
    "outn": "printn",
    "putn": "printn",
    "getc": "readc",
    "getn": "readn",
}
_ASM_TOKEN = re.compile(
    r"""\s*(?:(?P<char>'(?:\\.|[^'\\])+')|(?P<comment>\#.*)|(?P<sep>;)|(?P<word>[^\s;#']+)|(?P<bad>\S))"""
)
_CHAR_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"', "s": " "}
_RAW_NUMBER = re.compile(r"%([+-]?)([01]*)")
_RAW_LABEL = re.compile(r"%([01]*)")


def assemble(text: str) -> str:
    """Whitespace source from mnemonic text.

    One instruction per line (or several separated by ';'); '#' starts a
    comment. Mnemonics are those of INSTRUCTIONS (aliases such as drop, jmp,
    label are accepted); `name:` is short for `mark name`. Numbers: decimal
    (`-12`), a character (`'A'`, `'\\n'`) or the raw form `%` + optional
    sign `+`/`-` + binary digits (`%-101`; `%` alone is the empty number).
    Labels: a name, mapped to distinct short labels in order of first use,
    or the raw form `%` + binary digits (0 = [Space], 1 = [Tab]; `%` alone
    is the empty label). Raises ValueError naming the line for bad input.
    """
    parsed: list[tuple[int, int, str | None]] = []  # (line number, opcode, operand)
    for number, line in enumerate(text.splitlines(), start=1):
        words: list[str] = []
        for match in _ASM_TOKEN.finditer(line):
            kind = match.lastgroup
            assert kind is not None, "every alternative of _ASM_TOKEN is a named group"
            if kind == "comment":
                break
            if kind == "bad":
                raise ValueError(f"line {number}: unexpected {match.group(kind)!r} in {line.strip()!r}")
            if kind == "sep":
                _collect(parsed, number, words)
                words = []
            else:
                words.append(match.group(kind))
        _collect(parsed, number, words)

    raw_labels = {
        operand[1:].translate(_FROM_BITS)
        for _, op, operand in parsed
        if INSTRUCTIONS[op].argument == LABEL and operand is not None and operand.startswith("%")
    }
    named: dict[str, str] = {}
    next_code = 1
    pieces: list[str] = []
    for number, op, operand in parsed:
        ins = INSTRUCTIONS[op]
        pieces.append(ins.chars)
        if operand is None:  # an instruction without an operand (_collect checked the count)
            continue
        if ins.argument == NUMBER:
            pieces.append(_assemble_number(operand, number))
        elif ins.argument == LABEL:
            if operand.startswith("%"):
                raw = _RAW_LABEL.fullmatch(operand)
                if raw is None:
                    raise ValueError(f"line {number}: raw label {operand!r} must be % followed by 0s and 1s")
                pieces.append(raw.group(1).translate(_FROM_BITS) + LF)
            else:
                if operand not in named:
                    while True:
                        candidate = format(next_code, "b").translate(_FROM_BITS)
                        next_code += 1
                        if candidate not in raw_labels:
                            break
                    named[operand] = candidate
                pieces.append(named[operand] + LF)
    return "".join(pieces)


def _collect(parsed: list[tuple[int, int, str | None]], number: int, words: list[str]) -> None:
    if not words:
        return
    head = words[0]
    if head.endswith(":") and len(head) > 1:
        parsed.append((number, MARK, head[:-1]))
        _collect(parsed, number, words[1:])
        return
    mnemonic = _ALIASES.get(head.lower(), head.lower())
    if mnemonic not in _BY_MNEMONIC:
        raise ValueError(f"line {number}: unknown instruction {head!r}; known: {', '.join(_BY_MNEMONIC)}")
    op = _BY_MNEMONIC[mnemonic]
    kind = INSTRUCTIONS[op].argument
    wanted = 1 if kind else 0
    if len(words) - 1 != wanted:
        what = f"one {kind}" if kind else "no operand"
        raise ValueError(f"line {number}: {mnemonic} takes {what}, got {' '.join(words[1:]) or 'none'}")
    parsed.append((number, op, words[1] if kind else None))


def _assemble_number(operand: str, number: int) -> str:
    if operand.startswith("%"):
        raw = _RAW_NUMBER.fullmatch(operand)
        if raw is None:
            raise ValueError(f"line {number}: raw number {operand!r} must be % then an optional + or - then 0s and 1s")
        sign = {"+": SPACE, "-": TAB, "": ""}[raw.group(1)]
        if not sign and raw.group(2):
            raise ValueError(f"line {number}: raw number {operand!r} has digits but no sign; write %+{raw.group(2)}")
        return sign + raw.group(2).translate(_FROM_BITS) + LF
    if operand.startswith("'"):
        body = operand[1:-1]
        if body.startswith("\\"):
            escape = body[1:]
            if escape in _CHAR_ESCAPES:
                body = _CHAR_ESCAPES[escape]
            elif re.fullmatch(r"x[0-9a-fA-F]{2}", escape):
                body = chr(int(escape[1:], 16))
            else:
                raise ValueError(f"line {number}: unknown escape {operand}; use \\n \\t \\r \\0 \\s \\\\ \\' or \\xHH")
        if len(body) != 1:
            raise ValueError(f"line {number}: character literal {operand} must hold exactly one character")
        return _number_chars(ord(body))
    try:
        return _number_chars(int(operand, 10))
    except ValueError:
        raise ValueError(f"line {number}: {operand!r} is not a number; write e.g. 42, -7, 'A' or %+101") from None


def disassemble(source: str | bytes) -> str:
    """Mnemonic text, one instruction per line, that `assemble` turns back into the same command characters.

    Numbers come out in decimal unless written in a non-shortest form (then
    raw, e.g. `%+0101`); labels come out raw (`%` + binary digits). Raises
    ValueError with the position of a syntax error.
    """
    text = as_source(source)
    code = command_chars(text)
    program = _parse_commands(code, max(len(code), 1))
    if program.error is not None:
        position, message = program.error
        diag = diagnostic_at(text, _source_offset(text, position), message)
        raise ValueError(f"cannot disassemble: line {diag.line}, column {diag.column}: {message}")
    lines: list[str] = []
    for index, op in enumerate(program.ops):
        ins = INSTRUCTIONS[op]
        if ins.argument == LABEL:
            label = program.labels[index]
            assert label is not None, "an instruction with a label argument has its label"
            lines.append(f"{ins.mnemonic} %{label.translate(_TO_BITS)}")
        elif ins.argument == NUMBER:
            start = program.starts[index] + len(ins.chars)
            literal = code[start : code.index(LF, start) + 1]
            value = program.args[index]
            if literal == _number_chars(value) and value.bit_length() <= MAX_BITS_CEILING:
                lines.append(f"{ins.mnemonic} {value}")
            else:
                sign = {SPACE: "+", TAB: "-"}.get(literal[:1], "")
                lines.append(f"{ins.mnemonic} %{sign}{literal[1:-1].translate(_TO_BITS)}")
        else:
            lines.append(ins.mnemonic)
    return "\n".join(lines) + ("\n" if lines else "")


# ---------------------------------------------------------------- language

_GROUP_TITLES = {
    "stack": "Stack ([Space])",
    "arithmetic": "Arithmetic ([Tab][Space])",
    "heap": "Heap ([Tab][Tab])",
    "flow": "Flow control ([LF])",
    "io": "Input/output ([Tab][LF])",
}


def _render_doc() -> str:
    rows = []
    for group, title in _GROUP_TITLES.items():
        rows.append(f"| **{title}** | | |")
        for ins in INSTRUCTIONS:
            if ins.group == group:
                operand = {NUMBER: " n", LABEL: " l", None: ""}[ins.argument]
                rows.append(f"| `{ins.mnemonic}{operand}` | {show_chars(ins.chars)}{operand} | {ins.effect} |")
    table = "\n".join(rows)
    example = "\n".join(
        f"    {line:<10} {show_chars(assemble(line))}" for line in ("push 72", "printc", "push 105", "printc", "end")
    )
    return f"""# Whitespace

A stack language written only in [Space], [Tab] and [LF] (line feed); every
other character is a comment. Version 0.3, as the reference interpreter
`wspace` behaves. The machine has a stack of integers, a heap (address ->
integer) and a call stack. A program is a sequence of instructions: an IMP
(instruction group) then a command, then for some an argument.

**Numbers** (n): a sign ([Space] = +, [Tab] = -), binary digits most
significant first ([Space] = 0, [Tab] = 1), then [LF]. `push 5` is
[Space][Space] [Space][Tab][Space][Tab][LF]; `push -2` is [Space][Space]
[Tab][Tab][Space][LF]. No digits (or nothing before [LF]) means 0.
**Labels** (l): any run of [Space]/[Tab] ended by [LF]; the empty label is
allowed; if a label is marked twice the first mark counts.

| instruction | characters | effect |
|---|---|---|
{table}

**Rules.** Pop means remove the top value; popping an empty stack is a
runtime error. Integers are exact up to the bit limit (option max_bits,
default 1024: |v| < 2^1024); a longer number literal is a syntax error, a
larger result or input number a runtime error. Heap addresses must be
>= 0 (runtime error otherwise); unset cells read 0. `readn` reads one input
line: optional spaces or tabs, an optional `-`, decimal digits, optional
spaces or tabs (and a trailing CR); anything else, or no input left, is a
runtime error. Running off the end without `end`, `ret` with no call, and
a jump or call to an undefined label when executed are runtime errors.
Each instruction executed (including `mark`) is one step. Stack, call
stack and heap each hold at most max_memory entries (memory_limit).

**Example** (prints `Hi` then stops):

{example}
"""


_SAMPLE_TEXT = b"Hello, World!\n"
_SAMPLE_SOURCE = assemble("\n".join(f"push {byte}\nprintc" for byte in _SAMPLE_TEXT) + "\nend")


class Whitespace(Language):
    """Whitespace 0.3 with exact integers up to a bit limit."""

    name = "whitespace"
    aliases = ("ws",)
    title = "Whitespace"
    summary = "stack machine with a heap and subroutines, written only in space, tab and line feed"
    file_extension = ".ws"
    options_class = WhitespaceOptions
    sample = (_SAMPLE_SOURCE, b"", _SAMPLE_TEXT)

    @property
    def doc(self) -> str:
        return _DOC

    @property
    def alphabet(self) -> tuple[str, ...]:
        return (SPACE, TAB, LF)

    def _build_knowledge(self) -> tuple[Knowledge, ...]:
        """Lexical ids only (LEXICAL_EFFECTS): Whitespace is outside the knowledge-transfer setting."""
        return knowledge_table(self.alphabet, LEXICAL_EFFECTS, LEXICAL_MEANINGS)

    def validate(self, source: str | bytes) -> list[Diagnostic]:
        """Syntax errors (severity "error": the run is a syntax_error) and, as severity "warning",
        duplicate labels (the first wins) and jumps to undefined labels (runtime_error if executed)."""
        return diagnostics(source, self.options.max_bits)

    def _run_reference(self, source: str, stdin: bytes, limits: Limits, seed: int) -> Execution:
        max_bits = self.options.max_bits
        return interpret(parse(source, max_bits), source, stdin, limits, max_bits)


_DOC = _render_doc()
