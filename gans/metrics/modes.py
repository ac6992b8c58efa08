"""2D mode coverage, the standard protocol of VEEGAN / PacGAN / the WGAN-GP toy experiments.

Given generated samples (usually 2,500), the dataset's modes and its noise sigma:
- each sample is assigned to its nearest mode (Euclidean);
- a sample is *high quality* when that distance is < `radius_in_stds` * sigma (3 sigma by default;
  note that for a true 2D isotropic Gaussian this holds for 1 - exp(-9/2) ~ 98.9% of samples);
- a mode is *captured* when at least one high-quality sample is assigned to it;
- the *reverse KL* is KL(p_model || uniform) = sum_k p_k log(K p_k), where p is the histogram of the
  high-quality samples over the K modes. Empty bins contribute 0 (0 log 0 = 0), so KL ranges from
  0 (all modes equally hit) to log K (everything in one mode). With no high-quality sample at all
  there is no histogram and the KL is reported as +inf.
Non-finite samples (a diverged generator) count as low quality.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class ModeCoverage:
    """Result of `mode_coverage`; `as_dict()` gives a JSON-ready dict (with the % high quality)."""

    modes_captured: int
    n_modes: int
    high_quality_fraction: float
    reverse_kl: float
    n_samples: int

    def as_dict(self) -> dict:
        return {**asdict(self), "high_quality_percent": 100.0 * self.high_quality_fraction}


def mode_coverage(samples: np.ndarray, modes: np.ndarray | None, std: float,
                  radius_in_stds: float = 3.0) -> ModeCoverage:
    """Modes captured, fraction of high-quality samples and reverse KL to uniform (see module docstring)."""
    samples, modes = _check_inputs(samples, modes, std, radius_in_stds)
    finite = np.isfinite(samples).all(axis=1)
    distances = np.linalg.norm(samples[finite, None, :] - modes[None, :, :], axis=2)
    nearest = distances.argmin(axis=1)
    high_quality = distances.min(axis=1) < radius_in_stds * std
    counts = np.bincount(nearest[high_quality], minlength=len(modes))
    return ModeCoverage(
        modes_captured=int(np.count_nonzero(counts)),
        n_modes=len(modes),
        high_quality_fraction=float(high_quality.sum() / len(samples)),
        reverse_kl=kl_to_uniform(counts),
        n_samples=len(samples),
    )


def kl_to_uniform(counts: np.ndarray) -> float:
    """KL(p || uniform over len(counts) bins) for the histogram p = counts / sum; +inf when empty."""
    counts = np.asarray(counts)
    total = counts.sum()
    if total == 0:
        return math.inf
    p = counts[counts > 0] / total
    return max(float(np.sum(p * np.log(p * len(counts)))), 0.0)


def _check_inputs(samples, modes, std, radius_in_stds) -> tuple[np.ndarray, np.ndarray]:
    if modes is None:
        raise ValueError("mode_coverage: modes is None; the dataset has no discrete modes (e.g. swissroll)")
    samples = np.asarray(samples, dtype=np.float64)
    modes = np.asarray(modes, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != 2 or len(samples) == 0:
        raise ValueError(f"mode_coverage: samples must have shape (n, 2) with n >= 1, got {samples.shape}")
    if modes.ndim != 2 or modes.shape[1] != 2 or len(modes) == 0 or not np.isfinite(modes).all():
        raise ValueError(f"mode_coverage: modes must be a finite (K, 2) array with K >= 1, got shape {modes.shape}")
    if not (np.isfinite(std) and std > 0 and np.isfinite(radius_in_stds) and radius_in_stds > 0):
        raise ValueError(f"mode_coverage: std and radius_in_stds must be finite and > 0, "
                         f"got std={std!r}, radius_in_stds={radius_in_stds!r}")
    return samples, modes
