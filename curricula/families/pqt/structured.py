"""The PQT KnownCode tasks on structured input (several lists, indices, runs): each defined by brain_coder's program."""

from __future__ import annotations

import numpy as np

from curricula.families.pqt.common import PQTFamily, int_list, original_known, pqt_config, pqt_family, rint

EchoSecondSeqConfig = pqt_config(
    "EchoSecondSeqConfig",
    "Two lists of 1..max_length values in 1..max_value, each followed by a 0.",
    max_length=(5, (2, 3, 5, 8), 1, 16),
    max_value=(255, (), 1, 255),
    module=__name__,
)


@pqt_family
class EchoSecondSeq(PQTFamily):
    name = "echo-second-seq"
    summary = "Of two 0-terminated lists, write the second one and its 0."
    config_class = EchoSecondSeqConfig
    known_bf = ",[,],[.,]."
    published_bf = ",[,]-[,.]"
    known_original = True
    description = (
        "The input is two lists, each of 1 to {max_length} bytes in 1..{max_value} followed by a 0. "
        "Write the second list followed by its 0."
    )
    io_format = "bytes: x.. 0 y.. 0 -> y.. 0"

    def draw_input(self, rng, params):
        cfg = self.config
        first = int_list(rng, rint(rng, 1, cfg.max_length), 1, cfg.max_value)
        second = int_list(rng, rint(rng, 1, cfg.max_length), 1, cfg.max_value)
        return first + [0] + second + [0]

    @staticmethod
    def solve(data):
        start = data.index(0) + 1
        end = data.index(0, start)
        return data[start : end + 1]

    @classmethod
    def original_input_fn(cls):
        def make(rand):
            x = [rand.randrange(256) for _ in range(rand.randrange(1, 6))]
            y = [rand.randrange(256) for _ in range(rand.randrange(1, 6))]
            return x + [0] + y + [0]

        return make

    @classmethod
    def original_cases(cls):
        return original_known(cls.name)


EchoNthSeqConfig = pqt_config(
    "EchoNthSeqConfig",
    "1..max_lists lists of 0..max_length values in 1..max_value, each followed by a 0.",
    max_lists=(6, (2, 3, 4, 6), 1, 12),
    max_length=(3, (1, 2, 3, 4), 0, 8),
    max_value=(255, (), 1, 255),
    module=__name__,
)


@pqt_family
class EchoNthSeq(PQTFamily):
    name = "echo-nth-seq"
    summary = "Given n and several 0-terminated lists, write the n-th list and its 0."
    config_class = EchoNthSeqConfig
    known_bf = ",-[->,[,]<],[.,]."
    known_original = True
    description = (
        "The input is a number n, then k lists (1 <= n <= k <= {max_lists}), each of 0 to {max_length} bytes in "
        "1..{max_value} followed by a 0. Write the n-th list (1-indexed) followed by its 0."
    )
    io_format = "bytes: n, list1.. 0, list2.. 0, ... -> list_n.. 0"

    def draw_input(self, rng, params):
        cfg = self.config
        k = rint(rng, 1, cfg.max_lists)
        values = [rint(rng, 1, k)]
        lengths = rng.choices(range(cfg.max_length + 1), k=k)
        items, start = int_list(rng, sum(lengths), 1, cfg.max_value), 0  # all lists' values in one draw
        for length in lengths:
            values += items[start : start + length]
            values.append(0)
            start += length
        return values

    @staticmethod
    def solve(data):
        lists, current = [], []
        for value in data[1:]:
            if value == 0:
                lists.append(current)
                current = []
            else:
                current.append(value)
        return lists[data[0] - 1] + [0]

    @classmethod
    def original_input_fn(cls):
        def make(rand):
            k = rand.randrange(1, 7)
            n = rand.randrange(1, k + 1)
            x: list[int] = []
            for _ in range(k):
                length = rand.randrange(0, 4)
                x += [rand.randrange(256) for _ in range(length)] + [0]
            return [n] + x

        return make

    @classmethod
    def original_cases(cls):
        return original_known(cls.name)


SubstringConfig = pqt_config(
    "SubstringConfig",
    "Lists of 2..max_length values in 1..max_value.",
    max_length=(15, (4, 8, 15, 24), 2, 32),
    max_value=(255, (), 1, 255),
    module=__name__,
)


