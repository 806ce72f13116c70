"""The PQT tasks with their own generators in brain_coder (the paper's table): list, letter and fixed-output tasks."""

from __future__ import annotations

import numpy as np

from curricula.families.pqt.common import (
    BRAIN_CODER_SEED,
    PQTFamily,
    Py2Random,
    draw_length,
    int_list,
    pqt_config,
    pqt_family,
    rint,
)
from curricula.families.pqt.programs import bf_truth_table, if_zero
from curricula.families.pqt.sequences import SequenceFamily, seq_config, seq_description
from curricula.solutions.bf_codegen import bf_print

ReverseConfig = seq_config("ReverseConfig", 6, 255, (2, 3, 4, 6, 8, 12), 32, module=__name__)


@pqt_family
class Reverse(SequenceFamily):
    name = "reverse"
    summary = "Write the list reversed, then a 0."
    config_class = ReverseConfig
    published_bf = ",[>,]+[,<.]"
    description = seq_description("Write the values in reverse order, then a 0.")
    io_format = "bytes: list (no terminator) -> reversed list, 0"

    @staticmethod
    def solve(data):
        return data[::-1] + [0]

    @classmethod
    def original_cases(cls, base: int = 256):
        # ReverseTask(base=256, n=16, min_len=1, max_len=6)._make_io_examples; `base` 27 gives the cases of
        # brain_coder's earlier paper config, which its code_tasks_test.py rewards are computed on.
        rand = Py2Random(BRAIN_CODER_SEED)
        cases = []
        for _ in range(16):
            length = rand.randrange(1, 7)
            values = [rand.randrange(1, base) for _ in range(length)]
            cases.append((values, values[::-1] + [0]))
        return cases


RemoveCharConfig = pqt_config(
    "RemoveCharConfig",
    "Lists of min_length..max_length values in 1..max_value holding `char` exactly once.",
    min_length=(1, (), 1, 32),
    max_length=(6, (2, 3, 4, 6, 8, 12), 1, 32),
    max_value=(255, (), 2, 255),
    char=(1, (), 1, 255),
    module=__name__,
)


@pqt_family
class RemoveChar(PQTFamily):
    name = "remove-char"
    summary = "Write the list without its one occurrence of `char` (default 1), then a 0."
    config_class = RemoveCharConfig
    description = (
        "The input is a list of {min_length} to {max_length} bytes in 1..{max_value}, with no terminator, in which "
        "the value {char} appears exactly once. Write the list without that value, then a 0."
    )
    io_format = "bytes: list (no terminator) -> list without {char}, 0"
    original_params = {"char": 1}

    def fixed_params(self):
        return {"char": self.config.char}

    def __init__(self, config=None):
        super().__init__(config)
        if self.config.char > self.config.max_value:
            raise ValueError(
                f"RemoveCharConfig.char must be <= max_value ({self.config.max_value}), got {self.config.char}"
            )

    def draw_input(self, rng, params):
        cfg, char = self.config, params["char"]
        length = draw_length(rng, cfg)
        values = [v + 1 if v >= char else v for v in int_list(rng, length, 1, cfg.max_value - 1)]  # skip `char`
        values[rint(rng, 0, length - 1)] = char
        return values

    @staticmethod
    def solve(data, char):
        return [v for v in data if v != char] + [0]

    def bf_solution(self, instance):
        char = instance.config["char"]
        down, up = "-" * char, "+" * char
        if char > self.base // 2:  # cheaper through the wrap
            down, up = "+" * (self.base - char), "-" * (self.base - char)
        # A kept value is printed, then the pointer moves to a fresh zero cell to leave the test.
        return ",[" + down + "[" + up + ".>]" + ",]."

    @classmethod
    def original_cases(cls):
        # RemoveCharTask(base=256, n=16, min_len=1, max_len=6)._make_io_examples
        rand = Py2Random(BRAIN_CODER_SEED)
        cases = []
        for _ in range(16):
            length = rand.randrange(1, 7)
            position = rand.randrange(0, length)
            values = [rand.randrange(1, 256) for _ in range(length)]
            values[position] = 1
            cases.append((values, values[:position] + values[position + 1 :] + [0]))
        return cases


