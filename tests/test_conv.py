"""conv2d and conv_transpose2d: property tests against plain-loop references and finite differences.

Configurations (groups, channels, kernel, stride, padding, dilation,
output_padding, sizes) are drawn together so they are always valid; sizes
stay tiny so the loop references and gradient checks are quick.
"""
import contextlib
import itertools
import math
import threading
from dataclasses import dataclass, replace

import numpy
import pytest
from hypothesis import assume, given, strategies as st

import minigrad
from minigrad.backend import numpy_conv
from minigrad.ops.conv import conv2d, conv_transpose2d
from minigrad.testing import gradcheck, gradgradcheck


# ------------------------------------------------------------------ configurations
@dataclass(frozen=True)
class Case:
    """One convolution configuration; ``channels`` is (input, output) of the op being tested."""

    batch: int
    channels: tuple
    groups: int
    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    output_padding: tuple
    in_hw: tuple

    def weight_shape(self, transposed):
        c_in, c_out = self.channels
        if transposed:
            return (c_in, c_out // self.groups) + self.kernel
        return (c_out, c_in // self.groups) + self.kernel

    def conv_kwargs(self):
        return dict(stride=self.stride, padding=self.padding, dilation=self.dilation, groups=self.groups)

    def transposed_kwargs(self):
        return dict(self.conv_kwargs(), output_padding=self.output_padding)


def pairs(low, high):
    return st.tuples(st.integers(low, high), st.integers(low, high))


@st.composite
def cases(draw, transposed=False, max_extra=3, max_stride=3):
    """A valid conv2d (or conv_transpose2d) configuration with tiny sizes."""
    groups = draw(st.integers(1, 3))
    channels = (groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2)))
    kernel, stride, dilation = draw(pairs(1, 3)), draw(pairs(1, max_stride)), draw(pairs(1, 2))
    if transposed:
        output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
        in_hw = draw(pairs(1, 1 + max_extra))
        # padding small enough for a non-empty output: 2p <= (n - 1) s + d (k - 1) + output_padding
        padding = tuple(draw(st.integers(0, min(2, ((n - 1) * s + d * (k - 1) + e) // 2)))
                        for n, s, d, k, e in zip(in_hw, stride, dilation, kernel, output_padding))
    else:
        output_padding, padding = (0, 0), draw(pairs(0, 2))
        smallest = [max(1, d * (k - 1) + 1 - 2 * p) for k, d, p in zip(kernel, dilation, padding)]
        in_hw = tuple(draw(st.integers(low, low + max_extra)) for low in smallest)
    return Case(draw(st.integers(1, 2)), channels, groups, kernel, stride, padding, dilation, output_padding, in_hw)


def conv_size(in_hw, kernel, stride, padding, dilation):
    """PyTorch's documented conv2d output size, written out independently of the library."""
    return tuple(
        (n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, s, p, d in zip(in_hw, kernel, stride, padding, dilation)
    )


def transposed_size(in_hw, kernel, stride, padding, output_padding, dilation):
    """PyTorch's documented conv_transpose2d output size."""
    return tuple(
        (n - 1) * s - 2 * p + d * (k - 1) + e + 1
        for n, k, s, p, e, d in zip(in_hw, kernel, stride, padding, output_padding, dilation)
    )


# ------------------------------------------------------------------ plain-loop references
def naive_conv2d(x, w, stride, padding, dilation, groups):
    """y[n, o, i, j] = sum of w[o, c, a, b] * x[n, group's c, i*s - p + a*d, j*s - p + b*d] over the input."""
    batch, _, height, width = x.shape
    out_channels, group_channels, kh, kw = w.shape
    out_h, out_w = conv_size((height, width), (kh, kw), stride, padding, dilation)
    y = numpy.zeros((batch, out_channels, out_h, out_w))
    per_group = out_channels // groups
    for n, o, i, j in itertools.product(range(batch), range(out_channels), range(out_h), range(out_w)):
        first = o // per_group * group_channels
        for c, a, b in itertools.product(range(group_channels), range(kh), range(kw)):
            row = i * stride[0] - padding[0] + a * dilation[0]
            col = j * stride[1] - padding[1] + b * dilation[1]
            if 0 <= row < height and 0 <= col < width:
                y[n, o, i, j] += w[o, c, a, b] * x[n, first + c, row, col]
    return y


def naive_conv_transpose2d(x, w, stride, padding, output_padding, dilation, groups):
    """Each input pixel x[n, c, i, j] adds x * w[c, o, a, b] at output (i*s - p + a*d, j*s - p + b*d)."""
    batch, in_channels, height, width = x.shape
    _, group_out, kh, kw = w.shape
    out_h, out_w = transposed_size((height, width), (kh, kw), stride, padding, output_padding, dilation)
    y = numpy.zeros((batch, group_out * groups, out_h, out_w))
    per_group = in_channels // groups
    for n, c, i, j in itertools.product(range(batch), range(in_channels), range(height), range(width)):
        for o, a, b in itertools.product(range(group_out), range(kh), range(kw)):
            row = i * stride[0] - padding[0] + a * dilation[0]
            col = j * stride[1] - padding[1] + b * dilation[1]
            if 0 <= row < out_h and 0 <= col < out_w:
                y[n, c // per_group * group_out + o, row, col] += x[n, c, i, j] * w[c, o, a, b]
    return y


# ------------------------------------------------------------------ helpers
def host_arrays(data, case, transposed):
    """Random float64 input, weight and bias arrays for ``case``."""
    c_in, c_out = case.channels
    x = data.draw(arrays((case.batch, c_in) + case.in_hw), label="x")
    w = data.draw(arrays(case.weight_shape(transposed)), label="w")
    b = data.draw(arrays((c_out,)), label="bias")
    return x, w, b


def arrays(shape):
    """Standard-normal float64 arrays drawn from a seed (cheap to shrink, no ties by construction)."""
    return st.integers(0, 2**32 - 1).map(lambda seed: numpy.random.default_rng(seed).standard_normal(shape))


def tensor(array, device, requires_grad=True, dtype=minigrad.float64):
    return minigrad.Tensor(array, dtype=dtype, device=device, requires_grad=requires_grad)


@contextlib.contextmanager
def kernel_settings(settings, device):
    """Run the kernels with another im2col block size (1 byte: one sample per GEMM) and, for
    NumPy, unless None, a forced memory layout for im2col and col2im and a forced number of
    batch parts run in parallel threads (however small the call)."""
    block_bytes, layout, workers = settings
    if device == "cpu":
        module = numpy_conv
    else:
        from minigrad.backend import cupy_conv as module
    saved = module.BLOCK_BYTES, numpy_conv._prefers_channels_last, numpy_conv.PARALLEL_MIN_MACS
    saved_threads = numpy_conv._blas.threads
    if block_bytes != "default":
        module.BLOCK_BYTES = block_bytes
    if layout is not None:
        numpy_conv._prefers_channels_last = lambda channels, row_length: layout == "channels_last"
    if workers is not None:
        numpy_conv.PARALLEL_MIN_MACS, numpy_conv._blas.threads = 0, lambda: workers
    try:
        yield
    finally:
        module.BLOCK_BYTES, numpy_conv._prefers_channels_last, numpy_conv.PARALLEL_MIN_MACS = saved
        numpy_conv._blas.threads = saved_threads


KERNEL_SETTINGS = st.tuples(st.sampled_from(["default", 1]),
                            st.sampled_from([None, "channels_first", "channels_last"]),
                            st.sampled_from([None, 2, 3]))


# ------------------------------------------------------------------ forward
@given(data=st.data())
def test_conv2d_matches_naive_loops(device, data):
    case = data.draw(cases(), label="case")
    x, w, b = host_arrays(data, case, transposed=False)
    expected = naive_conv2d(x, w, case.stride, case.padding, case.dilation, case.groups) + b.reshape(1, -1, 1, 1)
    with kernel_settings(data.draw(KERNEL_SETTINGS, label="kernel_settings"), device):
        y = conv2d(tensor(x, device), tensor(w, device), tensor(b, device), **case.conv_kwargs())
    assert y.shape == (case.batch, case.channels[1]) + conv_size(case.in_hw, case.kernel, case.stride, case.padding,
                                                                 case.dilation)
    numpy.testing.assert_allclose(y.numpy(), expected, rtol=1e-10, atol=1e-10)


@given(data=st.data())
def test_conv_transpose2d_matches_naive_loops(device, data):
    case = data.draw(cases(transposed=True), label="case")
    x, w, b = host_arrays(data, case, transposed=True)
    expected = naive_conv_transpose2d(x, w, case.stride, case.padding, case.output_padding, case.dilation,
                                      case.groups) + b.reshape(1, -1, 1, 1)
    with kernel_settings(data.draw(KERNEL_SETTINGS, label="kernel_settings"), device):
        y = conv_transpose2d(tensor(x, device), tensor(w, device), tensor(b, device), **case.transposed_kwargs())
    assert y.shape == (case.batch, case.channels[1]) + transposed_size(
        case.in_hw, case.kernel, case.stride, case.padding, case.output_padding, case.dilation)
    numpy.testing.assert_allclose(y.numpy(), expected, rtol=1e-10, atol=1e-10)


@contextlib.contextmanager
def gather_max_growth(limit):
    """Force the NumPy stride-1 transposed convolution onto its gather path (inf), its scatter path
    (0), or leave the choice by output growth (None)."""
    saved = numpy_conv.GATHER_MAX_GROWTH
    if limit is not None:
        numpy_conv.GATHER_MAX_GROWTH = limit
    try:
        yield
    finally:
        numpy_conv.GATHER_MAX_GROWTH = saved


@given(data=st.data())
def test_stride_one_transposed_conv_matches_naive_loops(device, data):
    """Stride 1 has its own NumPy paths (a conv2d with the flipped kernel, or the scatter where the
    output grows much beyond the input), output_padding included."""
    case = data.draw(cases(transposed=True, max_stride=1), label="case")
    x, w, _ = host_arrays(data, case, transposed=True)
    expected = naive_conv_transpose2d(x, w, case.stride, case.padding, case.output_padding, case.dilation,
                                      case.groups)
    with gather_max_growth(data.draw(st.sampled_from([None, 0.0, math.inf]), label="gather_max_growth")):
        y = conv_transpose2d(tensor(x, device), tensor(w, device), **case.transposed_kwargs())
    numpy.testing.assert_allclose(y.numpy(), expected, rtol=1e-10, atol=1e-10)


@given(data=st.data())
def test_transposed_conv_of_a_single_pixel_matches_naive_loops(device, data):
    """A 1x1 input (a code grown to an image) has its own NumPy path when nothing pads or dilates it."""
    case = data.draw(cases(transposed=True), label="case")
    plain = data.draw(st.booleans(), label="no padding, output_padding or dilation")
    settings = dict(in_hw=(1, 1))
    if plain:
        settings.update(padding=(0, 0), output_padding=(0, 0), dilation=(1, 1))
    case = replace(case, **settings)
    assume(all(2 * p <= d * (k - 1) + e for p, d, k, e in zip(case.padding, case.dilation, case.kernel,
                                                               case.output_padding)))
    x, w, b = host_arrays(data, case, transposed=True)
    expected = naive_conv_transpose2d(x, w, case.stride, case.padding, case.output_padding, case.dilation,
                                      case.groups) + b.reshape(1, -1, 1, 1)
    y = conv_transpose2d(tensor(x, device), tensor(w, device), tensor(b, device), **case.transposed_kwargs())
    numpy.testing.assert_allclose(y.numpy(), expected, rtol=1e-10, atol=1e-10)


@given(data=st.data())
def test_a_kernel_covering_the_whole_input_matches_naive_loops_with_its_gradients(device, data):
    """A kernel as large as its unpadded input (a critic's last layer, the weight gradient of a
    generator's first) has its own NumPy path for conv2d and for the weight gradient: one GEMM each."""
    case = data.draw(cases(), label="case")
    case = replace(case, in_hw=case.kernel, padding=(0, 0), dilation=(1, 1))
    x, w, b = host_arrays(data, case, transposed=False)
    expected = naive_conv2d(x, w, case.stride, case.padding, case.dilation, case.groups) + b.reshape(1, -1, 1, 1)
    tensors = [tensor(array, device) for array in (x, w, b)]
    y = conv2d(*tensors, **case.conv_kwargs())
    assert y.shape == (case.batch, case.channels[1], 1, 1)
    numpy.testing.assert_allclose(y.numpy(), expected, rtol=1e-10, atol=1e-10)
    assert gradcheck(lambda *args: conv2d(*args, **case.conv_kwargs()), tensors)
    assert gradgradcheck(lambda *args: conv2d(*args, **case.conv_kwargs()), tensors)


@given(data=st.data())
def test_same_padding_keeps_the_size(device, data):
    kernel, dilation = data.draw(pairs(1, 4), label="kernel"), data.draw(pairs(1, 2), label="dilation")
    in_hw = data.draw(pairs(1, 5), label="in_hw")
    x = data.draw(arrays((1, 2) + in_hw), label="x")
    w = data.draw(arrays((3, 2) + kernel), label="w")
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    padded = numpy.pad(x, ((0, 0), (0, 0)) + tuple((t // 2, t - t // 2) for t in totals))  # extra goes bottom/right
    expected = naive_conv2d(padded, w, (1, 1), (0, 0), dilation, 1)
    y = conv2d(tensor(x, device), tensor(w, device), padding="same", dilation=dilation)
    assert y.shape[2:] == in_hw
    numpy.testing.assert_allclose(y.numpy(), expected, rtol=1e-10, atol=1e-10)
    valid = conv2d(tensor(x, device), tensor(w, device), padding="valid", dilation=dilation) if all(
        n >= t + 1 for n, t in zip(in_hw, totals)) else None
    if valid is not None:
        numpy.testing.assert_allclose(valid.numpy(), naive_conv2d(x, w, (1, 1), (0, 0), dilation, 1), atol=1e-10)


# ------------------------------------------------------------------ gradients
@given(data=st.data())
def test_conv2d_gradients_first_and_second_order(device, data):
    case = data.draw(cases(max_extra=2), label="case")
    x, w, b = (tensor(a, device) for a in host_arrays(data, case, transposed=False))

    def f(x, w, b):
        return conv2d(x, w, b, **case.conv_kwargs())

    with kernel_settings(data.draw(KERNEL_SETTINGS, label="kernel_settings"), device):
        assert gradcheck(f, (x, w, b))
        assert gradgradcheck(f, (x, w, b))


@given(data=st.data())
def test_conv_transpose2d_gradients_first_and_second_order(device, data):
    case = data.draw(cases(transposed=True, max_extra=2), label="case")
    x, w, b = (tensor(a, device) for a in host_arrays(data, case, transposed=True))

    def f(x, w, b):
        return conv_transpose2d(x, w, b, **case.transposed_kwargs())

    with kernel_settings(data.draw(KERNEL_SETTINGS, label="kernel_settings"), device):
        assert gradcheck(f, (x, w, b))
        assert gradgradcheck(f, (x, w, b))


def test_gradient_penalty_through_a_conv_critic(device):
    """WGAN-GP's shape: d/dw of ||d critic(x)/dx||^2, checked by finite differences over w."""
    rng = numpy.random.default_rng(1)
    x = tensor(rng.standard_normal((2, 2, 6, 6)), device)
    w1 = tensor(rng.standard_normal((3, 2, 3, 3)), device)
    w2 = tensor(rng.standard_normal((3, 2, 4, 4)), device)

    def penalty(w1, w2):
        hidden = minigrad.tanh(conv2d(x, w1, stride=2, padding=1))
        score = conv_transpose2d(hidden, w2, stride=2, padding=1).sum()
        (grad_x,) = minigrad.grad(score, x, create_graph=True)
        return (grad_x * grad_x).sum()

    assert gradcheck(penalty, (w1, w2))


@pytest.mark.parametrize("workers", [2, 3])
def test_batch_parts_in_threads_give_the_serial_results(workers):
    """The threaded split over the batch (NumPy, several BLAS threads) changes no result of the three
    kernels, and leaves BLAS at its thread count."""
    rng = numpy.random.default_rng(2)
    x, w = rng.standard_normal((7, 4, 9, 9)), rng.standard_normal((6, 4, 3, 3))
    settings = ((2, 2), ((1, 1), (1, 1)), (1, 1), 1)
    y = numpy_conv.conv2d(x, w, *settings)
    serial = (y, numpy_conv.conv2d_weight(x, y, w.shape, *settings),
              numpy_conv.conv_transpose2d(y, w, settings[0], settings[1], (0, 0), *settings[2:]))
    threads_before = numpy_conv._blas.get() if numpy_conv._blas.get else None
    with kernel_settings(("default", None, workers), "cpu"):
        y = numpy_conv.conv2d(x, w, *settings)
        parallel = (y, numpy_conv.conv2d_weight(x, y, w.shape, *settings),
                    numpy_conv.conv_transpose2d(y, w, settings[0], settings[1], (0, 0), *settings[2:]))
    for expected, got in zip(serial, parallel):
        numpy.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    if threads_before is not None:
        assert numpy_conv._blas.get() == threads_before


def test_the_calling_thread_runs_the_first_batch_part_and_pool_threads_the_rest():
    """The caller works instead of waiting: one thread hand-off fewer per call."""
    with kernel_settings(("default", None, 3), "cpu"):
        parts = numpy_conv._over_batch(lambda part: (part, threading.current_thread()), 7, macs=1)
    assert [part for part, _ in parts] == [slice(0, 2), slice(2, 4), slice(4, 7)]
    assert parts[0][1] is threading.current_thread()
    assert {thread.name.split("_")[0] for _, thread in parts[1:]} == {"minigrad-conv"}


def test_a_failing_batch_part_raises_only_after_the_other_parts_have_finished():
    """BLAS gets its thread count back only once no pool thread is still inside a part."""
    finished = []

    def kernel(part):
        if part.start == 0:
            raise RuntimeError("part 0 failed")
        threading.Event().wait(0.05)
        finished.append(part)

    with kernel_settings(("default", None, 2), "cpu"), pytest.raises(RuntimeError, match="part 0 failed"):
        numpy_conv._over_batch(kernel, 4, macs=1)
    assert finished == [slice(2, 4)]


# ------------------------------------------------------------------ algebraic properties
@given(data=st.data())
def test_conv_transpose2d_is_the_adjoint_of_conv2d(device, data):
    """<conv2d(x, w), y> == <x, conv_transpose2d(y, w)> when the transposed conv lands on x's grid."""
    case = data.draw(cases(), label="case")
    x, w, _ = host_arrays(data, case, transposed=False)
    out_hw = conv_size(case.in_hw, case.kernel, case.stride, case.padding, case.dilation)
    y = data.draw(arrays((case.batch, case.channels[1]) + out_hw), label="y")
    output_padding = tuple(n + 2 * p - ((m - 1) * s + d * (k - 1) + 1) for n, m, k, s, p, d in zip(
        case.in_hw, out_hw, case.kernel, case.stride, case.padding, case.dilation))
    forward = conv2d(tensor(x, device), tensor(w, device), **case.conv_kwargs())
    backward = conv_transpose2d(tensor(y, device), tensor(w, device), output_padding=output_padding,
                                **case.conv_kwargs())
    assert backward.shape == x.shape
    numpy.testing.assert_allclose(numpy.sum(forward.numpy() * y), numpy.sum(x * backward.numpy()), rtol=1e-10,
                                  atol=1e-10)


@given(data=st.data())
def test_1x1_conv_is_a_matmul(device, data):
    batch, c_in, c_out = (data.draw(st.integers(1, 3), label=name) for name in ("batch", "c_in", "c_out"))
    in_hw = data.draw(pairs(1, 4), label="in_hw")
    x, w = data.draw(arrays((batch, c_in) + in_hw), label="x"), data.draw(arrays((c_out, c_in, 1, 1)), label="w")
    y = conv2d(tensor(x, device), tensor(w, device))
    expected = (w.reshape(c_out, c_in) @ x.reshape(batch, c_in, -1)).reshape((batch, c_out) + in_hw)
    numpy.testing.assert_allclose(y.numpy(), expected, rtol=1e-10, atol=1e-10)


# ------------------------------------------------------------------ dtypes, aliasing
@pytest.mark.parametrize("dtype", [minigrad.float32, minigrad.float64])
@pytest.mark.parametrize("op", ["conv2d", "conv_transpose2d"])
def test_dtype_is_kept_and_inputs_are_untouched(device, dtype, op):
    rng = numpy.random.default_rng(2)
    x_host, w_host = rng.standard_normal((2, 4, 5, 5)), rng.standard_normal((4, 2, 3, 3))
    x, w = tensor(x_host, device, dtype=dtype), tensor(w_host, device, dtype=dtype)
    x_before, w_before = x.numpy(), w.numpy()
    function = conv2d if op == "conv2d" else conv_transpose2d
    y = function(x, w, stride=2, padding=1, groups=2)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == w.grad.dtype == dtype
    numpy.testing.assert_array_equal(x.numpy(), x_before)
    numpy.testing.assert_array_equal(w.numpy(), w_before)
    if device == "cpu":
        assert not numpy.shares_memory(x.grad.data, x.data) and not numpy.shares_memory(w.grad.data, w.data)
    results = [array.numpy() for array in (y, x.grad, w.grad)]
    reference = function(tensor(x_host, device), tensor(w_host, device), stride=2, padding=1, groups=2)
    reference.sum().backward()  # reuses the kernels' scratch memory: earlier results must not change
    for before, after in zip(results, (y, x.grad, w.grad)):
        numpy.testing.assert_array_equal(before, after.numpy())
    tolerance = 1e-4 if dtype == minigrad.float32 else 1e-12
    numpy.testing.assert_allclose(y.numpy(), reference.numpy(), rtol=tolerance, atol=tolerance)


# ------------------------------------------------------------------ errors
def _t(*shape, dtype=minigrad.float32):
    return minigrad.zeros(*shape, dtype=dtype)


@pytest.mark.parametrize("call, message", [
    (lambda: conv2d(_t(1, 4, 5, 5), _t(6, 2, 3, 3), groups=3), r"conv2d: groups=3 must divide the input channels \(4"),
    (lambda: conv2d(_t(1, 4, 5, 5), _t(6, 3, 3, 3)),
     r"conv2d: input has 4 channels .* expects weight.shape\[1\] \* groups = 3"),
    (lambda: conv2d(_t(1, 2, 3, 3), _t(1, 2, 5, 5)), r"conv2d: kernel size \(5, 5\) .* larger than the padded input"),
    (lambda: conv2d(_t(1, 2, 3, 3), _t(1, 2, 3, 3), stride=0), r"conv2d: stride must be positive, got 0"),
    (lambda: conv2d(_t(1, 2, 3, 3), _t(1, 2, 3, 3), stride=(1, -2)), r"conv2d: stride must be positive"),
    (lambda: conv2d(_t(1, 2, 3, 3), _t(1, 2, 3, 3), padding="same", stride=2), r"padding='same' needs stride 1"),
    (lambda: conv2d(_t(1, 2, 3, 3), _t(1, 2, 3, 3), padding="full"), r"padding must be an int, a pair, 'same'"),
    (lambda: conv2d(_t(2, 3, 3), _t(1, 2, 3, 3)), r"conv2d: input must be 4-D, got shape \(2, 3, 3\)"),
    (lambda: conv2d(_t(1, 2, 3, 3), _t(1, 2, 3, 3, dtype=minigrad.float64)),
     r"conv2d: input is float32 but weight is float64"),
    (lambda: conv2d(_t(1, 2, 3, 3), _t(4, 2, 1, 1), _t(3)), r"bias must have shape \(4,\)"),
    (lambda: conv2d(_t(1, 2, 3, 3), _t(4, 2, 1, 1), groups=0), r"groups must be a positive int"),
    (lambda: conv_transpose2d(_t(1, 4, 3, 3), _t(4, 2, 3, 3), stride=2, output_padding=2),
     r"conv_transpose2d: output_padding \(2, 2\) must be smaller than stride \(2, 2\) or dilation \(1, 1\)"),
    (lambda: conv_transpose2d(_t(1, 4, 3, 3), _t(3, 2, 3, 3)),
     r"conv_transpose2d: input has 4 channels .* weight.shape\[0\] = 3"),
    (lambda: conv_transpose2d(_t(1, 4, 3, 3), _t(4, 2, 3, 3), groups=3), r"groups=3 must divide the input channels"),
    (lambda: conv_transpose2d(_t(1, 2, 1, 1), _t(2, 2, 1, 1), padding=1), r"output size \(-1, -1\) is not positive"),
    (lambda: conv_transpose2d(_t(1, 2, 3, 3), _t(2, 2, 3, 3), padding=-1), r"padding must be non-negative"),
])
def test_invalid_configurations_fail_with_clear_errors(call, message):
    with pytest.raises((ValueError, TypeError, RuntimeError), match=message):
        call()


# ------------------------------------------------------------------ optional cross-check
@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="PyTorch is not installed (optional cross-check)")


@given(data=st.data(), transposed=st.booleans())
def test_matches_pytorch_forward_and_gradients(torch, data, transposed):
    case = data.draw(cases(transposed=transposed), label="case")
    x, w, b = host_arrays(data, case, transposed)
    ours = [tensor(a, "cpu") for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    if transposed:
        y = conv_transpose2d(*ours, **case.transposed_kwargs())
        y_ref = torch.nn.functional.conv_transpose2d(*theirs, **case.transposed_kwargs())
    else:
        kwargs = case.conv_kwargs()
        if case.stride == (1, 1) and data.draw(st.booleans(), label="same"):
            kwargs["padding"] = "same"
        y = conv2d(*ours, **kwargs)
        y_ref = torch.nn.functional.conv2d(*theirs, **kwargs)
    gy = numpy.random.default_rng(0).standard_normal(y.shape)
    y.backward(tensor(gy, "cpu", requires_grad=False))
    y_ref.backward(torch.tensor(gy))
    numpy.testing.assert_allclose(y.numpy(), y_ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    for mine, reference in zip(ours, theirs):
        numpy.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10, atol=1e-10)
