"""Build the C/OpenMP kernels and their Cython bindings.

Every ``src/softmax_ext/_NAME.pyx`` becomes an extension module compiled
together with its C kernels ``csrc/smx_NAME.c`` when there is such a file
(``_cholesky.pyx`` has none: it calls scipy's BLAS/LAPACK only).  The compiler is probed for OpenMP: without it
the build goes on single-threaded with a warning, unless the environment sets
``SOFTMAX_EXT_FAIL_NO_OPENMP=1`` (as CI does), which makes that an error.
"""

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


def compiler_has_openmp(compiler, flag):
    """Compile, link and run a tiny OpenMP program with ``flag``."""
    tmp = tempfile.mkdtemp()
    try:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write(OPENMP_PROBE)
        objs = compiler.compile([src], output_dir=tmp, extra_postargs=[flag])
        exe = os.path.join(tmp, "probe")
        compiler.link_executable(objs, exe, extra_postargs=[flag])
        subprocess.run([exe], check=True, capture_output=True)
        return True
    except Exception:  # any failure of the probe means "no usable OpenMP"
        return False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class BuildExt(build_ext):
    """build_ext that adds OpenMP flags when the compiler supports them."""

    def build_extensions(self):
        flag = "/openmp" if self.compiler.compiler_type == "msvc" else "-fopenmp"
        if compiler_has_openmp(self.compiler, flag):
            for ext in self.extensions:
                ext.extra_compile_args.append(flag)
                ext.extra_link_args.append(flag)
        else:
            message = (
                "softmax-ext: the C compiler does not support OpenMP; building "
                "single-threaded kernels."
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
    for pyx in sorted(glob(os.path.join("src", "softmax_ext", "_*.pyx"))):
        name = os.path.splitext(os.path.basename(pyx))[0]
        own = os.path.join(CSRC, f"smx{name}.c")
        exts.append(
            Extension(
                f"softmax_ext.{name}",
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


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
