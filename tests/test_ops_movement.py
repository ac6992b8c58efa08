"""Movement and indexing ops: forward against NumPy, first and second derivatives.

Each case draws inputs, the minigrad call and the NumPy reference; one
property test runs every case (forward, gradcheck, gradgradcheck, no mutation).
"""
import numpy as np
import pytest
from hypothesis import find, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.testing import gradcheck, gradgradcheck, strategies

SHAPES = strategies.shapes()
NONEMPTY_DIMS = strategies.shapes(min_dims=1)


@st.composite
def distinct_values(draw, shape):
    """A float64 array of distinct values: a misplaced element shows."""
    return draw(strategies.distinct_arrays(shape))[0]


# ------------------------------------------------------------------- the cases
CASES = {}


def case(function):
    """Register a case: a composite strategy giving (arrays, op on tensors, NumPy reference)."""
    CASES[function.__name__] = st.composite(function)
    return function


def dim_of(draw, ndim, extra=0):
    """A dim, maybe negative, for ``ndim`` dims (+ ``extra`` for unsqueeze/stack; a scalar has dims 0 and -1)."""
    size = ndim + extra or 1
    return draw(st.integers(-size, size - 1))


@case
def reshape(draw):
    shape = draw(SHAPES)
    target = list(draw(st.permutations(shape))) + [1] * draw(st.integers(0, 1))
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    target = tuple(target)
    spelling = draw(st.sampled_from(["function", "method", "view", "varargs"]))
    ops = {
        "function": lambda t: mg.reshape(t, target),
        "method": lambda t: t.reshape(target),
        "view": lambda t: t.view(*target),
        "varargs": lambda t: t.reshape(*target),
    }
    return [draw(distinct_values(shape))], ops[spelling], lambda a: a.reshape(target)


@case
def transpose(draw):
    shape = draw(SHAPES)
    first, second = dim_of(draw, len(shape)), dim_of(draw, len(shape))

    def reference(a):
        return a.swapaxes(first, second) if a.ndim else a  # PyTorch accepts dims 0/-1 of a scalar

    return [draw(distinct_values(shape))], lambda t: t.transpose(first, second), reference


@case
def permute(draw):
    """3 or 4 dims of size 2, so every kind of permutation (cycles too) moves values visibly."""
    shape = (2,) * draw(st.integers(3, 4))
    axes = draw(strategies.permutations(len(shape)))
    return [draw(distinct_values(shape))], lambda t: mg.permute(t, axes), lambda a: a.transpose(axes)


@case
def reversed_dims(draw):
    shape = draw(SHAPES)
    return [draw(distinct_values(shape))], lambda t: t.T, lambda a: a.T


@case
def expand(draw):
    shape = draw(strategies.shapes(max_side=2))
    lead = draw(st.lists(st.integers(1, 3), max_size=2))
    sizes = [draw(st.integers(1, 3)) if s == 1 else draw(st.sampled_from([s, -1])) for s in shape]
    target = tuple(lead + sizes)
    final = tuple(lead) + tuple(s if t == -1 else t for s, t in zip(shape, sizes))
    return [draw(distinct_values(shape))], lambda t: t.expand(*target), lambda a: np.broadcast_to(a, final)


@case
def broadcast(draw):
    shape = draw(SHAPES)
    target = np.broadcast_shapes(shape, draw(hnp.broadcastable_shapes(shape, max_side=3)))
    return [draw(distinct_values(shape))], lambda t: t.broadcast_to(target), lambda a: np.broadcast_to(a, target)


@case
def squeeze(draw):
    shape = list(draw(SHAPES))
    for _ in range(draw(st.integers(0, 2))):
        shape.insert(draw(st.integers(0, len(shape))), 1)
    shape = tuple(shape)
    dim = draw(st.none() | st.integers(-len(shape), len(shape) - 1)) if shape else None

    def reference(a):
        if dim is None:
            return a.squeeze()
        return a.squeeze(dim) if a.shape[dim] == 1 else a  # PyTorch: a non-1 dim is left alone

    return [draw(distinct_values(shape))], lambda t: mg.squeeze(t, dim), reference


