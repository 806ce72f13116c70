"""`reasonenv train` end to end on tiny budgets: run directory files, load_policy, resume after kill -9, cluster join, bad arguments.

Every training run is a subprocess with its own Ray temp folder; every
process it leaves (Ray's raylet, GCS, workers) is found by that folder in
its command line and killed by pid, so no test touches another Ray.
"""

from __future__ import annotations

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

pytest.importorskip("torch")
pytest.importorskip("ray.rllib")

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
TINY = {
    "ppo": {"train_batch_size": 128, "minibatch_size": 64, "num_epochs": 1},
    "rllib": {"num_envs_per_env_runner": 4},
    "checkpoint_every": 1,
    "max_program_length": 12,
    "model": {"dim": 16, "hidden": 32, "layers": 1, "heads": 2},
}
# Stage 0 promotes on its first success; stage 1 never promotes: a resumed run must stay at stage 1.
TWO_STAGES = """
name: two-stages
scheduler: staged
language: bf
stages:
  - name: emit
    promotion: {threshold: 0.01, window: 1}
    mixture: [{family: emit-char, level: 0}]
  - name: echo
    promotion: {threshold: 1.0, window: 100000}
    mixture: [{family: echo-byte, level: 0}]
"""


@pytest.fixture
def ray_temp():
    """A short, unique Ray temp folder (Unix socket paths must stay short); its processes are killed afterwards."""
    folder = tempfile.mkdtemp(prefix="rt", dir="/tmp")
    yield folder
    kill_processes_mentioning(folder)
    shutil.rmtree(folder, ignore_errors=True)


def _open_files(entry: Path) -> list[str]:
    try:
        return [os.readlink(link) for link in (entry / "fd").iterdir()]
    except OSError:
        return []


def kill_processes_mentioning(text: str) -> None:
    """SIGKILL every process whose command line or open files contain `text` (a unique temp folder), by pid.

    Open files count too: Ray retitles its agents (`ray::DashboardAgent`),
    which overwrites the command line, but they keep their logs in the folder open.
    """
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline or any(text in path for path in _open_files(entry)):
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                pass


def environment(ray_temp: str) -> dict[str, str]:
    env = dict(os.environ, RAY_TMPDIR=ray_temp, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1", RAY_USAGE_STATS_ENABLED="0")
    env.pop("RAY_ADDRESS", None)
    return env


def train_command(*args: str) -> list[str]:
    return [PYTHON, "-m", "reasonenv", "train", *args]


def tiny_config(folder: Path, **extra) -> Path:
    path = folder / "tiny.json"
    path.write_text(json.dumps({**TINY, **extra}))
    return path


def start_tiny_run(folder: Path, ray_temp: str, *args: str, capture: bool = False) -> subprocess.Popen:
    """`reasonenv train` of the tiny config into folder/run, in its own session (so a test can kill it as a group)."""
    command = train_command(*args, "--config", str(tiny_config(folder)), "--out", str(folder), "--name", "run")
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        command,
        stdout=output,
        stderr=subprocess.STDOUT if capture else subprocess.DEVNULL,
        text=True,
        cwd=REPO,
        env=environment(ray_temp),
        start_new_session=True,
    )


def test_bad_arguments_get_one_line_and_create_nothing(tmp_path):
    out = tmp_path / "runs"
    cases = [
        (["--curriculum", "no-such-curriculum"], "unknown curriculum 'no-such-curriculum'"),
        (["--model", "transformer-xl"], "model.name must be one of small-context"),
        (["--backend", "jax", "--action-slots", "16"], "the JAX backend cannot pad action slots"),
        (["--programs", "0"], "--programs must be a positive number"),
        (["--resume", str(tmp_path / "missing")], "is not a run directory"),
        (["--budget", "0"], "must be longer than 0 seconds"),
        (["--budget", "soon"], "is not a duration"),
        (["--exploration-floor", "1.5"], "exploration_floor must be a number in [0, 1)"),
    ]
    for args, message in cases:
        done = subprocess.run(
            train_command(*args, "--out", str(out)), capture_output=True, text=True, timeout=120, cwd=REPO
        )
        assert done.returncode == 2, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("reasonenv train: error:") and message in lines[0], (
            args,
            done.stderr,
        )
    assert not out.exists()


