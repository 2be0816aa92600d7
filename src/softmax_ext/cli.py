"""The ``softmax-ext`` command line (also ``python -m softmax_ext``).

Commands
--------
demo     fit SoftmaxRegression and scikit-learn's LogisticRegression on digits and
         a generated 200,000 x 100, K=10 problem; print one comparison table
fit      fit SoftmaxRegression on a CSV / .npz / .npy file; save it as a .npz model
predict  predict labels or probabilities for a data file with a saved model
bench    run the benchmark matrix; write report.md, results.json and PNG plots

Model files
-----------
``fit`` writes a plain .npz archive (see ``write_model``): coefficients,
intercepts, classes, feature names, the estimator's parameters as JSON, the
package version and a format tag.  ``predict`` reads it with
``allow_pickle=False``, so a model file cannot run code.  Pickle/joblib model
files (from older versions) are loaded only with ``predict --trust``, after a
warning; without it they are refused (the type is read from the file's first
bytes, not its name).

CSV files
---------
A header row, then one row per sample.  The feature columns are parsed by
numpy's C ``loadtxt`` straight into a float64 array, so a read needs about
that array's size in memory; lines are limited to ``MAX_LINE_BYTES``.

Exit status
-----------
0    success
1    internal error (a bug; set ``SOFTMAX_EXT_DEBUG=1`` for the traceback) or
     out of memory
2    bad input: bad arguments, missing or unreadable files, malformed data
     (with the line and column), a model file that is not a model
130  interrupted (Ctrl-C)

Progress lines go to stderr, results to stdout; errors are one line on
stderr, never a traceback.  ``fit --progress`` adds a line per solver
iteration, through scikit-learn's fit callbacks (``_cli.progress``).
"""

import argparse
import contextlib
import csv
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from . import SoftmaxRegression, __version__, openmp_enabled
from ._cli import options
from ._cli.csv_reader import MAX_LINE_BYTES  # noqa: F401  (the limit the docstring names)
from ._cli.data import check_exists, format_of, load_data, load_npy, numeric_2d, prediction_matrix
from ._cli.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, CLIError
from ._cli.model_file import check_model_out, read_model, write_model
from ._cli.progress import IterationLines, Progress
from .solvers import SOLVERS

__all__ = ["main", "build_parser", "load_data", "read_model", "write_model", "CLIError"]


# --------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------
def _progress(args):
    return Progress(quiet=getattr(args, "quiet", False))


def vars_for_json(args):
    """The parsed options that are plain values (for results files)."""
    return {k: v for k, v in vars(args).items() if isinstance(v, (int, float, str, type(None)))}


def cmd_demo(args):
    """Fit both libraries on digits and a generated problem; print one table."""
    from .bench.demo import print_demo, run_demo

    records = run_demo(n=args.n, d=args.d, K=args.classes, C=args.C, tol=args.tol,
                       solver=args.solver, n_threads=args.threads, repeats=args.repeats,
                       progress=_progress(args))
    print_demo(records, C=args.C, tol=args.tol, solver=args.solver, repeats=args.repeats,
               json_path=args.json, options=vars_for_json(args))
    return 0


