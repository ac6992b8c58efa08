"""The fused primitives against the composites of Tensor ops they replaced: batch norm on batch
statistics, group norm and SiLU.

Over random shapes, with and without the affine parameters (and, for batch norm, running
statistics), float64: the same output, the same first-order gradients on both backward paths (the
NumPy one and the one in Tensor ops), the same second-order gradients, plus gradcheck and
gradgradcheck of each primitive itself.
"""
from dataclasses import dataclass

import numpy
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minigrad
import minigrad.functional as F
from minigrad import autograd, nn
from minigrad.testing import gradcheck, gradgradcheck

F64 = minigrad.float64
MOMENTUM, EPS = 0.3, 1e-3


def normalized(x, dims):
    """(x - mean) / sqrt(biased var + EPS) over ``dims``."""
    centered = x - x.mean(dims, keepdim=True)
    return centered * ((centered * centered).mean(dims, keepdim=True) + EPS) ** -0.5


def per_channel_affine(y, weight, bias):
    shape = (1, y.shape[1]) + (1,) * (y.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    return y if bias is None else y + bias.reshape(shape)


def composite_batch_norm(x, weight, bias):
    return per_channel_affine(normalized(x, (0,) + tuple(range(2, x.ndim))), weight, bias)


def fused_batch_norm(x, weight, bias, running=None):
    running_mean, running_var = running if running is not None else (None, None)
    return F.batch_norm(x, running_mean, running_var, weight, bias, training=True, momentum=MOMENTUM, eps=EPS)


GROUPS = 2


def composite_group_norm(x, weight, bias):
    return per_channel_affine(normalized(x.reshape(x.shape[0], GROUPS, -1), (2,)).reshape(x.shape), weight, bias)


def fused_group_norm(x, weight, bias):
    return F.group_norm(x, GROUPS, weight, bias, eps=EPS)


def composite_silu(x, weight, bias):
    return x * F.sigmoid(x)


def fused_silu(x, weight, bias):
    return F.silu(x)


@st.composite
def normalization_inputs(draw, channel_step=1, affine_allowed=True):
    """float64 x (2 to 4 dims, more than one value per normalised set), and weight/bias or None."""
    ndim = draw(st.integers(2, 4))
    shape = ((draw(st.integers(1, 3)), channel_step * draw(st.integers(1, 3)))
             + tuple(draw(st.integers(1, 3)) for _ in range(ndim - 2)))
    assume(numpy.prod(shape) // shape[1] > 1)
    rng = numpy.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = minigrad.tensor(rng.standard_normal(shape) * 2 + 1, dtype=F64, requires_grad=True)
    affine = affine_allowed and draw(st.booleans())
    weight, bias = (minigrad.tensor(rng.standard_normal(shape[1]), dtype=F64, requires_grad=True) if affine else None
                    for _ in range(2))
    return x, weight, bias


@dataclass(frozen=True)
class FusedCase:
    fused: object  # (x, weight, bias) -> Tensor
    composite: object
    inputs: object  # a strategy of (x, weight or None, bias or None)


CASES = {
    "batch_norm": FusedCase(fused_batch_norm, composite_batch_norm, normalization_inputs()),
    "group_norm": FusedCase(fused_group_norm, composite_group_norm, normalization_inputs(channel_step=GROUPS)),
    "silu": FusedCase(fused_silu, composite_silu, normalization_inputs(affine_allowed=False)),
}


def drawn(case, data):
    """x, weight, bias drawn for ``case``, and the list of those that are given (the ones to differentiate)."""
    x, weight, bias = data.draw(case.inputs)
    return x, weight, bias, [t for t in (x, weight, bias) if t is not None]


def cases():
    return pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))


@cases()
@given(data=st.data())
def test_fused_forward_matches_the_composite(case, data):
    x, weight, bias, _ = drawn(case, data)
    numpy.testing.assert_allclose(case.fused(x, weight, bias).numpy(), case.composite(x, weight, bias).numpy(),
                                  rtol=1e-12, atol=1e-12)


@cases()
@given(data=st.data(), create_graph=st.booleans())
def test_fused_first_order_gradients_match_the_composite_on_both_backward_paths(case, data, create_graph):
    """create_graph=False runs the NumPy backward, True the one in Tensor ops."""
    x, weight, bias, wrt = drawn(case, data)
    cotangent = minigrad.tensor(numpy.random.default_rng(1).standard_normal(x.shape), dtype=F64)
    ours = autograd.grad((case.fused(x, weight, bias) * cotangent).sum(), wrt, create_graph=create_graph)
    reference = autograd.grad((case.composite(x, weight, bias) * cotangent).sum(), wrt)
    for got, expected in zip(ours, reference):
        numpy.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-10, atol=1e-10)


@cases()
@given(data=st.data())
def test_fused_second_order_gradients_match_the_composite(case, data):
    x, weight, bias, wrt = drawn(case, data)
    rng = numpy.random.default_rng(2)
    cotangent = minigrad.tensor(rng.standard_normal(x.shape), dtype=F64)
    directions = [minigrad.tensor(rng.standard_normal(t.shape), dtype=F64) for t in wrt]

    def second_order(function):
        grads = autograd.grad((function(x, weight, bias) * cotangent).sum(), wrt, create_graph=True)
        projected = sum(((g * d).sum() for g, d in zip(grads, directions)), minigrad.zeros((), dtype=F64))
        return autograd.grad(projected, wrt, allow_unused=True)

    for got, expected in zip(second_order(case.fused), second_order(case.composite)):
        if expected is None:
            assert got is None or numpy.allclose(got.numpy(), 0, atol=1e-10)
            continue
        numpy.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-9, atol=1e-9)


@cases()
@given(data=st.data())
def test_fused_primitive_passes_gradcheck_and_gradgradcheck(case, data):
    x, weight, bias, wrt = drawn(case, data)

    def function(*args):
        given_weight, given_bias = (args[1], args[2]) if weight is not None else (None, None)
        return case.fused(args[0], given_weight, given_bias)

    assert gradcheck(function, wrt)
    assert gradgradcheck(function, wrt)


@given(inputs=normalization_inputs())
def test_fused_batch_norm_moves_the_running_statistics(inputs):
    x, weight, bias = inputs
    channels = x.shape[1]
    running = (minigrad.zeros(channels, dtype=F64), minigrad.ones(channels, dtype=F64))
    fused_batch_norm(x, weight, bias, running)
    axes = (0,) + tuple(range(2, x.ndim))
    values = x.numpy()
    numpy.testing.assert_allclose(running[0].numpy(), MOMENTUM * values.mean(axis=axes), rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(running[1].numpy(), 1 - MOMENTUM + MOMENTUM * values.var(axis=axes, ddof=1),
                                  rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layer, primitive", [(nn.BatchNorm2d(3), "BatchNormTraining"),
                                              (nn.GroupNorm(3, 3), "GroupNorm"), (nn.SiLU(), "Silu")])
def test_layers_use_the_fused_primitive_and_keep_float32(layer, primitive):
    y = layer(minigrad.randn(4, 3, 2, 2, requires_grad=True))
    assert type(y._ctx).__name__ == primitive and y.dtype == minigrad.float32
    y.sum().backward()
    for parameter in layer.parameters():
        assert parameter.grad.dtype == minigrad.float32 and parameter.grad.shape == (3,)
