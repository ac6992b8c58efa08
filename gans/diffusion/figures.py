"""Pictures of a diffusion: alpha_bar(t) of both schedules, images noised across t, and the denoising
trajectory of a few samples.

    python -m gans.diffusion.figures --out DIR [--checkpoint RUN] [--data-dir DIR]

writes DIR/diffusion-alpha-bar.png, DIR/diffusion-noising.png (MNIST test digits, needs the data) and,
with a checkpoint, DIR/diffusion-trajectory.png (rows: samples; columns: x_t at a few t, then x_0).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import minigrad

from .. import plots
from .sampling import SamplerStep
from .schedule import SCHEDULES, NoiseSchedule

SHOWN_STEPS = (0, 50, 100, 200, 300, 500, 700, 999)


def plot_alpha_bar(path, num_steps: int = 1000):
    """alpha_bar(t) of the linear and cosine schedules: the share of the signal's variance left at t."""
    figure = Figure(figsize=(6, 4))
    axes = figure.add_subplot()
    for name in SCHEDULES:
        axes.plot(np.arange(num_steps), NoiseSchedule.named(name, num_steps).alpha_bar, label=name)
    axes.set_xlabel("t")
    axes.set_ylabel("alpha_bar(t)")
    axes.set_title(f"signal left after t steps (T = {num_steps})")
    axes.grid(alpha=0.3)
    axes.legend()
    return plots.save_figure(figure, path)


def noised_across_t(images: np.ndarray, schedule: NoiseSchedule, steps, rng: np.random.Generator) -> np.ndarray:
    """(N * len(steps), C, H, W): each image (a row) drawn from q(x_t | x_0) at each t of `steps`."""
    x0 = minigrad.tensor(np.repeat(images, len(steps), axis=0))
    t = np.tile(np.asarray(steps), len(images))
    noise = minigrad.tensor(rng.standard_normal(x0.shape), dtype=x0.dtype)
    return schedule.q_sample(x0, t, noise).numpy()


class TrajectoryRecorder:
    """An `on_step` callback keeping x_t after the steps that land on (or first pass) each of `steps`."""

    def __init__(self, steps):
        self.wanted = sorted(steps, reverse=True)
        self.frames = []

    def __call__(self, step: SamplerStep) -> None:
        if self.wanted and step.t <= self.wanted[0]:
            self.frames.append(step.x.numpy())
            while self.wanted and step.t <= self.wanted[0]:
                self.wanted.pop(0)

    def grid(self) -> np.ndarray:
        """(N * frames, C, H, W), one row per sample, time running left to right."""
        return np.stack(self.frames, axis=1).reshape(-1, *self.frames[0].shape[1:])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gans.diffusion.figures", description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="folder for the PNGs")
    parser.add_argument("--checkpoint", help="a diffusion run folder: draw its denoising trajectory")
    parser.add_argument("--data-dir", help="folder holding mnist/ (for the noising figure)")
    parser.add_argument("--sampler", default="ddpm", choices=("ddpm", "ddim"))
    parser.add_argument("--n", type=int, default=6, help="samples in the trajectory figure")
    args = parser.parse_args(argv)
    out = Path(args.out)
    rng = np.random.default_rng(0)
    print(plot_alpha_bar(out / "diffusion-alpha-bar.png"))
    if args.data_dir:
        from ..data import load_mnist, scale_images

        images = scale_images(load_mnist("test", args.data_dir, download=False)[0][:4])
        rows = [noised_across_t(images, NoiseSchedule.named(name, 1000), SHOWN_STEPS, rng) for name in SCHEDULES]
        print(plots.save_image_grid(np.concatenate(rows), out / "diffusion-noising.png", ncols=len(SHOWN_STEPS)))
    if args.checkpoint:
        from ..families import get_family
        from ..run.checkpoint import load_sampler

        _, model, _ = load_sampler(args.checkpoint, get_family)
        recorder = TrajectoryRecorder([t for t in SHOWN_STEPS if t < model.schedule.num_steps])
        labels = None if model.classes is None else np.arange(args.n) % model.classes
        model.sample(args.n, labels, rng, sampler=args.sampler, steps=50 if args.sampler == "ddim" else 0,
                     on_step=recorder)
        print(plots.save_image_grid(recorder.grid(), out / "diffusion-trajectory.png", ncols=len(recorder.frames)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
