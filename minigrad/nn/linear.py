"""Linear (y = x W^T + b) and Identity."""
from .. import creation
from ..ops.linalg import linear
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """Affine map from ``in_features`` to ``out_features`` with PyTorch's default init."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = Parameter(creation.zeros(out_features, in_features, dtype=dtype, device=device))
        bias_param = Parameter(creation.zeros(out_features, dtype=dtype, device=device)) if bias else None
        self.register_parameter("bias", bias_param)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, x):
        return linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input unchanged (a placeholder where a layer is optional)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x
