"""Startup time of `import reasonenv`, `reasonenv --help` and `reasonenv run`, now against a baseline commit, side by side.

Each command runs in a fresh interpreter with PYTHONPATH pointing at one
source tree: the baseline (extracted from git with `git archive`) or the
working tree. Bytecode is cached in a private folder per tree after a
warm-up run (as in a normal install), the runs of the two trees alternate so
both see the same machine load, and the median of --runs runs is shown with
the ratio before / after. The budget from issue 14: `import reasonenv`
(with Gymnasium, which registers the ids) at most Gymnasium's own import
time + 50 ms.

    python scripts/bench_startup.py                 # baseline: the commit before the lazy startup
    python scripts/bench_startup.py --baseline HEAD~3 --runs 21
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASELINE = "a4da5e0"  # the last commit before issue 14's startup work
BUDGET_MS = 50.0

COMMANDS: list[tuple[str, list[str], bytes]] = [
    ("python -c pass (floor)", ["-c", "pass"], b""),
    ("import gymnasium", ["-c", "import gymnasium"], b""),
    ("import reasonenv", ["-c", "import reasonenv"], b""),
    ("import reasonenv, gymnasium", ["-c", "import reasonenv, gymnasium"], b""),
    ("reasonenv --help", ["-m", "reasonenv", "--help"], b""),
    ("reasonenv run --lang bf -", ["-m", "reasonenv", "run", "--lang", "bf", "-"], b"++++++++[>++++++++<-]>+."),
]


def extract(ref: str, into: Path) -> Path:
    """The tree of commit `ref`, written under `into` (the working tree is not touched)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref], capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def environment(tree: Path, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env["PYTHONPATH"] = str(tree)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def time_once(python: str, args: list[str], stdin: bytes, env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall ms, CPU ms) of one run; CPU time (user + system of the child) is the steadier one on a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([python, *args], input=stdin, env=env, cwd=cwd, capture_output=True)
    wall = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - usage.ru_utime + after.ru_stime - usage.ru_stime) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {env['PYTHONPATH']}:\n{done.stderr.decode()}")
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git commit to compare with (default %(default)s)")
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command and tree (default %(default)s)")
    parser.add_argument("--python", default=sys.executable, help="interpreter with the dependencies installed")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error(f"--runs must be >= 1, got {args.runs}")

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch:
        scratch_dir = Path(scratch)
        try:
            before = extract(args.baseline, scratch_dir / "before")
        except subprocess.CalledProcessError as err:
            print(
                f"bench_startup: cannot extract {args.baseline!r} from git: {err.stderr.decode().strip()}",
                file=sys.stderr,
            )
            return 2
        trees = {
            "before": environment(before, scratch_dir / "pyc-before"),
            "after": environment(ROOT, scratch_dir / "pyc-after"),
        }
        cwd = scratch_dir  # not the repository, so the current directory shadows neither tree
        results: dict[str, dict[tuple[str, str], float]] = {}
        for label, command, stdin in COMMANDS:
            samples: dict[tuple[str, str], list[float]] = {}
            for env in trees.values():
                time_once(args.python, command, stdin, env, cwd)  # warm-up: writes the bytecode cache
            for _ in range(args.runs):
                for tree, env in trees.items():
                    wall, cpu = time_once(args.python, command, stdin, env, cwd)
                    samples.setdefault((tree, "wall"), []).append(wall)
                    samples.setdefault((tree, "cpu"), []).append(cpu)
            results[label] = {key: statistics.median(values) for key, values in samples.items()}

    print(
        f"Startup, median of {args.runs} runs in fresh interpreters (ms); before = {args.baseline}, after = working tree"
    )
    print(
        f"{'command':<30} {'CPU before':>11} {'CPU after':>10} {'ratio':>7}   {'wall before':>11} {'wall after':>10} {'ratio':>7}"
    )
    for label, medians in results.items():
        cells = []
        for kind in ("cpu", "wall"):
            before_ms, after_ms = medians[("before", kind)], medians[("after", kind)]
            ratio = before_ms / after_ms if after_ms else float("inf")
            cells.append(f"{before_ms:>11.1f} {after_ms:>10.1f} {ratio:>6.2f}x")
        print(f"{label:<30} {cells[0]}   {cells[1]}")
    print()
    # The verdict uses CPU time: wall time on a shared machine moves by hundreds of ms between runs.
    for tree in ("before", "after"):
        overhead = results["import reasonenv, gymnasium"][(tree, "cpu")] - results["import gymnasium"][(tree, "cpu")]
        verdict = "within" if overhead <= BUDGET_MS else "over"
        print(
            f"{tree:>6}: import reasonenv + gymnasium costs {overhead:+6.1f} ms CPU over import gymnasium "
            f"({verdict} the {BUDGET_MS:.0f} ms budget)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
