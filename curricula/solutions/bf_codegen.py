"""Brainfuck program builders shared by the task families' reference solutions.

Every builder returns plain Brainfuck text (only the eight commands) that
never moves left of the cell it starts on, so it runs under both tape-edge
conventions (error and clamp). Builders that set cell values take the cell
modulus (default 256, any base >= 2) and never rely on wrapping below zero
unless they say so, so the same text is correct for PQT's base-27 tasks.

Layout convention for composable snippets: the pointer sits on a "work"
cell whose current value the caller knows, and the cell to its right is a
scratch cell that is zero before and after the snippet.
"""

from __future__ import annotations

from functools import lru_cache
from math import isqrt

__all__ = [
    "bf_add", "bf_change", "bf_clear", "bf_emit", "bf_print", "bf_set",
    "bf_echo_all", "bf_map_each", "bf_repeat", "bf_move", "bf_copy",
]

_LOOP_OVERHEAD = len(">[<>-]<")  # characters a multiplication loop adds besides its two factors


def _check_modulus(modulus: int) -> None:
    if isinstance(modulus, bool) or not isinstance(modulus, int) or modulus < 2:
        raise ValueError(f"modulus must be an int >= 2 (256 for 8-bit cells), got {modulus!r}")


def _repeat(symbol_up: str, symbol_down: str, amount: int) -> str:
    return symbol_up * amount if amount >= 0 else symbol_down * (-amount)


@lru_cache(maxsize=65536)
def _signed_add(amount: int) -> str:
    """Shortest code (over direct runs and one multiplication loop) adding `amount` to the work cell.

    The multiplication loop uses the scratch cell to the right as counter
    and leaves it at zero. No wrapping is assumed: it adds exactly `amount`.
    """
    best = _repeat("+", "-", amount)
    size = abs(amount)
    sign_up, sign_down = ("+", "-") if amount >= 0 else ("-", "+")
    for factor in range(2, isqrt(size) + 2):
        for times in {size // factor, -(-size // factor)}:
            if times < 2:
                continue
            rest = size - factor * times
            length = _LOOP_OVERHEAD + factor + times + abs(rest)
            if length < len(best):
                body = sign_up * times
                best = ">" + "+" * factor + "[<" + body + ">-]<" + (sign_up * rest if rest >= 0 else sign_down * -rest)
    return best


def bf_add(delta: int, modulus: int = 256) -> str:
    """Code adding `delta` (mod `modulus`) to the work cell; uses the scratch cell to the right.

    Picks the shorter direction around the modulus (e.g. -1 instead of +255
    in 8-bit cells).
    """
    _check_modulus(modulus)
    delta %= modulus
    up = _signed_add(delta) if delta else ""
    down = _signed_add(delta - modulus) if delta else ""
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
