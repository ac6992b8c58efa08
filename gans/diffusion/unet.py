"""A small U-Net denoiser for images (DDPM's architecture, scaled down to train on a CPU).

Residual blocks with GroupNorm + SiLU take the time (and label) embedding as a per-channel shift;
stride-2 convolutions go down, nearest-neighbour upsampling + convolution goes up, each level's
output is carried across as a skip connection, and self-attention runs at the coarsest levels.
The last convolution of each residual branch, of attention, and of the network start at zero (as
in improved-diffusion), so every block starts as the identity and the untrained net predicts 0.
"""
from __future__ import annotations

import math
from typing import Sequence

import minigrad
from minigrad import nn

from .embedding import TimeEmbedding


def zero_init(module: nn.Module) -> nn.Module:
    """Set every parameter of `module` to zero and return it."""
    with minigrad.no_grad():
        for parameter in module.parameters():
            parameter.zero_()
    return module


def group_count(channels: int, groups: int) -> int:
    """The largest divisor of `channels` that is at most `groups` (GroupNorm needs a divisor)."""
    return max(g for g in range(1, min(groups, channels) + 1) if channels % g == 0)


def norm(channels: int, groups: int) -> nn.GroupNorm:
    return nn.GroupNorm(group_count(channels, groups), channels)


class ResidualBlock(nn.Module):
    """x (N, C_in, H, W), emb (N, E) -> (N, C_out, H, W): skip(x) + conv(SiLU(GN(conv(SiLU(GN(x))) + emb)))."""

    def __init__(self, in_channels: int, out_channels: int, embedding_dim: int, groups: int = 8):
        super().__init__()
        self.norm_in, self.conv_in = norm(in_channels, groups), nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.embedding_shift = nn.Linear(embedding_dim, out_channels)
        self.norm_out = norm(out_channels, groups)
        self.conv_out = zero_init(nn.Conv2d(out_channels, out_channels, 3, padding=1))
        self.skip = nn.Identity() if in_channels == out_channels else nn.Conv2d(in_channels, out_channels, 1)
        self.activation = nn.SiLU()

    def forward(self, x, embedding):
        h = self.conv_in(self.activation(self.norm_in(x)))
        shift = self.embedding_shift(self.activation(embedding))
        h = h + shift.reshape(shift.shape[0], shift.shape[1], 1, 1)
        h = self.conv_out(self.activation(self.norm_out(h)))
        return self.skip(x) + h


class SelfAttention(nn.Module):
    """x + proj(multi-head attention over the H*W positions of GN(x)); channels split into `heads`."""

    def __init__(self, channels: int, heads: int = 1, groups: int = 8):
        super().__init__()
        if channels % heads:
            raise ValueError(f"SelfAttention: heads={heads} must divide channels={channels}")
        self.channels, self.heads = channels, heads
        self.norm = norm(channels, groups)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.proj = zero_init(nn.Conv2d(channels, channels, 1))

    def forward(self, x):
        n, c, height, width = x.shape
        head_dim = c // self.heads
        qkv = self.qkv(self.norm(x)).reshape(n, 3, self.heads, head_dim, height * width)
        q, k, v = qkv[:, 0], qkv[:, 1], qkv[:, 2]  # each (N, heads, d, HW)
        weights = minigrad.softmax((q.transpose(-1, -2) @ k) * (1.0 / math.sqrt(head_dim)), dim=-1)
        attended = v @ weights.transpose(-1, -2)  # (N, heads, d, HW): position i averages v over j
        return x + self.proj(attended.reshape(n, c, height, width))

    def extra_repr(self):
        return f"channels={self.channels}, heads={self.heads}"


