"""scikit-learn's penalty parameters (``penalty``, ``C``, ``l1_ratio``, ``dual``,
``n_jobs``) read as ``LogisticRegression`` 1.9 reads them, and the penalty
strengths of the objective that a ``C`` and an ``l1_ratio`` stand for.

scikit-learn minimises ``C sum_i s_i CE_i + (1 - r) ||W||^2 / 2 + r ||W||_1``
(r = ``l1_ratio``); the objectives of :mod:`softmax_ext.objective` take the
mean loss, so their ``l2`` and the solvers' ``l1`` are those penalties
divided by ``C sum(s)``: :func:`l2_from_C` is the one place this scaling is
written, :func:`penalty_strengths` splits it between the two terms.
"""

import warnings

import numpy as np

__all__ = ["effective_C", "effective_penalty", "l2_from_C", "penalty_strengths"]


def _penalty_from_l1_ratio(est, warn):
    """The penalty named by ``l1_ratio`` and ``C`` when ``penalty`` is left at its default."""
    l1_ratio = est.l1_ratio
    if l1_ratio == 0 or l1_ratio is None:
        penalty = "l2"
        if l1_ratio is None and warn:
            warnings.warn(
                "'l1_ratio=None' was deprecated in version 1.8 and will trigger an "
                "error in 1.10. Use 0<=l1_ratio<=1 instead.", FutureWarning)
    else:
        penalty = "l1" if l1_ratio == 1 else "elasticnet"
    if est.C == np.inf:
        penalty = None
    return penalty


def _check_penalty(est, penalty, warn):
    """scikit-learn's errors and warnings on the penalty, then ours for L1."""
    l1_ratio, solver = est.l1_ratio, est.solver
    if (solver not in ("auto", "saga", "prox-newton", "liblinear")
            and penalty not in ("l2", None)):
        raise ValueError(f"Solver {solver} supports only 'l2' or None penalties, got "
                         f"{penalty} penalty.")
    if est.dual and solver != "liblinear":
        raise ValueError(f"Solver {solver} supports only dual=False, got dual={est.dual}")
    if solver == "liblinear":
        _check_liblinear_penalty(penalty, est.dual)
    if penalty == "elasticnet" and l1_ratio is None:
        raise ValueError("l1_ratio must be specified when penalty is elasticnet.")
    if warn and l1_ratio is not None and 0 < l1_ratio < 1 and penalty != "elasticnet":
        warnings.warn("l1_ratio parameter is only used when penalty is 'elasticnet'. "
                      f"Got (penalty={penalty})")
    if warn and ((est.penalty == "l2" and l1_ratio != 0)
                 or (est.penalty == "l1" and l1_ratio != 1)):
        warnings.warn(f"Inconsistent values: penalty={est.penalty} with "
                      f"l1_ratio={l1_ratio}. penalty is deprecated. Please use "
                      "l1_ratio only.")


def _check_liblinear_penalty(penalty, dual):
    """scikit-learn's refusals for ``solver="liblinear"`` (``_check_solver`` and
    liblinear's solver table): no elastic net, no unpenalised fit, L1 only primal."""
    if penalty == "elasticnet":
        raise ValueError("Only 'saga' solver supports elasticnet penalty, got "
                         "solver=liblinear.")
    if penalty is None:
        raise ValueError("C=np.inf as well as penalty=None is not supported for the "
                         "liblinear solver")
    if penalty == "l1" and dual:
        raise ValueError(
            "Unsupported set of arguments: The combination of penalty='l1' and "
            "loss='logistic_regression' are not supported when dual=True, Parameters: "
            "penalty='l1', loss='logistic_regression', dual=True")


def effective_C(est, *, warn=True):
    """The C a fit uses: the first half of :func:`effective_penalty`."""
    return effective_penalty(est, warn=warn)[0]


def effective_penalty(est, *, warn=True):
    """The C and l1_ratio a fit uses, after scikit-learn 1.9's reading of the
    penalty parameters.

    Gives scikit-learn's FutureWarnings, warnings and errors, in its order
    (``LogisticRegression.fit``).  ``penalty="l1"`` is ``l1_ratio=1``,
    ``"l2"`` is 0, ``"elasticnet"`` takes ``l1_ratio`` as given; no penalty
    (``C=np.inf`` or ``penalty=None``) has ``l1_ratio`` 0.

    Parameters
    ----------
    est : estimator
        Has ``LogisticRegression``'s parameters ``penalty``, ``C``,
        ``l1_ratio``, ``solver``, ``dual`` and ``n_jobs``.
    warn : bool, default=True
        Give the warnings (False re-reads the parameters of a fitted model
        silently; errors are raised either way).

    Returns
    -------
    C : float
        ``C``, or ``np.inf`` for no penalty.
    l1_ratio : float
        The L1 share of the penalty, in [0, 1].
    """
    if est.penalty == "deprecated":
        penalty = _penalty_from_l1_ratio(est, warn)
    else:
        penalty = est.penalty
        if warn:
            warnings.warn(
                "'penalty' was deprecated in version 1.8 and will be removed in 1.10. "
                "To avoid this warning, leave 'penalty' set to its default value and use "
                "'l1_ratio' or 'C' instead. Use l1_ratio=0 instead of penalty='l2', "
                "l1_ratio=1 instead of penalty='l1', l1_ratio set to a float between 0 "
                "and 1 instead of penalty='elasticnet', and C=np.inf instead of "
                "penalty=None.", FutureWarning)
    _check_penalty(est, penalty, warn)
    C = float(est.C)
    if est.penalty is None:
        if est.C != 1.0 and warn:
            warnings.warn("Setting penalty=None will ignore the C and l1_ratio parameters")
        C = np.inf
    if warn and est.n_jobs is not None:
        warnings.warn(
            "'n_jobs' has no effect since 1.8 and will be removed in 1.10. "
            f"You provided 'n_jobs={est.n_jobs}', please leave it unspecified.",
            FutureWarning)
    l1_ratio = {"l1": 1.0, "elasticnet": est.l1_ratio}.get(penalty, 0.0)
    return C, (0.0 if np.isinf(C) else float(l1_ratio))


def penalty_strengths(C, l1_ratio, weight_sum):
    """The objective's ``(l2, l1)`` for scikit-learn's ``C`` and ``l1_ratio``.

    ``l2 = (1 - l1_ratio) / (C sum(s))`` and ``l1 = l1_ratio / (C sum(s))``
    (both 0 for ``C = inf``); see :func:`l2_from_C` for the arguments and
    the overflow error.
    """
    total = l2_from_C(C, weight_sum)
    return total * (1.0 - l1_ratio), total * l1_ratio


def l2_from_C(C, weight_sum):
    """The objective's ``l2`` for scikit-learn's ``C``: ``1 / (C * sum(sample_weight))``.

    Parameters
    ----------
    C : float
        Inverse penalty strength, > 0; ``np.inf`` for no penalty.
    weight_sum : float
        ``sum(sample_weight)`` (the number of samples when unweighted), > 0;
        1 gives the penalty on the summed scale, ``1 / C``.

    Returns
    -------
    float
        0.0 for ``C = inf``, else ``1 / (C * weight_sum)``.

    Raises
    ------
    ValueError
        When the strength overflows (C or the weights too small).
    """
    if np.isinf(C):
        return 0.0
    denominator = C * weight_sum
    l2 = 1.0 / denominator if denominator > 0 else np.inf
    if not np.isfinite(l2):
        raise ValueError(
            f"The penalty strength 1 / (C * sum(sample_weight)) = 1 / ({C!r} * "
            f"{weight_sum!r}) overflows: C or the sample weights are too small.")
    return l2
