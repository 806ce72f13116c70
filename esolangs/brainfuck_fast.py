"""The fast Brainfuck engine: segments with deferred pointer moves, loops solved in closed form, exact to the reference.

How it stays exact while checking limits rarely:
- The source (as UTF-8 bytes: commands are ASCII, anything else is a comment)
  is cut at the commands `[ ] . ,` (the *terminators*) by one bytes.translate
  and one split. The straight-line run of + - < > before each terminator is a
  *segment*; segment k and the terminator that ends it form node k (the last
  node ends with END). Compiling a program only does that and checks that
  the brackets balance (C string methods); a node is compiled the first time
  a run reaches it, together with the nodes that follow it without a jump
  back (`_compile_nodes`), so code a run never reaches costs nothing. A '['
  finds its ']' then: its neighbour for an innermost loop, else one
  list.index on the running bracket depth (long programs, and programs with
  unmatched brackets, match all brackets at once instead).
- Inside a segment pointer moves are deferred: each add carries its offset
  from the pointer at segment entry and the segment's net move is applied at
  its end. A node's cost (its original instructions plus one step for its
  terminator) and the lowest and highest offsets its segment visits are known
  once it is compiled.
- On entering a node the engine checks once that the node fits in the
  remaining step budget and that its segment stays on the tape. If so the
  segment runs with no step or edge checks and its cost is charged at once;
  the terminator then runs (a '.' checks the output limit with the step count
  already exact). If not, that one segment runs instruction run by
  instruction run with every check (`_careful_segment`), which handles
  clamping and edge errors. Under left_edge='clamp' a segment entered within
  reach of cell 0 has one deterministic effect per entry pointer, memoized on
  the program (`Program.edges`): random RL programs spin at the left edge.
- A loop whose body is one segment with net movement 0 (`[-]`, `[->+<]`,
  `[->++>+++<<]`, ...) is solved in closed form (LOOP): the number of
  iterations n is the smallest n >= 1 with v + n*d = 0 (mod cell_modulus),
  infinite when none exists; it costs 1 + n*(body+1) steps. A loop whose body
  is a single run of > or < is a scan (SCAN; bytearray.find for stride 1).
- A loop whose body is segments and such closed-form loops only, with net
  movement 0 and no I/O, where the nested loops' counters are neither the
  outer counter nor a cell another nested loop adds to (e.g.
  `[>++++++++++[-]<-]`, `[>+++[->++<]<-]`), is solved in closed form too
  (LOOP2): every nested loop leaves its counter at 0, so from the second
  iteration on each nested loop starts from the same value, and every
  iteration after the first costs the same and adds the same amounts; only
  the first iteration, whose nested loops start from the tape's values, is
  computed apart. Such a loop runs once as an ordinary loop (its first
  execution analyzes it).
- None of the closed forms writes output or can leave the tape (they check
  the cells they touch first), so when the budget runs out inside one the
  observable result (step_limit, output so far, steps = max_steps) is known
  without simulating. When an idiom would touch a tape edge it runs its body
  as an ordinary loop instead, which charges the edge exactly.
- Under cell_step s (`+` adds s, `-` subtracts s) every amount a program adds
  is s times its count of + minus -, so a program is compiled with its adds
  multiplied by s (`Program.step`) and everything built on them (loop deltas,
  the closed forms' amounts) stays exact: the closed forms are linear in the
  adds and solve v + n*d = 0 (mod cell_modulus) for the scaled d. A program
  compiled for one step is cached apart from the same text under another.
- Compiled programs are cached by source text (LRU): RL emits many duplicates.
  Nothing else is cached across programs (the adds of one cell, ((offset,
  amount),), come from a table built at import, to allocate less).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from itertools import accumulate
from math import gcd
from typing import Any

from esolangs.base import OK, SYNTAX_ERROR, Execution, Limits
from esolangs.bf_semantics import (
    BrainfuckOptions,
    bracket_diagnostics,
    left_edge_error,
    memory_limit,
    output_limit,
    step_limit,
    syntax_error_text,
)

CLOSE, OPEN, LOOP, OUT, LOOP2, SCAN, IN, NOP, END, FRESH = range(10)
KIND_NAMES = ("CLOSE", "OPEN", "LOOP", "OUT", "LOOP2", "SCAN", "IN", "NOP", "END", "FRESH")
"""Terminator kinds. A '[' starts as FRESH: an innermost loop becomes LOOP, SCAN or OPEN when its body's node is
compiled; any other loop becomes LOOP2 or OPEN the first time a run enters it."""

_RUN = re.compile(rb"[+\-]+|>+|<+")
_TERMINATORS = b"[].,"
_TO_BAR = bytes(ord("|") if byte in _TERMINATORS else ord(" ") if byte == ord("|") else byte for byte in range(256))
"""Translation table: every terminator becomes '|' (and '|', a comment character, becomes ' ')."""
_NOT_TERMINATORS = bytes(byte for byte in range(256) if byte not in _TERMINATORS)
_KIND_OF = [END] * 256
"""Kind by terminator byte; Program.terms ends with b'\\x00' (END) and marks unmatched brackets b'\\x01' (NOP)."""
_KIND_OF[1] = NOP
_DEPTH = [0] * 256
for _byte, _kind, _depth in ((b"[", FRESH, 1), (b"]", CLOSE, -1), (b".", OUT, 0), (b",", IN, 0)):
    _KIND_OF[_byte[0]] = _kind
    _DEPTH[_byte[0]] = _depth

_LAZY_MATCH_MAX = 4096
"""Programs with more terminators match all their brackets when compiled."""
_LOOP2_MAX_BODY = 64
"""LOOP2 candidates have at most this many terminators in their body (bounds the analysis of deep nests)."""

_FAR = 1 << 62
Node = tuple[Any, ...]
"""A compiled node (cost, low, high, adds, move, kind, target, arg): see `Program`."""
_UNCOMPILED: Node = (0, _FAR, 0, None, 0, END, 0, None)
"""A node not compiled yet: its 'lowest offset' fails every entry check, which sends the run to compile it."""

_SMALL = 64
_SINGLE_ADD: tuple[tuple[tuple[tuple[int, int], ...], ...], ...] = tuple(
    tuple(((offset, amount),) if amount else () for amount in range(-_SMALL, _SMALL)) for offset in range(-8, 9)
)
"""_SINGLE_ADD[offset + 8][amount + _SMALL] is ((offset, amount),): the adds of most segments, built once at
import so that compiling allocates (and the garbage collector tracks) fewer objects."""

_CLEAR = (-1, 2, (), 0, 0)
"""The LOOP argument of `[-]`."""

CACHE_SIZE = 4096
CACHE_MAX_SOURCE = 65_536
"""Longer sources are compiled every time: caching a few megabyte-long programs would hold gigabytes."""
_caches: dict[str, OrderedDict[str, Program | str]] = {"error": OrderedDict(), "ignore": OrderedDict()}
"""Compiled programs by `cache_key` (unmatched mode and cell step), then source (LRU)."""


def cache_key(unmatched: str, step: int = 1) -> str:
    """The `_caches` key of programs compiled for unmatched mode `unmatched` and cell step `step`."""
    return unmatched if step == 1 else f"{unmatched}+cell_step={step}"


class Program:
    """A compiled program: one node per terminator (plus the final END), compiled when a run first reaches it.

    nodes[k] is (cost, low, high, adds, move, kind, target, arg):
      cost   the segment's instructions plus one for its terminator (END: plus nothing);
      low    minus the lowest offset the segment visits (the pointer must be >= this to run it unchecked);
      high   the highest offset it visits (pointer + high must be < tape_size);
      adds   ((offset, amount), ...) in order; None while the node is not compiled;
      move   the segment's net pointer move;
      kind   the terminator's kind;
      target CLOSE: the node after its '[' (loop body); loops: the node after their ']';
      arg    LOOP: (delta, cost per iteration, ((offset, amount), ...) of other cells, body low, body high);
             SCAN: the stride; LOOP2: see `_analyze_outer`.
    """

    __slots__ = ("nodes", "segments", "terms", "targets", "depths", "edges", "step")

    def __init__(
        self, segments: list[bytes], terms: bytes, targets: list[int], depths: list[int] | None, step: int = 1
    ) -> None:
        self.step = step
        """The cell step the adds are compiled for: every amount is step times the count of + minus -."""
        self.segments = segments
        """Node k's segment: the source bytes between terminators k-1 and k (comment bytes included)."""
        self.terms = terms
        """The terminators, in order: node k's is terms[k]; b'\\x00' ends them (the last node's END) and
        b'\\x01' stands for an unmatched bracket (NOP)."""
        self.targets = targets
        """Jump targets, filled as '[' nodes are compiled (all at once when some bracket is unmatched)."""
        self.depths = depths
        """Bracket depth after each terminator, to match a '[' by one list.index (None: targets are all known)."""
        self.nodes: list[Node] = [_UNCOMPILED] * len(targets)
        self.edges: dict[tuple[int, int], tuple] = {}
        """Under left_edge='clamp': (node, entry pointer) -> the segment's effect when it starts that close to
        cell 0 (see `_clamped_segment`); random programs sit at the left edge for thousands of steps."""

    def kind(self, k: int) -> int:
        """The terminator kind of node k as parsed."""
        return _KIND_OF[self.terms[k]]

    def compile_all(self) -> Program:
        """Compile every node now (for inspection; running compiles only what it reaches)."""
        for k in range(len(self.nodes)):
            if self.nodes[k][3] is None:
                _compile_nodes(self, k)
        return self

    def describe(self) -> list[str]:
        """Human-readable node listing, for debugging."""
        listing = []
        for k, node in enumerate(self.nodes):
            cost, low, high, adds, move, kind, target, arg = node
            if adds is None:
                text = self.segments[k].decode(errors="replace")
                listing.append(f"{k}: (not compiled) {text!r} {KIND_NAMES[self.kind(k)]}")
                continue
            listing.append(
                f"{k}: {self.segments[k].decode(errors='replace')!r} adds={adds} move={move} cost={cost} "
                f"{KIND_NAMES[kind]} target={target} arg={arg!r}"
            )
        return listing