class Level(nn.Module):
    """One resolution of the U-Net: residual blocks, each optionally followed by self-attention."""

    def __init__(self, in_channels: int, out_channels: int, embedding_dim: int, blocks: int, attention: bool,
                 heads: int, groups: int):
        super().__init__()
        self.blocks = nn.ModuleList([ResidualBlock(in_channels if i == 0 else out_channels, out_channels,
                                                   embedding_dim, groups) for i in range(blocks)])
        self.attentions = nn.ModuleList([SelfAttention(out_channels, heads, groups) if attention else nn.Identity()
                                         for _ in range(blocks)])

    def forward(self, x, embedding):
        for block, attention in zip(self.blocks, self.attentions):
            x = attention(block(x, embedding))
        return x


class UNet(nn.Module):
    """(x (N, C, H, W), t (N,), labels) -> (N, C, H, W), the prediction (noise, x0 or v) at step t.

    Level i works at resolution H / 2^i with base_channels * channel_mults[i] channels; H and W must be
    divisible by 2^(levels - 1). `attention_levels` lists the levels (and the middle, when it holds the
    last level) that get self-attention; for 28x28 inputs and three levels, level 2 is 7x7.
    """

    def __init__(self, in_channels: int = 1, base_channels: int = 32, channel_mults: Sequence[int] = (1, 2, 2),
                 blocks_per_level: int = 1, attention_levels: Sequence[int] = (2,), heads: int = 1,
                 groups: int = 8, num_classes: int | None = None):
        super().__init__()
        widths = [base_channels * m for m in channel_mults]
        if not widths or min(widths) < 1 or blocks_per_level < 1:
            raise ValueError(f"UNet: need channel_mults >= 1 and blocks_per_level >= 1, got "
                             f"{tuple(channel_mults)}, {blocks_per_level}")
        self.in_channels, self.levels = in_channels, len(widths)
        embedding_dim = 4 * base_channels
        self.time_embedding = TimeEmbedding(base_channels, embedding_dim, num_classes)
        self.stem = nn.Conv2d(in_channels, base_channels, 3, padding=1)
        last = len(widths) - 1

        def level(i, c_in, c_out):
            return Level(c_in, c_out, embedding_dim, blocks_per_level, i in attention_levels, heads, groups)

        self.down = nn.ModuleList([level(i, widths[i - 1] if i else base_channels, w) for i, w in enumerate(widths)])
        self.downsample = nn.ModuleList([nn.Conv2d(w, w, 3, stride=2, padding=1) for w in widths[:-1]])
        self.middle = nn.ModuleList([ResidualBlock(widths[-1], widths[-1], embedding_dim, groups),
                                     SelfAttention(widths[-1], heads, groups) if last in attention_levels
                                     else nn.Identity(),
                                     ResidualBlock(widths[-1], widths[-1], embedding_dim, groups)])
        self.up = nn.ModuleList([level(i, (widths[i + 1] if i < last else widths[-1]) + w, w)
                                 for i, w in enumerate(widths)])
        self.upsample = nn.ModuleList([nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(w, w, 3, padding=1))
                                       for w in widths[1:]])
        self.head = nn.Sequential(norm(widths[0], groups), nn.SiLU(),
                                  zero_init(nn.Conv2d(widths[0], in_channels, 3, padding=1)))

    def forward(self, x, t, labels=None):
        factor = 2 ** (self.levels - 1)
        if x.ndim != 4 or x.shape[1] != self.in_channels or x.shape[2] % factor or x.shape[3] % factor:
            raise ValueError(f"UNet: expected images (N, {self.in_channels}, H, W) with H, W divisible by "
                             f"{factor}, got {x.shape}")
        embedding = self.time_embedding(t, labels)
        h, skips = self.stem(x), []
        for i, level in enumerate(self.down):
            h = level(h, embedding)
            skips.append(h)
            if i < len(self.downsample):
                h = self.downsample[i](h)
        first, attention, second = self.middle
        h = second(attention(first(h, embedding)), embedding)
        for i in reversed(range(self.levels)):
            h = self.up[i](minigrad.cat([h, skips[i]], dim=1), embedding)
            if i > 0:
                h = self.upsample[i - 1](h)
        return self.head(h)
