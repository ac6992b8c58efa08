"""Parameter: a tensor that a Module registers as learnable."""
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor with ``requires_grad=True`` that modules pick up automatically.

    Assigning one to a Module attribute registers it, so ``parameters()``,
    ``state_dict()`` and optimizers find it. It shares memory with ``data``.
    """

    def __init__(self, data, requires_grad=True):
        if isinstance(data, Tensor):
            if not data.is_leaf:
                data = data.detach()
            super().__init__(data.data, dtype=data.dtype, device=data.device, requires_grad=requires_grad)
        else:
            super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def clear_grad(tensor, set_to_none=True):
    """Drop ``tensor.grad`` (None) or replace it with fresh zeros (never zeroed in place: it may be shared)."""
    if tensor.grad is None:
        return
    zeros = None if set_to_none else Tensor.from_array(tensor.backend.xp.zeros_like(tensor.grad.data), tensor.backend)
    tensor.grad = zeros
