"""Elementwise primitives: arithmetic with broadcasting, unary math, where, clamp.

Every backward is written in Tensor ops, so it can be differentiated again.
Non-differentiable factors (masks, signs) enter backward as constant tensors.
"""
import math
import numbers

from .. import dtypes
from ..function import Function, check_same_dtype
from ..grad_mode import is_grad_enabled
from ..public import public
from ..tensor import Tensor
from .shapes import broadcast_shapes, sum_to


def as_tensor(value, like):
    """``value`` as a tensor on ``like``'s device and dtype (Python scalars, arrays)."""
    if isinstance(value, Tensor):
        return value
    return Tensor.from_array(like.backend.asarray(value, dtype=like.dtype), like.backend)


def promote_for_scalar(tensor, scalar):
    """PyTorch's rule for a tensor beside a Python number: a float number makes an
    integer or bool tensor float32 (the default float), an int number makes a bool
    tensor int64; otherwise the tensor's dtype wins (float32 * 2.5 stays float32)."""
    kind = tensor.dtype.kind
    if kind in "biu" and isinstance(scalar, numbers.Real) and not isinstance(scalar, numbers.Integral):
        return cast(tensor, dtypes.default_float)
    if kind == "b" and isinstance(scalar, numbers.Integral) and not isinstance(scalar, bool):
        return cast(tensor, dtypes.int64)
    return tensor


def constant(array, like):
    """A gradient-free tensor beside ``like`` holding ``array`` in ``like``'s dtype."""
    return Tensor.from_array(array.astype(like.dtype, copy=False), like.backend)


def _operands(op, a, b):
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}: at least one operand must be a Tensor, got {type(a).__name__} and {type(b).__name__}")
    if not isinstance(a, Tensor):
        b = promote_for_scalar(b, a)
        a = as_tensor(a, b)
    elif not isinstance(b, Tensor):
        a = promote_for_scalar(a, b)
        b = as_tensor(b, a)
    broadcast_shapes(op, a.shape, b.shape)
    return a, b


def _as_float(x):
    """Integer and bool tensors as float32 for ops whose result is a float (exp, sqrt...), as PyTorch does."""
    return x if x.dtype.kind == "f" else cast(x, dtypes.default_float)


# ------------------------------------------------------------ binary arithmetic
class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        a, b = self.inputs
        grad_a = sum_to(grad, a.shape) if self.needs_input_grad[0] else None
        grad_b = sum_to(grad, b.shape) if self.needs_input_grad[1] else None
        return grad_a, grad_b


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        a, b = self.inputs
        grad_a = sum_to(grad, a.shape) if self.needs_input_grad[0] else None
        grad_b = sum_to(-grad, b.shape) if self.needs_input_grad[1] else None
        return grad_a, grad_b


class Mul(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, grad):
        a, b = self.inputs
        grad_a = sum_to(Mul.apply(grad, b), a.shape) if self.needs_input_grad[0] else None
        grad_b = sum_to(Mul.apply(grad, a), b.shape) if self.needs_input_grad[1] else None
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

    settings = ("exponent",)

    def forward(self, x):
        return x**self.exponent

    def backward(self, grad):
        (x,) = self.inputs
        if self.exponent == 0:
            return grad * 0
        return grad * self.exponent * x ** (self.exponent - 1)


@public("minigrad", "Tensor", methods=("__add__",), reflected=("__radd__",))
def add(a, b):
    return Add.apply(*_operands("add", a, b))


@public("minigrad", "Tensor", methods=("__sub__",), reflected=("__rsub__",))
def sub(a, b):
    return Sub.apply(*_operands("sub", a, b))


@public("minigrad", "Tensor", methods=("__mul__",), reflected=("__rmul__",))
def mul(a, b):
    return Mul.apply(*_operands("mul", a, b))


@public("minigrad", "Tensor", methods=("__truediv__",), reflected=("__rtruediv__",))
def div(a, b):
    """True division; integer tensors give float32, as in PyTorch."""
    a, b = _operands("div", a, b)
    check_same_dtype("div", (a, b))
    return Div.apply(_as_float(a), _as_float(b))


@public("minigrad", "Tensor", methods=("__pow__",), reflected=("__rpow__",))
def pow(base, exponent):
    if isinstance(base, Tensor) and isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        return PowConstant.apply(promote_for_scalar(base, exponent), exponent=exponent)
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


