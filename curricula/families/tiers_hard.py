"""The `tiers` suite, hard tier: number theory, encodings, parsing and classic list algorithms."""

from __future__ import annotations

from curricula.base import register_family
from curricula.families._tiers_common import (
    LIST_IO,
    LOWER,
    TiersFamily,
    int_config,
    int_list,
    line,
    list_input,
    rint,
    sentence,
    word,
)

HARD = "hard"

NthPrimeConfig = int_config(
    "NthPrimeConfig",
    "n in 1..max_n.",
    max_n=(100, (10, 50, 100, 500, 2000), 1, 20000),
    module=__name__,
)
HardNConfig = int_config(
    "HardNConfig",
    "An integer n in 1..max_n.",
    max_n=(3999, (50, 500, 3999, 10**6), 2, 10**12),
    module=__name__,
)
RomanConfig = int_config(
    "RomanConfig",
    "Numbers in 1..max_n.",
    max_n=(3999, (10, 100, 1000, 3999), 1, 3999),
    module=__name__,
)
StringConfig = int_config(
    "StringConfig",
    "Strings of 1..max_length characters.",
    max_length=(20, (6, 12, 20, 40, 80), 1, 500),
    module=__name__,
)
BigConfig = int_config(
    "BigConfig",
    "Numbers of 1..max_digits digits.",
    max_digits=(30, (5, 10, 30, 60, 120), 1, 2000),
    module=__name__,
)
RowConfig = int_config("RowConfig", "n in 0..max_n.", max_n=(20, (5, 10, 20, 40, 80), 0, 500), module=__name__)
HardListConfig = int_config(
    "HardListConfig",
    "Lists of 1..max_length integers in -max_value..max_value.",
    max_length=(12, (4, 8, 12, 30, 100), 1, 2000),
    max_value=(100, (9, 100, 1000, 10**6), 1, 10**12),
    module=__name__,
)
HardSentenceConfig = int_config(
    "HardSentenceConfig",
    "Lines of 1..max_words words.",
    max_words=(10, (3, 6, 10, 20, 40), 1, 500),
    module=__name__,
)
MatrixConfig = int_config(
    "MatrixConfig",
    "Matrices up to max_size x max_size with entries in -max_value..max_value.",
    max_size=(4, (2, 3, 4, 6, 10), 1, 50),
    max_value=(99, (9, 99, 999), 1, 10**9),
    module=__name__,
)
PrimesUpToConfig = int_config(
    "PrimesUpToConfig",
    "n in 2..max_n.",
    max_n=(200, (20, 100, 200, 1000), 2, 10**5),
    module=__name__,
)
TwoSumConfig = int_config(
    "TwoSumConfig",
    "Lists of 2..max_length integers in -max_value..max_value.",
    max_length=(10, (3, 6, 10, 30, 100), 2, 1000),
    max_value=(50, (9, 50, 1000, 10**6), 1, 10**12),
    module=__name__,
)
RleDecodeConfig = int_config(
    "RleDecodeConfig",
    "1..max_pairs count-letter pairs.",
    max_pairs=(5, (2, 3, 5, 10, 20), 1, 500),
    module=__name__,
)
HEX_DIGITS = "0123456789ABCDEF"


def _to_base(n: int, base: int) -> str:
    digits = ""
    while n:
        digits = HEX_DIGITS[n % base] + digits
        n //= base
    return digits or "0"


@register_family
class NthPrime(TiersFamily):
    name, tier = "nth-prime", HARD
    summary = "Print the n-th prime number."
    description = "Read n and print the n-th prime number (the 1st prime is 2, the 2nd is 3, the 3rd is 5)."
    io_format = "Input: one line holding n (1 <= n <= {max_n}). Output: the n-th prime, then a newline."
    config_class = NthPrimeConfig

    def make_input(self, rng):
        return line(rint(rng, 1, self.config.max_n))

    @staticmethod
    def solve(text):
        n, count, candidate = int(text), 0, 1
        while count < n:
            candidate += 1
            d = 2
            while d * d <= candidate and candidate % d:
                d += 1
            if d * d > candidate:
                count += 1
        return f"{candidate}\n"


