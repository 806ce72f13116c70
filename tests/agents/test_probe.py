"""agents.probe and the loop's probe: fixed held-out instances per entry, columns every probe_every iterations, the
scheduler's hooks (report_probe, note_time, probe_entries) and sync_scheduler, and a short real run of each backend."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from agents import loop
from agents import run_dir as rd
from agents.config import TrainConfig
from agents.probe import PROBE_COLUMNS, Probe, ProbeResult, entry_column, probed_specs
from curricula.heldout import content_key, content_space
from curricula.schedulers import StagedCurriculum, load_curriculum

REPO = Path(__file__).resolve().parents[2]
STOP, READ, WRITE = 0, 6, 5
"""Action ids of the canonical Brainfuck order: STOP, then > < + - . , [ ]."""


class EchoPolicy:
    """Writes `,.` then stops: passes echo-byte at every level, fails emit-char (it writes 0, not the target)."""

    def __init__(self):
        self.calls = 0

    def __call__(self, batch):
        self.calls += 1
        written = np.count_nonzero(np.asarray(batch["program"]), axis=-1)
        return np.array([(READ, WRITE, STOP)[min(int(n), 2)] for n in written])

    def act_batch(self, observations):
        return self({"program": np.stack([o["program"] for o in observations])})

    def act(self, observation):
        return int(self.act_batch([observation])[0])


class RecordingCurriculum(StagedCurriculum):
    """bf-basics with the probe hooks: records what the loop reports, and a time cap that moves on at the 3rd call."""

    def __init__(self, base: StagedCurriculum):
        super().__init__(base.name, base.stages, base.description)
        self.reports: list[dict[str, float]] = []
        self.times: list[float] = []

    def probe_entries(self):
        return [self.stages[4].mixture[-1].spec(4)]  # echo-byte L7: an earlier-learned entry with held-out content

    def report_probe(self, results):
        self.reports.append(dict(results))

    def note_time(self, elapsed_s: float) -> bool:
        self.times.append(float(elapsed_s))
        if len(self.times) == 3:
            self._move(self.stage + 1, "time cap")
            return True
        return False


def test_probe_instances_are_held_out_fixed_and_flagged_where_nothing_is_held_out():
    scheduler = load_curriculum("bf-basics")
    scheduler.stage = 5  # emit-small-byte: entries with and without held-out content
    probe = Probe(instances=8)
    specs = probed_specs(scheduler)
    assert [s.key for s in specs] == [e.key for e in scheduler.stages[5].mixture]
    held = 0
    for spec in specs:
        target, instances, heldout, _ = probe.plan(spec)
        space = content_space(spec.make_task())
        assert len(instances) == 8 and probe.plan(spec)[1] is instances  # chosen once, the same at every probe
        if space.has_heldout:
            held += 1
            assert heldout and all(space.holds_out(content_key(i)) for i in instances)
        else:
            assert not heldout
    assert held == 2  # echo-byte L7 and emit-char L1

    result = probe.run(EchoPolicy(), scheduler)
    assert result.rates["echo-byte@L7@bf"] == 1.0 and result.rates["emit-char@L1@bf"] == 0.0
    assert result.heldout_mean == 0.5  # the two held-out entries only
    assert set(result.fallback) == {s.key for s in specs} - {"echo-byte@L7@bf", "emit-char@L1@bf"}
    cells = result.columns()
    assert set(PROBE_COLUMNS) <= set(cells) and cells[entry_column("echo-byte@L0@bf")] == 1.0
    assert result.episodes == 8 * len(specs)


def test_probe_batches_entries_together():
    scheduler = load_curriculum("bf-basics")
    scheduler.stage = 3  # 4 entries x 8 instances = 32 episodes: one lockstep batch of 3 steps
    policy = EchoPolicy()
    Probe(instances=8).run(policy, scheduler)
    assert policy.calls == 3


class FakeBackend:
    """No framework: a real scheduler (RecordingCurriculum), the scripted greedy policy, a counter of syncs."""

    extra_columns = ()
    built: list[FakeBackend] = []

    def __init__(self, cfg, run_dir, scheduler_state, log):
        self.scheduler = RecordingCurriculum(load_curriculum("bf-basics"))
        self.syncs = 0
        self.policy = EchoPolicy()
        FakeBackend.built.append(self)

    def iterate(self):
        return {"timesteps": 10, "stage": self.scheduler.stage, "counts": {(0, "emit-char"): (4, 1)}}

    def greedy_policy(self):
        return self.policy

    def sync_scheduler(self):
        self.syncs += 1

    def save(self, folder):
        folder.mkdir(parents=True)
        (folder / "weights.json").write_text("{}")

    def restore(self, folder):
        pass

    def scheduler_state(self):
        return self.scheduler.state_dict()

    def close(self):
        pass


def test_loop_probes_every_n_iterations_and_calls_the_schedulers_hooks(monkeypatch, tmp_path):
    FakeBackend.built = []
    monkeypatch.setattr(loop, "backend_class", lambda name: FakeBackend)
    cfg = TrainConfig(timesteps=50, probe_every=2, probe_instances=4, checkpoint_every=100)
    lines: list[str] = []
    seen: list[dict] = []
    loop.train(cfg, tmp_path / "run", log=lines.append, should_stop=lambda row: seen.append(row) is not None)
    backend = FakeBackend.built[-1]
    rows = rd.read_progress(tmp_path / "run")
    assert [r["iteration"] for r in rows] == [1, 2, 3, 4, 5]
    for row in rows:
        probed = row["iteration"] in (2, 4)
        assert (row["probe_entries"] is not None) == probed and (row["probe_s"] is not None) == probed
    # iteration 2: stage 0 (emit-char L0, nothing held out) + probe_entries() (echo-byte L7, held out)
    assert rows[1]["probe_heldout"] == 1.0 and rows[1]["probe_fallback"] == "emit-char@L0@bf"
    assert rows[1][entry_column("emit-char@L0@bf")] == 0.0 and rows[1][entry_column("echo-byte@L7@bf")] == 1.0
    assert rows[0][entry_column("echo-byte@L7@bf")] is None
    # the time cap moved the stage at iteration 3: the loop synced the backend, and iteration 4 probed stage 1
    assert backend.syncs == 1 and rows[3]["stage"] == 1
    assert backend.scheduler.reports == [
        {"emit-char@L0@bf": 0.0, "echo-byte@L7@bf": 1.0},
        {"emit-char@L0@bf": 0.0, "echo-byte@L0@bf": 1.0, "echo-byte@L7@bf": 1.0},
    ]
    # note_time gets the run's total seconds after each iteration, a probe's time included
    assert backend.scheduler.times == pytest.approx([r["wall_s"] for r in rows], rel=1e-5)
    assert rows[1]["wall_s"] - rows[0]["wall_s"] >= rows[1]["probe_s"]
    assert sum("probe: held-out greedy 1.00" in line for line in lines) == 2

    # should_stop saw where the hooks left the scheduler: iteration 3 trained on stage 0, the time cap moved it on
    assert [(r["stage"], r["stage_after"]) for r in seen] == [(0, 0), (0, 0), (0, 1), (1, 1), (1, 1)]

    # A resume with the probe off probes no more, and keeps the probe values of the rows before it.
    loop.train(TrainConfig(timesteps=70, probe_every=0), tmp_path / "run", resume=True, log=lambda line: None)
    resumed = rd.read_progress(tmp_path / "run")
    assert [r["iteration"] for r in resumed] == [1, 2, 3, 4, 5, 6, 7]
    assert resumed[1]["probe_heldout"] == 1.0 and resumed[3][entry_column("echo-byte@L0@bf")] == 1.0
    assert resumed[5]["probe_entries"] is None and FakeBackend.built[-1].policy.calls == 0


def test_probe_off_without_hooks_or_with_probe_every_zero(monkeypatch, tmp_path):
    FakeBackend.built = []
    monkeypatch.setattr(loop, "backend_class", lambda name: FakeBackend)
    loop.train(TrainConfig(timesteps=30, probe_every=0), tmp_path / "off", log=lambda line: None)
    with (tmp_path / "off" / rd.PROGRESS).open() as handle:
        header = next(csv.reader(handle))
    assert not [c for c in header if c.startswith("probe")]
    assert FakeBackend.built[-1].policy.calls == 0 and len(FakeBackend.built[-1].scheduler.times) == 3
    with pytest.raises(ValueError, match="probe_every must be an integer >= 0"):
        TrainConfig(probe_every=-1).validate()


def test_probe_result_without_held_out_entries_has_no_mean():
    result = ProbeResult(rates={"a": 1.0}, heldout={"a": False}, episodes=4, seconds=0.1)
    assert result.heldout_mean is None and result.columns()["probe_fallback"] == "a"


# ----------------------------------------------------------------------------- short real runs of both backends

RUN = """
import json, sys
import curricula.schedulers as schedulers
from agents.config import TrainConfig
from agents.loop import train

