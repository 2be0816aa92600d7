"""The ``softmax-ext`` command line, end to end on small generated data.

Commands are run in-process through ``cli.main(argv)`` (exit status returned,
stdout/stderr captured), plus a few runs of ``python -m softmax_ext`` in a
subprocess to check the real exit status and that no traceback escapes.
"""

import csv
import json
import os
import pickle
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from softmax_ext import benchmarks, cli, report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HERE = Path(__file__).resolve().parent

@pytest.fixture(autouse=True)
def _one_blas_thread():
    # The test machine is shared by several jobs on 2 cores; OpenBLAS threads
    # spinning on an oversubscribed machine make tiny scikit-learn fits tens of
    # times slower.  Only speed depends on this: every check below is about
    # what the commands produce, not how fast.
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def run(argv, capsys):
    """Run the CLI in-process; return (status, stdout, stderr)."""
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def run_error(argv, capsys):
    """Run a command that must fail: non-zero status, one-line message, no traceback."""
    try:
        status = cli.main(argv)
    except SystemExit as exc:  # argparse usage errors
        status = exc.code
    out, err = capsys.readouterr()
    assert status not in (0, None), (out, err)
    assert "Traceback" not in err and "Traceback" not in out
    return err


@pytest.fixture
def blobs(rng):
    """A separable 3-class problem with string labels."""
    n, d = 240, 4
    centers = np.array([[3.0, 0, 0, 0], [0, 3.0, 0, 0], [0, 0, 3.0, 0]])
    y = rng.integers(0, 3, size=n)
    X = centers[y] + rng.standard_normal((n, d)) * 0.7
    labels = np.array(["cat", "dog", "emu"])[y]
    return X, labels


def write_csv(path, X, y, names=None, target="species"):
    names = names or [f"f{j}" for j in range(X.shape[1])]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names + ([target] if y is not None else []))
        for i in range(X.shape[0]):
            w.writerow([repr(float(v)) for v in X[i]] + ([y[i]] if y is not None else []))
    return path


