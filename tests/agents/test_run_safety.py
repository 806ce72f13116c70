"""Training runs never lose work (issue 23): resume by content, one writer per run, clusters, Ray leftovers, --out.

The pieces apart from the trainer loop, each with real files and real
processes: a lock held by a live subprocess and by one killed with
kill -9, a closed and a listening TCP port, and (slow) a Ray driver
killed with kill -9 next to a live `ray start --head` cluster.
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

from agents import processes
from agents import run_dir as rd
from agents.cluster import check_address, env_runners_for_cluster, parse_address
from agents.ray_cleanup import end_own_ray, ray_sessions, reap_orphaned_ray, session_alive
from agents.run_lock import LOCK, claim_run, read_holder

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def _weights(path: Path) -> None:
    path.mkdir()
    (path / "weights.bin").write_bytes(b"w" * 16)


def _save(run: Path, iteration: int, keep: int = 10) -> Path:
    (run / rd.CONFIG).write_text("{}")
    return rd.save_checkpoint(run, iteration, _weights, {"stage": 1}, _progress(iteration), keep=keep)


def _progress(iteration: int) -> dict:
    return {"iteration": iteration, "timesteps": iteration * 100, "wall_s": float(iteration)}


# --- 1, 4: resume finds its checkpoint by content -------------------------------------------------------------------


def test_resume_takes_the_newest_checkpoint_by_number_whatever_latest_json_says(tmp_path):
    # Past iteration 999999 the name iter_1000000 sorts before iter_999999: only the number orders them.
    for iteration in (999998, 999999, 1000000):
        _save(tmp_path, iteration)
    newest = tmp_path / "checkpoints" / "iter_1000000"
    latest = tmp_path / "checkpoints" / rd.LATEST
    lines: list[str] = []
    assert rd.usable_checkpoint(tmp_path, lines.append) == newest and not lines
    for pointer in (None, '{"checkpoint": "iter_000005"}', '{"checkp'):  # missing, stale, truncated
        latest.unlink(missing_ok=True)
        if pointer is not None:
            latest.write_text(pointer)
        assert rd.usable_checkpoint(tmp_path, lines.append) == newest
        assert rd.latest_checkpoint(tmp_path) == newest
        assert rd.resolve_checkpoint(tmp_path) == newest
    shutil.rmtree(newest)  # how people roll back
    assert rd.usable_checkpoint(tmp_path, lines.append).name == "iter_999999" and not lines


def test_retention_keeps_the_newest_by_iteration_number(tmp_path):
    for iteration in (999998, 999999, 1000000):
        _save(tmp_path, iteration, keep=2)
    names = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert names == ["iter_1000000", "iter_999999", "latest.json"]  # by name, iter_1000000 would have gone at once
    assert rd.latest_checkpoint(tmp_path).name == "iter_1000000"
    assert json.loads((tmp_path / "checkpoints" / rd.LATEST).read_text())["checkpoint"] == "iter_1000000"


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda c: (c / rd.SCHEDULER).write_text('{"stage": '), "scheduler.json is not valid JSON"),
        (lambda c: (c / rd.PROGRESS_STATE).unlink(), "progress.json is missing"),
        (lambda c: (c / rd.PROGRESS_STATE).write_text('{"iteration": 3}'), "progress.json lacks timesteps, wall_s"),
        (lambda c: shutil.rmtree(c / rd.ALGORITHM), "algorithm/ is missing"),
        (lambda c: [p.unlink() for p in (c / rd.ALGORITHM).iterdir()], "algorithm/ is empty"),
        (lambda c: (c / rd.ALGORITHM / "weights.bin").write_bytes(b"w"), "weights.bin does not match its checksum"),
        # a checkpoint written before the manifest: the backend's own check decides
        (
            lambda c: ((c / rd.CHECKSUMS).unlink(), (c / rd.ALGORITHM / "weights.bin").write_bytes(b"w")),
            "does not load (ValueError: truncated",
        ),
    ],
)
def test_a_damaged_checkpoint_is_skipped_with_one_line_and_the_previous_one_used(tmp_path, damage, reason):
    def check(checkpoint: Path) -> None:  # the backend's try-load: its weights file has 16 bytes
        if len((checkpoint / rd.ALGORITHM / "weights.bin").read_bytes()) != 16:
            raise ValueError("truncated weights\nsecond line of a long loader traceback")

    for iteration in (5, 10):
        _save(tmp_path, iteration)
    damage(tmp_path / "checkpoints" / "iter_000010")
    lines: list[str] = []
    found = rd.usable_checkpoint(tmp_path, lines.append, check=check)
    assert found.name == "iter_000005"
    assert len(lines) == 1 and "iter_000010" in lines[0] and reason in lines[0] and "iter_000005" in lines[0], lines
    assert rd.read_checkpoint_state(found) == ({"stage": 1}, _progress(5))


def test_no_usable_checkpoint_refuses_in_one_line_and_changes_nothing(tmp_path):
    (tmp_path / rd.CONFIG).write_text("{}")
    with pytest.raises(ValueError, match="no checkpoint to resume from") as info:
        rd.usable_checkpoint(tmp_path)
    assert "\n" not in str(info.value)
    for iteration in (5, 10):
        _save(tmp_path, iteration)
    for name in ("iter_000005", "iter_000010"):
        (tmp_path / "checkpoints" / name / rd.SCHEDULER).write_text("")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    with pytest.raises(ValueError, match="has no usable checkpoint: iter_000010 .*; iter_000005 ") as info:
        rd.usable_checkpoint(tmp_path)
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="no usable checkpoint"):
        rd.resolve_checkpoint(tmp_path)
    assert rd.latest_checkpoint(tmp_path) is None
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_newer_unusable_checkpoints_are_set_aside_so_they_never_win_later(tmp_path):
    for iteration in (5, 10, 15):
        _save(tmp_path, iteration)
    (tmp_path / "checkpoints" / "iter_000015" / rd.SCHEDULER).write_text("{")
    resumed = rd.usable_checkpoint(tmp_path, lambda line: None)
    lines: list[str] = []
    moved = rd.set_aside_newer(tmp_path, resumed, lines.append)
    assert [p.name for p in moved] == ["skipped_iter_000015"] and len(lines) == 1
    _save(tmp_path, 11, keep=2)  # the resumed run's next checkpoint
    kept = [p.name for _, p in rd.checkpoints_by_iteration(tmp_path)]
    assert kept == ["iter_000011", "iter_000010"]
    assert (tmp_path / "checkpoints" / "skipped_iter_000015").is_dir()


def test_stale_temp_files_of_a_killed_writer_are_removed(tmp_path):
    _save(tmp_path, 5)
    stale = [
        tmp_path / "checkpoints" / ".latest.json.k3j2.tmp",
        tmp_path / ".progress.csv.a1b2.tmp",
        tmp_path / ".learning_curve.png.tmp.png",
    ]
    for path in stale:
        path.write_text("partial")
    (tmp_path / "checkpoints" / ".iter_000010.x9").mkdir()
    (tmp_path / LOCK).write_text("{}")
    removed = rd.remove_stale_temps(tmp_path)
    assert sorted(p.name for p in removed) == sorted([*(p.name for p in stale), ".iter_000010.x9"])
    assert (tmp_path / LOCK).exists() and rd.latest_checkpoint(tmp_path).name == "iter_000005"


# --- 8: progress.csv and TensorBoard rewound to the checkpoint ------------------------------------------------------


class _Board:
    """What the loop's TensorBoard writer does: one scalar per row and tag, stepped by env steps."""

    def __init__(self, folder: Path):
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(str(folder))

    def write(self, row: dict) -> None:
        self.writer.add_scalar("charts/mean_return", row["mean_return"], int(row["timesteps"]))
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