load = schedulers.load_curriculum
log = {"reports": [], "times": []}

class Recording(schedulers.StagedCurriculum):
    def probe_entries(self):
        return [self.stages[4].mixture[-1].spec(4)]  # echo-byte L7: held-out content
    def report_probe(self, results):
        log["reports"].append(dict(results))
    def note_time(self, elapsed_s):
        log["times"].append(elapsed_s)
        return False

def recording(name):
    base = load(name)
    return Recording(base.name, base.stages, base.description) if name == "bf-basics" else base

schedulers.load_curriculum = recording
cfg = TrainConfig.from_dict({
    "curriculum": "bf-basics", "backend": sys.argv[1], "timesteps": 256, "max_program_length": 8,
    "checkpoint_every": 100, "probe_every": 2, "probe_instances": 8,
    "model": {"dim": 16, "heads": 2, "layers": 1, "window": 4, "top_k": 2, "hidden": 16},
    "ppo": {"train_batch_size": 64, "minibatch_size": 32, "num_epochs": 1},
    "rllib": {"num_envs_per_env_runner": 4, "num_cpus": 1},
    "jax": {"num_envs": 8, "pool_size": 4, "pool_refresh": 0, "verify_chunk": 32},
})
train(cfg, sys.argv[2], log=print)
print("HOOKS " + json.dumps(log))
"""


@pytest.mark.parametrize("backend", ["jax", "rllib"])
def test_a_short_real_run_probes_every_n_iterations(backend, tmp_path):
    pytest.importorskip("flax" if backend == "jax" else "ray.rllib")
    run = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1", RAY_USAGE_STATS_ENABLED="0")
    done = subprocess.run(
        [sys.executable, "-c", RUN, backend, str(run)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = rd.read_progress(run)
    assert [r["iteration"] for r in rows] == [1, 2, 3, 4]
    assert [r["probe_entries"] for r in rows] == [None, 2, None, 2]
    for row in rows[1::2]:
        assert row["probe_fallback"] == "emit-char@L0@bf" and 0 <= row["probe_heldout"] <= 1
        assert row[entry_column("echo-byte@L7@bf")] == row["probe_heldout"] and row["probe_s"] > 0
    hooks = json.loads(done.stdout.split("HOOKS ", 1)[1])
    assert [sorted(r) for r in hooks["reports"]] == [["echo-byte@L7@bf", "emit-char@L0@bf"]] * 2
    assert hooks["times"] == pytest.approx([r["wall_s"] for r in rows], rel=1e-5)


CURRENT = """
import tempfile
from pathlib import Path
import numpy as np
from ray.rllib.core import DEFAULT_MODULE_ID
from agents.config import TrainConfig
from agents.backends.rllib import Backend

