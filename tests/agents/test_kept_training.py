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
    assert all(r["updates_applied"] == 1.0 for r in rows)  # no KL early stop by default: every step taken
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
    assert int(backend.sil_opt_state[1][0].count) == 0  # a new backend's SIL Adam is fresh
    backend.restore(algorithm)
    assert [e.as_tuple() for e in backend.kept.entries()] == list(state["entries"])
    # The SIL optimiser's state is in the orbax tree and restored: count, mu and nu as saved.
    import jax
    import numpy as np
    import orbax.checkpoint as ocp

    from agents.backends.jax import SIL_STATE_KEY

    saved = ocp.PyTreeCheckpointer().restore((algorithm / rd.STATE_DIR).resolve())[SIL_STATE_KEY]
    saved_leaves, restored_leaves = jax.tree_util.tree_leaves(saved), jax.tree_util.tree_leaves(backend.sil_opt_state)
    assert len(saved_leaves) == len(restored_leaves) > 2
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(saved_leaves, restored_leaves))
    assert int(backend.sil_opt_state[1][0].count) == len(rows) * cfg.kept.sil_steps  # every SIL step remembered
    (algorithm / rd.KEPT_FILE).write_bytes(b"\x80\x05garbage")
    backend.restore(algorithm)
    assert len(backend.kept) == 0 and any("damaged" in line for line in lines)
    # A checkpoint written before the SIL state was saved: the tree without it still restores, SIL Adam fresh.
    tree = ocp.PyTreeCheckpointer().restore((algorithm / rd.STATE_DIR).resolve())
    del tree[SIL_STATE_KEY]
    ocp.PyTreeCheckpointer().save((algorithm / rd.STATE_DIR).resolve(), tree, force=True)
    backend.restore(algorithm)
    assert int(backend.sil_opt_state[1][0].count) == 0
    assert sum("no SIL optimiser state" in line for line in lines) == 1


def test_rllib_backend_keeps_saves_and_restores(tmp_path):
    pytest.importorskip("ray.rllib")
    import torch

    from agents.backends.rllib import Backend, sil_optimizer_state
    from agents.loop import train

    (tmp_path / "kept.yaml").write_text(CURRICULUM)
    cfg = TrainConfig.from_dict({**TINY, "backend": "rllib", "timesteps": 256, "curriculum": str(tmp_path / "kept.yaml"),
                                 "rllib": {"num_envs_per_env_runner": 8, "num_cpus": 1}})  # fmt: skip
    run = tmp_path / "run"
    train(cfg, run, log=lambda line: None)
    state = _check_run(run, Backend, cfg)
    algorithm = rd.latest_checkpoint(run) / rd.ALGORITHM
    saved = torch.load(algorithm / rd.SIL_OPTIMIZER_FILE, map_location="cpu", weights_only=True)
    assert saved["state"] and all(float(s["step"]) > 0 for s in saved["state"].values())  # SIL steps ran and were saved
    lines: list[str] = []
    backend = Backend(cfg, run, None, lines.append)
    try:
        backend.restore(algorithm)
        assert [e.as_tuple() for e in backend.kept.entries()] == list(state["entries"])
        (restored,) = [r.get() for r in backend.algo.learner_group.foreach_learner(sil_optimizer_state, lr=cfg.ppo.lr)]
        assert restored["state"].keys() == saved["state"].keys()
        for index, moments in saved["state"].items():
            for name in ("exp_avg", "exp_avg_sq", "step"):
                assert torch.equal(restored["state"][index][name], moments[name]), (index, name)
        assert not any("SIL optimiser" in line for line in lines)
        # A checkpoint without the file (written before it was saved) still restores: a fresh Adam, one line.
        (algorithm / rd.SIL_OPTIMIZER_FILE).unlink()
        backend.restore(algorithm)
        (fresh,) = [r.get() for r in backend.algo.learner_group.foreach_learner(sil_optimizer_state, lr=cfg.ppo.lr)]
        assert fresh["state"] == {} and sum("no SIL optimiser state" in line for line in lines) == 1
        # After an iteration's SIL steps the env runners sample with the learner's weights (RLlib skipped that sync
        # while the weights' sequence number was unchanged)
        row = backend.iterate()
        assert row["sil_loss"] is not None
        assert_runners_hold_learner_weights(backend.algo)
    finally:
        backend.close()


def assert_runners_hold_learner_weights(algo) -> None:
    import torch
    from ray.rllib.core import DEFAULT_MODULE_ID

    def state(holder):
        return {k: v for k, v in holder.module[DEFAULT_MODULE_ID].get_state(inference_only=True).items()}

    (learner,) = [r.get() for r in algo.learner_group.foreach_learner(state)]
    runners = algo.env_runner_group.foreach_env_runner(lambda runner: runner.module.get_state(), local_env_runner=True)
    assert runners
    for runner in runners:
        assert runner.keys() == learner.keys()
        for key, value in learner.items():
            assert torch.equal(torch.as_tensor(runner[key]), torch.as_tensor(value)), key


def test_a_kept_episode_ends_with_stop_only_when_stop_ended_it():
    """Before end_on_pass every episode shorter than the cap had ended on STOP; now one can end on its last token."""
    pytest.importorskip("jax")
    from agents.backends.jax import episode_actions

    program = [3, 3, 5, 0, 0, 0, 0, 0]
    assert episode_actions(program, 3, 0) == (3, 3, 5, 0)  # STOP after `++.`
    assert episode_actions(program, 3, 5) == (3, 3, 5)  # end_on_pass on the `.`
    assert episode_actions([3] * 8, 8, 3) == (3,) * 8  # the length cap


def test_jax_backend_poses_end_on_pass_to_its_pool_and_replays(tmp_path):
    pytest.importorskip("jax")
    from agents.backends.jax import Backend

    (tmp_path / "kept.yaml").write_text(JAX_CURRICULUM)
    settings = {**TINY, "backend": "jax", "curriculum": str(tmp_path / "kept.yaml"), "execution": True,
                "jax": {"num_envs": 8, "pool_size": 4}}  # fmt: skip
    for end_on_pass in (True, False):
        cfg = TrainConfig.from_dict({**settings, "end_on_pass": end_on_pass})
        backend = Backend(cfg, tmp_path / f"run-{end_on_pass}", None, lambda line: None)
        assert backend.pool.params.end_on_pass is end_on_pass
        assert backend.replay_options().get("end_on_pass", False) is end_on_pass