class ScaleBySlope(Function):
    """grad * slope: the backward of a piecewise-linear op (relu, abs, clamp...) at x.

    ``slope`` is a constant array; x is an input only to keep the graph link:
    the slope does not change with x (away from the kinks), so differentiating
    this again gives zeros for x, as in PyTorch, instead of "no graph".
    """

    settings = ("slope",)

    def forward(self, grad, x):
        return grad * self.slope

    def backward(self, grad):
        _, x = self.inputs
        grad_grad = ScaleBySlope.apply(grad, x, slope=self.slope) if self.needs_input_grad[0] else None
        grad_x = constant(self.xp.zeros(x.shape, dtype=x.dtype), x) if self.needs_input_grad[1] else None
        return grad_grad, grad_x


def _scaled_by_slope(grad, x, slope, owned=False):
    """grad * slope, recorded as ScaleBySlope when the gradient itself is differentiated
    (create_graph); otherwise the plain product, written into ``slope`` when the caller owns it
    (no fresh array: each costs page faults at the sizes of a conv net)."""
    if is_grad_enabled():
        return ScaleBySlope.apply(grad, x, slope=slope.astype(x.dtype, copy=False))
    in_place = owned and isinstance(slope, x.backend.xp.ndarray) and slope.dtype == x.dtype
    product = x.backend.xp.multiply(grad.data, slope, out=slope if in_place else None)
    return Tensor.from_array(product.astype(x.dtype, copy=False), x.backend)


class Abs(Function):
    def forward(self, x):
        return self.xp.abs(x)

    def backward(self, grad):
        (x,) = self.inputs
        return _scaled_by_slope(grad, x, self.xp.sign(x.data))


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


def _sigmoid_array(xp, x):
    """1 / (1 + e) for x >= 0 and e / (1 + e) below, e = exp(-|x|) (never overflows). The form is
    picked by multiplying with the sign mask (e or 1, exactly), not by ``where``, which is several
    times slower in NumPy."""
    small = xp.exp(-xp.abs(x))
    reciprocal = 1 / (1 + small)
    negative = x < 0
    small *= negative
    small += ~negative
    small *= reciprocal
    return small


class Sigmoid(Function):
    def forward(self, x):
        return _sigmoid_array(self.xp, x)

    def backward(self, grad):
        out = self.output
        return grad * out * (1 - out)


class Silu(Function):
    """x * sigmoid(x), one primitive: the U-Net's activation, where the composite's three ops and
    their backward cost several passes over every feature map. Backward is one NumPy expression,
    grad * s * (1 + x (1 - s)) with the forward's s = sigmoid(x), or the same formula in Tensor ops
    when a graph of the gradient is recorded."""

    def forward(self, x):
        self.sig = _sigmoid_array(self.xp, x)
        return x * self.sig

    def backward(self, grad):
        x = self.inputs[0]
        if is_grad_enabled():
            sig = sigmoid(x)
            return grad * (sig * (1 + x * (1 - sig)))
        slope = 1 - self.sig
        slope *= x.data
        slope += 1
        slope *= self.sig
        slope *= grad.data
        return Tensor.from_array(slope, x.backend)

    def release(self):
        super().release()
        self.sig = None


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
        return _scaled_by_slope(grad, x, x.data > 0)


class LeakyRelu(Function):
    """x where x > 0, else slope * x: the larger of the two for slopes up to 1, the smaller above.
    (max/min and a multiply-add on the mask are several times faster than ``where`` in NumPy.)"""

    settings = ("negative_slope",)

    def forward(self, x):
        pick = self.xp.maximum if self.negative_slope <= 1 else self.xp.minimum
        scaled = self.xp.multiply(x, x.dtype.type(self.negative_slope), out=self.xp.empty_like(x))
        return pick(scaled, x, out=scaled)  # in place: each fresh array costs page faults

    def backward(self, grad):
        (x,) = self.inputs
        slope = (x.data > 0).astype(x.data.dtype)  # 1 where x > 0, then 1 there and negative_slope elsewhere
        slope *= 1 - self.negative_slope
        slope += self.negative_slope
        return _scaled_by_slope(grad, x, slope, owned=True)


class Clamp(Function):
    settings = ("low", "high")

    def forward(self, x):
        return self.xp.clip(x, self.low, self.high)

    def backward(self, grad):
        (x,) = self.inputs
        inside = self.xp.ones(x.shape, dtype=bool)
        if self.low is not None:
            inside &= x.data >= self.low
        if self.high is not None:
            inside &= x.data <= self.high
        return _scaled_by_slope(grad, x, inside)


class Where(Function):
    """condition ? a : b, with ``condition`` a constant boolean array."""

    settings = ("condition",)

    def forward(self, a, b):
        return self.xp.where(self.condition, a, b)

    def backward(self, grad):
        a, b = self.inputs
        zero = grad.backend.xp.zeros((), dtype=grad.dtype)
        zero = Tensor.from_array(zero, grad.backend)
        grad_a = sum_to(Where.apply(grad, zero, condition=self.condition), a.shape)
        grad_b = sum_to(Where.apply(zero, grad, condition=self.condition), b.shape)
        return grad_a, grad_b


