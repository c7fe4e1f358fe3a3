# SME e-procurement marketplace. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
AXE_VERSION := 4.14.1
AXE := .cache/npm/node_modules/axe-core/axe.min.js
DEPS_STAMP := $(VENV)/.deps-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PYTEST_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help run test test-fast fuzz lint format messages seed migrate clean

help: ## Show this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(DEPS_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.deps-* && touch $@

$(AXE):
	npm install --silent --no-audit --no-fund --prefix .cache/npm axe-core@$(AXE_VERSION)

run: $(DEPS_STAMP) ## Set up, migrate, load demo data and serve on http://127.0.0.1:8000
	$(PY) -m market seed
	$(PY) -m market serve

migrate: $(DEPS_STAMP) ## Apply database migrations
	$(PY) -m market migrate

seed: $(DEPS_STAMP) ## Load the demo data (idempotent)
	$(PY) -m market seed

test: $(DEPS_STAMP) $(AXE) ## Run the whole test suite (unit, API, portal, browser)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadscope -q

test-fast: $(DEPS_STAMP) ## Run the suite without the browser tests
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadscope -q -m "not e2e"

FUZZ_EXAMPLES ?= 100
FUZZ_REPORT := .cache/fuzz-report.txt

FORM_EXAMPLES ?= 2000

fuzz: $(DEPS_STAMP) ## Fuzz the API (100 cases per operation and role) and random portal forms (2000); cases, 5xx
	@rm -f $(FUZZ_REPORT)
	MARKET_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) MARKET_FUZZ_REPORT=$(FUZZ_REPORT) MARKET_FORM_EXAMPLES=$(FORM_EXAMPLES) \
		$(PY) -m pytest -q tests/e2e/test_api_fuzz.py tests/web/test_random_forms.py; \
		status=$$?; cat $(FUZZ_REPORT) 2>/dev/null; exit $$status

lint: $(DEPS_STAMP) ## ruff and mypy
	$(PY) -m ruff check market tests bench
	$(PY) -m ruff format --check market tests bench
	$(PY) -m mypy

format: $(DEPS_STAMP) ## Format the code
	$(PY) -m ruff format market tests bench
	$(PY) -m ruff check --fix market tests bench

messages: $(DEPS_STAMP) ## Extract translatable text and update the es/pt catalogues
	$(VENV)/bin/pybabel extract -F market/locale/babel.cfg -k N_ -o market/locale/messages.pot --no-location market templates
	for lang in es pt; do $(VENV)/bin/pybabel update -i market/locale/messages.pot -d market/locale -l $$lang --no-fuzzy-matching; done

clean: ## Remove the virtualenv, caches and the local database
	rm -rf $(VENV) .cache var .pytest_cache .mypy_cache .ruff_cache
