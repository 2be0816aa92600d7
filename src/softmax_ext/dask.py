"""Fits on Dask arrays: the kernels run on the workers, the solver on the client.

``softmax_ext.dask.SoftmaxRegression`` is :class:`softmax_ext.SoftmaxRegression`
(same parameters, same attributes, same in-memory behaviour) whose ``fit``
also takes row-chunked ``dask.array`` X, y and sample_weight, and whose
``predict`` / ``predict_proba`` / ``predict_log_proba`` / ``decision_function``
return dask arrays for dask input (``map_blocks``: the fitted model travels to
the chunks, not the chunks to the client).

A fit builds one block objective per chunk *on the worker that holds the
chunk* (``DaskBlocks``), checked once and kept there as a future.  Each
evaluation the solver asks for sends the coefficients (O(d K)) to every
block, runs the kernels there, and sums the per-block loss and gradient (or
Hessian products, or Hessian blocks for newton-cholesky) in a binary tree of
additions on the workers; only the sum comes back.  The scores never exist
anywhere as an (n, K) array (``scale/_scores.py``).  Design: docs/scale.md.

Needs ``dask[array]`` and ``distributed`` (``pip install softmax-ext[dask]``)
and a ``distributed.Client`` (the default client: ``Client(cluster)`` or
``Client("tcp://scheduler:8786")`` before ``fit``).
"""

import numbers

import numpy as np

try:
    import dask
    import dask.array as da
    from dask.base import is_dask_collection
    from distributed import get_client, wait
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("softmax_ext.dask needs dask[array] and distributed: "
                      "pip install 'softmax-ext[dask]'.") from exc

from sklearn.utils.class_weight import compute_class_weight

from .linear_model import SoftmaxRegression as _InMemory
from .linear_model._coef import warm_start_coef
from .linear_model._liblinear import SAME_OPTIMUM_SOLVERS
from .linear_model._penalty_params import effective_penalty, penalty_strengths
from .linear_model._sample_weight import weight_sum as _weight_sum
from .objective import FixedClassLoss
from .scale import BlockedLoss, _tasks
from .solvers import solve

__all__ = ["DaskBlocks", "SoftmaxRegression"]


def _apply(block, _task, _args):
    return _task(block, *_args)


def _tree_sum(client, futures):
    """Sum of the futures' results by pairwise additions on the workers."""
    while len(futures) > 1:
        pairs = [client.submit(_tasks.add, futures[i], futures[i + 1], pure=False)
                 for i in range(0, len(futures) - 1, 2)]
        futures = pairs + ([futures[-1]] if len(futures) % 2 else [])
    return futures[0].result()


class DaskBlocks:
    """The block map of :class:`~softmax_ext.scale.BlockedLoss` over Dask chunks.

    Parameters
    ----------
    X : dask.array of shape (n_samples, n_features)
        float32 or float64, chunked along rows (column chunks are merged);
        dense chunks or sparse ones (scipy.sparse matrices or arrays of any
        format, pydata ``sparse`` COO / GCXS), bound as CSR on the workers.
    y : dask.array of shape (n_samples,)
        Labels encoded in ``[0, n_classes)``.
    sample_weight : dask.array of shape (n_samples,) or None
    n_classes : int
    fit_intercept : bool
    n_threads : int or None
        The kernels' threads on each worker (None: the worker's usable
        cores, which a nanny limits through OMP_NUM_THREADS).
    client : distributed.Client, optional
        Default: the current client.

    Attributes
    ----------
    is_sparse : bool
        Some chunk is sparse.
    nnz : int
        The values a pass reads, over all chunks.
    """

    def __init__(self, X, y, sample_weight, *, n_classes, fit_intercept, n_threads,
                 client=None):
        self.client = get_client() if client is None else client
        X = X.rechunk({1: -1})
        rows = X.chunks[0]
        y = y.rechunk((rows,))
        sws = [None] * len(rows) if sample_weight is None else \
            list(sample_weight.rechunk((rows,)).to_delayed().ravel())
        offsets = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(int)
        build = dask.delayed(_tasks.block_objective, pure=False)
        parts = [build(x, yb, sb, n_classes=n_classes, fit_intercept=fit_intercept,
                       n_threads=n_threads, row_offset=int(o))
                 for x, yb, sb, o in zip(X.to_delayed().ravel(), y.to_delayed().ravel(),
                                         sws, offsets)]
        self.futures = self.client.compute(parts)
        wait(self.futures)
        for f in self.futures:   # a chunk that failed its checks raises its error here
            if f.status == "error":
                f.result()
        self.n_samples, self.n_features = int(X.shape[0]), int(X.shape[1])
        self.dtype = X.dtype
        self.n_threads = n_threads
        # what the chunks turned out to be (a dask array's meta may not say)
        sparse_blocks, nnz = self.map_reduce(_tasks.layout_task) or (0, 0)
        self.is_sparse, self.nnz = sparse_blocks > 0, int(nnz)
        self.weight_sum = float(self.n_samples if sample_weight is None else
                                sample_weight.sum(dtype=np.float64).compute())

    @property
    def n_blocks(self):
        return len(self.futures)

    def map_reduce(self, task, *args):
        """``sum_b task(block_b, *args)``: the tasks where the blocks live, a tree of sums."""
        futures = self.client.map(_apply, self.futures, _task=task, _args=args, pure=False)
        return _tree_sum(self.client, futures)


