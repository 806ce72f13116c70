"""Where one steady iteration of the JAX trainer goes: per-phase times of agents.backends.jax over a run's config.

    PYTHONPATH=$PWD .venv/bin/python scripts/profile_jax_trainer.py --config runs/.../config.json
    ... --iterations 10 --block            # wait for the device after each phase: its own time, not dispatch
    ... --cprofile 40                      # also the host side under cProfile (the 40 costliest calls)
    ... --grad-chunk 0                     # override jax.grad_chunk (rows per gradient pass; 0: whole batch)

The backend is built in this process (a temporary run directory), runs
`--warmup` iterations (compiles; the JAX compile cache of
agents.backends.jax.use_compilation_cache applies), then `--iterations`
timed ones with the greedy probe every `probe_every` as agents.loop runs it.
Phases: collect (rollout + verification, jitted), learn (the PPO update,
jitted), sil_step (each self-imitation step, jitted), and on the host
keep_and_imitate, admit (kept admission of relabelled candidates),
relabel_program, sample_transitions / replay_batch (replayed entries are
counted) and probe; then digests of the weights and the kept buffer, equal
between runs that computed the same thing. Without --block an asynchronous phase's device time is
paid at the next phase that reads its result. The steady figure is env
steps / wall time of the timed iterations. Run it from any worktree: the
code measured is the one first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path


def digests(backend) -> dict[str, str]:
    """Short sha256 digests of the weights and of the kept buffer (entries: instance, actions, language, key, return)."""
    import hashlib

    import jax
    import numpy as np

    weights = hashlib.sha256()
    for leaf in jax.tree_util.tree_leaves(jax.device_get(backend.runner.train_state.params)):
        weights.update(np.asarray(leaf).tobytes())
    entries = backend.kept.state_dict()["entries"] if backend.kept is not None else []
    rows = [(row[0].fingerprint(), *row[1:]) for row in entries]
    return {"params": weights.hexdigest()[:12], "kept": hashlib.sha256(repr(rows).encode()).hexdigest()[:12]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="a TrainConfig JSON (e.g. a run's config.json); backend jax")
    parser.add_argument("--iterations", type=int, default=10, help="timed iterations (default 10)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed iterations first (default 5: one probe)")
    parser.add_argument("--block", action="store_true", help="wait for the device after each jitted phase")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N", help="print the N costliest host calls")
    parser.add_argument("--grad-chunk", type=int, help="override jax.grad_chunk")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    if args.iterations < 1 or args.warmup < 0:
        parser.error("--iterations must be >= 1 and --warmup >= 0")

    import jax

    import agents.kept as kept
    import curricula.relabel as relabel
    from agents.backends import jax as backend_module
    from agents.config import TrainConfig
    from agents.loop import make_probe, run_probe

    data = json.loads(Path(args.config).read_text())
    data["backend"] = "jax"
    if args.grad_chunk is not None:
        data.setdefault("jax", {})["grad_chunk"] = args.grad_chunk
    cfg = TrainConfig.from_dict(data)
    seconds: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)

    def timed(owner, name: str, device: bool = False) -> None:
        inner = getattr(owner, name)

        def wrapper(*a, **k):
            tick = time.perf_counter()
            out = inner(*a, **k)
            if device and args.block:
                out = jax.block_until_ready(out)
            seconds[name] += time.perf_counter() - tick
            calls[name] += 1
            if name == "replay_batch":
                calls["replayed entries"] += len(a[0])
            return out

        setattr(owner, name, wrapper)

    for name in ("replay_batch", "admit", "sample_transitions"):
        timed(kept, name)
    timed(relabel, "relabel_program")
    for name in ("keep_and_imitate", "imitate"):
        timed(backend_module.Backend, name)
    backend = backend_module.Backend(cfg, Path(tempfile.mkdtemp(prefix="profile_jax.")), None, log=print)
    for name in ("collect", "learn") + (("sil_step",) if backend.kept is not None else ()):
        timed(backend, name, device=True)
    probe = make_probe(cfg, backend, print)

    def iteration(number: int) -> dict:
        tick = time.perf_counter()
        row = backend.iterate()
        seconds["iterate"] += time.perf_counter() - tick
        if probe is not None and (number + 1) % cfg.probe_every == 0:
            tick = time.perf_counter()
            run_probe(backend, probe)
            seconds["probe"] += time.perf_counter() - tick
            calls["probe"] += 1
        return row

    started = time.perf_counter()
    for number in range(args.warmup):
        iteration(number)
    print(f"warm-up: {args.warmup} iterations {time.perf_counter() - started:.1f} s", flush=True)
    seconds.clear()
    calls.clear()
    profile = None
    if args.cprofile:
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    started = time.perf_counter()
    row: dict = {}
    for number in range(args.warmup, args.warmup + args.iterations):
        row = iteration(number)
    wall = time.perf_counter() - started
    if profile is not None:
        profile.disable()
    steps = args.iterations * backend.num_envs * backend.num_steps
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"steady: {args.iterations} iterations, {wall:.1f} s, {steps / wall:.0f} env steps/s (load {load}); "
          f"kept_size {row.get('kept_size')}")  # fmt: skip
    print("| phase | ms per iteration | calls |")
    print("|---|---|---|")
    per_iteration = {name: seconds[name] / args.iterations * 1000 for name in seconds}
    for name in sorted(seconds, key=lambda n: -seconds[n]):
        print(f"| {name} | {per_iteration[name]:.0f} | {calls[name]} |")
    print(f"replayed entries: {calls['replayed entries']}")
    fingerprints = digests(backend)
    print(f"digests (equal runs give equal ones): params {fingerprints['params']}, kept {fingerprints['kept']}")
    if profile is not None:
        import pstats

        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.cprofile)
    if args.json:
        figures = {"steps_per_s": steps / wall, "wall_s": wall, "load": load, "ms_per_iteration": per_iteration,
                   "calls": dict(calls), "digests": fingerprints}  # fmt: skip
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
