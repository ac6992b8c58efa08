"""Elementwise primitives: arithmetic with broadcasting, unary math, where, clamp.

Every backward is written in Tensor ops, so it can be differentiated again.
Non-differentiable factors (masks, signs) enter backward as constant tensors.
"""
import math

from .. import dtypes
from ..autograd import Function
from ..tensor import Tensor
from .shapes import broadcast_shapes, sum_to


def as_tensor(value, like):
    """``value`` as a tensor on ``like``'s device and dtype (Python scalars, arrays)."""
    if isinstance(value, Tensor):
        return value
    return Tensor._wrap(like.backend.asarray(value, dtype=like.dtype), like.backend)


def constant(array, like):
    """A gradient-free tensor beside ``like`` holding ``array`` in ``like``'s dtype."""
    return Tensor._wrap(array.astype(like.dtype, copy=False), like.backend)


def _operands(op, a, b):
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}: at least one operand must be a Tensor, got {type(a).__name__} and {type(b).__name__}")
    a = as_tensor(a, b) if not isinstance(a, Tensor) else a
    b = as_tensor(b, a) if not isinstance(b, Tensor) else b
    broadcast_shapes(op, a.shape, b.shape)
    return a, b


# ------------------------------------------------------------ binary arithmetic
class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        a, b = self.inputs
        return sum_to(grad, a.shape), sum_to(grad, b.shape)


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        a, b = self.inputs
        return sum_to(grad, a.shape), sum_to(-grad, b.shape)


class Mul(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, grad):
        a, b = self.inputs
        grad_a = sum_to(grad * b, a.shape) if self.needs_input_grad[0] else None
        grad_b = sum_to(grad * a, b.shape) if self.needs_input_grad[1] else None
        return grad_a, grad_b


class Div(Function):
    def forward(self, a, b):
        return a / b

    def backward(self, grad):
        a, b = self.inputs
        grad_a = sum_to(grad / b, a.shape) if self.needs_input_grad[0] else None
        grad_b = sum_to(-grad * a / (b * b), b.shape) if self.needs_input_grad[1] else None
        return grad_a, grad_b


class Pow(Function):
    """a ** b with a tensor exponent; d/db = a**b * log(a) needs a > 0."""

    def forward(self, a, b):
        return a**b

    def backward(self, grad):
        a, b = self.inputs
        grad_a = sum_to(grad * b * a ** (b - 1), a.shape) if self.needs_input_grad[0] else None
        grad_b = sum_to(grad * self.output * log(a), b.shape) if self.needs_input_grad[1] else None
        return grad_a, grad_b


class PowConstant(Function):
    """x ** c for a Python number c."""

    def forward(self, x):
        return x**self.exponent

    def backward(self, grad):
        (x,) = self.inputs
        if self.exponent == 0:
            return grad * 0
        return grad * self.exponent * x ** (self.exponent - 1)


def add(a, b):
    return Add.apply(*_operands("add", a, b))


def sub(a, b):
    return Sub.apply(*_operands("sub", a, b))


def mul(a, b):
    return Mul.apply(*_operands("mul", a, b))


def div(a, b):
    a, b = _operands("div", a, b)
    if not dtypes.is_floating(a.dtype):
        raise TypeError(f"div: true division needs floating tensors, got {a.dtype}; cast with .astype()")
    return Div.apply(a, b)


def pow(base, exponent):
    if isinstance(base, Tensor) and isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        return PowConstant.apply(base, exponent=exponent)
    return Pow.apply(*_operands("pow", base, exponent))


# ------------------------------------------------------------------ unary math
class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, grad):
        return -grad


class Exp(Function):
    def forward(self, x):
        return self.xp.exp(x)

    def backward(self, grad):
        return grad * self.output


class Log(Function):
    def forward(self, x):
        return self.xp.log(x)

    def backward(self, grad):
        return grad / self.inputs[0]


class Log1p(Function):
    def forward(self, x):
        return self.xp.log1p(x)

    def backward(self, grad):
        return grad / (self.inputs[0] + 1)


class Sqrt(Function):
    def forward(self, x):
        return self.xp.sqrt(x)

    def backward(self, grad):
        return grad * 0.5 / self.output


class Abs(Function):
    def forward(self, x):
        return self.xp.abs(x)

    def backward(self, grad):
        (x,) = self.inputs
        return grad * constant(self.xp.sign(x.data), x)


class Sin(Function):
    def forward(self, x):
        return self.xp.sin(x)

    def backward(self, grad):
        return grad * cos(self.inputs[0])


class Cos(Function):
    def forward(self, x):
        return self.xp.cos(x)

    def backward(self, grad):
        return -grad * sin(self.inputs[0])


class Tanh(Function):
    def forward(self, x):
        return self.xp.tanh(x)

    def backward(self, grad):
        out = self.output
        return grad * (1 - out * out)


class Sigmoid(Function):
    def forward(self, x):
        # exp of -|x| never overflows; pick the matching form per sign.
        small = self.xp.exp(-self.xp.abs(x))
        return self.xp.where(x >= 0, 1 / (1 + small), small / (1 + small))

    def backward(self, grad):
        out = self.output
        return grad * out * (1 - out)


