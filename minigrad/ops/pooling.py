"""Pooling (average and max over 2-D windows), composed from differentiable ops.

Nothing here is a new primitive: average pooling is a reshape-mean or a
depthwise convolution, max pooling a gather (Index), so every gradient, of
any order, comes from ops that already have one.
"""
import math

from ..public import public
from ..tensor import Tensor
from .conv import conv2d, int_pair
from .movement import pad as constant_pad, reshape
from .reduction import mean


@public("F")
def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Mean over each window; zero padding counts in the mean (PyTorch's default)."""
    kernel, stride, padding = _window_args("avg_pool2d", x, kernel_size, stride, padding)
    batch, channels, height, width = x.shape
    if stride == kernel and padding == (0, 0):
        out_h, out_w = height // kernel[0], width // kernel[1]
        tiles = x[:, :, : out_h * kernel[0], : out_w * kernel[1]]
        return mean(reshape(tiles, (batch, channels, out_h, kernel[0], out_w, kernel[1])), dim=(3, 5))
    weight = Tensor.from_array(x.backend.xp.full((1, 1) + kernel, 1 / math.prod(kernel), dtype=x.dtype), x.backend)
    pooled = conv2d(reshape(x, (batch * channels, 1, height, width)), weight, stride=stride, padding=padding)
    return reshape(pooled, (batch, channels) + pooled.shape[2:])


@public("minigrad", "F")
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    """Largest value of each window; padding is -inf. The gradient goes to the first maximum."""
    dilation = int_pair("max_pool2d", "dilation", dilation)
    kernel, stride, padding = _window_args("max_pool2d", x, kernel_size, stride, padding, dilation)
    _check_windows_touch_input(x.shape[2:], kernel, stride, padding, dilation)
    if any(padding):
        x = constant_pad(x, (padding[1], padding[1], padding[0], padding[0]), value=-math.inf)
    positions = _argmax_positions(x.data, x.backend.xp, kernel, stride, dilation)
    return reshape(x, (-1,))[positions]


def _check_windows_touch_input(in_hw, kernel, stride, padding, dilation):
    """A max-pool window made only of -inf padding would output -inf: refuse it."""
    for axis, (n, k, s, p, d) in enumerate(zip(in_hw, kernel, stride, padding, dilation)):
        outputs = (n + 2 * p - d * (k - 1) - 1) // s + 1
        for o in range(outputs):
            if not any(0 <= o * s + a * d - p < n for a in range(k)):
                raise ValueError(
                    f"max_pool2d: with kernel {kernel}, stride {stride}, padding {padding} and dilation {dilation}, "
                    f"output {o} along dim {axis + 2} sees only padding (input size {n}); use less padding"
                )


# ----------------------------------------------------------------- helpers
def _argmax_positions(padded, xp, kernel, stride, dilation):
    """Flat index into ``padded`` of each window's first maximum, shape (N, C, H_out, W_out)."""
    batch, channels, height, width = padded.shape
    out_h = (height - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    out_w = (width - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    taps = [
        padded[:, :, i * dilation[0] :: stride[0], j * dilation[1] :: stride[1]][:, :, :out_h, :out_w]
        for i in range(kernel[0])
        for j in range(kernel[1])
    ]
    best = xp.stack(taps).argmax(axis=0)
    tap_row, tap_col = best // kernel[1], best % kernel[1]
    rows = xp.arange(out_h).reshape(-1, 1) * stride[0] + tap_row * dilation[0]
    cols = xp.arange(out_w) * stride[1] + tap_col * dilation[1]
    planes = xp.arange(batch * channels).reshape(batch, channels, 1, 1) * (height * width)
    return planes + rows * width + cols


def _window_args(op, x, kernel_size, stride, padding, dilation=(1, 1)):
    """Checked (kernel, stride, padding) pairs for a pooling op; stride defaults to the kernel."""
    if not isinstance(x, Tensor) or x.ndim != 4:
        raise ValueError(f"{op}: input must be a 4-D Tensor (N, C, H, W), got {getattr(x, 'shape', type(x))}")
    kernel = int_pair(op, "kernel_size", kernel_size, minimum=1)
    stride = kernel if stride is None else int_pair(op, "stride", stride, minimum=1)
    padding = int_pair(op, "padding", padding, minimum=0)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel size {kernel}")
    if any(n + 2 * p < d * (k - 1) + 1 for n, p, k, d in zip(x.shape[2:], padding, kernel, dilation)):
        raise ValueError(
            f"{op}: kernel {kernel} (dilation {dilation}) is larger than the padded input "
            f"(input {x.shape}, padding {padding})"
        )
    return kernel, stride, padding
