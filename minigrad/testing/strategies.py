"""Hypothesis strategies for testing minigrad ops (public: import them in your own tests).

Sizes are small on purpose: gradcheck builds a full Jacobian for small
inputs, so a few elements per array keep property tests fast. Value domains
keep inputs away from the points where an op is undefined or not
differentiable (log at 0, relu/abs at 0, ties of max/min), with a margin far
larger than a finite-difference step.
"""
import numpy
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..tensor import Tensor

MAX_DIMS = 3
MAX_SIDE = 3
GRID = 32  # distinct_arrays: values are multiples of 1/GRID, so ties are impossible

# name -> (low, high, excluded open interval around 0 or None)
DOMAINS = {
    "real": (-3.0, 3.0, None),
    "positive": (0.1, 3.0, None),  # log, sqrt, pow bases
    "nonzero": (-3.0, 3.0, 0.1),  # kinks at 0 (abs, relu, leaky_relu, elu) and division
    "above_minus_one": (-0.9, 3.0, None),  # log1p
    "probability": (0.05, 0.95, None),  # binary_cross_entropy inputs, targets
    "wide": (-1e4, 1e4, None),  # stability checks of sigmoid, softplus, logsumexp...
}


def shapes(min_dims=0, max_dims=MAX_DIMS, min_side=1, max_side=MAX_SIDE):
    """Array shapes with few, short dims."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=MAX_DIMS, min_side=1, max_side=MAX_SIDE):
    """Tuples of ``num_shapes`` shapes that broadcast together under NumPy's rules."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda shapes_: shapes_.input_shapes)


@st.composite
def dims(draw, shape, allow_none=True, allow_tuple=True):
    """A ``dim`` argument valid for ``shape``: None, an int or a tuple of distinct ints, negatives included."""
    ndim = len(shape)
    choices = [st.none()] if allow_none else []
    choices.append(st.integers(-max(ndim, 1), max(ndim, 1) - 1))
    if allow_tuple and ndim > 0:
        axes = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)
        choices.append(axes.flatmap(lambda axes_: st.tuples(*(st.sampled_from([a, a - ndim]) for a in axes_))))
    return draw(st.one_of(choices))


def floats(domain="real", dtype=numpy.float64):
    """Float elements of ``dtype`` from a named domain of DOMAINS."""
    low, high, gap = DOMAINS[domain]
    if gap is None:
        return _floats(low, high, dtype)
    return _floats(low, -gap, dtype) | _floats(gap, high, dtype)


def _floats(low, high, dtype):
    """Floats in [low, high] exactly representable in ``dtype`` (bounds rounded inward)."""
    dtype = numpy.dtype(dtype)
    low_, high_ = dtype.type(low), dtype.type(high)
    low_ = low_ if low_ >= low else numpy.nextafter(low_, dtype.type(numpy.inf))
    high_ = high_ if high_ <= high else numpy.nextafter(high_, dtype.type(-numpy.inf))
    return st.floats(float(low_), float(high_), width=8 * dtype.itemsize)


def float_arrays(shape, domain="real", dtype=numpy.float64):
    """NumPy float arrays of ``shape`` and ``dtype`` with values in a named domain of DOMAINS."""
    return hnp.arrays(numpy.dtype(dtype), shape, elements=floats(domain, dtype))


@st.composite
def distinct_arrays(draw, *shapes_, bound=3.0):
    """Float64 arrays of the given shapes whose values are all distinct, jointly (no ties anywhere).

    Values are multiples of 1/GRID in [-bound, bound], so any two differ by at least 1/GRID:
    safe for max/min, maximum/minimum and sorting, and half-grid points make safe clamp bounds.
    """
    sizes = [int(numpy.prod(shape, dtype=int)) for shape in shapes_]
    steps = int(bound * GRID)
    values = draw(st.lists(st.integers(-steps, steps), min_size=sum(sizes), max_size=sum(sizes), unique=True))
    flat = numpy.array(values, dtype=numpy.float64) / GRID
    return tuple(part.reshape(shape) for part, shape in zip(numpy.split(flat, numpy.cumsum(sizes)[:-1]), shapes_))


