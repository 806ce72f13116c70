"""Issue 23 end to end through agents.loop, fast: real trainer processes (a framework-free backend), real kill -9.

Each trainer is a subprocess running agents.loop.train with FakeBackend
(below, written to a module the subprocess imports by name); it sleeps a
little per iteration so that a test can kill it with SIGKILL between
checkpoints. What the loop does around the backend (claim, resume by
content, set aside, rewind, TensorBoard, file modes, temp clean-up) is the
code under test; the real backends are covered in
tests/reasonenv/test_train_safety.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agents import run_dir as rd
from agents.run_lock import LOCK, read_holder

REPO = Path(__file__).resolve().parents[2]

FAKE_BACKEND = '''
"""A backend without a framework: 10 steps and 4 episodes of emit-char per iteration, weights in weights.json."""
import json, os, time
from pathlib import Path


class Backend:
    extra_columns = ()

    def __init__(self, cfg, run_dir, scheduler_state, log):
        self.state = dict(scheduler_state or {"stage": 0, "iterations": 0})
        self.delay = float(os.environ.get("FAKE_DELAY", "0"))

    def iterate(self):
        time.sleep(self.delay)
        self.state["iterations"] += 1
        return {"timesteps": 10, "stage": 0, "counts": {(0, "emit-char"): (4, 1)}, "mean_return": 0.5}

    def save(self, folder):
        folder.mkdir(parents=True)
        (folder / "weights.json").write_text(json.dumps(self.state))

    def restore(self, folder):
        self.state = json.loads((folder / "weights.json").read_text())

    @staticmethod
    def check_checkpoint(checkpoint):
        json.loads((Path(checkpoint) / "algorithm" / "weights.json").read_text())

    def scheduler_state(self):
        return dict(self.state)

    def close(self):
        pass
'''

TRAINER = """
import json, sys
from agents import loop
from agents.config import TrainConfig
loop.BACKEND_MODULES["jax"] = "fake_backend"
cfg = TrainConfig.from_dict({"backend": "jax", "checkpoint_every": 3, **json.loads(sys.argv[2])})
try:
    loop.train(cfg, sys.argv[1], resume=sys.argv[3] == "resume", log=lambda line: print(line, flush=True))
except ValueError as err:
    print(err, file=sys.stderr)
    sys.exit(2)
