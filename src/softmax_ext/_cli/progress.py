"""Progress lines of the command line's commands, and ``fit --progress``'s per-iteration lines."""

import sys
import time

__all__ = ["Progress", "IterationLines"]


class Progress:
    """Progress lines on a stream (stderr by default), with elapsed seconds.

    Parameters
    ----------
    stream : file-like, optional
        Where to write; None means ``sys.stderr`` at call time.
    quiet : bool, default False
        Print nothing.
    """

    def __init__(self, stream=None, quiet=False):
        self.stream = stream
        self.quiet = quiet
        self.start = time.perf_counter()

    def __call__(self, message):
        if self.quiet:
            return
        stream = self.stream if self.stream is not None else sys.stderr
        print(f"[{time.perf_counter() - self.start:7.1f}s] {message}", file=stream, flush=True)


class IterationLines:
    """A scikit-learn 1.9 fit callback (``set_callbacks``): one progress line per iteration.

    The lines come from the callback protocol's events, the ones every user
    callback sees and the events the verbose table is printed from
    (``solvers/_events.py``): the estimator begins iteration subtask ``i``
    from the coefficients after ``i`` iterations
    (``linear_model/_callbacks.py``), so each begun subtask ``i >= 1`` is
    "iteration i done", and the fit's lines count its iterations.  (A fit
    of no iteration, its start already optimal, shows one line: the protocol
    counts one iteration task there, as scikit-learn's lbfgs does.)

    Always plain lines, never ``sklearn.callback.ProgressBar``, even where
    ``rich`` is installed: the command's stderr is often a log file or a
    pipe, where a live bar's redraws are control sequences, while a line per
    iteration can be read, grepped and tested there; the bar also needs a
    display thread and a socket listener per fit, and an optional
    dependency.  In a notebook, ``set_callbacks(ProgressBar())`` on the
    estimator gives the bar from the same events.

    Parameters
    ----------
    progress : Progress
        Where the lines go (with the elapsed seconds).
    max_iter : int
        The fit's ``max_iter``, shown as the bound.
    """

    def __init__(self, progress, max_iter):
        self.progress = progress
        self.max_iter = int(max_iter)

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        # no keyword parameters: the hooks then build no fitted_estimator copy
        if context.task_name == "iter" and context.task_id >= 1:
            self.progress(f"iteration {context.task_id}/{self.max_iter}")

    def on_fit_task_end(self, estimator, context):
        return False
