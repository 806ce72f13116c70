"""The fast Brainfuck engine: folded instructions, deferred pointer moves, loop idioms, exact to the reference.

How it stays exact while checking limits rarely:
- Source is tokenized by one regex into runs of +-, >, < and single . , [ ].
- Code between two control ops (a bracket, a loop idiom, the end) is a
  *segment*. Inside a segment pointer moves are deferred: each + - . , op
  carries its offset from the pointer at segment entry, and the segment's
  net move is applied by the control op that ends it. A segment's cost (in
  original instructions) and the lowest and highest offsets it visits are
  known when the program is compiled.
- On entering a segment the engine checks once that the whole segment fits
  in the remaining step budget and stays on the tape. If so it runs with no
  step or edge checks; the one error left inside it (the output limit) is
  charged exactly from the op's offset in its segment. If not, that one
  segment runs instruction run by instruction run with every check
  (`_careful_segment`), which handles clamping and edge errors.
- A loop whose body only adds and moves with net movement 0 (`[-]`, `[->+<]`,
  `[->++>+++<<]`, ...) is solved in closed form: the number of iterations n
  is the smallest n >= 1 with v + n*d = 0 (mod cell_modulus), infinite when
  none exists; it costs 1 + n*(body+1) steps. A loop whose body is a single
  run of > or < is a scan (bytearray.find for stride 1). Neither writes
  output, so when the budget runs out inside one the observable result
  (step_limit, output so far, steps = max_steps) is known without
  simulating. When an idiom would touch a tape edge it runs its body as an
  ordinary loop instead, which charges the edge exactly.
- Compiled programs are cached by source text (LRU): RL emits many duplicates.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from math import gcd

from esolangs.base import OK, SYNTAX_ERROR, Execution, Limits
from esolangs.brainfuck import (
    BrainfuckOptions,
    bracket_diagnostics,
    left_edge_error,
    memory_limit,
    new_tape,
    output_limit,
    step_limit,
    syntax_error_text,
)

ADD, CLOSE, OPEN, OUT, LOOP, SCAN, IN, END = range(8)
KIND_NAMES = ("ADD", "CLOSE", "OPEN", "OUT", "LOOP", "SCAN", "IN", "END")

_NON_COMMAND = re.compile(r"[^\[\]<>+\-.,]+")
_TOKEN = re.compile(r"[+\-]+|>+|<+|[.,\[\]]")

CACHE_SIZE = 4096
CACHE_MAX_SOURCE = 65_536
"""Longer sources are compiled every time: caching a few megabyte-long programs would hold gigabytes."""
_cache: OrderedDict[tuple[str, str], "Program | str"] = OrderedDict()


class Program:
    """A compiled program: parallel per-op tables read by the interpreter loop.

    Ops are indexed by pc; a segment is named by the pc of its first op
    (0, or the op after a control op). Tables may be longer than the program;
    entries past END are unused.
    """

    __slots__ = ("kinds", "offsets", "args", "before", "pre", "target", "need", "low", "high",
                 "tokens", "stray", "segment_token")

    def __init__(self, size: int, tokens: list[str], stray: frozenset[int]) -> None:
        self.kinds = [END] * size
        """Op kind of each op; the last op is END."""
        self.offsets = [0] * size
        """ADD/OUT/IN: cell offset from the pointer at segment entry; control ops: the segment's net move."""
        self.args: list = [None] * size
        """ADD: amount; SCAN: signed stride; LOOP: (delta, steps_per_iteration, other_cells)."""
        self.before = [0] * size
        """OUT: cost of the segment's instructions before it (charges the output limit exactly)."""
        self.pre = [0] * size
        """Control op: cost of its segment plus its own step (END: plus nothing)."""
        self.target = [0] * size
        """Control op: where it jumps (OPEN/LOOP/SCAN: after the loop; CLOSE: after its OPEN)."""
        self.need = [0] * size
        """Segment: steps to run it and the first step of its closing control op."""
        self.low = [0] * size
        """Segment: minus the lowest offset it visits (the pointer must be >= this to enter fast)."""
        self.high = [0] * size
        """Segment: the highest offset it visits (pointer + this must be < tape_size)."""
        self.segment_token = [0] * size
        """Segment: index of its first token, for careful token-by-token execution."""
        self.tokens = tokens
        """The instruction runs of the source ('+-+', '>>', '.', '[', ...)."""
        self.stray = stray
        """Token indices of unmatched brackets (no-ops that cost a step)."""

    def describe(self) -> list[str]:
        """Human-readable op listing, for debugging."""
        listing = []
        for pc, kind in enumerate(self.kinds):
            listing.append(f"{pc}: {KIND_NAMES[kind]} offset={self.offsets[pc]} arg={self.args[pc]!r}")
            if kind == END:
                break
        return listing


