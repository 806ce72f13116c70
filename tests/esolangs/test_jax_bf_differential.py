"""Differential test: the JAX batched Brainfuck backend against the reference interpreter.

Programs are drawn the way a token-env agent writes them: legal under the
env's action mask (balanced brackets, room left to close every loop, lengths
1..64), with a share of loop idioms (clear, multiply/copy, scan). Both option
sets in use run: plain Brainfuck (8-bit cells, 30,000-cell tape, '<' at cell
0 is an error) and Priority Queue Training's (cell modulus 256 or 27,
clamped left edge, unmatched brackets ignored, 5,000 steps). For a third of
the programs max_steps and for another third max_output are set to the
exact count the reference reported, minus one, equal or plus one, so that
runs stop inside folded runs and closed-form loops. Status, output, steps
(and the error text) must be equal. REASONENV_FUZZ_SEED picks other programs.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

import pytest

pytest.importorskip("jax")

import esolangs  # noqa: E402
from esolangs.base import Limits  # noqa: E402
from esolangs.bf_semantics import BrainfuckOptions  # noqa: E402
from esolangs.brainfuck import run_reference  # noqa: E402
from esolangs.jax_bf import run_batch  # noqa: E402

SEED = int(os.environ.get("REASONENV_FUZZ_SEED", "20261202"))
MAX_LENGTH = 64
"""The token env's default max_program_length."""

PLAIN = BrainfuckOptions()
PQT_256 = BrainfuckOptions(cell_modulus=256, left_edge="clamp", unmatched="ignore")
PQT_27 = BrainfuckOptions(cell_modulus=27, left_edge="clamp", unmatched="ignore")
STEP_2 = BrainfuckOptions(cell_step=2)
STEP_2_PQT_27 = BrainfuckOptions(cell_modulus=27, left_edge="clamp", unmatched="ignore", cell_step=2)
STEP_3_PQT_256 = BrainfuckOptions(cell_modulus=256, left_edge="clamp", unmatched="ignore", cell_step=3)
STEP_3_MOD_6 = BrainfuckOptions(cell_modulus=6, cell_step=3)
OPTION_SETS = {
    "plain": PLAIN,
    "pqt-256": PQT_256,
    "pqt-27": PQT_27,
    # cell_step: the folded adds and the closed-form loops' deltas are multiplied by the step; under 256 a step of
    # 2 keeps parity (an odd [-] never ends), under 27 it is invertible, under 6 a step of 3 is not
    "step-2": STEP_2,
    "step-2-pqt-27": STEP_2_PQT_27,
    "step-3-pqt-256": STEP_3_PQT_256,
    "step-3-mod-6": STEP_3_MOD_6,
}
BASE_MAX_STEPS = {name: 2000 for name in OPTION_SETS}
"""Budgets of the default test; the soak runs PQT's own 5,000 (a program at the limit costs every program of its
batch that many interpreter steps, so the default test keeps them smaller)."""
BASE_MAX_OUTPUT = 32
SMALL = {"tape_size": 64, "max_output": 32}
"""The small tests share one compiled shape (tape and output buckets): each new shape costs seconds of compiling."""

IDIOMS = (
    "[-]",
    "[+]",
    "[->+<]",
    "[-<+>]",
    "[->>++<<]",
    "[>+<-]",
    "[->+>+<<]",
    "[--]",
    "[+++]",
    "[]",
    "[>]",
    "[<]",
    "[>>]",
    "[-<<+>>]",
    "[>+<]",
    "[-->+++<]",
    "[<->-]",
    "+[>+]",
    "[>-]",
    "[.]",
    "+[..]",
)
WEIGHTS = {"+": 3, "-": 2, ">": 2, "<": 2, ".": 1.2, ",": 0.8, "[": 1, "]": 1.5}


def agent_program(rng: random.Random) -> str:
    """A program a masked token policy could emit (the rules of reasonenv.envs.encoding.MaskState, 'brackets')."""
    target = rng.randint(1, MAX_LENGTH)
    tokens: list[str] = []
    open_loops = 0
    while True:
        left = MAX_LENGTH - len(tokens)
        if len(tokens) >= target and open_loops == 0:
            return "".join(tokens)
        if left <= open_loops or len(tokens) >= target:
            tokens.append("]")  # only closing keeps the program legal (or we are past the target length)
            open_loops -= 1
            continue
        idiom = rng.choice(IDIOMS)
        if rng.random() < 0.15 and len(idiom) + open_loops <= left:
            tokens.extend(idiom)
            continue
        allowed = [
            c for c in WEIGHTS if not (c == "]" and open_loops == 0) and not (c == "[" and left < open_loops + 2)
        ]
        char = rng.choices(allowed, weights=[WEIGHTS[c] for c in allowed])[0]
        tokens.append(char)
        open_loops += {"[": 1, "]": -1}.get(char, 0)


