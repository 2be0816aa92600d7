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
stderr, never a traceback.
"""

import argparse
import contextlib
import csv
import json
import math
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from .solvers import SOLVERS

__all__ = ["main", "build_parser", "load_data", "read_model", "write_model", "CLIError"]

MODEL_TAG = "softmax-ext model"
# Exit statuses (see the module docstring).
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CLIError(Exception):
    """An error with a message meant for the user (no traceback)."""


# --------------------------------------------------------------------------
# argument types
# --------------------------------------------------------------------------
def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def _class_count(text):
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"a classifier needs at least 2 classes, got {text!r}")
    return value


def _threads(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer thread count, got {text!r}") \
            from None
    if value == 0:
        raise argparse.ArgumentTypeError("0 threads is invalid: use >= 1, or -1 for all cores")
    return value


def _int_list(text):
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers >= 1, got {text!r}")
    return values


# --------------------------------------------------------------------------
# data files
# --------------------------------------------------------------------------
def _format_of(path):
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix in (".npz", ".npy"):
        return suffix[1:]
    raise CLIError(f"{path}: unsupported file type {suffix or '(none)'!r}; "
                   "expected .csv, .npz or .npy.")


def _check_exists(path, what="data file"):
    p = Path(path)
    if not p.exists():
        raise CLIError(f"{what} not found: {path}")
    if p.is_dir():
        raise CLIError(f"{what} {path} is a directory, expected a file.")
    return p


# --------------------------------------------------------------------------
# CSV files
# --------------------------------------------------------------------------
# numpy's C loadtxt parses the numbers straight into the float64 array, so a
# read holds that array plus the parser's buffers for one line, instead of a
# Python string per cell.  What loadtxt does not check (line length, UTF-8,
# field counts) _Lines checks as the lines go by, and the offending cell of a
# failed parse is looked for only on the error path (_find_bad_cell).
MAX_LINE_BYTES = 16 * 2**20
QUOTECHAR = '"'


@contextlib.contextmanager
def _csv_field_limit(limit):
    """Let the csv module read fields of up to ``limit`` characters (default 131,072)."""
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _show(text, width=40):
    """``text`` for a message: its repr, cut to ``width`` characters with its length if longer."""
    if len(text) <= width:
        return repr(text)
    return f"{text[:width]!r}... ({len(text):,} characters)"


def _names(names, limit=20):
    """Column names for a message, the first ``limit`` of them."""
    shown = ", ".join(_show(n) for n in names[:limit])
    return shown if len(names) <= limit else f"{shown}, ... ({len(names):,} columns)"


class _Lines:
    """The non-blank lines of a CSV file, checked on their way to a parser.

    Iterating opens the file and yields each line as a ``str`` (line ending
    included), skipping blank lines (only spaces, delimiters and quotes: they
    hold no data).  Every line is checked to be at most ``MAX_LINE_BYTES``
    long (read with a bounded ``readline``, so a huge field is never held
    whole), to be UTF-8 and, once ``n_fields`` is set, to have that many
    fields.  A failed check raises CLIError naming the line; ``line_no`` is
    the 1-based number of the line read last.

    Parameters
    ----------
    path : str or Path
    delimiter : str
        One character, "," or a tab.
    """

    def __init__(self, path, delimiter):
        self.path = path
        self.delimiter = delimiter
        self.n_fields = None
        self.line_no = 0
        self._blank = " \t\r\n" + QUOTECHAR + delimiter

    def __iter__(self):
        try:
            fh = open(self.path, "rb")
        except OSError as exc:
            raise CLIError(f"{self.path}: could not open it ({exc.strerror or exc}).") from None
        with fh:
            while True:
                try:
                    raw = fh.readline(MAX_LINE_BYTES + 1)
                except OSError as exc:
                    raise CLIError(f"{self.path}: could not read it "
                                   f"({exc.strerror or exc}).") from None
                if not raw:
                    return
                self.line_no += 1
                line = self._decode(raw)
                # Most lines start with a digit: one test, and no copy, for them
                # ("" is what is left of a line that was only a byte-order mark).
                if line[:1] in self._blank and not line.strip(self._blank):
                    continue
                if self.n_fields is not None:
                    self._check_fields(line)
                yield line

    def _decode(self, raw):
        if len(raw) > MAX_LINE_BYTES:
            raise CLIError(f"{self.path}: line {self.line_no} is longer than "
                           f"{MAX_LINE_BYTES // 2**20} MiB, the limit for a line of a CSV file "
                           "(a field that long is neither a number nor a class label; give "
                           "very wide data as .npy or .npz).")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CLIError(f"{self.path}: line {self.line_no} could not be decoded as UTF-8 "
                           f"({exc.reason} at byte {exc.start}); expected a text CSV file.") \
                from None
        if self.line_no == 1 and line.startswith("\ufeff"):  # a byte-order mark
            line = line[1:]
        return line

    def _check_fields(self, line):
        # Counting delimiters is exact for a line without quotes, and cheap;
        # a line with quotes (which may hold delimiters) goes through the csv module.
        if QUOTECHAR in line:
            n = len(self.split(line))
        else:
            n = line.count(self.delimiter) + 1
        if n != self.n_fields:
            raise CLIError(f"{self.path}: line {self.line_no} has {n} fields, but the header "
                           f"has {self.n_fields}.")

    def split(self, line):
        """The fields of ``line`` (the line read last), unquoted by the csv module."""
        try:
            return next(csv.reader([line], delimiter=self.delimiter, quotechar=QUOTECHAR), [])
        except csv.Error as exc:
            raise CLIError(f"{self.path}: line {self.line_no}: {exc}") from None


def _open_body(path, delimiter):
    """Read the header of a CSV file.

    Returns
    -------
    lines : _Lines
        With ``n_fields`` set to the header's length.
    body : iterator of str
        The data lines, positioned after the header.
    header : list of str
        The column names, stripped.
    """
    lines = _Lines(path, delimiter)
    body = iter(lines)
    first = next(body, None)
    if first is None:
        raise CLIError(f"{path}: the file is empty (expected a header row and data rows).")
    if "\r" in first.rstrip("\r\n"):  # the csv module would stop there
        raise CLIError(f"{path}: line {lines.line_no} holds a carriage return; lines must end "
                       "in \\n or \\r\\n (not in \\r alone).")
    header = [h.strip() for h in lines.split(first)]
    lines.n_fields = len(header)
    return lines, body, header


def _columns(path, header, target, features):
    """(index of the target column or None, indices of the feature columns)."""
    t_idx = None
    if target is not None:
        if target not in header:
            raise CLIError(f"{path}: target column {target!r} not found; columns are "
                           f"{_names(header)}.")
        t_idx = header.index(target)
    if features is not None:
        missing = [f for f in features if f not in header]
        if missing:
            raise CLIError(f"{path}: feature column(s) {_names(missing)} used in fitting are "
                           "missing.")
        feature_idx = [header.index(f) for f in features]
    else:
        feature_idx = [j for j in range(len(header)) if j != t_idx]
    if not feature_idx:
        raise CLIError(f"{path}: no feature columns besides the target {target!r}.")
    return t_idx, feature_idx


def _loadtxt(body, delimiter, usecols, dtype):
    """numpy's loadtxt over the data lines: an array of shape (rows, len(usecols))."""
    with warnings.catch_warnings():
        # An empty body is reported by the caller, in its own words.
        warnings.filterwarnings("ignore", message="loadtxt: input contained no data")
        return np.loadtxt(body, dtype=dtype, delimiter=delimiter, comments=None,
                          quotechar=QUOTECHAR, usecols=usecols, ndmin=2)


