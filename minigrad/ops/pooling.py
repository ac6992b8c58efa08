"""Pooling, nearest-neighbour resizing and 2-D padding, composed from differentiable ops.

Nothing here is a new primitive: average pooling is a reshape-mean or a
depthwise convolution, max pooling and the resizes are gathers (Index),
so every gradient, of any order, comes from ops that already have one.
"""
import math

import numpy

from ..tensor import Tensor
from .conv import conv2d, int_pair
from .movement import pad as constant_pad, reshape
from .reduction import mean


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Mean over each window; zero padding counts in the mean (PyTorch's default)."""
    kernel, stride, padding = _window_args("avg_pool2d", x, kernel_size, stride, padding)
    batch, channels, height, width = x.shape
    if stride == kernel and padding == (0, 0):
        out_h, out_w = height // kernel[0], width // kernel[1]
        tiles = x[:, :, : out_h * kernel[0], : out_w * kernel[1]]
        return mean(reshape(tiles, (batch, channels, out_h, kernel[0], out_w, kernel[1])), dim=(3, 5))
    weight = Tensor._wrap(x.backend.xp.full((1, 1) + kernel, 1 / math.prod(kernel), dtype=x.dtype), x.backend)
    pooled = conv2d(reshape(x, (batch * channels, 1, height, width)), weight, stride=stride, padding=padding)
    return reshape(pooled, (batch, channels) + pooled.shape[2:])


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


def interpolate(x, size=None, scale_factor=None, mode="nearest"):
    """Resize the last two dims by nearest neighbour (PyTorch's "nearest" rule).

    Output pixel d reads input pixel floor(d * scale), scale = 1 / scale_factor
    when given, else in_size / out_size.
    """
    if mode != "nearest":
        raise ValueError(f"interpolate: only mode='nearest' is implemented, got {mode!r}")
    if x.ndim != 4:
        raise ValueError(f"interpolate: input must be 4-D (N, C, H, W), got shape {x.shape}")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"interpolate: give exactly one of size and scale_factor (got {size!r}, {scale_factor!r})")
    in_hw = x.shape[2:]
    if scale_factor is not None:
        factors = _positive_pair("interpolate", "scale_factor", scale_factor)
        out_hw = tuple(int(math.floor(n * f)) for n, f in zip(in_hw, factors))
        scales = tuple(1 / f for f in factors)
    else:
        out_hw = int_pair("interpolate", "size", size, minimum=1)
        scales = tuple(n / m for n, m in zip(in_hw, out_hw))
    if min(out_hw) < 1:
        raise ValueError(f"interpolate: output size {out_hw} from input {x.shape} is empty")
    repeats = tuple(m // n for n, m in zip(in_hw, out_hw))
    if all(n * r == m and s * r == 1 for n, m, r, s in zip(in_hw, out_hw, repeats, scales)):
        return _repeat_pixels(x, repeats)
    rows, cols = (numpy.minimum(numpy.floor(numpy.arange(m) * s).astype(numpy.int64), n - 1)
                  for n, m, s in zip(in_hw, out_hw, scales))
    return x[:, :, rows[:, None], cols[None, :]]


def pad2d(x, padding, mode="constant", value=0.0):
    """Pad the last two dims; ``padding`` is an int or (left, right, top, bottom).

    ``mode`` is "constant" (with ``value``), "reflect" (mirror without
    repeating the edge; each pad smaller than its dim) or "replicate".
    """
    if x.ndim < 2:
        raise ValueError(f"pad2d: input needs at least 2 dims, got shape {x.shape}")
    left, right, top, bottom = (padding,) * 4 if isinstance(padding, int) else tuple(padding)
    if min(left, right, top, bottom) < 0:
        raise ValueError(f"pad2d: padding must be non-negative, got {padding!r}")
    if mode == "constant":
        return constant_pad(x, (left, right, top, bottom), value=value)
    if mode not in ("reflect", "replicate"):
        raise ValueError(f"pad2d: mode must be 'constant', 'reflect' or 'replicate', got {mode!r}")
    rows = _padded_indices(mode, x.shape[-2], top, bottom)
    cols = _padded_indices(mode, x.shape[-1], left, right)
    return x[..., rows[:, None], cols[None, :]]


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


def _repeat_pixels(x, repeats):
    """Each pixel as a repeats[0] x repeats[1] block (a broadcast, so the gradient is a sum)."""
    batch, channels, height, width = x.shape
    blocks = reshape(x, (batch, channels, height, 1, width, 1))
    blocks = blocks.expand(batch, channels, height, repeats[0], width, repeats[1])
    return reshape(blocks, (batch, channels, height * repeats[0], width * repeats[1]))


def _padded_indices(mode, size, before, after):
    """Source index of every padded position along one axis."""
    positions = numpy.arange(-before, size + after)
    if mode == "replicate":
        return numpy.clip(positions, 0, size - 1)
    if max(before, after) >= size:
        raise ValueError(f"pad2d: reflect padding ({before}, {after}) must be smaller than the dim size {size}")
    mirrored = numpy.abs(positions)
    return numpy.where(mirrored >= size, 2 * (size - 1) - mirrored, mirrored)


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


def _positive_pair(op, name, value):
    pair = (value, value) if isinstance(value, (int, float)) else tuple(value)
    if len(pair) != 2 or min(pair) <= 0:
        raise ValueError(f"{op}: {name} must be a positive number or pair, got {value!r}")
    return pair
