"""Shared fixtures: the loopback OpenAI-compatible fake server (tests/fake_openai_server.py).

The module is loaded by file path and registered as `fake_openai_server`, so
test modules can `from fake_openai_server import Fault, FakeOpenAIServer`
without putting tests/ ahead of the packages on sys.path.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


def _load_fake_server():
    name = "fake_openai_server"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent / "fake_openai_server.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


fake_openai_server = _load_fake_server()


@pytest.fixture
def fake_openai():
    """Start FakeOpenAIServer(**kwargs) on an ephemeral loopback port; every server started is stopped at teardown."""
    started = []

    def start(**kwargs):
        server = fake_openai_server.FakeOpenAIServer(**kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
