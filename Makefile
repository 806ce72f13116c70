# Setup and entry points. The README Quickstart uses `make demo` and `make test`.
# Every target carries a `## description`; `make help` prints them all (a test checks it).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
TRAIN_ARGS ?= --curriculum bf-basics --model small-context --budget 3m

.PHONY: help demo languages-demo test test-crash test-slow lint setup setup-dev setup-train setup-jax setup-all train-demo bench bench-startup clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# The venv and each extra set are built once; a stamp file remembers them until pyproject.toml changes.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.setup: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.setup-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev,llm,plot,bench]"
	@touch $@

$(VENV)/.setup-train: pyproject.toml scripts/install_torch.sh | $(BIN)/python
	PIP="$(BIN)/pip" sh scripts/install_torch.sh
	$(BIN)/pip install --quiet -e ".[train]"
	@touch $@

$(VENV)/.setup-jax: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[jax]"
	@touch $@

setup: $(VENV)/.setup ## create .venv and install reasonenv (no extras)

setup-dev: $(VENV)/.setup-dev ## add the test, LLM, plot and bench tools

setup-train: $(VENV)/.setup-train ## add Ray RLlib and torch (CPU build unless an NVIDIA GPU is present)

setup-jax: $(VENV)/.setup-jax ## add JAX, Flax and Optax

setup-all: setup-train setup-jax setup-dev ## every extra

demo: setup-train setup-dev ## the main job: set up .venv (Ray RLlib, CPU torch) and train the memory agent on bf-basics for 3 minutes
	$(BIN)/reasonenv train $(TRAIN_ARGS) --out runs --name quickstart-$$(date +%Y%m%d-%H%M%S)

languages-demo: setup ## run every language on a sample program (reasonenv demo)
	$(BIN)/reasonenv demo

train-demo: setup-train ## a short RL training run (TRAIN_ARGS='...' to change it)
	$(BIN)/reasonenv train $(TRAIN_ARGS)

test: setup-train setup-jax setup-dev ## lint (ruff, mypy), then the default test suite (fast tests, 2 workers; agents and JAX included)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy esolangs curricula reasonenv agents experiments
	$(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

CRASH_TESTS := tests/agents/test_run_safety.py tests/reasonenv/test_train_safety.py
test-crash: setup-train setup-jax setup-dev ## the kill -9 and real `ray start` cluster checks of run safety (slow marker; CI runs them after `make test`; failures are rerun once, they race a loaded machine)
	$(BIN)/pytest -m slow $(CRASH_TESTS) || $(BIN)/pytest -m slow --lf $(CRASH_TESTS)

lint: setup-dev ## ruff lint and format check, mypy on the four packages and experiments (config in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy esolangs curricula reasonenv agents experiments

test-slow: setup-dev ## run the slow tests (end-to-end README snippets, installs, soak checks)
	$(BIN)/pytest -m slow $(PYTEST_ARGS)

bench: setup-dev ## run the speed benchmarks under scripts/
	$(BIN)/python scripts/bench_interpreters.py
	$(BIN)/python scripts/bench_envs.py
	$(BIN)/python scripts/bench_task_generation.py
	$(BIN)/python scripts/bench_harness_speed.py
	$(BIN)/python scripts/bench_startup.py

bench-startup: setup ## time `import reasonenv`, `reasonenv --help` and `reasonenv run` against a baseline commit
	$(BIN)/python scripts/bench_startup.py

clean: ## remove .venv and build outputs
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
