# buyersync developer commands. `make run` and `make test` are the README's two commands:
# each sets up everything it needs on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check lint typecheck train bench eval clean system-deps screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

## run: the deal room on http://127.0.0.1:8000/ (embedded workspace, demo deals when empty)
run: $(STAMP)
	$(BIN)/buyersync serve

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
	$(BIN)/buyersync model card > docs/model-card.md

## eval: score against the development corpus beside the repo, if present
eval: $(STAMP)
	$(BIN)/python ../shared/tools/evaluate.py ../shared/corpus --cmd $(BIN)/buyersync

bench: $(STAMP)
	$(BIN)/python bench/analyze_rate.py
	$(BIN)/python bench/locate_rate.py
	$(BIN)/python bench/web_load.py

## screenshots: refresh docs/screenshots/ from the browser tests (needs Chromium)
screenshots: $(STAMP) system-deps
	UPDATE_DOC_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/e2e/test_browser.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
