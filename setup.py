"""Build the C/OpenMP kernels and their Cython bindings.

Every ``src/softmax_ext/_ext/NAME.pyx`` becomes the extension module
``softmax_ext._ext.NAME``, compiled together with its C kernels
``csrc/smx_NAME.c`` when there is such a file (``cholesky.pyx`` has none: it
calls scipy's BLAS/LAPACK only).  The compiler is probed for OpenMP: without it
the build goes on single-threaded with a warning, unless the environment sets
``SOFTMAX_EXT_FAIL_NO_OPENMP=1`` (as CI does), which makes that an error.

The probe uses the compiler and flags the extensions get: setuptools'
``build_ext`` compiler after ``configure_system`` (``customize_compiler``),
which reads CC, CFLAGS, CPPFLAGS, LDSHARED and LDFLAGS from the environment.
A sanitizer build (``make sanitize``) thus keeps OpenMP.
"""

import copy
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import warnings
from glob import glob

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
CSRC = "csrc"

OPENMP_PROBE = textwrap.dedent(
    """
    #include <omp.h>
    int main(void) {
        int n = 0;
        #pragma omp parallel reduction(+:n)
        n += omp_get_num_threads() > 0;
        return n > 0 ? 0 : 1;
    }
    """
)


# Switches of the extensions' link command that make a shared library
# rather than an executable (GNU/ELF, macOS); the probe drops them.
SHARED_LIBRARY_SWITCHES = ("-shared", "-bundle", "-dynamiclib")


def probe_link_command(compiler):
    """The command that links the probe program: the extensions' own.

    setuptools links an executable with ``linker_exe``, which is CC alone:
    CFLAGS and LDFLAGS reach only ``compiler_so`` and ``linker_so``
    (LDSHARED + LDFLAGS + CFLAGS + CPPFLAGS).  An object compiled with
    ``CFLAGS=-fsanitize=address`` then fails to link (undefined ``__asan_*``)
    and the probe reported "no OpenMP".  So the probe links with
    ``linker_so`` less its shared-library switches: the program, flags and
    library paths that will link the extensions.
    """
    linker = list(getattr(compiler, "linker_so", None) or [])
    if not linker:  # not a Unix-style compiler (MSVC): its own executable linker
        return None
    out = []
    skip = False
    for arg in linker:
        if skip:  # the argument of a dropped "-undefined dynamic_lookup"
            skip = False
        elif arg in SHARED_LIBRARY_SWITCHES:
            continue
        elif arg == "-undefined":  # macOS: "-undefined dynamic_lookup"
            skip = True
        else:
            out.append(arg)
    return out


def openmp_probe_failure(compiler, flag):
    """Compile, link and run a tiny OpenMP program with ``flag``.

    Returns None when that works, else a sentence saying which step failed
    and why.  The compile step uses ``compiler.compile`` (``compiler_so``:
    CC, CFLAGS, CPPFLAGS, the extensions' compile command), the link step
    :func:`probe_link_command`.
    """
    tmp = tempfile.mkdtemp()
    step = "compiling"
    try:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write(OPENMP_PROBE)
        objs = compiler.compile([src], output_dir=tmp, extra_postargs=[flag])
        step = "linking"
        exe = os.path.join(tmp, "probe")
        linker = probe_link_command(compiler)
        if linker is not None:
            compiler = copy.copy(compiler)  # leave the extensions' compiler as it is
            compiler.linker_exe = linker
        compiler.link_executable(objs, exe, extra_postargs=[flag])
        step = "running"
        proc = subprocess.run([exe], capture_output=True, text=True)
        if proc.returncode != 0:
            return (f"running the OpenMP probe {exe} exited with {proc.returncode}: "
                    f"{(proc.stderr or proc.stdout).strip()[-2000:]}")
        return None
    except Exception as exc:  # any failure of the probe means "no usable OpenMP"
        return f"{step} the OpenMP probe with {flag} failed: {exc}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class BuildExt(build_ext):
    """build_ext that adds OpenMP flags when the compiler supports them."""

    def build_extensions(self):
        flag = "/openmp" if self.compiler.compiler_type == "msvc" else "-fopenmp"
        failure = openmp_probe_failure(self.compiler, flag)
        if failure is None:
            print(f"softmax-ext: OpenMP probe passed with {flag}")
            for ext in self.extensions:
                ext.extra_compile_args.append(flag)
                ext.extra_link_args.append(flag)
        else:
            message = (
                "softmax-ext: the C compiler does not support OpenMP; building "
                f"single-threaded kernels ({failure})."
            )
            if os.environ.get("SOFTMAX_EXT_FAIL_NO_OPENMP", "0") not in ("", "0"):
                sys.exit(message + " SOFTMAX_EXT_FAIL_NO_OPENMP is set: failing.")
            warnings.warn(message)
        super().build_extensions()


def extensions():
    # -ffp-contract=fast lets the polynomial in smx_math.h use FMA (ISO C
    # mode would otherwise turn contraction off).
    compile_args = ["-O3", "-std=c99", "-ffp-contract=fast", "-Wno-unused-function"]
    if os.name == "nt":
        compile_args = ["/O2"]
    exts = []
    for pyx in sorted(glob(os.path.join("src", "softmax_ext", "_ext", "*.pyx"))):
        name = os.path.splitext(os.path.basename(pyx))[0]
        own = os.path.join(CSRC, f"smx_{name}.c")
        exts.append(
            Extension(
                f"softmax_ext._ext.{name}",
                sources=[pyx] + ([own] if os.path.exists(own) else []),
                # Headers hold the type-generic kernel bodies: a change to
                # one must rebuild.
                depends=sorted(glob(os.path.join(CSRC, "*.h"))),
                include_dirs=[CSRC, np.get_include()],
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")],
                extra_compile_args=list(compile_args),
                extra_link_args=[],
            )
        )
    return cythonize(
        exts,
        compiler_directives={
            "language_level": "3",
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
    )


# Guarded so that tests can load BuildExt and the probe without building
# (setuptools runs this file as __main__).
if __name__ == "__main__":
    setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
