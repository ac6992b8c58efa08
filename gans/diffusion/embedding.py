"""Sinusoidal embeddings of scalars (timesteps, coordinates) and the time embedding of a denoiser."""
from __future__ import annotations

import math

import numpy as np

import minigrad
from minigrad import nn

DEFAULT_MAX_PERIOD = 10_000.0  # the Transformer's, as DDPM uses for timesteps


def sinusoidal_embedding(values: minigrad.Tensor, dim: int, max_period: float = DEFAULT_MAX_PERIOD
                         ) -> minigrad.Tensor:
    """(N,) scalars -> (N, dim) features [cos(v w_k), sin(v w_k)] at frequencies w_k from 1 to 1/max_period.

    Differentiable in `values`, so a denoiser can embed its (continuous) inputs as well as t.
    """
    if dim < 2 or dim % 2:
        raise ValueError(f"sinusoidal_embedding: dim must be an even number >= 2, got {dim}")
    if values.ndim != 1:
        raise ValueError(f"sinusoidal_embedding: expected a 1-D tensor of scalars, got shape {values.shape}")
    half = dim // 2
    frequencies = np.exp(-math.log(max_period) * np.arange(half) / half)
    angles = values.reshape(-1, 1) * minigrad.tensor(frequencies.reshape(1, half), dtype=values.dtype,
                                                      device=values.device)
    return minigrad.cat([minigrad.cos(angles), minigrad.sin(angles)], dim=1)


class TimeEmbedding(nn.Module):
    """t (N,) -> (N, out_dim): sinusoidal features through Linear-SiLU-Linear, as in DDPM's U-Net.

    With `num_classes`, a learned label vector is added; label index `num_classes` is the null
    label of classifier-free guidance (the unconditional model).
    """

    def __init__(self, sinusoidal_dim: int, out_dim: int, num_classes: int | None = None):
        super().__init__()
        self.sinusoidal_dim, self.num_classes = sinusoidal_dim, num_classes
        self.mlp = nn.Sequential(nn.Linear(sinusoidal_dim, out_dim), nn.SiLU(), nn.Linear(out_dim, out_dim))
        self.label_embedding = nn.Embedding(num_classes + 1, out_dim) if num_classes else None

    def forward(self, t: minigrad.Tensor, labels: minigrad.Tensor | None = None) -> minigrad.Tensor:
        embedded = self.mlp(sinusoidal_embedding(t, self.sinusoidal_dim))
        if self.label_embedding is None:
            if labels is not None:
                raise ValueError("TimeEmbedding: labels given to an unconditional denoiser (num_classes=None)")
            return embedded
        if labels is None:
            raise ValueError(f"TimeEmbedding: a conditional denoiser ({self.num_classes} classes) needs labels; "
                             f"pass the null label {self.num_classes} for unconditional predictions")
        return embedded + self.label_embedding(labels)
