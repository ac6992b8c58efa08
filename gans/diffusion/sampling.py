"""Samplers of a trained denoiser: ancestral DDPM (Algorithm 2 of Ho et al.) and DDIM (Song et al.).

Both are vectorised over the batch (one denoiser call per step for all samples; two with guidance,
batched into one) and clip the predicted x0 to the data's range before each update. `on_step`, if
given, is called after every step with a SamplerStep (for a progress bar or a trajectory figure).
Both start from pure noise x_{T-1} ~ N(0, I), or from `start` = (x_t, t): a given noisy batch at
timestep t, denoised from there down to the data (SDEdit-style; Meng et al. 2022).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

import minigrad

from .objective import check_prediction, eps_from_x0, to_x0_and_eps
from .schedule import NoiseSchedule

VARIANCES = ("posterior", "beta")  # DDPM's two fixed choices: beta-tilde_t (the default) or beta_t
# What clipping x0 does to eps: recompute it from the clipped x0 (improved-diffusion), keep the network's
# (x0 alone clipped), or no clipping at all (the DDIM authors' code); "auto": the model's clip_x0 setting.
CLIP_RULES = ("auto", "recompute-eps", "keep-eps", "off")
SPACINGS = ("uniform", "quadratic")  # how DDIM picks its timesteps (ddim_timesteps)


@dataclass
class SamplerStep:
    index: int  # 0-based count of steps done
    total: int
    t: int  # the timestep just denoised
    x: minigrad.Tensor  # the sample after this step
    x0: minigrad.Tensor  # the (clipped) x0 predicted at t


class Denoising:
    """A denoiser as the samplers see it: (x_t, t) -> (x0, eps), with guidance and clipping.

    With `labels`, predictions are classifier-free guided: (1 + w) out(labels) - w out(null) for
    guidance weight w (Ho & Salimans 2022; w = 0 is the plain conditional model). `clip` = (low, high)
    bounds the predicted x0, and eps is recomputed from the clipped x0 (as improved-diffusion does)
    unless `keep_eps`, which leaves the network's eps as it is.
    """

    def __init__(self, denoiser, schedule: NoiseSchedule, prediction: str = "eps", labels=None,
                 guidance: float = 0.0, null_label: int | None = None, clip: tuple[float, float] | None = None,
                 keep_eps: bool = False):
        self.denoiser, self.schedule, self.prediction = denoiser, schedule, check_prediction(prediction)
        self.labels, self.guidance, self.null_label, self.clip = labels, float(guidance), null_label, clip
        self.keep_eps = keep_eps
        if self.guidance and (labels is None or null_label is None):
            raise ValueError(f"Denoising: guidance weight {guidance} needs labels and the null label")

    def predict(self, x, t: int):
        a, s = math.sqrt(self.schedule.alpha_bar[t]), math.sqrt(1 - self.schedule.alpha_bar[t])
        x0, eps = to_x0_and_eps(self.prediction, self._output(x, t), x, a, s)
        if self.clip is not None:
            x0 = minigrad.clamp(x0, *self.clip)
            if not self.keep_eps:
                eps = eps_from_x0(x, x0, a, s)
        return x0, eps

    def _output(self, x, t: int):
        n = x.shape[0]
        if not self.guidance:
            return self.denoiser(x, _timesteps(t, n, x), self.labels)
        null = minigrad.full_like(self.labels, self.null_label)
        both = self.denoiser(minigrad.cat([x, x], dim=0), _timesteps(t, 2 * n, x),
                             minigrad.cat([self.labels, null], dim=0))
        conditional, unconditional = both[:n], both[n:]
        return conditional * (1 + self.guidance) - unconditional * self.guidance


def _timesteps(t: int, n: int, like):
    return minigrad.full((n,), float(t), dtype=like.dtype, device=like.device)


def standard_normal(rng: np.random.Generator, shape, dtype, device) -> minigrad.Tensor:
    return minigrad.tensor(rng.standard_normal(shape), dtype=dtype, device=device)


def ddpm_moments(schedule: NoiseSchedule, t: int, x, x0, variance: str = "posterior"):
    """Mean and standard deviation of DDPM's p(x_{t-1} | x_t): the posterior q(x_{t-1} | x_t, x0)'s mean."""
    if variance not in VARIANCES:
        raise ValueError(f"ddpm: unknown variance {variance!r}; expected one of {VARIANCES}")
    mean = x0 * schedule.posterior_coef_x0[t] + x * schedule.posterior_coef_xt[t]
    chosen = schedule.posterior_variance[t] if variance == "posterior" else schedule.betas[t]
    return mean, (math.sqrt(chosen) if t > 0 else 0.0)


def ddim_moments(schedule: NoiseSchedule, t: int, t_prev: int, x0, eps, eta: float):
    """Mean and standard deviation of DDIM's step from t to t_prev (-1: to the data)."""
    alpha_bar = schedule.alpha_bar[t]
    alpha_bar_prev = schedule.alpha_bar[t_prev] if t_prev >= 0 else 1.0
    sigma = eta * math.sqrt((1 - alpha_bar_prev) / (1 - alpha_bar) * (1 - alpha_bar / alpha_bar_prev))
    direction = math.sqrt(max(1 - alpha_bar_prev - sigma ** 2, 0.0))
    return x0 * math.sqrt(alpha_bar_prev) + eps * direction, sigma