CountCharConfig = pqt_config(
    "CountCharConfig",
    "Strings of min_length..max_length letters (1..26) over base 27.",
    min_length=(1, (), 1, 26),
    max_length=(6, (2, 4, 6, 10, 16), 1, 26),
    char=(1, (), 1, 26),
    module=__name__,
)


@pqt_family
class CountChar(PQTFamily):
    name = "count-char"
    summary = "Count the occurrences of letter `char` (default 1, 'a') in a string of letters 1..26."
    base = 27
    config_class = CountCharConfig
    description = (
        "Letters are the numbers 1..26 (a=1, ..., z=26). The input is a string of {min_length} to {max_length} "
        "letters, one byte each, with no terminator. Write one byte: how many times the letter {char} occurs."
    )
    io_format = "bytes: letters 1..26 (no terminator) -> one byte, the count"
    original_params = {"char": 1}
    # The examples show the letter only when one of them counts it; the description always names it.
    spec_fields = ("letter to count",)

    @classmethod
    def spec(cls, instance):
        return (int(instance.config["char"]),)

    def fixed_params(self):
        return {"char": self.config.char}

    def draw_input(self, rng, params):
        cfg, char = self.config, params["char"]
        length = draw_length(rng, cfg)
        count = rint(rng, 0, length)
        values = [v + 1 if v >= char else v for v in int_list(rng, length, 1, 25)]
        for position in rng.sample(range(length), count):
            values[position] = char
        return values

    @staticmethod
    def solve(data, char):
        return [sum(1 for v in data if v == char)]

    def bf_solution(self, instance):
        char = instance.config["char"]
        # c0 count, c1 letter, c2 flag: flag=1; letter-char != 0 clears flag (and the letter); flag adds 1.
        return ">,[>+<" + "-" * char + "[>-<[-]]>[-<<+>>]<,]<."

    @classmethod
    def original_cases(cls):
        # CountCharTaskV2(n=16, max_len=6)._make_io_examples
        rand = Py2Random(BRAIN_CODER_SEED)
        cases = [
            ([10, 0], [0]),
            ([1, 0], [1]),
            ([1, 1, 0], [2]),
            ([9, 4, 19, 11, 5, 0], [0]),
            ([24, 11, 26, 1, 15, 0], [1]),
        ]
        other_chars = list(range(2, 27))
        for _ in range(16 - 5):
            length = rand.randrange(2, 7)
            num_chars = rand.randrange(0, 7)
            values = [1] * num_chars + [0] * (length - num_chars)
            rand.shuffle(values)
            for i in range(len(values)):
                if not values[i]:
                    values[i] = other_chars[rand.randrange(len(other_chars))]
            cases.append((values, [num_chars]))
        return cases


AddConfig = pqt_config(
    "AddConfig",
    "Two values in 0..max_value; 9 tests as in brain_coder.",
    num_tests=9,
    max_value=(255, (9, 63, 127, 255), 1, 255),
    module=__name__,
)


@pqt_family
class Add(PQTFamily):
    name = "add"
    summary = "Write (a + b) mod 256 and a 0."
    config_class = AddConfig
    published_bf = ",[+>,<<->],<.,."
    description = "The input is two bytes a and b, each in 0..{max_value}. Write (a + b) mod 256, then a 0."
    io_format = "bytes: a, b -> (a + b) % 256, 0"

    def draw_input(self, rng, params):
        return int_list(rng, 2, 0, self.config.max_value)

    @staticmethod
    def solve(data):
        return [(data[0] + data[1]) % 256, 0]

    @classmethod
    def original_cases(cls):
        # AddTask(n=9): the nine fixed cases, no random extras
        return [
            ([4, 0], [4, 0]),
            ([0, 5], [5, 0]),
            ([1, 2], [3, 0]),
            ([67, 21], [88, 0]),
            ([55, 56], [111, 0]),
            ([128, 33], [161, 0]),
            ([221, 251], [216, 0]),
            ([130, 127], [1, 0]),
            ([255, 1], [0, 0]),
        ]


