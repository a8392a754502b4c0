# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/baseline.yaml

NOTEBOOKS_STAMP := $(VENV)/.notebooks-installed

.PHONY: run test test-core lint chromium bench profile notebooks benefit-tables clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/parcours run $(SCENARIO)

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks scripts notebooks
	$(BIN)/ruff format --check sim tests benchmarks scripts notebooks

test: lint chromium
	$(BIN)/python -m pytest -q

# The explorer's browser test (tests/test_explorer.py) drives Debian's Chromium; playwright's
# own browser download does not work here. Installed when missing and root; otherwise the test
# is skipped, saying why.
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium for the explorer's browser test"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends chromium >/dev/null) \
		|| echo "warning: could not install chromium: the explorer's browser test will be skipped"; \
	else \
		echo "note: /usr/bin/chromium is missing and cannot be installed here (not root, or no" \
			"apt-get): the explorer's browser test will be skipped; install Debian's chromium" \
			"package to run it"; \
	fi

# The core suite alone, e.g. under another Python: make test-core PYTHON=python3.12 VENV=.venv312
# (Python 3.12+ installs Mesa 3.5, 3.11 Mesa 3.3: the model must run on both).
test-core: $(STAMP)
	$(BIN)/python -m pytest -q tests/test_units.py tests/test_limits.py tests/test_invariants.py \
		tests/test_reproducibility.py tests/test_directional.py tests/test_reports.py

# The researcher notebooks in JupyterLab (the `notebooks` extra). Each runs in about 30 s at its
# default size; PARCOURS_NOTEBOOK_SIZE=full runs the realistic size (minutes).
$(NOTEBOOKS_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,notebooks]'
	touch $(NOTEBOOKS_STAMP)

notebooks: $(NOTEBOOKS_STAMP)
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_speed.py

# Where the time goes: a table of the monthly step's phases (100,000 persons x 60 months).
profile: $(STAMP)
	$(BIN)/python benchmarks/phases.py

# Benefit amounts (RSA, prime d'activité, housing benefit, AAH, ASS) from OpenFisca-France,
# tabulated into sim/parameters/benefit_amounts.csv.gz with its provenance. OpenFisca pins
# numpy<2.4 and openfisca-core<45, so it lives in its own environment, never in the model's.
OPENFISCA_VENV := .venv-openfisca
OPENFISCA_FRANCE ?= 176.1.8
$(OPENFISCA_VENV)/.installed:
	$(PYTHON) -m venv $(OPENFISCA_VENV)
	$(OPENFISCA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(OPENFISCA_VENV)/bin/python -m pip install --quiet 'openfisca-france==$(OPENFISCA_FRANCE)'
	touch $@

benefit-tables: $(OPENFISCA_VENV)/.installed
	$(OPENFISCA_VENV)/bin/python scripts/benefit_tables.py

clean:
	rm -rf $(VENV) .venv312 $(OPENFISCA_VENV) .pytest_cache .ruff_cache
