"""The autoencoder itself: encoder, decoder and the per-image quantities every use of it needs.

One module serves the VAE (Gaussian q(z|x), ELBO), the conditional VAE (labels into both
networks) and the deterministic autoencoder (a code; with corrupted inputs, the denoising one).
Pixels are in [0, 1] throughout (see objectives.to_unit_range).
"""
from __future__ import annotations

import math

import numpy as np

import minigrad
from minigrad import nn

from gans.autoencoder import objectives
from gans.autoencoder.networks import Decoder, Encoder


class Autoencoder(nn.Module):
    """Built from an AutoencoderConfig (and the number of classes a conditional model takes);
    everything sampling and evaluation need (no optimizer)."""

    def __init__(self, config, num_classes=10):
        super().__init__()
        self.config = config
        classes = num_classes if config.conditional else None
        code_size = 2 * config.latent_dim if config.variational else config.latent_dim
        self.encoder = Encoder(config.architecture, code_size, config.hidden, config.width, classes)
        self.decoder = Decoder(config.architecture, config.latent_dim, config.hidden, config.width, classes,
                               learn_scale=config.learn_std, initial_log_scale=math.log(config.gaussian_std))
        self.codes = None if config.variational else CodeStatistics(config.latent_dim, config.code_momentum)

    # ------------------------------------------------------------ the two halves
    def posterior(self, pixels, labels=None):
        """(mean, log-variance) of q(z|x), each (N, latent_dim); a deterministic code has (code, None)."""
        encoded = self.encoder(pixels, labels)
        if not self.config.variational:
            return encoded, None
        mean, log_variance = encoded.chunk(2, dim=1)
        return mean, log_variance

    def log_likelihood(self, decoded, pixels):
        """log p(x|z) per image (N,) of the configured likelihood, from decoder pre-activations."""
        if self.config.likelihood == "bernoulli":
            return objectives.bernoulli_log_likelihood(decoded, pixels)
        return objectives.gaussian_log_likelihood(decoded.sigmoid(), pixels, self.log_scale)

    @property
    def log_scale(self):
        """The gaussian likelihood's log standard deviation: learned (a parameter) or fixed (a float)."""
        learned = self.decoder.log_scale
        return learned if learned is not None else math.log(self.config.gaussian_std)

    def pixel_means(self, codes, labels=None):
        """E[x|z] in [0, 1] (N, 1, 28, 28): the sigmoid of the decoder for both likelihoods."""
        return self.decoder(codes, labels).sigmoid()

    # ------------------------------------------------------------ objectives
    def negative_elbo(self, pixels, labels, noise, kl_weight=1.0, inputs=None):
        """Per-image (N,) terms with the reparameterised sample z = mean + std * noise:
        reconstruction = -log p(x|z), kl = KL(q(z|x) || N(0, I)) analytically, and
        loss = reconstruction + kl_weight * kl. A deterministic code has no kl and ignores noise;
        it encodes `inputs` (a corrupted copy of `pixels`, default pixels themselves), and in
        training mode its code statistics follow the codes."""
        mean, log_variance = self.posterior(pixels if inputs is None else inputs, labels)
        if log_variance is None:
            if self.training:
                self.codes.update(mean.detach())
            reconstruction = -self.log_likelihood(self.decoder(mean, labels), pixels)
            return {"loss": reconstruction, "reconstruction": reconstruction}
        z = objectives.reparameterize(mean, log_variance, noise)
        reconstruction = -self.log_likelihood(self.decoder(z, labels), pixels)
        kl = objectives.gaussian_kl(mean, log_variance)
        return {"loss": reconstruction + kl_weight * kl, "reconstruction": reconstruction, "kl": kl}

    def log_weights(self, pixels, labels, noise):
        """IWAE log-weights (N, k) for noise (N, k, latent_dim): log p(x, z_j) - log q(z_j|x)."""
        self._require_variational("log_weights")
        n, k, latent = noise.shape
        mean, log_variance = (_repeat_rows(t, k) for t in self.posterior(pixels, labels))
        z = objectives.reparameterize(mean, log_variance, noise.reshape(n * k, latent))
        repeated_labels = None if labels is None else _repeat_rows(labels, k)
        decoded = self.decoder(z, repeated_labels)
        log_likelihoods = self.log_likelihood(decoded, _repeat_rows(objectives.flat(pixels), k))
        return objectives.importance_log_weights(log_likelihoods, z, mean, log_variance).reshape(n, k)

    def reconstruct(self, pixels, labels=None):
        """E[x|z] at the posterior mean (the code itself when deterministic), in [0, 1]."""
        return self.pixel_means(self.posterior(pixels, labels)[0], labels)

    def prior_codes(self, n, rng):
        """n codes from the prior N(0, I), or for a deterministic autoencoder from the Gaussian
        fitted to its training codes; float32 NumPy (n, latent_dim)."""
        if self.codes is not None:
            return self.codes.sample(n, rng)
        return rng.standard_normal((n, self.config.latent_dim)).astype(np.float32)

    def _require_variational(self, what):
        if not self.config.variational:
            raise ValueError(f"Autoencoder.{what}: needs a variational autoencoder (variational=True)")


class CodeStatistics(nn.Module):
    """Running mean and covariance of a deterministic autoencoder's training codes, so that it can
    be sampled by decoding draws of that Gaussian (ex-post density estimation, Ghosh et al. 2020)."""

    def __init__(self, latent_dim, momentum=0.01):
        super().__init__()
        self.momentum = momentum
        self.register_buffer("mean", minigrad.zeros(latent_dim))
        self.register_buffer("covariance", minigrad.eye(latent_dim))

    @minigrad.no_grad()
    def update(self, codes):
        """Move the statistics towards those of a batch of codes (N, latent_dim), N >= 2 (on the device)."""
        batch_mean = codes.mean(dim=0)
        centered = codes - batch_mean
        batch_covariance = centered.T @ centered / (len(codes) - 1)
        self.mean.copy_(self.mean + self.momentum * (batch_mean - self.mean))
        self.covariance.copy_(self.covariance + self.momentum * (batch_covariance - self.covariance))

    def sample(self, n, rng):
        """n float32 draws (n, latent_dim) of N(mean, covariance)."""
        dim = len(self.mean.data)
        factor = np.linalg.cholesky(self.covariance.numpy().astype(np.float64) + 1e-6 * np.eye(dim))
        return (self.mean.numpy() + rng.standard_normal((n, dim)) @ factor.T).astype(np.float32)


def _repeat_rows(tensor, k):
    """(N, ...) -> (N * k, ...), each row k times in a row."""
    n = tensor.shape[0]
    return tensor.reshape(n, 1, *tensor.shape[1:]).expand(n, k, *tensor.shape[1:]).reshape(n * k, *tensor.shape[1:])
