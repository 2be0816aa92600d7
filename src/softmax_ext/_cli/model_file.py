"""The ``.npz`` model file of ``fit`` / ``predict``, and ``--trust`` for pickles.

A model file is a plain .npz archive (np.savez), read with
allow_pickle=False: arrays of numbers or fixed-width strings plus one JSON
text, nothing that runs code when it is loaded.  Pickle and joblib files
(what `fit` wrote before) are opened only with --trust.
"""

import json
import os
import sys
from pathlib import Path

import numpy as np

from .. import SoftmaxRegression, __version__
from .data import check_exists
from .errors import CLIError

__all__ = ["write_model", "read_model", "check_model_out", "MODEL_TAG"]

MODEL_TAG = "softmax-ext model"
MODEL_FORMAT_VERSION = 1
MODEL_ARRAYS = ("meta", "coef", "intercept", "classes", "n_iter", "feature_names_in")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# How pickle and joblib files begin (protocol 2+ pickles; joblib's zlib, gzip,
# bz2, xz, lzma and lz4 files; joblib < 0.10).  Only the wording of the refusal
# depends on it: without --trust nothing but a zip archive is read as a model.
PICKLE_MAGIC = (b"\x80", b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda", b"\x1f\x8b",
                b"BZh", b"\xfd7zXZ", b"\x5d\x00\x00", b"\x04\x22\x4d\x18", b"ZF")


def check_model_out(out):
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
    classes = np.asarray(est.classes_)
    if classes.dtype.kind == "O":  # string labels
        classes = np.array([str(c) for c in classes], dtype=str)
    meta = {"format": MODEL_TAG, "format_version": MODEL_FORMAT_VERSION,
            "softmax_ext_version": __version__, "sklearn_version": _sklearn_version(),
            "estimator": type(est).__name__,
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
    check_exists(path, "model file")
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
    # (target None: fitted with --labels, X was the whole array)
    if data_format == "npy" and not (target is None or type(target) is int
                                     and 0 <= target <= est.n_features_in_):
        raise _not_a_model(path, f"target {target!r} is not a column of the training .npy")
    return {"model": est, "feature_names": names, "target": target, "format": data_format,
            "n_features": est.n_features_in_}


def _model_meta(path, text):
    """The JSON document of a model file, with its format tag and version checked."""
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
    _warn_on_version_mismatch(path, meta)
    return meta


def _sklearn_version():
    import sklearn

    return sklearn.__version__


def _warn_on_version_mismatch(path, meta):
    """A warning on stderr when the model was written by other versions.

    The file format is checked exactly (``format_version``); the versions of
    softmax-ext and scikit-learn only warn, as scikit-learn does when it
    unpickles an estimator from another version: the model still loads, but
    its parameters' defaults or meaning may have changed in between.
    """
    written = {"softmax-ext": meta.get("softmax_ext_version"),
               "scikit-learn": meta.get("sklearn_version")}
    running = {"softmax-ext": __version__, "scikit-learn": _sklearn_version()}
    for name, version in written.items():
        if version is not None and version != running[name]:
            print(f"softmax-ext predict: warning: {path} was written with {name} {version}; "
                  f"this is {name} {running[name]}. Predictions use the saved coefficients "
                  "as they are; refit if the results look wrong.", file=sys.stderr)


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
    est = SoftmaxRegression()
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