def read_csv(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


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


@pytest.mark.parametrize("content, target, message", [
    ("a,b,label\n1,2,x\n3,4,y\n", "nope", "target column 'nope' not found"),
    ("a,b,label\n1,2,x\n3,red,y\n", "label", "column 'b' has non-numeric value 'red' on line 3"),
    ("a,b,label\n1,,x\n3,4,y\n", "label", "column 'b' has an empty cell on line 2"),
    ("a,b,label\n1,2,x\n3,4\n", "label", "line 3 has 2 fields, but the header has 3"),
    ("a,b,label\n1,2,x\n3,4,y,z\n", "label", "line 3 has 4 fields, but the header has 3"),
    ('a,b,label\n1,2,x\n3,4,"y,z",w\n', "label", "line 3 has 4 fields, but the header has 3"),
    ('a,b,label\n1,2,x\n3,"4,y"\n', "label", "line 3 has 2 fields, but the header has 3"),
    ("a,b,label\n1,2,x\n\n3,4\n", "label", "line 4 has 2 fields"),  # physical line numbers
    ("a,b,label\r1,2,x\r3,4,y\r", "label", "line 1 holds a carriage return"),  # old Mac
    ("a,b,label\n1,2,x\n3,4\r,y\n", "label", "line 3: new-line character seen in unquoted"),
    ("a,b,label\n", "label", "no data rows"),
    ("\n\n", "label", "the file is empty"),
    ("", "label", "the file is empty"),
    ("\ufeff", "label", "the file is empty"),  # only a byte-order mark
    ("a,b,label\n1,2,x\n3,4,x\n", "label", "single class"),
    ("a,b,label\n1,2,x\n3,nan,y\n", "label",
     "column 'b' has a non-finite value ('nan') on line 3"),
    ("a,b,label\n1,2,x\n3,1e999,y\n", "label", "non-finite value ('1e999') on line 3"),
    ("a,b,label\n1,2,x\n3,4, \n", "label", "target column 'label' is empty on line 3"),
    ("a,b,label\n1,2,x\n3,4,y\n", "a", "non-numeric value 'x' on line 2"),  # label is a feature
    ("a,label\n1,0.5\n2,1.5\n", "label", "Unknown label type"),  # the estimator's own check
])
def test_fit_bad_csv(tmp_path, capsys, content, target, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    err = run_error(["fit", str(path), "--target", target, "--out", str(tmp_path / "m.npz")],
                    capsys)
    last = err.splitlines()[-1]  # after the progress lines, one line of error
    assert last.startswith("softmax-ext fit: error: ") and message in last
    assert not (tmp_path / "m.npz").exists()


def test_csv_reader_quotes_blank_lines_and_line_endings(tmp_path):
    # What the csv module accepted before must still read the same: quoted
    # numbers and labels (with the delimiter inside), CRLF endings, a
    # byte-order mark, blank lines, spaces around cells, a tab-separated file.
    path = tmp_path / "q.csv"
    path.write_bytes(b'\xef\xbb\xbf"a", b ,label\r\n'
                     b'1.5,"2",x\r\n'
                     b'\r\n'
                     b' -3 ,4e0,"dog, large"\r\n'
                     b',,\r\n'
                     b'5,6, x \r\n')
    data = cli.load_data(path, "label")
    assert data["feature_names"] == ["a", "b"] and data["target"] == "label"
    np.testing.assert_array_equal(data["X"], [[1.5, 2.0], [-3.0, 4.0], [5.0, 6.0]])
    assert data["X"].dtype == np.float64 and data["X"].flags.c_contiguous
    assert list(data["y"]) == ["x", "dog, large", "x"]

    tsv = tmp_path / "t.tsv"
    tsv.write_text("a\tlabel\tb\n1\t7\t2\n3\t8\t4\n")
    data = cli.load_data(tsv, "label")
    np.testing.assert_array_equal(data["X"], [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(data["y"], [7, 8])
    # predict's column selection, by name and in the model's order
    data = cli.load_data(tsv, None, features=["b", "a"])
    np.testing.assert_array_equal(data["X"], [[2.0, 1.0], [4.0, 3.0]])
    assert data["y"] is None


@pytest.mark.parametrize("cells, dtype, expected", [
    (["3", "1", "2"], np.int64, [3, 1, 2]),
    (["1.5", "2", "-0.5"], np.float64, [1.5, 2.0, -0.5]),
    (["cat", "1", "2.5"], object, ["cat", "1", "2.5"]),
])
def test_csv_target_labels_ints_floats_or_strings(tmp_path, cells, dtype, expected):
    path = tmp_path / "labels.csv"
    path.write_text("f,label\n" + "".join(f"{i},{c}\n" for i, c in enumerate(cells)))
    y = cli.load_data(path, "label")["y"]
    assert y.dtype == dtype
    assert list(y) == expected


def test_csv_non_utf8(tmp_path, capsys):
    path = tmp_path / "latin1.csv"
    path.write_bytes("a,label\n1,x\n2,caf\xe9\n".encode("latin-1"))
    err = run_error(["fit", str(path), "--target", "label"], capsys)
    assert "line 3 could not be decoded as UTF-8" in err


def make_csv(path, n, d, seed=0):
    """A CSV of n rows: d float columns written with repr, then a string label."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    labels = np.array(["cat", "dog", "emu"])[rng.integers(0, 3, n)]
    with open(path, "w") as fh:
        fh.write(",".join([f"f{j}" for j in range(d)] + ["label"]) + "\n")
        for start in range(0, n, 10_000):
            fh.writelines(",".join(map(repr, row)) + f",{lab}\n"
                          for row, lab in zip(X[start:start + 10_000].tolist(),
                                              labels[start:start + 10_000]))
    return path


def test_csv_reader_memory_is_bounded(tmp_path):
    """Peak memory of reading a 100,000 x 20 CSV (~40 MB) stays under 2x the array (16 MB).

    What the reader holds: the float64 array itself, which numpy's loadtxt
    grows in place as rows come in (1.0-1.1x at the end); one line of text at
    a time; and the target column as Python strings (~70 bytes a row here,
    0.45x of the 160-byte rows of X; less for wider X).  The old reader kept
    a list of strings per cell: 12x the array under tracemalloc (14x RSS).
    Measured in a child process, so the test session's memory is not counted.
    """
    n, d = 100_000, 20
    path = make_csv(tmp_path / "big.csv", n, d)
    env = dict(os.environ)
    env.pop("SOFTMAX_EXT_DEBUG", None)
    try:
        proc = subprocess.run([sys.executable, str(HERE / "csv_memory_worker.py"), str(path),
                               "label"], capture_output=True, text=True, env=env, timeout=300)
    finally:
        path.unlink()
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["shape"] == [n, d] and got["x_nbytes"] == n * d * 8
    assert got["traced_peak"] < 2.0 * got["x_nbytes"], got
    # RSS also counts what tracemalloc does not see (allocator slack, the
    # parser's C buffers): a little more room.
    assert got["rss_growth"] < 3.0 * got["x_nbytes"], got


def run_cli(argv, timeout=300, **kwargs):
    """Run ``python -m softmax_ext ARGV`` in a child process; return CompletedProcess."""
    env = dict(os.environ)
    env.pop("SOFTMAX_EXT_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "softmax_ext", *map(str, argv)],
                          capture_output=True, text=True, env=env, timeout=timeout, **kwargs)


def test_huge_fields_exit_2(tmp_path):
    # A line past the reader's line limit: stopped after reading the limit,
    # never held whole (the 300 MB field of issue 14 takes the same path).
    huge = tmp_path / "huge.csv"
    with open(huge, "w") as fh:
        fh.write("a,b,label\n1,2,x\n3,4,")
        fh.write("y" * (cli.MAX_LINE_BYTES + 10))
        fh.write("\n5,6,x\n")
    try:
        proc = run_cli(["fit", huge, "--target", "label", "--out", tmp_path / "m.npz"])
    finally:
        huge.unlink()
    assert proc.returncode == 2, proc.stderr
    assert "line 3 is longer than 16 MiB" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr) < 1000

    # Fields past the csv module's 131,072-character limit, under the line
    # limit: in a feature column, a non-numeric value (shown cut short); in
    # the header, a (silly but valid) column name.
    wide = tmp_path / "wide.csv"
    wide.write_text("a,b,label\n1,2,x\n3," + "9x" * 500_000 + ",y\n")
    proc = run_cli(["fit", wide, "--target", "label", "--out", tmp_path / "m.npz"])
    assert proc.returncode == 2, proc.stderr
    assert "column 'b' has non-numeric value '9x9x" in proc.stderr
    assert "(1,000,000 characters) on line 3" in proc.stderr
    assert len(proc.stderr) < 1000
    long_name = "n" * 200_000
    named = tmp_path / "named.csv"
    named.write_text(f"a,{long_name},label\n1,2,x\n3,4,y\n")
    data = cli.load_data(named, "label")
    assert data["feature_names"] == ["a", long_name]


# --------------------------------------------------------------------------
# model files
# --------------------------------------------------------------------------
def fitted(X, y, **params):
    from softmax_ext import SoftmaxRegression

    return SoftmaxRegression(**params).fit(X, y)


def test_model_file_is_a_plain_npz(tmp_path, capsys, blobs):
    X, y = blobs
    data = write_csv(tmp_path / "train.csv", X, y)
    model = tmp_path / "model.npz"
    assert run(["fit", str(data), "--target", "species", "--out", str(model),
                "--tol", "1e-6"], capsys)[0] == 0
    assert model.read_bytes()[:2] == b"PK"
    with zipfile.ZipFile(model) as zf:  # np.savez: one .npy per array, nothing else
        assert sorted(zf.namelist()) == ["classes.npy", "coef.npy", "intercept.npy",
                                         "meta.npy", "n_iter.npy"]
    with np.load(model, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    assert all(a.dtype != object for a in arrays.values())
    assert arrays["classes"].dtype.kind == "U" and list(arrays["classes"]) == ["cat", "dog",
                                                                               "emu"]
    assert arrays["coef"].shape == (3, 4) and arrays["intercept"].shape == (3,)
    meta = json.loads(str(arrays["meta"]))
    import softmax_ext

    assert meta["format"] == "softmax-ext model" and meta["format_version"] == 1
    assert meta["softmax_ext_version"] == softmax_ext.__version__
    assert meta["params"]["tol"] == 1e-6 and meta["params"]["C"] == 1.0
    assert meta["feature_names"] == ["f0", "f1", "f2", "f3"] and meta["target"] == "species"
    # No temporary file left next to the model.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz", "train.csv"]


@pytest.mark.parametrize("labels", ["strings", "ints", "floats", "binary"])
def test_model_file_round_trip_is_bit_for_bit(tmp_path, blobs, labels):
    X, names = blobs
    codes = np.searchsorted(np.unique(names), names)
    y = {"strings": names.astype(object), "ints": codes * 10 - 5,
         "floats": codes + 0.0, "binary": np.where(codes == 0, "a", "b")}[labels]
    est = fitted(X, y, C=0.3, tol=1e-8, solver="newton-cg")
    path = tmp_path / "m.npz"
    cli.write_model(path, est, feature_names=["f0", "f1", "f2", "f3"], target="t",
                    data_format="csv")
    back = cli.read_model(path)["model"]
    assert type(back) is type(est) and back.get_params() == est.get_params()
    for name in ("coef_", "intercept_", "n_iter_"):
        np.testing.assert_array_equal(getattr(back, name), getattr(est, name))
        assert getattr(back, name).dtype == getattr(est, name).dtype
    assert back.n_features_in_ == est.n_features_in_ == 4
    assert back.classes_.dtype != object
    np.testing.assert_array_equal(back.classes_, est.classes_)
    Xt = X[::3] + 0.25
    np.testing.assert_array_equal(back.predict_proba(Xt), est.predict_proba(Xt))
    np.testing.assert_array_equal(back.decision_function(Xt), est.decision_function(Xt))
    np.testing.assert_array_equal(back.predict(Xt), est.predict(Xt))


def test_model_file_keeps_feature_names_in(tmp_path, blobs):
    pd = pytest.importorskip("pandas")
    X, y = blobs
    frame = pd.DataFrame(X, columns=["w", "x", "y", "z"])
    est = fitted(frame, y)
    path = tmp_path / "m.npz"
    cli.write_model(path, est)
    back = cli.read_model(path)["model"]
    np.testing.assert_array_equal(back.feature_names_in_, ["w", "x", "y", "z"])
    assert back.feature_names_in_.dtype == object  # as scikit-learn stores them
    np.testing.assert_array_equal(back.predict_proba(frame), est.predict_proba(frame))


def test_fit_out_must_be_npz(tmp_path, capsys, blobs):
    X, y = blobs
    data = write_csv(tmp_path / "train.csv", X, y)
    for name in ("model.joblib", "model.pkl", "model"):
        err = run_error(["fit", str(data), "--target", "species", "--out",
                         str(tmp_path / name)], capsys)
        assert "ending in .npz" in err
        assert not (tmp_path / name).exists()
    assert "does not exist" in run_error(
        ["fit", str(data), "--target", "species", "--out", str(tmp_path / "no" / "m.npz")],
        capsys)
    (tmp_path / "d.npz").mkdir()
    assert "is a directory" in run_error(
        ["fit", str(data), "--target", "species", "--out", str(tmp_path / "d.npz")], capsys)


class Payload:
    """Unpickling this creates (opens for writing) the file ``path``."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture
def small_model_and_data(tmp_path, blobs):
    X, y = blobs
    data = write_csv(tmp_path / "train.csv", X, y)
    est = fitted(X, y)
    model = tmp_path / "good.npz"
    cli.write_model(model, est, feature_names=["f0", "f1", "f2", "f3"], target="species",
                    data_format="csv")
    return model, data, est, X


def test_crafted_pickles_never_run_without_trust(tmp_path, small_model_and_data):
    import joblib

    _, data, _, _ = small_model_and_data
    sentinel = tmp_path / "pwned"
    files = {}
    # protocol 5 and protocol 0 pickles, a compressed joblib file, and one
    # named .npz: the type is read from the content, not the name.
    files["evil.pkl"] = pickle.dumps(Payload(sentinel), protocol=5)
    files["evil0.joblib"] = pickle.dumps(Payload(sentinel), protocol=0)
    files["evil.npz"] = files["evil.pkl"]
    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
    joblib.dump(Payload(sentinel), tmp_path / "evilz.joblib", compress=3)
    # a real .npz whose array is pickled objects: np.load(allow_pickle=False) refuses it
    np.savez(tmp_path / "objects.npz", meta=np.array([Payload(sentinel)], dtype=object))
    assert not sentinel.exists()
    for name in [*files, "evilz.joblib", "objects.npz"]:
        proc = run_cli(["predict", tmp_path / name, data])
        assert proc.returncode == 2, (name, proc.stderr)
        assert not sentinel.exists(), name
        assert "Traceback" not in proc.stderr
        if name != "objects.npz":
            assert "--trust" in proc.stderr, proc.stderr
        if name in ("evil.pkl", "evil.npz", "evilz.joblib"):
            assert "is a pickle/joblib file" in proc.stderr and "runs any code" in proc.stderr


def test_trust_loads_joblib_models_with_a_warning(tmp_path, capsys, small_model_and_data):
    import joblib

    model, _, est, X = small_model_and_data
    data = write_csv(tmp_path / "features.csv", X, None)  # a pickled estimator has no names
    status, expected, err = run(["predict", str(model), str(data), "--proba"], capsys)
    assert status == 0 and "warning" not in err
    # a pickled estimator, and the bundle `fit` used to write (features by name)
    joblib.dump(est, tmp_path / "est.joblib")
    joblib.dump({"tag": "softmax-ext model", "model": est, "feature_names": ["f0", "f1", "f2",
                                                                           "f3"],
                 "target": "species", "format": "csv", "n_features": 4},
                tmp_path / "bundle.joblib")
    for name in ("est.joblib", "bundle.joblib"):
        err = run_error(["predict", str(tmp_path / name), str(data)], capsys)
        assert "pickle/joblib" in err and "--trust" in err
        status, out, err = run(["predict", str(tmp_path / name), str(data), "--proba",
                                "--trust"], capsys)
        assert status == 0, err
        assert "warning: --trust" in err and "runs any code" in err
        assert out == expected
    # --trust does not make a non-model a model
    joblib.dump({"some": "dict"}, tmp_path / "dict.joblib")
    assert "not a model file written by `softmax-ext fit` (it holds a dict)" in run_error(
        ["predict", str(tmp_path / "dict.joblib"), str(data), "--trust"], capsys)


def _rewrite(path, **changes):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(str(arrays["meta"]))
    meta.update({k[5:]: v for k, v in changes.items() if k.startswith("meta_")})
    arrays["meta"] = np.array(json.dumps(meta))
    for key, value in changes.items():
        if key.startswith("meta_"):
            continue
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    np.savez(path, **arrays)


@pytest.mark.parametrize("changes, message", [
    ({"coef": None}, "the archive has no coef"),
    ({"meta": np.array(["x"])}, "'meta' entry is not a text"),
    ({"meta_format": "something else"}, "no 'softmax-ext model' format tag"),
    ({"meta_format_version": 2}, "model format version 2"),
    ({"meta_estimator": "LogisticRegression"}, "not SoftmaxRegression"),
    ({"meta_params": {"C": -1.0}}, "bad estimator parameters"),
    ({"meta_params": {"nope": 1}}, "bad estimator parameters"),
    ({"meta_n_features_in": 5}, "n_features_in 5 but coef has 4 columns"),
    ({"meta_feature_names": ["a"]}, "feature_names should be 4 strings"),
    ({"meta_data_format": "parquet"}, "unknown data_format 'parquet'"),
    ({"meta_data_format": "npy", "meta_target": 9}, "target 9 is not a column"),
    ({"coef": np.zeros((2, 4))}, "do not fit 3 classes"),
    ({"coef": np.zeros((3, 4), dtype=np.int64)}, "coef should be a 2-D float array"),
    ({"coef": np.full((3, 4), np.nan)}, "non-finite"),
    ({"classes": np.array([1])}, "classes should hold 2 or more labels"),
    ({"n_iter": np.array([1.5])}, "n_iter should be a 1-D integer array"),
])
def test_damaged_model_files_exit_2(small_model_and_data, capsys, changes, message):
    model, data, _, _ = small_model_and_data
    _rewrite(model, **changes)
    err = run_error(["predict", str(model), str(data)], capsys)
    assert message in err


def test_predict_bad_model_and_data(tmp_path, capsys, small_model_and_data):
    model, data, _, X = small_model_and_data
    assert "model file not found" in run_error(
        ["predict", str(tmp_path / "none.npz"), str(data)], capsys)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"\x00\x01 definitely not a model")
    assert "not a model file written by `softmax-ext fit`" in run_error(
        ["predict", str(garbage), str(data)], capsys)
    (tmp_path / "trunc.npz").write_bytes(model.read_bytes()[:300])
    assert "not a model file written by `softmax-ext fit` (BadZipFile" in run_error(
        ["predict", str(tmp_path / "trunc.npz"), str(data)], capsys)
    np.savez(tmp_path / "data.npz", X=X)
    assert "the archive has no meta" in run_error(
        ["predict", str(tmp_path / "data.npz"), str(data)], capsys)
    narrow = write_csv(tmp_path / "narrow.csv", X[:, :3], None)
    assert "'f3'" in run_error(["predict", str(model), str(narrow)], capsys)
    np.save(tmp_path / "wide.npy", np.zeros((3, 7)))
    assert "X has 7 features, but the model was fitted with 4 features" in run_error(
        ["predict", str(model), str(tmp_path / "wide.npy")], capsys)
    assert "data file not found" in run_error(
        ["predict", str(model), str(tmp_path / "none.csv")], capsys)
    assert "cannot write a file there" in run_error(
        ["predict", str(model), str(data), "--out", str(tmp_path / "no" / "p.csv")], capsys)


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
                            stderr=subprocess.PIPE, text=True, env=env)
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


# --------------------------------------------------------------------------
# demo and bench
# --------------------------------------------------------------------------
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
        assert report._ratio(ours['speedup']) in row


def test_bench_writes_report(tmp_path, capsys):
    out_dir = tmp_path / "report"
    status, out, err = run(["bench", "--quick", "--out", str(out_dir), "--threads", "2",
                            "--n", "300", "--d", "8", "--sizes", "200,400",
                            "--classes", "3,4", "--repeats", "1", "--no-digits"], capsys)
    assert status == 0, err
    assert "section convergence" in err
    results = json.loads((out_dir / "results.json").read_text())
    records = results["results"]
    sections = {r["section"] for r in records}
    assert sections == set(benchmarks.SECTIONS)
    assert results["meta"]["config"]["mode"] == "quick"
    assert any(lib["user_api"] == "blas" for lib in results["meta"]["machine"]["threadpools"])
    for r in records:
        if "seconds" in r:
            assert r["seconds"] > 0
    measured = [r for r in records if "error" not in r]
    assert {r["section"] for r in measured} == set(benchmarks.SECTIONS)
    text = (out_dir / "report.md").read_text()
    assert "SkylakeX" in text or "blas" in text
    assert "thread clash" in text
    # the table lists every case
    # every solver ran (scikit-learn's newton-cholesky is skipped only above a size)
    assert not [r for r in records if "error" in r and "skipped" not in r["error"]]
    for r in records:
        if "error" in r:
            assert "## Not measured" in text and r["error"] in text
        elif r["section"] == "fit":
            assert f"| {r['case']} | {r['library']} | {r['solver']} |" in text, r
        elif r["section"] in ("scaling_n", "scaling_K", "kernels", "objective"):
            assert f"| {r['case']} |" in text, r
    pngs = sorted(p.name for p in out_dir.glob("*.png"))
    assert pngs == ["convergence.png", "fit_time_vs_n.png", "speedup.png", "threads.png"]
    import matplotlib.image

    for name in pngs:
        raw = (out_dir / name).read_bytes()
        assert raw[:8] == PNG_MAGIC
        img = matplotlib.image.imread(out_dir / name)
        assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
        assert f"]({name})" in text
    assert "speedup" in out and str(out_dir / "report.md") in out


def test_bench_rejects_bad_output_and_sections(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("x")
    assert "is not a directory" in run_error(["bench", "--out", str(f)], capsys)
    assert "unknown benchmark sections" in run_error(
        ["bench", "--out", str(tmp_path / "o"), "--sections", "kernels,nope"], capsys)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def test_count_sklearn_passes_counts_and_restores(rng):
    from sklearn.linear_model import LogisticRegression
    from sklearn.linear_model._linear_loss import LinearModelLoss

    before = {name: getattr(LinearModelLoss, name) for name in
              ("weight_intercept_raw", "loss_gradient", "gradient", "gradient_hessian",
               "gradient_hessian_product")}
    X = rng.standard_normal((60, 3))
    y = rng.integers(0, 3, size=60)
    with benchmarks.count_sklearn_passes() as counter:
        est = LogisticRegression(solver="newton-cg").fit(X, y)
    assert counter[0] >= 2 * int(est.n_iter_[0])
    for name, fn in before.items():
        assert getattr(LinearModelLoss, name) is fn


def test_sklearn_blas_limit_limits_and_restores():
    from threadpoolctl import threadpool_info

    def scipy_blas_threads():
        return [lib["num_threads"] for lib in threadpool_info()
                if lib["user_api"] == "blas" and "scipy.libs" in lib["filepath"]]

    with threadpool_limits(limits=2, user_api="blas"):
        before = scipy_blas_threads()
        assert before, "scipy's own OpenBLAS should be loaded"
        with benchmarks.sklearn_blas_limit():
            assert all(t == 1 for t in scipy_blas_threads())
        assert scipy_blas_threads() == before


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
    text = report.headline_table(records)
    assert "| toy |" in text and "2.0x" in text and "newton-cg" in text
    plain = report.demo_table(records[:2])
    assert "-" in plain.splitlines()[-1]
    meta = {"machine": report.machine_info(), "config": {"mode": "test"}}
    path = report.write_results_json(records, meta, tmp_path)
    back = json.loads(path.read_text())
    assert back["results"][2]["objective"] is None  # NaN is not JSON
    paths = report.write_plots(records, tmp_path)
    assert [p.name for p in paths] == ["speedup.png"]  # only plots with data
    md = report.write_report(records, meta, tmp_path, paths).read_text()
    assert "## Not measured" in md and "solver 'gd' is not implemented yet" in md
    assert "| toy | softmax-ext | gd |" not in md.split("## Not measured")[0]
