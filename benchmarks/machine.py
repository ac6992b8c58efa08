"""What the machine is and what it is doing: CPU model and versions, load, memory, physical limits.

The limits (float32 GEMM rate, memory bandwidth) are measured in the same
run as the figures, so each figure can be given as a fraction of them.
"""
import ctypes
import ctypes.util
import os
import platform
import resource
import time
from functools import lru_cache

import numpy

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpuinfo(field):
    """The value of the first ``field`` line of /proc/cpuinfo (None off Linux or where absent)."""
    try:
        with open("/proc/cpuinfo") as stream:
            for line in stream:
                if line.startswith(field):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_model():
    """The CPU's model name (from /proc/cpuinfo on Linux)."""
    return _cpuinfo("model name") or platform.processor() or platform.machine()


def cpu_has_avx512():
    """Whether the CPU reports AVX-512 (the avx512f flag of /proc/cpuinfo; False where unreadable)."""
    return "avx512f" in (_cpuinfo("flags") or "").split()


# Variables that override OpenBLAS's own choice of kernels for the CPU (some machines set them for old builds).
OPENBLAS_KERNEL_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def describe(device, torch):
    """The machine and library versions a report names."""
    import minigrad
    from minigrad.backend.numpy_conv import openblas_core_name, openblas_spin_exponent

    info = {"cpu": cpu_model(), "cores": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "numpy": numpy.__version__,
            "minigrad": getattr(minigrad, "__version__", "source tree"),
            "torch": torch.__version__ if torch is not None else None,
            "blas_threads_env": {name: os.environ[name] for name in
                                 ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS") if name in os.environ},
            "openblas_spin_exponent": openblas_spin_exponent(),
            "openblas_core": openblas_core_name(), "cpu_avx512": cpu_has_avx512(),
            "openblas_kernel_env": {name: os.environ[name] for name in OPENBLAS_KERNEL_VARIABLES if name in os.environ}}
    if torch is not None:
        info["torch_threads"] = torch.get_num_threads()
    if device != "cpu":
        import cupy

        properties = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
        info["gpu"] = properties["name"].decode() if isinstance(properties["name"], bytes) else properties["name"]
        info["cupy"] = cupy.__version__
        info["cuda_runtime"] = cupy.cuda.runtime.runtimeGetVersion()
    return info


# ------------------------------------------------------------------ load
def _busy_seconds():
    """CPU seconds all processes have spent busy since boot (None where /proc/stat is missing)."""
    try:
        with open("/proc/stat") as stream:
            fields = stream.readline().split()[1:]
    except OSError:
        return None
    user, nice, system, idle, iowait, irq, softirq = (int(value) for value in fields[:7])
    steal = int(fields[7]) if len(fields) > 7 else 0
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def _loadavg():
    try:
        with open("/proc/loadavg") as stream:
            return float(stream.read().split()[0])
    except OSError:
        return None


def _own_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class LoadMeter:
    """Context manager: the 1-minute load average before and after, and the share of the
    machine's CPU time taken by other processes meanwhile (0 = we had it to ourselves)."""

    def __enter__(self):
        self.load_before, self.busy, self.own, self.wall = _loadavg(), _busy_seconds(), _own_seconds(), time.perf_counter()
        return self

    def __exit__(self, *exc_info):
        self.load_after = _loadavg()
        wall = time.perf_counter() - self.wall
        busy = None if self.busy is None else _busy_seconds() - self.busy
        own = _own_seconds() - self.own
        capacity = wall * (os.cpu_count() or 1)
        # /proc/stat counts in clock ticks (10 ms), so a window of a few ticks can read above 1: clamp.
        self.foreign = 0.0 if busy is None or capacity <= 0 else min(1.0, max(0.0, (busy - own) / capacity))
        return False

    def summary(self):
        return {"loadavg_before": self.load_before, "loadavg_after": self.load_after,
                "foreign_cpu": round(self.foreign, 3)}


# ------------------------------------------------------------------ memory
# glibc's mallopt parameters, and the values the suite pins them to: a freed block below the mmap threshold
# stays in the heap for the next call, and the heap gives memory back only above the trim threshold.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
PINNED_MMAP_BYTES = 32 << 20  # glibc's ceiling for this parameter on 64-bit
PINNED_TRIM_BYTES = 1 << 30


@lru_cache(maxsize=None)
def _glibc():
    name = ctypes.util.find_library("c")
    try:
        library = ctypes.CDLL(name)
        return library if hasattr(library, "mallopt") and hasattr(library, "malloc_trim") else None
    except OSError:
        return None


def pin_allocator():
    """Keep freed blocks up to 32 MiB in glibc's heap for the whole run (a description, or None off glibc).

    By default glibc maps each large block fresh and unmaps it on free, so
    every call pays a page fault per 4 KiB of its temporaries, until some
    free in the process raises glibc's sliding threshold: then which library
    ran first decides how fast the next one is (PyTorch alone in a fresh
    process measured 25% slower than after minigrad's blocks). Pinned, both
    libraries and the self-check's fresh process reuse memory alike.
    """
    library = _glibc()
    if library is None or not (library.mallopt(M_MMAP_THRESHOLD, PINNED_MMAP_BYTES)
                               and library.mallopt(M_TRIM_THRESHOLD, PINNED_TRIM_BYTES)):
        return None
    return f"glibc malloc pinned: blocks up to {PINNED_MMAP_BYTES >> 20} MiB reused from the heap, none returned"


def release_free_memory():
    """Give the heap's free memory back to the system (glibc), so a block's RSS growth is its own."""
    library = _glibc()
    if library is not None:
        library.malloc_trim(0)


class MemoryMeter:
    """Peak memory of one block: host RSS above its start (Linux VmHWM, reset per block),
    or on a GPU the CuPy pool's and PyTorch's allocator high-water marks."""

    def __init__(self, device, torch=None):
        self.device, self.torch = device, torch

    def start(self):
        if self.device == "cpu":
            release_free_memory()
            self.baseline = _status_bytes("VmRSS")
            _reset_peak_rss()
            return
        import cupy

        cupy.cuda.Device().synchronize()
        cupy.get_default_memory_pool().free_all_blocks()
        if self.torch is not None and self.torch.cuda.is_available():
            self.torch.cuda.reset_peak_memory_stats()

    def peak_bytes(self):
        if self.device == "cpu":
            peak = _status_bytes("VmHWM")
            return 0 if peak is None or self.baseline is None else max(0, peak - self.baseline)
        import cupy

        peak = cupy.get_default_memory_pool().total_bytes()  # the pool only grows between frees
        if self.torch is not None and self.torch.cuda.is_available():
            peak += self.torch.cuda.max_memory_allocated()
        return peak


def _status_bytes(field):
    try:
        with open("/proc/self/status") as stream:
            for line in stream:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_peak_rss():
    """Linux: writing 5 to clear_refs resets VmHWM to the current RSS."""
    try:
        with open("/proc/self/clear_refs", "w") as stream:
            stream.write("5")
    except OSError:
        pass


# ------------------------------------------------------------------ physical limits
def limits(device, quick, sync):
    """The float32 GEMM rate (GFLOP/s) and memory bandwidth (GB/s, copy and add) of this machine,
    each the best of several calls (quick: small sizes, a smoke figure only)."""
    if device == "cpu":
        xp = numpy
        size, elements = (256, 1 << 20) if quick else (2048, 1 << 25)
    else:
        import cupy as xp

        size, elements = (1024, 1 << 22) if quick else (8192, 1 << 27)
    rng = numpy.random.default_rng(0)
    a = xp.asarray(rng.standard_normal((size, size), dtype=numpy.float32))
    gemm = _best_seconds(lambda: xp.matmul(a, a), sync, 2 if quick else 6)
    source = xp.asarray(rng.standard_normal(elements, dtype=numpy.float32))
    other, target = xp.empty_like(source), xp.empty_like(source)
    other[...] = 1
    copy = _best_seconds(lambda: xp.copyto(target, source), sync, 2 if quick else 6)
    add = _best_seconds(lambda: xp.add(source, other, out=target), sync, 2 if quick else 6)
    nbytes = source.nbytes
    return {"gemm_size": size, "gemm_gflops": 2 * size**3 / gemm / 1e9,
            "bandwidth_elements": elements, "copy_gbs": 2 * nbytes / copy / 1e9, "add_gbs": 3 * nbytes / add / 1e9}


def _best_seconds(run, sync, count):
    run()
    sync()
    best = float("inf")
    for _ in range(count):
        start = time.perf_counter()
        run()
        sync()
        best = min(best, time.perf_counter() - start)
    return best
