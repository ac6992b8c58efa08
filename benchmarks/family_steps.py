"""The train suite's non-adversarial cases: one optimisation step of the DDPM U-Net and of the VAE.

Each is what its family's ``train_step`` does per batch: the loss (the diffusion family's simple
loss on noised images; the autoencoder family's negative ELBO), zero_grad, backward, the gradient
clipping where the preset has it, Adam. The settings are the presets' own (resolved as the CLI
resolves them, on MNIST); the networks and losses are the gans ones, and the PyTorch twin
(benchmarks.torch_mirror) has the same modules, names, shapes, starting weights, batch, loss and
optimizer. Both sides run the very same step function. The images, timesteps and (dropped) labels
are a fixed random batch: loading and label drawing are not what is timed; the noise of each step
is drawn by each framework, as the GAN cases draw their latents.
"""
from dataclasses import dataclass
from functools import partial

import numpy

import minigrad
from minigrad import nn, optim

from gans.autoencoder import FAMILY as AUTOENCODER
from gans.autoencoder.autoencoder import Autoencoder
from gans.data.sources import describe
from gans.diffusion import FAMILY as DIFFUSION
from gans.diffusion.model import build_denoiser
from gans.diffusion.objective import diffusion_loss, draw_timesteps, drop_labels
from gans.diffusion.schedule import NoiseSchedule
from gans.run.family import resolve

from . import torch_mirror
from .cases import Built, Case
from .train_steps import QUICK_BATCH


@dataclass
class Side:
    """One framework's half of a step: its parameters, optimizer, loss (a callable) and clipping."""

    parameters: list
    optimizer: object
    loss: object  # callable() -> scalar loss tensor, with fresh noise
    clip: object = None  # callable(parameters) or None


def optimisation_step(side):
    """One step, the same code for both frameworks."""
    loss = side.loss()
    side.optimizer.zero_grad()
    loss.backward()
    if side.clip is not None:
        side.clip(side.parameters)
    side.optimizer.step()


def preset_spec(family, preset):
    """The RunSpec (run settings, family config) of ``preset`` on MNIST, as the CLI resolves it."""
    return resolve(family, preset, describe("mnist"), {})


# ------------------------------------------------------------------ DDPM U-Net
def build_diffusion(preset, ctx):
    spec = preset_spec(DIFFUSION, preset)
    config, info = spec.model, describe("mnist")
    minigrad.manual_seed(0)
    denoiser = build_denoiser(config, tuple(info.sample_shape), info.num_classes if config.conditional else None)
    batch = QUICK_BATCH if ctx.quick else spec.run.batch_size
    rng = numpy.random.default_rng(0)
    x0 = rng.uniform(-1, 1, (batch,) + tuple(info.sample_shape)).astype(numpy.float32)
    schedule = NoiseSchedule.named(config.schedule, config.timesteps)
    t = draw_timesteps(rng, batch, schedule.num_steps)
    labels = drop_labels(rng, rng.integers(0, info.num_classes, batch), info.num_classes, config.label_drop) \
        if config.conditional else None
    runs = {"minigrad": partial(optimisation_step, _minigrad_diffusion(config, denoiser, schedule, x0, t, labels, ctx))}
    if ctx.torch is not None:
        runs["torch"] = partial(optimisation_step, _torch_diffusion(config, denoiser, schedule, x0, t, labels, ctx))
    return Built(runs, notes={"batch": batch, "parameters": count_parameters(denoiser)})


def _minigrad_diffusion(config, denoiser, schedule, x0, t, labels, ctx):
    denoiser = denoiser.to(ctx.device)
    images = minigrad.tensor(x0, device=ctx.device)
    condition = None if labels is None else minigrad.tensor(labels, device=ctx.device)

    def loss():
        noise = minigrad.randn(*images.shape, device=ctx.device)
        return diffusion_loss(denoiser, schedule, images, t, noise, condition, config.prediction)

    parameters = list(denoiser.parameters())
    return Side(parameters, optim.Adam(parameters, lr=config.lr), loss, _clipping(nn.clip_grad_norm_, config))


