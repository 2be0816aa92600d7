"""Optional peers of the speed matrix, each run only when it can be imported.

- scikit-learn-intelex: ``sklearnex.linear_model.LogisticRegression`` with
  the case's C, tol and max_iter (it falls back to scikit-learn's code where
  it has no kernel, e.g. sparse X; its objective is scikit-learn's);
- torch: full-batch ``torch.optim.LBFGS`` (strong Wolfe line search) on
  scikit-learn's objective, mean cross-entropy + ||W||^2 / (2 C n), the
  binary logistic model for two classes, float64 on the CPU, stopped at
  ``max |gradient| <= tol``.

cyanure and snapml are not wired yet.  Each peer's objective is evaluated
by the same float64 code as every other entry, so an unmatched optimum shows
as a gap in the table rather than as a fast time.
"""

import importlib.util

import numpy as np

__all__ = ["run_peers", "available_peers"]


def available_peers():
    """Names of the peers importable here."""
    return [name for name, module in (("scikit-learn-intelex", "sklearnex"), ("torch", "torch"))
            if importlib.util.find_spec(module) is not None]


class _Fitted:
    """What ``final_objective`` reads of a fitted model: coef_, intercept_, classes_, n_iter_."""

    def __init__(self, coef, intercept, classes, n_iter):
        self.coef_, self.intercept_ = coef, intercept
        self.classes_, self.n_iter_ = classes, np.asarray([n_iter])


def _torch_fit(X, y, C, tol, max_iter=1000):
    import torch

    classes, codes = np.unique(y, return_inverse=True)
    K = len(classes)
    Xt = (torch.from_numpy(X.toarray() if hasattr(X, "toarray") else np.asarray(X))
          .to(torch.float64))
    yt = torch.from_numpy(codes)
    rows = 1 if K == 2 else K
    W = torch.zeros((rows, Xt.shape[1] + 1), dtype=torch.float64, requires_grad=True)
    lam = 1.0 / (C * Xt.shape[0])
    opt = torch.optim.LBFGS([W], lr=1, max_iter=max_iter, tolerance_grad=tol,
                            tolerance_change=0.0, history_size=10, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        Z = Xt @ W[:, :-1].T + W[:, -1]
        if K == 2:
            data = torch.nn.functional.binary_cross_entropy_with_logits(Z[:, 0], yt.double())
        else:
            data = torch.nn.functional.cross_entropy(Z, yt)
        loss = data + 0.5 * lam * (W[:, :-1] ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    coef = W.detach().numpy()
    n_iter = opt.state[opt._params[0]].get("n_iter", 0)
    return _Fitted(coef[:, :-1], coef[:, -1], classes, n_iter)


def run_peers(X, y, case, rounds, entry):
    """Records of every importable peer on one case.

    Parameters
    ----------
    X, y, case, rounds
        As :func:`~softmax_ext.bench.speed_fits.run_entries`.
    entry : callable
        ``speed_fits._entry``: times a fit and scores its objective.
    """
    out = []
    peers = available_peers()
    if "scikit-learn-intelex" in peers:
        from sklearnex.linear_model import LogisticRegression

        out.append(entry("peer", "scikit-learn-intelex",
                         lambda: LogisticRegression(C=case.C, tol=case.tol,
                                                    max_iter=1000).fit(X, y),
                         X, y, case.C, rounds))
    if "torch" in peers:
        if hasattr(X, "toarray") and X.shape[0] * X.shape[1] > 2e8:
            out.append({"library": "peer", "entry": "torch L-BFGS",
                        "skipped": "sparse X too large to densify"})
        else:
            out.append(entry("peer", "torch L-BFGS",
                             lambda: _torch_fit(X, y, case.C, case.tol), X, y, case.C, rounds))
    return out
