# Human entry points. `make test` is what CI runs (.ci/run): it installs
# everything it needs on a fresh machine, then runs lint, types and all tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DATA_DIR ?= ./logward-data

.PHONY: help venv compile run test lint types unit pytest bench browser fail2ban postgres clean

help:
	@echo "make run    - the end-to-end demo on the embedded default"
	@echo "make test   - everything CI runs: install, lint, types, all tests"
	@echo "make compile - build the hot path with mypyc (done by run, unit, test, bench)"
	@echo "make bench  - the benchmarks in bench/ (figures go to bench/results/)"
	@echo "make lint   - ruff check, ruff format --check, lint-imports (layers)"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: compile

# The hot path (pyproject.toml [tool.logward.compile]) as mypyc C extensions, in
# place; rebuilt when a compiled source is newer. `python tools/compile_hot.py
# --clean` goes back to plain Python.
compile: $(STAMP)
	$(PY) tools/compile_hot.py

# Debian's Chromium for the browser tests; never `playwright install`.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian chromium for browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# Debian's PostgreSQL 15 for the PostgreSQL store tests and bench (issue 14); the
# fixture runs initdb/pg_ctl from /usr/lib/postgresql/15/bin in a temporary directory.
postgres:
	@if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then \
	  echo "installing Debian postgresql for the store tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

# Debian's fail2ban: the side-by-side baseline of bench_parse and bench_monitor (fail2ban-regex).
fail2ban:
	@if [ ! -x /usr/bin/fail2ban-regex ]; then \
	  echo "installing Debian fail2ban for the parse benchmark baseline"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fail2ban >/dev/null; \
	fi

run: compile
	$(VENV)/bin/logward demo --data-dir $(DATA_DIR)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

types: $(STAMP)
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy tests bench

unit: compile
	$(PY) -m pytest -m "not integration" -q

# All tests on the compiled build, then the scrubber's and detectors' tests again
# on the plain Python sources (the reference the compiled build must match).
pytest: compile browser postgres
	LOGWARD_EXPECT_COMPILED=1 $(PY) -m pytest -q --cov --cov-report=
	LOGWARD_PURE_PYTHON=1 $(PY) -m pytest -q --cov --cov-append --cov-report=term \
	  tests/scrubber tests/detectors tests/test_compiled.py

test: lint types pytest

bench: compile fail2ban postgres
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m bench

clean:
	$(PYTHON) tools/compile_hot.py --clean
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage htmlcov
