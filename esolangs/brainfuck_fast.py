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
MOVE, NOP = 8, 9
"""MOVE and NOP exist only in a segment's instruction-run list (for careful runs), never as ops."""
KIND_NAMES = ("ADD", "CLOSE", "OPEN", "OUT", "LOOP", "SCAN", "IN", "END", "MOVE", "NOP")

_NON_COMMAND = re.compile(r"[^\[\]<>+\-.,]+")
_TOKEN = re.compile(r"[+\-]+|>+|<+|[.,\[\]]")

CACHE_SIZE = 4096
CACHE_MAX_SOURCE = 65_536
"""Longer sources are compiled every time: caching a few megabyte-long programs would hold gigabytes."""
_cache: OrderedDict[tuple[str, str], "Program | str"] = OrderedDict()


class Program:
    """A compiled program: parallel per-op tables read by the interpreter loop.

    Ops are indexed by pc; a segment is named by the pc of its first op
    (0, or the op after a control op).
    """

    __slots__ = ("kinds", "offsets", "args", "before", "pre", "target", "need", "low", "high", "runs")

    def __init__(self) -> None:
        self.kinds: list[int] = []
        """Op kind of each op; the last op is END."""
        self.offsets: list[int] = []
        """ADD/OUT/IN: cell offset from the pointer at segment entry; control ops: the segment's net move."""
        self.args: list = []
        """ADD: amount; SCAN: signed stride; LOOP: (delta, steps_per_iteration, other_cells)."""
        self.before: list[int] = []
        """OUT: cost of the segment's instructions before it (charges the output limit exactly)."""
        self.pre: list[int] = []
        """Control op: cost of its segment plus its own step (END: plus nothing)."""
        self.target: list[int] = []
        """Control op: where it jumps (OPEN/LOOP/SCAN: after the loop; CLOSE: after its OPEN)."""
        self.need: list[int] = []
        """Segment: steps to run it and the first step of its closing control op."""
        self.low: list[int] = []
        """Segment: minus the lowest offset it visits (the pointer must be >= this to enter fast)."""
        self.high: list[int] = []
        """Segment: the highest offset it visits (pointer + this must be < tape_size)."""
        self.runs: list = []
        """Segment: its instruction runs as (kind, amount, cost), for careful op-by-op execution."""

    def describe(self) -> list[str]:
        """Human-readable op listing, for debugging."""
        return [
            f"{pc}: {KIND_NAMES[kind]} offset={self.offsets[pc]} arg={self.args[pc]!r}"
            for pc, kind in enumerate(self.kinds)
        ]