def ddim_timesteps(num_steps: int, steps: int, top: int | None = None, spacing: str = "uniform") -> np.ndarray:
    """`steps` timesteps from `top` (default T-1) down to 0, every one when steps = top + 1; a single
    step is `top` itself. "uniform" spaces them evenly; "quadratic" as top * s^2 for s evenly spaced in
    [0, 1] (gaps of at least 1): denser near the data, the DDIM paper's choice for CIFAR-10."""
    top = num_steps - 1 if top is None else top
    if spacing not in SPACINGS:
        raise ValueError(f"ddim: unknown timestep spacing {spacing!r}; expected one of {SPACINGS}")
    if not 1 <= steps <= top + 1:
        raise ValueError(f"ddim: steps must be in [1, {top + 1}] (the timesteps from {top} down to 0), got {steps}")
    if spacing == "uniform":
        return np.unique(np.round(np.linspace(top, 0, steps)).astype(np.int64))[::-1]
    quadratic = np.floor(top * np.linspace(1.0, 0.0, steps) ** 2).astype(np.int64)
    return np.maximum(quadratic, np.arange(steps - 1, -1, -1))


def starting_point(schedule: NoiseSchedule, shape, rng, dtype, device, start=None):
    """(x, t) the samplers begin from: pure noise at T-1, or `start` = (x_t, t) checked against the
    shape and the schedule (x_t is used as it is; it must be on the device, of the dtype asked)."""
    if start is None:
        return standard_normal(rng, shape, dtype, device), schedule.num_steps - 1
    x, t = start
    if tuple(x.shape) != tuple(shape):
        raise ValueError(f"sampler start: x_t has shape {tuple(x.shape)}, expected {tuple(shape)}")
    if not (isinstance(t, (int, np.integer)) and 0 <= t < schedule.num_steps):
        raise ValueError(f"sampler start: t must be an integer in [0, {schedule.num_steps - 1}], got {t!r}")
    return x, int(t)


def ddpm_sample(denoising: Denoising, shape, rng: np.random.Generator, dtype=minigrad.float32, device="cpu",
                variance: str = "posterior", on_step: Callable[[SamplerStep], None] | None = None,
                start: tuple[minigrad.Tensor, int] | None = None):
    """Algorithm 2: from x_T ~ N(0, I) (or `start` = (x_t, t)), ancestral steps x_{t-1} ~ p(x_{t-1} | x_t)
    down to x_0."""
    schedule = denoising.schedule
    x, top = starting_point(schedule, shape, rng, dtype, device, start)
    with minigrad.no_grad():
        for index, t in enumerate(range(top, -1, -1)):
            x0, _ = denoising.predict(x, t)
            mean, std = ddpm_moments(schedule, t, x, x0, variance)
            x = mean + standard_normal(rng, shape, dtype, device) * std if std else mean
            if on_step is not None:
                on_step(SamplerStep(index, top + 1, t, x, x0))
    return x


def ddim_sample(denoising: Denoising, shape, rng: np.random.Generator, steps: int, eta: float = 0.0,
                dtype=minigrad.float32, device="cpu", on_step: Callable[[SamplerStep], None] | None = None,
                start: tuple[minigrad.Tensor, int] | None = None, spacing: str = "uniform"):
    """DDIM over `steps` of the timesteps from T-1 (or from t of `start` = (x_t, t)) down to 0, chosen
    by `spacing` (SPACINGS); eta = 0 is deterministic given the starting point, eta = 1 is ancestral.
    One step from x_t is the denoiser's own estimate of x0."""
    if eta < 0:
        raise ValueError(f"ddim: eta must be >= 0, got {eta}")
    schedule = denoising.schedule
    x, top = starting_point(schedule, shape, rng, dtype, device, start)
    timesteps = ddim_timesteps(schedule.num_steps, steps, top, spacing)
    with minigrad.no_grad():
        for index, t in enumerate(timesteps):
            t_prev = int(timesteps[index + 1]) if index + 1 < len(timesteps) else -1
            x0, eps = denoising.predict(x, int(t))
            mean, std = ddim_moments(schedule, int(t), t_prev, x0, eps, eta)
            x = mean + standard_normal(rng, shape, dtype, device) * std if std else mean
            if on_step is not None:
                on_step(SamplerStep(index, len(timesteps), int(t), x, x0))
    return x