@case
def unsqueeze(draw):
    shape = draw(SHAPES)
    dim = dim_of(draw, len(shape), extra=1)
    return [draw(distinct_values(shape))], lambda t: t.unsqueeze(dim), lambda a: np.expand_dims(a, dim)


@case
def flatten(draw):
    shape = draw(SHAPES)
    if not shape:
        return [draw(distinct_values(shape))], mg.flatten, lambda a: a.reshape(1)
    first, second = sorted(draw(st.lists(st.integers(0, len(shape) - 1), min_size=2, max_size=2)))
    start, end = first - len(shape) * draw(st.booleans()), second - len(shape) * draw(st.booleans())
    target = shape[:first] + (-1,) + shape[second + 1 :]
    return [draw(distinct_values(shape))], lambda t: t.flatten(start, end), lambda a: a.reshape(target)


@case
def getitem(draw):
    shape = draw(SHAPES)
    key = draw(strategies.index_expressions(shape))
    return [draw(distinct_values(shape))], lambda t: t[key], lambda a: a[key]


@case
def cat(draw):
    shape = draw(NONEMPTY_DIMS)
    dim = dim_of(draw, len(shape))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    axis = dim % len(shape)
    arrays = list(draw(strategies.distinct_arrays(*(shape[:axis] + (s,) + shape[axis + 1 :] for s in sizes))))
    return arrays, lambda *ts: mg.cat(ts, dim=dim), lambda *arrays: np.concatenate(arrays, axis=dim)


@case
def stack(draw):
    shape = draw(SHAPES)
    dim = dim_of(draw, len(shape), extra=1)
    arrays = list(draw(strategies.distinct_arrays(*[shape] * draw(st.integers(1, 3)))))
    return arrays, lambda *ts: mg.stack(ts, dim=dim), lambda *arrays: np.stack(arrays, axis=dim)


def split_points(sizes):
    return np.cumsum(sizes)[:-1]


