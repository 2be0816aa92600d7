"""tools/check_wheel.py, which `make wheel` runs on the repaired wheel: it must
refuse each kind of bad wheel, and accept a good one."""

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "check_wheel.py"
pytestmark = pytest.mark.skipif(not TOOL.is_file(), reason="tools/ is in the source tree "
                                "only, not in an installed package")


@pytest.fixture(scope="module")
def check_wheel():
    spec = importlib.util.spec_from_file_location("check_wheel", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def good_names(check_wheel):
    names = ["softmax_ext/__init__.py", "softmax_ext/py.typed",
             "softmax_ext-0.1.0.dist-info/licenses/LICENSE",
             "softmax_ext-0.1.0.dist-info/METADATA"]
    for ext in check_wheel.EXTENSIONS:
        names += [f"softmax_ext/_ext/{ext}.cpython-311-x86_64-linux-gnu.so",
                  f"softmax_ext/_ext/{ext}.pyi"]
    return names


def test_extensions_come_from_the_source_tree(check_wheel):
    pyx = sorted(p.stem for p in (TOOL.parents[1] / "src/softmax_ext/_ext").glob("*.pyx"))
    assert list(check_wheel.EXTENSIONS) == pyx and "binary" in pyx and "lossgrad" in pyx


def test_a_good_wheel_passes(check_wheel):
    assert check_wheel.problems(good_names(check_wheel)) == []


@pytest.mark.parametrize("change, expected", [
    (lambda n: [x for x in n if not x.startswith("softmax_ext/_ext/binary.cpython")],
     "no compiled module softmax_ext/_ext/binary"),
    (lambda n: [x for x in n if x != "softmax_ext/_ext/lossgrad.pyi"],
     "no stub softmax_ext/_ext/lossgrad.pyi"),
    (lambda n: [x for x in n if x != "softmax_ext/py.typed"], "no softmax_ext/py.typed"),
    (lambda n: [x for x in n if not x.endswith("LICENSE")], "no LICENSE"),
    (lambda n: n + ["tests/test_x.py"], "test file shipped"),
    (lambda n: n + ["softmax_ext/_ext/lossgrad.pyx"], "build leftover shipped"),
    (lambda n: n + ["softmax_ext/_ext/lossgrad.c"], "build leftover shipped"),
    (lambda n: n + ["softmax_ext/__pycache__/x.cpython-311.pyc"], "build leftover shipped"),
])
def test_each_kind_of_bad_wheel_is_named(check_wheel, change, expected):
    found = check_wheel.problems(change(good_names(check_wheel)))
    assert len(found) == 1 and found[0].startswith(expected), found


def test_command_exit_status(check_wheel, tmp_path):
    good, bad = tmp_path / "good.whl", tmp_path / "bad.whl"
    for path, names in ((good, good_names(check_wheel)),
                        (bad, good_names(check_wheel) + ["tests/conftest.py"])):
        with zipfile.ZipFile(path, "w") as zf:
            for name in names:
                zf.writestr(name, "")
    ok = subprocess.run([sys.executable, str(TOOL), str(good)], capture_output=True, text=True)
    assert ok.returncode == 0 and "ok" in ok.stdout
    fail = subprocess.run([sys.executable, str(TOOL), str(bad)], capture_output=True, text=True)
    assert fail.returncode == 1 and "test file shipped: tests/conftest.py" in fail.stdout