@pqt_family
class Substring(PQTFamily):
    name = "substring"
    summary = "Given i, l and a 0-terminated list, write the l values starting at index i."
    config_class = SubstringConfig
    known_bf = ">,<,>[->,<]>,<<[->>.,<<]"
    known_original = True
    description = (
        "The input is i, then l, then a list of 2 to {max_length} bytes in 1..{max_value} followed by a 0, where "
        "0 <= i and i + l <= the list's length. Write the l values of the list starting at 0-indexed position i "
        "(nothing else)."
    )
    io_format = "bytes: i, l, x.. 0 -> x[i:i+l]"

    def draw_input(self, rng, params):
        cfg = self.config
        length = rint(rng, 2, cfg.max_length)
        i, j = sorted(rng.choices(range(length), k=2))
        return [i, j - i] + int_list(rng, length, 1, cfg.max_value) + [0]

    @staticmethod
    def solve(data):
        start, count = data[0], data[1]
        return data[2 + start : 2 + start + count]

    @classmethod
    def original_input_fn(cls):
        def make(rand):
            length = rand.randrange(2, 16)
            i, j = sorted([rand.randrange(length), rand.randrange(length)])
            x = [rand.randrange(256) for _ in range(length)] + [0]
            return [i, j - i] + x

        return make

    @classmethod
    def original_cases(cls):
        return original_known(cls.name)


Divide2Config = pqt_config(
    "Divide2Config", "One value in 0..max_value.", max_value=(255, (15, 63, 255), 1, 255), module=__name__
)


@pqt_family
class Divide2(PQTFamily):
    name = "divide-2"
    summary = "Write floor(v / 2) of one input byte v."
    config_class = Divide2Config
    known_bf = ",[-[->>+<]>[<]<]>>."
    known_original = True
    description = "The input is one byte v in 0..{max_value}. Write one byte: v divided by 2, rounded down."
    io_format = "bytes: v -> v // 2"

    def draw_input(self, rng, params):
        return [rint(rng, 0, self.config.max_value)]

    @staticmethod
    def solve(data):
        return [data[0] // 2]

    @classmethod
    def original_input_fn(cls):
        return lambda rand: [rand.randrange(256)]

    @classmethod
    def original_cases(cls):
        return original_known(cls.name)


DedupConfig = pqt_config(
    "DedupConfig",
    "1..max_unique distinct values in 1..max_value, each repeated 1..max_repeat times.",
    max_unique=(4, (2, 3, 4), 1, 6),
    max_repeat=(4, (2, 3, 4), 1, 6),
    max_value=(6, (), 1, 6),
    module=__name__,
)


@pqt_family
class Dedup(PQTFamily):
    name = "dedup"
    summary = "Write a 0-terminated list with runs of equal adjacent values collapsed, then a 0."
    config_class = DedupConfig
    known_bf = ">>,.[[-<+<+>>],[-<->]<[[-<->]<.>]<[->>+<<]>>]"
    known_original = True
    description = (
        "The input is a list of bytes followed by a 0: runs of 1 to {max_repeat} equal values, consecutive runs "
        "having different values in 1..{max_value}. Write each run's value once, in order, then a 0."
    )
    io_format = "bytes: x.. 0 -> deduplicated x.. 0"

    def __init__(self, config=None):
        super().__init__(config)
        if self.config.max_unique > self.config.max_value:
            raise ValueError(
                f"DedupConfig.max_unique must be <= max_value ({self.config.max_value}), got {self.config.max_unique}"
            )

    def draw_input(self, rng, params):
        cfg = self.config
        values = []
        for value in rng.sample(range(1, cfg.max_value + 1), rint(rng, 1, cfg.max_unique)):
            values += [value] * rint(rng, 1, cfg.max_repeat)
        return values + [0]

    @staticmethod
    def solve(data):
        out = []
        for value in data[: data.index(0)]:
            if not out or out[-1] != value:
                out.append(value)
        return out + [0]

    def bf_solution(self, instance):
        # brain_coder's own program runs past 5000 steps on some inputs of its own distribution
        # (e.g. 3 4 4 4 4 5 5 5 5 6 6 6 6 0), so: keep the previous value, print a value that differs.
        # The difference (cur - prev, at most max_value apart) is cleared after adding max_value + 1,
        # which makes it positive and small instead of wrapping through 256.
        shift = "+" * (int(instance.config.get("max_value", 6)) + 1)
        return ">,.[[-<+>],[->+>+<<]>>[-<<+>>]<<<[->>-<<]>>[" + shift + "[-]<.>]<]"

    @classmethod
    def original_input_fn(cls):
        def make(rand):
            np_random = np.random.RandomState(rand.randrange(2147483647))
            num_unique = rand.randrange(1, 5)
            unique = np_random.choice(6, num_unique, replace=False) + 1
            return [int(v) for v in unique for _ in range(rand.randrange(1, 5))] + [0]

        return make

    @classmethod
    def original_cases(cls):
        return original_known(cls.name)
