"""The diffusion model on the run layer: builds the denoiser, trains it (DDPM's Algorithm 1), samples.

Points are modelled in units of their spread (divided by the dataset's scale) so one set of settings
serves the unit ring and the [-4, 4] grid; images as they come, in [-1, 1].
"""
from __future__ import annotations

import numpy as np

import minigrad
from minigrad import nn, optim

from ..run.family import GenerativeModel
from ..run.guard import check_finite
from .config import DiffusionConfig
from .objective import diffusion_loss, draw_timesteps, drop_labels
from .point_denoiser import PointDenoiser
from .sampling import CLIP_RULES, Denoising, ddim_sample, ddpm_sample
from .schedule import NoiseSchedule
from .unet import UNet

IMAGE_RANGE = (-1.0, 1.0)
POINT_RANGE_IN_SPREADS = 3.0  # points: x0 clipped to +-3 data spreads (the toy sets lie within 1.1)
PREVIEW_DDIM_STEPS = 20  # sample grids during training: a cheap look, not T denoiser calls per grid


def build_denoiser(config: DiffusionConfig, sample_shape: tuple, classes: int | None) -> nn.Module:
    """The network `config.denoiser` names, for samples of `sample_shape` (no batch dim)."""
    if config.denoiser == "mlp":
        return PointDenoiser(sample_shape[0], config.hidden, config.depth, config.embedding_dim, config.input_scale,
                             classes)
    attention_levels = (len(config.channel_mults) - 1,) if config.attention else ()
    return UNet(sample_shape[0], config.base_channels, config.channel_mults, config.blocks_per_level,
                attention_levels, num_classes=classes)


