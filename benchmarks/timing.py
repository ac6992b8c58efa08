"""The timing method: every implementation in its own block, blocks alternating in order over rounds.

A block is warm-up calls, then all repetitions of one implementation, each
timed alone with the device synchronized. Single calls of two libraries are
never interleaved: after a NumPy/OpenBLAS call the BLAS worker threads keep
spinning on the cores while PyTorch's start (and the other way round), which
slows whichever runs next. Reversing the block order every round spreads any
drift of the machine's speed over all implementations alike.

Each cell also records the machine's load while it ran (/proc/loadavg before
and after, and the CPU time other processes took), so noisy cells are flagged.
"""
import os
import statistics
import time
from dataclasses import dataclass

from .machine import LoadMeter


@dataclass(frozen=True)
class Plan:
    """How much to time: rounds of blocks, a block's warm-up calls and its target length."""

    rounds: int = 5
    warmup: int = 2
    block_seconds: float = 0.4
    min_reps: int = 3
    max_reps: int = 200

    def reps_for(self, seconds_per_call):
        wanted = int(self.block_seconds / max(seconds_per_call, 1e-9))
        return max(self.min_reps, min(self.max_reps, wanted))


QUICK = Plan(rounds=1, warmup=0, block_seconds=0.0, min_reps=1, max_reps=1)  # every call once: a smoke run

# A cell is noisy when other processes took more than this share of the machine's CPU time while it ran,
# or when an implementation's interquartile range exceeds this fraction of its median.
NOISY_FOREIGN_CPU = 0.10
NOISY_SPREAD = 0.25


def synchronizer(device):
    """A function that waits for queued GPU work (a no-op on the CPU)."""
    if device == "cpu":
        return lambda: None
    import cupy

    return cupy.cuda.Device().synchronize


def timed_calls(run, sync, count):
    """Wall time in seconds of each of ``count`` calls of ``run()``, synchronized after each."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        run()
        sync()
        times.append(time.perf_counter() - start)
    return times


def quartiles(times):
    """(25th percentile, median, 75th percentile) of a list of times."""
    if len(times) < 2:
        return times[0], times[0], times[0]
    low, middle, high = statistics.quantiles(times, n=4, method="inclusive")
    return low, middle, high


def time_cell(runs, sync, plan, memory=None):
    """Time each named zero-argument callable of ``runs`` with the block method.

    Returns ``(results, load)``: per name the median, quartiles and spread in
    milliseconds (plus its peak memory when a MemoryMeter is given), and the
    machine load while the cell ran.
    """
    names = list(runs)
    times, reps, peaks = {name: [] for name in names}, {}, {}
    with LoadMeter() as load:
        for round_index in range(plan.rounds):
            order = names if round_index % 2 == 0 else names[::-1]
            for name in order:
                if memory is not None:
                    memory.start()
                warmup = timed_calls(runs[name], sync, plan.warmup + (name not in reps and plan.warmup > 0))
                if name not in reps:
                    reps[name] = plan.reps_for(min(warmup) if warmup else 0.0)
                times[name] += timed_calls(runs[name], sync, reps[name])
                if memory is not None:
                    peaks[name] = max(peaks.get(name, 0), memory.peak_bytes())
    results = {}
    for name in names:
        low, median, high = quartiles(times[name])
        results[name] = {"median_ms": 1e3 * median, "p25_ms": 1e3 * low, "p75_ms": 1e3 * high,
                         "spread": (high - low) / median if median else 0.0, "calls": len(times[name])}
        if name in peaks:
            results[name]["peak_memory_mb"] = peaks[name] / 2**20
    return results, load.summary()


def noise_reasons(results, load):
    """Why a cell's figures are doubtful (empty when it ran on a quiet machine)."""
    reasons = []
    if load["foreign_cpu"] > NOISY_FOREIGN_CPU:
        reasons.append(f"other processes used {100 * load['foreign_cpu']:.0f}% of the CPU")
    for name, result in results.items():
        if result["calls"] >= 4 and result["spread"] > NOISY_SPREAD:
            reasons.append(f"{name} spread {100 * result['spread']:.0f}%")
    return reasons


def blas_threads():
    """The thread count NumPy's BLAS was started with (its environment variables, else one per core)."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(variable, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return os.cpu_count() or 1

