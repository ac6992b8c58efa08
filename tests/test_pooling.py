"""Pooling, nearest resizing and 2-D padding: loop references, finite differences, errors."""
import itertools
import math

import numpy
import pytest
from hypothesis import assume, given, strategies as st

import minigrad
from minigrad.ops.pooling import avg_pool2d, max_pool2d
from minigrad.ops.resize import interpolate, pad2d
from minigrad.testing import gradcheck, gradgradcheck
from minigrad.testing.strategies import distinct_arrays


@st.composite
def windows(draw):
    """(kernel, stride, padding, dilation, in_hw) valid for PyTorch's pooling rules."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = draw(st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    in_hw = tuple(draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 5))
                  for k, p, d in zip(kernel, padding, dilation))
    return kernel, stride, padding, dilation, in_hw


def pool_reference(x, kernel, stride, padding, dilation, reduce, fill):
    """Plain loops over output pixels; padded cells hold ``fill``."""
    stride = stride or kernel
    padded = numpy.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2), constant_values=fill)
    out_h, out_w = ((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(padded.shape[2:], kernel, stride, dilation))
    y = numpy.empty(x.shape[:2] + (out_h, out_w))
    for i, j in itertools.product(range(out_h), range(out_w)):
        rows = [i * stride[0] + a * dilation[0] for a in range(kernel[0])]
        cols = [j * stride[1] + b * dilation[1] for b in range(kernel[1])]
        y[:, :, i, j] = reduce(padded[:, :, rows][:, :, :, cols], axis=(2, 3))
    return y


def tensor(array, device, requires_grad=True):
    return minigrad.Tensor(array, dtype=minigrad.float64, device=device, requires_grad=requires_grad)


@given(data=st.data())
def test_avg_pool2d_matches_loops_and_differentiates(device, data):
    kernel, stride, padding, _, in_hw = data.draw(windows(), label="window")
    (x,) = data.draw(distinct_arrays((2, 2) + in_hw), label="x")
    y = avg_pool2d(tensor(x, device), kernel, stride, padding)
    numpy.testing.assert_allclose(y.numpy(), pool_reference(x, kernel, stride, padding, (1, 1), numpy.mean, 0.0),
                                  rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda x: avg_pool2d(x, kernel, stride, padding), (tensor(x, device),))
    assert gradgradcheck(lambda x: avg_pool2d(x, kernel, stride, padding), (tensor(x, device),))


@given(data=st.data())
def test_max_pool2d_matches_loops_and_differentiates_away_from_ties(device, data):
    kernel, stride, padding, dilation, in_hw = data.draw(windows(), label="window")
    (x,) = data.draw(distinct_arrays((2, 2) + in_hw), label="x")  # distinct values: no ties
    expected = pool_reference(x, kernel, stride, padding, dilation, numpy.max, -numpy.inf)
    assume(numpy.isfinite(expected).all())  # a window of padding alone is refused (tested below)
    y = max_pool2d(tensor(x, device), kernel, stride, padding, dilation)
    numpy.testing.assert_array_equal(y.numpy(), expected)
    assert gradcheck(lambda x: max_pool2d(x, kernel, stride, padding, dilation), (tensor(x, device),))
    assert gradgradcheck(lambda x: max_pool2d(x, kernel, stride, padding, dilation), (tensor(x, device),))


def test_max_pool2d_refuses_a_window_of_padding_alone():
    x = minigrad.zeros(1, 1, 1, 1)
    with pytest.raises(ValueError, match=r"max_pool2d: .*output 0 along dim 3 sees only padding"):
        max_pool2d(x, (1, 2), 1, (0, 1), (1, 2))


@given(data=st.data())
def test_nearest_interpolate_matches_the_index_rule(device, data):
    in_hw = (data.draw(st.integers(1, 4), label="h"), data.draw(st.integers(1, 4), label="w"))
    if data.draw(st.booleans(), label="by_size"):
        out_hw = (data.draw(st.integers(1, 8), label="out_h"), data.draw(st.integers(1, 8), label="out_w"))
        kwargs, scales = dict(size=out_hw), [n / m for n, m in zip(in_hw, out_hw)]
    else:
        factors = (data.draw(st.sampled_from([1, 2, 3, 0.5, 1.5]), label="fh"),
                   data.draw(st.sampled_from([1, 2, 3, 1.5]), label="fw"))
        out_hw = tuple(int(math.floor(n * f)) for n, f in zip(in_hw, factors))
        assume(min(out_hw) >= 1)
        kwargs, scales = dict(scale_factor=factors), [1 / f for f in factors]
    x = numpy.random.default_rng(0).standard_normal((1, 2) + in_hw)
    y = interpolate(tensor(x, device), **kwargs)
    rows = [min(int(math.floor(i * scales[0])), in_hw[0] - 1) for i in range(out_hw[0])]
    cols = [min(int(math.floor(j * scales[1])), in_hw[1] - 1) for j in range(out_hw[1])]
    numpy.testing.assert_array_equal(y.numpy(), x[:, :, rows][:, :, :, cols])
    assert gradcheck(lambda x: interpolate(x, **kwargs), (tensor(x, device),))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate"])
def test_pad2d_matches_numpy_pad_and_differentiates(device, mode):
    x = numpy.random.default_rng(0).standard_normal((2, 1, 4, 5))
    padding = (1, 3, 2, 0)  # left, right, top, bottom
    y = pad2d(tensor(x, device), padding, mode=mode, value=0.5)
    widths = ((0, 0), (0, 0), (2, 0), (1, 3))
    expected = numpy.pad(x, widths, mode="edge" if mode == "replicate" else mode,
                         **({"constant_values": 0.5} if mode == "constant" else {}))
    numpy.testing.assert_array_equal(y.numpy(), expected)
    assert gradcheck(lambda x: pad2d(x, padding, mode=mode), (tensor(x, device),))


def test_pooling_matches_pytorch_when_installed():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional cross-check)")
    x = numpy.random.default_rng(0).permutation(2 * 3 * 7 * 8).reshape(2, 3, 7, 8) / 7.0
    ours, theirs = tensor(x, "cpu", requires_grad=False), torch.tensor(x)
    for kernel, stride, padding in [(2, None, 0), (3, 2, 1), ((2, 3), (1, 2), (1, 0))]:
        numpy.testing.assert_allclose(avg_pool2d(ours, kernel, stride, padding).numpy(),
                                      torch.nn.functional.avg_pool2d(theirs, kernel, stride, padding).numpy())
        numpy.testing.assert_array_equal(max_pool2d(ours, kernel, stride, padding).numpy(),
                                         torch.nn.functional.max_pool2d(theirs, kernel, stride, padding).numpy())
    for kwargs in [dict(scale_factor=2), dict(size=(5, 11)), dict(scale_factor=1.5)]:
        numpy.testing.assert_array_equal(interpolate(ours, **kwargs).numpy(),
                                         torch.nn.functional.interpolate(theirs, mode="nearest", **kwargs).numpy())


@pytest.mark.parametrize("call, message", [
    (lambda x: avg_pool2d(x, 2, padding=2), r"avg_pool2d: padding \(2, 2\) must be at most half the kernel size"),
    (lambda x: max_pool2d(x, 9), r"max_pool2d: kernel \(9, 9\) .* larger than the padded input"),
    (lambda x: max_pool2d(x, 2, stride=0), r"max_pool2d: stride must be positive"),
    (lambda x: avg_pool2d(x[0], 2), r"avg_pool2d: input must be a 4-D Tensor"),
    (lambda x: interpolate(x, scale_factor=2, mode="bilinear"), r"only mode='nearest'"),
    (lambda x: interpolate(x), r"give exactly one of size and scale_factor"),
    (lambda x: pad2d(x, 4, mode="reflect"), r"reflect padding \(4, 4\) must be smaller than the dim size 4"),
    (lambda x: pad2d(x, 1, mode="circular"), r"mode must be 'constant', 'reflect' or 'replicate'"),
])
def test_invalid_arguments_fail_with_clear_errors(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call(minigrad.zeros(1, 2, 4, 4))