def _points(folder: Path) -> list[int]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    steps = []
    for events in sorted(folder.glob("events.*")):
        accumulator = EventAccumulator(str(events))
        accumulator.Reload()
        steps += [event.step for event in accumulator.Scalars("charts/mean_return")]
    return sorted(steps)


def test_progress_and_tensorboard_rewind_to_the_checkpoint_iteration(tmp_path):
    pytest.importorskip("torch.utils.tensorboard")
    pytest.importorskip("tensorboard")
    columns = ["iteration", "timesteps", "wall_s", "mean_return"]
    rows = [{"iteration": i, "timesteps": 100 * i, "wall_s": float(i), "mean_return": i / 10} for i in range(1, 18)]
    rd.write_progress(tmp_path, rows, columns)
    board = _Board(tmp_path / rd.TENSORBOARD)
    for row in rows:  # the killed run wrote 17 iterations; its last checkpoint is iteration 15
        board.write(row)
    board.close()
    assert len(_points(tmp_path / rd.TENSORBOARD)) == 17

    kept, dropped = rd.rewind_progress(tmp_path, 15)
    assert dropped == 2 and [r["iteration"] for r in kept] == list(range(1, 16))
    assert [r["iteration"] for r in rd.read_progress(tmp_path)] == list(range(1, 16))
    assert (tmp_path / rd.PROGRESS).read_text().splitlines()[0] == ",".join(columns)
    board = rd.rebuild_tensorboard(tmp_path, kept, _Board)
    board.write({"timesteps": 1600, "mean_return": 9.0})  # the resumed run goes on with iteration 16
    board.close()
    assert _points(tmp_path / rd.TENSORBOARD) == [100 * i for i in range(1, 17)]
    assert not (tmp_path / ".tensorboard.rewound").exists()
    assert rd.rewind_progress(tmp_path, 15)[1] == 0


