"""Full-reference and sharpness figures on image arrays (N, C, H, W), per image, float64.

The translation family's own copies until the shared PSNR/SSIM/sharpness metrics land (to be unified):
- psnr: 10 log10(range^2 / MSE) in dB;
- ssim: Wang et al. (2004), an 11x11 Gaussian window (sigma 1.5) over the positions where it fits,
  C1 = (0.01 range)^2, C2 = (0.03 range)^2, averaged over positions and channels;
- gradient_energy: mean squared central-difference gradient (Tenengrad's focus measure), the
  sharpness statistic: blurring spreads an edge's rise over more pixels, which keeps the sum of
  |grad| but lowers the sum of its squares (compare sets in the same value range).
"""
from __future__ import annotations

import numpy as np

SSIM_WINDOW, SSIM_SIGMA = 11, 1.5
SSIM_K1, SSIM_K2 = 0.01, 0.03


def _checked(op: str, *arrays) -> list[np.ndarray]:
    arrays = [np.asarray(array, dtype=np.float64) for array in arrays]
    first = arrays[0]
    if first.ndim != 4 or not len(first) or any(array.shape != first.shape for array in arrays):
        raise ValueError(f"{op}: expected non-empty (N, C, H, W) arrays of one shape, "
                         f"got {[array.shape for array in arrays]}")
    if not all(np.isfinite(array).all() for array in arrays):
        raise ValueError(f"{op}: images contain NaN or inf")
    return arrays


def psnr(images, references, data_range: float = 2.0) -> np.ndarray:
    """Peak signal-to-noise ratio per image; data_range 2 for images in [-1, 1]."""
    images, references = _checked("psnr", images, references)
    mse = ((images - references) ** 2).mean(axis=(1, 2, 3))
    with np.errstate(divide="ignore"):
        return 10 * np.log10(data_range**2 / mse)


def _gaussian_means(images: np.ndarray, size: int) -> np.ndarray:
    offsets = np.arange(size) - (size - 1) / 2
    line = np.exp(-offsets**2 / (2 * SSIM_SIGMA**2))
    line /= line.sum()
    patches = np.lib.stride_tricks.sliding_window_view(images, (size, size), axis=(2, 3))
    return np.einsum("nchwij,i,j->nchw", patches, line, line)


def ssim(images, references, data_range: float = 2.0) -> np.ndarray:
    """Structural similarity per image, 1 for identical images."""
    x, y = _checked("ssim", images, references)
    size = min(SSIM_WINDOW, *x.shape[2:])
    c1, c2 = (SSIM_K1 * data_range) ** 2, (SSIM_K2 * data_range) ** 2
    mean_x, mean_y = _gaussian_means(x, size), _gaussian_means(y, size)
    var_x = _gaussian_means(x * x, size) - mean_x**2
    var_y = _gaussian_means(y * y, size) - mean_y**2
    covariance = _gaussian_means(x * y, size) - mean_x * mean_y
    index = ((2 * mean_x * mean_y + c1) * (2 * covariance + c2)
             / ((mean_x**2 + mean_y**2 + c1) * (var_x + var_y + c2)))
    return index.mean(axis=(1, 2, 3))


def gradient_energy(images) -> np.ndarray:
    """Mean |grad|^2 per image over interior pixels, central differences."""
    (images,) = _checked("gradient_energy", images)
    if min(images.shape[2:]) < 3:
        raise ValueError(f"gradient_energy: images need at least 3x3 pixels, got {images.shape}")
    dx = (images[..., 1:-1, 2:] - images[..., 1:-1, :-2]) / 2
    dy = (images[..., 2:, 1:-1] - images[..., :-2, 1:-1]) / 2
    return (dx**2 + dy**2).mean(axis=(1, 2, 3))
