"""Encoders and decoders of the autoencoder family, on 28x28 single-channel images.

- MLP: pytorch/examples' VAE, 784 -> 400 -> (mean, log-variance) of a 20-D code and back
  (`hidden` and `latent_dim` configurable).
- Conv: two 4x4 stride-2 convolutions (28 -> 14 -> 7) with ReLU and a linear head; the decoder
  mirrors it with a linear stem and two 4x4 stride-2 transposed convolutions.

An encoder maps images (N, 1, 28, 28) in [0, 1] to `out_features` numbers per image (twice the
latent size for a VAE: mean and log-variance; the code itself for a plain or denoising
autoencoder). A decoder maps codes (N, latent_dim) to pre-activations (N, 1, 28, 28): Bernoulli
logits, or through a sigmoid the Gaussian mean. With `num_classes` both take the label as a
one-hot vector: the encoder beside its flattened features, the decoder beside the code.
"""
from __future__ import annotations

import minigrad
from minigrad import nn

IMAGE_SHAPE = (1, 28, 28)
PIXELS = 28 * 28
ARCHITECTURES = ("mlp", "conv")


def one_hot(labels, num_classes, like):
    """(N,) integer labels as (N, num_classes) rows of `like`'s dtype and device."""
    return minigrad.eye(num_classes, dtype=like.dtype, device=like.device)[labels]


def with_labels(features, labels, num_classes):
    """`features` (N, F) with the one-hot labels appended (unchanged when unconditional)."""
    if not num_classes:
        return features
    if labels is None:
        raise ValueError(f"a conditional network (num_classes={num_classes}) needs labels, got None")
    return minigrad.cat([features, one_hot(labels, num_classes, features)], dim=1)


class Encoder(nn.Module):
    """images (N, 1, 28, 28) [+ labels (N,)] -> (N, out_features)."""

    def __init__(self, architecture="mlp", out_features=40, hidden=400, width=32, num_classes=None):
        super().__init__()
        _check_architecture(architecture)
        self.num_classes = num_classes
        labels_width = num_classes or 0
        if architecture == "mlp":
            self.body = nn.Flatten()
            self.head = nn.Sequential(nn.Linear(PIXELS + labels_width, hidden), nn.ReLU(),
                                      nn.Linear(hidden, out_features))
        else:
            self.body = nn.Sequential(nn.Conv2d(1, width, 4, 2, 1), nn.ReLU(),
                                      nn.Conv2d(width, 2 * width, 4, 2, 1), nn.ReLU(), nn.Flatten())
            self.head = nn.Linear(2 * width * 7 * 7 + labels_width, out_features)

    def forward(self, images, labels=None):
        return self.head(with_labels(self.body(images), labels, self.num_classes))


class Decoder(nn.Module):
    """codes (N, latent_dim) [+ labels (N,)] -> pre-activations (N, 1, 28, 28).

    `learn_scale` adds one learned log standard deviation shared by all pixels (a Gaussian
    likelihood with learned variance, as in σ-VAE); it starts at `initial_log_scale`.
    """

    def __init__(self, architecture="mlp", latent_dim=20, hidden=400, width=32, num_classes=None,
                 learn_scale=False, initial_log_scale=0.0):
        super().__init__()
        _check_architecture(architecture)
        self.num_classes = num_classes
        in_features = latent_dim + (num_classes or 0)
        if architecture == "mlp":
            self.net = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, PIXELS))
        else:
            self.net = nn.Sequential(
                nn.Linear(in_features, 2 * width * 7 * 7), nn.ReLU(), Unflatten((2 * width, 7, 7)),
                nn.ConvTranspose2d(2 * width, width, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(width, 1, 4, 2, 1))
        self.log_scale = nn.Parameter(minigrad.full((1,), initial_log_scale)) if learn_scale else None

    def forward(self, codes, labels=None):
        return self.net(with_labels(codes, labels, self.num_classes)).reshape(codes.shape[0], *IMAGE_SHAPE)


class Unflatten(nn.Module):
    """(N, prod(shape)) -> (N, *shape)."""

    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)


def _check_architecture(architecture):
    if architecture not in ARCHITECTURES:
        raise ValueError(f"autoencoder: architecture must be one of {ARCHITECTURES}, got {architecture!r}")