# --- 5: a resumed run is the run ------------------------------------------------------------------------------------


def test_resume_refuses_flags_that_change_what_is_trained():
    saved = {"model": "small-context", "backend": "rllib", "curriculum": "bf-basics", "seed": 0}
    rd.check_resume_flags(saved, {"model": None, "backend": "rllib", "curriculum": None, "seed": 0})
    with pytest.raises(ValueError, match=r"--model 'gru' differs from the run's model 'small-context'") as info:
        rd.check_resume_flags(saved, {"model": "gru", "seed": None})
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="--seed 1 differs"):
        rd.check_resume_flags(saved, {"seed": 1})


# --- 10: the output folder is checked before anything slow ----------------------------------------------------------


def test_output_folder_check_names_the_folder_and_leaves_nothing(tmp_path):
    rd.check_output_folder(tmp_path / "runs" / "deeper")
    assert list(tmp_path.iterdir()) == []
    afile = tmp_path / "afile"
    afile.write_text("x")
    for bad, says in ((afile, "is a file, not a folder"), (afile / "runs", "cannot be written (Not a directory")):
        with pytest.raises(ValueError, match="--out") as info:
            rd.check_output_folder(bad)
        assert says in str(info.value) and str(bad) in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(ValueError, match="cannot be written"):
        rd.check_output_folder("/proc/reasonenv-runs")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(ValueError, match="Permission denied"):
            rd.check_output_folder(locked / "runs")


# --- 3: one writer per run ------------------------------------------------------------------------------------------

HOLD = """
import sys, time
from agents.run_lock import claim_run
lock = claim_run(sys.argv[1], log=lambda line: print(line, flush=True))
print("claimed", flush=True)
time.sleep(120)
"""
CLAIM = """
import sys
from agents.run_lock import claim_run
try:
    with claim_run(sys.argv[1], log=lambda line: print(line, flush=True)):
        print("claimed", flush=True)
except ValueError as err:
    print(err, file=sys.stderr)
    sys.exit(2)
"""


