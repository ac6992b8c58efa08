"""Held-out figures of a trained autoencoder: test negative ELBO and IWAE estimate of -log p(x)
(nats per image), and the denoising PSNR / SSIM against the noisy input's.

Images come in the project's [-1, 1] range (N, 1, 28, 28) with their labels; noise comes from the
NumPy Generator given, so figures are reproducible by seed.
"""
from __future__ import annotations

import numpy as np

import minigrad

from gans.autoencoder.corruption import corrupt
from gans.autoencoder.objectives import to_unit_range
from gans.metrics.likelihood import importance_weighted_bound
from gans.metrics.psnr import psnr, ssim

DENOISING_NOISE_STDS = (0.1, 0.3, 0.5)
MAX_ROWS_PER_BATCH = 20000  # (image, sample) rows decoded at once by the IWAE estimate


def _batches(autoencoder, images, labels, batch_size):
    """(pixels in [0, 1], labels or None) tensors on the autoencoder's device, batch by batch."""
    device = next(iter(autoencoder.parameters())).device
    conditional = autoencoder.config.conditional
    for start in range(0, len(images), batch_size):
        pixels = to_unit_range(minigrad.tensor(np.asarray(images[start:start + batch_size], np.float32), device=device))
        batch_labels = minigrad.tensor(labels[start:start + batch_size], device=device) if conditional else None
        yield pixels, batch_labels


def _standard_normal(rng, shape, like):
    return minigrad.tensor(rng.standard_normal(shape).astype(np.float32), device=like.device)


@minigrad.no_grad()
def held_out_negative_elbo(autoencoder, images, labels, rng, batch_size=500):
    """Mean per-image -ELBO with one posterior sample per image (pytorch/examples' test loss), and
    its reconstruction and KL parts, in nats. A deterministic autoencoder reports only its reconstruction
    (-log p(x|code): a gaussian density for the denoising preset, so not comparable in nats)."""
    autoencoder.eval()
    totals = {}
    for pixels, batch_labels in _batches(autoencoder, images, labels, batch_size):
        noise = _standard_normal(rng, (len(pixels), autoencoder.config.latent_dim), pixels)
        for name, values in autoencoder.negative_elbo(pixels, batch_labels, noise).items():
            totals[name] = totals.get(name, 0.0) + float(values.sum().item())
    means = {name: total / len(images) for name, total in totals.items()}
    loss = means.pop("loss")
    return {"negative_elbo": loss, **means} if autoencoder.config.variational else means


@minigrad.no_grad()
def importance_weighted_nll(autoencoder, images, labels, rng, samples=100):
    """Mean -L_k over the images: the IWAE estimate of -log p(x) with k = `samples` (an upper bound
    on the true negative log-likelihood, below the negative ELBO)."""
    autoencoder.eval()
    batch_size = max(1, MAX_ROWS_PER_BATCH // samples)
    bounds = []
    for pixels, batch_labels in _batches(autoencoder, images, labels, batch_size):
        noise = _standard_normal(rng, (len(pixels), samples, autoencoder.config.latent_dim), pixels)
        bounds.append(importance_weighted_bound(autoencoder.log_weights(pixels, batch_labels, noise).numpy()))
    return float(-np.concatenate(bounds).mean())


@minigrad.no_grad()
def denoising_quality(autoencoder, images, labels, rng, noise_stds=DENOISING_NOISE_STDS, batch_size=500):
    """For each gaussian noise std (in [0, 1] pixel units): mean PSNR (dB, peak 1) and SSIM of the
    noisy inputs and of their reconstructions, both against the clean images."""
    autoencoder.eval()
    rows = []
    for noise_std in noise_stds:
        scores = {"psnr_noisy": [], "psnr_denoised": [], "ssim_noisy": [], "ssim_denoised": []}
        for pixels, batch_labels in _batches(autoencoder, images, labels, batch_size):
            noisy = corrupt(pixels, "gaussian", rng, noise_std)
            denoised = autoencoder.reconstruct(noisy, batch_labels)
            clean = pixels.numpy()
            for name, output in (("noisy", noisy.numpy()), ("denoised", denoised.numpy())):
                scores[f"psnr_{name}"].append(psnr(output, clean))
                scores[f"ssim_{name}"].append(ssim(output, clean))
        rows.append({"noise_std": noise_std, **{name: float(np.concatenate(parts).mean())
                                                for name, parts in scores.items()}})
    return rows


def likelihood_figures(autoencoder, images, labels, rng, iwae_samples=100, iwae_images=None):
    """The held-out likelihood figures of a variational model (nats per image): the one-sample
    negative ELBO and its parts over all `images`, and the IWAE estimate with `iwae_samples` samples
    over the first `iwae_images` of them (all by default); a deterministic model: its reconstruction."""
    figures = {f"test_{name}": value for name, value in held_out_negative_elbo(autoencoder, images, labels, rng).items()}
    if autoencoder.config.variational and iwae_samples:
        chosen = slice(None, iwae_images)
        figures["test_iwae_nll"] = importance_weighted_nll(autoencoder, images[chosen], labels[chosen], rng,
                                                           iwae_samples)
        figures["iwae_samples"] = iwae_samples
        figures["iwae_images"] = len(images[chosen])
    return figures
