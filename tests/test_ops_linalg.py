"""matmul / @: batched, broadcast batch dims and 1-D operands, against NumPy, to second order."""
import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
import minigrad.functional as F
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


# ----------------------------------------------------------------------- linear
@st.composite
def linear_operands(draw):
    """x (..., k) with 0-2 leading dims, weight (m, k), and no bias, a bias (m,) or a broadcast one (1, m)."""
    k, m = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    lead = draw(mst.shapes(max_dims=2, max_side=3))
    arrays = [draw(mst.float_arrays(lead + (k,))), draw(mst.float_arrays((m, k)))]
    bias_shape = draw(st.sampled_from([None, (m,), (1, m)]))
    return tuple(arrays) if bias_shape is None else (*arrays, draw(mst.float_arrays(bias_shape)))


def linear_reference(x, weight, bias=None):
    return x @ weight.T + (0 if bias is None else bias)


@given(arrays=linear_operands(), dtype=st.sampled_from([np.float64, np.float32]))
def test_linear_forward(device, arrays, dtype):
    """F.linear matches x @ W^T + b, for the one-node path (2-D x, 1-D bias) and the composite one."""
    assert_forward(F.linear, linear_reference, arrays, device, dtype)


@given(arrays=linear_operands())
def test_linear_gradients(device, arrays):
    """First and second derivatives of F.linear (both paths) match central differences."""
    assert_gradients(F.linear, arrays, device)


def composite_linear(x, weight, bias=None):
    y = mg.matmul(x, weight.T)
    return y if bias is None else y + bias


@given(data=st.data(), batch=st.integers(1, 4), k=st.integers(1, 3), m=st.integers(1, 3), bias=st.booleans())
def test_linear_node_matches_the_composite_to_second_order(device, data, batch, k, m, bias):
    """The Linear node (2-D x) gives the composite's output, gradients and gradients of a gradient norm."""
    shapes = [(batch, k), (m, k)] + ([(m,)] if bias else [])
    arrays = [data.draw(mst.float_arrays(shape)) for shape in shapes]
    cotangent = np.random.default_rng(1).standard_normal((batch, m))
    results = []
    for fn in (F.linear, composite_linear):
        tensors = [mg.tensor(a, device=device, requires_grad=True) for a in arrays]
        out = fn(*tensors)
        grads = mg.grad((out * mg.tensor(cotangent, device=device)).sum(), tensors, create_graph=True)
        sum(((g * g).sum() for g in grads), mg.tensor(0.0, dtype=mg.float64, device=device)).backward()
        # the bias has no second-order gradient (no gradient depends on it): None on both paths
        second = [None if t.grad is None else t.grad.numpy() for t in tensors]
        results.append([out.numpy()] + [g.numpy() for g in grads] + second)
        if fn is F.linear:
            assert type(out.grad_fn).__name__ == "Linear"
    for fused, composite in zip(*results):
        assert (fused is None) == (composite is None)
        if fused is not None:
            np.testing.assert_allclose(fused, composite, rtol=1e-12, atol=1e-12)