def _python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [PYTHON, "-c", code, *args],
        cwd=REPO,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def test_a_second_trainer_is_refused_and_a_killed_ones_lock_is_taken_over(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    holder = _python(HOLD, str(run))
    try:
        assert holder.stdout.readline().strip() == "claimed"
        assert read_holder(run)["pid"] == holder.pid
        second = _python(CLAIM, str(run))
        out, err = second.communicate(timeout=60)
        assert second.returncode == 2 and out == "", (out, err)
        assert len(err.strip().splitlines()) == 1 and f"in use by PID {holder.pid} on " in err, err
        with pytest.raises(ValueError, match=f"PID {holder.pid}"):
            claim_run(run)
    finally:
        holder.kill()  # kill -9: no clean-up runs, the lock file stays behind
        holder.wait()
    assert read_holder(run)["pid"] == holder.pid
    lines: list[str] = []
    with claim_run(run, log=lines.append) as lock:
        assert len(lines) == 1 and f"took over the stale lock of {run}: PID {holder.pid}" in lines[0], lines
        assert read_holder(run)["pid"] == os.getpid() and lock.held
        third = _python(CLAIM, str(run))
        _, err = third.communicate(timeout=60)
        assert third.returncode == 2 and f"PID {os.getpid()}" in err
    assert not (run / LOCK).exists()


def test_a_claimers_leftover_temp_lock_is_removed(tmp_path):
    (tmp_path / f"{LOCK}.999999999.tmp").write_text("{}")  # a claimer killed before linking its lock
    live = tmp_path / f"{LOCK}.{os.getppid()}.tmp"  # a live process's: maybe being claimed right now
    live.write_text("{}")
    with claim_run(tmp_path):
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([LOCK, live.name])


def test_new_runs_claim_their_folder_atomically_and_leave_nothing_if_they_stop_early(tmp_path):
    run = tmp_path / "out" / "run"
    with claim_run(run, new=True) as lock:
        assert (run / LOCK).is_file() and lock.held
        with pytest.raises(ValueError, match="exists already; pick another --name or continue it with --resume"):
            claim_run(run, new=True)
    assert not run.exists()  # nothing but the lock was written: a run that could not start leaves no folder
    with claim_run(run, new=True):
        (run / "config.json").write_text("{}")
    assert (run / "config.json").is_file() and not (run / LOCK).exists()
    with pytest.raises(ValueError, match="does not exist"):
        claim_run(tmp_path / "missing")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ValueError, match="cannot create run directory .* give an --out folder you can write to"):
        claim_run(tmp_path / "afile" / "run", new=True)


def test_a_lock_copied_from_a_live_run_is_not_a_claim(tmp_path):
    first, copy = tmp_path / "hp", tmp_path / "c6"
    first.mkdir()
    with claim_run(first):
        shutil.copytree(first, copy)  # `cp -r runs/hp runs/c6` while hp trains
        lines: list[str] = []
        with claim_run(copy, log=lines.append):
            assert len(lines) == 1 and "took over the stale lock" in lines[0]


# --- 2, 9: clusters -------------------------------------------------------------------------------------------------


def test_address_check_fails_fast_on_a_closed_port_and_passes_a_listening_one():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # free once this socket closes: nothing listens there
    started = time.perf_counter()
    with pytest.raises(ValueError) as info:
        check_address(f"127.0.0.1:{closed}")
    assert time.perf_counter() - started < 5
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"nothing listens at 127.0.0.1:{closed}")
    assert f"`ray start --head --port {closed}` or drop --address" in message
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        check_address(f"127.0.0.1:{server.getsockname()[1]}", timeout_s=3)
    assert parse_address("ray://[::1]:10001") == ("::1", 10001)
    for bad in ("127.0.0.1", "host:port", ":6379", "127.0.0.1:70000"):
        with pytest.raises(ValueError, match="--address must be HOST:PORT"):
            check_address(bad)


def test_joining_a_cluster_uses_its_free_cpus_unless_told_otherwise():
    lines: list[str] = []
    assert env_runners_for_cluster(8.0, None, lines.append) == 7
    assert len(lines) == 1 and "7 env runners" in lines[0] and "8 free CPUs" in lines[0]
    assert env_runners_for_cluster(1.0, None) == 1 and env_runners_for_cluster(0.0, None) == 1
    assert env_runners_for_cluster(8.0, 0) == 0 and env_runners_for_cluster(2.0, 5) == 5


