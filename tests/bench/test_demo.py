"""``softmax-ext demo``: its table and its records, on a small generated problem."""

import json

import pytest
from cli_runner import one_blas_thread, run  # noqa: F401 (fixture)

from softmax_ext.bench import tables


def test_demo_table_and_records(tmp_path, capsys):
    records_path = tmp_path / "demo.json"
    status, out, err = run(["demo", "--n", "400", "--d", "6", "--classes", "3",
                            "--repeats", "1", "--json", str(records_path)], capsys)
    assert status == 0, err
    for column in ("fit time", "iterations", "passes over X", "final objective",
                   "test accuracy", "log-loss", "speedup"):
        assert column in out
    rows = [line for line in out.splitlines()
            if line.startswith(("digits", "generated"))]
    assert len(rows) == 4
    assert sum("softmax-ext" in r for r in rows) == 2
    assert sum("scikit-learn" in r for r in rows) == 2
    assert "generated 400x6 K=3" in out
    assert "digits: scikit-learn lbfgs" in err  # progress on stderr

    records = json.loads(records_path.read_text())["results"]
    assert len(records) == 4
    for ours, theirs in zip(records[::2], records[1::2]):
        assert ours["library"] == "softmax-ext" and theirs["library"] == "scikit-learn"
        assert ours["case"] == theirs["case"]
        assert ours["C"] == theirs["C"] and ours["tol"] == theirs["tol"]
        # Both minimise the same objective to max|grad| <= 1e-6: the final
        # objectives agree far below the objective's scale.
        assert abs(ours["objective"] - theirs["objective"]) < 1e-6 * abs(theirs["objective"])
        assert abs(ours["accuracy"] - theirs["accuracy"]) <= 0.02
        assert ours["speedup"] == pytest.approx(theirs["seconds"] / ours["seconds"])
        assert theirs["passes"] >= 2 * theirs["n_iter"]  # X@W and G^T X per iteration
        assert ours["passes"] >= ours["n_iter"]  # at least one loss+gradient per iteration
        row = next(r for r in rows if r.startswith(ours["case"]) and "softmax-ext" in r)
        assert tables.format_ratio(ours['speedup']) in row



def test_demo_header_names_openmp_and_load_and_rows_show_the_spread(capsys):
    status, out, err = run(["demo", "--n", "400", "--d", "6", "--classes", "3",
                            "--repeats", "2"], capsys)
    assert status == 0, err
    assert "OpenMP on" in out or "OpenMP OFF" in out
    assert "load average" in out and "BLAS" in out and "threads=" in out
    assert "min-max" in out
    rows = [line for line in out.splitlines() if line.startswith(("digits", "generated"))]
    assert all(line.count("ms") + line.count(" s ") >= 3 for line in rows)  # median, min, max


def test_spread_is_flagged_when_the_fits_disagree():
    assert tables.format_spread([0.1]) == "-"
    assert not tables.format_spread([0.10, 0.11]).endswith("*")
    assert tables.format_spread([0.10, 0.20]).endswith("*")
