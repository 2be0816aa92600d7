"""Fuzz worker: feed SoftmaxRegression many random malformed inputs.

Run as a script (by ``tests/kernels/test_fuzz_inputs.py``, in a subprocess so that a
crash of the interpreter -- a segfault or abort in a kernel -- shows up as a
negative return code instead of killing the test session)::

    python tests/kernels/fuzz_worker.py SEED N_CASES

Each case builds random X / y / sample_weight / parameters (random shapes,
dtypes, NaN/inf, empty arrays, huge and tiny values, wrong label types,
mismatched lengths, sparse matrices with bad data) and calls fit, then the
prediction methods on another random input.  ValueError and TypeError are the
expected answers to bad input and are counted; any other exception propagates
(exit code 1) and a signal kills the process (negative return code).  The
last line printed is ``fuzz ok: <cases> cases, <errors> rejected``.
"""

import sys
import warnings

import numpy as np
import scipy.sparse as sp

from softmax_ext.linear_model import SoftmaxRegression

SPECIALS = [np.nan, np.inf, -np.inf, 1e308, -1e308, 1e38, 3e38, 1e-308, 5e-324, 0.0, -0.0]
DTYPES = [np.float64, np.float32, np.float16, np.int8, np.int64, np.uint64, np.bool_,
          np.complex128, object, "U3"]


def random_shape(rng):
    kind = rng.integers(20)
    if kind == 0:
        return (int(rng.integers(0, 3)),)  # 1-D
    if kind == 1:
        return tuple(int(v) for v in rng.integers(0, 4, size=3))  # 3-D
    return (int(rng.integers(0, 30)), int(rng.integers(0, 6)))


def random_values(rng, shape, dtype):
    """Random array of ``shape`` and ``dtype``, sometimes with special values."""
    size = int(np.prod(shape))
    scale = 10.0 ** rng.integers(-3, 40) if rng.random() < 0.2 else 1.0
    vals = rng.normal(size=size) * scale
    if size and rng.random() < 0.2:
        idx = rng.integers(0, size, size=int(rng.integers(1, size + 1)))
        vals[idx] = rng.choice(SPECIALS, size=idx.size)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dtype == "U3":
            out = np.array([str(v)[:3] for v in vals], dtype="U3")
        elif dtype is object:
            pool = [1.0, "a", None, 2, np.nan, [1], 3.5]
            out = np.array([pool[i] for i in rng.integers(0, len(pool), size=size)] or [],
                           dtype=object)
        elif dtype == np.complex128:
            out = (vals + 1j * vals[::-1]).astype(np.complex128)
        elif np.dtype(dtype).kind in "iub":
            out = np.nan_to_num(vals, posinf=0, neginf=0).clip(-100, 100).astype(dtype)
        else:
            out = vals.astype(dtype)
    return out.reshape(shape)


def random_X(rng, shape=None):
    shape = shape if shape is not None else random_shape(rng)
    dtype = DTYPES[rng.integers(len(DTYPES))] if rng.random() < 0.3 else np.float64
    X = random_values(rng, shape, dtype)
    r = rng.random()
    if len(shape) == 2 and np.asarray(X).dtype.kind in "fiub" and r < 0.25:
        fmt = ["csr", "csc", "coo", "lil"][rng.integers(4)]
        X = sp.random(shape[0], shape[1], density=rng.random(), format="csr",
                      random_state=int(rng.integers(1 << 31)), dtype=np.float64)
        if X.nnz and rng.random() < 0.5:
            X.data[rng.integers(0, X.nnz)] = rng.choice(SPECIALS)
        if rng.random() < 0.3:
            X = X.astype(np.float32)
        if rng.random() < 0.2 and X.nnz:
            X.indices = X.indices.astype(np.int64)
            X.indptr = X.indptr.astype(np.int64)
        X = X.asformat(fmt)
    elif r < 0.35:
        X = X.tolist()
    elif r < 0.4 and X.ndim == 2:
        X = np.asfortranarray(X)
    elif r < 0.45 and X.ndim == 2 and X.shape[1] > 1:
        X = X[:, ::2]  # strided view
    return X


def random_y(rng, n):
    kind = rng.integers(16)
    if rng.random() < 0.1:  # wrong length
        n = max(0, n + int(rng.integers(-2, 3)))
    k = int(rng.integers(2, 5))
    base = rng.integers(0, k, size=n)
    if kind == 0:
        return np.array(["cat", "dog", "eel", "fox"])[base]
    if kind == 1:
        return base * 1000 - 7
    if kind == 2:
        return base.astype(float) + (rng.random() < 0.5) * 0.5  # continuous sometimes
    if kind == 3:
        y = base.astype(float)
        if n:
            y[rng.integers(0, n)] = rng.choice([np.nan, np.inf])
        return y
    if kind == 4:
        pool = ["a", 1, None, 2.5, (1,)]
        return np.array([pool[i] for i in rng.integers(0, len(pool), size=n)] or [],
                        dtype=object)
    if kind == 5:
        return np.column_stack([base, base])  # 2-D
    if kind == 6:
        return np.zeros(n, dtype=int)  # one class
    if kind == 7:
        return base.astype(bool)
    if kind == 8:
        return base.astype(np.complex128)
    if kind == 9:
        return base.tolist()
    return base


