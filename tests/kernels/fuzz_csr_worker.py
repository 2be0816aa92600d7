"""Fuzz worker: malformed CSR structures through every public path.

Run as a script (by ``tests/kernels/test_fuzz_inputs.py``, in a subprocess so that a
segfault or abort in a kernel shows up as a negative return code)::

    python tests/kernels/fuzz_csr_worker.py SEED N_CASES [--case I | --start I] [--keep-going]

Case ``i`` is drawn from its own generator ``default_rng([SEED, i])``, so
``--case I`` replays one case alone and prints a snippet that rebuilds it;
``--start I`` runs cases I to N_CASES - 1; ``--keep-going`` lists every
failure (short of a crash) instead of stopping at the first.
A case is one CSR matrix, built the way scipy lets one build a broken matrix
without a full check -- ``sp.csr_matrix((data, indices, indptr), shape=...)``,
then ``.indices`` / ``.indptr`` / ``.data`` assigned or mutated in place and
``has_sorted_indices`` / ``has_canonical_format`` forced -- and one call of
one path: ``SoftmaxRegression().fit`` with each solver and with an L1 and an
elastic-net penalty, predict /
predict_proba / decision_function of a fitted model, ``MultinomialLoss`` and
``FixedClassLoss`` and each of their methods, ``solve`` with each solver, and
``inference``.  Case ``i`` takes kind ``i % len(KINDS)`` and path
``(i // len(KINDS)) % len(PATHS)``, so every (kind, path) pair comes up once
in every ``len(KINDS) * len(PATHS)`` cases.

Outcomes:

- *rejected*: the call raised ValueError or TypeError;
- *equal*: the matrix is a valid matrix in disguise (unsorted indices under a
  forced "sorted" flag, duplicates under a forced "canonical" flag, unusual
  index or data dtypes, unreferenced trailing entries, strided or read-only
  arrays, NaN/inf data) and the result equals the result on the same matrix
  built canonically from dense (``rtol`` 1e-10 in float64, 1e-4 in float32,
  NaN equal to NaN) -- and a canonical matrix the path rejects must be
  rejected in disguise too;
- anything else fails: a result for a matrix with no valid reading (column
  index out of range, indptr not a valid row pointer, data and indices of
  different lengths, non-integral indices), a different result, another
  exception (exit code 1), a signal (negative exit code), or a hang
  (``faulthandler`` ends the process after ``CASE_TIMEOUT`` seconds).

The last line printed is ``csr fuzz ok: <cases> cases, <rejected> rejected,
<equal> equal``.
"""

import faulthandler
import functools
import sys
import traceback
import warnings

import numpy as np
import scipy.sparse as sp

import softmax_ext
from softmax_ext import FixedClassLoss, MultinomialLoss, SoftmaxRegression

CASE_TIMEOUT = 60.0  # seconds for one case; the cases are tiny
SOLVERS = ["lbfgs", "newton-cg", "newton-cholesky", "gd"]
OBJECTIVE_METHODS = ["loss", "loss_gradient", "gradient", "scores", "hessian", "hessp"]

# ----- the malformed matrices ----------------------------------------------
# Each kind returns (X, valid): valid=True when X is a well-defined matrix
# equal to the dense ``D`` it came from (only its representation is unusual),
# valid=False when no reading of X is a matrix of its shape.


def _base(rng, dtype=None):
    """A random dense matrix D (n, d) with about half its entries zero and
    its canonical CSR; dtype float64 or float32 unless given."""
    n, d = int(rng.integers(1, 13)), int(rng.integers(1, 7))
    D = rng.normal(size=(n, d))
    D[rng.random((n, d)) < rng.random()] = 0.0
    dtype = dtype or (np.float32 if rng.random() < 0.3 else np.float64)
    D = D.astype(dtype)
    return D, sp.csr_matrix(D)


def _raw(M):
    return M.data.copy(), M.indices.copy(), M.indptr.copy()


def _build(data, indices, indptr, shape):
    """scipy's constructor from arrays: checks lengths and the last pointer only."""
    return sp.csr_matrix((data, indices, indptr), shape=shape, copy=False)


