"""Image-to-image tasks made on the fly from MNIST-format digits, deterministic from a seed.

Paired (input, target) tasks, for pix2pix and the L1 baseline:
  - "super-resolution": the 28x28 digit averaged down 4x to 7x7, shown to the network
    nearest-upsampled back to 28x28; the target is the original;
  - "edges": the Sobel gradient magnitude of the digit (an outline) -> the digit.
Unpaired two-domain tasks, for CycleGAN: plain digits (A) <-> "styled" digits (B) in one of two
looks: "textured", the digit blended into a procedurally generated colour texture as in MNIST-M
(|texture - digit|, per channel), or "inked", the strokes thickened and drawn in a random bright
ink on a random dark paper colour. The training set's two domains come from disjoint halves of
the source images, so no image of one domain is ever paired with its counterpart; the test set
holds every test digit in both looks (paired, for evaluation only).

Every image is float32 (N, C, 28, 28) in [-1, 1]; the train split is built from the train
file and the test split from the test file, so the two never share a source image.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from gans.data.mnist import load_idx_dataset, scale_images

SUPER_RESOLUTION_FACTOR = 4
TASK_SEED = 0  # the registered unpaired dataset's textures and halves
STYLED_CHANNELS = 3
TEXTURE_WAVES = 3
TEXTURE_SPAN = 0.35  # a texture channel lies in [0, 0.35] or [0.65, 1]: the digit keeps >= 0.3 contrast
PAPER_MAX = 0.3  # an inked digit's paper: each channel in [0, 0.3]
INK_MIN = 0.6  # its ink: each channel in [0.6, 1], so every channel keeps >= 0.3 contrast
SOBEL_FULL_SCALE = 2.0  # gradient magnitude (of [0, 1] images) shown as full white
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32)


@dataclass(frozen=True, eq=False)
class PairedImages:
    """Aligned arrays: ``inputs[i]`` is translated to ``targets[i]``, a digit of class ``labels[i]``."""

    inputs: np.ndarray
    targets: np.ndarray
    labels: np.ndarray


@dataclass(frozen=True, eq=False)
class UnpairedImages:
    """Two domains drawn from disjoint source images (``sources_*`` index the split's file)."""

    domain_a: np.ndarray
    labels_a: np.ndarray
    sources_a: np.ndarray
    domain_b: np.ndarray
    labels_b: np.ndarray
    sources_b: np.ndarray


# ---------------------------------------------------------------- resampling

def to_unit(images: np.ndarray) -> np.ndarray:
    """[-1, 1] -> [0, 1]."""
    return (images + 1) / 2


def to_signed(images: np.ndarray) -> np.ndarray:
    """[0, 1] -> [-1, 1] as float32."""
    return (images * 2 - 1).astype(np.float32)


def downsample_mean(images: np.ndarray, factor: int) -> np.ndarray:
    """(N, C, H, W) -> (N, C, H/factor, W/factor) by averaging factor x factor blocks."""
    n, c, h, w = images.shape
    if h % factor or w % factor:
        raise ValueError(f"downsample_mean: image size {h}x{w} is not a multiple of factor {factor}")
    return images.reshape(n, c, h // factor, factor, w // factor, factor).mean(axis=(3, 5))


def upsample_nearest(images: np.ndarray, factor: int) -> np.ndarray:
    """Each pixel repeated into a factor x factor block."""
    return images.repeat(factor, axis=2).repeat(factor, axis=3)


def _linear_taps(distance: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, 1.0 - np.abs(distance))


def _cubic_taps(distance: np.ndarray, a: float = -0.75) -> np.ndarray:
    """Keys' cubic convolution kernel (a = -0.75, as PyTorch's and OpenCV's bicubic)."""
    x = np.abs(distance)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x <= 1, near, np.where(x < 2, far, 0.0))


def _resampling_matrix(in_size: int, factor: int, kernel, radius: int) -> np.ndarray:
    """(out, in) weights of a separable resampler, pixel centres aligned (align_corners=False),
    borders replicated."""
    out_size = in_size * factor
    source = (np.arange(out_size) + 0.5) / factor - 0.5
    base = np.floor(source).astype(np.int64)
    matrix = np.zeros((out_size, in_size))
    for offset in range(-radius + 1, radius + 1):
        taps = base + offset
        weights = kernel(source - taps)
        np.add.at(matrix, (np.arange(out_size), np.clip(taps, 0, in_size - 1)), weights)
    return matrix


def upsample_separable(images: np.ndarray, factor: int, mode: str) -> np.ndarray:
    """Bilinear or bicubic upsampling of (N, C, h, w) by an integer factor."""
    kernels = {"bilinear": (_linear_taps, 1), "bicubic": (_cubic_taps, 2)}
    if mode not in kernels:
        raise ValueError(f"upsample_separable: mode must be one of {sorted(kernels)}, got {mode!r}")
    kernel, radius = kernels[mode]
    rows = _resampling_matrix(images.shape[2], factor, kernel, radius)
    cols = _resampling_matrix(images.shape[3], factor, kernel, radius)
    return np.einsum("oh,nchw,pw->ncop", rows, images, cols).astype(images.dtype)


# ---------------------------------------------------------------- paired tasks

def low_resolution_inputs(digits: np.ndarray) -> np.ndarray:
    """4x block-averaged digits shown at full size by pixel replication."""
    factor = SUPER_RESOLUTION_FACTOR
    return upsample_nearest(downsample_mean(digits, factor), factor).astype(np.float32)


def sobel_edges(digits: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude of [-1, 1] digits (zero padding), full scale at SOBEL_FULL_SCALE."""
    unit = np.pad(to_unit(digits), ((0, 0), (0, 0), (1, 1), (1, 1)))
    height, width = digits.shape[2:]
    windows = np.lib.stride_tricks.sliding_window_view(unit, (3, 3), axis=(2, 3))[:, :, :height, :width]
    gx = np.einsum("nchwij,ij->nchw", windows, SOBEL_X)
    gy = np.einsum("nchwij,ij->nchw", windows, SOBEL_X.T)
    return to_signed(np.clip(np.hypot(gx, gy) / SOBEL_FULL_SCALE, 0, 1))


PAIRED_TASKS = {"super-resolution": low_resolution_inputs, "edges": sobel_edges}


def make_paired(task: str, digits: np.ndarray, labels: np.ndarray) -> PairedImages:
    """The paired task ``task`` on (N, 1, 28, 28) digits in [-1, 1]."""
    if task not in PAIRED_TASKS:
        raise ValueError(f"paired task must be one of {sorted(PAIRED_TASKS)}, got {task!r}")
    return PairedImages(PAIRED_TASKS[task](digits), digits, labels)


# ---------------------------------------------------------------- unpaired task

def colour_textures(count: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """(count, 3, size, size) in [0, 1]: per channel a sum of random plane waves, squeezed into
    a dark or a bright band (chosen per channel) so a digit blended in keeps its contrast."""
    grid = np.arange(size) / size
    angles = rng.uniform(0, 2 * np.pi, (count, STYLED_CHANNELS, TEXTURE_WAVES, 1, 1))
    cycles = rng.uniform(0.5, 3.0, angles.shape)
    phases = rng.uniform(0, 2 * np.pi, angles.shape)
    amplitudes = rng.uniform(0.2, 1.0, angles.shape)
    along = np.cos(angles) * grid[:, None] + np.sin(angles) * grid[None, :]
    waves = (amplitudes * np.sin(2 * np.pi * cycles * along + phases)).sum(axis=2)
    pattern = (waves - waves.min(axis=(2, 3), keepdims=True)) / np.ptp(waves, axis=(2, 3), keepdims=True)
    bright = rng.random((count, STYLED_CHANNELS, 1, 1)) < 0.5
    return np.where(bright, 1 - TEXTURE_SPAN, 0.0) + TEXTURE_SPAN * pattern


def as_colour(digits: np.ndarray) -> np.ndarray:
    """Grey digits (N, 1, H, W) as (N, 3, H, W): the plain domain in the styled domain's format."""
    return np.repeat(digits, STYLED_CHANNELS, axis=1)


def as_grey(images: np.ndarray) -> np.ndarray:
    """(N, 3, H, W) -> (N, 1, H, W) by the channel mean (for the grey-digit classifier)."""
    return images.mean(axis=1, keepdims=True).astype(np.float32)


def textured(digits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """MNIST-M's blend |texture - digit| of (N, 1, H, W) digits with fresh random textures."""
    textures = colour_textures(len(digits), digits.shape[-1], rng)
    return to_signed(np.abs(textures - to_unit(digits)))


def thickened(unit_digits: np.ndarray) -> np.ndarray:
    """Each pixel the maximum of its 3x3 neighbourhood (zero padded): strokes about 2 pixels wider."""
    height, width = unit_digits.shape[-2:]
    padded = np.pad(unit_digits, ((0, 0), (0, 0), (1, 1), (1, 1)))
    return np.max([padded[:, :, dy:dy + height, dx:dx + width] for dy in range(3) for dx in range(3)], axis=0)


def inked(digits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(N, 1, H, W) digits with thickened strokes in a random bright ink on a random dark paper, both
    colours drawn per image: paper + stroke * (ink - paper)."""
    paper = rng.uniform(0, PAPER_MAX, (len(digits), STYLED_CHANNELS, 1, 1))
    ink = rng.uniform(INK_MIN, 1, paper.shape)
    return to_signed(paper + thickened(to_unit(digits)) * (ink - paper))


LOOKS = {"textured": textured, "inked": inked}


def stylise(digits: np.ndarray, rng: np.random.Generator, look: str = "textured") -> np.ndarray:
    """(N, 1, H, W) digits in [-1, 1] drawn in ``look`` ("textured" or "inked"), (N, 3, H, W)."""
    if look not in LOOKS:
        raise ValueError(f"stylise: look must be one of {sorted(LOOKS)}, got {look!r}")
    return LOOKS[look](digits, rng)


def make_unpaired(digits: np.ndarray, labels: np.ndarray, seed: int, look: str = "textured") -> UnpairedImages:
    """Plain digits from one random half of the images, styled digits from the other half."""
    rng = np.random.default_rng([seed, 0])
    order = rng.permutation(len(digits))
    sources_a, sources_b = np.sort(order[: len(order) // 2]), np.sort(order[len(order) // 2:])
    styled = stylise(digits[sources_b], np.random.default_rng([seed, 1]), look)
    return UnpairedImages(as_colour(digits[sources_a]), labels[sources_a], sources_a,
                          styled, labels[sources_b], sources_b)


def make_styled_pairs(digits: np.ndarray, labels: np.ndarray, seed: int, look: str = "textured") -> PairedImages:
    """Every digit in both looks, (plain, styled): the evaluation set of the unpaired task."""
    return PairedImages(as_colour(digits), stylise(digits, np.random.default_rng([seed, 2]), look), labels)


# ---------------------------------------------------------------- from the files

def load_digits(split: str, dataset: str = "mnist", data_dir: str | os.PathLike | None = None,
                limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(digits float32 (N, 1, 28, 28) in [-1, 1], labels) of one split: the first ``limit`` images."""
    if limit is not None and limit < 1:
        raise ValueError(f"load_digits: limit must be a positive number of images, got {limit}")
    images, labels = load_idx_dataset(dataset, split, data_dir)
    images, labels = images[:limit], labels[:limit]
    return scale_images(images), labels


def paired_task(task: str, split: str, dataset: str = "mnist", data_dir=None, limit=None) -> PairedImages:
    """A paired task on one split of an MNIST-format dataset."""
    return make_paired(task, *load_digits(split, dataset, data_dir, limit))


def unpaired_task(split: str, dataset: str = "mnist", data_dir=None, limit=None, seed: int = 0,
                  look: str = "textured"):
    """Train split: UnpairedImages (disjoint halves); test split: PairedImages (plain, styled)."""
    digits, labels = load_digits(split, dataset, data_dir, limit)
    if split == "train":
        return make_unpaired(digits, labels, seed, look)
    return make_styled_pairs(digits, labels, seed, look)
