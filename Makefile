# moviesite — `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
DATASET ?= ml-latest-small
PORT ?= 8000

.PHONY: run setup test lint bench bench-scale bench-quality chaos clean-data help

help:
	@echo "make run    - set up and start the site, workers and beat on http://127.0.0.1:$(PORT)"
	@echo "make test   - set up and run the whole test suite"
	@echo "make bench  - print performance figures"
	@echo "make chaos  - break Redis, PostgreSQL, the worker and a model artifact on purpose; print what held"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt node_modules/.package-lock.json | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# Browser-test tools from npm (axe-core, injected into pages by e2e/); the site itself needs no npm step.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

setup: $(VENV)/.runtime
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) collectstatic --noinput -v 0
	$(MANAGE) bootstrap_site --dataset $(DATASET) --port $(PORT)

run: setup
	@echo "Starting web, the viewers and batch workers and beat (Ctrl-C stops all of them)…"
	PORT=$(PORT) $(BIN)/honcho -f Procfile start

test: $(VENV)/.dev node_modules/.package-lock.json
	mkdir -p test-artifacts/screenshots
	$(BIN)/pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .

# Benchmarks (bench/): PostgreSQL and Redis on 127.0.0.1, and wrk for HTTP (apt-get install -y wrk).
bench: $(VENV)/.dev
	$(BIN)/python -m bench

SCALE ?= 1M,5M,25M
bench-scale: $(VENV)/.dev
	$(BIN)/python -m bench scale --ratings $(SCALE) --memory

bench-quality: $(VENV)/.dev
	$(MANAGE) evaluate --dataset ml-100k $(if $(wildcard ../shared/datasets/ml-100k/u.data),--path ../shared/datasets/ml-100k)

# Fault scenarios against a stack of its own (throwaway database, private redis-server, gunicorn, worker).
# CHAOS_ARGS=--restart-postgres also restarts the machine's shared PostgreSQL cluster.
chaos: $(VENV)/.dev
	$(BIN)/python -m chaos $(CHAOS_ARGS)
