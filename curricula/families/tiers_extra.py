"""The `tiers` suite, extra-hard tier: parsing, big-number arithmetic, dynamic programming, search and graphs."""

from __future__ import annotations

from itertools import combinations

from curricula.base import register_family
from curricula.families._tiers_common import (
    LIST_IO,
    TiersFamily,
    int_config,
    int_list,
    line,
    list_input,
    rint,
    word,
)

EXTRA = "extra-hard"
PRINTABLE = "".join(map(chr, range(32, 127)))
"""The printable ASCII characters, space to tilde."""

ExprConfig = int_config(
    "ExprConfig",
    "Expressions of 1..max_numbers numbers.",
    max_numbers=(8, (3, 5, 8, 15, 30), 1, 200),
    module=__name__,
)
BigMulConfig = int_config(
    "BigMulConfig",
    "Factors of 1..max_digits digits.",
    max_digits=(25, (5, 10, 25, 50, 100), 1, 1000),
    module=__name__,
)
BigFactorialConfig = int_config(
    "BigFactorialConfig",
    "n in 0..max_n.",
    max_n=(50, (20, 30, 50, 100, 200), 0, 1000),
    module=__name__,
)
PairStringConfig = int_config(
    "PairStringConfig",
    "Two strings of 1..max_length letters.",
    max_length=(12, (4, 8, 12, 20, 40), 1, 300),
    module=__name__,
)
KnapsackConfig = int_config(
    "KnapsackConfig",
    "1..max_items items.",
    max_items=(8, (3, 5, 8, 15, 25), 1, 100),
    module=__name__,
)
QueensConfig = int_config("QueensConfig", "n in 1..max_n.", max_n=(8, (4, 6, 8, 9), 1, 10), module=__name__)
GridConfig = int_config(
    "GridConfig",
    "Grids up to max_size x max_size.",
    max_size=(8, (4, 6, 8, 12, 20), 2, 60),
    module=__name__,
)
MatMulConfig = int_config(
    "MatMulConfig",
    "Dimensions 1..max_size, entries in -9..9.",
    max_size=(4, (2, 3, 4, 6), 1, 20),
    module=__name__,
)
DeterminantConfig = int_config(
    "DeterminantConfig",
    "n in 1..max_n, entries in -9..9.",
    max_n=(4, (2, 3, 4, 5), 1, 8),
    module=__name__,
)
GraphConfig = int_config(
    "GraphConfig",
    "Graphs of 1..max_nodes nodes.",
    max_nodes=(8, (4, 6, 8, 15, 30), 1, 500),
    module=__name__,
)
PermConfig = int_config(
    "PermConfig",
    "Strings of 1..max_length letters.",
    max_length=(4, (2, 3, 4, 5), 1, 7),
    module=__name__,
)
ExtraListConfig = int_config(
    "ExtraListConfig",
    "Lists of 1..max_length integers in 0..max_value.",
    max_length=(10, (4, 8, 10, 20, 50), 1, 1000),
    max_value=(20, (9, 20, 100, 10**6), 1, 10**12),
    module=__name__,
)
PowerOfTwoConfig = int_config(
    "PowerOfTwoConfig",
    "n in 0..max_n.",
    max_n=(100, (20, 64, 100, 300, 1000), 0, 10**4),
    module=__name__,
)
FractionConfig = int_config(
    "FractionConfig",
    "Numerators and denominators in 1..max_value.",
    max_value=(50, (9, 50, 1000, 10**6), 1, 10**9),
    module=__name__,
)
Base64Config = int_config(
    "Base64Config",
    "Text of 1..max_length characters.",
    max_length=(20, (3, 10, 20, 50, 100), 1, 1000),
    module=__name__,
)
CoinConfig = int_config(
    "CoinConfig",
    "Amounts in 0..max_amount.",
    max_amount=(50, (10, 30, 50, 100, 500), 0, 10**4),
    module=__name__,
)
IntervalConfig = int_config(
    "IntervalConfig",
    "1..max_intervals intervals.",
    max_intervals=(6, (2, 4, 6, 12, 30), 1, 1000),
    module=__name__,
)
SqrtConfig = int_config(
    "SqrtConfig",
    "Numbers of 1..max_digits digits.",
    max_digits=(20, (4, 10, 20, 40, 80), 1, 1000),
    module=__name__,
)


