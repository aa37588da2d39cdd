# The two Quick start commands: `make run` and `make test`. Each installs and builds what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
WEB_BUILT := web/dist/index.html
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test web schema

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	scripts/ensure-node
	cd web && npm ci --no-audit --no-fund --loglevel=error

$(WEB_BUILT): web/node_modules/.package-lock.json web/index.html web/graphiql.html web/vite.config.js \
		web/vite.graphiql.config.js $(shell find web/src -type f)
	cd web && npm run --silent build -- --logLevel warn

web: $(WEB_BUILT)

run: $(STAMP) $(WEB_BUILT)
	$(BIN)/suara serve --host $(HOST) --port $(PORT)

test: $(STAMP) $(WEB_BUILT)
	scripts/ensure-chromium
	$(BIN)/python -m pytest -q

schema: $(STAMP)
	$(BIN)/suara schema > schema.graphql
