"""Convolution kernels for CuPy: the same three functions as ``numpy_conv``.

im2col and col2im are elementwise CUDA kernels written as gathers: one
thread per output element reads what it needs, so no atomics are used and
results are deterministic. Padding is folded into the index math (no padded
copy). GEMMs go through cuBLAS via ``cupy.matmul`` on the same
``(groups, rows, samples * pixels)`` layout as the NumPy kernels. This
module is imported only when a "cuda" tensor meets a convolution.
"""
import math

import cupy

from .conv_geometry import batch_blocks, batch_first, conv_output_shape, groups_first, transposed_output_shape

# im2col buffer size per GEMM: large, GPUs have the memory; it only caps huge batches.
BLOCK_BYTES = 256 << 20

_GEOMETRY = "int64 kh, int64 kw, int64 sh, int64 sw, int64 pt, int64 pl, int64 dh, int64 dw"

# col[c, i, j, n, oh, ow] = x[n, c, oh*sh - pt + i*dh, ow*sw - pl + j*dw], zero outside x.
_im2col = cupy.ElementwiseKernel(
    "raw T x, int64 channels, int64 height, int64 width, int64 samples, int64 out_h, int64 out_w, " + _GEOMETRY,
    "T col",
    """
    long long rest = i;
    const long long ow = rest % out_w; rest /= out_w;
    const long long oh = rest % out_h; rest /= out_h;
    const long long n = rest % samples; rest /= samples;
    const long long j = rest % kw; rest /= kw;
    const long long ki = rest % kh;
    const long long c = rest / kh;
    const long long row = oh * sh - pt + ki * dh;
    const long long column = ow * sw - pl + j * dw;
    const bool inside = row >= 0 && row < height && column >= 0 && column < width;
    col = inside ? x[((n * channels + c) * height + row) * width + column] : (T)0;
    """,
    "minigrad_conv_im2col",
)

# y[n, c, r, s] = sum of taps[c, i, j, n, q, p] over the taps (i, j) whose input (q, p) lands on (r, s):
# r = q*sh - pt + i*dh, s = p*sw - pl + j*dw.
_col2im = cupy.ElementwiseKernel(
    "raw T taps, int64 channels, int64 out_h, int64 out_w, int64 samples, int64 in_h, int64 in_w, " + _GEOMETRY,
    "T y",
    """
    long long rest = i;
    const long long s = rest % out_w; rest /= out_w;
    const long long r = rest % out_h; rest /= out_h;
    const long long c = rest % channels;
    const long long n = rest / channels;
    T total = 0;
    for (long long ki = 0; ki < kh; ++ki) {
        const long long row_shift = r + pt - ki * dh;
        if (row_shift < 0) break;
        if (row_shift % sh != 0 || row_shift / sh >= in_h) continue;
        const long long q = row_shift / sh;
        for (long long j = 0; j < kw; ++j) {
            const long long column_shift = s + pl - j * dw;
            if (column_shift < 0) break;
            if (column_shift % sw != 0 || column_shift / sw >= in_w) continue;
            const long long p = column_shift / sw;
            total += taps[((((c * kh + ki) * kw + j) * samples + n) * in_h + q) * in_w + p];
        }
    }
    y = total;
    """,
    "minigrad_conv_col2im",
)


def conv2d(x, w, stride, padding, dilation, groups):
    """y[n, o] = sum over c, i, j of w[o, c, i, j] * padded x[n, c, shifted by tap (i, j)]."""
    batch, out_channels = x.shape[0], w.shape[0]
    out_h, out_w = conv_output_shape(x.shape[2:], w.shape[2:], stride, padding, dilation)
    w_mat = cupy.ascontiguousarray(w).reshape(groups, out_channels // groups, -1)
    y = cupy.empty((batch, groups, out_channels // groups, out_h * out_w), dtype=x.dtype)
    for block, cols in _im2col_blocks(x, w.shape[2:], (out_h, out_w), stride, padding, dilation, groups):
        y[block] = batch_first(cupy.matmul(w_mat, cols), block)
    return y.reshape(batch, out_channels, out_h, out_w)


def conv2d_weight(x, gy, weight_shape, stride, padding, dilation, groups):
    """Gradient of conv2d(x, w) with respect to w, given the output gradient ``gy`` (on gy's grid)."""
    out_channels, out_h, out_w = gy.shape[1:]
    gy_grouped = gy.reshape(gy.shape[0], groups, out_channels // groups, out_h * out_w)
    gw = cupy.zeros((groups, out_channels // groups, math.prod(weight_shape[1:])), dtype=x.dtype)
    for block, cols in _im2col_blocks(x, weight_shape[2:], (out_h, out_w), stride, padding, dilation, groups):
        gw += cupy.matmul(_gemm_operand(gy_grouped[block]), cols.transpose(0, 2, 1))
    return gw.reshape(weight_shape)


def conv_transpose2d(x, w, stride, padding, output_padding, dilation, groups):
    """The adjoint of conv2d: every input pixel scatters w-weighted taps onto the output (as a gather)."""
    batch, in_channels, in_h, in_w = x.shape
    out_channels = w.shape[1] * groups
    kernel_hw = w.shape[2:]
    out_hw = transposed_output_shape((in_h, in_w), kernel_hw, stride, padding, output_padding, dilation)
    w_t = cupy.ascontiguousarray(w).reshape(groups, in_channels // groups, -1).transpose(0, 2, 1)
    x_grouped = x.reshape(batch, groups, in_channels // groups, in_h * in_w)
    y = cupy.empty((batch, out_channels) + out_hw, dtype=x.dtype)
    bytes_per_sample = w_t.shape[0] * w_t.shape[1] * in_h * in_w * x.itemsize
    for block in batch_blocks(batch, bytes_per_sample, BLOCK_BYTES):
        taps = cupy.ascontiguousarray(cupy.matmul(w_t, _gemm_operand(x_grouped[block])))
        samples = block.stop - block.start
        _col2im(taps, out_channels, out_hw[0], out_hw[1], samples, in_h, in_w,
                *_geometry(kernel_hw, stride, padding, dilation), y[block])
    return y


def _im2col_blocks(x, kernel_hw, out_hw, stride, padding, dilation, groups):
    """Yield (batch slice, cols) with cols (groups, C/g * kH * kW, samples * H_out * W_out)."""
    x = cupy.ascontiguousarray(x)
    batch, channels, height, width = x.shape
    rows = channels // groups * kernel_hw[0] * kernel_hw[1]
    pixels = out_hw[0] * out_hw[1]
    for block in batch_blocks(batch, groups * rows * pixels * x.itemsize, BLOCK_BYTES):
        samples = block.stop - block.start
        cols = cupy.empty((groups, rows, samples * pixels), dtype=x.dtype)
        _im2col(x[block], channels, height, width, samples, out_hw[0], out_hw[1],
                *_geometry(kernel_hw, stride, padding, dilation), cols)
        yield block, cols


def _gemm_operand(grouped):
    """A block (samples, g, C/g, L) as the contiguous GEMM operand (g, C/g, samples * L)."""
    operand = cupy.ascontiguousarray(groups_first(grouped))
    return operand.reshape(operand.shape[:2] + (-1,))


def _geometry(kernel_hw, stride, padding, dilation):
    """The kernel's geometry arguments: kh, kw, sh, sw, pad top, pad left, dh, dw."""
    return (*kernel_hw, *stride, padding[0][0], padding[1][0], *dilation)
