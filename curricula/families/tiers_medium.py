"""The `tiers` suite, medium tier: loops, conditions and simple string and list algorithms."""

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

MEDIUM = "medium"

NConfig = int_config(
    "NConfig",
    "An integer n in 1..max_n.",
    max_n=(100, (15, 30, 100, 1000, 10**6), 1, 10**9),
    module=__name__,
)
FactorialConfig = int_config(
    "FactorialConfig",
    "n in 0..max_n.",
    max_n=(12, (5, 10, 12, 20, 30), 0, 200),
    module=__name__,
)
FibonacciConfig = int_config(
    "FibonacciConfig",
    "n in 0..max_n.",
    max_n=(30, (10, 20, 30, 60, 90), 0, 1000),
    module=__name__,
)
PositiveConfig = int_config(
    "PositiveConfig",
    "Values in 1..max_value.",
    max_value=(1000, (20, 100, 1000, 10**6, 10**9), 2, 10**12),
    module=__name__,
)
WordConfig = int_config(
    "WordConfig",
    "Words of 1..max_length letters.",
    max_length=(10, (4, 6, 10, 20, 40), 1, 200),
    module=__name__,
)
SentenceConfig = int_config(
    "SentenceConfig",
    "Lines of 1..max_words words.",
    max_words=(8, (3, 5, 8, 15, 30), 1, 200),
    module=__name__,
)
PowerConfig = int_config(
    "PowerConfig",
    "Base in 0..max_base, exponent in 0..max_exponent.",
    max_base=(9, (3, 9, 20, 100), 1, 10**6),
    max_exponent=(10, (5, 10, 20, 40), 0, 1000),
    module=__name__,
)
SortListConfig = int_config(
    "SortListConfig",
    "Lists of 1..max_length integers in -max_value..max_value.",
    max_length=(10, (3, 5, 10, 20, 50), 1, 1000),
    max_value=(100, (9, 100, 1000, 10**6), 1, 10**12),
    module=__name__,
)
PairListConfig = int_config(
    "PairListConfig",
    "Lists of 2..max_length integers in -max_value..max_value.",
    max_length=(10, (3, 5, 10, 20, 50), 2, 1000),
    max_value=(100, (9, 100, 1000, 10**6), 1, 10**12),
    module=__name__,
)

FizzBuzzConfig = int_config("FizzBuzzConfig", "n in 1..max_n.", max_n=(30, (5, 15, 30, 100), 1, 10**5), module=__name__)
CountDistinctConfig = int_config(
    "CountDistinctConfig",
    "Lists of 1..max_length integers in 0..max_value.",
    max_length=(10, (3, 5, 10, 20, 50), 1, 1000),
    max_value=(9, (3, 9, 30, 1000), 1, 10**12),
    module=__name__,
)


