"""The written report of a benchmark run: ``report.md``, ``results.json`` and the plots.

Records are the dicts made by :mod:`softmax_ext.bench.matrix`; nothing here
measures anything.
"""

import os
from pathlib import Path

import numpy as np

from .machine import machine_info
from .plots import write_plots
from .records import OURS, SKLEARN, failed, fit_pairs, measured, write_results_json
from .tables import (FIT_HEADER, fit_row, format_ratio, format_seconds, format_table,
                     format_value, headline_table)

__all__ = ["write_report", "write_all"]


def _errors_section(records):
    rows = [[r.get("section"), r.get("case"), r.get("library"), r.get("solver"), r["error"]]
            for r in failed(records)]
    if not rows:
        return ""
    return ("## Not measured\n\nThese runs were skipped or raised an error; they are missing "
            "from the tables and plots above.\n\n"
            + format_table(["section", "data", "library", "solver", "error"], rows) + "\n")


def _kernels_section(records):
    recs = measured(records, "kernels")
    if not recs:
        return ""
    rows = []
    for case in dict.fromkeys(r["case"] for r in recs):
        group = {r["library"]: r for r in recs if r["case"] == case}
        ours = group.get(OURS)
        for lib, r in group.items():
            if lib == OURS:
                continue
            rows.append([case, f"{r['n']:,} x {r['K']}", format_seconds(ours["seconds"]), lib,
                         format_seconds(r["seconds"]),
                         format_ratio(r['seconds'] / ours['seconds'])])
    threads = recs[0].get("threads") if recs else None
    threads = next((r["threads"] for r in recs if r["library"] == OURS), threads)
    return (f"## Kernels against scipy.special and the NumPy oracles\n\n"
            f"Ours with {threads} thread(s); ratio = baseline time / ours.\n\n"
            + format_table(["kernel", "Z shape", "softmax-ext", "baseline", "baseline time",
                            "ratio"], rows) + "\n")


def _objective_section(records):
    recs = measured(records, "objective")
    if not recs:
        return ""
    rows = []
    for case in dict.fromkeys(r["case"] for r in recs):
        ours = next(r for r in recs if r["case"] == case and r["library"] == OURS)
        theirs = next(r for r in recs if r["case"] == case and r["library"] != OURS)
        rows.append([case, format_seconds(ours["seconds"]), format_seconds(theirs["seconds"]),
                     format_ratio(theirs['seconds'] / ours['seconds']),
                     format_value(abs(ours["loss"] - theirs["loss"]), ".1e"),
                     format_value(ours.get("max_abs_grad_diff"), ".1e")])
    return ("## Objective: loss and gradient against scikit-learn's LinearModelLoss\n\n"
            f"Both with {recs[0].get('threads')} thread(s) for their OpenMP parts, at the same "
            "random coefficients; the last two columns check that they compute the same thing.\n\n"
            + format_table(["case", "softmax-ext", "LinearModelLoss", "speedup",
                            "|loss difference|", "max |gradient difference|"], rows) + "\n")


def _fits_section(records):
    pairs = fit_pairs(records)
    if not pairs:
        return ""
    rows = []
    for case, ours, theirs in pairs:
        speed = None if theirs is None else theirs["seconds"] / ours["seconds"]
        rows.append(fit_row(ours, speed))
        if theirs is not None and ours["solver"] != "auto":
            rows.append(fit_row(theirs))
    # scikit-learn rows without a counterpart (none today, kept for completeness)
    return ("## Fits: SoftmaxRegression against LogisticRegression, per solver\n\n"
            "Same C and tol; speedup = scikit-learn's time with the same solver / ours "
            "(for `auto`: scikit-learn's fastest solver on that case / ours). Final objective "
            "of both libraries evaluated with the same code (MultinomialLoss in float64). "
            "A row of scikit-learn follows each of ours.\n\n"
            + format_table(FIT_HEADER, rows) + "\n")


def _scaling_section(records, section, title, key):
    recs = measured(records, section)
    if not recs:
        return ""
    rows = []
    for case in dict.fromkeys(r["case"] for r in recs):
        ours = next((r for r in recs if r["case"] == case and r["library"] == OURS), None)
        theirs = next((r for r in recs if r["case"] == case and r["library"] == SKLEARN), None)
        if ours is None or theirs is None:
            continue
        rows.append([case, f"{ours['n']:,} x {ours['d']}, K={ours['K']}",
                     f"{format_seconds(ours['seconds'])} "
                     f"({format_value(ours.get('n_iter'))} it)",
                     f"{format_seconds(theirs['seconds'])} "
                     f"({format_value(theirs.get('n_iter'))} it)",
                     format_ratio(theirs['seconds'] / ours['seconds']),
                     format_value(ours.get("objective", np.nan)
                                  - theirs.get("objective", np.nan), ".1e")])
    return (f"## {title}\n\nsoftmax-ext `auto` against scikit-learn `lbfgs`.\n\n"
            + format_table([key, "shape", "softmax-ext", "scikit-learn lbfgs", "speedup",
                            "objective difference"], rows) + "\n")


def _threads_section(records):
    recs = measured(records, "threads")
    if not recs:
        return ""
    rows = []
    for what in ("loss_gradient", "fit"):
        ours = [r for r in recs if r.get("what") == what and r["library"] == OURS]
        if not ours:
            continue
        base = next((r for r in ours if r["threads"] == 1), ours[0])
        for r in ours:
            rows.append([what, r["threads"], format_seconds(r["seconds"]),
                         f"{base['seconds'] / r['seconds']:.2f}x"])
    sk = next((r for r in recs if r["library"] == SKLEARN), None)
    note = ("" if sk is None else
            f"\nscikit-learn lbfgs on the same data: {format_seconds(sk['seconds'])} "
            "(reference).\n")
    return (f"## Thread scaling ({recs[0]['case']})\n\n"
            + format_table(["what", "threads", "time", "speedup over 1 thread"], rows)
            + "\n" + note)


def _convergence_section(records):
    recs = measured(records, "convergence")
    if not recs:
        return ""
    rows = []
    for r in recs:
        last = r["points"][-1]
        rows.append([r["case"], r["library"], r["solver"], len(r["points"]) - 1,
                     format_value(last["n_iter"]), format_seconds(last["seconds"]),
                     format_value(last["objective"], ".10g")])
    return ("## Convergence paths\n\nOurs: the trace of one fit (the objective after each "
            "iteration, seconds since the solve began); scikit-learn reports no trace: the "
            "end point of one timed fit.  The objective gap is against the lowest objective "
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
  per Hessian). scikit-learn does not report its passes: its figures are the fewest its solver
  makes in the iterations it reports (`n_iter_`), counting 1 per `X @ W`, 1 per `G^T @ X`, 2 per
  Hessian-vector product and `1 + K(K+1)/2 + K` per full multinomial Hessian (its sandwich
  products), with one step per line search; lower bounds, as its line searches and inner
  solves often take more steps.
- Final objective: scikit-learn's objective, `mean cross-entropy + ||W||^2 / (2 C n)`,
  evaluated for both libraries' coefficients by the same code (MultinomialLoss, float64).
"""


def write_report(records, meta, out_dir, plots=()):
    """Write ``report.md`` into ``out_dir``; return its path."""
    out_dir = Path(out_dir)
    cfg = meta["config"]
    parts = [f"# softmax-ext benchmark report ({cfg.get('mode')})\n"]
    if measured(records, "fit"):
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
    plots = write_plots(records, out_dir, meta)
    paths.update({p.name: p for p in plots})
    paths["report.md"] = write_report(records, meta, out_dir, plots)
    return paths