def cmd_fit(args):
    """Fit SoftmaxRegression on a data file and save it as a .npz model."""
    progress = _progress(args)
    out = check_model_out(args.out)  # before the fit, which may take long
    progress(f"reading {args.data}")
    data = _fit_data(args)
    X, y = data["X"], data["y"]
    classes = np.unique(y)
    if len(classes) < 2:
        raise CLIError(f"{args.data}: the target {data['target']!r} has a single class "
                       f"({classes[0]!r}); a classifier needs at least two.")
    est = _estimator(args)(C=args.C, l1_ratio=args.l1_ratio, tol=args.tol, solver=args.solver,
                           max_iter=args.max_iter, n_threads=args.threads,
                           verbose=int(args.verbose))
    if args.progress and not progress.quiet:  # quiet: no callback, the fit stays as cheap
        est.set_callbacks(IterationLines(progress, args.max_iter))
    progress(f"fitting {X.shape[0]:,} rows x {X.shape[1]:,} features, {len(classes)} classes "
             f"(solver={args.solver}, C={args.C:g}, l1_ratio={args.l1_ratio:g}, "
             f"tol={args.tol:g})")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        try:
            # the solver's per-iteration table goes with the progress lines, to
            # stderr: stdout carries only the results
            with contextlib.redirect_stdout(sys.stderr):
                est.fit(*_on_cluster(args, X, y))
        except ValueError as exc:  # the estimator's checks of the data (labels, shapes)
            raise CLIError(f"{args.data}: {exc}") from None
        finally:
            if getattr(args, "client", None) is not None:  # --scheduler's connection
                args.client.close()
        seconds = time.perf_counter() - start
    for w in caught:
        print(f"softmax-ext: warning: {w.message}", file=sys.stderr)
    write_model(out, est, feature_names=data["feature_names"], target=data["target"],
                data_format=data["format"])
    n_iter = np.max(np.asarray(getattr(est, "n_iter_", [-1])))
    acc = float(np.mean(est.predict(X) == y))
    print(f"fitted SoftmaxRegression(solver={args.solver!r}, C={args.C:g}, "
          f"l1_ratio={args.l1_ratio:g}, tol={args.tol:g}) on "
          f"{X.shape[0]:,} x {X.shape[1]:,}, {len(classes)} classes in {seconds:.3f} s, "
          f"{n_iter} iterations; training accuracy {acc:.4f}")
    print(f"saved model to {out}")
    return 0