def _as_dask_vector(v, rows, name):
    if v is None:
        return None
    v = v if is_dask_collection(v) else da.from_array(np.asarray(v), chunks=(rows,))
    if v.ndim != 1 or v.shape[0] != sum(rows):
        raise ValueError(f"{name} has shape {v.shape} but X has {sum(rows)} rows.")
    return v


def _encode(y, classes):
    return np.searchsorted(classes, y).astype(np.intp)


def _class_weighted(class_weight, classes, y_enc, sw):
    """Sample weights times the class weights (scikit-learn's rules, from class sums)."""
    K = classes.shape[0]
    ones = da.ones_like(y_enc, dtype=np.float64) if sw is None else sw.astype(np.float64)
    sums = da.bincount(y_enc, weights=ones, minlength=K).compute()
    # the class weights depend on y only through the (weighted) class sums
    cw = np.asarray(compute_class_weight(class_weight, classes=classes, y=classes,
                                         sample_weight=sums), dtype=np.float64)
    if not np.all(np.isfinite(cw)) or np.any(cw < 0):
        raise ValueError("class_weight must hold finite non-negative weights, got "
                         f"{dict(zip(classes.tolist(), cw.tolist()))}.")
    return ones * y_enc.map_blocks(lambda b: cw[b], dtype=np.float64)


