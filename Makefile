# buyersync developer commands. `make run` and `make test` are the README's two commands:
# each sets up everything it needs on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check lint typecheck train bench eval clean system-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

## run: the product on its embedded default (the demo deal for now)
run: $(STAMP)
	$(BIN)/buyersync demo

## test: every test tier (installs PostgreSQL and Chromium where missing)
test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

system-deps:
	@bash scripts/system-deps.sh

## check: lint and types
check: lint typecheck
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
typecheck: $(STAMP)
	$(BIN)/mypy

## train: retrain the shipped stage model from data/training with cross-validation
train: $(STAMP)
	$(BIN)/buyersync model train data/training

## eval: score against the development corpus beside the repo, if present
eval: $(STAMP)
	$(BIN)/python ../shared/tools/evaluate.py ../shared/corpus --cmd $(BIN)/buyersync

bench: $(STAMP)
	$(BIN)/python bench/analyze_rate.py
	$(BIN)/python bench/locate_rate.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
