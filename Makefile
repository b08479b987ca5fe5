# The two set-up commands of the README (`make run`, `make test`) and helpers.
# Every target installs what it needs from the project's own files first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Where `make run` imports from when PubMed cannot be reached (space-separated paths).
IMPORT ?=
PORT ?= 8501

.PHONY: install system-deps run dashboard test lint bench

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Chromium from Debian for the real-browser test (skipped, with its reason, without it).
system-deps:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

# The main job: bring the embedded SQLite database up to date, then open the dashboard.
run: install
	@if [ -n "$(IMPORT)" ]; then $(BIN)/evidence import $(IMPORT); fi
	@$(BIN)/evidence ingest --since last || \
		echo "make run: ingest did not complete (see above); opening the dashboard on the data already stored"
	$(BIN)/streamlit run dashboard.py --server.port $(PORT) --server.headless true

dashboard: install
	$(BIN)/streamlit run dashboard.py --server.port $(PORT) --server.headless true

# The test command: the whole suite on SQLite and PostgreSQL, and the browser test.
test: install system-deps
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python benchmarks/run.py
