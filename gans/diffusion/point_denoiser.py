"""The denoiser for 2D points: an MLP on sinusoidal embeddings of each coordinate and of t.

After tiny-diffusion (tanelp/tiny-diffusion): embedding the inputs too (not only t) lets a small MLP
draw the sharp, many-moded score fields of the toy mixtures.
"""
from __future__ import annotations

import minigrad
from minigrad import nn

from .embedding import TimeEmbedding, sinusoidal_embedding


class ResidualLinear(nn.Module):
    """x + GELU(Linear(x)): a width-preserving block that keeps deep MLPs easy to train."""

    def __init__(self, width: int):
        super().__init__()
        self.linear = nn.Linear(width, width)
        self.activation = nn.GELU()

    def forward(self, x):
        return x + self.activation(self.linear(x))


class PointDenoiser(nn.Module):
    """(x (N, D), t (N,), labels) -> (N, D): the network's prediction (noise, x0 or v) at step t.

    Each coordinate is embedded as sinusoidal_embedding(input_scale * x_i); `input_scale` sets how
    fine a detail of the data (in units of its spread) the first layer can resolve.
    """

    def __init__(self, data_dim: int = 2, hidden: int = 128, depth: int = 3, embedding_dim: int = 64,
                 input_scale: float = 25.0, num_classes: int | None = None):
        super().__init__()
        self.data_dim, self.embedding_dim, self.input_scale = data_dim, embedding_dim, float(input_scale)
        self.time_embedding = TimeEmbedding(embedding_dim, embedding_dim, num_classes)
        layers = [nn.Linear(embedding_dim * (data_dim + 1), hidden), nn.GELU()]
        layers += [ResidualLinear(hidden) for _ in range(depth)]
        self.net = nn.Sequential(*layers, nn.Linear(hidden, data_dim))

    def forward(self, x, t, labels=None):
        if x.ndim != 2 or x.shape[1] != self.data_dim:
            raise ValueError(f"PointDenoiser: expected points of shape (N, {self.data_dim}), got {x.shape}")
        coordinates = [sinusoidal_embedding(x[:, i] * self.input_scale, self.embedding_dim)
                       for i in range(self.data_dim)]
        features = minigrad.cat(coordinates + [self.time_embedding(t, labels)], dim=1)
        return self.net(features)
