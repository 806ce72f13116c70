"""Befunge-93 fast path: straight-line paths cached as blocks, hot blocks compiled to Python.

A *block* is everything the IP does from one state (cell, direction,
string mode) until the next dynamic decision: a conditional branch (`_`,
`|`), `?`, `p`, `@`, or a return to a state already on the path. Fixed
direction changes, bridges, string mode and no-ops are resolved once at
block construction, so running a block executes only its stack and I/O
operations and adds its cell count to the step counter in one go.

Exactness at limits: a block runs unchecked only when its whole step
count, a bound on its stack growth and a bound on its output fit in what
is left; otherwise it runs op by op with each op's exact step offset, so
a limit stops the run at the same step, with the same output, as the
reference interpreter.

Self-modification: `p` always ends a block; when it changes a cell, the
blocks whose path covers that cell are dropped and rebuilt on demand.
Blocks of unmodified programs are cached per source text across runs
(RL emits many duplicates); a run that changes its grid works on a
private copy of that cache.

Blocks executed often are translated to a Python function that keeps a
virtual stack in local variables and folds constants; this is where the
speed on loops comes from.
"""

from __future__ import annotations

from collections import OrderedDict

from esolangs.base import Execution, Limits
from esolangs.befunge_semantics import (
    DIRECTIONS,
    HEIGHT,
    WIDTH,
    SplitMix64,
    finished,
    load_grid,
    memory_limit,
    output_limit,
    read_number,
    step_limit,
    syntax_error,
)

CELLS = WIDTH * HEIGHT

# Operation codes of a block's body.
(PUSH, ADD, SUB, MUL, DIV, MOD, NOT, GREATER, DUP, SWAP, DROP, OUT_INT, OUT_CHAR, GET, IN_INT, IN_CHAR) = range(16)

# How a block ends.
NEXT, BRANCH_H, BRANCH_V, RANDOM, PUT, END = range(6)

# Upper bound on how much each op can grow the stack (pop on empty yields 0).
_GROWTH = {
    PUSH: 1,
    ADD: 1,
    SUB: 1,
    MUL: 1,
    DIV: 1,
    MOD: 1,
    NOT: 1,
    GREATER: 1,
    DUP: 2,
    SWAP: 2,
    DROP: 0,
    OUT_INT: 0,
    OUT_CHAR: 0,
    GET: 1,
    IN_INT: 1,
    IN_CHAR: 1,
}
_LONGEST_INT_OUTPUT = len(b"-2147483648 ")

_BODY_COMMANDS = {
    ord("+"): ADD,
    ord("-"): SUB,
    ord("*"): MUL,
    ord("/"): DIV,
    ord("%"): MOD,
    ord("!"): NOT,
    ord("`"): GREATER,
    ord(":"): DUP,
    ord("\\"): SWAP,
    ord("$"): DROP,
    ord("."): OUT_INT,
    ord(","): OUT_CHAR,
    ord("g"): GET,
    ord("&"): IN_INT,
    ord("~"): IN_CHAR,
}
_TURNS = {ord(">"): 0, ord("v"): 1, ord("<"): 2, ord("^"): 3}
_QUOTE, _BRIDGE = ord('"'), ord("#")
_ENDINGS = {ord("_"): BRANCH_H, ord("|"): BRANCH_V, ord("?"): RANDOM, ord("p"): PUT, ord("@"): END}

# _ADVANCE[direction][cell]: the next cell on the torus.
_ADVANCE = tuple(
    tuple(((y + dy) % HEIGHT) * WIDTH + (x + dx) % WIDTH for y in range(HEIGHT) for x in range(WIDTH))
    for dx, dy in DIRECTIONS
)

HOT_RUNS = 24
"""Runs of one block after which it is translated to a Python function."""

_MASK32 = 0xFFFFFFFF
_BIAS = 0x80000000


def _key(cell: int, direction: int, string_mode: int) -> int:
    return cell * 8 + direction * 2 + string_mode


