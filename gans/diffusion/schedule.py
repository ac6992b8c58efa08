"""Noise schedules and the closed-form forward process q(x_t | x_0) of a diffusion model.

Timesteps are indices t = 0 .. T-1, as in improved-diffusion: alpha_bar[t] = prod_{s <= t} (1 - beta_s),
so x_0 itself is never a step and t = T-1 is (almost) pure noise. Every coefficient is kept in float64
numpy; the samplers read them as Python floats, the loss gathers them per sample into tensors.
"""
from __future__ import annotations

import math

import numpy as np

import minigrad

SCHEDULES = ("linear", "cosine")
LINEAR_BETA_RANGE_AT_1000 = (1e-4, 0.02)  # DDPM's betas at T = 1000
COSINE_OFFSET = 0.008  # improved-diffusion's s: keeps beta_0 from vanishing
MAX_BETA = 0.999  # improved-diffusion's clip: no step destroys the signal entirely


def linear_betas(num_steps: int) -> np.ndarray:
    """DDPM's linear betas, rescaled by 1000 / T so that any T spans the same noise levels."""
    _check_steps("linear_betas", num_steps)
    scale = 1000.0 / num_steps
    start, end = LINEAR_BETA_RANGE_AT_1000
    if scale * end >= 1:
        raise ValueError(f"linear_betas: T={num_steps} is too few steps for the rescaled linear schedule "
                         f"(its last beta would be {scale * end:g} >= 1); use T > {int(1000 * end)} or 'cosine'")
    return np.linspace(scale * start, scale * end, num_steps, dtype=np.float64)


def cosine_alpha_bar(time: np.ndarray, offset: float = COSINE_OFFSET) -> np.ndarray:
    """f(u) / f(0) with f(u) = cos^2(((u + s) / (1 + s)) * pi / 2), u = t / T in [0, 1]."""
    def f(u):
        return np.cos((u + offset) / (1 + offset) * math.pi / 2) ** 2

    return f(np.asarray(time, dtype=np.float64)) / f(0.0)


def cosine_betas(num_steps: int, offset: float = COSINE_OFFSET, max_beta: float = MAX_BETA) -> np.ndarray:
    """Betas whose cumulative product follows the cosine alpha_bar (Nichol & Dhariwal 2021), clipped."""
    _check_steps("cosine_betas", num_steps)
    alpha_bar = cosine_alpha_bar(np.arange(num_steps + 1) / num_steps, offset)
    return np.minimum(1 - alpha_bar[1:] / alpha_bar[:-1], max_beta)


def _check_steps(op: str, num_steps) -> None:
    if not isinstance(num_steps, (int, np.integer)) or num_steps < 1:
        raise ValueError(f"{op}: the number of diffusion steps must be a positive integer, got {num_steps!r}")


class NoiseSchedule:
    """The betas of a diffusion and every quantity derived from them (all float64 arrays of length T)."""

    def __init__(self, betas: np.ndarray):
        betas = np.asarray(betas, dtype=np.float64)
        if betas.ndim != 1 or len(betas) == 0 or not np.all((betas > 0) & (betas < 1)):
            raise ValueError(f"NoiseSchedule: betas must be a non-empty 1-D array in (0, 1), got shape "
                             f"{betas.shape}, range [{betas.min() if betas.size else None}, "
                             f"{betas.max() if betas.size else None}]")
        self.betas = betas
        self.alpha_bar = np.cumprod(1 - betas)
        self.alpha_bar_prev = np.append(1.0, self.alpha_bar[:-1])
        # q(x_{t-1} | x_t, x_0) = N(coef_x0 * x_0 + coef_xt * x_t, posterior_variance)
        self.posterior_variance = betas * (1 - self.alpha_bar_prev) / (1 - self.alpha_bar)
        self.posterior_coef_x0 = betas * np.sqrt(self.alpha_bar_prev) / (1 - self.alpha_bar)
        self.posterior_coef_xt = (1 - self.alpha_bar_prev) * np.sqrt(1 - betas) / (1 - self.alpha_bar)

    @classmethod
    def named(cls, name: str, num_steps: int) -> "NoiseSchedule":
        """The "linear" or "cosine" schedule with `num_steps` steps."""
        if name not in SCHEDULES:
            raise ValueError(f"NoiseSchedule: unknown schedule {name!r}; expected one of {SCHEDULES}")
        return cls(linear_betas(num_steps) if name == "linear" else cosine_betas(num_steps))

    @property
    def num_steps(self) -> int:
        return len(self.betas)

    def per_sample(self, values: np.ndarray, t: np.ndarray, like: minigrad.Tensor) -> minigrad.Tensor:
        """values[t] as a tensor shaped (N, 1, ..., 1) to broadcast against `like` (N, ...)."""
        gathered = values[self.check_timesteps(t)].reshape((-1,) + (1,) * (like.ndim - 1))
        return minigrad.tensor(gathered, dtype=like.dtype, device=like.device)

    def check_timesteps(self, t) -> np.ndarray:
        t = np.asarray(t)
        if t.dtype.kind not in "iu" or t.size == 0 or t.min() < 0 or t.max() >= self.num_steps:
            raise ValueError(f"NoiseSchedule: timesteps must be integers in [0, {self.num_steps - 1}], got "
                             f"dtype {t.dtype}, values in [{t.min() if t.size else None}, "
                             f"{t.max() if t.size else None}]")
        return t

    def q_sample(self, x0: minigrad.Tensor, t: np.ndarray, noise: minigrad.Tensor) -> minigrad.Tensor:
        """x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) noise: a draw of q(x_t | x_0) in closed form."""
        if noise.shape != x0.shape:
            raise ValueError(f"q_sample: noise shape {noise.shape} must equal x0 shape {x0.shape}")
        if len(np.atleast_1d(t)) != x0.shape[0]:
            raise ValueError(f"q_sample: need one timestep per sample, got {len(np.atleast_1d(t))} for "
                             f"x0 of shape {x0.shape}")
        return (self.per_sample(np.sqrt(self.alpha_bar), t, x0) * x0
                + self.per_sample(np.sqrt(1 - self.alpha_bar), t, x0) * noise)
