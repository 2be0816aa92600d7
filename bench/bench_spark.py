"""Our fit against Spark MLlib and dask-ml on equal objectives (issue 20, "Speed").

Not run by ``make bench``: it starts a JVM and a Dask cluster and takes 9-12
minutes at the default sizes on 2 cores (``--quick``: about 2 minutes).
pyspark and dask-ml are no extra of ours (dask-ml could move pinned versions):
install them in a separate venv, constrained to the project's pins, and run
from the repository root (the compiled extensions in src/ work with any venv
of the same Python and numpy)::

    python3 -m venv /work/peers-venv
    .venv/bin/pip freeze | grep -v softmax > /tmp/constraints.txt
    /work/peers-venv/bin/pip install -c /tmp/constraints.txt numpy scipy scikit-learn \\
        threadpoolctl dask distributed pyspark==4.3.0 dask-ml      # and Java 17 for Spark
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=src \\
        /work/peers-venv/bin/python bench/bench_spark.py [--quick] [--skip-spark] [--skip-dask]

A peer that cannot be imported (or Spark without ``java`` on PATH) is skipped
with the reason printed.

Objectives (all rows of a case are scored by one float64 NumPy function,
``softmax_objective`` or ``binary_objective``, on the per-sample scale
``mean_i loss_i + penalty / (C n)``):

* ours (scikit-learn's): ``C sum_i loss_i + (1 - r)/2 ||W||^2 + r ||W||_1``,
  intercepts unpenalised, the full K-vector multinomial model;
* Spark (``family="multinomial", standardization=False``):
  ``mean_i loss_i + lam ((1 - a)/2 ||W||^2 + a ||W||_1)``, intercepts
  unpenalised (LogisticRegression.scala ``train``/``createOptimizer``,
  DifferentiableLossAggregator ``loss = lossSum / weightSum``,
  L2Regularization ``0.5 * regParam * sum``), so ``lam = 1 / (C n)``,
  ``a = r`` has our minimiser;
* dask-ml (binary only): ``sum_i loss_i + (1/C) ||beta||^2 / 2`` where beta
  includes the intercept (dask_glm ``add_intercept`` appends a column of
  ones that the L2 regularizer penalises), evaluated on columns that
  ``@normalize`` standardises first.  The binary data here are standardised
  exactly beforehand (column means 0, standard deviations 1), so that step
  is the identity, and ours is fitted with ``fit_intercept=False`` on X with a
  column of ones appended: both then minimise the same function.  dask-ml's
  ``newton`` ignores the penalty (glm.py drops ``regularizer`` and ``lamduh``
  for it), so it is compared on an unpenalised case (C=inf) only.

Per case the table gives the fit seconds (min / median / max of up to
``--rounds`` fits; a peer stops repeating once its fits have used
``--budget`` seconds), iterations, the objective, its relative gap to the
best objective of the case, and the ratio of the row's median to ours: to our
tol=1e-8 fit, and like for like (to ours stopped where it first reaches
within 1e-8 of that fit's objective, for the "stopped where" rows; to our
Dask fit on the same cluster, for dask rows).  A "stopped where" row re-fits
with the iteration cap at the first iteration whose objective (Spark's
objectiveHistory, our verbose loss, checked with the scoring function) is
within 1e-8 of our tol=1e-8 fit.  Rows whose max/min exceeds 1.3 are flagged
noisy; the load average is printed at the start, per case and at the end.
JVM start, DataFrame build + cache, and Dask data placement are timed
separately and excluded from the fits.
"""

import argparse
import contextlib
import io
import os
import shutil
import statistics
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp

REACH = 1e-8        # "reached our objective": within this relative gap
rows_out = []       # dicts: case, config, times, iters, obj, ref ("dask" or None), note


def load():
    return "%.2f %.2f %.2f" % os.getloadavg()


# ------------------------------------------------------------------ objectives
def softmax_objective(X, y, W, b, C, l1_ratio):
    """Our (scikit-learn's) multinomial objective divided by C n, in float64.

    X (n, d) dense or CSR, y (n,) in [0, K), W (K, d), b (K,)."""
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    n, total, step = X.shape[0], 0.0, 65536
    for s in range(0, n, step):
        Z = np.asarray(X[s:s + step] @ W.T) + b
        m = Z.max(axis=1)
        lse = m + np.log(np.exp(Z - m[:, None]).sum(axis=1))
        total += float((lse - Z[np.arange(len(Z)), y[s:s + step]]).sum())
    if not np.isfinite(C):
        return total / n
    pen = (1 - l1_ratio) / 2 * float((W * W).sum()) + l1_ratio * float(np.abs(W).sum())
    return total / n + pen / (C * n)


