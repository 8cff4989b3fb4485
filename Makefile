# The two commands of the quick start are `make run` and `make test`;
# each installs what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install system-packages run test test-unit lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests drive (browser, syslog senders, PDF tools), when missing.
system-packages:
	bash .ci/system-packages

# The service with a managed Elasticsearch, in development mode unless told otherwise.
run: install
	SECOPS_DEV_MODE=$${SECOPS_DEV_MODE-1} $(BIN)/secops up

# The whole suite; integration tests start one real Elasticsearch node for the session.
test: install system-packages
	$(BIN)/pytest

test-unit: install
	$(BIN)/pytest -m "not integration"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/detect.py
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
