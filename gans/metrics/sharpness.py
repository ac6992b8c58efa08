"""Image sharpness statistics on arrays (N, C, H, W), NumPy float64: the numbers behind "VAE
samples are blurry". Each is computed inside the image (no padding), per image, in the images'
own units (compare sets of images in the same value range).

- mean gradient magnitude: mean over pixels of sqrt(dx^2 + dy^2) with central differences
  dx = (x[i, j+1] - x[i, j-1]) / 2, dy likewise;
- gradient energy: mean over pixels of dx^2 + dy^2 (Tenengrad's focus measure; the translation
  family's sharpness figure): blurring spreads an edge's rise over more pixels, which keeps the sum
  of |grad| but lowers the sum of its squares;
- Laplacian variance: variance over pixels of the 4-neighbour Laplacian
  x[i-1, j] + x[i+1, j] + x[i, j-1] + x[i, j+1] - 4 x[i, j] (Pech-Pacheco et al. 2000's focus measure).
"""
from __future__ import annotations

import numpy as np


def _check_images(op, images):
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 4 or images.shape[2] < 3 or images.shape[3] < 3 or len(images) == 0:
        raise ValueError(f"{op}: expected images (N, C, H, W) with N >= 1 and H, W >= 3, got {images.shape}")
    if not np.isfinite(images).all():
        raise ValueError(f"{op}: images contain NaN or inf")
    return images


def _squared_gradients(images):
    """dx^2 + dy^2 at the interior pixels, central differences."""
    dx = (images[..., 1:-1, 2:] - images[..., 1:-1, :-2]) / 2
    dy = (images[..., 2:, 1:-1] - images[..., :-2, 1:-1]) / 2
    return dx ** 2 + dy ** 2


def gradient_magnitude(images):
    """Mean central-difference gradient magnitude per image (N,)."""
    images = _check_images("gradient_magnitude", images)
    return np.sqrt(_squared_gradients(images)).mean(axis=(1, 2, 3))


def gradient_energy(images):
    """Mean squared central-difference gradient per image (N,)."""
    images = _check_images("gradient_energy", images)
    return _squared_gradients(images).mean(axis=(1, 2, 3))


def laplacian_variance(images):
    """Variance of the 4-neighbour Laplacian per image (N,), over channels and interior pixels."""
    images = _check_images("laplacian_variance", images)
    laplacian = (images[..., :-2, 1:-1] + images[..., 2:, 1:-1] + images[..., 1:-1, :-2] + images[..., 1:-1, 2:]
                 - 4 * images[..., 1:-1, 1:-1])
    return laplacian.reshape(len(images), -1).var(axis=1)


def sharpness(images):
    """{"gradient_magnitude", "laplacian_variance"}: each statistic's mean over the images."""
    return {"gradient_magnitude": float(gradient_magnitude(images).mean()),
            "laplacian_variance": float(laplacian_variance(images).mean())}
