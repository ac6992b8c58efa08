"""The variational objectives as pure functions of tensors: every term is per image, in nats.

Pixels here are in [0, 1] (the family converts the project's [-1, 1] images first, see
`to_unit_range`): the Bernoulli likelihood of pytorch/examples' VAE is the binary cross-entropy
of the decoder's logits against the grey levels themselves (non-binarised), so its nats compare
with that anchor's figures. The Gaussian likelihood is a density on [0, 1]^D, so its "nats" are
not comparable with the Bernoulli ones.
"""
from __future__ import annotations

import math

import minigrad
import minigrad.functional as F

LIKELIHOODS = ("bernoulli", "gaussian")
LOG_TWO_PI = math.log(2 * math.pi)


def to_unit_range(images):
    """Images in [-1, 1] (the project's sources and samplers) as pixels in [0, 1]: k/255 for MNIST."""
    return (images + 1) * 0.5


def from_unit_range(pixels):
    """Pixels in [0, 1] back to the project's [-1, 1]."""
    return pixels * 2 - 1


def flat(x):
    """(N, ...) -> (N, D): one row per image, so each term sums over its pixels."""
    return x.reshape(x.shape[0], -1)


def reparameterize(mean, log_variance, noise):
    """z = mean + exp(log_variance / 2) * noise: a sample of q(z|x) differentiable in its parameters."""
    return mean + (log_variance * 0.5).exp() * noise


def gaussian_kl(mean, log_variance):
    """KL(N(mean, diag exp(log_variance)) || N(0, I)) per row (N,), in closed form:
    -1/2 sum(1 + log s^2 - m^2 - s^2)."""
    return ((mean * mean + log_variance.exp() - log_variance - 1) * 0.5).sum(dim=1)


def bernoulli_log_likelihood(logits, pixels):
    """log p(x|z) per image (N,) for p = sigmoid(logits) and grey levels x in [0, 1]:
    sum(x * logit - softplus(logit)), finite for logits of any size."""
    logits, pixels = flat(logits), flat(pixels)
    return (pixels * logits - F.softplus(logits)).sum(dim=1)


def gaussian_log_likelihood(mean, pixels, log_scale):
    """log N(x; mean, exp(log_scale)^2) per image (N,), summed over pixels; `log_scale` is a float
    (fixed variance) or a tensor broadcasting against one image row (learned variance)."""
    mean, pixels = flat(mean), flat(pixels)
    scale = log_scale.exp() if isinstance(log_scale, minigrad.Tensor) else math.exp(log_scale)
    standardized = (pixels - mean) / scale
    return (-0.5 * standardized * standardized - log_scale - 0.5 * LOG_TWO_PI).sum(dim=1)


def log_likelihood(likelihood, decoded, pixels, log_scale=0.0):
    """log p(x|z) per image of the named likelihood ("bernoulli": `decoded` are logits;
    "gaussian": `decoded` is the mean)."""
    if likelihood == "bernoulli":
        return bernoulli_log_likelihood(decoded, pixels)
    if likelihood == "gaussian":
        return gaussian_log_likelihood(decoded, pixels, log_scale)
    raise ValueError(f"log_likelihood: likelihood must be one of {LIKELIHOODS}, got {likelihood!r}")


def standard_normal_log_density(z):
    """log N(z; 0, I) per row (N,)."""
    return (-0.5 * (z * z) - 0.5 * LOG_TWO_PI).sum(dim=1)


def diagonal_normal_log_density(z, mean, log_variance):
    """log N(z; mean, diag exp(log_variance)) per row (N,)."""
    standardized = (z - mean) * (log_variance * -0.5).exp()
    return (-0.5 * standardized * standardized - 0.5 * log_variance - 0.5 * LOG_TWO_PI).sum(dim=1)


def kl_weight(beta, step, warmup_steps):
    """β, ramped linearly from 0 over the first `warmup_steps` steps (0: no warm-up)."""
    if warmup_steps <= 0:
        return float(beta)
    return float(beta) * min(1.0, step / warmup_steps)


def importance_log_weights(log_likelihoods, z, mean, log_variance):
    """log p(x|z_j) + log p(z_j) - log q(z_j|x) per (image, sample) row for samples z_j of q: the
    terms whose log-mean-exp over the samples of one image is the IWAE bound (see
    gans.metrics.likelihood). Every input has one row per (image, sample)."""
    return log_likelihoods + standard_normal_log_density(z) - diagonal_normal_log_density(z, mean, log_variance)
