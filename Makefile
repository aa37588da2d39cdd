# The two Quick start commands: `make run` and `make test`. Each installs and builds what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
WEB_BUILT := web/dist/index.html
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test web schema constraints

# constraints.txt pins every package to the versions last tested, so two installs never differ.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

# The newest versions pyproject.toml allows, installed into a fresh virtualenv and frozen.
constraints:
	venv=$$(mktemp -d) && $(PYTHON) -m venv $$venv \
	  && $$venv/bin/python -m pip install --quiet --upgrade pip \
	  && $$venv/bin/python -m pip install --quiet -e '.[test]' \
	  && { echo "# Exact versions for make run / make test (pip install -c constraints.txt -e '.[test]')."; \
	       echo "# Regenerate with: make constraints"; \
	       $$venv/bin/python -m pip freeze --exclude-editable; } > constraints.txt \
	  && rm -rf $$venv

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