class SoftmaxRegression(_InMemory):
    """:class:`softmax_ext.SoftmaxRegression` that also fits and predicts on Dask arrays.

    Parameters are those of :class:`softmax_ext.SoftmaxRegression`.  Dask
    X may have dense chunks or sparse ones (scipy.sparse, any format; pydata
    ``sparse`` COO / GCXS), which the workers bind as CSR.  With
    dask input, L1 and elastic-net penalties (``l1_ratio > 0``, or
    ``solver="prox-newton"``) are fitted by OWL-QN (``solvers/owlqn.py``:
    the optimum of the in-memory proximal Newton fit, in more passes over
    X), ``solver="liblinear"`` raises ValueError, scikit-learn's fit
    callbacks are not run, and the separability warning is not given (it
    reads the scores).

    Examples
    --------
    >>> from distributed import Client, LocalCluster            # doctest: +SKIP
    >>> client = Client(LocalCluster(n_workers=2))              # doctest: +SKIP
    >>> import dask.array as da                                  # doctest: +SKIP
    >>> X = da.random.random((10**6, 20), chunks=(10**5, 20))    # doctest: +SKIP
    >>> y = (X[:, 0] > 0.5).astype(int)                          # doctest: +SKIP
    >>> model = SoftmaxRegression(C=10.0).fit(X, y)              # doctest: +SKIP
    >>> model.predict(X[:5]).compute()                           # doctest: +SKIP
    """

    def fit(self, X, y, sample_weight=None):
        """Fit on in-memory data (as the parent) or on row-chunked dask arrays."""
        if not is_dask_collection(X):
            return super().fit(X, y, sample_weight)
        self._validate_params()
        fitted = {k: v for k, v in vars(self).items() if k.endswith("_")}
        try:
            return self._fit_dask(X, y, sample_weight)
        except BaseException:
            for key in [k for k in vars(self) if k.endswith("_")]:
                delattr(self, key)
            vars(self).update(fitted)
            raise

    def _fit_dask(self, X, y, sample_weight):
        C, l1_ratio = effective_penalty(self)
        if self.solver == "liblinear":
            raise ValueError("solver='liblinear' (its penalised intercept) is not supported on "
                             "dask arrays; use solver='auto', 'lbfgs', 'newton-cg' or "
                             "'newton-cholesky'.")
        X = _check_dask_X(X)
        rows = X.chunks[0]
        y = _as_dask_vector(y, rows, "y")
        sw = _as_dask_vector(sample_weight, rows, "sample_weight")
        classes = np.asarray(da.unique(y).compute())
        if classes.shape[0] < 2:
            raise ValueError("This solver needs samples of at least 2 classes in the data, but "
                             f"the data contains only one class: {classes[0]!r}")
        y_enc = y.map_blocks(_encode, classes, dtype=np.intp)
        if sw is not None:
            sw = sw.astype(X.dtype)
        if self.class_weight is not None:
            sw = _class_weighted(self.class_weight, classes, y_enc, sw).astype(X.dtype)
        K, d = classes.shape[0], X.shape[1]
        coef0 = warm_start_coef(self, K, d) if self.warm_start else None
        blocks = DaskBlocks(X, y_enc, sw, n_classes=K, fit_intercept=self.fit_intercept,
                            n_threads=self.n_threads)
        l2, l1 = penalty_strengths(C, l1_ratio, _weight_sum(
            None if sw is None else np.array([blocks.weight_sum]), X.shape[0]))
        objective = BlockedLoss(blocks, n_classes=K, l2=l2, fit_intercept=self.fit_intercept)
        if K == 2:
            objective = FixedClassLoss(objective, fixed=0)
        solver = "auto" if self.solver in SAME_OPTIMUM_SOLVERS else self.solver
        result = solve(objective, coef0, solver=solver, tol=self.tol, max_iter=self.max_iter,
                       verbose=self.verbose, l1=l1)
        self.classes_ = classes
        self.n_features_in_ = d
        self._set_attributes(objective, result, X.dtype, l1)
        return self

    # ------------------------------------------------------------- predict
    def _map(self, name, X, *, per_class):
        X = _check_dask_X(X).rechunk({1: -1})
        # the output chunks are NumPy arrays whatever the input chunks are
        if per_class:
            return X.map_blocks(_predict_block, self, name, dtype=np.float64,
                                chunks=(X.chunks[0], (len(self.classes_),)),
                                meta=np.empty((0, 0), dtype=np.float64))
        dtype = self.classes_.dtype if name == "predict" else np.float64
        return X.map_blocks(_predict_block, self, name, dtype=dtype, drop_axis=1,
                            meta=np.empty((0,), dtype=dtype))

    def decision_function(self, X):
        """Scores (see the parent); a dask array for dask X."""
        if not is_dask_collection(X):
            return super().decision_function(X)
        return self._map("decision_function", X, per_class=len(self.classes_) > 2)

    def predict_proba(self, X):
        """Class probabilities (see the parent); a dask array for dask X."""
        if not is_dask_collection(X):
            return super().predict_proba(X)
        return self._map("predict_proba", X, per_class=True)

    def predict_log_proba(self, X):
        """Log-probabilities (see the parent); a dask array for dask X."""
        if not is_dask_collection(X):
            return super().predict_log_proba(X)
        return self._map("predict_log_proba", X, per_class=True)

    def predict(self, X):
        """Most probable class (see the parent); a dask array for dask X."""
        if not is_dask_collection(X):
            return super().predict(X)
        return self._map("predict", X, per_class=False)


def _predict_block(block, model, name):
    """The in-memory method ``name`` of ``model`` on one chunk (run on a worker)."""
    return getattr(_InMemory, name)(model, _tasks.as_scipy(block))


def _check_dask_X(X):
    """A 2-D dask array of float32 or float64 (other real dtypes become float64)."""
    if not isinstance(X, da.Array):
        raise TypeError(f"X must be a dask.array.Array, got {type(X).__name__}.")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}.")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"X must be numeric, got dtype {X.dtype}.")
    if any(isinstance(c, numbers.Number) and np.isnan(c) for c in X.shape):
        raise ValueError("X has unknown chunk sizes: call X.compute_chunk_sizes() first.")
    return X if X.dtype in (np.float32, np.float64) else X.astype(np.float64)
