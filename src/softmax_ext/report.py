"""Reports of benchmark records: ``report.md``, ``results.json`` and PNG plots.

Records are the dicts made by :mod:`softmax_ext.benchmarks`; nothing here
measures anything.  Plots use matplotlib's Agg backend (no display needed);
matplotlib is imported only when plots are written.
"""

import datetime
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np

__all__ = [
    "machine_info",
    "format_table",
    "demo_table",
    "headline_table",
    "write_results_json",
    "write_report",
    "write_plots",
    "write_all",
]

OURS = "softmax-ext"
SKLEARN = "scikit-learn"


# --------------------------------------------------------------------------
# machine and versions
# --------------------------------------------------------------------------
def _cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib():
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def machine_info():
    """Machine, library versions and the BLAS / OpenMP libraries in use (threadpoolctl)."""
    import scipy
    import sklearn
    import threadpoolctl

    from . import __version__
    from ._ext.softmax import openmp_enabled
    from ._threads import effective_n_threads, usable_cpus
    from .benchmarks import blas_info

    versions = {"python": platform.python_version(), "softmax-ext": __version__,
                "numpy": np.__version__, "scipy": scipy.__version__,
                "scikit-learn": sklearn.__version__, "threadpoolctl": threadpoolctl.__version__}
    try:
        import matplotlib

        versions["matplotlib"] = matplotlib.__version__
    except ImportError:
        versions["matplotlib"] = None
    libs = []
    for lib in blas_info():
        libs.append({k: lib.get(k) for k in ("user_api", "internal_api", "prefix", "version",
                                             "architecture", "threading_layer", "num_threads",
                                             "filepath")})
    env = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                      "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                      "MKL_NUM_THREADS") if k in os.environ}
    try:
        load = [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        load = None
    return {
        "load_average_1_5_15min": load,
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable_cpus(),
        "memory_gib": _memory_gib(),
        "openmp_enabled": bool(openmp_enabled()),
        "default_threads": effective_n_threads(None),
        "versions": versions,
        "threadpools": libs,
        "environment": env,
        "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:]),
    }


# --------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------
def _fmt(value, spec=".3g"):
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "-"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return format(float(value), spec)
    return str(value)


def _ratio(x):
    """A speed ratio: one decimal from 1x up, two significant digits below."""
    if x is None or not np.isfinite(x):
        return "-"
    return f"{x:.1f}x" if x >= 1 else f"{x:.2g}x"


def _seconds(s):
    if s is None:
        return "-"
    return f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"


def format_table(header, rows, markdown=True):
    """A table as Markdown (``| a | b |``) or aligned plain text."""
    rows = [[str(c) for c in r] for r in rows]
    if markdown:
        lines = ["| " + " | ".join(header) + " |",
                 "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(header)]
    fmt = lambda cells: "  ".join(  # noqa: E731
        c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    lines = [fmt([str(h) for h in header]), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in rows]
    return "\n".join(lines)


FIT_HEADER = ["data", "library", "solver", "fit time", "iterations", "passes over X",
              "final objective", "test accuracy", "log-loss", "speedup"]


def _fit_row(r, speedup=None):
    return [r["case"], r["library"], r["solver"], _seconds(r["seconds"]), _fmt(r.get("n_iter")),
            _fmt(r.get("passes")), _fmt(r.get("objective"), ".10g"),
            _fmt(r.get("accuracy"), ".4f"), _fmt(r.get("log_loss"), ".5f"),
            _ratio(speedup)]


def demo_table(records, markdown=False):
    """The demo's table: one row per fit, speedup on our rows (scikit-learn time / ours)."""
    rows = [_fit_row(r, r.get("speedup")) for r in records]
    return format_table(FIT_HEADER, rows, markdown=markdown)


def _by(records, section):
    """Measured records of a section (those that failed carry ``error`` and are listed apart)."""
    return [r for r in records if r.get("section") == section and "error" not in r]


def _errors_section(records):
    failed = [r for r in records if "error" in r]
    if not failed:
        return ""
    rows = [[r.get("section"), r.get("case"), r.get("library"), r.get("solver"), r["error"]]
            for r in failed]
    return ("## Not measured\n\nThese runs were skipped or raised an error; they are missing "
            "from the tables and plots above.\n\n"
            + format_table(["section", "data", "library", "solver", "error"], rows) + "\n")


def _fit_pairs(records):
    """Per (case, solver): (ours, scikit-learn-or-None); "auto" is paired with scikit-learn's fastest."""
    fits = _by(records, "fit")
    cases = list(dict.fromkeys(r["case"] for r in fits))
    out = []
    for case in cases:
        ours = [r for r in fits if r["case"] == case and r["library"] == OURS]
        theirs = {r["solver"]: r for r in fits if r["case"] == case and r["library"] == SKLEARN}
        best = min(theirs.values(), key=lambda r: r["seconds"]) if theirs else None
        for r in ours:
            out.append((case, r, best if r["solver"] == "auto" else theirs.get(r["solver"])))
    return out


def headline_table(records, markdown=True):
    """Per case: our "auto" fit against scikit-learn's fastest solver on the same case."""
    rows = []
    for case, ours, theirs in _fit_pairs(records):
        if ours["solver"] != "auto" or theirs is None:
            continue
        rows.append([case, f"{ours['n']:,} x {ours['d']}, K={ours['K']}",
                     f"{_seconds(ours['seconds'])} ({_fmt(ours.get('n_iter'))} it, "
                     f"{_fmt(ours.get('passes'))} passes)",
                     f"{_seconds(theirs['seconds'])} ({theirs['solver']}, "
                     f"{_fmt(theirs.get('n_iter'))} it, {_fmt(theirs.get('passes'))} passes)",
                     _ratio(theirs['seconds'] / ours['seconds']),
                     _fmt(ours.get("objective", np.nan) - theirs.get("objective", np.nan), ".2e"),
                     f"{_fmt(ours.get('accuracy'), '.4f')} / {_fmt(theirs.get('accuracy'), '.4f')}"])
    return format_table(["data", "shape", "softmax-ext (auto)", "scikit-learn (fastest solver)",
                         "speedup", "objective difference (ours - sklearn)",
                         "test accuracy (ours / sklearn)"], rows, markdown=markdown)


def _kernels_section(records):
    recs = _by(records, "kernels")
    if not recs:
        return ""
    rows = []
    for case in dict.fromkeys(r["case"] for r in recs):
        group = {r["library"]: r for r in recs if r["case"] == case}
        ours = group.get(OURS)
        for lib, r in group.items():
            if lib == OURS:
                continue
            rows.append([case, f"{r['n']:,} x {r['K']}", _seconds(ours["seconds"]), lib,
                         _seconds(r["seconds"]), _ratio(r['seconds'] / ours['seconds'])])
    threads = recs[0].get("threads") if recs else None
    threads = next((r["threads"] for r in recs if r["library"] == OURS), threads)
    return (f"## Kernels against scipy.special and the NumPy oracles\n\n"
            f"Ours with {threads} thread(s); ratio = baseline time / ours.\n\n"
            + format_table(["kernel", "Z shape", "softmax-ext", "baseline", "baseline time",
                            "ratio"], rows) + "\n")


def _objective_section(records):
    recs = _by(records, "objective")
    if not recs:
        return ""
    rows = []
    for case in dict.fromkeys(r["case"] for r in recs):
        ours = next(r for r in recs if r["case"] == case and r["library"] == OURS)
        theirs = next(r for r in recs if r["case"] == case and r["library"] != OURS)
        rows.append([case, _seconds(ours["seconds"]), _seconds(theirs["seconds"]),
                     _ratio(theirs['seconds'] / ours['seconds']),
                     _fmt(abs(ours["loss"] - theirs["loss"]), ".1e"),
                     _fmt(ours.get("max_abs_grad_diff"), ".1e")])
    return ("## Objective: loss and gradient against scikit-learn's LinearModelLoss\n\n"
            f"Both with {recs[0].get('threads')} thread(s) for their OpenMP parts, at the same "
            "random coefficients; the last two columns check that they compute the same thing.\n\n"
            + format_table(["case", "softmax-ext", "LinearModelLoss", "speedup",
                            "|loss difference|", "max |gradient difference|"], rows) + "\n")


def _fits_section(records):
    pairs = _fit_pairs(records)
    if not pairs:
        return ""
    rows = []
    for case, ours, theirs in pairs:
        speed = None if theirs is None else theirs["seconds"] / ours["seconds"]
        rows.append(_fit_row(ours, speed))
        if theirs is not None and ours["solver"] != "auto":
            rows.append(_fit_row(theirs))
    # scikit-learn rows without a counterpart (none today, kept for completeness)
    return ("## Fits: SoftmaxRegression against LogisticRegression, per solver\n\n"
            "Same C and tol; speedup = scikit-learn's time with the same solver / ours "
            "(for `auto`: scikit-learn's fastest solver on that case / ours). Final objective "
            "of both libraries evaluated with the same code (MultinomialLoss in float64). "
            "A row of scikit-learn follows each of ours.\n\n"
            + format_table(FIT_HEADER, rows) + "\n")


def _scaling_section(records, section, title, key):
    recs = _by(records, section)
    if not recs:
        return ""
    rows = []
    for case in dict.fromkeys(r["case"] for r in recs):
        ours = next((r for r in recs if r["case"] == case and r["library"] == OURS), None)
        theirs = next((r for r in recs if r["case"] == case and r["library"] == SKLEARN), None)
        if ours is None or theirs is None:
            continue
        rows.append([case, f"{ours['n']:,} x {ours['d']}, K={ours['K']}",
                     f"{_seconds(ours['seconds'])} ({_fmt(ours.get('n_iter'))} it)",
                     f"{_seconds(theirs['seconds'])} ({_fmt(theirs.get('n_iter'))} it)",
                     _ratio(theirs['seconds'] / ours['seconds']),
                     _fmt(ours.get("objective", np.nan) - theirs.get("objective", np.nan), ".1e")])
    return (f"## {title}\n\nsoftmax-ext `auto` against scikit-learn `lbfgs`.\n\n"
            + format_table([key, "shape", "softmax-ext", "scikit-learn lbfgs", "speedup",
                            "objective difference"], rows) + "\n")


def _threads_section(records):
    recs = _by(records, "threads")
    if not recs:
        return ""
    rows = []
    for what in ("loss_gradient", "fit"):
        ours = [r for r in recs if r.get("what") == what and r["library"] == OURS]
        if not ours:
            continue
        base = next((r for r in ours if r["threads"] == 1), ours[0])
        for r in ours:
            rows.append([what, r["threads"], _seconds(r["seconds"]),
                         f"{base['seconds'] / r['seconds']:.2f}x"])
    sk = next((r for r in recs if r["library"] == SKLEARN), None)
    note = ("" if sk is None else
            f"\nscikit-learn lbfgs on the same data: {_seconds(sk['seconds'])} (reference).\n")
    return (f"## Thread scaling ({recs[0]['case']})\n\n"
            + format_table(["what", "threads", "time", "speedup over 1 thread"], rows)
            + "\n" + note)


def _convergence_section(records):
    recs = _by(records, "convergence")
    if not recs:
        return ""
    rows = []
    for r in recs:
        last = r["points"][-1]
        rows.append([r["case"], r["library"], r["solver"], len(r["points"]) - 1,
                     _fmt(last["n_iter"]), _seconds(last["seconds"]),
                     _fmt(last["objective"], ".10g")])
    return ("## Convergence paths\n\nFits with max_iter = 1, 2, 4, ... until converged; "
            "each point is one timed fit; the objective gap is against the lowest objective "
            "any run reached on that case. See `convergence.png`.\n\n"
            + format_table(["data", "library", "solver", "points", "last n_iter", "last time",
                            "last objective"], rows) + "\n")


def _machine_section(meta):
    m = meta["machine"]
    lines = ["## Machine and libraries\n",
             f"- Date: {m['date_utc']}; command: `{m['command']}`",
             f"- CPU: {m['cpu']}; {m['cpu_count']} logical CPUs ({m['usable_cpus']} usable); "
             f"memory {m['memory_gib']} GiB; {m['platform']}",
             f"- Load average (1, 5, 15 min) when the report was written: "
             f"{m.get('load_average_1_5_15min')} (above the core count means the machine was "
             "shared and times are inflated)",
             f"- OpenMP in softmax-ext: {'yes' if m['openmp_enabled'] else 'no'}; "
             f"threads for our kernels in this run: {meta['config'].get('threads')}",
             "- Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
             ""]
    rows = [[lib.get("user_api"), lib.get("internal_api"), lib.get("version"),
             lib.get("architecture") or "-", lib.get("num_threads"),
             os.path.basename(lib.get("filepath") or "")] for lib in m["threadpools"]]
    lines.append("Thread pools in use (threadpoolctl; the BLAS kernel is the `architecture` "
                 "column):\n")
    lines.append(format_table(["API", "library", "version", "kernel", "threads", "file"], rows))
    if m["environment"]:
        lines.append("\nEnvironment: " + ", ".join(f"{k}={v}" for k, v in
                                                   m["environment"].items()))
    return "\n".join(lines) + "\n"


NOTES = """## How these were measured

- Times are medians of the repeats given in the settings, measured in one process, each next to
  its baseline; the machine may be shared, so read ratios, not absolute times.
- scikit-learn's `lbfgs` fits run with scipy's OpenBLAS limited to 1 thread (threadpoolctl), to
  avoid the "thread clash": numpy and scipy bundle separate OpenBLAS thread pools, and L-BFGS-B
  calling a multi-threaded BLAS on tiny vectors next to numpy's spinning threads is many times
  slower; one thread is scikit-learn's best setting. Its other solvers run with default threads.
- Passes over X: ours are counted by the objective (one per loss+gradient, per Hessian product,
  per Hessian). scikit-learn's are counted by instrumenting `LinearModelLoss` during the fit:
  1 per `X @ W`, 1 per `G^T @ X`, 2 per Hessian-vector product, and `1 + K(K+1)/2 + K` per full
  multinomial Hessian (its sandwich products); they are exact counts of those calls, and an
  estimate of memory traffic.
- Final objective: scikit-learn's objective, `mean cross-entropy + ||W||^2 / (2 C n)`,
  evaluated for both libraries' coefficients by the same code (MultinomialLoss, float64).
"""


def write_report(records, meta, out_dir, plots=()):
    """Write ``report.md`` into ``out_dir``; return its path."""
    out_dir = Path(out_dir)
    cfg = meta["config"]
    parts = [f"# softmax-ext benchmark report ({cfg.get('mode')})\n"]
    if _by(records, "fit"):
        parts.append("## Headline\n\n" + headline_table(records) + "\n")
    parts.append(_machine_section(meta))
    parts.append("Settings: " + ", ".join(f"{k}={v}" for k, v in cfg.items()) + "\n")
    parts.append(NOTES)
    parts += [_kernels_section(records), _objective_section(records), _fits_section(records),
              _scaling_section(records, "scaling_n", "Scaling in n", "n"),
              _scaling_section(records, "scaling_K", "Scaling in K", "K"),
              _threads_section(records), _convergence_section(records),
              _errors_section(records)]
    if plots:
        parts.append("## Plots\n\n" + "\n".join(f"![{p.stem}]({p.name})" for p in plots) + "\n")
    path = out_dir / "report.md"
    path.write_text("\n".join(p for p in parts if p))
    return path


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    return obj


def write_results_json(records, meta, out_dir, name="results.json"):
    """Write ``{"meta": ..., "results": [...]}`` to ``out_dir / name``; return its path."""
    path = Path(out_dir) / name
    path.write_text(json.dumps(_jsonable({"meta": meta, "results": records}), indent=1))
    return path


# --------------------------------------------------------------------------
# plots
# --------------------------------------------------------------------------
SOLVER_COLORS = {"lbfgs": "C0", "newton-cholesky": "C1", "newton-cg": "C2", "gd": "C3",
                 "auto": "C4"}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_fit_time_vs_n(records, path):
    recs = _by(records, "scaling_n")
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
    pairs = [(case, ours, theirs) for case, ours, theirs in _fit_pairs(records)
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
        ax.bar_label(bars, labels=[_ratio(v) for v in ys], fontsize=7)
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
    recs = _by(records, "convergence")
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
    recs = [r for r in _by(records, "threads") if r["library"] == OURS]
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


def write_all(records, config, out_dir):
    """``results.json``, the PNG plots and ``report.md`` in ``out_dir`` (created if needed).

    Returns
    -------
    dict of name -> Path
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {"machine": machine_info(), "config": config}
    paths = {"results.json": write_results_json(records, meta, out_dir)}
    plots = write_plots(records, out_dir)
    paths.update({p.name: p for p in plots})
    paths["report.md"] = write_report(records, meta, out_dir, plots)
    return paths
