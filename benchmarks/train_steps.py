"""The train suite: one full optimisation step of each preset family, in minigrad and in PyTorch.

A GAN step is what the trainer does per generator update: ``n_critic``
discriminator steps (fresh latents, fakes drawn without a graph, the loss,
the gradient penalty where the preset has one, backward, Adam) and one
generator step. The networks, losses and penalty are the project's own
(gans.adversarial: networks, losses, regularizers); the PyTorch twin has the same
layers, starting weights, batch, loss and optimizer (benchmarks.torch_twins),
and both sides run the very same step function. Real data is a fixed random
batch of the right shape: loading is not what is timed.

Settings are the README's (the presets of gans' training config). The DDPM
U-Net and VAE steps are in benchmarks.family_steps; to add a case, append one
Case whose builder returns the two step callables.
"""
from dataclasses import dataclass
from functools import partial

import numpy

import minigrad
from minigrad import optim

from gans.data import get_toy2d
from gans.losses import get_loss
from gans.adversarial.networks import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator
from gans.regularizers import gradient_penalty

from . import torch_twins
from .cases import Built, Case


@dataclass(frozen=True)
class GanPreset:
    """One family's step: networks, batch, loss, critic steps, penalty weight, Adam settings."""

    networks: str  # "mlp" (ring8 points) or "dcgan" (MNIST 28x28)
    loss: str
    batch: int
    latent: int
    width: int
    lr: float
    betas: tuple
    n_critic: int = 1
    penalty: float = 0.0
    batch_norm_in_d: bool = True
    classes: int = None


GAN_PRESETS = {
    "nsgan ring8 MLP": GanPreset("mlp", "non_saturating", 256, 2, 128, 1e-3, (0.5, 0.999)),
    "wgan-gp ring8 MLP": GanPreset("mlp", "wasserstein", 256, 2, 128, 1.5e-3, (0.5, 0.9), n_critic=5, penalty=0.1,
                                   batch_norm_in_d=False),
    "dcgan MNIST b64": GanPreset("dcgan", "non_saturating", 64, 64, 32, 2e-4, (0.5, 0.999)),
    "wgan-gp MNIST b64": GanPreset("dcgan", "wasserstein", 64, 64, 32, 1e-4, (0.5, 0.9), n_critic=5, penalty=10.0,
                                   batch_norm_in_d=False),
    "cgan MNIST b64": GanPreset("dcgan", "non_saturating", 64, 64, 32, 2e-4, (0.5, 0.999), classes=10),
}
QUICK_BATCH = 8


@dataclass
class Side:
    """One framework's half of a GAN benchmark: networks, optimizers, losses, data and noise."""

    generator: object
    discriminator: object
    g_optimizer: object
    d_optimizer: object
    d_loss: object
    g_loss: object
    penalty: object  # callable(critic, real, fake, mixing, condition=labels)
    real: object
    labels: object
    noise: object  # callable() -> (latents, mixing weights)
    no_grad: object

    def generate(self, z):
        return self.generator(z) if self.labels is None else self.generator(z, self.labels)

    def judge(self, x):
        return self.discriminator(x) if self.labels is None else self.discriminator(x, self.labels)


def gan_step(side, preset):
    """One generator update with its ``n_critic`` discriminator updates (the same code for both frameworks)."""
    for _ in range(preset.n_critic):
        z, mixing = side.noise()
        with side.no_grad():
            fake = side.generate(z)
        loss = side.d_loss(side.judge(side.real), side.judge(fake))
        if preset.penalty:
            loss = loss + preset.penalty * side.penalty(side.discriminator, side.real, fake, mixing,
                                                          condition=side.labels)
        side.d_optimizer.zero_grad()
        loss.backward()
        side.d_optimizer.step()
    z, _ = side.noise()
    loss = side.g_loss(side.judge(side.generate(z)))
    side.g_optimizer.zero_grad()
    loss.backward()
    side.g_optimizer.step()


def build_networks(preset):
    """The gans generator and discriminator of a preset (minigrad, on the CPU)."""
    if preset.networks == "mlp":
        scale = get_toy2d("ring8").scale
        generator = MLPGenerator(preset.latent, 2, preset.width, 3, preset.classes, scale)
        discriminator = MLPDiscriminator(2, preset.width, 3, preset.classes, data_scale=scale)
        return generator, discriminator, (2,)
    generator = DCGANGenerator(preset.latent, 1, 28, preset.width, preset.classes)
    discriminator = DCGANDiscriminator(1, 28, preset.width, preset.batch_norm_in_d, num_classes=preset.classes)
    return generator, discriminator, (1, 28, 28)


def build_gan(preset, ctx):
    minigrad.manual_seed(0)
    generator, discriminator, sample_shape = build_networks(preset)
    batch = QUICK_BATCH if ctx.quick else preset.batch
    rng = numpy.random.default_rng(0)
    real = rng.uniform(-1, 1, (batch,) + sample_shape).astype(numpy.float32)
    labels = rng.integers(0, preset.classes, batch) if preset.classes else None
    runs = {"minigrad": partial(gan_step, _minigrad_side(preset, generator, discriminator, real, labels, ctx), preset)}
    if ctx.torch is not None:
        runs["torch"] = partial(gan_step, _torch_side(preset, generator, discriminator, real, labels, ctx), preset)
    return Built(runs, notes={"batch": batch, "n_critic": preset.n_critic, "penalty": preset.penalty})


def _minigrad_side(preset, generator, discriminator, real, labels, ctx):
    generator, discriminator = generator.to(ctx.device), discriminator.to(ctx.device)
    loss = get_loss(preset.loss)
    batch = real.shape[0]

    def noise():
        return (minigrad.randn(batch, preset.latent, device=ctx.device),
                minigrad.rand(batch, device=ctx.device) if preset.penalty else None)

    return Side(generator, discriminator,
                optim.Adam(generator.parameters(), lr=preset.lr, betas=preset.betas),
                optim.Adam(discriminator.parameters(), lr=preset.lr, betas=preset.betas),
                loss.discriminator, loss.generator, gradient_penalty,
                minigrad.tensor(real, device=ctx.device),
                None if labels is None else minigrad.tensor(labels, device=ctx.device), noise, minigrad.no_grad)


def _torch_side(preset, generator, discriminator, real, labels, ctx):
    torch = ctx.torch
    twin_g, twin_d = (torch_twins.twin(torch, network, ctx.device) for network in (generator, discriminator))
    d_loss, g_loss = torch_twins.torch_losses(torch, preset.loss)
    batch = real.shape[0]

    def noise():
        return (torch.randn(batch, preset.latent, device=ctx.device),
                torch.rand(batch, device=ctx.device) if preset.penalty else None)

    return Side(twin_g, twin_d,
                torch.optim.Adam(twin_g.parameters(), lr=preset.lr, betas=preset.betas),
                torch.optim.Adam(twin_d.parameters(), lr=preset.lr, betas=preset.betas),
                d_loss, g_loss, partial(torch_twins.torch_gradient_penalty, torch), ctx.torch_tensor(real),
                None if labels is None else torch.tensor(labels, device=ctx.device), noise, torch.no_grad)


CASES = [Case("train", f"{name} step", partial(build_gan, preset)) for name, preset in GAN_PRESETS.items()]
