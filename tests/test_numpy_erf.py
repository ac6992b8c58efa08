"""The NumPy backend's erf (Cody's rational approximations) against the standard library's math.erf."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from minigrad.backend.numpy_erf import erf

exact_erf = np.vectorize(math.erf, otypes=[np.float64])
# Each of Cody's three ranges, both signs, their boundaries, and the saturated tail.
EDGES = [0.0, 1e-300, 5e-324, 0.46875, np.nextafter(0.46875, 1), 4.0, np.nextafter(4.0, 5), 6.0, 9.0, 27.0, 40.0]


@settings(deadline=None)
@given(st.lists(st.floats(-12, 12, allow_nan=False), min_size=1, max_size=200))
def test_float64_erf_matches_math_erf_to_a_rounding(values):
    x = np.array(values + EDGES + [-v for v in EDGES])
    np.testing.assert_allclose(erf(x), exact_erf(x), rtol=1e-15, atol=4e-16)


def test_every_range_is_exercised_densely_in_float64():
    x = np.linspace(-10, 10, 200_001)
    assert np.abs(erf(x) - exact_erf(x)).max() <= 4e-16


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_lower_precisions_are_computed_in_float32_within_a_few_ulps(dtype):
    x = np.linspace(-10, 10, 20_001).astype(dtype)
    result = erf(x)
    assert result.dtype == np.float32
    assert np.abs(result - exact_erf(x.astype(np.float64))).max() <= 3 * np.finfo(np.float32).eps


def test_infinities_and_nan():
    result = erf(np.array([np.inf, -np.inf, np.nan, -0.0]))
    assert result[0] == 1.0 and result[1] == -1.0 and np.isnan(result[2])
    assert result[3] == 0.0 and math.copysign(1, result[3]) == -1  # erf is odd, signed zero included


def test_shape_is_kept():
    x = np.random.default_rng(0).standard_normal((3, 4, 5))
    assert erf(x).shape == (3, 4, 5)
