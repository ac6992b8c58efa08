"""Reconstruction-quality metrics on image arrays (N, C, H, W), any value range, NumPy float64.

- PSNR = 10 log10(data_range^2 / MSE) per image (dB); identical images give +inf.
- SSIM (Wang, Bovik, Sheikh & Simoncelli 2004): per channel, local means, variances and
  covariance under an 11x11 Gaussian window of sigma 1.5 (the paper's), normalised to sum 1;
      SSIM = (2 mu_x mu_y + C1)(2 s_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(s_x^2 + s_y^2 + C2)),
  C1 = (0.01 L)^2, C2 = (0.03 L)^2 for the data range L, averaged over the positions where the
  window fits (no padding) and the channels. Images smaller than the window use a window of
  their smaller side.
"""
from __future__ import annotations

import numpy as np

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_K1, SSIM_K2 = 0.01, 0.03


def check_image_pair(op, images, references):
    """Both as float64 (N, C, H, W) of one shape, finite; else a ValueError naming `op`."""
    images, references = np.asarray(images, dtype=np.float64), np.asarray(references, dtype=np.float64)
    if images.ndim != 4 or images.shape != references.shape or images.size == 0:
        raise ValueError(f"{op}: expected two non-empty (N, C, H, W) arrays of one shape, "
                         f"got {images.shape} and {references.shape}")
    if not (np.isfinite(images).all() and np.isfinite(references).all()):
        raise ValueError(f"{op}: images contain NaN or inf")
    return images, references


def _check_range(op, data_range):
    if not data_range > 0:
        raise ValueError(f"{op}: data_range must be > 0 (the span of the pixel values), got {data_range}")


def psnr(images, references, data_range=1.0):
    """Peak signal-to-noise ratio per image (N,) in dB."""
    _check_range("psnr", data_range)
    images, references = check_image_pair("psnr", images, references)
    mse = ((images - references) ** 2).mean(axis=(1, 2, 3))
    with np.errstate(divide="ignore"):
        return 10 * np.log10(data_range ** 2 / mse)


def gaussian_kernel(size, sigma):
    """A (size,) Gaussian summing to 1; the SSIM window is its outer product with itself."""
    offsets = np.arange(size) - (size - 1) / 2
    line = np.exp(-offsets ** 2 / (2 * sigma ** 2))
    return line / line.sum()


def gaussian_window(size, sigma):
    """The (size, size) Gaussian window of SSIM, summing to 1."""
    line = gaussian_kernel(size, sigma)
    return np.outer(line, line)


def _local_means(images, kernel):
    """Means under the separable window at every position where it fits: (..., H-k+1, W-k+1),
    one 1-D pass down the rows and one across the columns."""
    size = len(kernel)
    down = np.lib.stride_tricks.sliding_window_view(images, size, axis=-2) @ kernel
    return np.lib.stride_tricks.sliding_window_view(down, size, axis=-1) @ kernel


def ssim(images, references, data_range=1.0, window_size=SSIM_WINDOW, sigma=SSIM_SIGMA):
    """Structural similarity per image (N,), in [-1, 1]; 1 exactly for identical images."""
    _check_range("ssim", data_range)
    images, references = check_image_pair("ssim", images, references)
    size = min(window_size, *images.shape[2:])
    window = gaussian_kernel(size, sigma)
    c1, c2 = (SSIM_K1 * data_range) ** 2, (SSIM_K2 * data_range) ** 2
    mean_x, mean_y = _local_means(images, window), _local_means(references, window)
    var_x = _local_means(images * images, window) - mean_x ** 2
    var_y = _local_means(references * references, window) - mean_y ** 2
    cov_xy = _local_means(images * references, window) - mean_x * mean_y
    numerator = (2 * mean_x * mean_y + c1) * (2 * cov_xy + c2)
    denominator = (mean_x ** 2 + mean_y ** 2 + c1) * (var_x + var_y + c2)
    return (numerator / denominator).mean(axis=(1, 2, 3))
