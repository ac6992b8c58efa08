"""gradcheck and gradgradcheck themselves: they pass right gradients and catch wrong ones."""
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import Function
from minigrad.ops.elementwise import constant
from minigrad.testing import gradcheck, gradgradcheck


class Square(Function):
    """x^2 with a chosen factor in backward: 2 is right, anything else is a planted bug."""

    factor = 2.0

    def forward(self, x):
        return x * x

    def backward(self, grad):
        return grad * self.factor * self.inputs[0]


class WrongSquare(Square):
    factor = 3.0


class SlightlyWrongSquare(Square):
    factor = 2.02  # 1% off: beyond rtol=1e-3


class Product(Function):
    """a * b whose gradient for b is planted wrong (a + 1 instead of a)."""

    def forward(self, a, b):
        return a * b

    def backward(self, grad):
        a, b = self.inputs
        return grad * b, grad * (a + 1.0)


class Cube(Function):
    """x^3 whose backward is right in value, but uses 3x^2 as a constant: not differentiable again."""

    def forward(self, x):
        return x**3

    def backward(self, grad):
        x = self.inputs[0]
        return grad * constant(3 * x.data**2, x)


class GoodCube(Cube):
    def backward(self, grad):
        x = self.inputs[0]
        return grad * 3.0 * x * x


VALUES = np.array([[0.5, -1.25, 2.0], [1.5, -0.75, 3.0]])


def leaf(values=VALUES, dtype=mg.float64):
    return mg.tensor(values, dtype=dtype, requires_grad=True)


def numbers_after(word, message):
    return float(re.search(rf"{word} (-?[\d.e+-]+)", message).group(1))


@pytest.mark.parametrize("fast_mode", [False, True])
def test_right_gradients_pass(fast_mode):
    assert gradcheck(Square.apply, [leaf()], fast_mode=fast_mode)
    assert gradgradcheck(GoodCube.apply, [leaf()], fast_mode=fast_mode)
    assert gradcheck(lambda a, b: (a @ b.T, a.exp()), [leaf(), leaf(VALUES[::-1])], fast_mode=fast_mode)


def test_full_mode_names_input_element_and_both_values():
    """The worst entry of 3x vs 2x is at the largest |x|: element (1, 2), analytic 9, numeric 6."""
    with pytest.raises(AssertionError) as failure:
        gradcheck(WrongSquare.apply, [leaf()], fast_mode=False)
    message = str(failure.value)
    assert "input 0 (shape (2, 3))" in message and "input element (1, 2)" in message
    assert numbers_after("analytic", message) == pytest.approx(9.0)
    assert numbers_after("numeric", message) == pytest.approx(6.0, rel=1e-6)


def test_fast_mode_catches_and_names_input_and_values():
    with pytest.raises(AssertionError, match=r"input 0 \(shape \(2, 3\)\), projection") as failure:
        gradcheck(WrongSquare.apply, [leaf()], fast_mode=True)
    message = str(failure.value)
    analytic, numeric = numbers_after("analytic", message), numbers_after("numeric", message)
    assert analytic == pytest.approx(1.5 * numeric, rel=1e-5)  # u^T (3x) v against u^T (2x) v


@pytest.mark.parametrize("fast_mode", [False, True])
def test_small_errors_are_caught(fast_mode):
    with pytest.raises(AssertionError, match="gradient mismatch"):
        gradcheck(SlightlyWrongSquare.apply, [leaf()], fast_mode=fast_mode)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_the_wrong_input_is_named(fast_mode):
    with pytest.raises(AssertionError, match=r"gradient mismatch for input 1 "):
        gradcheck(Product.apply, [leaf(), leaf(VALUES + 1)], fast_mode=fast_mode)
    frozen = mg.tensor(VALUES, dtype=mg.float64)  # the wrong gradient is not asked for: passes
    assert gradcheck(Product.apply, [leaf(), frozen], fast_mode=fast_mode)


def test_large_inputs_switch_to_projections():
    """70 inputs x 70 outputs passes the full-Jacobian limit: the failure comes from a projection."""
    x = leaf(np.linspace(-2, 2, 70))
    with pytest.raises(AssertionError, match="projection"):
        gradcheck(WrongSquare.apply, [x])
    assert gradcheck(Square.apply, [x])


def test_non_finite_gradient_fails():
    class NanBackward(Square):
        def backward(self, grad):
            return grad * float("nan")

    with pytest.raises(AssertionError, match="analytic nan"):
        gradcheck(NanBackward.apply, [leaf()], fast_mode=False)


def test_float32_inputs_are_refused():
    for check in (gradcheck, gradgradcheck):
        with pytest.raises(TypeError, match=r"input 1 is float32; finite differences need float64"):
            check(Product.apply, [leaf(), leaf(dtype=mg.float32)])


def test_nothing_to_check_is_refused():
    with pytest.raises(ValueError, match="no input has requires_grad=True"):
        gradcheck(Square.apply, [mg.tensor(VALUES, dtype=mg.float64)])


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradgradcheck_catches_a_backward_that_is_not_differentiable(fast_mode):
    """Cube's first derivative is right, so gradcheck passes; its second is missing, so gradgradcheck fails."""
    assert gradcheck(Cube.apply, [leaf()], fast_mode=fast_mode)
    with pytest.raises(AssertionError, match="gradient mismatch for input 0"):
        gradgradcheck(Cube.apply, [leaf()], fast_mode=fast_mode)


def test_inputs_are_restored():
    x = leaf()
    gradcheck(Square.apply, [x])
    gradgradcheck(GoodCube.apply, [x])
    np.testing.assert_array_equal(x.numpy(), VALUES)
    assert x.grad is None
