"""Benchmark the JAX batched Brainfuck verifier against the Python fast path (the "Verifier" figure of issue 12).

On the same seeded set of short programs per workload, one run measures
verified programs/s of
  * the Python fast path: `esolangs.run("bf", ...)` per program, compile
    cache cleared before each timing (the programs are distinct, as an RL
    learner's are);
  * the JAX batch: `esolangs.jax_bf.run_batch` (host encoding, folding and
    running under jit, results back as Executions). Its first call compiles;
    compile time is reported apart, and the whole-run figure counts it.
and prints the ratios side by side. Workloads:
  print       programs that print a 2-8 letter string (curricula's bf_print:
              runs and one multiplication loop per letter); target >= 5x
  agent       programs as a masked token policy writes them (balanced, 1-64
              commands, a share of loop idioms), many ending at the limit
  loop-heavy  nested counting loops that run 1k-20k steps each
Every JAX result is compared with the Python one; a mismatch fails the run.

Example:
    .venv/bin/python scripts/bench_jax_verifier.py
    .venv/bin/python scripts/bench_jax_verifier.py --programs 2000 --json /tmp/verifier.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

import esolangs
from esolangs.brainfuck_fast import clear_cache
from reasonenv.files import write_atomic

TARGET_PRINT_RATIO = 5.0
WORKLOADS = ("print", "agent", "loop-heavy")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
IDIOMS = ("[-]", "[->+<]", "[-<+>]", "[->>++<<]", "[>]", "[<]", "[+]", "[--]", "+[>+]")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Verified programs/s of the JAX batched Brainfuck verifier against the Python fast path.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--programs", type=int, default=10_000, help="programs per workload (same set for both)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the program sets")
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="timings per engine and workload; the best is reported (least disturbed by other load)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=128,
        help="JAX interpreter lanes (programs wait in pools of 4096 for a free lane)",
    )
    parser.add_argument("--max-steps", type=int, default=5000, help="step budget per program (PQT's is 5000)")
    parser.add_argument("--max-output", type=int, default=64, help="output budget per program, bytes")
    parser.add_argument("--tape-size", type=int, default=30_000, help="tape cells")
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help=f"comma-separated subset of {WORKLOADS}")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    for name in ("programs", "repeats", "batch_size", "max_steps", "tape_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if args.max_output < 0:
        parser.error(f"--max-output must be >= 0, got {args.max_output}")
    unknown = [w for w in args.workloads.split(",") if w not in WORKLOADS]
    if unknown:
        parser.error(f"--workloads: unknown {unknown}; choose from {list(WORKLOADS)}")
    return args


# ---------------------------------------------------------------- program sets


def print_programs(rng: random.Random, count: int) -> list[str]:
    from curricula.solutions.bf_codegen import bf_print

    return [bf_print("".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 8)))) for _ in range(count)]


def agent_program(rng: random.Random, max_length: int = 64) -> str:
    """Balanced, 1..max_length commands, as the token env's action mask allows (see the differential test)."""
    target = rng.randint(1, max_length)
    tokens: list[str] = []
    open_loops = 0
    while True:
        left = max_length - len(tokens)
        if len(tokens) >= target and open_loops == 0:
            return "".join(tokens)
        if left <= open_loops or len(tokens) >= target:
            tokens.append("]")
            open_loops -= 1
            continue
        idiom = rng.choice(IDIOMS)
        if rng.random() < 0.15 and len(idiom) + open_loops <= left:
            tokens.extend(idiom)
            continue
        allowed = [
            c for c in "+->.<,[]" if not (c == "]" and open_loops == 0) and not (c == "[" and left < open_loops + 2)
        ]
        char = rng.choices(allowed, weights=[3 if c in "+-<>" else 1 for c in allowed])[0]
        tokens.append(char)
        open_loops += {"[": 1, "]": -1}.get(char, 0)


def agent_programs(rng: random.Random, count: int) -> list[str]:
    return [agent_program(rng) for _ in range(count)]


def loop_heavy_programs(rng: random.Random, count: int) -> list[str]:
    """Nested counting loops (not all closed-form: the middle loop writes output every iteration) that halt."""
    programs = []
    for _ in range(count):
        outer, middle, inner = rng.randint(2, 9), rng.randint(2, 9), rng.randint(5, 40)
        shape = rng.randrange(3)
        if shape == 0:  # outer x middle iterations, each a closed-form inner multiply loop
            body = ">" + "+" * inner + "[->+>++<<]>>[-]<<<"
            program = "+" * outer + "[>" + "+" * middle + "[" + body + "-]<-]>>>."
        elif shape == 1:  # a counter printed each pass
            program = "+" * outer + "[>" + "+" * middle + "[>" + "+" * inner + ".[-]<-]<-]"
        else:  # copy loops with pointer motion
            program = "+" * (outer * 4) + "[>" + "+" * middle + "[>+>+<<-]>>[<<+>>-]<<<-]>."
        programs.append(program)
    return programs