def compile_program(source: str, unmatched: str, stray: frozenset[int] | None = None) -> "Program | str":
    """Compile source text; returns a syntax error message instead when brackets are unbalanced under 'error'.

    One pass over the tokens assumes every '[' is matched; if some turn out
    unmatched at the end, 'ignore' compiles again knowing which (rare).
    """
    tokens = _TOKEN.findall(_NON_COMMAND.sub("", source))
    known_stray = stray if stray is not None else frozenset()
    program = Program(len(tokens) + 2, tokens, known_stray)
    kinds, offsets, args, before = program.kinds, program.offsets, program.args, program.before
    pre, target, need, low, high = program.pre, program.target, program.need, program.low, program.high
    segment_token = program.segment_token

    pc = 0
    segment_start = 0
    offset = lowest = highest = cost = 0
    segment_has_io = False
    open_ops: list[tuple[int, int]] = []
    new_stray: list[int] = []
    for index, token in enumerate(tokens):
        first = token[0]
        if first == "+":
            length = len(token)
            kinds[pc] = ADD
            offsets[pc] = offset
            args[pc] = length if "-" not in token else 2 * token.count("+") - length
            pc += 1
            cost += length
        elif first == "-":
            length = len(token)
            kinds[pc] = ADD
            offsets[pc] = offset
            args[pc] = -length if "+" not in token else 2 * token.count("+") - length
            pc += 1
            cost += length
        elif first == ">":
            offset += len(token)
            cost += len(token)
            if offset > highest:
                highest = offset
        elif first == "<":
            offset -= len(token)
            cost += len(token)
            if offset < lowest:
                lowest = offset
        elif first == "." or first == ",":
            kinds[pc] = OUT if first == "." else IN
            offsets[pc] = offset
            before[pc] = cost
            pc += 1
            cost += 1
            segment_has_io = True
        elif index in known_stray or (first == "]" and not open_ops):
            if stray is None:
                new_stray.append(index)
            cost += 1  # an unmatched bracket does nothing but costs a step
        else:
            # A control op closes the segment before it.
            is_close = first == "]"
            kinds[pc] = CLOSE if is_close else OPEN
            offsets[pc] = offset
            pre[pc] = cost + 1
            need[segment_start] = cost + 1
            low[segment_start] = -lowest
            high[segment_start] = highest
            if is_close:
                start, start_token = open_ops.pop()
                target[start] = pc + 1
                target[pc] = start + 1
                if segment_start == start + 1 and not segment_has_io:  # innermost loop: its body is one segment
                    _recognize_idiom(program, start, pc, index - start_token - 1, tokens)
            else:
                open_ops.append((pc, index))
            pc += 1
            segment_start = pc
            segment_token[segment_start] = index + 1
            offset = lowest = highest = cost = 0
            segment_has_io = False
    if open_ops and stray is None:
        if unmatched == "error":
            return syntax_error_text(bracket_diagnostics(source))
        return compile_program(source, unmatched, frozenset(new_stray + [token for _, token in open_ops]))
    if new_stray and unmatched == "error":
        return syntax_error_text(bracket_diagnostics(source))
    kinds[pc] = END
    offsets[pc] = offset
    pre[pc] = cost
    need[segment_start] = cost
    low[segment_start] = -lowest
    high[segment_start] = highest
    if stray is None and new_stray:
        program.stray = frozenset(new_stray)
    return program


def _recognize_idiom(program: Program, start: int, close: int, body_tokens: int, tokens: list[str]) -> None:
    """Turn the OPEN at `start` into LOOP or SCAN when its body (one segment, no output or input) is an idiom."""
    if close == start + 1 and body_tokens == 1 and tokens[program.segment_token[start + 1]][0] in "<>":
        program.kinds[start] = SCAN
        program.args[start] = program.offsets[close]
        return
    if program.offsets[close] != 0:
        return
    deltas: dict[int, int] = {}
    for pc in range(start + 1, close):
        deltas[program.offsets[pc]] = deltas.get(program.offsets[pc], 0) + program.args[pc]
    others = tuple((cell, amount) for cell, amount in sorted(deltas.items()) if cell != 0 and amount != 0)
    program.kinds[start] = LOOP
    program.args[start] = (deltas.get(0, 0), program.pre[close], others)


