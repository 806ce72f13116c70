"""The PQT arithmetic tasks: multiply, divmod, Fibonacci and count-down."""

from __future__ import annotations

from curricula.families.pqt.common import PQTFamily, pqt_config, pqt_family, rint
from curricula.families.pqt.programs import BF_DIVMOD, BF_MULTIPLY, DIVMOD_MAX_N, if_zero
from curricula.solutions.bf_codegen import bf_emit

MultiplyConfig = pqt_config(
    "MultiplyConfig",
    "Products n in 0..max_value, split into random factors.",
    max_value=(255, (15, 63, 255), 1, 255),
    module=__name__,
)


@pqt_family
class Multiply(PQTFamily):
    name = "multiply"
    summary = "Write a * b for two bytes whose product is below 256."
    has_original = False  # brain_coder's cells wrap at 512 here: its values do not fit in bytes
    config_class = MultiplyConfig
    known_bf = ",>,><<[->[->+>+<<]>>[-<<+>>]<<<]>>."
    description = "The input is two bytes a and b whose product is at most {max_value}. Write one byte: a * b."
    io_format = "bytes: a, b -> a * b"

    def draw_input(self, rng, params):
        # as brain_coder's MultiplyTask: a product, then one of its factors up to its square root
        n = rint(rng, 0, self.config.max_value)
        if n == 0:
            a, b = 0, rint(rng, 0, self.config.max_value)
        else:
            factors = [f for f in range(1, int(n**0.5) + 1) if n % f == 0]
            a = factors[rint(rng, 0, len(factors) - 1)]
            b = n // a
        if rng.random() < 0.5:
            a, b = b, a
        return [a, b]

    @staticmethod
    def solve(data):
        return [data[0] * data[1] % 256]

    def bf_solution(self, instance):
        return BF_MULTIPLY

    @classmethod
    def original_cases(cls):
        raise ValueError("multiply has no byte-sized original cases (brain_coder uses base 512)")


DivModConfig = pqt_config(
    "DivModConfig",
    "n in 0..max_value and k in 1..max_value (200 keeps the reference program in budget).",
    max_value=(200, (15, 63, 200, 255), 1, 255),
    module=__name__,
)


@pqt_family
class DivMod(PQTFamily):
    name = "divmod"
    summary = "Write n // k and n % k."
    has_original = False  # brain_coder's cells wrap at 512 here: its values do not fit in bytes
    config_class = DivModConfig
    known_bf = (
        ",>,><<[>[->+>+<<]>[-<<-[>]>>>[<[-<->]<[>]>>[[-]>>+<]>-<]<<]>>>+<<[-<<+>>]<<<]>>>>>[-<<<<<+>>>>>]<<<<<.>.>"
    )
    description = (
        "The input is two bytes n in 0..{max_value} and k in 1..{max_value}. Write two bytes: n // k (the quotient "
        "rounded down) and n % k (the remainder)."
    )
    io_format = "bytes: n, k -> n // k, n % k"

    def draw_input(self, rng, params):
        return [rint(rng, 0, self.config.max_value), rint(rng, 1, self.config.max_value)]

    @staticmethod
    def solve(data):
        return list(divmod(data[0], data[1]))

    def bf_solution(self, instance):
        if instance.config["max_value"] > DIVMOD_MAX_N:
            return None  # n = 210 with k = 1 already needs more than 5000 steps
        return BF_DIVMOD

    @classmethod
    def original_cases(cls):
        raise ValueError("divmod has no byte-sized original cases (brain_coder uses base 512)")


FibConfig = pqt_config(
    "FibConfig", "n in 0..max_n (brain_coder: 0..13).", max_n=(13, (4, 8, 13, 20), 0, 254), module=__name__
)


@pqt_family
class Fib(PQTFamily):
    name = "fib"
    summary = "Given n, write Fibonacci numbers F(n) and F(n+1) mod 256."
    config_class = FibConfig
    description = (
        "The input is one byte n in 0..{max_n}. With F(0) = 0, F(1) = 1, F(k+2) = F(k) + F(k+1), write two "
        "bytes: F(n) mod 256 and F(n+1) mod 256."
    )
    io_format = "bytes: n -> F(n) % 256, F(n+1) % 256"

    def draw_input(self, rng, params):
        return [rint(rng, 0, self.config.max_n)]

    @staticmethod
    def solve(data):
        a, b = 0, 1
        for _ in range(data[0]):
            a, b = b, (a + b) % 256
        return [a, b]

    def bf_solution(self, instance):
        # A table: for v = 0, 1, ..., max_n, if n == v write F(v), F(v+1); then n -= 1 (it wraps after a match).
        # Cells: 0 work, 1 scratch (bf_emit), 2 n, 3-4 zero-test cells.
        code = [">>,"]
        a, b = 0, 1
        for _ in range(int(instance.config.get("max_n", 13)) + 1):
            write = "<<" + bf_emit([a, b], 0, 256) + "[-]>>"
            code.append(if_zero(write) + "-")
            a, b = b, (a + b) % 256
        return "".join(code)

    @classmethod
    def original_cases(cls):
        return [
            ([0], [0, 1]),
            ([1], [1, 1]),
            ([2], [1, 2]),
            ([3], [2, 3]),
            ([4], [3, 5]),
            ([5], [5, 8]),
            ([6], [8, 13]),
            ([7], [13, 21]),
            ([8], [21, 34]),
            ([9], [34, 55]),
            ([10], [55, 89]),
            ([11], [89, 144]),
            ([12], [144, 233]),
            ([13], [233, 121]),
        ]


CountDownConfig = pqt_config(
    "CountDownConfig", "N in 1..max_n (brain_coder: 1..6).", max_n=(6, (3, 6, 12, 24), 1, 255), module=__name__
)


@pqt_family
class CountDown(PQTFamily):
    name = "count-down"
    summary = "Given N, write N, 0, N-1, 0, ..., 1, 0 (brain_coder's 'bottles of beer')."
    config_class = CountDownConfig
    description = "The input is one byte N in 1..{max_n}. Write N, 0, N-1, 0, ..., 2, 0, 1, 0."
    io_format = "bytes: N -> N 0 N-1 0 ... 1 0"

    def draw_input(self, rng, params):
        return [rint(rng, 1, self.config.max_n)]

    @staticmethod
    def solve(data):
        out = []
        for value in range(data[0], 0, -1):
            out += [value, 0]
        return out

    def bf_solution(self, instance):
        return ",[.>.<-]"

    @classmethod
    def original_cases(cls):
        return [([n], [v for k in range(n, 0, -1) for v in (k, 0)]) for n in range(1, 7)]