@register_family
class BaseConvert(TiersFamily):
    name, tier = "base-convert", HARD
    summary = "Convert a number between bases 2 to 16."
    description = (
        "Read a source base, a target base and a number written in the source base; print the same number written in the "
        "target base. Digits above 9 are the uppercase letters A to F. No leading zeros (zero is written 0)."
    )
    io_format = "Input: one line holding the source base, the target base (each from 2 to 16) and the number (value at most {max_n}), separated by spaces. Output: the number in the target base, then a newline."
    config_class = HardNConfig

    def make_input(self, rng):
        source, target, n = rint(rng, 2, 16), rint(rng, 2, 16), rint(rng, 0, self.config.max_n)
        return line(source, target, _to_base(n, source))

    @staticmethod
    def solve(text):
        digits = "0123456789ABCDEF"
        source, target, number = text.split()
        value = 0
        for c in number:
            value = value * int(source) + digits.index(c)
        out = ""
        while value:
            out = digits[value % int(target)] + out
            value //= int(target)
        return (out or "0") + "\n"


@register_family
class RleEncode(TiersFamily):
    name, tier = "rle-encode", HARD
    summary = "Run-length encode a string."
    description = "Read a string of lowercase letters and run-length encode it: each maximal run of one letter becomes its length followed by the letter (aaabcc becomes 3a1b2c)."
    io_format = "Input: one line of 1 to {max_length} lowercase letters. Output: the encoding, then a newline."
    config_class = StringConfig

    def make_input(self, rng):
        runs, length = [], rint(rng, 1, self.config.max_length)
        while sum(len(r) for r in runs) < length:
            runs.append(word(rng, 1, "abcd") * rint(rng, 1, 12))
        return "".join(runs)[:length] + "\n"

    @staticmethod
    def solve(text):
        s, out, i = text.strip(), "", 0
        while i < len(s):
            j = i
            while j < len(s) and s[j] == s[i]:
                j += 1
            out += f"{j - i}{s[i]}"
            i = j
        return out + "\n"


@register_family
class RleDecode(TiersFamily):
    name, tier = "rle-decode", HARD
    summary = "Decode a run-length encoded string."
    description = "Read a run-length encoding (pairs of a count and a lowercase letter, like 3a1b2c) and print the decoded string (aaabcc)."
    io_format = "Input: one line of 1 to {max_pairs} count-letter pairs with counts from 1 to 12 in decimal. Output: the decoded string, then a newline."
    config_class = RleDecodeConfig

    def make_input(self, rng):
        pairs = [f"{rint(rng, 1, 12)}{word(rng, 1, LOWER)}" for _ in range(rint(rng, 1, self.config.max_pairs))]
        return "".join(pairs) + "\n"

    @staticmethod
    def solve(text):
        out, count = "", 0
        for c in text.strip():
            if c.isdigit():
                count = count * 10 + int(c)
            else:
                out += c * count
                count = 0
        return out + "\n"


