"""minigrad: a small tensor autodiff engine with NumPy (CPU) and CuPy (GPU) backends.

Reverse mode with higher-order gradients: every op's backward is itself
written in differentiable ops. The layers and rules are in docs/design.md;
the ops below come from the one public table (``minigrad.public``).
"""
from . import cuda, data, dtypes, functional, nn, optim
from .autograd import Function, enable_grad, grad, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (
    arange, eye, full, full_like, linspace, manual_seed, ones, ones_like, rand, rand_like, randint,
    randn, randn_like, tensor, zeros, zeros_like,
)
from .dtypes import bool_, float16, float32, float64, int32, int64, uint8
from .public import namespace as _public_namespace
from .serialization import load, save
from .tensor import Tensor

globals().update(_public_namespace("minigrad"))  # abs, exp, matmul, cat, conv2d, ...: the table's "minigrad" ops

bool = bool_  # minigrad.bool, as torch.bool

__version__ = "0.1.0"
