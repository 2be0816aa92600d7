"""The benchmark matrix behind ``softmax-ext bench``: its sizes and its run.

Every measurement is a record (:mod:`softmax_ext.bench.records`); the
sections that make them are in :mod:`softmax_ext.bench.sections`.
"""

from .. import effective_n_threads
from . import sections

__all__ = ["BenchConfig", "SECTIONS", "run_matrix"]

SECTIONS = {
    "kernels": sections.bench_kernels,
    "objective": sections.bench_objective,
    "fit": sections.bench_fits,
    "scaling_n": sections.bench_scaling_n,
    "scaling_K": sections.bench_scaling_K,
    "threads": sections.bench_threads,
    "convergence": sections.bench_convergence,
}


class BenchConfig:
    """Sizes and repeats of one benchmark run.

    Parameters
    ----------
    mode : {"quick", "full"}
    threads : int or None
        Threads for our kernels (None: all usable cores); the thread scaling
        runs 1 .. threads.
    n : int, optional
        Training rows of the generated fit / objective / thread cases.
    d : int, optional
        Features of the generated problems.
    sizes : list of int, optional
        Training rows of the scaling-in-n fits.
    classes : list of int, optional
        Class counts of the scaling-in-K fits.
    repeats : int, optional
        Timed runs per measurement (medians are reported).
    C, tol : float
        Same for both libraries.
    sections : list of str, optional
        Names from ``SECTIONS``; None runs them all.
    digits : bool, default True
        Include scikit-learn's digits next to the generated problems.

    Raises
    ------
    ValueError
        An unknown mode or section name.
    """

    PRESETS = {
        "quick": dict(n=20_000, d=100, K=10, sizes=[5_000, 20_000, 80_000],
                      classes=[3, 10, 30], K_n=10_000, K_d=50, kernel_n=200_000,
                      conv_n=20_000, repeats=3, kernel_repeats=5, max_iter=1000,
                      conv_max_iter=128, sklearn_newton_cholesky_max_n=5_000),
        "full": dict(n=100_000, d=100, K=10, sizes=[10_000, 30_000, 100_000, 300_000, 1_000_000],
                     classes=[3, 5, 10, 20, 50], K_n=50_000, K_d=100, kernel_n=1_000_000,
                     conv_n=100_000, repeats=5, kernel_repeats=7, max_iter=2000,
                     conv_max_iter=1024, sklearn_newton_cholesky_max_n=100_000),
    }

    def __init__(self, mode="quick", *, threads=None, n=None, d=None, sizes=None, classes=None,
                 repeats=None, C=1.0, tol=1e-6, sections=None, digits=True):
        if mode not in self.PRESETS:
            raise ValueError(f"mode must be one of {sorted(self.PRESETS)}, got {mode!r}.")
        self.mode = mode
        settings = dict(self.PRESETS[mode])
        if n is not None:
            settings.update(n=n, conv_n=n, K_n=n, kernel_n=max(n, 1000))
        if d is not None:
            settings.update(d=d, K_d=d)
        if sizes is not None:
            settings["sizes"] = list(sizes)
        if classes is not None:
            settings["classes"] = list(classes)
        if repeats is not None:
            settings.update(repeats=repeats, kernel_repeats=repeats)
        self.threads = effective_n_threads(threads)
        # fits run with the estimator's own thread policy (what users get:
        # small problems on one thread) unless --threads names a count
        self.fit_threads = None if threads is None else self.threads
        self.C, self.tol = float(C), float(tol)
        self.digits = bool(digits)
        self.sections = list(sections) if sections else list(SECTIONS)
        unknown = set(self.sections) - set(SECTIONS)
        if unknown:
            raise ValueError(f"unknown benchmark sections {sorted(unknown)}; "
                             f"choose from {list(SECTIONS)}.")
        self.__dict__.update(settings)

    def as_dict(self):
        """The settings as a plain dict (for ``results.json`` and the report)."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}


def _silent(message):
    """A progress callable that prints nothing."""


def run_matrix(cfg, progress=None):
    """Run every section of ``cfg.sections``; return the list of records.

    Parameters
    ----------
    cfg : BenchConfig
    progress : callable, optional
        Called with one line of text per step; None prints nothing.
    """
    progress = progress or _silent
    records = []
    for name in cfg.sections:
        progress(f"section {name}")
        records += SECTIONS[name](cfg, progress)
    progress(f"done: {len(records)} measurements")
    return records