def _bool_truth(x: int, y: int, z: int) -> int:
    # brain_coder's BooleanLogicTask: X(~Z) + (~Y)(~Z) + (~X)YZ
    return int(bool((x and not z) or (not y and not z) or (not x and y and z)))


BoolLogicConfig = pqt_config(
    "BoolLogicConfig", "The 8 rows of the truth table.", num_tests=8, tests_range=(8, 8), module=__name__
)


@pqt_family
class BoolLogic(PQTFamily):
    name = "bool-logic"
    summary = (
        "Compute a fixed boolean function of three bits: (x and not z) or (not y and not z) or (not x and y and z)."
    )
    base = 2
    size = 1
    config_class = BoolLogicConfig
    description = (
        "The input is three bytes x, y, z, each 0 or 1 (cells hold only 0 and 1). Write one byte, 1 or 0: the value "
        "of (x AND NOT z) OR (NOT y AND NOT z) OR (NOT x AND y AND z)."
    )
    io_format = "bytes: x, y, z in {{0, 1}} -> one byte in {{0, 1}}"

    def _inputs(self, rng, params, count):
        rows = [[x, y, z] for x in range(2) for y in range(2) for z in range(2)]
        if count == 8 + self.config.num_examples:  # the tests are the whole table, in brain_coder's order
            return rng.sample(rows, self.config.num_examples) + rows
        return rng.choices(rows, k=count) if count > 8 else rng.sample(rows, count)

    @staticmethod
    def solve(data):
        x, y, z = data
        return [int(bool((x and not z) or (not y and not z) or (not x and y and z)))]

    def bf_solution(self, instance):
        return bf_truth_table({(x, y, z): _bool_truth(x, y, z) for x in range(2) for y in range(2) for z in range(2)})

    @classmethod
    def original_cases(cls):
        return [([x, y, z], [_bool_truth(x, y, z)]) for x in range(2) for y in range(2) for z in range(2)]


PrintHelloConfig = pqt_config(
    "PrintHelloConfig", "One fixed case.", num_examples=1, num_tests=1, tests_range=(1, 1), module=__name__
)


@pqt_family
class PrintHello(PQTFamily):
    name = "print-hello"
    summary = "Write 'hello' as letters 1..26: 8 5 12 12 15 (cells wrap at 27)."
    base = 27
    size = 1
    config_class = PrintHelloConfig
    description = (
        "There is no input. Write the word hello with letters as numbers a=1, ..., z=26, one byte each: "
        "8 5 12 12 15. Cells hold 0..26 and wrap around."
    )
    io_format = "bytes: (none) -> 8 5 12 12 15"

    @staticmethod
    def solve(data):
        return [8, 5, 12, 12, 15]

    def bf_solution(self, instance):
        return bf_print([8, 5, 12, 12, 15], self.base)

    @classmethod
    def original_cases(cls):
        return [([], [8, 5, 12, 12, 15])]


PrintConfig = pqt_config(
    "PrintConfig",
    "A target of `length` values in 1..max_value, drawn per instance.",
    num_examples=1,
    num_tests=1,
    tests_range=(1, 1),
    length=(5, (1, 2, 3, 5, 8, 12), 1, 64),
    max_value=(255, (), 1, 255),
    module=__name__,
)


@pqt_family
class Print(PQTFamily):
    name = "print"
    summary = "Write a given list of bytes (brain_coder: 1 2 3 4 5); there is no input."
    config_class = PrintConfig
    description = "There is no input. Write exactly these {target_length} bytes: {target_text}."
    io_format = "bytes: (none) -> the {target_length} given bytes"
    original_params = {"target": [1, 2, 3, 4, 5]}

    def draw_params(self, rng):
        return {"target": int_list(rng, self.config.length, 1, self.config.max_value)}

    def text_fields(self, params):
        return {"target_text": " ".join(str(v) for v in params["target"]), "target_length": len(params["target"])}

    @staticmethod
    def solve(data, target):
        return list(target)

    def bf_solution(self, instance):
        return bf_print(instance.config["target"], self.base)

    @classmethod
    def original_cases(cls):
        return [([], [1, 2, 3, 4, 5])]


