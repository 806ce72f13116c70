"""Brainfuck program builders shared by the task families' reference solutions.

Every builder returns plain Brainfuck text (only the eight commands) that,
given non-negative offsets, never moves left of the cell it starts on, so
it runs under both tape-edge conventions (error and clamp). Builders that
set cell values take the cell modulus (default 256, any base >= 2) and
compute every change modulo it, going the shorter way around, so the same
builders serve PQT's base-27 tasks.

Layout convention for composable snippets: the pointer sits on a "work"
cell whose current value the caller knows, and the cell to its right is a
scratch cell that is zero before and after the snippet.
"""

from __future__ import annotations

from functools import lru_cache
from math import isqrt

from esolangs.validation import check_int

__all__ = [
    "bf_add",
    "bf_change",
    "bf_clear",
    "bf_emit",
    "bf_print",
    "bf_set",
    "bf_counting_sort",
    "bf_simplify",
    "bf_echo_all",
    "bf_map_each",
    "bf_repeat",
    "bf_move",
    "bf_copy",
]

_LOOP_OVERHEAD = len(">[<>-]<")  # characters a multiplication loop adds besides its two factors


def _check_modulus(modulus: int) -> None:
    check_int("modulus", modulus, 2)  # 256 for 8-bit cells


def _repeat(symbol_up: str, symbol_down: str, amount: int) -> str:
    return symbol_up * amount if amount >= 0 else symbol_down * (-amount)


