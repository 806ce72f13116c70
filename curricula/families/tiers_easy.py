"""The `tiers` suite, easy tier: printing, echoing and one-step arithmetic, most with Brainfuck reference solutions."""

from __future__ import annotations

from curricula.base import Instance, register_family
from curricula.families._tiers_common import (
    BF,
    LIST_IO,
    LOWER,
    TiersFamily,
    echo_until_newline,
    int_config,
    int_list,
    line,
    list_input,
    rint,
    sentence,
    word,
)

TextConfig = int_config(
    "TextConfig",
    "A line of text of 1..max_length characters.",
    max_length=(20, (5, 10, 20, 40, 80), 1, 200),
    module=__name__,
)
CountConfig = int_config(
    "CountConfig",
    "A count n in 1..max_n.",
    max_n=(20, (5, 10, 20, 50, 100), 1, 255),
    module=__name__,
)
DigitsConfig = int_config(
    "DigitsConfig",
    "A number of 1..max_digits digits.",
    max_digits=(6, (2, 4, 6, 12, 24), 1, 28),
    module=__name__,
)
SmallValueConfig = int_config(
    "SmallValueConfig",
    "Values in 0..max_value.",
    max_value=(100, (9, 50, 100, 1000, 1_000_000), 1, 10**9),
    module=__name__,
)
ValueConfig = int_config(
    "ValueConfig",
    "Values in -max_value..max_value.",
    max_value=(1000, (9, 100, 1000, 10**6, 10**9), 1, 10**12),
    module=__name__,
)
ListConfig = int_config(
    "ListConfig",
    "Lists of 1..max_length integers in -max_value..max_value.",
    max_length=(10, (3, 5, 10, 20, 50), 1, 1000),
    max_value=(100, (9, 100, 1000, 10**6), 1, 10**12),
    module=__name__,
)

TEXT_ALPHABET = LOWER + LOWER.upper() + "0123456789 "
EASY = "easy"


@register_family
class HelloWorld(TiersFamily):
    name, tier = "hello-world", EASY
    summary = "Print Hello, World!"
    description = "Print the text Hello, World! exactly as shown."
    io_format = "Input: none. Output: the line Hello, World! followed by a newline."

    @staticmethod
    def solve(text):
        return "Hello, World!\n"

    def bf_solution(self, instance: Instance) -> str:
        return BF().print_text("Hello, World!\n", 0).code()


@register_family
class Greet(TiersFamily):
    name, tier = "greet", EASY
    summary = "Greet a name: Hello, NAME!"
    description = "Read a name and greet it: print Hello, then a comma and a space, the name, and an exclamation mark."
    io_format = (
        "Input: one line holding a name of 1 to {max_length} letters. Output: Hello, NAME! followed by a newline."
    )
    config_class = TextConfig

    def make_input(self, rng):
        name = word(rng, rint(rng, 1, self.config.max_length))
        return name.capitalize() + "\n"

    @staticmethod
    def solve(text):
        return f"Hello, {text.strip()}!\n"

    def bf_solution(self, instance: Instance) -> str:
        return BF().print_text("Hello, ", 0).raw(echo_until_newline()).print_text("!\n", 0).code()


@register_family
class EchoLine(TiersFamily):
    name, tier = "echo-line", EASY
    summary = "Print the input line unchanged."
    description = "Read one line of text and print it unchanged."
    io_format = (
        "Input: one line of 0 to {max_length} letters, digits and spaces. Output: the same line followed by a newline."
    )
    config_class = TextConfig

    def make_input(self, rng):
        return word(rng, rint(rng, 0, self.config.max_length), TEXT_ALPHABET) + "\n"

    @staticmethod
    def solve(text):
        return text.rstrip("\n") + "\n"

    def bf_solution(self, instance: Instance) -> str:
        return echo_until_newline() + "++++++++++."


@register_family
class ReverseLine(TiersFamily):
    name, tier = "reverse-line", EASY
    summary = "Print the input line reversed."
    description = "Read one line of text and print its characters in reverse order."
    io_format = "Input: one line of 0 to {max_length} letters, digits and spaces. Output: the reversed line followed by a newline."
    config_class = TextConfig

    def make_input(self, rng):
        return word(rng, rint(rng, 0, self.config.max_length), TEXT_ALPHABET) + "\n"

    @staticmethod
    def solve(text):
        return text.rstrip("\n")[::-1] + "\n"

    def bf_solution(self, instance: Instance) -> str:
        # Store the line from cell 1 on (cell 0 stays 0 as a stop mark), then walk back printing.
        return ">,----------[++++++++++>,----------]<[.<]++++++++++."


