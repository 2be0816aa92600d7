"""X's invariants (``softmax_ext._design_matrix``): malformed sparse structures,
stale scipy flags, non-finite values, thread counts.

Every malformed structure once read and wrote out of bounds in the kernels
(or in scipy's own format conversions), so those cases run in a child
process: a crash shows up as a signal there, not as a dead test session.
The scans are checked against their NumPy oracles in ``reference.py``.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import softmax_ext
from softmax_ext import FixedClassLoss, MultinomialLoss, SoftmaxRegression, reference
from softmax_ext._ext import check as _check
from softmax_ext._design_matrix import check_design_matrix, check_finite
from softmax_ext._threads import effective_n_threads, usable_cpus

SRC = str(Path(softmax_ext.__file__).resolve().parents[1])


def _csr(n=40, d=7, density=0.4, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=density, format="csr", dtype=np.float64, random_state=rng,
                  data_rvs=rng.standard_normal).astype(dtype)
    assert X.nnz > 10
    return X


# ---------------------------------------------------------------- the scans

@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 40_000), n_bad=st.integers(0, 3), seed=st.integers(0, 2**31),
       dtype=st.sampled_from([np.float32, np.float64]), threads=st.sampled_from([1, 2]))
def test_first_nonfinite_matches_oracle(size, n_bad, seed, dtype, threads):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(size).astype(dtype)
    if size:
        x[rng.integers(0, size, n_bad)] = rng.choice([np.nan, np.inf, -np.inf], n_bad)
        x[rng.integers(0, size)] = np.finfo(dtype).max  # large but finite
    assert _check.first_nonfinite(x, threads) == reference.first_nonfinite(x)


def _random_structure(rng, n, d):
    """indices/indptr of n rows, then one random corruption (or none)."""
    counts = rng.integers(0, 6, n)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    indices = np.concatenate([np.sort(rng.choice(d, c, replace=False)) if c <= d else
                              rng.integers(0, d, c) for c in counts] + [np.zeros(0, int)])
    nnz = indices.size
    kind = rng.integers(0, 6)
    if kind == 1 and nnz:
        indices[rng.integers(0, nnz)] = rng.choice([-1, d, d + 5, -(2**30)])
    elif kind == 2 and n > 1:
        i = rng.integers(1, n)
        indptr[i] = indptr[i + 1] + rng.integers(1, 3)  # decreases after row i
    elif kind == 3 and nnz > 1:
        j = rng.integers(1, nnz)
        indices[j] = indices[j - 1]  # duplicate (or out of order across rows)
    elif kind == 4 and nnz > 1:
        rng.shuffle(indices)  # unsorted rows
    return indices, indptr


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 2600), d=st.integers(1, 40), seed=st.integers(0, 2**31),
       itype=st.sampled_from([np.int32, np.int64]), threads=st.sampled_from([1, 2]))
def test_check_csr_matches_oracle(n, d, seed, itype, threads):
    rng = np.random.default_rng(seed)
    indices, indptr = _random_structure(rng, n, d)
    indices, indptr = indices.astype(itype), indptr.astype(itype)
    indptr[-1] = indices.size  # the binding's precondition (the ends are O(1) checks)
    code, where, canonical = _check.check_csr(indices, indptr, d, threads)
    ref_code, ref_where, ref_canonical = reference.csr_structure(indices, indptr, d)
    assert (code, where) == (ref_code, ref_where)
    if code == _check.CSR_VALID:
        assert canonical == ref_canonical


def test_check_csr_binding_refuses_open_ends():
    indices = np.array([0, 1], dtype=np.int32)
    for indptr in ([1, 2], [0, 1], [0, 3]):
        with pytest.raises(ValueError, match="indptr"):
            _check.check_csr(indices, np.array(indptr, dtype=np.int32), 2, 1)


# --------------------------------------------- malformed CSR, every path

# Each case: how to break a valid 40 x 7 CSR matrix, and what the error says.
MALFORMED = {
    "index >= n_features": ("X.indices[3] = 7", "column index 7, outside"),
    "index < 0": ("X.indices[3] = -1", "column index -1, outside"),
    "huge index": ("X.indices[0] = 2**31 - 1", "outside"),
    "indptr decreasing": ("X.indptr[5] = X.indptr[6] + 2", "indptr decreases"),
    "indptr not from 0": ("X.indptr[0] = 1", "indptr must run from 0"),
    "indptr not to nnz": ("X.indptr[-1] -= 1", "indptr must run from 0"),
    "indptr past nnz": ("X.indptr[-1] += 3", "indptr must run from 0"),
    "indptr too short": ("X.indptr = X.indptr[:-2]", "indptr has shape"),
    "data shorter": ("X.data = X.data[:-1]", "data has"),
    "NaN in data": ("X.data[2] = np.nan", "contains NaN"),
    "inf in data": ("X.data[2] = np.inf", "contains infinity"),
    "CSC index out of range": ("X = X.tocsc(); X.indices[3] = 40", "malformed CSC"),
    "CSC indptr decreasing": ("X = X.tocsc(); X.indptr[2] = X.indptr[3] + 1",
                              "malformed CSC"),
    "COO row out of range": ("X = X.tocoo(); X.row[0] = 40", "malformed COO"),
    "float index arrays": ("X.indices = X.indices.astype(float)", "integer index"),
}

# What the child runs on the broken X: every public path to a kernel.
PATHS = textwrap.dedent("""
    import json, sys, warnings
    import numpy as np, scipy.sparse as sp
    import softmax_ext as se
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    good = sp.random(40, 7, density=0.4, format="csr", random_state=rng,
                     data_rvs=rng.standard_normal)
    y = np.arange(40) % 3
    fitted = se.SoftmaxRegression().fit(good, y)
    def paths(X):
        coef = np.zeros((3, 8))
        for solver in ("lbfgs", "newton-cg", "newton-cholesky", "gd"):
            yield "fit " + solver, lambda: se.SoftmaxRegression(solver=solver,
                                                                max_iter=3).fit(X, y)
        yield "MultinomialLoss", lambda: se.MultinomialLoss(X, y).loss_gradient(coef)
        yield "FixedClassLoss", lambda: se.FixedClassLoss(
            se.MultinomialLoss(X, y)).hessian(coef[1:])
        yield "solve", lambda: se.solve(se.MultinomialLoss(X, y), solver="newton-cholesky")
        yield "multinomial_inference", lambda: se.multinomial_inference(
            X, y, fitted.coef_, fitted.intercept_)
        for method in ("predict", "predict_proba", "predict_log_proba",
                       "decision_function"):
            yield method, lambda: getattr(fitted, method)(X)
        yield "score", lambda: fitted.score(X, y)
        yield "inference", lambda: se.SoftmaxRegression(C=np.inf).fit(
            good, y).inference(X, y)
    X = good.copy()
    exec(sys.argv[1])
    out = {}
    for name, call in paths(X):
        try:
            call()
            out[name] = "accepted"
        except (ValueError, TypeError) as exc:
            out[name] = str(exc)
    print(json.dumps(out))
