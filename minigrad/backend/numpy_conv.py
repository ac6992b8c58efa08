"""Convolution kernels for NumPy: raw arrays in, raw arrays out.

Three kernels close the convolution triangle (every gradient of one is
another): ``conv2d``, ``conv_transpose2d`` and ``conv2d_weight`` (conv2d's
gradient with respect to its weight). Argument conventions are in
``conv_geometry``.

Design:
- Work goes block by block over the batch (a few MB of samples at a time):
  each block is padded, its im2col matrix ``(groups, C/g * kH * kW,
  samples * H_out * W_out)`` is copied from a strided view of the padded
  block, and one BLAS GEMM per block consumes it (groups as a batched
  matmul). The GEMM then reads a buffer still in cache, which beats one
  whole-batch GEMM over a buffer streamed from memory, and memory stays
  bounded whatever the batch.
- A stride-1 conv2d on rows of 16 or more pixels copies nothing but the padding: an implicit GEMM
  over shifted slices of the flattened padded input, one GEMM per tap (``_conv2d_by_shifts``).
- A kernel covering its whole input (one output pixel) is a plain GEMM in every direction.
- col2im adds strided slices, one per kernel tap (kH * kW vector adds), or, channels-last with a
  kernel that is a multiple of the stride, one per block of stride x stride taps (``_add_in_slabs``).
- Copies and adds run along the longer of two axes: the image rows
  (channels-first order) or, when rows are shorter than a cache line, the
  channels (channels-last order; the forward GEMM then takes the im2col
  matrix as stored, (M, K), the weight gradient's reads its transposed view).
- With several BLAS threads, a large call splits its batch into one part
  per thread, the caller running the first and pool threads the rest, with
  BLAS at one thread: NumPy releases the GIL in copies and GEMMs, so the
  im2col/col2im copies run in parallel too, not only the GEMM (measured
  1.8-2.6x on 2 cores). OpenBLAS's idle workers must not spin meanwhile, or
  each part shares a core with one: minigrad/__init__.py shortens their spin.
- Temporaries live in per-thread scratch buffers reused across calls:
  fresh large arrays pay a page fault per 4 KiB on first touch, which on
  small VMs cost as much as the arithmetic. Only outputs are new arrays.
"""
import ctypes
import glob
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .conv_geometry import (
    batch_blocks, batch_first, conv_output_shape, groups_first, kernel_overlap, transposed_output_shape,
)

# im2col buffer size per GEMM: fits the L2/L3 caches of small CPUs (4 MB and 16 MB time alike).
BLOCK_BYTES = 8 << 20
# The implicit-GEMM stride-1 conv accumulates a few samples' outputs at a time in a buffer this large (cache-sized).
SHIFT_BLOCK_BYTES = 2 << 20
# Rows shorter than this many elements (one 64-byte cache line of float32) make
# strided copies slow; copies then run along the channels instead.
SHORT_ROW = 16
# Calls with fewer multiply-adds than this run in the calling thread (a thread hand-off costs ~50 µs).
PARALLEL_MIN_MACS = 1 << 22
# A stride-1 transposed convolution runs as a gather (conv2d over the padded input) while its output
# has at most this many times the input's pixels; beyond, the gather mostly multiplies padding zeros
# (a 1x1 code grown to 7x7 by a 7x7 kernel: 49 times the work), and the scatter runs instead.
GATHER_MAX_GROWTH = 2.0
# OpenBLAS's compiled-in spin (2**28 cycles) when OPENBLAS_THREAD_TIMEOUT is unset.
OPENBLAS_DEFAULT_SPIN = 28


def conv2d(x, w, stride, padding, dilation, groups):
    """y[n, o] = sum over c, i, j of w[o, c, i, j] * padded x[n, c, shifted by tap (i, j)]."""
    if _kernel_covers_input(x.shape[2:], w.shape[2:], padding, dilation):
        return _conv2d_to_pixel(x, w, groups)
    out_hw = conv_output_shape(x.shape[2:], w.shape[2:], stride, padding, dilation)
    y = np.empty((x.shape[0], w.shape[0]) + out_hw, dtype=x.dtype)
    macs = y.size * math.prod(w.shape[1:])
    if stride == (1, 1) and groups == 1 and not _prefers_channels_last(x.shape[1], out_hw[1]):
        _over_batch(lambda part: _conv2d_by_shifts(x[part], w, y[part], padding, dilation), x.shape[0], macs)
    else:
        _over_batch(lambda part: _conv2d_into(x[part], w, y[part], stride, padding, dilation, groups),
                    x.shape[0], macs)
    return y


