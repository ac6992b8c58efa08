"""Toy 2D datasets of the GAN mode-collapse literature: a ring of 8 Gaussians, a 5x5 grid of 25
Gaussians (both as in VEEGAN, PacGAN and the WGAN-GP paper) and a swiss roll.

Each dataset exposes `name`, `modes` ((K, 2) float64 array, or None when the data has no discrete
modes), `std` (per-coordinate noise sigma) and `sample(n, rng) -> float32 (n, 2)`.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np


def _check_sample_args(caller: str, n: int, rng: np.random.Generator) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"{caller}: n must be a non-negative int, got {n!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{caller}: rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
                        f"got {type(rng).__name__}")


@dataclass(frozen=True, eq=False)
class GaussianMixture2D:
    """Equal-weight mixture of isotropic Gaussians N(mode_k, std^2 I)."""

    name: str
    modes: np.ndarray
    std: float

    def __post_init__(self):
        modes = np.array(self.modes, dtype=np.float64)
        if modes.ndim != 2 or modes.shape[1] != 2 or modes.shape[0] == 0:
            raise ValueError(f"GaussianMixture2D: modes must have shape (K, 2) with K >= 1, got {modes.shape}")
        if not self.std > 0:
            raise ValueError(f"GaussianMixture2D: std must be > 0, got {self.std!r}")
        modes.setflags(write=False)
        object.__setattr__(self, "modes", modes)

    @property
    def scale(self) -> float:
        """The data's root-mean-square distance from the origin, sqrt(E|x|^2): the unit the 2D networks
        work in (1.0 for the unit ring, 4.0 for the 5x5 grid)."""
        return float(np.sqrt(np.mean(np.sum(self.modes**2, axis=1)) + 2 * self.std**2))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n points: a uniformly chosen mode plus Gaussian noise; float32 (n, 2)."""
        _check_sample_args(f"{self.name}.sample", n, rng)
        mode_index = rng.integers(len(self.modes), size=n)
        noise = rng.standard_normal((n, 2))
        return (self.modes[mode_index] + self.std * noise).astype(np.float32)


@dataclass(frozen=True, eq=False)
class SwissRoll2D:
    """The 2D swiss roll (t cos t, t sin t) * spiral_scale, t = 1.5 pi (1 + 2u), u ~ U(0, 1), plus N(0, std^2 I).

    Defaults follow the WGAN-GP toy code: sklearn's make_swiss_roll with noise 0.25, divided by 7.5.
    """

    name: str = "swissroll"
    std: float = 0.25 / 7.5
    spiral_scale: float = 1 / 7.5
    modes: None = None

    @property
    def scale(self) -> float:
        """The data's root-mean-square distance from the origin: sqrt(E[t^2] spiral_scale^2 + 2 std^2)."""
        low, high = 1.5 * np.pi, 4.5 * np.pi
        mean_t_squared = (high**3 - low**3) / (3 * (high - low))
        return float(np.sqrt(mean_t_squared * self.spiral_scale**2 + 2 * self.std**2))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n points on the noisy spiral; float32 (n, 2)."""
        _check_sample_args(f"{self.name}.sample", n, rng)
        t = 1.5 * np.pi * (1 + 2 * rng.random(n))
        spiral = self.spiral_scale * np.stack([t * np.cos(t), t * np.sin(t)], axis=1)
        return (spiral + self.std * rng.standard_normal((n, 2))).astype(np.float32)


def ring_of_gaussians(n_modes: int = 8, radius: float = 1.0, std: float = 0.01) -> GaussianMixture2D:
    """Modes on a circle at angles 2 pi i / n_modes."""
    angles = 2 * np.pi * np.arange(n_modes) / n_modes
    modes = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return GaussianMixture2D(f"ring{n_modes}", modes, std)


def grid_of_gaussians(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture2D:
    """side x side modes on a square grid centred on the origin (default means {-4,-2,0,2,4}^2)."""
    axis = spacing * (np.arange(side) - (side - 1) / 2)
    modes = np.array(list(itertools.product(axis, axis)))
    return GaussianMixture2D(f"grid{side * side}", modes, std)


TOY2D_DATASETS = {
    "ring8": ring_of_gaussians(),
    "grid25": grid_of_gaussians(),
    "swissroll": SwissRoll2D(),
}


def get_toy2d(name: str) -> GaussianMixture2D | SwissRoll2D:
    """The registered 2D dataset called `name` (one of TOY2D_DATASETS)."""
    if name not in TOY2D_DATASETS:
        raise ValueError(f"get_toy2d: unknown 2D dataset {name!r}; known: {', '.join(TOY2D_DATASETS)}")
    return TOY2D_DATASETS[name]
