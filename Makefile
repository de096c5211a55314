# stockops — every target works from a fresh clone; `make setup` is idempotent and quick when nothing changed.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
DBT    := $(VENV)/bin/dbt
STAMP  := $(VENV)/.installed-stamp
UV_VERSION := 0.13.8
DBT_SOURCES := $(shell find models macros seeds snapshots tests analyses -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' \) 2>/dev/null) dbt_project.yml profiles.yml selectors.yml

export STOCKOPS_PROJECT_DIR := $(CURDIR)
export STOCKOPS_LANDING_DIR ?= $(CURDIR)/data/landing
export STOCKOPS_WAREHOUSE_DIR ?= $(CURDIR)/warehouse
export DAGSTER_HOME ?= $(STOCKOPS_WAREHOUSE_DIR)/dagster
export DBT_PROFILES_DIR := $(CURDIR)

.PHONY: help setup demo test test-unit test-engines with-postgres lint dev bench backtest lock clean

help:
	@echo "make demo   run stockops end to end on the embedded defaults (generates sample data if needed)"
	@echo "make test   lint + dbt build + pytest (installs everything it needs first)"
	@echo "make test-unit  the fast pytest tests only (tests/python/unit: no dbt build, no Dagster run)"
	@echo "make test-engines  the cross-engine macros and landing reads on DuckDB, PostgreSQL and Spark (slow)"
	@echo "make with-postgres CMD='dbt build'  run CMD against a throwaway PostgreSQL (target postgres)"
	@echo "make lint   sqlfluff + ruff"
	@echo "make dev    Dagster UI on http://127.0.0.1:3000"
	@echo "make docs   regenerate the column reference in docs/marts.md from the marts' yml"
	@echo "make backtest  the outcome backtest report in reports/backtest (its timing in BENCHMARKS.md)"
	@echo "make bench  benchmarks at 1M and 10M transactions (BENCH_SCALE=100m adds 100M); results in BENCHMARKS.md"

setup: $(STAMP) target/manifest.json

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@test -x $(UV) && $(UV) --version | grep -q '$(UV_VERSION)' || $(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip sync -q --python $(PY) requirements.lock
	$(UV) pip install -q --python $(PY) --no-deps -e .
	@touch $@

target/manifest.json: $(STAMP) $(DBT_SOURCES)
	@mkdir -p $(STOCKOPS_WAREHOUSE_DIR) $(DAGSTER_HOME)
	$(DBT) parse --quiet
	@touch $@

demo: setup
	$(VENV)/bin/stockops run

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/sqlfluff lint models macros tests --processes 2
	cd integration_tests && ../$(VENV)/bin/sqlfluff lint models --processes 2

# pytest-xdist: PYTEST_WORKERS processes (tests that share the tiny build stay on one of them)
PYTEST_WORKERS ?= 2
test: setup lint
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

test-unit: setup
	$(PY) -m pytest -n $(PYTEST_WORKERS) tests/python/unit

# needs a Java 17+ runtime for Spark and the PostgreSQL server binaries (.ci/run installs both)
test-engines: setup
	$(PY) -m pytest -m engines tests/python/integration/test_engine_dbt.py

with-postgres: setup
	$(PY) -m stockops.engines.throwaway_postgres -- $(or $(CMD),bash)

# dagster.yaml first (one run at a time; dagster dev reads it at start-up); the venv's bin on PATH
# because dagster dev re-parses the dbt project with the `dbt` it finds there.
dev: setup
	$(PY) -m stockops.instance
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/dagster dev -m stockops.definitions -h 127.0.0.1 -p 3000

# the generated part of docs/marts.md (a test fails when it is out of date with the yml)
.PHONY: docs
docs: setup
	$(PY) -m stockops.docs_gen

# BENCH_SCALES (default 1m,10m), BENCH_SCALE=100m, BENCH_DATA_DIR (default data/bench): see benchmarks/run.py
bench: setup
	$(PY) benchmarks/run.py

# The committed outcome backtest (reports/backtest/BACKTEST.md); BACKTEST_ARGS adds or overrides
# `stockops backtest` options (e.g. BACKTEST_ARGS="--seeds 3"). Regenerate when the decision logic changes.
BACKTEST_ARGS ?=
backtest: setup
	$(PY) benchmarks/backtest.py --out reports/backtest $(BACKTEST_ARGS)

lock:
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 --no-header -o requirements.lock

clean:
	rm -rf target logs warehouse data .pytest_cache .ruff_cache
