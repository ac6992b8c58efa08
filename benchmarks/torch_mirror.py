"""PyTorch twins of the diffusion U-Net and the autoencoder: the module tree mirrored, name for name.

``mirror`` walks a minigrad module: a plain layer becomes its torch.nn layer (torch_twins.torch_layer),
a container its torch container, and a composite module (a U-Net block, attention, the time
embedding, an encoder or decoder) a torch module holding the mirrored children under the same
names, whose forward is written here in torch, line for line as the gans module computes it. The
names are the same, so the minigrad state dict loads into the twin strictly: every parameter must
have its counterpart with the same shape, and a change to a gans model changes its twin too.
"""
import functools
import math

import numpy

from minigrad import nn

from gans.autoencoder.networks import IMAGE_SHAPE, Decoder, Encoder
from gans.diffusion.embedding import DEFAULT_MAX_PERIOD, TimeEmbedding
from gans.diffusion.unet import Level, ResidualBlock, SelfAttention, UNet

from .torch_twins import torch_layer


def twin(torch, network, device):
    """A torch module computing what the minigrad ``network`` computes, starting from its weights."""
    model = mirror(torch, network).to(device)
    state = {name: torch.tensor(numpy.asarray(value.numpy())) for name, value in network.state_dict().items()}
    model.load_state_dict(state, strict=True)
    return model


def mirror(torch, module):
    """The torch module tree of a minigrad ``module`` (fresh weights, the same names and shapes)."""
    tnn = torch.nn
    if isinstance(module, nn.Sequential):
        return tnn.Sequential(*(mirror(torch, child) for child in module))
    if isinstance(module, nn.ModuleList):
        return tnn.ModuleList([mirror(torch, child) for child in module])
    forward = COMPOSITE_FORWARDS.get(type(module))
    if forward is None:
        return _leaf(torch, module)
    composite = _composite_class(torch)(module, forward)
    for name, child in module.named_children():
        composite.add_module(name, mirror(torch, child))
    return composite


def _leaf(torch, layer):
    tnn = torch.nn
    if isinstance(layer, nn.GroupNorm):
        return tnn.GroupNorm(layer.num_groups, layer.num_channels, eps=layer.eps, affine=layer.affine)
    if isinstance(layer, nn.Embedding):
        return tnn.Embedding(layer.num_embeddings, layer.embedding_dim)
    if isinstance(layer, nn.Upsample):
        if layer.size is not None:
            raise TypeError("mirror: only Upsample(scale_factor=...) has a twin here")
        return tnn.Upsample(scale_factor=layer.scale_factor, mode=layer.mode)
    if isinstance(layer, nn.Flatten):
        return tnn.Flatten(layer.start_dim, layer.end_dim)
    for ours, theirs in ((nn.SiLU, tnn.SiLU), (nn.Identity, tnn.Identity)):
        if isinstance(layer, ours):
            return theirs()
    return torch_layer(torch, layer)


@functools.lru_cache(maxsize=None)
def _composite_class(torch):
    class Composite(torch.nn.Module):
        """Mirrored children plus the forward of the minigrad module it twins (read for its settings)."""

        def __init__(self, source, forward):
            super().__init__()
            self._source, self._forward = source, forward

        def forward(self, *args):
            return self._forward(torch, self, self._source, *args)

    return Composite


# ------------------------------------------------------------------ the forwards, in torch
def _unet(torch, twin, source, x, t, labels=None):
    embedding = twin.time_embedding(t, labels)
    h, skips = twin.stem(x), []
    for i, level in enumerate(twin.down):
        h = level(h, embedding)
        skips.append(h)
        if i < len(twin.downsample):
            h = twin.downsample[i](h)
    first, attention, second = twin.middle
    h = second(attention(first(h, embedding)), embedding)
    for i in reversed(range(source.levels)):
        h = twin.up[i](torch.cat([h, skips[i]], dim=1), embedding)
        if i > 0:
            h = twin.upsample[i - 1](h)
    return twin.head(h)


def _level(torch, twin, source, x, embedding):
    for block, attention in zip(twin.blocks, twin.attentions):
        x = attention(block(x, embedding))
    return x


