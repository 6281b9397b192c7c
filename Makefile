# Quickstart: `make run` (install, migrate, start) and `make test` (install, run every test;
# `make test-fast` skips the slow model tests).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
ARGS ?=

.PHONY: install run test test-fast lint bench soak clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch first and pinned: an unpinned torch pulls a CUDA build of several GB.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/mopsbot migrate
	$(BIN)/mopsbot intake ensure
	$(BIN)/mopsbot run $(ARGS)

# Format, lint, types and the layering (import-linter contracts in pyproject.toml): each fails
# the build. PYTHONPATH=. lets lint-imports load the custom contract in tests/contracts.py.
lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	PYTHONPATH=. $(BIN)/lint-imports --no-cache

# Two or more processes (pytest-xdist, one per core), a whole file to each: its module-scoped bot
# and database stay in one process. The waits allow for a busy machine (bot.emulator.workspace).
PARALLEL := --numprocesses=auto --dist=loadfile

test: install lint
	$(BIN)/python -m pytest $(PARALLEL)

# The same checks, without the `slow` tests (they train or load the real model).
test-fast: install lint
	$(BIN)/python -m pytest $(PARALLEL) -m "not slow"

bench: install
	$(BIN)/python benchmarks/ack_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .import_linter_cache mopsbot.db* var

# The full soak (README "Tests and benchmarks"): 20 SIGKILL runs under Slack faults (429, 5xx,
# late answers), one and two instances on a throwaway PostgreSQL cluster restarted mid-run, the
# sustained pace; prints the summary, fails on any lost or duplicated effect.
soak: install
	PYTHONPATH=. nice -n 10 $(BIN)/python benchmarks/soak.py
