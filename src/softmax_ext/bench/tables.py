"""Tables of records, as Markdown or aligned plain text, and the number formats they use."""

import numpy as np

from .records import fit_pairs

__all__ = ["format_value", "format_ratio", "format_seconds", "format_table", "FIT_HEADER",
           "fit_row", "NOISY_SPREAD", "format_spread", "demo_table", "headline_table"]


def format_value(value, spec=".3g"):
    """A cell: "-" for a missing or non-finite value, yes/no, thousands separators for ints."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "-"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return format(float(value), spec)
    return str(value)


def format_ratio(x):
    """A speed ratio: one decimal from 1x up, two significant digits below."""
    if x is None or not np.isfinite(x):
        return "-"
    return f"{x:.1f}x" if x >= 1 else f"{x:.2g}x"


def format_seconds(s):
    """A duration in ms below one second, else in s."""
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


def fit_row(r, speedup=None):
    """The cells of one fit record under ``FIT_HEADER``."""
    return [r["case"], r["library"], r["solver"], format_seconds(r["seconds"]),
            format_value(r.get("n_iter")), format_value(r.get("passes")),
            format_value(r.get("objective"), ".10g"), format_value(r.get("accuracy"), ".4f"),
            format_value(r.get("log_loss"), ".5f"), format_ratio(speedup)]


NOISY_SPREAD = 1.3  # max / min of repeated fits above which a timing is flagged


def format_spread(times):
    """"min-max" of a record's timed fits ("*" when noisy), or "-" with fewer than two."""
    if not times or len(times) < 2:
        return "-"
    flag = " *" if max(times) > NOISY_SPREAD * min(times) else ""
    return f"{format_seconds(min(times))}-{format_seconds(max(times))}{flag}"


def demo_table(records, markdown=False):
    """The demo's table: one row per fit, speedup on our rows (scikit-learn time / ours).

    Beside each median fit time, the spread of the timed fits (min-max): a
    wide one says the machine was busy while the demo ran.
    """
    at = FIT_HEADER.index("fit time") + 1
    header = FIT_HEADER[:at] + ["min-max"] + FIT_HEADER[at:]
    rows = []
    for r in records:
        row = fit_row(r, r.get("speedup"))
        rows.append(row[:at] + [format_spread(r.get("times"))] + row[at:])
    return format_table(header, rows, markdown=markdown)


def headline_table(records, markdown=True):
    """Per case: our "auto" fit against scikit-learn's fastest solver on the same case."""
    rows = []
    for case, ours, theirs in fit_pairs(records):
        if ours["solver"] != "auto" or theirs is None:
            continue
        rows.append([case, f"{ours['n']:,} x {ours['d']}, K={ours['K']}",
                     f"{format_seconds(ours['seconds'])} ({format_value(ours.get('n_iter'))} it, "
                     f"{format_value(ours.get('passes'))} passes)",
                     f"{format_seconds(theirs['seconds'])} ({theirs['solver']}, "
                     f"{format_value(theirs.get('n_iter'))} it, "
                     f"{format_value(theirs.get('passes'))} passes)",
                     format_ratio(theirs['seconds'] / ours['seconds']),
                     format_value(ours.get("objective", np.nan)
                                  - theirs.get("objective", np.nan), ".2e"),
                     f"{format_value(ours.get('accuracy'), '.4f')} / "
                     f"{format_value(theirs.get('accuracy'), '.4f')}"])
    return format_table(["data", "shape", "softmax-ext (auto)", "scikit-learn (fastest solver)",
                         "speedup", "objective difference (ours - sklearn)",
                         "test accuracy (ours / sklearn)"], rows, markdown=markdown)