def _conv2d_by_shifts(x, w, y, padding, dilation):
    """A stride-1 conv2d with no im2col copy (implicit GEMM over shifted slabs).

    Each padded sample is flattened to (C, H' * W'); output rows are computed over the padded width
    W' (the last (kW - 1) * d columns of each row are garbage, cropped at the end), so that for tap
    (i, j) the input every output pixel needs is one contiguous slice of the flat image, shifted by
    i * d * W' + j * d: a strided view BLAS reads in place. kH * kW GEMMs (C_out, C) x (C, H_out * W')
    accumulate into a buffer of a few samples that stays in cache. Pays on large images (28x28 and
    up: 25-30% less than im2col); small ones keep im2col, whose single GEMM has the longer inner
    dimension.
    """
    out_channels, _, kh, kw = w.shape
    out_h, out_w = y.shape[2:]
    flat, grid_w = _flat_padded(x, padding, dilation[1] * (kw - 1))
    length = out_h * grid_w
    taps = w.transpose(2, 3, 0, 1)  # (kH, kW, C_out, C)
    for block in batch_blocks(x.shape[0], out_channels * length * x.itemsize, SHIFT_BLOCK_BYTES):
        size = block.stop - block.start
        total = _scratch.array("products", (size, out_channels, length), x.dtype)
        term = _scratch.array("taps", (size, out_channels, length), x.dtype)
        for (i, j), shifted in _shifted_slices(flat[block], (kh, kw), dilation, grid_w, length):
            if i == j == 0:
                np.matmul(taps[i, j], shifted, out=total)
            else:
                total += np.matmul(taps[i, j], shifted, out=term)
        y[block] = total.reshape(size, out_channels, out_h, grid_w)[:, :, :, :out_w]


def _flat_padded(x, padding, tail):
    """x zero-padded and each sample's channels flattened to rows (N, C, H' * W' + tail), with ``tail``
    zeros after the last row for the garbage columns of the last output row to read; and W'."""
    samples, channels, height, width = x.shape
    (top, bottom), (left, right) = padding
    grid_h, grid_w = height + top + bottom, width + left + right
    flat = _scratch.array("padded", (samples, channels, grid_h * grid_w + tail), x.dtype)
    flat.fill(0)
    flat[:, :, :grid_h * grid_w].reshape(samples, channels, grid_h, grid_w)[:, :, top:top + height,
                                                                           left:left + width] = x
    return flat, grid_w


def _shifted_slices(flat, kernel_hw, dilation, grid_w, length):
    """((i, j), view) per kernel tap: the ``length`` flat pixels tap (i, j) reads for the output rows."""
    for i in range(kernel_hw[0]):
        for j in range(kernel_hw[1]):
            offset = i * dilation[0] * grid_w + j * dilation[1]
            yield (i, j), flat[:, :, offset:offset + length]