def _assign(M, data=None, indices=None, indptr=None):
    """Replace arrays after construction: scipy checks nothing here."""
    if data is not None:
        M.data = data
    if indices is not None:
        M.indices = indices
    if indptr is not None:
        M.indptr = indptr
    return M


def _nonempty(rng, dtype=None):
    for _ in range(100):
        D, M = _base(rng, dtype)
        if M.nnz:
            return D, M
    D[0, 0] = 1.0
    return D, sp.csr_matrix(D)


def kind_column_too_large(rng):
    D, M = _nonempty(rng)
    data, indices, indptr = _raw(M)
    indices[rng.integers(M.nnz)] = D.shape[1] + int(rng.choice([0, 1, 7, 2**31 - 1 - D.shape[1]]))
    return _assign(M, indices=indices), False


def kind_column_negative(rng):
    D, M = _nonempty(rng)
    data, indices, indptr = _raw(M)
    indices[rng.integers(M.nnz)] = int(rng.choice([-1, -2, -(2**31)]))
    return _assign(M, indices=indices), False


def kind_column_mutated_in_place(rng):
    """Flags computed and cached first, then an index overwritten in place."""
    D, M = _nonempty(rng)
    assert M.has_canonical_format and M.has_sorted_indices
    M.indices[rng.integers(M.nnz)] = rng.choice([D.shape[1], -1, 10**6])
    return M, False


def kind_indptr_decreasing(rng):
    """A pointer overshooting the data, or one below its predecessor."""
    D, M = _nonempty(rng)
    while D.shape[0] < 2:
        D, M = _nonempty(rng)
    data, indices, indptr = _raw(M)
    i = int(rng.integers(1, D.shape[0]))
    if rng.random() < 0.5:
        indptr[i] = M.nnz + int(rng.integers(1, 4))
    else:
        indptr[i] = indptr[i - 1] - int(rng.integers(1, 3))
    return _assign(M, indptr=indptr), False


def kind_indptr_first_not_zero(rng):
    D, M = _nonempty(rng)
    data, indices, indptr = _raw(M)
    indptr[0] = int(rng.choice([1, -1, -5, M.nnz + 1]))
    return _assign(M, indptr=indptr), False


def kind_indptr_last_too_large(rng):
    D, M = _nonempty(rng)
    data, indices, indptr = _raw(M)
    indptr[-1] = M.nnz + int(rng.choice([1, 2, 1000, 2**30]))
    return _assign(M, indptr=indptr), False


def kind_indptr_wrong_length(rng):
    D, M = _nonempty(rng)
    data, indices, indptr = _raw(M)
    if rng.random() < 0.5 and indptr.size > 2:
        indptr = indptr[:-1].copy()  # one row short of the shape
    else:
        indptr = np.append(indptr, [M.nnz] * int(rng.integers(1, 3))).astype(indptr.dtype)
    return _assign(M, indptr=indptr), False


def kind_indptr_wrong_length_mutated(rng):
    """Rows appended to indptr that point past the data."""
    D, M = _nonempty(rng)
    data, indices, indptr = _raw(M)
    indptr = np.append(indptr, M.nnz + 3).astype(indptr.dtype)
    return _assign(M, indptr=indptr), False


def kind_data_indices_lengths(rng):
    D, M = _nonempty(rng)
    data, indices, indptr = _raw(M)
    if rng.random() < 0.5:
        data = data[:-1].copy() if rng.random() < 0.5 else np.append(data, 1.0).astype(data.dtype)
        return _assign(M, data=data), False
    indices = indices[:-1].copy() if rng.random() < 0.5 else np.append(indices, 0).astype(indices.dtype)
    return _assign(M, indices=indices), False


def kind_nonintegral_indices(rng):
    D, M = _nonempty(rng)
    data, indices, indptr = _raw(M)
    indices = indices.astype(np.float64)
    indices[rng.integers(M.nnz)] += 0.5
    return _assign(M, indices=indices), False


