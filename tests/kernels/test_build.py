"""The package builds and installs: OpenMP present in CI, wheel and sdist build,
the OpenMP probe.  (How many threads a call uses: tests/core/test_threads.py.)"""

import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest

import softmax_ext

ROOT = Path(__file__).resolve().parents[2]
SETUP_PY = ROOT / "setup.py"


@pytest.mark.skipif(
    os.environ.get("SOFTMAX_EXT_CI") != "1",
    reason="OpenMP is required only where CI says so (SOFTMAX_EXT_CI=1); "
    "elsewhere a serial build is allowed",
)
def test_openmp_enabled_in_ci():
    assert softmax_ext.openmp_enabled()


@pytest.mark.slow
def test_wheel_and_sdist_build_and_the_sdist_installs(tmp_path):
    """python -m build gives a wheel and an sdist; the sdist holds csrc/ and
    the .pyx sources, and a package built from it alone imports and works.

    Built without isolation from this environment's Cython/numpy/setuptools
    (the test extras), so that the check needs no network.
    """
    if not (ROOT / "pyproject.toml").exists():
        pytest.skip("source tree not available next to the tests")
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    sdists = list(dist.glob("*.tar.gz"))
    wheels = list(dist.glob("*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1
    with tarfile.open(sdists[0]) as tar:
        names = tar.getnames()
    assert any(n.endswith("csrc/smx_softmax.c") for n in names)
    assert any(n.endswith("csrc/smx_math.h") for n in names)
    assert any(n.endswith("src/softmax_ext/_ext/softmax.pyx") for n in names)
    assert not any(n.endswith(".so") for n in names)
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps",
         "--target", str(target), str(sdists[0])],
        check=True, capture_output=True, text=True,
    )
    code = (
        "import softmax_ext, numpy as np; "
        "assert softmax_ext.__file__.startswith(%r); "
        "print(softmax_ext.softmax(np.zeros((2, 4)))[0, 0])" % str(target)
    )
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip() == "0.25"


# ----- the OpenMP probe sees the compiler and flags the extensions get -----

BUILD_ONE_EXTENSION = textwrap.dedent(
    """
    import runpy, sys
    from setuptools import Extension, setup
    ns = runpy.run_path(sys.argv[1], run_name="softmax_ext_setup_under_test")
    setup(name="probe-check", ext_modules=[Extension("probe_check", ["probe_check.c"])],
          cmdclass={"build_ext": ns["BuildExt"]},
          script_args=["build_ext", "--build-lib", "lib", "--build-temp", "temp"])
    """
)

# A C compiler that logs every command line; with REJECT_OPENMP set it fails
# whenever it is asked for OpenMP (a compiler without OpenMP support).
LOGGING_CC = textwrap.dedent(
    """\
    #!/bin/sh
    printf '%s\\n' "$*" >> "$SMX_CC_LOG"
    if [ -n "$SMX_CC_REJECT_OPENMP" ]; then
        for arg in "$@"; do
            [ "$arg" = "-fopenmp" ] && { echo "cc: OpenMP not supported" >&2; exit 1; }
        done
    fi
    exec gcc "$@"
    """
)


