"""Model files: the plain .npz format, its round trip, damaged files, and pickles only with --trust."""

import json
import pickle
import zipfile

import numpy as np
import pytest
from cli_files import blobs, fitted, small_model_and_data, write_csv  # noqa: F401 (fixtures)
from cli_runner import one_blas_thread, run, run_cli, run_error  # noqa: F401 (fixture)

from softmax_ext import cli


# --------------------------------------------------------------------------
# model files
# --------------------------------------------------------------------------
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

