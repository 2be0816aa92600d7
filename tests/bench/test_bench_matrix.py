"""``softmax-ext bench``: the matrix runs every section and writes report, results and plots."""

import json

from cli_runner import one_blas_thread, run, run_error  # noqa: F401 (fixture)

from softmax_ext.bench.matrix import SECTIONS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


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
    assert sections == set(SECTIONS)
    assert results["meta"]["config"]["mode"] == "quick"
    assert any(lib["user_api"] == "blas" for lib in results["meta"]["machine"]["threadpools"])
    for r in records:
        if "seconds" in r:
            assert r["seconds"] > 0
    measured = [r for r in records if "error" not in r]
    assert {r["section"] for r in measured} == set(SECTIONS)
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