""")


def _run_child(code, *args, timeout=120):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-c", code, *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_sparse_x_is_refused_on_every_path(case):
    breakage, message = MALFORMED[case]
    proc = _run_child(PATHS, breakage)
    assert proc.returncode == 0, (
        f"child ended with {proc.returncode} (negative: a signal); stderr:\n"
        f"{proc.stderr[-3000:]}")
    outcome = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(outcome) == 14
    for path, text in outcome.items():
        assert message in text, f"{case}, {path}: {text}"


# ------------------------------------------------ stale flags, dtypes, copies

def _unsorted(X):
    """X with two entries of one row swapped (values and columns together),
    scipy told that its indices are sorted."""
    Y = X.copy()
    row = int(np.argmax(np.diff(Y.indptr) >= 2))
    s = Y.indptr[row]
    Y.indices[s:s + 2] = Y.indices[s:s + 2][::-1].copy()
    Y.data[s:s + 2] = Y.data[s:s + 2][::-1].copy()
    Y.has_sorted_indices = True
    return Y


def _duplicated(X):
    """X with an entry split into two equal halves, scipy told it is canonical."""
    row = int(np.argmax(np.diff(X.indptr) >= 1))
    s = X.indptr[row]
    data = np.insert(X.data, s, X.data[s] / 2)
    data[s + 1] /= 2
    indices = np.insert(X.indices, s, X.indices[s])
    indptr = X.indptr.copy()
    indptr[row + 1:] += 1
    Y = sp.csr_matrix((data, indices, indptr), shape=X.shape)
    Y.has_canonical_format = True
    return Y


@pytest.mark.parametrize("make", [_unsorted, _duplicated], ids=["unsorted", "duplicates"])
def test_stale_flags_are_not_trusted(make):
    X = _csr()
    Y = make(X)
    before = (Y.indices.copy(), Y.data.copy())
    y = np.arange(X.shape[0]) % 3
    coef = np.random.default_rng(1).standard_normal((3, X.shape[1] + 1))
    got = MultinomialLoss(Y, y, l2=0.1)
    want = MultinomialLoss(X, y, l2=0.1)
    np.testing.assert_allclose(got.hessian(coef), want.hessian(coef), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got.loss_gradient(coef)[1], want.loss_gradient(coef)[1],
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got.hessp(coef)(coef), want.hessp(coef)(coef), rtol=1e-12)
    np.testing.assert_array_equal(Y.indices, before[0])  # the caller's X is not touched
    np.testing.assert_array_equal(Y.data, before[1])
    fitted = SoftmaxRegression(solver="newton-cholesky", tol=1e-10).fit(Y, y)
    ref = SoftmaxRegression(solver="newton-cholesky", tol=1e-10).fit(X, y)
    np.testing.assert_allclose(fitted.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fitted.predict_proba(Y), ref.predict_proba(X), rtol=1e-8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("itype", [np.int32, np.int64])
def test_valid_input_is_not_copied(dtype, itype):
    X = _csr(dtype=dtype)
    X.indices, X.indptr = X.indices.astype(itype), X.indptr.astype(itype)
    assert check_design_matrix(X) is X
    obj = MultinomialLoss(X, np.arange(X.shape[0]) % 3)
    assert obj.X is X and obj.dtype is np.dtype(dtype).type
    D = np.ascontiguousarray(X.toarray())
    assert check_design_matrix(D) is D


def test_index_dtypes_are_unified_and_results_equal():
    X = _csr()
    y = np.arange(X.shape[0]) % 3
    coef = np.random.default_rng(2).standard_normal((3, X.shape[1] + 1))
    want = MultinomialLoss(X, y).hessian(coef)
    for indices_t, indptr_t in [(np.int32, np.int64), (np.int64, np.int32),
                                (np.uint32, np.uint32), (np.int16, np.int64)]:
        Y = X.copy()
        Y.indices, Y.indptr = X.indices.astype(indices_t), X.indptr.astype(indptr_t)
        Z = check_design_matrix(Y)
        assert Z.indices.dtype == Z.indptr.dtype and Z.indices.dtype in (np.int32, np.int64)
        np.testing.assert_allclose(MultinomialLoss(Y, y).hessian(coef), want, rtol=1e-13)


def test_integer_and_float16_data_get_kernel_dtypes():
    X = _csr()
    assert check_design_matrix(X.toarray().astype(np.float16)).dtype == np.float32
    assert check_design_matrix((X != 0).astype(np.int8)).dtype == np.float64
    assert check_design_matrix(X.toarray().astype(np.int64)).dtype == np.float64
    with pytest.raises(TypeError, match="complex"):
        check_design_matrix(X.astype(np.complex128))


# ------------------------------------------------------------ non-finite

@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_X_is_refused(sparse, bad):
    X = _csr().toarray()
    X[3, 2] = bad
    Xs = sp.csr_matrix(X) if sparse else X
    y = np.arange(X.shape[0]) % 3
    word = "NaN" if np.isnan(bad) else "infinity"
    with pytest.raises(ValueError, match=f"Input X contains {word}"):
        MultinomialLoss(Xs, y)
    with pytest.raises(ValueError, match=f"Input X contains {word}"):
        SoftmaxRegression().fit(Xs, y)
    fitted = SoftmaxRegression().fit(np.nan_to_num(X, posinf=0, neginf=0), y)
    with pytest.raises(ValueError, match=f"Input X contains {word}"):
        fitted.predict_proba(Xs)


def test_non_finite_labels_and_weights_are_refused():
    X = _csr()
    y = (np.arange(X.shape[0]) % 3).astype(float)
    y_bad = y.copy()
    y_bad[0] = np.nan
    with pytest.raises(ValueError, match="y"):
        MultinomialLoss(X, y_bad)
    sw = np.ones(X.shape[0])
    sw[1] = np.inf
    with pytest.raises(ValueError, match="sample_weight"):
        MultinomialLoss(X, y, sample_weight=sw)
    with pytest.raises(ValueError, match="sample_weight"):
        SoftmaxRegression().fit(X, y, sample_weight=sw)
    with pytest.raises(ValueError, match="class_weight"):
        SoftmaxRegression(class_weight={0: np.nan, 1: 1.0, 2: 1.0}).fit(X, y)


@pytest.mark.parametrize("fixed", [False, True])
def test_non_finite_coefficients_are_refused(fixed):
    X = _csr()
    base = MultinomialLoss(X, np.arange(X.shape[0]) % 3, l2=0.1)
    obj = FixedClassLoss(base) if fixed else base
    good = obj.init_coef().astype(np.float64)
    bad = good.copy()
    bad[0, 1] = np.nan
    calls = {
        "loss": lambda c: obj.loss(c),
        "loss_gradient": lambda c: obj.loss_gradient(c),
        "gradient": lambda c: obj.gradient(c),
        "scores": lambda c: obj.scores(c),
        "hessian": lambda c: obj.hessian(c),
        "hessp point": lambda c: obj.hessp(c),
        "hessp vector": lambda c: obj.hessp(good)(c),
        "penalty": lambda c: obj.penalty(c),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError, match="contains NaN"):
            call(bad)
        call(good)  # the same call is fine with finite values
    Z = obj.scores(good)
    with pytest.raises(ValueError, match="contains NaN"):
        obj.loss_slope_scores(Z, Z, 0.5, good, bad)


def test_coefficients_overflowing_float32_are_refused():
    X = _csr(dtype=np.float32)
    obj = MultinomialLoss(X, np.arange(X.shape[0]) % 3)
    coef = obj.init_coef().astype(np.float64)
    coef[1, 1] = 1e39  # finite in float64, infinite in X's float32
    with pytest.raises(ValueError, match="coef contains infinity"):
        obj.loss_gradient(coef)


def test_warm_start_state_must_be_finite():
    X = _csr().toarray()
    y = np.arange(X.shape[0]) % 3
    model = SoftmaxRegression(warm_start=True).fit(X, y)
    model.coef_[0, 0] = np.nan
    with pytest.raises(ValueError, match="warm_start"):
        model.fit(X, y)


def test_check_finite_names_the_argument():
    with pytest.raises(ValueError, match="Input v contains NaN"):
        check_finite(np.array([1.0, np.nan]), "v")
    check_finite(np.array([1.0, 2.0])[::2], "v")  # strided: numpy path
    check_finite(np.arange(3), "v")  # integers are always finite


# ------------------------------------------------------------ thread counts

def test_thread_counts_are_capped_at_the_usable_cpus():
    cpus = usable_cpus()
    if not softmax_ext.openmp_enabled():
        assert effective_n_threads(2**40) == 1
        return
    assert effective_n_threads(2**40) == cpus
    assert effective_n_threads(np.int64(2**62)) == cpus
    assert effective_n_threads(-(2**40)) == 1
    assert effective_n_threads(-1) == effective_n_threads(None)


@pytest.mark.parametrize("bad,error", [(0, ValueError), (1.5, TypeError), (True, TypeError),
                                       ("2", TypeError), (2.0, TypeError)])
def test_bad_thread_counts_are_refused(bad, error):
    with pytest.raises(error, match="n_threads"):
        effective_n_threads(bad)
    X = _csr()
    with pytest.raises(error, match="n_threads"):
        MultinomialLoss(X, np.arange(X.shape[0]) % 3, n_threads=bad)
    with pytest.raises(error, match="n_threads"):
        softmax_ext.softmax(np.zeros((2, 3)), n_threads=bad)
    # scikit-learn's parameter check (a ValueError) lets True pass as an int;
    # the thread resolution then refuses it
    with pytest.raises((ValueError, TypeError), match="n_threads"):
        SoftmaxRegression(n_threads=bad).fit(X, np.arange(X.shape[0]) % 3)


def test_huge_thread_counts_give_the_same_answers():
    X = _csr()
    y = np.arange(X.shape[0]) % 3
    coef = np.random.default_rng(3).standard_normal((3, X.shape[1] + 1))
    one = MultinomialLoss(X, y, n_threads=1).loss_gradient(coef)
    many = MultinomialLoss(X, y, n_threads=2**40).loss_gradient(coef)
    assert one[0] == many[0]
    np.testing.assert_array_equal(one[1], many[1])
    fitted = SoftmaxRegression(n_threads=2**40).fit(X, y)
    np.testing.assert_allclose(fitted.predict_proba(X),
                               SoftmaxRegression(n_threads=1).fit(X, y).predict_proba(X),
                               rtol=1e-12)
    np.testing.assert_array_equal(softmax_ext.softmax(coef, n_threads=2**40),
                                  softmax_ext.softmax(coef, n_threads=1))
