"""The fused batch-norm primitive (batch statistics) against the composite of Tensor ops it replaced.

Over random shapes (N, C), (N, C, L), (N, C, H, W), with and without the affine parameters and running
statistics, float64: the same output and running statistics, the same first-order gradients (the
NumPy backward) and second-order gradients (the backward in Tensor ops), plus gradcheck and
gradgradcheck of the primitive itself.
"""
import numpy
from hypothesis import assume, given
from hypothesis import strategies as st

import minigrad
import minigrad.functional as F
from minigrad import autograd
from minigrad.testing import gradcheck, gradgradcheck

F64 = minigrad.float64
MOMENTUM, EPS = 0.3, 1e-3


def composite_batch_norm(x, weight, bias):
    """What batch_norm computed before the fused primitive: mean, centred, biased variance, scale."""
    dims = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    centered = x - x.mean(dims, keepdim=True)
    y = centered * ((centered * centered).mean(dims, keepdim=True) + EPS) ** -0.5
    if weight is not None:
        y = y * weight.reshape(shape)
    return y if bias is None else y + bias.reshape(shape)


def fused(x, weight, bias, running=None):
    running_mean, running_var = running if running is not None else (None, None)
    return F.batch_norm(x, running_mean, running_var, weight, bias, training=True, momentum=MOMENTUM, eps=EPS)


@st.composite
def batch_norm_inputs(draw):
    """float64 x (2 to 4 dims, more than one value per channel), and weight/bias or None."""
    ndim = draw(st.integers(2, 4))
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) + tuple(draw(st.integers(1, 3)) for _ in range(ndim - 2))
    assume(numpy.prod(shape) // shape[1] > 1)
    rng = numpy.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = minigrad.tensor(rng.standard_normal(shape) * 2 + 1, dtype=F64, requires_grad=True)
    affine = draw(st.booleans())
    weight, bias = (minigrad.tensor(rng.standard_normal(shape[1]), dtype=F64, requires_grad=True) if affine else None
                    for _ in range(2))
    return x, weight, bias


def differentiable(*tensors):
    return [t for t in tensors if t is not None]


@given(inputs=batch_norm_inputs())
def test_fused_forward_and_running_statistics_match_the_composite(inputs):
    x, weight, bias = inputs
    channels = x.shape[1]
    running = (minigrad.zeros(channels, dtype=F64), minigrad.ones(channels, dtype=F64))
    expected = composite_batch_norm(x, weight, bias).numpy()
    numpy.testing.assert_allclose(fused(x, weight, bias, running).numpy(), expected, rtol=1e-12, atol=1e-12)
    axes = (0,) + tuple(range(2, x.ndim))
    values = x.numpy()
    numpy.testing.assert_allclose(running[0].numpy(), MOMENTUM * values.mean(axis=axes), rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(running[1].numpy(), 1 - MOMENTUM + MOMENTUM * values.var(axis=axes, ddof=1),
                                  rtol=1e-12, atol=1e-12)


@given(inputs=batch_norm_inputs(), create_graph=st.booleans())
def test_fused_first_order_gradients_match_the_composite_on_both_backward_paths(inputs, create_graph):
    """create_graph=False runs the NumPy backward, True the one in Tensor ops."""
    x, weight, bias = inputs
    wrt = differentiable(x, weight, bias)
    cotangent = minigrad.tensor(numpy.random.default_rng(1).standard_normal(x.shape), dtype=F64)
    ours = autograd.grad((fused(x, weight, bias) * cotangent).sum(), wrt, create_graph=create_graph)
    reference = autograd.grad((composite_batch_norm(x, weight, bias) * cotangent).sum(), wrt)
    for got, expected in zip(ours, reference):
        numpy.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-10, atol=1e-10)


@given(inputs=batch_norm_inputs())
def test_fused_second_order_gradients_match_the_composite(inputs):
    x, weight, bias = inputs
    wrt = differentiable(x, weight, bias)
    rng = numpy.random.default_rng(2)
    cotangent = minigrad.tensor(rng.standard_normal(x.shape), dtype=F64)
    directions = [minigrad.tensor(rng.standard_normal(t.shape), dtype=F64) for t in wrt]

    def second_order(norm):
        grads = autograd.grad((norm(x, weight, bias) * cotangent).sum(), wrt, create_graph=True)
        projected = sum(((g * d).sum() for g, d in zip(grads, directions)), minigrad.zeros((), dtype=F64))
        return autograd.grad(projected, wrt, allow_unused=True)

    for got, expected in zip(second_order(fused), second_order(composite_batch_norm)):
        if expected is None:
            assert got is None or numpy.allclose(got.numpy(), 0, atol=1e-10)
            continue
        numpy.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-9, atol=1e-9)


@given(inputs=batch_norm_inputs())
def test_fused_batch_norm_passes_gradcheck_and_gradgradcheck(inputs):
    x, weight, bias = inputs
    wrt = differentiable(x, weight, bias)

    def norm(*args):
        given_weight, given_bias = (args[1], args[2]) if weight is not None else (None, None)
        return fused(args[0], given_weight, given_bias)

    assert gradcheck(norm, wrt)
    assert gradgradcheck(norm, wrt)


def test_layers_in_training_use_the_fused_primitive_and_keep_float32():
    layer = minigrad.nn.BatchNorm2d(3)
    y = layer(minigrad.randn(4, 3, 2, 2, requires_grad=True))
    assert type(y._ctx).__name__ == "BatchNormTraining" and y.dtype == minigrad.float32
    y.sum().backward()
    assert layer.weight.grad.dtype == minigrad.float32 and layer.weight.grad.shape == (3,)
