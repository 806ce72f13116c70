# Setup and entry points. The README Quickstart uses `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo test setup setup-dev setup-train setup-jax setup-all bench clean help

help:
	@echo "make demo        set up .venv and run the main job (reasonenv demo)"
	@echo "make test        set up .venv with test tools and run the default test suite"
	@echo "make setup-train add Ray RLlib and torch (CPU build unless an NVIDIA GPU is present)"
	@echo "make setup-jax   add JAX, Flax and Optax"
	@echo "make bench       run the speed benchmarks under scripts/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -e .

setup-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev,llm,plot,bench]"

setup-train: $(BIN)/python
	PIP="$(BIN)/pip" sh scripts/install_torch.sh
	$(BIN)/pip install --quiet -e ".[train]"

setup-jax: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[jax]"

setup-all: setup-train setup-jax setup-dev

demo: setup
	$(BIN)/reasonenv demo

test: setup-dev
	$(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

bench: setup-dev
	$(BIN)/python scripts/bench_interpreters.py
	$(BIN)/python scripts/bench_envs.py
	$(BIN)/python scripts/bench_task_generation.py
	$(BIN)/python scripts/bench_harness_speed.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