def binary_objective(X, y, w, b, C, penalise_intercept):
    """Binary logistic objective divided by C n: mean log-loss + ||w||^2 / (2 C n),
    plus b^2 / (2 C n) when the intercept is penalised (dask-ml's objective)."""
    n, total, step = X.shape[0], 0.0, 262144
    for s in range(0, n, step):
        z = X[s:s + step] @ w + b
        total += float((np.logaddexp(0.0, z) - y[s:s + step] * z).sum())
    if not np.isfinite(C):
        return total / n
    pen = 0.5 * float(w @ w) + (0.5 * b * b if penalise_intercept else 0.0)
    return total / n + pen / (C * n)


# ------------------------------------------------------------------ data
def multinomial_data(n, d, K, rng, informative=0.3):
    """Gaussian X, a true W on ``informative`` of the features, y ~ softmax(XW^T)."""
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((K, d))
    W[:, rng.random(d) > informative] = 0.0
    y = np.argmax(X @ W.T * (2 / np.sqrt(informative * d)) + rng.gumbel(size=(n, K)), axis=1)
    return X, y


def sparse_data(n, d, K, density, rng):
    X = sp.random(n, d, density=density, format="csr", random_state=rng,
                  data_rvs=rng.standard_normal)
    W = rng.standard_normal((K, d)) * (3 / np.sqrt(density * d))
    y = np.argmax(np.asarray(X @ W.T) + rng.gumbel(size=(n, K)), axis=1)
    return X, y


def binary_data(n, d, rng):
    """Gaussian X standardised exactly (dask_glm's @normalize is then the identity)."""
    X = rng.standard_normal((n, d))
    X -= X.mean(axis=0)
    X /= X.std(axis=0)
    w = rng.standard_normal(d) / np.sqrt(d)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w + 0.5)))).astype(np.float64)
    return X, y


# ------------------------------------------------------------------ timing
def timed(fit, rounds, budget):
    """Up to ``rounds`` calls of fit(); stops once the calls used ``budget`` seconds."""
    times, out = [], None
    for _ in range(rounds):
        t = time.perf_counter()
        out = fit()
        times.append(time.perf_counter() - t)
        if sum(times) > budget:
            break
    return times, out


def record(case, config, times, iters, obj, ref=None, note=""):
    rows_out.append(dict(case=case, config=config, times=times, iters=iters, obj=obj,
                         ref=ref, note=note))
    med = statistics.median(times) if times else float("nan")
    print(f"  {config:<44} {len(times)} fit(s) median {med:8.3f} s  iterations {iters}  "
          f"objective {obj:.15g}  {note}", flush=True)


def ours_fit(case, X, y, C, l1_ratio, args, score, config="softmax-ext", reach=False, **kw):
    """Our fit at tol=1e-8 (the reference); with ``reach``, also timed stopped at the first
    iteration whose objective is within REACH of that fit's (Spark's row does the same)."""
    from softmax_ext import SoftmaxRegression

    def fit(max_iter=1000, verbose=0):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # a ConvergenceWarning shows in the iterations
            return SoftmaxRegression(C=C, l1_ratio=l1_ratio, tol=1e-8, max_iter=max_iter,
                                     verbose=verbose, **kw).fit(X, y)
    times, m = timed(fit, args.rounds, 1e9)
    obj = score(m)
    # one untimed verbose fit: the solver's name and its per-iteration objective
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fit(verbose=1)
    table = [line.split() for line in buf.getvalue().splitlines()
             if len(line.split()) > 2 and line.split()[1].isdigit()]
    solver = table[0][0].strip("[]") if table else "?"
    nnz = f"nnz {np.mean(m.coef_ != 0):.0%}; " if l1_ratio > 0 else ""
    record(case, f"{config} ({solver})", times, int(m.n_iter_[0]), obj,
           note=f"{nnz}solver auto -> {solver}")
    if reach:
        target = obj + REACH * abs(obj)
        k = next((int(t[1]) for t in table if float(t[2]) <= target), int(m.n_iter_[0]))
        while k < m.n_iter_[0] and score(fit(max_iter=k)) > target:
            k += 1                              # the verbose loss is checked by score()
        if k < m.n_iter_[0]:
            t2, m2 = timed(lambda: fit(max_iter=k), args.rounds, 1e9)
            record(case, f"{config} stopped where it reaches ours (max_iter={k})", t2,
                   int(m2.n_iter_[0]), score(m2),
                   note=f"{nnz}first iteration <= ours (1 + {REACH:g})")
    return m, obj


