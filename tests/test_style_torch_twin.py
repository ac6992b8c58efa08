"""The style-based GAN against a PyTorch twin written from the papers: the same weights (read by name
from minigrad's modules) give the same images, scores, losses and gradients in float64, through the
generator's loss and through the discriminator's loss with its R1 double backward.

This pins the family's engine-side correctness as a whole, beyond the per-layer gradchecks: a training
failure of the recipe (see the README's StyleGAN section) is then a property of the recipe, not of a
gradient. PyTorch is an optional reference; the test skips without it.
"""
import math

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from gans.losses import minimax_discriminator, non_saturating_generator
from gans.regularizers import r1_penalty
from gans.style.discriminator import ResidualDiscriminator
from gans.style.generator import StyleGenerator

torch = pytest.importorskip("torch", reason="PyTorch is the optional reference of the style-GAN twin check")
TF = torch.nn.functional


def leaky(x):
    return TF.leaky_relu(x, 0.2) * math.sqrt(2)


def linear(p, name, x, lr_multiplier=1.0, activate=False):
    weight = p[name + ".weight"]
    y = TF.linear(x, weight * (lr_multiplier / math.sqrt(weight.shape[1])), p[name + ".bias"] * lr_multiplier)
    return leaky(y) if activate else y


def conv(p, name, x, activate=False, bias=True):
    weight = p[name + ".weight"]
    y = TF.conv2d(x, weight / math.sqrt(weight[0].numel()), p[name + ".bias"] if bias else None,
                  padding=weight.shape[-1] // 2)
    return leaky(y) if activate else y


def modulated(p, name, x, w, demodulate=True):
    """Karras et al. 2020, eq. 1 and 3, with the per-sample kernels as one grouped convolution."""
    styles = linear(p, name + ".affine", w)
    weight = p[name + ".weight"] / math.sqrt(p[name + ".weight"][0].numel())
    kernels = weight[None] * styles[:, None, :, None, None]
    if demodulate:
        kernels = kernels * (kernels.square().sum(dim=(2, 3, 4), keepdim=True) + 1e-8).rsqrt()
    batch, channels = x.shape[:2]
    y = TF.conv2d(x.reshape(1, batch * channels, *x.shape[2:]), kernels.reshape(-1, *weight.shape[1:]),
                  padding=weight.shape[-1] // 2, groups=batch)
    return y.reshape(batch, -1, *y.shape[2:])


def twin_mapping(p, generator, z):
    x = z * (z.square().mean(dim=1, keepdim=True) + 1e-8).rsqrt()
    for index, layer in enumerate(generator.mapping.layers):
        x = linear(p, f"mapping.layers.{index}", x, layer.lr_multiplier, activate=True)
    return x


def twin_synthesis(p, generator, ws):
    """Constant -> per level: [upsample] modulated conv, bias, leaky ReLU; toRGB summed up the levels."""
    x = p["synthesis.const"][None].expand(ws.shape[0], -1, -1, -1)
    image, start = None, 0
    for level_index, level in enumerate(generator.synthesis.levels):
        prefix = f"synthesis.levels.{level_index}"
        for index, layer in enumerate(level.layers):
            if layer.upsample:
                x = TF.interpolate(x, scale_factor=2, mode="nearest")
            x = modulated(p, f"{prefix}.layers.{index}.conv", x, ws[:, start + index])
            x = leaky(x + p[f"{prefix}.layers.{index}.bias"].reshape(1, -1, 1, 1))
        last = ws[:, start + len(level.layers) - 1]
        rgb = modulated(p, f"{prefix}.to_rgb.conv", x, last, demodulate=False)
        rgb = rgb + p[f"{prefix}.to_rgb.bias"].reshape(1, -1, 1, 1)
        image = rgb if image is None else TF.interpolate(image, scale_factor=2, mode="nearest") + rgb
        start += len(level.layers)
    return image


def twin_stddev(x, group_size):
    batch, channels, height, width = x.shape
    group = max(g for g in range(1, min(group_size, batch) + 1) if batch % g == 0)
    members = x.reshape(group, batch // group, channels, height, width)
    spread = (members - members.mean(0)).square().mean(0).add(1e-8).sqrt().mean(dim=(1, 2, 3))
    return torch.cat([x, spread.reshape(1, -1, 1, 1, 1).expand(group, -1, 1, height, width)
                      .reshape(batch, 1, height, width)], 1)


def twin_discriminator(p, discriminator, images):
    x = conv(p, "from_rgb", images, activate=True)
    for index in range(len(discriminator.blocks)):
        prefix = f"blocks.{index}"
        main = TF.avg_pool2d(conv(p, prefix + ".conv1", conv(p, prefix + ".conv0", x, True), True), 2)
        x = (main + conv(p, prefix + ".skip", TF.avg_pool2d(x, 2), bias=False)) / math.sqrt(2)
    x = conv(p, "conv", twin_stddev(x, discriminator.mbstd_group), activate=True)
    return linear(p, "out", linear(p, "fc", x.reshape(x.shape[0], -1), activate=True)).reshape(-1)


def torch_parameters(module):
    return {name: torch.tensor(parameter.numpy(), requires_grad=True) for name, parameter in module.named_parameters()}


def assert_gradients_match(module, twin_parameters):
    for name, parameter in module.named_parameters():
        expected = twin_parameters[name].grad
        if expected is None:
            assert parameter.grad is None, name
            continue
        numpy.testing.assert_allclose(parameter.grad.numpy(), expected.numpy(), rtol=1e-9, atol=1e-11, err_msg=name)


@settings(max_examples=4, deadline=None)
@given(image_size=st.sampled_from([8, 14]), width=st.integers(2, 4), batch=st.sampled_from([2, 4]),
       mapping_layers=st.integers(1, 2), seed=st.integers(0, 2**16))
def test_generator_and_discriminator_match_a_pytorch_twin(image_size, width, batch, mapping_layers, seed):
    minigrad.manual_seed(seed)
    rng = numpy.random.default_rng(seed)
    generator = StyleGenerator(6, 5, mapping_layers, 1, image_size, width, 8).double()
    discriminator = ResidualDiscriminator(1, image_size, width, 8, mbstd_group=2).double()
    g_twin, d_twin = torch_parameters(generator), torch_parameters(discriminator)
    z, real = rng.standard_normal((batch, 6)), rng.uniform(-1, 1, (batch, 1, image_size, image_size))

    fake = generator(minigrad.tensor(z), noise="none")
    twin_ws = twin_mapping(g_twin, generator, torch.tensor(z))[:, None].expand(-1, generator.num_ws, -1)
    twin_fake = twin_synthesis(g_twin, generator, twin_ws)
    numpy.testing.assert_allclose(fake.numpy(), twin_fake.detach().numpy(), rtol=1e-10, atol=1e-12)

    non_saturating_generator(discriminator(fake)).backward()
    TF.softplus(-twin_discriminator(d_twin, discriminator, twin_fake)).mean().backward()
    assert_gradients_match(generator, g_twin)

    discriminator.zero_grad()
    for tensor in d_twin.values():
        tensor.grad = None
    real_m = minigrad.tensor(real)
    d_loss = minimax_discriminator(discriminator(real_m), discriminator(fake.detach())) + r1_penalty(discriminator,
                                                                                                    real_m)
    d_loss.backward()
    real_t = torch.tensor(real, requires_grad=True)
    real_scores = twin_discriminator(d_twin, discriminator, real_t)
    (gradient,) = torch.autograd.grad(real_scores.sum(), real_t, create_graph=True)
    twin_loss = (TF.softplus(-real_scores).mean() + TF.softplus(twin_discriminator(d_twin, discriminator,
                                                                                   twin_fake.detach())).mean()
                 + gradient.square().reshape(batch, -1).sum(1).mean())
    twin_loss.backward()
    assert d_loss.item() == pytest.approx(twin_loss.item(), rel=1e-12)
    assert_gradients_match(discriminator, d_twin)
