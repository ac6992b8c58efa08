"""What `evaluate` reports for an autoencoder run: the held-out likelihood (or denoising) figures,
the classifier scores and sharpness of its samples beside real test digits, the asked-for digit
share of a conditional VAE, and the family's pictures."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from gans.autoencoder import pictures
from gans.autoencoder.evaluation import DENOISING_NOISE_STDS, denoising_quality, likelihood_figures
from gans.metrics.images import conditional_accuracy, evaluate_images
from gans.metrics.sharpness import sharpness
from gans.plots import save_image_grid

PICTURE_DIGITS = 16


def sample_quality(samples, real_images, classifier, dataset="mnist", data_dir=None, seed=0):
    """evaluate_images' classifier figures of `samples` ([-1, 1]), with their sharpness beside that
    of as many real test images (keys ending in `_real`)."""
    figures = evaluate_images(samples, dataset, classifier, n_samples=len(samples), seed=seed, data_dir=data_dir)
    figures.update(sharpness(samples))
    figures.update({f"{name}_real": value for name, value in sharpness(real_images[:len(samples)]).items()})
    return figures


def evaluate_autoencoder(autoencoder, sample, test_images, test_labels, classifier, out_dir, seed=0,
                         dataset="mnist", data_dir=None, n_samples=5000, iwae_samples=100, iwae_images=None):
    """All figures of one run as a flat dict, and its pictures written into `out_dir`.

    `sample(n, labels, rng)` draws n images in [-1, 1] (the family model's `sample`)."""
    rng = np.random.default_rng(seed)
    figures = likelihood_figures(autoencoder, test_images, test_labels, rng, iwae_samples, iwae_images)
    if autoencoder.config.corruption != "none":
        for row in denoising_quality(autoencoder, test_images, test_labels, rng):
            figures.update({f"{name}@{row['noise_std']}": value for name, value in row.items() if name != "noise_std"})
    labels = np.arange(n_samples) % 10
    samples = sample(n_samples, labels, rng)
    figures.update(sample_quality(samples, test_images, classifier, dataset, data_dir, seed))
    if autoencoder.config.conditional:
        figures["asked_for_digit"] = conditional_accuracy(samples, labels, dataset, classifier)
    write_pictures(autoencoder, samples, test_images, test_labels, rng, Path(out_dir))
    return figures


def write_pictures(autoencoder, samples, test_images, test_labels, rng, out_dir):
    """samples.png, reconstructions.png, interpolations.png, and where they apply
    latent_manifold.png (2-D code), class_rows.png (cVAE), denoising.png (denoising autoencoder)."""
    digits, labels = test_images[:PICTURE_DIGITS], test_labels[:PICTURE_DIGITS]
    save_image_grid(samples[:100], out_dir / "samples.png", ncols=10)
    pictures.reconstructions(autoencoder, digits, labels, out_dir / "reconstructions.png")
    pictures.interpolations(autoencoder, digits[:8], digits[8:16], labels[:8], out_dir / "interpolations.png")
    if autoencoder.config.latent_dim == 2:
        pictures.latent_manifold(autoencoder, out_dir / "latent_manifold.png")
    if autoencoder.config.conditional:
        pictures.class_rows(autoencoder, rng, out_dir / "class_rows.png")
    if autoencoder.config.corruption != "none":
        pictures.denoising_rows(autoencoder, digits[:10], labels[:10], rng, DENOISING_NOISE_STDS,
                                out_dir / "denoising.png")