def compile_program(source: str, unmatched: str, step: int = 1) -> Program | str:
    """Split source into nodes and check its brackets; returns a syntax error message instead when brackets are
    unbalanced under 'error'. Unmatched brackets under 'ignore' become NOP terminators (a step, no effect).
    `step` is the cell step (BrainfuckOptions.cell_step) the nodes' adds are compiled for.

    Balanced brackets are checked in C (running depth never below 0, 0 at the
    end); each '[' finds its ']' when its node is compiled.
    """
    data = source.encode("utf-8", "surrogatepass")  # commands are ASCII; anything else is a comment
    segments = data.translate(_TO_BAR).split(b"|")
    terms = data.translate(None, _NOT_TERMINATORS)
    targets = [0] * len(segments)
    if not terms:
        return Program(segments, b"\x00", targets, [], step)
    depths = list(accumulate(map(_DEPTH.__getitem__, terms)))
    balanced = depths[-1] == 0 and min(depths) >= 0
    if balanced and len(terms) <= _LAZY_MATCH_MAX:
        return Program(segments, terms + b"\x00", targets, depths, step)
    if not balanced and unmatched == "error":
        return syntax_error_text(bracket_diagnostics(source))
    # Match every bracket now: some are unmatched, or the program is long (one list.index per loop would
    # cost quadratic time on deep nests).
    kinds = bytearray(terms)
    kinds.append(0)
    open_nodes: list[int] = []
    for k, term in enumerate(terms):
        if term == 91:  # [
            open_nodes.append(k)
        elif term == 93:  # ]
            if open_nodes:
                start = open_nodes.pop()
                targets[start] = k + 1
                targets[k] = start + 1
            else:
                kinds[k] = 1  # NOP
    for start in open_nodes:
        kinds[start] = 1
    return Program(segments, bytes(kinds), targets, None, step)