class Cast(Function):
    settings = ("dtype",)

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, grad):
        return cast(grad, self.inputs[0].dtype)


def _unary(function, float_result=False):
    """The public form of a one-input Function; ``float_result`` ops turn integer inputs to float32 first."""

    def apply(x):
        return function.apply(_as_float(x) if float_result else x)

    apply.__name__ = function.name
    apply.__qualname__ = function.name
    apply.__doc__ = f"Elementwise {function.name} (differentiable to any order)."
    return apply


neg = public("minigrad", "Tensor", methods=("__neg__",))(_unary(Neg))
exp = public("minigrad", "F", "Tensor")(_unary(Exp, float_result=True))
log = public("minigrad", "F", "Tensor")(_unary(Log, float_result=True))
log1p = public("minigrad", "Tensor")(_unary(Log1p, float_result=True))
sqrt = public("minigrad", "Tensor")(_unary(Sqrt, float_result=True))
abs = public("minigrad", "F", "Tensor")(_unary(Abs))
sin = public("minigrad", "Tensor")(_unary(Sin, float_result=True))
cos = public("minigrad", "Tensor")(_unary(Cos, float_result=True))
tanh = public("minigrad", "F", "Tensor")(_unary(Tanh, float_result=True))
sigmoid = public("minigrad", "F", "Tensor")(_unary(Sigmoid, float_result=True))
silu = public("F")(_unary(Silu, float_result=True))
softplus = public("F")(_unary(Softplus, float_result=True))
erf = public("minigrad", "F", "Tensor")(_unary(Erf, float_result=True))
relu = public("minigrad", "F", "Tensor")(_unary(Relu))


@public("F")
def leaky_relu(x, negative_slope=0.01):
    return LeakyRelu.apply(x, negative_slope=float(negative_slope))


@public("minigrad", "F", "Tensor", alias=("clip",))
def clamp(x, min=None, max=None):
    """Limit x to [min, max]; the gradient is zero where x was clipped."""
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min and max")
    if min is not None and max is not None and min > max:
        raise ValueError(f"clamp: min={min} is larger than max={max}")
    return Clamp.apply(x, low=min, high=max)


@public("minigrad", "F", "Tensor")
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


@public("minigrad", "F", "Tensor")
def maximum(a, b):
    """Elementwise max; at ties the gradient goes to ``a``."""
    a, b = _operands("maximum", a, b)
    return where(a >= b, a, b)


@public("minigrad", "F", "Tensor")
def minimum(a, b):
    """Elementwise min; at ties the gradient goes to ``a``."""
    a, b = _operands("minimum", a, b)
    return where(a <= b, a, b)


def cast(x, dtype):
    """x in another dtype; differentiable between floating dtypes."""
    if x.dtype == dtype:
        return x
    return Cast.apply(x, dtype=dtype)


@public("Tensor")
def astype(x, dtype):
    """x in ``dtype`` (a dtype or its name); differentiable between floating dtypes."""
    return cast(x, dtypes.resolve(dtype))


@public("Tensor", name="float")
def to_float32(x):
    return cast(x, dtypes.float32)


@public("Tensor", name="double")
def to_float64(x):
    return cast(x, dtypes.float64)


@public("Tensor", name="long")
def to_int64(x):
    return cast(x, dtypes.int64)


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
    return Tensor.from_array(result, a.backend)


def _comparison(name, method):
    """The public form of one comparison, also Tensor's ``method`` (``__eq__`` for eq)."""

    def apply(a, b):
        return compare(name, a, b)

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = f"Elementwise {name} as a bool tensor (no gradient); also ``{method}``."
    return public("minigrad", "Tensor", methods=(method,))(apply)


eq = _comparison("eq", "__eq__")
ne = _comparison("ne", "__ne__")
lt = _comparison("lt", "__lt__")
le = _comparison("le", "__le__")
gt = _comparison("gt", "__gt__")
ge = _comparison("ge", "__ge__")
logical_and = _comparison("logical_and", "__and__")
logical_or = _comparison("logical_or", "__or__")


@public("minigrad", "Tensor", methods=("__invert__",))
def logical_not(x):
    return Tensor.from_array(x.backend.xp.logical_not(x.data), x.backend)


@public("minigrad", "Tensor")
def sign(x):
    """-1, 0 or 1 by the sign of x; no gradient (it is zero almost everywhere)."""
    return Tensor.from_array(x.backend.xp.sign(x.data), x.backend)
