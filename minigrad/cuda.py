"""Questions about the GPU that never raise."""


def is_available():
    """True when CuPy imports and at least one CUDA GPU is usable."""
    return device_count() > 0


def device_count():
    """The number of usable CUDA GPUs (0 without CuPy, driver or GPU)."""
    try:
        import cupy

        return int(cupy.cuda.runtime.getDeviceCount())
    except Exception:  # ImportError, or CuPy's CUDA errors: all mean "no GPU"
        return 0
