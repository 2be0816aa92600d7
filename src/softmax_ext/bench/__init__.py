"""Measurement tools: the demo, the benchmark matrix, its records, report and plots.

Imported only by the ``demo`` and ``bench`` commands of ``softmax-ext`` (inside
those commands), never by ``import softmax_ext`` or by ``fit`` / ``predict``:
nothing here is needed to fit or predict.

Two benchmark systems, for two purposes:

- ``softmax-ext bench`` (this package) is the user-facing report: on the
  user's machine, our kernels, objective and fits next to scipy.special,
  the NumPy oracles and scikit-learn, scaling in n, K and threads, and
  convergence curves, written as ``report.md``, ``results.json`` and PNG plots.
  ``softmax-ext demo`` is its short form: one table of fits.
- ``bench/`` at the repository root (pytest-benchmark, ``make bench``) is the
  regression suite of the developers: fixed cases, each in one benchmark group
  with its baselines, saved runs compared with the previous one, and
  ``bench/ratios.py`` checking the speed targets.  It takes the case builders
  and settings it shares with the report from here (:mod:`.cases`,
  :mod:`.timing`), so a case is defined once.

Modules
-------
cases     the problems measured (generated, digits, kernel scores) and the
          objective every fit is scored with
timing    median timing, the BLAS thread pools, scikit-learn's thread setting
fits      timed fits of either library as records; passes over X
sections  the sections of the matrix (kernels, objective, fits, scaling, ...)
matrix    BenchConfig (sizes per mode) and run_matrix
demo      the demo's fits and its printed table
records   what a record holds; selecting and pairing records; results.json
machine   the machine, versions and thread pools of a run
tables    tables and number formats
report    report.md and write_all
plots     the PNG plots
"""