def _find_bad_cell(path, delimiter, header, feature_idx, t_idx):
    """Raise CLIError for the first malformed row or cell of a CSV file.

    The error path of ``_read_csv``, a second pass with the csv module (one
    row at a time): a field count that differs from the header's, an empty,
    non-numeric or non-finite feature cell, an empty target cell.  Returns
    without raising when it finds none of these.
    """
    lines, body, _ = _open_body(path, delimiter)
    rows = csv.reader(body, delimiter=delimiter, quotechar=QUOTECHAR)
    while True:
        try:
            row = next(rows, None)
        except csv.Error as exc:
            raise CLIError(f"{path}: line {lines.line_no}: {exc}") from None
        if row is None:
            return
        line = lines.line_no
        if len(row) != len(header):  # a quoted field spanning lines
            raise CLIError(f"{path}: line {line} has {len(row)} fields, but the header has "
                           f"{len(header)}.")
        for j in feature_idx:
            cell = row[j].strip()
            try:
                value = float(cell)
            except ValueError:
                what = "an empty cell" if not cell else f"non-numeric value {_show(cell)}"
                raise CLIError(f"{path}: feature column {_show(header[j])} has {what} on line "
                               f"{line}; features must be numbers (encode categories "
                               "first).") from None
            if not math.isfinite(value):
                raise CLIError(f"{path}: feature column {_show(header[j])} has a non-finite value "
                               f"({_show(cell)}) on line {line}.")
        if t_idx is not None and not row[t_idx].strip():
            raise CLIError(f"{path}: target column {_show(header[t_idx])} is empty on line "
                           f"{line}.")


def _parse_labels(values):
    """Class labels from strings: int64 if all are ints, then float64, else the strings.

    Strings stay Python ``str`` in an object array: a fixed-width ``<U`` array
    would take the longest label's width for every row.
    """
    for kind, dtype in ((int, np.int64), (float, np.float64)):
        try:
            return np.array([kind(v) for v in values], dtype=dtype)
        except (ValueError, OverflowError):
            continue
    labels = np.empty(len(values), dtype=object)
    labels[:] = values
    return labels


