"""Timing helpers shared by the benchmarks: device sync, medians, the GEMM peak, atomic JSON."""
import json
import os
import statistics
import tempfile
import time

import numpy


def synchronizer(device):
    """A function that waits for queued GPU work (a no-op on the CPU)."""
    if device == "cpu":
        return lambda: None
    import cupy

    return cupy.cuda.Device().synchronize


def median_ms(run, sync, repeats, warmup=2):
    """Median wall time of ``run()`` in milliseconds, synchronizing the device around each call."""
    for _ in range(warmup):
        run()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        sync()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def gemm_peak_gflops(device, size=None, repeats=5):
    """Best float32 GEMM rate of this machine (size x size matrices), in GFLOP/s."""
    if device == "cpu":
        xp, size = numpy, size or 2048
    else:
        import cupy as xp

        size = size or 8192
    a = xp.asarray(numpy.random.default_rng(0).standard_normal((size, size), dtype=numpy.float32))
    sync = synchronizer(device)
    best = min(median_ms(lambda: a @ a, sync, repeats=1, warmup=0) for _ in range(repeats + 1))
    return 2 * size**3 / (best * 1e-3) / 1e9


def write_json_atomically(path, payload):
    """Write JSON to a temporary file beside ``path``, then rename it into place."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(payload, stream, indent=2)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
