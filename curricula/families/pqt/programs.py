"""Hand-built Brainfuck for the PQT tasks that brain_coder gives no program for: zero tests, truth table, arithmetic."""

from __future__ import annotations


def if_zero(code: str) -> str:
    """Run `code` iff the current cell x is 0; needs the two cells right of x to be zero (they stay zero).

    `code` starts and ends on x. Both paths end on x: the nonzero path
    clears the flag and stops on the always-zero cell, the zero path
    consumes the flag and walks there too.
    """
    return ">+<[>-]>[-<" + code + ">>]<<"


def bf_truth_table(table: dict[tuple[int, int, int], int]) -> str:
    """Base-2 Brainfuck: read x, y, z into cells 0-2 and write table[x, y, z] from cell 3.

    For each row with value 1, copies of the three inputs (negated where the
    row has a 0) go to cells 4-6; their AND toggles cell 3. At most one row
    matches, so cell 3 ends holding the answer. Cell 7 restores the copies.
    """
    code = [",>,>,"]
    pos = 2

    def move(to: int) -> str:
        nonlocal pos
        step, pos = to - pos, to
        return ">" * step if step > 0 else "<" * -step

    for (x, y, z), value in sorted(table.items()):
        if not value:
            continue
        for source, target, literal in ((0, 4, x), (1, 5, y), (2, 6, z)):
            to_target, to_restore, back = ">" * (target - source), ">" * (7 - target), "<" * (7 - source)
            code.append(move(source) + "[-" + to_target + "+" + to_restore + "+" + back + "]")
            code.append(move(7) + "[-" + "<" * (7 - source) + "+" + ">" * (7 - source) + "]")
            if literal == 0:
                code.append(move(target) + "+")
        code.append(move(4) + "[->[->[-<<<+>>>]<]<]>[-]>[-]")
        pos = 6
    code.append(move(3) + ".")
    return "".join(code)


class Tape:
    """Emits Brainfuck naming absolute cells; every loop returns to the cell it started on."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0

    def at(self, cell: int) -> Tape:
        step, self.pos = cell - self.pos, cell
        self.parts.append(">" * step if step > 0 else "<" * -step)
        return self

    def raw(self, code: str) -> Tape:
        self.parts.append(code)
        return self

    def text(self) -> str:
        return "".join(self.parts)


def build_multiply() -> str:
    """a * b within the step budget for every a * b < 256.

    Looping over a and adding b each time costs loop overhead per unit of
    a, too much for a = 255, b = 1. Instead: decrement a and b together
    k = min(a, b) times (each zero test is O(1)), leaving a' = a - k and
    b' = b - k, one of them 0. Then a * b = k * ((a' + k) + b'): k is added
    into a', and an outer loop over the small k adds a' and b' into the
    product through temps next to them.
    Cells: 0 a (1-2 its zero-test cells), 1 temp, 2 product, 3 temp, 4 b
    (5-6 its zero-test cells), 7 k, 8 continue flag, 9 outer counter.
    """
    t = Tape()
    t.raw(",").at(4).raw(",").at(8).raw("+")

    def stop_if_either_is_zero() -> None:
        t.at(0).raw(if_zero(">" * 8 + "[-]" + "<" * 8))
        t.at(4).raw(if_zero(">>>>[-]<<<<"))

    stop_if_either_is_zero()
    t.at(8).raw("[")
    t.at(0).raw("-").at(4).raw("-").at(7).raw("+")
    stop_if_either_is_zero()
    t.at(8).raw("]")
    t.at(7).raw("[-").at(9).raw("+").at(0).raw("+").at(7).raw("]")  # k into the outer counter and into a'
    t.at(9).raw("[-")
    t.at(0).raw("[->+>+<<]").at(1).raw("[-<+>]")
    t.at(4).raw("[-<+<+>>]").at(3).raw("[->+<]")
    t.at(9).raw("]")
    t.at(2).raw(".")
    return t.text()


def build_divmod() -> str:
    """n // k and n % k by counting n down while a counter runs through k (pointer-divergence zero test).

    Cells: 0 n, 1 the part of k still to count, 2 one more than the part
    counted, 3 quotient, 4-5 zero. Each unit of n decrements cell 1; when
    it reaches 0 the counted part moves back into it and the quotient
    grows. Both paths end on cell 5, then return to n. About 22 steps per
    unit of n, so n is limited to DIVMOD_MAX_N by the 5000-step budget.
    """
    return ",>,>+<<[->-[>+>>]>[[-<+>]+>+>>]<<<<<]>>>.<-."


DIVMOD_MAX_N = 200
"""Largest n whose division fits the step budget for every divisor (n = 210, k = 1 needs 5055 steps)."""

BF_MULTIPLY = build_multiply()
BF_DIVMOD = build_divmod()