def _compiled(source: str, unmatched: str) -> "Program | str":
    if len(source) > CACHE_MAX_SOURCE:
        return compile_program(source, unmatched)
    key = (source, unmatched)
    program = _cache.get(key)
    if program is None:
        program = compile_program(source, unmatched)
        _cache[key] = program
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return program


def clear_cache() -> None:
    _cache.clear()


def loop_iterations(value: int, delta: int, modulus: int) -> int:
    """Smallest n >= 1 with value + n*delta = 0 (mod modulus), for value != 0; 0 when the loop never ends."""
    delta %= modulus
    if delta == modulus - 1:
        return value
    if delta == 1:
        return modulus - value
    if delta == 0:
        return 0
    divisor = gcd(delta, modulus)
    if value % divisor:
        return 0
    reduced = modulus // divisor
    return (-(value // divisor) * pow(delta // divisor, -1, reduced)) % reduced


def run_fast(source: str, stdin: bytes, limits: Limits, options: BrainfuckOptions) -> Execution:
    """Run source under limits and options; same status, output and steps as `run_reference`."""
    program = _compiled(source, options.unmatched)
    if isinstance(program, str):
        return Execution(SYNTAX_ERROR, b"", 0, program)
    kinds = program.kinds
    offsets = program.offsets
    args = program.args
    pre = program.pre
    target = program.target
    need = program.need
    low = program.low
    high = program.high

    max_steps = limits.max_steps
    max_output = limits.max_output
    modulus = options.cell_modulus
    size = options.tape_size
    clamp = options.left_edge == "clamp"
    eof = options.eof
    byte_tape = modulus <= 256
    tape = new_tape(options)
    output = bytearray()
    input_length = len(stdin)
    p = 0
    ip = 0
    pc = 0
    steps = 0

    if need[0] > max_steps or low[0] > 0 or high[0] >= size:
        state = _careful_segment(program, 0, tape, output, p, ip, steps, stdin, limits, options)
        if type(state) is Execution:
            return state
        pc, p, ip, steps = state

    while True:
        kind = kinds[pc]
        if kind == ADD:
            cell = p + offsets[pc]
            tape[cell] = (tape[cell] + args[pc]) % modulus
            pc += 1
            continue
        if kind == CLOSE:
            p += offsets[pc]
            steps += pre[pc]
            pc = target[pc] if tape[p] else pc + 1
        elif kind == OPEN:
            p += offsets[pc]
            steps += pre[pc]
            pc = pc + 1 if tape[p] else target[pc]
        elif kind == OUT:
            if len(output) >= max_output:
                return output_limit(output, steps + program.before[pc] + 1, max_output)
            output.append(tape[p + offsets[pc]] & 255)
            pc += 1
            continue
        elif kind == LOOP:
            p += offsets[pc]
            steps += pre[pc]
            value = tape[p]
            if not value:
                pc = target[pc]
            elif p < low[pc + 1] or p + high[pc + 1] >= size:
                pc += 1  # near an edge: run the body as an ordinary loop (careful), which charges the edge exactly
            else:
                delta, per_iteration, others = args[pc]
                if delta == -1:
                    n = value
                elif delta == 1:
                    n = modulus - value
                else:
                    n = loop_iterations(value, delta, modulus)
                    if n == 0:
                        return step_limit(output, max_steps)
                steps += n * per_iteration
                if steps > max_steps:
                    return step_limit(output, max_steps)
                tape[p] = 0
                if others:
                    for offset, amount in others:
                        tape[p + offset] = (tape[p + offset] + n * amount) % modulus
                pc = target[pc]
        elif kind == SCAN:
            p += offsets[pc]
            steps += pre[pc]
            if not tape[p]:
                pc = target[pc]
            else:
                found = _scan(tape, p, args[pc], size, clamp, byte_tape)
                if found == -1:
                    pc += 1  # it would leave the tape: run it as an ordinary loop to charge the edge exactly
                elif found == -2:
                    return step_limit(output, max_steps)
                else:
                    distance = abs(args[pc])
                    # ceil: a clamped left scan lands on cell 0 from a position that is no multiple of the stride
                    n = (abs(found - p) + distance - 1) // distance
                    if steps + n * (distance + 1) > max_steps:
                        return step_limit(output, max_steps)
                    steps += n * (distance + 1)
                    p = found
                    pc = target[pc]
        elif kind == IN:
            cell = p + offsets[pc]
            if ip < input_length:
                tape[cell] = stdin[ip] % modulus
                ip += 1
            elif eof == "zero":
                tape[cell] = 0
            elif eof == "minus_one":
                tape[cell] = modulus - 1
            pc += 1
            continue
        else:  # END
            return Execution(OK, bytes(output), steps + pre[pc])
        # A control op ran: check that the next segment fits the budget and the tape before running it unchecked.
        if steps + need[pc] > max_steps or p < low[pc] or p + high[pc] >= size:
            state = _careful_segment(program, pc, tape, output, p, ip, steps, stdin, limits, options)
            if type(state) is Execution:
                return state
            pc, p, ip, steps = state


def _scan(tape, p: int, stride: int, size: int, clamp: bool, byte_tape: bool) -> int:
    """Where a scan loop starting on nonzero cell p stops; -2 if it never stops, -1 if it must leave the tape.

    With clamp, a left scan that runs past cell 0 lands on cell 0 and stops
    there if that cell is 0; otherwise it spins forever (-2).
    """
    if stride == 1:
        if byte_tape:
            return tape.find(0, p + 1)
        try:
            return tape.index(0, p + 1)
        except ValueError:
            return -1
    if stride == -1 and byte_tape:
        found = tape.rfind(0, 0, p)
        if found >= 0 or not clamp:
            return found
        return -2  # every cell from 0 up is nonzero: clamped at 0 forever
    q = p + stride
    while 0 <= q < size and tape[q]:
        q += stride
    if 0 <= q < size:
        return q
    if stride > 0 or not clamp:
        return -1
    if (p % -stride) == 0 or tape[0]:
        return -2  # lands on cell 0 again and again (or visited it already): never stops
    return 0


def _careful_segment(program: Program, pc: int, tape, output: bytearray, p: int, ip: int, steps: int,
                     stdin: bytes, limits: Limits, options: BrainfuckOptions):
    """Run the segment starting at pc one instruction run (token) at a time, with every limit checked.

    Used when the segment might not fit the budget or the tape. Returns an
    Execution when the run ends inside the segment, else (pc of the closing
    control op, p, ip, steps) adjusted so that the main loop's
    `p += offsets[pc]; steps += pre[pc]` yields the exact pointer and count.
    """
    max_steps = limits.max_steps
    modulus = options.cell_modulus
    size = options.tape_size
    tokens = program.tokens
    stray = program.stray
    segment_cost = 0
    index = program.segment_token[pc]
    while index < len(tokens):
        token = tokens[index]
        first = token[0]
        if (first == "[" or first == "]") and index not in stray:
            break  # the control op that ends the segment
        cost = len(token)
        remaining = max_steps - steps
        if first == ">" or first == "<":
            amount = cost if first == ">" else -cost
            if 0 <= p + amount < size:
                if cost > remaining:
                    return step_limit(output, max_steps)
                p += amount
            elif amount > 0:
                fatal = size - p  # the fatal '>' is this far into the run
                if fatal > remaining:
                    return step_limit(output, max_steps)
                return memory_limit(output, steps + fatal, size)
            elif options.left_edge == "error":
                fatal = p + 1
                if fatal > remaining:
                    return step_limit(output, max_steps)
                return left_edge_error(output, steps + fatal)
            else:
                if cost > remaining:
                    return step_limit(output, max_steps)
                p = 0
        elif cost > remaining:
            return step_limit(output, max_steps)
        elif first == "+" or first == "-":
            tape[p] = (tape[p] + 2 * token.count("+") - cost) % modulus
        elif first == ".":
            if len(output) >= limits.max_output:
                return output_limit(output, steps + 1, limits.max_output)
            output.append(tape[p] & 255)
        elif first == ",":
            if ip < len(stdin):
                tape[p] = stdin[ip] % modulus
                ip += 1
            elif options.eof == "zero":
                tape[p] = 0
            elif options.eof == "minus_one":
                tape[p] = modulus - 1
        steps += cost
        segment_cost += cost
        index += 1
    kinds = program.kinds
    while kinds[pc] == ADD or kinds[pc] == OUT or kinds[pc] == IN:
        pc += 1
    if kinds[pc] != END and steps >= max_steps:
        return step_limit(output, max_steps)
    return pc, p - program.offsets[pc], ip, steps - segment_cost