@register_family
class BalancedBrackets(TiersFamily):
    name, tier = "balanced-brackets", HARD
    summary = "Say whether brackets are balanced."
    description = "Read a string of the brackets ( ) [ ] {{ }} and print yes if every opening bracket is closed by the matching bracket in the right order, no otherwise."
    io_format = "Input: one line of 1 to {max_length} bracket characters. Output: yes or no, then a newline."
    config_class = StringConfig

    def make_input(self, rng):
        pairs, half = ["()", "[]", "{}"], max(1, self.config.max_length // 2)
        out, stack = "", []
        for _ in range(2 * rint(rng, 1, half)):  # a balanced string, then maybe one corruption
            if stack and (rng.random() < 0.5 or len(out) + len(stack) >= 2 * half):
                out += stack.pop()
            else:
                pair = pairs[rint(rng, 0, 2)]
                out += pair[0]
                stack.append(pair[1])
        out += "".join(reversed(stack))
        if rng.random() < 0.5:
            i = rint(rng, 0, len(out) - 1)
            out = out[:i] + "()[]{}"[rint(rng, 0, 5)] + out[i + 1 :]
        return out[: self.config.max_length] + "\n"

    @staticmethod
    def solve(text):
        match, stack = {")": "(", "]": "[", "}": "{"}, []
        for c in text.strip():
            if c in "([{":
                stack.append(c)
            elif not stack or stack.pop() != match[c]:
                return "no\n"
        return "no\n" if stack else "yes\n"


@register_family
class ToRoman(TiersFamily):
    name, tier = "to-roman", HARD
    summary = "Write a number in Roman numerals."
    description = "Read a number and print it in standard Roman numerals (I V X L C D M with subtractive pairs such as IV, IX, XL, XC, CD, CM)."
    io_format = "Input: one line holding n (1 <= n <= {max_n}). Output: the Roman numeral in uppercase, then a newline."
    config_class = RomanConfig

    def make_input(self, rng):
        return line(rint(rng, 1, self.config.max_n))

    @staticmethod
    def solve(text):
        n, out = int(text), ""
        for value, symbol in [
            (1000, "M"),
            (900, "CM"),
            (500, "D"),
            (400, "CD"),
            (100, "C"),
            (90, "XC"),
            (50, "L"),
            (40, "XL"),
            (10, "X"),
            (9, "IX"),
            (5, "V"),
            (4, "IV"),
            (1, "I"),
        ]:
            while n >= value:
                out += symbol
                n -= value
        return out + "\n"


@register_family
class FromRoman(TiersFamily):
    name, tier = "from-roman", HARD
    summary = "Read a Roman numeral and print its value."
    description = "Read a number written in standard Roman numerals and print its value in decimal."
    io_format = "Input: one line holding a Roman numeral of value 1 to {max_n}. Output: its value, then a newline."
    config_class = RomanConfig

    def make_input(self, rng):
        return ToRoman.solve(str(rint(rng, 1, self.config.max_n)))

    @staticmethod
    def solve(text):
        values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
        s, total = text.strip(), 0
        for i, c in enumerate(s):
            total += -values[c] if i + 1 < len(s) and values[s[i + 1]] > values[c] else values[c]
        return f"{total}\n"


@register_family
class PrimeFactors(TiersFamily):
    name, tier = "prime-factors", HARD
    summary = "Factor a number into primes."
    description = "Read an integer n >= 2 and print its prime factors in ascending order, each repeated as often as it divides n (12 gives 2 2 3)."
    io_format = (
        "Input: one line holding n (2 <= n <= {max_n}). Output: the factors separated by single spaces, then a newline."
    )
    config_class = HardNConfig

    def make_input(self, rng):
        return line(rint(rng, 2, self.config.max_n))

    @staticmethod
    def solve(text):
        n, d, factors = int(text), 2, []
        while d * d <= n:
            while n % d == 0:
                factors.append(d)
                n //= d
            d += 1
        if n > 1:
            factors.append(n)
        return " ".join(map(str, factors)) + "\n"


def _big(rng, max_digits: int) -> str:
    digits = rint(rng, 1, max_digits)
    return str(rint(rng, 0, 9)) if digits == 1 else str(rint(rng, 1, 9)) + word(rng, digits - 1, "0123456789")


@register_family
class BigAdd(TiersFamily):
    name, tier = "big-add", HARD
    summary = "Add two very large non-negative integers."
    description = (
        "Read two non-negative integers that may be far too large for machine words and print their exact sum."
    )
    io_format = "Input: two lines, each holding a non-negative integer of 1 to {max_digits} digits (no leading zeros). Output: the sum, then a newline."
    config_class = BigConfig

    def make_input(self, rng):
        return _big(rng, self.config.max_digits) + "\n" + _big(rng, self.config.max_digits) + "\n"

    @staticmethod
    def solve(text):
        a, b = text.split()
        a, b = a[::-1], b[::-1]
        out, carry = [], 0
        for i in range(max(len(a), len(b))):
            s = carry + (int(a[i]) if i < len(a) else 0) + (int(b[i]) if i < len(b) else 0)
            out.append(str(s % 10))
            carry = s // 10
        if carry:
            out.append(str(carry))
        return "".join(reversed(out)) + "\n"


@register_family
class LongestWord(TiersFamily):
    name, tier = "longest-word", HARD
    summary = "Print the longest word of a line."
    description = (
        "Read a line of words and print the longest word; if several are equally long, print the first of them."
    )
    io_format = "Input: one line of 1 to {max_words} lowercase words separated by single spaces. Output: the word, then a newline."
    config_class = HardSentenceConfig

    def make_input(self, rng):
        return sentence(rng, rint(rng, 1, self.config.max_words), max_word=8) + "\n"

    @staticmethod
    def solve(text):
        best = ""
        for w in text.split():
            if len(w) > len(best):
                best = w
        return best + "\n"


@register_family
class PascalRow(TiersFamily):
    name, tier = "pascal-row", HARD
    summary = "Print row n of Pascal's triangle."
    description = "Read n and print row n of Pascal's triangle (row 0 is 1, row 1 is 1 1, row 2 is 1 2 1), the binomial coefficients C(n, 0) to C(n, n)."
    io_format = "Input: one line holding n (0 <= n <= {max_n}). Output: the n + 1 numbers separated by single spaces, then a newline."
    config_class = RowConfig

    def make_input(self, rng):
        return line(rint(rng, 0, self.config.max_n))

    @staticmethod
    def solve(text):
        row = [1]
        for _ in range(int(text)):
            row = [1] + [row[i] + row[i + 1] for i in range(len(row) - 1)] + [1]
        return " ".join(map(str, row)) + "\n"


@register_family
class PerfectNumber(TiersFamily):
    name, tier = "perfect-number", HARD
    summary = "Say whether n is a perfect number."
    description = "Read a positive integer and print yes if it equals the sum of its divisors other than itself (like 6 = 1 + 2 + 3), no otherwise."
    io_format = "Input: one line holding n (1 <= n <= 10000). Output: yes or no, then a newline."

    def make_input(self, rng):
        return line([6, 28, 496, 8128][rint(rng, 0, 3)] if rng.random() < 0.4 else rint(rng, 1, 10000))

    @staticmethod
    def solve(text):
        n, total, d = int(text), 0, 1
        while d * d <= n:
            if n % d == 0:
                total += d + (n // d if d * d != n else 0)
            d += 1
        return "yes\n" if total - n == n else "no\n"


class _HardListFamily(TiersFamily):
    config_class = HardListConfig

    def make_input(self, rng):
        c = self.config
        return list_input(int_list(rng, rint(rng, 1, c.max_length), -c.max_value, c.max_value))


@register_family
class CountInversions(_HardListFamily):
    name, tier = "count-inversions", HARD
    summary = "Count the inversions of a list."
    description = "Read a list of integers and print how many pairs of positions i < j have the item at i strictly greater than the item at j."
    io_format = LIST_IO + " (each from -{max_value} to {max_value}). Output: the inversion count, then a newline."

    @staticmethod
    def solve(text):
        a = [int(x) for x in text.split("\n")[1].split()]
        return f"{sum(a[i] > a[j] for i in range(len(a)) for j in range(i + 1, len(a)))}\n"


@register_family
class LongestIncreasingRun(_HardListFamily):
    name, tier = "longest-increasing-run", HARD
    summary = "Length of the longest strictly increasing stretch of consecutive items."
    description = "Read a list of integers and print the length of its longest stretch of consecutive items that strictly increase."
    io_format = LIST_IO + " (each from -{max_value} to {max_value}). Output: the length, then a newline."

    @staticmethod
    def solve(text):
        a = [int(x) for x in text.split("\n")[1].split()]
        best = run = 1
        for i in range(1, len(a)):
            run = run + 1 if a[i] > a[i - 1] else 1
            best = max(best, run)
        return f"{best}\n"


@register_family
class MaxSubarraySum(_HardListFamily):
    name, tier = "max-subarray-sum", HARD
    summary = "Largest sum of a non-empty stretch of consecutive items."
    description = "Read a list of integers and print the largest sum of a non-empty stretch of consecutive items."
    io_format = LIST_IO + " (each from -{max_value} to {max_value}). Output: the largest sum, then a newline."

    @staticmethod
    def solve(text):
        a = [int(x) for x in text.split("\n")[1].split()]
        best = current = a[0]
        for x in a[1:]:
            current = max(x, current + x)
            best = max(best, current)
        return f"{best}\n"


@register_family
class EvalRpn(TiersFamily):
    name, tier = "eval-rpn", HARD
    summary = "Evaluate a reverse Polish expression."
    description = "Read an arithmetic expression in reverse Polish notation (operands before their operator) using integers and the operators + - *, and print its value."
    io_format = "Input: one line of tokens separated by single spaces: non-negative integers up to 99 and the operators + - *; at most {max_length} numbers. Output: the value, then a newline."
    config_class = StringConfig

    def make_input(self, rng):
        tokens, depth = [], 0
        numbers = rint(rng, 1, max(1, self.config.max_length // 2))
        for _ in range(numbers):
            tokens.append(str(rint(rng, 0, 99)))
            depth += 1
            while depth > 1 and rng.random() < 0.5:
                tokens.append("+-*"[rint(rng, 0, 2)])
                depth -= 1
        tokens += ["+-*"[rint(rng, 0, 2)] for _ in range(depth - 1)]
        return " ".join(tokens) + "\n"

    @staticmethod
    def solve(text):
        stack = []
        for token in text.split():
            if token in "+-*":
                b, a = stack.pop(), stack.pop()
                stack.append(a + b if token == "+" else a - b if token == "-" else a * b)
            else:
                stack.append(int(token))
        return f"{stack[0]}\n"


@register_family
class SpellNumber(TiersFamily):
    name, tier = "spell-number", HARD
    summary = "Write a number from 0 to 999 in English words."
    description = (
        "Read a number from 0 to 999 and print it in English words, in lowercase: zero, seven, twelve, forty-two (tens and "
        "units joined by a hyphen), one hundred, three hundred five, nine hundred ninety-nine (no 'and')."
    )
    io_format = (
        "Input: one line holding n (0 <= n <= 999). Output: the words separated by single spaces, then a newline."
    )

    def make_input(self, rng):
        return line(rint(rng, 0, [9, 99, 999][rint(rng, 0, 2)]))

    @staticmethod
    def solve(text):
        ones = [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
        tens = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
        n, words = int(text), []
        if n >= 100:
            words += [ones[n // 100], "hundred"]
            n %= 100
        if n >= 20:
            words.append(tens[n // 10] + ("-" + ones[n % 10] if n % 10 else ""))
        elif n or not words:
            words.append(ones[n])
        return " ".join(words) + "\n"


@register_family
class MostFrequentWord(TiersFamily):
    name, tier = "most-frequent-word", HARD
    summary = "Print the most frequent word of a line."
    description = "Read a line of words and print the word that occurs most often; if several occur equally often, print the alphabetically first of them."
    io_format = "Input: one line of 1 to {max_words} lowercase words separated by single spaces. Output: the word, then a newline."
    config_class = HardSentenceConfig

    def make_input(self, rng):
        vocabulary = [word(rng, rint(rng, 1, 4), "abc") for _ in range(5)]
        return " ".join(rng.choices(vocabulary, k=rint(rng, 1, self.config.max_words))) + "\n"

    @staticmethod
    def solve(text):
        counts = {}
        for w in text.split():
            counts[w] = counts.get(w, 0) + 1
        return min(counts, key=lambda w: (-counts[w], w)) + "\n"


@register_family
class PrimesUpTo(TiersFamily):
    name, tier = "primes-up-to", HARD
    summary = "List every prime up to n."
    description = "Read n and print all prime numbers less than or equal to n in ascending order."
    io_format = (
        "Input: one line holding n (2 <= n <= {max_n}). Output: the primes separated by single spaces, then a newline."
    )
    config_class = PrimesUpToConfig

    def make_input(self, rng):
        return line(rint(rng, 2, self.config.max_n))

    @staticmethod
    def solve(text):
        n = int(text)
        sieve = [True] * (n + 1)
        for i in range(2, int(n**0.5) + 1):
            if sieve[i]:
                for j in range(i * i, n + 1, i):
                    sieve[j] = False
        return " ".join(str(i) for i in range(2, n + 1) if sieve[i]) + "\n"


@register_family
class ToHex(TiersFamily):
    name, tier = "to-hex", HARD
    summary = "Write a number in hexadecimal."
    description = "Read a non-negative integer and print it in base 16 with uppercase digits A-F and no leading zeros (0 is printed as 0)."
    io_format = "Input: one line holding n (0 <= n <= {max_n}). Output: n in hexadecimal, then a newline."
    config_class = HardNConfig

    def make_input(self, rng):
        return line(rint(rng, 0, self.config.max_n))

    @staticmethod
    def solve(text):
        return format(int(text), "X") + "\n"


@register_family
class MatrixTranspose(TiersFamily):
    name, tier = "matrix-transpose", HARD
    summary = "Transpose a matrix."
    description = "Read a matrix of integers and print its transpose (row i of the output is column i of the input)."
    io_format = "Input: a line with r and c (1 <= r, c <= {max_size}), then r lines of c integers separated by single spaces (each from -{max_value} to {max_value}). Output: c lines of r integers separated by single spaces."
    config_class = MatrixConfig

    def make_input(self, rng):
        r, c, m = rint(rng, 1, self.config.max_size), rint(rng, 1, self.config.max_size), self.config.max_value
        return line(r, c) + "".join(line(*int_list(rng, c, -m, m)) for _ in range(r))

    @staticmethod
    def solve(text):
        lines = text.split("\n")
        r, c = map(int, lines[0].split())
        rows = [lines[1 + i].split() for i in range(r)]
        return "".join(" ".join(rows[i][j] for i in range(r)) + "\n" for j in range(c))


@register_family
class LongestOnes(TiersFamily):
    name, tier = "longest-ones", HARD
    summary = "Longest run of 1 bits in binary."
    description = "Read a non-negative integer and print the length of the longest run of consecutive 1 digits in its binary representation (0 for zero)."
    io_format = "Input: one line holding n (0 <= n <= {max_n}). Output: the run length, then a newline."
    config_class = HardNConfig

    def make_input(self, rng):
        return line(rint(rng, 0, self.config.max_n))

    @staticmethod
    def solve(text):
        n, best, run = int(text), 0, 0
        while n:
            run = run + 1 if n % 2 else 0
            best = max(best, run)
            n //= 2
        return f"{best}\n"


@register_family
class TwoSum(TiersFamily):
    name, tier = "two-sum", HARD
    summary = "Find two positions whose items add up to a target."
    description = (
        "Read a list of integers and a target. Print the 1-based positions i < j of two items whose sum is the target; "
        "if several pairs work, print the one with the smallest i, and among those the smallest j."
    )
    io_format = "Input: a line with n (2 <= n <= {max_length}), a line with n integers (each from -{max_value} to {max_value}) separated by single spaces, and a line with the target. A pair always exists. Output: i and j separated by a space, then a newline."
    config_class = TwoSumConfig

    def make_input(self, rng):
        c = self.config
        values = int_list(rng, rint(rng, 2, c.max_length), -c.max_value, c.max_value)
        i, j = sorted(rng.sample(range(len(values)), 2))
        return list_input(values) + line(values[i] + values[j])

    @staticmethod
    def solve(text):
        lines = text.split("\n")
        a, target = [int(x) for x in lines[1].split()], int(lines[2])
        for i in range(len(a)):
            for j in range(i + 1, len(a)):
                if a[i] + a[j] == target:
                    return f"{i + 1} {j + 1}\n"
        return "none\n"
