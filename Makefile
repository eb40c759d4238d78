# Two commands on a fresh machine with Python 3.11+ and make: `make run` and `make test`.
# Each creates or refreshes .venv from pyproject.toml by itself, with every package at the
# exact version in constraints.txt, so lint, type and test results change only with the code.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONSTRAINTS := constraints.txt

.PHONY: run test lint typecheck contracts pytest bench screenshots sandbox clean format constraints

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "alloy-tui needs Python 3.11 or newer (found %s); set PYTHON=python3.11" % sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c $(CONSTRAINTS) -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/alloy-tui --sandbox

sandbox: $(STAMP)
	$(BIN)/alloy-tui sandbox

lint: $(STAMP)
	$(BIN)/ruff format --check alloy_tui tests bench
	$(BIN)/ruff check alloy_tui tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Import contracts ([tool.importlinter] in pyproject.toml): tui/ sends no HTTP itself, nothing
# below the UI imports Textual, the sandbox never imports the client, notion/ does no I/O.
contracts: $(STAMP)
	$(BIN)/lint-imports --no-logo --no-cache

pytest: $(STAMP)
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck contracts pytest

format: $(STAMP)
	$(BIN)/ruff format alloy_tui tests bench
	$(BIN)/ruff check --fix alloy_tui tests bench

bench: $(STAMP)
	$(BIN)/python -m bench

screenshots: $(STAMP)
	$(BIN)/python -m alloy_tui.screenshots screenshots

# Rewrite constraints.txt from what .venv holds now: after `.venv/bin/pip install -U <package>`
# (or a changed dependency in pyproject.toml), run this and commit both files together.
constraints: $(STAMP)
	@{ echo "# Exact versions for .venv (make installs with pip -c $(CONSTRAINTS)); written by"; \
	   echo "# 'make constraints' from pip freeze on Python $$($(BIN)/python -c 'import platform; print(platform.python_version())'). Do not edit by hand."; \
	   $(BIN)/python -m pip freeze --exclude-editable --disable-pip-version-check \
	     | grep -viE '^alloy[-_]tui([ =@]|$$)'; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)
	@touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
