"""Data files for ``fit`` and ``predict``: ``.csv``, ``.npz`` and ``.npy``.

Every reader returns float64 or the file's numeric dtype as it is (no copy to
another dtype); each failure is a ``CLIError`` naming the file and what was
wrong with it.
"""

from pathlib import Path

import numpy as np

from .csv_reader import read_csv
from .errors import CLIError

__all__ = ["load_data", "prediction_matrix", "format_of", "check_exists", "numeric_2d",
           "load_npy"]


def format_of(path):
    """The format of a data file from its name: "csv", "npz" or "npy"."""
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix in (".npz", ".npy"):
        return suffix[1:]
    raise CLIError(f"{path}: unsupported file type {suffix or '(none)'!r}; "
                   "expected .csv, .npz or .npy.")


def check_exists(path, what="data file"):
    """``path`` as a Path, after checking that it names an existing file."""
    p = Path(path)
    if not p.exists():
        raise CLIError(f"{what} not found: {path}")
    if p.is_dir():
        raise CLIError(f"{what} {path} is a directory, expected a file.")
    return p


def numeric_2d(arr, path, name):
    """``arr`` after checking it is a non-empty, finite, numeric 2-D array."""
    arr = np.asarray(arr)
    if arr.dtype.kind not in "biuf":
        raise CLIError(f"{path}: {name} must hold numbers, got dtype {arr.dtype}.")
    if arr.ndim != 2:
        raise CLIError(f"{path}: {name} must be 2-D (rows x features), got shape {arr.shape}.")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise CLIError(f"{path}: {name} is empty (shape {arr.shape}).")
    if arr.dtype.kind == "f" and not _all_finite(arr):
        raise CLIError(f"{path}: {name} has NaN or infinite values.")
    return arr


def _all_finite(arr):
    """Whether every value is finite, scanned in row blocks (no n x d temporary:
    a memory-mapped array is read once, never held)."""
    rows = max(1, (1 << 24) // max(1, arr.shape[1] * arr.itemsize))
    return all(np.isfinite(arr[i:i + rows]).all() for i in range(0, arr.shape[0], rows))


def load_npy(path):
    """The array of a ``.npy`` file, read without pickle."""
    try:
        # memory-mapped: a file larger than memory is read block by block by the fit
        return np.load(path, mmap_mode="r", allow_pickle=False)
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
    check_exists(path)
    fmt = format_of(path)
    if fmt == "csv":
        X, y, names, tname = read_csv(path, target, features)
        return {"X": X, "y": y, "feature_names": names, "target": tname, "format": fmt}
    if fmt == "npz":
        X, y = _read_npz(path, target, features_key)
        return {"X": X, "y": y, "feature_names": None, "target": target, "format": fmt}
    X, y, t_idx = _read_npy(path, target)
    return {"X": X, "y": y, "feature_names": None, "target": t_idx, "format": fmt}


def _read_npz(path, target, features_key):
    """(X, y or None) from the arrays ``features_key`` and ``target`` of a .npz archive."""
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
    X = numeric_2d(X, path, f"feature array {features_key!r}")
    if y is not None:
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise CLIError(f"{path}: target {target!r} has shape {y.shape}, expected "
                           f"({X.shape[0]},) like the rows of {features_key!r}.")
    return X, y


def _read_npy(path, target):
    """(X, y or None, target column index or None) from a .npy array.

    ``target`` is the index of the target column (negative from the end); its
    labels become int64 when they are all whole numbers.
    """
    arr = numeric_2d(load_npy(path), path, "the array")
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
    return arr, y, t_idx


def prediction_matrix(path, bundle):
    """The feature matrix of a data file for ``predict``, laid out as the model expects.

    Parameters
    ----------
    path : str
        A .csv (columns matched to the model's features by name), .npz (array
        ``X``) or .npy file; a .npy laid out as the model's training file
        (target column included) loses that column again.
    bundle : dict
        What :func:`~softmax_ext._cli.model_file.read_model` returns.

    Returns
    -------
    ndarray of shape (n_samples, n_columns)
        ``n_columns`` is not checked against the model here.
    """
    d = bundle["n_features"]
    fmt = format_of(path)
    check_exists(path)
    if fmt == "csv":
        return load_data(path, None, features=bundle.get("feature_names"))["X"]
    if fmt == "npz":
        return load_data(path, None)["X"]
    arr = numeric_2d(load_npy(path), path, "the array")
    t_idx = bundle.get("target")
    if arr.shape[1] == d + 1 and bundle.get("format") == "npy" and isinstance(t_idx, int):
        arr = np.delete(arr, t_idx, axis=1)   # the training layout, target column included
    return arr
