# Two commands for a fresh machine: `make demo` and `make test`.
# Each creates its own virtual environment in .venv and installs what it needs.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed

.PHONY: demo test bench peer install clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel

# Reinstall whenever a source file changes: the package is installed, not
# used from the tree, so tests exercise what users get from pip.
SOURCES := $(shell find csrc src -name '*.c' -o -name '*.h' -o -name '*.pyx' -o -name '*.py' -o -name '*.pyi' 2>/dev/null) setup.py pyproject.toml
$(STAMP): $(PY) $(SOURCES)
	$(PIP) install ".[test,bench]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/softmax-ext demo

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider tests

# Benchmarks (about 10 minutes on 2 idle cores): each run is saved under
# bench/results and compared with the previous saved run when there is one;
# bench/ratios.py then prints the ratio table and the issue's targets from the
# newest run.  BENCH_ARGS passes options to pytest, e.g. BENCH_ARGS='-k softmax'.
BENCH_ARGS ?=
bench: $(STAMP)
	mkdir -p bench/results
	cd bench && env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(abspath $(PY)) -m pytest -p no:cacheprovider --benchmark-only \
		--benchmark-storage=file://./results --benchmark-save=run \
		--benchmark-columns=min,median,max,rounds --benchmark-sort=name \
		$$(ls results/*/*.json >/dev/null 2>&1 && echo --benchmark-compare) $(BENCH_ARGS) .
	$(PY) bench/ratios.py bench/results

# scikit-learn's own test_logistic.py (from the installed scikit-learn) on
# SoftmaxRegression: prints passed / failed and each failure's reason.  Not
# part of `make test`: many of its tests need what later issues build.
peer: $(STAMP)
	$(PY) peer/run_sklearn_tests.py

clean:
	rm -rf build $(VENV) src/softmax_ext/*.so src/softmax_ext/_*.c *.egg-info src/*.egg-info
