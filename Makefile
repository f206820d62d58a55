# The README's two commands: `make serve` (run the demo newsroom) and `make test` (the whole
# check). Both install what they need first, so they work from a fresh clone.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: serve test system-packages lint typecheck pytest

# The demo site is the repository itself: releases/, contacts/, templates/, pressroom.toml.
serve: $(VENV)/.installed
	$(BIN)/pressroom --site . serve --host $(HOST) --port $(PORT)

# Every step runs even when an earlier one fails, so one run shows every problem; any failure
# (pytest's exit 5, "no tests collected", included) fails the whole.
test: system-packages $(VENV)/.installed-test
	@status=0; \
	echo "== ruff check"; $(BIN)/ruff check . || status=1; \
	echo "== ruff format --check"; $(BIN)/ruff format --check . || status=1; \
	echo "== mypy"; $(BIN)/mypy || status=1; \
	echo "== pytest"; $(BIN)/pytest || status=1; \
	exit $$status

system-packages:
	./scripts/install-system-packages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamps: reinstall only when pyproject.toml changes (the package itself is editable).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.installed