EchoConfig = pqt_config(
    "EchoConfig",
    "Strings of min_length..max_length letters, then a 0.",
    min_length=(1, (), 1, 64),
    max_length=(6, (2, 4, 6, 10, 16), 1, 64),
    module=__name__,
)


@pqt_family
class Echo(PQTFamily):
    name = "echo"
    summary = "Copy a 0-terminated string of letters 1..26, its 0 included (cells wrap at 27)."
    base = 27
    config_class = EchoConfig
    published_bf = ",[.,]."
    description = (
        "Letters are the numbers 1..26 (a=1, ..., z=26). The input is a string of {min_length} to {max_length} "
        "letters, one byte each, followed by a 0. Write the same bytes, the 0 included."
    )
    io_format = "bytes: letters.. 0 -> letters.. 0"

    def draw_input(self, rng, params):
        return int_list(rng, draw_length(rng, self.config), 1, 26) + [0]

    @staticmethod
    def solve(data):
        return data[: data.index(0) + 1]

    @classmethod
    def original_cases(cls):
        # EchoTask(base=27, min_length=1, max_length=6): 25 cases from numpy's RandomState(1234567890)
        np_random = np.random.RandomState(1234567890)
        cases = []
        for _ in range(25):
            length = np_random.randint(1, 7)
            values = np_random.randint(1, 27, length).tolist() + [0]
            cases.append((values, list(values)))
        return cases


PrefixConfig = pqt_config(
    "PrefixConfig",
    "Two strings of 1..max_length letters, each followed by a 0.",
    max_length=(6, (2, 4, 6, 10), 1, 16),
    module=__name__,
)


@pqt_family
class Prefix(PQTFamily):
    name = "prefix"
    summary = "Write the common prefix of two 0-terminated strings of letters 1..26, then a 0."
    base = 27
    config_class = PrefixConfig
    description = (
        "Letters are the numbers 1..26 (a=1, ..., z=26). The input is two strings of 1 to {max_length} letters, "
        "each followed by a 0. Write the longest common prefix of the two strings (possibly empty), then a 0."
    )
    io_format = "bytes: a.. 0 b.. 0 -> common prefix.. 0"

    def draw_input(self, rng, params):
        cfg = self.config
        len_a, len_b = rint(rng, 1, cfg.max_length), rint(rng, 1, cfg.max_length)
        shared = rint(rng, 0, min(len_a, len_b))
        a = int_list(rng, len_a, 1, 26)
        b = a[:shared] + int_list(rng, len_b - shared, 1, 26)
        if shared < min(len_a, len_b) and b[shared] == a[shared]:
            b[shared] = b[shared] % 26 + 1  # keep the prefix exactly `shared` long
        return a + [0] + b + [0]

    @staticmethod
    def solve(data):
        split = data.index(0)
        a, b = data[:split], data[split + 1 : data.index(0, split + 1)]
        out = []
        for x, y in zip(a, b):
            if x != y:
                break
            out.append(x)
        return out + [0]

    def bf_solution(self, instance):
        # a is stored every third cell from cell 3; each b value is read next to its a value,
        # a is moved out while subtracted from it; a difference clears the next a to stop.
        return ">>>,[>>>,]<<<[<<<]>>>[>,<[->->+<<]>[[-]>[-]>[-]<<]>[.[-]]>]."

    @classmethod
    def original_cases(cls):
        return [
            ([12, 24, 18, 0, 12, 5, 0], [12, 0]),
            ([1, 2, 3, 0, 1, 2, 17, 14, 0], [1, 2, 0]),
            ([15, 2, 1, 9, 2, 0, 15, 2, 1, 25, 8, 14, 0], [15, 2, 1, 0]),
            ([14, 9, 7, 8, 6, 16, 0, 14, 9, 7, 8, 8, 6, 8, 26, 0], [14, 9, 7, 8, 0]),
            ([12, 4, 16, 22, 1, 17, 0, 12, 4, 16, 22, 1, 8, 10, 0], [12, 4, 16, 22, 1, 0]),
        ]