PROGRAM_SETS = {"print": print_programs, "agent": agent_programs, "loop-heavy": loop_heavy_programs}


# ---------------------------------------------------------------- timing


def timed(function):
    """(wall seconds, CPU seconds of this process, all threads) of one call, and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def time_python(programs: list[str], args: argparse.Namespace) -> tuple[tuple[float, float], list]:
    """((wall, cpu) of the fastest repeat, results); the compile cache is cleared before each."""

    def call():
        clear_cache()
        return [
            esolangs.run("bf", p, max_steps=args.max_steps, max_output=args.max_output, tape_size=args.tape_size)
            for p in programs
        ]

    timings = [timed(call) for _ in range(args.repeats)]
    wall, cpu, results = min(timings, key=lambda t: t[0])
    return (wall, cpu), results


def time_jax(programs: list[str], args: argparse.Namespace) -> tuple[float, tuple[float, float], list]:
    """(first call's wall time, compiles included; (wall, cpu) of the fastest later call; results)."""
    from esolangs.jax_bf import run_batch

    def call():
        return run_batch(
            programs,
            max_steps=args.max_steps,
            max_output=args.max_output,
            tape_size=args.tape_size,
            batch_size=args.batch_size,
        )

    first, _, results = timed(call)
    timings = [timed(call) for _ in range(args.repeats)]
    wall, cpu, results = min(timings, key=lambda t: t[0])
    return first, (wall, cpu), results


def bench_workload(name: str, args: argparse.Namespace) -> dict:
    programs = PROGRAM_SETS[name](random.Random(f"{args.seed}/{name}"), args.programs)
    (python_s, python_cpu), python_results = time_python(programs, args)
    first_s, (jax_s, jax_cpu), jax_results = time_jax(programs, args)
    mismatches = sum(a != b for a, b in zip(python_results, jax_results))
    compile_s = max(0.0, first_s - jax_s)
    statuses: dict[str, int] = {}
    for result in python_results:
        statuses[result.status] = statuses.get(result.status, 0) + 1
    count = len(programs)
    return {
        "workload": name,
        "programs": count,
        "mean_length": sum(map(len, programs)) / count,
        "mean_steps": sum(r.steps for r in python_results) / count,
        "statuses": statuses,
        "python_fast_s": python_s,
        "python_fast_programs_per_s": count / python_s,
        "python_fast_cpu_s": python_cpu,
        "jax_compile_s": compile_s,
        "jax_steady_s": jax_s,
        "jax_steady_programs_per_s": count / jax_s,
        "jax_steady_cpu_s": jax_cpu,
        "ratio_cpu": python_cpu / jax_cpu,
        "jax_whole_run_programs_per_s": count / first_s,
        "ratio_steady": python_s / jax_s,
        "ratio_whole_run": python_s / first_s,
        "mismatches": mismatches,
    }


def write_json(path: Path, payload: dict) -> None:
    write_atomic(path, json.dumps(payload, indent=2))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import jax

    rows = []
    for name in args.workloads.split(","):
        row = bench_workload(name, args)
        rows.append(row)
        print(f"{name}: done ({row['programs']} programs, {row['mismatches']} mismatches)", file=sys.stderr)
    header = (
        f"{'workload':<11} {'programs':>8} {'steps/prog':>10} {'python/s':>10} {'jax/s':>10} "
        f"{'ratio':>6} {'cpu ratio':>9} {'compile s':>9} {'whole-run/s':>11} {'ratio':>6}"
    )
    print(header)
    for row in rows:
        print(
            f"{row['workload']:<11} {row['programs']:>8} {row['mean_steps']:>10.0f} "
            f"{row['python_fast_programs_per_s']:>10.0f} {row['jax_steady_programs_per_s']:>10.0f} "
            f"{row['ratio_steady']:>5.1f}x {row['ratio_cpu']:>8.1f}x {row['jax_compile_s']:>9.1f} "
            f"{row['jax_whole_run_programs_per_s']:>11.0f} {row['ratio_whole_run']:>5.1f}x"
        )
    print_row = next((row for row in rows if row["workload"] == "print"), None)
    if print_row is not None:
        verdict = "met" if print_row["ratio_steady"] >= TARGET_PRINT_RATIO else "NOT met"
        print(f"target >= {TARGET_PRINT_RATIO:.0f}x on print-style programs (steady): {verdict}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print("ratio: wall-clock programs/s, JAX over Python; cpu ratio: CPU seconds (all threads), Python over JAX")
    print(f"machine: {os.cpu_count()} cores, load average {load}, jax {jax.__version__} on {jax.devices()[0].platform}")
    payload = {
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": {
            "cores": os.cpu_count(),
            "load_average_1m": load,
            "python": platform.python_version(),
            "jax": jax.__version__,
            "backend": jax.devices()[0].platform,
        },
        "workloads": rows,
    }
    if args.json is not None:
        write_json(args.json, payload)
    if any(row["mismatches"] for row in rows):
        print("JAX and Python results differ: see mismatches", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
