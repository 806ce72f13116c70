"""Issue 23 through `reasonenv train`: one line for every refusal before anything slow, and the real backends.

Fast (default suite): a dead --address, a truncated config.json, --resume
with flags that change what is trained, a bad curriculum YAML on both
backends, a bad --out, a run with no checkpoint, and (RLlib, tiny) a
damaged newest checkpoint skipped in favour of the previous one. Slow
(a real `ray start`, kill -9 of a real trainer): Ray processes a killed
trainer left are ended by the next one, TensorBoard matches progress.csv
after that resume, a joined cluster runs the env runners, and a damaged
JAX checkpoint falls back too. Every Ray here has its own temp folder;
its processes are killed by PID afterwards (never `ray stop`, which would
end every Ray on the machine).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from agents import processes
from agents import run_dir as rd
from agents.config import TrainConfig
from agents.ray_cleanup import ray_sessions

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
TINY = {
    "ppo": {"train_batch_size": 128, "minibatch_size": 64, "num_epochs": 1},
    "rllib": {"num_envs_per_env_runner": 4},
    "jax": {"num_envs": 8, "pool_size": 4, "pool_refresh": 1, "verify_chunk": 32},
    "checkpoint_every": 1,
    "max_program_length": 12,
    "model": {"dim": 16, "hidden": 32, "layers": 1, "heads": 2},
}


@pytest.fixture
def ray_temp():
    """A short private Ray temp folder; every process naming it (command line or open files) is SIGKILLed by PID after."""
    folder = tempfile.mkdtemp(prefix="ts", dir="/tmp")
    yield folder
    for pid in list(processes.pids()):
        if pid == os.getpid():
            continue
        if folder in " ".join(processes.command_line(pid)) or any(folder in p for p in processes.open_paths(pid)):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    shutil.rmtree(folder, ignore_errors=True)


def environment(ray_temp: str | None = None, folder: Path | None = None) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1", RAY_USAGE_STATS_ENABLED="0")
    env.pop("RAY_ADDRESS", None)
    if ray_temp is not None:
        env["RAY_TMPDIR"] = ray_temp
    if folder is not None:
        env["REASONENV_JAX_CACHE"] = str(folder / "jax_cache")
    return env


def train(*args: str, env: dict | None = None, timeout: float = 300, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-m", "reasonenv", "train", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env or environment(),
    )


def one_error_line(done: subprocess.CompletedProcess, *says: str) -> str:
    """The single stderr line of a refused `reasonenv train` (exit 2, no traceback), checked to contain `says`."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, (done.returncode, done.stdout[-2000:], done.stderr[-3000:])
    assert lines[0].startswith("reasonenv train: error: ") and "Traceback" not in done.stdout
    for text in says:
        assert text in lines[0], lines[0]
    return lines[0]


def tiny_config(folder: Path, **extra) -> str:
    path = folder / "tiny.json"
    path.write_text(json.dumps({**TINY, **extra}))
    return str(path)


def saved_run(folder: Path, **fields) -> Path:
    """A run directory holding only a config.json (what the refusals before any checkpoint read need)."""
    run = folder / "run"
    run.mkdir()
    (run / rd.CONFIG).write_text(json.dumps(TrainConfig(**fields).to_dict()))
    return run


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rows(run: Path) -> list[dict[str, str]]:
    with (run / rd.PROGRESS).open() as handle:
        return list(csv.DictReader(handle))


# --- refusals in one line, before anything slow -----------------------------------------------------------------------


def test_address_where_nothing_listens_fails_in_seconds_with_one_line(tmp_path):
    """Case 2: Ray's connect would retry 'Failed to connect to GCS' for good, deaf to Ctrl-C and SIGTERM."""
    port = free_port()
    started = time.perf_counter()
    done = train("--address", f"127.0.0.1:{port}", "--timesteps", "100", "--out", str(tmp_path))
    one_error_line(done, f"nothing listens at 127.0.0.1:{port}", f"ray start --head --port {port}")
    assert time.perf_counter() - started < 60  # Python start-up included; Ray never starts
    assert list(tmp_path.iterdir()) == []


