"""What every backend provides: the array module, RNG, host transfer, kernels."""
import abc
import contextlib


_NO_DEVICE_SWITCH = contextlib.nullcontext()  # reusable: entering it does nothing


class Backend(abc.ABC):
    """One array library on one device.

    Subclasses set ``xp`` (the array module), ``name`` and ``device`` and
    implement the few operations that differ between libraries.
    """

    xp = None
    name = "abstract"
    device = "none"
    switches_device = False  # whether ``activate`` must be entered around kernels (a GPU's device)
    default_seed = None

    def __init__(self):
        self.seed(Backend.default_seed)

    # -- random numbers ---------------------------------------------------
    def seed(self, seed):
        """Restart this backend's generator from ``seed`` (None: fresh entropy)."""
        self.rng = self.xp.random.default_rng(seed)

    def randn(self, shape, dtype):
        return self.rng.standard_normal(shape, dtype=dtype)

    def rand(self, shape, dtype):
        return self.rng.random(shape, dtype=dtype)

    def randint(self, low, high, shape, dtype):
        return self.rng.integers(low, high, size=shape).astype(dtype, copy=False)

    def permutation(self, n):
        return self.rng.permutation(n)

    # -- device placement -------------------------------------------------
    def asarray(self, data, dtype=None):
        """Put host or device data on this backend as an array."""
        return self.xp.asarray(data, dtype=dtype)

    @abc.abstractmethod
    def to_host(self, array):
        """A NumPy copy of ``array``."""

    def activate(self):
        """Context manager making this backend's device current (no-op on CPU)."""
        return _NO_DEVICE_SWITCH

    # -- kernels that differ per library ------------------------------------
    @abc.abstractmethod
    def scatter_add(self, target, index, values):
        """target[index] += values, accumulating repeated indices (in place)."""

    @abc.abstractmethod
    def erf(self, array):
        """The error function, elementwise, in the input dtype."""

    @property
    @abc.abstractmethod
    def conv(self):
        """The module with this backend's convolution kernels."""

    def __repr__(self):
        return f"<{self.name} backend on {self.device}>"

    # One backend object per device: ops compare backends by identity, so a
    # copied tensor (copy.deepcopy of a model, pickle) must keep the same one.
    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        from . import get_backend

        return get_backend, (self.device,)