class Block:
    """One straight-line path: its ops (code, argument, step offset), step count, bounds and ending."""

    __slots__ = (
        "ops",
        "steps",
        "growth",
        "output_bound",
        "ending",
        "successors",
        "cells",
        "runs",
        "function",
        "has_input",
    )

    def __init__(self, ops, steps, ending, successors, cells):
        self.ops = tuple(ops)
        self.steps = steps
        self.ending = ending
        self.successors = successors
        self.cells = cells
        self.growth = sum(_GROWTH[code] for code, _, _ in ops)
        self.output_bound = sum(
            _LONGEST_INT_OUTPUT if code == OUT_INT else 1 for code, _, _ in ops if code in (OUT_INT, OUT_CHAR)
        )
        self.has_input = any(code in (IN_INT, IN_CHAR) for code, _, _ in ops)
        self.runs = 0
        self.function = None


def build_block(grid: list[int], key: int) -> Block:
    """Follow the IP from state `key` until a dynamic decision, recording the ops on the way."""
    cell, direction, string_mode = key >> 3, (key >> 1) & 3, key & 1
    ops: list[tuple[int, int, int]] = []
    cells: set[int] = set()
    seen: set[int] = set()
    steps = 0
    while True:
        state = _key(cell, direction, string_mode)
        if state in seen:
            return Block(ops, steps, NEXT, (state,), cells)
        seen.add(state)
        cells.add(cell)
        value = grid[cell]
        steps += 1
        advance = _ADVANCE[direction]
        if string_mode:
            if value == _QUOTE:
                string_mode = 0
            else:
                ops.append((PUSH, value, steps))
        elif 48 <= value <= 57:
            ops.append((PUSH, value - 48, steps))
        elif value in _BODY_COMMANDS:
            ops.append((_BODY_COMMANDS[value], 0, steps))
        elif value in _TURNS:
            direction = _TURNS[value]
            advance = _ADVANCE[direction]
        elif value == _QUOTE:
            string_mode = 1
        elif value == _BRIDGE:
            cell = advance[cell]
        elif value in _ENDINGS:
            ending = _ENDINGS[value]
            successors: tuple[int, ...]
            if ending == BRANCH_H:
                successors = (_key(_ADVANCE[0][cell], 0, 0), _key(_ADVANCE[2][cell], 2, 0))
            elif ending == BRANCH_V:
                successors = (_key(_ADVANCE[1][cell], 1, 0), _key(_ADVANCE[3][cell], 3, 0))
            elif ending == RANDOM:
                successors = tuple(_key(_ADVANCE[d][cell], d, 0) for d in range(4))
            elif ending == PUT:
                successors = (_key(advance[cell], direction, 0),)
            else:
                successors = ()
            return Block(ops, steps, ending, successors, cells)
        cell = advance[cell]


# ---------------------------------------------------------------- arithmetic


def _wrap(value: int) -> int:
    return ((value + _BIAS) & _MASK32) - _BIAS


def _divide(b: int, a: int) -> int:
    if a == 0:
        return 0
    quotient = abs(b) // abs(a)
    return _wrap(-quotient if (a < 0) != (b < 0) else quotient)


def _modulo(b: int, a: int) -> int:
    if a == 0:
        return 0
    quotient = abs(b) // abs(a)
    if (a < 0) != (b < 0):
        quotient = -quotient
    return _wrap(b - a * quotient)


# ---------------------------------------------------------------- hot blocks as Python

_FUNCTION_CACHE: OrderedDict[str, object] = OrderedDict()
_FUNCTION_CACHE_SIZE = 4096
_NAMESPACE = {"_divide": _divide, "_modulo": _modulo}


class _Emitter:
    """Python source for one block body with a virtual stack of literals and temporaries."""

    def __init__(self):
        self.lines: list[str] = []
        self.virtual: list[str] = []
        self.temporaries = 0

    def temporary(self, expression: str) -> str:
        self.temporaries += 1
        name = f"t{self.temporaries}"
        self.lines.append(f"{name} = {expression}")
        return name

    def pop(self) -> str:
        if self.virtual:
            return self.virtual.pop()
        return self.temporary("pop() if stack else 0")

    def flush(self) -> None:
        if len(self.virtual) == 1:
            self.lines.append(f"push({self.virtual[0]})")
        elif self.virtual:
            self.lines.append(f"stack += ({', '.join(self.virtual)},)")
        self.virtual = []


