"""A plain NumPy im2col + tensordot convolution (Chainer's textbook scheme), the baseline to beat.

im2col copies one strided slice per kernel tap into a (N, C, kH, kW, H_out, W_out)
array and contracts it with ``tensordot``; col2im adds the slices back.
Groups = 1, dilation = 1, square stride and padding: enough for the benchmark shapes.
"""
import numpy as np


def im2col(x, k, stride, pad):
    batch, channels, height, width = x.shape
    out_h, out_w = (height + 2 * pad - k) // stride + 1, (width + 2 * pad - k) // stride + 1
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad + stride - 1), (pad, pad + stride - 1)))
    col = np.empty((batch, channels, k, k, out_h, out_w), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            col[:, :, i, j] = padded[:, :, i : i + stride * out_h : stride, j : j + stride * out_w : stride]
    return col


def col2im(col, stride, pad, height, width):
    batch, channels, k, _, out_h, out_w = col.shape
    image = np.zeros((batch, channels, height + 2 * pad + stride - 1, width + 2 * pad + stride - 1), dtype=col.dtype)
    for i in range(k):
        for j in range(k):
            image[:, :, i : i + stride * out_h : stride, j : j + stride * out_w : stride] += col[:, :, i, j]
    return image[:, :, pad : height + pad, pad : width + pad]


def conv2d(x, w, stride, pad):
    col = im2col(x, w.shape[2], stride, pad)
    return np.rollaxis(np.tensordot(col, w, ((1, 2, 3), (1, 2, 3))), 3, 1)


def conv2d_backward(x, w, gy, stride, pad):
    """(grad_x, grad_w) of conv2d for the output gradient gy."""
    col = im2col(x, w.shape[2], stride, pad)
    grad_w = np.tensordot(gy, col, ((0, 2, 3), (0, 4, 5)))
    grad_col = np.rollaxis(np.tensordot(w, gy, (0, 1)), 3)
    return col2im(grad_col, stride, pad, x.shape[2], x.shape[3]), grad_w


def conv_transpose2d(x, w, stride, pad):
    k = w.shape[2]
    out_h, out_w = (x.shape[2] - 1) * stride - 2 * pad + k, (x.shape[3] - 1) * stride - 2 * pad + k
    grad_col = np.rollaxis(np.tensordot(w, x, (0, 1)), 3)
    return col2im(grad_col, stride, pad, out_h, out_w)


def conv_transpose2d_backward(x, w, gy, stride, pad):
    """(grad_x, grad_w) of conv_transpose2d for the output gradient gy."""
    col = im2col(gy, w.shape[2], stride, pad)
    grad_x = np.rollaxis(np.tensordot(col, w, ((1, 2, 3), (1, 2, 3))), 3, 1)
    grad_w = np.tensordot(x, col, ((0, 2, 3), (0, 4, 5)))
    return grad_x, grad_w
