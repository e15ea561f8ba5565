# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DB ?= data/warehouse.duckdb
HOST ?= 127.0.0.1
PORT ?= 8050
SAMPLE := sample_data/small
# Test workers (pytest-xdist): the browser tests share one worker (they serve on one port).
WORKERS ?= 2

.PHONY: run test test-fast install system-packages sample load lint bench bench-decade screenshots clean

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
	$(PY) -m etl load-police-uk sample_data/police-uk --db $(DB) >/dev/null

# First run: demo users (one force-wide, an admin, one per area) with passwords printed once.
run: load
	$(PY) -m dashboard db upgrade
	$(PY) app.py --db $(DB) --host $(HOST) --port $(PORT) --demo-users

# System packages the tests need: Debian's Chromium and its driver (browser tests, the PDF
# pack), PostgreSQL (database-source tests), poppler-utils (looking at PDFs).
SYSTEM_PACKAGES := chromium chromium-driver postgresql poppler-utils
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "please install:$$missing (as root: apt-get install$$missing)"; exit 1; fi; \
	fi

test: install system-packages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -n $(WORKERS) --dist loadgroup

# The inner loop: lint and every test that needs neither Chromium nor PostgreSQL.
test-fast: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q -n $(WORKERS) -m "not browser and not postgres"

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: install
	$(PY) -m benchmarks.etl_bench
	$(PY) -m benchmarks.dashboard_bench
	$(PY) -m benchmarks.panels_bench
	$(PY) -m benchmarks.pack_bench
	$(PY) -m benchmarks.police_bench

# Ten years of a force's history (issue 16): writes the decade sample (5.1M incidents, 1.4M
# investigations, 7.3M entries; about 5 minutes, 1.8 GB of CSV) into bench-output/ten-years/decade
# once, then loads it (once: a decade load takes minutes) and measures the ETL, the dashboard
# and the pack on it. Not part of `make test` or `make bench`. Needs about 6 GB of disk.
BENCH_DECADE := PVP_BENCH_OUT=bench-output/ten-years PVP_BENCH_SCALE=decade PVP_BENCH_RUNS=1
bench-decade: install
	mkdir -p bench-output/ten-years
	$(BENCH_DECADE) $(PY) -m benchmarks.etl_bench
	$(BENCH_DECADE) $(PY) -m benchmarks.dashboard_bench
	$(BENCH_DECADE) $(PY) -m benchmarks.panels_bench
	$(BENCH_DECADE) $(PY) -m benchmarks.pack_bench

clean:
	rm -rf $(VENV) data bench-output .pytest_cache .hypothesis