def _write_predictions(header, rows, out):
    """CSV rows to the file ``out``, or to stdout when ``out`` is None."""
    if out is not None:
        with open(out, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def cmd_predict(args):
    """Predict with a saved model; write CSV to --out or stdout."""
    progress = _progress(args)
    out = Path(args.out) if args.out else None
    if out is not None and (out.is_dir() or not out.parent.is_dir()):  # before the work
        raise CLIError(f"--out {args.out}: cannot write a file there.")
    bundle = read_model(args.model, trust=args.trust)
    est = bundle["model"]
    progress(f"reading {args.data}")
    X = prediction_matrix(args.data, bundle)
    d = bundle["n_features"]
    if X.shape[1] != d:
        raise CLIError(f"{args.data}: X has {X.shape[1]} features, but the model was fitted "
                       f"with {d} features.")
    progress(f"predicting {X.shape[0]:,} rows")
    try:
        if args.proba:
            P = est.predict_proba(X)
            header = [f"proba_{c}" for c in est.classes_]
            rows = ([f"{v:.17g}" for v in row] for row in P)
        else:
            header = ["prediction"]
            rows = ([str(v)] for v in est.predict(X))
    except ValueError as exc:  # the estimator's checks of X against the model
        raise CLIError(f"{args.data}: {exc}") from None
    _write_predictions(header, rows, out)
    if out is not None:
        progress(f"wrote {X.shape[0]:,} rows to {out}")
    return 0


def cmd_bench_speed_matrix(args):
    """``bench --matrix``: issue 16's speed matrix, each case in its own process."""
    from .bench.speed_matrix import run

    progress = _progress(args)
    try:
        paths = run(rounds=args.repeats or 3, out=args.out, progress=progress)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    print(paths["md"].read_text())
    print(f"wrote {paths['md']} and {paths['json']}")
    return 0


def cmd_bench(args):
    """Run the benchmark matrix and write the report."""
    if getattr(args, "matrix", False):
        return cmd_bench_speed_matrix(args)
    from .bench.matrix import BenchConfig, run_matrix
    from .bench.report import write_all
    from .bench.tables import headline_table

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {args.out} exists and is not a directory.")
    progress = _progress(args)
    try:
        cfg = BenchConfig("full" if args.full else "quick", threads=args.threads, n=args.n,
                          d=args.d, sizes=args.sizes, digits=args.digits, classes=args.classes,
                          repeats=args.repeats, C=args.C, tol=args.tol, sections=args.sections)
    except ValueError as exc:  # BenchConfig's checks of the options it combines
        raise CLIError(str(exc)) from None
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CLIError("bench writes PNG plots with matplotlib, which is not installed "
                       "(pip install 'softmax-ext[bench]').") from None
    start = time.perf_counter()
    progress(f"benchmark matrix ({cfg.mode}), {cfg.threads} thread(s), writing to {out}")
    records = run_matrix(cfg, progress)
    config = cfg.as_dict()
    config["seconds_total"] = round(time.perf_counter() - start, 1)
    paths = write_all(records, config, out)
    if any(r["section"] == "fit" for r in records):
        print(headline_table(records, markdown=False))
        print()
    print(f"benchmark ({cfg.mode}) finished in {config['seconds_total']:.0f} s; wrote:")
    for path in paths.values():
        print(f"  {path}")
    return 0


# --------------------------------------------------------------------------
# parser and entry point
# --------------------------------------------------------------------------
def _common_fit_options(p, default_tol):
    p.add_argument("--C", type=options.positive_float, default=1.0,
                   help="inverse L2 strength, as in LogisticRegression (default 1.0)")
    p.add_argument("--tol", type=options.positive_float, default=default_tol,
                   help=f"stopping tolerance (default {default_tol:g})")
    p.add_argument("--threads", type=options.threads, default=None,
                   help="OpenMP threads for softmax-ext (default: all usable cores)")


def _add_demo(sub):
    p = sub.add_parser("demo", help="compare with scikit-learn on digits and a generated problem",
                       description="Fit SoftmaxRegression and LogisticRegression (same C and "
                       "tol) on standardized digits and a generated n=200,000, d=100, K=10 "
                       "problem; print fit time, iterations, passes over X, final objective, "
                       "test accuracy, log-loss and the speedup.")
    _common_fit_options(p, 1e-6)
    p.add_argument("--solver", choices=SOLVERS, default="auto", help="our solver (default auto)")
    p.add_argument("--n", type=options.positive_int, default=200_000, help=argparse.SUPPRESS)
    p.add_argument("--d", type=options.positive_int, default=100, help=argparse.SUPPRESS)
    p.add_argument("--classes", type=options.class_count, default=10, help=argparse.SUPPRESS)
    p.add_argument("--repeats", type=options.positive_int, default=3,
                   help="timed fits per library and data set (median shown; default 3)")
    p.add_argument("--json", default=None, metavar="FILE",
                   help="also write every measurement with its settings to FILE (JSON)")
    p.set_defaults(func=cmd_demo)


def _fit_data(args):
    """The data of ``fit``: ``load_data``, or a .npy X (memory-mapped, used whole,
    no copy) with its labels from the .npy file ``--labels``."""
    if (args.target is None) == (args.labels is None):
        raise CLIError("fit needs exactly one of --target (a column of DATA) and --labels "
                       "(a .npy file of labels, with a .npy DATA).")
    if args.labels is None:
        return load_data(args.data, args.target)
    if format_of(args.data) != "npy" or format_of(args.labels) != "npy":
        raise CLIError("--labels takes a .npy file, with a .npy DATA.")
    check_exists(args.data)
    check_exists(args.labels, "labels file")
    X = numeric_2d(load_npy(args.data), args.data, "the array")
    y = np.asarray(load_npy(args.labels))
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise CLIError(f"{args.labels}: the labels have shape {y.shape}, expected "
                       f"({X.shape[0]},) for the {X.shape[0]:,} rows of {args.data}.")
    return {"X": X, "y": y, "feature_names": None, "target": None, "format": "npy"}


def _estimator(args):
    """SoftmaxRegression, or its Dask form with --scheduler."""
    if args.scheduler is None:
        return SoftmaxRegression
    try:
        from .dask import SoftmaxRegression as on_dask
    except ImportError as exc:
        raise CLIError(f"--scheduler: {exc}") from None
    return on_dask


def _on_cluster(args, X, y):
    """``(X, y)`` as given, or as dask arrays on the cluster at ``--scheduler``.

    The client reads X once, in row chunks, and sends each to a worker.
    """
    if args.scheduler is None:
        return X, y
    import dask.array as da
    from distributed import Client
    try:
        args.client = Client(args.scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise CLIError(f"--scheduler {args.scheduler}: cannot connect ({exc}).") from None
    rows = max(1, (1 << 26) // max(1, X.shape[1] * X.itemsize))
    return da.from_array(X, chunks=(rows, -1)), da.from_array(np.asarray(y), chunks=rows)


def _add_fit(sub):
    p = sub.add_parser("fit", help="fit SoftmaxRegression on a data file",
                       description="Fit SoftmaxRegression on DATA (.csv with a header row, "
                       ".npz with arrays X and TARGET, or .npy with the target as column "
                       "index TARGET) and save the model as a .npz archive (coefficients, "
                       "classes, feature names and parameters; loading it runs no code).")
    p.add_argument("data", metavar="DATA", help="a .csv, .npz or .npy file")
    p.add_argument("--target", default=None, metavar="COLUMN",
                   help="target column name (CSV), array key (.npz) or column index (.npy)")
    p.add_argument("--labels", default=None, metavar="FILE",
                   help="labels as a .npy file, for a .npy DATA used whole: memory-mapped, "
                   "fitted block by block, never copied (for X larger than memory)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="fit on the Dask cluster at ADDRESS (e.g. tcp://host:8786); "
                   "needs softmax-ext[dask]")
    _common_fit_options(p, 1e-4)
    p.add_argument("--l1-ratio", type=options.unit_interval, default=0.0, dest="l1_ratio",
                   help="share of the L1 term in the penalty, as in LogisticRegression: 0 is "
                   "L2 (default), 1 is L1, between them elastic net (solver auto, saga or "
                   "prox-newton)")
    p.add_argument("--solver", choices=SOLVERS, default="auto", help="solver (default auto)")
    p.add_argument("--max-iter", type=options.positive_int, default=100, dest="max_iter",
                   help="maximum iterations (default 100)")
    p.add_argument("--out", default="model.npz",
                   help="model file, a name ending in .npz (default model.npz)")
    p.add_argument("--verbose", action="store_true",
                   help="print the solver's table, one line per iteration (loss, max|grad|, "
                   "step, passes over X, seconds), on stderr")
    p.add_argument("--progress", action="store_true",
                   help="a progress line per solver iteration on stderr, from scikit-learn's "
                   "fit callbacks (the events the --verbose table is printed from); "
                   "--quiet silences it; none with --scheduler (a Dask fit runs no callbacks)")
    p.set_defaults(func=cmd_fit)


def _add_predict(sub):
    p = sub.add_parser("predict", help="predict with a saved model",
                       description="Predict labels (or probabilities with --proba) for DATA "
                       "with a .npz model saved by `softmax-ext fit`. CSV columns are matched "
                       "to the model's features by name. Writes CSV to --out or stdout.")
    p.add_argument("model", metavar="MODEL", help=".npz model file from `softmax-ext fit`")
    p.add_argument("data", metavar="DATA", help="a .csv, .npz (array X) or .npy file")
    p.add_argument("--proba", action="store_true", help="class probabilities, one column each")
    p.add_argument("--trust", action="store_true",
                   help="also accept a pickle/joblib MODEL (from older versions); loading one "
                   "runs any code it holds, so only for files from a source you trust")
    p.add_argument("--out", default=None, help="CSV file for the predictions (default stdout)")
    p.set_defaults(func=cmd_predict)


def _add_bench(sub):
    p = sub.add_parser("bench", help="run the benchmark matrix and write a report",
                       description="Kernels vs NumPy/scipy.special, objective vs scikit-learn's "
                       "LinearModelLoss, fits vs LogisticRegression per solver, scaling in n, "
                       "K and threads, convergence curves. Writes report.md, results.json and "
                       "PNG plots into --out.")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true",
                      help="small sizes, about two minutes on 2 cores (default)")
    mode.add_argument("--full", action="store_true", help="larger sizes, more repeats")
    mode.add_argument("--matrix", action="store_true",
                      help="the speed matrix against scikit-learn's best and default "
                      "configurations (8 cases, each in its own process; 10-15 minutes on 2 "
                      "cores): matrix-<time>.md and .json in --out")
    p.add_argument("--threads", type=options.positive_int, default=None,
                   help="threads for softmax-ext; thread scaling runs 1..N (default: all)")
    p.add_argument("--out", default="bench-report", metavar="DIR",
                   help="output directory (default bench-report)")
    p.add_argument("--C", type=options.positive_float, default=1.0, help=argparse.SUPPRESS)
    p.add_argument("--tol", type=options.positive_float, default=1e-6, help=argparse.SUPPRESS)
    p.add_argument("--n", type=options.positive_int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--d", type=options.positive_int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--no-digits", action="store_false", dest="digits", help=argparse.SUPPRESS)
    p.add_argument("--sizes", type=options.int_list, default=None, help=argparse.SUPPRESS)
    p.add_argument("--classes", type=options.int_list, default=None, help=argparse.SUPPRESS)
    p.add_argument("--repeats", type=options.positive_int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--sections", type=lambda s: [v.strip() for v in s.split(",") if v.strip()],
                   default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_bench)


def _global_options(parser, default):
    """The options every command takes, before or after its name.

    The subcommands' copies default to ``argparse.SUPPRESS``, so that an
    option given before the command name is not reset by the subparser.
    """
    parser.add_argument("--quiet", action="store_true", default=default,
                        help="no progress lines on stderr")


def _version_text():
    import numpy
    import sklearn

    return (f"softmax-ext {__version__} (OpenMP {'on' if openmp_enabled() else 'off'}; "
            f"numpy {numpy.__version__}, scikit-learn {sklearn.__version__})")


def build_parser():
    """The argument parser of ``softmax-ext``: one subcommand per command."""
    parser = argparse.ArgumentParser(
        prog="softmax-ext",
        description="Fast, exact softmax regression: demo, fit, predict and benchmarks.",
        epilog="Exit status: 0 success; 2 bad input (arguments, data or model files; the "
        "message says what); 1 internal error or out of memory; 130 interrupted (Ctrl-C).")
    parser.add_argument("--version", action="version", version=_version_text())
    _global_options(parser, False)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in (_add_demo, _add_fit, _add_predict, _add_bench):
        add(_WithParents(sub, [common]))
    return parser


class _WithParents:
    """A subparsers action whose ``add_parser`` gives every command the global options."""

    def __init__(self, sub, parents):
        self.sub, self.parents = sub, parents

    def add_parser(self, name, **kwargs):
        return self.sub.add_parser(name, parents=self.parents, **kwargs)


def main(argv=None):
    """Entry point of the ``softmax-ext`` console script; returns the exit status.

    0 on success; 2 for bad input (arguments, files, data, model files; the
    message names it); 1 for an internal error (a bug) or lack of memory;
    130 when interrupted (Ctrl-C).
    """
    parser = build_parser()
    args = parser.parse_args(argv)  # usage errors exit with status 2 and a message
    prefix = f"softmax-ext {args.command}"
    try:
        return int(args.func(args) or 0)
    except CLIError as exc:
        print(f"{prefix}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{prefix}: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print(f"{prefix}: error: out of memory.", file=sys.stderr)
        return EXIT_INTERNAL
    except OSError as exc:
        if exc.filename is not None:  # a file named on the command line (or under --out)
            print(f"{prefix}: error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
        print(f"{prefix}: error: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as exc:
        if os.environ.get("SOFTMAX_EXT_DEBUG"):
            raise
        print(f"{prefix}: unexpected error: {type(exc).__name__}: {exc} "
              "(set SOFTMAX_EXT_DEBUG=1 to see the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
