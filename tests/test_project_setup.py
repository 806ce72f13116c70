"""The project's own setup: packaging metadata without deprecation warnings, the LICENSE it declares, `make help`, and the torch installer."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_metadata_loads_without_warnings_and_ships_its_license():
    setuptools_config = pytest.importorskip("setuptools.config.pyprojecttoml")
    from setuptools.dist import Distribution

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        setuptools_config.apply_configuration(Distribution(), str(ROOT / "pyproject.toml"))
    messages = [str(w.message).splitlines()[0] for w in caught]
    assert messages == [], messages  # `project.license` as a TOML table printed ~60 lines on every install

    project = setuptools_config.read_configuration(str(ROOT / "pyproject.toml"))["project"]
    assert project["license"] == "MIT"
    for name in project["license-files"]:
        assert (ROOT / name).read_text().startswith("MIT License")


def makefile_targets() -> list[str]:
    """Rule names of the Makefile (not variables, not file targets such as $(BIN)/python)."""
    text = (ROOT / "Makefile").read_text()
    return re.findall(r"^([a-z][a-z0-9_-]*):(?!=)", text, flags=re.MULTILINE)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_help_lists_every_target():
    targets = makefile_targets()
    assert {"demo", "test", "setup-train", "help", "clean"} <= set(targets)
    shown = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    listed = re.findall(r"^make (\S+)\s+\S", shown, flags=re.MULTILINE)
    assert sorted(listed) == sorted(targets)
    phony = re.search(r"^\.PHONY:(.*)$", (ROOT / "Makefile").read_text(), flags=re.MULTILINE).group(1).split()
    assert sorted(phony) == sorted(targets)


def pip_offers_cpu_torch(version: str) -> bool:
    """Whether pip's configured sources resolve torch==version to a +cpu build (a dry run, nothing downloaded)."""
    report = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--dry-run",
            "--ignore-installed",
            "--no-deps",
            "--retries",
            "0",
            "--timeout",
            "15",
            "--report",
            "-",
            f"torch=={version}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if report.returncode != 0:
        return False
    return any(item["metadata"]["version"] == f"{version}+cpu" for item in json.loads(report.stdout)["install"])


@pytest.mark.slow
def test_install_torch_takes_the_cpu_build_that_pip_already_offers_within_seconds():
    """`make setup-train` spent 4.5 min retrying an unreachable index although pip's find-links held the CPU wheel."""
    if shutil.which("nvidia-smi"):
        pytest.skip("an NVIDIA GPU machine takes the CUDA build")
    version = "2.13.0"
    if not pip_offers_cpu_torch(version):
        pytest.skip(f"pip's configured sources offer no torch=={version}+cpu here")
    env = {**os.environ, "PIP": str(Path(sys.executable).with_name("pip")), "DRY_RUN": "1", "TORCH_VERSION": version}
    started = time.monotonic()
    done = subprocess.run(
        ["sh", str(ROOT / "scripts" / "install_torch.sh")], env=env, capture_output=True, text=True, timeout=120
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert f"the CPU build ({version}+cpu) that pip's configured sources offer" in done.stdout
    assert elapsed < 30, f"took {elapsed:.0f} s"


@pytest.mark.slow
def test_an_editable_install_prints_no_setuptools_warnings(tmp_path):
    """`make demo` opened with ~60 lines of setuptools warnings; an editable install into a scratch venv shows none."""
    scratch = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(scratch)], check=True, timeout=120)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(scratch / "bin" / "python"),
            "install",
            "--no-deps",
            "-e",
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    noise = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if "Warning" in line or "deprecated" in line.lower() or "!!" in line
    ]
    assert noise == [], "\n".join(noise)


@pytest.mark.slow
def test_install_torch_on_an_nvidia_machine_takes_the_cuda_build(tmp_path):
    """With a GPU the CUDA build is installed even where pip's sources also hold a +cpu wheel (which ==V would pick)."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    smi = fake_bin / "nvidia-smi"  # stands in for the driver's tool: the script only asks whether it runs
    smi.write_text("#!/bin/sh\nexit 0\n")
    smi.chmod(0o755)
    version = "2.13.0"
    env = {
        **os.environ,
        "PIP": str(Path(sys.executable).with_name("pip")),
        "DRY_RUN": "1",
        "TORCH_VERSION": version,
        "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.run(
        ["sh", str(ROOT / "scripts" / "install_torch.sh")], env=env, capture_output=True, text=True, timeout=300
    )
    expected = (
        f"installing torch==={version}, PyPI's CUDA build"
        if pip_offers_cpu_torch(version)
        else f"installing torch=={version} (the CUDA build)"
    )
    assert done.stdout.startswith("NVIDIA GPU found: ") and expected in done.stdout, done.stdout + done.stderr
