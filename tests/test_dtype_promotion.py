"""Python numbers promote tensors as in PyTorch; tensor-tensor mixing stays an error (tests/test_errors.py).

Each case is checked against PyTorch's result dtype and values, stored here as literals
(the rule is small), and against live PyTorch when it is installed.
"""
import math

import numpy as np
import pytest

import minigrad as mg

# name: (minigrad call, expected dtype, expected values, the same expression in torch)
CASES = {
    "int * float scalar": (lambda: mg.tensor([3, 5]) * 0.5, "float32", [1.5, 2.5], "torch.tensor([3, 5]) * 0.5"),
    "float scalar * int": (lambda: 0.5 * mg.tensor([3, 5]), "float32", [1.5, 2.5], "0.5 * torch.tensor([3, 5])"),
    "int + float scalar": (lambda: mg.tensor([1, 2]) + 0.25, "float32", [1.25, 2.25], "torch.tensor([1, 2]) + 0.25"),
    "float scalar - int": (lambda: 1.5 - mg.tensor([1, 2]), "float32", [0.5, -0.5], "1.5 - torch.tensor([1, 2])"),
    "int * int scalar": (lambda: mg.tensor([3, 5]) * 2, "int64", [6, 10], "torch.tensor([3, 5]) * 2"),
    "int / int scalar": (lambda: mg.tensor([3, 5]) / 2, "float32", [1.5, 2.5], "torch.tensor([3, 5]) / 2"),
    "int / int tensor": (
        lambda: mg.tensor([3, 4]) / mg.tensor([2, 8]), "float32", [1.5, 0.5],
        "torch.tensor([3, 4]) / torch.tensor([2, 8])",
    ),
    "int ** float scalar": (lambda: mg.tensor([4, 9]) ** 0.5, "float32", [2.0, 3.0], "torch.tensor([4, 9]) ** 0.5"),
    "int ** int scalar": (lambda: mg.tensor([2, 3]) ** 2, "int64", [4, 9], "torch.tensor([2, 3]) ** 2"),
    "bool + int scalar": (lambda: mg.tensor([True, False]) + 1, "int64", [2, 1], "torch.tensor([True, False]) + 1"),
    "bool * float scalar": (
        lambda: mg.tensor([True, False]) * 1.5, "float32", [1.5, 0.0], "torch.tensor([True, False]) * 1.5",
    ),
    "float32 * float scalar": (
        lambda: mg.tensor([1.0, 2.0]) * 2.5, "float32", [2.5, 5.0], "torch.tensor([1.0, 2.0]) * 2.5",
    ),
    "float64 * int scalar": (
        lambda: mg.tensor([1.0], dtype=mg.float64) * 3, "float64", [3.0],
        "torch.tensor([1.0], dtype=torch.float64) * 3",
    ),
    "int32 * int scalar": (
        lambda: mg.tensor([1, 2], dtype=mg.int32) * 3, "int32", [3, 6], "torch.tensor([1, 2], dtype=torch.int32) * 3",
    ),
    "where int and float scalar": (
        lambda: mg.where(mg.tensor([True, False]), mg.tensor([1, 2]), 0.5), "float32", [1.0, 0.5],
        "torch.where(torch.tensor([True, False]), torch.tensor([1, 2]), 0.5)",
    ),
    "maximum int and float scalar": (
        lambda: mg.maximum(mg.tensor([1, 2]), 1.5), "float32", [1.5, 2.0],
        "torch.maximum(torch.tensor([1, 2]), torch.tensor(1.5))",
    ),
}

# op -> float64 NumPy reference
UNARY_FLOAT_OPS = {
    "exp": np.exp, "log": np.log, "log1p": np.log1p, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos,
    "tanh": np.tanh, "sigmoid": lambda a: 1 / (1 + np.exp(-a)), "erf": np.vectorize(math.erf),
}
UNARY_KEEPING_OPS = ["abs", "neg", "relu", "sign"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_scalar_promotion(name):
    call, dtype, values, _ = CASES[name]
    result = call()
    assert result.dtype == np.dtype(dtype)
    np.testing.assert_allclose(result.numpy(), values, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_scalar_promotion_matches_pytorch(name):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (the stored literals are checked instead)")
    _, dtype, values, expression = CASES[name]
    theirs = eval(expression, {"torch": torch})
    assert str(theirs.dtype) == f"torch.{dtype}"
    np.testing.assert_allclose(theirs.numpy(), values, rtol=1e-6)


@pytest.mark.parametrize("op", sorted(UNARY_FLOAT_OPS))
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_float_ops_of_integer_tensors_give_float32(op, dtype):
    """exp(int tensor) is float32 (the default float), as in PyTorch, not NumPy's float64."""
    integers = np.array([1, 2, 3]).astype(dtype)
    result = getattr(mg, op)(mg.tensor(integers))
    assert result.dtype == mg.float32
    np.testing.assert_allclose(result.numpy(), UNARY_FLOAT_OPS[op](integers.astype(np.float64)), rtol=1e-6)


@pytest.mark.parametrize("op", UNARY_KEEPING_OPS)
def test_integer_valued_ops_keep_integer_dtype(op):
    assert getattr(mg, op)(mg.tensor([-2, 0, 3])).dtype == mg.int64


def test_a_promoted_result_still_carries_gradient_for_float_operands():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    assert x.grad.dtype == mg.float32 and x.grad.tolist() == [3.0, 3.0]

