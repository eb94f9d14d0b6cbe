# hapsvm: `make demo` runs a simulated visit end to end; `make test` runs ruff and mypy
# (`make lint`), then the test suite. All create .venv and install the package (editable) when
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

# ruff (settings in pyproject.toml) and mypy; make test runs them first
lint: $(STAMP)
	$(VENV)/bin/ruff check engine tests benchmarks
	$(VENV)/bin/mypy engine

test: $(STAMP) lint
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
