# Every target that needs the virtualenv depends on its stamp, so `make test` alone works on a
# fresh clone and reinstalls when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CODE := producer worker shared

.PHONY: install test lint format bench bench-smoke demo worker schema scheduler deploy-check clean

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
	$(BIN)/lint-imports

# Every benchmark at full size (about ten minutes on 2 cores); bench-smoke: a tiny version of
# each that only checks the scripts run (CI). One benchmark: $(BIN)/python bench/<name>.py.
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

bench-smoke: $(STAMP)
	$(BIN)/python bench/run_all.py --smoke

# The example checkpoints on a small fleet, results shown live (DEMO_ARGS="--duration 10").
demo: $(STAMP)
	$(BIN)/checkfleet demo $(DEMO_ARGS)

# Runs a worker with the CHECKFLEET_* environment (execs `python -m worker`).
worker: $(STAMP)
	$(BIN)/checkfleet worker

# Runs a scheduler with the CHECKFLEET_* environment (see docs/scheduler.md).
scheduler: $(STAMP)
	$(BIN)/python -m producer $(SCHEDULER_ARGS)

# Validates deploy/ offline (yamllint, hadolint, compose schema, kustomize + kubernetes-validate,
# systemd-analyze verify); DEPLOY_DIR checks another copy.
DEPLOY_DIR ?= deploy
deploy-check: $(STAMP)
	$(BIN)/python deploy/check.py $(DEPLOY_DIR)

# The JSON Schema of definition files, generated from the models (a test checks it is current).
schema: $(STAMP)
	$(BIN)/python -m shared.definition_schema > docs/checkpoint-schema.json

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
