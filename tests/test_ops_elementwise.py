"""Elementwise ops: forward against NumPy, gradcheck and gradgradcheck over broadcast shapes.

One table of cases, two property tests over it; then the properties a table
cannot express (broadcast gradients, comparisons without gradient).
"""
import math
import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.testing import strategies as mst
from op_checks import Case, assert_forward, assert_gradients, ids, sum_to


def unary(domain="real"):
    """One array of a small random shape from ``domain``."""
    return mst.shapes().flatmap(lambda shape: st.tuples(mst.float_arrays(shape, domain)))


def binary(domain_a="real", domain_b="real"):
    """Two arrays of mutually broadcastable shapes."""
    return mst.broadcastable_shapes(2).flatmap(
        lambda s: st.tuples(mst.float_arrays(s[0], domain_a), mst.float_arrays(s[1], domain_b))
    )


def distinct(count):
    """``count`` broadcastable arrays with no ties between any of their values."""
    return mst.broadcastable_shapes(count).flatmap(lambda shapes: mst.distinct_arrays(*shapes))


def condition_and_pair():
    """A bool condition and two float arrays, all three broadcastable."""
    return mst.broadcastable_shapes(3).flatmap(
        lambda s: st.tuples(hnp.arrays(bool, s[0]), mst.float_arrays(s[1]), mst.float_arrays(s[2]))
    )


# Clamp bounds sit halfway between grid points of distinct_arrays: never within 1/64 of a value.
LOW, HIGH = -1 + 0.5 / mst.GRID, 1 + 0.5 / mst.GRID
erf = np.vectorize(math.erf, otypes=[np.float64])

