"""The fast Brainfuck engine: folded instructions, loop idioms and segment-wise step accounting, exact to the reference.

How it stays exact while checking limits rarely:
- Source is tokenized by one regex into runs of +-, >, < and single . , [ ].
  Each op keeps its cost: the number of original instructions it stands for.
- Code between two control ops (a bracket, a loop idiom, the end) is a
  *segment*; its cost is known when the program is compiled. Before entering
  a segment the engine checks that the whole segment fits in the remaining
  step budget; if it does, the segment runs with no step checks at all, and
  an error inside it (an edge, the output limit) is charged exactly from the
  op's offset in its segment. If it does not fit, that one segment runs op by
  op with the budget checked at each (`_careful_segment`).
- A loop whose body only adds and moves with net movement 0 (`[-]`, `[->+<]`,
  `[->++>+++<<]`, ...) is solved in closed form: the number of iterations n
  is the smallest n >= 1 with v + n*d = 0 (mod cell_modulus), infinite when
  none exists; it costs 1 + n*(body+1) steps. A loop whose body is a single
  run of > or < is a scan solved with bytearray.find. Neither writes output,
  so when the budget runs out inside one the observable result (status
  step_limit, output so far, steps = max_steps) is known without simulating.
  When an idiom would touch a tape edge it falls back to running its body
  op by op (the body ops stay in the program right after the idiom op).
- Compiled programs are cached by source text (LRU), since RL emits many
  duplicate programs.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from math import gcd

from esolangs.base import MEMORY_LIMIT, OK, RUNTIME_ERROR, SYNTAX_ERROR, Execution, Limits
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

ADD, MOVE, CLOSE, OPEN, OUT, LOOP, SCAN, IN, NOP, END = range(10)
CONTROL_KINDS = frozenset((OPEN, CLOSE, LOOP, SCAN, END))
KIND_NAMES = ("ADD", "MOVE", "CLOSE", "OPEN", "OUT", "LOOP", "SCAN", "IN", "NOP", "END")

_NON_COMMAND = re.compile(r"[^\[\]<>+\-.,]+")
_TOKEN = re.compile(r"[+\-]+|>+|<+|[.,\[\]]")

CACHE_SIZE = 4096
CACHE_MAX_SOURCE = 65_536
"""Longer sources are compiled every time: caching a few megabyte-long programs would hold gigabytes."""
_cache: OrderedDict[tuple[str, str], "Program | str"] = OrderedDict()


class Program:
    """A compiled program: parallel per-op tables read by the interpreter loop."""

    __slots__ = ("kinds", "args", "costs", "pre", "need", "target", "before")

    def __init__(self, kinds, args, costs, pre, need, target, before):
        self.kinds = kinds
        """Op kind (ADD, MOVE, ...) of each op; the last op is END."""
        self.args = args
        """ADD: amount; MOVE/SCAN: signed distance; LOOP: (d, per_iteration, lo, hi, other_cells)."""
        self.costs = costs
        """Original instructions each linear op stands for (control ops: 1, END: 0)."""
        self.pre = pre
        """Control op: cost of the linear ops since the previous control op, plus its own step."""
        self.need = need
        """Segment start: steps needed to run the segment and the first step of its closing control op."""
        self.target = target
        """Control op: where it jumps (OPEN/LOOP/SCAN: after the loop; CLOSE: after its OPEN)."""
        self.before = before
        """Linear op: cost of the ops before it in its segment (to charge an error exactly)."""

    def describe(self) -> list[str]:
        """Human-readable op listing, for debugging and tests."""
        return [f"{i}: {KIND_NAMES[k]} {self.args[i]!r} cost={self.costs[i]}" for i, k in enumerate(self.kinds)]


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

    kinds: list[int] = []
    args: list = []
    costs: list[int] = []
    for index, token in enumerate(tokens):
        first = token[0]
        if first == "+" or first == "-":
            plus = token.count("+")
            kinds.append(ADD)
            args.append(plus - (len(token) - plus))
            costs.append(len(token))
        elif first == ">":
            kinds.append(MOVE)
            args.append(len(token))
            costs.append(len(token))
        elif first == "<":
            kinds.append(MOVE)
            args.append(-len(token))
            costs.append(len(token))
        elif first == ".":
            kinds.append(OUT)
            args.append(None)
            costs.append(1)
        elif first == ",":
            kinds.append(IN)
            args.append(None)
            costs.append(1)
        elif index in stray:
            # An unmatched bracket does nothing but costs a step; runs of them fold into one op.
            if kinds and kinds[-1] == NOP:
                costs[-1] += 1
            else:
                kinds.append(NOP)
                args.append(None)
                costs.append(1)
        else:
            kinds.append(OPEN if first == "[" else CLOSE)
            args.append(None)
            costs.append(1)
    kinds.append(END)
    args.append(None)
    costs.append(0)

    count = len(kinds)
    target = [0] * count
    open_ops: list[int] = []
    for index, kind in enumerate(kinds):
        if kind == OPEN:
            open_ops.append(index)
        elif kind == CLOSE:
            start = open_ops.pop()
            target[start] = index + 1
            target[index] = start + 1
            _recognize_idiom(kinds, args, costs, start, index)

    pre = [0] * count
    need = [0] * (count + 1)
    before = [0] * count
    segment_start = 0
    linear_cost = 0
    for index, kind in enumerate(kinds):
        if kind in CONTROL_KINDS:
            pre[index] = linear_cost + costs[index]
            need[segment_start] = pre[index]
            segment_start = index + 1
            linear_cost = 0
        else:
            before[index] = linear_cost
            linear_cost += costs[index]
    return Program(kinds, args, costs, pre, need, target, before)


def _recognize_idiom(kinds: list[int], args: list, costs: list[int], start: int, end: int) -> None:
    """Turn the OPEN at `start` into LOOP or SCAN when the loop body (start+1..end-1) is one of the idioms."""
    body = range(start + 1, end)
    if any(kinds[i] != ADD and kinds[i] != MOVE for i in body):
        return
    if end - start == 2 and kinds[start + 1] == MOVE:
        kinds[start] = SCAN
        args[start] = args[start + 1]
        return
    offset = lowest = highest = 0
    deltas: dict[int, int] = {}
    body_cost = 0
    for i in body:
        body_cost += costs[i]
        if kinds[i] == MOVE:
            offset += args[i]
            lowest = min(lowest, offset)
            highest = max(highest, offset)
        else:
            deltas[offset] = deltas.get(offset, 0) + args[i]
    if offset != 0:
        return
    others = tuple((cell, amount) for cell, amount in sorted(deltas.items()) if cell != 0 and amount != 0)
    kinds[start] = LOOP
    args[start] = (deltas.get(0, 0), body_cost + 1, lowest, highest, others)


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
    args = program.args
    pre = program.pre
    need = program.need
    target = program.target
    before = program.before

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

    if need[0] > max_steps:
        state = _careful_segment(program, 0, tape, output, p, ip, steps, stdin, limits, options)
        if type(state) is Execution:
            return state
        pc, p, ip, steps = state

    while True:
        kind = kinds[pc]
        if kind == ADD:
            tape[p] = (tape[p] + args[pc]) % modulus
            pc += 1
        elif kind == MOVE:
            p += args[pc]
            if p < 0 or p >= size:
                p -= args[pc]
                if args[pc] > 0:
                    return memory_limit(output, steps + before[pc] + size - p, size)
                if not clamp:
                    return left_edge_error(output, steps + before[pc] + p + 1)
                p = 0
            pc += 1
        elif kind == CLOSE:
            steps += pre[pc]
            pc = target[pc] if tape[p] else pc + 1
            if steps + need[pc] > max_steps:
                state = _careful_segment(program, pc, tape, output, p, ip, steps, stdin, limits, options)
                if type(state) is Execution:
                    return state
                pc, p, ip, steps = state
        elif kind == OPEN:
            steps += pre[pc]
            pc = pc + 1 if tape[p] else target[pc]
            if steps + need[pc] > max_steps:
                state = _careful_segment(program, pc, tape, output, p, ip, steps, stdin, limits, options)
                if type(state) is Execution:
                    return state
                pc, p, ip, steps = state
        elif kind == OUT:
            if len(output) >= max_output:
                return output_limit(output, steps + before[pc] + 1, max_output)
            output.append(tape[p] & 255)
            pc += 1
        elif kind == LOOP:
            steps += pre[pc]
            value = tape[p]
            if not value:
                pc = target[pc]
            else:
                delta, per_iteration, lowest, highest, others = args[pc]
                if p + lowest < 0 or p + highest >= size:
                    pc += 1  # near an edge: run the body op by op, which charges the edge exactly
                else:
                    n = loop_iterations(value, delta, modulus)
                    if n == 0 or steps + n * per_iteration > max_steps:
                        return step_limit(output, max_steps)
                    steps += n * per_iteration
                    tape[p] = 0
                    for offset, amount in others:
                        tape[p + offset] = (tape[p + offset] + n * amount) % modulus
                    pc = target[pc]
            if steps + need[pc] > max_steps:
                state = _careful_segment(program, pc, tape, output, p, ip, steps, stdin, limits, options)
                if type(state) is Execution:
                    return state
                pc, p, ip, steps = state
        elif kind == SCAN:
            steps += pre[pc]
            if not tape[p]:
                pc = target[pc]
            else:
                found = _scan(tape, p, args[pc], size, clamp, byte_tape)
                if found == -1:
                    pc += 1  # leaves the tape: run the body op by op to charge the edge exactly
                elif found == -2:
                    return step_limit(output, max_steps)
                else:
                    distance = abs(args[pc])
                    # ceil: a clamped left scan lands on cell 0 from a position that is no multiple of the stride
                    per_iteration = distance + 1
                    n = (abs(found - p) + distance - 1) // distance
                    if steps + n * per_iteration > max_steps:
                        return step_limit(output, max_steps)
                    steps += n * per_iteration
                    p = found
                    pc = target[pc]
            if steps + need[pc] > max_steps:
                state = _careful_segment(program, pc, tape, output, p, ip, steps, stdin, limits, options)
                if type(state) is Execution:
                    return state
                pc, p, ip, steps = state
        elif kind == IN:
            if ip < input_length:
                tape[p] = stdin[ip] % modulus
                ip += 1
            elif eof == "zero":
                tape[p] = 0
            elif eof == "minus_one":
                tape[p] = modulus - 1
            pc += 1
        elif kind == NOP:
            pc += 1
        else:  # END
            return Execution(OK, bytes(output), steps + pre[pc])


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
    """Run one segment's linear ops with the budget checked at each; used when the segment does not fit.

    Returns an Execution when the run ends inside the segment, else
    (pc of the closing control op, p, ip, steps) with steps set so that the
    main loop's `steps += pre[pc]` yields the exact count.
    """
    kinds, args, costs = program.kinds, program.args, program.costs
    max_steps = limits.max_steps
    modulus = options.cell_modulus
    size = options.tape_size
    segment_cost = 0
    while kinds[pc] not in CONTROL_KINDS:
        kind = kinds[pc]
        cost = costs[pc]
        remaining = max_steps - steps
        if kind == MOVE:
            distance = args[pc]
            if 0 <= p + distance < size:
                if cost > remaining:
                    return step_limit(output, max_steps)
                p += distance
            elif distance > 0:
                fatal = size - p
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
            tape[p] = (tape[p] + args[pc]) % modulus
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
        pc += 1
    if kinds[pc] != END and steps >= max_steps:
        return step_limit(output, max_steps)
    return pc, p, ip, steps - segment_cost