# --- 7: Ray processes that outlive their trainer --------------------------------------------------------------------


def _fake(argv0: str, session: Path) -> subprocess.Popen:
    """A process that looks like a Ray one of `session`: its argv[0] and a --session-dir argument."""
    return subprocess.Popen(
        [argv0, "-c", "import time; time.sleep(120)", f"--session-dir={session}"], executable=PYTHON
    )


def _session_name(pid: int, when: float) -> str:
    return f"session_{time.strftime('%Y-%m-%d_%H-%M-%S', time.localtime(when))}_123456_{pid}"


def test_reaper_ends_dead_sessions_only(tmp_path):
    """Fast and Ray-free: sessions alive by their creator or raylet are kept; orphans of a dead one are ended."""
    root = tmp_path / "ray"
    started = []
    try:
        dead = root / _session_name(999_999_9, time.time())  # a creator PID that does not exist
        with_raylet = root / _session_name(999_999_8, time.time())
        own = root / _session_name(os.getpid(), time.time() + 5)  # created by this (older) live process
        orphans = [_fake("ray::DashboardAgent", dead), _fake("ray::RuntimeEnvAgent", dead)]
        raylet = _fake("/venv/ray/core/src/ray/raylet/raylet", with_raylet)
        agent = _fake("ray::DashboardAgent", with_raylet)
        worker = _fake("ray::IDLE", own)
        started = [*orphans, raylet, agent, worker]
        deadline = time.time() + 20
        while len(ray_sessions(root)) < 3 and time.time() < deadline:
            time.sleep(0.1)
        sessions = ray_sessions(root)
        assert sorted(sessions[str(dead)]) == sorted(p.pid for p in orphans)
        assert not session_alive(dead, sessions[str(dead)])
        assert session_alive(with_raylet, sessions[str(with_raylet)]) and session_alive(own, sessions[str(own)])
        lines: list[str] = []
        ended = reap_orphaned_ray(lines.append, root)
        assert sorted(ended) == sorted(p.pid for p in orphans)
        assert len(lines) == 1 and "ended 2 Ray processes left by a killed trainer" in lines[0], lines
        assert "DashboardAgent" in lines[0] and dead.name in lines[0]
        for process in orphans:
            assert process.wait(timeout=10) == -signal.SIGKILL
        assert all(p.poll() is None for p in (raylet, agent, worker))
        raylet.kill()  # the raylet gone (and no creator): that session is dead now
        raylet.wait()
        assert reap_orphaned_ray(lambda line: None, root) == [agent.pid]
        assert agent.wait(timeout=10) == -signal.SIGKILL
        assert end_own_ray(None, root) == [worker.pid]  # this process's own session, as after ray.shutdown()
        assert worker.wait(timeout=10) == -signal.SIGKILL
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_reused_creator_pid_does_not_keep_a_session_alive(tmp_path):
    """The PID in a session's name may belong to a newer process by now; it does not count as the creator."""
    newer = _fake("sleeper", tmp_path)
    try:
        deadline = time.time() + 10
        while processes.start_ticks(newer.pid) is None and time.time() < deadline:
            time.sleep(0.05)
        old_session = tmp_path / "ray" / _session_name(newer.pid, time.time() - 3600)
        assert not session_alive(old_session, [])
        assert session_alive(tmp_path / "ray" / _session_name(newer.pid, time.time() + 5), [])
    finally:
        newer.kill()
        newer.wait()


@pytest.fixture
def ray_temp():
    """A short private Ray temp folder; every process naming it is killed by PID afterwards (never `ray stop`)."""
    folder = tempfile.mkdtemp(prefix="rs", dir="/tmp")
    yield folder
    for pid in processes.pids():
        if pid == os.getpid():
            continue
        text = " ".join(processes.command_line(pid))
        if folder in text or any(folder in path for path in processes.open_paths(pid)):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    shutil.rmtree(folder, ignore_errors=True)