def _torch_diffusion(config, denoiser, schedule, x0, t, labels, ctx):
    torch = ctx.torch
    if config.prediction != "eps":
        raise ValueError(f"benchmarks: the torch twin of the diffusion loss predicts eps, not {config.prediction!r}")
    twin = torch_mirror.twin(torch, denoiser, ctx.device)
    images = ctx.torch_tensor(x0)
    condition = None if labels is None else torch.tensor(labels, device=ctx.device)
    coefficients = numpy.sqrt(schedule.alpha_bar), numpy.sqrt(1 - schedule.alpha_bar)

    def loss():
        noise = torch.randn(images.shape, device=ctx.device)
        return torch_mirror.diffusion_loss(torch, twin, *coefficients, images, t, noise, condition)

    parameters = list(twin.parameters())
    return Side(parameters, torch.optim.Adam(parameters, lr=config.lr), loss,
                _clipping(torch.nn.utils.clip_grad_norm_, config))


def _clipping(clip_grad_norm, config):
    return partial(_clip, clip_grad_norm, config.grad_clip) if config.grad_clip else None


def _clip(clip_grad_norm, max_norm, parameters):
    clip_grad_norm(parameters, max_norm)


# ------------------------------------------------------------------ VAE
def build_vae(preset, ctx):
    spec = preset_spec(AUTOENCODER, preset)
    config = spec.model
    if not config.variational or config.conditional or config.likelihood != "bernoulli":
        raise ValueError(f"benchmarks: the VAE case needs an unconditional Bernoulli VAE preset, not {preset!r}")
    minigrad.manual_seed(0)
    autoencoder = Autoencoder(config, describe("mnist").num_classes)
    batch = QUICK_BATCH if ctx.quick else spec.run.batch_size
    pixels = numpy.random.default_rng(0).uniform(0, 1, (batch, 1, 28, 28)).astype(numpy.float32)
    runs = {"minigrad": partial(optimisation_step, _minigrad_vae(config, autoencoder, pixels, ctx))}
    if ctx.torch is not None:
        runs["torch"] = partial(optimisation_step, _torch_vae(config, autoencoder, pixels, ctx))
    return Built(runs, notes={"batch": batch, "parameters": count_parameters(autoencoder)})


def _minigrad_vae(config, autoencoder, pixels, ctx):
    autoencoder = autoencoder.to(ctx.device)
    images = minigrad.tensor(pixels, device=ctx.device)

    def loss():
        noise = minigrad.randn(len(pixels), config.latent_dim, device=ctx.device)
        return autoencoder.negative_elbo(images, None, noise, config.beta)["loss"].mean()

    parameters = list(autoencoder.parameters())
    return Side(parameters, optim.Adam(parameters, lr=config.lr), loss)


def _torch_vae(config, autoencoder, pixels, ctx):
    torch = ctx.torch
    halves = autoencoder.encoder, autoencoder.decoder
    encoder, decoder = (torch_mirror.twin(torch, half, ctx.device) for half in halves)
    images = ctx.torch_tensor(pixels)

    def loss():
        noise = torch.randn(len(pixels), config.latent_dim, device=ctx.device)
        return torch_mirror.negative_elbo(torch, encoder, decoder, images, noise, config.beta).mean()

    parameters = list(encoder.parameters()) + list(decoder.parameters())
    return Side(parameters, torch.optim.Adam(parameters, lr=config.lr), loss)


def count_parameters(module):
    return sum(parameter.numel() for parameter in module.parameters())


CASES = [Case("train", "ddpm-cond U-Net MNIST b64 step", partial(build_diffusion, "ddpm-cond")),
         Case("train", "vae MLP MNIST b128 step", partial(build_vae, "vae"))]
