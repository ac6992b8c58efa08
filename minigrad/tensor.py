"""The Tensor: an array on a backend, plus the graph links autograd needs.

This class holds data, facts, conversions and ``backward``; it imports no op.
Its math methods (``x.exp()``, ``x + y``, ``x.to(...)``) are the public ops,
attached by ``minigrad.public`` from the one table where each op is declared
(docs/design.md, "One public API table").
"""
import numpy

from . import dtypes
from .grad_mode import is_grad_enabled
from .graph import run_backward
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
    def from_array(cls, array, backend, requires_grad=False):
        """A tensor around ``array``, an array of ``backend`` (no copy, no checks).

        The constructor for code that already holds a backend array of the
        right dtype (ops, optimizers, initialisers); ``minigrad.tensor`` is the
        checked, copying one for user data.
        """
        tensor = cls.__new__(cls)
        tensor.data = array
        tensor.backend = backend
        tensor._ctx = None
        tensor._grad = None
        tensor._retains_grad = False
        tensor._requires_grad = requires_grad
        return tensor

    # ---------------------------------------------------------------- facts
    shape = property(lambda self: self.data.shape)  # a tuple in NumPy and CuPy alike
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
        """Add ``grad`` to ``.grad`` as a new tensor: a ``.grad`` someone holds never changes under them."""
        if self._grad is not None:
            self._grad = self._grad + grad
        elif create_graph:
            self._grad = grad
        else:  # a copy: the walk's gradients may alias each other or grad_outputs
            self._grad = Tensor.from_array(grad.data.copy(), grad.backend)

    # ------------------------------------------------------------- autograd
    def backward(self, grad=None, retain_graph=False, create_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        root_grad = root_gradients("backward", (self,), (grad,))
        run_backward((self,), root_grad, retain_graph or create_graph, create_graph)

    def detach(self):
        """The same data, cut from the graph (shares memory)."""
        return Tensor.from_array(self.data, self.backend)

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

    # identity, as a C slot: == is elementwise, and the graph walk keys its sets and dicts by tensor
    __hash__ = object.__hash__

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


def root_gradients(op, outputs, grad_outputs):
    """The gradients a walk starts from: ones for scalars, else the ones the caller gave."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    grad_outputs = tuple(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else (grad_outputs,)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"{op}: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    roots = []
    for index, (output, given) in enumerate(zip(outputs, grad_outputs)):
        if not output.requires_grad:
            raise RuntimeError(
                f"{op}: output {index} does not require grad and has no graph "
                f"(was it computed under no_grad, or from tensors without requires_grad=True?)"
            )
        roots.append(_root_gradient(op, output, given))
    return roots


def _root_gradient(op, output, given):
    if given is None:
        if output.numel() != 1:
            raise RuntimeError(
                f"{op}: a gradient can be created implicitly only for a scalar output, "
                f"but the output has shape {output.shape}; pass the gradient explicitly"
            )
        return Tensor.from_array(output.backend.xp.ones_like(output.data), output.backend)
    given = given if isinstance(given, Tensor) else Tensor(given, dtype=output.dtype, device=output.device)
    if given.shape != output.shape:
        raise ValueError(f"{op}: gradient of shape {given.shape} given for an output of shape {output.shape}")
    if given.device != output.device or given.dtype != output.dtype:
        raise TypeError(
            f"{op}: gradient is {given.dtype} on {given.device}, output is {output.dtype} on {output.device}"
        )
    return given