def test_train_writes_the_run_directory_and_load_policy_acts(tmp_path, ray_temp):
    done = subprocess.run(
        train_command(
            "--timesteps",
            "300",
            "--config",
            str(tiny_config(tmp_path)),
            "--out",
            "runs",  # relative, as `make demo` passes it: RLlib and orbax need it resolved
            "--name",
            "run",
            "--seed",
            "3",
        ),
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
        env=environment(ray_temp),
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    run = tmp_path / "runs" / "run"
    config = json.loads((run / "config.json").read_text())
    assert (
        config["seed"] == 3 and config["ppo"]["train_batch_size"] == 128 and config["model"]["name"] == "small-context"
    )
    rows = (run / "progress.csv").read_text().splitlines()
    header = rows[0].split(",")
    for column in (
        "timesteps",
        "wall_s",
        "stage",
        "mean_return",
        "success/emit-char",
        "kl",
        "entropy",
        "vf_explained_var",
        "clip_fraction",
    ):
        assert column in header
    assert len(rows) - 1 >= 2 and int(rows[-1].split(",")[header.index("timesteps")]) >= 300
    assert (run / "learning_curve.png").stat().st_size > 1000
    assert "| family |" in (run / "summary.md").read_text() and "| family |" in done.stdout
    assert "stage 0/" in done.stdout and "steps/s" in done.stdout  # the live progress line
    assert any((run / "tensorboard").iterdir())
    latest = json.loads((run / "checkpoints" / "latest.json").read_text())["checkpoint"]
    assert json.loads((run / "checkpoints" / latest / "scheduler.json").read_text())["name"] == "bf-basics"

    import gymnasium as gym

    import reasonenv  # noqa: F401
    from agents.policies import load_policy
    from reasonenv.policy import Policy, run_episode

    for path in (run, run / "checkpoints" / latest):
        policy = load_policy(path)
        assert isinstance(policy, Policy)
        env = gym.make("reasonenv/Curriculum-v0", curriculum="bf-basics", max_program_length=12)
        observation, _ = env.reset(seed=0)
        action = policy.act(observation)
        assert observation["action_mask"][action] == 1
        episode = run_episode(env, policy, seed=1)
        assert 0 <= episode.length <= 12
    with pytest.raises(ValueError, match="neither a run directory"):
        load_policy(tmp_path)


def _rows(run: Path) -> list[dict[str, str]]:
    import csv

    path = run / "progress.csv"
    if not path.is_file():
        return []
    with path.open() as handle:
        return list(csv.DictReader(handle))


def test_resume_after_kill_9_continues_at_the_same_stage(tmp_path, ray_temp):
    curriculum = tmp_path / "two-stages.yaml"
    curriculum.write_text(TWO_STAGES)
    run = tmp_path / "run"
    process = start_tiny_run(tmp_path, ray_temp, "--curriculum", str(curriculum), "--timesteps", "1000000")
    try:
        deadline = time.time() + 240
        checkpoint_stage = None
        while time.time() < deadline and process.poll() is None:
            pointer = run / "checkpoints" / "latest.json"
            if pointer.is_file():
                name = json.loads(pointer.read_text())["checkpoint"]
                state = json.loads((run / "checkpoints" / name / "scheduler.json").read_text())
                if state["stage"] == 1:
                    checkpoint_stage = 1
                    break
            time.sleep(0.5)
        assert checkpoint_stage == 1, "no checkpoint at stage 1 within the deadline"
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # kill -9 the trainer and whatever it started in its session
        process.wait(timeout=30)
        kill_processes_mentioning(ray_temp)
    saved = json.loads(
        (
            run
            / "checkpoints"
            / json.loads((run / "checkpoints" / "latest.json").read_text())["checkpoint"]
            / "progress.json"
        ).read_text()
    )

    done = subprocess.run(
        train_command("--resume", str(run), "--timesteps", str(saved["timesteps"] + 200)),
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
        env=environment(ray_temp),
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"iteration {saved['iteration']}," in done.stdout and "stage 1" in done.stdout
    resumed = [r for r in _rows(run) if int(r["iteration"]) > saved["iteration"]]
    assert resumed and all(r["stage"] == "1" for r in resumed)
    assert int(resumed[0]["timesteps"]) > saved["timesteps"]
    iterations = [int(r["iteration"]) for r in _rows(run)]
    assert iterations == list(range(1, len(iterations) + 1))  # rows past the checkpoint were dropped, not duplicated


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_train_joins_a_ray_start_cluster(tmp_path, ray_temp):
    port = _free_port()
    env = environment(ray_temp)
    ray = str(Path(PYTHON).parent / "ray")
    started = subprocess.run(
        [
            ray,
            "start",
            "--head",
            "--port",
            str(port),
            "--num-cpus",
            "1",
            "--node-ip-address",
            "127.0.0.1",
            "--temp-dir",
            ray_temp,
            "--include-dashboard=false",
            "--disable-usage-stats",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert started.returncode == 0, started.stderr[-3000:]
    done = subprocess.run(
        train_command(
            "--address",
            f"127.0.0.1:{port}",
            "--timesteps",
            "200",
            "--config",
            str(tiny_config(tmp_path)),
            "--out",
            str(tmp_path),
            "--name",
            "run",
        ),
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
        env=env,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"joined Ray cluster at 127.0.0.1:{port}" in done.stdout
    assert len(_rows(tmp_path / "run")) >= 1 and (tmp_path / "run" / "checkpoints" / "latest.json").is_file()


def _env_runner_pids(ray_temp: str) -> list[int]:
    """Pids of remote env runner actors of the Ray whose temp folder is `ray_temp` (read from their environment)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if title.startswith("ray::SingleAgentEnvRunner") and f"RAY_TMPDIR={ray_temp}".encode() in environ:
            pids.append(int(entry.name))
    return pids


def test_a_crashed_env_runner_is_restarted_and_training_goes_on(tmp_path, ray_temp):
    run = tmp_path / "run"
    process = start_tiny_run(tmp_path, ray_temp, "--num-env-runners", "1", "--timesteps", "4000", capture=True)
    try:
        deadline = time.time() + 240
        while time.time() < deadline and process.poll() is None and len(_rows(run)) < 2:
            time.sleep(0.5)
        runners = _env_runner_pids(ray_temp)
        assert len(runners) == 1, f"expected one env runner process, found {runners}"
        rows_before_kill = len(_rows(run))
        os.kill(runners[0], signal.SIGKILL)
        output, _ = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    assert process.returncode == 0, output[-4000:]
    assert "env runners restarted after a crash" in output, output[-4000:]
    rows = _rows(run)
    assert int(rows[-1]["timesteps"]) >= 4000
    restarted = [r for r in rows if r["env_runner_restarts"] not in ("", "0")]
    assert restarted and int(restarted[0]["iteration"]) > rows_before_kill
