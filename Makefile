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

.PHONY: run test lint install node dfe clean

run: $(VENV)/.installed
	$(BIN)/lcs-hub serve --host $(HOST) --port $(PORT) --demo-if-empty $(DEMO_SIZE) --print-tokens

test: $(VENV)/.installed node_modules/.installed $(DFE_VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

install: $(VENV)/.installed

node: node_modules/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	test -n "$(PYTHON)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt --config-settings editable_mode=compat -e '.[test]'
	touch $@

dfe: $(DFE_VENV)/.installed

$(DFE_VENV)/.installed: tests/returns/requirements-dfe.txt
	test -n "$(DFE_PYTHON)"
	test -x $(DFE_VENV)/bin/python || $(DFE_PYTHON) -m venv $(DFE_VENV)
	$(DFE_VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/returns/requirements-dfe.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) $(DFE_VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache .hypothesis