def unbalanced(rng: random.Random) -> str:
    """A program with stray brackets (PQT ignores them; plain reports a syntax error), still at most 64 long."""
    program = list(agent_program(rng))
    for _ in range(rng.randint(1, 3)):
        program[rng.randrange(len(program))] = rng.choice("[]")
    return "".join(program)


def cases(rng: random.Random, count: int, options: BrainfuckOptions, base_steps: int):
    """(programs, inputs, max_steps, max_output, expected Executions) with a share of exact-count limits."""
    programs = [unbalanced(rng) if rng.random() < 0.03 else agent_program(rng) for _ in range(count)]
    inputs = [bytes(rng.randrange(256) for _ in range(rng.randint(0, 8))) for _ in range(count)]
    max_steps, max_output, expected = [], [], []
    for program, data in zip(programs, inputs):
        limits = Limits(max_steps=base_steps, max_output=BASE_MAX_OUTPUT)
        first = run_reference(program, data, limits, options)
        steps, output = base_steps, BASE_MAX_OUTPUT
        roll = rng.random()
        if roll < 1 / 3 and first.status != "syntax_error":
            steps = max(0, first.steps + rng.choice((-1, 0, 1)))
        elif roll < 2 / 3:
            output = max(0, len(first.output) + rng.choice((-1, 0, 1)))
        if (steps, output) != (base_steps, BASE_MAX_OUTPUT):
            first = run_reference(program, data, Limits(max_steps=steps, max_output=output), options)
        max_steps.append(steps)
        max_output.append(output)
        expected.append(first)
    return programs, inputs, max_steps, max_output, expected


def check(count_per_set: dict[str, int], seed: int, base_steps_of: dict[str, int] = BASE_MAX_STEPS) -> dict[str, int]:
    rng = random.Random(seed)
    statuses: dict[str, int] = {}
    for name, count in count_per_set.items():
        options, base_steps = OPTION_SETS[name], base_steps_of[name]
        programs, inputs, max_steps, max_output, expected = cases(rng, count, options, base_steps)
        got = run_batch(
            programs,
            inputs,
            max_steps=max_steps,
            max_output=max_output,
            cell_modulus=options.cell_modulus,
            tape_size=options.tape_size,
            left_edge=options.left_edge,
            unmatched=options.unmatched,
            cell_step=options.cell_step,
        )
        for index, (want, have) in enumerate(zip(expected, got)):
            assert have == want, (
                f"{name} program {programs[index]!r} input {inputs[index]!r} max_steps={max_steps[index]} "
                f"max_output={max_output[index]}: jax {have} != reference {want}"
            )
            statuses[want.status] = statuses.get(want.status, 0) + 1
    return statuses


def test_jax_backend_matches_reference_on_10240_agent_programs():
    started = time.perf_counter()
    # 4096 + 4096 + 2048 = 10,240: whole pools of run_batch, so one compiled shape serves all three option sets.
    statuses = check({"plain": 4096, "pqt-256": 4096, "pqt-27": 2048}, SEED)
    # The draw must reach every way a run can end, or the comparison proves little.
    for status in ("ok", "step_limit", "output_limit", "runtime_error", "syntax_error"):
        assert statuses.get(status, 0) > 10, statuses
    print(f"10,240 programs in {time.perf_counter() - started:.1f} s: {statuses}")


def test_jax_backend_matches_reference_under_cell_steps():
    """`+` adding 2 or 3: folded runs and closed-form loops (whose delta is the scaled one) stay exact."""
    # 4 x 1024 = one pool of run_batch: one compiled shape for the four option sets.
    statuses = check({"step-2": 1024, "step-2-pqt-27": 1024, "step-3-pqt-256": 1024, "step-3-mod-6": 1024}, SEED + 3)
    for status in ("ok", "step_limit", "output_limit", "runtime_error"):
        assert statuses.get(status, 0) > 10, statuses


@pytest.mark.slow
def test_jax_backend_soak():
    for round_seed in range(5):
        check(
            {"plain": 20000, "pqt-256": 20000, "pqt-27": 10000},
            SEED + 1000 + round_seed,
            {"plain": 2000, "pqt-256": 5000, "pqt-27": 5000},
        )


