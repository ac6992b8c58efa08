"""The diffusion model object: builds the denoiser, trains it one step at a time, samples from it.

Data are modelled in units of their spread (points divided by `data_scale`, images as they come in
[-1, 1]); predicted x0 is clipped to `clip_range` (in data units) while sampling.
"""
from __future__ import annotations

import numpy as np

import minigrad
from minigrad import nn, optim

from .config import DiffusionConfig
from .objective import diffusion_loss, draw_timesteps, drop_labels
from .point_denoiser import PointDenoiser
from .sampling import Denoising, ddim_sample, ddpm_sample
from .schedule import NoiseSchedule
from .unet import UNet

SAMPLERS = ("ddpm", "ddim")


def build_denoiser(config: DiffusionConfig, data_shape: tuple, num_classes: int | None) -> nn.Module:
    """The network the config asks for, for samples of `data_shape` (without the batch dim)."""
    classes = num_classes if config.conditional else None
    if config.conditional and not num_classes:
        raise ValueError("diffusion: conditional=True needs labelled data (the data source has no classes)")
    if config.denoiser == "mlp":
        if len(data_shape) != 1:
            raise ValueError(f"diffusion: the mlp denoiser takes points (D,), got samples of shape {data_shape}")
        return PointDenoiser(data_shape[0], config.hidden, config.depth, config.embedding_dim, config.input_scale,
                             classes)
    if len(data_shape) != 3:
        raise ValueError(f"diffusion: the unet denoiser takes images (C, H, W), got samples of shape {data_shape}")
    return UNet(data_shape[0], config.base_channels, tuple(config.channel_mults), config.blocks_per_level,
                tuple(config.attention_levels), num_classes=classes)


class DiffusionModel:
    """A denoiser, its optimiser and its schedule; `train_step` is DDPM's Algorithm 1 on one batch."""

    def __init__(self, config: DiffusionConfig, data_shape: tuple, num_classes: int | None = None,
                 data_scale: float = 1.0, clip_range: tuple[float, float] | None = None, seed: int = 0,
                 device: str = "cpu"):
        self.config = config.check()
        self.data_shape, self.data_scale, self.device = tuple(data_shape), float(data_scale), device
        self.num_classes = num_classes if config.conditional else None
        self.clip_range = clip_range
        self.schedule = NoiseSchedule.named(config.schedule, config.timesteps)
        self.denoiser = build_denoiser(config, self.data_shape, num_classes).to(device)
        self.optimizer = optim.Adam(self.denoiser.parameters(), lr=config.lr)
        self.rng = np.random.default_rng(seed)

    # ------------------------------------------------------------ training
    def train_step(self, batch, step: int) -> dict[str, float]:
        """One Adam step on the simple loss of `batch` (x or (x, labels)); returns the loss and grad norm."""
        x, labels = batch if isinstance(batch, (tuple, list)) else (batch, None)
        x0 = minigrad.tensor(np.asarray(x) / self.data_scale, dtype=minigrad.float32, device=self.device)
        n = x0.shape[0]
        noise = minigrad.tensor(self.rng.standard_normal(x0.shape), dtype=x0.dtype, device=self.device)
        t = draw_timesteps(self.rng, n, self.schedule.num_steps)
        loss = diffusion_loss(self.denoiser, self.schedule, x0, t, noise, self._training_labels(labels, n),
                              self.config.prediction)
        self._set_learning_rate(step)
        self.optimizer.zero_grad()
        loss.backward()
        grad_norm = nn.clip_grad_norm_(self.denoiser.parameters(), self.config.grad_clip or float("inf"))
        self.optimizer.step()
        return {"loss": float(loss.item()), "grad_norm": float(grad_norm)}

    def _training_labels(self, labels, n: int):
        if self.num_classes is None:
            return None
        if labels is None:
            raise ValueError("diffusion: a conditional model needs (images, labels) batches")
        kept = drop_labels(self.rng, np.asarray(labels, dtype=np.int64), self.num_classes, self.config.label_drop)
        return minigrad.tensor(kept, device=self.device)

    def _set_learning_rate(self, step: int) -> None:
        warmup = self.config.warmup_steps
        scale = min(1.0, (step + 1) / warmup) if warmup else 1.0
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.lr * scale

    # ------------------------------------------------------------ sampling
    def sample(self, n: int, labels=None, rng: np.random.Generator | None = None, sampler: str = "ddpm",
               steps: int | None = None, eta: float = 0.0, guidance: float = 0.0, denoiser: nn.Module | None = None,
               on_step=None) -> np.ndarray:
        """n samples (float32 numpy, data units). `denoiser` overrides the live one (e.g. its EMA).

        A conditional model samples `labels` (n class indices), or unconditionally (the null label)
        when labels is None. `steps` is DDIM's number of steps (default T); DDPM always takes T.
        """
        if sampler not in SAMPLERS:
            raise ValueError(f"diffusion: unknown sampler {sampler!r}; expected one of {SAMPLERS}")
        if n < 1:
            raise ValueError(f"diffusion: the number of samples must be >= 1, got {n}")
        network = denoiser or self.denoiser
        denoising = Denoising(network, self.schedule, self.config.prediction, self._sampling_labels(labels, n),
                              guidance, self.num_classes, self._clip_in_model_units())
        rng = rng if rng is not None else np.random.default_rng()
        shape = (n,) + self.data_shape
        if sampler == "ddpm":
            x = ddpm_sample(denoising, shape, rng, device=self.device, on_step=on_step)
        else:
            x = ddim_sample(denoising, shape, rng, steps or self.schedule.num_steps, eta, device=self.device,
                            on_step=on_step)
        return x.numpy() * np.float32(self.data_scale)

    def _sampling_labels(self, labels, n: int):
        if self.num_classes is None:
            if labels is not None:
                raise ValueError("diffusion: labels given, but the model is unconditional")
            return None
        labels = np.full(n, self.num_classes) if labels is None else np.asarray(labels, dtype=np.int64)
        if labels.shape != (n,) or labels.min() < 0 or labels.max() > self.num_classes:
            raise ValueError(f"diffusion: labels must be {n} integers in [0, {self.num_classes - 1}] "
                             f"(or {self.num_classes}, the null label), got shape {labels.shape}")
        return minigrad.tensor(labels, device=self.device)

    def _clip_in_model_units(self):
        if self.clip_range is None:
            return None
        low, high = self.clip_range
        return low / self.data_scale, high / self.data_scale

    # ------------------------------------------------------------ state
    def sampling_modules(self) -> dict[str, nn.Module]:
        return {"denoiser": self.denoiser}

    def state_dict(self) -> dict:
        return {"denoiser": self.denoiser.state_dict(), "optimizer": self.optimizer.state_dict(),
                "rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        self.denoiser.load_state_dict(state["denoiser"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.rng.bit_generator.state = state["rng"]
