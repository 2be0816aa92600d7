"""The cases of the speed matrix (issue 16's table): their data and settings.

Every case is built from a fixed seed, so that one case means the same data in
every run and on every machine:

- dense cases: :func:`softmax_ext.bench.cases.make_problem`'s training rows
  (scikit-learn's ``make_classification`` with ``n_informative = d // 2``,
  no redundant features, one cluster per class, ``flip_y=0.01``,
  standardized; the data of ``softmax-ext bench`` and of the issue's table:
  scikit-learn's lbfgs needs ~20-30 iterations on it).  The README's older
  table (``bench/test_bench_fit.py``) used ``make_classification``'s defaults
  otherwise (two redundant features, two clusters per class, not
  standardized): a harder problem, where scikit-learn's lbfgs takes ~4x longer;
- the TF-IDF case: :func:`tfidf_like`, documents of ~80 words drawn from a
  Zipf-like vocabulary of 50,000 words with a class topic mixed in, weighted
  by scikit-learn's ``TfidfTransformer`` (sublinear tf, rows of unit norm);
- digits: scikit-learn's bundled digits, all 1,797 rows, standardized.
"""

import numpy as np

__all__ = ["CASES", "Case", "load"]


class Case:
    """One row of the matrix: a name, a data builder and the fit settings.

    Parameters
    ----------
    key : str
        Short name, for ``--cases``.
    name : str
        Shown in the tables.
    build : callable
        ``build() -> (X, y)``.
    C, tol : float
    what : str
        The data, in words (shown under the table).
    """

    def __init__(self, key, name, build, *, C=1.0, tol=1e-6, what=""):
        self.key, self.name, self.build = key, name, build
        self.C, self.tol, self.what = C, tol, what


def classification(n, d, K, dtype=np.float64):
    """The training rows of ``cases.make_problem(n, d, K, dtype=dtype)`` (seed 0)."""
    from .cases import make_problem

    X, _, y, _ = make_problem(n, d, K, dtype=dtype)
    return X, y


def _words(rng, total, vocabulary, exponent):
    """``total`` word indices in [0, vocabulary) with P(rank r) ~ 1 / (r + 10) ** exponent."""
    weights = 1.0 / (np.arange(vocabulary) + 10.0) ** exponent
    cdf = np.cumsum(weights)
    return np.searchsorted(cdf, rng.random(total) * cdf[-1])


def tfidf_like(n=100_000, vocabulary=50_000, K=20, *, length=80, topic=0.25,
               topic_words=500, noise=0.05, seed=0):
    """A TF-IDF-like CSR problem: Zipf-like word counts with one topic per class.

    Each document of class ``k`` draws ~``length`` words (Poisson), a fraction
    ``topic`` of them from class ``k``'s own ``topic_words`` words (Zipf-like
    within them), the rest from the whole vocabulary; ``noise`` of the labels
    are then redrawn at random.  Counts are weighted by ``TfidfTransformer``
    (sublinear tf, l2-normalized rows), float64 CSR.

    Returns
    -------
    X : csr_matrix of shape (n, vocabulary)
    y : ndarray of shape (n,)
    """
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer

    rng = np.random.default_rng(seed)
    y = rng.integers(0, K, size=n)
    lengths = rng.poisson(length, size=n) + 5
    rows = np.repeat(np.arange(n), lengths)
    cols = _words(rng, rows.size, vocabulary, 1.0)
    topics = np.stack([rng.permutation(vocabulary)[:topic_words] for _ in range(K)])
    own = rng.random(rows.size) < topic
    cols[own] = topics[y[rows[own]], _words(rng, int(own.sum()), topic_words, 0.8)]
    counts = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, vocabulary))
    counts.sum_duplicates()
    X = TfidfTransformer(sublinear_tf=True).fit_transform(counts).tocsr()
    flip = rng.random(n) < noise
    y[flip] = rng.integers(0, K, size=int(flip.sum()))
    return X, y


def digits():
    """scikit-learn's digits (1,797 x 64, K=10), standardized."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    std = X.std(axis=0)
    std[std == 0] = 1.0
    return np.ascontiguousarray((X - X.mean(axis=0)) / std), y


_DENSE = ("cases.make_problem: make_classification, n_informative = d / 2, one cluster "
          "per class, standardized")
_K10 = (100_000, 100, 10)
CASES = {c.key: c for c in [
    Case("binary", "binary 100k x 100", lambda: classification(100_000, 100, 2), what=_DENSE),
    Case("dense", "dense 100k x 100, K=10", lambda: classification(*_K10), what=_DENSE),
    Case("dense-tol4", "same, tol 1e-4", lambda: classification(*_K10), tol=1e-4, what=_DENSE),
    Case("float32", "same, float32, tol 1e-4",
         lambda: classification(*_K10, dtype=np.float32), tol=1e-4, what=_DENSE + ", float32"),
    Case("k100", "K=100, 50k x 50", lambda: classification(50_000, 50, 100), what=_DENSE),
    Case("tall", "tall 1M x 20, K=5", lambda: classification(1_000_000, 20, 5), what=_DENSE),
    Case("tfidf", "TF-IDF CSR 100k x 50k, K=20, C=10", tfidf_like, C=10.0,
         what="speed_data.tfidf_like: Zipf-like words, a topic per class, TfidfTransformer"),
    Case("digits", "digits", digits, what="load_digits, 1,797 x 64, standardized"),
]}


def load(key):
    """The case ``key`` and its data: ``(case, X, y)``.

    Raises
    ------
    ValueError
        An unknown case name.
    """
    if key not in CASES:
        raise ValueError(f"unknown case {key!r}; choose from {list(CASES)}.")
    case = CASES[key]
    X, y = case.build()
    return case, X, y
