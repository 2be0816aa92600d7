"""PNG plots of benchmark records (matplotlib's Agg backend: no display needed).

matplotlib is imported only when a plot is drawn; a plot without records to
show is not written.
"""

from pathlib import Path

import numpy as np

from .records import OURS, SKLEARN, fit_pairs, measured
from .tables import format_ratio

__all__ = ["write_plots", "PLOTS"]


SOLVER_COLORS = {"lbfgs": "C0", "newton-cholesky": "C1", "newton-cg": "C2", "gd": "C3",
                 "auto": "C4"}


def _plt():
    # Agg renders to files without a display (CI, servers).
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_fit_time_vs_n(records, path):
    """Fit time against n (section scaling_n), log-log; None when there is nothing to plot."""
    recs = measured(records, "scaling_n")
    if not recs:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for library, style in ((OURS, "o-"), (SKLEARN, "s--")):
        pts = sorted((r["n"], r["seconds"], r["solver"]) for r in recs if r["library"] == library)
        if pts:
            ax.loglog([p[0] for p in pts], [p[1] for p in pts], style,
                      label=f"{library} ({pts[0][2]})")
    ax.set_xlabel("n (training rows)")
    ax.set_ylabel("fit time [s]")
    r0 = recs[0]
    ax.set_title(f"Fit time vs n (d={r0['d']}, K={r0['K']}, C={r0['C']}, tol={r0['tol']:g})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_speedups(records, path):
    """Bars of the fit speedup per case and solver (section fit); None without pairs."""
    pairs = [(case, ours, theirs) for case, ours, theirs in fit_pairs(records)
             if theirs is not None]
    if not pairs:
        return None
    plt = _plt()
    cases = list(dict.fromkeys(p[0] for p in pairs))
    solvers = list(dict.fromkeys(p[1]["solver"] for p in pairs))
    fig, ax = plt.subplots(figsize=(7, 4.2))
    width = 0.8 / max(1, len(solvers))
    for j, solver in enumerate(solvers):
        xs, ys = [], []
        for i, case in enumerate(cases):
            for c, ours, theirs in pairs:
                if c == case and ours["solver"] == solver:
                    xs.append(i + (j - (len(solvers) - 1) / 2) * width)
                    ys.append(theirs["seconds"] / ours["seconds"])
        label = "auto vs sklearn's fastest" if solver == "auto" else solver
        bars = ax.bar(xs, ys, width=width, label=label, color=SOLVER_COLORS.get(solver))
        ax.bar_label(bars, labels=[format_ratio(v) for v in ys], fontsize=7)
    ax.axhline(1.0, color="k", lw=0.8)
    speeds = [theirs["seconds"] / ours["seconds"] for _, ours, theirs in pairs]
    if max(speeds) / min(speeds) > 30:
        ax.set_yscale("log")
    ax.set_xticks(range(len(cases)))
    ax.set_xticklabels(cases, fontsize=8)
    ax.set_ylabel("speedup (scikit-learn time / softmax-ext time)")
    ax.set_title("Fit speedup over LogisticRegression, same solver, C and tol")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_convergence(records, path):
    """Objective gap against fit time, one panel per case (section convergence)."""
    recs = measured(records, "convergence")
    if not recs:
        return None
    plt = _plt()
    cases = list(dict.fromkeys(r["case"] for r in recs))
    fig, axes = plt.subplots(1, len(cases), figsize=(6 * len(cases), 4.5), squeeze=False)
    for ax, case in zip(axes[0], cases):
        group = [r for r in recs if r["case"] == case]
        f_best = min(p["objective"] for r in group for p in r["points"])
        floor = max(abs(f_best), 1.0) * 1e-15
        for r in group:
            t = [p["seconds"] for p in r["points"]]
            gap = [max(p["objective"] - f_best, floor) for p in r["points"]]
            style = "-" if r["library"] == OURS else "--"
            marker = "o" if r["library"] == OURS else "s"
            ax.plot(t, gap, style, marker=marker, ms=3, color=SOLVER_COLORS.get(r["solver"]),
                    label=f"{r['library']} {r['solver']}")
        ax.set_yscale("log")
        if max(p["seconds"] for r in group for p in r["points"]) > 0:
            t_min = min(p["seconds"] for r in group for p in r["points"] if p["seconds"] > 0)
            ax.set_xscale("symlog", linthresh=10 ** np.floor(np.log10(t_min)))
            ax.set_xlim(left=0)
        ax.set_xlabel("fit time [s]")
        ax.set_ylabel("objective - best objective")
        ax.set_title(case)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Convergence: solid = softmax-ext, dashed = scikit-learn")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_threads(records, path):
    """Our speedup over one thread against the thread count (section threads)."""
    recs = [r for r in measured(records, "threads") if r["library"] == OURS]
    if not recs:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for what, style in (("loss_gradient", "o-"), ("fit", "s-")):
        pts = sorted((r["threads"], r["seconds"]) for r in recs if r.get("what") == what)
        if pts:
            base = pts[0][1]
            ax.plot([p[0] for p in pts], [base / p[1] for p in pts], style, label=what)
    top = max(r["threads"] for r in recs)
    ax.plot([1, top], [1, top], "k:", lw=0.8, label="ideal")
    ax.set_xticks(range(1, top + 1))
    ax.set_xlabel("threads")
    ax.set_ylabel("speedup over 1 thread")
    ax.set_title(f"softmax-ext thread scaling ({recs[0]['case']})")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


PLOTS = {
    "fit_time_vs_n.png": plot_fit_time_vs_n,
    "speedup.png": plot_speedups,
    "convergence.png": plot_convergence,
    "threads.png": plot_threads,
}


def write_plots(records, out_dir):
    """Write every plot that has data; return the list of paths written."""
    paths = []
    for name, fn in PLOTS.items():
        path = fn(records, Path(out_dir) / name)
        if path is not None:
            paths.append(Path(path))
    return paths