def _expression(rng, numbers: int) -> str:
    """A random infix expression over + - * and parentheses with `numbers` integer operands."""
    if numbers == 1:
        return str(rint(rng, 0, 20))
    left = rint(rng, 1, numbers - 1)
    text = _expression(rng, left) + " " + "+-*"[rint(rng, 0, 2)] + " " + _expression(rng, numbers - left)
    return f"( {text} )" if rng.random() < 0.4 else text


@register_family
class EvalInfix(TiersFamily):
    name, tier = "eval-infix", EXTRA
    summary = "Evaluate an arithmetic expression with precedence and parentheses."
    description = "Read an arithmetic expression with non-negative integers, + - * and parentheses, and print its value. * binds tighter than + and -; operators of equal precedence group from left to right."
    io_format = "Input: one line, every number, operator and parenthesis separated by single spaces; at most {max_numbers} numbers, each from 0 to 20. Output: the value, then a newline."
    config_class = ExprConfig

    def make_input(self, rng):
        return _expression(rng, rint(rng, 1, self.config.max_numbers)) + "\n"

    @staticmethod
    def solve(text):
        tokens, pos = text.split(), 0

        def expr():
            nonlocal pos
            value = term()
            while pos < len(tokens) and tokens[pos] in "+-":
                op = tokens[pos]
                pos += 1
                value = value + term() if op == "+" else value - term()
            return value

        def term():
            nonlocal pos
            value = atom()
            while pos < len(tokens) and tokens[pos] == "*":
                pos += 1
                value *= atom()
            return value

        def atom():
            nonlocal pos
            token = tokens[pos]
            pos += 1
            if token == "(":
                value = expr()
                pos += 1  # the closing parenthesis
                return value
            return int(token)

        return f"{expr()}\n"


def _big(rng, max_digits: int) -> str:
    digits = rint(rng, 1, max_digits)
    return str(rint(rng, 0, 9)) if digits == 1 else str(rint(rng, 1, 9)) + word(rng, digits - 1, "0123456789")


@register_family
class BigMultiply(TiersFamily):
    name, tier = "big-multiply", EXTRA
    summary = "Multiply two very large non-negative integers."
    description = (
        "Read two non-negative integers that may be far too large for machine words and print their exact product."
    )
    io_format = "Input: two lines, each holding a non-negative integer of 1 to {max_digits} digits (no leading zeros). Output: the product, then a newline."
    config_class = BigMulConfig

    def make_input(self, rng):
        return _big(rng, self.config.max_digits) + "\n" + _big(rng, self.config.max_digits) + "\n"

    @staticmethod
    def solve(text):
        a, b = text.split()
        return f"{int(a) * int(b)}\n"


@register_family
class BigFactorial(TiersFamily):
    name, tier = "big-factorial", EXTRA
    summary = "Print n! exactly for n up to a few hundred."
    description = "Read n and print n factorial exactly, all of its digits (0! is 1)."
    io_format = "Input: one line holding n (0 <= n <= {max_n}). Output: n! in decimal, then a newline."
    config_class = BigFactorialConfig

    def make_input(self, rng):
        return line(rint(rng, 0, self.config.max_n))

    @staticmethod
    def solve(text):
        result = 1
        for i in range(2, int(text) + 1):
            result *= i
        return f"{result}\n"


def _two_words(rng, max_length: int) -> str:
    return word(rng, rint(rng, 1, max_length), "abcd") + " " + word(rng, rint(rng, 1, max_length), "abcd") + "\n"