def kind_huge_unsigned_indices(rng):
    """uint64 indices beyond int64: a cast to int64 makes them negative."""
    D, M = _nonempty(rng)
    data, indices, indptr = _raw(M)
    indices = indices.astype(np.uint64)
    indices[rng.integers(M.nnz)] = np.uint64(2**64 - 1 - int(rng.integers(3)))
    return _assign(M, indices=indices), False


def kind_unsorted_forced_sorted(rng):
    D, M = _nonempty(rng)
    data, indices, indptr = _raw(M)
    for i in range(D.shape[0]):
        lo, hi = indptr[i], indptr[i + 1]
        perm = rng.permutation(hi - lo)[::-1]
        data[lo:hi], indices[lo:hi] = data[lo:hi][perm], indices[lo:hi][perm]
    X = _build(data, indices, indptr, D.shape)
    X.has_sorted_indices = True
    return (X, D), True


def kind_duplicates_forced_canonical(rng):
    """Each stored entry split in two (same column twice), flags forced."""
    D, M = _nonempty(rng)
    rows = np.repeat(np.arange(D.shape[0]), np.diff(M.indptr))
    split = rng.random(M.nnz) < 0.5
    part = (M.data * rng.uniform(0.2, 0.8, size=M.nnz)).astype(M.data.dtype)
    data = np.concatenate([np.where(split, part, M.data), (M.data - part)[split]])
    cols = np.concatenate([M.indices, M.indices[split]])
    r = np.concatenate([rows, rows[split]])
    order = np.lexsort((cols, r))
    data, cols, r = data[order], cols[order], r[order]
    indptr = np.searchsorted(r, np.arange(D.shape[0] + 1)).astype(M.indptr.dtype)
    X = _build(data, cols.astype(M.indices.dtype), indptr, D.shape)
    X.has_canonical_format = True  # a lie: duplicates stay
    Dsum = np.zeros(D.shape, dtype=D.dtype)
    np.add.at(Dsum, (r, cols), data)  # what the duplicates mean: their sum
    return (X, Dsum), True


def kind_index_dtypes(rng):
    """Other index dtypes, and indices and indptr of different dtypes."""
    D, M = _nonempty(rng)
    data, indices, indptr = _raw(M)
    pairs = [(np.int32, np.int64), (np.int64, np.int32), (np.int16, np.int16),
             (np.int8, np.int64), (np.uint32, np.uint32), (np.uint64, np.int64),
             (np.uint16, np.int32), (np.float64, np.float64), (np.int64, np.float32),
             (np.int64, np.int64), (np.int32, np.int32)]
    ti, tp = pairs[rng.integers(len(pairs))]
    X = _assign(M, indices=indices.astype(ti), indptr=indptr.astype(tp))
    return (X, D), True


def kind_data_dtypes(rng):
    """Data of other dtypes: integers, bool, longdouble, complex (no valid
    reading: X must be real), and float16, which scipy refuses to build but
    lets one assign."""
    n, d = int(rng.integers(1, 13)), int(rng.integers(1, 7))
    dtype = [np.int8, np.int64, np.uint8, np.bool_, np.float16, np.complex128,
             np.longdouble][rng.integers(7)]
    D = rng.integers(-3, 4, size=(n, d)).astype(np.float64)
    D[rng.random((n, d)) < 0.5] = 0
    if dtype == np.bool_:
        D = (D != 0).astype(np.float64)
    if dtype == np.float16:
        X = sp.csr_matrix(D)
        X.data = X.data.astype(np.float16)
        D = D.astype(np.float32)  # float16 is computed on in single precision, as dense
    else:
        X = sp.csr_matrix(D.astype(dtype))
        D = X.toarray().astype(np.float64)  # what the stored values mean (uint8 wraps)
    if dtype == np.complex128:
        return X, False
    return (X, D), True


def kind_trailing_unreferenced(rng):
    """data/indices longer than indptr[-1]: the extra entries are not part of
    the matrix (scipy's nnz is indptr[-1]; prune() drops them)."""
    D, M = _nonempty(rng)
    data, indices, indptr = _raw(M)
    extra = int(rng.integers(1, 4))
    data = np.append(data, rng.normal(size=extra)).astype(data.dtype)
    indices = np.append(indices, rng.integers(0, D.shape[1], size=extra)).astype(indices.dtype)
    X = _assign(M, data=data, indices=indices)
    return (X, D), True


