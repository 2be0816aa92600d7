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


def _machine_line(meta, threads=None):
    """"AMD EPYC ..., 2 CPUs, ours on N threads, load 0.4": named in every plot."""
    m = (meta or {}).get("machine", {})
    cpu = m.get("cpu") or "unknown CPU"
    parts = [cpu, f"{m.get('usable_cpus', '?')} usable CPUs"]
    if threads == "default":
        parts.append("softmax-ext's default thread policy")
    elif threads is not None:
        parts.append(f"softmax-ext {threads} thread(s)")
    load = m.get("load_average_1_5_15min")
    if load:
        parts.append(f"load {load[0]:.1f}")
    return ", ".join(parts)


def _finish(fig, ax, path, legend_rows=1):
    """Legend below the axes (clear of the data), tight layout, PNG, closed."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ncol = max(1, int(np.ceil(len(handles) / legend_rows)))
        fig.legend(handles, labels, loc="lower center", ncol=min(ncol, 4), fontsize=8,
                   frameon=False)
        rows = int(np.ceil(len(handles) / min(ncol, 4)))
        fig.tight_layout(rect=(0, 0.05 + 0.045 * rows, 1, 1))
    else:
        fig.tight_layout()
    fig.savefig(path, dpi=110)
    _plt().close(fig)
    return path


def _our_threads(recs):
    return next((r.get("threads") for r in recs if r.get("library") == OURS), None)


def plot_fit_time_vs_n(records, path, meta=None):
    """Fit time against n (section scaling_n), log-log; None when there is nothing to plot."""
    recs = measured(records, "scaling_n")
    if not recs:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    for library, style in ((OURS, "o-"), (SKLEARN, "s--")):
        pts = sorted((r["n"], r["seconds"], r["solver"]) for r in recs if r["library"] == library)
        if pts:
            ax.loglog([p[0] for p in pts], [p[1] for p in pts], style,
                      label=f"{library} ({pts[0][2]})")
    from matplotlib.ticker import NullFormatter

    sizes = sorted({r["n"] for r in recs})
    ax.set_xticks(sizes)
    ax.set_xticklabels([f"{n:,}" for n in sizes], rotation=30, ha="right", fontsize=8)
    ax.xaxis.set_minor_formatter(NullFormatter())   # no overlapping 3x10^4 labels
    ax.set_xlabel("n (training rows)")
    ax.set_ylabel("fit time [s]")
    r0 = recs[0]
    ax.set_title(f"Fit time vs n (d={r0['d']}, K={r0['K']}, C={r0['C']}, tol={r0['tol']:g})\n"
                 f"{_machine_line(meta, _our_threads(recs) or 'default')}", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    return _finish(fig, ax, path)


def _speedup_points(records):
    """(cases, {solver: [(row, ratio)]}, [rows skipped]) of the fit section."""
    pairs = [(case, ours, theirs) for case, ours, theirs in fit_pairs(records)
             if theirs is not None]
    fits = [r for r in records if r.get("section") == "fit"]
    cases = list(dict.fromkeys(r["case"] for r in fits))
    by_solver = {}
    for case, ours, theirs in pairs:
        ratio = theirs["seconds"] / ours["seconds"]
        by_solver.setdefault(ours["solver"], []).append((cases.index(case), ratio))
    measured_rows = {row for pts in by_solver.values() for row, _ in pts}
    skipped = [i for i in range(len(cases)) if i not in measured_rows]
    return cases, by_solver, skipped


def plot_speedups(records, path, meta=None):
    """Speedup per case and solver as points on a log axis (no bars); skipped cases marked."""
    cases, by_solver, skipped = _speedup_points(records)
    if not by_solver:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.55 * len(cases) + 1.0))
    offsets = np.linspace(-0.2, 0.2, len(by_solver)) if len(by_solver) > 1 else [0.0]
    for offset, (solver, pts) in zip(offsets, by_solver.items()):
        label = "auto vs scikit-learn's fastest" if solver == "auto" else f"{solver} vs same"
        ax.plot([v for _, v in pts], [row + offset for row, _ in pts], "o", ms=6,
                color=SOLVER_COLORS.get(solver), label=label)
        for row, v in pts:
            ax.annotate(format_ratio(v), (v, row + offset), xytext=(5, -3),
                        textcoords="offset points", fontsize=7)
    for row in skipped:
        ax.plot([1.0], [row], "x", color="0.4", ms=8)
        ax.annotate("skipped (see report)", (1.0, row), xytext=(6, -3),
                    textcoords="offset points", fontsize=7, color="0.4")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(range(len(cases)))
    ax.set_yticklabels(cases, fontsize=8)
    ax.set_ylim(len(cases) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(_plt().FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.set_xlabel("scikit-learn time / softmax-ext time (log scale; > 1x: ours faster)")
    threads = _our_threads([r for r in records if r.get("section") == "fit"])
    ax.set_title("Fit speedup over LogisticRegression, same C and tol\n"
                 f"{_machine_line(meta, threads or 'default')}", fontsize=9)
    ax.grid(True, axis="x", which="both", alpha=0.3)
    return _finish(fig, ax, path, legend_rows=2)


def _convergence_panel(ax, group):
    f_best = min(p["objective"] for r in group for p in r["points"])
    floor = max(abs(f_best), 1.0) * 1e-15
    for r in group:
        t = [p["seconds"] for p in r["points"]]
        gap = [max(p["objective"] - f_best, floor) for p in r["points"]]
        color = SOLVER_COLORS.get(r["solver"])
        if r.get("trace", r["library"] == OURS):
            ax.plot(t, gap, "-", marker="o", ms=2.5, color=color,
                    label=f"{r['library']} {r['solver']} (one fit's trace)")
        else:
            ax.plot(t[-1:], gap[-1:], "s", ms=8, mfc="none", mew=1.5, color=color,
                    label=f"{r['library']} {r['solver']} (end of one fit)")
    ax.set_yscale("log")
    t_pos = [p["seconds"] for r in group for p in r["points"] if p["seconds"] > 0]
    if t_pos:
        ax.set_xscale("log")
        ax.set_xlim(min(t_pos) / 1.5, max(t_pos) * 1.5)
    ax.set_xlabel("time since the fit began [s] (log scale)")
    ax.set_ylabel("objective - best objective")
    ax.grid(True, which="both", alpha=0.3)


def plot_convergence(records, path, meta=None):
    """Objective gap against time, one panel per case (section convergence)."""
    recs = measured(records, "convergence")
    if not recs:
        return None
    plt = _plt()
    cases = list(dict.fromkeys(r["case"] for r in recs))
    fig, axes = plt.subplots(1, len(cases), figsize=(5.5 * len(cases), 5.2), squeeze=False)
    for ax, case in zip(axes[0], cases):
        _convergence_panel(ax, [r for r in recs if r["case"] == case])
        ax.set_title(case, fontsize=9)
    fig.suptitle("Convergence (squares: scikit-learn reports no trace, only its end)\n"
                 f"{_machine_line(meta, _our_threads(recs) or 'default')}", fontsize=9)
    return _finish(fig, axes[0][0], path, legend_rows=2)


def plot_threads(records, path, meta=None):
    """Our speedup over one thread against the thread count (section threads)."""
    recs = [r for r in measured(records, "threads") if r["library"] == OURS]
    if not recs:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.6))
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
    ax.set_title(f"softmax-ext thread scaling ({recs[0]['case']})\n{_machine_line(meta)}",
                 fontsize=9)
    ax.grid(True, alpha=0.3)
    return _finish(fig, ax, path)


PLOTS = {
    "fit_time_vs_n.png": plot_fit_time_vs_n,
    "speedup.png": plot_speedups,
    "convergence.png": plot_convergence,
    "threads.png": plot_threads,
}


def write_plots(records, out_dir, meta=None):
    """Write every plot that has data; return the list of paths written.

    ``meta`` (``{"machine": machine_info()}``) names the machine in the titles.
    """
    paths = []
    for name, fn in PLOTS.items():
        path = fn(records, Path(out_dir) / name, meta)
        if path is not None:
            paths.append(Path(path))
    return paths