@register_family
class LcsLength(TiersFamily):
    name, tier = "lcs-length", EXTRA
    summary = "Length of the longest common subsequence of two strings."
    description = "Read two strings and print the length of their longest common subsequence: the longest string obtainable from both by deleting characters."
    io_format = "Input: one line holding two strings of 1 to {max_length} lowercase letters separated by a space. Output: the length, then a newline."
    config_class = PairStringConfig

    def make_input(self, rng):
        return _two_words(rng, self.config.max_length)

    @staticmethod
    def solve(text):
        a, b = text.split()
        prev = [0] * (len(b) + 1)
        for x in a:
            row = [0]
            for j, y in enumerate(b):
                row.append(prev[j] + 1 if x == y else max(prev[j + 1], row[j]))
            prev = row
        return f"{prev[-1]}\n"


@register_family
class EditDistance(TiersFamily):
    name, tier = "edit-distance", EXTRA
    summary = "Levenshtein distance between two strings."
    description = "Read two strings and print the smallest number of single-character insertions, deletions and substitutions that turn the first into the second."
    io_format = "Input: one line holding two strings of 1 to {max_length} lowercase letters separated by a space. Output: the distance, then a newline."
    config_class = PairStringConfig

    def make_input(self, rng):
        return _two_words(rng, self.config.max_length)

    @staticmethod
    def solve(text):
        a, b = text.split()
        prev = list(range(len(b) + 1))  # distances from a prefix of a to each prefix of b
        for i, x in enumerate(a, 1):
            row = [i]
            for j, y in enumerate(b):
                # neighbouring distances differ by at most 1, so a matching letter always keeps the diagonal
                row.append(prev[j] if x == y else 1 + min(prev[j], prev[j + 1], row[j]))
            prev = row
        return f"{prev[-1]}\n"


@register_family
class LongestPalindromicSubstring(TiersFamily):
    name, tier = "longest-palindromic-substring", EXTRA
    summary = "Print the longest palindromic substring."
    description = "Read a string and print its longest substring of consecutive characters that reads the same backwards; if several are equally long, print the leftmost."
    io_format = "Input: one line of 1 to {max_length} lowercase letters. Output: the substring, then a newline."
    config_class = PairStringConfig

    def make_input(self, rng):
        return word(rng, rint(rng, 1, self.config.max_length), "abc") + "\n"

    @staticmethod
    def solve(text):
        s, best = text.strip(), ""
        for i in range(len(s)):
            for j in range(i + len(best) + 1, len(s) + 1):
                if s[i:j] == s[i:j][::-1]:
                    best = s[i:j]
        return best + "\n"


@register_family
class Knapsack(TiersFamily):
    name, tier = "knapsack", EXTRA
    summary = "0/1 knapsack: the best total value within a weight capacity."
    description = "Read items, each with a weight and a value, and a capacity. Choosing each item at most once, print the largest total value whose total weight is at most the capacity."
    io_format = "Input: a line with n (1 <= n <= {max_items}) and the capacity (1 to 100), then n lines each holding a weight (1 to 30) and a value (1 to 100). Output: the best total value, then a newline."
    config_class = KnapsackConfig

    def make_input(self, rng):
        n = rint(rng, 1, self.config.max_items)
        return line(n, rint(rng, 1, 100)) + "".join(line(rint(rng, 1, 30), rint(rng, 1, 100)) for _ in range(n))

    @staticmethod
    def solve(text):
        numbers = [int(x) for x in text.split()]
        n, capacity = numbers[0], numbers[1]
        best = {0: 0}  # total weight of a choice of items -> the largest value of a choice with that weight
        for k in range(n):
            weight, value = numbers[2 + 2 * k], numbers[3 + 2 * k]
            for total, worth in list(best.items()):  # the choices made without item k
                heavier = total + weight
                if heavier <= capacity and best.get(heavier, -1) < worth + value:
                    best[heavier] = worth + value
        return f"{max(best.values())}\n"