def test_truncated_config_json_is_one_line_naming_it(tmp_path):
    """Case 4: a truncated config.json (and an empty one) is named, not a JSONDecodeError traceback."""
    run = saved_run(tmp_path)
    text = (run / rd.CONFIG).read_text()
    for cut, says in ((text[: len(text) // 2], "is not valid JSON"), ("", "is empty")):
        (run / rd.CONFIG).write_text(cut)
        one_error_line(train("--resume", str(run), "--timesteps", "100"), f"{run / rd.CONFIG} {says}")
    with pytest.raises(ValueError, match="config.json is not valid JSON") as info:
        (run / rd.CONFIG).write_text(text[:20])
        TrainConfig.load(run)
    assert "\n" not in str(info.value)


def test_resume_refuses_flags_that_change_what_is_trained(tmp_path):
    """Case 5: --model/--backend/--curriculum/--seed/--actions differing from the saved run are refused, not ignored."""
    run = saved_run(tmp_path, seed=2)
    for flag, value, saved in (
        ("--model", "gru", "'small-context'"),
        ("--backend", "jax", "'rllib'"),
        ("--curriculum", "mixed", "'bf-basics'"),
        ("--seed", "1", "2"),
        ("--actions", "index", "'pointer'"),
    ):
        line = one_error_line(train("--resume", str(run), flag, value), f"{flag} {value!r}".replace("'1'", "1"))
        assert f"differs from the run's {flag[2:]} {saved}" in line and "start a new run to change it" in line
    assert sorted(p.name for p in run.iterdir()) == [rd.CONFIG]


@pytest.mark.parametrize("backend", ["rllib", "jax"])
def test_a_bad_curriculum_yaml_is_one_line_on_both_backends(tmp_path, backend):
    """Case 6: the RLlib backend used to print a traceback from inside Ray."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nscheduler: staged\nstages:\n  - name: a\n    mixture: [{family: emit-char, level: 0}\n")
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(
        "name: u\nscheduler: staged\nlanguage: bf\nstages:\n  - name: a\n    mixture: [{family: nope}]\n"
    )
    for path, says in ((bad, "not valid YAML: line"), (unknown, "nope")):
        done = train(
            "--backend", backend, "--curriculum", str(path), "--timesteps", "100", "--out", str(tmp_path / "o")
        )
        one_error_line(done, str(path), says)
    assert not (tmp_path / "o").exists()


def test_bad_out_and_a_run_without_checkpoints_are_refused_before_ray(tmp_path):
    """Cases 10 and 1: an unwritable --out is found in a second; --resume of a run with no checkpoint never starts over."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    started = time.perf_counter()
    one_error_line(train("--timesteps", "100", "--out", str(afile)), f"--out {str(afile)!r} is a file")
    one_error_line(train("--timesteps", "100", "--out", str(afile / "runs")), "cannot be written")
    assert time.perf_counter() - started < 60
    run = saved_run(tmp_path)
    (run / rd.PROGRESS).write_text("iteration,timesteps\n1,100\n")
    one_error_line(train("--resume", str(run), "--timesteps", "100"), "has no checkpoint to resume from")
    assert (run / rd.PROGRESS).read_text() == "iteration,timesteps\n1,100\n"


# --- the real backends ----------------------------------------------------------------------------------------------


def _truncate_keeping_an_end_mark(path: Path) -> None:
    """Cut a pickle in half and end it with '.', the STOP opcode: only loading it finds the damage (the backend's check)."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + b".")


def test_rllib_resume_skips_a_damaged_newest_checkpoint_with_one_line(tmp_path, ray_temp):
    """Case 4 on RLlib: a damaged module_state.pkl used to end in a 38-line traceback; now the previous one is used."""
    pytest.importorskip("ray.rllib")
    env = environment(ray_temp)
    config = tiny_config(tmp_path)
    done = train("--timesteps", "300", "--config", config, "--out", str(tmp_path), "--name", "run", env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    run = tmp_path / "run"
    (newest, newest_dir), (previous, _) = rd.checkpoints_by_iteration(run)[:2]
    _truncate_keeping_an_end_mark(rd.rllib_module_dir(newest_dir) / "module_state.pkl")
    done = train("--resume", str(run), "--timesteps", "500", env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    skipped = [line for line in done.stdout.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == 1 and f"iter_{newest:06d} (algorithm/" in skipped[0], done.stdout
    assert "does not match its checksum (size changed)" in skipped[0], done.stdout
    assert f"resuming from iter_{previous:06d}" in skipped[0]
    assert f"from iter_{previous:06d}: iteration {previous}," in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    iterations = [int(r["iteration"]) for r in rows(run)]
    assert iterations == list(range(1, len(iterations) + 1)) and iterations[-1] > previous


@pytest.mark.slow
def test_jax_resume_skips_a_damaged_newest_checkpoint_with_one_line(tmp_path):
    """Case 4 on JAX: a truncated orbax array file used to end in a 557-line traceback."""
    pytest.importorskip("flax")
    env = environment(folder=tmp_path)
    config = tiny_config(tmp_path)
    done = train(
        "--backend", "jax", "--timesteps", "256", "--config", config, "--out", str(tmp_path), "--name", "run", env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run = tmp_path / "run"
    (newest, newest_dir), (previous, _) = rd.checkpoints_by_iteration(run)[:2]
    data = max((newest_dir / rd.ALGORITHM / rd.STATE_DIR).rglob("d/*"), key=lambda p: p.stat().st_size)
    data.write_bytes(data.read_bytes()[:100])
    done = train("--resume", str(run), "--timesteps", "384", env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    skipped = [line for line in done.stdout.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == 1 and f"iter_{newest:06d} (algorithm/state/" in skipped[0], done.stdout
    assert "does not match its checksum (size changed)" in skipped[0], done.stdout
    assert f"resuming from iter_{previous:06d}" in skipped[0] and "Traceback" not in done.stdout + done.stderr


def _session_processes(root: Path, pid: int) -> list[int]:
    return next((pids for session, pids in ray_sessions(root).items() if session.endswith(f"_{pid}")), [])


def _tensorboard_points(run: Path) -> int:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    count = 0
    for events in (run / rd.TENSORBOARD).glob("events.*"):
        accumulator = EventAccumulator(str(events))
        accumulator.Reload()
        if "charts/mean_return" in accumulator.Tags()["scalars"]:
            count += len(accumulator.Scalars("charts/mean_return"))
    return count


@pytest.mark.slow
def test_kill_9_leftovers_are_ended_by_the_next_trainer_and_tensorboard_matches_the_csv(tmp_path, ray_temp):
    """Cases 7 and 8 with a real trainer: kill -9 leaves DashboardAgent and RuntimeEnvAgent; the resume ends them."""
    pytest.importorskip("ray.rllib")
    pytest.importorskip("tensorboard")
    env = environment(ray_temp)
    root = Path(ray_temp) / "ray"
    run = tmp_path / "run"
    first = subprocess.Popen(
        [PYTHON, "-m", "reasonenv", "train", "--config", tiny_config(tmp_path, checkpoint_every=2)]
        + ["--out", str(tmp_path), "--name", "run", "--timesteps", "1000000"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.time() + 240
        while time.time() < deadline and first.poll() is None:
            done_rows = len(rows(run)) if (run / rd.PROGRESS).is_file() else 0
            if done_rows >= 3 and done_rows % 2:  # checkpoint 2 written, iteration 3 past it
                break
            time.sleep(0.1)
        ray_processes = _session_processes(root, first.pid)
        assert ray_processes, "the trainer's Ray session has no processes"
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    deadline = time.time() + 60
    while time.time() < deadline:  # GCS and raylet follow the driver; the agents stay
        left = [p for p in _session_processes(root, first.pid) if processes.is_alive(p)]
        if sorted((processes.command_line(p) or [""])[0] for p in left) == [
            "ray::DashboardAgent",
            "ray::RuntimeEnvAgent",
        ]:
            break  # (idle workers notice the raylet is gone and end on their own)
        time.sleep(0.5)
    assert len(left) == 2, [processes.command_line(p) for p in left]
    assert len(rows(run)) > max(n for n, _ in rd.checkpoints_by_iteration(run))  # rows past the checkpoint

    saved = max(n for n, _ in rd.checkpoints_by_iteration(run))
    done = train("--resume", str(run), "--timesteps", str(int(rows(run)[saved - 1]["timesteps"]) + 300), env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "ended 2 Ray processes left by a killed trainer" in done.stdout, done.stdout[-3000:]
    assert not any(processes.is_alive(p) for p in left)
    assert _tensorboard_points(run) == len(rows(run))  # case 8: the killed iterations left no points
    iterations = [int(r["iteration"]) for r in rows(run)]
    assert iterations == list(range(1, len(iterations) + 1))
    time.sleep(2)
    assert not [p for pids in ray_sessions(root).values() for p in pids]  # the resumed trainer left nothing either


@pytest.mark.slow
def test_joining_a_cluster_runs_env_runners_on_it(tmp_path, ray_temp):
    """Case 9: a real `ray start --head`; without --num-env-runners the trainer sizes env runners to its free CPUs."""
    pytest.importorskip("ray.rllib")
    env = environment(ray_temp)
    port = free_port()
    ray = str(Path(PYTHON).with_name("ray"))
    started = subprocess.run(
        [ray, "start", "--head", "--port", str(port), "--num-cpus", "2", "--node-ip-address", "127.0.0.1",
         "--temp-dir", ray_temp, "--include-dashboard=false", "--disable-usage-stats"],
        capture_output=True, text=True, timeout=180, env=env,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr[-3000:]
    done = train(
        "--address", f"127.0.0.1:{port}", "--timesteps", "300", "--config", tiny_config(tmp_path),
        "--out", str(tmp_path), "--name", "run", env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "cluster: 1 env runner (the cluster's 2 free CPUs minus one for the driver" in done.stdout, done.stdout
    # The env runner ran as an actor of the cluster: its worker log sits in the cluster's session folder.
    logs = list(Path(ray_temp).glob("session_*/logs/worker-*"))
    assert any("SingleAgentEnvRunner" in p.read_text(errors="replace") for p in logs if p.is_file()), logs
    assert int(rows(tmp_path / "run")[-1]["timesteps"]) >= 300
    config = json.loads((tmp_path / "run" / rd.CONFIG).read_text())
    assert config["rllib"]["num_env_runners"] is None  # sized where it runs: a local resume samples in the driver
