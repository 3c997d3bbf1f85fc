# Two commands set up and run everything on a fresh machine:
#   make demo   the La Rochelle demo data space on embedded SQLite
#   make test   ruff, the import contracts, mypy (strict) and the whole pytest suite
#               (PostgreSQL, Apollo and the DPD console in headless Chromium included)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APOLLO := tools/apollo/node_modules/.installed
AXE := tools/axe/node_modules/.installed

.PHONY: demo test lint importlint typecheck pytest bench install apollo axe postgres chromium clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

apollo: $(APOLLO)

$(APOLLO): tools/apollo/package.json tools/apollo/package-lock.json
	cd tools/apollo && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# axe-core, the accessibility check of the families' page in the Chromium tests
axe: $(AXE)

$(AXE): tools/axe/package.json tools/axe/package-lock.json
	cd tools/axe && npm ci --no-audit --no-fund --loglevel=error
	touch $@

postgres:
	bash tools/ensure-postgres.sh

# Debian's chromium, driven by the playwright package (never `playwright install`)
chromium:
	sh tools/ensure-chromium.sh

demo: $(STAMP)
	$(BIN)/guichet demo

lint: $(STAMP) importlint
	$(BIN)/ruff check connector ontology policies issuer tests bench gateway.py
	$(BIN)/ruff format --check connector ontology policies issuer gateway.py tests bench

# the layers: contracts in pyproject.toml [tool.importlinter]
importlint: $(STAMP)
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(APOLLO) $(AXE) postgres chromium
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench.entities
	$(BIN)/python -m bench.observations
	$(BIN)/python -m bench.usage
	$(BIN)/python -m bench.federation
	$(BIN)/python -m bench.partners
	$(BIN)/python -m bench.audit
	$(BIN)/python -m bench.load

clean:
	rm -rf $(VENV) tools/apollo/node_modules tools/axe/node_modules .guichet-demo .pytest_cache .mypy_cache
