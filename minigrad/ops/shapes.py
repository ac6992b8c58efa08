"""Broadcasting: the shape rule, and the two primitives it needs.

Broadcasting in forward means summing the gradient back to the input's
shape in backward (``sum_to``); the two are each other's gradient.
"""
import math

from ..function import Function
from ..public import public


def broadcast_shapes(op, *shapes):
    """NumPy's broadcast result shape, or an error naming ``op`` and every shape."""
    sized = [shape for shape in shapes if len(shape)]  # a 0-d shape (a Python number's) fits any other
    if not sized:
        return ()
    if sized.count(sized[0]) == len(sized):
        return tuple(sized[0])
    ndim = max(len(shape) for shape in shapes)
    result = []
    for axis in range(-ndim, 0):
        sizes = {shape[axis] for shape in shapes if len(shape) >= -axis} - {1}
        if len(sizes) > 1:
            listed = " and ".join(str(tuple(shape)) for shape in shapes)
            raise ValueError(
                f"{op}: shapes {listed} cannot be broadcast together "
                f"(dimension {axis} has sizes {sorted(sizes)}; each must match or be 1)"
            )
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def normalize_dims(op, dim, ndim):
    """``dim`` (None, int or tuple, negatives allowed) as a sorted tuple of axes."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    normalized = []
    for axis in dims:
        if not isinstance(axis, int) or not -max(ndim, 1) <= axis < max(ndim, 1):
            raise IndexError(f"{op}: dim {axis} is out of range for a tensor with {ndim} dimension(s)")
        normalized.append(axis % max(ndim, 1))
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{op}: dim {dim} names the same dimension twice")
    return tuple(sorted(normalized)) if ndim else ()


def kept_shape(shape, dims):
    """``shape`` with the reduced ``dims`` set to 1 (what keepdim=True gives)."""
    return tuple(1 if axis in dims else size for axis, size in enumerate(shape))


class BroadcastTo(Function):
    settings = ("shape",)

    def forward(self, x):
        return self.xp.broadcast_to(x, self.shape)

    def backward(self, grad):
        return sum_to(grad, self.inputs[0].shape)


class SumTo(Function):
    """Sum a broadcast array back down to ``shape``."""

    settings = ("shape",)

    def forward(self, x):
        lead = x.ndim - len(self.shape)
        axes = tuple(range(lead)) + tuple(
            lead + axis for axis, size in enumerate(self.shape) if size == 1 and x.shape[lead + axis] != 1
        )
        if not axes:
            return x.reshape(self.shape)
        kept = [axis for axis in range(x.ndim) if axis not in axes]
        if x.dtype.kind == "f" and kept and kept[-1] < x.ndim - 1 and kept == list(range(kept[0], kept[-1] + 1)):
            return self._sum_around(x, kept[0], kept[-1] + 1).reshape(self.shape)
        return x.sum(axis=axes, keepdims=True).reshape(self.shape)

    def _sum_around(self, x, start, stop):
        """x summed over every axis outside [start, stop) (a conv bias's gradient: all but the
        channels): each row of trailing axes as one GEMV with ones, then the leading axes; several
        times faster than ``sum`` over scattered axes, and BLAS's blocked accumulation."""
        lead, kept, trail = (math.prod(x.shape[a:b]) for a, b in ((0, start), (start, stop), (stop, x.ndim)))
        rows = self.xp.ascontiguousarray(x).reshape(lead * kept, trail) @ self.xp.ones(trail, dtype=x.dtype)
        return rows.reshape(lead, kept).sum(axis=0)

    def backward(self, grad):
        return broadcast_to(grad, self.inputs[0].shape)


@public("minigrad", "Tensor")
def broadcast_to(x, shape):
    shape = tuple(shape)
    if broadcast_shapes("broadcast_to", x.shape, shape) != shape:
        raise ValueError(f"broadcast_to: shape {x.shape} cannot be broadcast to {shape}")
    return x if x.shape == shape else BroadcastTo.apply(x, shape=shape)


def sum_to(x, shape):
    shape = tuple(shape)
    return x if x.shape == shape else SumTo.apply(x, shape=shape)