@lru_cache(maxsize=65536)
def _signed_add(amount: int, scratch: int = 1) -> str:
    """Shortest code (over direct runs and one multiplication loop) adding `amount` to the work cell.

    The multiplication loop uses the scratch cell to the right as counter
    and leaves it at zero. No wrapping is assumed: it adds exactly `amount`.
    """
    best = _repeat("+", "-", amount)
    size = abs(amount)
    sign_up, sign_down = ("+", "-") if amount >= 0 else ("-", "+")
    overhead = _LOOP_OVERHEAD + 2 * (abs(scratch) - 1)
    for factor in range(2, isqrt(size) + 2):
        for times in {size // factor, -(-size // factor)}:
            if times < 2:
                continue
            rest = size - factor * times
            length = overhead + factor + times + abs(rest)
            if length < len(best):
                body = sign_up * times
                go, back = bf_move(scratch), bf_move(-scratch)
                best = (
                    go
                    + "+" * factor
                    + "["
                    + back
                    + body
                    + go
                    + "-]"
                    + back
                    + (sign_up * rest if rest >= 0 else sign_down * -rest)
                )
    return best


def bf_add(delta: int, modulus: int = 256, scratch: int = 1) -> str:
    """Code adding `delta` (mod `modulus`) to the work cell; may use the zero cell at offset `scratch`.

    Picks the shorter direction around the modulus (e.g. -1 instead of +255
    in 8-bit cells). The scratch cell is zero again afterwards.
    """
    _check_modulus(modulus)
    if scratch == 0:
        raise ValueError("scratch must be a nonzero offset from the work cell, got 0")
    delta %= modulus
    up = _signed_add(delta, scratch) if delta else ""
    down = _signed_add(delta - modulus, scratch) if delta else ""
    return min(up, down, key=len)


def bf_change(current: int, target: int, modulus: int = 256) -> str:
    """Code turning the work cell from the known value `current` into `target` (mod `modulus`).

    Also considers clearing the cell with `[-]` and building `target` from
    zero, which is shorter when the two values are far apart.
    """
    _check_modulus(modulus)
    current %= modulus
    target %= modulus
    if current == target:
        return ""
    direct = bf_add(target - current, modulus)
    rebuilt = "[-]" + bf_add(target, modulus)
    return direct if len(direct) <= len(rebuilt) else rebuilt


def bf_set(target: int, modulus: int = 256) -> str:
    """Code setting the work cell to `target` whatever it held (clears it first)."""
    return "[-]" + bf_add(target, modulus)


def bf_clear() -> str:
    return "[-]"


def _as_values(data: bytes | bytearray | str | list[int] | tuple[int, ...], modulus: int) -> list[int]:
    if isinstance(data, str):
        values = list(data.encode("latin-1"))
    elif isinstance(data, (bytes, bytearray)):
        values = list(data)
    else:
        values = [int(v) for v in data]
    bad = [v for v in values if not 0 <= v < modulus]
    if bad:
        raise ValueError(f"values to print must be in [0, {modulus - 1}] for cell modulus {modulus}, got {bad[:5]}")
    return values


def bf_emit(data: bytes | str | list[int], current: int = 0, modulus: int = 256) -> str:
    """Composable: print `data` using the work cell (holding `current`) and the zero scratch cell to its right.

    The work cell ends holding the last value printed (or `current` when data is empty).
    """
    _check_modulus(modulus)
    parts = []
    value = current % modulus
    for target in _as_values(data, modulus):
        parts.append(bf_change(value, target, modulus))
        parts.append(".")
        value = target
    return "".join(parts)


def bf_print(data: bytes | str | list[int], modulus: int = 256) -> str:
    """A whole program printing `data` exactly, from a zeroed tape; uses cells 0 and 1.

    Values must be below `modulus` (each printed byte is the cell value).
    For each byte it takes the shortest of: a run of '+' or '-', a
    multiplication loop, or clearing and rebuilding the cell.

    >>> bf_print(b"A")
    '>++++++++[<++++++++>-]<+.'
    """
    return bf_emit(data, 0, modulus)


def bf_move(distance: int) -> str:
    """Move the pointer `distance` cells (negative: left)."""
    return _repeat(">", "<", distance)


def bf_copy(offsets: list[int] | tuple[int, ...], keep_via: int | None = None) -> str:
    """Destructively add the work cell into the cells at `offsets` (relative), leaving it zero.

    With `keep_via` (an offset of a zero cell), the value is restored into
    the work cell afterwards through that cell, so the net effect is a copy.
    """
    targets = list(offsets) + ([keep_via] if keep_via is not None else [])
    body = "".join(bf_move(o) + "+" + bf_move(-o) for o in targets)
    code = "[-" + body + "]"
    if keep_via is not None:
        code += bf_move(keep_via) + "[-" + bf_move(-keep_via) + "+" + bf_move(keep_via) + "]" + bf_move(-keep_via)
    return code


def bf_echo_all() -> str:
    """Echo input until a 0 byte or end of input (',' at EOF stores 0)."""
    return ",[.,]"


def bf_map_each(body: str) -> str:
    """Read bytes until 0/EOF and run `body` on each (work cell holds the byte; scratch to its right is zero)."""
    return ",[" + body + ",]"


def bf_repeat(count: int, body: str, counter_offset: int = 2, modulus: int = 256) -> str:
    """Run `body` `count` times, counting in the zero cell at `counter_offset` (relative, > 1).

    `body` runs with the pointer on the work cell and must leave it there
    without touching the counter cell; the scratch cell (offset 1) stays
    free for `bf_add`. The counter is zero again afterwards.
    """
    if counter_offset < 2:
        raise ValueError(f"counter_offset must be >= 2 (offset 1 is the scratch cell), got {counter_offset}")
    if count <= 0:
        return ""
    if count == 1:
        return body
    go, back = bf_move(counter_offset), bf_move(-counter_offset)
    # Building the count uses the cell right of the counter as its own scratch.
    return go + bf_add(count, modulus) + "[" + back + body + go + "-]" + back


def bf_counting_sort(low: int, high: int, modulus: int = 256) -> str:
    """A whole program that reads bytes in [low, high] until 0/EOF and prints them in ascending order.

    Each byte c is stored as a 5-cell record [marker=1, key=c-low+1, c, t0, t1]
    (records start at cell 5; cells 0-4 hold the round counter). Then
    high-low+1 rounds each decrement every nonzero key once; a record
    whose key reaches zero in round r holds the r-th smallest value and is
    printed then, so equal values come out in input order. Cost is about
    rounds x length x key, so it suits small alphabets (digits, letters).
    """
    _check_modulus(modulus)
    if not 1 <= low <= high < modulus:
        raise ValueError(f"need 1 <= low <= high < modulus ({modulus}), got low={low}, high={high}")
    rounds = high - low + 1
    read = (
        ">" * 7  # c of record 0
        + ",["
        + "[<+>>+<-]>[<+>-]<"  # key = c, keep c (through t0)
        + "<<+>"  # marker = 1; pointer on key
        + bf_add(-(low - 1), modulus, scratch=2)  # key = c - low + 1, using t0 as scratch
        + ">" * 6
        + ","  # c of the next record
        + "]"
        + "<<"
        + "<" * 5
        + "["
        + "<" * 5
        + "]"  # back to cell 0 (the marker left of record 0)
    )
    visit = (
        ">[>>>+<<<-]>>>"  # move key to t1
        + "[-<+>[<->[<<<+>>>-]]<[<.>-]>]"  # if key: decrement; back into key unless it hit zero, then print c
        + "<<<<"  # back on the marker
    )
    sweep = ">" * 5 + "[" + visit + ">" * 5 + "]" + "<" * 5 + "[" + "<" * 5 + "]"
    return bf_simplify(read + ">" + bf_add(rounds, modulus) + "[<" + sweep + ">-]")


def bf_simplify(code: str) -> str:
    """Drop adjacent cancelling pairs ('+-', '-+', '<>', '><') left by composing snippets.

    Only ever removes moves that a run could not need (a '<>' at cell 0
    would merely have failed), and never touches loops or I/O.
    """
    previous = None
    while previous != code:
        previous = code
        for pair in ("+-", "-+", "<>", "><"):
            code = code.replace(pair, "")
    return code