def _compile_nodes(program: Program, k: int) -> None:
    """Compile node k and the nodes a run reaches from it without jumping back: the next node, or for a loop
    that is not innermost the node after it (its body is compiled when a run enters it). Stops at END or at
    a node compiled already. An innermost loop's kind (LOOP, SCAN or OPEN) is settled with its body's node."""
    nodes = program.nodes
    segments = program.segments
    terms = program.terms
    targets = program.targets
    single0 = _SINGLE_ADD[8]  # below, 64 is _SMALL
    uncompiled = _UNCOMPILED
    step = program.step
    pending = False  # an innermost loop's node waits for its body to settle its kind
    adds: tuple[tuple[int, int], ...]
    arg: tuple
    while nodes[k] is uncompiled:
        text = segments[k]
        if not text:
            adds = ()
            move = low = high = cost = 0
        else:
            length = len(text)
            plus = text.count(b"+")
            if plus == length:  # a run of +
                adds = single0[plus + 64] if plus < 64 else ((0, plus),)
                move = low = high = 0
                cost = length
            else:
                minus = text.count(b"-")
                amount = plus - minus
                if plus + minus == length:  # no moves (and no comment): one add at offset 0
                    adds = single0[amount + 64] if -64 <= amount < 64 else ((0, amount),)
                    move = low = high = 0
                    cost = length
                else:
                    rest = text.lstrip(b"<>")
                    move = length - len(rest)
                    right = text.count(b">")
                    if plus + minus == len(rest) and move <= 8 and (right == move or not right):
                        # a few moves one way, then adds only
                        if right:
                            low = 0
                            high = move
                        else:
                            low = move
                            high = 0
                            move = -move
                        adds = _SINGLE_ADD[8 + move][amount + 64] if -64 <= amount < 64 else ((move, amount),)
                        cost = length
                    else:
                        adds, move, low, high, cost = _segment(text)
        if step != 1 and adds:
            adds = tuple((offset, amount * step) for offset, amount in adds)
        kind = _KIND_OF[terms[k]]
        if kind == FRESH:
            target = targets[k]
            if not target:
                depths = program.depths
                assert depths is not None, "targets are all known when depths is None"
                close = depths.index(depths[k] - 1, k + 1)
                target = targets[k] = close + 1
                targets[close] = k + 1
            if target == k + 2:  # innermost: settled by its body, the next node
                if segments[k + 1] == b"-" and step == 1:  # [-]
                    nodes[k] = (cost + 1, low, high, adds, move, LOOP, target, _CLEAR)
                    k = target
                    continue
                pending = True
                open_cost, open_low, open_high, open_adds, open_move = cost + 1, low, high, adds, move
                k += 1
                continue
            nodes[k] = (cost + 1, low, high, adds, move, FRESH, target, None)
            k = target  # an outer loop: continue after it (its body is compiled when a run enters it)
            continue
        if kind == CLOSE:
            target = targets[k]
            if not target:
                target = targets[k] = _find_open(program, k) + 1
            if target == k and (pending or nodes[k - 1][5] == FRESH):
                # The body of an innermost loop: settle the loop's kind.
                if not pending:
                    open_cost, open_low, open_high, open_adds, open_move, _, _, _ = nodes[k - 1]
                pending = False
                if move == 0:
                    if not adds:
                        arg = (0, cost + 1, (), low, high)
                    elif len(adds) == 1 and adds[0][0] == 0:
                        arg = _CLEAR if adds[0][1] == -1 and cost == 1 else (adds[0][1], cost + 1, (), low, high)
                    else:
                        delta = 0
                        others = []
                        for pair in adds:
                            if pair[0]:
                                others.append(pair)
                            else:
                                delta += pair[1]
                        if len(others) == 1 and -8 <= others[0][0] <= 8 and -64 <= others[0][1] < 64:
                            arg = (delta, cost + 1, _SINGLE_ADD[others[0][0] + 8][others[0][1] + 64], low, high)
                        else:
                            arg = (delta, cost + 1, tuple(others), low, high)
                    nodes[k - 1] = (open_cost, open_low, open_high, open_adds, open_move, LOOP, k + 1, arg)
                    k += 1  # the body's node is compiled if a run ever enters it (near a tape edge)
                    continue
                if not adds and (low == cost or high == cost):  # one run of > or of <
                    nodes[k - 1] = (open_cost, open_low, open_high, open_adds, open_move, SCAN, k + 1, move)
                    k += 1
                    continue
                nodes[k - 1] = (open_cost, open_low, open_high, open_adds, open_move, OPEN, k + 1, None)
        elif kind == END:
            nodes[k] = (cost, low, high, adds, move, END, 0, None)
            return
        else:
            target = 0
        nodes[k] = (cost + 1, low, high, adds, move, kind, target, None)
        k += 1
    if pending:  # the body was compiled already (not the usual order): keep the loop plain
        nodes[k - 1] = (open_cost, open_low, open_high, open_adds, open_move, OPEN, k + 1, None)


