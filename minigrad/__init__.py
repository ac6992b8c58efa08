"""minigrad: a small tensor autodiff engine with NumPy (CPU) and CuPy (GPU) backends.

Reverse mode with higher-order gradients: every op's backward is itself
written in differentiable ops.
"""
from . import autograd  # noqa: F401  (first: tensor.py builds on it)
from . import cuda, dtypes, functional
from .autograd import Function, enable_grad, grad, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (
    arange, eye, full, full_like, linspace, manual_seed, ones, ones_like, rand, rand_like, randint,
    randn, randn_like, tensor, zeros, zeros_like,
)
from .dtypes import bool_, float16, float32, float64, int32, int64, uint8
from .ops.elementwise import (
    abs, clamp, cos, erf, exp, log, log1p, maximum, minimum, sigmoid, sign, sin, sqrt, tanh, where,
)
from .ops.linalg import matmul
from .ops.movement import cat, chunk, flatten, permute, reshape, split, squeeze, stack, transpose, unsqueeze
from .ops.reduction import argmax, argmin, logsumexp, max, mean, min, softmax, std, sum, var
from .tensor import Tensor
from . import data, nn, optim  # noqa: E402  (layers build on everything above)
from .serialization import load, save

bool = bool_  # minigrad.bool, as torch.bool

__version__ = "0.1.0"