def _conv2d_into(x, w, y, stride, padding, dilation, groups):
    batch, out_channels = x.shape[0], w.shape[0]
    im2col = _Im2col(x, w.shape[2:], stride, padding, dilation, groups)
    w_mat = im2col.weight_matrix(w)
    grouped = y.reshape(batch, groups, out_channels // groups, im2col.out_h * im2col.out_w)
    for block, cols in im2col.blocks():
        if im2col.channels_last:  # cols is a transposed view: BLAS runs (M, K) x (K, C_out/g) faster
            products = _scratch.array("products", cols.shape[:1] + cols.shape[2:] + w_mat.shape[1:2], x.dtype)
            np.matmul(cols.transpose(0, 2, 1), w_mat.transpose(0, 2, 1), out=products)
            grouped[block] = batch_first(products.transpose(0, 2, 1), block)
        else:
            products = _scratch.array("products", w_mat.shape[:2] + cols.shape[2:], x.dtype)
            grouped[block] = batch_first(np.matmul(w_mat, cols, out=products), block)


def conv2d_weight(x, gy, weight_shape, stride, padding, dilation, groups):
    """Gradient of conv2d(x, w) with respect to w, given the output gradient ``gy``.

    The output grid is ``gy``'s; it may be smaller than what the padded input
    allows (then the last input rows are unused, as for a transposed
    convolution with a large output_padding).
    """
    if _kernel_covers_input(x.shape[2:], weight_shape[2:], padding, dilation):
        return _conv2d_weight_to_pixel(x, gy, weight_shape, groups)
    macs = gy.size * math.prod(weight_shape[1:])
    parts = _over_batch(lambda part: _conv2d_weight(x[part], gy[part], weight_shape, stride, padding, dilation,
                                                    groups), x.shape[0], macs)
    return parts[0] if len(parts) == 1 else sum(parts[1:], parts[0])


def _conv2d_weight(x, gy, weight_shape, stride, padding, dilation, groups):
    out_channels, out_h, out_w = gy.shape[1:]
    im2col = _Im2col(x, weight_shape[2:], stride, padding, dilation, groups, out_hw=(out_h, out_w))
    gy_grouped = gy.reshape(gy.shape[0], groups, out_channels // groups, out_h * out_w)
    # accumulated transposed, (g, K, C_out/g): BLAS runs this orientation faster when C_out/g < K
    gw_t = np.zeros((groups, math.prod(weight_shape[1:]), out_channels // groups), dtype=x.dtype)
    for block, cols in im2col.blocks():
        gy_block = _scratch.copy("operand", groups_first(gy_grouped[block])).reshape(groups, out_channels // groups, -1)
        gw_t += np.matmul(cols, gy_block.transpose(0, 2, 1))
    return im2col.weight_from_matrix(gw_t.transpose(0, 2, 1), weight_shape)


def conv_transpose2d(x, w, stride, padding, output_padding, dilation, groups):
    """The adjoint of conv2d: every input pixel scatters w-weighted taps onto the output."""
    batch, _, in_h, in_w = x.shape
    group_out, kh, kw = w.shape[1:]
    out_hw = transposed_output_shape((in_h, in_w), (kh, kw), stride, padding, output_padding, dilation)
    if (in_h, in_w) == (1, 1) and not any(map(any, padding)) and not any(output_padding) and dilation == (1, 1):
        return _conv_transpose2d_from_pixel(x, w, groups)
    full_padding = _full_padding(w.shape[2:], padding, output_padding, dilation) if stride == (1, 1) else None
    if full_padding is not None and math.prod(out_hw) <= GATHER_MAX_GROWTH * in_h * in_w:
        return _conv_transpose2d_stride1(x, w, full_padding, dilation, groups)
    y = np.empty((batch, group_out * groups) + out_hw, dtype=x.dtype)
    scatter = _scatter_channels_last if _prefers_channels_last(group_out, in_w) else _scatter_channels_first
    bytes_per_sample = groups * group_out * kh * kw * in_h * in_w * x.itemsize

    def scatter_part(part):
        for block in batch_blocks(part.stop - part.start, bytes_per_sample, BLOCK_BYTES):
            block = slice(part.start + block.start, part.start + block.stop)
            scatter(x[block], w, y[block], stride, padding, dilation, groups)

    _over_batch(scatter_part, batch, x.size * group_out * kh * kw)
    return y


def _kernel_covers_input(input_hw, kernel_hw, padding, dilation):
    """Whether the kernel spans exactly the unpadded, undilated input: one output pixel, whatever the
    stride (a critic's last layer, the weight gradient of a generator's first)."""
    return tuple(input_hw) == tuple(kernel_hw) and not any(map(any, padding)) and dilation == (1, 1)


def _conv2d_to_pixel(x, w, groups):
    """conv2d whose kernel covers the input: each output channel is a dot product with a whole
    sample, one GEMM over the arrays as they are (no padding, no im2col copy)."""
    batch, out_channels = x.shape[0], w.shape[0]
    samples = x.reshape(batch, groups, -1).transpose(1, 0, 2)  # (g, N, C/g * kH * kW)
    y = np.matmul(samples, w.reshape(groups, out_channels // groups, -1).transpose(0, 2, 1))  # (g, N, C_out/g)
    return np.ascontiguousarray(y.transpose(1, 0, 2)).reshape(batch, out_channels, 1, 1)


def _conv2d_weight_to_pixel(x, gy, weight_shape, groups):
    """The weight gradient of ``_conv2d_to_pixel``: gw[o, c, i, j] = sum over n of gy[n, o] * x[n, c, i, j]."""
    batch = x.shape[0]
    gy_t = gy.reshape(batch, groups, -1).transpose(1, 2, 0)  # (g, C_out/g, N)
    return np.matmul(gy_t, x.reshape(batch, groups, -1).transpose(1, 0, 2)).reshape(weight_shape)


def _conv_transpose2d_from_pixel(x, w, groups):
    """A 1x1 input grown to exactly the kernel's size (DCGAN's code -> 7x7 layer, the input gradient
    of a critic's last full-image conv): each sample's output is its channels times the kernel,
    one GEMM and no scatter."""
    batch, in_channels = x.shape[:2]
    group_in, group_out = in_channels // groups, w.shape[1]
    codes = x.reshape(batch, groups, group_in).transpose(1, 0, 2)  # (g, N, C_in/g)
    kernel = w.reshape(groups, group_in, -1)
    # (g, N, C_out/g * kH * kW); one input channel (a critic's one-logit layer) makes it an outer product,
    # which a broadcast multiply computes 20x faster than a BLAS GEMM with inner dimension 1
    y = codes * kernel if group_in == 1 else np.matmul(codes, kernel)
    return np.ascontiguousarray(y.transpose(1, 0, 2)).reshape((batch, groups * group_out) + w.shape[2:])


def _conv_transpose2d_stride1(x, w, full_padding, dilation, groups):
    """With stride 1 the scatter is a gather: conv2d with the flipped, in/out-swapped kernel over
    the input padded by dilation * (k - 1) - padding (plus output_padding after). An im2col copy
    then replaces kH * kW strided adds, and the GEMM runs in its faster orientation."""
    in_channels, group_out, kh, kw = w.shape
    flipped = w[:, :, ::-1, ::-1].reshape(groups, in_channels // groups, group_out, kh, kw)
    w_conv = np.ascontiguousarray(flipped.transpose(0, 2, 1, 3, 4)).reshape(groups * group_out, -1, kh, kw)
    return conv2d(x, w_conv, (1, 1), full_padding, dilation, groups)


def _full_padding(kernel_hw, padding, output_padding, dilation):
    """The padding that turns a stride-1 transposed convolution into a convolution, or None where
    ``padding`` exceeds the kernel's reach (the result would need cropping instead)."""
    full = tuple((d * (k - 1) - before, d * (k - 1) - after + extra)
                 for k, (before, after), extra, d in zip(kernel_hw, padding, output_padding, dilation))
    return full if min(min(pair) for pair in full) >= 0 else None


def _scatter_channels_first(x, w, y, stride, padding, dilation, groups):
    """y = conv_transpose2d of a block, accumulated in place in (N, C_out, H, W) order."""
    samples, in_channels, in_h, in_w = x.shape
    group_in, (group_out, kh, kw) = in_channels // groups, w.shape[1:]
    w_t = w.reshape(groups, group_in, -1).transpose(0, 2, 1)  # (g, C_out/g * kH * kW, C_in/g)
    taps = np.matmul(w_t, _block_operand(x, groups), out=_scratch.array(
        "taps", (groups, w_t.shape[1], samples * in_h * in_w), x.dtype))
    taps = taps.reshape(groups * group_out, kh, kw, samples, in_h, in_w).transpose(1, 2, 3, 0, 4, 5)
    y.fill(0)
    _col2im_add(y, taps, (2, 3), stride, padding, dilation)


def _scatter_channels_last(x, w, y, stride, padding, dilation, groups):
    """y = conv_transpose2d of a block, accumulated in (N, H, W, C_out) order, then copied to y."""
    samples, in_channels, in_h, in_w = x.shape
    group_in, (group_out, kh, kw) = in_channels // groups, w.shape[1:]
    w_r = w.reshape(groups, group_in, group_out, kh * kw).transpose(0, 1, 3, 2).reshape(groups, group_in, -1)
    pixels_first = _block_operand(x, groups).transpose(0, 2, 1)  # (g, samples * H_in * W_in, C_in/g)
    taps = np.matmul(pixels_first, w_r, out=_scratch.array(
        "taps", (groups, pixels_first.shape[1], w_r.shape[2]), x.dtype))
    taps = taps.reshape(groups, samples, in_h, in_w, kh, kw, group_out)
    if dilation == (1, 1) and kh % stride[0] == 0 and kw % stride[1] == 0:
        canvas = _add_in_slabs(taps, stride, padding, y.shape[2:])
    else:
        canvas = _scratch.array("canvas", (samples,) + y.shape[2:] + (groups, group_out), x.dtype)
        canvas.fill(0)
        _col2im_add(canvas, taps.transpose(4, 5, 1, 2, 3, 0, 6), (1, 2), stride, padding, dilation)
    np.copyto(y, canvas.reshape((samples,) + y.shape[2:] + (-1,)).transpose(0, 3, 1, 2))


def _add_in_slabs(taps, stride, padding, out_hw):
    """col2im for a kernel that is m * stride taps long (DCGAN's 4 = 2 * 2) and undilated, channels-last.

    Tap i = q * stride + r of input u lands on output (u + q) * stride + r - pad, so on a canvas of
    blocks of ``stride`` rows (padding included, cropped after) the taps of one q form a slab:
    m * m adds whose contiguous runs are stride * C_out long, instead of kH * kW adds of C_out.
    ``taps`` is (g, N, H_in, W_in, kH, kW, C_out/g); returns the (N, H_out, W_out, g, C_out/g) view.
    """
    groups, samples, in_h, in_w, kh, kw, group_out = taps.shape
    (sh, sw), (top, left) = stride, (padding[0][0], padding[1][0])
    mh, mw = kh // sh, kw // sw
    blocks_h = max(in_h + mh - 1, -(-(top + out_hw[0]) // sh))  # every tap, and every output row after the crop
    blocks_w = max(in_w + mw - 1, -(-(left + out_hw[1]) // sw))
    canvas = _scratch.array("canvas", (samples, blocks_h, sh, blocks_w, sw, groups, group_out), taps.dtype)
    canvas.fill(0)
    slabs = taps.reshape(groups, samples, in_h, in_w, mh, sh, mw, sw, group_out)
    for qh in range(mh):
        for qw in range(mw):
            canvas[:, qh:qh + in_h, :, qw:qw + in_w] += slabs[:, :, :, :, qh, :, qw].transpose(1, 2, 4, 3, 5, 0, 6)
    grid = canvas.reshape(samples, blocks_h * sh, blocks_w * sw, groups, group_out)
    return grid[:, top:top + out_hw[0], left:left + out_hw[1]]


def _block_operand(x, groups):
    """A block (N, C, H, W) as the GEMM operand (g, C/g, N * H * W), in scratch memory."""
    samples, channels, height, width = x.shape
    grouped = x.reshape(samples, groups, channels // groups, height * width)
    return _scratch.copy("operand", groups_first(grouped)).reshape(groups, channels // groups, -1)


# ---------------------------------------------------------------- im2col
class _Im2col:
    """The im2col matrices of one input for one kernel geometry, a batch block at a time.

    A block is a (groups, K, M) matrix, K = C/g * kH * kW, M = samples * H_out * W_out,
    copied from a strided view of the padded block. Channels-first order copies runs
    along W_out; channels-last order (K ordered kH, kW, C/g, the matrix a transposed
    view) copies runs along the channels, faster for short rows.
    """

    def __init__(self, x, kernel_hw, stride, padding, dilation, groups, out_hw=None):
        self.x, self.kernel_hw, self.groups = x, tuple(kernel_hw), groups
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.out_h, self.out_w = out_hw or conv_output_shape(x.shape[2:], kernel_hw, stride, padding, dilation)
        self.channels_last = _prefers_channels_last(x.shape[1] // groups, self.out_w)

    def weight_matrix(self, w):
        """w as (groups, C_out/g, K) with K in this layout's order."""
        grouped = w.reshape((self.groups, w.shape[0] // self.groups) + w.shape[1:])
        if self.channels_last:
            grouped = grouped.transpose(0, 1, 3, 4, 2)
        return grouped.reshape(self.groups, w.shape[0] // self.groups, -1)

    def weight_from_matrix(self, matrix, weight_shape):
        """Inverse of ``weight_matrix``: a (groups, C_out/g, K) matrix as a weight array."""
        if not self.channels_last:
            return matrix.reshape(weight_shape)
        out_channels, group_in, kh, kw = weight_shape
        return np.ascontiguousarray(matrix.reshape(out_channels, kh, kw, group_in).transpose(0, 3, 1, 2))

    def blocks(self):
        """Yield (batch slice, cols); cols is scratch memory: use it before the next block."""
        batch, channels = self.x.shape[:2]
        rows, pixels = channels // self.groups * math.prod(self.kernel_hw), self.out_h * self.out_w
        for block in batch_blocks(batch, self.groups * rows * pixels * self.x.itemsize, BLOCK_BYTES):
            samples = block.stop - block.start
            cols = _scratch.copy("cols", self._source(self.x[block]))
            if self.channels_last:
                yield block, cols.reshape(self.groups, samples * pixels, rows).transpose(0, 2, 1)
            else:
                yield block, cols.reshape(self.groups, rows, samples * pixels)

    def _source(self, x):
        """The block's im2col view, axes in the buffer's order; no copy but the padding."""
        padded = _padded(x, self.padding, self.channels_last)
        (kh, kw), (sh, sw), (dh, dw) = self.kernel_hw, self.stride, self.dilation
        span = ((kh - 1) * dh + 1, (kw - 1) * dw + 1)
        samples, channels = x.shape[:2]
        shape = (samples, self.groups, channels // self.groups)
        if self.channels_last:  # (N, H', W', C, span_h, span_w) -> (g, N, H_out, W_out, kH, kW, C/g)
            view = sliding_window_view(padded, span, axis=(1, 2))[:, ::sh, ::sw, :, ::dh, ::dw]
            view = view[:, : self.out_h, : self.out_w].reshape(view.shape[:1] + (self.out_h, self.out_w)
                                                               + shape[1:] + (kh, kw))
            return view.transpose(3, 0, 1, 2, 5, 6, 4)
        # (N, C, H', W', span_h, span_w) -> (g, C/g, kH, kW, N, H_out, W_out)
        view = sliding_window_view(padded, span, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
        view = view[:, :, : self.out_h, : self.out_w].reshape(shape + (self.out_h, self.out_w, kh, kw))
        return view.transpose(1, 2, 5, 6, 0, 3, 4)


def _prefers_channels_last(channels, row_length):
    """Copy along channels when output rows are shorter than a cache line and channels are longer."""
    return row_length < SHORT_ROW and channels > row_length


def _padded(x, padding, channels_last):
    """x zero-padded as ((top, bottom), (left, right)), NCHW or NHWC; x itself when that is all."""
    (top, bottom), (left, right) = padding
    if not channels_last and not (top or bottom or left or right):
        return x
    batch, channels, height, width = x.shape
    grid = (height + top + bottom, width + left + right)
    inside = (slice(top, top + height), slice(left, left + width))
    if channels_last:
        padded = _scratch.array("padded", (batch,) + grid + (channels,), x.dtype)
        padded.fill(0)
        padded[(slice(None),) + inside] = x.transpose(0, 2, 3, 1)
    else:
        padded = _scratch.array("padded", (batch, channels) + grid, x.dtype)
        padded.fill(0)
        padded[(slice(None), slice(None)) + inside] = x
    return padded


# ---------------------------------------------------------------- col2im
def _col2im_add(y, taps, spatial_axes, stride, padding, dilation):
    """y += taps scattered to their output pixels, one strided-slice add per kernel tap.

    ``taps[i, j]`` has y's axes, with the input grid instead of the output
    grid on ``spatial_axes``; taps falling into the padding are cut.
    """
    kh, kw = taps.shape[:2]
    row_axis, col_axis = spatial_axes
    in_h, in_w = taps.shape[2 + row_axis], taps.shape[2 + col_axis]
    for i in range(kh):
        rows = kernel_overlap(i, in_h, y.shape[row_axis], stride[0], padding[0], dilation[0])
        for j in range(kw):
            cols = kernel_overlap(j, in_w, y.shape[col_axis], stride[1], padding[1], dilation[1])
            if rows is None or cols is None:
                continue
            source, target = [slice(None)] * y.ndim, [slice(None)] * y.ndim
            source[row_axis], source[col_axis] = rows[0], cols[0]
            target[row_axis], target[col_axis] = rows[1], cols[1]
            y[tuple(target)] += taps[i, j][tuple(source)]


# ---------------------------------------------------------------- threads
def _over_batch(kernel, batch, macs):
    """[kernel(part) for each batch part]: one part in this thread, or one per BLAS thread, run in
    parallel (this thread takes the first) with BLAS at one thread each, when the call is large and
    BLAS has several threads."""
    workers = min(batch, _blas.threads()) if macs >= PARALLEL_MIN_MACS else 1
    if workers <= 1:
        return [kernel(slice(0, batch))]
    bounds = [batch * index // workers for index in range(workers + 1)]
    first, *rest = (slice(a, b) for a, b in zip(bounds, bounds[1:]))
    with _blas.single_threaded():
        others = [_pool(workers - 1).submit(kernel, part) for part in rest]
        try:
            return [kernel(first)] + [future.result() for future in others]
        finally:
            wait(others)  # BLAS goes back to its thread count only once no part is running


class _OpenBlas:
    """NumPy's OpenBLAS thread count, read and set through its C API (no control: 1 thread assumed)."""

    def __init__(self):
        self.get = self.set = self.spin = self.core = None
        directory = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
        for path in glob.glob(os.path.join(directory, "*openblas*")):
            try:
                library = ctypes.CDLL(path)
                self.get = library.scipy_openblas_get_num_threads64_
                self.set = library.scipy_openblas_set_num_threads64_
                self.spin = library.openblas_thread_timeout
            except (OSError, AttributeError):
                continue
            self.core = getattr(library, "scipy_openblas_get_corename64_", None)  # only for reports: optional
            if self.core is not None:
                self.core.restype = ctypes.c_char_p
            break
        self.lock = threading.Lock()

    def threads(self):
        return self.get() if self.get is not None and threading.current_thread() is threading.main_thread() else 1

    def spin_exponent(self):
        """N: idle OpenBLAS workers spin 2**N cycles before sleeping (None: no OpenBLAS to ask). OpenBLAS
        holds what OPENBLAS_THREAD_TIMEOUT asked for, 0 when unset (its default 28 then), clamped to 4..30."""
        if self.spin is None:
            return None
        asked = self.spin()
        return min(max(asked, 4), 30) if asked > 0 else OPENBLAS_DEFAULT_SPIN

    def core_name(self):
        """The CPU kernel family OpenBLAS runs (e.g. Haswell: AVX2, SkylakeX: AVX-512), or None."""
        return None if self.core is None else self.core().decode()

    def single_threaded(self):
        return _BlasAt(self, 1)


class _BlasAt:
    """Context manager: BLAS at ``count`` threads inside, its previous count restored after."""

    def __init__(self, blas, count):
        self.blas, self.count = blas, count

    def __enter__(self):
        self.blas.lock.acquire()
        self.previous = self.blas.get()
        self.blas.set(self.count)

    def __exit__(self, *exc_info):
        self.blas.set(self.previous)
        self.blas.lock.release()
        return False


_blas = _OpenBlas()
_pools = {}


def openblas_spin_exponent():
    """How long NumPy's idle OpenBLAS workers spin before sleeping, as N in 2**N cycles (None: unknown)."""
    return _blas.spin_exponent()


def openblas_core_name():
    """The kernel family NumPy's OpenBLAS chose for this CPU, or was forced to by OPENBLAS_CORETYPE (None:
    unknown)."""
    return _blas.core_name()


def _pool(workers):
    if workers not in _pools:
        _pools[workers] = ThreadPoolExecutor(workers, thread_name_prefix="minigrad-conv")
    return _pools[workers]


# ---------------------------------------------------------------- scratch memory
class _Scratch(threading.local):
    """Per-thread buffers, one per role, grown on demand and reused by every call.

    A view handed out is valid until the next request for the same role; the
    kernels above never let one escape.
    """

    def __init__(self):
        self.buffers = {}

    def array(self, role, shape, dtype):
        """An uninitialized C-contiguous array of ``shape`` backed by the role's buffer."""
        size = math.prod(shape) * np.dtype(dtype).itemsize
        buffer = self.buffers.get(role)
        if buffer is None or buffer.size < size:
            buffer = self.buffers[role] = np.empty(size, dtype=np.uint8)
        return buffer[:size].view(dtype).reshape(shape)

    def copy(self, role, source):
        """A C-contiguous copy of ``source`` in the role's buffer."""
        target = self.array(role, source.shape, source.dtype)
        np.copyto(target, source)
        return target


_scratch = _Scratch()

