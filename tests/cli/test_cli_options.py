"""Options of the command line: --version, global options after the command name,
``fit --verbose`` and ``fit --progress``, and the versions a model file records."""

import json
import re

import numpy as np
import pytest
import sklearn
from cli_files import blobs, small_model_and_data, write_csv  # noqa: F401 (fixtures)
from cli_runner import one_blas_thread, run, run_cli  # noqa: F401 (fixture)

import softmax_ext
from softmax_ext import cli


def test_version_names_the_package_its_openmp_and_scikit_learn(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"softmax-ext {softmax_ext.__version__} ")
    assert f"scikit-learn {sklearn.__version__}" in out
    assert ("OpenMP on" if softmax_ext.openmp_enabled() else "OpenMP off") in out


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_is_accepted_before_and_after_the_command(tmp_path, capsys, blobs, where):
    X, y = blobs
    data = write_csv(tmp_path / "train.csv", X, y)
    fit = ["fit", str(data), "--target", "species", "--out", str(tmp_path / "m.npz")]
    argv = ["--quiet"] + fit if where == "before" else fit + ["--quiet"]
    status, out, err = run(argv, capsys)
    assert status == 0 and "saved model" in out
    assert err == ""  # no progress lines
    status, _, err = run(fit, capsys)  # and without it, the progress lines are back
    assert status == 0 and "reading" in err


def test_fit_verbose_prints_the_solver_table_on_stderr_only(tmp_path, capsys, blobs):
    X, y = blobs
    data = write_csv(tmp_path / "train.csv", X, y)
    status, out, err = run(["fit", str(data), "--target", "species", "--solver", "lbfgs",
                            "--out", str(tmp_path / "m.npz"), "--verbose"], capsys)
    assert status == 0
    table = [line for line in err.splitlines() if line.startswith("[lbfgs]")]
    assert len(table) >= 3 and "max|grad|" in table[0] and "stop after" in err
    assert "[lbfgs]" not in out  # stdout carries the results alone
    status, _, err = run(["fit", str(data), "--target", "species", "--solver", "lbfgs",
                          "--out", str(tmp_path / "m.npz")], capsys)
    assert status == 0 and "[lbfgs]" not in err


ITERATION_LINE = re.compile(r"^\[\s*[\d.]+s\] iteration (\d+)/(\d+)$")


def _fitted_iterations(out):
    return int(re.search(r"classes in [\d.]+ s, (\d+) iterations;", out)[1])


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky"])
def test_fit_progress_prints_one_line_per_iteration_on_stderr(tmp_path, capsys, blobs, solver):
    X, y = blobs
    data = write_csv(tmp_path / "train.csv", X, y)
    fit = ["fit", str(data), "--target", "species", "--solver", solver, "--tol", "1e-10",
           "--max-iter", "30", "--out", str(tmp_path / "m.npz")]
    status, out, err = run(fit + ["--progress"], capsys)
    assert status == 0
    n_iter = _fitted_iterations(out)
    assert n_iter >= 2
    lines = [m for m in map(ITERATION_LINE.match, err.splitlines()) if m]
    assert [int(m[1]) for m in lines] == list(range(1, n_iter + 1))
    assert {int(m[2]) for m in lines} == {30}
    # stdout carries the results alone: the same two lines as without --progress
    assert out.splitlines()[0].startswith("fitted SoftmaxRegression") and len(
        out.splitlines()) == 2
    status, out_plain, err_plain = run(fit, capsys)  # without it: no iteration lines
    assert status == 0 and "iteration " not in err_plain and "reading" in err_plain
    assert len(out_plain.splitlines()) == 2


