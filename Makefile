# Every target that needs the virtualenv depends on its stamp, so `make test` alone works on a
# fresh clone and reinstalls when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CODE := producer worker shared

.PHONY: install test lint format bench bench-smoke scheduler clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(CODE)

# Every benchmark at full size (about ten minutes on 2 cores); bench-smoke: a tiny version of
# each that only checks the scripts run (CI). One benchmark: $(BIN)/python bench/<name>.py.
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

bench-smoke: $(STAMP)
	$(BIN)/python bench/run_all.py --smoke

# Runs a scheduler with the CHECKFLEET_* environment (see docs/scheduler.md).
scheduler: $(STAMP)
	$(BIN)/python -m producer $(SCHEDULER_ARGS)

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