def _read_target(path, delimiter, header, feature_idx, t_idx, n_rows):
    """The target column of a CSV file as labels (see ``_parse_labels``)."""
    _, body, _ = _open_body(path, delimiter)
    column = _loadtxt(body, delimiter, [t_idx], object)[:, 0]
    if column.shape[0] != n_rows:
        raise CLIError(f"{path}: the file changed while it was read.")
    labels = [v.strip() for v in column]
    del column
    if not all(labels):
        _find_bad_cell(path, delimiter, header, feature_idx, t_idx)
        raise CLIError(f"{path}: target column {_show(header[t_idx])} has empty cells.")
    return _parse_labels(labels)


def _read_csv(path, target, features=None):
    """Header row + numeric rows; returns (X, y or None, feature_names, target_name).

    ``features``: names of the feature columns, in order (others are ignored);
    None means every column but the target.  X is read in one pass of numpy's
    loadtxt (float64, C order), the target column as strings in a second pass.
    """
    delimiter = "\t" if Path(path).suffix.lower() == ".tsv" else ","
    with _csv_field_limit(MAX_LINE_BYTES):
        _, body, header = _open_body(path, delimiter)
        t_idx, feature_idx = _columns(path, header, target, features)
        try:
            X = _loadtxt(body, delimiter, feature_idx, np.float64)
        except ValueError as exc:
            _find_bad_cell(path, delimiter, header, feature_idx, t_idx)
            # loadtxt refused a cell that Python's float() takes (such as "1_000").
            raise CLIError(f"{path}: could not read the feature columns: "
                           f"{_show(str(exc), 300)}") from None
        if X.shape[0] == 0:
            raise CLIError(f"{path}: no data rows after the header.")
        if not np.isfinite(X).all():
            _find_bad_cell(path, delimiter, header, feature_idx, t_idx)
            raise CLIError(f"{path}: the feature columns have non-finite values.")
        y = None
        if t_idx is not None:
            y = _read_target(path, delimiter, header, feature_idx, t_idx, X.shape[0])
    names = [header[j] for j in feature_idx]
    return X, y, names, (header[t_idx] if t_idx is not None else None)


# --------------------------------------------------------------------------
# data files: .npz, .npy and the dispatcher
# --------------------------------------------------------------------------
def _numeric_2d(arr, path, name):
    arr = np.asarray(arr)
    if arr.dtype.kind not in "biuf":
        raise CLIError(f"{path}: {name} must hold numbers, got dtype {arr.dtype}.")
    if arr.ndim != 2:
        raise CLIError(f"{path}: {name} must be 2-D (rows x features), got shape {arr.shape}.")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise CLIError(f"{path}: {name} is empty (shape {arr.shape}).")
    if not np.all(np.isfinite(arr)):
        raise CLIError(f"{path}: {name} has NaN or infinite values.")
    return arr


def _load_npy(path):
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise CLIError(f"{path}: not a numeric .npy array ({exc}).") from None
    except (OSError, EOFError) as exc:
        raise CLIError(f"{path}: could not read it as a .npy file ({exc}).") from None


def load_data(path, target=None, *, features_key="X", features=None):
    """Read a data file for ``fit`` / ``predict``.

    Parameters
    ----------
    path : str
        ``.csv`` (a header row, then numeric feature columns and the target
        column), ``.npz`` (feature array under ``features_key``, target array
        under the key ``target``) or ``.npy`` (one 2-D numeric array; the target
        is the column index ``target``).
    target : str or None
        Target column name (CSV), array key (.npz) or column index (.npy);
        None for no target (prediction).
    features : list of str, optional
        CSV only: the feature columns to read, in order (for prediction with
        the columns a model was fitted on); None means all but the target.

    Returns
    -------
    dict with keys X (2-D ndarray), y (ndarray or None), feature_names (list
    or None), target (the target's name/key/index or None), format.

    Raises
    ------
    CLIError
        Missing file, unknown type, missing target, non-numeric features.
    """
    _check_exists(path)
    fmt = _format_of(path)
    if fmt == "csv":
        X, y, names, tname = _read_csv(path, target, features)
        return {"X": X, "y": y, "feature_names": names, "target": tname, "format": fmt}
    if fmt == "npz":
        try:
            archive = np.load(path, allow_pickle=False)
        except Exception as exc:  # zipfile.BadZipFile, OSError, ValueError
            raise CLIError(f"{path}: could not read it as a .npz archive ({exc}).") from None
        with archive:
            keys = list(archive.files)
            if features_key not in keys:
                raise CLIError(f"{path}: no feature array {features_key!r} in the archive; "
                               f"it holds {', '.join(repr(k) for k in keys) or 'nothing'}.")
            try:
                X = archive[features_key]
                y = None
                if target is not None:
                    if target not in keys:
                        raise CLIError(f"{path}: target array {target!r} not found; the "
                                       f"archive holds {', '.join(repr(k) for k in keys)}.")
                    y = archive[target]
            except CLIError:
                raise
            except ValueError as exc:  # object arrays need pickle
                raise CLIError(f"{path}: arrays must be numeric ({exc}).") from None
            except Exception as exc:  # a damaged member: BadZipFile, zlib.error, EOFError
                raise CLIError(f"{path}: could not read it as a .npz archive "
                               f"({type(exc).__name__}: {exc}).") from None
        X = _numeric_2d(X, path, f"feature array {features_key!r}")
        if y is not None:
            y = np.asarray(y)
            if y.ndim != 1 or y.shape[0] != X.shape[0]:
                raise CLIError(f"{path}: target {target!r} has shape {y.shape}, expected "
                               f"({X.shape[0]},) like the rows of {features_key!r}.")
        return {"X": X, "y": y, "feature_names": None, "target": target, "format": fmt}
    arr = _numeric_2d(_load_npy(path), path, "the array")
    y, t_idx = None, None
    if target is not None:
        try:
            t_idx = int(target)
        except ValueError:
            raise CLIError(f"{path}: for a .npy file --target is a column index (e.g. -1 for "
                           f"the last column), got {target!r}.") from None
        if not -arr.shape[1] <= t_idx < arr.shape[1]:
            raise CLIError(f"{path}: target column {t_idx} is out of range for an array with "
                           f"{arr.shape[1]} columns.")
        t_idx %= arr.shape[1]
        if arr.shape[1] < 2:
            raise CLIError(f"{path}: no feature columns besides the target column.")
        y = arr[:, t_idx]
        if np.all(y == np.round(y)):
            y = y.astype(np.int64)
        arr = np.delete(arr, t_idx, axis=1)
    return {"X": arr, "y": y, "feature_names": None, "target": t_idx, "format": fmt}