# ------------------------------------------------------------------ Spark
class Spark:
    def __init__(self, args):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        from pyspark.sql import SparkSession

        t = time.perf_counter()
        self.spark = (SparkSession.builder.master(f"local[{args.spark_cores}]")
                      .appName("softmax-ext-bench")
                      .config("spark.driver.memory", args.spark_memory)
                      .config("spark.ui.enabled", "false")
                      .config("spark.ui.showConsoleProgress", "false")
                      .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                      .config("spark.sql.shuffle.partitions", str(args.spark_partitions))
                      .getOrCreate())
        self.spark.sparkContext.setLogLevel("ERROR")
        self.spark.range(10).count()     # the JVM is up and has run a job
        self.jvm_seconds = time.perf_counter() - t
        self.partitions = args.spark_partitions
        print(f"Spark {self.spark.version}: JVM start {self.jvm_seconds:.1f} s "
              f"(master local[{args.spark_cores}], driver memory {args.spark_memory}, "
              f"{self.partitions} partitions)", flush=True)

    def close(self):
        """Stop Spark and end the JVM this process started (py4j keeps it after stop())."""
        from pyspark import SparkContext

        gateway = SparkContext._gateway
        self.spark.stop()
        proc = getattr(gateway, "proc", None)
        if proc is not None:
            gateway.shutdown()
            proc.terminate()
            proc.wait(timeout=30)

    def frame(self, X, y):
        """A cached DataFrame (label double, features VectorUDT) and the seconds to build it."""
        import pandas as pd
        from pyspark.ml.functions import array_to_vector
        from pyspark.ml.linalg import SparseVector, VectorUDT
        from pyspark.sql.types import DoubleType, StructField, StructType

        t = time.perf_counter()
        if sp.issparse(X):
            X = sp.csr_matrix(X)
            rows = [(float(y[i]), SparseVector(X.shape[1], X.indices[X.indptr[i]:X.indptr[i + 1]],
                                               X.data[X.indptr[i]:X.indptr[i + 1]]))
                    for i in range(X.shape[0])]
            schema = StructType([StructField("label", DoubleType()),
                                 StructField("features", VectorUDT())])
            df = self.spark.createDataFrame(rows, schema).repartition(self.partitions)
        else:
            pdf = pd.DataFrame({"label": y.astype(np.float64), "f": list(X)})
            df = (self.spark.createDataFrame(pdf).repartition(self.partitions)
                  .select("label", array_to_vector("f").alias("features")))
        df = df.cache()
        assert df.count() == X.shape[0]
        return df, time.perf_counter() - t

    def fit(self, df, C, l1_ratio, n, max_iter, tol):
        from pyspark.ml.classification import LogisticRegression

        lr = LogisticRegression(family="multinomial", standardization=False, fitIntercept=True,
                                regParam=1.0 / (C * n), elasticNetParam=l1_ratio,
                                maxIter=max_iter, tol=tol)
        m = lr.fit(df)
        W = m.coefficientMatrix.toArray()
        b = m.interceptVector.toArray()
        hist = list(m.summary.objectiveHistory)
        return W, b, hist, m.summary.totalIterations


def spark_check(spark, rng):
    """On a small problem: Spark's and our coefficients and objectives (equal minimisers)."""
    from softmax_ext import SoftmaxRegression

    X, y = multinomial_data(5000, 10, 3, rng, informative=0.6)
    df, _ = spark.frame(X, y)
    print("equivalence check (5,000 x 10, K=3): max |W_spark - W_ours|, max |b - mean b| diff, "
          "objectives")
    for C, r in [(1.0, 0.0), (0.002, 0.5)]:
        ours = SoftmaxRegression(C=C, l1_ratio=r, tol=1e-10, max_iter=1000).fit(X, y)
        W, b, hist, it = spark.fit(df, C, r, X.shape[0], 1000, 1e-12)
        bo = ours.intercept_ - ours.intercept_.mean()
        fo = softmax_objective(X, y, ours.coef_, ours.intercept_, C, r)
        fs = softmax_objective(X, y, W, b, C, r)
        print(f"  C={C:g} l1_ratio={r}: |dW| {np.abs(W - ours.coef_).max():.2e}, |db| "
              f"{np.abs((b - b.mean()) - bo).max():.2e}, ours {fo:.12f}, Spark {fs:.12f} "
              f"(Spark's last objectiveHistory {hist[-1]:.12f}, {it} iterations), "
              f"nnz ours {np.mean(ours.coef_ != 0):.0%} Spark {np.mean(W != 0):.0%}", flush=True)
    df.unpersist()


