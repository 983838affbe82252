# Every target creates or refreshes .venv itself, so a fresh clone needs no other step.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
NPMSTAMP := node_modules/.installed

.PHONY: run test unit perf bench soak lint fmt clean venv

# Python ≥ 3.11 is required; fall back to python3 when no python3.11 binary is on PATH.
PYTHON := $(shell command -v $(PY) 2>/dev/null || command -v python3)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

$(NPMSTAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch $@

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/archiver run

# The whole suite: unit/integration tests, then the pytest-benchmark regression guards.
test: $(STAMP) $(NPMSTAMP)
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest -m perf tests/perf -p no:randomly --benchmark-disable-gc

unit: $(STAMP) $(NPMSTAMP)
	$(BIN)/python -m pytest

bench: $(STAMP) $(NPMSTAMP)
	$(BIN)/python -m bench.compress
	$(BIN)/python -m bench.redact
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.verify

# The fault soak: the real worker against the simulator and Azurite + WORM proxy under a seeded fault schedule.
soak: $(STAMP) $(NPMSTAMP)
	$(BIN)/python -m bench.soak

lint: $(STAMP)
	$(BIN)/ruff check archiver bench tests
	$(BIN)/ruff format --check archiver bench
	$(BIN)/mypy --strict archiver bench

fmt: $(STAMP)
	$(BIN)/ruff format archiver bench tests
	$(BIN)/ruff check --fix archiver bench tests

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis .benchmarks
