# Set-up is part of every target: a fresh machine needs only Python 3 and pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-quick lint bench bench-quick clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ttnc demo

lint: $(STAMP)
	$(BIN)/ruff check ttnc_pipeline tests benchmarks
	$(BIN)/ruff format --check ttnc_pipeline tests benchmarks
	$(BIN)/mypy --strict ttnc_pipeline

test: lint
	$(BIN)/python -m pytest -q

test-quick: lint
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP)
	$(BIN)/python -m benchmarks

bench-quick: $(STAMP)
	$(BIN)/python -m benchmarks --quick

clean:
	rm -rf $(VENV) build dist *.egg-info
