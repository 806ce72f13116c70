"""agents.loop: budget (programs, timesteps), checkpoint cadence, resume rewinds rows, stop on signal, and both backends
writing the same progress.csv columns and config.json through it."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from agents import loop
from agents import run_dir as rd
from agents.config import TrainConfig

REPO = Path(__file__).resolve().parents[2]
CURRICULUM = """
name: loop-tiny
scheduler: staged
language: bf
promotion: {threshold: 0.7, window: 64}
stages:
  - name: first
    mixture: [{family: emit-char, level: 0}]
  - name: second
    mixture: [{family: echo-byte, level: 0}]
"""


class FakeBackend:
    """A backend with no framework: 10 steps and 4 episodes (1 success) of emit-char per iteration."""

    extra_columns = ("fake_extra",)
    built: list[FakeBackend] = []

    def __init__(self, cfg, run_dir, scheduler_state, log):
        self.state = dict(scheduler_state or {"stage": 0, "iterations": 0})
        self.restored: Path | None = None
        self.closed = False
        self.on_iterate = None
        FakeBackend.built.append(self)

    def iterate(self):
        self.state["iterations"] += 1
        if self.on_iterate is not None:
            self.on_iterate(self.state["iterations"])
        return {"timesteps": 10, "stage": 0, "counts": {(0, "emit-char"): (4, 1)}, "kl": 0.01, "fake_extra": 7}

    def save(self, folder):
        folder.mkdir(parents=True)
        (folder / "weights.json").write_text(json.dumps(self.state))

    def restore(self, folder):
        self.restored = folder
        self.state = json.loads((folder / "weights.json").read_text())

    def scheduler_state(self):
        return dict(self.state)

    def close(self):
        self.closed = True


@pytest.fixture
def fake(monkeypatch):
    FakeBackend.built = []
    monkeypatch.setattr(loop, "backend_class", lambda name: FakeBackend)
    return FakeBackend


def test_programs_budget_cadence_and_files(fake, tmp_path):
    cfg = TrainConfig(programs=18, checkpoint_every=2, keep_checkpoints=2)
    lines: list[str] = []
    last = loop.train(cfg, tmp_path / "run", log=lines.append)
    run = tmp_path / "run"
    assert last["iteration"] == 5 and last["timesteps"] == 50  # 4 episodes per iteration: 20 >= 18 after 5
    rows = rd.read_progress(run)
    assert [r["iteration"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["success"] == 0.25 and rows[0]["episodes/emit-char"] == 4 and rows[0]["fake_extra"] == 7
    header = (run / rd.PROGRESS).read_text().splitlines()[0].split(",")
    assert header[: len(loop.COMMON_COLUMNS)] == list(loop.COMMON_COLUMNS) and "fake_extra" in header
    assert sorted(p.name for p in (run / rd.CHECKPOINTS).glob("iter_*")) == ["iter_000004", "iter_000005"]
    assert json.loads((rd.latest_checkpoint(run) / rd.PROGRESS_STATE).read_text())["programs"] == 20
    assert TrainConfig.load(run) == cfg and not (run / "jax_settings.json").exists()
    assert (run / rd.SUMMARY).is_file() and any(line.startswith("iter    5") for line in lines)
    assert fake.built[-1].closed


def test_resume_restores_rewinds_rows_and_counts_totals(fake, tmp_path):
    run = tmp_path / "run"
    loop.train(TrainConfig(timesteps=40, checkpoint_every=3), run, log=lambda line: None)
    # A row past the last checkpoint, as a killed run leaves it: the resume must drop it.
    rows = rd.read_progress(run)
    rd.write_progress(run, rows + [dict(rows[-1], iteration=5)], loop.progress_columns(["emit-char"], ("fake_extra",)))
    last = loop.train(TrainConfig(timesteps=60, checkpoint_every=3), run, resume=True, log=lambda line: None)
    assert fake.built[-1].restored is not None and fake.built[-1].restored.parent.name == "iter_000004"
    assert [r["iteration"] for r in rd.read_progress(run)] == [1, 2, 3, 4, 5, 6]
    assert last["timesteps"] == 60


def test_sigterm_stops_after_the_iteration_with_a_final_checkpoint(fake, tmp_path):
    run = tmp_path / "run"

    def send_on_second(iteration):
        if iteration == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    original = FakeBackend.__init__

    def init(self, *args):
        original(self, *args)
        self.on_iterate = send_on_second

    FakeBackend.__init__ = init  # type: ignore[method-assign]
    try:
        lines: list[str] = []
        last = loop.train(
            TrainConfig(checkpoint_every=100), run, log=lines.append
        )  # no budget: only the signal ends it
    finally:
        FakeBackend.__init__ = original  # type: ignore[method-assign]
    assert last["iteration"] == 2 and any(line.startswith("SIGTERM: stopping after iteration 2") for line in lines)
    assert rd.latest_checkpoint(run).name == "iter_000002"
    assert signal.getsignal(signal.SIGTERM) is not None  # the previous handler is back


def test_should_stop_ends_early(fake, tmp_path):
    last = loop.train(
        TrainConfig(timesteps=1000),
        tmp_path / "run",
        log=lambda line: None,
        should_stop=lambda row: row["iteration"] == 3,
    )
    assert last["iteration"] == 3 and rd.latest_checkpoint(tmp_path / "run").name == "iter_000003"


TRAIN = """
import json, sys
from agents.config import TrainConfig
from agents.loop import train
cfg = TrainConfig.from_dict({
    "curriculum": sys.argv[1], "backend": sys.argv[2], "timesteps": 128, "max_program_length": 8, "checkpoint_every": 1,
    "model": {"dim": 16, "heads": 2, "layers": 1, "window": 4, "top_k": 2, "hidden": 16},
    "ppo": {"train_batch_size": 64, "minibatch_size": 32, "num_epochs": 1},
    "rllib": {"num_envs_per_env_runner": 4, "num_cpus": 1},
    "jax": {"num_envs": 8, "pool_size": 4, "pool_refresh": 1, "verify_chunk": 32},
    **json.loads(sys.argv[4]),
})
train(cfg, sys.argv[3], log=print)
"""


def _train(backend: str, curriculum: Path, run: Path, **overrides) -> str:
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1", RAY_USAGE_STATS_ENABLED="0")
    env["REASONENV_JAX_CACHE"] = str(run.parent / "jax_cache")
    done = subprocess.run(
        [sys.executable, "-c", TRAIN, str(curriculum), backend, str(run), json.dumps(overrides)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _weights(run: Path) -> list:
    """The network weights of a run's latest checkpoint as a flat list of numpy arrays (either backend)."""
    import numpy as np

    from agents import policies

    checkpoint = rd.latest_checkpoint(run)
    if policies.is_jax_checkpoint(checkpoint):
        import jax

        return [np.asarray(x) for x in jax.tree_util.tree_leaves(policies.load_jax_params(checkpoint)[1])]
    module = policies.load_rllib_policy(checkpoint).module
    return [p.detach().numpy().copy() for p in module.parameters()]


