"""CSV files for ``fit`` and ``predict``.

A header row, then one row per sample.  The feature columns are parsed by
numpy's C ``loadtxt`` straight into a float64 array, so a read needs about
that array's size in memory; lines are limited to ``MAX_LINE_BYTES``.
"""

import contextlib
import csv
import math
import warnings
from pathlib import Path

import numpy as np

from .errors import CLIError

__all__ = ["read_csv", "MAX_LINE_BYTES"]

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

    The error path of ``read_csv``, a second pass with the csv module (one
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


def read_csv(path, target, features=None):
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