class DiffusionModel(GenerativeModel):
    """A denoiser, its Adam optimiser and its noise schedule."""

    headline = {"loss": "loss"}
    curves = {"losses.png": (("loss",), {"loss": "simple loss (MSE of the prediction)"})}

    def __init__(self, config: DiffusionConfig, run, info, rng, source=None):
        self.config, self.run, self.info, self.rng = config, run, info, rng
        self.classes = info.num_classes if config.conditional else None
        self.data_scale = float(getattr(info, "scale", 1.0))  # points: their spread; images: 1
        bound = POINT_RANGE_IN_SPREADS * self.data_scale
        self.data_range = IMAGE_RANGE if len(info.sample_shape) == 3 else (-bound, bound)
        self.schedule = NoiseSchedule.named(config.schedule, config.timesteps)
        self.denoiser = build_denoiser(config, tuple(info.sample_shape), self.classes).to(run.device)
        if source is not None:
            self.optimizer = optim.Adam(self.denoiser.parameters(), lr=config.lr)

    # ------------------------------------------------------------ training
    def train_step(self, batch, step):
        x, labels = batch
        x0 = x if self.data_scale == 1.0 else x / self.data_scale
        n = x0.shape[0]
        noise = minigrad.tensor(self.rng.standard_normal(x0.shape), dtype=x0.dtype, device=x0.device)
        t = draw_timesteps(self.rng, n, self.schedule.num_steps)
        loss = diffusion_loss(self.denoiser, self.schedule, x0, t, noise, self._training_labels(labels),
                              self.config.prediction)
        self._set_learning_rate(step)
        self.optimizer.zero_grad()
        loss.backward()
        logged = self.run.is_logged(step)
        if logged:
            check_finite("loss", loss.item(), step)  # before the update: a NaN never reaches the weights
        grad_norm = None
        if self.config.grad_clip:
            grad_norm = nn.clip_grad_norm_(self.denoiser.parameters(), self.config.grad_clip)
        self.optimizer.step()
        if not logged:
            return {}
        return {"loss": loss.item(), **({} if grad_norm is None else {"grad_norm": float(grad_norm)})}

    def _training_labels(self, labels):
        if self.classes is None:
            return None
        kept = drop_labels(self.rng, labels.numpy(), self.classes, self.config.label_drop)
        return minigrad.tensor(kept, device=labels.device)

    def _set_learning_rate(self, step: int) -> None:
        warmup = self.config.warmup_steps
        scale = min(1.0, (step + 1) / warmup) if warmup else 1.0
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.lr * scale

    # ------------------------------------------------------------ sampling
    def sample(self, n, labels=None, rng=None, sampler="ddpm", steps=0, eta=0.0, guidance=0.0, on_step=None,
               start=None, clip="auto", spacing="uniform"):
        """n samples (float32, data units) by DDPM's T ancestral steps or DDIM's `steps` (0: all T),
        spaced by `spacing` (SPACINGS).

        A conditional model draws `labels` (n class indices), guided with weight `guidance`, or
        unconditional samples (the null label) when labels is None. `start` = (x_t, t) begins at
        timestep t from x_t (a NumPy array (n, *sample_shape) in data units) instead of pure noise:
        DDPM then takes t + 1 ancestral steps, DDIM `steps` of them (0: all t + 1). `clip` is one of
        CLIP_RULES: how the predicted x0 is bounded to the data's range ("auto": the model's clip_x0).
        """
        if n < 1:
            raise ValueError(f"diffusion sample: n must be >= 1, got {n}")
        if guidance and labels is None:
            raise ValueError(f"diffusion sample: guidance {guidance} needs labels (a class to guide towards)")
        if clip not in CLIP_RULES:
            raise ValueError(f"diffusion sample: unknown clip rule {clip!r}; expected one of {CLIP_RULES}")
        rule = ("recompute-eps" if self.config.clip_x0 else "off") if clip == "auto" else clip
        bounds = None if rule == "off" else tuple(v / self.data_scale for v in self.data_range)
        denoising = Denoising(self.denoiser, self.schedule, self.config.prediction, self._sampling_labels(labels, n),
                              guidance, self.classes, bounds, keep_eps=rule == "keep-eps")
        rng = rng if rng is not None else self.rng
        shape, device = (n, *self.info.sample_shape), self.run.device
        start = self._start_tensor(start)
        if sampler == "ddpm":
            if spacing != "uniform":
                raise ValueError(f"diffusion sample: spacing {spacing!r} needs the ddim sampler (ddpm takes every step)")
            x = ddpm_sample(denoising, shape, rng, device=device, on_step=on_step, start=start)
        elif sampler == "ddim":
            top = self.schedule.num_steps - 1 if start is None else start[1]
            x = ddim_sample(denoising, shape, rng, steps or top + 1, eta, device=device, on_step=on_step, start=start,
                            spacing=spacing)
        else:
            raise ValueError(f"diffusion sample: unknown sampler {sampler!r}; expected ddpm or ddim")
        return x.numpy() * np.float32(self.data_scale)

    def _start_tensor(self, start):
        """(x_t in model units on the device, t) of a `start` given in data units, or None."""
        if start is None:
            return None
        x, t = start
        return minigrad.tensor(np.asarray(x, dtype=np.float32) / np.float32(self.data_scale),
                               device=self.run.device), t

    def preview(self):
        """The sample grids' samples: DDIM in a few steps from the same noise every time (labels cycling
        through the classes for a conditional model)."""
        n = self.info.preview_count
        labels = None if self.classes is None else np.arange(n) % self.classes
        return self.sample(n, labels, np.random.default_rng(self.run.seed), sampler="ddim",
                           steps=min(PREVIEW_DDIM_STEPS, self.schedule.num_steps))

    def _sampling_labels(self, labels, n: int):
        if self.classes is None:
            if labels is not None:
                raise ValueError("diffusion sample: labels given, but the model is unconditional")
            return None
        if labels is None:
            return minigrad.tensor(np.full(n, self.classes), device=self.run.device)  # the null label
        labels = np.asarray(labels, dtype=np.int64)
        if labels.shape != (n,) or labels.min() < 0 or labels.max() >= self.classes:
            raise ValueError(f"diffusion sample: labels must be {n} integers in [0, {self.classes - 1}], got "
                             f"shape {labels.shape}, values in [{labels.min()}, {labels.max()}]")
        return minigrad.tensor(labels, device=self.run.device)

    # ------------------------------------------------------------ state
    def sampling_modules(self):
        return {"denoiser": self.denoiser}

    def state_dict(self):
        return {"optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state):
        self.optimizer.load_state_dict(state["optimizer"])
