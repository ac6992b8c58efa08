"""Movement: reshape, permute, indexing, concatenation, padding, device moves.

Only reshape, permute, index (with its scatter twin), cat, pad and the
device move are primitives; squeeze, stack, split and friends compose them.
"""
import builtins
import math

from .. import dtypes
from ..backend import get_backend
from ..function import Function
from ..public import public, public_property
from ..tensor import Tensor, _names_device
from .elementwise import cast
from .shapes import broadcast_to, normalize_dims


class Reshape(Function):
    settings = ("shape",)

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, grad):
        return reshape(grad, self.inputs[0].shape)


class Permute(Function):
    settings = ("axes",)

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, grad):
        inverse = tuple(sorted(range(len(self.axes)), key=self.axes.__getitem__))
        return Permute.apply(grad, axes=inverse)


class Index(Function):
    """x[key] for a key already checked by ``_normalize_key``."""

    settings = ("key", "advanced")

    def forward(self, x):
        return x[self.key]

    def backward(self, grad):
        return IndexAdd.apply(grad, key=self.key, advanced=self.advanced, shape=self.inputs[0].shape)


class IndexAdd(Function):
    """zeros(shape) with ``grad`` added at ``key``; repeated indices accumulate."""

    settings = ("key", "advanced", "shape")

    def forward(self, grad):
        out = self.xp.zeros(self.shape, dtype=grad.dtype)
        if self.advanced:
            self.backend.scatter_add(out, self.key, grad)
        else:
            out[self.key] = grad
        return out

    def backward(self, grad):
        return Index.apply(grad, key=self.key, advanced=self.advanced)


class Cat(Function):
    settings = ("axis",)

    def forward(self, *arrays):
        return self.xp.concatenate(arrays, axis=self.axis)

    def backward(self, grad):
        grads, start = [], 0
        for tensor in self.inputs:
            stop = start + tensor.shape[self.axis]
            key = (slice(None),) * self.axis + (slice(start, stop),)
            grads.append(Index.apply(grad, key=key, advanced=False))
            start = stop
        return tuple(grads)


class Pad(Function):
    settings = ("widths", "value")

    """Constant padding; ``widths`` is one (before, after) pair per dim."""

    def forward(self, x):
        return self.xp.pad(x, self.widths, mode="constant", constant_values=self.value)

    def backward(self, grad):
        key = tuple(slice(before, size - after) for (before, after), size in zip(self.widths, grad.shape))
        return Index.apply(grad, key=key, advanced=False)


class ToDevice(Function):
    settings = ("result_backend",)

    def forward(self, x):
        return self.result_backend.asarray(self.backend.to_host(x))

    def backward(self, grad):
        return ToDevice.apply(grad, result_backend=self.backend)


def to_device(x, backend):
    return ToDevice.apply(x, result_backend=backend)


@public("Tensor")
def to(x, device=None, dtype=None):
    """x on another device and/or dtype (differentiable); x.to(float64) works too."""
    if device is not None and dtype is None and not _names_device(device):
        device, dtype = None, device
    if dtype is not None:
        x = cast(x, dtypes.resolve(dtype))
    if device is not None and get_backend(device) is not x.backend:
        x = to_device(x, get_backend(device))
    return x


@public("Tensor")
def cpu(x):
    return to(x, "cpu")


@public("Tensor")
def cuda(x, index=0):
    return to(x, f"cuda:{index}")


# ------------------------------------------------------------------ reshaping
@public("minigrad", "Tensor")
def reshape(x, *shape):
    """x with a new shape of the same size; one entry may be -1."""
    shape = _shape_argument(shape)
    known = math.prod(size for size in shape if size != -1)
    if shape.count(-1) > 1 or builtins.any(size < -1 for size in shape):
        raise ValueError(f"reshape: invalid target shape {shape} (at most one -1, no other negatives)")
    if -1 in shape:
        if known == 0 or x.numel() % known:
            raise ValueError(f"reshape: cannot infer -1 in {shape} for shape {x.shape} ({x.numel()} elements)")
        shape = tuple(x.numel() // known if size == -1 else size for size in shape)
    elif known != x.numel():
        raise ValueError(f"reshape: cannot reshape {x.shape} ({x.numel()} elements) into {shape} ({known} elements)")
    return x if shape == x.shape else Reshape.apply(x, shape=shape)


view = public("Tensor", name="view")(reshape)


@public_property("T")
def reversed_dims(x):
    """x with its dims in reverse order (``x.T``)."""
    return permute(x, tuple(reversed(range(x.ndim))))


@public("minigrad", "Tensor")
def permute(x, *axes):
    axes = _shape_argument(axes)
    if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)) or len(axes) != x.ndim:
        raise ValueError(f"permute: {axes} is not a permutation of the {x.ndim} dims of shape {x.shape}")
    axes = tuple(a % x.ndim for a in axes)
    return x if axes == tuple(range(x.ndim)) else Permute.apply(x, axes=axes)


