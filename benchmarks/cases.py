"""What a benchmark case is: a name, its suite, and a builder of one callable per implementation.

A builder takes the Context (device, the optional torch module, quick mode)
and returns a Built: the zero-argument callables to time, keyed by
implementation ("minigrad", "torch", and "numpy" for a plain array-library
floor or baseline), and the work one call does (FLOPs, bytes moved, ops), so
that figures become fractions of the machine's limits. Adding a case is one
entry in a suite's list.
"""
from dataclasses import dataclass, field
from typing import Callable

import numpy


@dataclass(frozen=True)
class Context:
    device: str  # "cpu" or "cuda"
    torch: object  # the torch module, or None when absent or not asked for
    quick: bool

    @property
    def xp(self):
        """The raw array library of the device (numpy or cupy)."""
        if self.device == "cpu":
            return numpy
        import cupy

        return cupy

    @property
    def floor_name(self):
        return "numpy" if self.device == "cpu" else "cupy"

    def torch_tensor(self, array, requires_grad=False):
        return self.torch.tensor(numpy.asarray(array), device=self.device, requires_grad=requires_grad)


@dataclass
class Built:
    runs: dict  # implementation name -> zero-argument callable
    flops: float = 0.0  # floating-point operations of one call (0: not counted)
    nbytes: float = 0.0  # bytes one call must move through memory (0: not counted)
    ops: int = 1  # operations one call performs; figures are also given per op
    notes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    suite: str
    name: str
    build: Callable[[Context], Built]


def random_arrays(*shapes, scale=1.0, seed=0):
    """float32 standard-normal arrays of the given shapes, reproducible."""
    rng = numpy.random.default_rng(seed)
    return [scale * rng.standard_normal(shape, dtype=numpy.float32) for shape in shapes]
