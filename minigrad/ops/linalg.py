"""Matrix product with NumPy's matmul semantics (batched, broadcast batch dims)."""
from ..function import Function
from ..public import public
from .movement import Permute, squeeze, unsqueeze
from .shapes import broadcast_shapes, sum_to


class MatMul(Function):
    """a @ b for a, b with at least 2 dims."""

    name = "matmul"

    def forward(self, a, b):
        if a.ndim == 2 and b.ndim == 2:
            # the same product; NumPy's matmul leaves BLAS for outer products and broadcast
            # (stride-0) operands, several times slower there, where dot stays on it
            return self.xp.dot(a, b)
        return self.xp.matmul(a, b)

    def backward(self, grad):
        a, b = self.inputs
        grad_a = sum_to(MatMul.apply(grad, swap_last_dims(b)), a.shape) if self.needs_input_grad[0] else None
        grad_b = sum_to(MatMul.apply(swap_last_dims(a), grad), b.shape) if self.needs_input_grad[1] else None
        return grad_a, grad_b


class Linear(Function):
    """x @ weight.T (+ bias) for a 2-D x, in one node.

    The composite (transpose, matmul, add) costs three nodes' Python per layer
    and seven in backward, most of a small MLP's step (the benchmarks' train
    suite); this node's backward is the same products, and it adds the bias
    into the product it owns, with no fresh array.
    """

    def forward(self, x, weight, *bias):
        out = self.xp.dot(x, weight.T)
        if bias:
            out += bias[0]
        return out

    def backward(self, grad):
        x, weight = self.inputs[:2]
        needs = self.needs_input_grad
        grad_x = MatMul.apply(grad, weight) if needs[0] else None
        grad_weight = MatMul.apply(swap_last_dims(grad), x) if needs[1] else None
        if len(self.inputs) == 2:
            return grad_x, grad_weight
        return grad_x, grad_weight, sum_to(grad, self.inputs[2].shape) if needs[2] else None


def swap_last_dims(x):
    """x with its last two dims swapped, for a tensor known to have two or more (no checks to pay)."""
    return Permute.apply(x, axes=tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))


@public("minigrad", "Tensor", methods=("__matmul__",), reflected=("__rmatmul__",))
def matmul(a, b):
    """a @ b; 1-D operands act as a row (a) or column (b) vector, as in NumPy."""
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dim, got shapes {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        raise ValueError(
            f"matmul: inner dimensions differ: {a.shape} @ {b.shape} "
            f"(a.shape[-1]={a.shape[-1]} must equal b.shape[{-2 if b.ndim > 1 else 0}])"
        )
    broadcast_shapes("matmul (batch dims)", a.shape[:-2], b.shape[:-2])
    result = MatMul.apply(unsqueeze(a, 0) if a.ndim == 1 else a, unsqueeze(b, -1) if b.ndim == 1 else b)
    if a.ndim == 1:  # drop a's row dim first: with b 1-D too, b's dim is then the last one left
        result = squeeze(result, -2)
    if b.ndim == 1:
        result = squeeze(result, -1)
    return result


@public("F")
def linear(x, weight, bias=None):
    """x @ weight.T + bias over the last dim of x (any leading dims); one Linear node for the usual 2-D x."""
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    if x.shape[-1:] != weight.shape[1:]:
        raise ValueError(f"linear: input of shape {x.shape} does not end in in_features={weight.shape[1]} "
                         f"(weight {weight.shape})")
    if x.ndim == 2 and (bias is None or bias.shape == weight.shape[:1]):
        return Linear.apply(x, weight) if bias is None else Linear.apply(x, weight, bias)
    y = matmul(x, swap_last_dims(weight))
    return y if bias is None else y + bias
