"""The image-to-image networks of pix2pix (Isola et al. 2017) and CycleGAN (Zhu et al. 2017).

UNetGenerator: an encoder of 4-2-1 convolutions and a mirrored decoder whose every level sees
the encoder's features of the same size (skip connections), so fine detail need not pass the
bottleneck. Dropout in the inner decoder levels is its noise source (pix2pix has no z).
PatchDiscriminator: a fully convolutional critic scoring each patch of its input, one raw score
per cell of an output grid; it reports its receptive field and grid, so the patch it judges is a
stated fact (and a tested one), not a guess.
"""
from __future__ import annotations

from dataclasses import dataclass

import minigrad
from minigrad import nn

KERNEL, STRIDE, PADDING = 4, 2, 1
NORMS = ("batch", "instance", "none")
MAX_WIDTH_MULTIPLIER = 8


def norm_layer(kind: str, channels: int) -> nn.Module:
    """Batch norm, instance norm (a group per channel) or nothing."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.GroupNorm(channels, channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"norm must be one of {NORMS}, got {kind!r}")


def halved_size(size: int) -> int:
    """Side length after one 4-2-1 convolution."""
    return (size + 2 * PADDING - KERNEL) // STRIDE + 1


def level_widths(width: int, count: int) -> list[int]:
    """width, 2 width, 4 width, ... capped at 8 width (as in pix2pix)."""
    return [width * min(2**level, MAX_WIDTH_MULTIPLIER) for level in range(count)]


def _check_positive(network: str, **values) -> None:
    for name, value in values.items():
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{network}: {name} must be a positive integer, got {value!r}")


def unet_sizes(image_size: int, depth: int, dropout_levels: int) -> list[int]:
    """Side lengths of the U-Net's levels; a ValueError when the image cannot be halved ``depth``
    times or ``dropout_levels`` exceeds the levels between the innermost and the outermost."""
    if not 0 <= dropout_levels <= max(depth - 2, 0):
        raise ValueError(f"UNetGenerator: dropout_levels must be in [0, {max(depth - 2, 0)}] (levels between "
                         f"the innermost and the outermost, at depth {depth}), got {dropout_levels}")
    sizes = [image_size]
    for _ in range(depth):
        sizes.append(halved_size(sizes[-1]))
    if sizes[-1] < 1:
        raise ValueError(f"UNetGenerator: a {image_size}x{image_size} image cannot be halved {depth} times "
                         f"(sizes {sizes}); use a smaller depth")
    return sizes


class UNetGenerator(nn.Module):
    """(N, in_channels, S, S) -> (N, out_channels, S, S) in [-1, 1], through ``depth`` halvings."""

    def __init__(self, in_channels: int, out_channels: int, image_size: int = 28, width: int = 32,
                 depth: int = 4, norm: str = "batch", dropout: float = 0.5, dropout_levels: int = 2):
        super().__init__()
        _check_positive("UNetGenerator", in_channels=in_channels, out_channels=out_channels,
                        image_size=image_size, width=width, depth=depth)
        sizes = unet_sizes(image_size, depth, dropout_levels)
        widths = level_widths(width, depth)
        self.down = nn.ModuleList(self._encoder_level(level, in_channels, widths, norm) for level in range(depth))
        self.up = nn.ModuleList(
            self._decoder_level(level, out_channels, widths, sizes, norm,
                                dropout if depth - 1 - dropout_levels <= level < depth - 1 else 0.0)
            for level in range(depth))

    @staticmethod
    def _encoder_level(level, in_channels, widths, norm):
        innermost = level == len(widths) - 1
        if level == 0:
            return nn.Conv2d(in_channels, widths[0], KERNEL, STRIDE, PADDING)
        plain = innermost or norm == "none"
        return nn.Sequential(nn.LeakyReLU(0.2),
                             nn.Conv2d(widths[level - 1], widths[level], KERNEL, STRIDE, PADDING, bias=plain),
                             nn.Identity() if innermost else norm_layer(norm, widths[level]))

    @staticmethod
    def _decoder_level(level, out_channels, widths, sizes, norm, dropout):
        innermost = level == len(widths) - 1
        in_width = widths[level] * (1 if innermost else 2)  # the skip doubles every level but the innermost
        out_width = out_channels if level == 0 else widths[level - 1]
        output_padding = sizes[level] - 2 * sizes[level + 1]
        outermost = level == 0
        layers = [nn.ReLU(), nn.ConvTranspose2d(in_width, out_width, KERNEL, STRIDE, PADDING, output_padding,
                                                bias=outermost or norm == "none")]
        layers += [nn.Tanh()] if outermost else [norm_layer(norm, out_width)]
        layers += [nn.Dropout(dropout)] if dropout else []
        return nn.Sequential(*layers)

    def forward(self, x):
        skips = []
        for encode in self.down:
            x = encode(x)
            skips.append(x)
        x = self.up[-1](skips[-1])
        for level in reversed(range(len(self.up) - 1)):
            x = self.up[level](minigrad.cat([x, skips[level]], dim=1))
        return x


def keep_dropout_active(module: nn.Module) -> nn.Module:
    """Dropout layers back in training mode (the rest untouched): pix2pix's noise at test time."""
    for layer in module.modules():
        if isinstance(layer, nn.Dropout):
            layer.train()
    return module