def _literal(expression: str) -> int | None:
    return int(expression) if expression.lstrip("-").isdigit() else None


def _emit_binary(emitter: _Emitter, code: int) -> None:
    a, b = emitter.pop(), emitter.pop()
    la, lb = _literal(a), _literal(b)
    if la is not None and lb is not None:
        folded = {
            ADD: lambda: _wrap(lb + la),
            SUB: lambda: _wrap(lb - la),
            MUL: lambda: _wrap(lb * la),
            DIV: lambda: _divide(lb, la),
            MOD: lambda: _modulo(lb, la),
            GREATER: lambda: int(lb > la),
        }[code]()
        emitter.virtual.append(str(folded))
        return
    a, b = f"({a})", f"({b})"
    if code == ADD:
        expression = f"(({b} + {a} + {_BIAS}) & {_MASK32}) - {_BIAS}"
    elif code == SUB:
        expression = f"(({b} - {a} + {_BIAS}) & {_MASK32}) - {_BIAS}"
    elif code == MUL:
        expression = f"(({b} * {a} + {_BIAS}) & {_MASK32}) - {_BIAS}"
    elif code == DIV:
        expression = f"_divide({b}, {a})"
    elif code == MOD:
        expression = f"_modulo({b}, {a})"
    else:
        expression = f"1 if {b} > {a} else 0"
    emitter.virtual.append(emitter.temporary(expression))


def python_source(block: Block) -> str:
    """A function `block(stack, out, grid)` doing the block's ops; returns the next key or -1."""
    emitter = _Emitter()
    for code, argument, _ in block.ops:
        if code == PUSH:
            emitter.virtual.append(str(argument))
        elif code in (ADD, SUB, MUL, DIV, MOD, GREATER):
            _emit_binary(emitter, code)
        elif code == NOT:
            a = emitter.pop()
            la = _literal(a)
            emitter.virtual.append(str(int(la == 0)) if la is not None else emitter.temporary(f"0 if {a} else 1"))
        elif code == DUP:
            a = emitter.pop()
            emitter.virtual += [a, a]
        elif code == SWAP:
            a, b = emitter.pop(), emitter.pop()
            emitter.virtual += [a, b]
        elif code == DROP:
            emitter.pop()
        elif code == OUT_INT:
            emitter.lines.append(f"out += b'%d ' % ({emitter.pop()})")
        elif code == OUT_CHAR:
            emitter.lines.append(f"out.append(({emitter.pop()}) & 255)")
        elif code == GET:
            y, x = emitter.pop(), emitter.pop()
            emitter.virtual.append(
                emitter.temporary(f"grid[{x} + {WIDTH} * {y}] if 0 <= {x} < {WIDTH} and 0 <= {y} < {HEIGHT} else 0")
            )
        else:
            raise ValueError(f"op code {code} cannot be compiled (blocks reading input stay interpreted)")
    if block.ending == NEXT:
        emitter.flush()
        emitter.lines.append(f"return {block.successors[0]}")
    elif block.ending in (BRANCH_H, BRANCH_V):
        condition = emitter.pop()
        emitter.flush()
        emitter.lines.append(f"return {block.successors[1]} if {condition} else {block.successors[0]}")
    else:
        emitter.flush()
        emitter.lines.append("return -1")
    body = "\n    ".join(emitter.lines)
    return f"def block(stack, out, grid):\n    pop = stack.pop\n    push = stack.append\n    {body}\n"


def compile_block(block: Block):
    source = python_source(block)
    function = _FUNCTION_CACHE.get(source)
    if function is None:
        namespace = dict(_NAMESPACE)
        exec(compile(source, "<befunge block>", "exec"), namespace)
        function = namespace["block"]
        _FUNCTION_CACHE[source] = function
        if len(_FUNCTION_CACHE) > _FUNCTION_CACHE_SIZE:
            _FUNCTION_CACHE.popitem(last=False)
    else:
        _FUNCTION_CACHE.move_to_end(source)
    return function