def random_sample_weight(rng, n):
    kind = rng.integers(12)
    if kind < 4:
        return None
    if kind >= 10:
        return rng.uniform(0, 3, size=n)  # valid
    if kind == 4:
        return rng.uniform(-1, 1, size=n)  # negative
    if kind == 5:
        sw = rng.uniform(0, 2, size=n)
        if n:
            sw[rng.integers(0, n)] = rng.choice([np.nan, np.inf])
        return sw
    if kind == 6:
        return rng.uniform(0, 2, size=max(0, n + int(rng.integers(-2, 3))))  # length
    if kind == 7:
        return np.zeros(n)
    if kind == 8:
        return float(rng.choice([2.0, -1.0, 0.0, np.nan]))  # scalar
    return np.array(["w"] * n) if rng.random() < 0.5 else rng.uniform(0, 1e300, size=n)


def random_params(rng):
    params = {"max_iter": int(rng.choice([0, 1, 3, 15]))}
    if rng.random() < 0.5:
        params["solver"] = str(rng.choice(["auto", "lbfgs", "newton-cholesky", "newton-cg",
                                           "gd"]))
    if rng.random() < 0.3:
        params["C"] = rng.choice([1.0, 1e-8, 1e8, np.inf, 1e300, 1e-300, 0.0, -1.0, np.nan])
    if rng.random() < 0.1:
        params["class_weight"] = ["balanced", {0: 2.0}, {0: -1.0, 1: 1.0}, {"x": 1},
                                  "bogus"][rng.integers(5)]
    if rng.random() < 0.2:
        params["n_threads"] = [1, 2, 3, -1, -5, None, 0, 1.5][rng.integers(8)]
    if rng.random() < 0.2:
        params["fit_intercept"] = bool(rng.random() < 0.5)
    if rng.random() < 0.1:
        params["tol"] = rng.choice([0.0, -1.0, 1e-300, np.nan])
    if rng.random() < 0.1:
        params["warm_start"] = True
    return params


def extreme_valid_case(rng):
    """Well-formed input with extreme but finite values: huge, tiny, mixed scales,
    constant or duplicated columns, float32 near its overflow, sparse or dense."""
    n, d = int(rng.integers(2, 40)), int(rng.integers(1, 6))
    dtype = np.float32 if rng.random() < 0.4 else np.float64
    big = np.finfo(dtype).max
    X = rng.normal(size=(n, d)) * 10.0 ** rng.integers(-300 if dtype == np.float64 else -40,
                                                       3, size=d)
    kind = rng.integers(4)
    if kind == 0:
        X[rng.integers(0, n), rng.integers(0, d)] = big * rng.choice([-1, 1])
    elif kind == 1:
        X[:, 0] = rng.choice([0.0, 1e-300, big / 2])
    elif kind == 2 and d > 1:
        X[:, 1] = X[:, 0]
    with np.errstate(all="ignore"):
        X = X.astype(dtype)
    if rng.random() < 0.3:
        X = sp.csr_matrix(X)
    y = rng.integers(0, int(rng.integers(2, 5)), size=n)
    y[:2] = [0, 1]
    sw = None if rng.random() < 0.5 else rng.uniform(0, 10.0 ** rng.integers(-300, 300), n)
    params = random_params(rng)
    params.update(C=float(rng.choice([1.0, 1e-10, 1e10, np.inf])), n_threads=None,
                  tol=1e-4, class_weight=None)
    return SoftmaxRegression(**params).fit(X, y, sample_weight=sw)


def one_case(rng, est_prev):
    """One random fit (+ predictions).  Returns the fitted estimator or None."""
    if rng.random() < 0.3:
        return extreme_valid_case(rng)
    shape = random_shape(rng)
    X = random_X(rng, shape)
    n = shape[0] if len(shape) else 0
    y = random_y(rng, n)
    sw = random_sample_weight(rng, n)
    if est_prev is not None and rng.random() < 0.2:
        est = est_prev  # refit (warm start paths) or predict with a fitted model
        est.set_params(warm_start=True)
    else:
        est = SoftmaxRegression(**random_params(rng))
    est.fit(X, y, sample_weight=sw)
    return est


def predict_case(rng, est):
    n_features = getattr(est, "n_features_in_", 3)
    if rng.random() < 0.5:
        shape = (int(rng.integers(0, 6)), n_features + int(rng.choice([0, 0, 0, -1, 1])))
    else:
        shape = random_shape(rng)
    X = random_X(rng, shape)
    method = ["predict", "predict_proba", "predict_log_proba", "decision_function",
              "score"][rng.integers(5)]
    if method == "score":
        return est.score(X, random_y(rng, shape[0] if len(shape) else 0))
    return getattr(est, method)(X)


def check_consistent(est):
    """A fitted model (even after a failed refit) must be internally consistent."""
    if est is None or not hasattr(est, "coef_"):
        return
    k = len(est.classes_)
    assert est.coef_.shape == (1 if k == 2 else k, est.n_features_in_), vars(est)
    assert est.intercept_.shape == (est.coef_.shape[0],), vars(est)
    assert np.all(np.isfinite(est.coef_)) and np.all(np.isfinite(est.intercept_)), vars(est)


def main(seed, n_cases):
    rng = np.random.default_rng(seed)
    rejected = fits = predictions = 0
    fitted = None
    for _ in range(n_cases):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                est = one_case(rng, fitted)
                fitted = est
                fits += 1
            except (ValueError, TypeError):
                rejected += 1
            check_consistent(fitted)
            target = fitted if (fitted is not None and rng.random() < 0.8) else \
                SoftmaxRegression()
            try:
                predict_case(rng, target)
                predictions += 1
            except (ValueError, TypeError):  # includes NotFittedError (a ValueError)
                rejected += 1
    print(f"fuzz ok: {n_cases} cases, {fits} fits and {predictions} predictions ran, "
          f"{rejected} calls rejected")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
