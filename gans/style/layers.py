"""The building blocks of a style-based GAN (Karras et al. 2019, 2020), in minigrad ops.

Equalized learning rate: every weight is stored as N(0, 1) / lr_multiplier and
scaled at run time by lr_multiplier / sqrt(fan_in), so Adam's per-parameter
step size is the same for all layers whatever their fan-in. Modulated
convolution scales the input channels of one shared kernel by a per-sample
style, optionally renormalises each output channel to unit expected variance
(demodulation), and runs all samples as one grouped convolution.
"""
import math

import numpy

import minigrad
import minigrad.functional as F
from minigrad import nn

LEAKY_SLOPE = 0.2
LEAKY_GAIN = math.sqrt(2.0)  # keeps the second moment of leaky-ReLU activations at that of their input


def leaky_relu_with_gain(x):
    return F.leaky_relu(x, LEAKY_SLOPE) * LEAKY_GAIN


def pixel_norm(x, eps=1e-8):
    """x / sqrt(mean(x^2) + eps) over dim 1: each latent vector is put on the sphere of radius sqrt(dim)."""
    return x * ((x * x).mean(dim=1, keepdim=True) + eps) ** -0.5


def modulated_conv2d(x, weight, styles, demodulate=True, padding=0, eps=1e-8):
    """Convolve sample n of ``x`` with ``weight`` whose input channels are scaled by ``styles[n]``.

    x (N, C_in, H, W), weight (C_out, C_in, kH, kW), styles (N, C_in). With
    ``demodulate`` each sample's kernel is divided by the norm of each of its
    output filters, so unit-variance independent inputs give unit-variance
    outputs. One convolution with ``groups=N`` does all samples at once.
    """
    _check_modulation(x, weight, styles)
    batch, in_channels, height, width = x.shape
    out_channels = weight.shape[0]
    kernels = weight.unsqueeze(0) * styles.reshape(batch, 1, in_channels, 1, 1)  # (N, C_out, C_in, kH, kW)
    if demodulate:
        kernels = kernels * ((kernels * kernels).sum(dim=(2, 3, 4), keepdim=True) + eps) ** -0.5
    grouped = F.conv2d(x.reshape(1, batch * in_channels, height, width),
                       kernels.reshape((batch * out_channels,) + weight.shape[1:]), padding=padding, groups=batch)
    return grouped.reshape((batch, out_channels) + grouped.shape[2:])


def _check_modulation(x, weight, styles):
    if x.ndim != 4 or weight.ndim != 4 or styles.ndim != 2:
        raise ValueError(f"modulated_conv2d: expected x (N, C_in, H, W), weight (C_out, C_in, kH, kW) and "
                         f"styles (N, C_in), got {x.shape}, {weight.shape} and {styles.shape}")
    if not x.shape[1] == weight.shape[1] == styles.shape[1] or styles.shape[0] != x.shape[0]:
        raise ValueError(f"modulated_conv2d: x {x.shape}, weight {weight.shape} and styles {styles.shape} "
                         f"disagree on the batch (x[0] = styles[0]) or on C_in (x[1] = weight[1] = styles[1])")


class EqualizedLinear(nn.Module):
    """y = x (c W)^T + lr_multiplier * b with c = lr_multiplier / sqrt(in_features); optional leaky ReLU."""

    def __init__(self, in_features, out_features, bias_init=0.0, lr_multiplier=1.0, activate=False):
        super().__init__()
        self.weight = nn.Parameter(minigrad.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(minigrad.zeros(out_features) + bias_init / lr_multiplier)
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.lr_multiplier = lr_multiplier
        self.activate = activate

    def forward(self, x):
        y = F.linear(x, self.weight * self.weight_gain, self.bias * self.lr_multiplier)
        return leaky_relu_with_gain(y) if self.activate else y


class EqualizedConv2d(nn.Module):
    """A same-padded convolution with run-time weight scaling 1 / sqrt(C_in kH kW); optional leaky ReLU."""

    def __init__(self, in_channels, out_channels, kernel_size, bias=True, activate=False):
        super().__init__()
        self.weight = nn.Parameter(minigrad.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.register_parameter("bias", nn.Parameter(minigrad.zeros(out_channels)) if bias else None)
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size**2)
        self.padding = kernel_size // 2
        self.activate = activate

    def forward(self, x):
        y = F.conv2d(x, self.weight * self.weight_gain, self.bias, padding=self.padding)
        return leaky_relu_with_gain(y) if self.activate else y


class ModulatedConv2d(nn.Module):
    """A style-modulated, same-padded convolution: the style is an affine map of w (bias 1 at start)."""

    def __init__(self, in_channels, out_channels, kernel_size, w_dim, demodulate=True):
        super().__init__()
        self.affine = EqualizedLinear(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(minigrad.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size**2)
        self.padding = kernel_size // 2
        self.demodulate = demodulate

    def forward(self, x, w):
        styles = self.affine(w)
        return modulated_conv2d(x, self.weight * self.weight_gain, styles, self.demodulate, self.padding)


class NoiseInput(nn.Module):
    """x + strength * noise, one noise image per sample shared by all channels; strength is learned, from 0.

    ``noise``: a numpy.random.Generator to draw it from (what a model passes, so a resumed run draws
    the same noise), "random" (minigrad's seeded generator) or "none".
    """

    def __init__(self):
        super().__init__()
        self.strength = nn.Parameter(minigrad.zeros(()))

    def forward(self, x, noise="random"):
        if isinstance(noise, str) and noise == "none":
            return x
        shape = (x.shape[0], 1) + x.shape[2:]
        if isinstance(noise, numpy.random.Generator):
            values = minigrad.tensor(noise.standard_normal(shape).astype(x.dtype), device=x.device)
        elif isinstance(noise, str) and noise == "random":
            values = minigrad.randn(*shape, dtype=x.dtype, device=x.device)
        else:
            raise ValueError(f"NoiseInput: noise must be a numpy Generator, 'random' or 'none', got {noise!r}")
        return x + self.strength * values