# ---------------------------------------------------------------- programs


class _Program:
    """A validated source's pristine grid and the blocks built from it (shared by runs that keep it pristine)."""

    __slots__ = ("grid", "blocks", "covers")

    def __init__(self, grid: list[int]):
        self.grid = grid
        self.blocks: dict[int, Block] = {}
        self.covers: dict[int, set[int]] = {}


_PROGRAMS: OrderedDict[str, _Program] = OrderedDict()
_PROGRAM_CACHE_SIZE = 256


def _program(source: str) -> _Program | Execution:
    program = _PROGRAMS.get(source)
    if program is not None:
        _PROGRAMS.move_to_end(source)
        return program
    grid, problems = load_grid(source)
    if grid is None:
        return syntax_error(problems)
    program = _Program(grid)
    _PROGRAMS[source] = program
    if len(_PROGRAMS) > _PROGRAM_CACHE_SIZE:
        _PROGRAMS.popitem(last=False)
    return program


def clear_caches() -> None:
    """Forget cached programs and compiled blocks (for tests and benchmarks that measure cold runs)."""
    _PROGRAMS.clear()
    _FUNCTION_CACHE.clear()


def run_fast(source: str, stdin: bytes, limits: Limits, seed: int) -> Execution:
    program = _program(source)
    if isinstance(program, Execution):
        return program
    max_steps, max_output, max_memory = limits.max_steps, limits.max_output, limits.max_memory
    grid = list(program.grid)
    blocks = program.blocks
    covers = program.covers
    private_covers: dict[int, set[int]] | None = None  # set once this run changes its grid
    rng = SplitMix64(seed)
    stack: list[int] = []
    pop = stack.pop
    push = stack.append
    out = bytearray()
    input_position = 0
    steps = 0
    key = 0  # cell (0, 0), moving right, not in string mode

    while True:
        block = blocks.get(key)
        if block is None:
            block = build_block(grid, key)
            blocks[key] = block
            owner = covers if private_covers is None else private_covers
            for cell in block.cells:
                owner.setdefault(cell, set()).add(key)

        if (
            steps + block.steps > max_steps
            or len(stack) + block.growth > max_memory
            or len(out) + block.output_bound > max_output
        ):
            result = _run_block_checked(block, stack, out, grid, stdin, input_position, steps, limits)
            if isinstance(result, Execution):
                return result
            input_position = result
            steps += block.steps
        else:
            function = block.function
            if function is not None:
                steps += block.steps
                next_key = function(stack, out, grid)
                if next_key >= 0:
                    key = next_key
                    continue
            else:
                steps += block.steps
                for code, argument, _ in block.ops:
                    if code == PUSH:
                        push(argument)
                    elif code == ADD:
                        a = pop() if stack else 0
                        b = pop() if stack else 0
                        push(((b + a + _BIAS) & _MASK32) - _BIAS)
                    elif code == SUB:
                        a = pop() if stack else 0
                        b = pop() if stack else 0
                        push(((b - a + _BIAS) & _MASK32) - _BIAS)
                    elif code == DUP:
                        a = pop() if stack else 0
                        push(a)
                        push(a)
                    elif code == MUL:
                        a = pop() if stack else 0
                        b = pop() if stack else 0
                        push(((b * a + _BIAS) & _MASK32) - _BIAS)
                    elif code == SWAP:
                        a = pop() if stack else 0
                        b = pop() if stack else 0
                        push(a)
                        push(b)
                    elif code == DROP:
                        if stack:
                            pop()
                    elif code == GET:
                        y = pop() if stack else 0
                        x = pop() if stack else 0
                        push(grid[y * WIDTH + x] if 0 <= x < WIDTH and 0 <= y < HEIGHT else 0)
                    elif code == OUT_CHAR:
                        out.append((pop() if stack else 0) & 255)
                    elif code == OUT_INT:
                        out += b"%d " % (pop() if stack else 0)
                    elif code == NOT:
                        push(0 if (pop() if stack else 0) else 1)
                    elif code == GREATER:
                        a = pop() if stack else 0
                        b = pop() if stack else 0
                        push(1 if b > a else 0)
                    elif code == DIV:
                        a = pop() if stack else 0
                        push(_divide(pop() if stack else 0, a))
                    elif code == MOD:
                        a = pop() if stack else 0
                        push(_modulo(pop() if stack else 0, a))
                    elif code == IN_CHAR:
                        if input_position < len(stdin):
                            push(stdin[input_position])
                            input_position += 1
                        else:
                            push(-1)
                    else:  # IN_INT
                        number, input_position = read_number(stdin, input_position)
                        push(number)
                block.runs += 1
                if block.runs == HOT_RUNS and not block.has_input:
                    block.function = compile_block(block)

        ending = block.ending
        if ending == NEXT:
            key = block.successors[0]
        elif ending in (BRANCH_H, BRANCH_V):
            key = block.successors[1 if (pop() if stack else 0) else 0]
        elif ending == RANDOM:
            key = block.successors[rng.direction()]
        elif ending == PUT:
            y = pop() if stack else 0
            x = pop() if stack else 0
            value = pop() if stack else 0
            if 0 <= x < WIDTH and 0 <= y < HEIGHT and grid[y * WIDTH + x] != value:
                cell = y * WIDTH + x
                grid[cell] = value
                if private_covers is None:
                    # From now on blocks depend on this run's grid: stop sharing the cache.
                    blocks = dict(blocks)
                    private_covers = {}
                stale = covers.get(cell, ()), private_covers.pop(cell, ())
                for keys in stale:
                    for stale_key in keys:
                        blocks.pop(stale_key, None)
            key = block.successors[0]
        else:
            return finished(out, steps)


