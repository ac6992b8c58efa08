"""Reductions over dim (None, int or tuple, negatives) with keepdim, softmax and log_softmax, argmax/argmin.

Forward against NumPy, gradcheck and gradgradcheck; then softmax sums to 1
and is shift-invariant, logsumexp is stable at +-1e4, max/min split tied gradients.
"""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.functional as F
from minigrad.testing import strategies as mst
from op_checks import Case, assert_forward, assert_gradients, ids


def axis(x, dim):
    """minigrad's dim as a NumPy axis (a 0-d tensor accepts dim 0 or -1, NumPy wants None)."""
    return None if x.ndim == 0 else dim


def reduced_count(shape, dim):
    dims = range(len(shape)) if dim is None else (dim,) if isinstance(dim, int) else dim
    return int(np.prod([shape[d] for d in dims])) if shape else 1


@st.composite
def reduction_inputs(draw, values="real", min_count=1, allow_tuple=True):
    """An array, a dim for it and keepdim; ``values="distinct"`` rules out ties."""
    shape = draw(mst.shapes())
    dim = draw(mst.dims(shape, allow_tuple=allow_tuple))
    assume(reduced_count(shape, dim) >= min_count)
    x = draw(mst.distinct_arrays(shape))[0] if values == "distinct" else draw(mst.float_arrays(shape, values))
    return x, dim, draw(st.booleans())


def np_logsumexp(x, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


def np_softmax(x, axis):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


REDUCTIONS = [  # name, minigrad (x, dim, keepdim), NumPy (x, axis, keepdims), inputs
    ("sum", mg.sum, np.sum, reduction_inputs()),
    ("mean", mg.mean, np.mean, reduction_inputs()),
    ("var", mg.var, lambda x, axis, keepdims: np.var(x, axis=axis, keepdims=keepdims, ddof=1),
     reduction_inputs(min_count=2)),
    ("var_biased", lambda x, d, k: x.var(d, k, unbiased=False), np.var, reduction_inputs()),
    ("std", mg.std, lambda x, axis, keepdims: np.std(x, axis=axis, keepdims=keepdims, ddof=1),
     reduction_inputs("distinct", min_count=2)),
    ("std_biased", lambda x, d, k: x.std(d, k, unbiased=False), np.std, reduction_inputs("distinct", min_count=2)),
    ("max", mg.max, np.max, reduction_inputs("distinct")),
    ("min", mg.min, np.min, reduction_inputs("distinct")),
    ("logsumexp", mg.logsumexp, np_logsumexp, reduction_inputs()),
    ("softmax", lambda x, d, k: mg.softmax(x, d), lambda x, axis, keepdims: np_softmax(x, axis),
     reduction_inputs(allow_tuple=False)),
    ("log_softmax", lambda x, d, k: F.log_softmax(x, d), lambda x, axis, keepdims: np.log(np_softmax(x, axis)),
     reduction_inputs(allow_tuple=False)),
]
CASES = [Case(*row) for row in REDUCTIONS]


def bind(case, x, dim, keepdim):
    """The case as (tensor -> tensor, array -> array) for one drawn dim and keepdim."""
    return lambda t: case.fn(t, dim, keepdim), lambda a: case.reference(a, axis(a, dim), keepdims=keepdim)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
@given(data=st.data(), dtype=st.sampled_from([np.float64, np.float32]))
def test_forward(case, device, data, dtype):
    """Values and shapes match NumPy for every dim/keepdim, in float64 and float32."""
    x, dim, keepdim = data.draw(case.inputs)
    assert_forward(*bind(case, x, dim, keepdim), (x,), device, dtype)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
@given(data=st.data())
def test_gradients(case, device, data):
    """First and second derivatives match central differences; backward is clean."""
    x, dim, keepdim = data.draw(case.inputs)
    assert_gradients(bind(case, x, dim, keepdim)[0], (x,), device)


@given(data=st.data(), shift=st.floats(-1e4, 1e4))
def test_softmax_sums_to_one_and_is_shift_invariant(device, data, shift):
    """softmax(x) sums to 1 over dim, equals softmax(x + c), and exp(log_softmax) == softmax, even at |x| ~ 1e4."""
    shape = data.draw(mst.shapes())
    t = data.draw(mst.tensors(shape, "wide", device=device, requires_grad=False))
    dim = data.draw(mst.dims(shape, allow_none=False, allow_tuple=False))
    x = t.numpy()
    probs = mg.softmax(t, dim).numpy()
    assert np.all(np.isfinite(probs)) and np.all(probs >= 0)
    np.testing.assert_allclose(probs.sum(axis=axis(x, dim)), 1.0, rtol=1e-12)
    shifted = mg.softmax(mg.tensor(x + shift, device=device), dim).numpy()
    np.testing.assert_allclose(shifted, probs, atol=1e-9)
    log_probs = F.log_softmax(t, dim).numpy()
    np.testing.assert_allclose(np.exp(log_probs), probs, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("sign", [1.0, -1.0])
@given(inputs=reduction_inputs("real"))
def test_logsumexp_stable_at_large_magnitudes(sign, device, inputs):
    """logsumexp(x + c) == logsumexp(x) + c for c = +-1e4, and its gradient (softmax) stays finite."""
    x, dim, keepdim = inputs
    t = mg.tensor(x + sign * 1e4, device=device, requires_grad=True)
    out = mg.logsumexp(t, dim, keepdim)
    out.backward(mg.ones_like(out))
    expected = np_logsumexp(x, axis(x, dim), keepdim) + sign * 1e4
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-13)
    np.testing.assert_allclose(t.grad.numpy(), np_softmax(x, axis(x, dim)), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("reduce", [mg.max, mg.min], ids=["max", "min"])
@given(data=st.data())
def test_extremum_ties_share_the_gradient(reduce, device, data):
    """Tied extremes share the gradient equally: each gets 1 / (number of ties) of it."""
    shape = data.draw(mst.shapes(min_dims=1))
    x = data.draw(hnp.arrays(np.float64, shape, elements=st.integers(-1, 1).map(float)))
    dim = data.draw(mst.dims(shape))
    t = mg.tensor(x, device=device, requires_grad=True)
    reduce(t, dim).sum().backward()
    extreme = (np.max if reduce is mg.max else np.min)(x, axis=dim, keepdims=True)
    hits = x == extreme
    np.testing.assert_allclose(t.grad.numpy(), hits / hits.sum(axis=dim, keepdims=True), rtol=1e-12)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@given(data=st.data())
def test_argmax_argmin_match_numpy_without_gradient(name, device, data):
    """Indices (first of ties) as int64 tensors, never part of a graph; dim None gives a flat index."""
    shape = data.draw(mst.shapes())
    x = data.draw(hnp.arrays(np.float64, shape, elements=st.integers(-2, 2).map(float)))
    dim = data.draw(mst.dims(shape, allow_tuple=False))
    keepdim = data.draw(st.booleans())
    t = mg.tensor(x, device=device, requires_grad=True)
    result = getattr(t, name)(dim, keepdim)
    assert result.dtype == np.int64 and not result.requires_grad and result.grad_fn is None
    np.testing.assert_array_equal(result.numpy(), getattr(np, name)(x, axis=axis(x, dim), keepdims=keepdim))
