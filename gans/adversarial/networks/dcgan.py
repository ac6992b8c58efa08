"""DCGAN (Radford et al. 2016) for 28x28 and 32x32 images with 1 or 3 channels.

Generator: a 4-2-1 ConvTranspose2d stack with BatchNorm and ReLU, Tanh out.
Discriminator: strided Conv2d with LeakyReLU(0.2); BatchNorm optional (a
WGAN-GP critic must not use it: the penalty is per sample), spectral norm optional.
"""
import minigrad
from minigrad import nn

from .conditioning import label_planes, one_hot, pack

# image size -> (kernel of the 1x1 <-> stem layer, number of 2x up/down-sampling stages)
_GEOMETRY = {28: (7, 2), 32: (4, 3)}


def _geometry(image_size):
    """(stem kernel, doublings) shared by generator and discriminator of one image size."""
    if image_size not in _GEOMETRY:
        raise ValueError(f"DCGAN: image_size must be one of {sorted(_GEOMETRY)}, got {image_size}")
    return _GEOMETRY[image_size]


def _upsampling_blocks(widths):
    blocks = []
    for in_channels, out_channels in zip(widths, widths[1:]):
        blocks += [nn.ConvTranspose2d(in_channels, out_channels, 4, 2, 1, bias=False),
                   nn.BatchNorm2d(out_channels), nn.ReLU()]
    return blocks


class DCGANGenerator(nn.Module):
    """z (N, latent_dim) [+ label] -> images (N, channels, S, S) in [-1, 1]."""

    def __init__(self, latent_dim=100, channels=1, image_size=28, width=64, num_classes=None):
        super().__init__()
        stem_kernel, doublings = _geometry(image_size)
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        widths = [width * 2 ** (doublings - 1 - i) for i in range(doublings)]
        in_features = latent_dim + (num_classes or 0)
        self.net = nn.Sequential(
            nn.ConvTranspose2d(in_features, widths[0], stem_kernel, 1, 0, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
            *_upsampling_blocks(widths),
            nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1),
            nn.Tanh(),
        )

    def forward(self, z, labels=None):
        if self.num_classes:
            z = minigrad.cat([z, one_hot(labels, self.num_classes, z)], dim=1)
        return self.net(z.reshape(z.shape[0], -1, 1, 1))


class DCGANDiscriminator(nn.Module):
    """images (N, channels, S, S) [+ label planes] -> one raw score per sample or pack."""

    def __init__(self, channels=1, image_size=28, width=64, batch_norm=True, spectral_norm=False,
                 num_classes=None, pack_size=1):
        super().__init__()
        stem_kernel, doublings = _geometry(image_size)
        self.num_classes = num_classes
        self.pack_size = pack_size
        widths = [width * 2**i for i in range(doublings)]
        in_channels = (channels + (num_classes or 0)) * pack_size
        layers = [nn.Conv2d(in_channels, widths[0], 4, 2, 1), nn.LeakyReLU(0.2)]
        for in_width, out_width in zip(widths, widths[1:]):
            layers.append(nn.Conv2d(in_width, out_width, 4, 2, 1, bias=not batch_norm))
            layers += [nn.BatchNorm2d(out_width)] if batch_norm else []
            layers.append(nn.LeakyReLU(0.2))
        layers.append(nn.Conv2d(widths[-1], 1, stem_kernel, 1, 0))
        if spectral_norm:
            layers = [nn.spectral_norm(layer) if isinstance(layer, nn.Conv2d) else layer for layer in layers]
        self.net = nn.Sequential(*layers)

    def forward(self, images, labels=None):
        if self.num_classes:
            images = minigrad.cat([images, label_planes(labels, self.num_classes, images)], dim=1)
        return self.net(pack(images, self.pack_size)).reshape(-1)