@pytest.mark.parametrize("cell_step", [1, 2])
def test_limits_inside_folded_idioms(cell_step):
    # Budgets ending inside a run of +, inside a closed-form multiply loop and inside a scan.
    programs = ["+++++", "++++[->+++<]>.", "+>+>+>+<<<[>]", "+" * 10 + "[-]" + ".", ">>>+[<]<<<"]
    plain = BrainfuckOptions(tape_size=SMALL["tape_size"], cell_step=cell_step)
    runs = [
        (program, budget)
        for program in programs
        for budget in range(0, run_reference(program, b"", Limits(max_steps=10_000), plain).steps + 2)
    ]
    assert len(runs) <= 128
    want = [
        run_reference(program, b"", Limits(max_steps=budget, max_output=SMALL["max_output"]), plain)
        for program, budget in runs
    ]
    have = run_batch(
        [program for program, _ in runs], max_steps=[budget for _, budget in runs], cell_step=cell_step, **SMALL
    )
    for run, expected, got in zip(runs, want, have):
        assert got == expected, run


def test_print_loops_end_exactly_where_the_reference_ends():
    # '[.]'-style loops are solved at their '[': every budget and output limit around where they end,
    # nested, after other output, reading input, and with the bytes past the output bucket (host rerun).
    programs = ["+[.]", "++[..]", "+++[...]>.", ",[.]", "[.]+.", "+>[.]<[.]", "+[.[.]]", "+[.>]", "-.[..]"]
    runs = [
        (program, data, steps, output)
        for program in programs
        for steps in range(0, 12)
        for output in range(0, 6)
        for data in (b"", b"\x05")
    ]
    runs += [("+[.]", b"", 5000, SMALL["max_output"]), ("++[..]", b"", 31, SMALL["max_output"])]
    plain = BrainfuckOptions(tape_size=SMALL["tape_size"])
    want = [run_reference(p, d, Limits(max_steps=s, max_output=o), plain) for p, d, s, o in runs]
    have = run_batch(
        [r[0] for r in runs],
        [r[1] for r in runs],
        max_steps=[r[2] for r in runs],
        max_output=[r[3] for r in runs],
        tape_size=SMALL["tape_size"],
    )
    for run, expected, got in zip(runs, want, have):
        assert got == expected, run
    overflowing = run_batch(
        ["+[.]", "++[..]"], max_steps=5000, max_output=100, max_output_slots=16, tape_size=SMALL["tape_size"]
    )
    assert [(r.status, r.output) for r in overflowing] == [
        ("output_limit", b"\x01" * 100),
        ("output_limit", b"\x02" * 100),
    ]


EDGE_PROGRAMS = [">>>>>>>>>>+[>+]", "+[<+]", "+[>]", ">+[<]", ">>[-<+>]+[<<<-]", "-[>+<-----]>.", ",[.-]"]


def test_tape_edges():
    check_edges(
        (
            BrainfuckOptions(tape_size=8),
            BrainfuckOptions(tape_size=8, left_edge="clamp"),
            BrainfuckOptions(cell_modulus=27, tape_size=16, eof="minus_one"),
        )
    )


@pytest.mark.slow
def test_wide_cells():
    # Cells past 256 use an int32 tape: one more compiled shape, so not in the default suite.
    check_edges(
        (
            BrainfuckOptions(cell_modulus=65536, tape_size=16, eof="unchanged", left_edge="clamp"),
            BrainfuckOptions(cell_modulus=300, tape_size=16),
        )
    )


def check_edges(option_sets):
    programs = EDGE_PROGRAMS
    for options in option_sets:
        limits = Limits(max_steps=3000, max_output=SMALL["max_output"])
        want = [run_reference(p, b"\x05", limits, options) for p in programs]
        have = run_batch(
            programs,
            [b"\x05"] * len(programs),
            max_steps=3000,
            max_output=SMALL["max_output"],
            cell_modulus=options.cell_modulus,
            tape_size=options.tape_size,
            eof=options.eof,
            left_edge=options.left_edge,
        )
        assert have == want, options


def test_dialects_run_through_translation():
    ook = esolangs.get("ook")
    dialect = esolangs.get("bf-dialect-3")
    for language in (ook, dialect):
        programs = [language.from_bf(p) for p in ("++++++++[>++++++++<-]>+.", ",[.,]", "+[>+<-]>>[")]
        want = [
            language.configure(tape_size=SMALL["tape_size"]).run(
                p, b"hi", limits=Limits(max_steps=500, max_output=SMALL["max_output"])
            )
            for p in programs
        ]
        assert run_batch(programs, [b"hi"] * 3, max_steps=500, language=language.name, **SMALL) == want


