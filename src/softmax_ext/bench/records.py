"""Records: the plain dicts every measurement is kept as.

A record holds its settings (``section``, ``case``, ``library``, ``solver``,
sizes, ...) and its result (``seconds``, ``times``, ...), or ``error`` when
the run was skipped or failed.  The report, the plots and ``results.json``
read records only, so they know nothing of how the numbers were taken.
"""

import json
from pathlib import Path

import numpy as np

__all__ = ["OURS", "SKLEARN", "measured", "failed", "fit_pairs", "write_results_json"]

OURS = "softmax-ext"
SKLEARN = "scikit-learn"


def measured(records, section):
    """Measured records of a section (those that failed carry ``error`` and are listed apart)."""
    return [r for r in records if r.get("section") == section and "error" not in r]


def failed(records):
    """The records of runs that were skipped or raised an error."""
    return [r for r in records if "error" in r]


def fit_pairs(records):
    """Per (case, solver): (case, ours, scikit-learn-or-None).

    Our "auto" fit is paired with scikit-learn's fastest solver on that case.
    """
    fits = measured(records, "fit")
    cases = list(dict.fromkeys(r["case"] for r in fits))
    out = []
    for case in cases:
        ours = [r for r in fits if r["case"] == case and r["library"] == OURS]
        theirs = {r["solver"]: r for r in fits if r["case"] == case and r["library"] == SKLEARN}
        best = min(theirs.values(), key=lambda r: r["seconds"]) if theirs else None
        for r in ours:
            out.append((case, r, best if r["solver"] == "auto" else theirs.get(r["solver"])))
    return out


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
    """Write ``{"meta": ..., "results": [...]}`` to ``out_dir / name``; return its path.

    Non-finite numbers become ``null`` (JSON has no NaN).
    """
    path = Path(out_dir) / name
    path.write_text(json.dumps(_jsonable({"meta": meta, "results": records}), indent=1))
    return path