def _residual_block(torch, twin, source, x, embedding):
    silu = torch.nn.functional.silu
    h = twin.conv_in(silu(twin.norm_in(x)))
    shift = twin.embedding_shift(silu(embedding))
    h = h + shift.reshape(shift.shape[0], shift.shape[1], 1, 1)
    h = twin.conv_out(silu(twin.norm_out(h)))
    return twin.skip(x) + h


def _self_attention(torch, twin, source, x):
    n, c, height, width = x.shape
    head_dim = c // source.heads
    qkv = twin.qkv(twin.norm(x)).reshape(n, 3, source.heads, head_dim, height * width)
    q, k, v = qkv[:, 0], qkv[:, 1], qkv[:, 2]
    weights = torch.softmax((q.transpose(-1, -2) @ k) * (1.0 / math.sqrt(head_dim)), dim=-1)
    attended = v @ weights.transpose(-1, -2)
    return x + twin.proj(attended.reshape(n, c, height, width))


def _time_embedding(torch, twin, source, t, labels=None):
    half = source.sinusoidal_dim // 2
    frequencies = numpy.exp(-math.log(DEFAULT_MAX_PERIOD) * numpy.arange(half) / half)
    angles = t.reshape(-1, 1) * torch.tensor(frequencies.reshape(1, half), dtype=t.dtype, device=t.device)
    embedded = twin.mlp(torch.cat([torch.cos(angles), torch.sin(angles)], dim=1))
    return embedded if source.label_embedding is None else embedded + twin.label_embedding(labels)


def _with_labels(torch, features, labels, num_classes):
    if not num_classes:
        return features
    return torch.cat([features, torch.nn.functional.one_hot(labels, num_classes).to(features.dtype)], dim=1)


def _encoder(torch, twin, source, images, labels=None):
    return twin.head(_with_labels(torch, twin.body(images), labels, source.num_classes))


def _decoder(torch, twin, source, codes, labels=None):
    if source.log_scale is not None:
        raise TypeError("mirror: the decoder's learned scale has no twin here")
    return twin.net(_with_labels(torch, codes, labels, source.num_classes)).reshape(codes.shape[0], *IMAGE_SHAPE)


COMPOSITE_FORWARDS = {UNet: _unet, Level: _level, ResidualBlock: _residual_block, SelfAttention: _self_attention,
                      TimeEmbedding: _time_embedding, Encoder: _encoder, Decoder: _decoder}


# ------------------------------------------------------------------ the losses, in torch
def diffusion_loss(torch, denoiser, sqrt_alpha_bar, sqrt_one_minus_alpha_bar, x0, t, noise, labels):
    """gans.diffusion.objective.diffusion_loss (eps-prediction), in torch; the two coefficient
    arrays are the schedule's, ``t`` integer timesteps (NumPy)."""
    shape = (-1,) + (1,) * (x0.ndim - 1)
    a, s = (torch.tensor(values[t].reshape(shape), dtype=x0.dtype, device=x0.device)
            for values in (sqrt_alpha_bar, sqrt_one_minus_alpha_bar))
    steps = torch.tensor(numpy.asarray(t, dtype=numpy.float64), dtype=x0.dtype, device=x0.device)
    output = denoiser(a * x0 + s * noise, steps, labels)
    return torch.nn.functional.mse_loss(output, noise)


def negative_elbo(torch, encoder, decoder, pixels, noise, kl_weight=1.0):
    """gans.autoencoder's Bernoulli negative ELBO per image (N,), in torch: -log p(x|z) + kl_weight *
    KL(q(z|x) || N(0, I)) with z = mean + exp(log_variance / 2) * noise."""
    mean, log_variance = encoder(pixels).chunk(2, dim=1)
    z = mean + (log_variance * 0.5).exp() * noise
    logits, flat_pixels = decoder(z).reshape(len(pixels), -1), pixels.reshape(len(pixels), -1)
    reconstruction = -(flat_pixels * logits - torch.nn.functional.softplus(logits)).sum(dim=1)
    kl = ((mean * mean + log_variance.exp() - log_variance - 1) * 0.5).sum(dim=1)
    return reconstruction + kl_weight * kl
