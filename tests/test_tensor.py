"""The Tensor API: constructors, dtypes, seeding, conversions, repr, no-gradient results, in-place."""
import numpy as np
import pytest

import minigrad as mg

# (constructor call, the NumPy array it must equal, shape/dtype/values included)
CONSTRUCTORS = {
    "tensor list": (lambda: mg.tensor([[1.5, 2.0], [3.0, 4.0]]), np.array([[1.5, 2.0], [3.0, 4.0]], np.float32)),
    "tensor ints": (lambda: mg.tensor([1, 2]), np.array([1, 2], np.int64)),
    "tensor bools": (lambda: mg.tensor([True, False]), np.array([True, False])),
    "tensor scalar": (lambda: mg.tensor(2.5), np.array(2.5, np.float32)),
    "tensor float64 array": (lambda: mg.tensor(np.array([0.1, 0.2])), np.array([0.1, 0.2])),
    "zeros varargs": (lambda: mg.zeros(2, 3), np.zeros((2, 3), np.float32)),
    "zeros tuple": (lambda: mg.zeros((2, 3)), np.zeros((2, 3), np.float32)),
    "ones": (lambda: mg.ones(4, dtype=mg.float64), np.ones(4)),
    "full float": (lambda: mg.full((2, 2), 7.5), np.full((2, 2), 7.5, np.float32)),
    "full int": (lambda: mg.full((3,), 7), np.full(3, 7, np.int64)),
    "arange end": (lambda: mg.arange(5), np.arange(5, dtype=np.int64)),
    "arange float step": (lambda: mg.arange(1, 2, 0.25), np.array([1.0, 1.25, 1.5, 1.75], np.float32)),
    "arange dtype": (lambda: mg.arange(0, 6, 2, dtype=mg.float64), np.array([0.0, 2.0, 4.0])),
    "linspace": (lambda: mg.linspace(0, 1, 5), np.array([0.0, 0.25, 0.5, 0.75, 1.0], np.float32)),
    "eye": (lambda: mg.eye(3), np.eye(3, dtype=np.float32)),
    "eye rectangular": (lambda: mg.eye(2, 3), np.array([[1, 0, 0], [0, 1, 0]], np.float32)),
    "zeros_like": (lambda: mg.zeros_like(mg.ones(2, dtype=mg.float64)), np.zeros(2)),
    "ones_like int": (lambda: mg.ones_like(mg.arange(3)), np.ones(3, np.int64)),
    "full_like dtype": (lambda: mg.full_like(mg.ones(2), 3, dtype="float64"), np.full(2, 3.0)),
}


@pytest.mark.parametrize("name", sorted(CONSTRUCTORS))
def test_constructor(name):
    build, expected = CONSTRUCTORS[name]
    result = build()
    assert result.shape == expected.shape and result.dtype == expected.dtype
    np.testing.assert_array_equal(result.numpy(), expected)
    assert result.device == "cpu" and not result.requires_grad


@pytest.mark.parametrize("spelling", [mg.float64, "float64", np.float64, np.dtype("float64")])
@pytest.mark.parametrize("build", [
    lambda dtype: mg.tensor([1, 2], dtype=dtype),
    lambda dtype: mg.zeros(2, dtype=dtype),
    lambda dtype: mg.randn(2, dtype=dtype),
    lambda dtype: mg.ones(2).to(dtype),
    lambda dtype: mg.ones(2).astype(dtype),
    lambda dtype: mg.rand_like(mg.ones(2), dtype=dtype),
], ids=["tensor", "zeros", "randn", "to", "astype", "rand_like"])
def test_dtype_spellings(build, spelling):
    """minigrad dtypes, their names and NumPy's types all mean the same dtype."""
    assert build(spelling).dtype == np.float64


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "uint8", "float32"])
def test_integer_and_bool_dtypes(dtype):
    result = mg.zeros(3, dtype=dtype)
    assert result.dtype == np.dtype(dtype)
    assert mg.tensor([0, 1, 1], dtype=dtype).tolist() == np.array([0, 1, 1], dtype=dtype).tolist()


def test_float32_default_and_minigrad_names():
    assert mg.float32 == np.float32 and mg.bool == np.bool_ and mg.int64 == np.int64
    assert mg.tensor([1.0]).dtype == mg.float32 and mg.randn(2).dtype == mg.float32


def test_requires_grad_and_device_keywords():
    for build in (mg.zeros, mg.ones, mg.randn, mg.rand):
        result = build(2, 3, device="cpu", requires_grad=True)
        assert result.requires_grad and result.is_leaf and result.device == "cpu"
    assert mg.tensor([1.0], requires_grad=True).requires_grad


# ---------------------------------------------------------------- randomness
RANDOM = {
    "randn": lambda: mg.randn(3, 4),
    "rand": lambda: mg.rand(3, 4, dtype=mg.float64),
    "randint": lambda: mg.randint(0, 10, (3, 4)),
    "randn_like": lambda: mg.randn_like(mg.zeros(3, 4)),
}


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_manual_seed_reproduces(name):
    mg.manual_seed(123)
    first = RANDOM[name]()
    mg.manual_seed(123)
    again = RANDOM[name]()
    mg.manual_seed(124)
    other = RANDOM[name]()
    assert first.shape == (3, 4)
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    assert not np.array_equal(first.numpy(), other.numpy())