def test_bad_arguments_name_the_value():
    with pytest.raises(ValueError, match="cell_modulus up to 65536"):
        run_batch(["+"], max_steps=10, cell_modulus=2**20)
    with pytest.raises(ValueError, match="max_steps has 2 entries"):
        run_batch(["+"], max_steps=[1, 2])
    with pytest.raises(ValueError, match="not 'befunge'"):
        run_batch(["@"], max_steps=10, language="befunge")


def test_importing_esolangs_does_not_import_jax():
    code = "import sys, esolangs; esolangs.run('bf', '+.'); esolangs.names(); print('jax' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.slow
def test_bench_script_smoke(tmp_path):
    # scripts/bench_jax_verifier.py end to end on a tiny budget (it compiles its own shapes: slow).
    out = tmp_path / "verifier.json"
    script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "bench_jax_verifier.py")
    result = subprocess.run(
        [sys.executable, script, "--programs", "40", "--repeats", "1", "--json", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "print" in result.stdout and out.exists()


def test_run_tests_folds_once_and_runs_every_test():
    import jax
    import numpy as np

    from esolangs.jax_bf import STATUS_NAMES, encode_program, pack_rows, run_options, run_tests

    rng = random.Random(SEED + 7)
    programs = [agent_program(rng) for _ in range(6)] + [",[.,]", ",>,<.>."]
    tests = [[bytes(rng.randrange(1, 256) for _ in range(rng.randint(0, 4))) for _ in range(3)] for _ in programs]
    batch, count = len(programs), 3
    codes, _ = pack_rows([encode_program(p) for p in programs], 64, batch)
    inputs = np.zeros((batch, count, 16), np.uint8)
    lengths = np.zeros((batch, count), np.int32)
    for b, cases_of in enumerate(tests):
        for t, data in enumerate(cases_of):
            inputs[b, t, : len(data)] = np.frombuffer(data, np.uint8)
            lengths[b, t] = len(data)

    # one cell step per program (RunOptions holds one per program): steps 1, 2, 3 in turn
    each = [
        BrainfuckOptions(cell_modulus=27, tape_size=64, left_edge="clamp", unmatched="ignore", cell_step=1 + b % 3)
        for b in range(batch)
    ]
    verify = jax.jit(run_tests, static_argnames=("lanes", "tape_cells", "output_slots", "tape_dtype", "refill_every"))
    status, steps, output, length = (
        np.asarray(a)
        for a in verify(
            codes.astype(np.int32),
            inputs,
            lengths,
            run_options(each, np.full(batch, 500), np.full(batch, SMALL["max_output"])),
            lanes=8,
            tape_cells=64,
            output_slots=64,
        )
    )
    for b, program in enumerate(programs):
        for t, data in enumerate(tests[b]):
            want = run_reference(program, data, Limits(max_steps=500, max_output=SMALL["max_output"]), each[b])
            assert STATUS_NAMES[status[b, t]] == want.status, (program, data)
            assert int(steps[b, t]) == want.steps, (program, data)
            assert output[b, t, : length[b, t]].tobytes() == want.output, (program, data)


def test_run_options_is_one_pytree_built_from_brainfuck_options():
    """One BrainfuckOptions for all programs or one each; limits broadcast; every field an array of that shape."""
    import numpy as np

    from esolangs.bf_semantics import EOF_CODE
    from esolangs.jax_bf import RunOptions, run_options

    shared = run_options(PQT_27, 500, np.array([1, 2, 3]))
    assert isinstance(shared, RunOptions) and all(np.shape(a) == (3,) for a in shared)
    assert shared.modulus.tolist() == [27] * 3 and shared.clamp.all() and shared.ignore_unmatched.all()
    assert shared.max_steps.tolist() == [500] * 3 and shared.max_output.tolist() == [1, 2, 3]
    each = run_options([PLAIN, BrainfuckOptions(eof="minus_one", tape_size=9)], [10, 20], 2**40)
    assert each.tape_size.tolist() == [30_000, 9] and each.eof.tolist() == [EOF_CODE["zero"], EOF_CODE["minus_one"]]
    assert each.max_output.tolist() == [2**31 - 1] * 2  # clipped to int32, as no run writes that much
    assert not each.clamp.any() and not each.ignore_unmatched.any()
    assert shared.cell_step.tolist() == [1] * 3
    assert run_options([PLAIN, STEP_2, STEP_3_MOD_6], 10, 5).cell_step.tolist() == [1, 2, 3]
    with pytest.raises(ValueError):
        run_options([PLAIN, PLAIN, PLAIN], [1, 2], 5)  # three programs, two step budgets
