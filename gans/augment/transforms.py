"""DiffAugment's transforms (Zhao et al. 2020) as differentiable minigrad ops with explicit random draws.

Each transform has ``draw(rng, shape, probability)``, which picks its random
parameters with a NumPy Generator (a sample left out, with chance
1 - probability, gets the neutral parameters), and ``apply(images, draws)``,
a differentiable function of the images for fixed draws. Images are
(N, C, H, W) in [-1, 1]; draws are NumPy arrays with one row per sample.
"""
import numpy

import minigrad
import minigrad.functional as F


def _chosen(rng, count, probability):
    """Which samples a transform applies to: each with chance ``probability``."""
    return rng.uniform(size=count) < probability


def _as_tensor_like(array, images):
    return minigrad.tensor(numpy.asarray(array, dtype=images.dtype), device=images.device)


def _scaled_sides(shape, ratio):
    """[rows, columns]: ``ratio`` of the height and of the width of images of ``shape``, rounded."""
    return [int(side * ratio + 0.5) for side in shape[2:]]


def _check_draws(name, draws, key, shape):
    if draws[key].shape != shape:
        raise ValueError(f"{name}: draws[{key!r}] must have shape {shape}, got {draws[key].shape}")


class Translation:
    """Shift each image by up to ``ratio`` of its size in each direction, filling with zeros."""

    name = "translation"

    def __init__(self, ratio=0.125):
        self.ratio = ratio

    def draw(self, rng, shape, probability=1.0):
        count = shape[0]
        shifts = numpy.stack([rng.integers(-limit, limit + 1, size=count)
                              for limit in _scaled_sides(shape, self.ratio)], axis=1)
        return {"shifts": shifts * _chosen(rng, count, probability)[:, None]}

    def apply(self, images, draws):
        """out[n, :, i, j] = images[n, :, i - dy_n, j - dx_n], zero where that falls outside."""
        shifts = numpy.asarray(draws["shifts"], dtype=numpy.int64)
        count, _, height, width = images.shape
        _check_draws("Translation", {"shifts": shifts}, "shifts", (count, 2))
        margin = int(numpy.abs(shifts).max(initial=0))
        padded = F.pad(images, (margin, margin, margin, margin))
        rows = numpy.arange(height)[None, :] - shifts[:, :1] + margin  # (N, H)
        cols = numpy.arange(width)[None, :] - shifts[:, 1:] + margin  # (N, W)
        picked = padded.permute(0, 2, 3, 1)[numpy.arange(count)[:, None, None], rows[:, :, None], cols[:, None, :]]
        return picked.permute(0, 3, 1, 2)


class Cutout:
    """Zero one square of side ``ratio`` x size per image, centred anywhere (clipped at the border)."""

    name = "cutout"

    def __init__(self, ratio=0.5):
        self.ratio = ratio

    def draw(self, rng, shape, probability=1.0):
        count, sizes = shape[0], _scaled_sides(shape, self.ratio)
        starts = [rng.integers(0, n + (1 - s % 2), size=count) - s // 2 for n, s in zip(shape[2:], sizes)]
        corners = numpy.stack([starts[0], starts[1], starts[0] + sizes[0], starts[1] + sizes[1]], axis=1)
        return {"boxes": corners * _chosen(rng, count, probability)[:, None]}  # an empty box where not chosen

    def apply(self, images, draws):
        """images * mask, the mask 0 inside the rows [top, bottom) and columns [left, right) of each box."""
        boxes = numpy.asarray(draws["boxes"], dtype=numpy.int64)
        count, _, height, width = images.shape
        _check_draws("Cutout", {"boxes": boxes}, "boxes", (count, 4))
        rows, cols = numpy.arange(height)[None, :, None], numpy.arange(width)[None, None, :]
        inside = ((rows >= boxes[:, 0, None, None]) & (rows < boxes[:, 2, None, None])
                  & (cols >= boxes[:, 1, None, None]) & (cols < boxes[:, 3, None, None]))
        return images * _as_tensor_like(~inside[:, None], images)


class Color:
    """Random brightness (+-0.5), saturation (x0..2 around the pixel's channel mean), contrast (x0.5..1.5)."""

    name = "color"
    NEUTRAL = {"brightness": 0.0, "saturation": 1.0, "contrast": 1.0}

    def draw(self, rng, shape, probability=1.0):
        count = shape[0]
        chosen = _chosen(rng, count, probability)
        drawn = {"brightness": rng.uniform(-0.5, 0.5, count), "saturation": rng.uniform(0, 2, count),
                 "contrast": rng.uniform(0.5, 1.5, count)}
        return {key: numpy.where(chosen, value, self.NEUTRAL[key]) for key, value in drawn.items()}

    def apply(self, images, draws):
        count = images.shape[0]
        for key in self.NEUTRAL:
            _check_draws("Color", draws, key, (count,))
        factor = {key: _as_tensor_like(value, images).reshape(count, 1, 1, 1) for key, value in draws.items()}
        images = images + factor["brightness"]
        pixel_mean = images.mean(dim=1, keepdim=True)
        images = (images - pixel_mean) * factor["saturation"] + pixel_mean
        image_mean = images.mean(dim=(1, 2, 3), keepdim=True)
        return (images - image_mean) * factor["contrast"] + image_mean


TRANSFORMS = {transform.name: transform for transform in (Translation, Cutout, Color)}
