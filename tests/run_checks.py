"""Shared checks for the run tests: two runs' logs and checkpoints compared exactly."""
from pathlib import Path

import numpy

import minigrad


def without_time(records):
    return [{key: value for key, value in record.items() if key != "wall_time"} for record in records]


def checkpoint(run):
    return minigrad.load(Path(run) / "checkpoint.npz")


def flat_arrays(state, prefix=""):
    """Every array of a nested checkpoint state, by path (to compare two checkpoints exactly)."""
    if isinstance(state, dict):
        return {k: v for key, item in state.items() for k, v in flat_arrays(item, f"{prefix}/{key}").items()}
    if isinstance(state, (list, tuple)):
        return {k: v for i, item in enumerate(state) for k, v in flat_arrays(item, f"{prefix}/{i}").items()}
    return {prefix: numpy.asarray(state.numpy() if isinstance(state, minigrad.Tensor) else state)}


def assert_same_state(run_a, run_b, differing_settings=()):
    """The two runs' checkpoints hold the same arrays and values, but for the wall time and the named
    run settings."""
    a, b = flat_arrays(checkpoint(run_a)), flat_arrays(checkpoint(run_b))
    for key in ["/wall_time", *(f"/spec/run/{name}" for name in differing_settings)]:
        a.pop(key), b.pop(key)
    assert a.keys() == b.keys()
    for key in a:
        numpy.testing.assert_array_equal(a[key], b[key], err_msg=key)