@dataclass(frozen=True)
class PatchGeometry:
    """Output cell (i, j) of the critic sees input rows first + i*jump .. first + i*jump + field - 1
    (and the same for columns), clipped to the image. That is the whole dependence with batch norm
    in eval mode or no norm; instance norm's statistics (and batch statistics while training)
    also carry a little of every pixel into every cell."""

    field: int
    jump: int
    first: int
    grid: int

    def window(self, index: int, image_size: int) -> range:
        start = self.first + index * self.jump
        return range(max(start, 0), min(start + self.field, image_size))


class PatchDiscriminator(nn.Module):
    """(N, in_channels, S, S) -> (N, 1, G, G) raw scores, one per overlapping patch.

    ``layers`` strided stages (4-2-1 convs), then a stride-1 stage and a stride-1 output conv,
    as pix2pix's n-layer discriminator; the first conv has no normalisation.
    """

    def __init__(self, in_channels: int, width: int = 32, layers: int = 1, norm: str = "batch"):
        super().__init__()
        _check_positive("PatchDiscriminator", in_channels=in_channels, width=width, layers=layers)
        widths = level_widths(width, layers + 1)
        stack = [nn.Conv2d(in_channels, widths[0], KERNEL, STRIDE, PADDING), nn.LeakyReLU(0.2)]
        for stage in range(1, layers + 1):
            stride = STRIDE if stage < layers else 1
            stack += [nn.Conv2d(widths[stage - 1], widths[stage], KERNEL, stride, PADDING, bias=norm == "none"),
                      norm_layer(norm, widths[stage]), nn.LeakyReLU(0.2)]
        stack.append(nn.Conv2d(widths[-1], 1, KERNEL, 1, PADDING))
        self.net = nn.Sequential(*stack)

    def forward(self, x):
        return self.net(x)

    def geometry(self, image_size: int) -> PatchGeometry:
        """Receptive field, step between cells, first window start and output grid side at ``image_size``."""
        field, jump, first, size = 1, 1, 0, image_size
        for conv in (layer for layer in self.net if isinstance(layer, nn.Conv2d)):
            (kernel, _), (stride, _), (padding, _) = conv.kernel_size, conv.stride, conv.padding
            field += (kernel - 1) * jump
            first -= padding * jump
            jump *= stride
            size = (size + 2 * padding - kernel) // stride + 1
        if size < 1:
            raise ValueError(f"PatchDiscriminator: a {image_size}x{image_size} input leaves no output cell; "
                             "use fewer layers")
        return PatchGeometry(field, jump, first, size)
