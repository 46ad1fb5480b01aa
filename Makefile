# Two commands on a fresh machine: `make demo` (a real capture from the demo source) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= captures

.PHONY: demo test lint clean

$(BIN)/headshot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(BIN)/headshot
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/headshot
	$(BIN)/headshot capture --source demo --out $(OUT)/

test: $(VENV)/.dev
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check realtime engines calibration tests tools

clean:
	rm -rf $(VENV) $(OUT)
