"""What the denoiser predicts (noise, x0 or v) and the simple diffusion loss (DDPM Algorithm 1).

With a = sqrt(alpha_bar_t), s = sqrt(1 - alpha_bar_t) and x_t = a x0 + s eps:
  eps-prediction (Ho et al. 2020), x0-prediction, and v = a eps - s x0 (Salimans & Ho 2022).
Each converts back to the pair (x0, eps) given x_t, which is what the samplers need.
"""
from __future__ import annotations

import numpy as np

import minigrad
import minigrad.functional as F

from .schedule import NoiseSchedule

PREDICTIONS = ("eps", "x0", "v")


def check_prediction(prediction: str) -> str:
    if prediction not in PREDICTIONS:
        raise ValueError(f"diffusion: unknown prediction {prediction!r}; expected one of {PREDICTIONS}")
    return prediction


def prediction_target(prediction: str, x0, noise, a, s):
    """The denoiser's regression target for x_t = a x0 + s noise."""
    check_prediction(prediction)
    if prediction == "eps":
        return noise
    if prediction == "x0":
        return x0
    return a * noise - s * x0


def to_x0_and_eps(prediction: str, output, x_t, a, s):
    """(x0, eps) implied by the denoiser's `output` at x_t = a x0 + s eps."""
    check_prediction(prediction)
    if prediction == "eps":
        return (x_t - s * output) / a, output
    if prediction == "x0":
        return output, (x_t - a * output) / s
    return a * x_t - s * output, s * x_t + a * output


def eps_from_x0(x_t, x0, a, s):
    """The noise that takes x0 to x_t (used after clipping a predicted x0)."""
    return (x_t - a * x0) / s


def draw_timesteps(rng: np.random.Generator, n: int, num_steps: int) -> np.ndarray:
    """Algorithm 1's t ~ Uniform{0, ..., T-1}, one per sample."""
    return rng.integers(0, num_steps, size=n)


def drop_labels(rng: np.random.Generator, labels: np.ndarray, null_label: int, p: float) -> np.ndarray:
    """Labels with each replaced by `null_label` with probability p (classifier-free guidance training)."""
    if not 0 <= p < 1:
        raise ValueError(f"drop_labels: the label-drop probability must be in [0, 1), got {p}")
    return np.where(rng.random(len(labels)) < p, null_label, labels)


def diffusion_loss(denoiser, schedule: NoiseSchedule, x0, t: np.ndarray, noise, labels=None,
                   prediction: str = "eps"):
    """The simple loss: mean squared error between the denoiser's output at x_t and its target.

    `t` (integers, one per sample) and `noise` (shaped like x0) are given, not drawn, so the loss is
    a deterministic, differentiable function of x0 and the denoiser's parameters.
    """
    a = schedule.per_sample(np.sqrt(schedule.alpha_bar), t, x0)
    s = schedule.per_sample(np.sqrt(1 - schedule.alpha_bar), t, x0)
    x_t = schedule.q_sample(x0, t, noise)
    steps = minigrad.tensor(np.asarray(t, dtype=np.float64), dtype=x0.dtype, device=x0.device)
    output = denoiser(x_t, steps, labels)
    return F.mse_loss(output, prediction_target(prediction, x0, noise, a, s))