@register_family
class Uppercase(TiersFamily):
    name, tier = "uppercase", EASY
    summary = "Convert a lowercase word to uppercase."
    description = "Read a word of lowercase letters and print it in uppercase letters."
    io_format = "Input: one line holding 1 to {max_length} lowercase letters a-z. Output: the same letters in uppercase, then a newline."
    config_class = TextConfig

    def make_input(self, rng):
        return word(rng, rint(rng, 1, self.config.max_length)) + "\n"

    @staticmethod
    def solve(text):
        return text.strip().upper() + "\n"

    def bf_solution(self, instance: Instance) -> str:
        return echo_until_newline("-" * 22) + "++++++++++."  # (c - 10) - 22 == c - 32


@register_family
class DoubleLetters(TiersFamily):
    name, tier = "double-letters", EASY
    summary = "Print every character of a line twice."
    description = "Read one line of text and print it with every character doubled (abc becomes aabbcc)."
    io_format = (
        "Input: one line of 1 to {max_length} letters, digits and spaces. Output: the doubled line, then a newline."
    )
    config_class = TextConfig

    def make_input(self, rng):
        return word(rng, rint(rng, 1, self.config.max_length), TEXT_ALPHABET) + "\n"

    @staticmethod
    def solve(text):
        return "".join(c + c for c in text.rstrip("\n")) + "\n"

    def bf_solution(self, instance: Instance) -> str:
        return ",----------[++++++++++..,----------]++++++++++."


@register_family
class LineLength(TiersFamily):
    name, tier = "line-length", EASY
    summary = "Count the characters of a line."
    description = "Read one line of text and print how many characters it has (the newline does not count)."
    io_format = (
        "Input: one line of 0 to {max_length} letters, digits and spaces. Output: the count in decimal, then a newline."
    )
    config_class = TextConfig

    def make_input(self, rng):
        return word(rng, rint(rng, 0, self.config.max_length), TEXT_ALPHABET) + "\n"

    @staticmethod
    def solve(text):
        return f"{len(text.rstrip(chr(10)))}\n"

    def bf_solution(self, instance: Instance) -> str | None:
        if self.config.max_length > 255:
            return None
        count, char = 0, 1
        bf = BF().read(char).add(char, -10)
        bf.loop(char, lambda: bf.add(count, 1).clear(char).read(char).add(char, -10))
        return bf.print_decimal(count, 2).print_text("\n", 0).code()


@register_family
class CharCode(TiersFamily):
    name, tier = "char-code", EASY
    summary = "Print the ASCII code of a character."
    description = "Read one printable ASCII character and print its ASCII code in decimal."
    io_format = (
        "Input: one line holding a single character with code 33 to 126. Output: its code in decimal, then a newline."
    )

    def make_input(self, rng):
        return chr(rint(rng, 33, 126)) + "\n"

    @staticmethod
    def solve(text):
        return f"{ord(text[0])}\n"

    def bf_solution(self, instance: Instance) -> str:
        return BF().read(0).print_decimal(0, 1).print_text("\n", 0).code()


@register_family
class CodeChar(TiersFamily):
    name, tier = "code-char", EASY
    summary = "Print the character with a given ASCII code."
    description = "Read an ASCII code and print the character with that code."
    io_format = (
        "Input: one line holding an integer from 33 to 126. Output: the character with that code, then a newline."
    )

    def make_input(self, rng):
        return line(rint(rng, 33, 126))

    @staticmethod
    def solve(text):
        return chr(int(text)) + "\n"

    def bf_solution(self, instance: Instance) -> str:
        return BF().read_decimal(0, "\n", 1).write(0).clear(0).print_text("\n", 0).code()


@register_family
class DigitSum(TiersFamily):
    name, tier = "digit-sum", EASY
    summary = "Sum the digits of a number."
    description = "Read a non-negative integer and print the sum of its decimal digits."
    io_format = "Input: one line holding an integer of 1 to {max_digits} digits (no leading zeros). Output: the digit sum, then a newline."
    config_class = DigitsConfig

    def make_input(self, rng):
        digits = rint(rng, 1, self.config.max_digits)
        return (
            str(rint(rng, 1, 9)) + word(rng, digits - 1, "0123456789") + "\n" if digits > 1 else line(rint(rng, 0, 9))
        )

    @staticmethod
    def solve(text):
        return f"{sum(int(d) for d in text.strip())}\n"

    def bf_solution(self, instance: Instance) -> str:
        total, char = 0, 1
        bf = BF().read(char).add(char, -10)
        bf.loop(char, lambda: bf.add(char, 10 - 48).move(char, total).read(char).add(char, -10))
        return bf.print_decimal(total, 2).print_text("\n", 0).code()


