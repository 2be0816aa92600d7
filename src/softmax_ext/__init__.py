"""softmax-ext: fast, exact softmax (multinomial logistic) regression on the CPU.

C/OpenMP kernels bound with Cython under a scikit-learn compatible API.
"""

from ._ext.softmax import openmp_enabled
from ._threads import effective_n_threads
from .linear_model import SoftmaxRegression, SoftmaxRegressionCV, l1_min_c, softmax_path
from .inference import InferenceResult, InferenceWarning, multinomial_inference
from .objective import FixedClassLoss, MultinomialLoss
from .solvers import SolverResult, solve
from .special import cross_entropy, log_softmax, logsumexp, softmax

from ._version import __version__

__all__ = [
    "SoftmaxRegression",
    "SoftmaxRegressionCV",
    "softmax_path",
    "l1_min_c",
    "solve",
    "SolverResult",
    "InferenceResult",
    "InferenceWarning",
    "multinomial_inference",
    "openmp_enabled",
    "effective_n_threads",
    "softmax",
    "log_softmax",
    "logsumexp",
    "cross_entropy",
    "MultinomialLoss",
    "FixedClassLoss",
]
