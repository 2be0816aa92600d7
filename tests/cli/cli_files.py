"""Data and model files for the command-line tests: generated blobs, CSV writers, a model."""

import csv

import numpy as np
import pytest

from softmax_ext import SoftmaxRegression, cli


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



def fitted(X, y, **params):
    return SoftmaxRegression(**params).fit(X, y)


@pytest.fixture
def small_model_and_data(tmp_path, blobs):
    X, y = blobs
    data = write_csv(tmp_path / "train.csv", X, y)
    est = fitted(X, y)
    model = tmp_path / "good.npz"
    cli.write_model(model, est, feature_names=["f0", "f1", "f2", "f3"], target="species",
                    data_format="csv")
    return model, data, est, X