# --------------------------------------------------------------------------
# model files
# --------------------------------------------------------------------------
# A model file is a plain .npz archive (np.savez), read with
# allow_pickle=False: arrays of numbers or fixed-width strings plus one JSON
# text, nothing that runs code when it is loaded.  Pickle and joblib files
# (what `fit` wrote before) are opened only with --trust.
MODEL_FORMAT_VERSION = 1
MODEL_ARRAYS = ("meta", "coef", "intercept", "classes", "n_iter", "feature_names_in")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# How pickle and joblib files begin (protocol 2+ pickles; joblib's zlib, gzip,
# bz2, xz, lzma and lz4 files; joblib < 0.10).  Only the wording of the refusal
# depends on it: without --trust nothing but a zip archive is read as a model.
PICKLE_MAGIC = (b"\x80", b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda", b"\x1f\x8b",
                b"BZh", b"\xfd7zXZ", b"\x5d\x00\x00", b"\x04\x22\x4d\x18", b"ZF")


def _check_model_out(out):
    """Refuse an --out for `fit` that is not a writable ``*.npz`` file name."""
    path = Path(out)
    if path.suffix.lower() != ".npz":
        raise CLIError(f"--out {out}: fit saves models as .npz archives, a format that cannot "
                       "run code when loaded (pickle/joblib files can); give a name ending in "
                       ".npz, such as model.npz.")
    if path.is_dir():
        raise CLIError(f"--out {out} is a directory; give a file name such as model.npz.")
    if not path.parent.is_dir():
        raise CLIError(f"--out {out}: directory {path.parent} does not exist.")
    return path