def spark_case(spark, case, X, y, C, l1_ratio, ours_obj, args):
    n = X.shape[0]
    df, build = spark.frame(X, y)
    print(f"  Spark DataFrame build + cache + count: {build:.1f} s", flush=True)
    times, (W, b, hist, it) = timed(lambda: spark.fit(df, C, l1_ratio, n, args.spark_max_iter,
                                                      args.spark_tol),
                                    args.spark_rounds, args.budget)
    obj = softmax_objective(X, y, W, b, C, l1_ratio)
    nnz = f"nnz {np.mean(W != 0):.0%}; " if l1_ratio > 0 else ""
    # objectiveHistory is on our per-sample scale: the first entry at or below ours(1 + REACH)
    target = ours_obj + REACH * abs(ours_obj)
    first = next((k for k, h in enumerate(hist) if h <= target), None)
    record(case, f"Spark maxIter={args.spark_max_iter} tol={args.spark_tol:g}", times, it, obj,
           note=f"{nnz}build+cache {build:.1f} s; history reaches ours at entry {first}")
    if first is not None and first < it and args.spark_reach:
        # time to first reach our objective: the same deterministic run, stopped there
        t2, (W2, b2, _, it2) = timed(lambda: spark.fit(df, C, l1_ratio, n, first, 1e-300),
                                     args.spark_rounds, args.budget)
        record(case, f"Spark stopped where it reaches ours (maxIter={first})", t2, it2,
               softmax_objective(X, y, W2, b2, C, l1_ratio),
               note=f"{nnz}first history entry <= ours (1 + {REACH:g})")
    elif first is None:
        print(f"  Spark did not reach our objective within {REACH:g} in {it} iterations: "
              "its row is time-to-its-best with the gap shown", flush=True)
    df.unpersist()


