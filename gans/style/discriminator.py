"""A residual discriminator (StyleGAN2's "resnet" D) with the minibatch standard-deviation feature."""
import math

import minigrad
import minigrad.functional as F
from minigrad import nn

from .layers import EqualizedConv2d, EqualizedLinear
from .synthesis import resolution_levels


def minibatch_stddev(x, group_size=4):
    """Append one channel: the feature standard deviation over a group of samples, averaged.

    Sample n is in a group with n +- M, n +- 2M, ... (M = N / group); the
    group is the largest divisor of N that is at most ``group_size``. It lets
    the discriminator see a batch's lack of variety (a symptom of mode collapse).
    """
    batch, channels, height, width = x.shape
    group = max(g for g in range(1, min(group_size, batch) + 1) if batch % g == 0)
    members = x.reshape(group, batch // group, channels, height, width)
    centred = members - members.mean(dim=0, keepdim=True)
    spread = ((centred * centred).mean(dim=0) + 1e-8).sqrt().mean(dim=(1, 2, 3))  # (N / group,)
    feature = spread.reshape(1, -1, 1, 1, 1).expand(group, -1, 1, height, width).reshape(batch, 1, height, width)
    return minigrad.cat([x, feature], dim=1)


class ResidualBlock(nn.Module):
    """Two 3x3 convolutions then 2x average pooling, plus a pooled 1x1 skip; the sum scaled by 1/sqrt(2)."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv0 = EqualizedConv2d(in_channels, in_channels, 3, activate=True)
        self.conv1 = EqualizedConv2d(in_channels, out_channels, 3, activate=True)
        self.skip = EqualizedConv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x):
        main = F.avg_pool2d(self.conv1(self.conv0(x)), 2)
        return (main + self.skip(F.avg_pool2d(x, 2))) / math.sqrt(2)


class ResidualDiscriminator(nn.Module):
    """images (N, channels, S, S) -> one raw score per sample."""

    def __init__(self, channels=1, image_size=28, width=32, max_width=256, mbstd_group=4):
        super().__init__()
        base, doublings = resolution_levels(image_size)
        widths = [min(width * 2**level, max_width) for level in range(doublings + 1)]
        self.from_rgb = EqualizedConv2d(channels, widths[0], 1, activate=True)
        self.blocks = nn.Sequential(*[ResidualBlock(a, b) for a, b in zip(widths, widths[1:])])
        self.mbstd_group = mbstd_group
        self.conv = EqualizedConv2d(widths[-1] + 1, widths[-1], 3, activate=True)
        self.fc = EqualizedLinear(widths[-1] * base * base, widths[-1], activate=True)
        self.out = EqualizedLinear(widths[-1], 1)
        self.num_classes, self.image_size, self.channels = None, image_size, channels

    def forward(self, images, labels=None):
        if labels is not None:
            raise ValueError("ResidualDiscriminator: class labels are not supported (the model is unconditional)")
        if images.ndim != 4 or images.shape[1:] != (self.channels, self.image_size, self.image_size):
            raise ValueError(f"ResidualDiscriminator: expected images (N, {self.channels}, {self.image_size}, "
                             f"{self.image_size}), got {images.shape}")
        x = self.blocks(self.from_rgb(images))
        x = self.conv(minibatch_stddev(x, self.mbstd_group))
        return self.out(self.fc(x.reshape(x.shape[0], -1))).reshape(-1)