def kind_strided_or_readonly(rng):
    D, M = _nonempty(rng)
    data, indices, indptr = _raw(M)
    how = rng.integers(3)
    if how == 0:  # non-contiguous views of twice-as-long arrays
        big_d = np.repeat(data, 2)
        big_i = np.repeat(indices, 2)
        X = _assign(M, data=big_d[::2], indices=big_i[::2])
    elif how == 1:
        big_p = np.repeat(indptr, 2)
        X = _assign(M, indptr=big_p[::2])
    else:
        for a in (data, indices, indptr):
            a.setflags(write=False)
        X = _assign(M, data=data, indices=indices, indptr=indptr)
    return (X, D), True


def kind_nan_inf_data(rng):
    D, M = _nonempty(rng)
    data, indices, indptr = _raw(M)
    k = rng.integers(M.nnz)
    data[k] = rng.choice([np.nan, np.inf, -np.inf])
    X = _assign(M, data=data)
    Dref = X.toarray()
    return (X, Dref), True


def kind_empty_shapes(rng):
    """Zero rows, zero columns or no stored entries."""
    n, d = [(0, 3), (4, 0), (0, 0), (5, 3), (1, 1)][rng.integers(5)]
    dtype = np.float32 if rng.random() < 0.3 else np.float64
    D = np.zeros((n, d), dtype=dtype)
    X = sp.csr_matrix(D)
    if rng.random() < 0.5:
        X.indices = X.indices.astype(np.int64)
        X.indptr = X.indptr.astype(np.int64)
    return (X, D), True


def kind_other_sparse_formats(rng):
    """csc / coo (with duplicates) / csr_array: converted, must equal CSR."""
    D, M = _nonempty(rng)
    how = rng.integers(3)
    if how == 0:
        X = sp.csc_matrix(D)
    elif how == 1:
        r, c = np.nonzero(D)
        v = D[r, c]
        half = (v / 2).astype(D.dtype)
        X = sp.coo_matrix((np.concatenate([half, v - half]),
                           (np.concatenate([r, r]), np.concatenate([c, c]))), shape=D.shape)
        Dsum = np.zeros(D.shape, dtype=D.dtype)
        np.add.at(Dsum, (np.concatenate([r, r]), np.concatenate([c, c])), X.data)
        D = Dsum
    else:
        X = sp.csr_array(D)
    return (X, D), True


def kind_valid(rng):
    D, M = _base(rng)
    return (M, D), True


KINDS = [
    kind_column_too_large, kind_column_negative, kind_column_mutated_in_place,
    kind_indptr_decreasing, kind_indptr_first_not_zero, kind_indptr_last_too_large,
    kind_indptr_wrong_length, kind_indptr_wrong_length_mutated, kind_data_indices_lengths,
    kind_nonintegral_indices, kind_huge_unsigned_indices, kind_unsorted_forced_sorted,
    kind_duplicates_forced_canonical, kind_index_dtypes, kind_data_dtypes,
    kind_trailing_unreferenced, kind_strided_or_readonly, kind_nan_inf_data,
    kind_empty_shapes, kind_other_sparse_formats, kind_valid,
]


def make_matrix(kind, rng):
    """(X, D_equivalent or None)."""
    out, valid = kind(rng)
    if not valid:
        return out, None
    X, D = out
    return X, D


# ----- the paths -----------------------------------------------------------

def _labels(rng, n):
    k = int(rng.integers(2, 5))
    y = rng.integers(0, k, size=n)
    y[: min(n, k)] = np.arange(min(n, k))
    return y


@functools.lru_cache(maxsize=None)
def _fitted_model(n_features, dtype):
    """A model fitted on valid dense data with ``n_features`` columns."""
    rng = np.random.default_rng(n_features)
    X = rng.normal(size=(30, n_features)).astype(dtype)
    y = np.arange(30) % 3
    return SoftmaxRegression(max_iter=20).fit(X, y)


