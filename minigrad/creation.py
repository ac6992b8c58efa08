"""Constructors with PyTorch's names and keywords (dtype=, device=, requires_grad=)."""
from . import dtypes
from .backend import get_backend, seed_all
from .tensor import Tensor


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (lists, scalars, arrays, tensors)."""
    if isinstance(data, Tensor):
        data = data.data.copy()
    elif hasattr(data, "__array_interface__") or hasattr(data, "__cuda_array_interface__"):
        data = data.copy()  # Tensor() keeps an array of the right dtype as it is
    return Tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def _make(array, backend, requires_grad):
    result = Tensor.from_array(array, backend)
    result.requires_grad = requires_grad
    return result


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    size = tuple(int(s) for s in size)
    if any(s < 0 for s in size):
        raise ValueError(f"negative dimension in shape {size}")
    return size


def _float_dtype(dtype):
    return dtypes.resolve(dtype) or dtypes.default_float


def zeros(*size, dtype=None, device=None, requires_grad=False):
    backend = get_backend(device)
    return _make(backend.xp.zeros(_shape(size), dtype=_float_dtype(dtype)), backend, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    backend = get_backend(device)
    return _make(backend.xp.ones(_shape(size), dtype=_float_dtype(dtype)), backend, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    backend = get_backend(device)
    dtype = dtypes.resolve(dtype) or dtypes.infer(fill_value)
    return _make(backend.xp.full(_shape((size,)), fill_value, dtype=dtype), backend, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Evenly spaced values in [start, end); integers unless a bound or dtype is floating."""
    if end is None:
        start, end = 0, start
    backend = get_backend(device)
    dtype = dtypes.resolve(dtype) or dtypes.infer([start, end, step])
    return _make(backend.xp.arange(start, end, step).astype(dtype), backend, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    backend = get_backend(device)
    return _make(backend.xp.linspace(start, end, steps, dtype=_float_dtype(dtype)), backend, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    backend = get_backend(device)
    return _make(backend.xp.eye(n, m, dtype=_float_dtype(dtype)), backend, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False):
    """Standard normal samples from the device's seeded generator."""
    backend = get_backend(device)
    return _make(backend.randn(_shape(size), _float_dtype(dtype)), backend, requires_grad)


def rand(*size, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1) from the device's seeded generator."""
    backend = get_backend(device)
    return _make(backend.rand(_shape(size), _float_dtype(dtype)), backend, requires_grad)


def randint(low, high=None, size=(), dtype=None, device=None):
    """Integers in [low, high) (or [0, low) when high is omitted)."""
    if high is None:
        low, high = 0, low
    if low >= high:
        raise ValueError(f"randint: low={low} must be smaller than high={high}")
    backend = get_backend(device)
    return _make(backend.randint(low, high, _shape((size,)), dtypes.resolve(dtype) or dtypes.int64), backend, False)


def _like(function, other, dtype, device, requires_grad, *args):
    return function(
        *args,
        dtype=dtype or other.dtype,
        device=device or other.device,
        requires_grad=requires_grad,
    )


def zeros_like(other, dtype=None, device=None, requires_grad=False):
    return _like(zeros, other, dtype, device, requires_grad, other.shape)


def ones_like(other, dtype=None, device=None, requires_grad=False):
    return _like(ones, other, dtype, device, requires_grad, other.shape)


def full_like(other, fill_value, dtype=None, device=None, requires_grad=False):
    return _like(full, other, dtype, device, requires_grad, other.shape, fill_value)


def randn_like(other, dtype=None, device=None, requires_grad=False):
    return _like(randn, other, dtype, device, requires_grad, other.shape)


def rand_like(other, dtype=None, device=None, requires_grad=False):
    return _like(rand, other, dtype, device, requires_grad, other.shape)


def manual_seed(seed):
    """Make every backend's random numbers reproducible from ``seed``."""
    seed_all(int(seed))
