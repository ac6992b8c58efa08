"""Plots of a run, written as PNGs atomically: metric curves, 2D samples over the modes, image grids.

Figures are built with matplotlib's object API on the Agg canvas (no pyplot, no display, no global
backend switch); image grids are tiled with numpy and saved with Pillow.
"""
from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
from PIL import Image

from gans.runio import atomic_write_bytes


def new_figure(figsize):
    """A matplotlib Figure (imported here, not at start-up: `sample --out x.npy` never needs it)."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize)


def save_figure(figure, path: str | os.PathLike, dpi: int = 100) -> Path:
    """Render `figure` to PNG and write it to `path` atomically."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return atomic_write_bytes(path, buffer.getvalue())


def plot_curves(records: Iterable[Mapping], keys: Sequence[str], path: str | os.PathLike, *,
                x_key: str = "step", labels: Mapping[str, str] | None = None, title: str | None = None,
                ylabel: str | None = None, smooth: int = 1) -> Path:
    """One line per key of `keys` against `x_key` (record index if absent), from JSON-lines records.

    Records lacking a key are skipped for that key. With smooth > 1 the raw values are drawn faintly
    under a centred moving average of that many points.
    """
    _check_smooth("plot_curves", smooth)
    records = list(records)
    series = {key: _series(records, key, x_key) for key in keys}
    series = {key: xy for key, xy in series.items() if len(xy[0])}
    if not series:
        raise ValueError(f"plot_curves: none of the keys {list(keys)} appears in the {len(records)} records")
    labels = labels or {}
    figure = new_figure((7, 4))
    axes = figure.add_subplot()
    for key, (x, y) in series.items():
        _draw_series(axes, x, y, labels.get(key, key), smooth)
    axes.set_xlabel(x_key)
    axes.set_ylabel(ylabel or "")
    axes.set_title(title or "")
    axes.grid(alpha=0.3)
    axes.legend()
    return save_figure(figure, path)


def plot_runs(runs: Mapping[str, Sequence[Mapping]], key: str, path: str | os.PathLike, *,
              minus: str | None = None, x_key: str = "step", ylabel: str | None = None, smooth: int = 1) -> Path:
    """One line per run (label -> its JSON-lines records) of `key`, or of `key` - `minus` (e.g. D's
    real/fake output gap, the overfitting signature of a GAN on little data), against `x_key`."""
    _check_smooth("plot_runs", smooth)
    figure = new_figure((7, 4))
    axes = figure.add_subplot()
    for label, records in runs.items():
        x, y = metric_series(list(records), key, minus, x_key)
        if not len(x):
            raise ValueError(f"plot_runs: run {label!r} has no records with {key!r}"
                             + (f" and {minus!r}" if minus else ""))
        _draw_series(axes, x, y, label, smooth)
    axes.set_xlabel(x_key)
    axes.set_ylabel(ylabel or (f"{key} - {minus}" if minus else key))
    axes.grid(alpha=0.3)
    axes.legend()
    return save_figure(figure, path)


def metric_series(records: list[Mapping], key: str, minus: str | None, x_key: str):
    """(x, record[key] - record[minus]) over the records holding both (or record[key] alone)."""
    if minus is None:
        return _series(records, key, x_key)
    return _series([{**record, key: record[key] - record[minus]} for record in records
                    if key in record and minus in record], key, x_key)


def _check_smooth(caller: str, smooth: int) -> None:
    if smooth < 1:
        raise ValueError(f"{caller}: smooth must be >= 1, got {smooth}")


def _series(records: list[Mapping], key: str, x_key: str) -> tuple[np.ndarray, np.ndarray]:
    rows = [(record.get(x_key, index), record[key]) for index, record in enumerate(records) if key in record]
    x = np.array([row[0] for row in rows], dtype=np.float64)
    y = np.array([row[1] for row in rows], dtype=np.float64)
    return x, y


def _draw_series(axes, x: np.ndarray, y: np.ndarray, label: str, smooth: int) -> None:
    """Plot y(x); with smooth > 1, faint raw values under their centred moving average."""
    if smooth == 1 or len(y) < smooth:
        axes.plot(x, y, label=label)
        return
    raw, = axes.plot(x, y, alpha=0.25, linewidth=0.8)
    averaged = np.convolve(y, np.ones(smooth) / smooth, mode="valid")
    axes.plot(x[smooth // 2: len(x) - (smooth - 1) // 2], averaged, color=raw.get_color(), label=label)


def plot_samples_2d(samples: np.ndarray, path: str | os.PathLike, modes: np.ndarray | None = None,
                    title: str | None = None, limits: tuple[float, float] | None = None) -> Path:
    """Scatter of 2D samples (n, 2), with the dataset's modes (K, 2) marked when given."""
    samples = np.asarray(samples)
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise ValueError(f"plot_samples_2d: samples must have shape (n, 2), got {samples.shape}")
    figure = new_figure((5, 5))
    axes = figure.add_subplot()
    axes.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.4, label="samples", zorder=2)
    if modes is not None:
        modes = np.asarray(modes)
        axes.scatter(modes[:, 0], modes[:, 1], s=80, marker="+", linewidths=1, color="red", label="modes", zorder=1)
    if limits is not None:
        axes.set_xlim(*limits)
        axes.set_ylim(*limits)
    axes.set_aspect("equal")
    axes.set_title(title or "")
    axes.legend(loc="upper right")
    return save_figure(figure, path)


def tile_images(images: np.ndarray, ncols: int | None = None, padding: int = 2) -> np.ndarray:
    """Tile (N, C, H, W) images in [-1, 1] (C = 1 or 3) into one uint8 grid image, row-major.

    Returns (rows*(H+p)+p, ncols*(W+p)+p) for C = 1, with a trailing channel axis of 3 for C = 3.
    Values outside [-1, 1] are clipped; padding and empty cells are black (-1).
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1] not in (1, 3) or len(images) == 0:
        raise ValueError(f"tile_images: expected (N, C, H, W) with N >= 1 and C in (1, 3), got {images.shape}")
    if not np.isfinite(images).all():
        raise ValueError("tile_images: images contain NaN or inf")
    n, channels, height, width = images.shape
    ncols = math.ceil(math.sqrt(n)) if ncols is None else ncols
    if ncols < 1 or padding < 0:
        raise ValueError(f"tile_images: need ncols >= 1 and padding >= 0, got ncols={ncols}, padding={padding}")
    nrows = math.ceil(n / ncols)
    pixels = np.round((np.clip(images, -1, 1) + 1) * 127.5).astype(np.uint8)
    cells = np.zeros((nrows * ncols, channels, height + padding, width + padding), dtype=np.uint8)
    cells[:n, :, padding:, padding:] = pixels
    grid = cells.reshape(nrows, ncols, channels, height + padding, width + padding)
    grid = grid.transpose(2, 0, 3, 1, 4).reshape(channels, nrows * (height + padding), ncols * (width + padding))
    grid = np.pad(grid, ((0, 0), (0, padding), (0, padding)))
    return grid[0] if channels == 1 else grid.transpose(1, 2, 0)


def save_image_grid(images: np.ndarray, path: str | os.PathLike, ncols: int | None = None,
                    padding: int = 2) -> Path:
    """Tile (N, C, H, W) images in [-1, 1] (see `tile_images`) and write them as one PNG, atomically."""
    buffer = io.BytesIO()
    Image.fromarray(tile_images(images, ncols, padding)).save(buffer, format="PNG")
    return atomic_write_bytes(path, buffer.getvalue())
