"""Shared test settings and helpers."""

import os

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("default", deadline=None, max_examples=60)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

DTYPES = [np.float32, np.float64]


def tolerance(dtype, factor=32):
    """Relative tolerance for a kernel result against a float64 oracle.

    ``factor`` ulps of the result dtype: the kernels round once per
    elementary operation (shift, exp to ~1 ulp, sum in double, scale), so a
    few tens of ulps bound the difference; float32 results are compared with
    the float64 oracle evaluated on the same float32 inputs, so the bound is
    in float32 ulps (about 1.2e-7 each), which is why it is much looser.
    """
    return factor * np.finfo(dtype).eps


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
