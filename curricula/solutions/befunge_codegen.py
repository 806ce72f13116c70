"""Befunge-93 program builders shared by the task families' reference solutions.

`befunge_push` writes the shortest expression (digits, `+`, `*`, `:`) we
know for a number; `befunge_print` a whole program printing given bytes;
`befunge_layout` folds a straight-line sequence of code tokens into the
80x25 grid (boustrophedon rows joined by arrows) when it does not fit on
one line. Programs use only Befunge-93 commands and never `p`.
"""

from __future__ import annotations

from functools import lru_cache

from esolangs.validation import is_int

__all__ = ["befunge_push", "befunge_print", "befunge_layout", "befunge_string_tokens", "WIDTH", "HEIGHT"]

WIDTH = 80
HEIGHT = 25
_PUSH_TABLE_SIZE = 1024


@lru_cache(maxsize=1)
def _push_table() -> list[str]:
    """Short digit/+/-/*/: expressions for 0.._PUSH_TABLE_SIZE-1, relaxed over products, squares and small offsets.

    Sums and differences only take a small second operand (<= 90), which
    keeps the table cheap to build and loses almost nothing in length.
    """
    size = _PUSH_TABLE_SIZE
    best: list[str | None] = [None] * size
    for digit in range(10):
        best[digit] = str(digit)

    def offer(value: int, code: str) -> bool:
        if 0 <= value < size and ((current := best[value]) is None or len(code) < len(current)):
            best[value] = code
            return True
        return False

    changed = True
    while changed:
        changed = False
        known = [(n, code) for n, code in enumerate(best) if code is not None]
        small = [(n, code) for n, code in known if n <= 90]
        for a, code_a in known:
            changed |= offer(a * a, code_a + ":*")
            for b, code_b in small:
                changed |= offer(a + b, code_a + code_b + "+")
                changed |= offer(a - b, code_a + code_b + "-")
                if b >= 2:
                    changed |= offer(a * b, code_a + code_b + "*")
    return [code for code in best]  # type: ignore[misc]  # no None left: sums with small operands reach every value


def befunge_push(value: int) -> str:
    """Code pushing the integer `value` (any sign; 32-bit range) onto the stack."""
    if not is_int(value):
        raise TypeError(f"value must be an int, got {type(value).__name__} {value!r}")
    if not -(2**31) <= value < 2**31:
        raise ValueError(f"value must fit a 32-bit Befunge cell, [-2**31, 2**31 - 1], got {value}")
    if value < 0:
        return "0" + befunge_push(-value) + "-" if value > -(2**31) else befunge_push(-(2**30)) + "2*"
    table = _push_table()
    if value < len(table):
        return table[value]
    # Horner in base 1024 keeps large constants short enough.
    high, low = divmod(value, _PUSH_TABLE_SIZE)
    return befunge_push(high) + table[32] + ":*" + "*" + (table[low] + "+" if low else "")


def _printable(byte: int) -> bool:
    return 32 <= byte <= 126 and byte != ord('"')


def befunge_string_tokens(values: list[int] | bytes, chunk: int = 24) -> list[str]:
    """Tokens that push `values` in order: string-mode runs for printable bytes, expressions for the rest.

    Runs are cut to `chunk` characters so a layout can place each token on one row.
    """
    tokens: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            tokens.append('"' + "".join(run) + '"')
            run.clear()

    for value in values:
        if _printable(value) and len(befunge_push(value)) >= 3:
            run.append(chr(value))
            if len(run) >= chunk:
                flush()
        else:
            flush()
            tokens.append(befunge_push(value))
    flush()
    # A one-character string costs 3 cells; a shorter expression is preferred above.
    return tokens


def befunge_print_tokens(data: bytes | str | list[int]) -> list[str]:
    """Straight-line tokens that print `data` and stop (`@` included)."""
    values = list(data.encode("latin-1")) if isinstance(data, str) else list(data)
    bad = [v for v in values if not 0 <= v <= 255]
    if bad:
        raise ValueError(f"bytes to print must be in [0, 255], got {bad[:5]}")
    if not values:
        return ["@"]
    if 0 not in values and len(values) > 4:
        # Sentinel 0 under the reversed text, then the classic print loop.
        return ["0", *befunge_string_tokens(values[::-1]), ">:#,_@"]
    writes = [",".ljust(min(60, len(values) - start), ",") for start in range(0, len(values), 60)]
    return [*befunge_string_tokens(values[::-1]), *writes, "@"]


def befunge_print(data: bytes | str | list[int]) -> str:
    """A whole Befunge-93 program printing `data` exactly, then ending.

    >>> befunge_print(b"hi")
    '"ih",,@'
    """
    return befunge_layout(befunge_print_tokens(data))


def befunge_layout(tokens: list[str], width: int = WIDTH, height: int = HEIGHT) -> str:
    """Place straight-line code tokens on the grid; the IP meets them in order, starting at (0, 0) moving right.

    Tokens must not change direction themselves, except that the last one
    may be a self-contained loop ending the program such as `>:#,_@`
    (it is placed whole on a left-to-right row). A single line is used
    when everything fits; otherwise rows alternate direction, joined by `v`
    and `<`/`>` at the edges, and each right-to-left row holds its tokens
    mirrored so the IP still meets their characters in order.
    """
    line = "".join(tokens)
    if len(line) <= width:
        return line
    inner = width - 2
    rows: list[list[str]] = [[]]
    used = 0
    for position, token in enumerate(tokens):
        if len(token) > inner:
            raise ValueError(f"token of {len(token)} characters does not fit a {inner}-cell row: {token[:20]!r}...")
        last = position == len(tokens) - 1
        # A loop token must sit on a left-to-right row: it relies on `>` and `_` meaning what they say.
        needs_forward = last and any(c in token for c in "<>_|^v#")
        if used + len(token) > inner or (needs_forward and len(rows) % 2 == 0):
            rows.append([])
            used = 0
            if needs_forward and len(rows) % 2 == 0:
                rows.append([])
        rows[-1].append(token)
        used += len(token)
    if len(rows) > height:
        raise ValueError(f"program needs {len(rows)} rows; Befunge-93 allows {height}")
    grid: list[str] = []
    for number, row_tokens in enumerate(rows):
        code = "".join(row_tokens)
        last_row = number == len(rows) - 1
        if number % 2 == 0:
            start = ">" if number else " "
            end = "" if last_row else "v"
            grid.append(start + code.ljust(inner if end else 0) + end)
        else:
            mirrored = "".join(reversed(code))
            end = "" if last_row else "v"
            grid.append((end or " ") + mirrored.rjust(inner) + "<")
    return "\n".join(row.rstrip() if row.strip() else "" for row in grid)
