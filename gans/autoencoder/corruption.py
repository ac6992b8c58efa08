"""Input corruptions of the denoising autoencoder, on [0, 1] pixels, drawn from a NumPy Generator."""
from __future__ import annotations

import numpy as np

import minigrad


def corrupt(pixels, kind, rng, noise_std=0.3, mask_fraction=0.5):
    """`pixels` (a tensor in [0, 1]) corrupted by `kind`:
    "gaussian": x + noise_std * eps (not clipped, so the noise is exactly Gaussian);
    "mask": each pixel set to 0 with probability mask_fraction (Vincent et al. 2008's masking noise);
    "none": unchanged."""
    if kind == "none":
        return pixels
    if kind == "gaussian":
        noise = rng.standard_normal(pixels.shape).astype(np.float32)
        return pixels + noise_std * minigrad.tensor(noise, dtype=pixels.dtype, device=pixels.device)
    if kind == "mask":
        keep = (rng.random(pixels.shape) >= mask_fraction).astype(np.float32)
        return pixels * minigrad.tensor(keep, dtype=pixels.dtype, device=pixels.device)
    raise ValueError(f"corrupt: kind must be 'none', 'gaussian' or 'mask', got {kind!r}")