@public("minigrad", "Tensor")
def transpose(x, dim0, dim1):
    dims = [normalize_dims("transpose", d, x.ndim) for d in (dim0, dim1)]
    if x.ndim == 0:  # dims 0 and -1 are accepted for a scalar, as in PyTorch; nothing moves
        return x
    (first,), (second,) = dims
    axes = list(range(x.ndim))
    axes[first], axes[second] = second, first
    return permute(x, axes)


@public("minigrad", "Tensor")
def squeeze(x, dim=None):
    """Drop size-1 dims (all of them, or only ``dim`` when it has size 1)."""
    dims = normalize_dims("squeeze", dim, x.ndim)
    return reshape(x, tuple(s for a, s in enumerate(x.shape) if not (a in dims and s == 1)))


@public("minigrad", "Tensor")
def unsqueeze(x, dim):
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a tensor with {x.ndim} dims")
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


@public("minigrad", "Tensor")
def flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return reshape(x, (1,))
    start, end = (normalize_dims("flatten", d, x.ndim)[0] for d in (start_dim, end_dim))
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return reshape(x, x.shape[:start] + (-1,) + x.shape[end + 1 :])


@public("Tensor")
def expand(x, *sizes):
    """Broadcast x to ``sizes``; -1 keeps a dim as it is."""
    sizes = _shape_argument(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: {sizes} has fewer dims than shape {x.shape}")
    target = tuple(x.shape[a - lead] if s == -1 and a >= lead else s for a, s in enumerate(sizes))
    return broadcast_to(x, target)


def _shape_argument(shape):
    """Accept f(x, 2, 3) and f(x, (2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(size) for size in shape)


# ----------------------------------------------------------- joining, slicing
@public("minigrad")
def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: needs at least one tensor")
    first = tensors[0]
    (axis,) = normalize_dims("cat", dim, first.ndim)
    for index, tensor in enumerate(tensors):
        if tensor.ndim != first.ndim or tensor.shape[:axis] + tensor.shape[axis + 1 :] != (
            first.shape[:axis] + first.shape[axis + 1 :]
        ):
            raise ValueError(
                f"cat: tensor {index} has shape {tensor.shape}, tensor 0 has {first.shape}; "
                f"all dims but dim {dim} must match"
            )
    return Cat.apply(*tensors, axis=axis)


@public("minigrad")
def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    for index, tensor in enumerate(tensors):
        if tensor.shape != tensors[0].shape:
            raise ValueError(f"stack: tensor {index} has shape {tensor.shape}, tensor 0 has {tensors[0].shape}")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


@public("minigrad", "Tensor")
def split(x, split_size_or_sections, dim=0):
    """Pieces of x along ``dim``: equal pieces of a given size, or the listed sizes."""
    (axis,) = normalize_dims("split", dim, x.ndim)
    length = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split size must be positive, got {split_size_or_sections}")
        sizes = [split_size_or_sections] * (length // split_size_or_sections)
        sizes += [length % split_size_or_sections] if length % split_size_or_sections else []
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != length:
            raise ValueError(f"split: sections {sizes} do not add up to dim {dim} of size {length}")
    pieces, start = [], 0
    for size in sizes:
        pieces.append(index(x, (slice(None),) * axis + (slice(start, start + size),)))
        start += size
    return tuple(pieces)


@public("minigrad", "Tensor")
def chunk(x, chunks, dim=0):
    """``chunks`` nearly equal pieces along ``dim`` (the last may be smaller)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    (axis,) = normalize_dims("chunk", dim, x.ndim)
    return split(x, max(1, -(-x.shape[axis] // chunks)), dim)


@public("F")
def pad(x, pad, value=0.0):
    """Constant padding in PyTorch's order: (left, right) of the last dim, then the one before..."""
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: {pad} must hold (before, after) pairs for at most {x.ndim} dims")
    if builtins.any(int(width) < 0 for width in pad):
        raise ValueError(f"pad: widths must be non-negative, got {pad}")
    pairs = [(int(pad[i]), int(pad[i + 1])) for i in range(0, len(pad), 2)]
    widths = [(0, 0)] * (x.ndim - len(pairs)) + pairs[::-1]
    return Pad.apply(x, widths=tuple(widths), value=value)


# ------------------------------------------------------------------- indexing
@public("Tensor", name="__getitem__")
def index(x, key):
    """x[key]: basic slicing and integer/boolean array indexing, NumPy semantics."""
    key, advanced = _normalize_key(x, key)
    return Index.apply(x, key=key, advanced=advanced)


def _normalize_key(x, key):
    """Check a key against x's shape and turn tensors and lists into arrays."""
    items = list(key) if isinstance(key, tuple) else [key]
    items = [_index_array(x, item) if _is_array_like(item) else item for item in items]
    consumed = builtins.sum(_dims_consumed(item) for item in items if item is not Ellipsis)
    if consumed > x.ndim:
        raise IndexError(f"index: too many indices ({consumed}) for a tensor of shape {x.shape}")
    ellipses = [at for at, item in enumerate(items) if item is Ellipsis]
    if len(ellipses) > 1:
        raise IndexError("index: an index can only have a single ellipsis ('...')")
    if ellipses:
        at = ellipses[0]
        # An Ellipsis that spans no dim stays: it still separates advanced indices (NumPy semantics).
        items[at : at + 1] = [slice(None)] * (x.ndim - consumed) or [Ellipsis]
    normalized, axis, advanced = [], 0, False
    for item in items:
        if item is None or item is Ellipsis:
            normalized.append(item)
            continue
        if isinstance(item, (int, slice)) or hasattr(item, "__index__") and not hasattr(item, "shape"):
            item = _check_scalar_index(x, axis, item)
            axis += 1
        elif item.dtype == bool:
            _check_mask(x, axis, item)
            normalized.extend(item.nonzero())
            axis += item.ndim
            advanced = True
            continue
        else:
            _check_array_index(x, axis, item)
            axis += 1
            advanced = True
        normalized.append(item)
    return tuple(normalized), advanced


def _is_array_like(item):
    return isinstance(item, (Tensor, list)) or hasattr(item, "__array_interface__") or hasattr(
        item, "__cuda_array_interface__"
    )


def _index_array(x, item):
    if isinstance(item, Tensor):
        if item.backend is not x.backend:
            raise RuntimeError(f"index: index tensor is on {item.device}, the tensor on {x.device}")
        array = item.data
    else:
        array = x.backend.asarray(item)
    if array.dtype != bool and array.dtype.kind not in "iu":
        raise IndexError(f"index: index arrays must be integer or bool, got {array.dtype}")
    return array


def _dims_consumed(item):
    if item is None:
        return 0
    if hasattr(item, "dtype") and item.dtype == bool:
        return item.ndim
    return 1


def _check_scalar_index(x, axis, item):
    if isinstance(item, slice):
        return item
    position, size = int(item), x.shape[axis]
    if not -size <= position < size:
        raise IndexError(f"index: index {position} is out of range for dim {axis} of size {size} (shape {x.shape})")
    return position


def _check_mask(x, axis, mask):
    expected = x.shape[axis : axis + mask.ndim]
    if tuple(mask.shape) != expected:
        raise IndexError(f"index: boolean mask of shape {tuple(mask.shape)} does not match dims {expected} of {x.shape}")


def _check_array_index(x, axis, array):
    size = x.shape[axis]
    if array.size and (int(array.min()) < -size or int(array.max()) >= size):
        raise IndexError(
            f"index: index array holds values in [{int(array.min())}, {int(array.max())}], "
            f"out of range for dim {axis} of size {size} (shape {x.shape})"
        )

