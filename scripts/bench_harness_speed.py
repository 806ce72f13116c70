"""How fast the benchmark harness runs when the model answers instantly: instances per second at concurrency 32.

Starts tests/fake_openai_server.py in its own process (a loopback chat-completions server that answers every
request at once with a fixed Brainfuck program), runs `reasonenv bench` in-process on the paper suite's BF
Print and Copy families (HTTP, extraction, the BF interpreter on every hidden test, result lines), and prints
instances/s. The target is >= 200 instances/s: the harness must never be the bottleneck.

    .venv/bin/python scripts/bench_harness_speed.py [--limit N] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=400, help="instances per family")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    import openai  # noqa: F401  (imported before the clock starts: a one-off cost of about a second)

    from reasonenv.bench.runner import BenchConfig, run_bench
    from reasonenv.commands.bench import build_model

    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_openai_server.py"), "--port", "0", "--answer", "```bf\n,[.,]\n```"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as out:
            config = BenchConfig(
                model="instant",
                suite="paper",
                languages=("bf",),
                families=("paper-bf-print", "paper-bf-copy"),
                out=Path(out),
                base_url=base_url,
                limit=args.limit,
                concurrency=args.concurrency,
                progress=False,
            )
            started = time.perf_counter()
            summary = asyncio.run(run_bench(config, build_model(config)))
            elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait()
    rate = summary["conversations"] / elapsed
    print(
        f"{summary['conversations']} instances in {elapsed:.2f} s (suite planning included) at concurrency "
        f"{args.concurrency}: {rate:.0f} instances/s ({summary['solved']} solved); target >= 200: "
        f"{'met' if rate >= 200 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