def test_both_backends_write_the_same_columns_and_config_and_start_from_init_from(tmp_path):
    import numpy as np

    pytest.importorskip("ray.rllib")
    pytest.importorskip("flax")
    curriculum = tmp_path / "loop-tiny.yaml"
    curriculum.write_text(CURRICULUM)
    headers, configs = {}, {}
    for backend in ("jax", "rllib"):
        run = tmp_path / backend
        _train(backend, curriculum, run)
        with (run / rd.PROGRESS).open() as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            own = ("env_runner_restarts", "passing_program")  # the RLlib backend's extra_columns
            headers[backend] = [c for c in reader.fieldnames or [] if c not in own]
        assert rows and int(rows[-1]["timesteps"]) >= 128 and float(rows[-1]["episodes/emit-char"]) > 0
        assert rd.latest_checkpoint(run) is not None and (run / rd.SUMMARY).is_file()
        configs[backend] = json.loads((run / rd.CONFIG).read_text())
        # Another seed (other initial weights), a learning rate too small to move them: what it saved is what it loaded.
        started = tmp_path / f"{backend}-init"
        out = _train(
            backend,
            curriculum,
            started,
            seed=1,
            timesteps=64,
            init_from=str(run),
            ppo={"lr": 1e-9, "train_batch_size": 64, "minibatch_size": 32, "num_epochs": 1},
        )
        assert "network weights from" in out
        source, loaded = _weights(run), _weights(started)
        assert len(source) == len(loaded)
        for a, b in zip(source, loaded):
            np.testing.assert_allclose(a, b, atol=1e-5)
    assert headers["jax"] == headers["rllib"]
    assert configs["jax"].keys() == configs["rllib"].keys() == TrainConfig().to_dict().keys()
    assert {k: v for k, v in configs["jax"].items() if k != "backend"} == {
        k: v for k, v in configs["rllib"].items() if k != "backend"
    }