class Softplus(Function):
    """log(1 + e^x), computed without overflow for any x."""

    def forward(self, x):
        return self.xp.logaddexp(0, x).astype(x.dtype, copy=False)

    def backward(self, grad):
        return grad * sigmoid(self.inputs[0])


class Erf(Function):
    def forward(self, x):
        return self.backend.erf(x)

    def backward(self, grad):
        x = self.inputs[0]
        return grad * (2 / math.sqrt(math.pi)) * exp(-(x * x))


class Relu(Function):
    def forward(self, x):
        return self.xp.maximum(x, 0)

    def backward(self, grad):
        (x,) = self.inputs
        return grad * constant(x.data > 0, x)


class LeakyRelu(Function):
    def forward(self, x):
        return self.xp.where(x > 0, x, x * x.dtype.type(self.negative_slope))

    def backward(self, grad):
        (x,) = self.inputs
        slope = self.xp.where(x.data > 0, x.dtype.type(1), x.dtype.type(self.negative_slope))
        return grad * Tensor._wrap(slope, x.backend)


class Clamp(Function):
    def forward(self, x):
        return self.xp.clip(x, self.low, self.high)

    def backward(self, grad):
        (x,) = self.inputs
        inside = self.xp.ones(x.shape, dtype=bool)
        if self.low is not None:
            inside &= x.data >= self.low
        if self.high is not None:
            inside &= x.data <= self.high
        return grad * constant(inside, x)


class Where(Function):
    """condition ? a : b, with ``condition`` a constant boolean array."""

    def forward(self, a, b):
        return self.xp.where(self.condition, a, b)

    def backward(self, grad):
        a, b = self.inputs
        zero = grad.backend.xp.zeros((), dtype=grad.dtype)
        zero = Tensor._wrap(zero, grad.backend)
        grad_a = sum_to(Where.apply(grad, zero, condition=self.condition), a.shape)
        grad_b = sum_to(Where.apply(zero, grad, condition=self.condition), b.shape)
        return grad_a, grad_b


class Cast(Function):
    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, grad):
        return cast(grad, self.inputs[0].dtype)


def _unary(function):
    def apply(x):
        return function.apply(x)

    apply.__name__ = function.__name__.lower()
    apply.__doc__ = f"Elementwise {apply.__name__} (differentiable to any order)."
    return apply


neg = _unary(Neg)
exp = _unary(Exp)
log = _unary(Log)
log1p = _unary(Log1p)
sqrt = _unary(Sqrt)
abs = _unary(Abs)
sin = _unary(Sin)
cos = _unary(Cos)
tanh = _unary(Tanh)
sigmoid = _unary(Sigmoid)
softplus = _unary(Softplus)
erf = _unary(Erf)
relu = _unary(Relu)


def leaky_relu(x, negative_slope=0.01):
    return LeakyRelu.apply(x, negative_slope=float(negative_slope))


def clamp(x, min=None, max=None):
    """Limit x to [min, max]; the gradient is zero where x was clipped."""
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min and max")
    if min is not None and max is not None and min > max:
        raise ValueError(f"clamp: min={min} is larger than max={max}")
    return Clamp.apply(x, low=min, high=max)


def where(condition, a, b):
    """Pick a where condition holds, else b; all three broadcast together."""
    like = a if isinstance(a, Tensor) else b
    if not isinstance(like, Tensor):
        raise TypeError("where: a or b must be a Tensor")
    condition = condition.data if isinstance(condition, Tensor) else like.backend.asarray(condition)
    if condition.dtype != bool:
        raise TypeError(f"where: condition must be bool, got {condition.dtype}")
    a, b = _operands("where", a, b)
    broadcast_shapes("where", tuple(condition.shape), a.shape, b.shape)
    return Where.apply(a, b, condition=condition)


def maximum(a, b):
    """Elementwise max; at ties the gradient goes to ``a``."""
    a, b = _operands("maximum", a, b)
    return where(a >= b, a, b)


def minimum(a, b):
    """Elementwise min; at ties the gradient goes to ``a``."""
    a, b = _operands("minimum", a, b)
    return where(a <= b, a, b)


def cast(x, dtype):
    """x in another dtype; differentiable between floating dtypes."""
    if x.dtype == dtype:
        return x
    return Cast.apply(x, dtype=dtype)


# --------------------------------------------------------- no-gradient results
_COMPARISONS = {
    "eq": "equal",
    "ne": "not_equal",
    "lt": "less",
    "le": "less_equal",
    "gt": "greater",
    "ge": "greater_equal",
    "logical_and": "logical_and",
    "logical_or": "logical_or",
}


def compare(name, a, b):
    """A bool tensor (no gradient) from an elementwise comparison."""
    if not isinstance(a, Tensor):
        a, b = b, a
        name = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}.get(name, name)
    other = b.data if isinstance(b, Tensor) else b
    if isinstance(b, Tensor):
        broadcast_shapes(name, a.shape, b.shape)
        if b.backend is not a.backend:
            raise RuntimeError(f"{name}: tensors are on different devices, {a.device} and {b.device}")
    result = getattr(a.backend.xp, _COMPARISONS[name])(a.data, other)
    return Tensor._wrap(result, a.backend)


def logical_not(x):
    return Tensor._wrap(x.backend.xp.logical_not(x.data), x.backend)


def sign(x):
    return Tensor._wrap(x.backend.xp.sign(x.data), x.backend)
