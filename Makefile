# Guanxi: `make demo` builds and serves a demo bank; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo serve test lint format bench screenshots browser java clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install Guanxi with its development tools

demo: install  ## generate a demo bank into ./var, load it, create demo users and serve http://127.0.0.1:8000
	$(BIN)/guanxi demo

serve: install  ## serve what ./var holds
	$(BIN)/guanxi serve

lint: install  ## ruff and the import-layer contracts
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/lint-imports

test: lint  ## the whole suite (PostgreSQL too when GUANXI_TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest

format: install
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

bench: install  ## benchmarks: generation and ingest against plain DuckDB; the customer 360 against its queries
	$(BIN)/python bench/generate_ingest.py
	$(BIN)/guanxi demo --no-serve
	$(BIN)/python bench/pages.py

browser:  ## Debian's Chromium (and CJK fonts) for the browser tests and screenshots (needs root)
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk)

java:  ## a Java runtime for Spark (the Spark engine and its parity tests; needs root)
	command -v java >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless)

screenshots: install browser  ## docs/screenshots/*.png of the demo bank in each language
	$(BIN)/guanxi demo --no-serve
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf var .pytest_cache .ruff_cache
