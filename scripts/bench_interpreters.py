"""Benchmark the esolang interpreters: fast path vs plain reference (and the `bfi` package as a peer for Brainfuck).

Prints, from one run, side by side:
  * effective instructions/s (original instructions executed / wall time) on a
    loop-heavy Brainfuck program and on a loop-heavy Befunge-93 program;
  * mean time per program over a fixed, seeded set of 1,000 short Brainfuck
    programs (100-200 characters; half print a string, half random balanced
    programs that halt), for the reference, the fast path (cold compile cache
    and warm) and bfi;
  * the ratios fast/reference and fast/bfi against the targets of issue #2
    (BF: >= 10x reference on loops, >= 3x on the short set, faster than bfi
    on both; Befunge: >= 1.5x reference on loops),
and writes everything as JSON to --out.

Example:
    .venv/bin/python scripts/bench_interpreters.py
    .venv/bin/python scripts/bench_interpreters.py --programs 200 --repeats 1 --out /tmp/bench.json
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path

import esolangs
from esolangs.brainfuck_fast import clear_cache

# bench.b's structure (26 letters, each spinning nested counting loops) with three
# counting levels instead of seven so the plain interpreter finishes in seconds.
BF_LOOP_HEAVY = (
    ">++[<+++++++++++++>-]<"  # cell 0 = 26 (one iteration per letter)
    "[[>+>+<<-]>[<+>-]"  # copy the counter
    "++++++++[>++++++++<-]>.[-]<<"  # print 64 + counter... then clear
    ">++++++++++[>++++++++++[>++++++++++[>++++++++++[-]<-]<-]<-]<"  # 10 x 10 x 10 nested counting loops
    "-]++++++++++."
)
# The same loop nest with bodies the fast path cannot solve in closed form (output
# and net pointer movement in the innermost loop): a lower bound for the speed-up.
BF_LOOP_NO_IDIOMS = "+" * 20 + "[>" + "+" * 20 + "[>" + "+" * 50 + "[>+>.<<-]<-]<-]"

# Two nested countdown loops: the outer runs 2000 times ("d" 4 * 5 * = 100*4*5),
# the inner 100 times per outer iteration.
BEFUNGE_LOOP_HEAVY = '"d"4*5*>"d">1-:#v_$1-:#v_@\n           ^    <\n       ^               <\n'

TARGETS = {
    "bf_loop_fast_over_reference": 10.0,
    "bf_short_fast_over_reference": 3.0,
    "bf_loop_fast_over_bfi": 1.0,
    "bf_short_fast_over_bfi": 1.0,
    "befunge_loop_fast_over_reference": 1.5,
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the Brainfuck and Befunge-93 interpreters (reference, fast, and bfi as a peer).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--programs", type=int, default=1000, help="size of the seeded short-program set")
    parser.add_argument("--seed", type=int, default=0, help="seed of the short-program set")
    parser.add_argument(
        "--short-max-steps",
        type=int,
        default=20_000,
        help="step budget when choosing short programs (only programs that halt within it are kept)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="timings per measurement and engine; the best is reported (least disturbed by other load)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("results/bench_interpreters.json"), help="where to write the JSON results"
    )
    parser.add_argument("--skip-bfi", action="store_true", help="leave out the bfi peer")
    return parser.parse_args(argv)


def best_time(function, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings)


def load_bfi():
    try:
        import bfi
    except ImportError:
        return None
    return bfi


def run_bfi(bfi, source: str, stdin: bytes = b"") -> bytes:
    text = bfi.interpret(source, input_data=stdin.decode("latin-1"), buffer_output=True)
    return text.encode("latin-1")


# ---- the short-program set


def print_string_program(rng: random.Random, text: bytes) -> str:
    """A typical hand- or model-written printer: one multiply loop per character."""
    parts = []
    for byte in text:
        factor = rng.randint(6, 11)
        quotient, remainder = divmod(byte, factor)
        parts.append("+" * factor + "[>" + "+" * quotient + "<-]>" + "+" * remainder + ".[-]<")
    return "".join(parts)


def random_balanced_program(rng: random.Random, length: int) -> str:
    """Random commands (no input) with brackets kept balanced; loops are common."""
    chars, depth = [], 0
    while len(chars) < length - depth:
        char = rng.choice("++++----->>>><<<<..[[]]")
        if char == "]":
            if depth == 0:
                continue
            depth -= 1
        elif char == "[":
            depth += 1
        chars.append(char)
    return "".join(chars) + "]" * depth


def short_program_set(count: int, seed: int, max_steps: int, bfi) -> list[str]:
    """`count` programs of 100-200 characters, half printers and half random, all halting ok within max_steps.

    Random programs are kept only if they halt with status ok (bfi has no step
    limit) and, when bfi is present, bfi prints the same bytes, so all three
    interpreters time exactly the same work.
    """
    rng = random.Random(seed)
    limits = esolangs.Limits(max_steps=max_steps)
    bf = esolangs.get("bf")
    alphabet = b"abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ!?.,"
    programs: list[str] = []
    while len(programs) < count:
        if len(programs) % 2 == 0:
            text = bytes(rng.choice(alphabet) for _ in range(rng.randint(3, 8)))
            program = print_string_program(rng, text)
        else:
            program = random_balanced_program(rng, rng.randint(100, 200))
        if not 100 <= len(program) <= 200:
            continue
        result = bf.run(program, limits=limits, engine="reference")
        if result.status != "ok":
            continue
        if bfi is not None:
            try:
                if run_bfi(bfi, program) != result.output:
                    continue
            except Exception:  # bfi's parser rejects some loops it misreads; keep the set comparable
                continue
        programs.append(program)
    return programs


# ---- measurements


def measure_bf_loop(source: str, repeats: int, bfi) -> dict:
    limits = esolangs.Limits(max_steps=10**12, max_output=1 << 22)
    bf = esolangs.get("bf")
    reference = bf.run(source, limits=limits, engine="reference")
    fast = bf.run(source, limits=limits, engine="fast")
    if (fast.status, fast.output, fast.steps) != (reference.status, reference.output, reference.steps):
        raise SystemExit(f"fast and reference disagree on the loop benchmark: {fast} vs {reference}")
    steps = reference.steps
    row = {"steps": steps, "status": reference.status}
    row["reference_s"] = best_time(lambda: bf.run(source, limits=limits, engine="reference"), repeats)
    row["fast_s"] = best_time(lambda: (clear_cache(), bf.run(source, limits=limits, engine="fast")), repeats)
    if bfi is not None:
        if run_bfi(bfi, source) != reference.output:
            raise SystemExit("bfi prints something else on the loop benchmark")
        row["bfi_s"] = best_time(lambda: run_bfi(bfi, source), repeats)
    for engine in ("reference", "fast", "bfi"):
        if f"{engine}_s" in row:
            row[f"{engine}_instructions_per_s"] = steps / row[f"{engine}_s"]
    return row


def measure_befunge_loop(repeats: int) -> dict:
    if "befunge93" not in esolangs.names():
        return {"skipped": "esolangs has no befunge93 language registered yet"}
    befunge = esolangs.get("befunge93")
    limits = esolangs.Limits(max_steps=10**9)
    reference = befunge.run(BEFUNGE_LOOP_HEAVY, limits=limits, engine="reference")
    fast = befunge.run(BEFUNGE_LOOP_HEAVY, limits=limits, engine="fast")
    if reference.status != "ok" or (fast.status, fast.output, fast.steps) != (
        reference.status,
        reference.output,
        reference.steps,
    ):
        return {"skipped": f"befunge93 engines disagree or fail on the loop program: {reference} / {fast}"}
    row = {"steps": reference.steps, "status": reference.status}
    row["reference_s"] = best_time(lambda: befunge.run(BEFUNGE_LOOP_HEAVY, limits=limits, engine="reference"), repeats)
    row["fast_s"] = best_time(lambda: befunge.run(BEFUNGE_LOOP_HEAVY, limits=limits, engine="fast"), repeats)
    row["reference_instructions_per_s"] = reference.steps / row["reference_s"]
    row["fast_instructions_per_s"] = reference.steps / row["fast_s"]
    return row


def measure_short_set(programs: list[str], repeats: int, max_steps: int, bfi) -> dict:
    bf = esolangs.get("bf")
    limits = esolangs.Limits(max_steps=max_steps)

    def run_all(engine: str) -> None:
        for program in programs:
            bf.run(program, limits=limits, engine=engine)

    def run_fast_cold() -> None:
        clear_cache()
        run_all("fast")

    def run_bfi_all() -> None:
        for program in programs:
            run_bfi(bfi, program)

    count = len(programs)
    steps = [bf.run(program, limits=limits, engine="reference").steps for program in programs]
    row = {
        "programs": count,
        "mean_chars": statistics.fmean(len(p) for p in programs),
        "mean_steps": statistics.fmean(steps),
        "reference_s_per_program": best_time(lambda: run_all("reference"), repeats) / count,
        "fast_s_per_program": best_time(run_fast_cold, repeats) / count,
    }
    run_all("fast")  # fill the cache
    row["fast_cached_s_per_program"] = best_time(lambda: run_all("fast"), repeats) / count
    if bfi is not None:
        row["bfi_s_per_program"] = best_time(run_bfi_all, repeats) / count
    return row


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def fmt_rate(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e6:9.1f}M/s"


def fmt_time(value: float | None) -> str:
    return "-" if value is None else f"{value * 1e6:9.1f} us"


def fmt_ratio(value: float | None, target: float) -> str:
    if value is None:
        return "-"
    return f"{value:6.1f}x (target >= {target:g}x: {'met' if value >= target else 'MISSED'})"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bfi = None if args.skip_bfi else load_bfi()
    if bfi is None and not args.skip_bfi:
        print("bfi is not installed (pip install bfi): its columns are left out", file=sys.stderr)

    started = time.perf_counter()
    bf_loop = measure_bf_loop(BF_LOOP_HEAVY, args.repeats, bfi)
    bf_loop_no_idioms = measure_bf_loop(BF_LOOP_NO_IDIOMS, args.repeats, bfi)
    befunge_loop = measure_befunge_loop(args.repeats)
    programs = short_program_set(args.programs, args.seed, args.short_max_steps, bfi)
    short = measure_short_set(programs, args.repeats, args.short_max_steps, bfi)

    ratios = {
        "bf_loop_fast_over_reference": ratio(bf_loop["reference_s"], bf_loop["fast_s"]),
        "bf_loop_fast_over_bfi": ratio(bf_loop.get("bfi_s"), bf_loop["fast_s"]),
        "bf_loop_no_idioms_fast_over_reference": ratio(bf_loop_no_idioms["reference_s"], bf_loop_no_idioms["fast_s"]),
        "bf_loop_no_idioms_fast_over_bfi": ratio(bf_loop_no_idioms.get("bfi_s"), bf_loop_no_idioms["fast_s"]),
        "bf_short_fast_over_reference": ratio(short["reference_s_per_program"], short["fast_s_per_program"]),
        "bf_short_fast_over_bfi": ratio(short.get("bfi_s_per_program"), short["fast_s_per_program"]),
        "bf_short_cached_fast_over_reference": ratio(
            short["reference_s_per_program"], short["fast_cached_s_per_program"]
        ),
        "befunge_loop_fast_over_reference": ratio(befunge_loop.get("reference_s"), befunge_loop.get("fast_s")),
    }

    print(f"Effective instructions/s (original instructions executed / wall time), best of {args.repeats}")
    print(f"{'program':<34}{'steps':>12}{'reference':>14}{'fast':>14}{'bfi':>14}")
    for label, row in (
        ("BF loop-heavy (bench.b, 3 levels)", bf_loop),
        ("BF loops without idioms", bf_loop_no_idioms),
        ("Befunge-93 nested countdown", befunge_loop),
    ):
        if "skipped" in row:
            print(f"{label:<34}  skipped: {row['skipped']}")
            continue
        print(
            f"{label:<34}{row['steps']:>12,}{fmt_rate(row['reference_instructions_per_s']):>14}"
            f"{fmt_rate(row['fast_instructions_per_s']):>14}{fmt_rate(row.get('bfi_instructions_per_s')):>14}"
        )
    print()
    print(
        f"Short BF programs: {short['programs']} programs, {short['mean_chars']:.0f} chars and "
        f"{short['mean_steps']:.0f} steps on average (seed {args.seed})"
    )
    print(f"{'mean time per program':<34}{'reference':>14}{'fast (cold)':>14}{'fast (cached)':>14}{'bfi':>14}")
    print(
        f"{'':<34}{fmt_time(short['reference_s_per_program']):>14}{fmt_time(short['fast_s_per_program']):>14}"
        f"{fmt_time(short['fast_cached_s_per_program']):>14}{fmt_time(short.get('bfi_s_per_program')):>14}"
    )
    print()
    print("Ratios (how many times faster the fast path is):")
    for key, target in TARGETS.items():
        print(f"  {key:<36}{fmt_ratio(ratios[key], target)}")
    for key in (
        "bf_loop_no_idioms_fast_over_reference",
        "bf_loop_no_idioms_fast_over_bfi",
        "bf_short_cached_fast_over_reference",
    ):
        value = ratios[key]
        print(f"  {key:<36}{'-' if value is None else f'{value:6.1f}x'} (information)")

    results = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor(),
        },
        "arguments": {key: str(value) for key, value in vars(args).items()},
        "programs": {
            "bf_loop_heavy": BF_LOOP_HEAVY,
            "bf_loop_no_idioms": BF_LOOP_NO_IDIOMS,
            "befunge_loop_heavy": BEFUNGE_LOOP_HEAVY,
        },
        "bf_loop_heavy": bf_loop,
        "bf_loop_no_idioms": bf_loop_no_idioms,
        "befunge_loop_heavy": befunge_loop,
        "bf_short_set": short,
        "ratios": ratios,
        "targets": TARGETS,
        "targets_met": {key: (ratios[key] is not None and ratios[key] >= target) for key, target in TARGETS.items()},
        "wall_s": time.perf_counter() - started,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.out} ({results['wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