def _objective(X, y, l2, cls):
    obj = MultinomialLoss(X, y, l2=l2)
    return FixedClassLoss(obj) if cls == "fixed" else obj


def _objective_call(X, y, ctx, cls, method):
    obj = _objective(X, y, ctx["l2"], cls)
    crng = np.random.default_rng(ctx["coef_seed"])
    coef = crng.normal(size=obj.coef_shape)
    if method == "hessp":
        v = crng.normal(size=obj.coef_shape)
        return obj.hessp(coef)(v)
    return getattr(obj, method)(coef)


def _fit(X, y, ctx, solver):
    est = SoftmaxRegression(solver=solver, max_iter=3).fit(X, y)
    return est.coef_, est.intercept_


def _fit_l1(X, y, ctx, l1_ratio):
    # proximal Newton: on these small CSR matrices its working sets take the
    # score-space model (the block kernels of _ext.cd)
    est = SoftmaxRegression(l1_ratio=l1_ratio, C=10.0, max_iter=3).fit(X, y)
    return est.coef_, est.intercept_


def _predict(X, y, ctx, method):
    return getattr(_fitted_model(ctx["n_features"], ctx["dtype"]), method)(X)


def _solve(X, y, ctx, solver):
    res = softmax_ext.solve(MultinomialLoss(X, y, l2=1.0), solver=solver, max_iter=3)
    return res.coef, res.loss


def _inference(X, y, ctx, which):
    if which == "fit_malformed":
        est = SoftmaxRegression(C=np.inf, max_iter=5).fit(X, y)
    else:  # fitted on the canonical matrix: inference's own checks
        est = SoftmaxRegression(C=np.inf, max_iter=5).fit(ctx["canonical"], y)
    res = est.inference(X, y)
    return res.params, res.bse, res.llf


PATHS = (
    [(f"fit[{s}]", _fit, s) for s in SOLVERS]
    + [(f"fit[l1_ratio={r}]", _fit_l1, r) for r in (1.0, 0.5)]
    + [(f"{m}", _predict, m) for m in ("predict", "predict_proba", "decision_function")]
    + [(f"MultinomialLoss.{m}", lambda X, y, c, m=m: _objective_call(X, y, c, "base", m), None)
       for m in OBJECTIVE_METHODS]
    + [(f"FixedClassLoss.{m}", lambda X, y, c, m=m: _objective_call(X, y, c, "fixed", m), None)
       for m in OBJECTIVE_METHODS]
    + [(f"solve[{s}]", _solve, s) for s in SOLVERS]
    + [("inference", _inference, "fit_malformed"), ("inference[canonical fit]", _inference,
                                                    "canonical_fit")]
)


def _call(path, X, y, ctx):
    name, fn, arg = path
    return fn(X, y, ctx) if arg is None else fn(X, y, ctx, arg)


def _arrays(result):
    if isinstance(result, tuple):
        return [np.asarray(r, dtype=np.float64) for r in result]
    return [np.asarray(result, dtype=np.float64)]


def _equal(a, b, rtol):
    a, b = _arrays(a), _arrays(b)
    if len(a) != len(b):
        return False
    for u, v in zip(a, b):
        if u.shape != v.shape:
            return False
        scale = max(1.0, float(np.nanmax(np.abs(np.where(np.isfinite(v), v, 0)), initial=0)))
        if not np.allclose(u, v, rtol=rtol, atol=rtol * scale, equal_nan=True):
            return False
    return True


def _outcome(fn):
    try:
        return "ok", fn()
    except (ValueError, TypeError) as exc:
        return "rejected", exc


def describe(X):
    """A snippet that rebuilds X (arrays assigned after construction, as here)."""
    if not isinstance(X, sp.csr_matrix):
        return f"X = {type(X).__name__}(np.array({X.toarray().tolist()!r}))  # format {X.format}"

    def arr(a):
        return f"np.array({a.tolist()!r}, dtype=np.{a.dtype})"
    flags = "".join(f"; X.{name} = True" for name in ("has_sorted_indices", "has_canonical_format")
                    if getattr(X, "_" + name, False))  # cached flags, never recomputed here
    return (f"X = sp.csr_matrix({X.shape}); X.data = {arr(X.data)}; "
            f"X.indices = {arr(X.indices)}; X.indptr = {arr(X.indptr)}{flags}")


