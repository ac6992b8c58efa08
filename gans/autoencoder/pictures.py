"""The family's pictures, as image grids (gans.plots.save_image_grid, [-1, 1] images):
reconstructions beside their inputs, latent interpolations between test digits, the 2-D latent
manifold, one row per class for a conditional VAE, and noisy / denoised / clean rows for a
denoising autoencoder. Each function returns the grid's array (N, 1, 28, 28) and writes it when
given a path."""
from __future__ import annotations

from statistics import NormalDist

import numpy as np

import minigrad

from gans.autoencoder.corruption import corrupt
from gans.autoencoder.objectives import from_unit_range, to_unit_range
from gans.data.mnist import N_CLASSES
from gans.plots import save_image_grid


def _tensor(array, autoencoder):
    return minigrad.tensor(np.asarray(array), device=next(iter(autoencoder.parameters())).device)


def _labels(autoencoder, labels):
    return _tensor(labels, autoencoder) if autoencoder.config.conditional else None


def _write(grid, path, columns):
    if path is not None:
        save_image_grid(grid, path, ncols=columns)
    return grid


def _decode(autoencoder, codes, labels=None):
    """Images in [-1, 1] decoded from codes (NumPy) and labels."""
    return from_unit_range(autoencoder.pixel_means(_tensor(codes.astype(np.float32), autoencoder),
                                                   None if labels is None else _labels(autoencoder, labels))).numpy()


def _codes(autoencoder, images, labels):
    """Posterior means (the code of a deterministic autoencoder) of [-1, 1] images, NumPy."""
    pixels = to_unit_range(_tensor(images.astype(np.float32), autoencoder))
    return autoencoder.posterior(pixels, _labels(autoencoder, labels))[0].numpy()


@minigrad.no_grad()
def reconstructions(autoencoder, images, labels, path=None, columns=8):
    """Alternate rows of `columns` inputs and their reconstructions (at the posterior mean)."""
    autoencoder.eval()
    images = images[: len(images) // columns * columns]
    decoded = _decode(autoencoder, _codes(autoencoder, images, labels), labels[: len(images)])
    pairs = np.stack([images.reshape(-1, columns, *images.shape[1:]), decoded.reshape(-1, columns, *images.shape[1:])],
                     axis=1)
    return _write(pairs.reshape(-1, *images.shape[1:]), path, columns)


@minigrad.no_grad()
def interpolations(autoencoder, starts, ends, start_labels, path=None, steps=10):
    """One row per (start, end) pair of test digits: decodings along the straight line between
    their codes (the start's label held along the row for a conditional VAE)."""
    autoencoder.eval()
    first, last = _codes(autoencoder, starts, start_labels), _codes(autoencoder, ends, start_labels)
    weights = np.linspace(0, 1, steps)[None, :, None]
    codes = (first[:, None] * (1 - weights) + last[:, None] * weights).reshape(-1, first.shape[1])
    return _write(_decode(autoencoder, codes, np.repeat(start_labels, steps)), path, steps)


@minigrad.no_grad()
def latent_manifold(autoencoder, path=None, side=20, label=None):
    """Decodings of a side x side grid of 2-D codes at the prior's quantiles 0.05..0.95
    (Kingma & Welling 2014, figure 4); needs latent_dim = 2."""
    if autoencoder.config.latent_dim != 2:
        raise ValueError(f"latent_manifold: needs a 2-D code, this model has latent_dim={autoencoder.config.latent_dim}")
    autoencoder.eval()
    quantiles = np.array([NormalDist().inv_cdf(p) for p in np.linspace(0.05, 0.95, side)])
    rows, columns = np.meshgrid(quantiles[::-1], quantiles, indexing="ij")
    codes = np.stack([columns.ravel(), rows.ravel()], axis=1)
    labels = np.full(len(codes), 0 if label is None else label)
    return _write(_decode(autoencoder, codes, labels), path, side)


@minigrad.no_grad()
def class_rows(autoencoder, rng, path=None, columns=10):
    """A conditional VAE's samples, one row per class 0..9, the same codes in every row (so a column
    holds one 'style')."""
    autoencoder.eval()
    codes = np.tile(autoencoder.prior_codes(columns, rng), (N_CLASSES, 1))
    return _write(_decode(autoencoder, codes, np.repeat(np.arange(N_CLASSES), columns)), path, columns)


@minigrad.no_grad()
def denoising_rows(autoencoder, images, labels, rng, noise_stds, path=None):
    """For each noise std: a row of noisy inputs, a row of their reconstructions; the clean images last."""
    autoencoder.eval()
    pixels = to_unit_range(_tensor(images.astype(np.float32), autoencoder))
    rows = []
    for noise_std in noise_stds:
        noisy = corrupt(pixels, "gaussian", rng, noise_std)
        rows += [from_unit_range(noisy.clamp(0, 1)).numpy(),
                 from_unit_range(autoencoder.reconstruct(noisy, _labels(autoencoder, labels))).numpy()]
    return _write(np.concatenate(rows + [images]), path, len(images))