def tensors(shape, domain="real", device="cpu", dtype=numpy.float64, requires_grad=True):
    """Tensors of ``shape`` (float64, requiring grad, by default) with values in a named domain."""
    return float_arrays(shape, domain, dtype).map(
        lambda array: Tensor(array, dtype=dtype, device=device, requires_grad=requires_grad)
    )


PERMUTATION_KINDS = ("identity", "transposition", "involution", "cycle")


def permutation_kind(axes):
    """Which kind a permutation is: identity, one swap, several disjoint swaps, or one with a longer cycle.

    Only the last kind is not its own inverse, so only it tells a backward
    that applies the permutation from one that applies its inverse.
    """
    moved = sum(1 for index, axis in enumerate(axes) if index != axis)
    if moved == 0:
        return "identity"
    if any(axes[axis] != index for index, axis in enumerate(axes)):
        return "cycle"
    return "transposition" if moved == 2 else "involution"


@st.composite
def permutations(draw, ndim):
    """A permutation of ``range(ndim)``, its kind drawn first so that every kind
    possible for ``ndim`` (see PERMUTATION_KINDS) is reached, not only self-inverse ones."""
    possible = {"identity": 0, "transposition": 2, "involution": 4, "cycle": 3}
    kind = draw(st.sampled_from([k for k in PERMUTATION_KINDS if ndim >= possible[k]]))
    return draw(st.permutations(range(ndim)).filter(lambda axes: permutation_kind(axes) == kind))


def _int_index(size):
    return st.integers(-size, size - 1)


def _slice(size):
    bound = st.none() | st.integers(-size - 1, size + 1)
    step = st.none() | st.integers(-3, 3).filter(bool)
    return st.builds(slice, bound, bound, step)


@st.composite
def index_expressions(draw, shape):
    """Keys valid for an array of ``shape``: ints, slices, None, Ellipsis, integer arrays or a boolean mask.

    At most one kind of advanced index appears: integer arrays (one shared index
    shape, negative and repeated entries allowed) on one or more dims, or one
    boolean mask over one or more consecutive dims. The result may be empty.
    """
    shape = tuple(shape)
    ndim = len(shape)
    covered = draw(st.integers(0, ndim))
    ellipsis_at = draw(st.none() | st.integers(0, covered))
    mode = draw(st.sampled_from(["basic", "array", "mask"]))
    index_shape = draw(shapes(min_dims=1, max_dims=2, max_side=3))
    mask_used = False

    def segment(axes):
        """Items indexing the consecutive ``axes``."""
        nonlocal mask_used
        items, position = [], 0
        while position < len(axes):
            axis = axes[position]
            size = shape[axis]
            kinds = ["slice"] + (["int"] if size else [])
            kinds += ["array"] if mode == "array" and size else []
            kinds += ["mask"] if mode == "mask" and not mask_used else []
            kind = draw(st.sampled_from(kinds))
            if kind == "mask":
                span = draw(st.integers(1, len(axes) - position))
                items.append(draw(hnp.arrays(bool, shape[axis : axis + span])))
                mask_used = True
                position += span
                continue
            if kind == "int":
                items.append(draw(_int_index(size)))
            elif kind == "slice":
                items.append(draw(_slice(size)))
            else:
                items.append(draw(hnp.arrays(numpy.int64, index_shape, elements=_int_index(size))))
            position += 1
        return items

    if ellipsis_at is None:
        items = segment(list(range(covered)))
    else:
        after = covered - ellipsis_at
        items = segment(list(range(ellipsis_at))) + [Ellipsis] + segment(list(range(ndim - after, ndim)))
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), None)
    if len(items) == 1 and draw(st.booleans()):
        return items[0]
    return tuple(items)


__all__ = [
    "DOMAINS", "PERMUTATION_KINDS", "broadcastable_shapes", "dims", "distinct_arrays", "float_arrays", "floats",
    "index_expressions", "permutation_kind", "permutations", "shapes", "tensors",
]