def write_model(path, est, *, feature_names=None, target=None, data_format=None):
    """Save a fitted SoftmaxRegression as a .npz model file.

    The archive holds the arrays ``coef`` (n_rows, n_features) and
    ``intercept`` (n_rows,), float64 or float32, with n_rows = 1 for two
    classes, else n_classes; ``classes`` (n_classes,), numbers or ``<U``
    strings; ``n_iter``; ``feature_names_in`` if the estimator has it; and
    ``meta``, a JSON text with the format tag and version, the package
    version, the estimator's parameters and what the command line needs
    (feature names, target, data format).  No array has object dtype, so
    none needs pickle to load.

    Parameters
    ----------
    path : str or Path
        Written to a temporary file next to it, then renamed, so that an
        interrupted write leaves no truncated model behind.
    est : SoftmaxRegression
        Fitted, with a dense ``coef_``.
    feature_names : list of str or None
        The CSV columns the model was fitted on, in order.
    target : str, int or None
        Target column name (CSV), array key (.npz) or column index (.npy).
    data_format : {"csv", "npz", "npy"} or None
        The format of the training file.
    """
    from . import __version__

    classes = np.asarray(est.classes_)
    if classes.dtype.kind == "O":  # string labels
        classes = np.array([str(c) for c in classes], dtype=str)
    meta = {"format": MODEL_TAG, "format_version": MODEL_FORMAT_VERSION,
            "softmax_ext_version": __version__, "estimator": type(est).__name__,
            "params": est.get_params(), "n_features_in": int(est.n_features_in_),
            "n_passes_over_X": int(getattr(est, "n_passes_over_X_", -1)),
            "feature_names": feature_names, "target": target, "data_format": data_format}
    arrays = {"meta": np.array(json.dumps(meta, allow_nan=False)),
              "coef": np.asarray(est.coef_), "intercept": np.asarray(est.intercept_),
              "classes": classes, "n_iter": np.asarray(est.n_iter_)}
    if hasattr(est, "feature_names_in_"):
        arrays["feature_names_in"] = np.asarray(est.feature_names_in_, dtype=str)
    for name, arr in arrays.items():  # np.savez would pickle them, predict refuse them
        if arr.dtype.hasobject:
            raise TypeError(f"model array {name!r} has dtype {arr.dtype}; a model file holds "
                            "numbers and strings only.")
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "xb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_model(path, *, trust=False):
    """Read a model file for ``predict``.

    The file's type comes from its first bytes, not its name: a zip archive
    is read as a .npz model (never running code); anything else is refused
    unless ``trust`` is true, in which case it is loaded with joblib (which
    unpickles it, running any code it holds) after a warning on stderr.

    Parameters
    ----------
    path : str
    trust : bool, default False
        Allow pickle/joblib files.

    Returns
    -------
    dict with keys model (a fitted estimator), feature_names (list or None),
    target, format (of the training data) and n_features.

    Raises
    ------
    CLIError
        Missing or unreadable file, a file that is not a model, a pickle
        without ``trust``.
    """
    _check_exists(path, "model file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise CLIError(f"{path}: could not read the model file ({exc.strerror or exc}).") \
            from None
    if head.startswith(ZIP_MAGIC):
        return _read_npz_model(path)
    if not trust:
        if head.startswith(PICKLE_MAGIC):
            raise CLIError(f"{path} is a pickle/joblib file, and loading one runs any code it "
                           "holds, so predict refuses it. Pass --trust to load it anyway if "
                           "you trust where it came from, or refit with `softmax-ext fit` to "
                           "get a .npz model.")
        raise CLIError(f"{path}: not a model file written by `softmax-ext fit` (expected a "
                       ".npz model; pickle/joblib models are loaded only with --trust).")
    print(f"softmax-ext predict: warning: --trust: loading {path} with pickle, which runs any "
          "code the file holds; `softmax-ext fit` writes .npz models, which need no trust.",
          file=sys.stderr)
    return _read_pickled_model(path)


def _not_a_model(path, why):
    return CLIError(f"{path}: not a model file written by `softmax-ext fit` ({why}).")


def _read_npz_model(path):
    """A model from a .npz model file (see ``write_model``), checked entry by entry."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = set(archive.files)
            missing = [k for k in MODEL_ARRAYS[:-1] if k not in keys]
            if missing:
                raise _not_a_model(path, f"the archive has no {', '.join(missing)}")
            arrays = {k: archive[k] for k in MODEL_ARRAYS if k in keys}
    except CLIError:
        raise
    except ValueError as exc:  # an object array, which would need pickle
        raise _not_a_model(path, str(exc)) from None
    except Exception as exc:  # BadZipFile, zlib.error, EOFError, OSError
        raise _not_a_model(path, f"{type(exc).__name__}: {exc}") from None
    meta = _model_meta(path, arrays["meta"])
    est = _fitted_estimator(path, meta, arrays)
    names = meta.get("feature_names")
    if names is not None and (not isinstance(names, list) or len(names) != est.n_features_in_
                              or not all(isinstance(n, str) for n in names)):
        raise _not_a_model(path, f"feature_names should be {est.n_features_in_} strings")
    target, data_format = meta.get("target"), meta.get("data_format")
    if data_format not in (None, "csv", "npz", "npy"):
        raise _not_a_model(path, f"unknown data_format {data_format!r}")
    # predict drops column `target` of an .npy laid out as in training
    if data_format == "npy" and not (type(target) is int
                                     and 0 <= target <= est.n_features_in_):
        raise _not_a_model(path, f"target {target!r} is not a column of the training .npy")
    return {"model": est, "feature_names": names, "target": target, "format": data_format,
            "n_features": est.n_features_in_}


def _model_meta(path, text):
    """The JSON document of a model file, with its format tag and version checked."""
    from . import __version__

    if text.ndim != 0 or text.dtype.kind != "U":
        raise _not_a_model(path, "its 'meta' entry is not a text")
    try:
        meta = json.loads(str(text[()]))
    except ValueError:
        raise _not_a_model(path, "its 'meta' entry is not JSON") from None
    if not isinstance(meta, dict) or meta.get("format") != MODEL_TAG:
        raise _not_a_model(path, f"no {MODEL_TAG!r} format tag")
    if meta.get("format_version") != MODEL_FORMAT_VERSION:
        raise CLIError(f"{path}: model format version {meta.get('format_version')!r} (written "
                       f"by softmax-ext {meta.get('softmax_ext_version')}); softmax-ext "
                       f"{__version__} reads version {MODEL_FORMAT_VERSION}.")
    if meta.get("estimator") != "SoftmaxRegression":
        raise _not_a_model(path, f"it holds a {meta.get('estimator')!r}, not SoftmaxRegression")
    return meta


def _fitted_estimator(path, meta, arrays):
    """A fitted SoftmaxRegression from a model file's parameters and arrays.

    It gets exactly the attributes a fit sets (the estimator's own predict
    then gives the same results as the model that was saved, bit for bit),
    after checking each array's shape and dtype against the others.
    """
    coef, intercept, classes, n_iter = (arrays[k] for k in ("coef", "intercept", "classes",
                                                             "n_iter"))
    if coef.ndim != 2 or coef.dtype not in (np.float32, np.float64) or 0 in coef.shape:
        raise _not_a_model(path, f"coef should be a 2-D float array, got {coef.dtype} "
                           f"{coef.shape}")
    if classes.ndim != 1 or classes.dtype.kind not in "biufU" or classes.shape[0] < 2:
        raise _not_a_model(path, f"classes should hold 2 or more labels, got {classes.dtype} "
                           f"{classes.shape}")
    n_rows = 1 if classes.shape[0] == 2 else classes.shape[0]
    if coef.shape[0] != n_rows or intercept.shape != (n_rows,) or intercept.dtype != coef.dtype:
        raise _not_a_model(path, f"coef {coef.shape}, intercept {intercept.shape} "
                           f"{intercept.dtype} do not fit {classes.shape[0]} classes")
    if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
        raise _not_a_model(path, "coef or intercept has non-finite values")
    if n_iter.ndim != 1 or n_iter.dtype.kind not in "iu":
        raise _not_a_model(path, f"n_iter should be a 1-D integer array, got {n_iter.dtype}")
    if meta.get("n_features_in") != coef.shape[1]:
        raise _not_a_model(path, f"n_features_in {meta.get('n_features_in')!r} but coef has "
                           f"{coef.shape[1]} columns")
    params = meta.get("params")
    if not isinstance(params, dict):
        raise _not_a_model(path, "no estimator parameters")
    est = _estimator_class()()
    try:
        est.set_params(**params)
        est._validate_params()  # scikit-learn's check of each parameter's type and range
    except (ValueError, TypeError) as exc:
        raise _not_a_model(path, f"bad estimator parameters: {exc}") from None
    est.coef_, est.intercept_, est.classes_ = coef, intercept, classes
    est.n_features_in_ = coef.shape[1]
    est.n_iter_ = n_iter.astype(np.int32)
    est.n_passes_over_X_ = int(meta.get("n_passes_over_X", -1))
    names = arrays.get("feature_names_in")
    if names is not None:
        if names.shape != (coef.shape[1],) or names.dtype.kind != "U":
            raise _not_a_model(path, f"feature_names_in should be {coef.shape[1]} strings")
        est.feature_names_in_ = names.astype(object)  # as scikit-learn stores them
    return est


def _read_pickled_model(path):
    """A model from a pickle/joblib file (only after --trust: this runs its code)."""
    import joblib

    try:
        obj = joblib.load(path)
    except Exception as exc:  # unpickling errors come in many types
        raise _not_a_model(path, f"{type(exc).__name__}: {exc}") from None
    if isinstance(obj, dict) and obj.get("tag") == MODEL_TAG:
        return obj
    if hasattr(obj, "predict") and hasattr(obj, "coef_"):
        return {"model": obj, "feature_names": None, "target": None, "format": None,
                "n_features": np.asarray(obj.coef_).shape[1]}
    raise _not_a_model(path, f"it holds a {type(obj).__name__}")


# --------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------
def _progress(args):
    from .benchmarks import Progress

    return Progress(quiet=getattr(args, "quiet", False))


def _estimator_class():
    try:
        from .benchmarks import our_estimator_class

        return our_estimator_class()
    except ImportError as exc:
        raise CLIError(f"SoftmaxRegression is not available in this installation ({exc}).") \
            from None


def vars_for_json(args):
    """The parsed options that are plain values (for results files)."""
    return {k: v for k, v in vars(args).items() if isinstance(v, (int, float, str, type(None)))}


def cmd_demo(args):
    """Fit both libraries on digits and a generated problem; print one table."""
    from . import benchmarks, report

    progress = _progress(args)
    _estimator_class()
    records = benchmarks.run_demo(n=args.n, d=args.d, K=args.classes, C=args.C, tol=args.tol,
                                  solver=args.solver, n_threads=args.threads,
                                  repeats=args.repeats, progress=progress)
    info = report.machine_info()
    blas = next((lib for lib in info["threadpools"] if lib["user_api"] == "blas"), {})
    print(f"softmax-ext {info['versions']['softmax-ext']} vs scikit-learn "
          f"{info['versions']['scikit-learn']} on {info['cpu']} ({info['usable_cpus']} usable "
          f"CPUs; BLAS {blas.get('internal_api', '?')} {blas.get('version', '')} "
          f"{blas.get('architecture') or ''})".rstrip())
    print(f"C={args.C:g}, tol={args.tol:g}; ours solver={args.solver}, "
          f"threads={records[0]['threads'] or info['default_threads']}; scikit-learn lbfgs with "
          "scipy's BLAS at 1 thread (its best setting)")
    print()
    if args.json:
        report.write_results_json(records, {"machine": info, "config": vars_for_json(args)},
                                  Path(args.json).parent, name=Path(args.json).name)
    print(report.demo_table(records))
    print()
    print(f"fit time: median of {args.repeats} fit(s); speedup = scikit-learn time / ours. "
          "Passes over X: ours counted by the objective, scikit-learn's counted by "
          "instrumenting LinearModelLoss (X@W and G^T@X products).")
    print("final objective: mean cross-entropy + ||W||^2/(2 C n) on the training set, same "
          "code for both; accuracy and log-loss on the held-out test set.")
    return 0


def cmd_fit(args):
    """Fit SoftmaxRegression on a data file and save it as a .npz model."""
    progress = _progress(args)
    out = _check_model_out(args.out)  # before the fit, which may take long
    progress(f"reading {args.data}")
    data = load_data(args.data, args.target)
    X, y = data["X"], data["y"]
    classes = np.unique(y)
    if len(classes) < 2:
        raise CLIError(f"{args.data}: the target {data['target']!r} has a single class "
                       f"({classes[0]!r}); a classifier needs at least two.")
    cls = _estimator_class()
    est = cls(C=args.C, tol=args.tol, solver=args.solver, max_iter=args.max_iter,
              n_threads=args.threads)
    progress(f"fitting {X.shape[0]:,} rows x {X.shape[1]:,} features, {len(classes)} classes "
             f"(solver={args.solver}, C={args.C:g}, tol={args.tol:g})")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        try:
            est.fit(X, y)
        except ValueError as exc:  # the estimator's checks of the data (labels, shapes)
            raise CLIError(f"{args.data}: {exc}") from None
        seconds = time.perf_counter() - start
    for w in caught:
        print(f"softmax-ext: warning: {w.message}", file=sys.stderr)
    write_model(out, est, feature_names=data["feature_names"], target=data["target"],
                data_format=data["format"])
    n_iter = np.max(np.asarray(getattr(est, "n_iter_", [-1])))
    acc = float(np.mean(est.predict(X) == y))
    print(f"fitted SoftmaxRegression(solver={args.solver!r}, C={args.C:g}, tol={args.tol:g}) on "
          f"{X.shape[0]:,} x {X.shape[1]:,}, {len(classes)} classes in {seconds:.3f} s, "
          f"{n_iter} iterations; training accuracy {acc:.4f}")
    print(f"saved model to {out}")
    return 0


def _predict_matrix(bundle, args):
    d = bundle["n_features"]
    fmt = _format_of(args.data)
    _check_exists(args.data)
    if fmt == "csv":
        return load_data(args.data, None, features=bundle.get("feature_names"))["X"]
    if fmt == "npz":
        return load_data(args.data, None)["X"]
    arr = _numeric_2d(_load_npy(args.data), args.data, "the array")
    t_idx = bundle.get("target")
    if arr.shape[1] == d + 1 and bundle.get("format") == "npy" and isinstance(t_idx, int):
        arr = np.delete(arr, t_idx, axis=1)   # the training layout, target column included
    return arr


def cmd_predict(args):
    """Predict with a saved model; write CSV to --out or stdout."""
    progress = _progress(args)
    out = Path(args.out) if args.out else None
    if out is not None and (out.is_dir() or not out.parent.is_dir()):  # before the work
        raise CLIError(f"--out {args.out}: cannot write a file there.")
    bundle = read_model(args.model, trust=args.trust)
    est = bundle["model"]
    progress(f"reading {args.data}")
    X = _predict_matrix(bundle, args)
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
    if out is not None:
        with open(out, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
        progress(f"wrote {X.shape[0]:,} rows to {out}")
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return 0


def cmd_bench(args):
    """Run the benchmark matrix and write the report."""
    from . import benchmarks, report

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {args.out} exists and is not a directory.")
    _estimator_class()
    progress = _progress(args)
    try:
        cfg = benchmarks.BenchConfig("full" if args.full else "quick", threads=args.threads,
                                     n=args.n, d=args.d, sizes=args.sizes, digits=args.digits,
                                     classes=args.classes, repeats=args.repeats, C=args.C,
                                     tol=args.tol, sections=args.sections)
    except ValueError as exc:  # BenchConfig's checks of the options it combines
        raise CLIError(str(exc)) from None
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CLIError("bench writes PNG plots with matplotlib, which is not installed "
                       "(pip install 'softmax-ext[bench]').") from None
    start = time.perf_counter()
    progress(f"benchmark matrix ({cfg.mode}), {cfg.threads} thread(s), writing to {out}")
    records = benchmarks.run_matrix(cfg, progress)
    config = cfg.as_dict()
    config["seconds_total"] = round(time.perf_counter() - start, 1)
    paths = report.write_all(records, config, out)
    if any(r["section"] == "fit" for r in records):
        print(report.headline_table(records, markdown=False))
        print()
    print(f"benchmark ({cfg.mode}) finished in {config['seconds_total']:.0f} s; wrote:")
    for path in paths.values():
        print(f"  {path}")
    return 0


# --------------------------------------------------------------------------
# parser and entry point
# --------------------------------------------------------------------------
def build_parser():
    parser = argparse.ArgumentParser(
        prog="softmax-ext",
        description="Fast, exact softmax regression: demo, fit, predict and benchmarks.",
        epilog="Exit status: 0 success; 2 bad input (arguments, data or model files; the "
        "message says what); 1 internal error or out of memory; 130 interrupted (Ctrl-C).")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def common_fit_options(p, defaults_tol):
        p.add_argument("--C", type=_positive_float, default=1.0,
                       help="inverse L2 strength, as in LogisticRegression (default 1.0)")
        p.add_argument("--tol", type=_positive_float, default=defaults_tol,
                       help=f"stopping tolerance (default {defaults_tol:g})")
        p.add_argument("--threads", type=_threads, default=None,
                       help="OpenMP threads for softmax-ext (default: all usable cores)")

    p = sub.add_parser("demo", help="compare with scikit-learn on digits and a generated problem",
                       description="Fit SoftmaxRegression and LogisticRegression (same C and "
                       "tol) on standardized digits and a generated n=200,000, d=100, K=10 "
                       "problem; print fit time, iterations, passes over X, final objective, "
                       "test accuracy, log-loss and the speedup.")
    common_fit_options(p, 1e-6)
    p.add_argument("--solver", choices=SOLVERS, default="auto", help="our solver (default auto)")
    p.add_argument("--n", type=_positive_int, default=200_000, help=argparse.SUPPRESS)
    p.add_argument("--d", type=_positive_int, default=100, help=argparse.SUPPRESS)
    p.add_argument("--classes", type=_class_count, default=10, help=argparse.SUPPRESS)
    p.add_argument("--repeats", type=_positive_int, default=3,
                   help="timed fits per library and data set (median shown; default 3)")
    p.add_argument("--json", default=None, metavar="FILE",
                   help="also write every measurement with its settings to FILE (JSON)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("fit", help="fit SoftmaxRegression on a data file",
                       description="Fit SoftmaxRegression on DATA (.csv with a header row, "
                       ".npz with arrays X and TARGET, or .npy with the target as column "
                       "index TARGET) and save the model as a .npz archive (coefficients, "
                       "classes, feature names and parameters; loading it runs no code).")
    p.add_argument("data", metavar="DATA", help="a .csv, .npz or .npy file")
    p.add_argument("--target", required=True, metavar="COLUMN",
                   help="target column name (CSV), array key (.npz) or column index (.npy)")
    common_fit_options(p, 1e-4)
    p.add_argument("--solver", choices=SOLVERS, default="auto", help="solver (default auto)")
    p.add_argument("--max-iter", type=_positive_int, default=100, dest="max_iter",
                   help="maximum iterations (default 100)")
    p.add_argument("--out", default="model.npz",
                   help="model file, a name ending in .npz (default model.npz)")
    p.set_defaults(func=cmd_fit)

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

    p = sub.add_parser("bench", help="run the benchmark matrix and write a report",
                       description="Kernels vs NumPy/scipy.special, objective vs scikit-learn's "
                       "LinearModelLoss, fits vs LogisticRegression per solver, scaling in n, "
                       "K and threads, convergence curves. Writes report.md, results.json and "
                       "PNG plots into --out.")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true",
                      help="small sizes, about two minutes on 2 cores (default)")
    mode.add_argument("--full", action="store_true", help="larger sizes, more repeats")
    p.add_argument("--threads", type=_positive_int, default=None,
                   help="threads for softmax-ext; thread scaling runs 1..N (default: all)")
    p.add_argument("--out", default="bench-report", metavar="DIR",
                   help="output directory (default bench-report)")
    p.add_argument("--C", type=_positive_float, default=1.0, help=argparse.SUPPRESS)
    p.add_argument("--tol", type=_positive_float, default=1e-6, help=argparse.SUPPRESS)
    p.add_argument("--n", type=_positive_int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--d", type=_positive_int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--no-digits", action="store_false", dest="digits", help=argparse.SUPPRESS)
    p.add_argument("--sizes", type=_int_list, default=None, help=argparse.SUPPRESS)
    p.add_argument("--classes", type=_int_list, default=None, help=argparse.SUPPRESS)
    p.add_argument("--repeats", type=_positive_int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--sections", type=lambda s: [v.strip() for v in s.split(",") if v.strip()],
                   default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_bench)
    return parser


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