@register_family
class IsPalindrome(TiersFamily):
    name, tier = "is-palindrome", MEDIUM
    summary = "Say whether a word reads the same backwards."
    description = "Read a word and print yes if it reads the same forwards and backwards, no otherwise."
    io_format = "Input: one line holding 1 to {max_length} lowercase letters. Output: yes or no, then a newline."
    config_class = WordConfig

    def make_input(self, rng):
        w = word(rng, rint(rng, 1, self.config.max_length), "abc" if rng.random() < 0.5 else LOWER)
        if rng.random() < 0.5:  # half the inputs are palindromes
            half = w[: (len(w) + 1) // 2]
            w = half + half[: len(w) // 2][::-1]
        return w + "\n"

    @staticmethod
    def solve(text):
        w = text.strip()
        return "yes\n" if w == w[::-1] else "no\n"


@register_family
class FizzBuzz(TiersFamily):
    name, tier = "fizzbuzz", MEDIUM
    summary = "FizzBuzz from 1 to n."
    description = (
        "Read n and print the numbers from 1 to n, one per line, but print Fizz instead of multiples of 3, "
        "Buzz instead of multiples of 5, and FizzBuzz instead of multiples of both."
    )
    io_format = "Input: one line holding n (1 <= n <= {max_n}). Output: n lines as described."
    config_class = FizzBuzzConfig

    def make_input(self, rng):
        return line(rint(rng, 1, self.config.max_n))

    @staticmethod
    def solve(text):
        out = []
        for i in range(1, int(text) + 1):
            out.append("FizzBuzz" if i % 15 == 0 else "Fizz" if i % 3 == 0 else "Buzz" if i % 5 == 0 else str(i))
        return "".join(s + "\n" for s in out)


@register_family
class Factorial(TiersFamily):
    name, tier = "factorial", MEDIUM
    summary = "Print n!."
    description = "Read n and print n factorial, the product 1 * 2 * ... * n (0! is 1)."
    io_format = "Input: one line holding n (0 <= n <= {max_n}). Output: n! in decimal, then a newline."
    config_class = FactorialConfig

    def make_input(self, rng):
        return line(rint(rng, 0, self.config.max_n))

    @staticmethod
    def solve(text):
        result = 1
        for i in range(2, int(text) + 1):
            result *= i
        return f"{result}\n"


@register_family
class NthFibonacci(TiersFamily):
    name, tier = "nth-fibonacci", MEDIUM
    summary = "Print the n-th Fibonacci number."
    description = "Read n and print the n-th Fibonacci number, where F(0) = 0, F(1) = 1 and F(n) = F(n-1) + F(n-2)."
    io_format = "Input: one line holding n (0 <= n <= {max_n}). Output: F(n) in decimal, then a newline."
    config_class = FibonacciConfig

    def make_input(self, rng):
        return line(rint(rng, 0, self.config.max_n))

    @staticmethod
    def solve(text):
        a, b = 0, 1
        for _ in range(int(text)):
            a, b = b, a + b
        return f"{a}\n"


@register_family
class Gcd(TiersFamily):
    name, tier = "gcd", MEDIUM
    summary = "Greatest common divisor of two positive integers."
    description = "Read two positive integers and print their greatest common divisor."
    io_format = "Input: one line holding a and b (1 <= a, b <= {max_value}) separated by a space. Output: gcd(a, b), then a newline."
    config_class = PositiveConfig

    def make_input(self, rng):
        m = self.config.max_value
        k = rint(rng, 1, max(1, m // 10))  # a common factor, so answers are not almost always 1
        return line(k * rint(rng, 1, m // k), k * rint(rng, 1, m // k))

    @staticmethod
    def solve(text):
        a, b = map(int, text.split())
        while b:
            a, b = b, a % b
        return f"{a}\n"


@register_family
class Lcm(TiersFamily):
    name, tier = "lcm", MEDIUM
    summary = "Least common multiple of two positive integers."
    description = "Read two positive integers and print their least common multiple."
    io_format = "Input: one line holding a and b (1 <= a, b <= {max_value}) separated by a space. Output: lcm(a, b), then a newline."
    config_class = PositiveConfig

    def make_input(self, rng):
        m = self.config.max_value
        k = rint(rng, 1, max(1, m // 10))
        return line(k * rint(rng, 1, m // k), k * rint(rng, 1, m // k))

    @staticmethod
    def solve(text):
        a, b = map(int, text.split())
        x, y = a, b
        while y:
            x, y = y, x % y
        return f"{a // x * b}\n"


@register_family
class IsPrime(TiersFamily):
    name, tier = "is-prime", MEDIUM
    summary = "Say whether a number is prime."
    description = "Read a positive integer and print yes if it is a prime number, no otherwise (1 is not prime)."
    io_format = "Input: one line holding n (1 <= n <= {max_n}). Output: yes or no, then a newline."
    config_class = NConfig

    def make_input(self, rng):
        m = self.config.max_n
        n = rint(rng, 1, m)
        if rng.random() < 0.5:  # walk up to a prime (or the bound) so about half the answers are yes
            while n < m and any(n % d == 0 for d in range(2, int(n**0.5) + 1)) or n == 1 and m > 1:
                n += 1
        return line(n)

    @staticmethod
    def solve(text):
        n = int(text)
        if n < 2:
            return "no\n"
        d = 2
        while d * d <= n:
            if n % d == 0:
                return "no\n"
            d += 1
        return "yes\n"


@register_family
class CountVowels(TiersFamily):
    name, tier = "count-vowels", MEDIUM
    summary = "Count the vowels of a line."
    description = "Read a line of lowercase words and print how many of its letters are vowels (a, e, i, o, u)."
    io_format = "Input: one line of 1 to {max_words} lowercase words separated by single spaces. Output: the vowel count, then a newline."
    config_class = SentenceConfig

    def make_input(self, rng):
        return sentence(rng, rint(rng, 1, self.config.max_words)) + "\n"

    @staticmethod
    def solve(text):
        return f"{sum(c in 'aeiou' for c in text)}\n"


@register_family
class ReverseWords(TiersFamily):
    name, tier = "reverse-words", MEDIUM
    summary = "Reverse the order of the words of a line."
    description = "Read a line of words and print the words in reverse order, keeping each word itself unchanged."
    io_format = "Input: one line of 1 to {max_words} lowercase words separated by single spaces. Output: the words in reverse order separated by single spaces, then a newline."
    config_class = SentenceConfig

    def make_input(self, rng):
        return sentence(rng, rint(rng, 1, self.config.max_words)) + "\n"

    @staticmethod
    def solve(text):
        return " ".join(text.split()[::-1]) + "\n"


@register_family
class SortList(TiersFamily):
    name, tier = "sort-list", MEDIUM
    summary = "Sort a list of integers in ascending order."
    description = "Read a list of integers and print them sorted from smallest to largest."
    io_format = (
        LIST_IO
        + " (each from -{max_value} to {max_value}). Output: the sorted integers separated by single spaces, then a newline."
    )
    config_class = SortListConfig

    def make_input(self, rng):
        c = self.config
        return list_input(int_list(rng, rint(rng, 1, c.max_length), -c.max_value, c.max_value))

    @staticmethod
    def solve(text):
        items = sorted(int(x) for x in text.split("\n")[1].split())
        return " ".join(map(str, items)) + "\n"


@register_family
class ToBinary(TiersFamily):
    name, tier = "to-binary", MEDIUM
    summary = "Write a number in binary."
    description = "Read a non-negative integer and print it in base 2, without leading zeros (0 is printed as 0)."
    io_format = "Input: one line holding n (0 <= n <= {max_n}). Output: n in binary, then a newline."
    config_class = NConfig

    def make_input(self, rng):
        return line(rint(rng, 0, self.config.max_n))

    @staticmethod
    def solve(text):
        n = int(text)
        digits = ""
        while n:
            digits = str(n % 2) + digits
            n //= 2
        return (digits or "0") + "\n"


@register_family
class FromBinary(TiersFamily):
    name, tier = "from-binary", MEDIUM
    summary = "Read a binary number and print it in decimal."
    description = "Read a number written in base 2 and print its value in decimal."
    io_format = "Input: one line of binary digits (no leading zeros, value at most {max_n}). Output: the value in decimal, then a newline."
    config_class = NConfig

    def make_input(self, rng):
        return format(rint(rng, 0, self.config.max_n), "b") + "\n"

    @staticmethod
    def solve(text):
        value = 0
        for digit in text.strip():
            value = value * 2 + int(digit)
        return f"{value}\n"


@register_family
class Power(TiersFamily):
    name, tier = "power", MEDIUM
    summary = "Print a to the power b."
    description = (
        "Read a base a and an exponent b and print a raised to the power b, exactly (any number to the power 0 is 1)."
    )
    io_format = "Input: one line holding a and b (0 <= a <= {max_base}, 0 <= b <= {max_exponent}) separated by a space. Output: a^b in decimal, then a newline."
    config_class = PowerConfig

    def make_input(self, rng):
        return line(rint(rng, 0, self.config.max_base), rint(rng, 0, self.config.max_exponent))

    @staticmethod
    def solve(text):
        a, b = map(int, text.split())
        result = 1
        for _ in range(b):
            result *= a
        return f"{result}\n"


@register_family
class DigitalRoot(TiersFamily):
    name, tier = "digital-root", MEDIUM
    summary = "Repeatedly sum the digits down to one digit."
    description = "Read a non-negative integer; while it has more than one digit, replace it by the sum of its digits. Print the final single digit."
    io_format = "Input: one line holding n (0 <= n <= {max_n}). Output: the digital root, then a newline."
    config_class = NConfig

    def make_input(self, rng):
        return line(rint(rng, 0, self.config.max_n))

    @staticmethod
    def solve(text):
        n = int(text)
        while n >= 10:
            n = sum(int(d) for d in str(n))
        return f"{n}\n"


@register_family
class SecondLargest(TiersFamily):
    name, tier = "second-largest", MEDIUM
    summary = "Print the second largest distinct value of a list."
    description = (
        "Read a list of integers holding at least two different values and print the second largest distinct value."
    )
    io_format = (
        LIST_IO
        + " (each from -{max_value} to {max_value}; at least two differ). Output: the second largest distinct value, then a newline."
    )
    config_class = PairListConfig

    def make_input(self, rng):
        c = self.config
        values = int_list(rng, rint(rng, 2, c.max_length), -c.max_value, c.max_value)
        if len(set(values)) < 2:
            values[0] = values[1] + 1 if values[1] < c.max_value else values[1] - 1
        return list_input(values)

    @staticmethod
    def solve(text):
        distinct = sorted(set(int(x) for x in text.split("\n")[1].split()))
        return f"{distinct[-2]}\n"


@register_family
class CaesarCipher(TiersFamily):
    name, tier = "caesar-cipher", MEDIUM
    summary = "Shift every letter k places along the alphabet."
    description = "Read a shift k and a line of lowercase words. Replace every letter by the letter k places later in the alphabet, wrapping from z back to a; keep spaces. Print the result."
    io_format = "Input: a line holding k (0 <= k <= 25), then a line of 1 to {max_words} lowercase words separated by single spaces. Output: the shifted line, then a newline."
    config_class = SentenceConfig

    def make_input(self, rng):
        return line(rint(rng, 0, 25)) + sentence(rng, rint(rng, 1, self.config.max_words)) + "\n"

    @staticmethod
    def solve(text):
        k_line, words = text.split("\n")[:2]
        k = int(k_line)
        return "".join(chr((ord(c) - 97 + k) % 26 + 97) if c != " " else c for c in words) + "\n"


@register_family
class CapitalizeWords(TiersFamily):
    name, tier = "capitalize-words", MEDIUM
    summary = "Capitalize the first letter of every word."
    description = "Read a line of lowercase words and print it with the first letter of every word in uppercase."
    io_format = "Input: one line of 1 to {max_words} lowercase words separated by single spaces. Output: the capitalized line, then a newline."
    config_class = SentenceConfig

    def make_input(self, rng):
        return sentence(rng, rint(rng, 1, self.config.max_words)) + "\n"

    @staticmethod
    def solve(text):
        return " ".join(w[0].upper() + w[1:] for w in text.split()) + "\n"


@register_family
class AreAnagrams(TiersFamily):
    name, tier = "are-anagrams", MEDIUM
    summary = "Say whether two words are anagrams."
    description = "Read two words and print yes if one is a rearrangement of the letters of the other, no otherwise."
    io_format = "Input: one line holding two words of 1 to {max_length} lowercase letters separated by a space. Output: yes or no, then a newline."
    config_class = WordConfig

    def make_input(self, rng):
        first = word(rng, rint(rng, 1, self.config.max_length), "abcde")
        if rng.random() < 0.5:
            second = "".join(rng.sample(first, len(first)))
        else:
            second = word(rng, len(first) if rng.random() < 0.7 else rint(rng, 1, self.config.max_length), "abcde")
        return line(first, second)

    @staticmethod
    def solve(text):
        a, b = text.split()
        return "yes\n" if sorted(a) == sorted(b) else "no\n"


@register_family
class LeapYear(TiersFamily):
    name, tier = "leap-year", MEDIUM
    summary = "Say whether a year is a leap year."
    description = (
        "Read a year and print yes if it is a leap year in the Gregorian calendar, no otherwise: years divisible by 4 are "
        "leap years, except those divisible by 100, which are leap years only when also divisible by 400."
    )
    io_format = "Input: one line holding a year from 1 to 9999. Output: yes or no, then a newline."

    def make_input(self, rng):
        kind = rint(rng, 0, 3)  # plain, divisible by 4, by 100, by 400
        return line([rint(rng, 1, 9999), 4 * rint(rng, 1, 2499), 100 * rint(rng, 1, 99), 400 * rint(rng, 1, 24)][kind])

    @staticmethod
    def solve(text):
        y = int(text)
        return "yes\n" if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else "no\n"


@register_family
class TimesTable(TiersFamily):
    name, tier = "times-table", MEDIUM
    summary = "Print the multiplication table of n from 1 to 10."
    description = (
        "Read n and print its multiplication table: ten lines of the form n x i = product, for i from 1 to 10."
    )
    io_format = "Input: one line holding n (1 <= n <= {max_n}). Output: ten lines like 7 x 3 = 21."
    config_class = NConfig

    def make_input(self, rng):
        return line(rint(rng, 1, self.config.max_n))

    @staticmethod
    def solve(text):
        n = int(text)
        return "".join(f"{n} x {i} = {n * i}\n" for i in range(1, 11))


@register_family
class PrefixSums(TiersFamily):
    name, tier = "prefix-sums", MEDIUM
    summary = "Print the running totals of a list."
    description = (
        "Read a list of integers and print its running totals: the i-th output is the sum of the first i inputs."
    )
    io_format = (
        LIST_IO
        + " (each from -{max_value} to {max_value}). Output: the n running totals separated by single spaces, then a newline."
    )
    config_class = SortListConfig

    def make_input(self, rng):
        c = self.config
        return list_input(int_list(rng, rint(rng, 1, c.max_length), -c.max_value, c.max_value))

    @staticmethod
    def solve(text):
        total, out = 0, []
        for x in text.split("\n")[1].split():
            total += int(x)
            out.append(str(total))
        return " ".join(out) + "\n"


@register_family
class CountDistinct(TiersFamily):
    name, tier = "count-distinct", MEDIUM
    summary = "Count the distinct values of a list."
    description = "Read a list of integers and print how many different values it contains."
    io_format = LIST_IO + " (each from 0 to {max_value}). Output: the number of distinct values, then a newline."
    config_class = CountDistinctConfig

    def make_input(self, rng):
        c = self.config
        return list_input(int_list(rng, rint(rng, 1, c.max_length), 0, c.max_value))

    @staticmethod
    def solve(text):
        return f"{len(set(text.split(chr(10))[1].split()))}\n"


@register_family
class CollatzSteps(TiersFamily):
    name, tier = "collatz-steps", MEDIUM
    summary = "Count Collatz steps down to 1."
    description = "Read a positive integer n. Repeatedly replace n by n / 2 if it is even and by 3n + 1 if it is odd; print how many replacements it takes to reach 1."
    io_format = "Input: one line holding n (1 <= n <= {max_n}). Output: the number of steps, then a newline."
    config_class = NConfig

    def make_input(self, rng):
        return line(rint(rng, 1, self.config.max_n))

    @staticmethod
    def solve(text):
        n, steps = int(text), 0
        while n != 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            steps += 1
        return f"{steps}\n"


@register_family
class Median(TiersFamily):
    name, tier = "median", MEDIUM
    summary = "Print the median of an odd-length list."
    description = (
        "Read a list of integers of odd length and print its median: the middle value once the list is sorted."
    )
    io_format = "Input: a line with n (odd, 1 <= n <= {max_length}), then a line with n integers separated by single spaces (each from -{max_value} to {max_value}). Output: the median, then a newline."
    config_class = SortListConfig

    def make_input(self, rng):
        c = self.config
        length = 2 * rint(rng, 0, (c.max_length - 1) // 2) + 1
        return list_input(int_list(rng, length, -c.max_value, c.max_value))

    @staticmethod
    def solve(text):
        items = sorted(int(x) for x in text.split("\n")[1].split())
        return f"{items[len(items) // 2]}\n"
