"""Reductions over dims: sum and max/min are primitives; the rest compose them."""
from ..function import Function
from ..public import public
from ..tensor import Tensor
from . import elementwise as ew
from .movement import Reshape, reshape
from .shapes import BroadcastTo, broadcast_to, kept_shape, normalize_dims


class Sum(Function):
    settings = ("dims", "keepdim")

    def forward(self, x):
        return x.sum(axis=self.dims, keepdims=self.keepdim)

    def backward(self, grad):
        shape = self.inputs[0].shape
        # the primitives directly: these shapes are valid by construction, so no checks are needed
        if self.dims and not self.keepdim and self.dims == tuple(range(len(self.dims))):
            return BroadcastTo.apply(grad, shape=shape)  # leading dims reduced: broadcasting prepends them
        kept = kept_shape(shape, self.dims)
        grad = grad if grad.shape == kept else Reshape.apply(grad, shape=kept)
        return grad if kept == shape else BroadcastTo.apply(grad, shape=shape)


class Extremum(Function):
    """max or min over dims; tied maxima share the gradient equally."""

    settings = ("dims", "keepdim", "kind")

    def forward(self, x):
        reduce = self.xp.amax if self.kind == "max" else self.xp.amin
        return reduce(x, axis=self.dims, keepdims=self.keepdim)

    def backward(self, grad):
        (x,) = self.inputs
        kept = kept_shape(x.shape, self.dims)
        hits = x.data == self.output.data.reshape(kept)
        share = hits / hits.sum(axis=self.dims, keepdims=True)
        return broadcast_to(reshape(grad, kept), x.shape) * ew.constant(share, x)


def _check_reducible(op, x, dims):
    for axis in dims:
        if x.shape[axis] == 0:
            raise ValueError(f"{op}: cannot reduce over the empty dim {axis} of shape {x.shape}")


@public("minigrad", "F", "Tensor")
def sum(x, dim=None, keepdim=False):
    return Sum.apply(x, dims=normalize_dims("sum", dim, x.ndim), keepdim=keepdim)


def _extremum(kind, x, dim, keepdim):
    dims = normalize_dims(kind, dim, x.ndim)
    _check_reducible(kind, x, dims)
    return Extremum.apply(x, dims=dims, keepdim=keepdim, kind=kind)


@public("minigrad", "Tensor")
def max(x, dim=None, keepdim=False):
    """Largest values over ``dim`` (values only; use argmax for indices)."""
    return _extremum("max", x, dim, keepdim)


@public("minigrad", "Tensor")
def min(x, dim=None, keepdim=False):
    """Smallest values over ``dim`` (values only; use argmin for indices)."""
    return _extremum("min", x, dim, keepdim)


def _count(x, dims):
    count = 1
    for axis in dims:
        count *= x.shape[axis]
    return count


@public("minigrad", "F", "Tensor")
def mean(x, dim=None, keepdim=False):
    dims = normalize_dims("mean", dim, x.ndim)
    _check_reducible("mean", x, dims)
    return sum(x, dims, keepdim) / _count(x, dims)


@public("minigrad", "Tensor")
def var(x, dim=None, keepdim=False, unbiased=True):
    """Variance over ``dim``; ``unbiased`` divides by n - 1 (Bessel), else n."""
    dims = normalize_dims("var", dim, x.ndim)
    count = _count(x, dims) - (1 if unbiased else 0)
    if count <= 0:
        raise ValueError(f"var: {_count(x, dims)} element(s) over dim {dim} are too few (unbiased={unbiased})")
    centered = x - mean(x, dims, keepdim=True)
    return sum(centered * centered, dims, keepdim) / count


@public("minigrad", "Tensor")
def std(x, dim=None, keepdim=False, unbiased=True):
    return ew.sqrt(var(x, dim, keepdim, unbiased))


def _stable_shift(x, dims):
    """max over dims as a constant, with infinite maxima replaced by 0."""
    xp = x.backend.xp
    peak = xp.amax(x.data, axis=dims, keepdims=True)
    return Tensor.from_array(xp.where(xp.isfinite(peak), peak, 0).astype(x.dtype), x.backend)


@public("minigrad", "F", "Tensor")
def logsumexp(x, dim=None, keepdim=False):
    """log(sum(exp(x))) without overflow: the max is shifted out first."""
    dims = normalize_dims("logsumexp", dim, x.ndim)
    _check_reducible("logsumexp", x, dims)
    shift = _stable_shift(x, dims)
    total = ew.log(sum(ew.exp(x - shift), dims, keepdim=True)) + shift
    return total if keepdim else reshape(total, tuple(s for a, s in enumerate(x.shape) if a not in dims))


@public("minigrad", "F", "Tensor")
def softmax(x, dim=-1):
    dims = normalize_dims("softmax", dim, x.ndim)
    exps = ew.exp(x - _stable_shift(x, dims))
    return exps / sum(exps, dims, keepdim=True)


@public("minigrad", "F", "Tensor")
def log_softmax(x, dim=-1):
    return x - logsumexp(x, dim, keepdim=True)


def _arg_extremum(kind, x, dim, keepdim):
    xp = x.backend.xp
    dims = None if dim is None else normalize_dims(kind, dim, x.ndim)
    if not dims:  # dim None, or a 0-d tensor (dim 0 or -1): the flat index
        result = getattr(xp, kind)(x.data.reshape(-1))
        shape = (1,) * x.ndim if keepdim else ()
        return Tensor.from_array(xp.asarray(result).reshape(shape), x.backend)
    (axis,) = dims
    return Tensor.from_array(getattr(xp, kind)(x.data, axis=axis, keepdims=keepdim), x.backend)


@public("minigrad", "Tensor")
def argmax(x, dim=None, keepdim=False):
    """Index of the largest value (flat index when dim is None); no gradient."""
    return _arg_extremum("argmax", x, dim, keepdim)


@public("minigrad", "Tensor")
def argmin(x, dim=None, keepdim=False):
    return _arg_extremum("argmin", x, dim, keepdim)