def test_random_distributions():
    normal = mg.randn(20_000, dtype=mg.float64).numpy()
    assert abs(normal.mean()) < 0.05 and abs(normal.std() - 1) < 0.05
    uniform = mg.rand(20_000).numpy()
    assert uniform.min() >= 0 and uniform.max() < 1 and abs(uniform.mean() - 0.5) < 0.02
    integers = mg.randint(3, 7, size=(20_000,))
    assert integers.dtype == mg.int64 and set(np.unique(integers.numpy())) == {3, 4, 5, 6}
    assert set(np.unique(mg.randint(2, size=(100,)).numpy())) == {0, 1}


# --------------------------------------------------------------- conversions
def test_numpy_is_a_copy():
    x = mg.tensor([1.0, 2.0])
    host = x.numpy()
    host[0] = 99.0
    assert x.tolist() == [1.0, 2.0]
    assert not np.shares_memory(x.numpy(), x.numpy())


def test_tensor_copies_its_input():
    array = np.array([1.0, 2.0])
    x = mg.tensor(array)
    array[0] = 99.0
    assert x.tolist() == [1.0, 2.0]


def test_item():
    assert mg.tensor([[2.5]]).item() == 2.5 and type(mg.tensor(2.5).item()) is float
    assert type(mg.tensor(3).item()) is int
    with pytest.raises(ValueError, match=r"item.*one-element.*\(2,\)"):
        mg.tensor([1.0, 2.0]).item()


def test_to_dtype_and_device():
    x = mg.tensor([1.5, 2.5])
    assert x.to(mg.float64).dtype == mg.float64
    assert x.to(dtype="float64", device="cpu").dtype == mg.float64
    assert x.to("cpu") is x and x.to(device="CPU") is x
    assert x.to("int64").tolist() == [1, 2]


def test_astype_is_differentiable_between_floats():
    values = np.array([1.0, -2.0, 0.5], np.float32)
    x = mg.tensor(values, requires_grad=True)
    wide = x.astype(mg.float64)
    assert wide.dtype == mg.float64 and wide.requires_grad
    first, = mg.grad((wide**3).sum(), x, create_graph=True)
    assert first.dtype == mg.float32
    np.testing.assert_allclose(first.numpy(), 3 * values.astype(np.float64) ** 2, rtol=1e-6)
    second, = mg.grad(first.sum(), x)
    np.testing.assert_allclose(second.numpy(), 6 * values, rtol=1e-6)


def test_cast_to_integer_has_no_gradient():
    x = mg.tensor([1.7, -2.2], requires_grad=True)
    rounded = x.astype(mg.int64)
    assert rounded.tolist() == [1, -2] and not rounded.requires_grad
    assert not x.long().requires_grad and x.double().requires_grad


@pytest.mark.parametrize("x, words", [
    (mg.tensor([1.5, 2.0]), ["tensor([1.5, 2. ])"]),
    (mg.tensor([1.0], dtype=mg.float64), ["dtype=float64"]),
    (mg.tensor([1.0], requires_grad=True), ["requires_grad=True"]),
    (mg.tensor([1.0], requires_grad=True) * 2, ["grad_fn=<Mul>"]),
    (mg.arange(3), ["tensor([0, 1, 2])"]),
    (mg.zeros(1000), ["...", "tensor("]),
])
def test_repr_is_readable(x, words):
    text = repr(x)
    for word in words:
        assert word in text
    assert len(text) < 200


# --------------------------------------------------- results without gradient
@pytest.mark.parametrize("op", ["__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"])
def test_comparisons_give_bool_tensors_without_gradient(op):
    a_values, b_values = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])
    a = mg.tensor(a_values, requires_grad=True)
    for other, other_values in ((mg.tensor(b_values), b_values), (2.0, 2.0)):
        result = getattr(a, op)(other)
        assert result.dtype == mg.bool and not result.requires_grad
        np.testing.assert_array_equal(result.numpy(), getattr(a_values, op)(other_values))


def test_argmax_argmin_without_gradient():
    values = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    x = mg.tensor(values, requires_grad=True)
    for name in ("argmax", "argmin"):
        for dim in (None, 0, 1):
            result = getattr(x, name)(dim=dim)
            assert not result.requires_grad and result.dtype.kind == "i"
            np.testing.assert_array_equal(result.numpy(), getattr(values, name)(axis=dim))


# ------------------------------------------------------------------ in place
IN_PLACE = {
    "copy_": (lambda t: t.copy_(mg.tensor([4.0, -5.0])), [4.0, -5.0]),
    "fill_": (lambda t: t.fill_(2.5), [2.5, 2.5]),
    "zero_": (lambda t: t.zero_(), [0.0, 0.0]),
    "clamp_": (lambda t: t.clamp_(min=0.0, max=1.5), [1.5, 0.0]),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_refuses_tensors_requiring_grad(name):
    change, expected = IN_PLACE[name]
    x = mg.tensor([3.0, -1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=rf"{name}.*requires grad.*no_grad"):
        change(x)
    assert x.tolist() == [3.0, -1.0]
    with mg.no_grad():
        assert change(x) is x
    assert x.tolist() == expected and x.requires_grad
    plain = mg.tensor([3.0, -1.0])
    change(plain)
    assert plain.tolist() == expected
