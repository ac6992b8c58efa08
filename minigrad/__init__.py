"""minigrad: a small tensor autodiff engine with NumPy (CPU) and CuPy (GPU) backends.

Reverse mode with higher-order gradients: every op's backward is itself
written in differentiable ops. The layers and rules are in docs/design.md;
the ops below come from the one public table (``minigrad.public``).
"""
import os

# OpenBLAS reads this once, when NumPy loads it: its idle worker threads spin 2**N cycles before they
# sleep. At its default (N = 28, ~0.1 s) a worker left by one GEMM still spins through the next conv
# call, whose batch halves (backend/numpy_conv.py) then share a core with it: a DCGAN step took
# 120 ms against 89 at N = 20 on 2 cores. A value the user set is kept.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")

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
