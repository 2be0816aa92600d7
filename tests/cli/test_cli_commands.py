"""The ``fit`` and ``predict`` commands end to end, their arguments and exit statuses.

Commands are run in-process through ``cli.main(argv)``, plus a few runs of
``python -m softmax_ext`` in a child process to check the real exit status
and that no traceback escapes.
"""

import csv
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from cli_files import blobs, read_csv, small_model_and_data, write_csv  # noqa: F401 (fixtures)
from child_signals import sigint_default
from cli_runner import one_blas_thread, run, run_cli, run_error  # noqa: F401 (fixture)

from softmax_ext import cli


# --------------------------------------------------------------------------
# fit / predict
# --------------------------------------------------------------------------
def test_fit_predict_csv_round_trip(tmp_path, capsys, blobs):
    X, y = blobs
    data = write_csv(tmp_path / "train.csv", X, y)
    model = tmp_path / "model.npz"
    status, out, err = run(["fit", str(data), "--target", "species", "--C", "0.5",
                            "--solver", "lbfgs", "--out", str(model)], capsys)
    assert status == 0, err
    assert "saved model to" in out and model.exists()
    assert "reading" in err  # progress goes to stderr
    bundle = cli.read_model(model)
    est = bundle["model"]
    assert bundle["feature_names"] == ["f0", "f1", "f2", "f3"]
    assert bundle["target"] == "species" and bundle["format"] == "csv"
    assert est.C == 0.5 and est.solver == "lbfgs"
    assert list(est.classes_) == ["cat", "dog", "emu"]

    # predict from a file whose columns are shuffled and include the target:
    # columns are matched by name.
    cols = ["species", "f3", "f1", "f0", "f2"]
    shuffled = tmp_path / "shuffled.csv"
    with open(shuffled, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for i in range(X.shape[0]):
            w.writerow([y[i], X[i, 3], X[i, 1], X[i, 0], X[i, 2]])
    preds = tmp_path / "preds.csv"
    status, _, err = run(["predict", str(model), str(shuffled), "--out", str(preds)], capsys)
    assert status == 0, err
    header, rows = read_csv(preds)
    assert header == ["prediction"]
    got = np.array([r[0] for r in rows])
    np.testing.assert_array_equal(got, est.predict(X))
    assert np.mean(got == y) > 0.9  # separable blobs: a working fit classifies them

    status, out, err = run(["predict", str(model), str(data), "--proba"], capsys)
    assert status == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "proba_cat,proba_dog,proba_emu"
    P = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    # %.17g round-trips a double exactly: the file's model, bit for bit.
    np.testing.assert_array_equal(P, est.predict_proba(X))
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)


def test_fit_predict_npz_and_npy(tmp_path, capsys, blobs):
    X, labels = blobs
    y = np.searchsorted(np.unique(labels), labels)
    npz = tmp_path / "train.npz"
    np.savez(npz, X=X, target=y)
    model = tmp_path / "m.npz"
    status, _, err = run(["fit", str(npz), "--target", "target", "--out", str(model)], capsys)
    assert status == 0, err
    est = cli.read_model(model)["model"]
    np.save(tmp_path / "X.npy", X)
    status, out, err = run(["predict", str(model), str(tmp_path / "X.npy")], capsys)
    assert status == 0, err
    got = np.array([int(v) for v in out.split()[1:]])
    np.testing.assert_array_equal(got, est.predict(X))

    # .npy with the target as a column: --target is its index
    npy = tmp_path / "train.npy"
    np.save(npy, np.column_stack([y, X]))
    model2 = tmp_path / "m2.npz"
    status, _, err = run(["fit", str(npy), "--target", "0", "--out", str(model2)], capsys)
    assert status == 0, err
    est2 = cli.read_model(model2)["model"]
    np.testing.assert_allclose(est2.coef_, est.coef_, rtol=1e-6, atol=1e-8)
    # predicting on the training layout drops the target column again
    status, out, err = run(["predict", str(model2), str(npy)], capsys)
    assert status == 0, err
    np.testing.assert_array_equal([int(v) for v in out.split()[1:]], est2.predict(X))


def test_fit_bad_files_and_arguments(tmp_path, capsys):
    assert "data file not found" in run_error(
        ["fit", str(tmp_path / "missing.csv"), "--target", "y"], capsys)
    (tmp_path / "data.parquet").write_bytes(b"x")
    assert "unsupported file type '.parquet'" in run_error(
        ["fit", str(tmp_path / "data.parquet"), "--target", "y"], capsys)
    npz = tmp_path / "d.npz"
    np.savez(npz, X=np.zeros((4, 2)), y=np.array([0, 1, 0, 1]))
    assert "target array 'label' not found" in run_error(
        ["fit", str(npz), "--target", "label"], capsys)
    np.savez(tmp_path / "noX.npz", A=np.zeros((4, 2)))
    assert "no feature array 'X'" in run_error(
        ["fit", str(tmp_path / "noX.npz"), "--target", "y"], capsys)
    np.savez(tmp_path / "str.npz", X=np.array([["a", "b"]] * 2), y=np.array([0, 1]))
    assert "must hold numbers" in run_error(
        ["fit", str(tmp_path / "str.npz"), "--target", "y"], capsys)
    np.save(tmp_path / "a.npy", np.zeros((4, 3)))
    assert "column index" in run_error(["fit", str(tmp_path / "a.npy"), "--target", "y"], capsys)
    assert "out of range" in run_error(["fit", str(tmp_path / "a.npy"), "--target", "5"], capsys)
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    assert "junk.npy" in run_error(["fit", str(tmp_path / "junk.npy"), "--target", "0"], capsys)
    # argparse usage errors: status 2, message names the option
    assert "--C" in run_error(["fit", "x.csv", "--target", "y", "--C", "-1"], capsys)
    assert "--solver" in run_error(["fit", "x.csv", "--target", "y", "--solver", "sag"], capsys)
    assert "--target" in run_error(["fit", "x.csv"], capsys)
    assert "--threads" in run_error(["demo", "--threads", "0"], capsys)
    assert "--classes" in run_error(["demo", "--classes", "1"], capsys)
    assert "invalid choice" in run_error(["frobnicate"], capsys)
    assert "not allowed with" in run_error(["bench", "--quick", "--full"], capsys)


