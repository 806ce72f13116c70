"""Mean time to generate one instance, per task family (target: under 1 ms for every family).

python scripts/bench_task_generation.py [--instances 200] [--out results/task_generation.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

TARGET_MS = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--instances", type=int, default=200, help="instances generated per family (fixed families: at most their size)"
    )
    parser.add_argument("--out", default="results/task_generation.json", help="where to write the JSON results")
    args = parser.parse_args()

    from curricula.base import family_class, family_names, make_task

    rows = []
    for name in family_names():
        task = make_task(name)
        count = min(args.instances, family_class(name).size or args.instances)
        task.instance(0, 0)  # warm caches shared by all instances (e.g. precomputed tables)
        start = time.perf_counter()
        for index in range(count):
            task.instance(1, index)
        mean_ms = (time.perf_counter() - start) / count * 1e3
        rows.append({"family": name, "suite": family_class(name).suite, "instances": count, "mean_ms": mean_ms})

    width = max(len(r["family"]) for r in rows)
    print(f"{'family':<{width}}  {'suite':<10}  {'mean ms':>8}  target < {TARGET_MS} ms")
    for r in sorted(rows, key=lambda r: -r["mean_ms"]):
        flag = "ok" if r["mean_ms"] < TARGET_MS else "SLOW"
        print(f"{r['family']:<{width}}  {r['suite']:<10}  {r['mean_ms']:>8.3f}  {flag}")
    slow = [r["family"] for r in rows if r["mean_ms"] >= TARGET_MS]
    worst = max(rows, key=lambda r: r["mean_ms"])
    print(
        f"\n{len(rows)} families; slowest {worst['family']} at {worst['mean_ms']:.3f} ms; "
        f"{'all under target' if not slow else 'over target: ' + ', '.join(slow)}"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"target_ms": TARGET_MS, "families": rows}, indent=2))
    print(f"results written to {out}")
    return 0 if not slow else 1


if __name__ == "__main__":
    raise SystemExit(main())