def _run_block_checked(
    block: Block,
    stack: list[int],
    out: bytearray,
    grid: list[int],
    stdin: bytes,
    input_position: int,
    steps: int,
    limits: Limits,
) -> Execution | int:
    """Run a block op by op near a limit; the Execution that ends the run, or the new input position.

    Leaves the block's ending to the caller, which only happens when every
    cell of the block fits in the step budget.
    """
    remaining = limits.max_steps - steps

    def pop() -> int:
        return stack.pop() if stack else 0

    for code, argument, offset in block.ops:
        if offset > remaining:
            return step_limit(out, limits.max_steps)
        if code == PUSH:
            stack.append(argument)
        elif code in (ADD, SUB, MUL, DIV, MOD, GREATER):
            a, b = pop(), pop()
            if code == ADD:
                stack.append(_wrap(b + a))
            elif code == SUB:
                stack.append(_wrap(b - a))
            elif code == MUL:
                stack.append(_wrap(b * a))
            elif code == DIV:
                stack.append(_divide(b, a))
            elif code == MOD:
                stack.append(_modulo(b, a))
            else:
                stack.append(1 if b > a else 0)
        elif code == NOT:
            stack.append(0 if pop() else 1)
        elif code == DUP:
            a = pop()
            stack += (a, a)
        elif code == SWAP:
            a, b = pop(), pop()
            stack += (a, b)
        elif code == DROP:
            pop()
        elif code == OUT_INT:
            out += b"%d " % pop()
        elif code == OUT_CHAR:
            out.append(pop() & 255)
        elif code == GET:
            y, x = pop(), pop()
            stack.append(grid[y * WIDTH + x] if 0 <= x < WIDTH and 0 <= y < HEIGHT else 0)
        elif code == IN_CHAR:
            if input_position < len(stdin):
                stack.append(stdin[input_position])
                input_position += 1
            else:
                stack.append(-1)
        else:
            number, input_position = read_number(stdin, input_position)
            stack.append(number)
        if len(out) > limits.max_output:
            return output_limit(out, steps + offset, limits.max_output)
        if len(stack) > limits.max_memory:
            return memory_limit(out, steps + offset, limits.max_memory)
    if block.steps > remaining:
        return step_limit(out, limits.max_steps)
    return input_position