@register_family
class SumTwo(TiersFamily):
    name, tier = "sum-two", EASY
    summary = "Print the sum of two non-negative integers."
    description = "Read two non-negative integers and print their sum."
    io_format = "Input: one line holding two integers a and b (0 <= a, b <= {max_value}) separated by a space. Output: a + b, then a newline."
    config_class = SmallValueConfig

    def make_input(self, rng):
        return line(rint(rng, 0, self.config.max_value), rint(rng, 0, self.config.max_value))

    @staticmethod
    def solve(text):
        a, b = map(int, text.split())
        return f"{a + b}\n"

    def bf_solution(self, instance: Instance) -> str | None:
        if 2 * self.config.max_value > 255:
            return None
        bf = BF().read_decimal(0, " ", 2).read_decimal(1, "\n", 2).move(1, 0)
        return bf.print_decimal(0, 2).print_text("\n", 0).code()


@register_family
class Stars(TiersFamily):
    name, tier = "stars", EASY
    summary = "Print a row of n asterisks."
    description = "Read a number n and print a row of n asterisks (*)."
    io_format = "Input: one line holding n (1 <= n <= {max_n}). Output: n asterisk characters, then a newline."
    config_class = CountConfig

    def make_input(self, rng):
        return line(rint(rng, 1, self.config.max_n))

    @staticmethod
    def solve(text):
        return "*" * int(text) + "\n"

    def bf_solution(self, instance: Instance) -> str:
        bf = BF().read_decimal(0, "\n", 2).add(1, 42)
        bf.loop(0, lambda: bf.write(1).add(0, -1))
        return bf.clear(1).print_text("\n", 0).code()


@register_family
class CountToN(TiersFamily):
    name, tier = "count-to-n", EASY
    summary = "Print the numbers 1 to n, one per line."
    description = "Read a number n and print the numbers from 1 up to n, each on its own line."
    io_format = "Input: one line holding n (1 <= n <= {max_n}). Output: n lines holding 1, 2, ..., n."
    config_class = CountConfig

    def make_input(self, rng):
        return line(rint(rng, 1, self.config.max_n))

    @staticmethod
    def solve(text):
        return "".join(f"{i}\n" for i in range(1, int(text) + 1))

    def bf_solution(self, instance: Instance) -> str:
        n, i, shown, text = 0, 1, 2, 3
        bf = BF().read_decimal(n, "\n", 3)

        def step() -> None:
            bf.add(n, -1).add(i, 1).copy(i, shown, text)
            bf.print_decimal(shown, 5).print_text("\n", text)

        return bf.loop(n, step).code()


@register_family
class EvenOdd(TiersFamily):
    name, tier = "even-odd", EASY
    summary = "Say whether a number is even or odd."
    description = "Read a non-negative integer and print even if it is even, odd if it is odd."
    io_format = (
        "Input: one line holding an integer from 0 to {max_value}. Output: the word even or odd, then a newline."
    )
    config_class = SmallValueConfig

    def make_input(self, rng):
        return line(rint(rng, 0, self.config.max_value))

    @staticmethod
    def solve(text):
        return "even\n" if int(text) % 2 == 0 else "odd\n"

    def bf_solution(self, instance: Instance) -> str:
        last, char, odd, tmp, is_even, out = 0, 1, 2, 3, 4, 5
        bf = BF().read(char).add(char, -10)
        bf.loop(char, lambda: bf.clear(last).add(char, 10 - 48).move(char, last).read(char).add(char, -10))

        def toggle() -> None:  # odd = 1 - odd
            bf.add(last, -1).move(odd, tmp).add(odd, 1)
            bf.loop(tmp, lambda: bf.add(tmp, -1).add(odd, -1))

        bf.loop(last, toggle).add(is_even, 1)
        bf.if_nonzero(odd, lambda: bf.print_text("odd\n", out).clear(is_even))
        bf.if_nonzero(is_even, lambda: bf.print_text("even\n", out))
        return bf.code()


@register_family
class Difference(TiersFamily):
    name, tier = "difference", EASY
    summary = "Print a - b for two integers."
    description = "Read two integers a and b and print a minus b."
    io_format = "Input: one line holding a and b (-{max_value} <= a, b <= {max_value}) separated by a space. Output: a - b, then a newline."
    config_class = ValueConfig

    def make_input(self, rng):
        m = self.config.max_value
        return line(rint(rng, -m, m), rint(rng, -m, m))

    @staticmethod
    def solve(text):
        a, b = map(int, text.split())
        return f"{a - b}\n"