def _build_with_setup_py(tmp_path, **env_vars):
    """Build one trivial extension with setup.py's BuildExt under ``env_vars``
    and the logging compiler; return (completed process, logged command lines)."""
    if not SETUP_PY.exists():
        pytest.skip("setup.py not available next to the tests (installed tests only)")
    if shutil.which("gcc") is None:
        pytest.skip("the probe tests drive gcc through a logging wrapper; no gcc here")
    (tmp_path / "probe_check.c").write_text(
        "#include <Python.h>\n"
        "static struct PyModuleDef m = {PyModuleDef_HEAD_INIT, \"probe_check\"};\n"
        "PyMODINIT_FUNC PyInit_probe_check(void) { return PyModule_Create(&m); }\n"
    )
    cc = tmp_path / "cc-logging"
    cc.write_text(LOGGING_CC)
    cc.chmod(0o755)
    log = tmp_path / "cc.log"
    env = {k: v for k, v in os.environ.items()
           if k not in ("CC", "CFLAGS", "CPPFLAGS", "LDFLAGS", "LDSHARED",
                        "SOFTMAX_EXT_FAIL_NO_OPENMP")}
    env.update(CC=str(cc), SMX_CC_LOG=str(log), **env_vars)
    proc = subprocess.run(
        [sys.executable, "-c", BUILD_ONE_EXTENSION, str(SETUP_PY)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    lines = log.read_text().splitlines() if log.exists() else []
    return proc, lines


def _probe_lines(lines):
    compile_ = [ln for ln in lines if any(a.endswith("/probe.c") for a in ln.split())]
    link = [ln for ln in lines if any(a.endswith("/probe") for a in ln.split())]
    return compile_, link


def _extension_compile_lines(lines):
    return [ln for ln in lines if "probe_check.c" in ln]


def test_openmp_probe_compiles_and_links_with_cc_cflags_and_ldflags(tmp_path):
    """The probe's compile sees CC and CFLAGS, its link CC, CFLAGS and LDFLAGS,
    as the extensions' compile and link do (setuptools' own executable link
    would see CC alone); the probe then passes and the extension gets OpenMP."""
    mark_dir = tmp_path / "ldflags-mark"
    mark_dir.mkdir()
    proc, lines = _build_with_setup_py(
        tmp_path, CFLAGS="-DSMX_CFLAGS_MARK=1", LDFLAGS=f"-L{mark_dir}",
        SOFTMAX_EXT_FAIL_NO_OPENMP="1")
    assert proc.returncode == 0, proc.stderr[-4000:]
    compile_, link = _probe_lines(lines)
    assert compile_ and link, lines
    for ln in compile_:
        assert "-DSMX_CFLAGS_MARK=1" in ln.split() and "-fopenmp" in ln.split(), ln
    for ln in link:
        args = ln.split()
        assert "-DSMX_CFLAGS_MARK=1" in args and f"-L{mark_dir}" in args, ln
        assert "-fopenmp" in args and "-shared" not in args, ln
    assert "softmax-ext: OpenMP probe passed with -fopenmp" in proc.stdout
    ext = _extension_compile_lines(lines)
    assert ext and all("-fopenmp" in ln.split() for ln in ext), lines


def _asan_available(tmp_path):
    src = tmp_path / "asan_check.c"
    src.write_text("int main(void) { return 0; }\n")
    proc = subprocess.run(["gcc", "-fsanitize=address", str(src), "-o", str(tmp_path / "asan_check")],
                          capture_output=True)
    return proc.returncode == 0


def test_openmp_probe_survives_sanitizer_cflags(tmp_path):
    """The bug of issue 14: with CFLAGS=-fsanitize=address,undefined (and no
    LDFLAGS) the probe's object needs the sanitizer runtimes at link time; the
    probe used to link without CFLAGS, failed, and the build silently went
    serial.  With SOFTMAX_EXT_FAIL_NO_OPENMP=1 that is now an error, so the
    build succeeding with OpenMP is the check."""
    if shutil.which("gcc") is None or not _asan_available(tmp_path):
        pytest.skip("gcc cannot link an AddressSanitizer program here (no libasan)")
    proc, lines = _build_with_setup_py(
        tmp_path, CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer",
        SOFTMAX_EXT_FAIL_NO_OPENMP="1",
        # the probe runs under ASan; LeakSanitizer needs ptrace, often denied in containers
        ASAN_OPTIONS="detect_leaks=0")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert "softmax-ext: OpenMP probe passed with -fopenmp" in proc.stdout
    ext = _extension_compile_lines(lines)
    assert ext and all("-fopenmp" in ln.split() and "-fsanitize=address,undefined" in ln.split()
                       for ln in ext), lines


def test_without_openmp_the_build_warns_and_goes_serial(tmp_path):
    proc, lines = _build_with_setup_py(tmp_path, SMX_CC_REJECT_OPENMP="1")
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "does not support OpenMP; building single-threaded kernels" in proc.stderr
    assert "compiling the OpenMP probe with -fopenmp failed" in proc.stderr
    ext = _extension_compile_lines(lines)
    assert ext and not any("-fopenmp" in ln.split() for ln in ext), lines


def test_without_openmp_the_build_fails_when_ci_says_so(tmp_path):
    proc, lines = _build_with_setup_py(tmp_path, SMX_CC_REJECT_OPENMP="1",
                                       SOFTMAX_EXT_FAIL_NO_OPENMP="1")
    assert proc.returncode != 0
    assert "SOFTMAX_EXT_FAIL_NO_OPENMP is set: failing." in proc.stderr
    assert not _extension_compile_lines(lines), lines
