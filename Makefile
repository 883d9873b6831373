# therabill — two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint types pytest bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## make run: start the web app on http://127.0.0.1:8000 with the demo practice (prints how to log in)
run: $(STAMP)
	$(BIN)/therabill demo --if-empty
	$(BIN)/therabill serve --host 127.0.0.1 --port 8000

## make test: install, then lint (ruff, import-linter's layering contracts), types (mypy --strict) and the whole test suite
test: $(STAMP) lint types pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports --no-logo

types: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -n 2

## make bench: measure speed and write docs/performance.md
bench: $(STAMP)
	@command -v wrk >/dev/null || { echo "installing wrk (the web benchmark's load generator)"; \
		{ apt-get install -y -q wrk || sudo apt-get install -y -q wrk; } >/dev/null; }
	$(BIN)/python -m bench

## make docs: regenerate the CLI reference and the scrub-rule list
docs: $(STAMP)
	$(BIN)/python -m therabill.docsgen
	$(BIN)/python -m therabill.scrub.docs

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
