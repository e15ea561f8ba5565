# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DB ?= data/warehouse.duckdb
HOST ?= 127.0.0.1
PORT ?= 8050
SAMPLE := sample_data/small

.PHONY: run test install dev sample load lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Regenerate the committed small sample (deterministic for the seed).
sample: install
	$(PY) -m etl sample --out $(SAMPLE) --scale small --seed 2018

$(SAMPLE)/incidents.csv: | $(VENV)/.installed
	$(PY) -m etl sample --out $(SAMPLE) --scale small --seed 2018

# Load the base extract, then the next day's delta, into a fresh warehouse.
load: install $(SAMPLE)/incidents.csv
	rm -f $(DB)
	$(PY) -m etl load $(SAMPLE) --db $(DB)
	$(PY) -m etl load $(SAMPLE)/delta --db $(DB)

run: load
	$(PY) app.py --db $(DB) --host $(HOST) --port $(PORT)

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: install
	$(PY) -m benchmarks.etl_bench

clean:
	rm -rf $(VENV) data bench-output .pytest_cache .hypothesis
