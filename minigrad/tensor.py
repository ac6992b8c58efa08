"""The Tensor: an array on a backend, plus the graph links autograd needs.

Math methods are thin: each forwards to a function in ``minigrad.ops``,
where the differentiable primitives live.
"""
import numpy

from . import dtypes
from .autograd import is_grad_enabled, no_grad, root_gradients, run_backward
from .backend import Backend, backend_of_array, get_backend


class Tensor:
    """An n-dimensional array that can record the operations made from it."""

    __array_priority__ = 1000  # numpy_scalar * tensor calls Tensor.__rmul__

    def __init__(self, data, dtype=None, device=None, requires_grad=False):
        dtype = dtypes.resolve(dtype) or dtypes.infer(data)
        if isinstance(data, Tensor):
            data = data.data
        backend = get_backend(device) if device is not None else _backend_of_data(data)
        if backend.name == "numpy" and hasattr(data, "__cuda_array_interface__"):
            data = backend_of_array(data).to_host(data)
        self.data = backend.asarray(data, dtype=dtype)
        self.backend = backend
        self._ctx = None
        self._grad = None
        self._retains_grad = False
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _wrap(cls, array, backend, requires_grad=False):
        """A tensor around an array an op just made (no copy, no checks)."""
        tensor = cls.__new__(cls)
        tensor.data = array
        tensor.backend = backend
        tensor._ctx = None
        tensor._grad = None
        tensor._retains_grad = False
        tensor._requires_grad = requires_grad
        return tensor

    # ---------------------------------------------------------------- facts
    shape = property(lambda self: tuple(self.data.shape))
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    device = property(lambda self: self.backend.device)
    is_leaf = property(lambda self: self._ctx is None)
    grad_fn = property(lambda self: self._ctx)

    def numel(self):
        return int(self.data.size)

    def size(self, dim=None):
        """The shape, or one dimension of it (PyTorch's spelling)."""
        return self.shape if dim is None else self.shape[dim]

    def dim(self):
        return self.ndim

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value and not dtypes.is_floating(self.dtype):
            raise TypeError(f"requires_grad=True needs a floating dtype, but this tensor is {self.dtype}")
        if not value and self._ctx is not None:
            raise RuntimeError("requires_grad can only be turned off on a leaf; use .detach()")
        self._requires_grad = bool(value)

    def requires_grad_(self, value=True):
        self.requires_grad = value
        return self

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None and value.shape != self.shape:
            raise ValueError(f"grad of shape {value.shape} assigned to a tensor of shape {self.shape}")
        self._grad = value

    def retain_grad(self):
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad on a tensor that does not require grad")
        self._retains_grad = True

    def _accumulate_grad(self, grad, create_graph):
        if not create_graph:
            grad = Tensor._wrap(grad.data.copy(), grad.backend) if self._grad is None else grad
        self._grad = grad if self._grad is None else self._grad + grad

    # ------------------------------------------------------------- autograd
    def backward(self, grad=None, retain_graph=False, create_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        root_grad = root_gradients("backward", (self,), (grad,))
        run_backward((self,), root_grad, retain_graph or create_graph, create_graph)

    def detach(self):
        """The same data, cut from the graph (shares memory)."""
        return Tensor._wrap(self.data, self.backend)

    # ---------------------------------------------------------- conversions
    def numpy(self):
        """A NumPy copy of the data (from the GPU too)."""
        return self.backend.to_host(self.data)

    def item(self):
        if self.numel() != 1:
            raise ValueError(f"item: only a one-element tensor converts to a Python number, shape is {self.shape}")
        return self.data.reshape(()).item()

    def tolist(self):
        return self.numpy().tolist()

    def to(self, device=None, dtype=None):
        """This tensor on another device and/or dtype (differentiable); x.to(float64) works too."""
        if device is not None and dtype is None and not _names_device(device):
            device, dtype = None, device
        result = self
        if dtype is not None:
            result = result.astype(dtype)
        if device is not None and get_backend(device) is not self.backend:
            result = ops.movement.to_device(result, get_backend(device))
        return result

    def cpu(self):
        return self.to("cpu")

    def cuda(self, index=0):
        return self.to(f"cuda:{index}")

    def astype(self, dtype):
        return ops.elementwise.cast(self, dtypes.resolve(dtype))

    def float(self):
        return self.astype(dtypes.float32)

    def double(self):
        return self.astype(dtypes.float64)

    def long(self):
        return self.astype(dtypes.int64)

    def __repr__(self):
        body = numpy.array2string(self.numpy(), separator=", ", precision=4, threshold=64, prefix="tensor(")
        extras = []
        if self.dtype not in (dtypes.default_float, dtypes.int64, dtypes.bool_):
            extras.append(f"dtype={self.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{type(self._ctx).__name__}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(f"the truth value of a tensor with {self.numel()} elements is ambiguous")
        return bool(self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __hash__(self):
        return id(self)

    # ---------------------------------------------------- in-place (no graph)
    def _check_inplace(self, op):
        if is_grad_enabled() and (self.requires_grad or self._ctx is not None):
            raise RuntimeError(
                f"{op}: in-place change of a tensor that requires grad; do it under minigrad.no_grad()"
            )

    def copy_(self, source):
        self._check_inplace("copy_")
        source = source.data if isinstance(source, Tensor) else source
        if tuple(numpy.shape(source)) not in ((), self.shape):
            raise ValueError(f"copy_: source shape {numpy.shape(source)} does not match {self.shape}")
        self.data[...] = self.backend.asarray(source, dtype=self.dtype)
        return self

    def fill_(self, value):
        self._check_inplace("fill_")
        self.data.fill(value)
        return self

    def zero_(self):
        self._check_inplace("zero_")
        return self.fill_(0)

    def clamp_(self, min=None, max=None):
        self._check_inplace("clamp_")
        self.backend.xp.clip(self.data, min, max, out=self.data)
        return self

    # ---------------------------------------------------------- arithmetic
    def __add__(self, other):
        return ops.elementwise.add(self, other)

    def __radd__(self, other):
        return ops.elementwise.add(other, self)

    def __sub__(self, other):
        return ops.elementwise.sub(self, other)

    def __rsub__(self, other):
        return ops.elementwise.sub(other, self)

    def __mul__(self, other):
        return ops.elementwise.mul(self, other)

    def __rmul__(self, other):
        return ops.elementwise.mul(other, self)

    def __truediv__(self, other):
        return ops.elementwise.div(self, other)

    def __rtruediv__(self, other):
        return ops.elementwise.div(other, self)

    def __pow__(self, other):
        return ops.elementwise.pow(self, other)

    def __rpow__(self, other):
        return ops.elementwise.pow(other, self)

    def __neg__(self):
        return ops.elementwise.neg(self)

    def __matmul__(self, other):
        return ops.linalg.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.linalg.matmul(other, self)

    def __getitem__(self, key):
        return ops.movement.index(self, key)

    # comparisons give bool tensors without gradient
    def __eq__(self, other):
        return ops.elementwise.compare("eq", self, other)

    def __ne__(self, other):
        return ops.elementwise.compare("ne", self, other)

    def __lt__(self, other):
        return ops.elementwise.compare("lt", self, other)

    def __le__(self, other):
        return ops.elementwise.compare("le", self, other)

    def __gt__(self, other):
        return ops.elementwise.compare("gt", self, other)

    def __ge__(self, other):
        return ops.elementwise.compare("ge", self, other)

    def __invert__(self):
        return ops.elementwise.logical_not(self)

    def __and__(self, other):
        return ops.elementwise.compare("logical_and", self, other)

    def __or__(self, other):
        return ops.elementwise.compare("logical_or", self, other)

    @property
    def T(self):
        return ops.movement.permute(self, tuple(reversed(range(self.ndim))))


def _names_device(value):
    """Whether ``to``'s first argument is a device: a Backend, or a string naming no dtype."""
    if isinstance(value, Backend):
        return True
    if not isinstance(value, str):
        return False
    try:
        dtypes.resolve(value)
    except TypeError:
        return True
    return False


def _backend_of_data(data):
    if hasattr(data, "__cuda_array_interface__"):
        return backend_of_array(data)
    return get_backend("cpu")


from . import ops  # noqa: E402  (ops import Tensor from this module)

# Method forms (x.sum(), x.exp(), x.reshape(...)) are the functions in ops.
for _name, _function in ops.tensor_methods().items():
    setattr(Tensor, _name, _function)
