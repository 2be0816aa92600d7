"""The report writer on hand-made records: tables, JSON and plots without measuring."""

import json

from softmax_ext.bench.machine import machine_info
from softmax_ext.bench.plots import write_plots
from softmax_ext.bench.records import write_results_json
from softmax_ext.bench.report import write_report
from softmax_ext.bench.tables import demo_table, headline_table


def test_report_tables_and_json_without_measuring(tmp_path):
    """The report writer on hand-made records: ratios, '-' for missing values, valid JSON."""
    fit = dict(section="fit", case="toy", n=10, d=2, K=3, C=1.0, tol=1e-6, n_iter=4,
               objective=0.5, accuracy=1.0, log_loss=0.1)
    records = [
        {**fit, "library": "softmax-ext", "solver": "auto", "seconds": 0.5, "passes": 9},
        {**fit, "library": "scikit-learn", "solver": "lbfgs", "seconds": 2.0, "passes": None},
        {**fit, "library": "scikit-learn", "solver": "newton-cg", "seconds": 1.0, "passes": 12,
         "objective": float("nan")},
        {"section": "fit", "case": "toy", "library": "softmax-ext", "solver": "gd",
         "error": "NotImplementedError: solver 'gd' is not implemented yet."},
    ]
    text = headline_table(records)
    assert "| toy |" in text and "2.0x" in text and "newton-cg" in text
    plain = demo_table(records[:2])
    assert "-" in plain.splitlines()[-1]
    meta = {"machine": machine_info(), "config": {"mode": "test"}}
    path = write_results_json(records, meta, tmp_path)
    back = json.loads(path.read_text())
    assert back["results"][2]["objective"] is None  # NaN is not JSON
    paths = write_plots(records, tmp_path)
    assert [p.name for p in paths] == ["speedup.png"]  # only plots with data
    md = write_report(records, meta, tmp_path, paths).read_text()
    assert "## Not measured" in md and "solver 'gd' is not implemented yet" in md
    assert "| toy | softmax-ext | gd |" not in md.split("## Not measured")[0]
