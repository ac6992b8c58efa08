"""Checkpoints of a run: one ``checkpoint.npz`` (atomic, no pickle) holding everything exact resume needs.

Layout: the run's spec (so the file alone rebuilds its model), the step, the wall time, the RNG's
state, the source's position, the sampling modules' weights (``sampling``), their averages
(``ema``) and the family's own state (``family``: other networks, optimizers). ``sample`` and
``evaluate`` build and restore only the sampling modules.
"""
from pathlib import Path

import numpy

import minigrad
from minigrad.serialization import CheckpointError

from ..data import describe
from .config import spec_from_dict

CHECKPOINT_NAME = "checkpoint.npz"
FORMAT = "gans-checkpoint"
VERSION = 2  # 1: gans 0.1's adversarial-only trainer (no "format" entry)
REQUIRED = ("spec", "step", "wall_time", "rng", "source", "sampling", "ema", "family")


def checkpoint_path(location):
    """A checkpoint file itself, or the checkpoint inside a run folder."""
    location = Path(location)
    path = location / CHECKPOINT_NAME if location.is_dir() else location
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path} (give a checkpoint file or a run folder holding one)")
    return path


def written_by(state):
    """Which program wrote a checkpoint's state, in words."""
    if isinstance(state, dict) and state.get("format") == FORMAT:
        return f"gans checkpoint version {state.get('version')}"
    if isinstance(state, dict) and "config" in state.get("meta", {}):
        return "gans 0.1 (checkpoint version 1, the adversarial-only trainer)"
    return "another program"


def read_checkpoint(location, device="cpu", upgrades=None):
    """(path, state) of a checkpoint, its layout checked; a one-line error for anything else.

    ``upgrades`` maps an older version to a function that turns its state into this layout.
    """
    path = checkpoint_path(location)
    try:
        state = minigrad.load(path, map_location=device)
    except CheckpointError as error:
        raise ValueError(f"{path} is not a readable checkpoint: {error}") from None
    if not (isinstance(state, dict) and state.get("format") == FORMAT) and upgrades and 1 in upgrades \
            and written_by(state).startswith("gans 0.1"):
        state = upgrades[1](state)
    if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("version") != VERSION:
        raise ValueError(f"{path} was written by {written_by(state)}; this gans reads {FORMAT} version {VERSION}")
    missing = [key for key in REQUIRED if key not in state]
    if missing:
        raise ValueError(f"{path} lacks {', '.join(missing)} (a damaged or hand-edited checkpoint)")
    return path, state


def spec_of(state, path, family_lookup):
    return spec_from_dict(state["spec"], family_lookup, str(path))


def checkpoint_state(trainer):
    """The nested state ``save`` writes for a trainer."""
    model = trainer.model
    return {
        "format": FORMAT, "version": VERSION, "spec": trainer.spec.to_dict(),
        "step": trainer.step, "wall_time": trainer.elapsed, "rng": trainer.rng.bit_generator.state,
        "source": trainer.source.state(),
        "sampling": {name: module.state_dict() for name, module in model.sampling_modules().items()},
        "ema": {name: ema.state_dict() for name, ema in trainer.emas.items()},
        "family": model.state_dict(),
    }


def load_modules(modules, saved, path, what):
    """Load each module's (or EMA's) state from ``saved[name]``; a missing or misfit one is a one-line error."""
    for name, module in modules.items():
        if name not in saved:
            raise ValueError(f"{path}: no {what} weights for {name!r} (it holds {', '.join(saved) or 'none'})")
        try:
            module.load_state_dict(saved[name])
        except (RuntimeError, KeyError, TypeError) as error:
            raise ValueError(f"{path}: the {what} weights of {name!r} do not fit the model: {error}") from None


def load_sampler(location, family_lookup, device="cpu", seed=None, upgrades=None):
    """(spec, model, step) for sampling: the model built without a data source (no training data,
    no discriminator, no optimizers), holding the weights sampling uses (their average when the run
    kept one). Its noise comes from ``seed``, or (None) from the run's generator as it was saved, so
    one checkpoint always gives the same samples."""
    path, state = read_checkpoint(location, device, upgrades)
    spec = spec_of(state, path, family_lookup)
    spec.run.device = device
    family = family_lookup(spec.family)
    info = describe(spec.run.dataset)
    rng = numpy.random.default_rng(seed)
    if seed is None:
        rng.bit_generator.state = state["rng"]
    model = family.build(spec.model, spec.run, info, rng, None)
    modules = model.sampling_modules()
    if state["ema"]:
        load_modules(modules, {name: ema["module"] for name, ema in state["ema"].items()}, path, "averaged")
        model.refresh_averaged(modules, int(state["step"]))
    else:
        load_modules(modules, state["sampling"], path, "sampling")
    return spec, model, int(state["step"])
