"""matmul / @: batched, broadcast batch dims and 1-D operands, against NumPy, to second order."""
import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import strategies as mst
from op_checks import assert_forward, assert_gradients, sum_to


@st.composite
def matmul_operands(draw):
    """a (..., n, k) or (k,), b (..., k, m) or (k,), with batch dims that broadcast together."""
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    batch_a, batch_b = draw(mst.broadcastable_shapes(2, max_dims=2, max_side=2))
    a_shape = (k,) if draw(st.booleans()) else batch_a + (n, k)
    b_shape = (k,) if draw(st.booleans()) else batch_b + (k, m)
    return draw(mst.float_arrays(a_shape)), draw(mst.float_arrays(b_shape))


MATMULS = [mg.matmul, operator.matmul]


@pytest.mark.parametrize("fn", MATMULS, ids=["matmul", "@"])
@given(arrays=matmul_operands(), dtype=st.sampled_from([np.float64, np.float32]))
def test_forward(fn, device, arrays, dtype):
    """Shapes and values match np.matmul, 1-D operands included, in float64 and float32."""
    assert_forward(fn, np.matmul, arrays, device, dtype)


@given(arrays=matmul_operands())
def test_gradients(device, arrays):
    """First and second derivatives match central differences; batch gradients sum back to each shape."""
    assert_gradients(mg.matmul, arrays, device)


@given(arrays=matmul_operands())
def test_gradient_formula(device, arrays):
    """For 2-D operands, d<G, AB>/dA = G B^T and d<G, AB>/dB = A^T G (summed over broadcast batches)."""
    a, b = (np.atleast_2d(x) for x in arrays)
    b = b if arrays[1].ndim > 1 else b.T  # a 1-D b is a column
    ta, tb = (mg.tensor(x, device=device, requires_grad=True) for x in (a, b))
    out = ta @ tb
    g = np.random.default_rng(2).standard_normal(out.shape)
    out.backward(mg.tensor(g, device=device))
    grad_a, grad_b = g @ np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2) @ g
    for tensor, full in ((ta, grad_a), (tb, grad_b)):
        np.testing.assert_allclose(tensor.grad.numpy(), sum_to(full, tensor.shape), rtol=1e-12, atol=1e-12)
