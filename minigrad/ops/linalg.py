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
    """x @ weight.T + bias over the last dim of x (any leading dims)."""
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    if x.shape[-1:] != weight.shape[1:]:
        raise ValueError(f"linear: input of shape {x.shape} does not end in in_features={weight.shape[1]} "
                         f"(weight {weight.shape})")
    y = matmul(x, swap_last_dims(weight))
    return y if bias is None else y + bias
