# Every target creates or refreshes .venv itself, so a fresh clone needs no other step.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
# Two stamps: `make run` installs the runtime dependencies only; test/lint/bench add the dev extras.
STAMP_RUN := $(VENV)/.installed-run
STAMP     := $(VENV)/.installed-dev
NPMSTAMP := node_modules/.installed
# Tools the deploy tests need (promtool, systemd-analyze): taken from PATH, else from Debian packages.
TOOLS    := .tools
PROMTOOL := $(TOOLS)/promtool
SDANALYZE := $(TOOLS)/systemd-analyze
# Word lists of the four cue languages, for the test that no generated cue typo is a real word.
DICTS := $(TOOLS)/dict/.installed

.PHONY: run test unit perf bench soak lint fmt clean venv tools

# Python ≥ 3.11 is required; fall back to python3 when no python3.11 binary is on PATH.
PYTHON := $(shell command -v $(PY) 2>/dev/null || command -v python3)

$(STAMP_RUN): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(STAMP): $(STAMP_RUN)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

$(TOOLS)/.apt-updated:
	@mkdir -p $(TOOLS)
	apt-get update -qq
	@touch $@

# promtool comes out of Debian's `prometheus` package unpacked under .tools/: installing the package
# would also enable and start a Prometheus server on the machine.
$(PROMTOOL):
	@mkdir -p $(TOOLS)
	@if command -v promtool >/dev/null 2>&1; then ln -sf "$$(command -v promtool)" $@; else \
	  $(MAKE) --no-print-directory $(TOOLS)/.apt-updated && \
	  cd $(TOOLS) && rm -f prometheus_*.deb && apt-get download prometheus && \
	  dpkg-deb -x prometheus_*.deb prometheus-deb && rm -f prometheus_*.deb && \
	  ln -sf prometheus-deb/usr/bin/promtool promtool; fi
	@$@ --version >/dev/null

# (unpacked like promtool: the tests read .tools/dict, nothing is installed on the machine)
$(DICTS):
	@mkdir -p $(TOOLS)/dict
	$(MAKE) --no-print-directory $(TOOLS)/.apt-updated
	cd $(TOOLS)/dict && rm -f *.deb && apt-get download wamerican wfrench wngerman wspanish && \
	  for deb in *.deb; do dpkg-deb -x $$deb .; done && rm -f *.deb
	@touch $@

$(SDANALYZE):
	@mkdir -p $(TOOLS)
	@if ! command -v systemd-analyze >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(TOOLS)/.apt-updated && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd; fi
	ln -sf "$$(command -v systemd-analyze)" $@

$(NPMSTAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch $@

venv: $(STAMP)

tools: $(PROMTOOL) $(SDANALYZE) $(DICTS)

run: $(STAMP_RUN)
	$(BIN)/archiver run

# The whole suite: unit/integration tests, then the pytest-benchmark regression guards.
test: $(STAMP) $(NPMSTAMP) $(PROMTOOL) $(SDANALYZE) $(DICTS)
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest -m perf tests/perf -p no:randomly --benchmark-disable-gc

unit: $(STAMP) $(NPMSTAMP) $(PROMTOOL) $(SDANALYZE) $(DICTS)
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
	rm -rf $(VENV) $(TOOLS) node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis .benchmarks