def test_fit_progress_lines_are_the_verbose_tables_iterations(tmp_path, capsys, blobs):
    X, y = blobs
    data = write_csv(tmp_path / "train.csv", X, y)
    status, out, err = run(["fit", str(data), "--target", "species", "--solver", "lbfgs",
                            "--out", str(tmp_path / "m.npz"), "--progress", "--verbose"],
                           capsys)
    assert status == 0
    progress = [int(m[1]) for m in map(ITERATION_LINE.match, err.splitlines()) if m]
    rows = [int(line.split()[1]) for line in err.splitlines()
            if line.startswith("[lbfgs]") and line.split()[1].isdigit()]
    assert progress == [i for i in rows if i > 0] == list(range(1, _fitted_iterations(out) + 1))
    assert "[lbfgs]" not in out and "iteration " not in out.replace(" iterations;", "")


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_silences_fit_progress(tmp_path, capsys, blobs, where):
    X, y = blobs
    data = write_csv(tmp_path / "train.csv", X, y)
    fit = ["fit", str(data), "--target", "species", "--out", str(tmp_path / "m.npz"),
           "--progress"]
    argv = ["--quiet"] + fit if where == "before" else fit + ["--quiet"]
    status, out, err = run(argv, capsys)
    assert status == 0 and "saved model" in out
    assert err == ""


def _rewrite_meta(path, **changes):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(str(arrays["meta"]))
    meta.update(changes)
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    return meta


def test_model_file_records_versions_and_predict_warns_on_a_mismatch(capsys,
                                                                   small_model_and_data):
    model, data, _, _ = small_model_and_data
    with np.load(model, allow_pickle=False) as archive:
        meta = json.loads(str(archive["meta"]))
    assert meta["softmax_ext_version"] == softmax_ext.__version__
    assert meta["sklearn_version"] == sklearn.__version__
    status, _, err = run(["predict", str(model), str(data)], capsys)
    assert status == 0 and "warning" not in err
    _rewrite_meta(model, sklearn_version="0.0.1", softmax_ext_version="0.0.0")
    status, out, err = run(["predict", str(model), str(data)], capsys)
    assert status == 0 and out.startswith("prediction")  # it still predicts
    assert "written with scikit-learn 0.0.1" in err and f"this is scikit-learn " \
        f"{sklearn.__version__}" in err
    assert "written with softmax-ext 0.0.0" in err


def test_version_in_a_child_process_exits_0():
    proc = run_cli(["--version"], timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("softmax-ext ")


def test_fit_l1_ratio_gives_the_estimators_sparse_model(tmp_path, capsys, blobs):
    from cli_runner import run_error

    from softmax_ext import SoftmaxRegression
    X, y = blobs
    data = write_csv(tmp_path / "train.csv", X, y)
    model = tmp_path / "m.npz"
    status, out, _ = run(["fit", str(data), "--target", "species", "--l1-ratio", "1",
                          "--C", "0.05", "--tol", "1e-8", "--out", str(model)], capsys)
    assert status == 0 and "l1_ratio=1," in out
    est = cli.read_model(model)["model"]
    ref = SoftmaxRegression(l1_ratio=1.0, C=0.05, tol=1e-8).fit(X, y)
    assert est.l1_ratio == 1.0 and np.any(est.coef_ == 0)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=0, atol=1e-12)
    for bad in ("2", "-0.1", "nan", "half"):
        err = run_error(["fit", str(data), "--target", "species", "--l1-ratio", bad], capsys)
        assert "--l1-ratio" in err and "[0, 1]" in err
    # scikit-learn's refusal of an L2-only solver with an L1 term, as a one-line error
    err = run_error(["fit", str(data), "--target", "species", "--l1-ratio", "0.5",
                     "--solver", "lbfgs", "--out", str(model)], capsys)
    assert "lbfgs" in err


def test_fit_bad_l1_ratio_in_a_child_process_is_a_usage_error(tmp_path, blobs):
    # the installed command, not the in-process parser: exit status 2, one
    # message naming the option, no traceback
    X, y = blobs
    data = write_csv(tmp_path / "train.csv", X, y)
    proc = run_cli(["fit", data, "--target", "species", "--l1-ratio", "1.5",
                    "--out", tmp_path / "m.npz"], timeout=120)
    assert proc.returncode == 2
    assert "--l1-ratio" in proc.stderr and "[0, 1]" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "m.npz").exists()
