"""scikit-learn's solver names that we fit with our own solvers, and what they
change that a user can see: ``liblinear``'s objective and refusals, the
``ConvergenceWarning`` wording of ``sag`` / ``saga`` / ``liblinear``.

``liblinear`` minimises another objective than the other solvers: it
appends a synthetic feature of constant value ``intercept_scaling`` to X and
penalises its weight ``b / intercept_scaling`` like the other weights.  We
fit that objective without the extra column (the intercept term of
:class:`~softmax_ext.objective._penalty.Penalty` with ``intercept_scaling``,
and ``l1 / intercept_scaling`` on the intercept for the L1 penalty), with
the solver "auto" picks; the optimum is liblinear's.  The stochastic
solvers ``sag`` and ``saga`` minimise the same objective as lbfgs, so they
run "auto" too.  Either way X is neither copied nor converted.
"""

import contextlib
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from ..objective import FixedClassLoss
from ..objective._penalty import Penalty

__all__ = ["SAME_OPTIMUM_SOLVERS", "ALIASED_SOLVERS", "check_liblinear_data", "penalise_intercept",
           "sklearn_convergence_wording"]

# scikit-learn's stochastic solvers: the same optimum as ours, fitted with
# what "auto" picks
SAME_OPTIMUM_SOLVERS = ("sag", "saga")
# every scikit-learn solver name fitted with what "auto" picks (liblinear with
# its own objective: the intercept penalised, see penalise_intercept)
ALIASED_SOLVERS = SAME_OPTIMUM_SOLVERS + ("liblinear",)

# scikit-learn's ConvergenceWarning text for these names (test_logistic.py
# matches it); ours follows it, with the iteration count and what to try.
_WORDING = {
    "sag": "The max_iter was reached which means the coef_ did not converge",
    "saga": "The max_iter was reached which means the coef_ did not converge",
    "liblinear": "Liblinear failed to converge, increase the number of iterations.",
}


def check_liblinear_data(X, n_classes):
    """scikit-learn's refusals of data for ``solver="liblinear"``: more than two
    classes, values above 1e30 (its messages)."""
    if n_classes > 2:
        raise ValueError(
            "The 'liblinear' solver does not support multiclass classification "
            "(n_classes >= 3). Either use another solver or wrap the estimator in a "
            "OneVsRestClassifier to keep applying a one-versus-rest scheme.")
    largest = X.max() if sp.issparse(X) else (np.max(X) if X.size else 0.0)
    if largest > 1e30:
        raise ValueError(
            "Using the 'liblinear' solver while X contains a maximum value > 1e30 "
            "results in a frozen fit. Please choose another solver or rescale the input X.")


def penalise_intercept(objective, intercept_scaling):
    """Give ``objective`` liblinear's penalty on the intercept, in place; returns it.

    The L2 term becomes ``(l2 / 2) (||W||^2 + (b / intercept_scaling)^2)``;
    the objective's ``regularizer`` is its one owner, shared by a
    :class:`~softmax_ext.objective.FixedClassLoss` and its base.
    """
    if not objective.fit_intercept:
        return objective
    old = objective.regularizer
    pen = Penalty(old.l2, old.n_features, old.n_params, intercept_scaling=intercept_scaling)
    objective.regularizer = pen
    if isinstance(objective, FixedClassLoss):   # its base computes the penalty
        objective.base.regularizer = pen
    return objective


@contextlib.contextmanager
def sklearn_convergence_wording(solver):
    """Re-issue the ConvergenceWarnings of the block with scikit-learn's text for
    ``solver`` (``sag``, ``saga``, ``liblinear``) in front of ours; other
    warnings and other solver names pass through unchanged."""
    prefix = _WORDING.get(solver)
    if prefix is None:
        yield
        return
    caught = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        _reissue(caught, solver, prefix)


def _reissue(caught, solver, prefix):
    for w in caught:
        message = w.message
        if issubclass(w.category, ConvergenceWarning):
            message = ConvergenceWarning(f"{prefix} ({solver} runs softmax-ext's solvers "
                                         f"here) {w.message}")
        warnings.warn(message, w.category, stacklevel=5)
