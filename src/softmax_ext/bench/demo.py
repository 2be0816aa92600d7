"""``softmax-ext demo``: our fit next to scikit-learn's on digits and a generated problem."""

from pathlib import Path

from .cases import digits_problem, make_problem
from .fits import fit_record
from .machine import machine_info
from .records import OURS, SKLEARN, write_results_json
from .tables import NOISY_SPREAD, demo_table

__all__ = ["run_demo", "print_demo"]


def run_demo(*, n=200_000, d=100, K=10, C=1.0, tol=1e-6, solver="auto", n_threads=None,
             repeats=3, progress=None):
    """The demo's fits: ours (``solver``) and scikit-learn's lbfgs on digits and a generated problem.

    Returns
    -------
    list of records (see :func:`~softmax_ext.bench.fits.fit_record`), two per
    data set, ours first; each of ours carries ``speedup`` (scikit-learn's
    median time / ours).
    """
    progress = progress or (lambda message: None)
    progress("loading digits (standardized, 75/25 split)")
    problems = [("digits", digits_problem())]
    progress(f"generating n={n:,} d={d} K={K} (+{max(K, n // 4):,} test rows)")
    problems.append((f"generated {n:,}x{d} K={K}", make_problem(n, d, K, seed=0)))
    records = []
    for case, data in problems:
        progress(f"{case}: softmax-ext solver={solver}")
        ours = fit_record(OURS, solver, data, case=case, C=C, tol=tol, n_threads=n_threads,
                          repeats=repeats, section="demo")
        progress(f"{case}: scikit-learn lbfgs")
        theirs = fit_record(SKLEARN, "lbfgs", data, case=case, C=C, tol=tol, repeats=repeats,
                            section="demo")
        ours["speedup"] = theirs["seconds"] / ours["seconds"]
        records += [ours, theirs]
    return records


def print_demo(records, *, C, tol, solver, repeats, json_path=None, options=None):
    """Print the demo's header, table and notes on stdout; write ``json_path`` if given.

    Parameters
    ----------
    records : list of dict
        From :func:`run_demo`.
    C, tol, solver, repeats
        The settings the records were measured with (for the header).
    json_path : str, optional
        Also write the records with the machine and ``options`` there.
    options : dict, optional
        The command's options, stored in the JSON file's ``meta.config``.
    """
    info = machine_info()
    blas = next((lib for lib in info["threadpools"] if lib["user_api"] == "blas"), {})
    print(f"softmax-ext {info['versions']['softmax-ext']} vs scikit-learn "
          f"{info['versions']['scikit-learn']} on {info['cpu']} ({info['usable_cpus']} usable "
          f"CPUs; BLAS {blas.get('internal_api', '?')} {blas.get('version', '')} "
          f"{blas.get('architecture') or ''})".rstrip())
    load = info.get("load_average_1_5_15min")
    print(f"OpenMP {'on' if info['openmp_enabled'] else 'OFF (one thread)'}; load average "
          f"{' / '.join(f'{v:.2f}' for v in load) if load else 'unknown'} (1/5/15 min), the "
          "demo's own fits included: well above its thread count, other jobs shared the CPUs")
    print(f"C={C:g}, tol={tol:g}; ours solver={solver}, "
          f"threads={records[0]['threads'] or info['default_threads']}; scikit-learn lbfgs with "
          "scipy's BLAS at 1 thread (its best setting)")
    print()
    if json_path:
        write_results_json(records, {"machine": info, "config": options or {}},
                           Path(json_path).parent, name=Path(json_path).name)
    print(demo_table(records))
    print()
    print(f"fit time: median of {repeats} fit(s), min-max beside it (* when max > "
          f"{NOISY_SPREAD:g} x min: the machine was busy, the row is noisy); speedup = scikit-learn time / ours. "
          "Passes over X: ours counted by the objective, scikit-learn's the fewest its lbfgs "
          "makes in its n_iter_ iterations (X@W and G^T@X per loss+gradient).")
    print("final objective: mean cross-entropy + ||W||^2/(2 C n) on the training set, same "
          "code for both; accuracy and log-loss on the held-out test set.")
