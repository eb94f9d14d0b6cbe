# hapsvm: `make demo` runs a simulated visit end to end; `make test` runs the test suite.
# Both create .venv and install the package (editable) when needed.
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.hapsvm-installed

.PHONY: demo test test-all install clean-outputs

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/svm demo

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

test-all: $(STAMP)
	$(VENV)/bin/python -m pytest -q -m ""

clean-outputs:
	find outputs -mindepth 1 ! -name README.md -exec rm -rf {} +
