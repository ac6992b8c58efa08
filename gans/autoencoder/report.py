"""The autoencoder family's own figures for `python -m gans evaluate`, beside the classifier and
sharpness scores every image family gets (gans.metrics.images): held-out likelihood (negative ELBO,
IWAE), denoising PSNR / SSIM against the noisy input's, and the family's pictures."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from gans.autoencoder import pictures
from gans.autoencoder.config import EvaluationOptions
from gans.autoencoder.evaluation import DENOISING_NOISE_STDS, denoising_quality, likelihood_figures
from gans.data import load_idx_dataset, scale_images
from gans.plots import save_image_grid

PICTURE_DIGITS = 16
PICTURES_FOLDER = "pictures"


def evaluate_run(model, spec, samples, options=None, seed=0, data_dir=None, log=print, folder=None):
    """Figures of a trained model on the test split of its dataset, as a flat dict (`options`: an
    EvaluationOptions); with `folder`, the pictures are written into `folder`/pictures/."""
    options = options or EvaluationOptions()
    images, labels = load_idx_dataset(spec.run.dataset, "test", data_dir or None)
    count = options.eval_images
    return evaluate_autoencoder(model.autoencoder, samples, scale_images(images[:count]), labels[:count],
                                np.random.default_rng([0 if seed is None else seed, 1]), options, log,
                                None if folder is None else Path(folder) / PICTURES_FOLDER)


def evaluate_autoencoder(autoencoder, samples, test_images, test_labels, rng, options=None, log=print, out_dir=None):
    """The figures of `evaluate_run` from arrays: test images in [-1, 1] with their labels, and samples."""
    config, options = autoencoder.config, options or EvaluationOptions()
    log(f"likelihood of {len(test_images)} test images" + (
        f" (IWAE: {options.iwae_samples} samples each of the first {options.iwae_images})" if config.variational else ""))
    figures = likelihood_figures(autoencoder, test_images, test_labels, rng, options.iwae_samples, options.iwae_images)
    if config.corruption != "none":
        log("denoising the test images")
        for row in denoising_quality(autoencoder, test_images, test_labels, rng):
            figures.update({f"{name}@{row['noise_std']}": value for name, value in row.items() if name != "noise_std"})
    if out_dir is not None:
        write_pictures(autoencoder, samples, test_images, test_labels, rng, Path(out_dir))
        log(f"pictures in {out_dir}")
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
