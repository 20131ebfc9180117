# Set-up is part of every target: a fresh machine needs only Python 3 and pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-quick test-oldest lint bench bench-quick clean

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

# The suite (less the slow tests) on the oldest Python pyproject.toml allows,
# in its own venv, when the machine has it (CI's does).
OLDEST := .venv-oldest
test-oldest:
	@python=$$(bash .ci/oldest-python); \
	if [ -z "$$python" ]; then echo "no Python 3.10 on this machine: not tested on it"; exit 0; fi; \
	set -e; \
	test -x $(OLDEST)/bin/python || $$python -m venv $(OLDEST); \
	$(OLDEST)/bin/python -m pip install --quiet --upgrade pip; \
	$(OLDEST)/bin/python -m pip install --quiet -e '.[dev]'; \
	$(OLDEST)/bin/python -m pytest -q -m "not slow"

bench: $(STAMP)
	$(BIN)/python -m benchmarks

bench-quick: $(STAMP)
	$(BIN)/python -m benchmarks --quick

clean:
	rm -rf $(VENV) $(OLDEST) build dist *.egg-info
