"""The problems the benchmarks measure, built in one place.

Both benchmark systems (see :mod:`softmax_ext.bench`) take their data and
their scoring objective from here, so that a case means the same thing in
``make bench`` and in ``softmax-ext bench``.
"""

import numpy as np

from .. import MultinomialLoss
from ..linear_model._penalty_params import l2_from_C

__all__ = ["l2_of", "make_problem", "digits_problem", "kernel_scores", "scoring_loss"]


def l2_of(C, n):
    """The L2 strength of LogisticRegression's ``C`` on ``n`` unit-weight rows."""
    return l2_from_C(C, float(n))


def _standardize(train, test, dtype):
    """Both sets centred and scaled by the training set's statistics, C order, ``dtype``."""
    mean, std = train.mean(axis=0), train.std(axis=0)
    std[std == 0] = 1.0
    return (np.ascontiguousarray((train - mean) / std, dtype=dtype),
            np.ascontiguousarray((test - mean) / std, dtype=dtype))


def make_problem(n, d, K, *, seed=0, dtype=np.float64, n_test=None):
    """A generated classification problem: ``n`` training rows plus a test set.

    ``make_classification`` with ``d // 2`` informative features, one cluster
    per class, standardized with the training statistics.

    Returns
    -------
    X_train : ndarray (n, d), C order, ``dtype``
    X_test : ndarray (n_test, d)
    y_train, y_test : int ndarrays
    """
    from sklearn.datasets import make_classification

    n_test = max(K, n // 4) if n_test is None else n_test
    n_inf = max(2, d // 2)
    while 2 ** n_inf < K:  # make_classification needs K clusters to fit
        n_inf += 1
    X, y = make_classification(
        n_samples=n + n_test, n_features=max(d, n_inf), n_informative=n_inf, n_redundant=0,
        n_classes=K, n_clusters_per_class=1, class_sep=1.0, flip_y=0.01, random_state=seed)
    X_train, X_test = _standardize(X[:n], X[n:], dtype)
    return X_train, X_test, y[:n], y[n:]


def digits_problem(dtype=np.float64):
    """scikit-learn's bundled digits (1797 x 64, K = 10), standardized, 75/25 split.

    Returns
    -------
    X_train, X_test, y_train, y_test
        As :func:`make_problem`.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y)
    X_train, X_test = _standardize(X_train, X_test, dtype)
    return X_train, X_test, y_train, y_test


def kernel_scores(n, K, dtype=np.float64):
    """Scores and labels for the row-wise kernels, the same for every dtype.

    Returns
    -------
    Z : ndarray of shape (n, K), C order, ``dtype``
        N(0, 16) entries: wide enough that softmax needs its max shift.
    y : ndarray of shape (n,), int64
        Labels in [0, K), independent of Z.
    """
    Z = (np.random.default_rng(0).standard_normal((n, K)) * 4).astype(dtype)
    y = np.random.default_rng(1).integers(0, K, size=n)
    return Z, y


def scoring_loss(X, y, C, *, n_classes=None, n_threads=None):
    """The float64 objective every fit of a case is scored with.

    scikit-learn's objective, mean cross-entropy + ||W||^2 / (2 C n), as a
    :class:`~softmax_ext.MultinomialLoss` on float64 X, so that fits of both
    libraries and of every dtype are compared by the same code.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n, d)
        Converted to float64 when it is not.
    y : ndarray of shape (n,)
        Class indices in [0, n_classes).
    C : float
    n_classes : int, optional
        Default: ``max(y) + 1``.
    n_threads : int, optional
    """
    X64 = X if X.dtype == np.float64 else X.astype(np.float64)
    return MultinomialLoss(X64, y, l2=l2_of(C, X64.shape[0]), n_classes=n_classes,
                           n_threads=n_threads)