@register_family
class NQueens(TiersFamily):
    name, tier = "n-queens", EXTRA
    summary = "Count the solutions of the n-queens puzzle."
    description = "Read n and print in how many ways n queens can be placed on an n by n chessboard so that no two attack each other (same row, column or diagonal)."
    io_format = "Input: one line holding n (1 <= n <= {max_n}). Output: the number of placements, then a newline."
    config_class = QueensConfig

    def make_input(self, rng):
        return line(rint(rng, 1, self.config.max_n))

    @staticmethod
    def solve(text):
        n = int(text)

        def place(row, columns, diagonals, anti):
            if row == n:
                return 1
            total = 0
            for c in range(n):
                if c not in columns and row - c not in diagonals and row + c not in anti:
                    total += place(row + 1, columns | {c}, diagonals | {row - c}, anti | {row + c})
            return total

        return f"{place(0, frozenset(), frozenset(), frozenset())}\n"


@register_family
class MazePath(TiersFamily):
    name, tier = "maze-path", EXTRA
    summary = "Shortest path length through a grid maze."
    description = "Read a grid maze of open cells (.), walls (#), a start S and an end E. Moving one step up, down, left or right between non-wall cells, print the fewest steps from S to E, or -1 if E cannot be reached."
    io_format = "Input: a line with r and c (2 <= r, c <= {max_size}), then r lines of c characters from . # S E (exactly one S and one E). Output: the step count or -1, then a newline."
    config_class = GridConfig

    def make_input(self, rng):
        r, c = rint(rng, 2, self.config.max_size), rint(rng, 2, self.config.max_size)
        density, draw = rng.uniform(0.1, 0.35), rng.random
        grid = [["#" if draw() < density else "." for _ in range(c)] for _ in range(r)]
        cells = rng.sample(range(r * c), 2)
        grid[cells[0] // c][cells[0] % c], grid[cells[1] // c][cells[1] % c] = "S", "E"
        return line(r, c) + "".join("".join(row) + "\n" for row in grid)

    @staticmethod
    def solve(text):
        lines = text.split("\n")
        r, c = map(int, lines[0].split())
        # The rows joined into one string, each followed by a wall, then a row of walls: a step off the grid
        # to the left, right or below lands on a wall, and one above (a negative index) on that last row of walls.
        width = c + 1
        maze = "".join(row + "#" for row in lines[1 : 1 + r]) + "#" * width
        start = maze.index("S")
        seen, frontier, steps = {start}, [start], 0
        while frontier:  # breadth-first, one step count at a time
            following = []
            for cell in frontier:
                if maze[cell] == "E":
                    return f"{steps}\n"
                for neighbour in (cell + 1, cell - 1, cell + width, cell - width):
                    if maze[neighbour] != "#" and neighbour not in seen:
                        seen.add(neighbour)
                        following.append(neighbour)
            frontier, steps = following, steps + 1
        return "-1\n"


_ENTRIES = [str(x) for x in range(-9, 10)]


def _matrix(rng, rows: int, cols: int) -> str:
    """`rows` lines of `cols` integers in -9..9."""
    entries = rng.choices(_ENTRIES, k=rows * cols)
    return "".join(" ".join(entries[i : i + cols]) + "\n" for i in range(0, rows * cols, cols))


@register_family
class MatrixMultiply(TiersFamily):
    name, tier = "matrix-multiply", EXTRA
    summary = "Multiply two integer matrices."
    description = "Read an n by m matrix A and an m by p matrix B and print the product A times B."
    io_format = "Input: a line with n, m and p (1 to {max_size}), then n lines of m integers (A), then m lines of p integers (B); integers from -9 to 9 separated by single spaces. Output: n lines of p integers separated by single spaces."
    config_class = MatMulConfig

    def make_input(self, rng):
        n, m, p = (rint(rng, 1, self.config.max_size) for _ in range(3))
        return line(n, m, p) + _matrix(rng, n, m) + _matrix(rng, m, p)

    @staticmethod
    def solve(text):
        import operator

        rows = [[int(x) for x in row.split()] for row in text.strip().split("\n")]
        n, m = rows[0][0], rows[0][1]
        a, b = rows[1 : 1 + n], rows[1 + n : 1 + n + m]
        columns = list(zip(*b))
        return "".join(" ".join([str(sum(map(operator.mul, row, column))) for column in columns]) + "\n" for row in a)


@register_family
class Determinant(TiersFamily):
    name, tier = "determinant", EXTRA
    summary = "Determinant of a small integer matrix."
    description = "Read a square matrix of integers and print its determinant."
    io_format = "Input: a line with n (1 <= n <= {max_n}), then n lines of n integers from -9 to 9 separated by single spaces. Output: the determinant, then a newline."
    config_class = DeterminantConfig

    def make_input(self, rng):
        n = rint(rng, 1, self.config.max_n)
        return line(n) + _matrix(rng, n, n)

    @staticmethod
    def solve(text):
        rows = [[int(x) for x in row.split()] for row in text.strip().split("\n")]
        n = rows[0][0]
        m = rows[1 : 1 + n]
        # Bareiss elimination: Gaussian elimination on integers, where every division is exact.
        sign, previous = 1, 1
        for k in range(n - 1):
            if m[k][k] == 0:  # swap in a row with a nonzero pivot; none means the determinant is 0
                swap = next((i for i in range(k + 1, n) if m[i][k] != 0), None)
                if swap is None:
                    return "0\n"
                m[k], m[swap], sign = m[swap], m[k], -sign
            pivot = m[k][k]
            for i in range(k + 1, n):
                m[i] = [0] * (k + 1) + [(m[i][j] * pivot - m[i][k] * m[k][j]) // previous for j in range(k + 1, n)]
            previous = pivot
        return f"{sign * m[n - 1][n - 1]}\n"


def _graph_input(rng, nodes: int, acyclic: bool) -> str:
    pairs = list(combinations(range(1, nodes + 1), 2))
    chosen = rng.sample(pairs, rint(rng, 0, min(len(pairs), 2 * nodes)))
    order = rng.sample(range(1, nodes + 1), nodes)  # relabel so edges do not all point upward
    edges = [(order[a - 1], order[b - 1]) for a, b in chosen]
    if not acyclic:
        edges = [(b, a) if rng.random() < 0.5 else (a, b) for a, b in edges]
    return line(nodes, len(edges)) + "".join(f"{a} {b}\n" for a, b in edges)


@register_family
class TopologicalSort(TiersFamily):
    name, tier = "topological-sort", EXTRA
    summary = "Lexicographically smallest topological order of a DAG."
    description = "Read a directed acyclic graph with nodes 1 to n. Print an order of all nodes in which every edge a -> b has a before b; among all such orders print the one that is smallest when compared element by element."
    io_format = "Input: a line with n (1 <= n <= {max_nodes}) and the edge count m, then m lines each holding an edge a b (a -> b). Output: the n nodes separated by single spaces, then a newline."
    config_class = GraphConfig

    def make_input(self, rng):
        return _graph_input(rng, rint(rng, 1, self.config.max_nodes), acyclic=True)

    @staticmethod
    def solve(text):
        numbers = [int(x) for x in text.split()]
        n, m = numbers[0], numbers[1]
        indegree, successors = [0] * (n + 1), [[] for _ in range(n + 1)]
        for k in range(m):
            a, b = numbers[2 + 2 * k], numbers[3 + 2 * k]
            successors[a].append(b)
            indegree[b] += 1
        ready, order = [v for v in range(1, n + 1) if indegree[v] == 0], []
        while ready:
            v = min(ready)
            ready.remove(v)
            order.append(v)
            for w in successors[v]:
                indegree[w] -= 1
                if indegree[w] == 0:
                    ready.append(w)
        return " ".join(map(str, order)) + "\n"


@register_family
class ConnectedComponents(TiersFamily):
    name, tier = "connected-components", EXTRA
    summary = "Count the connected components of an undirected graph."
    description = "Read an undirected graph with nodes 1 to n and print how many connected components it has."
    io_format = "Input: a line with n (1 <= n <= {max_nodes}) and the edge count m, then m lines each holding an edge a b. Output: the component count, then a newline."
    config_class = GraphConfig

    def make_input(self, rng):
        n = rint(rng, 1, self.config.max_nodes)
        pairs = list(combinations(range(1, n + 1), 2))
        chosen = rng.sample(pairs, rint(rng, 0, min(len(pairs), n)))
        return line(n, len(chosen)) + "".join(f"{a} {b}\n" for a, b in chosen)

    @staticmethod
    def solve(text):
        numbers = [int(x) for x in text.split()]
        n, m = numbers[0], numbers[1]
        parent = list(range(n + 1))

        def root(v):
            while parent[v] != v:
                v = parent[v]
            return v

        for k in range(m):
            parent[root(numbers[2 + 2 * k])] = root(numbers[3 + 2 * k])
        return f"{sum(1 for v in range(1, n + 1) if root(v) == v)}\n"


@register_family
class StringPermutations(TiersFamily):
    name, tier = "string-permutations", EXTRA
    summary = "List the distinct permutations of a string in order."
    description = (
        "Read a string and print every distinct rearrangement of its letters, in alphabetical order, one per line."
    )
    io_format = "Input: one line of 1 to {max_length} lowercase letters. Output: the permutations, one per line."
    config_class = PermConfig

    def make_input(self, rng):
        return word(rng, rint(rng, 1, self.config.max_length), "abcd") + "\n"

    @staticmethod
    def solve(text):
        letters, out = sorted(text.strip()), []

        def extend(prefix, rest):
            if not rest:
                out.append(prefix)
            for i, c in enumerate(rest):
                if i == 0 or c != rest[i - 1]:
                    extend(prefix + c, rest[:i] + rest[i + 1 :])

        extend("", letters)
        return "".join(p + "\n" for p in out)


@register_family
class NextPermutation(TiersFamily):
    name, tier = "next-permutation", EXTRA
    summary = "The next permutation of a list in lexicographic order."
    description = "Read a list of integers and print the next rearrangement of it in lexicographic order; if it is already the last one (non-increasing), print the first one (sorted ascending)."
    io_format = (
        LIST_IO
        + " (each from 0 to {max_value}). Output: the rearranged list separated by single spaces, then a newline."
    )
    config_class = ExtraListConfig

    def make_input(self, rng):
        c = self.config
        values = int_list(rng, rint(rng, 1, c.max_length), 0, c.max_value)
        return list_input(sorted(values, reverse=True) if rng.random() < 0.15 else values)

    @staticmethod
    def solve(text):
        a = [int(x) for x in text.split("\n")[1].split()]
        i = len(a) - 2
        while i >= 0 and a[i] >= a[i + 1]:
            i -= 1
        if i >= 0:
            j = len(a) - 1
            while a[j] <= a[i]:
                j -= 1
            a[i], a[j] = a[j], a[i]
        a[i + 1 :] = reversed(a[i + 1 :])
        return " ".join(map(str, a)) + "\n"


@register_family
class PowerOfTwo(TiersFamily):
    name, tier = "power-of-two", EXTRA
    summary = "Print 2^n exactly."
    description = "Read n and print 2 to the power n exactly, all of its digits."
    io_format = "Input: one line holding n (0 <= n <= {max_n}). Output: 2^n in decimal, then a newline."
    config_class = PowerOfTwoConfig

    def make_input(self, rng):
        return line(rint(rng, 0, self.config.max_n))

    @staticmethod
    def solve(text):
        return f"{2 ** int(text)}\n"


@register_family
class FractionSum(TiersFamily):
    name, tier = "fraction-sum", EXTRA
    summary = "Add two fractions and reduce the result."
    description = "Read two fractions a/b and c/d and print their sum as a fraction in lowest terms p/q (q > 0; a whole number is still written with /1)."
    io_format = "Input: one line holding a/b and c/d separated by a space (1 <= a, b, c, d <= {max_value}). Output: p/q, then a newline."
    config_class = FractionConfig

    def make_input(self, rng):
        m = self.config.max_value
        return line(f"{rint(rng, 1, m)}/{rint(rng, 1, m)}", f"{rint(rng, 1, m)}/{rint(rng, 1, m)}")

    @staticmethod
    def solve(text):
        (a, b), (c, d) = (map(int, f.split("/")) for f in text.split())
        p, q = a * d + c * b, b * d
        x, y = p, q
        while y:
            x, y = y, x % y
        return f"{p // x}/{q // x}\n"


@register_family
class Base64Encode(TiersFamily):
    name, tier = "base64-encode", EXTRA
    summary = "Base64-encode a line of text."
    description = "Read a line of text and print the standard Base64 encoding (alphabet A-Z a-z 0-9 + /, padded with =) of its characters, not including the newline."
    io_format = (
        "Input: one line of 1 to {max_length} printable ASCII characters. Output: the Base64 text, then a newline."
    )
    config_class = Base64Config

    def make_input(self, rng):
        return "".join(rng.choices(PRINTABLE, k=rint(rng, 1, self.config.max_length))) + "\n"

    @staticmethod
    def solve(text):
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        data, out = [ord(c) for c in text[:-1]], ""
        for k in range(0, len(data), 3):
            chunk = data[k : k + 3]
            bits = sum(v << (16 - 8 * i) for i, v in enumerate(chunk))
            symbols = [alphabet[(bits >> s) & 63] for s in (18, 12, 6, 0)]
            out += "".join(symbols[: len(chunk) + 1]) + "=" * (3 - len(chunk))
        return out + "\n"


@register_family
class LifeStep(TiersFamily):
    name, tier = "life-step", EXTRA
    summary = "One step of Conway's Game of Life."
    description = (
        "Read a grid of live (#) and dead (.) cells and print it after one step of Conway's Game of Life: a live cell with 2 "
        "or 3 live neighbours stays alive, a dead cell with exactly 3 becomes alive, every other cell is dead. Each cell has "
        "up to 8 neighbours; cells outside the grid are dead."
    )
    io_format = "Input: a line with r and c (2 <= r, c <= {max_size}), then r lines of c characters . or #. Output: the next grid, r lines of c characters."
    config_class = GridConfig

    def make_input(self, rng):
        r, c = rint(rng, 2, self.config.max_size), rint(rng, 2, self.config.max_size)
        draw = rng.random
        return line(r, c) + "".join("".join(["#" if draw() < 0.35 else "." for _ in range(c)]) + "\n" for _ in range(r))

    @staticmethod
    def solve(text):
        lines = text.split("\n")
        r, c = map(int, lines[0].split())
        alive = [[int(ch == "#") for ch in row] for row in lines[1 : 1 + r]]
        dead = [0] * c
        out = []
        for i in range(r):
            above, here, below = alive[i - 1] if i else dead, alive[i], alive[i + 1] if i + 1 < r else dead
            band = (
                [0] + [x + y + z for x, y, z in zip(above, here, below)] + [0]
            )  # live cells per column of rows i-1..i+1
            row = ""
            for j in range(c):
                block = (
                    band[j] + band[j + 1] + band[j + 2]
                )  # live cells in the 3x3 block around (i, j), itself included
                # alive next: 3 live neighbours (a block of 3 around a dead cell, 4 around a live one), or alive with 2
                row += "#" if block == 3 or block == 4 and here[j] else "."
            out.append(row + "\n")
        return "".join(out)


@register_family
class CoinChangeWays(TiersFamily):
    name, tier = "coin-change-ways", EXTRA
    summary = "Count the ways to pay an amount with given coins."
    description = "Read coin values and an amount. With an unlimited supply of each coin, print in how many ways the amount can be paid, where the order of coins does not matter."
    io_format = "Input: a line with k (1 <= k <= 6), a line with k distinct coin values from 1 to 25 separated by single spaces, and a line with the amount (0 to {max_amount}). Output: the number of ways, then a newline."
    config_class = CoinConfig

    def make_input(self, rng):
        coins = sorted(rng.sample(range(1, 26), rint(rng, 1, 6)))
        return list_input(coins) + line(rint(rng, 0, self.config.max_amount))

    @staticmethod
    def solve(text):
        lines = text.split("\n")
        coins, amount = [int(x) for x in lines[1].split()], int(lines[2])
        ways = [1] + [0] * amount
        for coin in coins:
            for total in range(coin, amount + 1):
                ways[total] += ways[total - coin]
        return f"{ways[amount]}\n"


@register_family
class LisLength(TiersFamily):
    name, tier = "lis-length", EXTRA
    summary = "Length of the longest strictly increasing subsequence."
    description = "Read a list of integers and print the length of its longest strictly increasing subsequence (items kept in their order, not necessarily adjacent)."
    io_format = LIST_IO + " (each from 0 to {max_value}). Output: the length, then a newline."
    config_class = ExtraListConfig

    def make_input(self, rng):
        c = self.config
        return list_input(int_list(rng, rint(rng, 1, c.max_length), 0, c.max_value))

    @staticmethod
    def solve(text):
        a = [int(x) for x in text.split("\n")[1].split()]
        best = [1] * len(a)
        for i in range(len(a)):
            for j in range(i):
                if a[j] < a[i]:
                    best[i] = max(best[i], best[j] + 1)
        return f"{max(best)}\n"


@register_family
class MergeIntervals(TiersFamily):
    name, tier = "merge-intervals", EXTRA
    summary = "Merge overlapping intervals."
    description = "Read closed integer intervals [a, b] and merge every group that overlaps or touches at an endpoint (so [1, 3] and [3, 5] merge, [1, 2] and [3, 4] do not). Print the merged intervals in ascending order."
    io_format = "Input: a line with n (1 <= n <= {max_intervals}), then n lines each holding a and b (0 <= a <= b <= 100). Output: one line per merged interval holding its two ends separated by a space."
    config_class = IntervalConfig

    def make_input(self, rng):
        n, rows = rint(rng, 1, self.config.max_intervals), []
        for _ in range(n):
            a = rint(rng, 0, 100)
            rows.append(line(a, min(100, a + rint(rng, 0, 20))))
        return line(n) + "".join(rows)

    @staticmethod
    def solve(text):
        numbers = [int(x) for x in text.split()]
        intervals = sorted((numbers[1 + 2 * k], numbers[2 + 2 * k]) for k in range(numbers[0]))
        merged = [list(intervals[0])]
        for a, b in intervals[1:]:
            if a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        return "".join(f"{a} {b}\n" for a, b in merged)


@register_family
class LongestUniqueSubstring(TiersFamily):
    name, tier = "longest-unique-substring", EXTRA
    summary = "Length of the longest substring without repeated characters."
    description = "Read a string and print the length of its longest stretch of consecutive characters in which no character repeats."
    io_format = "Input: one line of 1 to {max_length} lowercase letters. Output: the length, then a newline."
    config_class = PairStringConfig

    def make_input(self, rng):
        return word(rng, rint(rng, 1, self.config.max_length), "abcdefgh") + "\n"

    @staticmethod
    def solve(text):
        s, best, start, last = text.strip(), 0, 0, {}
        for i, c in enumerate(s):
            if last.get(c, -1) >= start:
                start = last[c] + 1
            last[c] = i
            best = max(best, i - start + 1)
        return f"{best}\n"


@register_family
class IntegerSqrt(TiersFamily):
    name, tier = "integer-sqrt", EXTRA
    summary = "Floor of the square root of a very large integer."
    description = "Read a non-negative integer that may be far too large for machine words and print the largest integer whose square does not exceed it."
    io_format = "Input: one line holding an integer of 1 to {max_digits} digits (no leading zeros). Output: the integer square root, then a newline."
    config_class = SqrtConfig

    def make_input(self, rng):
        return _big(rng, self.config.max_digits) + "\n"

    @staticmethod
    def solve(text):
        n = int(text)
        low, high = 0, 1 << (n.bit_length() // 2 + 1)
        while low < high:
            mid = (low + high + 1) // 2
            if mid * mid <= n:
                low = mid
            else:
                high = mid - 1
        return f"{low}\n"