FindConfig = pqt_config(
    "FindConfig",
    "Strings of min_length..max_length letters followed by a 0, half of them containing 1 2.",
    min_length=(2, (), 2, 32),
    max_length=(5, (3, 5, 8, 12), 2, 32),
    module=__name__,
)


@pqt_family
class Find(PQTFamily):
    name = "find"
    summary = "Write 1 if a 0-terminated string of letters contains 'ab' (1 2), else 0."
    base = 27
    config_class = FindConfig
    description = (
        "Letters are the numbers 1..26 (a=1, ..., z=26). The input is a string of {min_length} to {max_length} "
        "letters followed by a 0. Write one byte: 1 if the string contains the letter 1 immediately followed by "
        'the letter 2 ("ab"), else 0.'
    )
    io_format = "bytes: letters.. 0 -> one byte in {{0, 1}}"

    def draw_input(self, rng, params):
        cfg = self.config
        length = draw_length(rng, cfg)
        values = int_list(rng, length, 1, 26)
        if rng.random() < 0.5:
            at = rint(rng, 0, length - 2)
            values[at : at + 2] = [1, 2]
        else:
            for i in range(1, length):  # break every accidental "ab"
                if values[i - 1] == 1 and values[i] == 2:
                    values[i] = rint(rng, 3, 26)
        return values + [0]

    @staticmethod
    def solve(data):
        data = data[: data.index(0)]
        return [int(any(data[i] == 1 and data[i + 1] == 2 for i in range(len(data) - 1)))]

    def bf_solution(self, instance):
        # c0 found, c1 previous letter was 1, c2 letter, c3-c4 zero-test cells
        found_if_prev = "<[-<[-]+>]>"  # at c2: if prev then found=1 (prev cleared)
        return ">>,[--" + if_zero(found_if_prev) + "+<[-]>" + if_zero("<+>") + "[-],]<<."

    @classmethod
    def original_cases(cls):
        return [
            ([1, 1, 23, 0], [0]),
            ([21, 3, 2, 0], [0]),
            ([2, 1, 19, 0], [0]),
            ([2, 24, 15, 3, 0], [0]),
            ([24, 6, 10, 16, 4, 0], [0]),
            ([1, 2, 12, 0], [1]),
            ([7, 1, 2, 0], [1]),
            ([1, 2, 11, 3, 0], [1]),
            ([1, 1, 2, 18, 0], [1]),
            ([7, 25, 1, 2, 0], [1]),
            ([3, 1, 2, 11, 8, 0], [1]),
            ([15, 16, 20, 1, 2, 0], [1]),
        ]


Sort3Config = pqt_config(
    "Sort3Config", "Three values in 1..max_value.", max_value=(26, (5, 12, 26), 1, 26), module=__name__
)


@pqt_family
class Sort3(PQTFamily):
    name = "sort3"
    summary = "Sort three values in 1..26 (cells wrap at 27)."
    base = 27
    config_class = Sort3Config
    description = "The input is three bytes, each in 1..{max_value}. Write them in ascending order (nothing else)."
    io_format = "bytes: a, b, c -> sorted"

    def draw_input(self, rng, params):
        return int_list(rng, 3, 1, self.config.max_value)

    @staticmethod
    def solve(data):
        return sorted(data)

    def bf_solution(self, instance):
        # Rounds t = 1..B-1 decrement all three values; a value reaching 0 in round t equals t: write t.
        # Cells: 0 round counter, 1 t, values at 2, 5, 8 each with two zero-test cells.
        rounds = "-["
        rounds += "->+>-" + if_zero("<.>") + ">>>-" + if_zero("<<<<.>>>>") + ">>>-" + if_zero("<<<<<<<.>>>>>>>")
        rounds += "<<<<<<<<]"
        return ">>,>>>,>>>,<<<<<<<<" + rounds

    @classmethod
    def original_cases(cls):
        # SortFixedTaskV2(base=27, n=150, length=3)
        rand = Py2Random(BRAIN_CODER_SEED)
        cases = []
        for _ in range(150):
            values = [rand.randrange(1, 27) for _ in range(3)]
            cases.append((values, sorted(values)))
        return cases
