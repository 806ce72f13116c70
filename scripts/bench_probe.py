"""What one greedy held-out probe (agents.probe) costs, per curriculum stage, with a backend's in-process policy.

    python scripts/bench_probe.py --backend jax --stages 0 4 8 13
    python scripts/bench_probe.py --backend rllib --curriculum bf-basics --instances 32

Builds the backend as a run would (default network sizes, untrained
weights), puts its scheduler at each asked stage, and times `--repeats`
probes there: the first includes choosing the instances (a scan for held-out
content) and, for JAX, compiling the forward pass; the others are what every
later probe costs. An untrained policy writes programs up to the length cap,
so these are upper bounds for a policy that learned to stop.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("rllib", "jax"), default="jax")
    parser.add_argument("--curriculum", default="bf-basics")
    parser.add_argument("--stages", type=int, nargs="*", help="stages to probe at (default: every stage)")
    parser.add_argument("--instances", type=int, default=32, help="instances per entry (TrainConfig.probe_instances)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from agents.config import TrainConfig
    from agents.loop import backend_class
    from agents.probe import Probe, probe_env_options, probed_specs
    from curricula.schedulers import load_curriculum

    cfg = TrainConfig(curriculum=args.curriculum, backend=args.backend, probe_instances=args.instances)
    if args.backend == "rllib":
        cfg.rllib.num_cpus = 1
    scheduler = load_curriculum(cfg.curriculum)
    stages = args.stages if args.stages else list(range(len(getattr(scheduler, "stages", [None]))))
    with tempfile.TemporaryDirectory() as folder:
        backend: Any = backend_class(cfg.backend)(cfg, Path(folder), None, lambda line: None)  # + the probe's hooks
        try:
            probe = Probe(cfg.probe_instances, probe_env_options(cfg))
            print(f"{args.backend} backend, {args.curriculum}, {args.instances} instances per entry")
            print("stage  entries  episodes  mean_length  first_s  later_s (median)  held-out entries")
            for stage in stages:
                backend.scheduler.stage = stage
                specs = probed_specs(backend.scheduler)
                times = []
                for _ in range(args.repeats):
                    tick = time.perf_counter()
                    result = probe.run(backend.greedy_policy(), backend.scheduler)
                    times.append(time.perf_counter() - tick)
                later = statistics.median(times[1:]) if len(times) > 1 else float("nan")
                held = sum(result.heldout.values())
                print(
                    f"{stage:5d}  {len(specs):7d}  {result.episodes:8d}  {result.mean_length:11.1f}  {times[0]:7.2f}  "
                    f"{later:16.2f}  {held}/{len(specs)}"
                )
        finally:
            backend.close()


if __name__ == "__main__":
    main()