DRIVER = """
import os, sys, time
if sys.argv[1] == "guarded":
    from agents.ray_cleanup import end_own_ray_at_exit
    end_own_ray_at_exit()
import ray
ray.init(address="local", num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)
print("up", flush=True)
time.sleep(300)
"""


def _ray_env(ray_temp: str) -> dict[str, str]:
    env = dict(os.environ, RAY_TMPDIR=ray_temp, PYTHONPATH=str(REPO), RAY_USAGE_STATS_ENABLED="0")
    env.pop("RAY_ADDRESS", None)
    return env


def _wait_for(predicate, timeout_s: float, what: str):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def _agents(root: Path) -> dict[int, str]:
    found = {}
    for pids in ray_sessions(root).values():
        for pid in pids:
            argv = processes.command_line(pid)
            if argv and argv[0] in ("ray::DashboardAgent", "ray::RuntimeEnvAgent"):
                found[pid] = argv[0]
    return found


def _start_driver(ray_temp: str, mode: str) -> subprocess.Popen:
    driver = subprocess.Popen(
        [PYTHON, "-c", DRIVER, mode],
        cwd=REPO,
        env=_ray_env(ray_temp),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert driver.stdout.readline().strip() == "up"
    return driver


def _session_of(root: Path, pid: int) -> list[int]:
    return next((pids for session, pids in ray_sessions(root).items() if session.endswith(f"_{pid}")), [])


@pytest.mark.slow
def test_reaper_ends_what_a_killed_trainer_left_and_spares_a_live_cluster(ray_temp):
    """A real `ray start --head` and a real ray.init() driver killed with kill -9 in one Ray temp folder."""
    pytest.importorskip("ray")
    root = Path(ray_temp) / "ray"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ray_cli = str(Path(PYTHON).with_name("ray"))
    started = subprocess.run(
        [ray_cli, "start", "--head", f"--port={port}", "--node-ip-address=127.0.0.1", "--num-cpus=1",
         "--include-dashboard=false", "--disable-usage-stats"],
        env=_ray_env(ray_temp), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr[-2000:]
    cluster = _wait_for(lambda: _agents(root), 60, "the cluster's agents")
    check_address(f"127.0.0.1:{port}")  # the cluster listens; its creator (`ray start`) has exited already

    driver = _start_driver(ray_temp, "plain")
    own = _wait_for(lambda: [p for p in _session_of(root, driver.pid) if p in _agents(root)], 60, "driver agents")
    assert reap_orphaned_ray(lambda line: None, root) == []  # both sessions are alive
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    # The GCS and raylet follow the driver; the two agents stay (the leak of issue 23, case 7).
    survivors = _wait_for(
        lambda: (left := _session_of(root, driver.pid)) and all(p in own for p in left) and left, 60, "head exit"
    )
    assert sorted(survivors) == sorted(own) and len(own) == 2
    time.sleep(2)
    assert all(processes.is_alive(pid) for pid in own)  # they do not end on their own

    lines: list[str] = []
    assert sorted(reap_orphaned_ray(lines.append, root)) == sorted(own)
    assert len(lines) == 1 and "ended 2 Ray processes left by a killed trainer" in lines[0], lines
    _wait_for(lambda: not any(processes.is_alive(pid) for pid in own), 20, "the orphans to end")
    assert all(processes.is_alive(pid) for pid in cluster)  # the live `ray start` cluster is untouched
    check_address(f"127.0.0.1:{port}")


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["guarded", "plain"])
def test_a_hangup_ends_a_guarded_drivers_ray_processes(ray_temp, mode):
    """SIGHUP (a closed terminal or ssh session) kills a plain driver and leaves its agents; a guarded one ends them.

    (SIGTERM after ray.init() is Ray's own: it exits through atexit and ray.shutdown(); the guard covers the rest.)
    """
    pytest.importorskip("ray")
    root = Path(ray_temp) / "ray"
    driver = _start_driver(ray_temp, mode)
    mine = _wait_for(lambda: [p for p in _session_of(root, driver.pid) if p in _agents(root)], 60, "driver agents")
    assert len(mine) == 2
    os.kill(driver.pid, signal.SIGHUP)
    if mode == "plain":
        assert driver.wait(timeout=60) == -signal.SIGHUP
        time.sleep(5)
        assert all(processes.is_alive(pid) for pid in mine)  # what reap_orphaned_ray() ends at the next start
        return
    assert driver.wait(timeout=60) == 128 + signal.SIGHUP
    _wait_for(lambda: not _session_of(root, driver.pid), 30, "every process of the driver's session to end")


def _framework_files(path: Path) -> None:
    """A miniature of what RLlib (pickles, rllib_checkpoint.json) and orbax (_METADATA) write."""
    import pickle

    (path / "learner").mkdir(parents=True)
    (path / "learner" / "state.pkl").write_bytes(pickle.dumps({"weights": list(range(100))}))
    (path / "state").mkdir()
    (path / "state" / "_METADATA").write_text('{"tree_metadata": {}}')
    (path / "rllib_checkpoint.json").write_text('{"type": "Algorithm"}')


@pytest.mark.parametrize(
    "file, cut, reason",
    [
        ("learner/state.pkl", -40, "algorithm/learner/state.pkl is truncated (no pickle end mark)"),
        ("learner/state.pkl", 0, "algorithm/learner/state.pkl is empty"),
        ("state/_METADATA", 10, "algorithm/state/_METADATA is not valid JSON"),
        ("rllib_checkpoint.json", 5, "algorithm/rllib_checkpoint.json is not valid JSON"),
    ],
)
def test_truncated_framework_files_are_found_without_loading_a_framework(tmp_path, file, cut, reason):
    """The issue's truncated checkpoint file: a pickle cut short or broken JSON makes the checkpoint unusable."""
    for iteration in (5, 10):
        rd.save_checkpoint(tmp_path, iteration, _framework_files, {}, _progress(iteration), keep=5)
    newest = tmp_path / "checkpoints" / "iter_000010"
    assert rd.damaged_file(newest) is None
    target = newest / rd.ALGORITHM / file
    target.write_bytes(target.read_bytes()[:cut])
    lines: list[str] = []
    assert rd.usable_checkpoint(tmp_path, lines.append).name == "iter_000005"
    assert len(lines) == 1 and reason in lines[0], lines


def test_a_flipped_byte_inside_an_intact_pickle_is_caught_by_the_checksum_manifest(tmp_path):
    """A pickle that still loads but holds other numbers, and an orbax array file cut short, fail the manifest."""
    for iteration in (5, 10):
        rd.save_checkpoint(tmp_path, iteration, _framework_files, {}, _progress(iteration), keep=5)
    newest = tmp_path / "checkpoints" / "iter_000010"
    target = newest / rd.ALGORITHM / "learner" / "state.pkl"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01  # inside the list of small ints: still a valid pickle
    target.write_bytes(bytes(data))
    assert rd.damaged_file(newest) is None
    lines: list[str] = []
    assert rd.usable_checkpoint(tmp_path, lines.append).name == "iter_000005"
    assert len(lines) == 1 and "algorithm/learner/state.pkl does not match its checksum (content changed)" in lines[0]


def test_a_checkpoint_written_before_the_manifest_is_still_usable(tmp_path):
    rd.save_checkpoint(tmp_path, 5, _framework_files, {}, _progress(5), keep=5)
    checkpoint = tmp_path / "checkpoints" / "iter_000005"
    (checkpoint / rd.CHECKSUMS).unlink()
    assert rd.checkpoint_problem(checkpoint) is None
    (checkpoint / rd.ALGORITHM / "extra.bin").write_bytes(b"x")
    rd.save_checkpoint(tmp_path, 6, _framework_files, {}, _progress(6), keep=5)
    newest = tmp_path / "checkpoints" / "iter_000006"
    (newest / rd.ALGORITHM / "rllib_checkpoint.json").unlink()
    assert rd.checkpoint_problem(newest) == "algorithm/rllib_checkpoint.json is missing"