cfg = TrainConfig.from_dict({
    "curriculum": "bf-basics", "max_program_length": 8,
    "model": {"dim": 16, "heads": 2, "layers": 1, "window": 4, "top_k": 2, "hidden": 16},
    "ppo": {"lr": 0.01, "train_batch_size": 64, "minibatch_size": 32, "num_epochs": 1},
    "rllib": {"num_envs_per_env_runner": 4, "num_cpus": 1},
})
backend = Backend(cfg, Path(tempfile.mkdtemp()), None, print)
try:
    learner = backend.algo.learner_group._learner.module[DEFAULT_MODULE_ID]
    before = [p.detach().numpy().copy() for p in backend.greedy_policy().module.parameters()]
    for _ in range(2):
        backend.iterate()
        policy = backend.greedy_policy()
        ours = [p.detach().numpy() for p in policy.module.parameters()]
        theirs = [p.detach().numpy() for p in learner.parameters()]
        assert len(ours) == len(theirs) and all(np.allclose(a, b) for a, b in zip(ours, theirs))
    assert any(not np.allclose(a, b) for a, b in zip(before, ours)), "the weights did not move"
    print("CURRENT OK")
finally:
    backend.close()
"""


def test_the_rllib_probe_policy_holds_the_learners_current_weights():
    pytest.importorskip("ray.rllib")
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1", RAY_USAGE_STATS_ENABLED="0")
    done = subprocess.run(
        [sys.executable, "-c", CURRENT], cwd=REPO, capture_output=True, text=True, timeout=600, env=env
    )
    assert done.returncode == 0 and "CURRENT OK" in done.stdout, done.stderr[-3000:]
