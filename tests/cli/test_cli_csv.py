"""CSV files for ``fit`` / ``predict``: malformed files, quoting, labels, memory, huge fields."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_runner import one_blas_thread, run_cli, run_error  # noqa: F401 (fixture)

from softmax_ext import cli

HERE = Path(__file__).resolve().parent


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

