"""The backend seam: the only place that knows which array library runs.

A device string ("cpu", "cuda", "cuda:N") maps to one cached Backend object.
Op code asks a tensor for its backend and uses ``backend.xp`` (numpy or cupy)
for array math, so the same op code runs on both.
"""
from .numpy_backend import NumpyBackend

_cpu = NumpyBackend()
_cuda_backends = {}


def normalize_device(device):
    """Turn "cpu" / "cuda" / "cuda:N" (or a Backend) into a canonical device string."""
    if isinstance(device, Backend):
        return device.device
    if device is None:
        return "cpu"
    text = str(device).strip().lower()
    if text == "cpu":
        return "cpu"
    if text == "cuda":
        return "cuda:0"
    if text.startswith("cuda:") and text[5:].isdigit():
        return text
    raise ValueError(f"unknown device {device!r}: expected 'cpu', 'cuda' or 'cuda:N'")


def get_backend(device=None):
    """The Backend for a device string; CuPy is imported only when a GPU is asked for."""
    name = normalize_device(device)
    if name == "cpu":
        return _cpu
    if name not in _cuda_backends:
        from .cupy_backend import CupyBackend

        _cuda_backends[name] = CupyBackend(int(name.split(":")[1]))
    return _cuda_backends[name]


def backend_of_array(array):
    """The Backend that owns a raw array (numpy -> cpu, cupy -> its GPU)."""
    module = type(array).__module__
    if module.startswith("cupy"):
        return get_backend(f"cuda:{array.device.id}")
    return _cpu


def seed_all(seed):
    """Reseed the random generator of every backend created so far (and future ones)."""
    Backend.default_seed = seed
    _cpu.seed(seed)
    for backend in _cuda_backends.values():
        backend.seed(seed)


from .base import Backend  # noqa: E402  (base has no imports from here)

__all__ = ["Backend", "get_backend", "backend_of_array", "normalize_device", "seed_all"]
