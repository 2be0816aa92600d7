"""The speed matrix (softmax_ext.bench.speed_matrix) without timing anything.

Hand-made case records check its bookkeeping (gaps, flags, the bests, the
ratios, the tables); one tiny case runs end to end in a child process with
sizes small enough for the suite.  Timings themselves are never asserted.
"""

import json

import numpy as np
import pytest

from softmax_ext.bench import speed_data, speed_matrix
from softmax_ext.bench.speed_tables import detail_table, summary_table


def _e(library, entry, median, objective, spread=1.0, **extra):
    return {"library": library, "entry": entry, "times": [median] * 3, "min": median,
            "median": median, "max": median * spread, "objective": objective, "n_iter": 5,
            **extra}


def _case(entries, others=0.1, load=(0.2, 0.3, 0.3)):
    return {"key": "toy", "case": "toy case", "what": "hand-made", "n": 10, "d": 2, "K": 3,
            "dtype": "float64", "sparse": False, "C": 1.0, "tol": 1e-6, "entries": entries,
            "load_before": list(load), "load_after": list(load), "others_load": others}


def test_summary_picks_the_bests_at_the_best_objective_and_flags():
    f = 0.5
    record = speed_matrix.summarize(_case([
        _e("softmax-ext", "lbfgs", 0.30, f),
        _e("softmax-ext", "newton-cg", 0.20, f * (1 + 1e-9), spread=1.5),
        _e("softmax-ext", "newton-cholesky", 0.05, f * (1 + 1e-3)),   # fast but not converged
        _e("softmax-ext", "auto", 0.25, f, ran="lbfgs"),
        {"library": "softmax-ext", "entry": "gd", "skipped": "not in the matrix"},
        _e("scikit-learn", "lbfgs", 0.60, f * (1 + 2e-8)),
        _e("scikit-learn", "newton-cg", 0.80, f),
        _e("scikit-learn", "default (lbfgs)", 1.00, f * (1 + 2e-8), default=True),
    ]))
    s = record["summary"]
    assert s["ours_best"] == "newton-cg"          # newton-cholesky is 1e-3 off: not comparable
    assert s["sklearn_best"] == "lbfgs"           # 2e-8 off: comparable, flagged
    assert s["auto_over_best"] == pytest.approx(0.25 / 0.20)
    assert s["best_over_ours"] == pytest.approx(0.60 / 0.20)
    assert s["default_over_ours"] == pytest.approx(1.00 / 0.20)
    assert s["auto_ran"] == "lbfgs" and not s["noisy_load"]
    flags = {e["entry"]: e.get("flags") for e in record["entries"]
             if e["library"] == "softmax-ext"}
    assert flags["newton-cg"] == ["noisy"] and flags["lbfgs"] == []
    assert flags["newton-cholesky"][0].startswith("gap")
    table = summary_table([record])
    row = next(line for line in table.splitlines() if line.startswith("| toy case"))
    assert "newton-cg 0.2" in row and "**3.00x**" in row and "5.00x" in row
    assert "auto > 1.1x" in row and "gap" in row and "noisy" in row
    details = detail_table(record)
    assert "skipped: not in the matrix" in details and "auto (ran lbfgs)" in details


def test_load_above_the_limit_marks_the_case():
    record = speed_matrix.summarize(_case([_e("softmax-ext", "lbfgs", 0.1, 1.0)],
                                          others=0.9))
    assert record["summary"]["noisy_load"]
    assert record["summary"]["sklearn_best"] is None
    assert "load" in summary_table([record])


def test_cases_cover_the_issue_table():
    names = [c.name for c in speed_data.CASES.values()]
    assert len(names) == 8
    assert speed_data.CASES["tfidf"].C == 10.0 and speed_data.CASES["dense-tol4"].tol == 1e-4
    with pytest.raises(ValueError, match="unknown case"):
        speed_data.load("no such case")


def test_tfidf_like_is_sparse_normalized_and_learnable():
    X, y = speed_data.tfidf_like(n=2_000, vocabulary=3_000, K=4, seed=1)
    assert X.format == "csr" and X.shape == (2_000, 3_000) and X.dtype == np.float64
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    np.testing.assert_allclose(norms, 1.0, rtol=1e-12)
    assert 0.005 < X.nnz / (2_000 * 3_000) < 0.05
    assert set(np.unique(y)) == {0, 1, 2, 3}


def test_one_case_in_a_child_process(tmp_path, monkeypatch):
    """digits end to end through a child process: entries, objectives, markdown and JSON."""
    paths = speed_matrix.run(["digits"], rounds=1, peers=False, out=tmp_path,
                             progress=lambda s: None)
    data = json.loads(paths["json"].read_text())
    (case,) = data["cases"]
    assert "error" not in case, case.get("error")
    entries = {(e["library"], e["entry"]): e for e in case["entries"]}
    assert ("softmax-ext", "auto") in entries and ("scikit-learn", "default (lbfgs)") in entries
    assert entries[("softmax-ext", "auto")]["ran"] == "newton-cg"
    # every fit reached the same optimum to what tol=1e-6 allows
    assert max(e["gap"] for e in entries.values() if "gap" in e) < 1e-5
    md = paths["md"].read_text()
    assert "| digits |" in md and "### digits" in md and "Command:" in md
