"""Kept successes through a real run of each backend: the buffer fills (successes and relabelled failures), its size
and SIL loss reach progress.csv, it is saved with the checkpoint and restored on resume."""

from __future__ import annotations

import pickle

import pytest

from agents import run_dir as rd
from agents.config import TrainConfig
from agents.kept import KeptSuccesses

CURRICULUM = """
name: kept-tiny
scheduler: staged
language: bf
promotion: {threshold: 1.0, window: 100000}
stages:
  - name: emit
    mixture: [{family: emit-char, level: 2}]
"""
JAX_CURRICULUM = """
name: kept-tiny-jax
scheduler: staged
language: bf
promotion: {threshold: 1.0, window: 100000}
stages:
  - name: emit-and-echo
    mixture: [{family: emit-char, level: 2}, {family: echo-byte, level: 0}]
"""
"""The JAX run's: ~20 episodes an iteration of near-random 8-token programs relabel on emit-char about once in 30
episodes (one byte in 1..7, not held out), so two iterations of emit-char alone often keep nothing (seed 0 kept
nothing until its fourth); echo-byte relabels any program that writes one byte per input."""
TINY = dict(
    model={"dim": 16, "heads": 2, "layers": 1, "window": 4, "top_k": 2, "hidden": 16},
    ppo={"train_batch_size": 128, "minibatch_size": 64, "num_epochs": 1},
    max_program_length=8,
    checkpoint_every=1,
    kept={"top_k": 4, "sil_weight": 0.1, "sil_batch": 32, "sil_every": 1},
    relabel=True,
)


def _check_run(run, backend_cls, cfg):
    rows = rd.read_progress(run)
    assert rows and "kept_size" in rows[-1]
    assert rows[-1]["kept_size"] > 0  # relabelled failures of emit-char fill it from the first iteration
    assert any(r.get("sil_loss") is not None for r in rows)
    checkpoint = rd.latest_checkpoint(run)
    saved = checkpoint / rd.ALGORITHM / rd.KEPT_FILE
    state = pickle.loads(saved.read_bytes())
    assert len(state["entries"]) == rows[-1]["kept_size"]
    assert any(row[5] for row in state["entries"])  # relabelled entries are there
    fresh = KeptSuccesses(4)
    assert fresh.load(saved)
    return state


def test_jax_backend_keeps_saves_and_restores(tmp_path):
    pytest.importorskip("jax")
    from agents.backends.jax import Backend
    from agents.loop import train

    (tmp_path / "kept.yaml").write_text(JAX_CURRICULUM)
    cfg = TrainConfig.from_dict({**TINY, "backend": "jax", "timesteps": 256, "curriculum": str(tmp_path / "kept.yaml"),
                                 "jax": {"num_envs": 16, "pool_size": 8}})  # fmt: skip
    run = tmp_path / "run"
    train(cfg, run, log=lambda line: None)
    state = _check_run(run, Backend, cfg)
    rows = rd.read_progress(run)
    assert rows[0]["kept_size"] > 0 and all(r["sil_loss"] is not None for r in rows)  # SIL steps every iteration
    lines: list[str] = []
    backend = Backend(cfg, run, None, lines.append)
    algorithm = rd.latest_checkpoint(run) / rd.ALGORITHM  # once: a damaged file makes latest_checkpoint skip it
    backend.restore(algorithm)
    assert [e.as_tuple() for e in backend.kept.entries()] == list(state["entries"])
    (algorithm / rd.KEPT_FILE).write_bytes(b"\x80\x05garbage")
    backend.restore(algorithm)
    assert len(backend.kept) == 0 and any("damaged" in line for line in lines)


def test_rllib_backend_keeps_saves_and_restores(tmp_path):
    pytest.importorskip("ray.rllib")
    from agents.backends.rllib import Backend
    from agents.loop import train

    (tmp_path / "kept.yaml").write_text(CURRICULUM)
    cfg = TrainConfig.from_dict({**TINY, "backend": "rllib", "timesteps": 256, "curriculum": str(tmp_path / "kept.yaml"),
                                 "rllib": {"num_envs_per_env_runner": 8, "num_cpus": 1}})  # fmt: skip
    run = tmp_path / "run"
    train(cfg, run, log=lambda line: None)
    state = _check_run(run, Backend, cfg)
    lines: list[str] = []
    backend = Backend(cfg, run, None, lines.append)
    try:
        backend.restore(rd.latest_checkpoint(run) / rd.ALGORITHM)
        assert [e.as_tuple() for e in backend.kept.entries()] == list(state["entries"])
    finally:
        backend.close()