def _segment(text: bytes) -> tuple[tuple, int, int, int, int]:
    """(adds, net move, minus the lowest offset visited, highest offset visited, cost) of a run of + - < >
    that may hold comment characters."""
    adds = []
    offset = lowest = highest = amount = comment = 0
    single = _SINGLE_ADD  # interned pairs (64 is _SMALL)
    for char in text:
        if char == 43:  # +
            amount += 1
        elif char == 45:  # -
            amount -= 1
        elif char == 62:  # >
            if amount:
                adds.append(
                    single[offset + 8][amount + 64][0] if -8 <= offset <= 8 and -64 <= amount < 64 else (offset, amount)
                )
                amount = 0
            offset += 1
            if offset > highest:
                highest = offset
        elif char == 60:  # <
            if amount:
                adds.append(
                    single[offset + 8][amount + 64][0] if -8 <= offset <= 8 and -64 <= amount < 64 else (offset, amount)
                )
                amount = 0
            offset -= 1
            if offset < lowest:
                lowest = offset
        else:
            comment += 1
    if amount:
        adds.append(
            single[offset + 8][amount + 64][0] if -8 <= offset <= 8 and -64 <= amount < 64 else (offset, amount)
        )
    return tuple(adds), offset, -lowest, highest, len(text) - comment


