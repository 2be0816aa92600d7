"""Line searches in score space: trials cost O(n K) and never read X.

The objective depends on the coefficients only through the scores
``Z = X W^T + b`` (plus the penalty, which is O(m)).  Along a direction D the
scores are ``Z + t * XD`` with ``XD = objective.scores(D)`` (the intercept
column of D included), so once Z and XD are known -- one pass over X for XD --
each trial's value ``phi(t)`` and slope ``phi'(t)`` come from one O(n K) sweep
(``objective.loss_slope_scores``, the ``smx_line_eval`` kernel).  Only the
gradient at the accepted point costs a pass over X (``loss_gradient_scores``,
done by the caller).
"""

import math

import numpy as np

__all__ = ["ScoreLine"]


class ScoreLine:
    """The objective restricted to the line ``coef + t D``, evaluated in score space.

    Parameters
    ----------
    obj : MultinomialLoss or FixedClassLoss
    coef : ndarray (m,), float64
        Current iterate, flattened in the order of ``coef.ravel()``.
    D : ndarray (m,), float64
        Direction; should be exactly representable in ``obj.dtype`` so that
        ``XD`` (computed in that dtype) matches it.
    Z : ndarray (n, K), float64
        Scores at ``coef``.
    XD : ndarray (n, K), float64
        ``obj.scores(D)``.
    f0 : float
        Objective at ``coef``.
    d0 : float
        Slope at 0, ``<grad, D>`` (must be < 0).
    """

    def __init__(self, obj, coef, D, Z, XD, f0, d0):
        self.obj, self.coef, self.D, self.Z, self.XD = obj, coef, D, Z, XD
        self.f0, self.d0 = float(f0), float(d0)
        self.n_evals = 0
        self._last = None   # (t, objective, slope) of the latest sweep
        # rounding error of an objective value: the loss sums in double, but
        # from scores rounded to the objective's dtype
        self.eps_f = 16 * float(np.finfo(obj.dtype).eps) * max(abs(self.f0), 1e-300)
        self._pen_cd, self._pen_dd = obj.regularizer.line_terms(coef, D)

    def point(self, t):
        """Scores and coefficients at ``t`` (float64)."""
        if not isinstance(self.XD, np.ndarray):  # a blocked objective's scores (scale/)
            return self.Z + t * self.XD, self.coef + t * self.D
        Z = np.multiply(self.XD, t)  # one (n, K) array, not two
        Z += self.Z
        return Z, self.coef + t * self.D

    def _eval(self, t):
        """(objective, slope) at ``coef + t D`` from one fused O(n K) sweep."""
        if self._last is None or self._last[0] != t:
            f, d = self.obj.loss_slope_scores(self.Z, self.XD, t, self.coef, self.D)
            self._last = (t, f, d)
        return self._last[1], self._last[2]

    def phi(self, t):
        """Objective at ``coef + t D``: O(n K), no pass over X."""
        self.n_evals += 1
        f = self._eval(t)[0]
        return f if math.isfinite(f) else math.inf

    def dphi(self, t):
        """Slope at ``t``: O(n K), no pass over X (free after ``phi(t)``)."""
        return self._eval(t)[1]

    # ------------------------------------------------------------------
    def armijo(self, t=1.0, c1=1e-4, shrink=0.5, max_trials=40):
        """Backtracking with quadratic interpolation until sufficient decrease.

        Returns ``(t, f_t)`` or ``(None, f0)`` if no trial decreased enough.
        """
        f0, d0 = self.f0, self.d0
        for _ in range(max_trials):
            f = self.phi(t)
            if f <= f0 + c1 * t * d0 or self._approx_wolfe(t, f, c1, 0.9):
                return t, f
            if math.isfinite(f):
                # minimiser of the quadratic through f0, d0, f(t), safeguarded
                denom = 2.0 * (f - f0 - d0 * t)
                t_new = -d0 * t * t / denom if denom > 0 else shrink * t
                t = min(max(t_new, 0.1 * t), shrink * t)
            else:
                t *= 0.1
        return None, f0

    def wolfe(self, t=1.0, c1=1e-4, c2=0.9, t_max=1e10, max_trials=40):
        """Strong Wolfe line search (Nocedal & Wright, algorithms 3.5 and 3.6).

        Returns ``(t, f_t)``; ``t`` is None when no point with sufficient
        decrease was found within ``max_trials`` trials.  When the curvature
        condition cannot be met in time, the last point with sufficient
        decrease is returned (still a descent step).
        """
        f0, d0 = self.f0, self.d0
        prev_t, prev_f, prev_d = 0.0, f0, d0
        self._best = (None, f0)
        trials = 0
        while trials < max_trials:
            f = self.phi(t)
            trials += 1
            if self._approx_wolfe(t, f, c1, c2):
                return t, f
            if f > f0 + c1 * t * d0 or (prev_t > 0 and f >= prev_f):
                return self._zoom(prev_t, prev_f, prev_d, t, f, None, c1, c2,
                                  max_trials - trials)
            self._best = (t, f)
            d = self.dphi(t)
            if abs(d) <= -c2 * d0:
                return t, f
            if d >= 0:
                return self._zoom(t, f, d, prev_t, prev_f, prev_d, c1, c2, max_trials - trials)
            if t >= t_max:
                return t, f
            # extrapolate: cubic step beyond t, kept within [2t, 10t]
            t_new = _cubic(prev_t, prev_f, prev_d, t, f, d)
            if not (math.isfinite(t_new) and t_new > t):
                t_new = 4.0 * t
            t_new = min(max(t_new, 2.0 * t), 10.0 * t, t_max)
            prev_t, prev_f, prev_d = t, f, d
            t = t_new
        return self._best

    def _approx_wolfe(self, t, f, c1, c2):
        """Hager and Zhang's approximate Wolfe test, for decreases below rounding.

        Near the optimum the decrease ``t * d0`` falls below the rounding
        error of f, and the Armijo test becomes a coin toss.  The slope is
        still accurate (a dot product, not a difference of values), so a
        point where f did not rise beyond its rounding error ``eps_f`` and
        the slope satisfies ``(2 c1 - 1) d0 >= phi'(t) >= c2 d0`` (the Armijo
        condition of the quadratic model) is accepted.
        """
        f0, d0 = self.f0, self.d0
        if not (f <= f0 + self.eps_f and abs(t * d0) <= 100 * self.eps_f):
            return False
        d = self.dphi(t)
        if (2 * c1 - 1) * d0 >= d >= c2 * d0 or abs(d) <= -c2 * d0:
            self._best = (t, f)
            return True
        return False

    def _zoom(self, lo_t, lo_f, lo_d, hi_t, hi_f, hi_d, c1, c2, trials_left):
        f0, d0 = self.f0, self.d0
        for _ in range(max(trials_left, 1)):
            width = hi_t - lo_t
            if abs(width) <= 1e-12 * max(abs(lo_t), abs(hi_t), 1e-300):
                break
            if hi_d is not None and math.isfinite(hi_f):
                t = _cubic(lo_t, lo_f, lo_d, hi_t, hi_f, hi_d)
            elif math.isfinite(hi_f):
                t = _quadratic(lo_t, lo_f, lo_d, hi_t, hi_f)
            else:
                t = lo_t + 0.1 * width
            a, b = min(lo_t, hi_t), max(lo_t, hi_t)
            margin = 0.1 * (b - a)
            if not math.isfinite(t) or t < a + margin or t > b - margin:
                t = 0.5 * (a + b)
            f = self.phi(t)
            if self._approx_wolfe(t, f, c1, c2):
                return t, f
            if f > f0 + c1 * t * d0 or f >= lo_f:
                hi_t, hi_f, hi_d = t, f, None
                continue
            self._best = (t, f)
            d = self.dphi(t)
            if abs(d) <= -c2 * d0:
                return t, f
            if d * (hi_t - lo_t) >= 0:
                hi_t, hi_f, hi_d = lo_t, lo_f, lo_d
            lo_t, lo_f, lo_d = t, f, d
        if lo_t > 0 and lo_f <= f0 + c1 * lo_t * d0:
            return lo_t, lo_f
        return self._best


def _cubic(a, fa, da, b, fb, db):
    """Minimiser of the cubic interpolating (f, f') at a and b (nan if none)."""
    try:
        d1 = da + db - 3.0 * (fa - fb) / (a - b)
        rad = d1 * d1 - da * db
        if rad < 0:
            return math.nan
        d2 = math.copysign(math.sqrt(rad), b - a)
        denom = db - da + 2.0 * d2
        if denom == 0:
            return math.nan
        return b - (b - a) * (db + d2 - d1) / denom
    except (ZeroDivisionError, OverflowError, ValueError):
        return math.nan


def _quadratic(a, fa, da, b, fb):
    """Minimiser of the quadratic through f(a), f'(a), f(b) (nan if none)."""
    h = b - a
    denom = 2.0 * (fb - fa - da * h)
    if denom <= 0 or not math.isfinite(denom):
        return math.nan
    return a - da * h * h / denom
