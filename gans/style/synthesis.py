"""The synthesis network: a learned constant, style layers with noise, and a skip (toRGB) output path.

One w vector per style layer: the base level has one layer, every doubling
two (upsample-and-convolve, convolve). Each level's toRGB output is added to
the upsampled image of the level below (StyleGAN2's "skip" generator), with
the w of its level's last layer.
"""
import minigrad
import minigrad.functional as F
from minigrad import nn

from .layers import ModulatedConv2d, NoiseInput, leaky_relu_with_gain

OUTPUTS = ("linear", "tanh")


def resolution_levels(image_size):
    """(base resolution, number of doublings): halve while even and above 7, e.g. 28 -> (7, 2), 32 -> (4, 3)."""
    base, doublings = image_size, 0
    while base > 7 and base % 2 == 0:
        base, doublings = base // 2, doublings + 1
    if doublings == 0 or not 4 <= base <= 7:
        raise ValueError(f"style generator: image_size {image_size} is not a base of 4..7 pixels doubled at "
                         f"least once (e.g. 28 = 7 x 4, 32 = 4 x 8)")
    return base, doublings


class StyleLayer(nn.Module):
    """[2x nearest upsample] -> modulated 3x3 conv -> noise -> bias -> leaky ReLU."""

    def __init__(self, in_channels, out_channels, w_dim, upsample=False):
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, out_channels, 3, w_dim)
        self.noise = NoiseInput()
        self.bias = nn.Parameter(minigrad.zeros(out_channels))
        self.upsample = upsample

    def forward(self, x, w, noise="random"):
        if self.upsample:
            x = F.interpolate(x, scale_factor=2)
        x = self.noise(self.conv(x, w), noise)
        return leaky_relu_with_gain(x + self.bias.reshape(1, -1, 1, 1))


class ToRGB(nn.Module):
    """A modulated 1x1 convolution to image channels, without demodulation (its output is the image)."""

    def __init__(self, in_channels, channels, w_dim):
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, channels, 1, w_dim, demodulate=False)
        self.bias = nn.Parameter(minigrad.zeros(channels))

    def forward(self, x, w):
        return self.conv(x, w) + self.bias.reshape(1, -1, 1, 1)


class SynthesisLevel(nn.Module):
    """The layers of one resolution, and its toRGB."""

    def __init__(self, in_channels, out_channels, channels, w_dim, base):
        super().__init__()
        widths = [in_channels, out_channels] if base else [in_channels, out_channels, out_channels]
        self.layers = nn.ModuleList([StyleLayer(a, b, w_dim, upsample=not base and i == 0)
                                     for i, (a, b) in enumerate(zip(widths, widths[1:]))])
        self.to_rgb = ToRGB(out_channels, channels, w_dim)

    def forward(self, x, ws, noise):
        for index, layer in enumerate(self.layers):
            x = layer(x, ws[:, index], noise)
        return x, self.to_rgb(x, ws[:, len(self.layers) - 1])


class SynthesisNetwork(nn.Module):
    """ws (N, num_ws, w_dim) -> images (N, channels, S, S); ws[:, i] styles layer i, coarse to fine.

    ``noise`` goes to every layer's NoiseInput: a numpy Generator, "random" or "none". ``output``:
    "linear" (StyleGAN2's image) or "tanh" (squashed into [-1, 1], as DCGAN's generator is).
    """

    def __init__(self, w_dim, channels=1, image_size=28, width=32, max_width=256, output="linear"):
        super().__init__()
        if output not in OUTPUTS:
            raise ValueError(f"SynthesisNetwork: output must be one of {', '.join(OUTPUTS)}, got {output!r}")
        self.output = output
        base, doublings = resolution_levels(image_size)
        widths = [min(width * 2 ** (doublings - level), max_width) for level in range(doublings + 1)]
        self.const = nn.Parameter(minigrad.randn(widths[0], base, base))
        self.levels = nn.ModuleList(
            [SynthesisLevel(widths[0], widths[0], channels, w_dim, base=True)]
            + [SynthesisLevel(a, b, channels, w_dim, base=False) for a, b in zip(widths, widths[1:])])
        self.layers_per_level = [len(level.layers) for level in self.levels]
        self.num_ws = sum(self.layers_per_level)
        self.w_dim, self.image_size, self.channels = w_dim, image_size, channels

    def forward(self, ws, noise="random"):
        if ws.ndim != 3 or ws.shape[1:] != (self.num_ws, self.w_dim):
            raise ValueError(f"SynthesisNetwork: ws must have shape (N, {self.num_ws}, {self.w_dim}), got {ws.shape}")
        x = self.const.unsqueeze(0).expand(ws.shape[0], -1, -1, -1)
        image, start = None, 0
        for level, count in zip(self.levels, self.layers_per_level):
            x, rgb = level(x, ws[:, start:start + count], noise)
            image = rgb if image is None else F.interpolate(image, scale_factor=2) + rgb
            start += count
        return minigrad.tanh(image) if self.output == "tanh" else image