# ------------------------------------------------------------------ dask
def dask_section(args, rng):
    import dask.array as da
    from distributed import Client, LocalCluster, wait

    import softmax_ext.dask as sxd
    try:
        import dask_glm.algorithms as dga
        import dask_glm.regularizers as dgr
        from dask_ml.linear_model import LogisticRegression as DaskLR
    except ImportError as exc:
        print(f"dask-ml rows skipped: dask-ml / dask-glm not importable ({exc})")
        DaskLR = None

    n, d = args.binary_n, args.binary_d
    X, y = binary_data(n, d, rng)
    X1 = np.hstack([X, np.ones((n, 1))])
    C = args.binary_C
    chunk = -(-n // args.dask_chunks)

    # fmin_l_bfgs_b's info (iterations) for dask-ml's lbfgs, seen from the client
    lbfgs_info = {}
    if DaskLR is not None:
        _fmin = dga.fmin_l_bfgs_b

        def fmin_recorded(*a, **k):
            out = _fmin(*a, **k)
            lbfgs_info.update(out[2])
            return out
        dga.fmin_l_bfgs_b = fmin_recorded

        class CountedL2(dgr.L2):
            """dask_glm's L2, counting the ADMM iterations (one prox per iteration)."""
            calls = 0

            def proximal_operator(self, beta, t):
                CountedL2.calls += 1
                return super().proximal_operator(beta, t)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # dask's "large graph" warning for from_array
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        t = time.perf_counter()
        Xd = da.from_array(X, chunks=(chunk, d)).persist()
        X1d = da.from_array(X1, chunks=(chunk, d + 1)).persist()
        yd = da.from_array(y, chunks=(chunk,)).persist()
        wait([Xd, X1d, yd])
        place = time.perf_counter() - t
    print(f"\nDask: 2-worker LocalCluster (processes, 1 thread each); X, X|1 and y placed in "
          f"{args.dask_chunks} row chunks on the workers in {place:.1f} s", flush=True)

    # ---- penalised case: the intercept penalised as a coefficient of a column of ones
    case = f"binary {n // 1000}k x {d} L2 C={C:g} (intercept penalised)"
    print(f"\n{case}  [load {load()}]", flush=True)
    score = lambda w, b: binary_objective(X, y, w, b, C, True)   # noqa: E731
    with warnings.catch_warnings():   # untimed one-iteration fits: workers import, warm caches
        warnings.simplefilter("ignore")
        sxd.SoftmaxRegression(max_iter=1, fit_intercept=False).fit(X1d, yd)
        if DaskLR is not None:
            DaskLR(C=C, solver="lbfgs", max_iter=1).fit(Xd, yd)
    m, _ = ours_fit(case, X1, y, C, 0.0, args, lambda m: score(m.coef_[0, :d], m.coef_[0, d]),
                    config="softmax-ext in-memory (ones column)", fit_intercept=False)
    times, md = timed(lambda: sxd.SoftmaxRegression(C=C, tol=1e-8, max_iter=1000,
                                                    fit_intercept=False).fit(X1d, yd),
                      args.rounds, 1e9)
    record(case, "softmax-ext.dask (ones column)", times, int(md.n_iter_[0]),
           score(md.coef_[0, :d], md.coef_[0, d]), ref="dask")
    if DaskLR is not None:
        lbfgs_info.clear()
        times, est = timed(lambda: DaskLR(penalty="l2", C=C, solver="lbfgs", tol=args.dask_tol,
                                          max_iter=1000).fit(Xd, yd), args.dask_rounds,
                           args.budget)
        record(case, f"dask-ml lbfgs tol={args.dask_tol:g}", times, lbfgs_info.get("nit"),
               score(est.coef_, est.intercept_), ref="dask",
               note=f"{lbfgs_info.get('funcalls')} evaluations, warnflag "
                    f"{lbfgs_info.get('warnflag')}")
        if args.admm_iter:
            CountedL2.calls = 0
            times, est = timed(
                lambda: DaskLR(penalty=CountedL2(), C=C, solver="admm", max_iter=args.admm_iter,
                               solver_kwargs={"abstol": 1e-10, "reltol": 1e-8}).fit(Xd, yd),
                1, args.budget)
            record(case, f"dask-ml admm (max_iter={args.admm_iter})", times, CountedL2.calls,
                   score(est.coef_, est.intercept_), ref="dask",
                   note="abstol 1e-10, reltol 1e-8")
        print("  dask-ml newton skipped here: it ignores the penalty (see the C=inf case)")

    # ---- unpenalised case: newton's objective
    case = f"binary {n // 1000}k x {d} unpenalised (C=inf)"
    print(f"\n{case}  [load {load()}]", flush=True)
    score = lambda w, b: binary_objective(X, y, w, b, np.inf, False)   # noqa: E731
    ours_fit(case, X, y, np.inf, 0.0, args, lambda m: score(m.coef_[0], m.intercept_[0]),
             config="softmax-ext in-memory")
    times, md = timed(lambda: sxd.SoftmaxRegression(C=np.inf, tol=1e-8,
                                                    max_iter=1000).fit(Xd, yd),
                      args.rounds, 1e9)
    record(case, "softmax-ext.dask", times, int(md.n_iter_[0]),
           score(md.coef_[0], md.intercept_[0]), ref="dask")
    if DaskLR is not None:
        it = {"n": 0}
        from dask_glm.families import Logistic
        _hess = Logistic.hessian

        def hessian_counted(Xbeta, X):
            it["n"] += 1
            return _hess(Xbeta, X)
        Logistic.hessian = staticmethod(hessian_counted)
        times, est = timed(lambda: DaskLR(solver="newton", tol=args.dask_tol,
                                          max_iter=1000).fit(Xd, yd),
                           args.dask_rounds, args.budget)
        Logistic.hessian = staticmethod(_hess)
        record(case, f"dask-ml newton tol={args.dask_tol:g}", times, it["n"] // len(times),
               score(est.coef_, est.intercept_), ref="dask")
        lbfgs_info.clear()
        times, est = timed(lambda: DaskLR(penalty="l2", C=np.inf, solver="lbfgs",
                                          tol=args.dask_tol, max_iter=1000).fit(Xd, yd),
                           args.dask_rounds, args.budget)
        record(case, f"dask-ml lbfgs C=inf tol={args.dask_tol:g}", times, lbfgs_info.get("nit"),
               score(est.coef_, est.intercept_), ref="dask",
               note=f"{lbfgs_info.get('funcalls')} evaluations")
    client.close()
    cluster.close()


def dask_check(rng):
    """dask-ml's lbfgs against ours (ones column) on a small in-memory problem."""
    from dask_ml.linear_model import LogisticRegression as DaskLR

    import dask.array as da
    from softmax_ext import SoftmaxRegression
    X, y = binary_data(20000, 10, rng)
    X1 = np.hstack([X, np.ones((len(X), 1))])
    for C in [1.0, 1e-3]:
        o = SoftmaxRegression(C=C, tol=1e-10, max_iter=1000, fit_intercept=False).fit(X1, y)
        e = DaskLR(C=C, solver="lbfgs", tol=1e-10, max_iter=1000).fit(
            da.from_array(X, chunks=(5000, 10)), da.from_array(y, chunks=5000))
        dw = max(np.abs(e.coef_ - o.coef_[0, :-1]).max(), abs(e.intercept_ - o.coef_[0, -1]))
        # the same fit without the intercept penalty differs visibly at small C
        u = SoftmaxRegression(C=C, tol=1e-10, max_iter=1000).fit(X, y)
        print(f"  dask-ml check (20,000 x 10) C={C:g}: max |beta_daskml - beta_ours(ones col)| "
              f"{dw:.2e}; objectives {binary_objective(X, y, e.coef_, e.intercept_, C, True):.12f}"
              f" vs {binary_objective(X, y, o.coef_[0, :-1], o.coef_[0, -1], C, True):.12f}; "
              f"ours with an unpenalised intercept is {abs(u.intercept_[0] - e.intercept_):.2e} "
              "away in b", flush=True)


# ------------------------------------------------------------------ table
def table():
    """The markdown table; "like for like" is the row's median over ours with the same
    stopping rule: stopped where it reaches ours, or our Dask fit for dask rows."""
    best, ours, like = {}, {}, {}
    for r in rows_out:
        c = r["case"]
        best[c] = min(best.get(c, np.inf), r["obj"])
        med = statistics.median(r["times"])
        if r["config"].startswith("softmax-ext ") and c not in ours:
            ours[c] = med
        if r["config"].startswith("softmax-ext") and "stopped where" in r["config"]:
            like[c, "reach"] = med
        if r["config"].startswith("softmax-ext.dask") and (c, "dask") not in like:
            like[c, "dask"] = med
    print("\n| case | library / config | fits | seconds min / median / max | iterations | "
          "objective | rel. gap to best | / ours (tol 1e-8 fit) | / ours like for like | notes |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows_out:
        t, c = r["times"], r["case"]
        med = statistics.median(t)
        gap = (r["obj"] - best[c]) / abs(best[c])
        noisy = " **noisy** (max/min %.2f)" % (max(t) / min(t)) if max(t) / min(t) > 1.3 else ""
        key = (c, "reach") if "stopped where" in r["config"] else (
            (c, "dask") if r["ref"] == "dask" or r["config"].startswith("softmax-ext.dask")
            else None)
        lk = f"{med / like[key]:.2f}" if key in like else ""
        rel = f"{med / ours[c]:.2f}" if c in ours else ""
        print(f"| {c} | {r['config']} | {len(t)} | {min(t):.2f} / {med:.2f} / {max(t):.2f} | "
              f"{r['iters']} | {r['obj']:.12f} | {gap:.1e} | {rel} | {lk} | "
              f"{r['note']}{noisy} |")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes: a couple of minutes")
    p.add_argument("--n", type=int, default=200_000)
    p.add_argument("--d", type=int, default=100)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--C", type=float, default=1.0, help="case (a)")
    p.add_argument("--enet-C", type=float, default=5e-4, help="case (b), l1_ratio 0.5")
    p.add_argument("--sparse-n", type=int, default=100_000)
    p.add_argument("--sparse-d", type=int, default=5_000)
    p.add_argument("--sparse-density", type=float, default=0.01)
    p.add_argument("--binary-n", type=int, default=1_000_000)
    p.add_argument("--binary-d", type=int, default=100)
    p.add_argument("--binary-C", type=float, default=1.0)
    p.add_argument("--cases", default="a,b,c,binary", help="comma list of a, b, c, binary")
    p.add_argument("--rounds", type=int, default=3, help="fits per row of ours")
    p.add_argument("--spark-rounds", type=int, default=3)
    p.add_argument("--dask-rounds", type=int, default=3)
    p.add_argument("--budget", type=float, default=120.0,
                   help="a peer's row stops repeating once its fits used this many seconds")
    p.add_argument("--spark-memory", default="8g")
    p.add_argument("--spark-cores", type=int, default=2)
    p.add_argument("--spark-partitions", type=int, default=4)
    p.add_argument("--spark-max-iter", type=int, default=1000)
    p.add_argument("--spark-tol", type=float, default=1e-10)
    p.add_argument("--no-spark-reach", dest="spark_reach", action="store_false",
                   help="do not re-time Spark stopped where it first reaches our objective")
    p.add_argument("--dask-tol", type=float, default=1e-8)
    p.add_argument("--dask-chunks", type=int, default=8)
    p.add_argument("--admm-iter", type=int, default=20, help="0 skips dask-ml's admm")
    p.add_argument("--skip-spark", action="store_true")
    p.add_argument("--skip-dask", action="store_true")
    args = p.parse_args()
    if args.quick:
        args.n, args.d, args.sparse_n, args.sparse_d = 20_000, 50, 10_000, 1_000
        args.binary_n, args.binary_d, args.admm_iter = 100_000, 50, 5
        args.enet_C = 5e-3
        args.rounds = args.spark_rounds = args.dask_rounds = 2
    cases = set(args.cases.split(","))
    rng = np.random.default_rng(0)
    t_start = time.perf_counter()
    print(f"load average at start: {load()}  (os.getloadavg, {os.cpu_count()} CPUs)")
    import softmax_ext
    print(f"softmax-ext {softmax_ext.__version__}, numpy {np.__version__}, OpenMP "
          f"{softmax_ext.openmp_enabled()}; fits: tol=1e-8, max_iter=1000, solver auto, "
          f"n_threads default", flush=True)

    spark = None
    if not args.skip_spark and cases & {"a", "b", "c"}:
        try:
            import pyspark
            if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
                raise ImportError("no java on PATH and no JAVA_HOME")
            print(f"pyspark {pyspark.__version__}")
            spark = Spark(args)
            spark_check(spark, rng)
        except ImportError as exc:
            print(f"Spark rows skipped: {exc}")
    elif args.skip_spark:
        print("Spark rows skipped: --skip-spark")

    dense_cases = [("a", f"(a) {args.n // 1000}k x {args.d} K={args.classes} L2 C={args.C:g}",
                    args.C, 0.0),
                   ("b", f"(b) {args.n // 1000}k x {args.d} K={args.classes} elastic net "
                         f"l1_ratio=0.5 C={args.enet_C:g}", args.enet_C, 0.5)]
    if cases & {"a", "b"}:
        X, y = multinomial_data(args.n, args.d, args.classes, rng)
        for key, case, C, r in dense_cases:
            if key not in cases:
                continue
            print(f"\n{case}  [load {load()}]", flush=True)
            _, fo = ours_fit(case, X, y, C, r, args,
                             lambda m: softmax_objective(X, y, m.coef_, m.intercept_, C, r),
                             reach=True)
            if spark is not None:
                spark_case(spark, case, X, y, C, r, fo, args)
        del X, y
    if "c" in cases:
        X, y = sparse_data(args.sparse_n, args.sparse_d, args.classes, args.sparse_density, rng)
        case = (f"(c) CSR {args.sparse_n // 1000}k x {args.sparse_d:,} density "
                f"{args.sparse_density:g} K={args.classes} L2 C={args.C:g}")
        print(f"\n{case}  [load {load()}]", flush=True)
        _, fo = ours_fit(case, X, y, args.C, 0.0, args,
                         lambda m: softmax_objective(X, y, m.coef_, m.intercept_, args.C, 0.0),
                         reach=True)
        if spark is not None:
            spark_case(spark, case, X, y, args.C, 0.0, fo, args)
        del X, y
    if spark is not None:
        spark.close()

    if "binary" in cases and not args.skip_dask:
        try:
            import dask.array  # noqa: F401
            import distributed  # noqa: F401
        except ImportError as exc:
            print(f"Dask rows skipped: dask / distributed not importable ({exc})")
        else:
            try:
                import dask_ml  # noqa: F401
                dask_check(rng)
            except ImportError as exc:
                print(f"dask-ml check skipped: {exc}")
            dask_section(args, rng)
    elif args.skip_dask:
        print("Dask rows skipped: --skip-dask")

    table()
    print(f"\nload average at end: {load()}; total {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