# --------------------------------------------------------------------------
# exit statuses
# --------------------------------------------------------------------------
def test_exit_status_0_and_2_in_a_child_process(tmp_path, small_model_and_data):
    model, data, _, _ = small_model_and_data
    proc = run_cli(["predict", model, data])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("prediction\n")
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("f0,f1,f2,f3\n1,2,x,4\n")
    cases = [
        (["fit", tmp_path / "missing.csv", "--target", "y"], "data file not found"),
        (["fit", data, "--target", "species", "--C", "-1"], "--C"),  # argparse
        (["predict", model, bad_csv], "non-numeric value 'x' on line 2"),
        (["predict", data, data], "not a model file"),
    ]
    if sys.platform.startswith("linux"):
        # A file that exists but cannot be read (as root, chmod would not do).
        (tmp_path / "unreadable.csv").symlink_to("/proc/self/mem")
        cases.append((["predict", model, tmp_path / "unreadable.csv"], "could not read it"))
    for argv, message in cases:
        proc = run_cli(argv)
        assert proc.returncode == 2, (argv, proc.stderr)
        assert message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("exc, status, message", [
    (RuntimeError("a bug"), 1, "unexpected error: RuntimeError: a bug"),
    (MemoryError(), 1, "out of memory"),
    (OSError(5, "Input/output error"), 1, "Input/output error"),
    (PermissionError(13, "Permission denied", "/x/out.csv"), 2, "/x/out.csv: Permission denied"),
    (KeyboardInterrupt(), 130, "interrupted"),
    (cli.CLIError("bad input"), 2, "error: bad input"),
])
def test_exit_status_of_each_kind_of_error(monkeypatch, capsys, exc, status, message):
    # Internal errors cannot be provoked from outside without a bug to hit,
    # so a command is replaced by one that raises.
    def boom(args):
        raise exc

    monkeypatch.setattr(cli, "cmd_predict", boom)
    monkeypatch.delenv("SOFTMAX_EXT_DEBUG", raising=False)
    assert cli.main(["predict", "m.npz", "d.csv"]) == status
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.splitlines()) == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_ctrl_c_exits_130(tmp_path):
    # `fit` on a named pipe with no writer blocks in open(), idle; SIGINT
    # then interrupts it wherever it is.
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    env = dict(os.environ)
    env.pop("SOFTMAX_EXT_DEBUG", None)
    proc = subprocess.Popen([sys.executable, "-m", "softmax_ext", "fit", str(fifo),
                             "--target", "y", "--out", str(tmp_path / "m.npz")],
                            stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=sigint_default)
    try:
        assert "reading" in proc.stderr.readline()  # main() is running
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 130, err
    assert "softmax-ext fit: interrupted." in err and "Traceback" not in err


def test_subprocess_exit_status_and_no_traceback(tmp_path):
    proc = run_cli(["fit", tmp_path / "missing.csv", "--target", "y"], timeout=120)
    assert proc.returncode == 2
    assert "data file not found" in proc.stderr and "Traceback" not in proc.stderr


def test_help_lists_commands_and_exit_statuses(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for command in ("demo", "fit", "predict", "bench"):
        assert command in out
    for status in ("0 success", "2 bad input", "1 internal error", "130 interrupted"):
        assert status in out
    with pytest.raises(SystemExit):
        cli.main(["predict", "--help"])
    assert "--trust" in capsys.readouterr().out



def test_fit_and_predict_never_import_the_measurement_tools(tmp_path, small_model_and_data):
    # softmax_ext.bench (the demo and bench commands) is loaded only by those
    # commands: importing the package and running fit / predict must not.
    model, data, _, _ = small_model_and_data
    code = (
        "import sys, softmax_ext; from softmax_ext import cli; "
        f"assert cli.main(['--quiet', 'fit', {str(data)!r}, '--target', 'species', "
        f"'--out', {str(tmp_path / 'm.npz')!r}]) == 0; "
        f"assert cli.main(['--quiet', 'predict', {str(model)!r}, {str(data)!r}, "
        f"'--out', {str(tmp_path / 'p.csv')!r}]) == 0; "
        "loaded = [m for m in sys.modules if m.startswith('softmax_ext.bench')]; "
        "assert not loaded, loaded"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