@case
def split(draw):
    shape = draw(NONEMPTY_DIMS)
    dim = dim_of(draw, len(shape))
    length = shape[dim]
    if draw(st.booleans()):
        size = draw(st.integers(1, length + 1))
        sizes = [size] * (length // size) + ([length % size] if length % size else [])
        how = size
    else:
        cuts = sorted(draw(st.lists(st.integers(0, length), max_size=2)))
        sizes = list(np.diff([0, *cuts, length]))
        how = sizes
    return [draw(distinct_values(shape))], lambda t: t.split(how, dim), lambda a: np.split(a, split_points(sizes), dim)


@case
def chunk(draw):
    shape = draw(NONEMPTY_DIMS)
    dim = dim_of(draw, len(shape))
    chunks = draw(st.integers(1, 4))
    length = shape[dim]
    size = -(-length // chunks)  # PyTorch: every chunk but the last has ceil(length / chunks)
    points = list(range(size, length, size))
    return [draw(distinct_values(shape))], lambda t: t.chunk(chunks, dim), lambda a: np.split(a, points, dim)


@case
def pad(draw):
    shape = draw(NONEMPTY_DIMS)
    widths = draw(st.lists(st.integers(0, 2), min_size=2, max_size=2 * len(shape)).filter(lambda w: len(w) % 2 == 0))
    value = draw(st.sampled_from([0.0, -1.5]))
    pairs = [(widths[i], widths[i + 1]) for i in range(0, len(widths), 2)]
    numpy_widths = [(0, 0)] * (len(shape) - len(pairs)) + pairs[::-1]
    return (
        [draw(distinct_values(shape))],
        lambda t: mg.functional.pad(t, widths, value=value),
        lambda a: np.pad(a, numpy_widths, constant_values=value),
    )


def assert_same(result, expected):
    """A tensor (or tuple of tensors) equals NumPy's result exactly, shape and dtype included."""
    if isinstance(expected, (list, tuple)):
        assert isinstance(result, tuple) and len(result) == len(expected)
        for part, want in zip(result, expected):
            assert_same(part, want)
        return
    assert result.shape == expected.shape
    assert result.dtype == expected.dtype
    np.testing.assert_array_equal(result.numpy(), expected)


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_movement_op(name, data, device):
    """Forward equals NumPy; first and second derivatives match finite differences."""
    arrays, op, reference = data.draw(CASES[name](), label=name)
    tensors = [mg.tensor(a, dtype=mg.float64, device=device, requires_grad=True) for a in arrays]
    assert_same(op(*tensors), reference(*arrays))
    assert gradcheck(op, tensors)
    assert gradgradcheck(op, tensors)
    for tensor, array in zip(tensors, arrays):
        np.testing.assert_array_equal(tensor.numpy(), array)  # inputs untouched


@pytest.mark.parametrize("dtype", ["int64", "bool", "float32"])
@pytest.mark.parametrize("name", ["getitem", "reshape", "permute", "cat", "pad", "split"])
@given(data=st.data())
def test_movement_keeps_dtype(name, dtype, data, device):
    """Integer, bool and float32 tensors move exactly as NumPy arrays do (no gradient asked)."""
    arrays, op, reference = data.draw(CASES[name](), label=name)
    arrays = [(a * 3).astype(dtype) for a in arrays]
    assert_same(op(*(mg.tensor(a, device=device) for a in arrays)), reference(*arrays))


@given(
    size=st.integers(1, 5),
    data=st.data(),
    spelling=st.sampled_from(["array", "list", "tensor"]),
)
def test_repeated_indices_accumulate(size, data, spelling, device):
    """x[idx] with repeats: each element's gradient is the sum over its occurrences."""
    index = data.draw(hnp.arrays(np.int64, st.integers(1, 8), elements=st.integers(-size, size - 1)))
    weights = data.draw(hnp.arrays(np.float64, index.shape, elements=st.floats(-2, 2)))
    key = {"array": index, "list": index.tolist(), "tensor": mg.tensor(index, device=device)}[spelling]
    x = mg.zeros(size, dtype=mg.float64, device=device, requires_grad=True)
    (x[key] * mg.tensor(weights, device=device)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.bincount(index % size, weights=weights, minlength=size))


def test_boolean_mask_gradient(device):
    """x[mask] passes gradient to the selected elements only, in row-major order."""
    x = mg.tensor(np.arange(6.0).reshape(2, 3), dtype=mg.float64, device=device, requires_grad=True)
    mask = x > 2.5
    picked = x[mask]
    np.testing.assert_array_equal(picked.numpy(), [3.0, 4.0, 5.0])
    picked.backward(mg.tensor([10.0, 20.0, 30.0], dtype=mg.float64, device=device))
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 0], [10, 20, 30]])


@pytest.mark.parametrize(
    "length, chunks, sizes",
    [(5, 4, [2, 2, 1]), (6, 3, [2, 2, 2]), (2, 4, [1, 1]), (7, 1, [7])],
)
def test_chunk_sizes_follow_pytorch(length, chunks, sizes):
    """chunk gives ceil(n / chunks) per piece, so possibly fewer pieces than asked (PyTorch's rule)."""
    assert [piece.shape[0] for piece in mg.arange(length).chunk(chunks)] == sizes


def test_reshape_infers_minus_one():
    assert mg.zeros(2, 3, 4).reshape(-1, 4).shape == (6, 4)
    assert mg.zeros(2, 3, 4).view(2, -1).shape == (2, 12)
    assert mg.zeros(1).reshape(()).shape == ()


@pytest.mark.parametrize("kind", strategies.PERMUTATION_KINDS)
def test_permutation_strategy_reaches_every_kind(kind):
    """The permute case can draw each kind, the non-self-inverse cycles included."""
    axes = find(strategies.permutations(4), lambda axes: strategies.permutation_kind(axes) == kind)
    assert sorted(axes) == [0, 1, 2, 3]


def test_permute_backward_applies_the_inverse_permutation():
    """A 3-cycle is not its own inverse: the gradient must be the cotangent permuted back."""
    x = mg.zeros(2, 3, 4, dtype=mg.float64, requires_grad=True)
    cotangent = np.arange(24.0).reshape(3, 4, 2)
    mg.permute(x, (1, 2, 0)).backward(mg.tensor(cotangent, dtype=mg.float64))
    np.testing.assert_array_equal(x.grad.numpy(), cotangent.transpose(2, 0, 1))
