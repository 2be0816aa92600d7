"""Fail unless a wheel holds what users need and nothing of the build.

Usage: ``python tools/check_wheel.py dist/softmax_ext-*.whl``.

Required: the package's modules, one compiled module per ``_ext/*.pyx`` of
the source tree this script sits in (so a new extension is required as soon
as its .pyx exists), the
``.pyi`` stub of each, ``py.typed`` and the licence.  Refused: tests,
Cython/C sources (``.pyx``, ``.pxd``, ``.c``, ``.h``), object files, and
``__pycache__``.
"""

import sys
import zipfile
from pathlib import Path, PurePosixPath

EXT_SOURCES = Path(__file__).resolve().parents[1] / "src" / "softmax_ext" / "_ext"
EXTENSIONS = tuple(sorted(p.stem for p in EXT_SOURCES.glob("*.pyx")))
FORBIDDEN_SUFFIXES = (".pyx", ".pxd", ".c", ".h", ".o", ".pyc")


def problems(names, extensions=EXTENSIONS):
    """The list of what is wrong with a wheel whose members are ``names``."""
    if not extensions:
        raise RuntimeError(f"no .pyx files under {EXT_SOURCES}: run from the source tree")
    found = []
    paths = [PurePosixPath(n) for n in names]
    for ext in extensions:
        if not any(p.parent.as_posix() == "softmax_ext/_ext" and p.name.startswith(ext + ".")
                   and p.suffix in (".so", ".pyd") for p in paths):
            found.append(f"no compiled module softmax_ext/_ext/{ext}")
        if f"softmax_ext/_ext/{ext}.pyi" not in names:
            found.append(f"no stub softmax_ext/_ext/{ext}.pyi")
    if "softmax_ext/py.typed" not in names:
        found.append("no softmax_ext/py.typed")
    if not any(p.name == "LICENSE" and ".dist-info" in p.as_posix() for p in paths):
        found.append("no LICENSE in the .dist-info")
    for p in paths:
        if p.parts[0] in ("tests", "test") or "tests" in p.parts:
            found.append(f"test file shipped: {p}")
        elif p.suffix in FORBIDDEN_SUFFIXES or "__pycache__" in p.parts:
            found.append(f"build leftover shipped: {p}")
    return found


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: check_wheel.py WHEEL")
    with zipfile.ZipFile(argv[1]) as whl:
        names = whl.namelist()
    found = problems(names)
    for line in found:
        print("check_wheel:", line)
    if found:
        sys.exit(1)
    print(f"check_wheel: {argv[1]} ok ({len(names)} files)")


if __name__ == "__main__":
    main(sys.argv)
