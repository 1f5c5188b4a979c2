# The two commands of the quick start: `make book` and `make test`. Nothing here needs root.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test test-fast lint typecheck pytest check clean bench

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "anthology needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

book: $(STAMP)
	$(BIN)/anthology build

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# Every core (pytest-xdist), the slowest tests listed at the end.
pytest: $(STAMP)
	$(BIN)/pytest -q -n auto --durations=25

# The quick loop while developing: the tests not marked slow.
test-fast: $(STAMP) lint typecheck
	$(BIN)/pytest -q -n auto -m "not slow"

check: $(STAMP)
	$(BIN)/anthology check

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf build/* $(VENV)
	@touch build/.gitkeep