CASES = [
    Case("add", operator.add, np.add, binary()),
    Case("sub", operator.sub, np.subtract, binary()),
    Case("mul", operator.mul, np.multiply, binary()),
    Case("div", operator.truediv, np.divide, binary("real", "nonzero")),
    Case("pow", operator.pow, np.power, binary("positive", "real")),
    Case("neg", operator.neg, np.negative, unary()),
    Case("scalar_add_sub_mul", lambda x: 1.5 - (0.5 + x) * 2.0, lambda x: 1.5 - (0.5 + x) * 2.0, unary()),
    Case("scalar_div", lambda x: 2.0 / x + x / 4.0, lambda x: 2.0 / x + x / 4.0, unary("nonzero")),
    Case("scalar_rpow", lambda x: 2.0**x, lambda x: 2.0**x, unary()),
    Case("pow_int", lambda x: x**3, lambda x: x**3, unary()),
    Case("pow_negative", lambda x: x**-2, lambda x: 1 / (x * x), unary("nonzero")),
    Case("pow_fraction", lambda x: x**1.5, lambda x: x * np.sqrt(x), unary("positive")),
    Case("pow_zero", lambda x: x**0, np.ones_like, unary()),
    Case("exp", mg.exp, np.exp, unary()),
    Case("log", mg.log, np.log, unary("positive")),
    Case("log1p", mg.log1p, np.log1p, unary("above_minus_one")),
    Case("sqrt", mg.sqrt, np.sqrt, unary("positive")),
    Case("abs", mg.abs, np.abs, unary("nonzero")),
    Case("sin", mg.sin, np.sin, unary()),
    Case("cos", mg.cos, np.cos, unary()),
    Case("tanh", mg.tanh, np.tanh, unary()),
    Case("sigmoid", mg.sigmoid, lambda x: 1 / (1 + np.exp(-x)), unary()),
    Case("erf", mg.erf, erf, unary()),
    Case("maximum", mg.maximum, np.maximum, distinct(2)),
    Case("minimum", mg.minimum, np.minimum, distinct(2)),
    Case("clamp_min", lambda x: mg.clamp(x, min=LOW), lambda x: np.maximum(x, LOW), distinct(1)),
    Case("clamp_max", lambda x: x.clamp(max=HIGH), lambda x: np.minimum(x, HIGH), distinct(1)),
    Case("clamp", lambda x: mg.clamp(x, LOW, HIGH), lambda x: np.clip(x, LOW, HIGH), distinct(1)),
    Case("where", mg.where, np.where, condition_and_pair()),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
@given(data=st.data(), dtype=st.sampled_from([np.float64, np.float32]))
def test_forward(case, device, data, dtype):
    """Values match NumPy in float64 and float32, and keep the input dtype."""
    assert_forward(case.fn, case.reference, data.draw(case.inputs), device, dtype)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
@given(data=st.data())
def test_gradients(case, device, data):
    """First and second derivatives match central differences; backward is clean."""
    assert_gradients(case.fn, data.draw(case.inputs), device)


BROADCAST_GRADIENTS = [
    (operator.add, lambda g, a, b: (g, g)),
    (operator.sub, lambda g, a, b: (g, -g)),
    (operator.mul, lambda g, a, b: (g * b, g * a)),
    (operator.truediv, lambda g, a, b: (g / b, -g * a / (b * b))),
]


@pytest.mark.parametrize("op, partials", BROADCAST_GRADIENTS, ids=["add", "sub", "mul", "div"])
@given(arrays=binary("nonzero", "nonzero"))
def test_broadcast_gradients_sum_to_input_shapes(op, partials, device, arrays):
    """The gradient of a broadcast operand is the output gradient summed over the broadcast axes."""
    a, b = (mg.tensor(x, device=device, requires_grad=True) for x in arrays)
    out = op(a, b)
    g = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(mg.tensor(g, device=device))
    full_a, full_b = np.broadcast_arrays(*arrays)
    for tensor, partial in zip((a, b), partials(g, full_a, full_b)):
        np.testing.assert_allclose(tensor.grad.numpy(), sum_to(partial, tensor.shape), rtol=1e-12, atol=1e-12)


COMPARISONS = [
    (operator.eq, np.equal), (operator.ne, np.not_equal), (operator.lt, np.less),
    (operator.le, np.less_equal), (operator.gt, np.greater), (operator.ge, np.greater_equal),
]
small_ints = st.integers(-2, 2).map(float)  # ties are common, so == and <= are exercised


@pytest.mark.parametrize("op, reference", COMPARISONS, ids=[op.__name__ for op, _ in COMPARISONS])
@given(shapes=mst.broadcastable_shapes(2), data=st.data(), scalar=small_ints)
def test_comparisons_return_bool_without_gradient(op, reference, device, shapes, data, scalar):
    """Tensor-tensor and tensor-scalar comparisons (either side) give NumPy's bools and no graph."""
    a, b = (data.draw(hnp.arrays(np.float64, shape, elements=small_ints)) for shape in shapes)
    ta, tb = mg.tensor(a, device=device, requires_grad=True), mg.tensor(b, device=device)
    for result, expected in [
        (op(ta, tb), reference(a, b)), (op(ta, scalar), reference(a, scalar)), (op(scalar, ta), reference(scalar, a)),
    ]:
        assert result.dtype == np.bool_ and not result.requires_grad and result.grad_fn is None
        np.testing.assert_array_equal(result.numpy(), expected)


@given(shapes=mst.broadcastable_shapes(2), data=st.data())
def test_logical_ops_and_sign(device, shapes, data):
    """&, |, ~ on bool tensors and sign() match NumPy and carry no gradient."""
    p, q = (data.draw(hnp.arrays(bool, shape)) for shape in shapes)
    tp, tq = mg.tensor(p, device=device), mg.tensor(q, device=device)
    np.testing.assert_array_equal((tp & tq).numpy(), p & q)
    np.testing.assert_array_equal((tp | tq).numpy(), p | q)
    np.testing.assert_array_equal((~tp).numpy(), ~p)
    x = data.draw(hnp.arrays(np.float64, shapes[0], elements=small_ints))
    signs = mg.sign(mg.tensor(x, device=device, requires_grad=True))
    assert not signs.requires_grad
    np.testing.assert_array_equal(signs.numpy(), np.sign(x))
