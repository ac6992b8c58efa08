"""CuPy on an NVIDIA GPU; imported only when a "cuda" device is asked for."""
from .base import Backend

INSTALL_HINT = "install the GPU extra: pip install 'minigrad-gans[cuda]' (CuPy for CUDA 12)"


def import_cupy():
    """Import CuPy or explain exactly what is missing."""
    try:
        import cupy
    except ImportError as error:
        raise RuntimeError(f"device 'cuda' needs CuPy, which is not installed: {INSTALL_HINT}") from error
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDA driver/runtime missing: CuPy raises its own error types
        raise RuntimeError(f"device 'cuda': CuPy is installed but no CUDA GPU/driver is usable ({error})") from error
    if count == 0:
        raise RuntimeError("device 'cuda': CuPy is installed but no CUDA GPU was found")
    return cupy


class CupyBackend(Backend):
    name = "cupy"
    switches_device = True

    def __init__(self, index=0):
        cupy = import_cupy()
        count = cupy.cuda.runtime.getDeviceCount()
        if not 0 <= index < count:
            raise RuntimeError(f"device 'cuda:{index}' does not exist: {count} GPU(s) found")
        self.xp = cupy
        self.index = index
        self.device = f"cuda:{index}"
        with self.activate():
            super().__init__()

    def activate(self):
        return self.xp.cuda.Device(self.index)

    def asarray(self, data, dtype=None):
        with self.activate():
            return self.xp.asarray(data, dtype=dtype)

    def to_host(self, array):
        return self.xp.asnumpy(array)

    def scatter_add(self, target, index, values):
        import cupyx

        cupyx.scatter_add(target, index, values)

    def erf(self, array):
        from cupyx.scipy.special import erf

        return erf(array)

    @property
    def conv(self):
        from . import cupy_conv

        return cupy_conv