def compile_program(source: str, unmatched: str) -> "Program | str":
    """Compile source text; returns a syntax error message instead when brackets are unbalanced under 'error'."""
    tokens = _TOKEN.findall(_NON_COMMAND.sub("", source))

    stray: set[int] = set()
    open_tokens: list[int] = []
    for index, token in enumerate(tokens):
        if token == "[":
            open_tokens.append(index)
        elif token == "]":
            if open_tokens:
                open_tokens.pop()
            else:
                stray.add(index)
    stray.update(open_tokens)
    if stray and unmatched == "error":
        return syntax_error_text(bracket_diagnostics(source))

    program = Program()
    kinds, offsets, args, before = program.kinds, program.offsets, program.args, program.before
    pre, target = program.pre, program.target
    need, low, high, runs = program.need, program.low, program.high, program.runs

    def emit(kind: int, offset: int, arg) -> None:
        kinds.append(kind)
        offsets.append(offset)
        args.append(arg)
        before.append(0)
        pre.append(0)
        target.append(0)
        need.append(0)
        low.append(0)
        high.append(0)
        runs.append(None)

    segment_start = 0
    offset = lowest = highest = cost = 0
    segment_runs: list[tuple[int, int, int]] = []
    open_ops: list[int] = []
    innermost_open = -1  # the last OPEN, while no control op has followed it

    def close_segment(own_cost: int) -> None:
        nonlocal segment_start, offset, lowest, highest, cost, segment_runs
        control = len(kinds) - 1
        offsets[control] = offset
        pre[control] = cost + own_cost
        need[segment_start] = cost + own_cost
        low[segment_start] = -lowest
        high[segment_start] = highest
        runs[segment_start] = tuple(segment_runs)
        segment_start = control + 1
        offset = lowest = highest = cost = 0
        segment_runs = []

    for index, token in enumerate(tokens):
        first = token[0]
        length = len(token)
        if first == "+" or first == "-":
            plus = token.count("+")
            amount = plus - (length - plus)
            emit(ADD, offset, amount)
            segment_runs.append((ADD, amount, length))
            cost += length
        elif first == ">" or first == "<":
            distance = length if first == ">" else -length
            offset += distance
            lowest = min(lowest, offset)
            highest = max(highest, offset)
            segment_runs.append((MOVE, distance, length))
            cost += length
        elif first == "." or first == ",":
            emit(OUT if first == "." else IN, offset, None)
            before[-1] = cost
            segment_runs.append((OUT if first == "." else IN, 0, 1))
            cost += 1
        elif index in stray:
            # An unmatched bracket does nothing but costs a step.
            if segment_runs and segment_runs[-1][0] == NOP:
                segment_runs[-1] = (NOP, 0, segment_runs[-1][2] + 1)
            else:
                segment_runs.append((NOP, 0, 1))
            cost += 1
        elif first == "[":
            emit(OPEN, 0, None)
            open_ops.append(len(kinds) - 1)
            innermost_open = len(kinds) - 1
            close_segment(1)
        else:
            emit(CLOSE, 0, None)
            close_pc = len(kinds) - 1
            body_runs = segment_runs
            close_segment(1)
            start = open_ops.pop()
            target[start] = close_pc + 1
            target[close_pc] = start + 1
            if innermost_open == start:
                _recognize_idiom(program, start, close_pc, body_runs)
            innermost_open = -1
    emit(END, 0, None)
    close_segment(0)
    need.append(0)
    low.append(0)
    high.append(0)
    runs.append(())
    return program


def _recognize_idiom(program: Program, start: int, close: int, body_runs) -> None:
    """Turn the OPEN at `start` into LOOP or SCAN when the loop body (no nested loop in it) is an idiom."""
    if any(kind != ADD for kind, _, _ in body_runs if kind != MOVE):
        return  # output, input or a nested loop: an ordinary loop
    if len(body_runs) == 1 and body_runs[0][0] == MOVE:
        program.kinds[start] = SCAN
        program.args[start] = body_runs[0][1]
        return
    if program.offsets[close] != 0 or any(kind == NOP for kind, _, _ in body_runs):
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
                n = loop_iterations(value, delta, modulus)
                if n == 0 or steps + n * per_iteration > max_steps:
                    return step_limit(output, max_steps)
                steps += n * per_iteration
                tape[p] = 0
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
    """Run the segment starting at pc one instruction run at a time, with every limit checked.

    Used when the segment might not fit the budget or the tape. Returns an
    Execution when the run ends inside the segment, else (pc of the closing
    control op, p, ip, steps) adjusted so that the main loop's
    `p += offsets[pc]; steps += pre[pc]` yields the exact pointer and count.
    """
    max_steps = limits.max_steps
    modulus = options.cell_modulus
    size = options.tape_size
    segment_cost = 0
    for kind, amount, cost in program.runs[pc]:
        remaining = max_steps - steps
        if kind == MOVE:
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
        elif kind == ADD:
            tape[p] = (tape[p] + amount) % modulus
        elif kind == OUT:
            if len(output) >= limits.max_output:
                return output_limit(output, steps + 1, limits.max_output)
            output.append(tape[p] & 255)
        elif kind == IN:
            if ip < len(stdin):
                tape[p] = stdin[ip] % modulus
                ip += 1
            elif options.eof == "zero":
                tape[p] = 0
            elif options.eof == "minus_one":
                tape[p] = modulus - 1
        steps += cost
        segment_cost += cost
    while program.kinds[pc] in (ADD, OUT, IN):
        pc += 1
    if program.kinds[pc] != END and steps >= max_steps:
        return step_limit(output, max_steps)
    return pc, p - program.offsets[pc], ip, steps - segment_cost
