"""Checkpoints of a run: both networks, both optimizers (and the generator's EMA), the step and the RNG state.

One file, ``checkpoint.npz`` in the run folder, replaced atomically (minigrad.save
writes a temp file and renames it), so the file on disk is always the last good one.
"""
from pathlib import Path

import minigrad

CHECKPOINT_NAME = "checkpoint.npz"


def checkpoint_path(location):
    """A checkpoint file itself, or the checkpoint inside a run folder."""
    location = Path(location)
    path = location / CHECKPOINT_NAME if location.is_dir() else location
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path} (give a checkpoint file or a run folder holding one)")
    return path


def save_checkpoint(path, trainer):
    state = {
        "generator": trainer.generator.state_dict(),
        "discriminator": trainer.discriminator.state_dict(),
        "g_optimizer": trainer.g_optimizer.state_dict(),
        "d_optimizer": trainer.d_optimizer.state_dict(),
        "source": trainer.source.state(),
        "meta": {"step": trainer.step, "rng": trainer.rng.bit_generator.state, "wall_time": trainer.elapsed,
                 "config": trainer.config_dict()},
    }
    if trainer.ema is not None:
        state["ema"] = trainer.ema.state_dict()
    minigrad.save(state, path)


def load_checkpoint(path, device="cpu"):
    return minigrad.load(checkpoint_path(path), map_location=device)