"""


@pytest.fixture
def trainer(tmp_path):
    """start(run, config overrides, resume=False, delay=0.0) -> Popen of a fake-backend trainer; all killed at the end."""
    (tmp_path / "fake_backend.py").write_text(FAKE_BACKEND)
    started: list[subprocess.Popen] = []

    def start(run: Path, config: dict, resume: bool = False, delay: float = 0.0, umask: int | None = None):
        env = dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{tmp_path}", FAKE_DELAY=str(delay))
        process = subprocess.Popen(
            [sys.executable, "-c", TRAINER, str(run), json.dumps(config), "resume" if resume else "new"],
            cwd=REPO,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[str, str]:
    out, err = process.communicate(timeout=timeout)
    return out, err


def wait_for_checkpoint(run: Path, iteration: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [n for n, _ in rd.checkpoints_by_iteration(run)]
        if found and found[0] >= iteration:
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError(f"no checkpoint at iteration {iteration} within {timeout} s")


def kill_9_past_a_checkpoint(run: Path, process: subprocess.Popen, iteration: int, points: bool = False) -> None:
    """SIGKILL the trainer (no clean-up runs) once it has written rows past checkpoint `iteration` or a later one;
    with `points`, only once TensorBoard has flushed a point for each of those rows too (its writer flushes a moment
    after the CSV row, so a kill in between would leave nothing past the checkpoint to rewind there)."""
    deadline = time.time() + 120
    while time.time() < deadline:
        rows = len(rd.read_progress(run))
        past = rows > iteration and rows % 3  # checkpoint_every=3: past one checkpoint, before the next
        if past and (not points or len(tensorboard_points(run)) >= rows):
            break
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def tensorboard_points(run: Path) -> list[int]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    steps = []
    for events in sorted((run / rd.TENSORBOARD).glob("events.*")):
        accumulator = EventAccumulator(str(events))
        accumulator.Reload()
        if "charts/mean_return" in accumulator.Tags()["scalars"]:
            steps += [event.step for event in accumulator.Scalars("charts/mean_return")]
    return sorted(steps)


# --- 1 and 8: kill -9, a rolled-back or pointer-less run resumes from its newest complete checkpoint ---------------


def test_kill_9_then_resume_without_latest_json_continues_and_rewinds_csv_and_tensorboard(tmp_path, trainer):
    pytest.importorskip("torch.utils.tensorboard")
    pytest.importorskip("tensorboard")
    run = tmp_path / "run"
    first = trainer(run, {}, delay=0.3)  # no budget: only the kill ends it
    kill_9_past_a_checkpoint(run, first, 6, points=True)
    saved = max(n for n, _ in rd.checkpoints_by_iteration(run))
    assert len(rd.read_progress(run)) > saved and len(tensorboard_points(run)) > saved  # killed iterations' points
    assert read_holder(run)["pid"] == first.pid  # the dead trainer's lock is still there
    (run / rd.CHECKPOINTS / rd.LATEST).unlink()  # issue 23, case 1: the pointer is gone

    second = trainer(run, {"timesteps": (saved + 4) * 10}, resume=True)
    out, err = finish(second)
    assert second.returncode == 0, err[-3000:]
    assert f"took over the stale lock of {run}: PID {first.pid}" in out
    assert f"resumed {run} from iter_{saved:06d}: iteration {saved}," in out
    iterations = [r["iteration"] for r in rd.read_progress(run)]
    assert iterations == list(range(1, saved + 5))  # continued, not restarted; killed rows dropped, not doubled
    assert tensorboard_points(run) == [10 * i for i in iterations]  # case 8: one point per CSV row
    newest = [n for n, _ in rd.checkpoints_by_iteration(run)]
    latest = json.loads((run / rd.CHECKPOINTS / rd.LATEST).read_text())["checkpoint"]
    assert newest[0] == saved + 4 and latest == f"iter_{saved + 4:06d}" and (run / rd.CHECKPOINTS / latest).is_dir()


def test_rolling_back_by_deleting_the_newest_checkpoint_resumes_from_the_one_before(tmp_path, trainer):
    run = tmp_path / "run"
    out, err = finish(trainer(run, {"timesteps": 90, "keep_checkpoints": 3}))  # checkpoints 3, 6, 9
    assert [n for n, _ in rd.checkpoints_by_iteration(run)] == [9, 6, 3], err
    shutil.rmtree(run / rd.CHECKPOINTS / "iter_000009")  # roll back; latest.json now names a deleted folder
    out, err = finish(trainer(run, {"timesteps": 80, "keep_checkpoints": 3}, resume=True))
    assert "resumed" in out and "from iter_000006: iteration 6," in out, out + err
    assert [r["iteration"] for r in rd.read_progress(run)] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [n for n, _ in rd.checkpoints_by_iteration(run)] == [8, 6, 3]
    assert json.loads((run / rd.CHECKPOINTS / rd.LATEST).read_text())["checkpoint"] == "iter_000008"


def test_resume_with_no_usable_checkpoint_refuses_and_changes_nothing(tmp_path, trainer):
    run = tmp_path / "run"
    finish(trainer(run, {"timesteps": 60}))
    for _, checkpoint in rd.checkpoints_by_iteration(run):
        (checkpoint / rd.SCHEDULER).write_text('{"sta')  # truncated
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    process = trainer(run, {"timesteps": 200}, resume=True)
    out, err = finish(process)
    assert process.returncode == 2 and len(err.strip().splitlines()) == 1, err
    assert "has no usable checkpoint: iter_000006 (scheduler.json is not valid JSON" in err
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before  # no rows overwritten, no restart


# --- 3: one writer per run ------------------------------------------------------------------------------------------


def test_a_second_trainer_on_a_live_run_is_refused_in_one_line(tmp_path, trainer):
    run = tmp_path / "run"
    first = trainer(run, {}, delay=0.05)
    wait_for_checkpoint(run, 3, first)
    for resume in (True, False):  # `--resume RUN` and a new run with the same --name
        second = trainer(run, {"seed": 1, "model": {"name": "gru"}}, resume=resume)
        out, err = finish(second)
        assert second.returncode == 2 and len(err.strip().splitlines()) == 1, err
        assert ("in use by PID" if resume else "exists already") in err
    assert json.loads((run / rd.CONFIG).read_text())["model"]["name"] == "small-context"  # untouched
    first.send_signal(signal.SIGTERM)  # the graceful stop: a final checkpoint, the lock released
    out, _ = finish(first)
    assert first.returncode == 0 and "SIGTERM: stopping after iteration" in out
    assert not (run / LOCK).exists()


# --- 4: truncated files fall back to the previous checkpoint with one line ------------------------------------------


@pytest.mark.parametrize(
    "damage, reason",
    [
        ("algorithm/weights.json", "algorithm/weights.json is not valid JSON"),
        ("scheduler.json", "scheduler.json is not valid JSON"),
    ],
)
def test_a_truncated_checkpoint_file_falls_back_to_the_previous_checkpoint(tmp_path, trainer, damage, reason):
    run = tmp_path / "run"
    finish(trainer(run, {"timesteps": 60}))
    target = run / rd.CHECKPOINTS / "iter_000006" / damage
    target.write_bytes(target.read_bytes()[:5])
    (run / rd.CHECKPOINTS / rd.LATEST).write_text('{"checkp')  # and a truncated pointer
    out, err = finish(trainer(run, {"timesteps": 90}, resume=True))
    skipped = [line for line in out.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == 1 and f"iter_000006 ({reason}" in skipped[0] and "resuming from iter_000003" in skipped[0]
    assert "Traceback" not in out + err
    assert (run / rd.CHECKPOINTS / "skipped_iter_000006").is_dir()  # set aside, not deleted, never picked again
    assert [r["iteration"] for r in rd.read_progress(run)] == list(range(1, 10))


# --- 10: file modes follow the umask; stale temps are removed --------------------------------------------------------


def test_run_files_follow_the_umask_and_stale_temps_are_removed(tmp_path, trainer):
    run = tmp_path / "run"
    out, err = finish(trainer(run, {"timesteps": 30}, umask=0o027))
    assert "Traceback" not in err, err
    files = [
        run / rd.CONFIG,
        run / rd.PROGRESS,
        run / rd.SUMMARY,
        run / rd.CHECKPOINTS / rd.LATEST,
        run / rd.CHECKPOINTS / "iter_000003" / rd.SCHEDULER,
    ]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, (path, oct(path.stat().st_mode))  # not 0600
    assert stat.S_IMODE((run / rd.CHECKPOINTS / "iter_000003").stat().st_mode) == 0o750
    stale = [run / rd.CHECKPOINTS / ".latest.json.1a2b.tmp", run / ".progress.csv.3c4d.tmp"]
    for path in stale:
        path.write_text("partial")
    (run / rd.CHECKPOINTS / ".iter_000009.5e6f.tmp").mkdir()
    finish(trainer(run, {"timesteps": 40}, resume=True))
    assert not any(p.exists() for p in stale) and not (run / rd.CHECKPOINTS / ".iter_000009.5e6f.tmp").exists()
    assert not list(run.rglob("*.tmp"))


def test_a_new_run_may_use_a_folder_made_beforehand_but_never_a_used_one(tmp_path, trainer):
    run = tmp_path / "run"
    run.mkdir()  # as a caller that prepares its output folders does
    (run / "curriculum.yaml").write_text("prepared by the caller\n")  # not a run's own file
    out, err = finish(trainer(run, {"timesteps": 30}))
    assert "Traceback" not in err and rd.latest_checkpoint(run) is not None, err
    process = trainer(run, {"timesteps": 30})
    _, err = finish(process)
    assert process.returncode == 2 and "exists already" in err and len(err.strip().splitlines()) == 1
