# hapsvm: `make demo` runs a simulated visit end to end; `make test` runs the test suite;
# `make lint` runs ruff and mypy. All create .venv and install the package (editable) when
# needed. `make test-cluster` (root, Debian) brings up SLURM and Ray on this host and writes
# benchmarks/results/cluster.md.
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.hapsvm-installed

RAY_STAMP := $(VENV)/.hapsvm-ray-installed

.PHONY: demo test test-all test-cluster install lint clean-outputs

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/svm demo

# ruff (settings in pyproject.toml) and mypy; not yet a prerequisite of test (issue 17: until
# every file passes ruff, make test runs pytest alone)
lint: $(STAMP)
	$(VENV)/bin/ruff check engine tests benchmarks
	$(VENV)/bin/mypy engine

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

test-all: $(STAMP)
	$(VENV)/bin/python -m pytest -q -m ""

$(RAY_STAMP): $(STAMP)
	$(VENV)/bin/python -m pip install -q -e '.[test,ray]'
	touch $(RAY_STAMP)

test-cluster: $(RAY_STAMP)
	VENV=$(VENV) CLUSTER_COMMAND="make test-cluster" benchmarks/cluster/run_all.sh

clean-outputs:
	find outputs -mindepth 1 ! -name README.md -exec rm -rf {} +
