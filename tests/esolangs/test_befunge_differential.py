"""Befunge-93 fast path versus reference: random programs and hypothesis properties, same status, output, steps."""

from __future__ import annotations

import collections
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import esolangs
from esolangs import STATUSES, befunge_fast

LANGUAGE = esolangs.get("befunge93")
COMMANDS = '0123456789+-*/%!`><^v?_|":\\$.,#gp&~@'
# Weighted so programs move around, branch, touch the grid and stop reasonably often.
WEIGHTED = (
    "0123456789" * 3
    + "+-*/%!`" * 2
    + "><^v" * 4
    + "_|" * 3
    + "??"
    + '""'
    + ":::\\$"
    + ".,.,.,"
    + "gg"
    + "ppp"
    + "&~"
    + "@@@@"
    + "    "
)
PROGRAMS = 5_000


def random_program(rng: random.Random) -> str:
    height = rng.randint(1, 6)
    width = rng.randint(1, 10)
    rows = []
    for _ in range(height):
        row = []
        for _ in range(rng.randint(0, width)):
            roll = rng.random()
            if roll < 0.03:
                row.append(chr(rng.randrange(256)))
            else:
                row.append(rng.choice(WEIGHTED))
        rows.append("".join(row).replace("\n", " ").replace("\r", " "))
    end = rng.choice(("\n", "\n", "\r\n", "\r"))
    return end.join(rows) + (end if rng.random() < 0.5 else "")


def random_stdin(rng: random.Random) -> bytes:
    alphabet = b"0123456789-+ \nab\xff"
    return bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))


def random_limits(rng: random.Random) -> esolangs.Limits:
    """Tight output and memory limits often enough to test stopping exactly; roomy ones for the unchecked paths."""
    return esolangs.Limits(
        max_steps=rng.choice((0, 1, 2, 7, 30, 100, 300, 1_000, 2_500)),
        max_output=rng.choice((0, 1, 3, 10, 40)) if rng.random() < 0.4 else 65_536,
        max_memory=rng.choice((0, 1, 2, 5, 20)) if rng.random() < 0.4 else 1_000_000,
    )


def both_engines(source, stdin, limits, seed):
    fast = LANGUAGE.run(source, stdin, limits=limits, seed=seed, engine="fast")
    reference = LANGUAGE.run(source, stdin, limits=limits, seed=seed, engine="reference")
    return fast, reference


@pytest.mark.parametrize("hot_runs", [befunge_fast.HOT_RUNS, 1], ids=["default", "compile-at-once"])
def test_fast_path_matches_reference_on_random_programs(hot_runs, monkeypatch):
    """Half the programs per run; with hot_runs=1 every block runs as generated Python after its first run."""
    monkeypatch.setattr(befunge_fast, "HOT_RUNS", hot_runs)
    befunge_fast.clear_caches()
    rng = random.Random(20_260_101 if hot_runs == 1 else 20_260_102)
    statuses = collections.Counter()
    for index in range(PROGRAMS // 2):
        source = random_program(rng)
        runs = 2 if index % 4 == 0 else 1  # a second run of the same source reuses its cached blocks
        for _ in range(runs):
            stdin, limits, seed = random_stdin(rng), random_limits(rng), rng.randrange(2**64)
            fast, reference = both_engines(source, stdin, limits, seed)
            assert fast == reference, (source, stdin, limits, seed)
            statuses[fast.status] += 1
    for status in ("ok", "step_limit", "output_limit", "memory_limit"):
        assert statuses[status] >= 25, statuses  # the generator keeps reaching every ending


def test_fast_path_matches_reference_on_long_running_loops():
    """Fewer, longer runs so blocks get hot by the default threshold and self-modifying loops recompile."""
    befunge_fast.clear_caches()
    rng = random.Random(7)
    for _ in range(60):
        source = random_program(rng)
        limits = esolangs.Limits(max_steps=20_000, max_output=2_000, max_memory=500)
        fast, reference = both_engines(source, random_stdin(rng), limits, rng.randrange(1000))
        assert fast == reference, source


SELF_MODIFYING_LOOPS = [
    # Writes an increasing counter into a cell on its own path; the cell's command changes each lap.
    "1+::70p .",
    # Keeps its counter in cell (2,0), which only the first block covered, and prints it each lap.
    "88*>:20p20g:.1-:#v_@\n   ^             <",
    # Flips its own branch cell (6,0) between '_' and '|' depending on the counter's parity.
    '>:2%#v_"|"60p1+v\n     >"_"60p1+v\n^' + " " * 13 + "<<",
]


@pytest.mark.parametrize("source", SELF_MODIFYING_LOOPS)
@pytest.mark.parametrize("hot_runs", [befunge_fast.HOT_RUNS, 1])
def test_fast_path_matches_reference_on_self_modifying_loops(source, hot_runs, monkeypatch):
    monkeypatch.setattr(befunge_fast, "HOT_RUNS", hot_runs)
    for max_steps in (1_000, 30_000):
        limits = esolangs.Limits(max_steps=max_steps, max_output=5_000, max_memory=10_000)
        fast, reference = both_engines(source, b"", limits, 0)
        assert fast == reference


# ---------------------------------------------------------------- properties

SMALL_LIMITS = st.builds(
    esolangs.Limits,
    max_steps=st.integers(0, 3_000),
    max_output=st.integers(0, 100),
    max_memory=st.integers(0, 100),
    max_source=st.sampled_from([4 * 1024 * 1024, 64]),
)
ANY_SOURCE = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300),
    st.lists(st.text(alphabet=COMMANDS + " ", max_size=12), max_size=8).map("\n".join),
)


def check_within_limits(result, limits):
    assert isinstance(result, esolangs.Execution)
    assert result.status in STATUSES
    assert result.status != "runtime_error"  # Befunge-93 has no runtime errors here
    assert 0 <= result.steps <= limits.max_steps
    assert len(result.output) <= limits.max_output
    assert isinstance(result.output, bytes)
    if result.status == "step_limit":
        assert result.steps == limits.max_steps


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=ANY_SOURCE, stdin=st.binary(max_size=20), limits=SMALL_LIMITS, seed=st.integers(-(2**70), 2**70))
def test_any_source_yields_an_execution_within_limits_identically_on_both_engines(source, stdin, limits, seed):
    fast, reference = both_engines(source, stdin, limits, seed)
    check_within_limits(fast, limits)
    assert fast == reference
    assert LANGUAGE.run(source, stdin, limits=limits, seed=seed) == fast  # deterministic, also from cache


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.text(alphabet="?>v<^_|.,1 @", max_size=8), min_size=1, max_size=5), seed=st.integers(0, 2**64 - 1)
)
def test_random_direction_programs_are_deterministic_for_a_seed(rows, seed):
    source = "\n".join(rows)
    limits = esolangs.Limits(max_steps=2_000, max_output=200)
    first = LANGUAGE.run(source, limits=limits, seed=seed)
    assert LANGUAGE.run(source, limits=limits, seed=seed) == first
    assert LANGUAGE.run(source, limits=limits, seed=seed, engine="reference") == first


@settings(max_examples=40, deadline=None)
@given(source=ANY_SOURCE)
def test_validate_never_raises_and_agrees_with_run(source):
    problems = LANGUAGE.validate(source)
    result = LANGUAGE.run(source, limits=esolangs.Limits(max_steps=100))
    assert (result.status == "syntax_error") == bool(problems)
    for problem in problems:
        assert problem.line >= 1 and problem.column >= 1 and problem.offset >= 0