def _find_open(program: Program, k: int) -> int:
    """The '[' node matching the ']' of node k (normally known already: a run enters a loop through its '[')."""
    depths = program.depths
    assert depths is not None, "targets are all known when depths is None"
    wanted = depths[k]
    start = k - 1
    while not (depths[start] == wanted + 1 and (depths[start - 1] if start else 0) == wanted):
        start -= 1
    return start


def _analyze_outer(program: Program, k: int) -> tuple[int, object]:
    """A loop with nested loops, entered for the first time: LOOP2 when it qualifies, else a plain OPEN.

    The body must be segments and LOOP idioms only, with net movement 0. With
    Z the set of the nested loops' counter cells (offsets from the outer
    counter), no counter may be the outer counter and no nested loop may add
    to a cell of Z or to the outer counter: then the outer counter changes
    by a constant d per iteration, and the value each nested loop starts from
    is, from the second iteration on, a constant (the adds made to its
    counter since the previous loop on that counter, wrapping around the
    body). arg is (d, base cost, firsts, rests, finals, adds, low, high,
    steady-state memo by modulus):
      firsts  (counter, adds before it, delta, cost per iteration, others) for the first loop on each counter;
      rests   (counter, start value, delta, cost per iteration, others) for later loops on the same counter;
      finals  (counter, value it ends each iteration with);
      adds    (cell, amount added per iteration by the segments) for cells outside Z and the counter.
    """
    close = program.targets[k] - 1
    inner = close - k - 1  # terminators inside the body: only '[]' pairs (innermost loops) qualify
    if inner % 2 or inner > _LOOP2_MAX_BODY or program.terms[k + 1 : close] != b"[]" * (inner // 2):
        return OPEN, None
    nodes = program.nodes
    j = k + 1
    offset = lowest = highest = 0
    base = 0
    items: list[tuple] = []
    loops = 0
    while True:
        if nodes[j][3] is None:
            _compile_nodes(program, j)
        cost, low, high, adds, move, kind, _, arg = nodes[j]
        base += cost
        if offset - low < lowest:
            lowest = offset - low
        if offset + high > highest:
            highest = offset + high
        for cell, amount in adds:
            items.append((offset + cell, amount))
        offset += move
        if j == close:
            break
        if kind != LOOP:
            return OPEN, None
        delta, per_iteration, others, body_low, body_high = arg
        if offset - body_low < lowest:
            lowest = offset - body_low
        if offset + body_high > highest:
            highest = offset + body_high
        items.append((offset, delta, per_iteration, tuple((offset + cell, amount) for cell, amount in others)))
        loops += 1
        j += 2
    if offset != 0 or not loops:
        return OPEN, None
    pending: dict[int, int] = {}
    counters: set[int] = set()
    firsts = []
    rests = []
    written: set[int] = set()
    for item in items:
        if len(item) == 2:
            cell, amount = item
            pending[cell] = pending.get(cell, 0) + amount
            continue
        counter, delta, per_iteration, others = item
        if counter == 0:
            return OPEN, None
        start = pending.pop(counter, 0)
        entry = (counter, start, delta, per_iteration, others)
        if counter in counters:
            rests.append(entry)
        else:
            counters.add(counter)
            firsts.append(entry)
        written.update(cell for cell, _ in others)
    if 0 in written or written & counters:
        return OPEN, None
    finals = tuple((counter, pending.pop(counter, 0)) for counter in sorted(counters))
    delta = pending.pop(0, 0)
    adds = tuple(sorted(pending.items()))
    return LOOP2, (delta, base, tuple(firsts), tuple(rests), finals, adds, -lowest, highest, {})


def _steady(arg: tuple, modulus: int) -> tuple:
    """For one modulus: (cost of an iteration after the first, ((cell, amount added per such iteration), ...),
    a later loop never ends, a first loop never ends from the second iteration on, iterations of each first
    loop from the second iteration on)."""
    _, base, firsts, rests, finals, adds, _, _, _ = arg
    cost = base
    effects = dict(adds)
    endless_rest = False
    for _, start, delta, per_iteration, others in rests:
        start %= modulus
        n = loop_iterations(start, delta, modulus) if start else 0
        if start and n == 0:
            endless_rest = True
        cost += n * per_iteration
        for cell, amount in others:
            effects[cell] = effects.get(cell, 0) + n * amount
    final = dict(finals)
    endless_first = False
    steady_iterations = []
    for counter, before, delta, per_iteration, others in firsts:
        start = (final[counter] + before) % modulus
        n = loop_iterations(start, delta, modulus) if start else 0
        if start and n == 0:
            endless_first = True
        steady_iterations.append(n)
        cost += n * per_iteration
        for cell, amount in others:
            effects[cell] = effects.get(cell, 0) + n * amount
    effects_tuple = tuple((cell, amount) for cell, amount in effects.items() if amount % modulus)
    return cost, effects_tuple, endless_rest, endless_first, tuple(steady_iterations)


def _run_loop2(arg: tuple, tape, p: int, value: int, modulus: int, steps: int, max_steps: int) -> int:
    """Run a LOOP2 loop entered with nonzero counter `value` at p; the step count after it, or -1 at the step limit."""
    delta, _, firsts, _, finals, _, _, _, memo = arg
    steady = memo.get(modulus)
    if steady is None:
        steady = memo[modulus] = _steady(arg, modulus)
    cost, effects, endless_rest, endless_first, steady_iterations = steady
    if endless_rest:
        return -1
    n = loop_iterations(value, delta, modulus)
    if n == 0:
        return -1
    if n > 1 and endless_first:
        return -1
    total = n * cost
    corrections = []
    for (counter, before, loop_delta, per_iteration, others), steady_n in zip(firsts, steady_iterations):
        start = (tape[p + counter] + before) % modulus
        if start:
            first_n = loop_iterations(start, loop_delta, modulus)
            if first_n == 0:
                return -1
        else:
            first_n = 0
        if first_n != steady_n:
            total += (first_n - steady_n) * per_iteration
            for cell, amount in others:
                corrections.append((cell, (first_n - steady_n) * amount))
    steps += total
    if steps > max_steps:
        return -1
    for cell, amount in effects:
        tape[p + cell] = (tape[p + cell] + n * amount) % modulus
    for cell, amount in corrections:
        tape[p + cell] = (tape[p + cell] + amount) % modulus
    for counter, final in finals:
        tape[p + counter] = final % modulus
    tape[p] = 0
    return steps


def _compiled(source: str, unmatched: str, step: int = 1) -> Program | str:
    if len(source) > CACHE_MAX_SOURCE:
        return compile_program(source, unmatched, step)
    key = cache_key(unmatched, step)
    cache = _caches.get(key) or _caches.setdefault(key, OrderedDict())
    program = cache.get(source)
    if program is None:
        program = cache[source] = compile_program(source, unmatched, step)
        if len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(source)
    return program


def clear_cache() -> None:
    for cache in _caches.values():
        cache.clear()


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
    step = options.cell_step
    key = options.unmatched if step == 1 else cache_key(options.unmatched, step)
    cache = _caches.get(key) or _caches.setdefault(key, OrderedDict())
    program = cache.get(source)
    if program is None:
        program = _compiled(source, options.unmatched, step)
    else:
        cache.move_to_end(source)
    if isinstance(program, str):
        return Execution(SYNTAX_ERROR, b"", 0, program)
    nodes = program.nodes
    edges = program.edges
    clamp = options.left_edge == "clamp"

    max_steps = limits.max_steps
    max_output = limits.max_output
    modulus = options.cell_modulus
    size = options.tape_size
    tape = bytearray(size) if modulus <= 256 else [0] * size  # as new_tape
    output = bytearray()
    p = 0
    ip = 0
    k = 0
    steps = 0

    while True:
        cost, low, high, adds, move, kind, target, arg = nodes[k]
        if steps + cost > max_steps or p < low or p + high >= size:
            if adds is None:
                _compile_nodes(program, k)
                continue
            edge = None
            if clamp and p < low and steps + cost <= max_steps:
                edge = edges.get((k, p))
                if edge is None:
                    edge = edges[(k, p)] = _clamped_segment(program.segments[k], p, step)
                if edge[2] >= size:
                    edge = None
            if edge is None:
                state = _careful_segment(program, k, tape, output, p, steps, limits, options)
                if type(state) is Execution:
                    return state
                p, steps = state
            else:
                for cell, amount in edge[0]:
                    tape[cell] = (tape[cell] + amount) % modulus
                p = edge[1]
                steps += cost
        else:
            for offset, amount in adds:
                cell = p + offset
                tape[cell] = (tape[cell] + amount) % modulus
            p += move
            steps += cost
        # The segment and its terminator's step are charged: run the terminator.
        if kind == CLOSE:
            k = target if tape[p] else k + 1
        elif kind == OPEN:
            k = k + 1 if tape[p] else target
        elif kind == LOOP:
            value = tape[p]
            if not value:
                k = target
                continue
            delta, per_iteration, others, body_low, body_high = arg
            if p < body_low or p + body_high >= size:
                k += 1  # near an edge: run the body as an ordinary loop (careful), which charges the edge exactly
                continue
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
            for offset, amount in others:
                cell = p + offset
                tape[cell] = (tape[cell] + n * amount) % modulus
            k = target
        elif kind == OUT:
            if len(output) >= max_output:
                return output_limit(output, steps, max_output)
            output.append(tape[p] & 255)
            k += 1
        elif kind == LOOP2:
            value = tape[p]
            if not value:
                k = target
            elif p < arg[6] or p + arg[7] >= size:
                k += 1
            else:
                steps = _run_loop2(arg, tape, p, value, modulus, steps, max_steps)
                if steps < 0:
                    return step_limit(output, max_steps)
                k = target
        elif kind == SCAN:
            if not tape[p]:
                k = target
                continue
            found = _scan(tape, p, arg, size, options.left_edge == "clamp", modulus <= 256)
            if found == -1:
                k += 1  # it would leave the tape: run it as an ordinary loop to charge the edge exactly
            elif found == -2:
                return step_limit(output, max_steps)
            else:
                distance = abs(arg)
                # ceil: a clamped left scan lands on cell 0 from a position that is no multiple of the stride
                n = (abs(found - p) + distance - 1) // distance
                steps += n * (distance + 1)
                if steps > max_steps:
                    return step_limit(output, max_steps)
                p = found
                k = target
        elif kind == FRESH:
            if not tape[p]:
                k = target
                continue
            # First entry: analyze, and run it as an ordinary loop this time.
            kind, arg = _analyze_outer(program, k)
            nodes[k] = (cost, low, high, adds, move, kind, target, arg)
            k += 1
        elif kind == IN:
            if ip < len(stdin):
                tape[p] = stdin[ip] % modulus
                ip += 1
            elif options.eof == "zero":
                tape[p] = 0
            elif options.eof == "minus_one":
                tape[p] = modulus - 1
            k += 1
        elif kind == NOP:
            k += 1
        else:  # END
            return Execution(OK, bytes(output), steps)


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


def _clamped_segment(text: bytes, p: int, step: int = 1) -> tuple[tuple, int, int]:
    """The effect of a segment entered at cell p that reaches cell 0 under left_edge='clamp' (a '<' at cell 0
    stays there): ((cell, amount added), ...), the pointer after it, and the highest cell it visits."""
    amounts: dict[int, int] = {}
    top = p
    for char in text:
        if char == 43:  # +
            amounts[p] = amounts.get(p, 0) + step
        elif char == 45:  # -
            amounts[p] = amounts.get(p, 0) - step
        elif char == 62:  # >
            p += 1
            if p > top:
                top = p
        elif char == 60 and p:  # <
            p -= 1
    return tuple((cell, amount) for cell, amount in amounts.items() if amount), p, top


def _careful_segment(
    program: Program, k: int, tape, output: bytearray, p: int, steps: int, limits: Limits, options: BrainfuckOptions
):
    """Run node k's segment one instruction run at a time with every limit checked, then charge its terminator.

    Used when the segment might not fit the budget or the tape. Returns an
    Execution when the run ends inside the node, else (p, steps) after it.
    """
    max_steps = limits.max_steps
    modulus = options.cell_modulus
    size = options.tape_size
    for token in _RUN.findall(program.segments[k]):
        first = token[0]
        cost = len(token)
        remaining = max_steps - steps
        if first == 62 or first == 60:  # > or <
            amount = cost if first == 62 else -cost
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
        else:
            tape[p] = (tape[p] + (2 * token.count(b"+") - cost) * options.cell_step) % modulus
        steps += cost
    if program.kind(k) != END:
        if steps >= max_steps:
            return step_limit(output, max_steps)
        steps += 1
    return p, steps
