"""Resizing and 2-D padding of images: nearest-neighbour interpolate and pad2d.

Both are gathers (Index) or broadcasts of the input, so their gradients, of
any order, come from ops that already have one.
"""
import math

import numpy

from ..public import public
from .conv import int_pair
from .movement import pad as constant_pad, reshape


@public("F")
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


@public("F")
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


def _positive_pair(op, name, value):
    pair = (value, value) if isinstance(value, (int, float)) else tuple(value)
    if len(pair) != 2 or min(pair) <= 0:
        raise ValueError(f"{op}: {name} must be a positive number or pair, got {value!r}")
    return pair