@register_family
class Product(TiersFamily):
    name, tier = "product", EASY
    summary = "Print the product of two integers."
    description = "Read two integers and print their product."
    io_format = "Input: one line holding a and b (-{max_value} <= a, b <= {max_value}) separated by a space. Output: a * b, then a newline."
    config_class = ValueConfig

    def make_input(self, rng):
        m = self.config.max_value
        return line(rint(rng, -m, m), rint(rng, -m, m))

    @staticmethod
    def solve(text):
        a, b = map(int, text.split())
        return f"{a * b}\n"


@register_family
class AbsoluteValue(TiersFamily):
    name, tier = "absolute-value", EASY
    summary = "Print the absolute value of an integer."
    description = "Read an integer and print its absolute value."
    io_format = "Input: one line holding an integer from -{max_value} to {max_value}. Output: its absolute value, then a newline."
    config_class = ValueConfig

    def make_input(self, rng):
        return line(rint(rng, -self.config.max_value, self.config.max_value))

    @staticmethod
    def solve(text):
        return f"{abs(int(text))}\n"


@register_family
class Square(TiersFamily):
    name, tier = "square", EASY
    summary = "Print the square of an integer."
    description = "Read an integer n and print n squared."
    io_format = "Input: one line holding an integer n from -{max_value} to {max_value}. Output: n * n, then a newline."
    config_class = ValueConfig

    def make_input(self, rng):
        return line(rint(rng, -self.config.max_value, self.config.max_value))

    @staticmethod
    def solve(text):
        return f"{int(text) ** 2}\n"


@register_family
class Sign(TiersFamily):
    name, tier = "sign", EASY
    summary = "Say whether an integer is positive, negative or zero."
    description = "Read an integer and print positive if it is greater than zero, negative if it is less than zero, and zero otherwise."
    io_format = "Input: one line holding an integer from -{max_value} to {max_value}. Output: positive, negative or zero, then a newline."
    config_class = ValueConfig

    def make_input(self, rng):
        return line(0 if rng.random() < 0.2 else rint(rng, -self.config.max_value, self.config.max_value))

    @staticmethod
    def solve(text):
        n = int(text)
        return "positive\n" if n > 0 else "negative\n" if n < 0 else "zero\n"


@register_family
class TriangleNumber(TiersFamily):
    name, tier = "triangle-number", EASY
    summary = "Print 1 + 2 + ... + n."
    description = "Read a non-negative integer n and print the sum of all integers from 1 to n (0 when n is 0)."
    io_format = "Input: one line holding n (0 <= n <= {max_value}). Output: the sum, then a newline."
    config_class = SmallValueConfig

    def make_input(self, rng):
        return line(rint(rng, 0, self.config.max_value))

    @staticmethod
    def solve(text):
        n = int(text)
        return f"{n * (n + 1) // 2}\n"


class _ListFamily(TiersFamily):
    """Families reading the tiers list convention (count line, then the items)."""

    config_class = ListConfig

    def make_input(self, rng):
        c = self.config
        return list_input(int_list(rng, rint(rng, 1, c.max_length), -c.max_value, c.max_value))


@register_family
class ListSum(_ListFamily):
    name, tier = "list-sum", EASY
    summary = "Print the sum of a list of integers."
    description = "Read a list of integers and print their sum."
    io_format = LIST_IO + " (each from -{max_value} to {max_value}). Output: their sum, then a newline."

    @staticmethod
    def solve(text):
        items = text.split("\n")[1].split()
        return f"{sum(int(x) for x in items)}\n"


@register_family
class ListMax(_ListFamily):
    name, tier = "list-max", EASY
    summary = "Print the largest of a list of integers."
    description = "Read a list of integers and print the largest one."
    io_format = LIST_IO + " (each from -{max_value} to {max_value}). Output: the maximum, then a newline."

    @staticmethod
    def solve(text):
        items = text.split("\n")[1].split()
        return f"{max(int(x) for x in items)}\n"


@register_family
class ListMin(_ListFamily):
    name, tier = "list-min", EASY
    summary = "Print the smallest of a list of integers."
    description = "Read a list of integers and print the smallest one."
    io_format = LIST_IO + " (each from -{max_value} to {max_value}). Output: the minimum, then a newline."

    @staticmethod
    def solve(text):
        items = text.split("\n")[1].split()
        return f"{min(int(x) for x in items)}\n"


@register_family
class CountWords(TiersFamily):
    name, tier = "count-words", EASY
    summary = "Count the words of a line."
    description = "Read a line of words separated by single spaces and print how many words it has."
    io_format = "Input: one line of 1 to {max_length} lowercase words separated by single spaces. Output: the number of words, then a newline."
    config_class = TextConfig

    def make_input(self, rng):
        return sentence(rng, rint(rng, 1, self.config.max_length)) + "\n"

    @staticmethod
    def solve(text):
        return f"{len(text.split())}\n"
