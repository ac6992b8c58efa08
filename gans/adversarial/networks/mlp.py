"""Fully connected generator and discriminator for 2D toy data."""
import minigrad
from minigrad import nn

from .conditioning import one_hot, pack


def _stack(in_features, hidden, depth, activation):
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(in_features, hidden), activation()]
        in_features = hidden
    return layers


class MLPGenerator(nn.Module):
    """z (N, latent_dim) [+ one-hot label] -> points (N, data_dim) through ReLU layers.

    The network works in units of ``data_scale`` (the data's spread), so one set of
    hyper-parameters serves a ring of radius 1 and a grid spanning [-4, 4] alike.
    """

    def __init__(self, latent_dim=2, data_dim=2, hidden=256, depth=3, num_classes=None, data_scale=1.0):
        super().__init__()
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.data_scale = float(data_scale)
        in_features = latent_dim + (num_classes or 0)
        self.net = nn.Sequential(*_stack(in_features, hidden, depth, nn.ReLU), nn.Linear(hidden, data_dim))

    def forward(self, z, labels=None):
        if self.num_classes:
            z = minigrad.cat([z, one_hot(labels, self.num_classes, z)], dim=1)
        points = self.net(z)
        return points if self.data_scale == 1.0 else points * self.data_scale


class MLPDiscriminator(nn.Module):
    """points (N, data_dim) [+ label] -> one raw score (logit or critic value) per sample or pack.

    Points are divided by ``data_scale`` first (see MLPGenerator).
    """

    def __init__(self, data_dim=2, hidden=256, depth=3, num_classes=None, pack_size=1, spectral_norm=False,
                 data_scale=1.0):
        super().__init__()
        self.num_classes = num_classes
        self.pack_size = pack_size
        self.data_scale = float(data_scale)
        in_features = (data_dim + (num_classes or 0)) * pack_size
        layers = _stack(in_features, hidden, depth, lambda: nn.LeakyReLU(0.2)) + [nn.Linear(hidden, 1)]
        if spectral_norm:
            layers = [nn.spectral_norm(layer) if isinstance(layer, nn.Linear) else layer for layer in layers]
        self.net = nn.Sequential(*layers)

    def forward(self, x, labels=None):
        if self.data_scale != 1.0:
            x = x / self.data_scale
        if self.num_classes:
            x = minigrad.cat([x, one_hot(labels, self.num_classes, x)], dim=1)
        return self.net(pack(x, self.pack_size)).reshape(-1)