def _where(exc):
    """The innermost softmax_ext frame of a traceback, and the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "softmax_ext" in f.filename and "fuzz" not in f.filename]
    show = ([ours[-1]] if ours else []) + [frames[-1]]
    return " <- ".join(f"{f.filename.split('site-packages/')[-1]}:{f.lineno} {f.name}"
                       for f in reversed(show))


class CaseFailure(AssertionError):
    pass


def run_case(seed, i, verbose=False):
    """Run case ``i``; return "rejected" or "equal", raise CaseFailure otherwise."""
    rng = np.random.default_rng([seed, i])
    kind = KINDS[i % len(KINDS)]
    path = PATHS[(i // len(KINDS)) % len(PATHS)]
    X, D = make_matrix(kind, rng)
    n, d = X.shape
    y = _labels(rng, n)
    dtype = np.float32 if (D is not None and D.dtype == np.float32) else np.float64
    canonical = sp.csr_matrix(np.asarray(D, dtype=dtype)) if D is not None else None
    if canonical is None:
        # the shape the matrix claims, valid entries: for inference's canonical fit
        canonical = sp.csr_matrix(np.eye(n, max(d, 1), dtype=np.float64)[:, :d])
    ctx = {"l2": float(rng.choice([0.0, 0.5])), "coef_seed": int(rng.integers(1 << 30)),
           "n_features": d, "dtype": dtype, "canonical": canonical}
    head = f"case {i}: {kind.__name__[5:]} / {path[0]}, shape {X.shape}"
    print(head, flush=True)
    if verbose:
        print(describe(X), f"\ny = {y.tolist()}", flush=True)
    status, got = _outcome(lambda: _call(path, X, y, ctx))
    if status == "rejected":
        return "rejected"
    if D is None:
        raise CaseFailure(f"{head}: a malformed matrix was accepted (no valid reading): "
                          f"result {got!r}\n{describe(X)}\ny = {y.tolist()}")
    ref_status, ref = _outcome(lambda: _call(path, canonical, y, ctx))
    if ref_status == "rejected":
        raise CaseFailure(f"{head}: accepted, but its canonical form is rejected ({ref!r})"
                          f"\n{describe(X)}\ny = {y.tolist()}")
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    if not _equal(got, ref, rtol):
        raise CaseFailure(f"{head}: result differs from the canonical matrix's:\n"
                          f"got {got!r}\nexpected {ref!r}\n{describe(X)}\ny = {y.tolist()}")
    return "equal"


def main(argv):
    seed, n_cases = int(argv[0]), int(argv[1])
    keep_going = "--keep-going" in argv
    only = int(argv[argv.index("--case") + 1]) if "--case" in argv else None
    start = int(argv[argv.index("--start") + 1]) if "--start" in argv else 0
    faulthandler.enable()
    counts = {"rejected": 0, "equal": 0}
    failures = []
    for i in ([only] if only is not None else range(start, n_cases)):
        faulthandler.dump_traceback_later(CASE_TIMEOUT, exit=True)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                counts[run_case(seed, i, verbose=only is not None)] += 1
            except Exception as exc:
                if not keep_going:
                    raise
                line = (str(exc) if isinstance(exc, CaseFailure)
                        else f"case {i}: {type(exc).__name__}: {exc} [{_where(exc)}]")
                line = line.splitlines()[0][:400]
                print("FAIL", line, flush=True)
                failures.append(line)
        faulthandler.cancel_dump_traceback_later()
    if failures:
        print("\n".join(["FAILURES:"] + failures))
        sys.exit(1)
    total = counts["rejected"] + counts["equal"]
    print(f"csr fuzz ok: {total} cases, {counts['rejected']} rejected, {counts['equal']} equal")


if __name__ == "__main__":
    main(sys.argv[1:])
