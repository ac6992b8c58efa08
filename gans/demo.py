"""The README demo: a plain GAN beside WGAN-GP on the ring of 8 Gaussians.

Needs no network (the data is generated). Prints the mode-coverage table
and leaves each run's folder (samples, curves, checkpoint) under ``out``.
"""
from pathlib import Path

from .compare import compare

DEMO_MODELS = ("nsgan", "wgan-gp")


def run(steps=None, out=Path("runs/demo"), dataset="ring8", seed=0):
    """Train (or finish) both demo runs and print their table; returns its rows."""
    rows, table = compare(DEMO_MODELS, (dataset,), (seed,), out, steps=steps)
    print()
    print(table)
    print(f"\nplots and samples: {Path(out)}/*/ (samples/*.png, losses.png, d_outputs.png)")
    return rows
